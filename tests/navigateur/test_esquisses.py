"""Dessiner, annoter, enregistrer et partager des esquisses, dans un vrai Chromium."""

from __future__ import annotations

import json
import math
import os
import time

from shapely.geometry import shape

from tests.navigateur.conftest import (
    annoter_et_enregistrer,
    boite_carte,
    capture,
    degres_par_pixel,
    derniere_version,
    dessiner_zone,
    ouvrir,
    sans_erreur_js,
)
from tests.outils import IFRAME_CARTE, attendre_carte, attendre_fin_du_script, echecs_application, relance_attendue

XSS = "<img src=x onerror=alert(1)>"


def test_dessiner_annoter_enregistrer_partager(hors_ligne, hypothese):
    h, url = hypothese
    ctx_a, reseau = hors_ligne()
    ctx_b, _ = hors_ligne()
    page_a, cadre_a = ouvrir(ctx_a, url)
    page_b, cadre_b = ouvrir(ctx_b, url)

    attendu = dessiner_zone(page_a, cadre_a, [(0.35, 0.35), (0.55, 0.3), (0.6, 0.55), (0.4, 0.6)])
    tolerance = 2.5 * degres_par_pixel(cadre_a)  # un clic vaut à un ou deux pixels près
    annoter_et_enregistrer(page_a, "Secteur de projet / d'enjeu", "Zone d'activités de la gare", "À densifier")
    page_a.get_by_text("Version 1 enregistrée").wait_for()

    # Un nouveau fichier de version, avec cette géométrie et ces propriétés.
    donnees = derniere_version(h)
    assert donnees["esquisse"]["version"] == 1
    (entite,) = donnees["features"]
    assert entite["properties"]["categorie"] == "projet"
    assert entite["properties"]["titre"] == "Zone d'activités de la gare"
    assert entite["properties"]["commentaire"] == "À densifier"
    anneau = shape(entite["geometry"]).exterior.coords
    assert len(anneau) == 5
    for lon, lat in attendu:
        assert min(math.dist((lon, lat), c) for c in anneau) < tolerance, "sommet absent ou déplacé"

    # Le second navigateur voit l'esquisse en moins de 5 s, sans recharger.
    debut = time.monotonic()
    page_b.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(
        state="attached", timeout=5000
    )
    assert time.monotonic() - debut < 5
    assert cadre_b.evaluate(f"!!Esquisse.dessin.etat.couches[{json.dumps(entite['id'])}]")
    # Dans le premier, l'esquisse n'est plus « en attente » : elle est enregistrée.
    assert cadre_a.evaluate("Esquisse.dessin.changements().length") == 0
    capture(page_a, "esquisse-enregistree-1920x1080")
    capture(page_b, "esquisse-vue-par-un-autre-poste")
    assert echecs_application(reseau) == [] and reseau.bloquees == []
    sans_erreur_js(cadre_a)
    sans_erreur_js(cadre_b)


def test_dessins_en_cours_conserves_quand_un_autre_enregistre(hors_ligne, hypothese):
    h, url = hypothese
    ctx_a, _ = hors_ligne()
    ctx_b, _ = hors_ligne()
    page_a, cadre_a = ouvrir(ctx_a, url)
    page_b, cadre_b = ouvrir(ctx_b, url)
    # B dessine sans enregistrer, et déplace sa vue.
    dessiner_zone(page_b, cadre_b, [(0.7, 0.7), (0.8, 0.7), (0.8, 0.8)])
    page_b.get_by_text("Nouvelle esquisse").wait_for()
    cadre_b.evaluate("void Esquisse.carte.setZoom(Esquisse.carte.getZoom() + 1, {animate: false})")
    zoom_b = cadre_b.evaluate("Esquisse.carte.getZoom()")
    # A enregistre une esquisse.
    dessiner_zone(page_a, cadre_a, [(0.3, 0.3), (0.4, 0.3), (0.4, 0.4)])
    annoter_et_enregistrer(page_a, "Espace agricole ou naturel à préserver", "Prairies")
    page_b.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(
        state="attached", timeout=5000
    )
    # B voit l'esquisse de A, garde son dessin en cours et sa vue.
    assert cadre_b.evaluate("Esquisse.dessin.changements().length") == 1
    assert cadre_b.evaluate("Object.keys(Esquisse.dessin.etat.couches).length") == 2
    assert cadre_b.evaluate("Esquisse.carte.getZoom()") == zoom_b
    # Puis B enregistre à son tour : les deux esquisses sont dans la version 2.
    annoter_et_enregistrer(page_b, "Risque (ex. inondation)", "Zone inondable")
    page_b.get_by_text("Version 2 enregistrée").wait_for()
    titres = {f["properties"]["titre"] for f in derniere_version(h)["features"]}
    assert titres == {"Prairies", "Zone inondable"}
    sans_erreur_js(cadre_a)
    sans_erreur_js(cadre_b)


def test_main_levee_a_la_souris(hors_ligne, hypothese):
    h, url = hypothese
    contexte, _ = hors_ligne()
    page, _ = ouvrir(contexte, url)
    boite = boite_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("a.esq-outil-main-levee").click()
    cx, cy, r = boite["x"] + boite["width"] * 0.5, boite["y"] + boite["height"] * 0.5, boite["height"] * 0.2
    page.mouse.move(cx + r, cy)
    page.mouse.down()
    for k in range(1, 121):  # une boucle tracée à la main, 120 mouvements
        a = 2 * math.pi * k / 120
        page.mouse.move(cx + r * math.cos(a) * (1 + 0.05 * math.sin(5 * a)), cy + r * math.sin(a))
    page.mouse.up()
    annoter_et_enregistrer(page, "Continuité écologique (trame verte et bleue)", "Boucle de la Seine")
    page.get_by_text("Version 1 enregistrée").wait_for()
    (entite,) = derniere_version(h)["features"]
    geometrie = shape(entite["geometry"])
    # Une boucle refermée devient une zone, simplifiée à un nombre raisonnable de sommets.
    assert geometrie.geom_type == "Polygon"
    assert 8 <= len(geometrie.exterior.coords) <= 80
    capture(page, "main-levee")

    # Un trait ouvert devient une ligne.
    page.mouse.move(boite["x"] + 100, boite["y"] + 400)
    page.mouse.down()
    for k in range(60):
        page.mouse.move(boite["x"] + 100 + 5 * k, boite["y"] + 400 + 30 * math.sin(k / 8))
    page.mouse.up()
    annoter_et_enregistrer(page, "Axe de développement", "Axe de la vallée")
    page.get_by_text("Version 2 enregistrée").wait_for()
    types = {f["properties"]["titre"]: f["geometry"]["type"] for f in derniere_version(h)["features"]}
    assert types == {"Boucle de la Seine": "Polygon", "Axe de la vallée": "LineString"}


def test_texte_saisi_jamais_execute(hors_ligne, hypothese):
    _, url = hypothese
    contexte, _ = hors_ligne()
    page = contexte.new_page()
    alertes = []
    page.on("dialog", lambda d: (alertes.append(d.message), d.dismiss()))
    page.goto(url)
    cadre = attendre_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-dessin='pret']").wait_for(state="attached")
    page.get_by_label("Votre nom").fill(XSS)
    page.get_by_label("Votre nom").press("Tab")
    dessiner_zone(page, cadre, [(0.35, 0.35), (0.5, 0.35), (0.5, 0.5)])
    annoter_et_enregistrer(page, "Secteur de projet / d'enjeu", XSS, XSS)
    page.get_by_text("Version 1 enregistrée").wait_for()
    # Une étiquette de texte avec la même charge.
    boite = boite_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("a.esq-outil-texte").click()
    page.mouse.click(boite["x"] + boite["width"] * 0.6, boite["y"] + boite["height"] * 0.6)
    annoter_et_enregistrer(page, "Texte libre", XSS)
    page.get_by_text("Version 2 enregistrée").wait_for()

    iframe = page.frame_locator(IFRAME_CARTE)
    # Infobulle, fiche et étiquette montrent le texte tel quel, sans créer d'image.
    iframe.locator(".esq-texte", has_text=XSS).wait_for()
    ouvrir_fiche = """(() => {
        const zone = Object.values(Esquisse.dessin.etat.couches).find((c) => !(c instanceof L.Marker));
        zone.openPopup();
    })()"""
    cadre.evaluate(ouvrir_fiche)
    fiche = iframe.locator(".esq-fiche")
    assert XSS in fiche.inner_text()
    assert iframe.locator("img[src='x']").count() == 0
    # Côté Streamlit (nom de l'auteur, résumé) : pas d'image injectée non plus.
    assert page.locator("img[src='x']").count() == 0
    page.get_by_text(f"Vous dessinez en tant que {XSS}").first.wait_for()
    # Historique : le message et l'auteur apparaissent comme du texte.
    page.goto(url.replace("/carte?", "/historique?"))
    page.get_by_text("Historique des versions").wait_for()
    attendre_fin_du_script(page)
    assert page.locator("img[src='x']").count() == 0
    capture(page, "xss-historique")
    assert alertes == []


def test_dessins_d_un_poste_ferme_repris_par_un_autre(hors_ligne, hypothese):
    h, url = hypothese
    ctx_a, _ = hors_ligne()
    page_a, cadre_a = ouvrir(ctx_a, url)
    dessiner_zone(page_a, cadre_a, [(0.3, 0.3), (0.45, 0.3), (0.45, 0.45)])
    page_a.get_by_label("Titre").wait_for()
    page_a.get_by_label("Titre").fill("Dessin jamais enregistré")
    page_a.get_by_label("Titre").press("Tab")
    page_a.get_by_text("ajout : « Dessin jamais enregistré »").wait_for()
    ctx_a.close()  # la tablette s'éteint sans enregistrer
    (fichier,) = (h.dossier.parents[3] / "brouillons").glob(f"{h.seance}--{h.id}--*.json")
    vieux = time.time() - 120
    os.utime(fichier, (vieux, vieux))  # le poste ne donne plus signe de vie depuis deux minutes

    ctx_b, _ = hors_ligne()
    page_b, cadre_b = ouvrir(ctx_b, url)
    page_b.get_by_text("Dessins non enregistrés de Anonyme").wait_for()
    page_b.get_by_role("button", name="Reprendre ces dessins").click()
    page_b.frame_locator(IFRAME_CARTE).locator("path.esq-non-enregistre").wait_for(timeout=5000)
    page_b.get_by_role("button", name="Enregistrer (1)").click()
    page_b.get_by_text("Version 1 enregistrée").wait_for()
    (entite,) = derniere_version(h)["features"]
    assert entite["properties"]["titre"] == "Dessin jamais enregistré"
    assert not fichier.exists()
    sans_erreur_js(cadre_b)


def effacer_la_premiere_esquisse(page, cadre) -> None:
    """Outil « Supprimer », un clic au centre de la première esquisse de la carte, « Valider »."""
    iframe = page.frame_locator(IFRAME_CARTE)
    iframe.locator("a.leaflet-draw-edit-remove").click()
    centre = cadre.evaluate(
        "(() => { const c = Object.values(Esquisse.dessin.etat.couches)[0]; "
        "const p = Esquisse.carte.latLngToContainerPoint(c.getBounds().getCenter()); return [p.x, p.y]; })()"
    )
    carte = boite_carte(page)
    page.mouse.click(carte["x"] + centre[0], carte["y"] + centre[1])
    iframe.get_by_role("link", name="Valider").click()


def test_modifier_les_sommets_puis_supprimer(hors_ligne, hypothese):
    h, url = hypothese
    contexte, _ = hors_ligne()
    page, cadre = ouvrir(contexte, url)
    dessiner_zone(page, cadre, [(0.3, 0.3), (0.5, 0.3), (0.5, 0.5), (0.3, 0.5)])
    annoter_et_enregistrer(page, "Secteur de projet / d'enjeu", "Quartier de la gare")
    page.get_by_text("Version 1 enregistrée").wait_for()
    avant = shape(derniere_version(h)["features"][0]["geometry"])

    # Déplacer un sommet avec l'outil « Modifier les formes », puis valider et enregistrer.
    iframe = page.frame_locator(IFRAME_CARTE)
    iframe.locator("a.leaflet-draw-edit-edit").click()
    poignee = iframe.locator(".leaflet-editing-icon").first
    poignee.wait_for()
    boite = poignee.bounding_box()
    x, y = boite["x"] + boite["width"] / 2, boite["y"] + boite["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y - 40, steps=8)
    page.mouse.up()
    iframe.get_by_role("link", name="Valider").click()
    page.get_by_role("button", name="Enregistrer (1)").click()
    page.get_by_text("Version 2 enregistrée").wait_for()
    (apres,) = derniere_version(h)["features"]
    assert apres["properties"]["titre"] == "Quartier de la gare"  # l'annotation est gardée
    assert shape(apres["geometry"]).area > avant.area  # le sommet tiré vers l'extérieur agrandit la zone

    # Supprimer l'esquisse : la version 3 ne l'a plus, la version 2 la garde.
    effacer_la_premiere_esquisse(page, cadre)
    page.get_by_role("button", name="Enregistrer (1)").click()
    page.get_by_text("Version 3 enregistrée").wait_for()
    assert derniere_version(h)["features"] == []
    assert len(h.depot().lire(2).entites) == 1
    sans_erreur_js(cadre)


def test_dessin_efface_avant_tout_enregistrement_ne_laisse_rien(hors_ligne, hypothese):
    """Un dessin effacé avant d'être enregistré : rien en attente, rien d'écrit, rien ne revient."""
    h, url = hypothese
    contexte, _ = hors_ligne()
    page, cadre = ouvrir(contexte, url)
    dessiner_zone(page, cadre, [(0.3, 0.3), (0.5, 0.3), (0.5, 0.5), (0.3, 0.5)])
    page.get_by_role("button", name="Enregistrer (1)").wait_for()
    effacer_la_premiere_esquisse(page, cadre)
    # Plusieurs tours de la veille (une exécution du fragment par seconde) : le dessin effacé ne revient pas.
    with relance_attendue(page, fois=3):
        page.get_by_role("button", name="Enregistrer (0)").wait_for()
    assert cadre.evaluate("Object.keys(Esquisse.dessin.etat.couches).length") == 0
    assert page.get_by_role("button", name="Enregistrer (0)").is_disabled()
    assert h.depot().numero_courant() == 0
    sans_erreur_js(cadre)
