"""Pages Comparer, Territoires touchés et Comparer les sites (AppTest, sans navigateur), sur la démo recréée."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.analyse.attribution import nombre
from esquisse.analyse.comparaison import comparer, depuis_seance, rapport_territoires
from esquisse.analyse.etats import Choix
from esquisse.analyse.sites import comparer_sites
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import creer_seance
from tests.demonstration import recreer_gascogne
from tests.outils import ouvrir_page

DELAI = 60


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    recreer_gascogne(projets)
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    return projets


def executer(script: str, atelier: str | None = "gascogne-toulouse") -> AppTest:
    return ouvrir_page(script, DELAI, atelier=atelier)


def metriques(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def attendues(c) -> dict[str, str]:
    """Les chiffres que la page doit montrer, d'après le domaine."""
    return {
        "Ajoutées": str(c.compte["ajoutee"]),
        "Supprimées": str(c.compte["supprimee"]),
        "Modifiées": str(c.compte["modifiee"]),
        "Inchangées": str(c.compte["inchangee"]),
        "Surface gagnée": f"{nombre(c.surface_gagnee_ha)} ha",
        "Surface perdue": f"{nombre(c.surface_perdue_ha)} ha",
    }


def test_comparer_sans_seance(donnees):
    shutil.rmtree(donnees / "bassee-montois" / "seances")
    at = executer("pages/comparer.py", "bassee-montois")
    assert "Aucune séance pour l'instant" in at.info[0].value


def test_comparer_deux_hypotheses_par_defaut(donnees):
    at = executer("pages/comparer.py")
    assert at.radio[0].value == "hypotheses"
    # Par défaut : les deux premières hypothèses de la dernière séance qui en a deux.
    hypotheses = [s.value for s in at.selectbox if s.label == "Hypothèse"]
    assert hypotheses == ["a-le-gers-garde-manger-de-la-metropole", "b-mobilites-partagees-sur-la-rn-124"]
    seance = "2026-02-12-atelier-2"
    atelier = charger_atelier(donnees, "gascogne-toulouse")
    c = comparer(atelier, Choix(seance, hypotheses[0]), Choix(seance, hypotheses[1]))
    assert metriques(at) == attendues(c) and not c.identiques
    assert len(at.dataframe) == 3
    assert at.dataframe[2].value["Esquisse"].tolist() == c.tableau_differences()["Esquisse"].tolist()


def test_ce_qui_a_change_depuis_la_seance_1_en_un_clic(donnees):
    at = executer("pages/comparer.py")
    boutons = [b.label.replace("\\", "") for b in at.button]  # libellés échappés pour le Markdown
    assert boutons == ["Atelier 1 à L'Isle-Jourdain (5 nov. 2025)", "Atelier 2 à Gimont (12 févr. 2026)"]
    at.button[0].click().run()
    assert not at.exception
    assert at.radio[0].value == "seances"
    assert [s.value for s in at.selectbox] == ["2025-11-05-atelier-1", "2026-04-09-atelier-3"]
    c = depuis_seance(charger_atelier(donnees, "gascogne-toulouse"), "2025-11-05-atelier-1")
    assert metriques(at) == attendues(c)
    texte = at.markdown[1].value.replace("\\", "")  # le texte est échappé pour le Markdown
    assert "État final de « Atelier 1 à L'Isle-Jourdain » (hypothèse retenue)" in texte


def test_boutons_depuis_jusqu_a_la_derniere_seance_dessinee(donnees):
    atelier = charger_atelier(donnees, "gascogne-toulouse")
    creer_seance(atelier.dossier, "seminaire-final", "2026-11-20", "Séminaire final")  # pas encore d'esquisse
    at = executer("pages/comparer.py")
    assert len(at.button) == 2 and "Atelier 3 à Auch" in at.markdown[0].value.replace("\\", "")


def test_comparer_deux_versions(donnees):
    at = executer("pages/comparer.py")
    at.radio[0].set_value("versions").run()
    # Par défaut : l'hypothèse de la dernière séance, son avant-dernière et sa dernière version.
    assert [s.value for s in at.selectbox][:2] == ["2026-04-09-atelier-3", "strategie-validee"]
    versions = {s.label: s.value for s in at.selectbox if "version" in s.label}
    assert versions == {"A : version": 1, "B : version": 2}
    choix = [Choix("2026-04-09-atelier-3", "strategie-validee", v) for v in (1, 2)]
    c = comparer(charger_atelier(donnees, "gascogne-toulouse"), *choix)
    assert metriques(at) == attendues(c) and c.compte["ajoutee"] == 1


def test_meme_etat_des_deux_cotes():
    at = executer("pages/comparer.py")
    at.radio[0].set_value("seances").run()
    at.selectbox[0].set_value("2026-04-09-atelier-3").run()
    assert "A et B désignent le même état" in at.info[0].value
    assert any("Aucun changement" in c.value for c in at.caption)


def test_territoires_touches(donnees):
    at = executer("pages/territoires.py")
    r = rapport_territoires(
        charger_atelier(donnees, "gascogne-toulouse"), Choix("2026-04-09-atelier-3", "strategie-validee")
    )
    assert metriques(at) == r.chiffres()
    assert len(at.dataframe) == 3
    assert at.dataframe[0].value["Esquisse"].tolist() == r.tableau_liens()["Esquisse"].tolist()


def test_territoires_sans_hypothese(donnees):
    shutil.rmtree(donnees / "bassee-montois" / "seances")
    at = executer("pages/territoires.py", "bassee-montois")
    assert "Aucune hypothèse" in at.info[0].value


def test_sites_un_seul_atelier_du_theme(donnees):
    at = executer("pages/sites.py")
    assert at.selectbox[0].value == "Dialogue urbain-rural et réciprocité"
    assert "Un seul atelier porte ce thème" in at.info[0].value
    attendu = comparer_sites(donnees, "Dialogue urbain-rural et réciprocité").tableau()
    assert at.dataframe[0].value.equals(attendu)
