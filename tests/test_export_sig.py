"""Fichiers SIG : GeoPackage relu par ogrinfo (GDAL de Debian), GeoJSON passé au validateur RFC 7946, CSV relu."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from geojson_validator import configure_logging, validate_geometries, validate_structure
from shapely.geometry import LineString, mapping

from esquisse.analyse.annotations import choisir, references, tableau
from esquisse.atelier.ateliers import charger_atelier
from esquisse.esquisses.versions import Changement
from esquisse.exports.export_sig import ENTETES_CSV, GEOMETRIES_GPKG, exporter_sig, nom_couche
from esquisse.noyau.erreurs import DonneeInvalide, EcritureImpossible
from tests.conftest import RACINE
from tests.documents import couches_gpkg
from tests.esquisses_de_test import enregistrer, seance_avec_hypotheses
from tests.outils import remplir_disque

configure_logging(enabled=False)


@pytest.fixture(scope="module")
def gascogne(tmp_path_factory):
    """Deux hypothèses (200 et 12 esquisses, deux versions chacune) dans l'atelier Gascogne ↔ Toulouse."""
    projets = tmp_path_factory.mktemp("sig") / "projets"
    shutil.copytree(RACINE / "projets", projets)
    atelier = charger_atelier(projets, "gascogne-toulouse")
    s, hyps = seance_avec_hypotheses(atelier, {"A — Le rural nourricier": 200, "B — Les liens": 12})
    return atelier, [choisir(atelier, s.id, h.id) for h in hyps]


def test_geopackage_lu_par_ogrinfo(gascogne, tmp_path):
    atelier, choix = gascogne
    # Une version antérieure pour la seconde hypothèse : « la dernière, ou une version choisie ».
    ancienne = choisir(atelier, choix[1].seance.id, choix[1].hypothese.id, 1)
    gpkg = exporter_sig(atelier, [choix[0], ancienne], "gpkg", tmp_path)
    assert gpkg.suffix == ".gpkg"
    couches = couches_gpkg(gpkg)
    # Une couche par hypothèse et par type de géométrie, chacune de type déclaré.
    par_genre = {
        nom_couche(c, g): int((tableau(c.version, atelier.legende, references(atelier))["genre"] == g).sum())
        for c in (choix[0], ancienne)
        for g in GEOMETRIES_GPKG
    }
    attendues = {
        **{nom: n for nom, n in par_genre.items() if n},
        "communes": 1044,
        "epci": 35,
        "scot_derives_des_adhesions": 8,
        "territoires": 2,
        "territoire_de_projet": 1,
    }
    assert {nom: c.entites for nom, c in couches.items()} == attendues
    assert ancienne.version.meta.nb_entites == 6  # la version 1 : la moitié des 12 esquisses
    assert {c.epsg for c in couches.values()} == {2154}
    assert couches["communes"].geometrie == "Multi Polygon"
    assert sum(n for nom, n in par_genre.items() if nom.startswith(nom_couche(choix[0]))) == 200
    assert couches[nom_couche(choix[0], "zone")].geometrie == "Multi Polygon"
    assert couches[nom_couche(choix[0], "ligne")].geometrie == "Multi Line String"
    assert couches[nom_couche(choix[0], "point")].geometrie == "Multi Point"
    assert not any(c.geometrie == "Unknown (any)" for c in couches.values())

    # Les attributs relus par GDAL : annotations, communes concernées, mesures, style.
    relue = pd.concat(
        [pyogrio.read_dataframe(gpkg, layer=nom_couche(choix[0], g)) for g in GEOMETRIES_GPKG]
    ).sort_values("n")
    assert relue.crs.to_epsg() == 2154
    tab = tableau(choix[0].version, atelier.legende, references(atelier))
    assert list(relue["id"]) == list(tab["id"])
    assert list(relue["communes"]) == list(tab["communes"])
    assert (relue["n_communes"] > 0).all(), "chaque esquisse, tirée dans le territoire, concerne une commune"
    zones = relue[relue["genre"] == "zone"]
    assert (zones["surface_ha"] > 0).all() and zones["longueur_km"].isna().all()
    assert set(relue["couleur"]) <= {c.couleur for c in atelier.legende}
    # Les mesures sont celles de GDAL sur les géométries relues, en Lambert-93.
    assert zones["surface_ha"].to_numpy() == pytest.approx((zones.geometry.area / 1e4).to_numpy(), abs=0.006)
    assert list(pyogrio.read_dataframe(gpkg, layer="territoire_de_projet")["n_communes"]) == [196]


def test_geojson_rfc7946_valide(gascogne, tmp_path):
    atelier, choix = gascogne
    chemin = exporter_sig(atelier, choix[:1], "geojson", tmp_path)
    assert chemin.suffix == ".geojson"
    donnees = json.loads(chemin.read_text(encoding="utf-8"))
    # Validateur indépendant : structure (membre crs interdit compris) et géométries (règle de la main droite…).
    assert validate_structure(donnees, check_crs=True) == {}
    resultat = validate_geometries(donnees)
    assert resultat["invalid"] == {} and resultat["problematic"] == {}
    assert sum(resultat["count_geometry_types"].values()) == 200
    assert "crs" not in donnees
    assert donnees["esquisse"]["version"] == choix[0].numero
    e = donnees["features"][0]
    assert set(e["properties"]) >= {"categorie", "categorie_nom", "titre", "commentaire", "communes", "codes_insee"}
    # Les géométries sont celles de la version, à l'identique.
    par_id = choix[0].version.par_id()
    assert all(f["geometry"] == par_id[f["id"]]["geometry"] for f in donnees["features"])
    # GDAL le lit aussi.
    assert len(gpd.read_file(chemin)) == 200


def test_le_validateur_rfc7946_sait_refuser(gascogne):
    """Le validateur des tests n'est pas complaisant : il refuse un membre crs et un anneau à l'envers."""
    _, choix = gascogne
    zone = next(e for e in choix[0].version.entites if e["geometry"]["type"] == "Polygon")
    anneau = zone["geometry"]["coordinates"][0][::-1]
    fautive = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [anneau]}}],
    }
    assert validate_structure(fautive, check_crs=True) != {}
    assert "exterior_not_ccw" in validate_geometries(fautive)["invalid"]


def test_plusieurs_geojson_dans_une_archive(gascogne, tmp_path):
    atelier, choix = gascogne
    chemin = exporter_sig(atelier, choix, "geojson", tmp_path)
    assert chemin.suffix == ".zip"
    with zipfile.ZipFile(chemin) as zf:
        noms = zf.namelist()
        assert len(noms) == 2
        for nom, c in zip(noms, choix, strict=True):
            donnees = json.loads(zf.read(nom))
            assert validate_structure(donnees, check_crs=True) == {}
            assert len(donnees["features"]) == c.version.meta.nb_entites


def test_csv_des_annotations(gascogne, tmp_path):
    atelier, choix = gascogne
    chemin = exporter_sig(atelier, choix, "csv", tmp_path)
    brut = chemin.read_bytes()
    assert brut.startswith(b"\xef\xbb\xbf"), "BOM UTF-8 : Excel lit les accents"
    lignes = list(csv.DictReader(io.StringIO(brut.decode("utf-8-sig")), delimiter=";"))
    assert list(lignes[0]) == list(ENTETES_CSV.values())
    assert len(lignes) == 200 + 12
    assert {ligne["Hypothèse"] for ligne in lignes} == {"A — Le rural nourricier", "B — Les liens"}
    zone = next(ligne for ligne in lignes if ligne["Géométrie"] == "zone")
    assert "," in zone["Surface (ha)"] and zone["Longueur (km)"] == ""  # virgule décimale
    assert int(zone["Nombre de communes"]) == len(zone["Communes concernées"].split(", "))
    # Un commentaire avec guillemets, esperluette et balises reste tel quel.
    assert any("<b>sans</b>" in ligne["Commentaire"] for ligne in lignes)


def test_format_inconnu_et_choix_vide(gascogne, tmp_path):
    atelier, choix = gascogne
    with pytest.raises(DonneeInvalide, match=r"Format inconnu : « shp »\. Formats admis : gpkg, geojson, csv\."):
        exporter_sig(atelier, choix, "shp", tmp_path)
    with pytest.raises(DonneeInvalide, match="Choisissez au moins une hypothèse"):
        exporter_sig(atelier, [], "gpkg", tmp_path)
    with pytest.raises(DonneeInvalide, match="choisie deux fois"):
        exporter_sig(atelier, [choix[0], choix[0]], "csv", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_hypothese_sans_version(projets, tmp_path):
    from esquisse.atelier.seances import creer_hypothese, creer_seance

    atelier = charger_atelier(projets, "bassee-montois")
    s = creer_seance(atelier.dossier, "atelier-1", "2026-01-10")
    h = creer_hypothese(s, "Pas encore dessinée")
    with pytest.raises(DonneeInvalide, match="« Pas encore dessinée » n'a encore aucune version enregistrée"):
        choisir(atelier, s.id, h.id)


def test_tableau_trie_par_legende_et_mesures(projets):
    atelier = charger_atelier(projets, "bassee-montois")
    _, (h,) = seance_avec_hypotheses(atelier, {"A": 0})
    refs = references(atelier)
    bray = refs.communes.set_index("nom").loc["Bray-sur-Seine", "geometry"]
    # Un carré de 1 km de côté et une ligne de 2 km, construits en Lambert-93 puis ramenés en WGS84.
    x, y = bray.representative_point().coords[0]
    carre = gpd.GeoSeries([shapely.box(x - 500, y - 500, x + 500, y + 500)], crs=2154).to_crs(4326).iloc[0]
    ligne = gpd.GeoSeries([LineString([(x - 1000, y), (x + 1000, y)])], crs=2154).to_crs(4326).iloc[0]
    entites = [
        {"type": "Feature", "id": "z", "geometry": mapping(carre), "properties": {"categorie": "projet", "titre": "Z"}},
        {"type": "Feature", "id": "l", "geometry": mapping(ligne), "properties": {"categorie": "axe", "titre": "L"}},
    ]
    numero = enregistrer(h, atelier, entites)
    tab = tableau(h.depot(atelier.id).lire(numero), atelier.legende, refs)
    assert list(tab["id"]) == ["l", "z"]  # l'axe vient avant le secteur de projet dans la légende
    assert list(tab["n"]) == [1, 2]
    assert tab.loc[0, "longueur_km"] == pytest.approx(2.0, abs=0.01)
    assert tab.loc[1, "surface_ha"] == pytest.approx(100.0, abs=0.5)
    assert "Bray-sur-Seine" in tab.loc[1, "communes"]
    # Et une version sans esquisse donne un tableau vide, sans erreur.
    h.depot(atelier.id).enregistrer([Changement("z", numero, None), Changement("l", numero, None)], "Marie")
    assert len(tableau(h.depot(atelier.id).lire(numero + 1), atelier.legende, refs)) == 0


@pytest.mark.parametrize("marge", [0, 200_000, 1_000_000])
def test_geopackage_sur_un_disque_plein(gascogne, petit_disque, marge):
    """Un vrai petit disque plein (tmpfs) : GDAL échoue à sa façon, l'utilisateur lit une erreur en
    français ; l'export précédent reste intact, rien d'écrit à moitié ; la place libérée, l'export passe."""
    atelier, choix = gascogne
    sorties = petit_disque / "sorties"
    sorties.mkdir()
    precedent = exporter_sig(atelier, choix[1:], "gpkg", sorties)
    avant = precedent.read_bytes()
    bouche = remplir_disque(petit_disque)
    with open(bouche, "r+b") as f:  # un peu de place : GDAL commence à écrire, puis manque de place
        f.truncate(max(bouche.stat().st_size - marge, 0))
    with pytest.raises(EcritureImpossible) as erreur:
        exporter_sig(atelier, choix, "gpkg", sorties)
    message = str(erreur.value)
    assert message.startswith("Le disque est plein : impossible d'enregistrer « gascogne-toulouse.gpkg »"), message
    assert "Errno" not in message and "SQL" not in message
    assert sorted(p.name for p in sorties.iterdir()) == [precedent.name], "un fichier à moitié écrit est resté"
    assert precedent.read_bytes() == avant
    bouche.unlink()
    gpkg = exporter_sig(atelier, choix, "gpkg", sorties)
    assert "communes" in couches_gpkg(gpkg)
