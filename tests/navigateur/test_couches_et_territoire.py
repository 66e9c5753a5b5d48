"""Dans Chromium : importer une couche par la page, composer le territoire de projet d'un clic,
et une région entière (≈ 4 450 communes) sur la carte.

Toutes les entrées sont fabriquées à partir des données livrées ; le serveur Streamlit est
réel, le navigateur hors ligne.
"""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from tests.fabriques import atelier_de_communes, communes_livrees, en_admin_express, instantane, shapefile_zippe
from tests.navigateur.conftest import capture
from tests.outils import RACINE, arreter_serveur, attendre_carte, demarrer_serveur, echecs_application

CODE_DANS_LE_TERRITOIRE = "77015"  # Balloy, dans la CC Bassée-Montois
CODE_HORS_EPCI = "10268"  # une commune de l'Aube, dans la CC du Nogentais


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Un serveur sur des ateliers d'essai : copies des démonstrations et une région importée."""
    dossier = tmp_path_factory.mktemp("site")
    projets = dossier / "projets"
    shutil.copytree(RACINE / "projets", projets)
    for copie in ("essai-territoire", "essai-import"):
        shutil.copytree(projets / "bassee-montois", projets / copie)
    atelier_de_communes(projets, "occitanie", "Occitanie (4 446 communes)", "reg='76'")
    serveur = demarrer_serveur(projets, dossier / "streamlit.log")
    yield serveur, projets, dossier
    arreter_serveur(serveur)


def point_de_commune(cadre, code: str) -> tuple[float, float]:
    """Position (dans l'iframe) d'un point intérieur à la commune, d'après son point d'étiquette."""
    return tuple(
        cadre.evaluate(
            """(code) => {
              const l = Esquisse.couches.communes.getLayers().find((x) => x.feature.properties.code_insee === code);
              const p = l.feature.properties._etiquette;
              const c = Esquisse.carte.latLngToContainerPoint([p[1], p[0]]);
              return [c.x, c.y];
            }""",
            code,
        )
    )


def cliquer_dans_la_carte(page, cadre, code: str) -> None:
    cadre.evaluate(
        """(code) => {
          const l = Esquisse.couches.communes.getLayers().find((x) => x.feature.properties.code_insee === code);
          const p = l.feature.properties._etiquette;
          Esquisse.carte.setView([p[1], p[0]], Math.max(Esquisse.carte.getZoom(), 10), {animate: false});
        }""",
        code,
    )
    boite = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    x, y = point_de_commune(cadre, code)
    page.mouse.click(boite["x"] + x, boite["y"] + y)


def valeur_metrique(page, libelle: str) -> str:
    return (
        page.locator('[data-testid="stMetric"]', has_text=libelle).locator('[data-testid="stMetricValue"]').inner_text()
    )


def attendre_metrique(page, libelle: str, valeur: str) -> None:
    page.locator('[data-testid="stMetric"]', has_text=libelle).locator(
        '[data-testid="stMetricValue"]', has_text=valeur
    ).wait_for(timeout=15000)


def test_un_clic_sur_une_commune_atteint_python_une_seule_fois(site, hors_ligne):
    serveur, projets, _ = site
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    envoyees = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda trame: envoyees.append(trame)))
    page.goto(f"{serveur.url}/territoire?atelier=essai-territoire")
    cadre = attendre_carte(page)
    cadre.locator("body[data-esquisse-selection='42']").wait_for(state="attached", timeout=15000)
    assert valeur_metrique(page, "Communes") == "42"

    # Retirer une commune du territoire : un seul message vers Python, un seul changement.
    page.wait_for_timeout(800)
    avant = len(envoyees)
    cliquer_dans_la_carte(page, cadre, CODE_DANS_LE_TERRITOIRE)
    attendre_metrique(page, "Communes", "41")
    page.wait_for_timeout(2000)  # au-delà de l'anti-rebond (250 ms) de streamlit-folium
    assert len(envoyees) - avant == 1, f"{len(envoyees) - avant} messages envoyés pour un clic"
    assert valeur_metrique(page, "Communes") == "41"
    assert cadre.evaluate("document.body.dataset.esquisseSelection") == "41"

    # Ajouter une commune d'un autre EPCI et d'un autre département.
    avant = len(envoyees)
    cliquer_dans_la_carte(page, cadre, CODE_HORS_EPCI)
    attendre_metrique(page, "Communes", "42")
    page.wait_for_timeout(2000)
    assert len(envoyees) - avant == 1
    page.get_by_text("Modifications non enregistrées").wait_for()
    capture(page, "territoire-clic-1920x1080")

    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_test_id("stAlertContentSuccess").get_by_text("Territoire de projet enregistré").wait_for(timeout=15000)
    perimetre = json.loads((projets / "essai-territoire" / "atelier.json").read_text(encoding="utf-8"))["perimetre"]
    assert CODE_HORS_EPCI in perimetre["communes"] and CODE_DANS_LE_TERRITOIRE not in perimetre["communes"]
    assert echecs_application(reseau) == [] and reseau.bloquees == []


def test_territoire_sur_petit_ecran(site, hors_ligne):
    serveur, _, _ = site
    contexte, _ = hors_ligne(largeur=1024, hauteur=768)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/territoire?atelier=gascogne-toulouse")
    cadre = attendre_carte(page)
    cadre.locator("body[data-esquisse-selection='196']").wait_for(state="attached", timeout=15000)
    assert page.get_by_role("button", name="Enregistrer").is_visible()
    capture(page, "territoire-1024x768")


def test_importer_un_shapefile_admin_express_par_la_page(site, hors_ligne, tmp_path):
    serveur, projets, _ = site
    archive = shapefile_zippe(en_admin_express(communes_livrees()), tmp_path, avec_prj=False)
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur.url}/couches?atelier=essai-import")
    page.get_by_text("Fichier à importer").wait_for()

    # D'abord un fichier tronqué : message en français, rien d'écrit.
    tronque = tmp_path / "COMMUNE_tronque.zip"
    tronque.write_bytes(archive.read_bytes()[:20000])
    avant = instantane(projets / "essai-import")
    page.locator("input[type=file]").first.set_input_files(str(tronque))
    page.get_by_text("est illisible").wait_for(timeout=15000)
    assert "tronqué" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert instantane(projets / "essai-import") == avant

    # Puis le bon fichier, sans .prj : le SCR est demandé, Lambert-93 proposé.
    page.locator("input[type=file]").first.set_input_files(str(archive))
    page.get_by_text("Système de coordonnées à préciser").wait_for(timeout=15000)
    choix = page.locator('[data-testid="stSelectbox"]', has_text="Système de coordonnées du fichier")
    assert "Lambert-93" in choix.inner_text() + choix.locator("input").first.input_value()
    capture(page, "import-formulaire-1920x1080")
    page.get_by_role("button", name="Importer").click()
    page.get_by_text("Import réussi").wait_for(timeout=60000)
    rapport = page.locator('[data-testid="stAlert"]', has_text="Import réussi").inner_text()
    assert "168 entité(s) importée(s)" in rapport and "EPSG:2154" in rapport
    page.get_by_text("Import réussi").scroll_into_view_if_needed()
    capture(page, "import-rapport-1920x1080")
    donnees = json.loads((projets / "essai-import" / "atelier.json").read_text(encoding="utf-8"))
    assert donnees["couches"]["communes"].startswith("atelier:couches/communes-")

    # La couche importée est sur la carte de l'atelier.
    page.goto(f"{serveur.url}/carte?atelier=essai-import")
    cadre = attendre_carte(page)
    assert cadre.evaluate("Esquisse.couches.communes.getLayers().length") == 168
    assert echecs_application(reseau) == [] and reseau.bloquees == []


def test_import_sur_petit_ecran(site, hors_ligne, tmp_path):
    serveur, _, _ = site
    archive = tmp_path / "communes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../evasion.shp", b"x")
    contexte, _ = hors_ligne(largeur=1024, hauteur=768)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/couches?atelier=essai-import")
    page.locator("input[type=file]").first.set_input_files(str(archive))
    page.get_by_text("sort de son dossier").wait_for(timeout=15000)
    capture(page, "import-refus-1024x768")


def test_fichier_trop_gros_refuse_en_francais_sans_rien_ecrire(site, hors_ligne, tmp_path):
    """Streamlit refuse lui-même, dans le navigateur, un fichier au-delà de la limite : le refus
    se lit en français à côté du fichier, sans survol, et rien n'atteint le serveur."""
    serveur, projets, _ = site
    gros = tmp_path / "communes-france.geojson"
    with gros.open("wb") as f:  # fichier creux : 201 Mo annoncés, rien sur le disque
        f.truncate(201 * 1024 * 1024)
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    page.goto(f"{serveur.url}/couches?atelier=essai-import")
    selecteur = page.locator('[data-testid="stFileUploader"]', has_text="Fichier à importer")
    # Le sélecteur lui-même parle français.
    selecteur.get_by_text("Choisir un fichier").wait_for(timeout=15000)
    assert "200 Mo au plus par fichier" in selecteur.inner_text()
    avant = instantane(projets / "essai-import")
    selecteur.locator("input[type=file]").set_input_files(str(gros))
    refus = selecteur.locator('[role="alert"]')
    refus.wait_for(timeout=15000)
    assert refus.inner_text() == "Fichier trop volumineux : 200 Mo au plus. Rien n'a été importé."
    assert refus.is_visible() and refus.bounding_box()["width"] > 200  # lisible, pas caché dans une infobulle
    assert "File must be" not in selecteur.inner_text() and "per file" not in selecteur.inner_text()
    page.wait_for_timeout(500)
    assert instantane(projets / "essai-import") == avant
    assert page.locator('[data-testid="stAlert"]').count() == 0  # Python n'a rien reçu
    assert echecs_application(reseau) == [] and reseau.bloquees == []


PIXELS = """
async () => {
  for (let i = 0; i < 2; i++) await new Promise((r) => requestAnimationFrame(r));
  const canevas = document.querySelector('.leaflet-esqReference-pane canvas');
  const ctx = canevas.getContext('2d');
  const l = Math.floor(canevas.width / 4), h = Math.floor(canevas.height / 4);
  const d = ctx.getImageData(l, h, 2 * l, 2 * h).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n / (4 * l * h);
}
"""

SOMMETS = """
() => {
  let n = 0;
  const compter = (a) => { if (Array.isArray(a)) a.forEach(compter); else n++; };
  Esquisse.couches.communes.eachLayer((l) => compter(l.getLatLngs()));
  return n;
}
"""


@pytest.mark.parametrize(("largeur", "hauteur"), [(1920, 1080), (1024, 768)])
def test_une_region_entiere_sur_la_carte(site, hors_ligne, largeur, hauteur):
    serveur, _, _ = site
    contexte, reseau = hors_ligne(largeur=largeur, hauteur=hauteur)
    page = contexte.new_page()
    page.goto(f"{serveur.url}/carte?atelier=occitanie")
    cadre = attendre_carte(page, delai_ms=90000)
    capture(page, f"region-occitanie-{largeur}x{hauteur}")
    assert cadre.evaluate("Esquisse.couches.communes.getLayers().length") == 4446
    assert cadre.evaluate(PIXELS) > 0.15, "région non peinte"

    # Vue d'ensemble simplifiée ; au zoom où cela se verrait, les contours exacts arrivent.
    zoom = cadre.evaluate("Esquisse.config.couches.find((c) => c.id === 'communes').zoom_detail")
    assert 8 <= zoom <= 12
    apercu = cadre.evaluate(SOMMETS)
    cadre.evaluate(f"void Esquisse.carte.setView([43.6, 1.44], {zoom}, {{animate: false}})")
    cadre.locator("body[data-esquisse-detail-communes='oui']").wait_for(state="attached", timeout=30000)
    detail = cadre.evaluate(SOMMETS)
    assert detail > apercu * 1.3, (apercu, detail)
    if largeur == 1920:
        capture(page, "region-occitanie-detail-1920x1080")
    # En revenant à la vue d'ensemble, la version simplifiée revient.
    cadre.evaluate(f"void Esquisse.carte.setZoom({zoom - 2}, {{animate: false}})")
    assert cadre.evaluate(SOMMETS) == apercu
    assert echecs_application(reseau) == [] and reseau.bloquees == []


def test_clic_a_l_echelle_d_une_region(site, hors_ligne):
    serveur, _, _ = site
    contexte, _ = hors_ligne()
    page = contexte.new_page()
    envoyees = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda trame: envoyees.append(trame)))
    page.goto(f"{serveur.url}/territoire?atelier=occitanie")
    cadre = attendre_carte(page, delai_ms=90000)
    cadre.locator("body[data-esquisse-selection='0']").wait_for(state="attached", timeout=15000)
    page.wait_for_timeout(800)
    avant = len(envoyees)
    cliquer_dans_la_carte(page, cadre, "31555")
    attendre_metrique(page, "Communes", "1")
    page.wait_for_timeout(2000)
    assert len(envoyees) - avant == 1
    assert valeur_metrique(page, "Population") == "514\u202f819"  # Toulouse
    capture(page, "territoire-occitanie-1920x1080")
