"""Les réglages sont déclarés comme des données, et chacun est documenté dans le README."""

from __future__ import annotations

import pytest

from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.reglages import RACINE, REGLAGES, reglage


@pytest.mark.parametrize("r", REGLAGES, ids=lambda r: r.nom)
def test_reglage_documente(r):
    readme = (RACINE / "README.md").read_text(encoding="utf-8")
    assert f"`{r.nom}`" in readme, f"{r.nom} n'est pas documenté dans le README"


def test_valeurs_par_defaut():
    assert reglage("ESQUISSE_PROJETS", {}) == RACINE / "projets"
    assert reglage("ESQUISSE_ZOOM_ETIQUETTES", {}) == 11


def test_chemin_absolu_et_relatif(tmp_path):
    assert reglage("ESQUISSE_PROJETS", {"ESQUISSE_PROJETS": str(tmp_path)}) == tmp_path
    assert reglage("ESQUISSE_PROJETS", {"ESQUISSE_PROJETS": "autre"}) == RACINE / "autre"


def test_entier_invalide():
    with pytest.raises(DonneeInvalide, match="nombre entier"):
        reglage("ESQUISSE_ZOOM_ETIQUETTES", {"ESQUISSE_ZOOM_ETIQUETTES": "onze"})


def test_choix():
    """Un réglage à choix (``ESQUISSE_ACCES``) : la casse n'importe pas ; une autre valeur est refusée en
    français, avec les valeurs admises."""
    assert reglage("ESQUISSE_ACCES", {}) == "local"
    assert reglage("ESQUISSE_ACCES", {"ESQUISSE_ACCES": " Invitations "}) == "invitations"
    with pytest.raises(DonneeInvalide, match="ESQUISSE_ACCES vaut « tout-le-monde » ; valeurs admises : local, "):
        reglage("ESQUISSE_ACCES", {"ESQUISSE_ACCES": "tout-le-monde"})


def test_reglage_inconnu():
    with pytest.raises(DonneeInvalide, match="Réglage inconnu"):
        reglage("ESQUISSE_RIEN")
