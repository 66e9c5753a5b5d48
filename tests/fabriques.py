"""Fichiers d'entrée des tests d'import et des mesures, fabriqués à partir des données livrées.

Rien n'est inventé : les géométries et les attributs viennent de ``couches/`` ou des fichiers
nationaux de ``../shared/data/territoires`` ; seuls leur format, leur système de coordonnées
et le nom de leurs colonnes changent (par exemple à la manière d'ADMIN EXPRESS).
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio

from tests.outils import PARTAGE, RACINE

COMMUNES_NATIONALES = PARTAGE / "national" / "communes_fr_cog2026.geojson.gz"
APPARTENANCES_NATIONALES = PARTAGE / "national" / "commune_epci_scot_membership_fr.csv.gz"


def communes_livrees(territoire: str = "bassee-montois") -> gpd.GeoDataFrame:
    return gpd.read_file(RACINE / "couches" / territoire / "communes.geojson")


@functools.lru_cache(maxsize=4)
def _communes_nationales(filtre: str | None) -> gpd.GeoDataFrame:
    return pyogrio.read_dataframe(f"/vsigzip/{COMMUNES_NATIONALES}", where=filtre, use_arrow=True)


def communes_nationales(filtre: str | None = None) -> gpd.GeoDataFrame:
    """Communes du fichier national (COG 2026), éventuellement filtrées (``"reg='76'"``)."""
    return _communes_nationales(filtre).copy()


def en_admin_express(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Les communes avec le schéma de la couche COMMUNE d'ADMIN EXPRESS, en Lambert-93."""
    ae = gpd.GeoDataFrame(
        {
            "ID": [f"COMMUNE_{i:016d}" for i in range(len(communes))],
            "NOM": communes["nom"].to_numpy(),
            "NOM_M": communes["nom"].str.upper().to_numpy(),
            "INSEE_COM": communes["code_insee"].to_numpy(),
            "STATUT": "Commune simple",
            "POPULATION": communes["population"].astype("int64").to_numpy(),
            "INSEE_CAN": "NR",
            "INSEE_ARR": "1",
            "INSEE_DEP": communes["dep"].to_numpy(),
            "INSEE_REG": communes["reg"].to_numpy(),
            # ADMIN EXPRESS écrit « NR » quand la commune n'est dans aucun EPCI.
            "SIREN_EPCI": communes["epci_siren"].fillna("NR").to_numpy(),
        },
        geometry=communes.geometry.to_numpy(),
        crs=communes.crs,
    )
    return ae.to_crs(2154)


def zipper(dossier: Path, cible: Path, prefixe: str = "", sauf: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(cible, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(dossier.iterdir()):
            if f.suffix.lower() not in sauf:
                zf.write(f, f"{prefixe}{f.name}")
    return cible


def shapefile_zippe(gdf: gpd.GeoDataFrame, dossier: Path, nom: str = "COMMUNE", avec_prj: bool = True) -> Path:
    """Un Shapefile dans une archive zip, rangé dans un sous-dossier comme dans les livraisons de l'IGN."""
    travail = dossier / f"shp-{nom}"
    travail.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(gdf, travail / f"{nom}.shp", encoding="UTF-8")
    sauf = () if avec_prj else (".prj",)
    return zipper(travail, dossier / f"{nom}.zip", prefixe="ADMIN-EXPRESS-COG/1_DONNEES/", sauf=sauf)


def geopackage_deux_couches(dossier: Path) -> Path:
    """Un GeoPackage « à la DDT » : une couche de communes et une couche d'EPCI, en Lambert-93."""
    chemin = dossier / "referentiel_ddt.gpkg"
    communes = en_admin_express(communes_livrees())
    pyogrio.write_dataframe(communes, chemin, layer="commune", driver="GPKG")
    epci = gpd.read_file(RACINE / "couches" / "bassee-montois" / "epci.geojson").to_crs(2154)
    epci = gpd.GeoDataFrame(
        {"CODE_SIREN": epci["epci_siren"], "NOM": epci["epci_nom"], "NATURE": "Communauté de communes"},
        geometry=epci.geometry,
        crs=epci.crs,
    )
    pyogrio.write_dataframe(epci, chemin, layer="epci", driver="GPKG", append=True)
    return chemin


def geojson_sans_crs(gdf: gpd.GeoDataFrame, chemin: Path) -> Path:
    """Un GeoJSON (RFC 7946) sans membre « crs », écrit à la main."""
    contenu = json.loads(gdf.to_crs(4326).to_json(drop_id=True))
    contenu.pop("crs", None)
    chemin.write_text(json.dumps(contenu, ensure_ascii=False), encoding="utf-8")
    return chemin


def instantane(dossier: Path) -> dict[str, bytes]:
    """Le contenu exact d'un dossier (chemins relatifs → octets), pour prouver qu'il n'a pas changé."""
    return {str(f.relative_to(dossier)): f.read_bytes() for f in sorted(dossier.rglob("*")) if f.is_file()} | {
        str(d.relative_to(dossier)) + "/": b"" for d in dossier.rglob("*") if d.is_dir()
    }


def creer_atelier(projets: Path, identifiant: str, nom: str, **champs) -> Path:
    """Un atelier vide (sans couche), comme en crée un utilisateur avant d'importer ses couches."""
    from esquisse.noyau.fichiers import ecrire_json

    dossier = projets / identifiant
    dossier.mkdir(parents=True, exist_ok=True)
    ecrire_json(dossier / "atelier.json", {"format": 1, "nom": nom, "couches": {}, **champs}, creer_seulement=True)
    return dossier


def atelier_de_communes(projets: Path, identifiant: str, nom: str, filtre: str | None) -> Path:
    """Un atelier dont la couche des communes est importée du fichier national (``filtre`` : SQL OGR)."""
    from esquisse.imports.importation import OptionsImport, importer

    dossier = creer_atelier(projets, identifiant, nom)
    if filtre is None:
        source, nom_fichier = COMMUNES_NATIONALES, COMMUNES_NATIONALES.name
    else:
        source = geojson_sans_crs(communes_nationales(filtre), projets.parent / f"{identifiant}.geojson")
        nom_fichier = source.name
    importer(projets, identifiant, source, nom_fichier, OptionsImport("communes"))
    return dossier


def carre(k: int) -> dict:
    """Un petit triangle dans la Bassée, décalé de ``k`` centièmes de degré (une géométrie d'esquisse)."""
    x = 3.0 + k / 100
    return {"type": "Polygon", "coordinates": [[[x, 48.4], [x + 0.01, 48.4], [x + 0.01, 48.41], [x, 48.4]]]}


def entite(k: int) -> dict:
    """Une esquisse « zone k » de la catégorie projet, prête pour ``Depot.enregistrer``."""
    return {"type": "Feature", "geometry": carre(k), "properties": {"titre": f"zone {k}", "categorie": "projet"}}
