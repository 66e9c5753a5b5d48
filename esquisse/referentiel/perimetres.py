"""Territoire de projet : le composer commune par commune ou par groupements entiers, l'enregistrer.

Le territoire de projet d'un atelier est une liste de codes INSEE (``perimetre.communes``
dans ``atelier.json``) : on la compose librement, par-delà les limites institutionnelles,
en cliquant des communes sur la carte ou en ajoutant des EPCI ou des SCoT entiers.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from esquisse.atelier.ateliers import Atelier, modifier_atelier
from esquisse.carte.affichage import empreinte_fichier
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.referentiel.couches import charger_couche
from esquisse.referentiel.territoire import perimetre

_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
# Pour chaque genre de groupement : colonnes du code et du nom, dans la couche des communes
# et dans la couche du groupement.
COLONNES_GROUPEMENT = {
    "epci": ("epci_siren", "epci_nom"),
    "scot": ("scot_porteur_siren", "scot_porteur_nom"),
}
LIBELLES_GROUPEMENT = {"epci": "EPCI", "scot": "SCoT (structures porteuses)"}


@dataclass(frozen=True)
class Groupement:
    genre: str
    code: str
    nom: str
    communes: tuple[str, ...]

    @property
    def libelle(self) -> str:
        return f"{self.nom} ({len(self.communes)} communes)"


@dataclass(frozen=True)
class Chiffres:
    n_communes: int
    population: int
    superficie_km2: float


@dataclass(frozen=True)
class Clic:
    """Un clic sur une commune, reçu de la carte : ``id`` est unique pour chaque clic."""

    id: str
    code: str


def lire_clic(valeur) -> Clic | None:
    """Le clic porté par la valeur renvoyée par la carte, ou ``None``."""
    if not isinstance(valeur, dict):
        return None
    brut = valeur.get("last_object_clicked_tooltip")
    if not isinstance(brut, str):
        return None
    try:
        donnees = json.loads(brut)
    except json.JSONDecodeError:
        return None
    if not isinstance(donnees, dict):
        return None
    identifiant, code = donnees.get("id"), donnees.get("code")
    if not isinstance(identifiant, str) or not isinstance(code, str) or not _CODE_INSEE.match(code):
        return None
    return Clic(identifiant, code)


def basculer(codes: tuple[str, ...], code: str) -> tuple[str, ...]:
    """Ajoute la commune si elle n'y est pas, la retire sinon."""
    return tuple(c for c in codes if c != code) if code in codes else (*codes, code)


def ajouter(codes: tuple[str, ...], autres) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*codes, *autres)))


def retirer(codes: tuple[str, ...], autres) -> tuple[str, ...]:
    enlever = set(autres)
    return tuple(c for c in codes if c not in enlever)


def _communes(atelier: Atelier) -> gpd.GeoDataFrame:
    if "communes" not in atelier.couches:
        raise DonneeInvalide(
            f"L'atelier « {atelier.nom} » n'a pas de couche de communes : importez-la d'abord (page Couches)."
        )
    return atelier.couche("communes")


def groupements(atelier: Atelier, genre: str) -> list[Groupement]:
    """Les EPCI ou SCoT de l'atelier, chacun avec ses communes (triés par nom)."""
    if genre not in COLONNES_GROUPEMENT:
        raise DonneeInvalide(f"Genre de groupement inconnu : « {genre} ». Genres admis : epci, scot.")
    _communes(atelier)
    communes_ref = empreinte_fichier(atelier.chemin_couche("communes"))
    couche_ref = empreinte_fichier(atelier.chemin_couche(genre)) if genre in atelier.couches else None
    return list(_groupements(communes_ref, couche_ref, genre))


@functools.lru_cache(maxsize=16)
def _groupements(communes_ref: tuple, couche_ref: tuple | None, genre: str) -> tuple[Groupement, ...]:
    communes = charger_couche(communes_ref[0], "communes")
    col_code, col_nom = COLONNES_GROUPEMENT[genre]
    codes = communes["code_insee"].astype(str)
    couche = charger_couche(couche_ref[0], genre) if couche_ref is not None else None
    # Les noms viennent des communes, sinon de la couche du groupement (ADMIN EXPRESS ne donne
    # que le SIREN de l'EPCI dans la couche des communes), sinon c'est le code.
    noms_couche = (
        dict(zip(couche[col_code].astype(str), couche[col_nom].astype(str), strict=True)) if couche is not None else {}
    )
    resultat: dict[str, Groupement] = {}
    # 1. D'après les attributs des communes (exact).
    if col_code in communes.columns and communes[col_code].notna().any():
        noms = communes[col_nom] if col_nom in communes.columns else pd.Series(None, index=communes.index)
        for code, groupe in communes.groupby(col_code):
            nom = noms.loc[groupe.index].dropna()
            libelle = str(nom.iloc[0]) if len(nom) else noms_couche.get(str(code), str(code))
            resultat[str(code)] = Groupement(genre, str(code), libelle, tuple(codes.loc[groupe.index]))
    # 2. Sinon, d'après la couche du groupement : les communes dont un point intérieur y tombe.
    if couche is not None:
        points = shapely.point_on_surface(communes.geometry.values)
        arbre = shapely.STRtree(points)
        for _, ligne in couche.iterrows():
            code = str(ligne[col_code])
            if code in resultat:
                continue
            dedans = arbre.query(ligne.geometry, predicate="contains")
            if len(dedans):
                resultat[code] = Groupement(genre, code, str(ligne[col_nom]), tuple(codes.iloc[sorted(dedans)]))
    return tuple(sorted(resultat.values(), key=lambda g: g.nom.casefold()))


def appartenances(communes_ref: tuple, couche_ref: tuple | None, genre: str) -> dict[str, tuple[str, str]]:
    """Code INSEE de chaque commune -> (code, nom) de son EPCI ou de son SCoT.

    Lu sur les communes quand elles le disent, complété par la couche du groupement (noms
    manquants, ou communes sans groupement renseigné, rattachées par la géométrie) : comme
    :func:`groupements`, à partir des empreintes des fichiers de couches.
    """
    resultat: dict[str, tuple[str, str]] = {}
    for g in _groupements(communes_ref, couche_ref, genre):
        for code in g.communes:
            resultat.setdefault(code, (g.code, g.nom))
    return resultat


def chiffres(atelier: Atelier, codes: tuple[str, ...] | list[str]) -> Chiffres:
    """Nombre de communes, population et superficie (km², en projection métrique) de la sélection."""
    if not codes:
        return Chiffres(0, 0, 0.0)
    chemin = atelier.chemin_couche("communes")
    return _chiffres(empreinte_fichier(chemin), tuple(sorted(set(codes))))


@functools.lru_cache(maxsize=64)
def _chiffres(communes_ref: tuple, codes: tuple[str, ...]) -> Chiffres:
    gdf = perimetre(charger_couche(communes_ref[0], "communes"), codes, "sélection")
    ligne = gdf.iloc[0]
    return Chiffres(int(ligne["n_communes"]), int(ligne["population"]), float(ligne["superficie_km2"]))


def tableau(atelier: Atelier, codes: tuple[str, ...]) -> pd.DataFrame:
    """Les communes de la sélection : code, nom, population, EPCI (pour la liste de la page)."""
    communes = _communes(atelier)
    choisies = communes[communes["code_insee"].isin(codes)]
    colonnes = {"code_insee": "Code INSEE", "nom": "Commune", "population": "Population", "epci_nom": "EPCI"}
    presentes = [c for c in colonnes if c in choisies.columns]
    return pd.DataFrame(choisies[presentes]).rename(columns=colonnes).sort_values("Commune").reset_index(drop=True)


def enregistrer_perimetre(dossier_projets: Path, atelier_id: str, nom: str, codes) -> Atelier:
    """Enregistre le territoire de projet dans ``atelier.json`` (sous verrou, d'un coup)."""
    nom = " ".join(str(nom or "").split())
    codes = list(dict.fromkeys(str(c) for c in codes))
    if not nom:
        raise DonneeInvalide("Donnez un nom au territoire de projet (par exemple « Pays Portes de Gascogne »).")
    if not codes:
        raise DonneeInvalide("Le territoire de projet ne contient aucune commune : cliquez des communes sur la carte.")
    from esquisse.atelier.ateliers import charger_atelier

    atelier = charger_atelier(dossier_projets, atelier_id)
    connues = set(_communes(atelier)["code_insee"].astype(str))
    absentes = [c for c in codes if c not in connues]
    if absentes:
        raise DonneeInvalide(
            f"Commune(s) absente(s) de la couche des communes de l'atelier : {', '.join(absentes[:10])}"
            + (" …" if len(absentes) > 10 else "")
            + "."
        )

    def modifier(donnees: dict) -> None:
        donnees["perimetre"] = {"nom": nom, "communes": sorted(codes)}

    return modifier_atelier(dossier_projets, atelier_id, modifier)
