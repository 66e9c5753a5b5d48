"""Fichiers pour les SIG : GeoPackage en Lambert-93, GeoJSON RFC 7946, tableau CSV des annotations.

- **GeoPackage** : une couche par hypothèse (à la version choisie), avec ses annotations,
  les communes concernées, surface et longueur, la couleur et le trait de sa catégorie ; puis
  les couches de référence de l'atelier et le territoire de projet. Tout en projection
  métrique (Lambert-93, EPSG:2154, en métropole).
- **GeoJSON** : une FeatureCollection RFC 7946 (WGS84, règle de la main droite, sans membre
  ``crs``) par hypothèse, aux géométries exactes des versions ; une archive zip s'il y en a
  plusieurs.
- **CSV** : une ligne par esquisse, séparateur point-virgule et virgule décimale (tableurs
  réglés en français), UTF-8 avec BOM pour qu'Excel lise les accents.

Chaque fichier est écrit à part puis renommé : une erreur ne laisse aucun fichier partiel. Un disque
plein pendant que GDAL écrit le GeoPackage donne le message en français des autres écritures.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from esquisse.analyse.annotations import Choix, References, references, tableau
from esquisse.atelier.ateliers import Atelier
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.dates import FUSEAU, date_heure
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import ecrire_atomiquement, remplacer_par_temporaire, traduire_erreurs_bibliotheque
from esquisse.noyau.texte import cellule_csv

Progression = Callable[[float, str], None]

FORMATS_SIG = {
    "gpkg": "GeoPackage (QGIS, Lambert-93)",
    "geojson": "GeoJSON (RFC 7946, WGS84)",
    "csv": "Tableau CSV des annotations",
}
NOMS_REFERENCES = {
    "communes": "communes",
    "epci": "epci",
    "scot": "scot_derives_des_adhesions",
    "territoires": "territoires",
}
COUCHE_PERIMETRE = "territoire_de_projet"
ENTETES_CSV = {
    "seance": "Séance",
    "hypothese": "Hypothèse",
    "version": "Version",
    "n": "N°",
    "id": "Identifiant",
    "categorie_nom": "Catégorie",
    "titre": "Titre",
    "commentaire": "Commentaire",
    "auteur": "Auteur",
    "role": "Rôle",
    "cree_le": "Créé le",
    "modifie_le": "Modifié le",
    "genre": "Géométrie",
    "surface_ha": "Surface (ha)",
    "longueur_km": "Longueur (km)",
    "n_communes": "Nombre de communes",
    "communes": "Communes concernées",
    "codes_insee": "Codes INSEE",
    "epci": "EPCI concernés",
    "scot": "SCoT concernés (porteurs)",
}


def _rien(_part: float, _message: str) -> None:
    return None


def _verifier(choix: list[Choix]) -> None:
    if not choix:
        raise DonneeInvalide("Choisissez au moins une hypothèse à exporter.")
    vus = set()
    for c in choix:
        cle = (c.seance.id, c.hypothese.id)
        if cle in vus:
            raise DonneeInvalide(
                f"L'hypothèse « {c.hypothese.titre} » est choisie deux fois : gardez une seule version."
            )
        vus.add(cle)


# Une couche par type de géométrie, chacune déclarée : QGIS et ogrinfo y lisent « Multi Polygon »…
# plutôt que « Unknown (any) », et chaque couche se symbolise d'elle-même.
GEOMETRIES_GPKG = {
    "zone": ("zones", "MultiPolygon"),
    "ligne": ("lignes", "MultiLineString"),
    "point": ("points", "MultiPoint"),
}


def nom_couche(c: Choix, genre: str | None = None) -> str:
    """Nom de table lisible et sûr : « esquisses_2026_03_12_atelier_2_a_la_vallee_zones »."""
    base = "esquisses_" + re.sub(r"[^a-z0-9]+", "_", f"{c.seance.id}_{c.hypothese.id}").strip("_")
    return base if genre is None else f"{base}_{GEOMETRIES_GPKG[genre][0]}"


def _couche_hypothese(c: Choix, atelier: Atelier, refs: References) -> gpd.GeoDataFrame:
    tab = tableau(c.version, atelier.legende, refs)
    categories = tab.attrs["categories"]
    tab.insert(0, "seance", c.seance.id)
    tab.insert(1, "hypothese", c.hypothese.id)
    tab.insert(2, "version", c.numero)
    for colonne in ("version", "n", "n_communes"):
        tab[colonne] = tab[colonne].astype("int32")
    tab["couleur"] = [categories[i].couleur for i in tab["categorie"]]
    tab["trait"] = [categories[i].trait for i in tab["categorie"]]
    tab.attrs = {}
    return tab


def _options_couche(atelier: Atelier, c: Choix, nom: str) -> dict:
    return {
        "IDENTIFIER": f"{c.hypothese.titre} — {c.seance.titre} — version {c.numero} — {nom}",
        "DESCRIPTION": (
            f"Atelier « {atelier.nom} », séance « {c.seance.titre} » ({c.seance.date}), "
            f"hypothèse « {c.hypothese.titre} » ({c.hypothese.libelle_statut.lower()}), "
            f"version {c.numero} du {date_heure(c.version.meta.le)} ({FUSEAU}), {nom}. "
            f"Exporté par Esquisse le {date_heure(maintenant())}."
        ),
    }


def exporter_geopackage(
    atelier: Atelier, choix: list[Choix], destination: Path, progression: Progression | None = None
) -> Path:
    """Le GeoPackage des hypothèses choisies et des couches de référence ; renvoie ``destination``."""
    _verifier(choix)
    avancer = progression or _rien
    avancer(0.02, "Lecture des couches de référence…")
    refs = references(atelier)
    etapes = len(choix) + len(refs.couches) + 1
    with (
        remplacer_par_temporaire(destination) as temporaire,
        traduire_erreurs_bibliotheque(temporaire.parent, f"« {destination.name} »"),
    ):
        premiere = True
        for k, c in enumerate(choix):
            avancer(0.05 + 0.9 * k / etapes, f"Hypothèse « {c.hypothese.titre} » (version {c.numero})…")
            couche = _couche_hypothese(c, atelier, refs)
            # Une hypothèse sans esquisse garde une couche (de zones, vide) : elle reste visible dans QGIS.
            genres = [g for g in GEOMETRIES_GPKG if (couche["genre"] == g).any()] or ["zone"]
            for genre in genres:
                nom, type_geometrie = GEOMETRIES_GPKG[genre]
                pyogrio.write_dataframe(
                    couche[couche["genre"] == genre],
                    temporaire,
                    layer=nom_couche(c, genre),
                    driver="GPKG",
                    append=not premiere,
                    geometry_type=type_geometrie,
                    promote_to_multi=True,
                    # GeoPackage 1.2 : lisible sans avertissement par les GDAL (et QGIS) plus anciens.
                    dataset_options={"VERSION": "1.2"} if premiere else None,
                    layer_options=_options_couche(atelier, c, nom),
                )
                premiere = False
        for k, (genre, gdf) in enumerate(refs.couches.items(), start=len(choix)):
            avancer(0.05 + 0.9 * k / etapes, f"Couche de référence « {genre} »…")
            pyogrio.write_dataframe(
                gdf, temporaire, layer=NOMS_REFERENCES[genre], driver="GPKG", append=True, promote_to_multi=True
            )
        if refs.perimetre is not None:
            avancer(0.95, "Territoire de projet…")
            pyogrio.write_dataframe(
                refs.perimetre, temporaire, layer=COUCHE_PERIMETRE, driver="GPKG", append=True, promote_to_multi=True
            )
    avancer(1.0, "GeoPackage prêt.")
    return destination


# -- GeoJSON RFC 7946 ----------------------------------------------------------------------------


def collection_rfc7946(atelier: Atelier, c: Choix, refs: References) -> dict:
    """La version choisie en FeatureCollection RFC 7946, annotations et communes concernées comprises.

    Les géométries sont celles de la version, déjà en WGS84, arrondies et orientées : elles
    ne passent par aucune reprojection.
    """
    tab = tableau(c.version, atelier.legende, refs)
    lignes = tab.drop(columns="geometry").to_dict("records")
    par_id = c.version.par_id()
    entites = []
    for ligne in lignes:
        e = par_id[ligne["id"]]
        proprietes = {k: (None if isinstance(v, float) and pd.isna(v) else v) for k, v in ligne.items() if k != "id"}
        entites.append({"type": "Feature", "id": e["id"], "geometry": e["geometry"], "properties": proprietes})
    return {
        "type": "FeatureCollection",
        # Membre étranger (RFC 7946, § 6.1) : d'où viennent ces esquisses.
        "esquisse": {
            "atelier": atelier.id,
            "seance": c.seance.id,
            "hypothese": c.hypothese.id,
            "titre": c.hypothese.titre,
            "version": c.numero,
            "version_du": c.version.meta.le,
            "exporte_le": maintenant(),
        },
        "features": entites,
    }


def _json(donnees: dict) -> bytes:
    return json.dumps(donnees, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def nom_geojson(c: Choix) -> str:
    return f"{c.seance.id}_{c.hypothese.id}_v{c.numero}.geojson"


def exporter_geojson(
    atelier: Atelier, choix: list[Choix], destination: Path, progression: Progression | None = None
) -> Path:
    """Un fichier ``.geojson`` pour une hypothèse ; une archive ``.zip`` d'un fichier par hypothèse sinon.

    Le suffixe de ``destination`` est remplacé selon le cas ; renvoie le fichier écrit.
    """
    _verifier(choix)
    avancer = progression or _rien
    refs = references(atelier)
    if len(choix) == 1:
        avancer(0.3, f"Hypothèse « {choix[0].hypothese.titre} »…")
        chemin = destination.with_suffix(".geojson")
        ecrire_atomiquement(chemin, _json(collection_rfc7946(atelier, choix[0], refs)))
        avancer(1.0, "GeoJSON prêt.")
        return chemin
    chemin = destination.with_suffix(".zip")
    with remplacer_par_temporaire(chemin) as temporaire, zipfile.ZipFile(temporaire, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, c in enumerate(choix):
            avancer(0.05 + 0.9 * k / len(choix), f"Hypothèse « {c.hypothese.titre} »…")
            zf.writestr(nom_geojson(c), _json(collection_rfc7946(atelier, c, refs)))
    avancer(1.0, "GeoJSON prêts.")
    return chemin


# -- CSV ------------------------------------------------------------------------------------------


def tableau_csv(atelier: Atelier, choix: list[Choix], refs: References | None = None) -> str:
    refs = refs or references(atelier)
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(ENTETES_CSV.values())
    for c in choix:
        tab = tableau(c.version, atelier.legende, refs)
        for ligne in tab.drop(columns="geometry").to_dict("records"):
            ligne.update(seance=c.seance.titre, hypothese=c.hypothese.titre, version=c.numero)
            ecrivain.writerow(cellule_csv(ligne[k]) for k in ENTETES_CSV)
    return tampon.getvalue()


def exporter_csv(
    atelier: Atelier, choix: list[Choix], destination: Path, progression: Progression | None = None
) -> Path:
    """Le tableau des annotations de toutes les hypothèses choisies, en un fichier CSV."""
    _verifier(choix)
    avancer = progression or _rien
    avancer(0.2, "Communes concernées par chaque esquisse…")
    texte = tableau_csv(atelier, choix)
    ecrire_atomiquement(destination, texte.encode("utf-8-sig"))
    avancer(1.0, "CSV prêt.")
    return destination


def exporter_sig(
    atelier: Atelier, choix: list[Choix], format: str, dossier: Path, progression: Progression | None = None
) -> Path:
    """Exporte ``choix`` au ``format`` (gpkg, geojson ou csv) dans ``dossier`` ; renvoie le fichier écrit."""
    if format not in FORMATS_SIG:
        raise DonneeInvalide(f"Format inconnu : « {format} ». Formats admis : {', '.join(FORMATS_SIG)}.")
    _verifier(choix)
    base = dossier / (f"{atelier.id}_{choix[0].seance.id}_{choix[0].hypothese.id}" if len(choix) == 1 else atelier.id)
    if format == "gpkg":
        return exporter_geopackage(atelier, choix, base.with_suffix(".gpkg"), progression)
    if format == "geojson":
        return exporter_geojson(atelier, choix, base, progression)
    return exporter_csv(atelier, choix, base.with_name(base.name + "_annotations.csv"), progression)
