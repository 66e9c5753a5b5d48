"""Rôles et journal dans un vrai Chromium (mode ouvert : la personne devant l'écran anime) :
l'onglet Participants montre l'accès et le courriel, un réglage de l'animation est noté au journal."""

from __future__ import annotations

import pytest

from esquisse.acces import journal
from esquisse.atelier.ateliers import charger_atelier
from tests.navigateur.conftest import capture
from tests.outils import relance_attendue

ATELIER = "bassee-montois"


@pytest.mark.parametrize("ecran", [(1920, 1080), (1024, 768)])
def test_participants_acces_et_journal(serveur, hors_ligne, ecran):
    largeur, hauteur = ecran
    contexte, _ = hors_ligne(largeur=largeur, hauteur=hauteur)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/atelier?atelier={ATELIER}")
    page.get_by_role("tab", name="Participants").click()
    page.get_by_text("Accès", exact=True).first.wait_for(state="attached")
    if largeur >= 1920:  # à 1024 px, la colonne est hors champ : le tableau (canevas) ne rend que ce qui se voit
        page.get_by_text("Courriel", exact=True).first.wait_for(state="attached")
    capture(page, f"acces-participants-{largeur}x{hauteur}")
    avant = len(journal.lire(serveur.projets / ATELIER)[0])
    libre = charger_atelier(serveur.projets, ATELIER).contribution_libre
    with relance_attendue(page):  # le réglage est écrit par l'exécution que le clic provoque
        page.get_by_text("Les contributeurs peuvent aussi retoucher les esquisses des autres").click()
    assert charger_atelier(serveur.projets, ATELIER).contribution_libre != libre
    page.get_by_role("tab", name="Journal").click()
    page.get_by_text("Qui a fait quoi, et quand").wait_for()
    page.locator("[data-testid='stDataFrame']").last.wait_for()
    capture(page, f"acces-journal-{largeur}x{hauteur}")
    entrees = journal.lire(serveur.projets / ATELIER)[0]
    assert len(entrees) == avant + 1 and entrees[0].action == "membres.modifier"
    assert entrees[0].role == "animation" and entrees[0].origine == "ouvert"
    # L'atelier partagé par les autres tests retrouve son réglage.
    page.get_by_role("tab", name="Participants").click()
    with relance_attendue(page):
        page.get_by_text("Les contributeurs peuvent aussi retoucher les esquisses des autres").click()
    assert charger_atelier(serveur.projets, ATELIER).contribution_libre == libre
