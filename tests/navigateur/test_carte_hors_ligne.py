"""La carte de chaque atelier de démonstration s'affiche sans aucun accès au réseau."""

from __future__ import annotations

import pytest

from tests.navigateur.conftest import capture
from tests.outils import attendre_carte, echecs_application

ATELIERS = [("bassee-montois", 168), ("gascogne-toulouse", 1044)]

PIXELS_DESSINES = """
async (classe) => {
  // Leaflet redessine le canevas à l'image suivante : attendre deux images avant de lire.
  for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
  const canevas = document.querySelector('.leaflet-' + classe + '-pane canvas');
  if (!canevas) return null;
  // Le canevas déborde de la vue (marge de 50 % de chaque côté) : on mesure la partie visible.
  const ctx = canevas.getContext('2d');
  const l = Math.floor(canevas.width / 4), h = Math.floor(canevas.height / 4);
  const d = ctx.getImageData(l, h, 2 * l, 2 * h).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n / (4 * l * h);
}
"""


@pytest.mark.parametrize(("atelier", "nb_communes"), ATELIERS)
def test_carte_visible_hors_ligne(serveur, hors_ligne, atelier, nb_communes):
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur.url}/carte?atelier={atelier}")
    cadre = attendre_carte(page)

    assert cadre.locator(".leaflet-container").is_visible()
    assert cadre.evaluate("document.body.dataset.esquissePret") == "oui"
    assert cadre.evaluate("Esquisse.couches.communes.getLayers().length") == nb_communes
    # Les polygones des communes sont réellement peints sur leur canevas.
    part = cadre.evaluate(PIXELS_DESSINES, "esqReference")
    assert part is not None and part > 0.5, f"canevas des couches presque vide : {part}"
    # Sans les communes, il ne reste que les limites (EPCI, périmètre) : bien moins de pixels.
    cadre.evaluate("void Esquisse.carte.removeLayer(Esquisse.couches.communes)")
    contours = cadre.evaluate(PIXELS_DESSINES, "esqReference")
    assert 0.002 < contours < part / 3
    cadre.evaluate("void Esquisse.carte.addLayer(Esquisse.couches.communes)")

    capture(page, f"carte-{atelier}-1920x1080")
    assert echecs_application(reseau) == [], "ressources de l'application en échec"
    assert reseau.bloquees == [], "la carte a tenté d'accéder au réseau"


def test_infobulle_et_etiquettes(serveur, hors_ligne):
    contexte, _ = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur.url}/carte?atelier=bassee-montois")
    cadre = attendre_carte(page)
    carte = cadre.locator(".leaflet-container")
    boite = carte.bounding_box()

    # Survol d'une commune : infobulle en français.
    page.mouse.move(boite["x"] + boite["width"] * 0.45, boite["y"] + boite["height"] * 0.55)
    infobulle = cadre.locator(".esq-infobulle")
    infobulle.wait_for(timeout=5000)
    texte = infobulle.inner_text()
    assert "Code INSEE" in texte and "Population" in texte and "EPCI" in texte

    # Les noms des communes n'apparaissent qu'à partir du zoom des étiquettes.
    cadre.evaluate("void Esquisse.carte.setZoom(9, {animate: false})")
    assert cadre.locator(".esq-etiquette").count() == 0
    cadre.evaluate("void Esquisse.carte.setZoom(12, {animate: false})")
    cadre.locator(".esq-etiquette").first.wait_for(timeout=5000)
    assert 0 < cadre.locator(".esq-etiquette").count() <= 400


def test_fond_de_carte_en_echec_reste_utilisable(serveur, hors_ligne):
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur.url}/carte?atelier=bassee-montois")
    cadre = attendre_carte(page)
    cadre.locator(".leaflet-control-layers").hover()
    cadre.get_by_label("OpenStreetMap").check()
    avis = cadre.locator(".esq-avis")
    avis.wait_for(state="visible", timeout=10000)
    assert "indisponible" in avis.inner_text()
    assert any("tile.openstreetmap.org" in u for u in reseau.bloquees)
    # La carte répond toujours : zoom et couches intacts.
    cadre.locator(".leaflet-control-zoom-in").click()
    assert cadre.evaluate("Esquisse.couches.communes.getLayers().length") == 168
    capture(page, "carte-fond-indisponible")
    # Revenir sans fond pour les autres tests (le choix est mémorisé dans le navigateur).
    cadre.locator(".leaflet-control-layers").hover()
    cadre.get_by_label("Aucun fond (hors ligne)").check()
