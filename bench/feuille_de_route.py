"""Feuille de route et chronologie à leur taille maximale : ce que coûtent la validation, les
tableaux, les exports et la frise.

- Une feuille de route de 500 actions (le maximum admis) en 50 orientations : enregistrer,
  relire, reconstruire depuis les tableaux de la page, exporter et réimporter en CSV et en XLSX.
  Référence : écrire le même JSON d'un coup, sans validation (le coût du disque seul).
- La chronologie d'un atelier de 12 séances et 96 hypothèses (4 statuts chacune) : la calculer
  et construire la spécification de sa frise. Référence : lister ses séances et hypothèses.

    .venv/bin/python bench/feuille_de_route.py [--repetitions 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.chronologie import chronologie, graphique
from esquisse.atelier.seances import (
    creer_hypothese,
    creer_seance,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
)
from esquisse.noyau.fichiers import ecrire_json


def mesurer(fonction, repetitions: int) -> float:
    """Médiane de ``repetitions`` exécutions, en secondes (une exécution d'échauffement avant)."""
    fonction()
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        fonction()
        durees.append(time.perf_counter() - debut)
    return statistics.median(durees)


def feuille_maximale() -> fdr.FeuilleDeRoute:
    orientations, n = [], 0
    statuts, phasages = list(fdr.STATUTS), list(fdr.PHASAGES)
    for k in range(fdr.MAX_ORIENTATIONS):
        actions = []
        for _ in range(fdr.MAX_ACTIONS // fdr.MAX_ORIENTATIONS):
            n += 1
            action = {
                "id": f"a{n}",
                "titre": f"Action {n} : conforter le bourg-centre et ses commerces",
                "description": "Une description de quelques lignes, comme en écrit la DDT.\n" * 3,
                "entites": [f"e{n}", f"e{n + 1}"],
                "porteurs": ["Communauté de communes", "Commune", "Département"],
                "phasage": phasages[n % len(phasages)],
                "outils": ["PLUi", "Petites villes de demain"],
                "statut": statuts[n % len(statuts)],
            }
            if action["phasage"] == "dates":
                action |= {"debut": "2027-01-01", "fin": "2029-12-31"}
            actions.append(action)
        orientations.append({"id": f"o{k + 1}", "titre": f"Orientation {k + 1}", "actions": actions})
    return fdr.valider({"orientations": orientations})


def bench_feuille(dossier: Path, repetitions: int) -> None:
    f = feuille_maximale()
    contenu = fdr.vers_json(f)
    reference = mesurer(lambda: ecrire_json(dossier / "reference.json", contenu), repetitions)
    enregistrer = mesurer(lambda: fdr.enregistrer(dossier, f, "bench"), repetitions)
    lire = mesurer(lambda: fdr.lire(dossier), repetitions)
    orientations, actions = fdr.tableau_orientations(f), fdr.tableau_actions(f)
    tableaux = mesurer(lambda: fdr.depuis_tableaux(orientations, actions, f), repetitions)
    octets_csv, octets_xlsx = fdr.exporter_csv(f), fdr.exporter_xlsx(f)
    csv = mesurer(lambda: fdr.exporter_csv(f), repetitions)
    xlsx = mesurer(lambda: fdr.exporter_xlsx(f), repetitions)
    import_csv = mesurer(lambda: fdr.importer(octets_csv, "f.csv", f), repetitions)
    import_xlsx = mesurer(lambda: fdr.importer(octets_xlsx, "f.xlsx", f), repetitions)
    taille = (dossier / fdr.FICHIER).stat().st_size
    n_actions, n_orientations = len(f.actions), len(f.orientations)
    print(f"Feuille de route de {n_actions} actions, {n_orientations} orientations ({taille / 1024:.0f} Ko) :")
    print(f"  référence (écrire le même JSON, sans validation) : {reference * 1000:.1f} ms")
    rapport = enregistrer / reference
    print(f"  enregistrer (verrou, relecture, validation, écriture) : {enregistrer * 1000:.1f} ms → ×{rapport:.1f}")
    print(f"  relire : {lire * 1000:.1f} ms")
    print(f"  reconstruire depuis les tableaux de la page : {tableaux * 1000:.1f} ms")
    print(f"  exporter en CSV : {csv * 1000:.1f} ms ({len(octets_csv) / 1024:.0f} Ko)")
    print(f"  exporter en XLSX : {xlsx * 1000:.1f} ms ({len(octets_xlsx) / 1024:.0f} Ko) → ×{xlsx / csv:.1f} le CSV")
    print(f"  réimporter le CSV : {import_csv * 1000:.1f} ms ; le XLSX : {import_xlsx * 1000:.1f} ms")


def bench_chronologie(dossier: Path, repetitions: int) -> None:
    atelier = dossier / "atelier"
    depart = date(2025, 9, 1)
    for k in range(12):
        jour = depart + timedelta(days=30 * k)
        s = creer_seance(atelier, "atelier-2", jour.isoformat(), f"Séance {k + 1}")
        for j in range(8):
            h = creer_hypothese(s, f"Hypothèse {k}-{j}", le=f"{jour.isoformat()}T08:00:00.000Z")
            for heure, statut in (("11", "debattue"), ("15", "retenue" if j == 0 else "abandonnee")):
                modifier_hypothese(h, "bench", statut=statut, le=f"{jour.isoformat()}T{heure}:00:00.000Z")
    reference = mesurer(lambda: [lister_hypotheses(s) for s in lister_seances(atelier)], repetitions)
    calcul = mesurer(lambda: chronologie(atelier), repetitions)
    c = chronologie(atelier)
    frise = mesurer(lambda: graphique(c).to_dict(), repetitions)
    spec = json.dumps(graphique(c).to_dict())
    print(f"Chronologie de {len(c.seances)} séances, {len(c.lignes)} hypothèses, {len(c.periodes)} périodes :")
    print(f"  référence (lister séances et hypothèses) : {reference * 1000:.1f} ms")
    print(f"  chronologie : {calcul * 1000:.1f} ms → ×{calcul / reference:.1f}")
    print(f"  spécification de la frise : {frise * 1000:.1f} ms ({len(spec) / 1024:.0f} Ko envoyés au navigateur)")


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=7)
    args = parseur.parse_args()
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-bench-feuille-"))
    try:
        bench_feuille(dossier, args.repetitions)
        bench_chronologie(dossier, args.repetitions)
    finally:
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
