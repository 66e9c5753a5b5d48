"""Passage à l'échelle : la page Carte d'Esquisse face à une carte folium naïve, de 500 à 34 875 communes.

Pour chaque taille, les communes viennent du fichier national (COG 2026) et sont importées
dans un atelier par l'import d'Esquisse (``esquisse.imports.importation.importer``). Deux pages sont
mesurées dans la même exécution, en alternance, dans un Chromium neuf (cache vide, hors ligne) :

- Esquisse : ``/carte?atelier=…`` (couche simplifiée pour l'échelle, fichier gzippé servi à
  part, canevas) ;
- naïf : une application Streamlit minimale qui lit la même couche et l'ajoute telle quelle
  avec ``folium.GeoJson`` (données dans le code de la carte, rendu SVG), avec la même
  infobulle, Leaflet servi localement comme pour Esquisse.

On mesure les octets reçus (HTTP compressé + trames WebSocket) et le temps jusqu'à la carte
prête (Leaflet créé et, pour Esquisse, couches chargées). Une carte Leaflet vide, servie par
le même Streamlit, est mesurée dans la même exécution : ce qu'elle coûte (l'application
Streamlit elle-même, ≈ 2,7 Mo et ≈ 2 s) est commun à toutes les pages ; la part propre à la
carte est ce qui dépasse. Enfin, l'import du fichier national est chronométré dans un
processus à part, avec sa mémoire de pointe.

    .venv/bin/python bench/echelle.py [--repetitions 3] [--sans-national] [--seulement occitanie …]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from bench.outils import dossier_app_vide, ko, mediane, mesurer_chargement
from tests.outils import RACINE, arreter_serveur, demarrer_serveur, lancer_chromium

DELAI_MS = 180_000
CAS = (
    ("seine-et-marne", "Seine-et-Marne (77)", "dep='77'"),
    ("gers-haute-garonne", "Gers + Haute-Garonne", "dep in ('31','32')"),
    ("occitanie", "Occitanie (région 76)", "reg='76'"),
    ("france", "France entière", None),
)

APP_NAIVE = '''
"""Carte naïve : la couche entière dans le code de la carte, avec folium.GeoJson (rendu SVG)."""
import folium
import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

st.set_page_config(page_title="Carte naïve", layout="wide")
chemin = st.query_params["couche"]
gdf = gpd.read_file(chemin)[["code_insee", "nom", "population", "epci_nom", "scot_porteur_nom", "geometry"]]
x0, y0, x1, y1 = gdf.total_bounds
carte = folium.Map(location=((y0 + y1) / 2, (x0 + x1) / 2), zoom_start=8, tiles=None)
# Leaflet servi localement, comme pour Esquisse (hors ligne, rien d'autre).
carte.default_js = [("leaflet", "/app/static/vendor/leaflet/leaflet.js")]
carte.default_css = [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]
folium.GeoJson(
    gdf,
    tooltip=folium.GeoJsonTooltip(["nom", "code_insee", "population", "epci_nom", "scot_porteur_nom"]),
).add_to(carte)
carte.fit_bounds([[y0, x0], [y1, x1]])
st.subheader("Carte naïve")
st_folium(carte, key="carte", height=720, use_container_width=True, returned_objects=[])
'''

IMPORT_NATIONAL = """
import sys, time
from pathlib import Path
sys.path.insert(0, {racine!r})
from esquisse.imports.importation import OptionsImport, importer
from esquisse.carte.construction import parametres_atelier
from esquisse.atelier.ateliers import charger_atelier
from tests.fabriques import COMMUNES_NATIONALES, creer_atelier
projets = Path({projets!r})

def pointe_mo():
    # VmHWM : pic de mémoire résidente de ce processus (ru_maxrss, lui, hérite du parent à l'exec).
    ligne = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(ligne.split()[1]) // 1024

avant = pointe_mo()
creer_atelier(projets, "import-national", "Import national")
debut = time.perf_counter()
rapport = importer(projets, "import-national", COMMUNES_NATIONALES, COMMUNES_NATIONALES.name, OptionsImport("communes"))
duree = time.perf_counter() - debut
pointe = pointe_mo()
debut = time.perf_counter()
parametres_atelier(charger_atelier(projets, "import-national"), Path({cache!r}))
affichage = time.perf_counter() - debut
print(rapport.nb_entites, round(duree, 2), avant, pointe, round(affichage, 2))
"""


def dossier_app_naive() -> Path:
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-bench-naif-"))
    (dossier / "app_naif.py").write_text(textwrap.dedent(APP_NAIVE), encoding="utf-8")
    shutil.copytree(RACINE / ".streamlit", dossier / ".streamlit")
    shutil.copytree(RACINE / "static" / "vendor", dossier / "static" / "vendor")
    return dossier


def preparer_ateliers(projets: Path, cas) -> dict[str, Path]:
    """Un atelier par taille, sa couche de communes importée du fichier national ; renvoie les couches."""
    from esquisse.atelier.ateliers import charger_atelier
    from tests.fabriques import atelier_de_communes

    couches = {}
    for identifiant, nom, filtre in cas:
        atelier_de_communes(projets, identifiant, nom, filtre)
        couches[identifiant] = charger_atelier(projets, identifiant).chemin_couche("communes")
    return couches


def mesurer_import_national(travail: Path) -> list[str]:
    projets = travail / "projets-import"
    projets.mkdir()
    script = IMPORT_NATIONAL.format(racine=str(RACINE), projets=str(projets), cache=str(RACINE / "static" / "cache"))
    sortie = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=RACINE)
    n, duree, avant, pointe, affichage = sortie.stdout.split()[-5:]
    communes = f"{int(n):,}".replace(",", " ")
    return [
        f"Import du fichier national ({communes} communes, GeoJSON gzippé de 8,9 Mo) : {duree} s ; mémoire de "
        f"pointe du processus {pointe} Mo, dont {avant} Mo déjà occupés avant l'import (Python, GDAL, geopandas).",
        f"Préparation de son affichage (simplification, fichiers gzippés), une fois pour toutes : {affichage} s.",
    ]


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=3)
    parseur.add_argument("--sans-national", action="store_true", help="ne pas mesurer la France entière")
    parseur.add_argument("--seulement", nargs="+", choices=[c[0] for c in CAS], help="ne mesurer que ces territoires")
    args = parseur.parse_args()
    cas = [c for c in CAS if not (args.sans_national and c[2] is None)]
    if args.seulement:
        cas = [c for c in cas if c[0] in args.seulement]

    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-"))
    projets = travail / "projets"
    projets.mkdir()
    debut = time.perf_counter()
    couches = preparer_ateliers(projets, cas)
    print(f"Ateliers préparés (import depuis le fichier national) en {time.perf_counter() - debut:.1f} s.")
    naif = dossier_app_naive()
    vide = dossier_app_vide()
    env = {"PYTHONPATH": str(RACINE)}
    serveur = demarrer_serveur(projets, travail / "esquisse.log")
    serveur_naif = demarrer_serveur(projets, travail / "naif.log", naif / "app_naif.py", env)
    serveur_vide = demarrer_serveur(projets, travail / "vide.log", vide / "app_vide.py", env)
    resultats: dict[tuple[str, str], list] = {}
    echecs: dict[tuple[str, str], str] = {}
    try:
        with sync_playwright() as p:
            navigateur = lancer_chromium(p)
            urls = {("vide", "vide"): serveur_vide.url}
            for identifiant, _, _ in cas:
                urls[(identifiant, "esquisse")] = f"{serveur.url}/carte?atelier={identifiant}"
                urls[(identifiant, "naif")] = f"{serveur_naif.url}/?couche={couches[identifiant]}"
            for cle, url in urls.items():  # chauffe : caches du serveur, fichiers d'affichage préparés
                try:
                    mesurer_chargement(navigateur, url, delai_ms=DELAI_MS)
                except Exception as exc:  # une carte naïve trop lourde peut ne jamais être prête
                    echecs[cle] = f"{type(exc).__name__}"
            for _ in range(args.repetitions):
                for cle, url in urls.items():  # alterner les cas pour partager les aléas de la machine
                    if cle in echecs:
                        continue
                    resultats.setdefault(cle, []).append(mesurer_chargement(navigateur, url, delai_ms=DELAI_MS))
            navigateur.close()
    finally:
        for s in (serveur, serveur_naif, serveur_vide):
            arreter_serveur(s)
        shutil.rmtree(naif, ignore_errors=True)
        shutil.rmtree(vide, ignore_errors=True)

    v = mediane(resultats[("vide", "vide")])
    print(
        f"\nMédianes sur {args.repetitions} chargement(s), Chromium headless 1920×1080, cache vide, hors ligne.\n"
        f"Carte Leaflet vide (référence, même serveur) : prête en {v.secondes:.2f} s, {ko(v.octets_total)} reçus "
        "(application Streamlit). « Carte seule » = ce qui dépasse la carte vide.\n"
        "Octets : HTTP (tels que transmis, compressés s'ils le sont) + trames WebSocket."
    )
    print(
        f"{'communes':>9} {'territoire':22} | {'prête en':^27} | {'dont carte seule':^27} | "
        f"{'octets reçus':^21} | {'dont carte seule':^30}"
    )
    print(
        f"{'':>9} {'':22} | {'Esquisse':>8} {'naïf':>8} {'ratio':>9} | {'Esquisse':>8} {'naïf':>8} {'ratio':>9} | "
        f"{'Esquisse':>10} {'naïf':>10} | {'Esquisse':>9} {'naïf':>9} {'ratio':>10}"
    )
    for identifiant, nom, _ in cas:
        e = mediane(resultats[(identifiant, "esquisse")])
        n_communes = json.loads((projets / identifiant / "atelier.json").read_text(encoding="utf-8"))["imports"][
            "communes"
        ]["entites"]
        e_t, e_o = e.secondes - v.secondes, e.octets_total - v.octets_total
        colonnes = [f"{e.secondes:7.2f}s"]
        if (identifiant, "naif") in resultats:
            n = mediane(resultats[(identifiant, "naif")])
            n_t, n_o = n.secondes - v.secondes, n.octets_total - v.octets_total
            colonnes += [f"{n.secondes:7.2f}s", f"{n.secondes / e.secondes:8.1f}×"]
            colonnes += [f"{e_t:7.2f}s", f"{n_t:7.2f}s", f"{n_t / max(e_t, 0.01):8.1f}×"]
            colonnes += [ko(e.octets_total), ko(n.octets_total)]
            colonnes += [ko(e_o), ko(n_o), f"{n_o / max(e_o, 1):9.1f}×"]
        else:
            colonnes += ["échec", "—", f"{e_t:7.2f}s", "échec", "—", ko(e.octets_total), "—", ko(e_o), "—", "—"]
        c = colonnes
        print(
            f"{n_communes:>9,} {nom:22} | {c[0]:>8} {c[1]:>8} {c[2]:>9} | {c[3]:>8} {c[4]:>8} {c[5]:>9} | "
            f"{c[6]:>10} {c[7]:>10} | {c[8]:>9} {c[9]:>9} {c[10]:>10}".replace(",", " ")
        )
    if echecs:
        jamais = ", ".join(f"{c[0]} ({c[1]})" for c in echecs)
        print(f"Cartes jamais prêtes (délai de {DELAI_MS // 1000} s dépassé) : {jamais}")
    if any(c[2] is None for c in cas):
        print()
        for ligne in mesurer_import_national(travail):
            print(ligne)
    shutil.rmtree(travail, ignore_errors=True)


if __name__ == "__main__":
    main()
