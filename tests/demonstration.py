"""Séances de démonstration de « Portes de Gascogne ↔ Toulouse Métropole », recréées par le domaine."""

from __future__ import annotations

import shutil
from pathlib import Path

from scripts.demo import gascogne_toulouse, gascogne_toulouse_suite

ATELIER = "gascogne-toulouse"


def recreer_gascogne(projets: Path) -> Path:
    """Efface les séances de l'atelier dans cette copie de ``projets/`` et les recrée (séances 1 à 3)."""
    dossier = projets / ATELIER
    shutil.rmtree(dossier / "seances", ignore_errors=True)
    shutil.rmtree(dossier / "brouillons", ignore_errors=True)
    gascogne_toulouse(projets)
    gascogne_toulouse_suite(projets)
    return dossier
