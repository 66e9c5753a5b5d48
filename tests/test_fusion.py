"""Propriétés de la fusion à trois voies (Hypothesis) et cas nommés."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from esquisse.esquisses.fusion import fusionner


def entite(i: str, x: int = 0, titre: str = "t", **props) -> dict:
    return {
        "type": "Feature",
        "id": i,
        "geometry": {"type": "Point", "coordinates": [x, 0]},
        "properties": {"titre": titre, **props},
    }


# -- stratégies -------------------------------------------------------------------------

proprietes = st.fixed_dictionaries(
    {"titre": st.sampled_from(["a", "b", "c"])},
    optional={"categorie": st.sampled_from(["pole", "axe"]), "commentaire": st.sampled_from(["x", "y"])},
)


@st.composite
def entites(draw, prefixe: str, n_max: int = 6) -> dict:
    n = draw(st.integers(0, n_max))
    return {
        f"{prefixe}{k}": {
            "type": "Feature",
            "id": f"{prefixe}{k}",
            "geometry": {"type": "Point", "coordinates": [draw(st.integers(0, 3)), 0]},
            "properties": draw(proprietes),
        }
        for k in range(n)
    }


@st.composite
def derivee(draw, base: dict, prefixe: str) -> dict:
    """Une copie de ``base`` modifiée au hasard : suppressions, modifications, ajouts."""
    resultat = {}
    for i, e in base.items():
        action = draw(st.sampled_from(["garder", "garder", "supprimer", "geometrie", "propriete"]))
        if action == "supprimer":
            continue
        e = {**e, "properties": dict(e["properties"])}
        if action == "geometrie":
            e["geometry"] = {"type": "Point", "coordinates": [draw(st.integers(0, 3)), 1]}
        elif action == "propriete":
            e["properties"]["titre"] = draw(st.sampled_from(["a", "b", "c", "z"]))
        resultat[i] = e
    resultat.update(draw(entites(prefixe)))
    return resultat


@st.composite
def triplet(draw):
    base = draw(entites("b"))
    return base, draw(derivee(base, "m")), draw(derivee(base, "t"))


# -- propriétés -------------------------------------------------------------------------


@given(triplet())
@settings(max_examples=300)
def test_un_seul_cote_change(t):
    base, locale, distante = t
    f = fusionner(base, base, distante)
    assert f.entites == distante and not f.conflits
    f = fusionner(base, locale, base)
    assert f.entites == locale and not f.conflits


@given(triplet())
@settings(max_examples=300)
def test_memes_changements_des_deux_cotes(t):
    base, locale, _ = t
    f = fusionner(base, locale, locale)
    assert f.entites == locale and not f.conflits


@given(triplet())
@settings(max_examples=300)
def test_ajouts_des_deux_cotes_conserves(t):
    base, locale, distante = t
    f = fusionner(base, locale, distante)
    for i in set(locale) - set(base):
        assert f.entites[i] == locale[i]
    for i in set(distante) - set(base):
        assert f.entites[i] == distante[i]


@given(triplet())
@settings(max_examples=300)
def test_rien_n_est_perdu_en_silence(t):
    """Tout changement local est dans le résultat, ou dans un conflit rapporté."""
    base, locale, distante = t
    f = fusionner(base, locale, distante)
    en_conflit = {c.id for c in f.conflits}
    for i, e in locale.items():
        if base.get(i) != e:  # changée ou ajoutée localement
            assert i in f.entites, i
            if f.entites[i] != e:
                # Fusion champ à champ : chaque champ local changé est retenu, sauf conflit rapporté.
                for cle, valeur in e["properties"].items():
                    if (
                        base.get(i, {}).get("properties", {}).get(cle) != valeur
                        and f.entites[i]["properties"].get(cle) != valeur
                    ):
                        assert i in en_conflit
                if base.get(i, {}).get("geometry") != e["geometry"] and f.entites[i]["geometry"] != e["geometry"]:
                    assert i in en_conflit
    for i in base:
        if i not in locale and distante.get(i) not in (None, base[i]):
            assert i in f.entites and i in en_conflit  # supprimée ici, modifiée ailleurs : conservée


@given(triplet())
@settings(max_examples=300)
def test_suppression_appliquee_si_l_autre_cote_n_a_pas_change(t):
    base, locale, distante = t
    f = fusionner(base, locale, distante)
    for i, e in base.items():
        if i not in locale and distante.get(i) == e:
            assert i not in f.entites
        if i not in distante and locale.get(i) == e:
            assert i not in f.entites


@given(triplet())
@settings(max_examples=300)
def test_conflits_seulement_si_les_deux_cotes_changent(t):
    base, locale, distante = t
    for c in fusionner(base, locale, distante).conflits:
        assert locale.get(c.id) != base.get(c.id)
        assert distante.get(c.id) != base.get(c.id)
        assert locale.get(c.id) != distante.get(c.id)


@given(triplet())
@settings(max_examples=200)
def test_memes_identifiants_quel_que_soit_l_ordre(t):
    base, locale, distante = t
    assert set(fusionner(base, locale, distante).entites) == set(fusionner(base, distante, locale).entites)


# -- cas nommés ------------------------------------------------------------------------


def test_champs_differents_fusionnes_sans_conflit():
    base = {"a": entite("a", 0, "titre")}
    locale = {"a": entite("a", 0, "nouveau titre")}
    distante = {"a": entite("a", 5, "titre")}
    f = fusionner(base, locale, distante)
    assert not f.conflits
    assert f.entites["a"]["properties"]["titre"] == "nouveau titre"
    assert f.entites["a"]["geometry"]["coordinates"] == [5, 0]


def test_meme_champ_change_differemment_conflit():
    base = {"a": entite("a", 0, "titre")}
    f = fusionner(base, {"a": entite("a", 0, "ici")}, {"a": entite("a", 0, "là-bas")})
    (c,) = f.conflits
    assert c.nature == "modifiee_des_deux_cotes" and c.champs == ("titre",)
    assert f.entites["a"]["properties"]["titre"] == "là-bas"
    assert c.locale["properties"]["titre"] == "ici"


def test_modification_contre_suppression_conservee():
    base = {"a": entite("a")}
    f = fusionner(base, {"a": entite("a", 3)}, {})
    assert f.entites["a"]["geometry"]["coordinates"] == [3, 0]
    assert f.conflits[0].nature == "modifiee_ici_supprimee_ailleurs"
    f = fusionner(base, {}, {"a": entite("a", 3)})
    assert f.entites["a"]["geometry"]["coordinates"] == [3, 0]
    assert f.conflits[0].nature == "supprimee_ici_modifiee_ailleurs"


def test_horodatage_le_plus_recent_sans_conflit():
    base = {"a": entite("a", modifie_le="2026-01-01")}
    locale = {"a": entite("a", 1, modifie_le="2026-01-03")}
    distante = {"a": entite("a", 0, "autre", modifie_le="2026-01-02")}
    f = fusionner(base, locale, distante)
    assert not f.conflits
    assert f.entites["a"]["properties"]["modifie_le"] == "2026-01-03"
