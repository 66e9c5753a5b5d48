"""Territoire de projet et mesures en projection métrique.

Les surfaces et longueurs se calculent en Lambert-93 (EPSG:2154) en métropole et dans
la projection légale de chaque département d'outre-mer.
"""

from __future__ import annotations

import geopandas as gpd

from esquisse.noyau.erreurs import DonneeInvalide

LAMBERT93 = 2154
# Projections légales des départements d'outre-mer (décret 2000-1276 modifié).
PROJECTIONS_OUTRE_MER = {
    "971": 5490,  # Guadeloupe : RGAF09 / UTM 20N
    "972": 5490,  # Martinique : RGAF09 / UTM 20N
    "973": 2972,  # Guyane : RGFG95 / UTM 22N
    "974": 2975,  # La Réunion : RGR92 / UTM 40S
    "976": 4471,  # Mayotte : RGM04 / UTM 38S
}
# Emprises (lon min, lat min, lon max, lat max) pour choisir la projection d'une géométrie.
_EMPRISES_OUTRE_MER = {
    "971": (-62.0, 15.8, -60.9, 16.6),
    "972": (-61.3, 14.3, -60.7, 14.95),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.1, -21.5, 55.9, -20.8),
    "976": (44.9, -13.1, 45.4, -12.5),
}


# (emprise, projection) de chaque département d'outre-mer ; ailleurs, Lambert-93.
EMPRISES_METRIQUES = tuple((emprise, PROJECTIONS_OUTRE_MER[dep]) for dep, emprise in _EMPRISES_OUTRE_MER.items())


def epsg_metrique(lon: float, lat: float) -> int:
    """Projection métrique adaptée au point (lon, lat) : Lambert-93 ou projection locale d'outre-mer."""
    for dep, (x0, y0, x1, y1) in _EMPRISES_OUTRE_MER.items():
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return PROJECTIONS_OUTRE_MER[dep]
    return LAMBERT93


def epsg_pour(gdf: gpd.GeoDataFrame) -> int:
    """Projection métrique adaptée au centre de l'emprise de ``gdf`` (en WGS84)."""
    x0, y0, x1, y1 = gdf.to_crs(4326).total_bounds
    return epsg_metrique((x0 + x1) / 2, (y0 + y1) / 2)


def perimetre(communes: gpd.GeoDataFrame, codes: tuple[str, ...] | list[str], nom: str) -> gpd.GeoDataFrame:
    """Le territoire de projet : union des communes choisies, avec ses chiffres clés."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise DonneeInvalide("Le territoire de projet ne contient aucune commune.")
    choisies = communes[communes["code_insee"].isin(codes)]
    absentes = sorted(set(codes) - set(choisies["code_insee"]))
    if absentes:
        raise DonneeInvalide(
            f"Commune(s) absente(s) de la couche des communes : {', '.join(absentes[:10])}"
            + (" …" if len(absentes) > 10 else "")
        )
    epsg = epsg_pour(choisies)
    projetees = choisies.to_crs(epsg)
    union = projetees.geometry.union_all()
    population = choisies["population"].fillna(0).astype("int64").sum() if "population" in choisies else 0
    resultat = gpd.GeoDataFrame(
        {
            "nom": [nom],
            "n_communes": [len(choisies)],
            "population": [int(population)],
            "superficie_km2": [round(union.area / 1e6, 1)],
        },
        geometry=[union],
        crs=epsg,
    )
    return resultat.to_crs(4326)
