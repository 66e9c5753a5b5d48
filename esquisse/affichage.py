"""Préparation des couches pour l'affichage dans le navigateur.

Les couches de référence ne voyagent pas dans le code de la carte : elles sont écrites une
fois, allégées (attributs utiles, coordonnées arrondies au mètre), dans un fichier du
dossier servi statiquement, nommé d'après une empreinte de leur source. La carte ne
contient que l'adresse de ce fichier ; le navigateur le télécharge une fois, et les
réexécutions de la page ne le renvoient jamais.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from esquisse.couches import AVERTISSEMENT_SCOT
from esquisse.fichiers import ecrire_atomiquement
from esquisse.reglages import RACINE

FORMAT = 1  # à incrémenter quand le contenu des fichiers préparés change
DECIMALES = 5  # environ 1 m : au-delà de ce qu'un écran montre
DOSSIER_STATIQUE = RACINE / "static"


@dataclass(frozen=True)
class Champ:
    nom: str
    libelle: str
    format: str = "texte"  # texte, nombre


@dataclass(frozen=True)
class Presentation:
    """Comment une couche se montre : style, infobulle, étiquettes."""

    nom: str
    style: dict = field(default_factory=dict, hash=False, compare=False)
    champs: tuple[Champ, ...] = ()
    etiquette: str | None = None
    visible: bool = True
    avertissement: str = ""
    # Ne dessiner que les limites : le survol de l'intérieur atteint alors les communes dessous.
    contour: bool = False


PRESENTATIONS: dict[str, Presentation] = {
    "communes": Presentation(
        "Communes",
        {"color": "#6b6b6b", "weight": 0.8, "fillColor": "#f4f1e8", "fillOpacity": 0.35},
        (
            Champ("nom", "Commune"),
            Champ("code_insee", "Code INSEE"),
            Champ("population", "Population", "nombre"),
            Champ("epci_nom", "EPCI"),
            Champ("scot_porteur_nom", "SCoT (porteur)"),
        ),
        etiquette="nom",
    ),
    "epci": Presentation(
        "EPCI",
        {"color": "#1f4e9c", "weight": 2.6, "fill": False, "opacity": 0.9},
        (
            Champ("epci_nom", "EPCI"),
            Champ("epci_siren", "SIREN"),
            Champ("epci_type", "Type"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
        ),
        contour=True,
    ),
    "scot": Presentation(
        "SCoT (dérivés des adhésions)",
        {"color": "#8a3ea8", "weight": 2.2, "dashArray": "8 6", "fill": False, "opacity": 0.9},
        (
            Champ("scot_porteur_nom", "Porteur du SCoT"),
            Champ("scot_porteur_siren", "SIREN"),
            Champ("scot_porteur_type", "Type"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
        ),
        visible=False,
        avertissement=AVERTISSEMENT_SCOT,
        contour=True,
    ),
    "territoires": Presentation(
        "Territoires du contrat de réciprocité",
        {"color": "#0f7b6c", "weight": 3, "fillColor": "#0f7b6c", "fillOpacity": 0.06},
        (
            Champ("nom", "Territoire"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
        ),
        visible=False,
    ),
    "perimetre": Presentation(
        "Territoire de projet",
        {"color": "#c0392b", "weight": 4, "fill": False, "opacity": 0.95},
        (
            Champ("nom", "Territoire de projet"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
            Champ("superficie_km2", "Superficie (km²)", "nombre"),
        ),
        contour=True,
    ),
}


@dataclass(frozen=True)
class CoucheAffichee:
    """Une couche prête pour la carte : son fichier servi et sa présentation."""

    id: str
    chemin: str  # relatif au dossier statique, ex. « cache/couches/ab12….json »
    nb_entites: int
    emprise: tuple[float, float, float, float]
    presentation: Presentation


def empreinte(*parties: object) -> str:
    h = hashlib.sha256()
    for partie in parties:
        h.update(repr(partie).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:20]


def empreinte_fichier(chemin: Path) -> tuple[str, int, int]:
    info = chemin.stat()
    return (str(chemin.resolve()), info.st_mtime_ns, info.st_size)


def _valeur_json(valeur):
    if valeur is None:
        return None
    if isinstance(valeur, float) and math.isnan(valeur):
        return None
    if isinstance(valeur, (np.integer,)):
        return int(valeur)
    if isinstance(valeur, (np.floating,)):
        return None if np.isnan(valeur) else float(valeur)
    if isinstance(valeur, (np.bool_,)):
        return bool(valeur)
    if valeur is pd.NA:
        return None
    return valeur


def contenu_affichage(gdf: gpd.GeoDataFrame, presentation: Presentation) -> dict:
    """Collection GeoJSON allégée : champs de l'infobulle, coordonnées arrondies."""
    gdf = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geometries = gdf.geometry.values
    if presentation.contour:
        geometries = shapely.boundary(geometries)
    arrondies = shapely.set_precision(geometries, 10**-DECIMALES, mode="pointwise")
    noms = [c.nom for c in presentation.champs if c.nom in gdf.columns]
    etiquettes = None
    if presentation.etiquette and presentation.etiquette in gdf.columns:
        points = shapely.point_on_surface(gdf.geometry.values)
        etiquettes = np.round(shapely.get_coordinates(points), DECIMALES)
    entites = []
    for i, (geom, ligne) in enumerate(zip(arrondies, gdf[noms].itertuples(index=False), strict=True)):
        proprietes = {n: _valeur_json(v) for n, v in zip(noms, ligne, strict=True)}
        if etiquettes is not None:
            proprietes["_etiquette"] = [float(etiquettes[i][0]), float(etiquettes[i][1])]
        entites.append({"type": "Feature", "properties": proprietes, "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": entites}


def preparer_couche(
    identifiant: str,
    gdf: gpd.GeoDataFrame,
    cle_source: object,
    dossier_cache: Path,
    presentation: Presentation | None = None,
) -> CoucheAffichee:
    """Écrit (si besoin) le fichier d'affichage de la couche et le décrit.

    ``cle_source`` identifie le contenu de ``gdf`` (chemin, date et taille du fichier
    source, par exemple) : deux sources identiques partagent le même fichier.
    """
    presentation = presentation or PRESENTATIONS[identifiant]
    cle = empreinte(FORMAT, identifiant, cle_source, presentation.champs, presentation.etiquette, presentation.contour)
    chemin = dossier_cache / "couches" / f"{cle}.json"
    if not chemin.exists():
        contenu = contenu_affichage(gdf, presentation)
        ecrire_atomiquement(chemin, json.dumps(contenu, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    x0, y0, x1, y1 = (float(v) for v in gdf.to_crs(4326).total_bounds)
    try:
        relatif = chemin.resolve().relative_to(DOSSIER_STATIQUE.resolve())
    except ValueError:
        raise ValueError(f"Le dossier de cache {dossier_cache} doit se trouver sous {DOSSIER_STATIQUE}.") from None
    return CoucheAffichee(identifiant, relatif.as_posix(), len(gdf), (x0, y0, x1, y1), presentation)
