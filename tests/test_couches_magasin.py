"""Couches importées dans chacun des deux magasins (fichiers, PostGIS) : rangées par le magasin,
déclarées dans la fiche de l'atelier, relues depuis la base par un serveur qui ne les a pas en local."""

from __future__ import annotations

import os

import pytest

from esquisse.atelier.ateliers import charger_atelier, resoudre_reference
from esquisse.carte.affichage import elaguer_cache
from esquisse.imports.importation import OptionsImport, importer
from esquisse.noyau.erreurs import SchemaInvalide
from esquisse.stockage.rangement import deposer_fichier, lire_document, magasin
from tests.fabriques import communes_livrees, en_admin_express, shapefile_zippe
from tests.outils import RACINE


@pytest.fixture
def archive_correcte(tmp_path):
    entrees = tmp_path / "entrees"
    entrees.mkdir()
    return shapefile_zippe(en_admin_express(communes_livrees()), entrees)


def test_couche_importee_rangee_dans_le_magasin(projets_magasin, archive_correcte, tmp_path):
    """Fichiers : la couche est un fichier de ``couches/`` ; base : une ligne de la base, que le dossier
    local ne fait que recopier. Un autre serveur (dossier local vide) la lit depuis la base."""
    rapport = importer(projets_magasin, "bassee-montois", archive_correcte, "COMMUNE.zip", OptionsImport("communes"))
    relatif = rapport.reference.removeprefix("atelier:")
    assert relatif.startswith("couches/communes-") and relatif.endswith(".gpkg")
    depose = magasin(projets_magasin).fichiers.lire("bassee-montois", relatif)
    assert depose is not None and depose[:16] == b"SQLite format 3\x00"
    assert (projets_magasin / "bassee-montois" / relatif).read_bytes() == depose
    declaration = lire_document(projets_magasin / "bassee-montois", "atelier").contenu
    assert declaration["couches"]["communes"] == rapport.reference
    assert declaration["imports"]["communes"]["fichier"] == "COMMUNE.zip"

    atelier = charger_atelier(projets_magasin, "bassee-montois")
    if os.environ.get("ESQUISSE_BASE"):
        # Un autre serveur : son dossier local n'a pas la couche, elle est recopiée depuis la base…
        (projets_magasin / "bassee-montois" / relatif).unlink()
        # … quand on la lit, pas quand on élague le cache d'affichage au démarrage.
        (tmp_path / "cache" / "couches").mkdir(parents=True)
        elaguer_cache(projets_magasin, tmp_path / "cache", age_min=0)
        assert not (projets_magasin / "bassee-montois" / relatif).exists()
    assert len(atelier.couche("communes")) == 168
    assert atelier.chemin_couche("communes").read_bytes() == depose


def test_reference_d_atelier_resolue_par_le_magasin(projets_magasin):
    """``atelier:couches/…`` désigne un fichier déposé ; une référence qui sort de l'atelier reste refusée."""
    dossier = projets_magasin / "bassee-montois"
    contenu = (RACINE / "couches" / "bassee-montois" / "epci.geojson").read_bytes()
    assert deposer_fichier(dossier, "couches/epci-a.geojson", contenu)
    assert not deposer_fichier(dossier, "couches/epci-a.geojson", b"autre chose"), "un fichier déposé est remplacé"
    if os.environ.get("ESQUISSE_BASE"):
        (dossier / "couches" / "epci-a.geojson").unlink()  # le cache d'un autre serveur est vide
    chemin = resoudre_reference("atelier:couches/epci-a.geojson", dossier)
    assert chemin == (dossier / "couches" / "epci-a.geojson").resolve() and chemin.read_bytes() == contenu
    absent = resoudre_reference("atelier:couches/absente.geojson", dossier)
    assert not absent.exists()
    for hostile in ("atelier:../gascogne-toulouse/atelier.json", "atelier:couches/../../x.geojson"):
        with pytest.raises(SchemaInvalide, match="hors de son dossier"):
            resoudre_reference(hostile, dossier)
