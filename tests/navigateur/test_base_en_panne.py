"""La base PostGIS tombe en pleine séance, dans un vrai Chromium : le dessin reste dans le navigateur.

Le serveur range tout dans sa propre grappe PostgreSQL, arrêtée net (comme une panne) pendant que
l'on dessine : l'enregistrement est refusé en français, rien n'est écrit, le dessin attend sur la
carte ; la base relancée, le même bouton l'enregistre.
"""

from __future__ import annotations

import shutil

import pytest

from esquisse.atelier.seances import creer_hypothese, lister_seances
from esquisse.stockage.choix import ouvrir as ouvrir_magasin
from esquisse.stockage.copie import copier
from esquisse.stockage.disque import StockageFichiers
from tests.navigateur.conftest import ATELIER, capture, dessiner_zone, ouvrir, sans_erreur_js
from tests.outils import RACINE, arreter_serveur, demarrer_serveur, echecs_application
from tests.postgres import demarrer_grappe


@pytest.fixture
def serveur_sur_base_fragile(tmp_path, monkeypatch):
    grappe = demarrer_grappe(rapide=False)  # fsync : une panne ne perd rien de validé
    serveur = None
    try:
        base = grappe.creer_base("seance")
        depart = tmp_path / "depart"
        shutil.copytree(RACINE / "projets" / ATELIER, depart / ATELIER)
        copier(ATELIER, StockageFichiers(depart), ouvrir_magasin(base))
        monkeypatch.setenv("ESQUISSE_BASE", base)
        local = tmp_path / "projets"
        local.mkdir()
        env = {"ESQUISSE_BASE": base, "ESQUISSE_EXPORTS": str(tmp_path / "exports")}
        serveur = demarrer_serveur(local, tmp_path / "streamlit.log", env_sup=env)
        yield serveur, grappe
    finally:
        if serveur is not None:
            arreter_serveur(serveur)
        grappe.arreter()


def test_base_en_panne_le_dessin_attend_puis_s_enregistre(hors_ligne, serveur_sur_base_fragile):
    serveur, grappe = serveur_sur_base_fragile
    seance = lister_seances(serveur.projets / ATELIER)[0]
    h = creer_hypothese(seance, "Hypothèse pendant la panne", atelier=ATELIER)
    url = f"{serveur.url}/carte?atelier={ATELIER}&seance={seance.id}&hypothese={h.id}"
    contexte, reseau = hors_ligne()
    page, cadre = ouvrir(contexte, url)

    dessiner_zone(page, cadre, [(0.35, 0.35), (0.55, 0.3), (0.6, 0.55), (0.4, 0.6)])
    page.get_by_text("Nouvelle esquisse").wait_for()
    page.get_by_label("Titre").fill("Halle de la gare")
    page.get_by_label("Titre").press("Tab")
    grappe.suspendre()
    page.get_by_role("button", name="Enregistrer (1)").click()
    page.get_by_text("Rien n'a été enregistré : La base de données ne répond pas").wait_for(timeout=30000)
    page.get_by_text("la carte montre la dernière version lue, vos dessins attendent").wait_for()
    capture(page, "base-en-panne-1920x1080")
    page.set_viewport_size({"width": 1024, "height": 768})
    capture(page, "base-en-panne-1024x768")
    page.set_viewport_size({"width": 1920, "height": 1080})

    # Rien n'est accusé : le dessin attend dans le navigateur, avec son titre.
    assert cadre.evaluate("Esquisse.dessin.changements().length") == 1
    assert page.get_by_role("button", name="Enregistrer (1)").is_visible()

    # Une autre page ouverte pendant la panne : un message et « Réessayer », pas une trace d'erreur.
    autre = contexte.new_page()
    autre.goto(f"{serveur.url}/seances?atelier={ATELIER}")
    autre.get_by_text("La base de données ne répond pas : cette page ne peut pas s'afficher").wait_for(timeout=30000)
    assert autre.get_by_text("Traceback").count() == 0
    capture(autre, "base-en-panne-autre-page")

    grappe.relancer()
    assert h.depot(ATELIER).numero_courant() == 0, "rien n'a été écrit pendant la panne"
    autre.get_by_role("button", name="Réessayer").click()
    autre.get_by_text("Nouvelle séance", exact=True).wait_for(timeout=30000)
    autre.close()
    page.get_by_role("button", name="Enregistrer (1)").click()
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="Version 1 enregistrée").wait_for(timeout=30000)
    (entite,) = h.depot(ATELIER).lire(1).entites
    assert entite["properties"]["titre"] == "Halle de la gare"
    cadre.wait_for_function("Esquisse.dessin.changements().length === 0")
    capture(page, "base-relancee-version-enregistree")
    assert echecs_application(reseau) == [] and reseau.bloquees == []
    sans_erreur_js(cadre)
