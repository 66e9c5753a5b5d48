"""Disque plein pendant une séance, dans un vrai Chromium : le dessin reste dans le navigateur.

Le serveur écrit ses données sur un vrai petit disque (tmpfs) que le test remplit : l'enregistrement
échoue en français, rien n'est écrit, le dessin reste sur la carte, en attente ; une fois de la place
libérée, le même bouton l'enregistre.
"""

from __future__ import annotations

import shutil

import pytest

from esquisse.atelier.seances import creer_hypothese, creer_seance
from esquisse.esquisses.versions import Changement
from tests.conftest import RACINE
from tests.fabriques import entite, instantane
from tests.navigateur.conftest import ATELIER, capture, derniere_version, dessiner_zone, ouvrir, sans_erreur_js
from tests.outils import arreter_serveur, demarrer_serveur, echecs_application, remplir_disque


@pytest.fixture
def serveur_sur_petit_disque(petit_disque, tmp_path):
    projets = petit_disque / "projets"
    shutil.copytree(RACINE / "projets" / ATELIER, projets / ATELIER)
    s = demarrer_serveur(projets, tmp_path / "streamlit.log", env_sup={"ESQUISSE_EXPORTS": str(tmp_path / "x")})
    yield s
    arreter_serveur(s)


def test_disque_plein_le_dessin_reste_puis_s_enregistre(hors_ligne, serveur_sur_petit_disque, petit_disque):
    serveur = serveur_sur_petit_disque
    seance = creer_seance(serveur.projets / ATELIER, "atelier-2", "2026-05-20", "Atelier 2")
    h = creer_hypothese(seance, "Hypothèse sur disque plein", atelier=ATELIER)
    # Une première version, comme en pleine séance (ses verrous existent déjà).
    h.depot(ATELIER).enregistrer([Changement("zone-0", None, entite(0))], "Équipe", "equipe-projet")
    url = f"{serveur.url}/carte?atelier={ATELIER}&seance={seance.id}&hypothese={h.id}"
    contexte, reseau = hors_ligne()
    page, cadre = ouvrir(contexte, url)

    bouche = remplir_disque(petit_disque)
    avant = instantane(serveur.projets)
    dessiner_zone(page, cadre, [(0.35, 0.35), (0.55, 0.3), (0.6, 0.55), (0.4, 0.6)])
    page.get_by_text("Nouvelle esquisse").wait_for()
    # La copie de secours (brouillon) échoue aussi : c'est dit, et la carte reste, avec le dessin.
    page.get_by_text("Copie de secours des dessins en attente impossible (le disque est plein)").wait_for()
    page.get_by_label("Titre").fill("Halle de la gare")
    page.get_by_label("Titre").press("Tab")
    page.get_by_role("button", name="Enregistrer (1)").click()
    page.get_by_text("Rien n'a été enregistré : Le disque est plein").wait_for()
    page.get_by_text("Vos dessins restent dans ce navigateur").first.wait_for()

    # Rien n'est accusé : le navigateur garde le dessin, en attente, et le serveur n'a rien écrit.
    assert cadre.evaluate("Esquisse.dessin.changements().length") == 1
    assert cadre.evaluate("Object.keys(Esquisse.dessin.etat.couches).length") == 2
    assert page.get_by_role("button", name="Enregistrer (1)").is_visible()
    assert instantane(serveur.projets) == avant
    assert h.depot(ATELIER).numero_courant() == 1
    capture(page, "disque-plein-1920x1080")
    page.set_viewport_size({"width": 1024, "height": 768})
    capture(page, "disque-plein-1024x768")
    page.set_viewport_size({"width": 1920, "height": 1080})

    # De la place est libérée : le même bouton enregistre le dessin gardé.
    bouche.unlink()
    page.get_by_role("button", name="Enregistrer (1)").click()
    page.get_by_text("Version 2 enregistrée").wait_for()
    titres = {f["properties"].get("titre") for f in derniere_version(h)["features"]}
    assert titres == {"zone 0", "Halle de la gare"}
    cadre.wait_for_function("Esquisse.dessin.changements().length === 0")
    assert cadre.evaluate("Object.keys(Esquisse.dessin.etat.couches).length") == 2
    capture(page, "disque-libere-version-enregistree")
    assert echecs_application(reseau) == [] and reseau.bloquees == []
    sans_erreur_js(cadre)
