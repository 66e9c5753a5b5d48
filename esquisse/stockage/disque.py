"""Le magasin par défaut : les fichiers du dossier ``ESQUISSE_PROJETS``, au format de toujours.

Rien ne change sur le disque : les versions restent celles de :class:`esquisse.esquisses.versions.Depot`
(``versions/v000001.geojson`` et ``historique.jsonl``), les documents restent les mêmes fichiers
JSON aux mêmes places, écrits sous les mêmes verrous que les modules du domaine, et les
brouillons les fichiers de ``brouillons/``.

La révision d'un document est l'heure de modification de son fichier, en nanosecondes : elle
change à chaque écriture (sous verrou, elle est forcée à croître strictement) et aussi quand
quelqu'un modifie le fichier à la main, ce qui est voulu. Aucun fichier n'en porte la trace.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import time
from pathlib import Path

from esquisse.esquisses.versions import FICHIER_HISTORIQUE, Depot
from esquisse.noyau.erreurs import Concurrence, DonneeInvalide, SchemaInvalide
from esquisse.noyau.fichiers import creer_sans_ecraser, ecrire_json, raison_illisible, traduire_erreurs_disque, verrou
from esquisse.stockage.interfaces import (
    GENRES_DOCUMENTS,
    LIBELLES_GENRES,
    BrouillonStocke,
    Changer,
    Document,
    RefDocument,
    RefHypothese,
    message_concurrence,
)

SEANCES = "seances"
HYPOTHESES = "hypotheses"
ECARTES = "ecartes"
DOSSIER_BROUILLONS = "brouillons"
FICHIER_JOURNAL = "journal.jsonl"
VERROU_JOURNAL = ".verrou-journal"
# Les fichiers déposés dans un atelier ne sortent pas de ces dossiers.
DOSSIERS_DEPOSABLES = ("couches",)

# Genre → (dossier relatif à l'atelier, nom du fichier, nom du verrou) ; les mêmes que les modules du domaine.
_PLACES = {
    "atelier": ("", "atelier.json", ".verrou-atelier"),
    "feuille_de_route": ("", "feuille_de_route.json", ".verrou-feuille-de-route"),
    "seance": ("{s}", "seance.json", ".verrou-seance"),
    "releve": ("{s}", "releve.json", ".verrou-releve"),
    "hypothese": ("{h}", "hypothese.json", ".verrou-hypothese"),
    "vues": ("{h}", "vues.json", ".verrou-vues"),
}


def dossier_hypothese(racine: Path, h: RefHypothese) -> Path:
    return racine / h.atelier / SEANCES / h.seance / HYPOTHESES / h.hypothese


class DocumentsFichiers:
    def __init__(self, racine: Path):
        self.racine = racine

    def _place(self, ref: RefDocument) -> tuple[Path, Path]:
        if ref.genre not in GENRES_DOCUMENTS:
            raise DonneeInvalide(f"Genre de document inconnu : {ref.genre}. Genres : {', '.join(GENRES_DOCUMENTS)}.")
        modele, fichier, nom_verrou = _PLACES[ref.genre]
        atelier = self.racine / ref.atelier
        seance = atelier / SEANCES / ref.seance
        dossier = {"": atelier, "{s}": seance, "{h}": seance / HYPOTHESES / ref.hypothese}[modele]
        return dossier / fichier, dossier / nom_verrou

    @staticmethod
    def _lire(chemin: Path) -> Document | None:
        try:
            revision = chemin.stat().st_mtime_ns
            brut = chemin.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:  # droits, erreur d'entrée-sortie, dossier à la place du fichier
            raise SchemaInvalide(f"Le fichier {chemin} est illisible ({raison_illisible(exc)}).") from exc
        try:
            return Document(json.loads(brut), revision)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemaInvalide(f"Le fichier {chemin} est illisible ({raison_illisible(exc)}).") from exc

    def lire(self, ref: RefDocument) -> Document | None:
        return self._lire(self._place(ref)[0])

    def lister(self, atelier: str, genre: str | None = None) -> list[RefDocument]:
        racine = self.racine / atelier
        refs = []
        for genre_, (modele, fichier, _) in _PLACES.items():
            if genre is not None and genre_ != genre:
                continue
            motif = {"": fichier, "{s}": f"{SEANCES}/*/{fichier}", "{h}": f"{SEANCES}/*/{HYPOTHESES}/*/{fichier}"}
            for chemin in sorted(racine.glob(motif[modele])):
                if modele == "":
                    refs.append(RefDocument(atelier, genre_))
                elif modele == "{s}":
                    refs.append(RefDocument(atelier, genre_, chemin.parent.name))
                else:
                    refs.append(RefDocument(atelier, genre_, chemin.parent.parent.parent.name, chemin.parent.name))
        return refs

    def ateliers(self) -> list[str]:
        return sorted(self.revisions_ateliers())

    def revisions_ateliers(self) -> dict[str, int]:
        if not self.racine.is_dir():
            return {}
        revisions = {}
        for d in self.racine.iterdir():
            try:
                revisions[d.name] = (d / _PLACES["atelier"][1]).stat().st_mtime_ns
            except (FileNotFoundError, NotADirectoryError):
                continue
        return revisions

    def ecrire(self, ref: RefDocument, contenu: dict | list, revision_lue: int) -> Document:
        chemin, nom_verrou = self._place(ref)
        with traduire_erreurs_disque(f"« {chemin.name} »"), verrou(nom_verrou):
            try:
                actuelle = chemin.stat().st_mtime_ns
            except FileNotFoundError:
                actuelle = 0
            if actuelle != revision_lue:
                raise Concurrence(message_concurrence(LIBELLES_GENRES[ref.genre]))
            return self._ecrire(chemin, contenu, actuelle)

    @staticmethod
    def _ecrire(chemin: Path, contenu: dict | list, actuelle: int) -> Document:
        ecrire_json(chemin, contenu)
        revision = chemin.stat().st_mtime_ns
        if revision <= actuelle:
            # Deux écritures dans le même tic d'horloge : la révision doit quand même changer.
            revision = actuelle + 1
            os.utime(chemin, ns=(revision, revision))
        return Document(contenu, revision)

    def modifier(self, ref: RefDocument, changer: Changer) -> Document | None:
        chemin, nom_verrou = self._place(ref)
        with traduire_erreurs_disque(f"« {chemin.name} »"), verrou(nom_verrou):
            lu = self._lire(chemin)
            nouveau = changer(copy.deepcopy(lu.contenu) if lu else None)
            if nouveau is None or (lu is not None and nouveau == lu.contenu):
                return lu
            return self._ecrire(chemin, nouveau, lu.revision if lu else 0)


class BrouillonsFichiers:
    """Les fichiers ``brouillons/<séance>--<hypothèse>--<poste>.json`` ; le signe de vie est leur date."""

    def __init__(self, racine: Path):
        self.racine = racine

    def _dossier(self, h: RefHypothese) -> Path:
        return self.racine / h.atelier / DOSSIER_BROUILLONS

    def _chemin(self, h: RefHypothese, poste: str) -> Path:
        return self._dossier(h) / f"{h.seance}--{h.hypothese}--{poste}.json"

    def ecrire(self, h: RefHypothese, poste: str, contenu: dict) -> None:
        ecrire_json(self._chemin(h, poste), contenu)

    def signe_de_vie(self, h: RefHypothese, poste: str) -> None:
        chemin = self._chemin(h, poste)
        if chemin.exists():
            os.utime(chemin)

    def lister(self, h: RefHypothese) -> list[BrouillonStocke]:
        dossier = self._dossier(h)
        if not dossier.is_dir():
            return []
        trouves = []
        for chemin in sorted(dossier.glob(f"{h.seance}--{h.hypothese}--*.json")):
            try:
                contenu = json.loads(chemin.read_text(encoding="utf-8"))
                age = time.time() - chemin.stat().st_mtime
            except (OSError, ValueError):
                continue  # illisible : laissé en place, jamais effacé
            if isinstance(contenu, dict):
                trouves.append(BrouillonStocke(chemin.stem.rsplit("--", 1)[-1], contenu, max(0.0, age)))
        return trouves

    def retirer(self, h: RefHypothese, poste: str) -> None:
        self._chemin(h, poste).unlink(missing_ok=True)

    def ecarter(self, h: RefHypothese, poste: str) -> None:
        chemin = self._chemin(h, poste)
        cible = chemin.parent / ECARTES / chemin.name
        cible.parent.mkdir(parents=True, exist_ok=True)
        if chemin.exists():
            os.replace(chemin, cible)


class JournalFichiers:
    """``journal.jsonl`` dans le dossier de l'atelier : une ligne JSON ajoutée sous verrou, puis synchronisée."""

    def __init__(self, racine: Path):
        self.racine = racine

    def ajouter(self, atelier: str, ligne: dict) -> None:
        brute = (json.dumps(ligne, ensure_ascii=False) + "\n").encode("utf-8")
        dossier = self.racine / atelier
        with traduire_erreurs_disque("le journal de l'atelier"), verrou(dossier / VERROU_JOURNAL):
            fd = os.open(dossier / FICHIER_JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, brute)
                os.fsync(fd)
            finally:
                os.close(fd)

    def lire(self, atelier: str) -> tuple[list[dict], int]:
        chemin = self.racine / atelier / FICHIER_JOURNAL
        if not chemin.is_file():
            return [], 0
        lignes, illisibles = [], 0
        for brute in chemin.read_bytes().splitlines():
            try:
                ligne = json.loads(brute)
            except ValueError:
                illisibles += 1
                continue
            if isinstance(ligne, dict):
                lignes.append(ligne)
            else:
                illisibles += 1
        return lignes, illisibles


def verifier_chemin_depose(chemin: str) -> str:
    """Un chemin relatif sous un des :data:`DOSSIERS_DEPOSABLES`, sans ``..`` ni nom caché."""
    morceaux = chemin.split("/")
    if (
        len(morceaux) < 2
        or morceaux[0] not in DOSSIERS_DEPOSABLES
        or any(m in ("", ".", "..") or m.startswith(".") or "\\" in m for m in morceaux)
    ):
        raise DonneeInvalide(f"Chemin de fichier refusé : « {chemin} ».")
    return chemin


class FichiersAtelierFichiers:
    """Les fichiers déposés sont ceux du dossier de l'atelier, à leur place de toujours."""

    def __init__(self, racine: Path):
        self.racine = racine

    def deposer(self, atelier: str, chemin: str, contenu: bytes) -> bool:
        return creer_sans_ecraser(self.racine / atelier / verifier_chemin_depose(chemin), contenu)

    def lire(self, atelier: str, chemin: str) -> bytes | None:
        try:
            return (self.racine / atelier / verifier_chemin_depose(chemin)).read_bytes()
        except FileNotFoundError:
            return None

    def lister(self, atelier: str) -> list[str]:
        dossier = self.racine / atelier
        return sorted(
            str(f.relative_to(dossier))
            for nom in DOSSIERS_DEPOSABLES
            for f in (dossier / nom).rglob("*")
            if f.is_file() and not any(p.startswith(".") for p in f.relative_to(dossier).parts)
        )


class StockageFichiers:
    """Le magasin de fichiers, sous ``racine`` (le dossier des ateliers)."""

    def __init__(self, racine: Path):
        self.racine = Path(racine)
        self.documents = DocumentsFichiers(self.racine)
        self.brouillons = BrouillonsFichiers(self.racine)
        self.journal = JournalFichiers(self.racine)
        self.fichiers = FichiersAtelierFichiers(self.racine)

    def __repr__(self) -> str:
        return f"StockageFichiers({self.racine})"

    @property
    def description(self) -> str:
        """Le magasin, nommé en français dans les messages."""
        return f"le dossier {self.racine}"

    def versions(self, h: RefHypothese) -> Depot:
        return Depot(dossier_hypothese(self.racine, h), h.contexte)

    def hypotheses(self, atelier: str) -> list[RefHypothese]:
        trouvees = []
        for index in sorted((self.racine / atelier / SEANCES).glob(f"*/{HYPOTHESES}/*/{FICHIER_HISTORIQUE}")):
            dossier = index.parent
            trouvees.append(RefHypothese(atelier, dossier.parent.parent.name, dossier.name))
        return trouvees

    def transaction(self):
        """Sans effet pour les fichiers : chaque écriture y est déjà entière (voir :mod:`esquisse.noyau.fichiers`)."""
        return contextlib.nullcontext()

    def fermer(self) -> None:
        pass
