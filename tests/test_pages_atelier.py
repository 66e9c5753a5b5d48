"""Préparer un atelier, ses séances, sa feuille de route, sa chronologie : les pages (AppTest, sans navigateur).

Les tableaux (st.data_editor) ne se manipulent pas dans AppTest : leur contenu est testé au niveau
du domaine (tests/test_feuille_de_route.py) et dans Chromium (tests/navigateur/).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.ateliers import charger_atelier, creer_atelier
from esquisse.atelier.seances import lister_seances
from tests.outils import ouvrir_page
from ui.textes import md

DELAI = 60


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))


def lancer(script: str, atelier: str | None = None) -> AppTest:
    return ouvrir_page(script, DELAI, atelier=atelier)


def sans_exception(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_creer_un_atelier_depuis_l_accueil(projets):
    at = lancer("app.py")
    formulaire = at.get("form")[0]
    formulaire.text_input[0].input("Vallée de l'Ource — revitaliser les bourgs")
    formulaire.text_input[1].input("Bourgs-centres")
    formulaire.selectbox[1].set_value("gascogne-toulouse")
    at.button(key="FormSubmitter:nouvel-atelier-Créer l'atelier").click()
    sans_exception(at.run())
    a = charger_atelier(projets, "vallee-de-l-ource-revitaliser-les-bourgs")
    assert a.theme == "Bourgs-centres" and set(a.couches) == {"communes", "epci", "scot", "territoires"}
    # On arrive sur la page de l'atelier, avec un message de réussite.
    assert at.subheader[0].value == md(a.nom)
    assert "créé" in at.success[0].value


def test_atelier_sans_nom_refuse(projets):
    avant = sorted(p.name for p in projets.iterdir())
    at = lancer("app.py")
    at.button(key="FormSubmitter:nouvel-atelier-Créer l'atelier").click()
    sans_exception(at.run())
    assert "Atelier non créé : Le nom de l'atelier est obligatoire." in at.error[0].value
    assert sorted(p.name for p in projets.iterdir() if not p.name.startswith(".verrou")) == avant


def test_modifier_la_fiche_et_les_couches(projets):
    at = lancer("pages/atelier.py", "gascogne-toulouse")
    assert at.tabs[1].label == "Participants" and "7 participant(s)" in at.tabs[1].markdown[0].value
    fiche = at.get("form")[0]
    fiche.text_input[1].input("Réciprocités")
    at.button(key="FormSubmitter:fiche-atelier-Enregistrer la fiche").click()
    sans_exception(at.run())
    assert charger_atelier(projets, "gascogne-toulouse").theme == "Réciprocités"
    assert at.success[0].value == "Fiche de l'atelier enregistrée."
    # Couches : celles de Bassée-Montois ne contiennent pas le territoire de projet de Gascogne.
    at.selectbox(key="couche-gascogne-toulouse-communes").set_value("catalogue:bassee-montois/communes.geojson")
    at.button(key="FormSubmitter:couches-atelier-Enregistrer les couches").click()
    sans_exception(at.run())
    assert "Couches non enregistrées : Le territoire de projet" in at.error[0].value
    assert charger_atelier(projets, "gascogne-toulouse").couches["communes"].startswith("catalogue:gascogne")


def test_modifier_puis_archiver_une_seance(projets):
    dossier = projets / "bassee-montois"
    visite = lister_seances(dossier)[0]
    at = lancer("pages/seances.py", "bassee-montois")
    calendrier = at.dataframe[0].value
    assert list(calendrier.columns) == ["Date", "Échéance", "Séance", "Type", "Hypothèses"]
    assert len(calendrier) == len(lister_seances(dossier))
    at.text_input(key=f"titre-seance-{visite.id}").input("Visite de la Bassée en car")
    at.button(key=f"FormSubmitter:modifier-{visite.id}-Enregistrer").click()
    sans_exception(at.run())
    assert lister_seances(dossier)[0].titre == "Visite de la Bassée en car"
    at.button(key=f"archiver-{visite.id}").click()
    sans_exception(at.run())
    assert visite.id not in [s.id for s in lister_seances(dossier)]
    assert "archivée : rien n'est supprimé" in at.success[0].value
    at.button(key=f"retablir-{visite.id}").click()
    sans_exception(at.run())
    assert visite.id in [s.id for s in lister_seances(dossier)]


def test_marquer_une_hypothese_partagee(projets):
    """La case « Partagée » de la page Séances marque l'hypothèse, publiée ensuite au cercle large."""
    from esquisse.atelier.seances import hypothese

    s = lister_seances(projets / "gascogne-toulouse")[1]
    cle = f"partagee-{s.id}-b-mobilites-partagees-sur-la-rn-124"
    at = lancer("pages/seances.py", "gascogne-toulouse")
    assert at.checkbox(key=cle).value is False
    at.checkbox(key=cle).check()
    sans_exception(at.run())
    assert hypothese(s, "b-mobilites-partagees-sur-la-rn-124").partagee is True
    assert at.checkbox(key=cle).value is True


@pytest.mark.parametrize("atelier", ["bassee-montois", "gascogne-toulouse", "vierge"])
@pytest.mark.parametrize("vue", ["Lecture", "Tableau", "Carte", "Exporter et importer"])
def test_feuille_de_route_chaque_vue(projets, atelier, vue):
    if atelier == "vierge":
        atelier = creer_atelier(projets, "vierge").id
    at = lancer("pages/feuille_de_route.py", atelier)
    at.button_group[0].set_value(vue)
    sans_exception(at.run())
    feuille = fdr.lire(projets / atelier)
    if vue == "Lecture" and feuille.orientations:
        assert [m.label for m in at.metric] == list(fdr.STATUTS.values())
        assert sum(int(m.value) for m in at.metric) == len(feuille.actions)
    if vue == "Lecture" and not feuille.orientations:
        assert "La feuille de route est vide" in at.info[-1].value
    if vue == "Carte":
        assert any(type(e).__name__ == "UnknownElement" for e in at.main)  # la carte (st_folium)


def test_changer_l_hypothese_de_reference(projets):
    dossier = projets / "bassee-montois"
    avant = fdr.lire(dossier)
    at = lancer("pages/feuille_de_route.py", "bassee-montois")
    at.selectbox[0].set_value(("2025-10-16-atelier-1", "premieres-intuitions"))
    sans_exception(at.run())
    apres = fdr.lire(dossier)
    assert apres.reference.hypothese == "premieres-intuitions" and apres.revision == avant.revision + 1
    assert apres.orientations == avant.orientations
    # Des liens vers des esquisses absentes de cette hypothèse sont signalés.
    assert "lien(s) vers des esquisses absentes" in at.warning[0].value


def test_chronologie(projets):
    at = lancer("pages/chronologie.py", "bassee-montois")
    (frise,) = at.get("vega_lite_chart")
    spec = json.loads(frise.proto.spec)
    assert spec["config"]["locale"]["time"]["months"][0] == "janvier"
    journal = at.dataframe[0].value
    assert list(journal.columns) == ["Date", "Événement", "Genre", "Détail", "Par"]
    assert journal["Événement"].str.contains("retenue").any()
    vierge = creer_atelier(projets, "Sans séance")
    at = lancer("pages/chronologie.py", vierge.id)
    assert "Aucune séance pour l'instant" in at.info[0].value


def test_participants_dans_atelier_json(projets):
    donnees = json.loads((projets / "bassee-montois" / "atelier.json").read_text(encoding="utf-8"))
    roles = {p["role"] for p in donnees["participants"]}
    assert roles == {"elu", "equipe-projet", "dreal", "ddt", "partenaire"}
