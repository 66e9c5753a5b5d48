"""Versions immuables d'une hypothèse, et leur historique.

Chaque enregistrement écrit un nouveau fichier ``versions/v000001.geojson`` (une
FeatureCollection RFC 7946, métadonnées de version comprises) et ajoute une ligne à
``historique.jsonl``. Garanties :

- **aucun fichier n'est jamais remplacé** : le numéro de version est réservé par ``link``,
  qui échoue si le fichier existe ;
- **aucune version partielle** : le fichier est écrit à part, synchronisé, puis lié ;
- **aucune mise à jour perdue** : les enregistrements d'une hypothèse se suivent sous un
  verrou ; un enregistrement fondé sur une version dépassée est fusionné à trois voies,
  entité par entité (voir :mod:`esquisse.fusion`), et les conflits sont rapportés ;
- l'historique est **ajout seulement** : lister les versions ne lit jamais les fichiers de
  version, et restaurer une ancienne version en crée une nouvelle.

Un arrêt brutal entre l'écriture d'une version et celle de sa ligne d'historique est réparé
au passage suivant (la version, complète, porte ses propres métadonnées).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from esquisse.dates import FUSEAU, date_heure
from esquisse.erreurs import DonneeInvalide, Introuvable
from esquisse.fichiers import creer_sans_ecraser, nettoyer_temporaires, verrou
from esquisse.fusion import Conflit, fusionner
from esquisse.geojson import collection, normaliser_entite, verifier_id

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
            os.write(fd, ligne)
            os.fsync(fd)
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
    ) -> MetaVersion:
        numero = (parent or 0) + 1
        entites = list(entites)
        le = maintenant()
        metadonnees = {
            **self.contexte,
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
        self._versions.mkdir(parents=True, exist_ok=True)
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
        self._indexer(meta)
        return meta

    def enregistrer(
        self, changements: Iterable[Changement], auteur: str, role: str = "", message: str = ""
    ) -> Enregistrement:
        """Applique des changements locaux à la dernière version et écrit la suivante.

        Chaque changement est fusionné avec la dernière version à partir de sa propre
        version de base. Si le résultat ne diffère pas de la dernière version, rien n'est écrit.
        """
        changements = list(changements)
        ids = [verifier_id(c.id) for c in changements]
        if len(set(ids)) != len(ids):
            raise DonneeInvalide("Une même entité apparaît deux fois dans les changements.")
        normalises = [
            Changement(c.id, c.base, normaliser_entite({**c.entite, "id": c.id}) if c.entite is not None else None)
            for c in changements
        ]
        self.dossier.mkdir(parents=True, exist_ok=True)
        with verrou(self.dossier / FICHIER_VERROU):
            metas = self._reparer()
            courant = metas[-1].numero if metas else 0
            distante = self.entites(courant)
            base: dict[str, dict] = {}
            locale: dict[str, dict] = {}
            for c in normalises:
                if c.base is not None:
                    if not 1 <= c.base <= courant:
                        raise DonneeInvalide(f"Version de base inconnue pour l'entité {c.id} : {c.base}.")
                    entite_base = self.entites(c.base).get(c.id)
                    if entite_base is not None:
                        base[c.id] = entite_base
                if c.entite is not None:
                    locale[c.id] = c.entite
            concernees = {c.id for c in normalises}
            partielle = fusionner(base, locale, {i: e for i, e in distante.items() if i in concernees})
            resultat = dict(distante)
            for i in concernees:
                if i in partielle.entites:
                    resultat[i] = partielle.entites[i]
                else:
                    resultat.pop(i, None)
            # Ordre : celui de la dernière version, puis les ajouts.
            ordonne = [resultat[i] for i in distante if i in resultat]
            ordonne += [resultat[i] for i in resultat if i not in distante]
            ajoutees = sum(1 for i in resultat if i not in distante)
            supprimees = sum(1 for i in distante if i not in resultat)
            modifiees = sum(1 for i in resultat if i in distante and resultat[i] != distante[i])
            if not (ajoutees or supprimees or modifiees):
                return Enregistrement(None, partielle.conflits)
            if not message:
                message = resume_changements(ajoutees, modifiees, supprimees)
            meta = self._ecrire_version(ordonne, courant or None, auteur, role, message)
        return Enregistrement(meta, partielle.conflits, ajoutees, modifiees, supprimees)

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

    def initialiser(self, entites: Iterable[dict], auteur: str, role: str, message: str) -> MetaVersion:
        """Première version d'une hypothèse (par exemple reprise d'une séance précédente)."""
        entites = [normaliser_entite(e) for e in entites]
        self.dossier.mkdir(parents=True, exist_ok=True)
        with verrou(self.dossier / FICHIER_VERROU):
            metas = self._reparer()
            if metas:
                raise DonneeInvalide("Cette hypothèse a déjà des versions.")
            return self._ecrire_version(entites, None, auteur, role, message)


def resume_changements(ajoutees: int, modifiees: int, supprimees: int) -> str:
    parties = []
    for n, singulier, pluriel in (
        (ajoutees, "esquisse ajoutée", "esquisses ajoutées"),
        (modifiees, "esquisse modifiée", "esquisses modifiées"),
        (supprimees, "esquisse supprimée", "esquisses supprimées"),
    ):
        if n:
            parties.append(f"{n} {singulier if n == 1 else pluriel}")
    return ", ".join(parties) or "Aucun changement"


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
    """Lecture d'une version (immuable : le cache ne peut pas devenir faux)."""
    donnees = json.loads(Path(chemin).read_bytes())
    return Version(_meta(donnees), tuple(donnees["features"]))


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
