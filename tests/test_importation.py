"""Import de couches : bons fichiers fabriqués à partir des données livrées, et fichiers hostiles.

Chaque fichier refusé doit l'être avec un message précis, en français, sans rien écrire :
le dossier de l'atelier est identique octet pour octet avant et après, et aucun fichier
temporaire ne reste.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import subprocess
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from esquisse.atelier.ateliers import charger_atelier
from esquisse.carte.construction import parametres_atelier
from esquisse.imports.importation import OptionsImport, analyser, importer, proposer_correspondances
from esquisse.noyau.erreurs import EcritureImpossible, EsquisseErreur, SchemaInvalide
from tests.fabriques import (
    APPARTENANCES_NATIONALES,
    COMMUNES_NATIONALES,
    communes_livrees,
    communes_nationales,
    en_admin_express,
    geojson_sans_crs,
    geopackage_deux_couches,
    instantane,
    shapefile_zippe,
)
from tests.outils import RACINE, remplir_disque

FIXTURES = Path("/work/shared/fixtures")
if not FIXTURES.is_dir():
    FIXTURES = RACINE.parent / "shared" / "fixtures"


@pytest.fixture(autouse=True)
def temporaire_isole(tmp_path, monkeypatch):
    """Les fichiers temporaires de l'import vont dans un dossier à part, qui doit finir vide."""
    dossier = tmp_path / "tmp"
    dossier.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(dossier))
    yield dossier
    assert list(dossier.iterdir()) == [], "un fichier temporaire de l'import est resté"


@pytest.fixture
def entrees(tmp_path) -> Path:
    dossier = tmp_path / "entrees"
    dossier.mkdir()
    return dossier


def refuse_sans_rien_ecrire(projets: Path, atelier: str, source, nom: str, options: OptionsImport, **kw) -> str:
    """Importe ; vérifie le refus et que le dossier de l'atelier n'a pas bougé ; renvoie le message."""
    avant = instantane(projets / atelier)
    with pytest.raises(EsquisseErreur) as erreur:
        importer(projets, atelier, source, nom, options, **kw)
    assert instantane(projets / atelier) == avant, "le refus a modifié le dossier de l'atelier"
    message = str(erreur.value)
    assert "«" in message, f"message peu précis : {message}"
    return message


# --------------------------------------------------------------------------- bons fichiers


def test_shapefile_admin_express_lambert93(projets, entrees):
    source = communes_livrees()
    archive = shapefile_zippe(en_admin_express(source), entrees)

    analyse = analyser(archive, "COMMUNE.zip")
    (couche,) = analyse.couches
    assert couche.format == "Shapefile" and couche.nb_entites == 168
    assert couche.epsg == 2154 and not couche.demander_scr
    assert couche.genre_propose == "communes"
    assert proposer_correspondances(couche.colonnes, "communes") == {
        "code_insee": "INSEE_COM",
        "nom": "NOM",
        "population": "POPULATION",
        "epci_siren": "SIREN_EPCI",
        "epci_nom": None,
        "scot_porteur_siren": None,
        "scot_porteur_nom": None,
        "dep": "INSEE_DEP",
        "reg": "INSEE_REG",
    }

    etapes = []
    rapport = importer(
        projets,
        "bassee-montois",
        archive,
        "COMMUNE.zip",
        OptionsImport("communes"),
        progression=lambda p, m: etapes.append(p),
    )
    assert rapport.nb_entites == 168 and rapport.reprojete and rapport.nb_reparees == 0
    assert "EPSG:2154" in rapport.scr_source
    assert etapes == sorted(etapes) and etapes[-1] == 1.0

    atelier = charger_atelier(projets, "bassee-montois")
    assert atelier.couches["communes"] == rapport.reference
    assert rapport.reference.startswith("atelier:couches/communes-")
    donnees = json.loads((atelier.dossier / "atelier.json").read_text(encoding="utf-8"))
    assert donnees["imports"]["communes"]["fichier"] == "COMMUNE.zip"
    communes = atelier.couche("communes").set_index("code_insee")
    attendu = source.set_index("code_insee")
    assert set(communes.index) == set(attendu.index)
    assert (communes.loc[attendu.index, "population"] == attendu["population"]).all()
    # « NR » d'ADMIN EXPRESS devient une valeur vide, pas un SIREN invalide.
    assert communes["epci_siren"].isna().sum() == attendu["epci_siren"].isna().sum()
    # Les contours reviennent en WGS84 au millimètre près.
    ecart = shapely.hausdorff_distance(communes.loc["77015"].geometry, attendu.loc["77015"].geometry)
    assert ecart < 1e-6

    # Le fichier écrit est un GeoPackage lisible par GDAL (ogrinfo, l'outil en ligne de commande).
    sortie = subprocess.run(
        ["ogrinfo", "-so", "-al", str(atelier.chemin_couche("communes"))], capture_output=True, text=True, check=True
    ).stdout
    assert "Feature Count: 168" in sortie and "4326" in sortie

    # La carte de l'atelier se construit avec la couche importée et le territoire de projet.
    parametres = parametres_atelier(atelier, RACINE / "static" / "cache")
    assert [c.id for c in parametres.couches] == ["communes", "epci", "scot", "perimetre"]


def test_geopackage_deux_couches(projets, entrees):
    chemin = geopackage_deux_couches(entrees)
    analyse = analyser(chemin, chemin.name)
    assert [(c.libelle, c.genre_propose, c.nb_entites) for c in analyse.couches] == [
        ("commune", "communes", 168),
        ("epci", "epci", 6),
    ]
    # Deux couches : il faut en choisir une.
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", chemin, chemin.name, OptionsImport("epci"))
    assert "plusieurs couches" in message and "« epci »" in message

    epci = next(c for c in analyse.couches if c.libelle == "epci")
    rapport = importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("epci", couche=epci.id))
    assert rapport.nb_entites == 6
    couche = charger_atelier(projets, "bassee-montois").couche("epci")
    assert set(couche["epci_type"]) == {"Communauté de communes"}
    assert "Bassée-Montois" in " ".join(couche["epci_nom"])


def test_geojson_sans_membre_crs(projets, entrees):
    territoires = gpd.read_file(RACINE / "couches" / "gascogne-toulouse" / "territoires.geojson")
    chemin = geojson_sans_crs(territoires, entrees / "territoires.geojson")
    assert "crs" not in json.loads(chemin.read_text(encoding="utf-8"))
    (couche,) = analyser(chemin, chemin.name).couches
    assert couche.epsg == 4326 and not couche.demander_scr
    rapport = importer(projets, "gascogne-toulouse", chemin, chemin.name, OptionsImport("territoires"))
    assert rapport.nb_entites == 2 and not rapport.reprojete


def test_geojson_en_lambert93_sans_crs_demande_le_scr(projets, entrees):
    communes = communes_livrees().to_crs(2154)
    chemin = entrees / "communes_l93.geojson"
    contenu = json.loads(communes.to_json(drop_id=True))
    contenu.pop("crs", None)
    chemin.write_text(json.dumps(contenu), encoding="utf-8")

    (couche,) = analyser(chemin, chemin.name).couches
    assert couche.demander_scr and couche.scr_propose == 2154
    assert "longitudes / latitudes" in couche.motif_scr
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes"))
    assert "Choisissez le système de coordonnées" in message and "EPSG:2154" in message

    rapport = importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", epsg=2154))
    assert rapport.nb_entites == 168
    bornes = charger_atelier(projets, "bassee-montois").couche("communes").total_bounds
    assert bornes == pytest.approx(communes_livrees().total_bounds, abs=1e-5)


def test_shapefile_sans_prj(projets, entrees):
    archive = shapefile_zippe(en_admin_express(communes_livrees()), entrees, avec_prj=False)
    with zipfile.ZipFile(archive) as zf:
        assert not any(n.endswith(".prj") for n in zf.namelist())
    (couche,) = analyser(archive, archive.name).couches
    assert couche.demander_scr and couche.scr_propose == 2154 and ".prj" in couche.motif_scr

    message = refuse_sans_rien_ecrire(projets, "bassee-montois", archive, archive.name, OptionsImport("communes"))
    assert "pas de fichier .prj" in message and "Lambert-93" in message

    rapport = importer(projets, "bassee-montois", archive, archive.name, OptionsImport("communes", epsg=2154))
    assert rapport.nb_entites == 168 and "EPSG:2154" in rapport.scr_source


def test_csv_avec_colonne_wkt(projets, entrees):
    communes = communes_livrees()
    table = communes[["code_insee", "nom", "population"]].assign(geometrie=communes.geometry.to_wkt())
    chemin = entrees / "communes.csv"
    table.to_csv(chemin, sep=";", index=False, encoding="utf-8-sig")
    (couche,) = analyser(chemin, chemin.name).couches
    assert "WKT" in couche.libelle and couche.demander_scr and couche.scr_propose == 4326
    rapport = importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", epsg=4326))
    assert rapport.nb_entites == 168


def test_csv_de_points_refuse_pour_des_communes(projets, entrees):
    chemin = entrees / "mairies.csv"
    communes = communes_livrees()
    points = communes.geometry.representative_point()
    chemin.write_text(
        "code_insee;nom;population;longitude;latitude\n"
        + "\n".join(
            f"{c};{n};{p};{str(round(pt.x, 5)).replace('.', ',')};{str(round(pt.y, 5)).replace('.', ',')}"
            for c, n, p, pt in zip(communes.code_insee, communes.nom, communes.population, points, strict=True)
        ),
        encoding="utf-8",
    )
    (couche,) = analyser(chemin, chemin.name).couches
    assert "longitude" in couche.libelle and couche.type_geometrie == "Point"
    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", epsg=4326)
    )
    assert "doit contenir des polygones" in message and "Point (168)" in message


def test_fichier_national_et_choix_d_une_region(projets):
    attendu = communes_nationales("reg='76'")
    options = OptionsImport("communes", regions=("76",))
    rapport = importer(projets, "gascogne-toulouse", COMMUNES_NATIONALES, COMMUNES_NATIONALES.name, options)
    assert rapport.nb_source == 34875
    assert rapport.nb_entites == len(attendu) == 4446
    assert "Occitanie" in rapport.filtre
    atelier = charger_atelier(projets, "gascogne-toulouse")
    assert set(atelier.couche("communes")["dep"]) == set(attendu["dep"])
    # Le territoire de projet (Gers et Haute-Garonne) est entièrement dans la région.
    assert rapport.communes_retirees == []


def test_communes_du_perimetre_absentes(projets, entrees):
    gers = communes_nationales("dep='32'")
    chemin = geojson_sans_crs(gers, entrees / "gers.geojson")
    message = refuse_sans_rien_ecrire(projets, "gascogne-toulouse", chemin, chemin.name, OptionsImport("communes"))
    assert "territoire de projet" in message and "37 commune(s) absente(s)" in message and "31003" in message

    options = OptionsImport("communes", retirer_absentes_du_perimetre=True)
    rapport = importer(projets, "gascogne-toulouse", chemin, chemin.name, options)
    assert "31555" in rapport.communes_retirees
    perimetre = charger_atelier(projets, "gascogne-toulouse").perimetre
    assert perimetre.communes and all(c.startswith("32") for c in perimetre.communes)


def _avec_noeud_papillon(communes: gpd.GeoDataFrame, code: str) -> gpd.GeoDataFrame:
    """Remplace le contour d'une commune par un anneau qui se recoupe (un « nœud papillon »)."""
    communes = communes.copy()
    i = communes.index[communes["code_insee"] == code][0]
    x0, y0, x1, y1 = communes.geometry[i].bounds
    communes.loc[i, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    assert not communes.geometry[i].is_valid
    return communes


def test_anneau_qui_se_recoupe(projets, entrees):
    communes = _avec_noeud_papillon(communes_livrees(), "77015")
    chemin = entrees / "communes_papillon.gpkg"
    communes.to_file(chemin, engine="pyogrio")

    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", reparer=False)
    )
    assert "1 géométrie(s) invalide(s)" in message and "77015" in message and "se recoupe" in message

    rapport = importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes"))
    assert rapport.nb_reparees == 1 and "77015" in rapport.reparees[0]
    assert any("réparée" in ligne for ligne in rapport.lignes())
    reparee = charger_atelier(projets, "bassee-montois").couche("communes").set_index("code_insee").loc["77015"]
    assert reparee.geometry.is_valid and reparee.geometry.geom_type == "MultiPolygon"


def test_coordonnees_3d(projets, entrees):
    communes = communes_livrees()
    communes = communes.set_geometry(shapely.force_3d(communes.geometry.values, z=120.0))
    chemin = geojson_sans_crs(communes, entrees / "communes_3d.geojson")
    assert len(json.loads(chemin.read_text())["features"][0]["geometry"]["coordinates"][0][0][0]) == 3
    assert analyser(chemin, chemin.name).couches[0].a_z

    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", reparer=False)
    )
    assert "3D" in message and "168 entité(s)" in message

    rapport = importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes"))
    assert rapport.z_ignore == 168
    assert not shapely.has_z(charger_atelier(projets, "bassee-montois").couche("communes").geometry.values).any()


# --------------------------------------------------------------------------- fichiers hostiles


@pytest.fixture
def archive_correcte(entrees) -> Path:
    return shapefile_zippe(en_admin_express(communes_livrees()), entrees)


def test_zip_tronque(projets, entrees, archive_correcte):
    contenu = archive_correcte.read_bytes()
    tronque = entrees / "tronque.zip"
    tronque.write_bytes(contenu[: len(contenu) // 2])
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", tronque, tronque.name, OptionsImport("communes"))
    assert "« tronque.zip »" in message and "tronqué" in message


def test_zip_dont_une_entree_sort_du_dossier(projets, entrees, archive_correcte):
    hostile = entrees / "evasion.zip"
    with zipfile.ZipFile(archive_correcte) as source, zipfile.ZipFile(hostile, "w") as zf:
        for info in source.infolist():
            zf.writestr("../../" + Path(info.filename).name, source.read(info))
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", hostile, hostile.name, OptionsImport("communes"))
    assert "sort de son dossier" in message and "../../COMMUNE" in message
    assert not (entrees.parent / "COMMUNE.shp").exists()


@pytest.mark.parametrize(
    ("nom", "attendu"),
    [
        ("/tmp/COMMUNE.shp", "chemin absolu"),
        ("C:/Windows/COMMUNE.shp", "chemin absolu"),
        ("donnees\\..\\..\\COMMUNE.shp", "sort de son dossier"),
    ],
)
def test_zip_chemins_hostiles(projets, entrees, nom, attendu):
    hostile = entrees / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr(zipfile.ZipInfo(nom), b"x")
    with zipfile.ZipFile(hostile) as zf:
        assert zf.namelist() == [nom]
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", hostile, hostile.name, OptionsImport("communes"))
    assert attendu in message


def test_zip_avec_lien_symbolique(projets, entrees):
    hostile = entrees / "lien.zip"
    info = zipfile.ZipInfo("COMMUNE.shp")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(hostile, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", hostile, hostile.name, OptionsImport("communes"))
    assert "lien symbolique" in message


def test_bombe_de_decompression(projets, entrees):
    bombe = entrees / "bombe.zip"
    with zipfile.ZipFile(bombe, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("COMMUNE.dbf", b"\0" * (40 * 2**20))
    assert bombe.stat().st_size < 100_000
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", bombe, bombe.name, OptionsImport("communes"))
    assert "bombe de décompression" in message


def test_archive_plus_grosse_que_la_limite_une_fois_decompressee(projets, archive_correcte):
    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", archive_correcte, "COMMUNE.zip", OptionsImport("communes"), taille_max=100_000
    )
    assert "se décompresse en plus de" in message and "ESQUISSE_TAILLE_MAX_IMPORT_MO" in message


def test_csv_non_geographique(projets):
    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", APPARTENANCES_NATIONALES, APPARTENANCES_NATIONALES.name, OptionsImport("communes")
    )
    assert "n'est pas géographique" in message and "epci_siren" in message and "Dériver" in message


def test_fichier_vide(projets, entrees):
    vide = entrees / "vide.geojson"
    vide.write_bytes(b"")
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", vide, vide.name, OptionsImport("communes"))
    assert message == "Le fichier « vide.geojson » est vide (0 octet)."


def test_fichier_tres_au_dela_de_la_limite(projets, entrees):
    enorme = entrees / "france_entiere.gpkg"
    with open(enorme, "wb") as f:  # fichier creux : 5 Gio annoncés, presque rien sur le disque
        f.truncate(5 * 2**30)
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", enorme, enorme.name, OptionsImport("communes"))
    assert "pèse 5\u202f120 Mo" in message and "limite d'import est de 200 Mo" in message


@pytest.mark.parametrize(
    ("nom", "contenu", "attendu"),
    [
        ("communes.kml", b"<kml/>", "Format non pris en charge"),
        ("COMMUNE.shp", b"\0" * 100, "n'est qu'une partie d'un Shapefile"),
        ("communes.gpkg", b"ceci n'est pas une base SQLite" * 10, "illisible"),
        ("communes.geojson.gz", b"pas du gzip", "n'est pas un gzip lisible"),
        ("communes.geojson", b'{"type": "FeatureCollection", "features": [', "illisible"),
    ],
)
def test_fichiers_mal_formes(projets, entrees, nom, contenu, attendu):
    chemin = entrees / nom
    chemin.write_bytes(contenu)
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", chemin, nom, OptionsImport("communes"))
    assert attendu in message


def test_zip_sans_couche_et_shapefile_incomplet(projets, entrees, archive_correcte):
    lisez_moi = entrees / "lisez_moi.zip"
    with zipfile.ZipFile(lisez_moi, "w") as zf:
        zf.writestr("LISEZ-MOI.txt", "Livraison ADMIN EXPRESS")
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", lisez_moi, lisez_moi.name, OptionsImport("communes"))
    assert "aucune couche géographique" in message and "LISEZ-MOI.txt" in message

    incomplet = entrees / "incomplet.zip"
    with zipfile.ZipFile(archive_correcte) as source, zipfile.ZipFile(incomplet, "w") as zf:
        for info in source.infolist():
            if not info.filename.endswith(".dbf"):
                zf.writestr(info, source.read(info))
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", incomplet, incomplet.name, OptionsImport("communes"))
    assert "incomplet" in message and ".dbf" in message


def test_csv_wkt_illisible(projets, entrees):
    chemin = entrees / "communes.csv"
    chemin.write_text(
        "code_insee,nom,population,wkt\n"
        '77015,Balloy,350,"POLYGON ((3.1 48.4, 3.2 48.4, 3.2 48.5, 3.1 48.4))"\n'
        '77019,Bazoches,300,"POLYGON ((3.1 48.4, 3.2"\n',
        encoding="utf-8",
    )
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes"))
    assert "WKT illisible aux lignes 3" in message


def test_csv_case_wkt_vide_ni_traceback_ni_geometrie_inventee(projets, entrees):
    """Une case WKT vide (ou une ligne courte) était lue en NaN et faisait planter la page Couches (TypeError)."""
    communes = communes_livrees()
    table = communes[["code_insee", "nom", "population"]].assign(wkt=communes.geometry.to_wkt())
    table.loc[table.index[3], "wkt"] = ""
    chemin = entrees / "communes.csv"
    texte = table.to_csv(sep=";", index=False) + "77999;Sans géométrie\n"  # ligne plus courte que l'en-tête
    chemin.write_text(texte, encoding="utf-8")
    (couche,) = analyser(chemin, chemin.name).couches
    assert couche.nb_entites == 169 and "WKT" in couche.libelle
    rapport = importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", epsg=4326))
    assert rapport.nb_entites == 167 and rapport.sans_geometrie == 2
    assert "2 entité(s) sans géométrie ignorée(s)." in rapport.lignes()


def test_zip_avec_un_nom_a_la_fois_fichier_et_dossier(projets, entrees, archive_correcte):
    """« a » et « a/b.txt » : FileExistsError brute avant ; refus en français, rien n'est écrit."""
    for ordre in (("COMMUNE", "COMMUNE/b.txt"), ("COMMUNE/b.txt", "COMMUNE")):
        hostile = entrees / "fichier-et-dossier.zip"
        with zipfile.ZipFile(archive_correcte) as source, zipfile.ZipFile(hostile, "w") as zf:
            for info in source.infolist():
                zf.writestr(info, source.read(info))
            for nom in ordre:
                zf.writestr(nom, b"x")
        message = refuse_sans_rien_ecrire(projets, "bassee-montois", hostile, hostile.name, OptionsImport("communes"))
        assert "« COMMUNE » à la fois comme fichier et comme dossier (« COMMUNE/b.txt »)" in message, message


def test_schema_invalide_apres_correspondance(projets, entrees):
    """Un code INSEE faux est signalé par la validation du schéma, avec la valeur fautive."""
    communes = en_admin_express(communes_livrees())
    communes.loc[communes.index[0], "INSEE_COM"] = "77-01"
    chemin = entrees / "communes.gpkg"
    communes.to_file(chemin, engine="pyogrio")
    avant = instantane(projets / "bassee-montois")
    with pytest.raises(SchemaInvalide, match=r"code INSEE .*« 77-01 »"):
        importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes"))
    assert instantane(projets / "bassee-montois") == avant


def test_colonne_obligatoire_non_indiquee(projets, archive_correcte):
    options = OptionsImport("communes", correspondances={"code_insee": "INSEE_COM", "nom": "NOM"})
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", archive_correcte, "COMMUNE.zip", options)
    assert "« population »" in message and "POPULATION" in message


def test_valeurs_d_un_fichier_a_la_maniere_d_admin_express(projets, entrees):
    """Codes lus comme des nombres (zéros perdus), population décimale : normalisés à l'import."""
    communes = communes_nationales("dep='01'").head(30)
    ae = en_admin_express(communes)
    ae["INSEE_COM"] = ae["INSEE_COM"].astype(int)
    ae["POPULATION"] = ae["POPULATION"].astype(float)
    chemin = entrees / "ain.gpkg"
    ae.to_file(chemin, engine="pyogrio")
    rapport = importer(
        projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", retirer_absentes_du_perimetre=True)
    )
    couche = charger_atelier(projets, "bassee-montois").couche("communes")
    assert rapport.nb_entites == 30
    assert list(couche["code_insee"]) == list(communes["code_insee"])
    assert couche["code_insee"].str.len().eq(5).all()
    # Tout le territoire de projet (Seine-et-Marne) est absent : il est retiré, son nom disparaît avec lui.
    assert charger_atelier(projets, "bassee-montois").perimetre is None


# --------------------------------------------------------------------------- corpus externe


def _corpus() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("geojson*/**/*.geojson"))


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="corpus ../shared/fixtures absent")
@pytest.mark.parametrize("chemin", _corpus(), ids=lambda p: p.name)
def test_corpus_geojson_jamais_de_plantage(projets, chemin):
    """geojsonhint et geojson-validator : refusé avec un message, ou importé ; jamais d'écriture partielle."""
    avant = instantane(projets / "bassee-montois")
    try:
        importer(projets, "bassee-montois", chemin, chemin.name, OptionsImport("territoires"))
    except EsquisseErreur as exc:
        assert "«" in str(exc)
        assert instantane(projets / "bassee-montois") == avant
    else:
        atelier = charger_atelier(projets, "bassee-montois")
        assert atelier.couche("territoires").geometry.is_valid.all()


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="corpus ../shared/fixtures absent")
@pytest.mark.parametrize(
    "nom", ["problematic_self_intersection_small.geojson", "problematic_self_intersection_large.geojson"]
)
def test_corpus_auto_intersections_signalees(projets, nom):
    chemin = FIXTURES / "geojson-validator" / "problematic_geometries" / nom
    options = OptionsImport("territoires", reparer=False)
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", chemin, nom, options)
    assert "géométrie(s) invalide(s)" in message and "se recoupe" in message


def test_archives_noms_sans_danger(tmp_path):
    from esquisse.noyau.archives import extraire_zip

    archive = tmp_path / "sain.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("dossier/./COMMUNE.txt", b"abc")
        zf.writestr("dossier/", b"")
    cible = tmp_path / "sortie"
    cible.mkdir()
    assert [p.relative_to(cible).as_posix() for p in extraire_zip(archive, cible, 10**6)] == ["dossier/COMMUNE.txt"]


def test_gzip_au_dela_de_la_limite(projets, entrees):
    gros = entrees / "communes.geojson.gz"
    with gzip.open(gros, "wb") as f:
        f.write(b" " * (3 * 2**20))
    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", gros, gros.name, OptionsImport("communes"), taille_max=2**20
    )
    assert "se décompresse en plus de" in message


def test_octets_en_memoire_comme_un_televersement(projets, archive_correcte):
    """La page passe le contenu téléversé (octets) : même résultat qu'avec un chemin."""
    contenu = archive_correcte.read_bytes()
    rapport = importer(projets, "bassee-montois", contenu, "COMMUNE.zip", OptionsImport("communes"))
    assert rapport.nb_entites == 168
    assert not np.any([p.name.startswith(".tmp-") for p in (projets / "bassee-montois").rglob("*")])
    assert os.listdir(projets / "bassee-montois" / "couches") == [rapport.reference.split("/")[-1]]


def test_limite_de_televersement_coherente_avec_le_reglage():
    import tomllib

    from esquisse.noyau.reglages import reglage

    config = tomllib.loads((RACINE / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == reglage("ESQUISSE_TAILLE_MAX_IMPORT_MO", {})


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="corpus ../shared/fixtures absent")
def test_csv_de_umap_lu_comme_des_points(projets):
    """Le CSV d'essai d'uMap (colonnes « Latitude » et « geo_Longitude ») : des points, refusés pour des communes."""
    chemin = FIXTURES / "umap" / "test_upload_data.csv"
    (couche,) = analyser(chemin, chemin.name).couches
    assert couche.type_geometrie == "Point" and couche.scr_propose == 4326
    message = refuse_sans_rien_ecrire(
        projets, "bassee-montois", chemin, chemin.name, OptionsImport("communes", epsg=4326)
    )
    assert "doit contenir des polygones" in message


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="corpus ../shared/fixtures absent")
@pytest.mark.parametrize("nom", ["test_upload_data.kml", "test_upload_data.gpx", "test_upload_data.umap"])
def test_formats_d_umap_non_pris_en_charge(projets, nom):
    chemin = FIXTURES / "umap" / nom
    message = refuse_sans_rien_ecrire(projets, "bassee-montois", chemin, nom, OptionsImport("communes"))
    assert "Format non pris en charge" in message and "GeoPackage" in message


def test_affichage_prepare_des_l_import(projets, archive_correcte):
    """La page passe le dossier de cache : la carte est prête à s'ouvrir sans attendre."""
    from esquisse.carte.affichage import DOSSIER_STATIQUE

    etapes = []
    rapport = importer(
        projets,
        "bassee-montois",
        archive_correcte,
        "COMMUNE.zip",
        OptionsImport("communes"),
        progression=lambda p, m: etapes.append(m),
        dossier_cache=DOSSIER_STATIQUE / "cache",
    )
    assert "Préparation de l'affichage sur la carte" in etapes and not rapport.avertissements
    parametres = parametres_atelier(charger_atelier(projets, "bassee-montois"), DOSSIER_STATIQUE / "cache")
    assert all((DOSSIER_STATIQUE / c.chemin).is_file() for c in parametres.couches)


def test_disque_temporaire_plein_pendant_l_ecriture_de_la_couche(projets, entrees, petit_disque, monkeypatch):
    """GDAL écrit le GeoPackage dans le dossier temporaire : plein, il échoue à sa façon ; l'utilisateur
    lit le message en français et l'atelier n'a pas bougé."""
    territoires = gpd.read_file(RACINE / "couches" / "gascogne-toulouse" / "territoires.geojson")
    chemin = geojson_sans_crs(territoires, entrees / "territoires.geojson")
    monkeypatch.setattr(tempfile, "tempdir", str(petit_disque))
    bouche = remplir_disque(petit_disque)
    avant = instantane(projets / "gascogne-toulouse")
    with pytest.raises(EcritureImpossible) as erreur:
        importer(projets, "gascogne-toulouse", chemin, chemin.name, OptionsImport("territoires"))
    assert str(erreur.value).startswith("Le disque est plein : impossible d'enregistrer la couche importée")
    assert instantane(projets / "gascogne-toulouse") == avant
    assert sorted(p.name for p in petit_disque.iterdir()) == [bouche.name], "un fichier temporaire est resté"
    bouche.unlink()
    rapport = importer(projets, "gascogne-toulouse", chemin, chemin.name, OptionsImport("territoires"))
    assert rapport.nb_entites == len(territoires)
