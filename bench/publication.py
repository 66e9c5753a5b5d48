"""Publier l'atelier Gascogne ↔ Toulouse (1 044 communes) : durée, taille sur disque, et temps jusqu'à la
carte dessinée dans Chromium, comparés dans la même exécution à l'application elle-même.

Références mesurées dans la même exécution :

- la durée de publication face à l'archive de sauvegarde du même atelier (``exporter_archive``) ;
- la taille du site face aux octets que reçoit la page Carte de l'application pour cet atelier ;
- le temps jusqu'aux cartes prêtes (page d'accueil du site, et page de la dernière séance avec ses
  esquisses), ouvertes depuis file:// dans un contexte neuf, face à la page Carte de l'application
  (même mesure que bench/carte.py).

    .venv/bin/python bench/publication.py [--repetitions 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from bench.outils import ko, mediane, mesurer_chargement
from esquisse.atelier.ateliers import charger_atelier
from esquisse.exports.publication import publier
from esquisse.exports.sauvegarde import exporter_archive
from esquisse.noyau.reglages import reglage
from tests.outils import RACINE, arreter_serveur, demarrer_serveur, lancer_chromium

ATELIER = "gascogne-toulouse"


def chronometrer(fonction) -> float:
    debut = time.perf_counter()
    fonction()
    return time.perf_counter() - debut


def carte_publiee(navigateur, page_html: Path) -> float:
    """Temps jusqu'aux cartes prêtes d'une page du site, en file://, contexte neuf ; aucune requête hors du dossier."""
    contexte = navigateur.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-FR")
    racine = page_html.parent.as_uri() + "/"
    sorties = []
    contexte.on("request", lambda r: None if r.url.startswith(racine) else sorties.append(r.url))
    page = contexte.new_page()
    debut = time.perf_counter()
    page.goto(page_html.as_uri())
    page.wait_for_selector("body[data-publication-pret]", state="attached", timeout=60000)
    duree = time.perf_counter() - debut
    contexte.close()
    if sorties:
        raise RuntimeError(f"requêtes hors du dossier : {sorties[:3]}")
    return duree


def taille(dossier: Path) -> int:
    return sum(f.stat().st_size for f in dossier.rglob("*") if f.is_file())


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=5)
    args = parseur.parse_args()

    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-"))
    projets = travail / "projets"
    shutil.copytree(RACINE / "projets", projets)
    atelier = charger_atelier(projets, ATELIER)
    cache = reglage("ESQUISSE_CACHE")
    site = travail / "site"
    # Première publication du processus : référentiels à construire (les couches préparées pour
    # l'affichage, elles, sont peut-être déjà dans le cache de l'application).
    premiere = chronometrer(lambda: publier(atelier, projets, cache, site))
    exporter_archive(atelier, travail / "archive.zip")
    durees = {"publier": [], "archive": []}
    for _ in range(args.repetitions):
        durees["publier"].append(chronometrer(lambda: publier(atelier, projets, cache, site)))
        durees["archive"].append(chronometrer(lambda: exporter_archive(atelier, travail / "archive.zip")))
    octets_site = taille(site)
    derniere = sorted(site.glob("seance-*.html"))[-1]

    serveur = demarrer_serveur(projets, travail / "esquisse.log")
    url_app = f"{serveur.url}/carte?atelier={ATELIER}"
    cas = {"app": [], "index": [], "seance": []}
    try:
        with sync_playwright() as p:
            navigateur = lancer_chromium(p)
            mesurer_chargement(navigateur, url_app)  # chauffe du serveur
            for _ in range(args.repetitions):  # alterner les cas pour partager les aléas de la machine
                cas["app"].append(mesurer_chargement(navigateur, url_app))
                cas["index"].append(carte_publiee(navigateur, site / "index.html"))
                cas["seance"].append(carte_publiee(navigateur, derniere))
            navigateur.close()
    finally:
        arreter_serveur(serveur)
        shutil.rmtree(travail, ignore_errors=True)

    app = mediane(cas["app"])
    publier_s = statistics.median(durees["publier"])
    archive_s = statistics.median(durees["archive"])
    index_s = statistics.median(cas["index"])
    seance_s = statistics.median(cas["seance"])
    print(f"Médianes sur {args.repetitions} mesures, atelier {ATELIER} (1 044 communes), Chromium headless 1920×1080.")
    print(f"{'mesure':58} {'valeur':>12} {'rapport':>9}  référence")
    print(
        f"{'publier le site (dossier)':58} {publier_s:11.2f}s {publier_s / archive_s:8.2f}×  "
        f"archive de sauvegarde {archive_s:.2f}s"
    )
    print(f"{'première publication du processus':58} {premiere:11.2f}s {premiere / archive_s:8.2f}×  même référence")
    print(
        f"{'taille du site sur disque':58} {ko(octets_site):>12} {octets_site / app.octets_total:8.2f}×  "
        f"reçu par la page Carte de l'application {ko(app.octets_total)}"
    )
    for nom, valeur in (
        ("carte prête : accueil du site (file://)", index_s),
        (f"cartes prêtes : {derniere.name}", seance_s),
    ):
        print(
            f"{nom:58} {valeur:11.2f}s {valeur / app.secondes:8.2f}×  page Carte de l'application {app.secondes:.2f}s"
        )


if __name__ == "__main__":
    main()
