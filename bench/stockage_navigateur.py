"""Du moment où une version est enregistrée à celui où elle paraît dans le navigateur d'un autre
serveur, pour les deux magasins.

Deux serveurs Streamlit partagent le magasin (le même dossier, ou la même base PostGIS, chacun
avec son propre dossier local). Le
navigateur est ouvert sur l'un, puis sur l'autre ; la version est enregistrée par un autre
processus (ce script, comme le ferait un autre serveur) ; on mesure jusqu'à ce que la carte
l'affiche, sans recharger. Référence : le magasin de fichiers, tel qu'il sert aujourd'hui une
salle de réunion. Les cartes regardent chaque seconde (fichiers : l'index ; PostGIS : le
numéro tenu en mémoire par l'écouteur du processus, réveillé par NOTIFY).

    .venv/bin/python bench/stockage_navigateur.py [--repetitions 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from esquisse.atelier.seances import creer_hypothese, lister_seances
from esquisse.esquisses.versions import Changement
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.copie import copier
from esquisse.stockage.disque import StockageFichiers
from esquisse.stockage.interfaces import RefHypothese
from tests.outils import (
    RACINE,
    arreter_serveur,
    attendre_carte,
    attendre_version,
    contexte_hors_ligne,
    demarrer_serveur,
    lancer_chromium,
)
from tests.postgres import demarrer_grappe

ATELIER = "bassee-montois"
CARRE = {"type": "Polygon", "coordinates": [[[3.2, 48.45], [3.25, 48.45], [3.25, 48.5], [3.2, 48.5], [3.2, 48.45]]]}


def mesurer(navigateur, url: str, source: str, ref: RefHypothese, repetitions: int, prefixe: str) -> list[float]:
    contexte, _ = contexte_hors_ligne(navigateur)
    page = contexte.new_page()
    page.goto(url)
    attendre_carte(page, delai_ms=60000)
    depot = ouvrir(source).versions(ref)
    durees = []
    for k in range(repetitions):
        numero = depot.numero_courant()
        entite = {"type": "Feature", "geometry": CARRE, "properties": {"titre": f"mesure {k}", "categorie": "projet"}}
        debut = time.perf_counter()
        r = depot.enregistrer([Changement(f"{prefixe}{k}", None, entite)], "bench")
        attendre_version(page, r.version.numero)
        durees.append(time.perf_counter() - debut)
        assert r.version.numero == numero + 1
    contexte.close()
    return durees


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=5)
    args = parseur.parse_args()
    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-navigateur-"))
    grappe = demarrer_grappe(rapide=False)
    serveurs = []
    resultats = {}
    try:
        for nom, base in (("fichiers", ""), ("PostGIS", grappe.creer_base("bench"))):
            projets = travail / nom / "projets"
            shutil.copytree(RACINE / "projets", projets)
            dossiers = (projets, projets)  # fichiers : les deux serveurs partagent le dossier
            if base:
                # PostGIS : les ateliers dans la base, chaque serveur avec son dossier local (un cache).
                fichiers = StockageFichiers(projets)
                for identifiant in fichiers.documents.ateliers():
                    copier(identifiant, fichiers, ouvrir(base))
                dossiers = (travail / nom / "local-a", travail / nom / "local-b")
                for d in dossiers:
                    d.mkdir()
                os.environ["ESQUISSE_BASE"] = base  # ce script crée l'hypothèse dans la base
            env = {"ESQUISSE_BASE": base, "ESQUISSE_EXPORTS": str(travail / nom / "exports")}
            a = demarrer_serveur(dossiers[0], travail / nom / "a.log", env_sup=env)
            b = demarrer_serveur(dossiers[1], travail / nom / "b.log", env_sup=env)
            serveurs += [a, b]
            seance = lister_seances(dossiers[0] / ATELIER)[0]
            h = creer_hypothese(seance, f"Mesure {nom}", atelier=ATELIER)
            ref = RefHypothese(ATELIER, seance.id, h.id)
            source = base or str(projets)
            chemin = f"/carte?atelier={ATELIER}&seance={seance.id}&hypothese={h.id}"
            with sync_playwright() as p:
                navigateur = lancer_chromium(p)
                resultats[(nom, "A")] = mesurer(navigateur, a.url + chemin, source, ref, args.repetitions, "a")
                resultats[(nom, "B")] = mesurer(navigateur, b.url + chemin, source, ref, args.repetitions, "b")
                navigateur.close()
    finally:
        for s in serveurs:
            arreter_serveur(s)
        grappe.arreter()
        shutil.rmtree(travail, ignore_errors=True)
    reference = statistics.median(resultats[("fichiers", "A")])
    print(f"Enregistrement → version affichée par la carte d'un navigateur, sans recharger ({args.repetitions} fois).")
    print(f"Référence : magasin de fichiers, un serveur (comme aujourd'hui) : médiane {reference:.2f} s")
    for (nom, serveur), durees in resultats.items():
        med = statistics.median(durees)
        print(f"  {nom:9} serveur {serveur} : médiane {med:.2f}, max {max(durees):.2f} s (×{med / reference:.2f})")


if __name__ == "__main__":
    main()
