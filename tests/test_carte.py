"""La carte de base : hors ligne, déterministe, sans données en ligne dans son code."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import folium
import pytest
from streamlit_folium import _get_header, _get_map_string, generate_js_hash

from esquisse.atelier.ateliers import charger_atelier
from esquisse.carte.affichage import DOSSIER_STATIQUE, PRESENTATIONS, contenu_affichage
from esquisse.carte.construction import carte_vide, construire_carte, parametres_atelier
from esquisse.carte.fonds import FONDS


@pytest.fixture
def parametres(projets):
    return parametres_atelier(charger_atelier(projets, "gascogne-toulouse"), DOSSIER_STATIQUE / "cache")


def liens(carte: folium.Map) -> list[str]:
    """Les fichiers JS et CSS que streamlit-folium fera charger à l'iframe."""
    trouves = []

    def visiter(el):
        for _, url in getattr(el, "default_js", []) + getattr(el, "default_css", []):
            trouves.append(url)
        for enfant in el._children.values():
            visiter(enfant)

    visiter(carte)
    return trouves


def test_tous_les_fichiers_sont_locaux_et_presents(parametres):
    carte = construire_carte(parametres)
    urls = liens(carte)
    assert urls, "la carte doit déclarer Leaflet et le script d'Esquisse"
    for url in urls:
        assert url.startswith("/app/static/"), url
        assert (DOSSIER_STATIQUE / url.removeprefix("/app/static/")).is_file(), f"{url} absent : lancer `make setup`"
    for couche in parametres.couches:
        assert (DOSSIER_STATIQUE / couche.chemin).is_file()


def test_aucune_adresse_externe_hors_fonds_de_carte(parametres):
    carte = construire_carte(parametres)
    carte.get_root().render()
    code = _get_map_string(carte) + _get_header(carte)
    hotes_des_fonds = {urlparse(f.url).hostname for f in FONDS if f.url}
    hotes = {urlparse(u).hostname for u in re.findall(r"https?://[^\s\"']+", code)}
    # Seuls les fonds de carte, optionnels et désactivés par défaut, visent le réseau.
    assert hotes == hotes_des_fonds


def test_carte_deterministe_et_legere(parametres):
    premiere = construire_carte(parametres)
    seconde = construire_carte(parametres)
    assert _get_map_string(premiere) == _get_map_string(seconde)
    assert generate_js_hash(_get_map_string(premiere), "carte") == generate_js_hash(_get_map_string(seconde), "carte")
    # Les 1 044 communes ne sont pas dans le code de la carte, seulement l'adresse de leur fichier.
    assert len(_get_map_string(premiere)) < 20_000


def test_chaque_appel_recoit_sa_copie(parametres):
    carte = construire_carte(parametres)
    folium.FeatureGroup(name="ajout").add_to(carte)
    assert "ajout" not in _get_map_string(construire_carte(parametres))


def test_contenu_affiche_allege():
    import geopandas as gpd

    from tests.conftest import RACINE

    gdf = gpd.read_file(RACINE / "couches" / "bassee-montois" / "communes.geojson")
    contenu = contenu_affichage(gdf, PRESENTATIONS["communes"])
    assert len(contenu["features"]) == 168
    props = contenu["features"][0]["properties"]
    assert set(props) == {"nom", "code_insee", "population", "epci_nom", "scot_porteur_nom", "_etiquette"}
    texte = json.dumps(contenu)
    assert not re.search(r"\d\.\d{6,}", texte), "coordonnées non arrondies"


def test_contours_seulement_pour_les_limites():
    import geopandas as gpd

    from tests.conftest import RACINE

    gdf = gpd.read_file(RACINE / "couches" / "bassee-montois" / "epci.geojson")
    contenu = contenu_affichage(gdf, PRESENTATIONS["epci"])
    assert {f["geometry"]["type"] for f in contenu["features"]} <= {"LineString", "MultiLineString"}


def test_carte_vide_locale():
    assert all(u.startswith("/app/static/") for u in liens(carte_vide()))
