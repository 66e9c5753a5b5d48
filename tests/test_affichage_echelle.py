"""Affichage à l'échelle : simplification en pavage, décimales, niveau de détail, emprise."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from esquisse.carte.affichage import (
    DOSSIER_STATIQUE,
    PRESENTATIONS,
    contenu_affichage,
    emprise_principale,
    lire_affichage,
    preparer_couche,
    simplifier,
    zoom_detail,
)
from tests.fabriques import communes_livrees, communes_nationales


@pytest.fixture(scope="module")
def occitanie():
    return communes_nationales("reg='76'")


def test_une_region_est_simplifiee_sans_trou_ni_chevauchement(occitanie):
    geometries, decimales, tolerance = simplifier(occitanie.geometry.values)
    assert 600 < tolerance < 900 and decimales == 4
    avant = shapely.get_num_coordinates(occitanie.geometry.values).sum()
    apres = shapely.get_num_coordinates(geometries).sum()
    assert apres < 0.6 * avant
    assert shapely.is_valid(geometries).all() and not shapely.is_empty(geometries).any()
    # Un pavage : la somme des surfaces égale la surface de l'union (ni trou ni chevauchement
    # créés par la simplification), comme avant simplification.
    somme = shapely.area(geometries).sum()
    union = shapely.area(shapely.union_all(geometries))
    somme_avant = shapely.area(occitanie.geometry.values).sum()
    union_avant = shapely.area(shapely.union_all(occitanie.geometry.values))
    assert abs(somme - union) / union == pytest.approx(abs(somme_avant - union_avant) / union_avant, abs=1e-5)


def test_une_limite_partagee_reste_identique_des_deux_cotes(occitanie):
    geometries, _, _ = simplifier(occitanie.geometry.values)
    par_code = dict(zip(occitanie["code_insee"], geometries, strict=True))
    toulouse, blagnac = par_code["31555"], par_code["31069"]
    commune = shapely.intersection(shapely.boundary(toulouse), shapely.boundary(blagnac))
    assert shapely.length(commune) > 1e-3  # elles partagent une limite
    # Aucun interstice : la limite de l'une est recouverte par celle de l'autre, au millimètre.
    assert shapely.area(shapely.intersection(toulouse, blagnac)) < 1e-12


def test_un_petit_territoire_n_est_pas_simplifie():
    communes = communes_livrees()
    geometries, decimales, tolerance = simplifier(communes.geometry.values)
    assert tolerance == 0 and decimales == 5
    assert all(a.equals(b) for a, b in zip(geometries, communes.geometry.values, strict=True))


def test_niveau_de_detail_et_fichiers_gzip(occitanie):
    dossier = DOSSIER_STATIQUE / "cache"
    couche = preparer_couche("communes", occitanie, ("essai-occitanie", len(occitanie)), dossier)
    assert couche.chemin.endswith(".json.gz") and couche.chemin_detail.endswith(".json.gz")
    assert couche.zoom_detail == zoom_detail(simplifier(occitanie.geometry.values)[2], 43.6)
    apercu = lire_affichage(DOSSIER_STATIQUE / couche.chemin)
    detail = lire_affichage(DOSSIER_STATIQUE / couche.chemin_detail)
    assert len(apercu["features"]) == len(detail["geometries"]) == 4446
    n_apercu = sum(len(json.dumps(f["geometry"])) for f in apercu["features"])
    assert n_apercu < 0.6 * len(json.dumps(detail["geometries"]))
    # Même ordre d'entités : le navigateur échange les contours entité par entité.
    premier = shapely.from_geojson(json.dumps(detail["geometries"][0]))
    assert premier.equals_exact(occitanie.geometry.values[0], tolerance=1e-5)


def test_zoom_du_detail():
    assert zoom_detail(370, 43.6) == 10
    assert zoom_detail(1000, 46.5) == 9
    assert zoom_detail(1, 45) == 14


def test_emprise_d_une_couche_nationale_sur_la_metropole():
    france = communes_nationales("reg in ('01', '04', '11', '76')")  # Guadeloupe, Réunion, IDF, Occitanie
    x0, y0, x1, y1 = emprise_principale(france)
    assert -5 < x0 < x1 < 10 and 41 < y0 < y1 < 51.5


def test_contenu_d_un_petit_territoire_au_metre():
    contenu = contenu_affichage(communes_livrees(), PRESENTATIONS["communes"])
    coordonnees = np.array(
        shapely.get_coordinates(shapely.from_geojson(json.dumps(contenu["features"][0]["geometry"])))
    )
    assert np.allclose(coordonnees, np.round(coordonnees, 5))
