"""Couches de référence : lecture et validation du schéma.

Une couche est lue avec pyogrio (via geopandas), ramenée en WGS84 et validée contre le
schéma de son genre (communes, EPCI, SCoT, territoires). Les lectures sont mises en
cache, par chemin, date de modification et taille du fichier, dans un cache borné.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from esquisse.noyau.erreurs import SchemaInvalide

_CODE_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_SIREN = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class Colonne:
    nom: str
    libelle: str
    genre: str = "texte"  # texte, entier, code_insee, siren
    obligatoire: bool = True  # la colonne doit exister
    nulle: bool = False  # des valeurs peuvent manquer


@dataclass(frozen=True)
class Schema:
    genre: str
    libelle: str
    colonnes: tuple[Colonne, ...]
    avertissement: str = ""

    def colonne(self, nom: str) -> Colonne:
        return next(c for c in self.colonnes if c.nom == nom)


AVERTISSEMENT_SCOT = (
    "Périmètres dérivés des adhésions aux structures porteuses de SCoT (BANATIC) : "
    "ce ne sont pas les périmètres officiels des SCoT approuvés."
)

SCHEMAS: dict[str, Schema] = {
    "communes": Schema(
        "communes",
        "Communes",
        (
            Colonne("code_insee", "code INSEE", "code_insee"),
            Colonne("nom", "nom"),
            Colonne("population", "population", "entier"),
            Colonne("epci_siren", "SIREN de l'EPCI", "siren", nulle=True),
            Colonne("epci_nom", "nom de l'EPCI", nulle=True),
            Colonne("scot_porteur_siren", "SIREN du porteur de SCoT", "siren", nulle=True),
            Colonne("scot_porteur_nom", "nom du porteur de SCoT", nulle=True),
            Colonne("dep", "code du département", obligatoire=False, nulle=True),
            Colonne("reg", "code de la région", obligatoire=False, nulle=True),
        ),
    ),
    "epci": Schema(
        "epci",
        "EPCI",
        (
            Colonne("epci_siren", "SIREN de l'EPCI", "siren"),
            Colonne("epci_nom", "nom de l'EPCI"),
            Colonne("epci_type", "type d'EPCI", nulle=True),
            Colonne("population", "population", "entier", obligatoire=False),
            Colonne("n_communes", "nombre de communes", "entier", obligatoire=False),
        ),
    ),
    "scot": Schema(
        "scot",
        "SCoT (structures porteuses)",
        (
            Colonne("scot_porteur_siren", "SIREN du porteur de SCoT", "siren"),
            Colonne("scot_porteur_nom", "nom du porteur de SCoT"),
            Colonne("scot_porteur_type", "type de structure", nulle=True),
            Colonne("population", "population", "entier", obligatoire=False),
            Colonne("n_communes", "nombre de communes", "entier", obligatoire=False),
        ),
        avertissement=AVERTISSEMENT_SCOT,
    ),
    "territoires": Schema(
        "territoires",
        "Territoires de projet",
        (
            Colonne("nom", "nom"),
            Colonne("population", "population", "entier", obligatoire=False),
            Colonne("n_communes", "nombre de communes", "entier", obligatoire=False),
        ),
    ),
}


def schema(genre: str) -> Schema:
    try:
        return SCHEMAS[genre]
    except KeyError:
        admis = ", ".join(SCHEMAS)
        raise SchemaInvalide(f"Genre de couche inconnu : « {genre} ». Genres admis : {admis}.") from None


def _valeurs_invalides(serie: pd.Series, colonne: Colonne) -> pd.Series:
    """Masque des valeurs qui ne respectent pas le genre de la colonne."""
    presentes = serie.notna() & (serie.astype(str).str.strip() != "")
    if colonne.genre == "entier":
        nombres = pd.to_numeric(serie, errors="coerce")
        return presentes & (nombres.isna() | (nombres < 0) | (nombres % 1 != 0))
    if colonne.genre == "code_insee":
        return presentes & ~serie.astype(str).str.match(_CODE_INSEE)
    if colonne.genre == "siren":
        return presentes & ~serie.astype(str).str.match(_SIREN)
    return pd.Series(False, index=serie.index)


def valider(gdf: gpd.GeoDataFrame, genre: str, source: str = "") -> gpd.GeoDataFrame:
    """Vérifie ``gdf`` contre le schéma de ``genre`` et le renvoie en WGS84.

    Lève :class:`SchemaInvalide` avec un message qui nomme la couche, la colonne et
    quelques valeurs fautives.
    """
    sch = schema(genre)
    nom = f"La couche « {sch.libelle} »" + (f" ({source})" if source else "")
    manquantes = [c for c in sch.colonnes if c.obligatoire and c.nom not in gdf.columns]
    if manquantes:
        noms = ", ".join(f"« {c.nom} » ({c.libelle})" for c in manquantes)
        presentes = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name) or "aucune"
        pluriel = "les colonnes" if len(manquantes) > 1 else "la colonne"
        raise SchemaInvalide(f"{nom} n'a pas {pluriel} {noms}. Colonnes présentes : {presentes}.")
    if len(gdf) == 0:
        raise SchemaInvalide(f"{nom} est vide : aucune entité.")
    if gdf.crs is None:
        raise SchemaInvalide(f"{nom} n'indique pas son système de coordonnées (SCR).")
    for col in sch.colonnes:
        if col.nom not in gdf.columns:
            continue
        serie = gdf[col.nom]
        if not col.nulle:
            vides = serie.isna() | (serie.astype(str).str.strip() == "")
            if vides.any():
                raise SchemaInvalide(
                    f"{nom} a {int(vides.sum())} valeur(s) vide(s) dans la colonne « {col.nom} » ({col.libelle})."
                )
        fautives = serie[_valeurs_invalides(serie, col)]
        if len(fautives):
            exemples = ", ".join(f"« {v} »" for v in fautives.astype(str).unique()[:3])
            attendu = {
                "entier": "un nombre entier positif",
                "code_insee": "un code INSEE à 5 caractères (ex. 77001, 2A004)",
                "siren": "un SIREN à 9 chiffres",
            }[col.genre]
            raise SchemaInvalide(
                f"{nom} : la colonne « {col.nom} » ({col.libelle}) doit contenir {attendu} ; "
                f"valeurs fautives : {exemples}."
            )
    if "code_insee" in gdf.columns and sch.genre == "communes":
        doublons = gdf["code_insee"][gdf["code_insee"].duplicated()]
        if len(doublons):
            raise SchemaInvalide(f"{nom} : codes INSEE en double : {', '.join(doublons.astype(str).unique()[:5])}.")
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        raise SchemaInvalide(f"{nom} a {int((geom.isna() | geom.is_empty).sum())} entité(s) sans géométrie.")
    types = set(geom.geom_type)
    if not types <= {"Polygon", "MultiPolygon"}:
        raise SchemaInvalide(f"{nom} doit contenir des polygones ; types trouvés : {', '.join(sorted(types))}.")
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    for col in sch.colonnes:
        if col.genre == "entier" and col.nom in gdf.columns:
            gdf[col.nom] = pd.to_numeric(gdf[col.nom]).astype("Int64")
        elif col.genre in {"code_insee", "siren"} and col.nom in gdf.columns:
            gdf[col.nom] = gdf[col.nom].astype("string")
    return gdf


@functools.lru_cache(maxsize=32)
def _charger(chemin: str, genre: str, _mtime: float, _taille: int) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(chemin)
    except Exception as exc:  # pyogrio lève des erreurs de types variés
        raise SchemaInvalide(f"Impossible de lire la couche {Path(chemin).name} : {exc}") from exc
    return valider(gdf, genre, Path(chemin).name)


def charger_couche(chemin: Path | str, genre: str) -> gpd.GeoDataFrame:
    """Lit et valide une couche ; le résultat est partagé : ne pas le modifier."""
    chemin = Path(chemin)
    try:
        info = chemin.stat()
    except FileNotFoundError:
        raise SchemaInvalide(f"Fichier de couche introuvable : {chemin}.") from None
    return _charger(str(chemin.resolve()), genre, info.st_mtime, info.st_size)
