"""Préparer un atelier dans un vrai Chromium : le créer, ajouter un participant, une séance, une hypothèse,
et dessiner ; à 1920×1080 à la souris, et à 1024×768 au doigt (écran tactile émulé)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from tests.navigateur.conftest import attendre_sommet, capture, observer_traceur
from tests.outils import IFRAME_CARTE, attendre_carte, cadre_carte, echecs_application

ECART_ENTRE_APPUIS_MS = 300

ECRANS = {
    "1920x1080-souris": {"largeur": 1920, "hauteur": 1080},
    "1024x768-tactile": {"largeur": 1024, "hauteur": 768, "has_touch": True, "is_mobile": False},
}


def toucher(locator, tactile: bool) -> None:
    """Un appui au doigt sur écran tactile, un clic sinon."""
    if tactile:
        locator.tap()
    else:
        locator.click()


def appuyer(page, x: float, y: float, tactile: bool) -> None:
    if tactile:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def dessiner_triangle(page, tactile: bool) -> None:
    iframe = page.frame_locator(IFRAME_CARTE)
    cadre = cadre_carte(page)
    observer_traceur(cadre)
    toucher(iframe.locator("a.leaflet-draw-draw-polygon"), tactile)
    boite = iframe.locator(".leaflet-container").bounding_box()
    sommets = [(0.4, 0.4), (0.6, 0.4), (0.5, 0.6)]
    for k, (fx, fy) in enumerate(sommets, start=1):
        appuyer(page, boite["x"] + boite["width"] * fx, boite["y"] + boite["height"] * fy, tactile)
        attendre_sommet(cadre, k)
        if tactile:
            # Le rythme du doigt, pas une attente : Leaflet prend deux appuis à moins de 250 ms, où qu'ils
            # soient, pour un double appui (aucun événement ne dit quand ce délai est passé).
            page.wait_for_timeout(ECART_ENTRE_APPUIS_MS)
    fx, fy = sommets[0]  # un appui sur le premier sommet referme la zone
    appuyer(page, boite["x"] + boite["width"] * fx, boite["y"] + boite["height"] * fy, tactile)


@pytest.mark.parametrize("ecran", list(ECRANS))
def test_creer_un_atelier_une_seance_une_hypothese_et_dessiner(serveur, hors_ligne, ecran):
    options = ECRANS[ecran]
    tactile = bool(options.get("has_touch"))
    contexte, reseau = hors_ligne(**options)
    page = contexte.new_page()
    alertes = []
    page.on("dialog", lambda d: (alertes.append(d.message), d.dismiss()))
    nom = f"Vallée de l'Ource {uuid.uuid4().hex[:6]}"

    # 1. L'atelier, depuis l'accueil.
    page.goto(serveur.url)
    page.get_by_text("Ateliers", exact=True).first.wait_for()
    toucher(page.get_by_text("Nouvel atelier"), tactile)
    page.get_by_label("Nom de l'atelier").fill(nom)
    page.get_by_label("Thème").fill("Revitaliser les bourgs")
    capture(page, f"atelier-1-creation-{ecran}")
    toucher(page.get_by_role("button", name="Créer l'atelier"), tactile)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("créé. Ajoutez ses participants").wait_for()
    (atelier,) = [
        a
        for a in (charger_atelier(serveur.projets, d.name) for d in serveur.projets.iterdir() if d.is_dir())
        if a.nom == nom
    ]
    assert atelier.couches["communes"] == "catalogue:bassee-montois/communes.geojson"
    assert page.url.endswith(f"/atelier?atelier={atelier.id}")

    # 2. Un participant, saisi dans le tableau (son rôle par défaut : élu·e).
    toucher(page.get_by_role("tab", name="Participants"), tactile)
    grille = page.locator("[data-testid='stDataFrame']").first
    grille.wait_for()
    boite = grille.bounding_box()
    # Un appui sur la ligne vide en bas du tableau ajoute une ligne à sa place (la ligne vide descend) :
    # un second appui au même endroit ouvre l'éditeur de la cellule « Nom » de la nouvelle ligne.
    x, y = boite["x"] + 120, boite["y"] + boite["height"] - 18
    appuyer(page, x, y, tactile)
    page.wait_for_function(
        "h => document.querySelector(\"[data-testid='stDataFrame']\").getBoundingClientRect().height > h + 20",
        arg=boite["height"],
    )
    appuyer(page, x, y, tactile)  # ce second appui ouvre l'éditeur de la cellule
    editeur = page.locator("textarea.gdg-input")
    editeur.wait_for()
    editeur.fill("Léa Girard")
    editeur.press("Enter")
    editeur.wait_for(state="detached")  # la cellule est validée…
    # … mais le tableau (dans un formulaire : pas de relance) ne passe sa valeur au formulaire qu'un
    # instant plus tard, sans rien montrer dans la page qu'on puisse attendre : une courte pause.
    page.wait_for_timeout(300)
    capture(page, f"atelier-2-participant-{ecran}")
    toucher(page.get_by_role("button", name="Enregistrer les participants"), tactile)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("1 participant(s) enregistré(s).").wait_for()
    # Le tableau est en bas de la page : la réussite s'affiche aussi en notification, là où l'on regarde.
    page.get_by_test_id("stToast").get_by_text("1 participant(s) enregistré(s).").wait_for()
    participants = charger_atelier(serveur.projets, atelier.id).participants
    assert [(p.nom, p.role) for p in participants] == [("Léa Girard", "elu")]

    # 3. Une séance, puis une hypothèse.
    toucher(page.get_by_role("link", name="Séances et hypothèses"), tactile)
    page.get_by_role("button", name="Créer la séance").wait_for()
    page.get_by_label("Titre (facultatif)").fill("Atelier 1 à Châtillon")
    toucher(page.get_by_role("button", name="Créer la séance"), tactile)
    page.get_by_test_id("stAlertContentSuccess").get_by_text("Séance « Atelier 1 à Châtillon » créée.").wait_for()
    (seance,) = lister_seances(atelier.dossier)
    toucher(page.get_by_role("button", name="Nouvelle hypothèse"), tactile)
    page.get_by_label("Titre", exact=True).fill("A — Les bourgs reliés")
    toucher(page.get_by_role("button", name="Créer l'hypothèse"), tactile)
    page.get_by_text("A — Les bourgs reliés").first.wait_for()
    (hypothese,) = lister_hypotheses(seance)
    capture(page, f"atelier-3-seance-hypothese-{ecran}")

    # 4. Le mur : la projection de l'hypothèse, ouverte dans un second navigateur.
    ctx_projection, _ = hors_ligne(largeur=1920, hauteur=1080)
    projection = ctx_projection.new_page()
    projection.goto(f"{serveur.url}/projection?atelier={atelier.id}&seance={seance.id}&hypothese={hypothese.id}")
    attendre_carte(projection)

    # 5. Dessiner une zone sur la carte de l'hypothèse, l'annoter, l'enregistrer.
    toucher(page.get_by_role("link", name="Dessiner"), tactile)
    attendre_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-dessin='pret']").wait_for(state="attached")
    dessiner_triangle(page, tactile)
    page.get_by_text("Nouvelle esquisse").wait_for(timeout=10000)
    page.get_by_label("Titre").fill("Cœur de bourg à conforter")
    page.get_by_label("Titre").press("Tab")
    toucher(page.get_by_role("button", name="Enregistrer (1)"), tactile)
    debut = time.monotonic()
    page.get_by_text("Version 1 enregistrée").wait_for()
    capture(page, f"atelier-4-dessin-{ecran}")
    # La projection montre la contribution en moins de 5 s, sans être rechargée.
    projection.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(
        state="attached", timeout=5000
    )
    assert time.monotonic() - debut < 5
    projection.frame_locator(IFRAME_CARTE).locator(".esq-legende-carte").wait_for()
    capture(projection, f"atelier-5-projection-{ecran}")
    version = json.loads((hypothese.dossier / "versions" / "v000001.geojson").read_text(encoding="utf-8"))
    (entite,) = version["features"]
    assert entite["geometry"]["type"] == "Polygon" and entite["properties"]["titre"] == "Cœur de bourg à conforter"
    assert echecs_application(reseau) == [] and reseau.bloquees == []
    assert alertes == []
