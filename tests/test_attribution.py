"""Attribution des esquisses aux communes, EPCI et SCoT (couches livrées) ; mesures contrôlées par pyproj.Geod."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import mapping

from esquisse.analyse.attribution import attribuer as attribuer_entites
from esquisse.analyse.attribution import (
    construire_referentiel,
    enumerer,
    fiche,
    fiches,
    fiches_version,
    referentiel,
)
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import creer_hypothese, creer_seance
from esquisse.esquisses.geojson import normaliser_geometrie
from esquisse.esquisses.versions import Changement
from esquisse.referentiel.couches import valider
from tests.outils import PARTAGE, RACINE

GEODESIE = Geod(ellps="GRS80")  # l'ellipsoïde de RGF93, le système de Lambert-93


def entite(identifiant, geometrie, categorie="projet"):
    # Comme à l'enregistrement : coordonnées arrondies à 6 décimales et anneaux orientés.
    geometrie = normaliser_geometrie(geometrie)
    return {"type": "Feature", "id": identifiant, "geometry": geometrie, "properties": {"categorie": categorie}}


@pytest.fixture(scope="module")
def gascogne():
    return charger_atelier(RACINE / "projets", "gascogne-toulouse")


@pytest.fixture(scope="module")
def communes_gascogne(gascogne):
    return gascogne.couche("communes")


def zone_sur(communes: gpd.GeoDataFrame, noms: list[str], retrait_m: float = 60) -> dict:
    """Une zone qui couvre ces communes, tracée un peu en retrait de leurs limites (comme à main levée)."""
    choisies = communes[communes["nom"].isin(noms)]
    assert len(choisies) == len(noms), "communes de test absentes de la couche"
    union = choisies.to_crs(2154).geometry.union_all().buffer(-retrait_m)
    return mapping(gpd.GeoSeries([union], crs=2154).to_crs(4326).iloc[0])


@pytest.mark.parametrize(
    "noms",
    [
        ["L'Isle-Jourdain", "Pujaudran", "Ségoufielle", "Marestaing", "Monferran-Savès"],
        ["Toulouse", "Colomiers", "Blagnac", "Tournefeuille"],
        ["Auch"],
    ],
)
def test_zone_sur_des_communes_nommees(gascogne, communes_gascogne, noms):
    ref = referentiel(gascogne)
    (a,) = attribuer_entites(ref, [entite("z", zone_sur(communes_gascogne, noms))]).values()
    assert sorted(c.nom for c in a.communes) == sorted(noms)
    attendues = communes_gascogne[communes_gascogne["nom"].isin(noms)]
    assert {c.code for c in a.communes} == set(attendues["code_insee"])
    # EPCI et SCoT : ceux des communes, tels que la couche les donne.
    assert {t.code for t in a.epci} == set(attendues["epci_siren"])
    assert {t.nom for t in a.epci} == set(attendues["epci_nom"])
    assert {t.code for t in a.scot} == set(attendues["scot_porteur_siren"].dropna())
    assert a.nature == "zone" and a.longueur_km is None
    assert a.population == int(attendues["population"].sum())


def test_zone_sur_des_communes_de_la_bassee():
    bassee = charger_atelier(RACINE / "projets", "bassee-montois")
    noms = ["Bray-sur-Seine", "Jaulnes", "Mousseaux-lès-Bray", "Mouy-sur-Seine"]
    (a,) = attribuer_entites(referentiel(bassee), [entite("z", zone_sur(bassee.couche("communes"), noms))]).values()
    assert sorted(c.nom for c in a.communes) == sorted(noms)


def _surface_geodesique_ha(geometrie: dict) -> float:
    return abs(GEODESIE.geometry_area_perimeter(shapely.geometry.shape(geometrie))[0]) / 1e4


def polygone(*points, trou=()):
    anneaux = [[*map(list, points), list(points[0])]]
    if trou:
        anneaux.append([*map(list, trou), list(trou[0])])
    return {"type": "Polygon", "coordinates": anneaux}


@pytest.mark.parametrize(
    "zone",
    [
        # Un petit secteur de projet (quelques centaines d'hectares) près de Gimont.
        polygone((0.872, 43.61), (0.892, 43.61), (0.892, 43.624), (0.872, 43.624)),
        # Une grande zone irrégulière (plusieurs milliers d'hectares) sur la Save.
        polygone((0.93, 43.54), (1.07, 43.52), (1.15, 43.58), (1.13, 43.68), (1.0, 43.7), (0.92, 43.63)),
        # Une zone trouée, à cheval sur le Gers et la Haute-Garonne.
        polygone(
            (1.05, 43.45), (1.45, 43.45), (1.45, 43.75), (1.05, 43.75),
            trou=((1.2, 43.55), (1.3, 43.55), (1.3, 43.65), (1.2, 43.65)),
        ),
    ],
    ids=["petite", "grande", "trouee"],
)  # fmt: skip
def test_surface_comme_pyproj_geod(gascogne, zone):
    (a,) = attribuer_entites(referentiel(gascogne), [entite("z", zone)]).values()
    attendue = _surface_geodesique_ha(normaliser_geometrie(zone))
    assert a.surface_ha == pytest.approx(attendue, rel=0.01)
    print(f"Lambert-93 {a.surface_ha:.2f} ha, géodésique {attendue:.2f} ha, écart {a.surface_ha / attendue - 1:+.4%}")


def test_surfaces_en_seine_et_marne_comme_pyproj_geod():
    bassee = charger_atelier(RACINE / "projets", "bassee-montois")
    zone = zone_sur(bassee.couche("communes"), ["Bray-sur-Seine", "Mouy-sur-Seine"])
    (a,) = attribuer_entites(referentiel(bassee), [entite("z", zone)]).values()
    assert a.surface_ha == pytest.approx(_surface_geodesique_ha(normaliser_geometrie(zone)), rel=0.01)


def test_longueur_comme_pyproj_geod(gascogne):
    points = [[0.5857, 43.6465], [0.8755, 43.6266], [1.0822, 43.6133], [1.4437, 43.6045]]
    ligne = {"type": "LineString", "coordinates": points}
    (a,) = attribuer_entites(referentiel(gascogne), [entite("l", ligne, "axe")]).values()
    attendue = GEODESIE.geometry_length(shapely.geometry.shape(ligne)) / 1e3
    assert a.longueur_km == pytest.approx(attendue, rel=0.01)
    assert a.surface_ha is None and a.nature == "ligne"


def test_ligne_qui_relie_deux_territoires(gascogne, communes_gascogne):
    fleche = {"type": "LineString", "coordinates": [[0.6079, 43.6626], [1.0, 43.7], [1.4221, 43.6019]]}
    (a,) = attribuer_entites(referentiel(gascogne), [entite("f", fleche, "flux")]).values()
    # Les bouts, vérifiés indépendamment par un « contient » de geopandas.
    depart = communes_gascogne[communes_gascogne.contains(shapely.Point(0.6079, 43.6626))].iloc[0]
    arrivee = communes_gascogne[communes_gascogne.contains(shapely.Point(1.4221, 43.6019))].iloc[0]
    assert a.depart.commune.code == depart["code_insee"] and a.depart.epci.code == depart["epci_siren"]
    assert a.arrivee.commune.code == arrivee["code_insee"] and a.arrivee.epci.code == arrivee["epci_siren"]
    assert depart["epci_siren"] != arrivee["epci_siren"]
    assert a.relie_des_territoires and a.a_cheval
    assert a.arrivee.territoire == "Toulouse Métropole"  # couche « territoires » du contrat de réciprocité
    texte = fiche(a, next(c for c in gascogne.legende if c.id == "flux"))
    assert f"Relie : {a.depart} → {a.arrivee}" in texte
    assert "Longueur :" in texte and "EPCI (" in texte


def test_ligne_interne_a_un_epci_ne_relie_rien(gascogne):
    # Deux points de Toulouse Métropole (Blagnac, Colomiers) : même EPCI, même SCoT.
    ligne = {"type": "LineString", "coordinates": [[1.3766, 43.6409], [1.3261, 43.6147]]}
    (a,) = attribuer_entites(referentiel(gascogne), [entite("l", ligne, "liaison")]).values()
    assert not a.relie_des_territoires and not a.a_cheval


def test_point_dans_une_commune(gascogne, communes_gascogne):
    toulouse = communes_gascogne[communes_gascogne["nom"] == "Toulouse"].iloc[0]
    p = toulouse.geometry.representative_point()
    (a,) = attribuer_entites(referentiel(gascogne), [entite("p", mapping(p), "pole")]).values()
    assert [c.code for c in a.communes] == [toulouse["code_insee"]]
    assert a.surface_ha is None and a.longueur_km is None
    assert "Toulouse (31555)" in fiche(a)


def test_hors_des_communes(gascogne):
    loin = polygone((5.0, 45.0), (5.1, 45.0), (5.1, 45.1))
    (a,) = attribuer_entites(referentiel(gascogne), [entite("z", loin)]).values()
    assert a.communes == () and a.epci == () and a.surface_ha > 0
    assert "hors des communes de l'atelier" in fiche(a)


def test_sans_couche_des_communes():
    ref = construire_referentiel(None)
    zone = {"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.0], [2.1, 48.1], [2.0, 48.1], [2.0, 48.0]]]}
    (a,) = attribuer_entites(ref, [entite("z", zone)]).values()
    assert a.communes == () and a.surface_ha == pytest.approx(_surface_geodesique_ha(zone), rel=0.01)
    assert attribuer_entites(ref, []) == {}


@pytest.fixture(scope="module")
def communes_reunion():
    chemin = PARTAGE / "national" / "communes_fr_cog2026.geojson.gz"
    if not chemin.exists():
        pytest.skip(f"fichier national absent : {chemin}")
    gdf = pyogrio.read_dataframe(f"/vsigzip/{chemin}", where="code_insee LIKE '974%'")
    return valider(gdf, "communes")


def test_outre_mer_projection_locale(communes_reunion):
    ref = construire_referentiel(communes_reunion)
    assert ref.projection.epsg == 2975  # RGR92 / UTM 40S
    saint_denis = communes_reunion[communes_reunion["nom"] == "Saint-Denis"].iloc[0]
    zone = zone_sur(communes_reunion, ["Saint-Denis", "Sainte-Marie"], retrait_m=40)
    (a,) = attribuer_entites(ref, [entite("z", zone)]).values()
    assert sorted(c.nom for c in a.communes) == ["Saint-Denis", "Sainte-Marie"]
    assert a.surface_ha == pytest.approx(_surface_geodesique_ha(normaliser_geometrie(zone)), rel=0.01)
    assert saint_denis["code_insee"] in {c.code for c in a.communes}


def test_enumeration_tronquee():
    assert enumerer(["a", "b"]) == "a, b"
    assert enumerer([str(i) for i in range(15)], 12).endswith("… et 3 autres")


def test_fiches_d_une_version_en_cache(projets):
    atelier = charger_atelier(projets, "gascogne-toulouse")
    s = creer_seance(atelier.dossier, "atelier-2", "2026-01-15")
    h = creer_hypothese(s, "Essai")
    depot = h.depot(atelier.id)
    zone = {"type": "Polygon", "coordinates": [[[1.0, 43.6], [1.1, 43.6], [1.1, 43.65], [1.0, 43.65], [1.0, 43.6]]]}
    nouvelle = {"type": "Feature", "geometry": zone, "properties": {"categorie": "projet"}}
    depot.enregistrer([Changement("z1", None, nouvelle)], "Léa")
    premieres = fiches_version(atelier, depot, 1)
    assert set(premieres) == {"z1"} and "Surface :" in premieres["z1"] and "L'Isle-Jourdain (32160)" in premieres["z1"]
    assert fiches_version(atelier, depot, 1) == premieres
    assert fiches_version(atelier, depot, 0) == {}


def test_attribution_vectorisee_egale_a_l_unitaire(gascogne):
    """Attribuer un lot donne la même chose qu'attribuer chaque entité seule (l'index ne mélange rien)."""
    aleatoire = np.random.default_rng(5)
    entites = []
    for k in range(40):
        x, y = aleatoire.uniform(0.3, 1.6), aleatoire.uniform(43.2, 44.0)
        d = aleatoire.uniform(0.01, 0.08)
        entites.append(entite(f"z{k}", mapping(shapely.box(x, y, x + d, y + d))))
    ref = referentiel(gascogne)
    lot = attribuer_entites(ref, entites)
    for e in entites:
        assert attribuer_entites(ref, [e])[e["id"]] == lot[e["id"]]


def test_communes_sans_noms_d_epci_ni_scot_completees_par_leurs_couches(projets):
    """Une couche de communes comme ADMIN EXPRESS : SIREN de l'EPCI sans son nom, rien du SCoT.
    Les couches EPCI et SCoT de l'atelier nomment l'EPCI et rattachent chaque commune à son SCoT."""
    atelier = charger_atelier(projets, "gascogne-toulouse")
    livrees = atelier.couche("communes")
    appauvries = livrees.copy()
    appauvries["epci_nom"] = None
    appauvries["scot_porteur_siren"] = None
    appauvries["scot_porteur_nom"] = None
    (atelier.dossier / "couches").mkdir(exist_ok=True)
    appauvries.to_file(atelier.dossier / "couches" / "communes-admin-express.geojson", driver="GeoJSON")
    donnees = json.loads((atelier.dossier / "atelier.json").read_text(encoding="utf-8"))
    donnees["couches"]["communes"] = "atelier:couches/communes-admin-express.geojson"
    (atelier.dossier / "atelier.json").write_text(json.dumps(donnees), encoding="utf-8")
    atelier = charger_atelier(projets, "gascogne-toulouse")

    noms = ["L'Isle-Jourdain", "Pujaudran", "Toulouse", "Colomiers"]
    (a,) = attribuer_entites(referentiel(atelier), [entite("z", zone_sur(livrees, noms))]).values()
    attendues = livrees[livrees["nom"].isin(noms)]
    # Les mêmes EPCI et SCoT, avec leurs noms, qu'avec la couche livrée complète.
    assert {(t.code, t.nom) for t in a.epci} == set(zip(attendues["epci_siren"], attendues["epci_nom"], strict=True))
    scot = attendues.dropna(subset=["scot_porteur_siren"])
    assert {t.code for t in a.scot} == set(scot["scot_porteur_siren"])
    assert all(t.nom != t.code for t in a.scot)

    # Sans couche EPCI ni SCoT dans l'atelier : le SIREN seul, et pas de SCoT inventé.
    del donnees["couches"]["epci"], donnees["couches"]["scot"]
    (atelier.dossier / "atelier.json").write_text(json.dumps(donnees), encoding="utf-8")
    atelier = charger_atelier(projets, "gascogne-toulouse")
    (b,) = attribuer_entites(referentiel(atelier), [entite("z", zone_sur(livrees, noms))]).values()
    assert {t.code for t in b.epci} == set(attendues["epci_siren"]) and all(t.nom == t.code for t in b.epci)
    assert b.scot == ()


class _DepotCompte:
    """Un vrai dépôt de versions, dont on compte les lectures de versions entières."""

    def __init__(self, depot):
        self.depot, self.lectures = depot, 0

    def __getattr__(self, nom):
        return getattr(self.depot, nom)

    def lire(self, numero):
        self.lectures += 1
        return self.depot.lire(numero)


def test_fiches_d_une_version_dans_chaque_magasin(projets_magasin, gascogne):
    """Fichiers ou base : les fiches de chaque version sont celles de ses entités, mises en cache sur
    l'empreinte de la version (lue dans l'historique) ; une version relue ne se relit pas."""
    from esquisse.esquisses.versions import Depot
    from esquisse.stockage.rangement import magasin, ref_hypothese

    seance, hypothese = "2026-02-12-atelier-2", "a-le-gers-garde-manger-de-la-metropole"
    reference = Depot(RACINE / "projets" / "gascogne-toulouse" / "seances" / seance / "hypotheses" / hypothese)
    depot = _DepotCompte(
        magasin(projets_magasin).versions(ref_hypothese(projets_magasin / "gascogne-toulouse", seance, hypothese))
    )
    assert [m.empreinte for m in depot.historique()] == [m.empreinte for m in reference.historique()]
    ref = referentiel(gascogne)
    for meta in reference.historique():
        attendues = fiches(ref, reference.lire(meta.numero).entites, gascogne.legende)
        assert fiches_version(gascogne, depot, meta.numero) == attendues and attendues, meta.numero
        assert all("Commune" in f or "Territoire" in f for f in attendues.values())
    lectures = depot.lectures
    for meta in reference.historique():
        fiches_version(gascogne, depot, meta.numero)
    assert depot.lectures == lectures, "une version déjà vue a été relue"
