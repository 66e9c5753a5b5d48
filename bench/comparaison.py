"""Attribution et différences : 500 esquisses sur les 1 044 communes du Gers et de la Haute-Garonne.

Deux états de 500 esquisses (zones, lignes, points, tirés au hasard avec une graine fixe sur
l'emprise des communes) ; l'état B retire, ajoute, déplace, remodèle et renomme une partie de
l'état A. On mesure, en médiane sur plusieurs répétitions :

- l'attribution des deux états et leur comparaison (``comparer_etats`` : ce que calcule la page
  Comparer), objectif ≤ 0,5 s ;
- la recherche des communes touchées par l'index spatial, et la même recherche sans index
  (chaque esquisse testée contre chaque commune) mesurée dans la même exécution : la référence qui
  montre ce qu'apporte l'index ;
- ``comparer()`` de bout en bout, versions lues sur le disque (relues depuis le cache des versions
  immuables après la première fois) ;
- la construction du référentiel (lecture de la couche, projection, index), faite une fois par couche.

    .venv/bin/python bench/comparaison.py [--repetitions 7] [--esquisses 500]
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

import numpy as np
import shapely
from shapely.geometry import mapping

from esquisse.analyse.attribution import _referentiel_en_cache, attribuer, geometries, referentiel
from esquisse.analyse.comparaison import comparer, comparer_etats
from esquisse.analyse.etats import Choix, Etat
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import creer_hypothese, creer_seance
from esquisse.esquisses.geojson import normaliser_entite
from esquisse.esquisses.versions import Changement
from tests.outils import RACINE

CATEGORIES = {"zone": ["preserver", "projet", "risque"], "ligne": ["axe", "liaison", "flux"], "point": ["pole"]}


def esquisses(n: int, emprise, graine: int = 2026) -> list[dict]:
    """``n`` esquisses plausibles : zones de 1 à 15 km, lignes de 5 à 80 km, points."""
    aleatoire = np.random.default_rng(graine)
    x0, y0, x1, y1 = emprise
    resultat = []
    for k in range(n):
        cx, cy = aleatoire.uniform(x0, x1), aleatoire.uniform(y0, y1)
        tirage = aleatoire.random()
        if tirage < 0.4:
            nature, r = "zone", aleatoire.uniform(0.01, 0.1)
            angles = np.sort(aleatoire.uniform(0, 2 * np.pi, aleatoire.integers(5, 13)))
            rayons = r * aleatoire.uniform(0.6, 1.0, len(angles))
            anneau = [[cx + a * np.cos(t), cy + a * np.sin(t) * 0.72] for a, t in zip(rayons, angles, strict=True)]
            geometrie = {"type": "Polygon", "coordinates": [[*anneau, anneau[0]]]}
        elif tirage < 0.8:
            nature = "ligne"
            pas = aleatoire.normal(0, 0.12, (aleatoire.integers(2, 9), 2))
            sommets = np.cumsum(pas, axis=0) + np.array([cx, cy])
            geometrie = {"type": "LineString", "coordinates": sommets.tolist()}
        else:
            nature, geometrie = "point", {"type": "Point", "coordinates": [cx, cy]}
        proprietes = {"categorie": aleatoire.choice(CATEGORIES[nature]), "titre": f"Esquisse {k}"}
        resultat.append(
            normaliser_entite({"type": "Feature", "id": f"e{k}", "geometry": geometrie, "properties": proprietes})
        )
    return resultat


def variante(entites: list[dict], emprise, graine: int = 7) -> list[dict]:
    """L'état B : 10 % retirées, 10 % ajoutées, 15 % déplacées, 15 % remodelées, 10 % renommées."""
    aleatoire = np.random.default_rng(graine)
    n = len(entites)
    resultat = []
    for k, e in enumerate(entites):
        tirage = aleatoire.random()
        g = shapely.geometry.shape(e["geometry"])
        if tirage < 0.10:
            continue
        if tirage < 0.25:
            g = shapely.affinity.translate(g, *aleatoire.normal(0, 0.02, 2))
        elif tirage < 0.40:
            g = shapely.affinity.scale(g, 1.3, 0.8) if g.geom_type != "Point" else shapely.affinity.translate(g, 0.01)
        elif tirage < 0.50:
            e = {**e, "properties": {**e["properties"], "titre": f"Renommée {k}"}}
        resultat.append(normaliser_entite({**e, "geometry": mapping(g)}))
    return resultat + [{**e, "id": f"n{k}"} for k, e in enumerate(esquisses(n // 10, emprise, graine + 1))]


def mediane(fonction, repetitions: int) -> tuple[float, float]:
    """Médianes de la durée à l'horloge et du temps CPU du processus (moins sensible aux autres charges)."""
    horloge, cpu = [], []
    for _ in range(repetitions):
        debut, debut_cpu = time.perf_counter(), time.process_time()
        fonction()
        horloge.append(time.perf_counter() - debut)
        cpu.append(time.process_time() - debut_cpu)
    return statistics.median(horloge), statistics.median(cpu)


def ligne(libelle: str, mesure: tuple[float, float], suite: str = "") -> None:
    print(f"{libelle:66} {mesure[0]:8.3f}s {mesure[1]:8.3f}s   {suite}".rstrip())


def recherche_avec_index(ref, geoms) -> int:
    """Les paires (esquisse, commune) qui se touchent, trouvées par l'index spatial (comme ``attribuer``)."""
    return len(ref.arbre.query(geoms, predicate="intersects")[0])


def recherche_sans_index(ref, geoms) -> int:
    """Référence : les mêmes paires, en testant chaque esquisse contre chaque commune (préparées)."""
    return sum(int(shapely.intersects(g, ref.communes).sum()) for g in geoms)


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=7)
    parseur.add_argument("--esquisses", type=int, default=500)
    args = parseur.parse_args()

    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-"))
    try:
        shutil.copytree(RACINE / "projets", travail / "projets")
        atelier = charger_atelier(travail / "projets", "gascogne-toulouse")
        _referentiel_en_cache.cache_clear()
        debut = time.perf_counter()
        ref = referentiel(atelier)
        construction = time.perf_counter() - debut
        emprise = tuple(atelier.couche("communes").total_bounds)
        a = esquisses(args.esquisses, emprise)
        b = variante(a, emprise)

        # Deux versions enregistrées comme depuis l'application, pour comparer() de bout en bout.
        shutil.rmtree(atelier.dossier / "seances", ignore_errors=True)
        s = creer_seance(atelier.dossier, "atelier-2", "2026-06-18", "Banc d'essai")
        h = creer_hypothese(s, "500 esquisses")
        depot = h.depot(atelier.id)
        depot.enregistrer([Changement(e["id"], None, e) for e in a], "banc")
        depot.enregistrer([Changement(e["id"], 1, None) for e in a], "banc")  # tout retirer…
        depot.enregistrer([Changement(e["id"], None, e) for e in b], "banc")  # … puis l'état B
        choix_a, choix_b = Choix(s.id, h.id, 1), Choix(s.id, h.id, 3)

        etat_a, etat_b = Etat("A", tuple(a)), Etat("B", tuple(b))
        c = comparer_etats(etat_a, etat_b, ref, atelier.legende)
        comparer(atelier, choix_a, choix_b)  # chauffe : lecture des versions, mise en cache
        geoms = ref.projection.vers_metrique(geometries(a))
        assert recherche_avec_index(ref, geoms) == recherche_sans_index(ref, geoms)

        t_comparer_etats = mediane(lambda: comparer_etats(etat_a, etat_b, ref, atelier.legende), args.repetitions)
        t_attribution = mediane(lambda: attribuer(ref, a), args.repetitions)
        t_index = mediane(lambda: recherche_avec_index(ref, geoms), args.repetitions)
        t_sans_index = mediane(lambda: recherche_sans_index(ref, geoms), args.repetitions)
        t_bout_en_bout = mediane(lambda: comparer(atelier, choix_a, choix_b), args.repetitions)
    finally:
        shutil.rmtree(travail, ignore_errors=True)

    print(
        f"{args.esquisses} esquisses (A) et {len(b)} (B) sur {len(ref.commune)} communes "
        f"(Gers + Haute-Garonne), EPSG:{ref.projection.epsg} ; médianes sur {args.repetitions} répétitions."
    )
    print(f"Différences : {c.resume}")
    print(f"{'mesure':66} {'horloge':>9} {'CPU':>9}")
    ligne("attribution + différences de A et B (comparer_etats)", t_comparer_etats, "objectif ≤ 0,5 s")
    ligne("  dont attribution de A seule", t_attribution)
    ligne("  dont recherche des communes touchées, par l'index spatial", t_index)
    ligne(
        "  référence : la même recherche, chaque esquisse × chaque commune",
        t_sans_index,
        f"l'index est ×{t_sans_index[1] / t_index[1]:.1f} plus rapide (CPU)",
    )
    ligne("comparer() de bout en bout (versions lues sur disque, en cache)", t_bout_en_bout)
    print(f"{'construction du référentiel (une fois par couche), à froid':66} {construction:8.3f}s")
    print(f"Charge de la machine pendant la mesure (load average 1 min) : {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
