"""Tablette (tactile, 1024×768) et projection (1920×1080) ; vues nommées."""

from __future__ import annotations

import ipaddress
import json
import math
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from shapely.geometry import shape

from esquisse.carte.partage import adresses_locales
from tests.navigateur.conftest import capture, derniere_version, ouvrir, sans_erreur_js
from tests.outils import IFRAME_CARTE, attendre_carte, attendre_fin_du_script


def geste_tactile(contexte, page, points) -> None:
    """Un trait au doigt, par de vrais événements tactiles de Chromium."""
    cdp = contexte.new_cdp_session(page)
    (x0, y0), *suite = points
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for x, y in suite:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_tablette_et_projection(hors_ligne, hypothese):
    h, url = hypothese
    ctx_projection, _ = hors_ligne(largeur=1920, hauteur=1080)
    ctx_tablette, reseau = hors_ligne(largeur=1024, hauteur=768, has_touch=True)
    projection = ctx_projection.new_page()
    projection.goto(url.replace("/carte?", "/projection?"))
    cadre_projection = attendre_carte(projection)
    tablette, cadre_tablette = ouvrir(ctx_tablette, url.replace("/carte?", "/tablette?"))
    iframe = tablette.frame_locator(IFRAME_CARTE)

    # Deux gestes : toucher une catégorie, puis dessiner du doigt. Rien d'autre.
    iframe.locator(".esq-pastille", has_text="Espace agricole ou naturel à préserver").tap()
    boite = iframe.locator(".leaflet-container").bounding_box()
    cx, cy, r = boite["x"] + boite["width"] * 0.45, boite["y"] + boite["height"] * 0.4, 70
    boucle = [
        (cx + r * math.cos(2 * math.pi * k / 40), cy + 0.8 * r * math.sin(2 * math.pi * k / 40)) for k in range(41)
    ]
    debut = time.monotonic()
    geste_tactile(ctx_tablette, tablette, boucle)

    # La projection montre la contribution en moins de 5 s, sans recharger.
    projection.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(
        state="attached", timeout=5000
    )
    assert time.monotonic() - debut < 5
    (entite,) = derniere_version(h)["features"]
    assert entite["properties"]["categorie"] == "preserver"
    assert shape(entite["geometry"]).geom_type == "Polygon"
    projection.frame_locator(IFRAME_CARTE).locator(".esq-legende-carte", has_text="Espace agricole").wait_for()

    # Puis un titre, facultatif, depuis la tablette.
    tablette.get_by_label("Titre (facultatif)").fill("Prairies de fauche")
    tablette.get_by_role("button", name="Ajouter le titre").tap()
    projection.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='2']").wait_for(
        state="attached", timeout=5000
    )
    assert derniere_version(h)["features"][0]["properties"]["titre"] == "Prairies de fauche"
    # Le titre est au mur, en étiquette (pas seulement dans une infobulle), en moins de 5 s.
    projection.frame_locator(IFRAME_CARTE).locator(".esq-titre-esquisse", has_text="Prairies de fauche").wait_for(
        timeout=5000
    )
    attendre_fin_du_script(tablette)
    capture(tablette, "tablette-1024x768")
    capture(projection, "projection-1920x1080")
    sans_erreur_js(cadre_tablette)
    sans_erreur_js(cadre_projection)
    assert reseau.bloquees == []


def test_vue_nommee(hors_ligne, hypothese):
    h, url = hypothese
    contexte, _ = hors_ligne()
    page, cadre = ouvrir(contexte, url)
    iframe = page.frame_locator(IFRAME_CARTE)
    cadre.evaluate("void Esquisse.carte.setView([48.414, 3.24], 14, {animate: false})")
    iframe.get_by_role("button", name="+ Garder cette vue").click()
    page.get_by_label("Nom de cette vue").fill("Zoom sur Bray-sur-Seine")
    page.get_by_role("button", name="Garder la vue").click()
    page.get_by_text("Vue « Zoom sur Bray-sur-Seine » gardée.").wait_for()
    vues = json.loads((h.dossier / "vues.json").read_text(encoding="utf-8"))
    assert [v["nom"] for v in vues] == ["Zoom sur Bray-sur-Seine"]
    x0, y0, x1, y1 = vues[0]["emprise"]
    assert x0 < 3.24 < x1 and y0 < 48.414 < y1
    # Sauter au grand territoire puis revenir au zoom.
    iframe.locator("a.esq-vue", has_text="Grand territoire").click()
    assert cadre.evaluate("Esquisse.carte.getZoom()") < 13
    iframe.locator("a.esq-vue", has_text="Zoom sur Bray-sur-Seine").click()
    centre = cadre.evaluate("(() => { const c = Esquisse.carte.getCenter(); return [c.lng, c.lat]; })()")
    assert abs(centre[0] - 3.24) < 0.01 and abs(centre[1] - 48.414) < 0.01


def test_code_qr_des_tablettes_ouvre_la_tablette_sur_l_hypothese(hors_ligne, hypothese, tmp_path):
    """Le code QR affiché sous la projection, lu par un vrai lecteur (zbarimg), mène à la page Tablette."""
    if not adresses_locales():
        pytest.skip("cet ordinateur n'a aucune adresse sur un réseau local")
    h, url = hypothese
    attendu = parse_qs(urlsplit(url).query)
    contexte, reseau = hors_ligne(largeur=1920, hauteur=1080)
    page = contexte.new_page()
    page.goto(url.replace("/carte?", "/projection?"))
    attendre_carte(page)
    panneau = page.locator('[data-testid="stExpander"]', has_text="Rejoindre depuis une tablette")
    panneau.get_by_text("Rejoindre depuis une tablette").click()
    code = panneau.locator("img").first
    code.wait_for()
    code.scroll_into_view_if_needed()
    capture(page, "projection-tablettes-1920x1080")
    image = tmp_path / "code.png"
    code.screenshot(path=str(image))
    lu = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True)
    lien = urlsplit(lu.stdout.strip())
    # Une adresse du réseau local (pas « localhost », qui désignerait la tablette elle-même), le port du serveur…
    assert not ipaddress.ip_address(lien.hostname).is_loopback
    assert lien.port == urlsplit(url).port and lien.path == "/tablette"
    # … et la page Tablette sur l'hypothèse projetée.
    assert parse_qs(lien.query) == attendu
    assert lien.geturl() in panneau.locator("code").first.inner_text()  # l'adresse écrite est la même

    # Ouverte (ici par la boucle locale : le serveur de test n'écoute que sur 127.0.0.1), c'est la tablette.
    tablette = hors_ligne(largeur=1024, hauteur=768, has_touch=True)[0].new_page()
    tablette.goto(f"{urlsplit(url)._replace(path=lien.path, query=lien.query).geturl()}")
    attendre_carte(tablette)
    choix = tablette.locator('[data-testid="stSelectbox"]', has_text="Hypothèse")
    assert h.titre in choix.inner_text() + choix.locator("input").first.input_value()
    assert reseau.bloquees == []
