"""Les deux magasins (fichiers, PostGIS) : enregistrer dans une hypothèse de 1 000 esquisses, seul
puis à 20 en même temps, et lister un historique de 1 000 versions.

Références mesurées dans la même exécution :
- fichiers : l'écriture atomique seule d'un fichier de la même hypothèse (le coût du disque) ;
- PostGIS : une transaction minimale validée (une ligne insérée), sur la même base.

La grappe PostgreSQL est jetable (comme pour les tests), avec fsync et validation synchrone :
les mêmes garanties de durabilité que le magasin de fichiers.

    .venv/bin/python bench/stockage.py [--enregistrements 40] [--par-processus 8]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bench.versions import centile, entite
from esquisse.esquisses.geojson import collection
from esquisse.esquisses.versions import Changement, vider_caches
from esquisse.noyau.fichiers import ecrire_atomiquement
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.interfaces import RefHypothese
from tests.postgres import demarrer_grappe

GRANDE = RefHypothese("bench", "seance", "mille")
LONGUE = RefHypothese("bench", "seance", "longue")
TAILLE = 1000


def modification(depot, ident: str, titre: str) -> Changement:
    numero = depot.numero_courant()
    e = depot.entites(numero)[ident]
    return Changement(ident, numero, {**e, "properties": {**e["properties"], "titre": titre}})


def preparer(source: str) -> None:
    depot = ouvrir(source).versions(GRANDE)
    depot.enregistrer([Changement(f"e{k}", None, entite(k, f"Esquisse {k}")) for k in range(TAILLE)], "bench")


def enregistrements_seul(source: str, n: int) -> list[float]:
    depot = ouvrir(source).versions(GRANDE)
    durees = []
    for i in range(n):
        changement = modification(depot, f"e{i % TAILLE}", f"modifiée {i}")
        debut = time.perf_counter()
        r = depot.enregistrer([changement], "bench", "ddt")
        durees.append(time.perf_counter() - debut)
        assert r.version is not None
    return durees


def travailleur(source: str, rang: int, n: int, sortie: Path) -> None:
    """Un des 20 processus : modifie ses propres esquisses, mesure chaque enregistrement."""
    depot = ouvrir(source).versions(GRANDE)
    durees = []
    for i in range(n):
        changement = modification(depot, f"e{(rang * 37 + i) % TAILLE}", f"p{rang} {i}")
        debut = time.perf_counter()
        depot.enregistrer([changement], f"p{rang}", "elu")
        durees.append(time.perf_counter() - debut)
    sortie.write_text(json.dumps(durees))


def enregistrements_concurrents(source: str, processus: int, n: int, dossier: Path) -> list[float]:
    lances = []
    for rang in range(processus):
        sortie = dossier / f"travailleur-{rang}.json"
        commande = [sys.executable, __file__, "--travailleur", source, str(rang), str(n), str(sortie)]
        lances.append((subprocess.Popen(commande), sortie))
    durees = []
    for p, sortie in lances:
        if p.wait() != 0:
            raise RuntimeError("un processus d'enregistrement a échoué")
        durees += json.loads(sortie.read_text())
    return durees


def historique(source: str, versions: int) -> tuple[float, float]:
    """Médiane du listage de ``versions`` versions, et celle de la lecture de chaque version (référence)."""
    magasin = ouvrir(source)
    depot = magasin.versions(LONGUE)
    depot.enregistrer([Changement("e", None, entite(0, "v1"))], "bench")
    for i in range(2, versions + 1):
        depot.enregistrer([modification(depot, "e", f"v{i}")], "bench")
    durees = []
    for _ in range(15):
        oublier_lectures(magasin)  # à froid : rien n'est gardé en mémoire d'une fois sur l'autre
        debut = time.perf_counter()
        assert len(depot.historique()) == versions
        durees.append(time.perf_counter() - debut)
    oublier_lectures(magasin)
    debut = time.perf_counter()
    for numero in range(1, versions + 1, 10):  # une version sur dix, extrapolé
        depot.lire(numero)
    lire_tout = (time.perf_counter() - debut) * 10
    return statistics.median(durees), lire_tout


def oublier_lectures(magasin) -> None:
    """Vide les caches de lecture des deux magasins (index et versions des fichiers, versions lues en base)."""
    vider_caches()
    if hasattr(magasin, "lectures"):
        magasin.lectures.clear()


def reference_fichier(dossier: Path, source: str) -> float:
    contenu = json.dumps(collection(list(ouvrir(source).versions(GRANDE).lire(1).entites))).encode()
    durees = []
    for _ in range(20):
        debut = time.perf_counter()
        ecrire_atomiquement(dossier / "reference.geojson", contenu)
        durees.append(time.perf_counter() - debut)
    return statistics.median(durees)


def reference_base(dsn: str) -> float:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_reference (n integer)")
        durees = []
        for i in range(50):
            debut = time.perf_counter()
            conn.execute("INSERT INTO bench_reference VALUES (%s)", (i,))
            durees.append(time.perf_counter() - debut)
    return statistics.median(durees)


def ms(secondes: float) -> str:
    return f"{secondes * 1000:.1f} ms"


def rapport(nom: str, durees: list[float], reference: float) -> str:
    med, p95 = statistics.median(durees), centile(durees, 0.95)
    return f"  {nom} : médiane {ms(med)}, 95e centile {ms(p95)} (×{p95 / reference:.1f} la référence)"


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--enregistrements", type=int, default=40)
    parseur.add_argument("--processus", type=int, default=20)
    parseur.add_argument("--par-processus", type=int, default=8)
    parseur.add_argument("--versions", type=int, default=1000)
    parseur.add_argument("--travailleur", nargs=4, metavar=("SOURCE", "RANG", "N", "SORTIE"))
    args = parseur.parse_args()
    if args.travailleur:
        source, rang, n, sortie = args.travailleur
        travailleur(source, int(rang), int(n), Path(sortie))
        return
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-bench-stockage-"))
    grappe = demarrer_grappe(rapide=False)
    try:
        sources = {"fichiers": str(dossier / "projets"), "PostGIS": grappe.creer_base("bench")}
        references = {
            "fichiers": ("écriture atomique du fichier de l'hypothèse", None),
            "PostGIS": ("transaction minimale validée", None),
        }
        resultats = {}
        for nom, source in sources.items():
            preparer(source)
            reference = reference_fichier(dossier, source) if nom == "fichiers" else reference_base(sources["PostGIS"])
            references[nom] = (references[nom][0], reference)
            seul = enregistrements_seul(source, args.enregistrements)
            (dossier / nom.lower()).mkdir()
            concurrents = enregistrements_concurrents(source, args.processus, args.par_processus, dossier / nom.lower())
            lister, lire_tout = historique(source, args.versions)
            resultats[nom] = (seul, concurrents, lister, lire_tout)
        for nom, (seul, concurrents, lister, lire_tout) in resultats.items():
            libelle, reference = references[nom]
            print(f"Magasin {nom} — référence : {libelle}, médiane {ms(reference)}")
            print(rapport(f"1 enregistrement à la fois, hypothèse de {TAILLE} esquisses", seul, reference))
            print(rapport(f"{args.processus} processus en même temps", concurrents, reference))
            print(
                f"  historique de {args.versions} versions : médiane {ms(lister)} ; "
                f"lire chaque version : {ms(lire_tout)} → lister est {lire_tout / lister:.0f}× plus rapide"
            )
        f, p = resultats["fichiers"], resultats["PostGIS"]
        print("PostGIS / fichiers (95e centile ; < 1 : PostGIS plus rapide) :")
        print(f"  seul : ×{centile(p[0], 0.95) / centile(f[0], 0.95):.2f}")
        print(f"  {args.processus} processus : ×{centile(p[1], 0.95) / centile(f[1], 0.95):.2f}")
        print(f"  historique : ×{p[2] / f[2]:.2f}")
    finally:
        grappe.arreter()
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
