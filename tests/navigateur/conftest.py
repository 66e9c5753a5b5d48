"""Navigateur réel : le Chromium de Debian piloté par Playwright, hors ligne.

Toute requête qui ne vise pas le serveur local est bloquée et notée : les tests
vérifient ainsi que l'application n'a besoin d'aucun réseau.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.outils import RACINE, contexte_hors_ligne, lancer_chromium

CAPTURES = RACINE / "tests" / "captures"


def pytest_collection_modifyitems(items):
    for item in items:
        if "navigateur" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.navigateur)


@pytest.fixture(scope="session")
def navigateur():
    with sync_playwright() as p:
        b = lancer_chromium(p)
        yield b
        b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rapport = yield
    setattr(item, f"rapport_{rapport.when}", rapport)
    return rapport


@pytest.fixture
def hors_ligne(navigateur, request):
    """Fabrique de contextes hors ligne ; tous sont fermés à la fin du test.

    Si le test échoue, chaque page ouverte est capturée dans tests/captures/echec-*.png.
    """
    ouverts = []

    def fabriquer(**options):
        contexte, reseau = contexte_hors_ligne(navigateur, **options)
        ouverts.append(contexte)
        return contexte, reseau

    yield fabriquer
    rapport = getattr(request.node, "rapport_call", None)
    for i, c in enumerate(ouverts):
        if rapport is not None and rapport.failed:
            for j, p in enumerate(c.pages):
                capture(p, f"echec-{request.node.name}-{i}-{j}")
        c.close()


def capture(page: Page, nom: str) -> Path:
    """Capture d'écran dans tests/captures/, à regarder après chaque modification visible."""
    CAPTURES.mkdir(parents=True, exist_ok=True)
    chemin = CAPTURES / f"{nom}.png"
    page.screenshot(path=str(chemin))
    return chemin
