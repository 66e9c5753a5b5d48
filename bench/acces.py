"""Le coût des contrôles d'accès : sur un enregistrement, et sur une exécution de la page Carte.

- Enregistrer une esquisse par la couche de services (rôle vérifié, séance ouverte, propriété des
  esquisses pour la contribution, ligne au journal, synchronisée), comparé au même enregistrement
  fait directement par le domaine (construire les changements, écrire la version), en alternance ;
  « sans journal » isole les contrôles de l'écriture du journal ;
- exécuter la page Carte (AppTest, dans ce processus) avec les contrôles, comparé à la même page
  dont les contrôles sont remplacés par « tout est permis », en alternance ; puis les contrôles
  seuls de cette page, mesurés directement (l'écart entre deux exécutions de page est du bruit
  sur une machine partagée).

    .venv/bin/python bench/acces.py [--enregistrements 60] [--pages 15]
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

from esquisse.acces import journal, politique, services
from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import hypothese, seance
from esquisse.esquisses.edition import DessinLocal, construire_changements
from esquisse.esquisses.versions import maintenant

RACINE = Path(__file__).resolve().parents[1]
A, S, H = "bassee-montois", "2026-01-22-atelier-2", "a-la-bassee-vallee-nourriciere"
ANIMATION = Acteur("Anne Animatrice", "ddt", roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="local")
CONTRIBUTION = Acteur("Claire", "elu", roles={A: Role.CONTRIBUTION}, seances={A: frozenset({S})}, origine="invitation")


def point(tour: int, variante: int) -> DessinLocal:
    """Une esquisse nouvelle, propre à ce tour et à cette variante (jamais celle d'un autre)."""
    x = 3.2 + tour * 1e-4
    return DessinLocal(f"b{tour}-{variante}", None, 1, geometrie={"type": "Point", "coordinates": [x, 48.42]})


def bench_enregistrement(projets: Path, n: int) -> None:
    atelier = charger_atelier(projets, A)
    h = hypothese(seance(atelier.dossier, S), H)
    depot = h.depot(A)
    durees: dict[str, list[float]] = {"domaine": [], "animation": [], "contribution": [], "sans journal": []}
    noter = journal.noter
    noms = list(durees)
    for i in range(n):
        # L'ordre tourne d'un tour à l'autre : aucune variante ne profite toujours de la même place.
        for nom in noms[i % len(noms) :] + noms[: i % len(noms)]:
            dessin = point(i, noms.index(nom))
            debut = time.perf_counter()
            if nom == "domaine":  # ce que faisait la page avant : aucun contrôle, aucun journal
                changements = construire_changements(
                    [dessin], {}, depot, atelier.legende, "Anne Animatrice", "ddt", maintenant()
                )
                depot.enregistrer(changements, "Anne Animatrice", "ddt")
            elif nom == "sans journal":  # les contrôles seuls (contribution), sans la ligne du journal
                journal.noter = lambda *a, **k: None
                try:
                    services.enregistrer_dessins(CONTRIBUTION, atelier, h, [dessin], {})
                finally:
                    journal.noter = noter
            else:
                acteur = ANIMATION if nom == "animation" else CONTRIBUTION
                services.enregistrer_dessins(acteur, atelier, h, [dessin], {})
            durees[nom].append(time.perf_counter() - debut)
    ref = statistics.median(durees["domaine"])
    print(f"Enregistrer une esquisse (hypothèse de {len(depot.entites(depot.numero_courant()))} esquisses), {n} fois :")
    print(f"  sans contrôle (domaine seul) : médiane {ref * 1000:.2f} ms")
    for nom in ("animation", "contribution", "sans journal"):
        med = statistics.median(durees[nom])
        print(f"  par les services, {nom:<12} : médiane {med * 1000:.2f} ms → ×{med / ref:.2f}")


def _tout_permis(acteur, action, atelier, seance=None):
    return True


def bench_page(projets: Path, n: int) -> None:
    from streamlit.testing.v1 import AppTest

    from ui.acces import CLE_ACTEUR

    os.environ["ESQUISSE_PROJETS"] = str(projets)
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=120)
    at.session_state[CLE_ACTEUR] = ANIMATION
    at.switch_page("pages/carte.py")
    for cle, valeur in {"atelier": A, "seance": S, "hypothese": H}.items():
        at.query_params[cle] = valeur
    at.run()  # premier passage : caches chauds
    assert not at.exception, [e.message for e in at.exception]
    originaux = (politique.peut, services.verifier, services.hypotheses_visibles, services.verifier_lecture)
    sans: list[float] = []
    avec: list[float] = []

    def sans_controles() -> float:
        # Tout est permis, rien n'est filtré (les pages relisent ces noms à chaque exécution).
        politique.peut = _tout_permis
        services.verifier = lambda *a, **k: None
        services.hypotheses_visibles = lambda acteur, atelier, hypotheses: list(hypotheses)
        services.verifier_lecture = lambda *a, **k: None
        try:
            return executer()
        finally:
            politique.peut, services.verifier, services.hypotheses_visibles, services.verifier_lecture = originaux

    def executer() -> float:
        debut = time.perf_counter()
        at.run()
        duree = time.perf_counter() - debut
        assert not at.exception, [e.message for e in at.exception]
        return duree

    for i in range(n):
        # L'ordre alterne d'un tour à l'autre : aucune des deux variantes ne profite d'être la seconde.
        if i % 2:
            sans.append(sans_controles())
            avec.append(executer())
        else:
            avec.append(executer())
            sans.append(sans_controles())
    ref, med = statistics.median(sans), statistics.median(avec)
    print(f"Exécuter la page Carte (AppTest, animation, hypothèse de la démonstration), {n} fois :")
    print(f"  sans contrôle : médiane {ref * 1000:.1f} ms")
    print(f"  avec contrôles : médiane {med * 1000:.1f} ms → ×{med / ref:.3f}")
    # Les contrôles seuls, tels que la page Carte les fait à chaque exécution (moins bruité que l'écart
    # entre deux exécutions de page sur une machine partagée).
    atelier = charger_atelier(projets, A)
    s = seance(atelier.dossier, S)
    hyps = [hypothese(s, H)]
    for acteur, nom in ((ANIMATION, "animation"), (CONTRIBUTION, "contribution")):
        tours = 2000
        debut = time.perf_counter()
        for _ in range(tours):
            services.verifier_lecture(acteur, A)
            services.hypotheses_visibles(acteur, A, hyps)
            services.peut_dessiner(acteur, atelier, s)
            politique.peut(acteur, "invitation.gerer", A)
        cout = (time.perf_counter() - debut) / tours
        print(f"  contrôles seuls d'une exécution ({nom}) : {cout * 1e6:.1f} µs → {cout / ref * 100:.3f} % de la page")


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--enregistrements", type=int, default=60)
    parseur.add_argument("--pages", type=int, default=15)
    options = parseur.parse_args()
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-bench-acces-"))
    try:
        projets = dossier / "projets"
        shutil.copytree(RACINE / "projets", projets)
        bench_enregistrement(projets, options.enregistrements)
        bench_page(projets, options.pages)
    finally:
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    main()
