"""Lecture des ateliers et de leurs couches."""

from __future__ import annotations

import json

import pytest

from esquisse.affichage import DOSSIER_STATIQUE, lire_affichage
from esquisse.ateliers import charger_atelier, lister_ateliers, modifier_atelier, resoudre_reference
from esquisse.carte import parametres_atelier
from esquisse.erreurs import DonneeInvalide, Introuvable, SchemaInvalide
from esquisse.territoire import epsg_metrique


def test_ateliers_de_demonstration(projets):
    ateliers = lister_ateliers(projets)
    assert [a.id for a in ateliers] == ["bassee-montois", "gascogne-toulouse"]
    bm = ateliers[0]
    assert bm.nom == "Bassée-Montois — mieux vivre dans le périurbain"
    assert len(bm.perimetre.communes) == 42
    assert len(bm.couche("communes")) == 168
    gt = ateliers[1]
    assert gt.nom == "Portes de Gascogne ↔ Toulouse Métropole — contrat de réciprocité"
    assert set(gt.couches) == {"communes", "epci", "scot", "territoires"}


def test_dossier_vide_ou_absent(tmp_path):
    assert lister_ateliers(tmp_path) == []
    assert lister_ateliers(tmp_path / "absent") == []


@pytest.mark.parametrize("identifiant", ["../etc", "Majuscules", "", "a/b", "é"])
def test_identifiant_hostile_refuse(projets, identifiant):
    with pytest.raises(DonneeInvalide, match="Identifiant invalide"):
        charger_atelier(projets, identifiant)


def test_atelier_introuvable(projets):
    with pytest.raises(Introuvable, match="Atelier introuvable : « inconnu »"):
        charger_atelier(projets, "inconnu")


@pytest.mark.parametrize(
    "reference", ["catalogue:../../etc/passwd", "atelier:../autre/x.geojson", "http://x", "x.geojson"]
)
def test_reference_de_couche_hors_dossier(tmp_path, reference):
    with pytest.raises(SchemaInvalide):
        resoudre_reference(reference, tmp_path)


def test_atelier_json_illisible(projets):
    (projets / "bassee-montois" / "atelier.json").write_text("{", encoding="utf-8")
    with pytest.raises(SchemaInvalide, match="illisible"):
        charger_atelier(projets, "bassee-montois")


def test_genre_de_couche_inconnu(projets):
    chemin = projets / "bassee-montois" / "atelier.json"
    donnees = json.loads(chemin.read_text(encoding="utf-8"))
    donnees["couches"]["cantons"] = "catalogue:x.geojson"
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    with pytest.raises(SchemaInvalide, match="cantons"):
        charger_atelier(projets, "bassee-montois")


def test_perimetre_et_ses_chiffres(projets):
    atelier = charger_atelier(projets, "bassee-montois")
    parametres = parametres_atelier(atelier, DOSSIER_STATIQUE / "cache")
    perimetre = next(c for c in parametres.couches if c.id == "perimetre")
    contenu = lire_affichage(DOSSIER_STATIQUE / perimetre.chemin)
    props = contenu["features"][0]["properties"]
    assert props["n_communes"] == 42
    assert props["population"] == sum(
        int(p)
        for p in atelier.couche("communes").set_index("code_insee").loc[list(atelier.perimetre.communes)]["population"]
    )
    assert 400 < props["superficie_km2"] < 450
    # La carte se cadre sur le territoire de projet.
    assert parametres.emprise == perimetre.emprise


def test_projection_metrique():
    assert epsg_metrique(2.35, 48.85) == 2154
    assert epsg_metrique(55.45, -21.1) == 2975
    assert epsg_metrique(-61.5, 16.2) == 5490


def test_modifier_atelier(projets):
    def renommer(d):
        d["theme"] = "Nouveau thème"

    atelier = modifier_atelier(projets, "bassee-montois", renommer)
    assert atelier.theme == "Nouveau thème"
    assert charger_atelier(projets, "bassee-montois").theme == "Nouveau thème"


def test_modification_invalide_ne_touche_rien(projets):
    chemin = projets / "bassee-montois" / "atelier.json"
    avant = chemin.read_bytes()

    def casser(d):
        d["nom"] = ""

    with pytest.raises(SchemaInvalide):
        modifier_atelier(projets, "bassee-montois", casser)
    assert chemin.read_bytes() == avant
    assert not list(chemin.parent.glob(".tmp-*"))
