"""Cartes en lecture seule et carte double : hors ligne, déterministes, et reconnues par streamlit-folium."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from folium.plugins import DualMap
from streamlit_folium import _get_header, _get_map_string, generate_js_hash

from esquisse.atelier.ateliers import charger_atelier
from esquisse.carte.affichage import DOSSIER_STATIQUE
from esquisse.carte.construction import parametres_atelier
from esquisse.carte.fonds import FONDS
from esquisse.carte.lecture import carte_double, carte_lecture, donnees_esquisses
from esquisse.esquisses.legende import LEGENDE_DEFAUT

ENTITE = {
    "type": "Feature",
    "id": "p1",
    "geometry": {"type": "Point", "coordinates": [1.4437, 43.6045]},
    "properties": {"categorie": "pole", "titre": "Toulouse", "auteur": "Léa", "cree_le": "2026-01-01"},
}


@pytest.fixture
def parametres(projets):
    return parametres_atelier(charger_atelier(projets, "gascogne-toulouse"), DOSSIER_STATIQUE / "cache")


def liens(element) -> list[str]:
    trouves = []

    def visiter(el):
        for _, url in getattr(el, "default_js", []) + getattr(el, "default_css", []):
            trouves.append(url)
        for enfant in el._children.values():
            visiter(enfant)

    if isinstance(element, DualMap):
        trouves += [u for _, u in element.default_js]
        visiter(element.m1)
        visiter(element.m2)
    else:
        visiter(element)
    return trouves


def test_carte_double_locale(parametres):
    gauche = donnees_esquisses("A", [ENTITE], LEGENDE_DEFAUT)
    droite = donnees_esquisses("B", [], LEGENDE_DEFAUT)
    double = carte_double(parametres, gauche, droite)
    urls = liens(double)
    assert "/app/static/vendor/leaflet.sync/L.Map.Sync.js" in urls
    assert "/app/static/esquisse/lecture.js" in urls
    for url in urls:
        assert url.startswith("/app/static/"), url
        assert (DOSSIER_STATIQUE / url.removeprefix("/app/static/")).is_file(), f"{url} absent : lancer `make setup`"
    double.render()
    code = _get_map_string(double) + _get_header(double)
    # streamlit-folium nomme les deux cartes map_div et map_div2, et les synchronise l'une sur l'autre.
    assert "map_div.sync(map_div2)" in code and "map_div2.sync(map_div)" in code
    assert code.count("Esquisse.initialiser(") == 2 and code.count("Esquisse.lecture.afficher(") == 2
    hotes = {urlparse(u).hostname for u in re.findall(r"https?://[^\s\"']+", code)}
    assert hotes <= {urlparse(f.url).hostname for f in FONDS if f.url}


def test_carte_double_deterministe(parametres):
    gauche = donnees_esquisses("A", [ENTITE], LEGENDE_DEFAUT)

    def code():
        d = carte_double(parametres, gauche, gauche)
        d.render()
        return _get_map_string(d)

    assert generate_js_hash(code(), "k") == generate_js_hash(code(), "k")


def test_carte_lecture_sans_outils_de_dessin(parametres):
    carte = carte_lecture(parametres, donnees_esquisses("A", [ENTITE], LEGENDE_DEFAUT))
    urls = liens(carte)
    assert not any("leaflet-draw" in u or "dessin.js" in u for u in urls)
    carte.get_root().render()
    code = _get_map_string(carte)
    assert "Esquisse.lecture.afficher(" in code
    assert '"controle_replie": true' in code


def test_seules_les_proprietes_utiles_voyagent():
    donnees = donnees_esquisses("A", [ENTITE], LEGENDE_DEFAUT, fiches={"p1": "Commune : Toulouse"}, accents=["p1"])
    (f,) = donnees["entites"]
    assert f["properties"] == {"categorie": "pole", "titre": "Toulouse", "fiche": "Commune : Toulouse", "accent": True}
    assert donnees["mode"] == "territoires"
