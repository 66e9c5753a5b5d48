"""Vues nommées d'une hypothèse."""

from __future__ import annotations

import pytest

from esquisse.atelier import vues
from esquisse.atelier.seances import creer_hypothese, creer_seance
from esquisse.noyau.erreurs import DonneeInvalide


@pytest.fixture
def hyp(projets):
    s = creer_seance(projets / "bassee-montois", "atelier-3", "2026-06-10")
    return creer_hypothese(s, "Stratégie")


def test_ajouter_lister_supprimer(hyp):
    assert vues.lister(hyp) == []
    v = vues.ajouter(hyp, "Zoom sur la gare", [3.2, 48.4, 3.3, 48.45])
    w = vues.ajouter(hyp, "Zoom sur la gare", (3.1, 48.3, 3.2, 48.35))
    assert (v.id, w.id) == ("zoom-sur-la-gare", "zoom-sur-la-gare-2")
    toutes = vues.lister(hyp, (2.9, 48.3, 3.5, 48.6))
    assert [x.nom for x in toutes] == ["Grand territoire", "Zoom sur la gare", "Zoom sur la gare"]
    assert toutes[0].id == vues.GRAND_TERRITOIRE
    vues.supprimer(hyp, v.id)
    assert [x.id for x in vues.lister(hyp)] == ["zoom-sur-la-gare-2"]


@pytest.mark.parametrize(
    ("nom", "emprise", "message"),
    [
        ("", [0, 0, 1, 1], "nom de la vue"),
        ("x", [1, 0, 0, 1], "hors du globe ou vide"),
        ("x", [0, 0, 200, 1], "hors du globe"),
        ("x", ["a", 0, 1, 1], "Emprise invalide"),
        ("x", [0, 0, float("nan"), 1], "non finies"),
    ],
)
def test_vue_invalide(hyp, nom, emprise, message):
    with pytest.raises(DonneeInvalide, match=message):
        vues.ajouter(hyp, nom, emprise)
    assert not (hyp.dossier / "vues.json").exists()


def test_les_vues_suivent_une_hypothese_reprise(hyp, projets):
    vues.ajouter(hyp, "Zoom", [3.2, 48.4, 3.3, 48.45])
    s2 = creer_seance(projets / "bassee-montois", "seminaire-final", "2026-09-01")
    reprise = creer_hypothese(s2, "Stratégie retenue", reprise_de=hyp)
    assert [v.nom for v in vues.lister(reprise)] == ["Zoom"]
