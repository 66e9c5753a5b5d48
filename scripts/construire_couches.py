"""Construit les couches de référence des territoires de démonstration.

Lit les données ouvertes de ``../shared/data/territoires`` (voir ``couches/SOURCES.md``)
et écrit ``couches/<territoire>/*.geojson``. Le script est rejouable : il réécrit
les mêmes fichiers à partir des mêmes entrées.

    .venv/bin/python scripts/construire_couches.py [--source ../shared/data/territoires]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from esquisse.referentiel.cog import DEPARTEMENTS

RACINE = Path(__file__).resolve().parents[1]
SOURCE_DEFAUT = RACINE.parent / "shared" / "data" / "territoires"

CHAMPS_COMMUNES = [
    "code_insee",
    "nom",
    "dep",
    "reg",
    "population",
    "epci_siren",
    "epci_nom",
    "epci_type",
    "scot_porteur_siren",
    "scot_porteur_nom",
    "scot_porteur_type",
    "geom_src",
]
CHAMPS_EPCI = ["epci_siren", "epci_nom", "epci_type", "deps", "n_communes", "population"]
CHAMPS_SCOT = [
    "scot_porteur_siren",
    "scot_porteur_nom",
    "scot_porteur_type",
    "deps",
    "n_communes",
    "population",
]


def _ecrire(gdf: gpd.GeoDataFrame, chemin: Path) -> None:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    gdf = gdf.to_crs(4326)
    texte = gdf.to_json(drop_id=True, ensure_ascii=False)
    # Une entité par ligne : des fichiers lisibles et des différences git courtes.
    donnees = json.loads(texte)
    lignes = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in donnees["features"]]
    chemin.write_text(
        '{"type":"FeatureCollection","features":[\n' + ",\n".join(lignes) + "\n]}\n",
        encoding="utf-8",
    )
    print(f"{chemin.relative_to(RACINE)} : {len(gdf)} entités")


def _scot_du_national(source: Path, sirens: set[str]) -> gpd.GeoDataFrame:
    national = gpd.read_file(f"/vsigzip/{source / 'national' / 'scot_porteurs_fr_derived.geojson.gz'}")
    choisis = national[national["scot_porteur_siren"].isin(sirens)]
    return choisis[[*CHAMPS_SCOT, "geometry"]].sort_values("scot_porteur_siren")


def _departements(source: Path) -> gpd.GeoDataFrame:
    """Les départements de France, pour l'encart de situation des cartes imprimées.

    Réunion des communes par département, puis simplification en pavage (environ 2,5 km) : des
    limites communes identiques, un fichier léger, assez pour situer un territoire.
    """
    communes = gpd.read_file(f"/vsigzip/{source / 'national' / 'communes_fr_cog2026.geojson.gz'}")
    communes["geometry"] = shapely.make_valid(communes.geometry.values)
    deps = communes.dissolve(by="dep", as_index=False, aggfunc={"reg": "first", "population": "sum"})
    deps["nom"] = deps["dep"].map(DEPARTEMENTS)
    deps = deps.to_crs(3857)
    deps["geometry"] = shapely.coverage_simplify(deps.geometry.values, 2500)
    deps = deps.to_crs(4326)
    # Trois décimales (≈ 100 m) suffisent à un encart au 1/3 000 000.
    deps["geometry"] = shapely.set_precision(deps.geometry.values, 0.001)
    return deps[["dep", "nom", "reg", "population", "geometry"]].sort_values("dep")


def construire(source: Path) -> None:
    _ecrire(_departements(source), RACINE / "couches" / "france" / "departements.geojson")

    # Bassée-Montois et ses voisins
    communes = gpd.read_file(source / "communes_bassee_montois_area.geojson")
    communes = communes[[*CHAMPS_COMMUNES, "role", "geometry"]].sort_values("code_insee")
    epci = gpd.read_file(source / "epci_bassee_montois_area.geojson")
    epci = epci[[*CHAMPS_EPCI, "role", "geometry"]].sort_values("epci_siren")
    scot = _scot_du_national(source, set(communes["scot_porteur_siren"].dropna()))
    dossier = RACINE / "couches" / "bassee-montois"
    _ecrire(communes, dossier / "communes.geojson")
    _ecrire(epci, dossier / "epci.geojson")
    _ecrire(scot, dossier / "scot.geojson")

    # Gers + Haute-Garonne, avec le Pays Portes de Gascogne et Toulouse Métropole
    communes = gpd.read_file(source / "communes_32_31.geojson")
    champs = [*CHAMPS_COMMUNES, "in_pays_portes_de_gascogne", "in_toulouse_metropole"]
    communes = communes[[*champs, "geometry"]].sort_values("code_insee")
    epci = gpd.read_file(source / "epci_32_31.geojson")
    epci = epci[[*CHAMPS_EPCI, "in_pays_portes_de_gascogne", "geometry"]].sort_values("epci_siren")
    scot = gpd.read_file(source / "scot_32_31_derived.geojson")
    scot = scot[[*CHAMPS_SCOT, "geometry"]].sort_values("scot_porteur_siren")
    territoires = gpd.read_file(source / "territoires_ppg_toulouse.geojson")
    territoires = territoires[["nom", "territoire", "n_communes", "population", "geometry"]]
    # Les sources notent en anglais que le périmètre du PETR est reconstitué : on le dit en français.
    territoires["nom"] = territoires["nom"].str.replace(" (reconstructed)", " (périmètre reconstitué)", regex=False)
    territoires["territoire"] = territoires["territoire"].str.replace("Toulouse Metropole", "Toulouse Métropole")
    dossier = RACINE / "couches" / "gascogne-toulouse"
    _ecrire(communes, dossier / "communes.geojson")
    _ecrire(epci, dossier / "epci.geojson")
    _ecrire(scot, dossier / "scot.geojson")
    _ecrire(territoires, dossier / "territoires.geojson")


if __name__ == "__main__":
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--source", type=Path, default=SOURCE_DEFAUT)
    construire(parseur.parse_args().source)
