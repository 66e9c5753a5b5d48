"""Territoire de projet : composé de communes, d'EPCI et de SCoT entiers, par-delà les limites."""

from __future__ import annotations

import json

import pytest

from esquisse.atelier.ateliers import charger_atelier
from esquisse.carte.construction import parametres_atelier
from esquisse.imports.importation import OptionsImport, importer
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.referentiel.perimetres import (
    Clic,
    ajouter,
    basculer,
    chiffres,
    enregistrer_perimetre,
    groupements,
    lire_clic,
    retirer,
    tableau,
)
from esquisse.referentiel.territoire import perimetre
from tests.fabriques import communes_livrees, en_admin_express, instantane, shapefile_zippe
from tests.outils import RACINE


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ({"last_object_clicked_tooltip": '{"id": "ab-3", "code": "31555"}'}, Clic("ab-3", "31555")),
        ({"last_object_clicked_tooltip": '{"id": "ab-4", "code": "2A004"}'}, Clic("ab-4", "2A004")),
        ({"last_object_clicked_tooltip": "Toulouse Code INSEE : 31555"}, None),  # infobulle : pas un clic d'Esquisse
        ({"last_object_clicked_tooltip": '{"id": "x", "code": "<script>"}'}, None),
        ({"last_object_clicked_tooltip": None}, None),
        (None, None),
        ({}, None),
    ],
)
def test_lire_clic(valeur, attendu):
    assert lire_clic(valeur) == attendu


def test_basculer_ajouter_retirer():
    assert basculer(("1", "2"), "3") == ("1", "2", "3")
    assert basculer(("1", "2", "3"), "2") == ("1", "3")
    assert ajouter(("1", "2"), ["2", "4"]) == ("1", "2", "4")
    assert retirer(("1", "2", "4"), ["2", "9"]) == ("1", "4")


def test_groupements_d_apres_les_attributs(projets):
    atelier = charger_atelier(projets, "gascogne-toulouse")
    epci = {g.code: g for g in groupements(atelier, "epci")}
    assert len(epci) == 35
    assert epci["243100518"].nom == "Toulouse Métropole" and len(epci["243100518"].communes) == 37
    scot = {g.code: g for g in groupements(atelier, "scot")}
    assert len(scot["253102388"].communes) == 114  # SMEAT : SCoT de l'agglomération toulousaine


def test_groupements_d_apres_la_couche_quand_les_communes_n_ont_pas_l_attribut(projets, tmp_path):
    """Communes d'ADMIN EXPRESS (sans colonne SCoT) : les SCoT sont retrouvés par la géométrie."""
    archive = shapefile_zippe(en_admin_express(communes_livrees()), tmp_path)
    importer(projets, "bassee-montois", archive, archive.name, OptionsImport("communes"))
    atelier = charger_atelier(projets, "bassee-montois")
    assert atelier.couche("communes")["scot_porteur_siren"].isna().all()
    scot = {g.code: g for g in groupements(atelier, "scot")}
    attendu = communes_livrees().query("scot_porteur_siren == '257704593'")["code_insee"]  # Grand Provinois
    assert len(attendu) == 81
    assert set(scot["257704593"].communes) == set(attendu)


def test_chiffres_de_la_selection(projets):
    atelier = charger_atelier(projets, "gascogne-toulouse")
    codes = atelier.perimetre.communes
    c = chiffres(atelier, codes)
    reference = perimetre(atelier.couche("communes"), codes, "x").iloc[0]
    assert (c.n_communes, c.population, c.superficie_km2) == (
        196,
        reference["population"],
        reference["superficie_km2"],
    )
    assert chiffres(atelier, ()).n_communes == 0
    assert list(tableau(atelier, ("31555", "32013"))["Commune"]) == ["Auch", "Toulouse"]


def test_territoire_libre_par_dela_les_limites(projets):
    """Quelques communes de Seine-et-Marne, de l'Aube et de l'Yonne, dans trois EPCI différents."""
    atelier = charger_atelier(projets, "bassee-montois")
    communes = atelier.couche("communes")
    choisies = communes.groupby("dep").head(2)["code_insee"].tolist()
    assert (
        len({c[:2] for c in choisies}) == 3
        and communes.set_index("code_insee").loc[choisies, "epci_siren"].nunique() >= 3
    )
    enregistrer_perimetre(projets, "bassee-montois", "  Confluence Seine–Yonne ", choisies)
    atelier = charger_atelier(projets, "bassee-montois")
    assert atelier.perimetre.nom == "Confluence Seine–Yonne"
    assert list(atelier.perimetre.communes) == sorted(choisies)
    # La carte montre le nouveau territoire de projet, avec ses chiffres.
    couche = next(c for c in parametres_atelier(atelier, RACINE / "static" / "cache").couches if c.id == "perimetre")
    assert couche.nb_entites == 1


@pytest.mark.parametrize(
    ("nom", "codes", "attendu"),
    [
        ("", ["77015"], "Donnez un nom"),
        ("Essai", [], "aucune commune"),
        ("Essai", ["77015", "99999"], "absente.* 99999"),
    ],
)
def test_enregistrement_refuse_sans_rien_ecrire(projets, nom, codes, attendu):
    avant = instantane(projets / "bassee-montois")
    with pytest.raises(DonneeInvalide, match=attendu):
        enregistrer_perimetre(projets, "bassee-montois", nom, codes)
    assert instantane(projets / "bassee-montois") == avant
    assert json.loads((projets / "bassee-montois" / "atelier.json").read_text())["perimetre"]["communes"][0] == "77015"


def test_noms_des_epci_repris_de_leur_couche(projets, tmp_path):
    """ADMIN EXPRESS ne donne que SIREN_EPCI aux communes : le nom vient de la couche des EPCI."""
    archive = shapefile_zippe(en_admin_express(communes_livrees()), tmp_path)
    importer(projets, "bassee-montois", archive, archive.name, OptionsImport("communes"))
    atelier = charger_atelier(projets, "bassee-montois")
    assert atelier.couche("communes")["epci_nom"].isna().all()
    epci = {g.code: g for g in groupements(atelier, "epci")}
    assert epci["200040251"].nom == "CC Bassée-Montois" and len(epci["200040251"].communes) == 42
