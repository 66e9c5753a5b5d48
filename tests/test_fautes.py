"""Pannes du disque et documents abîmés : un message en français, et les données identiques à l'octet près.

Deux façons de remplir le disque :
- une panne injectée dans ``esquisse/noyau/fichiers.py`` (la couche d'écriture) : le fichier temporaire est
  écrit à moitié, puis ``OSError(ENOSPC)`` ou ``OSError(EIO)`` ;
- un vrai petit disque (tmpfs) rempli jusqu'au dernier octet, quand le système permet de le monter.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from esquisse.analyse.annotations import Choix
from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier import vues
from esquisse.atelier.ateliers import (
    Atelier,
    charger_atelier,
    creer_atelier,
    inventorier_ateliers,
    lister_ateliers,
    modifier_fiche,
)
from esquisse.atelier.releve import enregistrer_releve, lire_releve
from esquisse.atelier.seances import (
    Hypothese,
    Seance,
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
from esquisse.esquisses import brouillons, versions
from esquisse.esquisses.edition import Annotation, DessinLocal
from esquisse.esquisses.versions import Changement
from esquisse.exports.export_sig import exporter_sig
from esquisse.exports.sauvegarde import exporter_archive, importer_archive
from esquisse.imports.importation import OptionsImport, importer
from esquisse.noyau import fichiers
from esquisse.noyau.erreurs import EcritureImpossible, SchemaInvalide
from tests.fabriques import carre, communes_livrees, entite, geojson_sans_crs, instantane
from tests.outils import DisqueEnPanne, remplir_disque

ATELIER = "bassee-montois"


@dataclass
class Lieu:
    """Où l'on écrit : un dossier de données, un atelier, une séance et une hypothèse avec une version."""

    projets: Path
    sorties: Path  # exports et archives (sur le même disque que les données)
    entrees: Path  # fichiers envoyés (ailleurs)
    atelier: Atelier
    seance: Seance
    hyp: Hypothese


def preparer_lieu(projets: Path, sorties: Path, entrees: Path) -> Lieu:
    atelier = charger_atelier(projets, ATELIER)
    s = creer_seance(atelier.dossier, "atelier-2", "2026-05-04", "Séance de test")
    h = creer_hypothese(s, "Hypothèse de test")
    h.depot(ATELIER).enregistrer([Changement("zone-0", None, entite(0))], "Test", "elu")
    sorties.mkdir(parents=True, exist_ok=True)
    entrees.mkdir(parents=True, exist_ok=True)
    return Lieu(projets, sorties, entrees, atelier, s, h)


def _version(lieu: Lieu, k: int):
    return lieu.hyp.depot(ATELIER).enregistrer([Changement(f"zone-{k}", None, entite(k))], "Test", "elu")


def _feuille(lieu: Lieu, k: int):
    lue = fdr.lire(lieu.atelier.dossier)
    donnees = fdr.vers_json(lue)
    donnees["orientations"] = [{"id": "o1", "titre": f"Orientation {k}", "actions": []}]
    return fdr.enregistrer(lieu.atelier.dossier, fdr.valider(donnees), "Test", lue.revision)


def _releve(lieu: Lieu, k: int):
    lu = lire_releve(lieu.seance)
    return enregistrer_releve(lieu.seance, {"points_accord": [f"Accord {k}"]}, lu.revision, "Test")


def _brouillon(lieu: Lieu, k: int):
    dessin = DessinLocal(f"dessin-{k}", None, k, geometrie=carre(k), categorie="projet", genre="zone")
    brouillons.ecrire(lieu.atelier.dossier, lieu.hyp, "poste-1", "Test", "elu", [dessin], {})


def _import(lieu: Lieu, k: int):
    communes = communes_livrees().iloc[: 10 + k]
    source = geojson_sans_crs(communes, lieu.entrees / f"territoires-{k}.geojson")
    return importer(lieu.projets, ATELIER, source, source.name, OptionsImport("territoires"))


def _export_sig(lieu: Lieu, k: int):
    h = lieu.hyp
    choix = [Choix(lieu.seance, h, h.depot(ATELIER).lire(h.depot(ATELIER).numero_courant()))]
    return exporter_sig(charger_atelier(lieu.projets, ATELIER), choix, "geojson", lieu.sorties / f"sig-{k}")


def _archive(lieu: Lieu, k: int):
    return exporter_archive(charger_atelier(lieu.projets, ATELIER), lieu.sorties / f"atelier-{k}.zip")


def _import_archive(lieu: Lieu, k: int):
    archive = lieu.sorties / "source.zip"
    if not archive.exists():
        exporter_archive(charger_atelier(lieu.projets, ATELIER), archive)
    return importer_archive(archive, lieu.projets, f"copie-{k}")


# Chaque écriture d'Esquisse, appelée avec ``k`` : k = 1 pour la rôder (verrous créés), puis k = 2 en panne.
ECRITURES: dict[str, Callable[[Lieu, int], object]] = {
    "version": _version,
    "atelier.json": lambda lieu, k: modifier_fiche(lieu.projets, ATELIER, theme=f"Thème {k}"),
    "seance.json": lambda lieu, k: modifier_seance(
        lieu.atelier.dossier, lieu.seance.id, "atelier-2", "2026-05-04", f"Séance {k}"
    ),
    "hypothese.json": lambda lieu, k: modifier_hypothese(
        lieu.hyp, "Test", statut=("debattue", "retenue", "abandonnee")[k % 3]
    ),
    "nouvelle séance": lambda lieu, k: creer_seance(lieu.atelier.dossier, "visite", f"2026-07-0{k}"),
    "nouvelle hypothèse reprise": lambda lieu, k: creer_hypothese(lieu.seance, f"Reprise {k}", reprise_de=lieu.hyp),
    "feuille de route": _feuille,
    "relevé": _releve,
    "vues.json": lambda lieu, k: vues.ajouter(lieu.hyp, f"Zoom {k}", [3.2, 48.4, 3.3, 48.45]),
    "brouillon": _brouillon,
    "import de couche": _import,
    "nouvel atelier": lambda lieu, k: creer_atelier(lieu.projets, f"Atelier neuf {k}"),
    "export SIG": _export_sig,
    "archive": _archive,
    "import d'archive": _import_archive,
}


# L'import d'archive décompresse lui-même (``open(..., "xb")`` dans un dossier temporaire, puis ``rename``) :
# il ne passe pas par ``esquisse/noyau/fichiers.py`` ; le vrai disque plein (tmpfs) le couvre.
PAR_FICHIERS = [q for q in ECRITURES if q != "import d'archive"]


def etat(lieu: Lieu) -> dict[str, bytes]:
    return instantane(lieu.projets) | {f"sorties/{k}": v for k, v in instantane(lieu.sorties).items()}


# -- panne injectée dans esquisse/noyau/fichiers.py ------------------------------------------------------------


@pytest.fixture
def lieu(projets, tmp_path) -> Lieu:
    return preparer_lieu(projets, tmp_path / "sorties", tmp_path / "entrees")


@pytest.mark.parametrize(("code", "cause"), [(errno.ENOSPC, "Le disque est plein"), (errno.EIO, "entrée-sortie")])
@pytest.mark.parametrize("quoi", PAR_FICHIERS)
def test_panne_injectee_message_en_francais_rien_d_ecrit(lieu, monkeypatch, quoi, code, cause):
    ecrire = ECRITURES[quoi]
    ecrire(lieu, 1)  # rodage : verrous et dossiers existent, comme sur un atelier en service
    avant = etat(lieu)
    panne = DisqueEnPanne(code)
    with monkeypatch.context() as m:
        m.setattr(fichiers, "os", panne)
        with pytest.raises(EcritureImpossible) as erreur:
            ecrire(lieu, 2)
    assert panne.pannes >= 1, "la panne n'a pas été atteinte"
    message = str(erreur.value)
    assert message.startswith(cause) or cause in message, message
    assert "impossible d'enregistrer" in message and "rien n'a été modifié" in message, message
    assert "Errno" not in message and "Traceback" not in message
    assert erreur.value.errno == code
    assert etat(lieu) == avant, "la panne a laissé un fichier (temporaire ou à moitié écrit)"
    ecrire(lieu, 2)  # le disque est réparé : la même écriture passe
    assert etat(lieu) != avant


def test_index_d_historique_plein_la_version_compte_et_l_index_se_repare(lieu, monkeypatch):
    """Disque plein juste après la version (sur sa ligne d'index) : la version, complète, compte ;
    aucune demi-ligne ne reste dans l'index, qui est complété au passage suivant."""
    depot = lieu.hyp.depot(ATELIER)
    index = depot.dossier / "historique.jsonl"
    avant = index.read_bytes()

    vrai_write = os.write

    class OsIndexPlein:
        """Le module ``os`` vu par versions.py quand le disque se remplit pendant l'ajout à l'index."""

        def __getattr__(self, nom):
            return getattr(os, nom)

        @staticmethod
        def write(fd, octets):
            vrai_write(fd, octets[: len(octets) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as m:
        m.setattr(versions, "os", OsIndexPlein())
        resultat = _version(lieu, 5)
    assert resultat.version.numero == 2
    assert index.read_bytes() == avant, "une demi-ligne est restée dans l'index"
    assert [v.numero for v in depot.historique()] == [1, 2]
    _version(lieu, 6)
    lignes = [json.loads(x)["numero"] for x in index.read_text(encoding="utf-8").splitlines()]
    assert lignes == [1, 2, 3]


# -- un vrai petit disque plein (tmpfs) ---------------------------------------------------------------


def test_vrai_disque_plein(petit_disque, projets, tmp_path):
    """Sur un tmpfs rempli : chaque écriture échoue en français, les données restent identiques à l'octet
    près ; une fois de la place libérée, les mêmes écritures passent."""
    donnees = petit_disque / "projets"
    shutil.copytree(projets / ATELIER, donnees / ATELIER)
    lieu = preparer_lieu(donnees, petit_disque / "sorties", tmp_path / "entrees")
    for ecrire in ECRITURES.values():
        ecrire(lieu, 1)
    bouche = remplir_disque(petit_disque)
    avant = etat(lieu)
    messages = {}
    for quoi, ecrire in ECRITURES.items():
        with pytest.raises(EcritureImpossible) as erreur:
            ecrire(lieu, 2)
        messages[quoi] = str(erreur.value)
        assert etat(lieu) == avant, f"{quoi} : le disque plein a laissé une trace"
    assert all(m.startswith("Le disque est plein : impossible d'enregistrer") for m in messages.values()), messages
    bouche.unlink()
    for ecrire in ECRITURES.values():
        ecrire(lieu, 2)
    assert not list(donnees.rglob(f"{fichiers.PREFIXE_TEMPORAIRE}*"))
    h = hypothese(seance(lieu.atelier.dossier, lieu.seance.id), lieu.hyp.id)
    assert [v.numero for v in h.depot(ATELIER).historique()] == [1, 2, 3]


# -- documents abîmés : signalés, jamais remplacés -----------------------------------------------------------


def _corrompre(chemin: Path) -> None:
    chemin.write_bytes(b'{"nom": "tronqu')


@dataclass(frozen=True)
class Document:
    chemin: Callable[[Lieu], Path]
    lire: Callable[[Lieu], object]
    ecrire: Callable[[Lieu], object]


DOCUMENTS = {
    "atelier.json": Document(
        lambda lieu: lieu.atelier.dossier / "atelier.json",
        lambda lieu: charger_atelier(lieu.projets, ATELIER),
        lambda lieu: modifier_fiche(lieu.projets, ATELIER, theme="Autre"),
    ),
    "seance.json": Document(
        lambda lieu: lieu.seance.dossier / "seance.json",
        lambda lieu: seance(lieu.atelier.dossier, lieu.seance.id),
        lambda lieu: modifier_seance(lieu.atelier.dossier, lieu.seance.id, "atelier-2", "2026-05-04", "Autre"),
    ),
    "hypothese.json": Document(
        lambda lieu: lieu.hyp.dossier / "hypothese.json",
        lambda lieu: hypothese(lieu.seance, lieu.hyp.id),
        lambda lieu: modifier_hypothese(lieu.hyp, "Test", statut="retenue"),
    ),
    "feuille_de_route.json": Document(
        lambda lieu: lieu.atelier.dossier / fdr.FICHIER,
        lambda lieu: fdr.lire(lieu.atelier.dossier),
        lambda lieu: fdr.enregistrer(lieu.atelier.dossier, fdr.FeuilleDeRoute(), "Test"),
    ),
    "releve.json": Document(
        lambda lieu: lieu.seance.dossier / "releve.json",
        lambda lieu: lire_releve(lieu.seance),
        lambda lieu: enregistrer_releve(lieu.seance, {"points_accord": ["Accord"]}, 0, "Test"),
    ),
    "vues.json": Document(
        lambda lieu: lieu.hyp.dossier / vues.FICHIER,
        lambda lieu: vues.lister(lieu.hyp),
        lambda lieu: vues.ajouter(lieu.hyp, "Zoom", [3.2, 48.4, 3.3, 48.45]),
    ),
    "brouillon": Document(
        lambda lieu: lieu.atelier.dossier / brouillons.DOSSIER / f"{lieu.seance.id}--{lieu.hyp.id}--poste-1.json",
        lambda lieu: brouillons.illisibles(lieu.atelier.dossier, lieu.hyp),
        lambda lieu: brouillons.ecrire(
            lieu.atelier.dossier, lieu.hyp, "poste-1", "Test", "elu", [], {"x": Annotation(titre="t")}
        ),
    ),
}


@pytest.mark.parametrize("quoi", DOCUMENTS)
def test_document_abime_signale_et_jamais_remplace(lieu, quoi):
    doc = DOCUMENTS[quoi]
    doc.ecrire(lieu)  # rodage : le document et son verrou existent
    chemin = doc.chemin(lieu)
    _corrompre(chemin)
    avant = etat(lieu)
    if quoi == "brouillon":
        (probleme,) = doc.lire(lieu)  # un brouillon illisible n'est pas proposé : il est signalé
        assert chemin.name in probleme and "illisible" in probleme
    else:
        with pytest.raises(SchemaInvalide) as lecture:
            doc.lire(lieu)
        assert str(chemin) in str(lecture.value) and "illisible" in str(lecture.value)
        assert "(JSON invalide ligne 1, colonne 9)" in str(lecture.value), "raison en anglais"
    with pytest.raises(SchemaInvalide) as ecriture:
        doc.ecrire(lieu)
    assert chemin.name in str(ecriture.value)
    assert etat(lieu) == avant, f"{quoi} abîmé a été modifié"


def test_vues_abimees_la_carte_garde_le_grand_territoire(lieu):
    _corrompre(lieu.hyp.dossier / vues.FICHIER)
    liste, probleme = vues.lister_ou_signaler(lieu.hyp, (3.0, 48.3, 3.5, 48.6))
    assert [v.id for v in liste] == [vues.GRAND_TERRITOIRE]
    assert "vues.json" in probleme and "n'est pas modifié" in probleme


# -- un atelier.json abîmé ne cache pas les autres -------------------------------------------------------------


@pytest.mark.parametrize(
    ("contenu", "raison"),
    [
        (b'{"nom": "tronqu', "illisible"),
        (b"[1, 2]", "doit contenir un objet JSON"),
        (b'{"theme": "sans nom"}', "au moins un « nom »"),
        (b'{"nom": "X", "perimetre": "pas un objet"}', "mal formé"),
    ],
)
def test_un_atelier_abime_ne_cache_pas_les_autres(projets, contenu, raison):
    (projets / "gascogne-toulouse" / "atelier.json").write_bytes(contenu)
    avant = instantane(projets)
    inventaire = inventorier_ateliers(projets)
    assert [a.id for a in inventaire.ateliers] == ["bassee-montois"]
    (illisible,) = inventaire.illisibles
    assert illisible.id == "gascogne-toulouse" and raison in illisible.raison
    assert [a.id for a in lister_ateliers(projets)] == ["bassee-montois"]
    assert instantane(projets) == avant


# -- une séance ou une hypothèse abîmée ne cache pas les autres ------------------------------------------


def test_une_seance_ou_une_hypothese_abimee_ne_cache_pas_les_autres(lieu):
    dossier = lieu.atelier.dossier
    toutes = {s.id for s in lister_seances(dossier)}
    autre = creer_hypothese(lieu.seance, "Autre hypothèse")
    abimee = next(s for s in lister_seances(dossier) if s.id != lieu.seance.id)
    (abimee.dossier / "seance.json").write_bytes(b"[]")
    (autre.dossier / "hypothese.json").write_bytes(b'{"titre": ')
    avant = etat(lieu)
    assert {s.id for s in lister_seances(dossier)} == toutes - {abimee.id}
    assert [h.id for h in lister_hypotheses(lieu.seance)] == [lieu.hyp.id]
    seance_cachee, hypothese_cachee = sorted(illisibles(dossier), key=lambda m: "hypothèse" in m[:20])
    assert (
        f"La séance « {abimee.id} » est cachée" in seance_cachee
        and str(abimee.dossier / "seance.json") in seance_cachee
    )
    assert f"L'hypothèse « {autre.id} » de la séance « {lieu.seance.titre} » est cachée" in hypothese_cachee
    assert str(autre.dossier / "hypothese.json") in hypothese_cachee
    assert etat(lieu) == avant
