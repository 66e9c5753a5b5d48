"""Copier un atelier des fichiers vers PostGIS et retour : mêmes versions, numéros, empreintes, documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from esquisse.atelier.ateliers import lister_ateliers
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.copie import copier, copier_atelier
from esquisse.stockage.disque import StockageFichiers, dossier_hypothese
from esquisse.stockage.interfaces import RefDocument, RefHypothese
from tests.outils import RACINE
from tests.test_stockage import nouvelle


def commande(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "esquisse", *args], cwd=RACINE, capture_output=True, text=True, timeout=300
    )


def _atelier_avec_versions(projets: Path) -> str:
    magasin = StockageFichiers(projets)
    return next(a.id for a in lister_ateliers(projets) if len(magasin.hypotheses(a.id)) >= 2)


def test_aller_retour_sans_perte(projets, base_postgres, tmp_path):
    identifiant = _atelier_avec_versions(projets)
    fichiers = StockageFichiers(projets)
    assert fichiers.fichiers.deposer(
        identifiant, "couches/zones.geojson", b'{"type":"FeatureCollection","features":[]}'
    )
    fichiers.journal.ajouter(identifiant, {"le": "2026-12-03T10:00:00+00:00", "qui": "Marie", "action": "enregistrer"})
    aller = commande("copier-atelier", identifiant, "--de", str(projets), "--vers", base_postgres)
    assert aller.returncode == 0, aller.stderr
    assert "version(s)" in aller.stdout and "copiés" in aller.stdout
    retour_dossier = tmp_path / "retour"
    retour = commande("copier-atelier", identifiant, "--de", base_postgres, "--vers", str(retour_dossier))
    assert retour.returncode == 0, retour.stderr

    origine, postgis, arrivee = StockageFichiers(projets), ouvrir(base_postgres), StockageFichiers(retour_dossier)
    hypotheses = origine.hypotheses(identifiant)
    assert postgis.hypotheses(identifiant) == hypotheses == arrivee.hypotheses(identifiant)
    for h in hypotheses:
        historique = origine.versions(h).historique()
        assert postgis.versions(h).historique() == historique, "mêmes numéros, dates, auteurs, empreintes"
        assert arrivee.versions(h).historique() == historique
        for meta in historique:
            assert postgis.versions(h).lire(meta.numero).entites == origine.versions(h).lire(meta.numero).entites
            # Retour aux fichiers : chaque version réécrite à l'octet près.
            nom = Path(meta.fichier)
            octets = (dossier_hypothese(projets, h) / nom).read_bytes()
            assert (dossier_hypothese(retour_dossier, h) / nom).read_bytes() == octets
    documents = origine.documents.lister(identifiant)
    assert documents and postgis.documents.lister(identifiant) == sorted(
        documents, key=lambda r: (r.genre, r.seance, r.hypothese)
    )
    assert arrivee.documents.lister(identifiant) == documents
    for ref in documents:
        attendu = origine.documents.lire(ref).contenu
        assert postgis.documents.lire(ref).contenu == attendu
        assert arrivee.documents.lire(ref).contenu == attendu
    assert origine.fichiers.lister(identifiant) == ["couches/zones.geojson"] and origine.journal.lire(identifiant)[0]
    for magasin in (postgis, arrivee):
        assert magasin.fichiers.lister(identifiant) == origine.fichiers.lister(identifiant)
        for chemin in origine.fichiers.lister(identifiant):
            assert magasin.fichiers.lire(identifiant, chemin) == origine.fichiers.lire(identifiant, chemin)
        assert magasin.journal.lire(identifiant) == origine.journal.lire(identifiant)
    # L'atelier revenu s'ouvre avec les modules du domaine.
    (revenu,) = lister_ateliers(retour_dossier)
    assert (
        revenu.id == identifiant
        and revenu.nom == json.loads((projets / identifiant / "atelier.json").read_text())["nom"]
    )


def test_copie_refusee_si_la_cible_connait_l_atelier(projets, base_postgres):
    identifiant = _atelier_avec_versions(projets)
    assert commande("copier-atelier", identifiant, "--de", str(projets), "--vers", base_postgres).returncode == 0
    postgis = ouvrir(base_postgres)
    avant = {h: postgis.versions(h).historique() for h in postgis.hypotheses(identifiant)}
    encore = commande("copier-atelier", identifiant, "--de", str(projets), "--vers", base_postgres)
    assert encore.returncode == 1 and "existe déjà" in encore.stderr and "rien n'est écrasé" in encore.stderr
    assert {h: postgis.versions(h).historique() for h in postgis.hypotheses(identifiant)} == avant
    vers_fichiers = commande("copier-atelier", identifiant, "--de", base_postgres, "--vers", str(projets))
    assert vers_fichiers.returncode == 1 and "existe déjà" in vers_fichiers.stderr
    with pytest.raises(DonneeInvalide, match="n'existe pas"):
        copier_atelier("inconnu", str(projets), base_postgres)
    with pytest.raises(DonneeInvalide, match="Source de données non reconnue"):
        copier_atelier(identifiant, "mysql://x", base_postgres)


def test_versions_nees_dans_la_base_copiees_vers_les_fichiers(base_postgres, tmp_path):
    postgis = ouvrir(base_postgres)
    h = RefHypothese("nee-en-base", "s1", "h1")
    depot = postgis.versions(h)
    depot.enregistrer([nouvelle("z1"), nouvelle("z2")], "Marie", "elu", "Début")
    depot.enregistrer([nouvelle("z3")], "Paul")
    depot.restaurer(1, "Léa")
    postgis.documents.ecrire(RefDocument("nee-en-base", "atelier"), {"nom": "Née en base"}, 0)
    copie = copier_atelier("nee-en-base", base_postgres, str(tmp_path))
    assert (copie.hypotheses, copie.versions, copie.documents) == (1, 3, 1)
    fichiers = StockageFichiers(tmp_path).versions(h)
    for a, b in zip(depot.historique(), fichiers.historique(), strict=True):
        assert (a.numero, a.parent, a.le, a.auteur, a.message, a.restauree_de) == (
            b.numero,
            b.parent,
            b.le,
            b.auteur,
            b.message,
            b.restauree_de,
        )
        assert fichiers.lire(a.numero).entites == depot.lire(a.numero).entites
    assert lister_ateliers(tmp_path)[0].nom == "Née en base"


def test_copie_interrompue_ne_laisse_rien_dans_la_base(projets, base_postgres):
    """Une version illisible au milieu de la copie : la transaction est annulée, la base ne garde rien."""
    identifiant = _atelier_avec_versions(projets)
    fichiers = StockageFichiers(projets)
    derniere = fichiers.hypotheses(identifiant)[-1]
    meta = fichiers.versions(derniere).historique()[-1]
    (dossier_hypothese(projets, derniere) / meta.fichier).write_text("{ abîmé", encoding="utf-8")
    postgis = ouvrir(base_postgres)
    with pytest.raises(EsquisseErreur):
        copier(identifiant, fichiers, postgis)
    assert postgis.documents.ateliers() == [] and postgis.documents.lister(identifiant) == []
    assert postgis.hypotheses(identifiant) == [] and postgis.journal.lire(identifiant) == ([], 0)
    # Une version manquante : refusée elle aussi, sans rien laisser.
    (dossier_hypothese(projets, derniere) / meta.fichier).unlink()
    with pytest.raises(EsquisseErreur):
        copier(identifiant, fichiers, postgis)
    assert postgis.documents.lister(identifiant) == [] and postgis.hypotheses(identifiant) == []
