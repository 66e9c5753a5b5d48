"""Fixtures communes : données copiées dans un dossier temporaire, serveur Streamlit réel."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.outils import PARTAGE, RACINE, Serveur, arreter_serveur, demarrer_serveur

__all__ = ["PARTAGE", "RACINE"]


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
