"""Versions immuables d'une hypothèse, et leur historique.

Chaque enregistrement écrit un nouveau fichier ``versions/v000001.geojson`` (une
FeatureCollection RFC 7946, métadonnées de version comprises) et ajoute une ligne à
``historique.jsonl``. Garanties :

- **aucun fichier n'est jamais remplacé** : le numéro de version est réservé par ``link``,
  qui échoue si le fichier existe ;
- **aucune version partielle** : le fichier est écrit à part, synchronisé, puis lié ;
- **aucune mise à jour perdue** : les enregistrements d'une hypothèse se suivent sous un
  verrou ; un enregistrement fondé sur une version dépassée est fusionné à trois voies,
  entité par entité (voir :mod:`esquisse.esquisses.fusion`), et les conflits sont rapportés ;
- l'historique est **ajout seulement** : lister les versions ne lit jamais les fichiers de
  version, et restaurer une ancienne version en crée une nouvelle.

Un arrêt brutal entre l'écriture d'une version et celle de sa ligne d'historique est réparé
au passage suivant (la version, complète, porte ses propres métadonnées).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from esquisse.esquisses.fusion import Conflit
from esquisse.esquisses.geojson import collection, normaliser_entite
from esquisse.noyau.dates import FUSEAU, date_heure
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable, SchemaInvalide
from esquisse.noyau.fichiers import (
    creer_sans_ecraser,
    nettoyer_temporaires,
    raison_illisible,
    traduire_erreurs_disque,
    verrou,
)
from esquisse.stockage.enregistrement import (
    PREFIXE_EMPREINTE_CHAINEE,
    appliquer_delta,
    fusionner_changements,
    preparer,
    resume_changements,
    verifier_bases,
)

FICHIER_HISTORIQUE = "historique.jsonl"
DOSSIER_VERSIONS = "versions"
FICHIER_VERROU = ".verrou-versions"
CHIFFRES = 6


def maintenant() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def nom_fichier(numero: int) -> str:
    return f"v{numero:0{CHIFFRES}d}.geojson"


@dataclass(frozen=True)
class MetaVersion:
    numero: int
    parent: int | None
    le: str
    auteur: str
    role: str
    message: str
    nb_entites: int
    empreinte: str = ""
    restauree_de: int | None = None

    @property
    def fichier(self) -> str:
        return f"{DOSSIER_VERSIONS}/{nom_fichier(self.numero)}"

    @property
    def resume(self) -> str:
        """« Version 3 du 12 mars 2026 à 14 h 05 — Restauration de la version 2 — par Léa » (heure de Paris)."""
        parties = [f"Version {self.numero} du {date_heure(self.le)}"]
        message = self.message.strip()
        if message:
            parties.append(message)
        restauration = f"Restauration de la version {self.restauree_de}"
        if self.restauree_de and restauration.casefold() not in message.casefold():
            parties.append(restauration)
        if self.auteur:
            parties.append(f"par {self.auteur}")
        return " — ".join(parties)


COLONNE_DATE = f"Date ({FUSEAU})"


def tableau_historique(metas: Iterable[MetaVersion], roles: dict[str, str]) -> list[dict]:
    """Les lignes du tableau de l'historique, de la plus récente à la plus ancienne."""
    return [
        {
            "Version": m.numero,
            COLONNE_DATE: date_heure(m.le),
            "Auteur": m.auteur,
            "Rôle": roles.get(m.role, m.role),
            "Message": m.message,
            "Esquisses": m.nb_entites,
        }
        for m in reversed(list(metas))
    ]


@dataclass(frozen=True)
class Version:
    meta: MetaVersion
    entites: tuple[dict, ...]
    contexte: dict = field(default_factory=dict, compare=False)  # atelier, séance, hypothèse, tels qu'écrits

    def par_id(self) -> dict[str, dict]:
        return {e["id"]: e for e in self.entites}


@dataclass(frozen=True)
class Changement:
    """Un changement local : une entité ajoutée ou modifiée (``entite``), ou supprimée (``None``).

    ``base`` est le numéro de la version d'où vient la copie locale de l'entité (``None``
    pour une entité nouvelle).
    """

    id: str
    base: int | None
    entite: dict | None


@dataclass
class Enregistrement:
    version: MetaVersion | None  # None si rien n'a changé
    conflits: list[Conflit] = field(default_factory=list)
    ajoutees: int = 0
    modifiees: int = 0
    supprimees: int = 0


class Depot:
    """Les versions d'une hypothèse, rangées dans ``dossier``."""

    def __init__(self, dossier: Path, contexte: dict | None = None):
        self.dossier = dossier
        self.contexte = dict(contexte or {})  # atelier, séance, hypothèse : copiés dans chaque version
        self._historique = dossier / FICHIER_HISTORIQUE
        self._versions = dossier / DOSSIER_VERSIONS

    # -- lecture ---------------------------------------------------------------------------

    def _lire_index(self) -> list[MetaVersion]:
        try:
            info = self._historique.stat()
        except FileNotFoundError:
            return []
        return list(_lire_index(str(self._historique), info.st_mtime_ns, info.st_size))

    def _meta_depuis_fichier(self, numero: int) -> MetaVersion | None:
        chemin = self._versions / nom_fichier(numero)
        if not chemin.exists():
            return None
        contenu = chemin.read_bytes()
        return _meta(json.loads(contenu), hashlib.sha256(contenu).hexdigest())

    def historique(self) -> list[MetaVersion]:
        """Toutes les versions, de la première à la dernière, d'après l'index seul.

        Les versions écrites juste avant un arrêt brutal, pas encore indexées, sont ajoutées
        en lisant leurs seules métadonnées.
        """
        metas = self._lire_index()
        numero = metas[-1].numero + 1 if metas else 1
        while (meta := self._meta_depuis_fichier(numero)) is not None:
            metas.append(meta)
            numero += 1
        return metas

    def derniere(self) -> MetaVersion | None:
        metas = self.historique()
        return metas[-1] if metas else None

    def numero_courant(self) -> int:
        """Numéro de la dernière version (0 s'il n'y en a pas), sans lire les versions."""
        meta = self.derniere()
        return meta.numero if meta else 0

    def lire(self, numero: int) -> Version:
        chemin = self._versions / nom_fichier(numero)
        try:
            info = chemin.stat()
        except FileNotFoundError:
            raise Introuvable(f"La version {numero} n'existe pas.") from None
        return _lire_version(str(chemin), info.st_mtime_ns, info.st_size)

    def entites(self, numero: int | None) -> dict[str, dict]:
        if not numero:
            return {}
        return self.lire(numero).par_id()

    # -- écriture --------------------------------------------------------------------------

    def _reparer(self) -> list[MetaVersion]:
        """Sous verrou : supprime les fichiers temporaires orphelins et complète l'index."""
        # Sous le verrou, personne d'autre n'écrit ici : tout fichier temporaire est orphelin.
        for dossier in (self._versions, self.dossier):
            if dossier.exists():
                nettoyer_temporaires(dossier)
        if self._historique.exists():
            brut = self._historique.read_bytes()
            if brut and not brut.endswith(b"\n"):
                # Ligne finale interrompue par un arrêt brutal : on la retire.
                with open(self._historique, "r+b") as f:
                    f.truncate(brut.rfind(b"\n") + 1)
                    os.fsync(f.fileno())
        indexees = self._lire_index()
        toutes = self.historique()
        for meta in toutes[len(indexees) :]:
            self._indexer(meta)
        return toutes

    def _indexer(self, meta: MetaVersion) -> None:
        ligne = json.dumps(asdict(meta), ensure_ascii=False).encode("utf-8") + b"\n"
        fd = os.open(self._historique, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            taille = os.fstat(fd).st_size
            try:
                if os.write(fd, ligne) != len(ligne):
                    raise OSError(errno.ENOSPC, "ligne d'index écrite en partie")
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, taille)  # disque plein : pas de ligne à moitié écrite
                raise
        finally:
            os.close(fd)

    def _ecrire_version(
        self,
        entites: Iterable[dict],
        parent: int | None,
        auteur: str,
        role: str,
        message: str,
        restauree_de: int | None = None,
        le: str = "",
        contexte: dict | None = None,
        empreinte_attendue: str = "",
    ) -> MetaVersion:
        numero = (parent or 0) + 1
        entites = list(entites)
        le = le or maintenant()
        metadonnees = {
            **(self.contexte if contexte is None else contexte),
            "version": numero,
            "parent": parent,
            "auteur": auteur,
            "role": role,
            "message": message,
            "le": le,
            "restauree_de": restauree_de,
        }
        contenu = json.dumps(collection(entites, esquisse=metadonnees), ensure_ascii=False, indent=None)
        octets = contenu.encode("utf-8")
        if empreinte_attendue and hashlib.sha256(octets).hexdigest() != empreinte_attendue:
            raise DonneeInvalide(f"La version {numero} copiée n'aurait pas la même empreinte : rien n'est écrit.")
        if not creer_sans_ecraser(self._versions / nom_fichier(numero), octets):
            # Ne peut arriver que si l'index a été modifié à la main : on refuse d'écraser.
            raise DonneeInvalide(f"La version {numero} existe déjà : enregistrement refusé, rien n'est écrasé.")
        meta = MetaVersion(
            numero=numero,
            parent=parent,
            le=le,
            auteur=auteur,
            role=role,
            message=message,
            nb_entites=len(entites),
            empreinte=hashlib.sha256(octets).hexdigest(),
            restauree_de=restauree_de,
        )
        # Disque plein ou erreur d'E/S à l'indexation : la version est écrite et synchronisée, elle
        # compte ; sa ligne d'index sera ajoutée au passage suivant (``_reparer``), comme après un arrêt brutal.
        with contextlib.suppress(OSError):
            self._indexer(meta)
        return meta

    @traduire_erreurs_disque("la nouvelle version")
    def enregistrer(
        self, changements: Iterable[Changement], auteur: str, role: str = "", message: str = ""
    ) -> Enregistrement:
        """Applique des changements locaux à la dernière version et écrit la suivante.

        Chaque changement est fusionné avec la dernière version à partir de sa propre
        version de base. Si le résultat ne diffère pas de la dernière version, rien n'est écrit.
        """
        changements = preparer(changements)
        self.dossier.mkdir(parents=True, exist_ok=True)
        with verrou(self.dossier / FICHIER_VERROU):
            # Sous le verrou, le numéro suivant est libre : la boucle de fusion ne fait qu'un tour.
            metas = self._reparer()
            courant = metas[-1].numero if metas else 0
            verifier_bases(changements, courant)
            distante = self.lire(courant).entites if courant else ()
            base = {}
            for c in changements:
                if c.base is not None and (entite := self.entites(c.base).get(c.id)) is not None:
                    base[c.id] = entite
            delta = fusionner_changements(changements, {e["id"]: e for e in distante}, base)
            if delta.vide:
                return Enregistrement(None, delta.conflits)
            message = message or resume_changements(delta.ajoutees, delta.modifiees, delta.supprimees)
            meta = self._ecrire_version(appliquer_delta(distante, delta), courant or None, auteur, role, message)
        return Enregistrement(meta, delta.conflits, delta.ajoutees, delta.modifiees, delta.supprimees)

    @traduire_erreurs_disque("la nouvelle version")
    def restaurer(self, numero: int, auteur: str, role: str = "") -> MetaVersion:
        """Crée une nouvelle version au contenu de la version ``numero`` : l'historique n'est jamais réécrit."""
        ancienne = self.lire(numero)
        with verrou(self.dossier / FICHIER_VERROU):
            metas = self._reparer()
            courant = metas[-1].numero
            return self._ecrire_version(
                ancienne.entites,
                courant,
                auteur,
                role,
                f"Restauration de la version {numero}",
                restauree_de=numero,
            )

    def ajouter(self, meta: MetaVersion, entites: Iterable[dict], contexte: dict) -> bool:
        """Écrit la version ``meta.numero`` telle quelle si c'est la suivante ; ``False`` si elle existe.

        Sert aux copies entre magasins : mêmes numéros, mêmes dates, même contenu, donc même empreinte
        (vérifiée avant d'écrire ; une empreinte chaînée, née dans une base, est remplacée par celle du fichier).
        """
        self.dossier.mkdir(parents=True, exist_ok=True)
        with verrou(self.dossier / FICHIER_VERROU):
            metas = self._reparer()
            courant = metas[-1].numero if metas else 0
            if meta.numero <= courant:
                return False
            if meta.numero != courant + 1 or meta.parent != (courant or None):
                raise DonneeInvalide(f"La version {meta.numero} ne peut pas suivre la version {courant}.")
            self._ecrire_version(
                entites,
                meta.parent,
                meta.auteur,
                meta.role,
                meta.message,
                meta.restauree_de,
                meta.le,
                contexte,
                "" if meta.empreinte.startswith(PREFIXE_EMPREINTE_CHAINEE) else meta.empreinte,
            )
        return True

    def attendre_changement(self, depuis: int, delai: float) -> int:
        """Attend une version plus récente que ``depuis`` en regardant l'index (un ``stat`` par demi-seconde)."""
        limite = time.monotonic() + delai
        while (numero := self.numero_courant()) <= depuis and time.monotonic() < limite:
            time.sleep(min(0.5, max(0.0, limite - time.monotonic())))
        return numero

    @traduire_erreurs_disque("la nouvelle version")
    def initialiser(self, entites: Iterable[dict], auteur: str, role: str, message: str) -> MetaVersion:
        """Première version d'une hypothèse (par exemple reprise d'une séance précédente)."""
        entites = [normaliser_entite(e) for e in entites]
        self.dossier.mkdir(parents=True, exist_ok=True)
        with verrou(self.dossier / FICHIER_VERROU):
            metas = self._reparer()
            if metas:
                raise DonneeInvalide("Cette hypothèse a déjà des versions.")
            return self._ecrire_version(entites, None, auteur, role, message)


def vider_caches() -> None:
    """Oublie les index et versions déjà lus (pour mesurer une lecture à froid)."""
    _lire_index.cache_clear()
    _lire_version.cache_clear()


@functools.lru_cache(maxsize=64)
def _lire_index(chemin: str, _mtime: int, _taille: int) -> tuple[MetaVersion, ...]:
    """L'index d'historique, relu seulement quand il a changé (il ne fait que grandir)."""
    metas = []
    for ligne in Path(chemin).read_bytes().split(b"\n"):
        if not ligne.strip():
            continue
        try:
            metas.append(MetaVersion(**json.loads(ligne)))
        except (json.JSONDecodeError, TypeError):
            # Dernière ligne interrompue par un arrêt brutal : ignorée, réparée plus tard.
            break
    return tuple(metas)


@functools.lru_cache(maxsize=256)
def _lire_version(chemin: str, _mtime: int, _taille: int) -> Version:
    """Lecture d'une version (immuable : le cache ne peut pas devenir faux) ; abîmée : :class:`SchemaInvalide`."""
    try:
        donnees = json.loads(Path(chemin).read_bytes())
        contexte = {k: v for k, v in donnees["esquisse"].items() if k not in _CLES_VERSION}
        return Version(_meta(donnees), tuple(donnees["features"]), contexte)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SchemaInvalide(f"La version {Path(chemin).name} est illisible ({raison_illisible(exc)}).") from exc


# Membres « esquisse » d'un fichier de version propres à la version ; les autres sont le contexte.
_CLES_VERSION = ("version", "parent", "auteur", "role", "message", "le", "restauree_de")


def _meta(donnees: dict, empreinte: str = "") -> MetaVersion:
    """Métadonnées d'une version, lues dans son propre fichier (membre « esquisse »)."""
    m = donnees["esquisse"]
    return MetaVersion(
        numero=m["version"],
        parent=m.get("parent"),
        le=m["le"],
        auteur=m.get("auteur", ""),
        role=m.get("role", ""),
        message=m.get("message", ""),
        nb_entites=len(donnees["features"]),
        empreinte=empreinte,
        restauree_de=m.get("restauree_de"),
    )
