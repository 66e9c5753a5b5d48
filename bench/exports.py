"""Temps des exports : carte A4 en PDF (200 esquisses sur 1 044 communes) et carnet de suivi d'une séance.

Atelier « Portes de Gascogne ↔ Toulouse Métropole » (Gers et Haute-Garonne, 1 044 communes),
copié dans un dossier temporaire. Les esquisses sont créées par les fonctions du domaine.

- Carte : PDF A4 paysage d'une hypothèse de 200 esquisses. La référence est la même carte
  d'une hypothèse d'une seule esquisse (les couches de référence seules, ou presque), mesurée
  dans la même exécution. « À froid » : le premier export du processus (couches lues et
  projetées, polices chargées) ; puis la médiane des exports suivants.
- Carnet : séance de 3 hypothèses (200, 100 et 50 esquisses, la première reprise d'une séance
  précédente), DOCX et PDF, avec le détail de la préparation (cartes) et de l'écriture.

    .venv/bin/python bench/exports.py [--repetitions 5]
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

from esquisse.analyse.annotations import choisir
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import creer_hypothese
from esquisse.esquisses.versions import Changement
from esquisse.exports.carnet import ecrire_docx, ecrire_pdf, preparer_carnet
from esquisse.exports.export_carte import MiseEnPage, exporter_carte
from tests.documents import pages_pdf
from tests.esquisses_de_test import entites_au_hasard, seance_avec_hypotheses
from tests.outils import RACINE

CIBLE_CARTE = 3.0  # secondes, d'après l'issue


def chrono(fonction) -> tuple[float, object]:
    debut = time.perf_counter()
    resultat = fonction()
    return time.perf_counter() - debut, resultat


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repetitions", type=int, default=5)
    args = parseur.parse_args()

    travail = Path(tempfile.mkdtemp(prefix="esquisse-bench-exports-"))
    try:
        shutil.copytree(RACINE / "projets", travail / "projets")
        atelier = charger_atelier(travail / "projets", "gascogne-toulouse")
        _, (a1,) = seance_avec_hypotheses(atelier, {"A — Le rural nourricier": 150}, "atelier-1", "2026-01-20")
        s2, _ = seance_avec_hypotheses(
            atelier, {"B — Les liens": 100, "C — Les coteaux": 50}, "atelier-2", "2026-03-12", graine=11
        )
        a2 = creer_hypothese(s2, "A' — Le rural nourricier, suite", reprise_de=a1, atelier=atelier.id)
        depot = a2.depot(atelier.id)
        n = depot.numero_courant()
        nouvelles = entites_au_hasard(atelier, 50, 21, prefixe="suite")
        depot.enregistrer([Changement(e["id"], None, e) for e in nouvelles], "Paul", "ddt")
        grande = choisir(atelier, s2.id, a2.id)
        petite_h = seance_avec_hypotheses(atelier, {"Référence": 1}, "visite", "2026-01-05", graine=3)[1][0]
        petite = choisir(atelier, petite_h.seance, petite_h.id)
        assert grande.version.meta.nb_entites == 200 and n

        sortie = travail / "exports"
        mp = MiseEnPage()
        froid, premier = chrono(lambda: exporter_carte(atelier, grande, mp, sortie))
        mesures = {"référence (1 esquisse)": [], "hypothèse de 200 esquisses": []}
        for _ in range(args.repetitions):  # alterner les cas pour partager les aléas de la machine
            mesures["référence (1 esquisse)"].append(chrono(lambda: exporter_carte(atelier, petite, mp, sortie))[0])
            mesures["hypothèse de 200 esquisses"].append(chrono(lambda: exporter_carte(atelier, grande, mp, sortie))[0])
        reference = statistics.median(mesures["référence (1 esquisse)"])
        print(
            f"Carte A4 paysage en PDF, 1 044 communes, médiane de {args.repetitions} exports (cible ≤ {CIBLE_CARTE} s)."
        )
        print(f"{'cas':34} {'temps':>8} {'× réf.':>7} {'taille':>9}")
        taille = premier.chemin.stat().st_size / 1e3
        print(f"{'200 esquisses, premier export':34} {froid:7.2f}s {froid / reference:6.2f}× {taille:7.0f} Ko")
        for nom, valeurs in mesures.items():
            m = statistics.median(valeurs)
            print(f"{nom:34} {m:7.2f}s {m / reference:6.2f}× {'':>9}")

        print()
        print(
            f"Carnet de suivi d'une séance de 3 hypothèses (200, 100 et 50 esquisses), médiane de {args.repetitions}."
        )
        temps = {
            "préparation (contenu et 3 cartes)": [],
            "écriture DOCX": [],
            "écriture PDF": [],
            "total DOCX + PDF": [],
        }
        for _ in range(args.repetitions):
            t_prep, carnet = chrono(lambda: preparer_carnet(atelier, s2.id))
            t_docx, docx = chrono(lambda: ecrire_docx(carnet, sortie / "carnet.docx"))  # noqa: B023
            t_pdf, pdf = chrono(lambda: ecrire_pdf(carnet, sortie / "carnet.pdf"))  # noqa: B023
            for nom, t in zip(temps, (t_prep, t_docx, t_pdf, t_prep + t_docx + t_pdf), strict=True):
                temps[nom].append(t)
        for nom, valeurs in temps.items():
            print(f"{nom:34} {statistics.median(valeurs):7.2f}s")
        print(
            f"{'documents':34} DOCX {docx.stat().st_size / 1e3:.0f} Ko ; "
            f"PDF {pdf.stat().st_size / 1e3:.0f} Ko, {pages_pdf(pdf)} pages"
        )
    finally:
        shutil.rmtree(travail, ignore_errors=True)


if __name__ == "__main__":
    main()
