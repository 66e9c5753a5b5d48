"""Changements venus du navigateur, annotations, état renvoyé à la carte."""

from __future__ import annotations

import pytest

from esquisse.esquisses.edition import (
    Annotation,
    DessinLocal,
    categories_compatibles,
    construire_changements,
    en_attente,
    etat_navigateur,
    lire_dessins,
    rebaser,
)
from esquisse.esquisses.legende import LEGENDE_DEFAUT
from esquisse.esquisses.versions import Depot
from esquisse.noyau.erreurs import DonneeInvalide

LIGNE = {"type": "LineString", "coordinates": [[3, 48.4], [3.1, 48.45]]}
ZONE = {"type": "Polygon", "coordinates": [[[3, 48.4], [3.1, 48.4], [3.1, 48.5], [3, 48.4]]]}


def dessin_brut(i, geometrie, base=None, local=1, **props):
    return {
        "type": "Feature",
        "geometry": geometrie,
        "properties": {"esq_id": i, "esq_base": base, "esq_local": local, **props},
    }


def test_lecture_des_dessins_et_erreurs():
    lecture = lire_dessins(
        [
            dessin_brut("e1", ZONE, esq_categorie="projet"),
            dessin_brut("e2", None, base=3, local=2, esq_supprime=True),
            dessin_brut("e3", None, esq_supprime=True),  # sans base : à trancher par ``rebaser``
            dessin_brut("../x", ZONE),
            dessin_brut("e4", {"type": "Point", "coordinates": [999, 0]}),
            dessin_brut("e1", LIGNE),  # doublon ignoré
        ]
    )
    assert [d.id for d in lecture.dessins] == ["e1", "e2", "e3"]
    assert lecture.dessins[0].categorie == "projet" and lecture.dessins[1].supprime
    assert len(lecture.erreurs) == 2
    # Un dessin nouveau puis effacé, jamais enregistré par ce poste : rien à faire.
    assert [d.id for d in rebaser(lecture.dessins, {})] == ["e1", "e2"]
    assert construire_changements([lecture.dessins[2]], {}, None, LEGENDE_DEFAUT, "M", "elu", "x") == []


def _retouche(dessin: DessinLocal, zone: dict) -> DessinLocal:
    return DessinLocal(dessin.id, dessin.base, dessin.local + 1, geometrie=zone, categorie=dessin.categorie)


def test_retouche_avant_l_accuse_rapportee_a_la_version_ecrite_par_ce_poste(tmp_path):
    """Enregistrer, puis retoucher aussitôt, avant que la carte ait reçu l'accusé : la retouche
    part encore de « aucune base ». Elle doit s'appliquer à la version que ce poste vient
    d'écrire, sans conflit et sans perdre le titre saisi."""
    depot = Depot(tmp_path / "h")
    (d,) = lire_dessins([dessin_brut("z", ZONE, esq_categorie="projet")]).dessins
    (c,) = construire_changements([d], {"z": Annotation(titre="Gare")}, depot, LEGENDE_DEFAUT, "M", "elu", "t1")
    v1 = depot.enregistrer([c], "M", "elu").version.numero
    enregistres = {"z": v1}

    deplacee = {"type": "Polygon", "coordinates": [[[3, 48.4], [3.2, 48.4], [3.2, 48.5], [3, 48.4]]]}
    retouche = _retouche(d, deplacee)  # base toujours None côté navigateur
    assert retouche.base is None
    (r,) = rebaser([retouche], enregistres)
    assert r.base == v1
    changements = construire_changements([r], {}, depot, LEGENDE_DEFAUT, "M", "elu", "t2")
    resultat = depot.enregistrer(changements, "M", "elu")
    assert resultat.conflits == [] and resultat.version.numero == v1 + 1
    apres = depot.entites(resultat.version.numero)["z"]
    assert apres["geometry"]["coordinates"][0][1] == [3.2, 48.4] and apres["properties"]["titre"] == "Gare"

    # Sans ``rebaser``, c'est le défaut que corrige ce test : un « ajout » d'une esquisse qui existe déjà.
    naif = construire_changements([_retouche(d, deplacee)], {}, depot, LEGENDE_DEFAUT, "M", "elu", "t3")
    assert [k.nature for k in depot.enregistrer(naif, "M", "elu").conflits] == ["ajoutee_des_deux_cotes"]

    # Et l'effacer aussitôt après l'avoir enregistrée la supprime bel et bien.
    effacee = DessinLocal("z", None, 9, supprime=True)
    (e,) = rebaser([effacee], {"z": resultat.version.numero})
    (suppression,) = construire_changements([e], {}, depot, LEGENDE_DEFAUT, "M", "elu", "t4")
    assert "z" not in depot.entites(depot.enregistrer([suppression], "M", "elu").version.numero)


def test_rebaser_ne_recule_jamais_une_base_plus_recente():
    # La carte a déjà reçu une version plus récente (d'un autre poste) : sa base est gardée.
    d = DessinLocal("z", 7, 3, geometrie=ZONE)
    assert rebaser([d], {"z": 5}) == [d]
    assert rebaser([DessinLocal("z", 4, 3, geometrie=ZONE)], {"z": 5})[0].base == 5
    assert rebaser([d], {}) == [d]


def test_en_attente_selon_les_accuses():
    dessins = [DessinLocal("a", None, 1), DessinLocal("b", None, 3)]
    assert [d.id for d in en_attente(dessins, {"a": 1, "b": 2})] == ["b"]


def test_categories_compatibles():
    zones = [c.id for c in categories_compatibles(LEGENDE_DEFAUT, "Polygon")]
    assert zones[:3] == ["preserver", "projet", "risque"] and zones[-1] == "continuite"
    assert [c.id for c in categories_compatibles(LEGENDE_DEFAUT, "Point", "texte")] == ["texte"]
    assert "texte" not in [c.id for c in categories_compatibles(LEGENDE_DEFAUT, "Point")]


def test_changements_nouveau_modifie_supprime(tmp_path):
    depot = Depot(tmp_path / "h")
    (d,) = lire_dessins([dessin_brut("z", ZONE, esq_categorie="projet")]).dessins
    changements = construire_changements(
        [d], {"z": Annotation(titre=" Gare ", commentaire="")}, depot, LEGENDE_DEFAUT, "Marie", "elu", "2026-01-01"
    )
    (c,) = changements
    assert c.entite["properties"] == {
        "categorie": "projet",
        "titre": "Gare",
        "auteur": "Marie",
        "role": "elu",
        "cree_le": "2026-01-01",
        "modifie_le": "2026-01-01",
    }
    depot.enregistrer(changements, "Marie", "elu")
    # Annotation seule d'une esquisse enregistrée : la géométrie vient de la version de base.
    (c2,) = construire_changements(
        [], {"z": Annotation(base=1, titre="Gare de Bray")}, depot, LEGENDE_DEFAUT, "Paul", "ddt", "2026-01-02"
    )
    assert c2.entite["geometry"] == depot.entites(1)["z"]["geometry"]
    assert c2.entite["properties"]["auteur"] == "Marie"  # l'auteur reste celui qui a dessiné
    assert c2.entite["properties"]["modifie_le"] == "2026-01-02"
    # Suppression.
    (c3,) = construire_changements(
        [DessinLocal("z", 1, 2, supprime=True)], {}, depot, LEGENDE_DEFAUT, "Paul", "ddt", "x"
    )
    assert c3.entite is None and c3.base == 1


def test_categorie_incompatible_refusee(tmp_path):
    (d,) = lire_dessins([dessin_brut("l", LIGNE)]).dessins
    with pytest.raises(DonneeInvalide, match="est une ligne : la catégorie « Secteur de projet"):
        construire_changements(
            [d], {"l": Annotation(categorie="projet")}, Depot(tmp_path), LEGENDE_DEFAUT, "M", "elu", "x"
        )
    with pytest.raises(DonneeInvalide, match="Catégorie inconnue"):
        construire_changements(
            [d], {"l": Annotation(categorie="nimporte")}, Depot(tmp_path), LEGENDE_DEFAUT, "M", "elu", "x"
        )


def test_etat_navigateur(tmp_path):
    depot = Depot(tmp_path / "h")
    (d,) = lire_dessins([dessin_brut("z", ZONE, esq_categorie="projet")]).dessins
    depot.enregistrer(construire_changements([d], {}, depot, LEGENDE_DEFAUT, "Marie", "elu", "t"), "Marie", "elu")
    etat = etat_navigateur(
        depot.lire(1),
        LEGENDE_DEFAUT,
        "axe",
        annotations={"n": Annotation(categorie="axe", titre="Axe")},
        acquittes={"z": 1},
        restaurer=[DessinLocal("n", None, 2, geometrie=LIGNE, categorie="axe")],
        fiches={"z": "Bray-sur-Seine (77051)"},
    )
    assert etat["version"] == 1 and etat["categorie"] == "axe"
    (e,) = etat["entites"]
    assert e["properties"]["role_libelle"] == "Élu·e"
    assert e["properties"]["territoires"] == "Bray-sur-Seine (77051)"
    assert etat["en_attente"] == {"n": {"categorie": "axe", "titre": "Axe"}}
    assert etat["restaurer"][0]["properties"]["esq_local"] == 2
    assert len(etat["legende"]) == len(LEGENDE_DEFAUT)
