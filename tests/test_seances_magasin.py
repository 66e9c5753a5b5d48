"""Séances, hypothèses et vues dans chaque magasin (fichiers, puis PostGIS avec ``ESQUISSE_BASE``).

Avec PostGIS, le dossier local des ateliers est vide au départ (fixture ``projets_magasin``) : ce que
le domaine y lit vient forcément de la base, et l'on vérifie qu'il n'y écrit aucun document.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from esquisse.atelier import vues
from esquisse.atelier.seances import (
    archiver_seance,
    categories_utilisees,
    creer_hypothese,
    creer_seance,
    hypothese,
    illisibles,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
    modifier_seance,
    seance,
)
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable, SchemaInvalide
from esquisse.stockage.disque import StockageFichiers
from esquisse.stockage.interfaces import RefDocument
from esquisse.stockage.rangement import en_base, lire_document, magasin
from tests.outils import RACINE

ATELIER = "bassee-montois"
DOCUMENTS_LOCAUX = ("seance.json", "hypothese.json", "vues.json")


def demo(atelier: str) -> dict[str, tuple[dict, dict[str, dict]]]:
    """Les séances des ateliers de démonstration tels qu'ils sont livrés (fichiers du dépôt) :
    identifiant → (contenu de seance.json, {hypothèse: contenu de hypothese.json})."""
    seances = {}
    for fichier in sorted((RACINE / "projets" / atelier / "seances").glob("*/seance.json")):
        hyps = {
            h.parent.name: json.loads(h.read_text(encoding="utf-8"))
            for h in sorted(fichier.parent.glob("hypotheses/*/hypothese.json"))
        }
        seances[fichier.parent.name] = (json.loads(fichier.read_text(encoding="utf-8")), hyps)
    return seances


@pytest.fixture
def dossier(projets_magasin: Path) -> Path:
    yield projets_magasin / ATELIER
    if en_base():
        ecrits = [p for nom in DOCUMENTS_LOCAUX for p in projets_magasin.rglob(nom)]
        assert ecrits == [], "avec ESQUISSE_BASE, aucun document n'est écrit dans le dossier local"


def test_les_ateliers_de_demonstration_se_listent(projets_magasin, dossier):
    for atelier in ("bassee-montois", "gascogne-toulouse"):
        attendues = demo(atelier)
        assert attendues, "les ateliers de démonstration ont des séances"
        d = projets_magasin / atelier
        lues = lister_seances(d, archivees=True)
        assert sorted(s.id for s in lues) == sorted(attendues)
        assert [s.date for s in lues] == sorted(s.date for s in lues)
        for s in lues:
            contenu, hyps = attendues[s.id]
            assert (s.titre, s.type, s.date) == (contenu["titre"], contenu["type"], contenu["date"])
            assert s.dossier == d / "seances" / s.id
            assert {h.id: (h.titre, h.statut, h.origine) for h in lister_hypotheses(s)} == {
                i: (c["titre"], c["statut"], c.get("origine")) for i, c in hyps.items()
            }
        assert illisibles(d) == []
    # Les versions suivent : les catégories employées sont celles des dernières versions livrées.
    livre = StockageFichiers(RACINE / "projets")
    attendues = set()
    for ref in livre.hypotheses(ATELIER):
        depot = livre.versions(ref)
        attendues |= {e["properties"].get("categorie") for e in depot.entites(depot.numero_courant()).values()}
    assert len(attendues) > 1 and categories_utilisees(dossier) == attendues
    s = seance(dossier, "2026-03-19-atelier-3")
    h = hypothese(s, "strategie-la-vallee-nourriciere-reliee")
    assert h.statut == "retenue" and h.depot().numero_courant() >= 1
    with pytest.raises(Introuvable, match="Introuvable : 2099-01-01-visite"):
        seance(dossier, "2099-01-01-visite")
    with pytest.raises(Introuvable, match="Introuvable : inconnue"):
        hypothese(s, "inconnue")


def test_creer_modifier_archiver(dossier):
    avant = {s.id for s in lister_seances(dossier)}
    s = creer_seance(dossier, "atelier-2", "2026-10-01", "Atelier de rattrapage")
    bis = creer_seance(dossier, "atelier-2", "2026-10-01", "Bis")
    assert (s.id, bis.id) == ("2026-10-01-atelier-2", "2026-10-01-atelier-2-2"), "même jour et même type : suffixe"
    assert {x.id for x in lister_seances(dossier)} == avant | {s.id, bis.id}
    assert seance(dossier, s.id).titre == "Atelier de rattrapage"
    m = modifier_seance(dossier, s.id, "atelier-3", "2026-10-02", "Atelier 3 à Provins")
    assert (m.id, m.type, m.date, m.titre) == (s.id, "atelier-3", "2026-10-02", "Atelier 3 à Provins")
    assert seance(dossier, s.id) == m
    with pytest.raises(DonneeInvalide, match="Type de séance inconnu"):
        modifier_seance(dossier, s.id, type_="conseil")
    assert seance(dossier, s.id) == m
    assert archiver_seance(dossier, bis.id, par="Paul").archivee
    assert bis.id not in {x.id for x in lister_seances(dossier)}
    assert bis.id in {x.id for x in lister_seances(dossier, archivees=True)}
    archives = lire_document(dossier, "seance", bis.id).contenu["archivages"]
    assert [(a["archivee"], a["par"]) for a in archives] == [(True, "Paul")]
    assert not archiver_seance(dossier, bis.id, False).archivee
    assert bis.id in {x.id for x in lister_seances(dossier)}

    a = creer_hypothese(s, "Hypothèse A : l'eau", "Une vallée", "Marie", "elu", le="2026-10-02T08:00Z")
    b = creer_hypothese(s, "Hypothèse A : l'eau", le="2026-10-02T09:00Z")
    assert (a.id, b.id) == ("hypothese-a-l-eau", "hypothese-a-l-eau-2"), "même titre : suffixe"
    assert [h.id for h in lister_hypotheses(s)] == [a.id, b.id]
    assert a.dossier == dossier / "seances" / s.id / "hypotheses" / a.id
    a = modifier_hypothese(a, "Paul", statut="debattue", le="2026-10-02T10:00Z")
    a = modifier_hypothese(a, "Paul", titre="Hypothèse A", partagee=True, le="2026-10-02T11:00Z")
    relue = hypothese(s, a.id)
    assert relue == a and relue.titre == "Hypothèse A" and relue.partagee and relue.publiable
    assert [(x["statut"], x["le"]) for x in relue.statuts] == [
        ("proposee", "2026-10-02T08:00Z"),
        ("debattue", "2026-10-02T10:00Z"),
    ]
    partages = lire_document(dossier, "hypothese", s.id, a.id).contenu["partages"]
    assert partages == [{"partagee": True, "le": "2026-10-02T11:00Z", "par": "Paul"}]
    with pytest.raises(DonneeInvalide, match="Statut inconnu"):
        modifier_hypothese(a, statut="validee")
    assert hypothese(s, a.id) == relue


def test_reprise_d_une_seance_anterieure(dossier):
    anterieure = seance(dossier, "2026-01-22-atelier-2")
    origine = hypothese(anterieure, "a-la-bassee-vallee-nourriciere")
    depot = origine.depot(ATELIER)
    numero = depot.numero_courant()
    assert numero >= 1
    zoom = vues.ajouter(origine, "Zoom sur Bray", [3.2, 48.4, 3.3, 48.45])
    s = creer_seance(dossier, "seminaire-final", "2026-11-05")
    reprise = creer_hypothese(s, "A reprise", auteur="Paul", role="ddt", reprise_de=origine, atelier=ATELIER)
    assert reprise.origine == {"seance": anterieure.id, "hypothese": origine.id, "version": numero}
    assert hypothese(s, reprise.id).origine == reprise.origine
    assert vues.lister(reprise) == [zoom], "les vues nommées suivent"
    premiere = reprise.depot(ATELIER).lire(1)
    assert set(premiere.par_id()) == set(depot.lire(numero).par_id()), "mêmes entités, mêmes identifiants"
    assert premiere.meta.auteur == "Paul" and "Reprise de « " in premiere.meta.message
    # Reprise de la reprise, dans la même séance et sous le même titre : un suffixe, ses vues suivent.
    encore = creer_hypothese(s, "A reprise", reprise_de=hypothese(s, reprise.id), version=1)
    assert encore.id == f"{reprise.id}-2" and encore.origine["version"] == 1
    assert vues.lister(encore) == [zoom]
    assert set(encore.depot().lire(1).par_id()) == set(premiere.par_id())
    vues.supprimer(reprise, zoom.id)
    assert vues.lister(reprise) == [] and vues.lister(origine) == [zoom], "chaque hypothèse a ses vues"


def test_vues(dossier):
    s = creer_seance(dossier, "atelier-3", "2026-06-10")
    h = creer_hypothese(s, "Stratégie")
    assert vues.lister(h) == [] and lire_document(dossier, "vues", s.id, h.id) is None
    v = vues.ajouter(h, "Zoom sur la gare", [3.2, 48.4, 3.3, 48.45])
    w = vues.ajouter(h, "Zoom sur la gare", (3.1, 48.3, 3.2, 48.35))
    assert (v.id, w.id) == ("zoom-sur-la-gare", "zoom-sur-la-gare-2")
    toutes, probleme = vues.lister_ou_signaler(h, (2.9, 48.3, 3.5, 48.6))
    assert probleme == "" and [x.id for x in toutes] == [vues.GRAND_TERRITOIRE, v.id, w.id]
    with pytest.raises(DonneeInvalide, match="hors du globe"):
        vues.ajouter(h, "x", [0, 0, 200, 1])
    vues.supprimer(h, v.id)
    vues.supprimer(h, "inconnue")
    assert [x.id for x in vues.lister(h)] == [w.id]
    assert [d["id"] for d in lire_document(dossier, "vues", s.id, h.id).contenu] == [w.id]


def _abimer(dossier: Path, ref: RefDocument, chemin: Path, octets: bytes) -> None:
    """Fichiers : ``octets`` à la place du fichier. Base : un document qui n'est pas un objet JSON."""
    if en_base():
        documents = magasin(dossier.parent).documents
        lu = documents.lire(ref)
        documents.ecrire(ref, ["pas un objet"] if ref.genre != "vues" else {"pas": "une liste"}, lu.revision)
    else:
        chemin.write_bytes(octets)


def test_un_document_abime_est_signale_et_jamais_remplace(dossier):
    s = seance(dossier, "2026-01-22-atelier-2")
    abimee = seance(dossier, "2025-11-27-rencontre-intermediaire")
    a, b = lister_hypotheses(s)
    vues.ajouter(a, "Zoom", [3.2, 48.4, 3.3, 48.45])
    refs = {
        RefDocument(ATELIER, "seance", abimee.id): abimee.dossier / "seance.json",
        RefDocument(ATELIER, "hypothese", s.id, b.id): b.dossier / "hypothese.json",
        RefDocument(ATELIER, "vues", s.id, a.id): a.dossier / "vues.json",
    }
    for (ref, chemin), octets in zip(refs.items(), (b"[]", b'{"titre": ', b'{"nom": "tronqu'), strict=True):
        _abimer(dossier, ref, chemin, octets)

    def etat():
        if en_base():
            return [magasin(dossier.parent).documents.lire(ref) for ref in refs]
        return [chemin.read_bytes() for chemin in refs.values()]

    avant = etat()

    # Les autres restent listés.
    assert abimee.id not in {x.id for x in lister_seances(dossier, archivees=True)}
    assert len(lister_seances(dossier, archivees=True)) == len(demo(ATELIER)) - 1
    assert [h.id for h in lister_hypotheses(s)] == [a.id]
    seance_cachee, hypothese_cachee = illisibles(dossier)
    assert f"La séance « {abimee.id} » est cachée, ses hypothèses avec elle" in seance_cachee
    assert f"L'hypothèse « {b.id} » de la séance « {s.titre} » est cachée" in hypothese_cachee
    if en_base():
        assert (
            "Document illisible : seance.json de la séance « 2025-11-27-rencontre-intermediaire » "
            "(atelier « bassee-montois »), dans la base" in seance_cachee
        )
        place = f"hypothese.json de l'hypothèse « {b.id} » (séance « {s.id} », atelier « {ATELIER} »)"
        assert place in hypothese_cachee
        for message in (seance_cachee, hypothese_cachee):
            assert "dans la base de données (un objet JSON est attendu)" in message
    else:
        assert f"Fichier illisible : {abimee.dossier / 'seance.json'} (un objet JSON est attendu)" in seance_cachee
        assert f"Fichier illisible : {b.dossier / 'hypothese.json'} (JSON invalide ligne 1" in hypothese_cachee
    liste, probleme = vues.lister_ou_signaler(a, (3.0, 48.3, 3.5, 48.6))
    assert [v.id for v in liste] == [vues.GRAND_TERRITOIRE] and "vues.json" in probleme and "illisible" in probleme

    # Toute écriture relit le document abîmé et refuse : rien n'est écrit par-dessus.
    with pytest.raises(SchemaInvalide, match=r"seance\.json"):
        modifier_seance(dossier, abimee.id, titre="Autre")
    with pytest.raises(SchemaInvalide, match=r"seance\.json"):
        archiver_seance(dossier, abimee.id)
    with pytest.raises(SchemaInvalide, match=r"hypothese\.json"):
        modifier_hypothese(b, "Paul", statut="retenue")
    with pytest.raises(SchemaInvalide, match=r"vues\.json"):
        vues.ajouter(a, "Autre zoom", [3.2, 48.4, 3.3, 48.45])
    assert etat() == avant
    if en_base():
        # Un document des vues qui se lit mais n'est pas une liste de vues est copié tel quel par la
        # reprise : rien ne se perd, et il reste signalé sur les deux hypothèses.
        reprise = creer_hypothese(s, "Reprise", reprise_de=a)
        probleme = vues.lister_ou_signaler(reprise)[1]
        assert probleme.startswith("Les vues sont illisibles (une liste de vues est attendue)")
        assert f"vues.json de l'hypothèse « {reprise.id} »" in probleme
    else:
        # Un fichier qui ne se lit pas ne peut être copié : la reprise est refusée, et ne laisse rien.
        with pytest.raises(SchemaInvalide, match=r"vues\.json"):
            creer_hypothese(s, "Reprise", reprise_de=a)
        assert [h.id for h in lister_hypotheses(s)] == [a.id]
        assert not (s.dossier / "hypotheses" / "reprise").exists()
    assert etat() == avant


def test_creations_et_vues_simultanees(dossier):
    """Six créations au même moment sous le même titre : six identifiants ; six vues ajoutées en même
    temps : aucune perdue (lecture et écriture d'un seul tenant)."""
    with ThreadPoolExecutor(6) as pool:
        seances = list(pool.map(lambda _: creer_seance(dossier, "visite", "2026-12-01"), range(6)))
    base = "2026-12-01-visite"
    assert sorted(s.id for s in seances) == sorted([base] + [f"{base}-{n}" for n in range(2, 7)])
    assert {s.id for s in seances} <= {s.id for s in lister_seances(dossier)}
    s = seances[0]
    with ThreadPoolExecutor(6) as pool:
        hyps = list(pool.map(lambda _: creer_hypothese(s, "Même titre"), range(6)))
    assert len({h.id for h in hyps}) == 6 and len(lister_hypotheses(s)) == 6
    h = hyps[0]
    with ThreadPoolExecutor(6) as pool:
        ajoutees = list(pool.map(lambda i: vues.ajouter(h, f"Zoom {i}", [3.2, 48.4, 3.3, 48.45]), range(6)))
    assert sorted(v.id for v in vues.lister(h)) == sorted(v.id for v in ajoutees)
    assert len(ajoutees) == 6
