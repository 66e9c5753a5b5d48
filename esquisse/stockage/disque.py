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

import json
import os
import time
from pathlib import Path

from esquisse.esquisses.brouillons import DOSSIER as DOSSIER_BROUILLONS
from esquisse.esquisses.versions import FICHIER_HISTORIQUE, Depot
from esquisse.noyau.erreurs import Concurrence, DonneeInvalide, SchemaInvalide
from esquisse.noyau.fichiers import ecrire_json, verrou
from esquisse.stockage.interfaces import (
    GENRES_DOCUMENTS,
    LIBELLES_GENRES,
    BrouillonStocke,
    Document,
    RefDocument,
    RefHypothese,
    message_concurrence,
)

SEANCES = "seances"
HYPOTHESES = "hypotheses"
ECARTES = "ecartes"

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
        try:
            return Document(json.loads(brut), revision)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SchemaInvalide(f"Le fichier {chemin} est illisible : {exc}") from exc

    def lire(self, ref: RefDocument) -> Document | None:
        return self._lire(self._place(ref)[0])

    def lister(self, atelier: str) -> list[RefDocument]:
        racine = self.racine / atelier
        refs = []
        for genre, (modele, fichier, _) in _PLACES.items():
            motif = {"": fichier, "{s}": f"{SEANCES}/*/{fichier}", "{h}": f"{SEANCES}/*/{HYPOTHESES}/*/{fichier}"}
            for chemin in sorted(racine.glob(motif[modele])):
                if modele == "":
                    refs.append(RefDocument(atelier, genre))
                elif modele == "{s}":
                    refs.append(RefDocument(atelier, genre, chemin.parent.name))
                else:
                    refs.append(RefDocument(atelier, genre, chemin.parent.parent.parent.name, chemin.parent.name))
        return refs

    def ecrire(self, ref: RefDocument, contenu: dict | list, revision_lue: int) -> Document:
        chemin, nom_verrou = self._place(ref)
        with verrou(nom_verrou):
            try:
                actuelle = chemin.stat().st_mtime_ns
            except FileNotFoundError:
                actuelle = 0
            if actuelle != revision_lue:
                raise Concurrence(message_concurrence(LIBELLES_GENRES[ref.genre]))
            ecrire_json(chemin, contenu)
            revision = chemin.stat().st_mtime_ns
            if revision <= actuelle:
                # Deux écritures dans le même tic d'horloge : la révision doit quand même changer.
                revision = actuelle + 1
                os.utime(chemin, ns=(revision, revision))
        return Document(contenu, revision)


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


class StockageFichiers:
    """Le magasin de fichiers, sous ``racine`` (le dossier des ateliers)."""

    def __init__(self, racine: Path):
        self.racine = Path(racine)
        self.documents = DocumentsFichiers(self.racine)
        self.brouillons = BrouillonsFichiers(self.racine)

    def __repr__(self) -> str:
        return f"StockageFichiers({self.racine})"

    def versions(self, h: RefHypothese) -> Depot:
        return Depot(dossier_hypothese(self.racine, h), h.contexte)

    def hypotheses(self, atelier: str) -> list[RefHypothese]:
        trouvees = []
        for index in sorted((self.racine / atelier / SEANCES).glob(f"*/{HYPOTHESES}/*/{FICHIER_HISTORIQUE}")):
            dossier = index.parent
            trouvees.append(RefHypothese(atelier, dossier.parent.parent.name, dossier.name))
        return trouvees

    def fermer(self) -> None:
        pass
