"""Chronologie : périodes de statut, journal et frise, sur des séances créées par le domaine."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from esquisse.atelier.chronologie import chronologie, graphique, liste_seances, tableau_journal
from esquisse.atelier.seances import creer_hypothese, creer_seance, modifier_hypothese

MAINTENANT = datetime(2026, 7, 1, 12, tzinfo=UTC)


@pytest.fixture
def dossier(projets):
    vierge = projets / "atelier-vierge"
    vierge.mkdir()
    (vierge / "atelier.json").write_text('{"nom": "Atelier vierge"}', encoding="utf-8")
    return vierge


@pytest.fixture
def atelier(dossier):
    """Trois séances (dont une à venir), deux hypothèses, l'une reprise, l'autre abandonnée."""
    s1 = creer_seance(dossier, "atelier-1", "2026-03-12", "Atelier 1")
    s2 = creer_seance(dossier, "atelier-2", "2026-05-20", "Atelier 2")
    creer_seance(dossier, "seminaire-final", "2026-10-08", "Séminaire final")
    a = creer_hypothese(s1, "A", auteur="Claire", le="2026-03-12T09:00:00.000Z")
    modifier_hypothese(a, "Jean", statut="debattue", le="2026-03-12T15:00:00.000Z")
    b = creer_hypothese(s2, "B", auteur="Marc", reprise_de=a, le="2026-05-20T09:00:00.000Z")
    modifier_hypothese(b, "Jean", statut="debattue", le="2026-05-20T14:00:00.000Z")
    modifier_hypothese(b, "Jean", statut="abandonnee", le="2026-05-20T17:00:00.000Z")
    return dossier


def test_periodes_de_statut(atelier):
    c = chronologie(atelier, MAINTENANT)
    assert c.lignes == ["A · Atelier 1", "B · Atelier 2"]
    periodes = [(p.ligne, p.statut, p.debut.isoformat()[:16], p.fin.isoformat()[:16], p.en_cours) for p in c.periodes]
    assert periodes == [
        ("A · Atelier 1", "proposee", "2026-03-12T09:00", "2026-03-12T15:00", False),
        ("A · Atelier 1", "debattue", "2026-03-12T15:00", "2026-07-01T12:00", True),
        ("B · Atelier 2", "proposee", "2026-05-20T09:00", "2026-05-20T14:00", False),
        ("B · Atelier 2", "debattue", "2026-05-20T14:00", "2026-05-20T17:00", False),
        ("B · Atelier 2", "abandonnee", "2026-05-20T17:00", "2026-07-01T12:00", True),
    ]


def test_journal(atelier):
    c = chronologie(atelier, MAINTENANT)
    titres = [e.titre for e in c.evenements]
    assert titres == [
        "Séance 1 : Atelier 1",
        "Hypothèse « A » proposée",
        "« A » : débattue",
        "Séance 2 : Atelier 2",
        "Hypothèse « B » proposée",
        "« B » : débattue",
        "« B » : abandonnée",
        "Séance 3 : Séminaire final",
    ]
    creation_b = c.evenements[4]
    assert creation_b.par == "Marc" and "reprise de « A » (Atelier 1)" in creation_b.detail
    journal = tableau_journal(c)
    assert journal[0]["Date"] == "8 oct. 2026 (à venir)" and journal[0]["Genre"] == "Séance"
    assert journal[-1]["Événement"] == "Séance 1 : Atelier 1"
    assert liste_seances(c) == [
        "1 · 12 mars 2026 — Atelier 1",
        "2 · 20 mai 2026 — Atelier 2",
        "3 · 8 oct. 2026 — Séminaire final",
    ]


def test_frise(atelier):
    spec = graphique(chronologie(atelier, MAINTENANT)).to_dict()
    # Mois en français, sur toute la largeur disponible.
    assert spec["config"]["locale"]["time"]["shortMonths"][2] == "mars"
    assert spec["width"] == "container" and spec["autosize"]["type"] == "fit-x"
    donnees = spec["datasets"]
    periodes = next(v for v in donnees.values() if v and "statut" in v[0])
    assert [p["statut"] for p in periodes] == ["Proposée", "Débattue", "Proposée", "Débattue", "Abandonnée"]
    seances = next(v for v in donnees.values() if v and "numero" in v[0])
    assert [(s["numero"], s["a_venir"]) for s in seances] == [("1", False), ("2", False), ("3", True)]
    couleurs = json.dumps(spec)
    assert "#2e7d32" in couleurs and "#c62828" in couleurs  # retenue, abandonnée


def test_atelier_sans_seance(dossier):
    c = chronologie(dossier, MAINTENANT)
    assert c.vide and c.evenements == [] and tableau_journal(c) == []


def test_demonstration_realiste(projets):
    """Les ateliers de démonstration racontent une année d'atelier : statuts datés aux séances."""
    c = chronologie(projets / "bassee-montois", MAINTENANT)
    dates_seances = {s.date for s in c.seances}
    assert len(c.seances) >= 6
    for p in c.periodes:
        assert p.debut.date().isoformat() in dates_seances, p
    assert any(p.statut == "retenue" for p in c.periodes) and any(p.statut == "abandonnee" for p in c.periodes)
