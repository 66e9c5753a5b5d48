"""Chaque page s'exécute sans exception (AppTest, sans navigateur)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.atelier.ateliers import creer_atelier
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from tests.conftest import RACINE
from tests.outils import ouvrir_page
from ui.navigation import PAGES
from ui.textes import md

DELAI = 60


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))


def executer(script: str, atelier: str | None = None) -> AppTest:
    return ouvrir_page(script, DELAI, atelier=atelier)


@pytest.mark.parametrize("script", [p[0] for p in PAGES])
@pytest.mark.parametrize("atelier", [None, "bassee-montois", "gascogne-toulouse", "vierge"])
def test_page_sans_exception(projets, script, atelier):
    if atelier == "vierge":
        # Un atelier tout juste créé : ni couche, ni séance, ni participant, ni feuille de route.
        atelier = creer_atelier(projets, "Atelier tout neuf").id
    executer(script, atelier)


def test_accueil_liste_les_ateliers():
    at = executer("app.py")
    textes = " ".join(m.value for m in at.markdown)
    # Les noms sont saisis par les utilisateurs : ils sont échappés pour le Markdown.
    assert md("Bassée-Montois — mieux vivre dans le périurbain") in textes
    assert md("Portes de Gascogne ↔ Toulouse Métropole — contrat de réciprocité") in textes
    assert [b.label for b in at.button if b.label == "Ouvrir la carte"] == ["Ouvrir la carte", "Ouvrir la carte"]


def test_accueil_sans_atelier(tmp_path, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(tmp_path))
    at = executer("app.py")
    # Le chemin du dossier est échappé pour le Markdown.
    assert (
        at.info[0].value
        == f"Aucun atelier dans le dossier de données « {md(tmp_path)} » : créez le premier ci-dessous."
    )
    # Sans atelier, le formulaire de création est ouvert d'emblée.
    assert at.expander[0].label == "Nouvel atelier" and at.text_input[0].label == "Nom de l'atelier"


def test_accueil_sans_atelier_dans_la_base(base_postgres, tmp_path, monkeypatch):
    """Avec la base, l'accueil parle de la base, pas du dossier local qui n'en est que le cache."""
    monkeypatch.setenv("ESQUISSE_PROJETS", str(tmp_path))
    monkeypatch.setenv("ESQUISSE_BASE", base_postgres)
    at = executer("app.py")
    assert at.info[0].value == "Aucun atelier dans la base de données : créez le premier ci-dessous."
    assert str(tmp_path) not in " ".join(i.value for i in at.info)


def test_carte_sans_atelier_renvoie_vers_l_accueil():
    at = executer("pages/carte.py")
    assert "Choisissez d'abord un atelier" in at.info[0].value


def test_carte_atelier_inconnu():
    at = executer("pages/carte.py", "inexistant")
    assert "Atelier introuvable" in at.error[0].value


def test_carte_d_un_atelier():
    at = executer("pages/carte.py", "bassee-montois")
    assert at.subheader[0].value == md("Bassée-Montois — mieux vivre dans le périurbain")
    # st_folium apparaît comme un composant inconnu d'AppTest : la carte est testée dans Chromium.
    assert any(type(e).__name__ == "UnknownElement" for e in at.main)


def test_couche_corrompue_message_francais(projets):
    import json

    chemin = projets / "bassee-montois" / "atelier.json"
    donnees = json.loads(chemin.read_text(encoding="utf-8"))
    (projets / "bassee-montois" / "communes.geojson").write_text('{"type":"FeatureCollection","features":[]}')
    donnees["couches"]["communes"] = "atelier:communes.geojson"
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    at = executer("pages/carte.py", "bassee-montois")
    assert "Communes" in at.error[0].value


def test_choisir_qui_dessine_parmi_les_participants():
    at = executer("pages/carte.py", "bassee-montois")
    at.selectbox(key="auteur_participant").set_value(0).run()
    assert not at.exception
    participant = at.selectbox(key="auteur_participant").options[0]
    assert at.text_input(key="auteur_nom").value in participant
    assert at.selectbox(key="auteur_role").value in {"elu", "equipe-projet", "dreal", "ddt", "partenaire"}


def test_pages_sans_etat_de_session_brut():
    """Les pages passent par les accesseurs nommés de ``ui`` (``ui.session.Saisie``, ``ui.edition``…) : aucune
    ne lit ni n'écrit ``st.session_state`` elle-même."""
    scripts = [RACINE / "app.py", *sorted((RACINE / "pages").glob("*.py"))]
    assert len(scripts) > 10
    assert [s.name for s in scripts if "session_state" in s.read_text(encoding="utf-8")] == []


def test_hypothese_creee_annoncee_par_une_notification(projets):
    """Créer une hypothèse : la page se réaffiche avec une notification (titre échappé), sans autre message ;
    l'hypothèse existe."""
    at = executer("pages/seances.py", "bassee-montois")
    titre = next(t for t in at.text_input if t.label == "Titre" and not (t.key or "").startswith("titre-seance"))
    titre.input("Hypothèse <b>C</b>")
    next(b for b in at.button if b.label == "Créer l'hypothèse").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.value for t in at.toast] == [f"Hypothèse « {md('Hypothèse <b>C</b>')} » créée."]
    assert not at.success and not at.error
    titres = [h.titre for s in lister_seances(projets / "bassee-montois") for h in lister_hypotheses(s)]
    assert titres.count("Hypothèse <b>C</b>") == 1
