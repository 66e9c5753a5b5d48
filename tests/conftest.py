"""Fixtures communes : données copiées dans un dossier temporaire, serveur Streamlit réel."""

from __future__ import annotations

import shutil
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
