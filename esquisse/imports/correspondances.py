"""Correspondance des colonnes d'un fichier avec le schéma d'Esquisse.

Pour chaque colonne du schéma d'un genre de couche (code INSEE, nom, population, SIREN de
l'EPCI…), la colonne du fichier qui lui correspond est proposée d'après son nom : les noms
d'ADMIN EXPRESS (IGN), en majuscules, sont reconnus (``INSEE_COM``, ``NOM``, ``POPULATION``,
``SIREN_EPCI``, ``INSEE_DEP``, ``CODE_SIREN``, ``NATURE``…). Les valeurs sont ensuite
normalisées : codes lus comme des nombres complétés de leurs zéros, « NR » ou « ZZZZZZZZZ »
d'ADMIN EXPRESS lus comme des valeurs absentes, populations « 1 234,0 » lues comme des entiers.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from esquisse.atelier.ateliers import GENRES_COUCHES
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.texte import exemples as _exemples
from esquisse.noyau.texte import sans_accents as _sans_accents
from esquisse.referentiel.cog import departement_de_commune
from esquisse.referentiel.couches import SCHEMAS

# Noms de colonnes reconnus, par colonne du schéma (comparés sans casse ni accents).
# Les noms d'ADMIN EXPRESS (IGN) sont en tête : INSEE_COM, NOM, POPULATION, SIREN_EPCI…
SYNONYMES: dict[str, tuple[str, ...]] = {
    "code_insee": ("insee_com", "code_insee", "codgeo", "insee", "code_commune", "depcom", "code_com", "com", "code"),
    "nom": ("nom", "nom_com", "nom_commune", "libelle", "libgeo", "nom_m", "name", "commune"),
    "population": ("population", "pmun", "pop", "ptot", "population_municipale", "pop_mun"),
    "epci_siren": ("siren_epci", "epci_siren", "code_epci", "epci"),
    "epci_nom": ("epci_nom", "nom_epci", "lib_epci", "libepci"),
    "epci_type": ("epci_type", "nature", "nature_epci", "type_epci", "nature_juridique", "type"),
    "scot_porteur_siren": ("scot_porteur_siren", "siren_scot", "scot_siren", "code_scot"),
    "scot_porteur_nom": ("scot_porteur_nom", "nom_scot", "scot_nom", "lib_scot"),
    "scot_porteur_type": ("scot_porteur_type", "type_scot", "nature", "type"),
    "n_communes": ("n_communes", "nb_communes", "nb_com", "nombre_communes"),
    "dep": ("insee_dep", "dep", "code_dep", "code_departement", "departement", "dept"),
    "reg": ("insee_reg", "reg", "code_reg", "code_region", "region"),
}
# Synonymes propres à un genre : dans une couche d'EPCI, « NOM » est le nom de l'EPCI.
SYNONYMES_GENRE: dict[str, dict[str, tuple[str, ...]]] = {
    "epci": {
        "epci_siren": ("code_siren", "siren"),
        "epci_nom": ("nom", "libelle", "raison_sociale", "name"),
    },
    "scot": {
        "scot_porteur_siren": ("code_siren", "siren", "siren_porteur", "idurba"),
        "scot_porteur_nom": ("nom", "libelle", "nom_porteur", "nomscot", "name"),
    },
    "territoires": {"nom": ("territoire", "libelle", "name")},
}
# Colonnes facultatives, hors schéma, gardées pour les communes (choix d'un département, d'une région).
COLONNES_SUP = {"communes": (("dep", "code du département"), ("reg", "code de la région"))}
_VIDES = {"", "nr", "nc", "na", "nan", "none", "null", "#n/a", "-"}


def colonnes_du_genre(genre: str) -> list[tuple[str, str, bool]]:
    """(colonne, libellé, obligatoire) que l'utilisateur peut faire correspondre, pour ``genre``."""
    sch = SCHEMAS[genre]
    sortie = [(c.nom, c.libelle, c.obligatoire and not c.nulle) for c in sch.colonnes]
    noms = {c[0] for c in sortie}
    sortie += [(nom, libelle, False) for nom, libelle in COLONNES_SUP.get(genre, ()) if nom not in noms]
    return sortie


def proposer_correspondances(colonnes: tuple[str, ...] | list[str], genre: str) -> dict[str, str | None]:
    """Pour chaque colonne du schéma, la colonne source qui lui correspond probablement (ou ``None``)."""
    par_nom = {}
    for c in colonnes:
        par_nom.setdefault(_sans_accents(c), c)
    propres = SYNONYMES_GENRE.get(genre, {})
    prises: set[str] = set()
    resultat: dict[str, str | None] = {}
    for nom, _, _ in colonnes_du_genre(genre):
        choix = None
        for synonyme in (*propres.get(nom, ()), nom, *SYNONYMES.get(nom, ())):
            source = par_nom.get(synonyme)
            if source is not None and source not in prises:
                choix = source
                break
        resultat[nom] = choix
        if choix:
            prises.add(choix)
    return resultat


def proposer_genre(colonnes: tuple[str, ...] | list[str]) -> str:
    """Le genre dont toutes les colonnes obligatoires se retrouvent dans ``colonnes`` (communes d'abord)."""
    normalisees = {_sans_accents(c) for c in colonnes}
    if normalisees & {"insee_com", "code_insee", "codgeo", "depcom"}:
        return "communes"
    for genre in GENRES_COUCHES:
        corr = proposer_correspondances(colonnes, genre)
        if all(corr.get(nom) for nom, _, obligatoire in colonnes_du_genre(genre) if obligatoire):
            return genre
    return "territoires"


def normaliser(serie: pd.Series, genre_colonne: str, nom: str) -> pd.Series:
    def un(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        texte = str(v).strip()
        if _sans_accents(texte) in _VIDES:
            return None
        if genre_colonne == "code_insee" or nom == "dep":
            texte = texte.upper()
            if texte.isdigit():
                texte = texte.zfill(5 if genre_colonne == "code_insee" else 2)
        elif genre_colonne == "siren":
            texte = texte.replace(" ", "").replace("\u00a0", "")
            premier = re.match(r"^(\d{9})(\D|$)", texte)
            if premier:
                texte = premier[1]
            elif re.fullmatch(r"Z+", texte.upper()):
                return None
            elif texte.isdigit() and len(texte) < 9:
                texte = texte.zfill(9)
        elif genre_colonne == "entier":
            texte = texte.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
            if re.fullmatch(r"\d+[.,]0*", texte):
                texte = re.split(r"[.,]", texte)[0]
        elif nom == "reg" and texte.isdigit():
            texte = texte.zfill(2)
        return texte

    return pd.Series([un(v) for v in serie.to_numpy(dtype=object)], index=serie.index, dtype=object)


def appliquer_correspondances(
    gdf: gpd.GeoDataFrame, genre: str, correspondances: dict[str, str | None], source: str
) -> gpd.GeoDataFrame:
    sch = SCHEMAS[genre]
    presentes = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    manquantes = []
    colonnes = {}
    for nom, libelle, obligatoire in colonnes_du_genre(genre):
        choisie = correspondances.get(nom)
        if choisie and choisie not in gdf.columns:
            raise DonneeInvalide(
                f"La colonne « {choisie} » choisie pour « {libelle} » n'existe pas dans « {source} ». "
                f"Colonnes présentes : {_exemples(presentes, 30)}."
            )
        if not choisie:
            if obligatoire:
                manquantes.append(f"« {libelle} »")
            continue
        genre_colonne = next((c.genre for c in sch.colonnes if c.nom == nom), "texte")
        colonnes[nom] = normaliser(gdf[choisie], genre_colonne, nom)
    if manquantes:
        raise DonneeInvalide(
            f"Indiquez quelle colonne de « {source} » contient : {', '.join(manquantes)} "
            f"(obligatoire pour une couche « {sch.libelle} »). Colonnes présentes : {_exemples(presentes, 30)}."
        )
    for col in sch.colonnes:  # colonnes du schéma qui peuvent rester vides
        if col.nom not in colonnes and col.obligatoire:
            colonnes[col.nom] = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
    if genre == "communes" and "dep" not in colonnes:
        colonnes["dep"] = colonnes["code_insee"].map(lambda c: departement_de_commune(c) if c else None)
    return gpd.GeoDataFrame(colonnes, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)
