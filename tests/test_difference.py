"""Moteur de différences : ajout, suppression, déplacement, remodelage, propriétés ; tests par propriétés."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from esquisse.analyse.attribution import Projection, attribuer, construire_referentiel
from esquisse.analyse.difference import comparer_entites, compter, evolutions, forme_changee, par_categorie, resume
from esquisse.esquisses.geojson import normaliser_entite
from esquisse.esquisses.legende import LEGENDE_DEFAUT
from tests.outils import RACINE

L93 = Projection(2154)


def carre(x, y, cote=0.02):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + cote, y], [x + cote, y + cote], [x, y + cote], [x, y]]]}


def entite(i, geometrie, **props):
    props = {"categorie": "projet", "titre": f"Esquisse {i}", **props}
    return normaliser_entite({"type": "Feature", "id": i, "geometry": geometrie, "properties": props})


def par_id(*entites):
    return {e["id"]: e for e in entites}


def metrique(geometrie: dict):
    return gpd.GeoSeries([shape(geometrie)], crs=4326).to_crs(2154).iloc[0]


def test_ajout_suppression_inchangee():
    a, b, c = entite("a", carre(1.0, 43.5)), entite("b", carre(1.1, 43.5)), entite("c", carre(1.2, 43.5))
    differences = {d.id: d for d in comparer_entites(par_id(a, b), par_id(b, c), L93)}
    assert differences["a"].etat == "supprimee" and differences["a"].apres is None
    assert differences["b"].etat == "inchangee"
    assert differences["c"].etat == "ajoutee" and differences["c"].avant is None
    assert compter(differences.values()) == {"ajoutee": 1, "supprimee": 1, "modifiee": 0, "inchangee": 1}


def test_zone_deplacee():
    avant = entite("z", carre(1.0, 43.5))
    apres = entite("z", carre(1.005, 43.503))
    (d,) = comparer_entites(par_id(avant), par_id(apres), L93)
    assert d.etat == "modifiee" and d.forme == "deplacee" and d.champs == ()
    ga, gb = metrique(avant["geometry"]), metrique(apres["geometry"])
    assert d.surface_gagnee_ha == pytest.approx(gb.difference(ga).area / 1e4, rel=1e-6)
    assert d.surface_perdue_ha == pytest.approx(ga.difference(gb).area / 1e4, rel=1e-6)
    # Une translation gagne autant qu'elle perd.
    assert d.surface_gagnee_ha == pytest.approx(d.surface_perdue_ha, rel=0.01)
    assert d.deplacement_m == pytest.approx(ga.centroid.distance(gb.centroid), rel=1e-6)
    assert d.detail().startswith("déplacée de ")
    assert shape(d.gagnee).is_valid and shape(d.perdue).is_valid


def test_point_deplace():
    (d,) = comparer_entites(
        par_id(entite("p", {"type": "Point", "coordinates": [1.0, 43.5]}, categorie="pole")),
        par_id(entite("p", {"type": "Point", "coordinates": [1.0, 43.51]}, categorie="pole")),
        L93,
    )
    assert d.forme == "deplacee" and d.deplacement_m == pytest.approx(1112, rel=0.01)
    assert d.surface_gagnee_ha == 0 and d.gagnee is None
    assert "déplacée de 1,1 km" in d.detail()


def test_zone_remodelee_surfaces_gagnee_et_perdue():
    avant = entite("z", carre(1.0, 43.5, 0.04))
    # On tire un coin vers l'extérieur et on rentre le côté opposé : surface gagnée ET perdue.
    remodelee = {
        "type": "Polygon",
        "coordinates": [[[1.0, 43.5], [1.05, 43.49], [1.04, 43.54], [1.01, 43.53], [1.0, 43.5]]],
    }
    apres = entite("z", remodelee)
    (d,) = comparer_entites(par_id(avant), par_id(apres), L93)
    assert d.forme == "remodelee"
    ga, gb = metrique(avant["geometry"]), metrique(apres["geometry"])
    assert d.surface_gagnee_ha == pytest.approx(gb.difference(ga).area / 1e4, rel=1e-6) and d.surface_gagnee_ha > 1
    assert d.surface_perdue_ha == pytest.approx(ga.difference(gb).area / 1e4, rel=1e-6) and d.surface_perdue_ha > 1
    assert "ha gagnés" in d.detail() and "ha perdus" in d.detail()


def test_ligne_remodelee_variation_de_longueur():
    avant = entite("l", {"type": "LineString", "coordinates": [[1.0, 43.5], [1.2, 43.5]]}, categorie="axe")
    apres = entite(
        "l", {"type": "LineString", "coordinates": [[1.0, 43.5], [1.1, 43.55], [1.2, 43.5]]}, categorie="axe"
    )
    (d,) = comparer_entites(par_id(avant), par_id(apres), L93)
    attendu = (metrique(apres["geometry"]).length - metrique(avant["geometry"]).length) / 1e3
    assert d.forme == "remodelee" and d.variation_km == pytest.approx(attendu, rel=1e-6) and attendu > 0
    assert "longueur +" in d.detail()


def test_proprietes_seules():
    avant = entite("z", carre(1.0, 43.5), commentaire="première idée")
    apres = entite("z", carre(1.0, 43.5), commentaire="idée reprise", titre="Nouveau titre")
    (d,) = comparer_entites(par_id(avant), par_id(apres), L93)
    assert d.etat == "modifiee" and d.forme == "" and d.champs == ("commentaire", "titre")
    assert d.surface_gagnee_ha == 0 and d.deplacement_m == 0
    assert d.detail() == "changements : commentaire et titre"


def test_date_de_modification_seule_ne_compte_pas():
    avant = entite("z", carre(1.0, 43.5), modifie_le="2026-01-01T10:00:00Z")
    apres = entite("z", carre(1.0, 43.5), modifie_le="2026-02-01T10:00:00Z")
    (d,) = comparer_entites(par_id(avant), par_id(apres), L93)
    assert d.etat == "inchangee"


def test_translation_reconnue_malgre_l_arrondi():
    # Chaque sommet est arrondi à 6 décimales : la translation n'est exacte qu'à un millionième près.
    anneau = [[1.0000004, 43.5], [1.0123456, 43.5], [1.0, 43.5234564], [1.0000004, 43.5]]
    avant = entite("z", {"type": "Polygon", "coordinates": [anneau]})
    decale = [[x + 0.0104449, y + 0.0031111] for x, y in avant["geometry"]["coordinates"][0]]
    apres = entite("z", {"type": "Polygon", "coordinates": [decale]})
    assert forme_changee(avant["geometry"], apres["geometry"]) == "deplacee"


def test_changement_de_categorie_par_categorie():
    avant = entite("z", carre(1.0, 43.5), categorie="projet")
    apres = entite("z", carre(1.0, 43.5), categorie="risque")
    ref = construire_referentiel(None)
    differences = comparer_entites(par_id(avant), par_id(apres), L93)
    bilan = par_categorie(differences, attribuer(ref, [avant]), attribuer(ref, [apres]), LEGENDE_DEFAUT)
    lignes = {c.categorie.id: c for c in bilan}
    assert lignes["projet"].avant == 1 and lignes["projet"].apres == 0
    assert lignes["risque"].avant == 0 and lignes["risque"].apres == 1 and lignes["risque"].modifiees == 1
    assert lignes["projet"].ha_avant == pytest.approx(lignes["risque"].ha_apres) and lignes["projet"].ha_avant > 0
    # L'ordre est celui de la légende.
    ordre = [c.id for c in LEGENDE_DEFAUT]
    assert list(lignes) == sorted(lignes, key=ordre.index)


def test_communes_nouvellement_touchees_ou_plus_touchees():
    communes = gpd.read_file(RACINE / "couches" / "gascogne-toulouse" / "communes.geojson")
    ref = construire_referentiel(communes)
    auch = communes[communes["nom"] == "Auch"].geometry.iloc[0].representative_point()
    toulouse = communes[communes["nom"] == "Toulouse"].geometry.iloc[0].representative_point()
    avant = entite("p", shapely.geometry.mapping(auch), categorie="pole")
    apres = entite("p", shapely.geometry.mapping(toulouse), categorie="pole")
    communes_, epci, scot = evolutions(attribuer(ref, [avant]), attribuer(ref, [apres]))
    assert [t.nom for t in communes_.nouveaux] == ["Toulouse"] and [t.nom for t in communes_.quittes] == ["Auch"]
    assert [t.nom for t in epci.nouveaux] == ["Toulouse Métropole"]
    assert [t.nom for t in epci.quittes] == ["CA Grand Auch Coeur de Gascogne"]
    assert scot.avant == scot.apres == 1 and scot.nouveaux != scot.quittes


def test_resume_en_francais():
    assert resume({"ajoutee": 2, "supprimee": 0, "modifiee": 1, "inchangee": 1}) == (
        "4 esquisses : 2 ajoutées, 1 modifiée, 1 inchangée."
    )
    assert resume({}) == "Aucune esquisse de part et d'autre."


# -- propriétés ------------------------------------------------------------------------------

_cles = st.sampled_from([f"e{i}" for i in range(8)])
_etat = st.dictionaries(
    _cles,
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from(["projet", "risque"]), st.sampled_from(["", "x"])),
    max_size=8,
)


def _construire(etat):
    return {
        i: entite(i, carre(1.0 + 0.01 * dx, 43.5 + 0.01 * dy), categorie=c, commentaire=t)
        for i, (dx, dy, c, t) in etat.items()
    }


@settings(max_examples=60, deadline=None)
@given(_etat, _etat)
def test_proprietes_du_diff(a, b):
    avant, apres = _construire(a), _construire(b)
    differences = comparer_entites(avant, apres, L93)
    # Chaque entité de l'un ou l'autre état apparaît une fois, et une seule.
    assert sorted(d.id for d in differences) == sorted(set(avant) | set(apres))
    c = compter(differences)
    assert c["ajoutee"] == len(set(apres) - set(avant)) and c["supprimee"] == len(set(avant) - set(apres))
    # Dans l'autre sens, les ajouts deviennent des suppressions ; modifiées et inchangées restent.
    inverse = compter(comparer_entites(apres, avant, L93))
    assert (inverse["ajoutee"], inverse["supprimee"]) == (c["supprimee"], c["ajoutee"])
    assert (inverse["modifiee"], inverse["inchangee"]) == (c["modifiee"], c["inchangee"])
    for d in differences:
        if d.etat == "modifiee":
            assert d.forme or d.champs
            # Gagné d'un côté, perdu de l'autre.
            (r,) = [x for x in comparer_entites({d.id: d.apres}, {d.id: d.avant}, L93)]
            assert r.surface_gagnee_ha == pytest.approx(d.surface_perdue_ha, abs=1e-6)
    # Un état comparé à lui-même : tout est inchangé.
    assert compter(comparer_entites(apres, apres, L93))["inchangee"] == len(apres)
