"""Feuille de route, relevé, brouillons et journal sur les deux magasins (fixture ``projets_magasin``).

Avec les fichiers, chaque écriture garde son fichier de toujours ; avec PostGIS (``ESQUISSE_BASE``),
tout va dans la base et le dossier local de l'atelier reste vide.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import psycopg
import pytest

from esquisse.acces import journal
from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role
from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.releve import FICHIER_RELEVE, enregistrer_releve, lire_releve
from esquisse.atelier.seances import Hypothese, Seance
from esquisse.esquisses import brouillons
from esquisse.esquisses.edition import Annotation, DessinLocal
from esquisse.noyau.erreurs import Concurrence, DonneeInvalide
from esquisse.noyau.reglages import reglage
from esquisse.stockage.rangement import lire_document, magasin_atelier, ref_hypothese

A = "bassee-montois"
S = "2026-01-22-atelier-2"
H = "a-la-bassee-vallee-nourriciere"
ZONE = {"type": "Polygon", "coordinates": [[[3, 48.4], [3.1, 48.4], [3.1, 48.5], [3, 48.4]]]}
ANIMATION = Acteur("Anne Animatrice", "ddt", roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="local")
CONTRIBUTION = Acteur("Claire Contributrice", "elu", roles={A: Role.CONTRIBUTION}, origine="invitation")


def _base() -> str | None:
    return reglage("ESQUISSE_BASE") or None


def _rien_en_local(projets: Path) -> None:
    """Avec la base, le dossier local n'a rien reçu (ni fichier, ni dossier)."""
    if _base():
        assert sorted(projets.rglob("*")) == []


def _seance(dossier: Path) -> Seance:
    """La séance telle que le magasin la range (sa fiche), sans passer par son dossier."""
    c = lire_document(dossier, "seance", seance=S).contenu
    return Seance(S, dossier / "seances" / S, c["type"], c["date"], c["titre"])


def _hypothese(dossier: Path) -> Hypothese:
    c = lire_document(dossier, "hypothese", seance=S, hypothese=H).contenu
    return Hypothese(H, S, dossier / "seances" / S / "hypotheses" / H, c["titre"])


# -- feuille de route ----------------------------------------------------------------------------------


def test_feuille_de_route_lue_enregistree_et_perimee_refusee(projets_magasin):
    dossier = projets_magasin / A
    lue = fdr.lire(dossier)
    assert lue.orientations and lue.revision >= 1, "la feuille de démonstration vient du magasin"
    donnees = fdr.vers_json(lue)
    donnees["orientations"][0]["titre"] = "Une vallée nourricière et habitée"
    nouvelle = fdr.enregistrer(dossier, fdr.valider(donnees), "Marie Dupont", lue.revision)
    assert (nouvelle.revision, nouvelle.modifie_par) == (lue.revision + 1, "Marie Dupont")
    assert fdr.lire(dossier) == nouvelle
    if not _base():
        ecrite = json.loads((dossier / fdr.FICHIER).read_text(encoding="utf-8"))
        assert ecrite == fdr.vers_json(nouvelle), "même fichier, même format"

    avant = lire_document(dossier, fdr.GENRE)
    with pytest.raises(Concurrence, match=r"entre-temps par Marie Dupont .* rien n'a été écrit"):
        fdr.enregistrer(dossier, fdr.FeuilleDeRoute(), "Paul", lue.revision)  # partait de l'ancienne révision
    assert lire_document(dossier, fdr.GENRE) == avant, "rien d'écrit"
    assert fdr.lire(dossier).orientations[0].titre == "Une vallée nourricière et habitée"
    _rien_en_local(projets_magasin)


def test_feuille_de_route_huit_postes_a_la_fois_un_seul_passe(projets_magasin):
    """Huit postes enregistrent en même temps depuis la même révision : un seul passe, aucun n'est écrasé."""
    dossier = projets_magasin / A
    lue = fdr.lire(dossier)
    depart = threading.Barrier(8)
    reussis, refus = [], []

    def poste(k: int) -> None:
        donnees = fdr.vers_json(lue)
        donnees["orientations"][0]["titre"] = f"Titre du poste {k}"
        feuille = fdr.valider(donnees)
        depart.wait()
        try:
            reussis.append(fdr.enregistrer(dossier, feuille, f"Poste {k}", lue.revision))
        except Concurrence as exc:
            refus.append(str(exc))

    fils = [threading.Thread(target=poste, args=(k,)) for k in range(8)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=120)
    assert len(reussis) == 1 and len(refus) == 7, (reussis, refus)
    assert all("rien n'a été écrit" in m for m in refus)
    assert fdr.lire(dossier) == reussis[0] and reussis[0].revision == lue.revision + 1
    _rien_en_local(projets_magasin)


def test_feuille_de_route_creee_si_absente(projets_magasin):
    dossier = projets_magasin / "atelier-neuf"
    assert fdr.lire(dossier) == fdr.FeuilleDeRoute()
    donnees = {"orientations": [{"id": "o1", "titre": "Relier les bourgs", "actions": []}]}
    premiere = fdr.enregistrer(dossier, fdr.valider(donnees), "Anne", revision=0)
    assert premiere.revision == 1 and fdr.lire(dossier).orientations[0].titre == "Relier les bourgs"
    with pytest.raises(Concurrence):
        fdr.enregistrer(dossier, fdr.FeuilleDeRoute(), "Paul", revision=0)
    assert fdr.lire(dossier) == premiere
    _rien_en_local(projets_magasin)


# -- relevé ---------------------------------------------------------------------------------------------


def test_releve_lu_enregistre_et_perime_refuse(projets_magasin):
    dossier = projets_magasin / A
    s = _seance(dossier)
    lu = lire_releve(s)
    assert lu.participants and lu.points_accord, "le relevé de démonstration vient du magasin"
    rubriques = {"points_accord": [*lu.points_accord, "Garder les haies"], "participants": lu.participants}
    nouveau = enregistrer_releve(s, rubriques, lu.revision, "Marc Durand")
    assert nouveau.revision == lu.revision + 1 and nouveau.points_accord[-1] == "Garder les haies"
    assert lire_releve(s) == nouveau
    if not _base():
        ecrit = json.loads((s.dossier / FICHIER_RELEVE).read_text(encoding="utf-8"))
        assert ecrit["points_accord"][-1] == "Garder les haies" and ecrit["revision"] == nouveau.revision

    avant = lire_document(dossier, "releve", seance=S)
    with pytest.raises(DonneeInvalide, match=r"Le relevé a été modifié par Marc Durand le .* Rien n'a été"):
        enregistrer_releve(s, {"points_accord": ["Autre chose"]}, lu.revision, "Paul")
    assert lire_document(dossier, "releve", seance=S) == avant, "rien d'écrit"
    _rien_en_local(projets_magasin)


# -- brouillons et présence -------------------------------------------------------------------------------


def _vieillir(dossier: Path, h: Hypothese, poste: str, secondes: float) -> None:
    """Le dernier signe de vie du poste recule de ``secondes`` (le poste s'est tu)."""
    base = _base()
    if base is None:
        fichier = dossier / brouillons.DOSSIER / f"{h.seance}--{h.id}--{poste}.json"
        vieux = time.time() - secondes
        os.utime(fichier, (vieux, vieux))
        return
    with psycopg.connect(base) as conn:
        n = conn.execute(
            "UPDATE brouillons SET signe_de_vie = signe_de_vie - make_interval(secs => %s) "
            "WHERE atelier = %s AND seance = %s AND hypothese = %s AND poste = %s",
            (secondes, dossier.name, h.seance, h.id, poste),
        ).rowcount
    assert n == 1


def _ecartes(dossier: Path, h: Hypothese) -> list[tuple[str, dict]]:
    base = _base()
    if base is None:
        ecartes = dossier / brouillons.DOSSIER / "ecartes"
        return [
            (f.stem.rsplit("--", 1)[-1], json.loads(f.read_text(encoding="utf-8")))
            for f in sorted(ecartes.glob(f"{h.seance}--{h.id}--*.json"))
        ]
    with psycopg.connect(base) as conn:
        return conn.execute(
            "SELECT poste, contenu FROM brouillons_ecartes WHERE atelier = %s AND seance = %s AND hypothese = %s "
            "ORDER BY id",
            (dossier.name, h.seance, h.id),
        ).fetchall()


def test_brouillons_presence_reprise_et_mise_a_l_ecart(projets_magasin):
    dossier = projets_magasin / A
    h = _hypothese(dossier)
    stockes = magasin_atelier(dossier).brouillons
    ref = ref_hypothese(dossier, S, H)
    dessins = [DessinLocal("e1", None, 1, geometrie=ZONE, categorie="projet", genre="zone")]
    brouillons.ecrire(dossier, h, "poste1", "Marie", "elu", dessins, {"e1": Annotation(titre="Gare")})
    assert [b.poste for b in stockes.lister(ref)] == ["poste1"]
    if not _base():
        assert (dossier / brouillons.DOSSIER / f"{S}--{H}--poste1.json").is_file(), "même fichier qu'avant"
    # Tant que le poste vit, personne d'autre ne voit son brouillon ; jamais le sien.
    assert brouillons.abandonnes(dossier, h, "poste2") == []
    _vieillir(dossier, h, "poste1", 120)
    assert brouillons.abandonnes(dossier, h, "poste1") == []
    (b,) = brouillons.abandonnes(dossier, h, "poste2")
    assert (b.poste, b.auteur, b.role, b.dessins) == ("poste1", "Marie", "elu", tuple(dessins))
    assert b.annotations["e1"].titre == "Gare" and b.age >= 119
    # Un signe de vie : le brouillon n'est plus proposé.
    brouillons.signe_de_vie(dossier, h, "poste1")
    assert brouillons.abandonnes(dossier, h, "poste2") == []
    # Repris par poste2 : il disparaît de sous le nom de poste1.
    _vieillir(dossier, h, "poste1", 120)
    (b,) = brouillons.abandonnes(dossier, h, "poste2")
    assert brouillons.reprendre(b).dessins == tuple(dessins)
    assert stockes.lister(ref) == [] and brouillons.abandonnes(dossier, h, "poste2", inactivite=0) == []
    # Un autre, écarté : mis de côté, jamais effacé.
    brouillons.ecrire(dossier, h, "poste3", "Paul", "ddt", dessins, {})
    _vieillir(dossier, h, "poste3", 120)
    (b,) = brouillons.abandonnes(dossier, h, "poste2")
    brouillons.ecarter(b)
    assert stockes.lister(ref) == []
    ((poste, contenu),) = _ecartes(dossier, h)
    assert poste == "poste3" and contenu["auteur"] == "Paul" and contenu["dessins"][0]["id"] == "e1"
    assert brouillons.illisibles(dossier, h) == []
    _rien_en_local(projets_magasin)


def test_brouillon_sans_dessin_retire(projets_magasin):
    dossier = projets_magasin / A
    h = _hypothese(dossier)
    ref = ref_hypothese(dossier, S, H)
    brouillons.ecrire(dossier, h, "p", "M", "elu", [DessinLocal("e1", None, 1, geometrie=ZONE)], {})
    assert len(magasin_atelier(dossier).brouillons.lister(ref)) == 1
    brouillons.ecrire(dossier, h, "p", "M", "elu", [], {"e1": Annotation()})  # annotation vide : rien à garder
    assert magasin_atelier(dossier).brouillons.lister(ref) == []
    _rien_en_local(projets_magasin)


# -- journal ----------------------------------------------------------------------------------------------


def test_journal_note_et_lu_du_plus_recent_au_plus_ancien(projets_magasin):
    dossier = projets_magasin / A
    assert journal.lire(dossier) == ([], 0)
    premiere = journal.noter(dossier, ANIMATION, "feuille.modifier", A, "feuille de route")
    journal.noter(dossier, CONTRIBUTION, "esquisse.dessiner", A, "  hypothèse   A  ")
    # Une ligne sans « qui » (écrite par autre chose qu'Esquisse) : comptée, pas lue.
    magasin_atelier(dossier).journal.ajouter(A, {"le": "2026-01-01T00:00:00Z", "action": "x"})
    entrees, illisibles = journal.lire(dossier)
    assert illisibles == 1
    assert [(e.qui, e.role, e.action, e.objet, e.origine) for e in entrees] == [
        ("Claire Contributrice", "contribution", "esquisse.dessiner", "hypothèse A", "invitation"),
        ("Anne Animatrice", "animation", "feuille.modifier", "feuille de route", "local"),
    ]
    assert entrees[1] == premiere
    if not _base():
        lignes = (dossier / journal.FICHIER_JOURNAL).read_text(encoding="utf-8").splitlines()
        assert json.loads(lignes[0]) == premiere.__dict__, "même fichier journal.jsonl, une ligne par action"
    _rien_en_local(projets_magasin)
