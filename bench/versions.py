"""Enregistrement et historique des versions : latence d'un enregistrement, liste des versions.

- Enregistrer une modification dans une hypothèse de 200 esquisses (médiane et 95e centile),
  comparé à la simple écriture atomique du même fichier (la référence : le coût du disque).
- Lister l'historique d'une hypothèse de 1 000 versions, comparé à la lecture de chaque
  version (ce que ferait un historique sans index).

    .venv/bin/python bench/versions.py [--enregistrements 100]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from esquisse.esquisses.geojson import collection
from esquisse.esquisses.versions import Changement, Depot, _lire_index
from esquisse.noyau.fichiers import ecrire_atomiquement


def zone(k: int, sommets: int = 40) -> dict:
    cx, cy = 2.8 + (k % 20) * 0.02, 48.3 + (k // 20) * 0.02
    anneau = [
        [cx + 0.008 * math.cos(2 * math.pi * i / sommets), cy + 0.006 * math.sin(2 * math.pi * i / sommets)]
        for i in range(sommets)
    ]
    return {"type": "Polygon", "coordinates": [[*anneau, anneau[0]]]}


def entite(k: int, titre: str) -> dict:
    return {"type": "Feature", "geometry": zone(k), "properties": {"categorie": "projet", "titre": titre}}


def centile(valeurs: list[float], p: float) -> float:
    ordonnees = sorted(valeurs)
    return ordonnees[min(len(ordonnees) - 1, math.ceil(p * len(ordonnees)) - 1)]


def bench_enregistrement(dossier: Path, n: int) -> None:
    depot = Depot(dossier / "h200")
    depot.enregistrer([Changement(f"e{k}", None, entite(k, f"Esquisse {k}")) for k in range(200)], "bench")
    durees, references = [], []
    for i in range(n):
        numero = depot.numero_courant()
        e = depot.entites(numero)[f"e{i % 200}"]
        changement = Changement(e["id"], numero, {**e, "properties": {**e["properties"], "titre": f"modifiée {i}"}})
        debut = time.perf_counter()
        depot.enregistrer([changement], "bench", "ddt")
        durees.append(time.perf_counter() - debut)
        # Référence : écrire d'un coup le même contenu (sérialisation + fichier + fsync).
        contenu = depot.lire(depot.numero_courant()).entites
        debut = time.perf_counter()
        ecrire_atomiquement(dossier / "reference.geojson", json.dumps(collection(list(contenu))).encode())
        references.append(time.perf_counter() - debut)
    med, p95 = statistics.median(durees), centile(durees, 0.95)
    ref = statistics.median(references)
    taille = (depot.dossier / "versions" / "v000002.geojson").stat().st_size
    print(f"Enregistrer 1 modification, hypothèse de 200 esquisses ({taille / 1024:.0f} Ko par version), {n} fois :")
    print(f"  médiane {med * 1000:.1f} ms, 95e centile {p95 * 1000:.1f} ms")
    print(f"  référence (écriture atomique seule du même fichier) : médiane {ref * 1000:.1f} ms → ×{med / ref:.1f}")


def bench_historique(dossier: Path) -> None:
    depot = Depot(dossier / "h1000")
    depot.enregistrer([Changement("e", None, entite(0, "v1"))], "bench")
    debut = time.perf_counter()
    for i in range(2, 1001):
        e = depot.entites(i - 1)["e"]
        depot.enregistrer([Changement("e", i - 1, {**e, "properties": {**e["properties"], "titre": f"v{i}"}})], "bench")
    creation = time.perf_counter() - debut
    durees, en_cache = [], []
    for _ in range(20):
        _lire_index.cache_clear()  # à froid : l'index est relu et analysé
        debut = time.perf_counter()
        historique = depot.historique()
        durees.append(time.perf_counter() - debut)
        debut = time.perf_counter()
        depot.historique()  # index inchangé : relu depuis le cache (c'est la veille de chaque page)
        en_cache.append(time.perf_counter() - debut)
    assert len(historique) == 1000
    naifs = []
    for _ in range(3):
        debut = time.perf_counter()
        metas = [json.loads(f.read_bytes())["esquisse"] for f in sorted((depot.dossier / "versions").iterdir())]
        naifs.append(time.perf_counter() - debut)
    assert len(metas) == 1000
    med, naif = statistics.median(durees), statistics.median(naifs)
    print(f"Historique de 1 000 versions (créées en {creation:.1f} s, {creation:.1f} ms par enregistrement) :")
    print(
        f"  lister à froid (index relu) : médiane {med * 1000:.1f} ms ;"
        f" index en cache : {statistics.median(en_cache) * 1000:.2f} ms"
    )
    rapport = naif / med
    print(
        f"  référence (lire chaque fichier de version) : {naif * 1000:.0f} ms → lister est {rapport:.0f}× plus rapide"
    )


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--enregistrements", type=int, default=100)
    args = parseur.parse_args()
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-bench-versions-"))
    try:
        bench_enregistrement(dossier, args.enregistrements)
        bench_historique(dossier)
    finally:
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
