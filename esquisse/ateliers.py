"""Ateliers : lecture du dossier de données et des couches de chaque atelier.

Un atelier est un dossier de ``projets/`` (ou du dossier désigné par
``ESQUISSE_PROJETS``) qui contient un fichier ``atelier.json``. Ses couches de
référence sont désignées par une référence :

- ``catalogue:<territoire>/<fichier>`` : une couche livrée avec Esquisse, sous ``couches/`` ;
- ``atelier:<chemin>`` : une couche importée, rangée dans le dossier de l'atelier.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from esquisse.couches import charger_couche
from esquisse.erreurs import DonneeInvalide, Introuvable, SchemaInvalide
from esquisse.fichiers import ecrire_json, verrou
from esquisse.legende import LEGENDE_DEFAUT, Categorie, valider_legende
from esquisse.reglages import RACINE

DOSSIER_CATALOGUE = RACINE / "couches"
FICHIER_ATELIER = "atelier.json"
FICHIER_VERROU = ".verrou-atelier"
_IDENTIFIANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# Ordre d'affichage des couches : les plus fines dessous.
GENRES_COUCHES = ("communes", "epci", "scot", "territoires")


@dataclass(frozen=True)
class Perimetre:
    nom: str
    communes: tuple[str, ...]


@dataclass(frozen=True)
class Atelier:
    id: str
    dossier: Path
    nom: str
    theme: str = ""
    region: str = ""
    description: str = ""
    couches: dict[str, str] = field(default_factory=dict)
    perimetre: Perimetre | None = None
    sources: tuple[str, ...] = ()
    attribution: str = ""
    legende: tuple[Categorie, ...] = LEGENDE_DEFAUT

    def chemin_couche(self, genre: str) -> Path:
        """Fichier de la couche ``genre`` de l'atelier."""
        try:
            reference = self.couches[genre]
        except KeyError:
            raise Introuvable(f"L'atelier « {self.nom} » n'a pas de couche « {genre} ».") from None
        return resoudre_reference(reference, self.dossier)

    def couche(self, genre: str) -> gpd.GeoDataFrame:
        return charger_couche(self.chemin_couche(genre), genre)


def verifier_identifiant(identifiant: str) -> str:
    if not isinstance(identifiant, str) or not _IDENTIFIANT.match(identifiant):
        raise DonneeInvalide(
            f"Identifiant invalide : « {identifiant} ». Utilisez des minuscules sans accent, "
            "des chiffres et des tirets (64 caractères au plus)."
        )
    return identifiant


def resoudre_reference(reference: str, dossier_atelier: Path) -> Path:
    """Chemin d'une référence de couche, sans jamais sortir de son dossier racine."""
    espace, _, relatif = reference.partition(":")
    racines = {"catalogue": DOSSIER_CATALOGUE, "atelier": dossier_atelier}
    if espace not in racines or not relatif:
        raise SchemaInvalide(
            f"Référence de couche invalide : « {reference} ». Formes admises : "
            "« catalogue:<territoire>/<fichier> » ou « atelier:<chemin> »."
        )
    racine = racines[espace].resolve()
    chemin = (racine / relatif).resolve()
    if not chemin.is_relative_to(racine):
        raise SchemaInvalide(f"Référence de couche hors de son dossier : « {reference} ».")
    return chemin


def _lire_json(dossier: Path) -> dict:
    fichier = dossier / FICHIER_ATELIER
    try:
        donnees = json.loads(fichier.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Introuvable(f"Aucun atelier dans le dossier « {dossier.name} ».") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaInvalide(f"Le fichier {fichier} est illisible : {exc}") from exc
    if not isinstance(donnees, dict):
        raise SchemaInvalide(f"Le fichier {fichier} doit contenir un objet JSON.")
    return donnees


def _lire_atelier(dossier: Path) -> Atelier:
    return _depuis_json(dossier, _lire_json(dossier))


def _depuis_json(dossier: Path, donnees: dict) -> Atelier:
    fichier = dossier / FICHIER_ATELIER
    if not donnees.get("nom"):
        raise SchemaInvalide(f"Le fichier {fichier} doit contenir au moins un « nom ».")
    couches = donnees.get("couches") or {}
    inconnus = set(couches) - set(GENRES_COUCHES)
    if inconnus:
        raise SchemaInvalide(
            f"Atelier « {donnees['nom']} » : genre(s) de couche inconnu(s) {', '.join(sorted(inconnus))} ; "
            f"genres admis : {', '.join(GENRES_COUCHES)}."
        )
    perimetre = None
    if donnees.get("perimetre"):
        p = donnees["perimetre"]
        perimetre = Perimetre(nom=str(p.get("nom") or "Territoire de projet"), communes=tuple(p.get("communes") or ()))
    return Atelier(
        id=verifier_identifiant(dossier.name),
        dossier=dossier,
        nom=str(donnees["nom"]),
        theme=str(donnees.get("theme") or ""),
        region=str(donnees.get("region") or ""),
        description=str(donnees.get("description") or ""),
        couches=dict(couches),
        perimetre=perimetre,
        sources=tuple(donnees.get("sources") or ()),
        attribution=str(donnees.get("attribution") or ""),
        legende=_legende(donnees),
    )


def _legende(donnees: dict) -> tuple[Categorie, ...]:
    try:
        return valider_legende(donnees.get("legende"))
    except DonneeInvalide as exc:
        raise SchemaInvalide(f"Légende de l'atelier « {donnees.get('nom')} » : {exc}") from exc


def lister_ateliers(dossier_projets: Path) -> list[Atelier]:
    """Ateliers du dossier de données, triés par nom. Un dossier vide donne une liste vide."""
    if not dossier_projets.is_dir():
        return []
    ateliers = [
        _lire_atelier(d)
        for d in sorted(dossier_projets.iterdir())
        if d.is_dir() and (d / FICHIER_ATELIER).is_file() and _IDENTIFIANT.match(d.name)
    ]
    return sorted(ateliers, key=lambda a: a.nom.casefold())


def charger_atelier(dossier_projets: Path, identifiant: str) -> Atelier:
    verifier_identifiant(identifiant)
    dossier = dossier_projets / identifiant
    if not (dossier / FICHIER_ATELIER).is_file():
        raise Introuvable(f"Atelier introuvable : « {identifiant} ».")
    return _lire_atelier(dossier)


def modifier_atelier(dossier_projets: Path, identifiant: str, modification: Callable[[dict], None]) -> Atelier:
    """Modifie ``atelier.json`` sous verrou, et l'écrit d'un coup s'il reste valide.

    ``modification`` reçoit le contenu JSON de l'atelier et le modifie en place. Si le
    résultat est invalide, l'erreur est levée et le fichier n'est pas touché.
    """
    verifier_identifiant(identifiant)
    dossier = dossier_projets / identifiant
    with verrou(dossier / FICHIER_VERROU):
        donnees = _lire_json(dossier)
        nouvelles = copy.deepcopy(donnees)
        modification(nouvelles)
        atelier = _depuis_json(dossier, nouvelles)  # valide avant d'écrire
        if nouvelles != donnees:
            ecrire_json(dossier / FICHIER_ATELIER, nouvelles)
    return atelier
