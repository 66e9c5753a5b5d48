"""Temps jusqu'à la carte prête et octets reçus, page Carte de chaque atelier de démonstration.

Chaque mesure charge la page dans un contexte Chromium neuf (cache vide), hors ligne, et
attend que Leaflet ait créé la carte et chargé toutes ses couches. La référence est une
carte Leaflet vide servie par le même Streamlit, mesurée dans la même exécution.

    .venv/bin/python bench/carte.py [--repetitions 5]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from bench.outils import dossier_app_vide, ko, mediane, mesurer_chargement
from tests.outils import RACINE, arreter_serveur, demarrer_serveur, lancer_chromium


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=5)
    args = parseur.parse_args()

    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-"))
    shutil.copytree(RACINE / "projets", travail / "projets")
    app_vide = dossier_app_vide()
    env = {"PYTHONPATH": str(RACINE)}
    serveur = demarrer_serveur(travail / "projets", travail / "esquisse.log")
    serveur_vide = demarrer_serveur(travail / "projets", travail / "vide.log", app_vide / "app_vide.py", env)
    cas = {
        "carte vide (référence)": serveur_vide.url,
        "Bassée-Montois (168 communes)": f"{serveur.url}/carte?atelier=bassee-montois",
        "Gascogne ↔ Toulouse (1 044 communes)": f"{serveur.url}/carte?atelier=gascogne-toulouse",
    }
    try:
        with sync_playwright() as p:
            navigateur = lancer_chromium(p)
            for url in cas.values():  # chauffe : caches du serveur, fichiers préparés
                mesurer_chargement(navigateur, url)
            resultats = {nom: [] for nom in cas}
            for _ in range(args.repetitions):
                for nom, url in cas.items():  # alterner les cas pour partager les aléas de la machine
                    resultats[nom].append(mesurer_chargement(navigateur, url))
            navigateur.close()
    finally:
        arreter_serveur(serveur)
        arreter_serveur(serveur_vide)
        shutil.rmtree(travail, ignore_errors=True)
        shutil.rmtree(app_vide, ignore_errors=True)

    reference = mediane(resultats["carte vide (référence)"])
    print(f"Médianes sur {args.repetitions} chargements, Chromium headless 1920×1080, cache vide, hors ligne.")
    print(f"{'page':40} {'prête en':>9} {'× vide':>7} {'reçu':>10} {'× vide':>7} {'dont WS':>9} {'dont couches':>13}")
    for nom, mesures in resultats.items():
        m = mediane(mesures)
        print(
            f"{nom:40} {m.secondes:8.2f}s {m.secondes / reference.secondes:6.2f}× {ko(m.octets_total):>10} "
            f"{m.octets_total / reference.octets_total:6.2f}× {ko(m.octets_websocket):>9} {ko(m.octets_couches):>13}"
        )


if __name__ == "__main__":
    main()
