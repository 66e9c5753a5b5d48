"""Séances et hypothèses : création, reprise avec filiation, statuts."""

from __future__ import annotations

import json

import pytest

from esquisse.erreurs import DonneeInvalide
from esquisse.seances import (
    creer_hypothese,
    creer_seance,
    hypothese,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
    slug,
)
from esquisse.versions import Changement


@pytest.fixture
def dossier(projets):
    """Un atelier sans séance (les ateliers de démonstration en ont déjà)."""
    vierge = projets / "atelier-vierge"
    vierge.mkdir()
    (vierge / "atelier.json").write_bytes((projets / "bassee-montois" / "atelier.json").read_bytes())
    return vierge


def test_slug():
    assert slug("Hypothèse A : l'eau, d'abord !") == "hypothese-a-l-eau-d-abord"
    assert slug("   ") == "sans-titre"
    assert slug("../../etc") == "etc"


def test_seances_triees_et_rangees(dossier):
    s2 = creer_seance(dossier, "atelier-2", "2026-05-20", "Atelier 2")
    s1 = creer_seance(dossier, "atelier-1", "2026-03-12")
    assert [s.id for s in lister_seances(dossier)] == [s1.id, s2.id]
    assert s1.titre == "Atelier 1" and s1.libelle == "Atelier 1 (12 mars 2026)"
    assert (dossier / "seances" / "2026-03-12-atelier-1" / "seance.json").is_file()
    # Même jour, même type : un second dossier, sans écraser le premier.
    s1b = creer_seance(dossier, "atelier-1", "2026-03-12", "Bis")
    assert s1b.id == "2026-03-12-atelier-1-2"


@pytest.mark.parametrize(
    ("type_", "date", "message"),
    [("atelier-9", "2026-01-01", "Type de séance inconnu"), ("visite", "12/03/2026", "Date de séance invalide")],
)
def test_seance_invalide(dossier, type_, date, message):
    with pytest.raises(DonneeInvalide, match=message):
        creer_seance(dossier, type_, date)
    assert not (dossier / "seances").exists() or not any((dossier / "seances").iterdir())


def test_hypothese_et_statuts(dossier):
    s = creer_seance(dossier, "atelier-2", "2026-05-20")
    h = creer_hypothese(s, "A — La Bassée, vallée nourricière", "Une vallée agricole", "Marie", "elu")
    assert h.statut == "proposee" and h.libelle_statut == "Proposée"
    h = modifier_hypothese(h, "Paul", statut="debattue")
    h = modifier_hypothese(h, "Paul", statut="retenue")
    assert [x["statut"] for x in h.statuts] == ["proposee", "debattue", "retenue"]
    assert h.statuts[-1]["par"] == "Paul"
    assert lister_hypotheses(s)[0].titre == "A — La Bassée, vallée nourricière"
    with pytest.raises(DonneeInvalide, match="Statut inconnu"):
        modifier_hypothese(h, statut="validee")
    with pytest.raises(DonneeInvalide, match="obligatoire"):
        creer_hypothese(s, "  ")


def test_reprise_garde_la_filiation_et_les_identifiants(dossier):
    s1 = creer_seance(dossier, "atelier-1", "2026-03-12")
    s2 = creer_seance(dossier, "atelier-2", "2026-05-20")
    a = creer_hypothese(s1, "A", atelier="bassee-montois")
    depot = a.depot("bassee-montois")
    zone = {"type": "Polygon", "coordinates": [[[3, 48.4], [3.1, 48.4], [3.1, 48.5], [3, 48.4]]]}
    depot.enregistrer(
        [Changement("z1", None, {"type": "Feature", "geometry": zone, "properties": {"titre": "Zone"}})], "Marie"
    )
    reprise = creer_hypothese(s2, "A bis", reprise_de=a, auteur="Paul", role="ddt", atelier="bassee-montois")
    assert reprise.origine == {"seance": s1.id, "hypothese": a.id, "version": 1}
    premiere = reprise.depot().lire(1)
    assert set(premiere.par_id()) == {"z1"}
    assert "Reprise de « A »" in premiere.meta.message
    donnees = json.loads((reprise.dossier / "versions" / "v000001.geojson").read_text(encoding="utf-8"))
    assert donnees["esquisse"]["seance"] == s2.id and donnees["esquisse"]["hypothese"] == reprise.id
    assert hypothese(s2, reprise.id).origine["hypothese"] == a.id
