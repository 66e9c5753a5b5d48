"""Fixtures communes : données copiées dans un dossier temporaire, serveur Streamlit réel."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.outils import PARTAGE, RACINE, Serveur, arreter_serveur, demarrer_serveur
from tests.postgres import Grappe, demarrer_grappe

__all__ = ["PARTAGE", "RACINE"]

# Les tests des autres fonctions entrent sans invitation (mode ouvert) ; ceux des modes d'accès
# (tests/test_invitations.py, tests/navigateur/test_acces_invitations.py) démarrent leurs serveurs autrement.
# Aucun test n'écrit de secret dans le dossier de l'utilisateur.
os.environ.setdefault("ESQUISSE_ACCES", "ouvert")
os.environ.setdefault("ESQUISSE_SECRETS", tempfile.mkdtemp(prefix="esquisse-secrets-"))


@pytest.fixture
def projets(tmp_path: Path) -> Path:
    """Une copie des ateliers de démonstration, que le test peut modifier."""
    cible = tmp_path / "projets"
    shutil.copytree(RACINE / "projets", cible)
    return cible


@pytest.fixture(scope="session")
def serveur(tmp_path_factory) -> Serveur:
    """Un serveur Streamlit réel sur une copie des ateliers de démonstration."""
    dossier = tmp_path_factory.mktemp("serveur")
    projets = dossier / "projets"
    shutil.copytree(RACINE / "projets", projets)
    s = demarrer_serveur(projets, dossier / "streamlit.log", env_sup={"ESQUISSE_EXPORTS": str(dossier / "exports")})
    yield s
    arreter_serveur(s)


@pytest.fixture
def petit_disque(tmp_path):
    """Un vrai petit disque (tmpfs de 8 Mo), démonté à la fin ; le test est sauté si le système refuse."""
    point = tmp_path / "disque"
    point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("monter un tmpfs demande d'être root : la panne injectée couvre le cas")
    monte = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(point)], capture_output=True, text=True
    )
    if monte.returncode != 0:
        pytest.skip(f"mount tmpfs refusé ici ({monte.stderr.strip()}) : la panne injectée couvre le cas")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture(scope="session")
def grappe_postgres() -> Grappe:
    """Une grappe PostgreSQL + PostGIS jetable (dossier temporaire, port libre), arrêtée à la fin."""
    grappe = demarrer_grappe()
    yield grappe
    grappe.arreter()


_BASES = itertools.count(1)


@pytest.fixture
def base_postgres(grappe_postgres: Grappe) -> str:
    """L'URL d'une base neuve, avec PostGIS, propre au test."""
    return grappe_postgres.creer_base(f"test_{next(_BASES)}")


@pytest.fixture(params=["fichiers", "postgis"])
def stockage(request, tmp_path):
    """Chaque magasin à son tour : les fichiers (dossier temporaire), puis PostGIS (base neuve)."""
    from esquisse.stockage.disque import StockageFichiers
    from esquisse.stockage.postgis import StockagePostgis

    if request.param == "fichiers":
        yield StockageFichiers(tmp_path / "projets")
        return
    magasin = StockagePostgis(request.getfixturevalue("base_postgres"))
    yield magasin
    magasin.fermer()


@pytest.fixture(params=["fichiers", "postgis"])
def projets_magasin(request, tmp_path, monkeypatch) -> Path:
    """Les ateliers de démonstration dans chaque magasin à son tour, vus par les modules du domaine.

    Fichiers : une copie de ``projets/``. PostGIS : les ateliers copiés dans une base neuve
    (``copier-atelier``), ``ESQUISSE_BASE`` réglé, et un dossier local vide (le cache) : le
    domaine ne peut rien y lire qui ne vienne de la base.
    """
    cible = tmp_path / "projets"
    if request.param == "fichiers":
        shutil.copytree(RACINE / "projets", cible)
        return cible
    from esquisse.stockage.choix import ouvrir
    from esquisse.stockage.copie import copier
    from esquisse.stockage.disque import StockageFichiers

    base = request.getfixturevalue("base_postgres")
    depart = tmp_path / "depart"
    shutil.copytree(RACINE / "projets", depart)
    fichiers = StockageFichiers(depart)
    for identifiant in fichiers.documents.ateliers():
        copier(identifiant, fichiers, ouvrir(base))
    monkeypatch.setenv("ESQUISSE_BASE", base)
    cible.mkdir()
    return cible
