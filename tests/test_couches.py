"""Lecture des couches de référence et validation de leur schéma."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, box

from esquisse.noyau.erreurs import SchemaInvalide
from esquisse.referentiel.couches import SCHEMAS, charger_couche, valider
from tests.conftest import RACINE

COUCHES = RACINE / "couches"


@pytest.mark.parametrize(
    ("fichier", "genre", "nombre"),
    [
        ("bassee-montois/communes.geojson", "communes", 168),
        ("bassee-montois/epci.geojson", "epci", 6),
        ("bassee-montois/scot.geojson", "scot", 5),
        ("gascogne-toulouse/communes.geojson", "communes", 1044),
        ("gascogne-toulouse/epci.geojson", "epci", 35),
        ("gascogne-toulouse/scot.geojson", "scot", 8),
        ("gascogne-toulouse/territoires.geojson", "territoires", 2),
    ],
)
def test_couches_livrees_valides(fichier, genre, nombre):
    gdf = charger_couche(COUCHES / fichier, genre)
    assert len(gdf) == nombre
    assert gdf.crs.to_epsg() == 4326
    for colonne in SCHEMAS[genre].colonnes:
        if colonne.obligatoire:
            assert colonne.nom in gdf.columns


def test_population_des_communes_lue_en_entiers():
    gdf = charger_couche(COUCHES / "gascogne-toulouse/communes.geojson", "communes")
    toulouse = gdf.set_index("code_insee").loc["31555"]
    assert toulouse["nom"] == "Toulouse"
    assert toulouse["population"] == 514819
    assert str(gdf["population"].dtype) == "Int64"


def _communes(**colonnes) -> gpd.GeoDataFrame:
    base = {
        "code_insee": ["77001", "77002"],
        "nom": ["Une", "Deux"],
        "population": [10, 20],
        "epci_siren": ["200040251", None],
        "epci_nom": ["CC", None],
        "scot_porteur_siren": [None, None],
        "scot_porteur_nom": [None, None],
    }
    base.update(colonnes)
    donnees = {k: v for k, v in base.items() if v is not ...}
    return gpd.GeoDataFrame(donnees, geometry=[box(2, 48, 2.1, 48.1), box(2.1, 48, 2.2, 48.1)], crs=4326)


def test_colonne_manquante_nommee_en_francais():
    with pytest.raises(SchemaInvalide) as err:
        valider(_communes(population=...), "communes", "communes.geojson")
    message = str(err.value)
    assert "« population »" in message
    assert "n'a pas la colonne" in message
    assert "communes.geojson" in message
    assert "Colonnes présentes" in message


def test_plusieurs_colonnes_manquantes():
    with pytest.raises(SchemaInvalide, match=r"les colonnes « code_insee » .*« nom »"):
        valider(_communes(code_insee=..., nom=...), "communes")


def test_code_insee_invalide():
    with pytest.raises(SchemaInvalide, match=r"code INSEE .*« 7700 »"):
        valider(_communes(code_insee=["7700", "77002"]), "communes")


def test_codes_insee_corses_admis():
    gdf = valider(_communes(code_insee=["2A004", "2B033"]), "communes")
    assert list(gdf["code_insee"]) == ["2A004", "2B033"]


def test_code_insee_en_double():
    with pytest.raises(SchemaInvalide, match="en double : 77001"):
        valider(_communes(code_insee=["77001", "77001"]), "communes")


def test_population_non_entiere():
    with pytest.raises(SchemaInvalide, match=r"nombre entier positif ; valeurs fautives : « beaucoup »"):
        valider(_communes(population=["beaucoup", 3]), "communes")


def test_nom_vide():
    with pytest.raises(SchemaInvalide, match=r"1 valeur\(s\) vide\(s\) dans la colonne « nom »"):
        valider(_communes(nom=["Une", " "]), "communes")


def test_siren_invalide():
    with pytest.raises(SchemaInvalide, match="SIREN à 9 chiffres"):
        valider(_communes(epci_siren=["12", None]), "communes")


def test_sans_systeme_de_coordonnees():
    gdf = _communes().set_crs(None, allow_override=True)
    with pytest.raises(SchemaInvalide, match="système de coordonnées"):
        valider(gdf, "communes")


def test_geometries_non_polygonales_refusees():
    gdf = _communes()
    gdf = gdf.set_geometry([LineString([(2, 48), (2.1, 48.1)]), box(2, 48, 2.1, 48.1)])
    with pytest.raises(SchemaInvalide, match="polygones ; types trouvés : LineString, Polygon"):
        valider(gdf, "communes")


def test_couche_vide():
    with pytest.raises(SchemaInvalide, match="est vide"):
        valider(_communes().iloc[0:0], "communes")


def test_reprojection_depuis_lambert93():
    gdf = _communes().to_crs(2154)
    resultat = valider(gdf, "communes")
    assert resultat.crs.to_epsg() == 4326
    assert resultat.total_bounds == pytest.approx([2, 48, 2.2, 48.1], abs=1e-6)


def test_genre_inconnu():
    with pytest.raises(SchemaInvalide, match="Genres admis : communes, epci, scot, territoires"):
        valider(_communes(), "cantons")


def test_fichier_absent(tmp_path):
    with pytest.raises(SchemaInvalide, match="introuvable"):
        charger_couche(tmp_path / "absent.geojson", "communes")


def test_fichier_illisible(tmp_path):
    chemin = tmp_path / "casse.geojson"
    chemin.write_text("{pas du json", encoding="utf-8")
    with pytest.raises(SchemaInvalide, match=r"Impossible de lire la couche casse\.geojson"):
        charger_couche(chemin, "communes")


def test_cache_suit_les_modifications(tmp_path):
    chemin = tmp_path / "communes.geojson"
    _communes().to_file(chemin)
    assert len(charger_couche(chemin, "communes")) == 2
    _communes(population=[1, 2]).iloc[:1].to_file(chemin)
    assert len(charger_couche(chemin, "communes")) == 1
