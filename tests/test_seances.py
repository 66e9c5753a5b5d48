"""Séances et hypothèses : création, reprise avec filiation, statuts."""

from __future__ import annotations

import json
from datetime import date

import pytest

from esquisse.atelier.seances import (
    archiver_seance,
    calendrier,
    creer_hypothese,
    creer_seance,
    ecart_fr,
    hypothese,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
    modifier_seance,
    prochaine_seance,
    seance_par_defaut,
    slug,
)
from esquisse.esquisses.versions import Changement
from esquisse.noyau.erreurs import DonneeInvalide


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


def test_modifier_une_seance(dossier):
    s = creer_seance(dossier, "atelier-2", "2026-05-20", "Atelier 2")
    m = modifier_seance(dossier, s.id, "atelier-3", "2026-06-11", "Atelier 3 à Provins")
    # Le dossier (l'identifiant) ne change pas : les liens et les reprises restent valides.
    assert (m.id, m.type, m.date, m.titre) == (s.id, "atelier-3", "2026-06-11", "Atelier 3 à Provins")
    assert modifier_seance(dossier, s.id, titre="").titre == "Atelier 3"  # titre vide : celui du type
    avant = (s.dossier / "seance.json").read_bytes()
    with pytest.raises(DonneeInvalide, match="Date de séance invalide : « 31/02/2026 »"):
        modifier_seance(dossier, s.id, date_iso="31/02/2026")
    with pytest.raises(DonneeInvalide, match="Type de séance inconnu : « conseil »"):
        modifier_seance(dossier, s.id, type_="conseil")
    assert (s.dossier / "seance.json").read_bytes() == avant


def test_archiver_ne_supprime_rien(dossier):
    s1 = creer_seance(dossier, "atelier-1", "2026-03-12")
    s2 = creer_seance(dossier, "atelier-2", "2026-05-20")
    h = creer_hypothese(s1, "A", atelier="x")
    zone = {"type": "Polygon", "coordinates": [[[3, 48.4], [3.1, 48.4], [3.1, 48.5], [3, 48.4]]]}
    h.depot().enregistrer([Changement("z1", None, {"type": "Feature", "geometry": zone, "properties": {}})], "Marie")
    fichiers = sorted(p.relative_to(dossier) for p in s1.dossier.rglob("*") if p.is_file())
    archivee = archiver_seance(dossier, s1.id, par="Paul")
    assert archivee.archivee
    assert [s.id for s in lister_seances(dossier)] == [s2.id]
    assert [s.id for s in lister_seances(dossier, archivees=True)] == [s1.id, s2.id]
    # Les versions restent, et l'historique de l'archivage est gardé.
    assert {p.relative_to(dossier) for p in s1.dossier.rglob("*") if p.is_file()} >= set(fichiers)
    assert h.depot().numero_courant() == 1
    assert json.loads((s1.dossier / "seance.json").read_text(encoding="utf-8"))["archivages"][0]["par"] == "Paul"
    assert not archiver_seance(dossier, s1.id, False).archivee
    assert [s.id for s in lister_seances(dossier)] == [s1.id, s2.id]


def test_calendrier(dossier):
    creer_seance(dossier, "visite", "2026-01-10", "Visite")
    s = creer_seance(dossier, "atelier-1", "2026-02-05", "Atelier 1")
    creer_hypothese(s, "A")
    entrees = calendrier(dossier, date(2026, 1, 20))
    assert [(e.seance.titre, e.ecart, e.nb_hypotheses) for e in entrees] == [("Visite", -10, 0), ("Atelier 1", 16, 1)]
    assert entrees[1].jour == "jeudi 5 févr. 2026" and entrees[1].quand == "dans 16 jours"
    assert prochaine_seance(entrees).seance.titre == "Atelier 1"
    assert prochaine_seance(calendrier(dossier, date(2026, 3, 1))) is None


@pytest.mark.parametrize(
    ("jours", "texte"),
    [
        (0, "aujourd'hui"),
        (1, "demain"),
        (-1, "hier"),
        (12, "dans 12 jours"),
        (-75, "il y a 2 mois"),
        (800, "dans 2 ans"),
    ],
)
def test_ecart_en_francais(jours, texte):
    assert ecart_fr(jours) == texte


def test_statuts_dates(dossier):
    s = creer_seance(dossier, "atelier-2", "2026-05-20")
    h = creer_hypothese(s, "A", le="2026-05-20T08:30:00.000Z")
    h = modifier_hypothese(h, "Paul", statut="retenue", le="2026-05-20T16:00:00.000Z")
    assert h.cree_le == "2026-05-20T08:30:00.000Z"
    assert [x["le"] for x in h.statuts] == ["2026-05-20T08:30:00.000Z", "2026-05-20T16:00:00.000Z"]
    with pytest.raises(DonneeInvalide, match="Horodatage invalide : « hier »"):
        creer_hypothese(s, "B", le="hier")
    assert [x.titre for x in lister_hypotheses(s)] == ["A"]


def test_seance_ouverte_par_defaut(dossier):
    assert seance_par_defaut([]) is None
    visite = creer_seance(dossier, "visite", "2026-01-10")
    a1 = creer_seance(dossier, "atelier-1", "2026-02-05")
    a2 = creer_seance(dossier, "atelier-2", "2026-04-02")
    # Rien encore : la dernière séance passée (le 1er mars), puis la première si toutes sont à venir.
    assert seance_par_defaut(lister_seances(dossier), date(2026, 3, 1)) == a1
    assert seance_par_defaut(lister_seances(dossier), date(2025, 12, 1)) == visite
    # La plus récente qui a des hypothèses, même si une séance à venir, encore vide, suit.
    creer_hypothese(a1, "A")
    assert seance_par_defaut(lister_seances(dossier), date(2026, 5, 1)) == a1
    # Le jour d'une séance, c'est elle.
    assert seance_par_defaut(lister_seances(dossier), date(2026, 4, 2)) == a2


def test_hypothese_partagee(dossier):
    """La marque « partagée » (publiée au cercle large sans être retenue) : non par défaut, datée, relue."""
    s = creer_seance(dossier, "atelier-2", "2026-05-20")
    h = creer_hypothese(s, "Hypothèse C", auteur="Claire Martin")
    assert h.partagee is False and not h.publiable
    h = modifier_hypothese(h, "Claire Martin", partagee=True, le="2026-05-20T16:00Z")
    relue = hypothese(s, h.id)
    assert relue.partagee is True and relue.publiable
    donnees = json.loads((h.dossier / "hypothese.json").read_text(encoding="utf-8"))
    assert donnees["partages"] == [{"partagee": True, "le": "2026-05-20T16:00Z", "par": "Claire Martin"}]
    assert modifier_hypothese(relue, "Claire Martin", partagee=False).partagee is False
    retenue = modifier_hypothese(h, "Claire Martin", statut="retenue")
    assert retenue.publiable and not retenue.partagee
    with pytest.raises(DonneeInvalide, match="Partage invalide"):
        modifier_hypothese(h, "Claire Martin", partagee="oui")
    assert hypothese(s, h.id).partagee is False
