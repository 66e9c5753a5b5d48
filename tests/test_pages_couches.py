"""Pages Territoire de projet et Couches, pilotées par AppTest (sans navigateur)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.atelier.ateliers import charger_atelier
from tests.outils import ouvrir_page

DELAI = 60
CLE_CARTE = "carte-territoire"


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))


def ouvrir(script: str, atelier: str) -> AppTest:
    return ouvrir_page(script, DELAI, atelier=atelier)


def metrique(at: AppTest, libelle: str) -> str:
    return next(m.value for m in at.metric if m.label == libelle)


def relancer(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def cliquer_commune(at: AppTest, identifiant: str, code: str) -> AppTest:
    """Ce que selection.js envoie quand on clique une commune sur la carte."""
    at.session_state[CLE_CARTE] = {"last_object_clicked_tooltip": json.dumps({"id": identifiant, "code": code})}
    return relancer(at)


def test_territoire_chiffres_du_territoire_enregistre():
    at = ouvrir("pages/territoire.py", "bassee-montois")
    assert metrique(at, "Communes") == "42"
    assert at.text_input(key="territoire-nom-bassee-montois").value == "Communauté de communes Bassée-Montois"
    assert "Territoire enregistré" in " ".join(c.value for c in at.caption)


def test_un_clic_compte_une_fois(projets):
    at = ouvrir("pages/territoire.py", "bassee-montois")
    cliquer_commune(at, "s1-1", "77015")  # commune du territoire : retirée
    assert metrique(at, "Communes") == "41"
    relancer(at)  # la même valeur revient à la réexécution suivante : rien ne change
    assert metrique(at, "Communes") == "41"
    cliquer_commune(at, "s1-2", "10268")  # une commune de l'Aube, hors de l'EPCI : ajoutée
    assert metrique(at, "Communes") == "42"
    assert any("non enregistrées" in w.value for w in at.warning)
    # Rien n'est écrit avant « Enregistrer ».
    assert "10268" not in charger_atelier(projets, "bassee-montois").perimetre.communes
    at.button(key="territoire-enregistrer").click()
    relancer(at)
    perimetre = charger_atelier(projets, "bassee-montois").perimetre
    assert "10268" in perimetre.communes and "77015" not in perimetre.communes
    assert any("Territoire de projet enregistré" in s.value for s in at.success)


def test_ajouter_un_epci_entier_et_tout_effacer(projets):
    at = ouvrir("pages/territoire.py", "gascogne-toulouse")
    assert metrique(at, "Communes") == "196"
    choix = at.multiselect(key="groupements-epci")
    sicoval = next(g for g in choix.options if g.startswith("CA du Sicoval"))
    choix.select(sicoval)
    relancer(at)
    at.button(key="ajouter-epci").click()
    relancer(at)
    assert int(metrique(at, "Communes")) == 196 + 36
    at.button(key="territoire-effacer").click()
    relancer(at)
    assert metrique(at, "Communes") == "0"
    at.button(key="territoire-enregistrer").click()
    relancer(at)
    assert any("aucune commune" in e.value for e in at.error)
    assert len(charger_atelier(projets, "gascogne-toulouse").perimetre.communes) == 196


def test_couches_etat_et_derivation(projets):
    at = ouvrir("pages/couches.py", "gascogne-toulouse")
    tableau = at.dataframe[0].value
    assert list(tableau["Couche"]) == ["Communes", "EPCI", "SCoT (structures porteuses)", "Territoires de projet"]
    assert list(tableau["Entités"]) == [1044, 35, 8, 2]
    at.radio(key="deriver-genre").set_value("epci")
    relancer(at)
    at.button(key="deriver-attribut").click()
    relancer(at)
    assert any("Couche dérivée enregistrée" in s.value for s in at.success), [e.value for e in at.error]
    atelier = charger_atelier(projets, "gascogne-toulouse")
    assert atelier.couches["epci"].startswith("atelier:couches/epci-")
    assert "Dérivée des communes" in " ".join(at.dataframe[0].value["Origine"])


def test_couches_sans_fichier_invite_a_importer():
    at = ouvrir("pages/couches.py", "bassee-montois")
    assert any("ADMIN EXPRESS" in c.value for c in at.caption)
    assert not at.error


def test_atelier_sans_couche(projets):
    """Un atelier tout neuf : les pages disent quoi faire, sans planter."""
    from tests.fabriques import creer_atelier

    creer_atelier(projets, "nouvel-atelier", "Nouvel atelier")
    at = ouvrir("pages/couches.py", "nouvel-atelier")
    assert any("aucune couche" in i.value for i in at.info)
    at = ouvrir("pages/territoire.py", "nouvel-atelier")
    assert any("pas de couche de communes" in e.value for e in at.error)
    ouvrir("pages/carte.py", "nouvel-atelier")
