"""Couches dérivées des communes : par attribut ou par table d'appartenance, comparées aux fichiers de référence."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from esquisse.atelier.ateliers import charger_atelier
from esquisse.carte.construction import parametres_atelier
from esquisse.imports.derivation import deriver_par_attribut, deriver_par_table, enregistrer_derivee, lire_table
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur, SchemaInvalide
from tests.fabriques import APPARTENANCES_NATIONALES, instantane
from tests.outils import PARTAGE, RACINE


@pytest.fixture
def communes_32_31(projets) -> gpd.GeoDataFrame:
    return charger_atelier(projets, "gascogne-toulouse").couche("communes")


def test_epci_par_attribut_comme_le_fichier_de_reference(communes_32_31):
    epci, rapport = deriver_par_attribut(communes_32_31, "epci", "epci_siren", "epci_nom")
    reference = gpd.read_file(PARTAGE / "epci_32_31.geojson").set_index("epci_siren")
    assert set(epci["epci_siren"]) == set(reference.index)
    assert rapport.nb_groupements == 35 and rapport.nb_communes == 1044
    epci = epci.set_index("epci_siren")
    tm = epci.loc["243100518"]
    assert tm["epci_nom"] == reference.loc["243100518", "epci_nom"] and tm["n_communes"] == 37
    assert tm["epci_type"] == "METRO"
    # Les EPCI entièrement dans le Gers et la Haute-Garonne ont le même contour et la même population.
    entiers = reference[reference["n_communes"] == epci.loc[reference.index, "n_communes"]].index
    assert len(entiers) > 25
    l93 = epci.loc[entiers].to_crs(2154).area
    ref = reference.loc[entiers].to_crs(2154).area
    assert ((l93 - ref).abs() / ref).max() < 1e-3
    assert (epci.loc[entiers, "population"] == reference.loc[entiers, "population"]).all()


def test_scot_par_table_d_appartenance_nationale(communes_32_31):
    table = lire_table(APPARTENANCES_NATIONALES, APPARTENANCES_NATIONALES.name)
    assert table.nb_lignes == 35688
    assert table.proposer("scot") == {"commune": "code_insee", "code": "scot_porteur_siren", "nom": "scot_porteur_nom"}
    scot, rapport = deriver_par_table(
        communes_32_31, "scot", table, "code_insee", "scot_porteur_siren", "scot_porteur_nom"
    )
    reference = gpd.read_file(PARTAGE / "scot_32_31_derived.geojson")
    assert set(scot["scot_porteur_siren"]) == set(reference["scot_porteur_siren"])
    assert rapport.communes_sans_groupement == ["31038", "32358"]
    # Des structures porteuses débordent sur l'Aude, les Landes… : leur contour est tronqué, et le rapport le dit.
    assert "PETR du Pays Lauragais" in rapport.tronques
    assert any("débordent" in ligne for ligne in rapport.lignes())
    assert set(scot["scot_porteur_type"]) <= {"SMF", "SMO", "PETR", "POLEM", "SIVOM", "SIVU"}


def test_une_commune_dans_deux_groupements(communes_32_31, tmp_path):
    chemin = tmp_path / "reciprocite.csv"
    chemin.write_text(
        "commune;territoire;libelle\n"
        "31555;TM;Toulouse Métropole\n31069;TM;Toulouse Métropole\n"
        "31555;AXE;Axe Toulouse–Auch\n32013;AXE;Axe Toulouse–Auch\n32107;AXE;Axe Toulouse–Auch\n",
        encoding="utf-8",
    )
    table = lire_table(chemin, chemin.name)
    assert table.proposer("territoires")["commune"] == "commune"
    territoires, rapport = deriver_par_table(communes_32_31, "territoires", table, "commune", "territoire", "libelle")
    par_nom = territoires.set_index("nom")
    assert par_nom.loc["Axe Toulouse–Auch", "n_communes"] == 3 and par_nom.loc["Toulouse Métropole", "n_communes"] == 2
    assert par_nom.geometry["Axe Toulouse–Auch"].intersection(par_nom.geometry["Toulouse Métropole"]).area > 0
    assert rapport.nb_communes == 4


def test_enregistrer_une_couche_derivee(projets, communes_32_31):
    epci, rapport = deriver_par_attribut(communes_32_31, "epci", "epci_siren", "epci_nom")
    enregistrer_derivee(projets, "gascogne-toulouse", epci, rapport)
    atelier = charger_atelier(projets, "gascogne-toulouse")
    assert atelier.couches["epci"] == rapport.reference
    assert len(atelier.couche("epci")) == 35
    donnees = json.loads((atelier.dossier / "atelier.json").read_text(encoding="utf-8"))
    assert donnees["imports"]["epci"]["derivee_des_communes"] is True
    parametres = parametres_atelier(atelier, RACINE / "static" / "cache")
    assert "epci" in [c.id for c in parametres.couches]


@pytest.mark.parametrize(
    ("appel", "erreur", "attendu"),
    [
        (lambda c, t: deriver_par_attribut(c, "epci", "nom", None), SchemaInvalide, "SIREN à 9 chiffres"),
        (lambda c, t: deriver_par_attribut(c, "epci", "inconnue", None), DonneeInvalide, "pas de colonne « inconnue »"),
        (lambda c, t: deriver_par_attribut(c, "communes", "dep", None), DonneeInvalide, "epci, scot, territoires"),
        (lambda c, t: deriver_par_table(c, "scot", t, "code_insee", "absente", None), DonneeInvalide, "« absente »"),
    ],
)
def test_derivations_refusees(communes_32_31, appel, erreur, attendu):
    table = lire_table(APPARTENANCES_NATIONALES, APPARTENANCES_NATIONALES.name)
    with pytest.raises(erreur, match=attendu):
        appel(communes_32_31, table)


def test_table_sans_commune_de_l_atelier(communes_32_31, tmp_path):
    chemin = tmp_path / "ailleurs.csv"
    chemin.write_text("code_insee,epci_siren\n01001,200069193\n", encoding="utf-8")
    with pytest.raises(DonneeInvalide, match="Aucune commune de la table"):
        deriver_par_table(communes_32_31, "epci", lire_table(chemin, chemin.name), "code_insee", "epci_siren")


def test_table_qui_n_est_pas_un_csv(projets):
    avant = instantane(projets)
    chemin = RACINE / "couches" / "bassee-montois" / "epci.geojson"
    with pytest.raises(EsquisseErreur, match="Une table d'appartenance est un fichier CSV"):
        lire_table(chemin, chemin.name)
    assert instantane(projets) == avant
