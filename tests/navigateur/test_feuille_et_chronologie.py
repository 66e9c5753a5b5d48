"""Feuille de route, chronologie et textes saisis, dans un vrai Chromium."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import replace

import pytest
from openpyxl import load_workbook

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.ateliers import creer_atelier
from esquisse.atelier.seances import creer_hypothese, creer_seance, modifier_hypothese
from esquisse.esquisses.versions import Changement
from tests.navigateur.conftest import capture
from tests.outils import IFRAME_CARTE, attendre_carte, attendre_fin_du_script, echecs_application

ATELIER = "bassee-montois"
XSS = "<img src=x onerror=alert(1)>"

# Marques de la frise (rendue en SVG par Vega) peintes d'une couleur donnée.
MARQUES_DE_COULEUR = """
(couleur) => [...document.querySelectorAll("[data-testid='stVegaLiteChart'] svg path")].filter(
  (p) => (p.getAttribute("fill") || "").toLowerCase() === couleur && p.getBBox().width > 2
).length
"""

# Nombre d'esquisses affichées par la carte (dans l'iframe de streamlit-folium).
NB_ESQUISSES = """
(n) => {
  const f = document.querySelector("iframe[title='streamlit_folium.st_folium']");
  const E = f && f.contentWindow.Esquisse;
  return !!E && !!E.dessin && Object.keys(E.dessin.etat.couches).length === n;
}
"""


def vue(page, nom: str) -> None:
    page.get_by_role("radio", name=nom, exact=True).click()


def test_modifier_une_action_dans_le_tableau(serveur, hors_ligne):
    dossier = serveur.projets / ATELIER
    avant = fdr.lire(dossier)
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur.url}/feuille_de_route?atelier={ATELIER}")
    page.get_by_text(avant.orientations[0].titre).first.wait_for()
    vue(page, "Tableau")
    grille = page.locator("[data-testid='stDataFrame']").nth(1)  # le tableau des actions
    grille.wait_for()
    boite = grille.bounding_box()
    # Première action, colonne « Action » (après la marge des lignes et la colonne « Orientation », 200 px) :
    # un premier clic choisit la cellule, un second ouvre son éditeur.
    x, y = boite["x"] + 40 + 200 + 80, boite["y"] + 35 + 17
    page.mouse.click(x, y)
    page.keyboard.press("Enter")  # la cellule choisie s'ouvre à l'édition
    editeur = page.locator("textarea.gdg-input")
    editeur.wait_for()
    editeur.fill("Installer des maraîchers sur les gravières réhabilitées")
    editeur.press("Enter")
    editeur.wait_for(state="detached")  # la cellule est validée
    capture(page, "feuille-de-route-tableau-1920x1080")
    page.get_by_role("button", name="Enregistrer la feuille de route").click()
    page.get_by_test_id("stAlertContentSuccess").get_by_text("Feuille de route enregistrée").wait_for()
    apres = fdr.lire(dossier)
    assert apres.revision == avant.revision + 1
    premiere = apres.orientations[0].actions[0]
    assert premiere.titre == "Installer des maraîchers sur les gravières réhabilitées"
    # Rien d'autre n'a changé : identifiants, liens, porteurs, dates… ont fait l'aller-retour par le tableau.
    assert premiere == replace(avant.orientations[0].actions[0], titre=premiere.titre)
    assert [a for _, a in apres.actions][1:] == [a for _, a in avant.actions][1:]
    assert echecs_application(reseau) == [] and reseau.bloquees == []


@pytest.mark.parametrize(("largeur", "hauteur"), [(1920, 1080), (1024, 768)])
def test_carte_des_actions(serveur, hors_ligne, largeur, hauteur):
    feuille = fdr.lire(serveur.projets / ATELIER)
    contexte, reseau = hors_ligne(largeur=largeur, hauteur=hauteur)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/feuille_de_route?atelier={ATELIER}")
    page.get_by_text(feuille.orientations[0].titre).first.wait_for()
    vue(page, "Carte")
    cadre = attendre_carte(page)
    iframe = page.frame_locator(IFRAME_CARTE)
    iframe.locator("body[data-esquisse-version]").wait_for(state="attached")
    liees = {i for _, a in feuille.actions for i in a.entites}
    page.wait_for_function(NB_ESQUISSES, arg=len(liees))
    assert set(cadre.evaluate("Object.keys(Esquisse.dessin.etat.couches)")) == liees
    # La fiche d'une esquisse nomme les actions qui s'y rattachent.
    action = next(a for _, a in feuille.actions if "bm-bray" in a.entites)
    cadre.evaluate("void Esquisse.dessin.etat.couches['bm-bray'].openPopup()")
    fiche = iframe.locator(".esq-fiche-territoires")
    fiche.wait_for()
    assert "Feuille de route" in fiche.inner_text() and action.titre in fiche.inner_text()
    capture(page, f"feuille-de-route-carte-{largeur}x{hauteur}")
    # Filtrée sur une orientation : seulement ses esquisses.
    o = feuille.orientations[1]
    page.get_by_label("Orientation").click()
    page.get_by_role("option", name=o.titre).click()
    attendues = {i for a in o.actions for i in a.entites}
    page.wait_for_function(NB_ESQUISSES, arg=len(attendues))
    assert set(cadre.evaluate("Object.keys(Esquisse.dessin.etat.couches)")) == attendues
    assert echecs_application(reseau) == [] and reseau.bloquees == []
    assert cadre.evaluate("document.body.getAttribute('data-esquisse-erreur')") is None


@pytest.mark.parametrize(("largeur", "hauteur"), [(1920, 1080), (1024, 768)])
def test_frise_de_la_chronologie(serveur, hors_ligne, largeur, hauteur):
    contexte, reseau = hors_ligne(largeur=largeur, hauteur=hauteur)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/chronologie?atelier={ATELIER}")
    frise = page.locator("[data-testid='stVegaLiteChart'] svg.marks")
    frise.wait_for()
    page.get_by_text("Journal").wait_for()
    # Une barre verte (retenue) et une rouge (abandonnée) au moins, le nom des hypothèses sur la frise.
    page.wait_for_function(f"(c) => ({MARQUES_DE_COULEUR})(c) > 0", arg="#2e7d32")
    assert page.evaluate(MARQUES_DE_COULEUR, "#c62828") >= 1
    textes = frise.locator("text").evaluate_all("els => els.map((e) => e.textContent)")
    assert any(t.startswith("Stratégie — la vallée nourricière, reliée") for t in textes)
    assert {"1", "7"} <= set(textes)  # les pastilles numérotées des séances
    # La frise occupe toute la largeur du contenu (celle du journal, en dessous).
    largeur_frise = frise.bounding_box()["width"]
    largeur_contenu = page.locator("[data-testid='stDataFrame']").bounding_box()["width"]
    assert largeur_frise > 0.95 * largeur_contenu
    capture(page, f"chronologie-{largeur}x{hauteur}")
    assert echecs_application(reseau) == [] and reseau.bloquees == []


def test_textes_saisis_jamais_interpretes(serveur, hors_ligne):
    """Noms d'atelier, de participant, de séance, d'hypothèse, d'orientation et d'action piégés."""
    atelier = creer_atelier(
        serveur.projets,
        f"{XSS} {uuid.uuid4().hex[:6]}",
        theme=XSS,
        couches={"communes": "catalogue:bassee-montois/communes.geojson"},
        participants=[{"nom": XSS, "structure": XSS, "role": "elu"}],
    )
    s = creer_seance(atelier.dossier, "atelier-1", "2026-03-12", XSS)
    h = creer_hypothese(s, XSS, XSS, XSS, "elu", atelier=atelier.id)
    zone = {"type": "Polygon", "coordinates": [[[3.2, 48.4], [3.3, 48.4], [3.3, 48.5], [3.2, 48.4]]]}
    entite = {"type": "Feature", "geometry": zone, "properties": {"categorie": "projet", "titre": XSS}}
    h.depot(atelier.id).enregistrer([Changement("z1", None, entite)], XSS, "elu")
    modifier_hypothese(h, XSS, statut="retenue")
    action = {"id": "a1", "titre": XSS, "description": XSS, "entites": ["z1"], "porteurs": [XSS], "outils": [XSS]}
    feuille = fdr.valider({"orientations": [{"id": "o1", "titre": XSS, "description": XSS, "actions": [action]}]})
    fdr.enregistrer(atelier.dossier, feuille, XSS)

    contexte, _ = hors_ligne()
    page = contexte.new_page()
    alertes = []
    page.on("dialog", lambda d: (alertes.append(d.message), d.dismiss()))
    for chemin, attendu in [
        ("", "Ouvrir la carte"),
        (f"atelier?atelier={atelier.id}", "Fiche"),
        (f"seances?atelier={atelier.id}", "Calendrier"),
        (f"feuille_de_route?atelier={atelier.id}", "Phasage"),
        (f"chronologie?atelier={atelier.id}", "Journal"),
    ]:
        page.goto(f"{serveur.url}/{chemin}")
        page.get_by_text(attendu).first.wait_for()
        attendre_fin_du_script(page)
        assert page.locator("img[src='x']").count() == 0, chemin
    page.get_by_text(XSS).first.wait_for()  # le texte est montré tel quel
    page.goto(f"{serveur.url}/feuille_de_route?atelier={atelier.id}")
    page.get_by_text("Phasage").first.wait_for()
    assert page.get_by_text(XSS).count() >= 3
    vue(page, "Carte")
    cadre = attendre_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version]").wait_for(state="attached")
    page.wait_for_function(
        "() => { const f = document.querySelector(\"iframe[title='streamlit_folium.st_folium']\");"
        " return f && f.contentWindow.Esquisse && f.contentWindow.Esquisse.dessin.etat.couches['z1']; }"
    )
    cadre.evaluate("void Esquisse.dessin.etat.couches['z1'].openPopup()")
    fiche = page.frame_locator(IFRAME_CARTE).locator(".esq-fiche-territoires")
    fiche.wait_for()
    assert XSS in fiche.inner_text()
    assert page.frame_locator(IFRAME_CARTE).locator("img[src='x']").count() == 0
    capture(page, "xss-feuille-de-route")
    assert alertes == []
    assert json.loads((atelier.dossier / "atelier.json").read_text(encoding="utf-8"))["theme"] == XSS


def test_telecharger_le_xlsx_et_le_csv(serveur, hors_ligne, tmp_path):
    """Les boutons de téléchargement livrent des fichiers que relisent openpyxl et un lecteur CSV."""
    feuille = fdr.lire(serveur.projets / ATELIER)
    contexte, reseau = hors_ligne(accept_downloads=True)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/feuille_de_route?atelier={ATELIER}")
    page.get_by_text(feuille.orientations[0].titre).first.wait_for()
    vue(page, "Exporter et importer")
    with page.expect_download() as telechargement:
        page.get_by_role("button", name="Télécharger en XLSX (tableur)").click()
    assert telechargement.value.suggested_filename == f"feuille-de-route-{ATELIER}.xlsx"
    chemin = tmp_path / "feuille.xlsx"
    telechargement.value.save_as(chemin)
    rangees = list(load_workbook(chemin)["Feuille de route"].iter_rows(values_only=True))
    assert rangees[0][:3] == ("Orientation", "Description de l'orientation", "Action")
    assert [r[2] for r in rangees[1:]] == [a.titre for _, a in feuille.actions]
    with page.expect_download() as telechargement:
        page.get_by_role("button", name="Télécharger en CSV").click()
    chemin = tmp_path / "feuille.csv"
    telechargement.value.save_as(chemin)
    lignes = list(csv.DictReader(io.StringIO(chemin.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [ligne["Identifiant de l'action"] for ligne in lignes] == [a.id for _, a in feuille.actions]
    capture(page, "feuille-de-route-export")
    assert echecs_application(reseau) == [] and reseau.bloquees == []
