"""Comparer, dans Chromium hors ligne : deux cartes côte à côte qui bougent ensemble, la superposition des
différences, les territoires dans l'infobulle, les liens entre territoires, les vignettes des sites.

Un serveur Streamlit propre à ce module sert une copie de ``projets/`` où les séances de démonstration de
« Portes de Gascogne ↔ Toulouse Métropole » sont recréées par les fonctions du domaine (scripts/demo.py).
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest
import shapely
from shapely.geometry import shape

from esquisse.analyse.attribution import fiches_version
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import creer_hypothese, creer_seance, hypothese, seance
from esquisse.esquisses.versions import Changement
from tests.demonstration import recreer_gascogne
from tests.navigateur.conftest import capture
from tests.outils import (
    IFRAME_CARTE,
    RACINE,
    arreter_serveur,
    attendre_fin_du_script,
    demarrer_serveur,
    echecs_application,
)

ATELIER = "gascogne-toulouse"
CARTES_PRETES = (
    "() => document.body.dataset.esquissePret === 'oui' && window.Esquisse && Esquisse.lecture"
    " && Esquisse.lecture.cartes.length === {n}"
)
CENTRES = "() => [map_div.getCenter(), map_div2.getCenter(), map_div.getZoom(), map_div2.getZoom()]"


@pytest.fixture(scope="module")
def serveur_demo(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("comparaison")
    projets = dossier / "projets"
    shutil.copytree(RACINE / "projets", projets)
    recreer_gascogne(projets)
    s = demarrer_serveur(projets, dossier / "streamlit.log")
    yield s
    arreter_serveur(s)


# Le document d'une iframe de carte (même origine que la page) remplit ``condition``, et ce n'est pas celui
# qu'on a marqué comme l'ancien.
CADRE_QUI_REMPLIT = """(condition) => Array.from(
    document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')).some((f) => {
        const w = f.contentWindow;
        try { return !!w && !w.__esqAncien && !!w.eval(`(${condition})()`); } catch (e) { return false; }
    })"""


def cadre_pret(page, n_cartes: int, ancien=None):
    """Le cadre de la carte (un autre que ``ancien``), une fois ses ``n_cartes`` cartes dessinées."""
    if ancien is not None:
        ancien.evaluate("() => { window.__esqAncien = true; }")
    condition = CARTES_PRETES.replace("{n}", str(n_cartes))
    page.wait_for_function(CADRE_QUI_REMPLIT, arg=condition, timeout=30000)
    for cadre in page.frames:
        if "streamlit_folium" in cadre.url and cadre.evaluate(f"() => !window.__esqAncien && ({condition})()"):
            return cadre
    raise AssertionError(f"aucune carte prête avec {n_cartes} carte(s)")


# Les deux cartes synchronisées ont fini de bouger : la meneuse a fini son mouvement (inertie, zoom animé)
# et aucune des deux n'est encore animée.
MOUVEMENT_GUETTE = """(meneuse) => {
    window.__mouvementFini = false;
    window[meneuse].once('moveend', () => { window.__mouvementFini = true; });
}"""
MOUVEMENT_FINI = """() => window.__mouvementFini && [map_div, map_div2].every(
    (m) => !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress))"""


@contextmanager
def mouvement(cadre, meneuse: str):
    """Le bloc déplace ou zoome la carte ``meneuse`` ; au sortir, les deux cartes sont immobiles."""
    cadre.evaluate(MOUVEMENT_GUETTE, meneuse)
    yield
    cadre.wait_for_function(MOUVEMENT_FINI, timeout=10000)


CARTE_IMMOBILE = """() => !Esquisse.carte._animatingZoom
    && !(Esquisse.carte._panAnim && Esquisse.carte._panAnim._inProgress)"""

# Une infobulle de Leaflet ouverte, au bout de son fondu d'ouverture.
INFOBULLE_OUVERTE = """() => { const p = document.querySelector('.leaflet-popup');
    return !!p && getComputedStyle(p).opacity === '1'; }"""


def rectangle(cadre, selecteur: str) -> dict:
    """Rectangle d'un élément de l'iframe (Playwright le donne en coordonnées de la page)."""
    return cadre.locator(selecteur).bounding_box()


def glisser(page, r: dict, dx: float, dy: float) -> None:
    x, y = r["x"] + r["width"] * 0.5, r["y"] + r["height"] * 0.6
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x + dx * k / 10, y + dy * k / 10)
    page.mouse.up()


# Chaque trait terminé par une flèche : la carte qui le porte, sa couleur, celle de sa pointe
# (le marqueur SVG qu'il désigne doit exister dans le document).
FLECHES = """() => Array.from(document.querySelectorAll('path[marker-end]')).map((p) => {
  const m = document.getElementById(p.getAttribute('marker-end').slice(5, -1));
  const pointe = m && m.querySelector('path');
  return {carte: p.closest('.leaflet-container').id, trait: p.getAttribute('stroke'),
          pointe: pointe && pointe.getAttribute('fill')};
})"""


def test_deux_cartes_synchronisees(serveur_demo, hors_ligne):
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur_demo.url}/comparer?atelier={ATELIER}")
    cadre = cadre_pret(page, 2)
    page.locator(IFRAME_CARTE).first.scroll_into_view_if_needed()

    # Deux cartes, côte à côte, chacune avec ses esquisses réellement dessinées.
    gauche, droite = rectangle(cadre, "#map_div"), rectangle(cadre, "#map_div2")
    assert gauche["width"] > 300 and droite["width"] > 300 and gauche["height"] > 300
    assert droite["x"] >= gauche["x"] + gauche["width"] - 2 and abs(droite["y"] - gauche["y"]) < 2
    for nom in ("map_div", "map_div2"):
        n = cadre.evaluate(f"Object.keys({nom}._esqLecture.couches).length")
        peintes = cadre.evaluate(
            f"Array.from({nom}.getPane('esqLecture').querySelectorAll('path'))"
            ".filter(p => p.getBoundingClientRect().width > 0).length"
        )
        assert n >= 7 and peintes >= 4, (nom, n, peintes)
    # Les liens de réciprocité (trait « flèche ») ont leur pointe, de leur couleur, sur chaque carte.
    fleches = cadre.evaluate(FLECHES)
    assert {f["carte"] for f in fleches} == {"map_div", "map_div2"}, fleches
    assert all(f["pointe"] == f["trait"] == "#0f7b6c" for f in fleches), fleches
    titres = cadre.locator(".esq-titre-carte").all_inner_texts()
    # Les titres des hypothèses commencent déjà par leur lettre : pas de « A · A — ».
    assert titres[0].startswith("A — Le Gers") and titres[1].startswith("B — Mobilités")
    capture(page, "comparer-cote-a-cote-1920x1080")

    # Déplacer la carte de gauche déplace celle de droite, au même endroit.
    avant = cadre.evaluate(CENTRES)
    with mouvement(cadre, "map_div"):
        glisser(page, gauche, -220, 120)
    apres = cadre.evaluate(CENTRES)
    assert abs(apres[0]["lng"] - avant[0]["lng"]) > 0.05 and abs(apres[0]["lat"] - avant[0]["lat"]) > 0.02
    assert apres[1]["lng"] == pytest.approx(apres[0]["lng"], abs=1e-6)
    assert apres[1]["lat"] == pytest.approx(apres[0]["lat"], abs=1e-6)
    # Et dans l'autre sens, zoom compris.
    with mouvement(cadre, "map_div2"):
        glisser(page, droite, 150, -60)
    with mouvement(cadre, "map_div2"):
        cadre.locator("#map_div2 .leaflet-control-zoom-in").click()
    fin = cadre.evaluate(CENTRES)
    assert fin[3] == avant[3] + 0.5 and fin[2] == fin[3]
    assert fin[0]["lng"] == pytest.approx(fin[1]["lng"], abs=1e-6)
    assert fin[0]["lat"] == pytest.approx(fin[1]["lat"], abs=1e-6)
    capture(page, "comparer-apres-deplacement-1920x1080")
    assert reseau.bloquees == [] and echecs_application(reseau) == []


def test_petit_ecran_et_depuis_la_seance_1(serveur_demo, hors_ligne):
    contexte, reseau = hors_ligne(largeur=1024, hauteur=768)
    page = contexte.new_page()
    page.goto(f"{serveur_demo.url}/comparer?atelier={ATELIER}")
    double = cadre_pret(page, 2)
    page.locator(IFRAME_CARTE).first.scroll_into_view_if_needed()
    assert double.locator("#map_div").bounding_box()["width"] > 200
    capture(page, "comparer-cote-a-cote-1024x768")

    # Un clic : ce qui a changé depuis la séance 1, en superposition colorée.
    page.get_by_role("button", name="Atelier 1 à L'Isle-Jourdain (5 nov. 2025)").click()
    cadre = cadre_pret(page, 1, ancien=double)
    page.locator(IFRAME_CARTE).first.scroll_into_view_if_needed()
    etats = cadre.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-pane path[data-etat]')).map(p => p.getAttribute('data-etat'))"
    )
    assert {"ajoutee", "supprimee", "modifiee", "inchangee"} <= set(etats)
    assert cadre.locator("path.esq-role-ancienne").count() >= 1, "l'ancienne forme des esquisses modifiées"
    assert cadre.locator("path.esq-role-gagnee").count() >= 1, "la surface gagnée par la zone agrandie"
    legende = cadre.locator(".esq-legende-etats").inner_text()
    assert "Ajoutée (3)" in legende and "Supprimée (1)" in legende and "Modifiée (2)" in legende
    assert "Atelier 1 à L'Isle-Jourdain" in cadre.locator(".esq-titre-carte").inner_text()
    texte = page.locator("[data-testid='stMain']").inner_text()
    assert "État final de « Atelier 1 à L'Isle-Jourdain » (hypothèse retenue)" in texte
    capture(page, "comparer-depuis-seance-1-1024x768")

    # L'infobulle d'une esquisse modifiée dit ce qui a changé et les territoires touchés.
    cadre.evaluate(
        "() => { const c = map_div._esqLecture.couches['gt-agri']; c.openPopup(c.getBounds().getCenter()); }"
    )
    cadre.wait_for_function(INFOBULLE_OUVERTE)
    fiche = cadre.locator(".leaflet-popup-content .esq-fiche").inner_text()
    assert cadre.locator(".leaflet-popup-content .esq-fiche").bounding_box()["width"] > 250
    assert "Modifiée : forme redessinée" in fiche and "ha gagnés" in fiche and "Communes (" in fiche
    capture(page, "comparer-infobulle-1024x768")
    assert reseau.bloquees == [] and echecs_application(reseau) == []


def test_infobulle_de_la_carte_d_edition(serveur_demo, hors_ligne):
    atelier = charger_atelier(serveur_demo.projets, ATELIER)
    h = hypothese(seance(atelier.dossier, "2026-04-09-atelier-3"), "strategie-validee")
    depot = h.depot(atelier.id)
    entites = depot.entites(2)
    # Un point de la zone « Coteaux agricoles de la Gimone » loin des lignes qui la traversent.
    lignes = shapely.union_all([shape(e["geometry"]).buffer(0.012) for i, e in entites.items() if i != "gt-agri"])
    cible = shape(entites["gt-agri"]["geometry"]).difference(lignes).representative_point()

    contexte, _ = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur_demo.url}/carte?atelier={ATELIER}&seance={h.seance}&hypothese={h.id}")
    corps = page.frame_locator(IFRAME_CARTE).first.locator("body[data-esquisse-version='2'][data-esquisse-pret]")
    corps.wait_for(state="attached", timeout=30000)
    # Tant que personne n'a touché la carte, elle se recadre quand son cadre change de taille :
    # on laisse la page finir sa mise en page (script exécuté, réseau au repos, carte immobile) avant de viser.
    attendre_fin_du_script(page)
    page.wait_for_load_state("networkidle")
    cadre = next(f for f in page.frames if "streamlit_folium" in f.url)
    cadre.wait_for_function(CARTE_IMMOBILE)
    # Sur la carte d'édition aussi, les liens de réciprocité ont leur pointe de flèche.
    fleches = cadre.evaluate(FLECHES)
    assert fleches and all(f["pointe"] == f["trait"] == "#0f7b6c" for f in fleches), fleches
    iframe = page.locator(IFRAME_CARTE).first.bounding_box()
    r = cadre.evaluate(
        "([lat, lng]) => { const p = Esquisse.carte.latLngToContainerPoint([lat, lng]);"
        " const b = Esquisse.carte.getContainer().getBoundingClientRect(); return {x: b.x + p.x, y: b.y + p.y}; }",
        [cible.y, cible.x],
    )
    page.mouse.click(iframe["x"] + r["x"], iframe["y"] + r["y"])  # un vrai clic
    territoires = cadre.locator(".leaflet-popup-content .esq-fiche-territoires")
    territoires.wait_for(timeout=10000)
    cadre.wait_for_function(INFOBULLE_OUVERTE)
    texte = territoires.inner_text()
    # La fiche montrée est celle que le domaine calcule pour cette version, mot pour mot.
    assert texte == fiches_version(atelier, depot, 2)["gt-agri"]
    assert texte.startswith("Surface : ") and "Communes (" in texte and "CC Bastides de Lomagne (200034726)" in texte
    assert cadre.locator(".leaflet-popup-content .esq-fiche").bounding_box()["width"] > 250
    capture(page, "carte-infobulle-territoires-1920x1080")


def test_territoires_touches_et_liens(serveur_demo, hors_ligne):
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur_demo.url}/territoires?atelier={ATELIER}")
    cadre = cadre_pret(page, 1)
    etat = "map_div._esqLecture"
    accents = cadre.evaluate(f"Object.keys({etat}.couches).length")
    estompees = cadre.locator("path.esq-estompe").count()
    assert accents >= 9 and estompees >= 1
    # Les tableaux (dessinés sur un canevas) sont vérifiés sans navigateur ; ici, qu'ils sont là.
    texte = page.locator("[data-testid='stMain']").inner_text()
    assert "Liens entre territoires" in texte and "À cheval sur plusieurs EPCI ou SCoT" in texte
    assert page.locator("[data-testid='stDataFrame']").count() == 3
    capture(page, "territoires-1920x1080")
    assert reseau.bloquees == [] and echecs_application(reseau) == []


PIEGE = '<img src=x onerror="document.body.dataset.pirate=1">'


def test_texte_saisi_jamais_interprete(serveur_demo, hors_ligne):
    """Titres d'hypothèse et d'esquisse piégés : affichés tels quels (textContent), jamais exécutés."""
    dossier = serveur_demo.projets / ATELIER
    s = creer_seance(dossier, "visite", "2025-06-01", "Visite " + PIEGE)
    h = creer_hypothese(s, "Hypothèse " + PIEGE, atelier=ATELIER)
    zone = {"type": "Polygon", "coordinates": [[[1.0, 43.6], [1.1, 43.6], [1.1, 43.65], [1.0, 43.65], [1.0, 43.6]]]}
    proprietes = {"categorie": "projet", "titre": "Zone " + PIEGE, "commentaire": PIEGE}
    h.depot(ATELIER).enregistrer(
        [Changement("z", None, {"type": "Feature", "geometry": zone, "properties": proprietes})], "x"
    )

    contexte, _ = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur_demo.url}/territoires?atelier={ATELIER}&seance={s.id}&hypothese={h.id}")
    cadre = cadre_pret(page, 1)
    assert cadre.locator(".esq-titre-carte").inner_text() == f"Hypothèse {PIEGE} · v1"
    cadre.evaluate("() => { const c = map_div._esqLecture.couches['z']; c.openPopup(c.getBounds().getCenter()); }")
    fiche = cadre.locator(".leaflet-popup-content .esq-fiche")
    assert fiche.locator(".esq-fiche-titre").inner_text() == "Zone " + PIEGE
    assert fiche.locator(".esq-fiche-commentaire").inner_text() == PIEGE
    # Le piège est montré en texte (ci-dessus) : il n'a pas été lu comme du HTML, aucune image n'a été créée.
    assert cadre.locator("img[src='x']").count() == 0 and page.locator("img[src='x']").count() == 0
    assert cadre.evaluate("document.body.dataset.pirate") is None
    assert page.evaluate("document.body.dataset.pirate") is None


def test_vignettes_des_sites(serveur_demo, hors_ligne):
    contexte, reseau = hors_ligne(largeur=1024, hauteur=768)
    page = contexte.new_page()
    page.goto(f"{serveur_demo.url}/sites?atelier={ATELIER}")
    image = page.locator("[data-testid='stImage'] img").first
    image.wait_for(timeout=30000)
    assert image.evaluate("i => i.src.startsWith('data:image/svg+xml')")
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    assert image.bounding_box()["width"] > 200
    capture(page, "sites-1024x768")
    assert reseau.bloquees == []
