"""Ce qui arrive dans la salle : titres des esquisses sur le mur, légende qui ne cache rien, palette au doigt.

Mur (projection, 1920×1080) et tablette (1024×768, tactile), dans le Chromium de Debian, sur une
hypothèse reprise d'une hypothèse de démonstration (mêmes esquisses titrées, mêmes identifiants).
"""

from __future__ import annotations

import math
import uuid

import pytest

from esquisse.atelier.seances import creer_hypothese, hypothese, seance
from esquisse.esquisses.versions import Changement
from tests.navigateur.conftest import capture, derniere_version, sans_erreur_js
from tests.navigateur.test_modes import geste_tactile
from tests.outils import IFRAME_CARTE, attendre_carte

ATELIER = "bassee-montois"
SEANCE = "2026-03-19-atelier-3"
DEMO = "strategie-la-vallee-nourriciere-reliee"

# Boîtes (coordonnées de la page de la carte) des étiquettes posées, des esquisses dessinées
# (formes SVG que Leaflet a tracées) et de la légende.
BOITES = """() => {
  const boite = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const calque = document.querySelector('.esq-calque-etiquettes:not(.esq-mesure)');
  const etiquettes = [...calque.children].map((el) => ({
    texte: el.textContent, classe: el.className, id: el.getAttribute('data-esq-id'),
    chevauche: el.getAttribute('data-chevauche'), ...boite(el)}));
  const esquisses = [...document.querySelectorAll('.leaflet-esqDessins-pane path, .leaflet-esqDessinsPoints-pane path')]
    .map(boite);
  const legende = document.querySelector('.esq-legende-carte');
  const carte = boite(document.querySelector('.leaflet-container'));
  return {etiquettes, esquisses, carte, legende: legende ? boite(legende) : null,
          legendeRepliee: legende ? legende.classList.contains('esq-legende-repliee') : null};
}"""


def se_croisent(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


def chevauchements(etiquettes) -> list[tuple[str, str]]:
    return [
        (a["texte"], b["texte"]) for i, a in enumerate(etiquettes) for b in etiquettes[i + 1 :] if se_croisent(a, b)
    ]


@pytest.fixture
def reprise(serveur):
    """Une hypothèse reprise de la stratégie de démonstration : ses esquisses titrées, modifiables sans
    toucher à la démonstration que d'autres tests lisent."""
    s = seance(serveur.projets / ATELIER, SEANCE)
    h = creer_hypothese(s, f"Mur {uuid.uuid4().hex[:6]}", reprise_de=hypothese(s, DEMO), atelier=ATELIER)
    return h, f"{serveur.url}/projection?atelier={ATELIER}&seance={SEANCE}&hypothese={h.id}"


def titres_attendus(h) -> dict[str, str]:
    return {f["id"]: f["properties"]["titre"] for f in derniere_version(h)["features"] if f["properties"].get("titre")}


def test_le_mur_montre_les_titres_sans_chevauchement_et_la_legende_ne_cache_rien(hors_ligne, reprise):
    h, url = reprise
    titres = titres_attendus(h)
    assert len(titres) >= 8
    contexte, reseau = hors_ligne(largeur=1920, hauteur=1080)
    page = contexte.new_page()
    page.goto(url)
    # Pendant que la page prépare la carte : un état de chargement en français, pas une boîte vide.
    page.get_by_text("Chargement de la carte…").first.wait_for(timeout=15000)
    cadre = attendre_carte(page)
    iframe = page.frame_locator(IFRAME_CARTE)
    iframe.locator(".esq-titre-esquisse").nth(len(titres) - 1).wait_for()
    assert iframe.locator(".esq-chargement").count() == 0

    b = cadre.evaluate(BOITES)
    # Chaque titre de la version projetée est un texte visible, dans la carte.
    poses = {e["id"]: e for e in b["etiquettes"] if "esq-titre-esquisse" in e["classe"]}
    assert {i: e["texte"] for i, e in poses.items()} == titres
    for e in poses.values():
        assert e["w"] > 0 and e["h"] >= 20  # lisible au mur
        assert b["carte"]["x"] <= e["x"] and e["x"] + e["w"] <= b["carte"]["x"] + b["carte"]["w"]
        assert b["carte"]["y"] <= e["y"] and e["y"] + e["h"] <= b["carte"]["y"] + b["carte"]["h"]
        assert e["chevauche"] is None
    # Aucune étiquette (titres et noms de communes) n'en touche une autre.
    communes = [e for e in b["etiquettes"] if "esq-etiquette" in e["classe"]]
    assert 5 <= len(communes) <= 30  # le fond recule : quelques noms, pas tous
    assert chevauchements(b["etiquettes"]) == []
    # La légende est ouverte, et ne touche aucune esquisse.
    assert b["legende"] is not None and not b["legendeRepliee"]
    assert len(b["esquisses"]) >= len(titres)
    assert [e for e in b["esquisses"] if se_croisent(b["legende"], e)] == []
    capture(page, "mur-titres-1920x1080")

    # Un point posé sans titre depuis un autre poste, puis son titre, ajouté plus tard (enregistrés comme
    # le fait la tablette) : le titre est au mur en moins de 5 s.
    depot = h.depot()
    point = {
        "type": "Feature",
        "id": "e0a1b2c3d4e5f60718293",
        "geometry": {"type": "Point", "coordinates": [3.305, 48.505]},
        "properties": {"categorie": "question"},
    }
    depot.enregistrer([Changement(point["id"], None, point)], "Léa Girard", "elu", "Point depuis la tablette")
    numero = depot.numero_courant()
    iframe.locator(f"body[data-esquisse-version='{numero}']").wait_for(state="attached", timeout=5000)
    assert iframe.locator(".esq-titre-esquisse", has_text="Une halte pour les cars ?").count() == 0
    titre = {**point, "properties": {**point["properties"], "titre": "Une halte pour les cars ?"}}
    depot.enregistrer([Changement(point["id"], numero, titre)], "Léa Girard", "elu", "Titre depuis la tablette")
    iframe.locator(".esq-titre-esquisse", has_text="Une halte pour les cars ?").wait_for(timeout=5000)
    b = cadre.evaluate(BOITES)
    assert chevauchements(b["etiquettes"]) == []
    capture(page, "mur-titre-ajoute-1920x1080")
    sans_erreur_js(cadre)
    assert reseau.bloquees == []


def test_tablette_toutes_les_categories_a_la_vue_et_le_titre_au_dessus_de_la_carte(hors_ligne, hypothese):
    h, url = hypothese
    contexte, reseau = hors_ligne(largeur=1024, hauteur=768, has_touch=True)
    page = contexte.new_page()
    page.goto(url.replace("/carte?", "/tablette?"))
    cadre = attendre_carte(page)
    iframe = page.frame_locator(IFRAME_CARTE)
    pastilles = iframe.locator(".esq-pastille")
    pastilles.nth(10).wait_for()
    assert pastilles.count() == 11  # la légende de l'atelier

    # Toutes les catégories dans l'écran, sans défilement caché ; rangées par géométrie.
    for i in range(pastilles.count()):
        boite = pastilles.nth(i).bounding_box()
        assert boite and boite["x"] >= 0 and boite["y"] >= 0, pastilles.nth(i).inner_text()
        assert boite["x"] + boite["width"] <= 1024 and boite["y"] + boite["height"] <= 768, pastilles.nth(
            i
        ).inner_text()
        assert boite["height"] >= 44  # au doigt
    assert cadre.evaluate(
        "(() => { const p = document.querySelector('.esq-palette');"
        " return p.scrollWidth <= p.clientWidth && p.scrollHeight <= p.clientHeight; })()"
    )
    groupes = iframe.locator(".esq-palette-titre").all_inner_texts()
    assert [g.strip().lower() for g in groupes] == ["zones", "lignes", "points, textes"]

    # La barre d'outils : ce qu'il faut au doigt, avec des mots ; plus les icônes de dessin de Leaflet.draw.
    assert iframe.locator("[class*='leaflet-draw-draw-']").count() == 0
    for libelle in ("Déplacer la carte", "Retoucher", "Supprimer"):
        assert iframe.get_by_role("button", name=libelle, exact=True).is_visible(), libelle

    # Une catégorie, un trait du doigt : le titre est demandé par-dessus la carte, à la vue.
    iframe.locator(".esq-pastille", has_text="Secteur de projet").tap()
    carte = iframe.locator(".leaflet-container").bounding_box()
    cx, cy, r = carte["x"] + carte["width"] * 0.5, carte["y"] + carte["height"] * 0.35, 60
    boucle = [(cx + r * math.cos(2 * math.pi * k / 36), cy + r * math.sin(2 * math.pi * k / 36)) for k in range(37)]
    geste_tactile(contexte, page, boucle)
    champ = page.get_by_label("Titre (facultatif)")
    champ.wait_for()
    boite = champ.bounding_box()
    assert page.evaluate("window.scrollY") == 0
    assert boite["y"] >= 0 and boite["y"] + boite["height"] <= 768 and 0 <= boite["x"] <= 1024 - boite["width"]
    assert carte["y"] <= boite["y"] <= carte["y"] + carte["height"]  # par-dessus la carte
    capture(page, "tablette-titre-1024x768")

    champ.fill("Halle des producteurs")
    page.get_by_role("button", name="Ajouter le titre").tap()
    iframe.locator(".esq-titre-esquisse", has_text="Halle des producteurs").wait_for(timeout=10000)
    (entite,) = derniere_version(h)["features"]  # relu par le domaine (esquisse.esquisses.versions)
    assert entite["properties"]["titre"] == "Halle des producteurs"
    assert entite["properties"]["categorie"] == "projet"
    champ.wait_for(state="detached")  # la demande se referme : la carte est libre

    # Un autre trait, puis un toucher sur « Fermer » : la demande disparaît sans rien changer.
    geste_tactile(contexte, page, [(x - 150, y + 40) for x, y in boucle])
    champ.wait_for()
    page.get_by_role("button", name="Fermer").tap()
    champ.wait_for(state="detached")
    assert len(derniere_version(h)["features"]) == 2
    capture(page, "tablette-palette-1024x768")
    sans_erreur_js(cadre)
    assert reseau.bloquees == []


ECRANS = {"1920x1080": (1920, 1080), "1024x768": (1024, 768)}


@pytest.mark.parametrize("ecran", list(ECRANS))
@pytest.mark.parametrize("nom_page", ["projection", "tablette", "carte"])
def test_captures_des_cartes(hors_ligne, reprise, nom_page, ecran):
    """Chaque carte montre les titres, sans étiquettes qui se chevauchent (captures à regarder)."""
    h, url = reprise
    largeur, hauteur = ECRANS[ecran]
    contexte, _ = hors_ligne(largeur=largeur, hauteur=hauteur, has_touch=nom_page == "tablette")
    page = contexte.new_page()
    page.goto(url.replace("/projection?", f"/{nom_page}?"))
    cadre = attendre_carte(page)
    iframe = page.frame_locator(IFRAME_CARTE)
    iframe.locator(".esq-titre-esquisse").first.wait_for()
    b = cadre.evaluate(BOITES)
    assert chevauchements(b["etiquettes"]) == []
    titres = titres_attendus(h)
    poses = {e["id"] for e in b["etiquettes"] if "esq-titre-esquisse" in e["classe"]}
    # Au mur, tous les titres ; ailleurs, ceux qui ont leur place (les autres viennent en zoomant).
    assert poses == set(titres) if nom_page == "projection" else len(poses) >= len(titres) // 2
    capture(page, f"{nom_page}-titres-{ecran}")
    sans_erreur_js(cadre)
