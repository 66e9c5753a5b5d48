"""Navigateur réel : le Chromium de Debian piloté par Playwright, hors ligne.

Toute requête qui ne vise pas le serveur local est bloquée et notée : les tests
vérifient ainsi que l'application n'a besoin d'aucun réseau.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from esquisse.atelier.seances import creer_hypothese, creer_seance, lister_seances
from tests.outils import IFRAME_CARTE, RACINE, attendre_carte, contexte_hors_ligne, lancer_chromium

CAPTURES = RACINE / "tests" / "captures"


def pytest_collection_modifyitems(items):
    for item in items:
        if "navigateur" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.navigateur)


@pytest.fixture(scope="session")
def navigateur():
    with sync_playwright() as p:
        b = lancer_chromium(p)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rapport = yield
    setattr(item, f"rapport_{rapport.when}", rapport)
    return rapport


@pytest.fixture
def hors_ligne(navigateur, request):
    """Fabrique de contextes hors ligne ; tous sont fermés à la fin du test.

    Si le test échoue, chaque page ouverte est capturée dans tests/captures/echec-*.png.
    """
    ouverts = []

    def fabriquer(**options):
        contexte, reseau = contexte_hors_ligne(navigateur, **options)
        ouverts.append(contexte)
        return contexte, reseau

    yield fabriquer
    rapport = getattr(request.node, "rapport_call", None)
    for i, c in enumerate(ouverts):
        if rapport is not None and rapport.failed:
            for j, p in enumerate(c.pages):
                capture(p, f"echec-{request.node.name}-{i}-{j}")
        c.close()


def capture(page: Page, nom: str) -> Path:
    """Capture d'écran dans tests/captures/, à regarder après chaque modification visible."""
    CAPTURES.mkdir(parents=True, exist_ok=True)
    chemin = CAPTURES / f"{nom}.png"
    page.screenshot(path=str(chemin))
    return chemin


# -- esquisses : hypothèse vierge et gestes de dessin ------------------------------------------

ATELIER = "bassee-montois"


@pytest.fixture
def hypothese(serveur):
    """Une hypothèse vierge dans les données du serveur ; renvoie (hypothèse, adresse de sa carte)."""
    dossier = serveur.projets / ATELIER
    seances = lister_seances(dossier)
    seance = seances[0] if seances else creer_seance(dossier, "atelier-2", "2026-05-20", "Atelier 2")
    h = creer_hypothese(seance, f"Essai {uuid.uuid4().hex[:6]}", atelier=ATELIER)
    url = f"{serveur.url}/carte?atelier={ATELIER}&seance={seance.id}&hypothese={h.id}"
    return h, url


def ouvrir(contexte, url):
    page = contexte.new_page()
    page.goto(url)
    cadre = attendre_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-dessin='pret']").wait_for(state="attached")
    return page, cadre


def sans_erreur_js(cadre) -> None:
    assert cadre.evaluate("document.body.getAttribute('data-esquisse-erreur')") is None


def boite_carte(page):
    return page.frame_locator(IFRAME_CARTE).locator(".leaflet-container").bounding_box()


def latlng(cadre, x: float, y: float):
    """Coordonnées (lon, lat) du point (x, y) de la carte, en pixels du conteneur Leaflet."""
    ll = cadre.evaluate(
        f"(() => {{ const l = Esquisse.carte.containerPointToLatLng([{x}, {y}]); return [l.lng, l.lat]; }})()"
    )
    return ll


def degres_par_pixel(cadre) -> float:
    a, b = latlng(cadre, 100, 100), latlng(cadre, 101, 101)
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


# Leaflet.draw refuse tout nouveau sommet pendant 50 ms après chacun (contre les doubles événements
# tactiles). On retient le traceur actif (polygone, ligne) pour attendre, après chaque appui, qu'il ait pris
# le sommet et qu'il accepte le suivant.
TRACEUR_OBSERVE = """() => {
  const P = L.Draw.Polyline.prototype;
  if (!P.__esqObserve) {
    const ajouter = P.addHooks;
    P.addHooks = function () { window.__esqTraceur = this; return ajouter.apply(this, arguments); };
    P.__esqObserve = true;
  }
}"""
SOMMET_PRIS = """(n) => { const t = window.__esqTraceur;
  return !!t && t._markers.length === n && !t._disableMarkers; }"""


def observer_traceur(cadre) -> None:
    """À appeler avant de choisir l'outil de tracé : :func:`attendre_sommet` saura quoi regarder."""
    cadre.evaluate(TRACEUR_OBSERVE)


def attendre_sommet(cadre, n: int) -> None:
    """Le tracé en cours a ``n`` sommets et en accepte un de plus."""
    cadre.wait_for_function(SOMMET_PRIS, arg=n, timeout=10000)


def dessiner_zone(page, cadre, points):
    boite = boite_carte(page)
    observer_traceur(cadre)
    page.frame_locator(IFRAME_CARTE).locator("a.leaflet-draw-draw-polygon").click()
    attendu = []
    for k, (fx, fy) in enumerate(points, start=1):
        x, y = boite["width"] * fx, boite["height"] * fy
        attendu.append(latlng(cadre, x, y))
        page.mouse.click(boite["x"] + x, boite["y"] + y)
        attendre_sommet(cadre, k)
    page.mouse.click(boite["x"] + boite["width"] * points[0][0], boite["y"] + boite["height"] * points[0][1])
    return attendu


def annoter_et_enregistrer(page, categorie: str, titre: str, commentaire: str = "", n: int = 1):
    page.get_by_text("Nouvelle esquisse").wait_for()
    page.get_by_label("Catégorie", exact=True).get_by_text(categorie, exact=True).click()
    champ = page.get_by_label("Titre") if categorie != "Texte libre" else page.get_by_label("Texte de l'étiquette")
    champ.fill(titre)
    champ.press("Tab")
    if commentaire:
        zone = page.get_by_label("Ce que cela veut dire (commentaire)")
        zone.fill(commentaire)
        zone.press("Tab")
    page.get_by_role("button", name=f"Enregistrer ({n})").click()


def derniere_version(h) -> dict:
    depot = h.depot()
    numero = depot.numero_courant()
    assert numero, "aucune version enregistrée"
    return json.loads((h.dossier / "versions" / f"v{numero:06d}.geojson").read_text(encoding="utf-8"))
