"""Pages Comparer, Territoires touchés et Comparer les sites (AppTest, sans navigateur), sur la démo recréée."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from scripts.demo_gascogne import creer_demo
from tests.conftest import RACINE

DELAI = 60


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    shutil.rmtree(projets / "gascogne-toulouse" / "seances", ignore_errors=True)
    creer_demo(projets / "gascogne-toulouse")
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    return projets


def executer(script: str, atelier: str | None = "gascogne-toulouse") -> AppTest:
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=DELAI)
    at.switch_page(script)
    if atelier:
        at.query_params["atelier"] = atelier
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metriques(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_comparer_sans_seance():
    at = executer("pages/comparer.py", "bassee-montois")
    assert "Aucune séance pour l'instant" in at.info[0].value


def test_comparer_deux_hypotheses_par_defaut():
    at = executer("pages/comparer.py")
    assert at.radio[0].value == "hypotheses"
    hypotheses = [s.value for s in at.selectbox if s.label == "Hypothèse"]
    assert hypotheses == ["a-le-gers-garde-manger-de-la-metropole", "b-mobilites-partagees-sur-la-rn124"]
    assert metriques(at) == {
        "Ajoutées": "2",
        "Supprimées": "2",
        "Modifiées": "4",
        "Inchangées": "2",
        "Surface gagnée": "0 ha",
        "Surface perdue": "14\u00a0181 ha",
    }
    assert len(at.dataframe) == 3


def test_ce_qui_a_change_depuis_la_seance_1_en_un_clic():
    at = executer("pages/comparer.py")
    boutons = [b.label for b in at.button]
    assert boutons == ["Atelier 1 à L'Isle-Jourdain (12 mars 2026)", "Atelier 2 à Gimont (18 juin 2026)"]
    at.button[0].click().run()
    assert not at.exception
    assert at.radio[0].value == "seances"
    assert [s.value for s in at.selectbox] == ["2026-03-12-atelier-1", "2026-10-08-atelier-3"]
    m = metriques(at)
    assert (m["Ajoutées"], m["Supprimées"], m["Modifiées"], m["Inchangées"]) == ("3", "1", "3", "3")
    texte = at.markdown[1].value.replace("\\", "")  # le texte est échappé pour le Markdown
    assert "État final de « Atelier 1 à L'Isle-Jourdain » (hypothèse retenue)" in texte


def test_comparer_deux_versions():
    at = executer("pages/comparer.py")
    at.radio[0].set_value("versions").run()
    # Par défaut : l'hypothèse de la dernière séance, son avant-dernière et sa dernière version.
    assert [s.value for s in at.selectbox][:2] == ["2026-10-08-atelier-3", "strategie-validee"]
    versions = {s.label: s.value for s in at.selectbox if "version" in s.label}
    assert versions == {"A : version": 1, "B : version": 2}
    m = metriques(at)
    assert (m["Ajoutées"], m["Supprimées"], m["Modifiées"], m["Inchangées"]) == ("1", "0", "0", "8")


def test_meme_etat_des_deux_cotes():
    at = executer("pages/comparer.py")
    at.radio[0].set_value("seances").run()
    at.selectbox[0].set_value("2026-10-08-atelier-3").run()
    assert "A et B désignent le même état" in at.info[0].value
    assert "Aucun changement" in at.caption[0].value or any("Aucun changement" in c.value for c in at.caption)


def test_territoires_touches():
    at = executer("pages/territoires.py")
    m = metriques(at)
    assert m["Esquisses"] == "9" and m["Communes touchées"] == "74" and m["EPCI touchés"] == "10"
    assert len(at.dataframe) == 3
    liens = at.dataframe[0].value
    assert "Toulouse (Toulouse Métropole)" in set(liens["De"])


def test_territoires_sans_hypothese():
    at = executer("pages/territoires.py", "bassee-montois")
    assert "Aucune hypothèse" in at.info[0].value


def test_sites_un_seul_atelier_du_theme():
    at = executer("pages/sites.py")
    assert at.selectbox[0].value == "Dialogue urbain-rural et réciprocité"
    assert "Un seul atelier porte ce thème" in at.info[0].value
    tableau = at.dataframe[0].value
    assert tableau.loc["Esquisses"].tolist() == ["9"]
