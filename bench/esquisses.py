"""Ce que coûte un enregistrement vu du navigateur : octets reçus, délais, autre poste.

Sur l'atelier Gascogne ↔ Toulouse (1 044 communes) et une hypothèse de 200 esquisses :

- octets reçus au chargement de la carte (HTTP et WebSocket), dont les couches de référence ;
- octets reçus par la réexécution qui suit un enregistrement : la carte de base n'est pas
  recréée et les couches ne sont pas retéléchargées ; seul le contenu dynamique voyage ;
- délai entre le clic sur « Enregistrer » et la nouvelle version affichée, sur ce poste et
  sur un second poste ouvert sur la même hypothèse.

    .venv/bin/python bench/esquisses.py [--repetitions 5]
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
from streamlit_folium import _get_map_string

from bench.outils import Compteur, ko
from bench.versions import entite
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import creer_hypothese, creer_seance
from esquisse.carte.affichage import DOSSIER_STATIQUE
from esquisse.carte.construction import construire_carte, parametres_atelier
from esquisse.esquisses.versions import Changement
from tests.outils import (
    IFRAME_CARTE,
    RACINE,
    arreter_serveur,
    attendre_carte,
    attendre_version,
    contexte_hors_ligne,
    demarrer_serveur,
    lancer_chromium,
)

ATELIER = "gascogne-toulouse"


def preparer(projets: Path) -> str:
    dossier = projets / ATELIER
    seance = creer_seance(dossier, "atelier-2", "2026-05-20", "Atelier 2")
    h = creer_hypothese(seance, "Bench 200 esquisses", atelier=ATELIER)
    decalees = []
    for k in range(200):
        e = entite(k, f"Esquisse {k}")
        e["geometry"]["coordinates"] = [[[x - 1.9, y - 4.7] for x, y in e["geometry"]["coordinates"][0]]]
        decalees.append(Changement(f"e{k}", None, e))
    h.depot(ATELIER).enregistrer(decalees, "bench")
    return f"carte?atelier={ATELIER}&seance={seance.id}&hypothese={h.id}"


def enregistrer_une_zone(page, cadre, k: int) -> None:
    iframe = page.frame_locator(IFRAME_CARTE)
    boite = iframe.locator(".leaflet-container").bounding_box()
    iframe.locator("a.leaflet-draw-draw-polygon").click()
    x = 0.3 + 0.05 * (k % 8)  # sous la barre d'actions du dessin, qui occupe le haut à gauche
    points = [(x, 0.7), (x + 0.04, 0.75), (x, 0.8)]
    for fx, fy in [*points, points[0]]:
        page.mouse.click(boite["x"] + boite["width"] * fx, boite["y"] + boite["height"] * fy)
        page.wait_for_timeout(120)
    try:
        page.get_by_role("button", name="Enregistrer (1)").wait_for(timeout=15000)
    except Exception:
        page.screenshot(path="/tmp/bench-echec.png")
        raise


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=5)
    args = parseur.parse_args()
    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-"))
    shutil.copytree(RACINE / "projets", travail / "projets")
    chemin = preparer(travail / "projets")
    serveur = demarrer_serveur(travail / "projets", travail / "esquisse.log")
    atelier = charger_atelier(travail / "projets", ATELIER)
    carte = construire_carte(parametres_atelier(atelier, DOSSIER_STATIQUE / "cache", dessin="edition"))
    taille_base = len(_get_map_string(carte).encode())
    try:
        with sync_playwright() as p:
            navigateur = lancer_chromium(p)
            ctx_a, _ = contexte_hors_ligne(navigateur)
            ctx_b, _ = contexte_hors_ligne(navigateur)
            page_a = ctx_a.new_page()
            compteur = Compteur(ctx_a, page_a)
            page_a.goto(f"{serveur.url}/{chemin}")
            cadre_a = attendre_carte(page_a)
            attendre_version(page_a, 1)
            page_a.wait_for_timeout(1000)
            chargement = (compteur.http, compteur.ws, compteur.couches)
            page_b = ctx_b.new_page()
            page_b.goto(f"{serveur.url}/{chemin}")
            attendre_carte(page_b)
            ws, ws_compresse, http, ici, ailleurs = [], [], [], [], []
            for k in range(args.repetitions):
                enregistrer_une_zone(page_a, cadre_a, k)
                page_a.wait_for_timeout(500)
                compteur.remise_a_zero()
                version = k + 2
                debut = time.perf_counter()
                page_a.get_by_role("button", name="Enregistrer (1)").click()
                attendre_version(page_a, version)
                ici.append(time.perf_counter() - debut)
                attendre_version(page_b, version, delai_ms=15000)
                ailleurs.append(time.perf_counter() - debut)
                page_a.wait_for_timeout(1500)
                ws.append(compteur.ws)
                ws_compresse.append(compteur.ws_compresse)
                http.append(compteur.http)
            navigateur.close()
    finally:
        arreter_serveur(serveur)
        shutil.rmtree(travail, ignore_errors=True)

    print(f"Atelier {ATELIER} (1 044 communes), hypothèse de 200 esquisses, {args.repetitions} enregistrements.")
    print(
        f"Chargement de la carte : {ko(chargement[0] + chargement[1])} reçus "
        f"(dont couches de référence {ko(chargement[2])}, WebSocket {ko(chargement[1])})"
    )
    print(f"Code de la carte de base (sans aucune géométrie) : {ko(taille_base)}")
    print(
        f"Réexécution après un enregistrement : WebSocket médiane {ko(int(statistics.median(ws)))} "
        f"(≈ {ko(int(statistics.median(ws_compresse)))} compressés), "
        f"HTTP médiane {ko(int(statistics.median(http)))} "
        f"→ {statistics.median(ws) / (chargement[0] + chargement[1]):.1%} du chargement ; couches jamais retéléchargées"
    )
    print(
        f"Clic « Enregistrer » → nouvelle version affichée : ce poste médiane {statistics.median(ici):.2f} s, "
        f"autre poste médiane {statistics.median(ailleurs):.2f} s (max {max(ailleurs):.2f} s)"
    )


if __name__ == "__main__":
    main()
