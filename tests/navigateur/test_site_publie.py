"""Le site publié dans Chromium, ouvert depuis file:// sans aucun réseau : cartes dessinées, titres en
texte, accessibilité (axe-core), téléphone et impression, et aucun texte piégé exécuté."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from markupsafe import escape

from esquisse.atelier.ateliers import charger_atelier, modifier_fiche
from esquisse.exports.publication import publier
from esquisse.noyau.reglages import reglage
from tests.navigateur.conftest import capture
from tests.outils import RACINE
from tests.publication_de_test import (
    ATELIER,
    PIEGES,
    SECRETS,
    ajouter_secrets,
    octets_du_dossier,
    pieger,
    titres_publies,
)

AXE = RACINE / "node_modules" / "axe-core" / "axe.min.js"


def _publier(tmp: Path, preparer=None) -> tuple[Path, Path]:
    projets = tmp / "projets"
    shutil.copytree(RACINE / "projets", projets)
    if preparer:
        preparer(projets)
    site = publier(charger_atelier(projets, ATELIER), projets, reglage("ESQUISSE_CACHE"), tmp / "site")
    return projets, site


def meme_theme(projets: Path) -> None:
    """Bassée-Montois rejoint le thème de Gascogne : le site a sa page « Comparer les sites »."""
    modifier_fiche(projets, "bassee-montois", theme=charger_atelier(projets, ATELIER).theme)


@pytest.fixture(scope="module")
def publie(tmp_path_factory):
    """La démonstration Gascogne, avec une hypothèse non partagée, un brouillon et un contact à ne pas publier,
    et un second site du même thème."""

    def preparer(projets: Path) -> None:
        ajouter_secrets(projets)
        meme_theme(projets)

    return _publier(tmp_path_factory.mktemp("publication"), preparer)


def ouvrir_hors_ligne(navigateur, site: Path, largeur=1920, hauteur=1080):
    """Un contexte où seul file:// dans le dossier du site est permis ; toute autre requête est bloquée et notée."""
    contexte = navigateur.new_context(viewport={"width": largeur, "height": hauteur}, locale="fr-FR")
    racine = site.as_uri() + "/"
    sorties: list[str] = []

    def router(route):
        if route.request.url.startswith(racine):
            route.continue_()
        else:
            sorties.append(route.request.url)
            route.abort("internetdisconnected")

    contexte.route("**/*", router)
    # Chaque requête, file:// compris, passe aussi par cet écouteur : ce qui sort du dossier y est noté.
    contexte.on("request", lambda r: (lues if r.url.startswith(racine) else sorties).append(r.url))
    lues: list[str] = []
    contexte.lues = lues
    return contexte, sorties


def charger(contexte, site: Path, nom: str, avant=None):
    """Ouvre la page ``nom`` du site (``avant(page)`` pose d'abord des écouteurs) et attend ses cartes."""
    page = contexte.new_page()
    if avant:
        avant(page)
    erreurs: list[str] = []
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    page.goto((site / nom).as_uri())
    page.wait_for_selector("body[data-publication-pret], body[data-publication-erreur]", state="attached")
    assert page.evaluate("document.body.getAttribute('data-publication-erreur')") is None, erreurs
    assert not erreurs
    return page


PIXELS_PEINTS = """(id) => {
  const canevas = document.querySelector('#' + id + ' canvas');
  const g = canevas.getContext('2d').getImageData(0, 0, canevas.width, canevas.height).data;
  let n = 0;
  for (let i = 3; i < g.length; i += 4) if (g[i] > 0) n++;
  return n;
}"""


def test_hors_ligne_cartes_et_titres(navigateur, publie):
    projets, site = publie
    contexte, sorties = ouvrir_hors_ligne(navigateur, site)
    pages = sorted(p.name for p in site.glob("*.html"))
    assert "sites.html" in pages and len(pages) == 6
    texte_total = ""
    for nom in pages:
        page = charger(contexte, site, nom)
        cartes = page.locator(".pub-carte")
        n = cartes.count()
        assert page.evaluate("document.body.getAttribute('data-publication-pret')") == str(n)
        for k in range(n):
            carte = cartes.nth(k)
            identifiant = carte.get_attribute("id")
            assert carte.get_attribute("data-pret") == "oui"
            # Les couches de référence sont peintes sur le canevas ; les esquisses sont des chemins SVG.
            assert page.evaluate(PIXELS_PEINTS, identifiant) > 10_000, (nom, identifiant)
            if identifiant != "carte-territoire":
                assert carte.locator("svg path").count() > 3, (nom, identifiant)
                assert carte.locator(".pub-etiquette").count() > 0
        if nom == "sites.html":  # vignettes SVG des deux sites (esquisse.analyse.sites)
            assert page.locator(".pub-site svg").count() == 2
            assert page.locator(".pub-site svg path").count() > 10
        texte_total += page.inner_text("body")
        page.close()
    for titre in titres_publies(projets):
        assert titre in texte_total, titre
    assert not sorties, sorties[:5]
    assert any(u.endswith("/donnees/couches.js") for u in contexte.lues)  # l'écouteur voit bien les file://
    octets = octets_du_dossier(site)
    assert not [t for t in SECRETS.values() if t.encode() in octets]
    contexte.close()


def test_feuille_de_route_voir_sur_la_carte(navigateur, publie):
    """« Voir sur la carte » met en avant les esquisses de l'action, et elles seules."""
    _, site = publie
    contexte, sorties = ouvrir_hors_ligne(navigateur, site)
    page = charger(contexte, site, "feuille-de-route.html")
    bouton = page.locator("button.pub-voir").first
    ids = bouton.get_attribute("data-esquisses").split()
    bouton.click()
    page.wait_for_function("document.querySelectorAll('#carte-feuille .pub-choisie').length > 0")
    assert page.locator("#carte-feuille .pub-choisie").count() == len(ids)
    statut = page.locator("#pub-statut-carte").text_content()
    assert statut.startswith(f"{len(ids)} esquisse(s) montrée(s) sur la carte")
    capture(page, "publication-feuille-voir-sur-la-carte")
    assert not sorties
    contexte.close()


def test_accessibilite_et_captures(navigateur, publie):
    _, site = publie
    assert AXE.is_file(), "axe-core manque dans node_modules/ : lancez `npm ci` (make test le fait)."
    for largeur, hauteur in ((1920, 1080), (360, 740)):
        contexte, sorties = ouvrir_hors_ligne(navigateur, site, largeur, hauteur)
        for nom in sorted(p.name for p in site.glob("*.html")):
            page = charger(contexte, site, nom)
            capture(page, f"publication-{nom.removesuffix('.html')}-{largeur}")
            page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
            resultats = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            graves = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in resultats["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert not graves, (nom, largeur, graves)
            # Lisible sur un téléphone : rien ne déborde de la largeur de l'écran.
            assert page.evaluate("document.documentElement.scrollWidth") <= largeur, (nom, largeur)
            page.close()
        assert not sorties, sorties[:5]
        contexte.close()


def test_impression(navigateur, publie):
    _, site = publie
    contexte, _ = ouvrir_hors_ligne(navigateur, site, 1240, 1754)
    page = charger(contexte, site, "seance-2026-04-09-atelier-3.html")
    page.emulate_media(media="print")
    assert page.locator(".pub-navigation").is_hidden()
    assert page.locator(".pub-tableau").first.is_visible()
    capture(page, "publication-impression")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    contexte.close()


@pytest.mark.parametrize("piege", PIEGES, ids=["img-onerror", "fin-de-script", "svg-onload"])
def test_textes_pieges_montres_jamais_executes(navigateur, tmp_path, piege):
    def preparer(projets: Path) -> None:
        pieger(projets, piege)
        meme_theme(projets)

    _, site = _publier(tmp_path, preparer)
    assert (site / "sites.html").is_file()
    contexte, sorties = ouvrir_hors_ligne(navigateur, site)
    dialogues: list[str] = []
    consoles: list[str] = []

    def ecouter(page):
        page.on("dialog", lambda d: (dialogues.append(d.message), d.dismiss()))
        page.on("console", lambda m: consoles.append(m.text))

    etiquettes_piegees = 0
    for nom in sorted(p.name for p in site.glob("*.html")):
        page = charger(contexte, site, nom, ecouter)
        assert piege in page.inner_text("body"), nom  # montré tel quel, comme du texte
        assert page.evaluate("window.__xss") is None, nom
        # Les étiquettes des cartes (titres des esquisses) sont du texte, elles aussi.
        etiquettes_piegees += sum(piege in t for t in page.locator(".pub-etiquette").all_inner_texts())
        if nom == "seance-2026-04-09-atelier-3.html":
            capture(page, f"publication-piege-{PIEGES.index(piege) + 1}")
        assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0, nom
        page.close()
    assert etiquettes_piegees > 10
    assert not dialogues and not [c for c in consoles if "xss" in c], (dialogues, consoles)
    assert not sorties, sorties[:5]
    assert str(escape(piege)).encode() in (site / "index.html").read_bytes()
    contexte.close()
