"""Processus d'enregistrement pour les tests de concurrence et d'arrêt brutal.

    python -m tests.travailleur_versions <dossier> <nom> <nombre> <sortie.json> [--lourd] [--tuer-a POINT]

``--tuer-a`` simule un arrêt brutal (SIGKILL du processus lui-même) au dernier
enregistrement, à un point précis : ``avant-lien`` (fichier temporaire écrit, version pas
encore créée), ``apres-lien`` (version créée, pas encore indexée), ``index-partiel``
(ligne d'historique à moitié écrite).

Les enregistrements sont ceux de :func:`enregistrer_en_boucle`, partagée avec
``tests.travailleur_stockage``.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
from pathlib import Path

from esquisse.esquisses import versions
from esquisse.esquisses.versions import Changement, Depot
from esquisse.noyau import fichiers


def se_tuer() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def piege(point: str) -> None:
    """Installe l'arrêt brutal au point demandé."""
    if point == "avant-lien":
        fichiers.os.link = lambda *a, **k: se_tuer()
    elif point == "apres-lien":
        Depot._indexer = lambda self, meta: se_tuer()
    elif point == "index-partiel":
        ecrire = os.write

        def moitie(fd, octets):
            ecrire(fd, octets[: len(octets) // 2])
            se_tuer()

        versions.os.write = moitie
    else:
        raise SystemExit(f"point inconnu : {point}")


def polygone(cx: float, cy: float, n: int) -> dict:
    anneau = [[cx + 0.01 * math.cos(2 * math.pi * k / n), cy + 0.01 * math.sin(2 * math.pi * k / n)] for k in range(n)]
    return {"type": "Polygon", "coordinates": [[*anneau, anneau[0]]]}


def enregistrer_en_boucle(depot, nom: str, nombre: int, sortie: Path, lourd: bool, avant=None) -> None:
    """Les ``nombre`` enregistrements d'un travailleur sur ``depot`` (un ``Depot`` de fichiers ou les versions d'un
    magasin) ; ``avant(k)`` est appelé avant le k-ième.

    Chaque enregistrement ajoute une entité nouvelle et modifie le titre de l'entité partagée « commune » ; après
    chacun, ``sortie`` (remplacée d'un coup) décrit les enregistrements faits : version écrite, entité ajoutée,
    conflits rapportés.
    """
    journal = []
    for k in range(nombre):
        if avant is not None:
            avant(k)
        numero = depot.numero_courant()
        changements = [
            Changement(
                f"{nom}-{k}",
                None,
                {
                    "type": "Feature",
                    "geometry": polygone(2 + k * 0.001, 48, 400 if lourd else 8),
                    "properties": {"titre": f"{nom} {k}", "categorie": "projet", "auteur": nom},
                },
            )
        ]
        partagees = depot.entites(numero)
        if "commune" in partagees:
            e = partagees["commune"]
            changements.append(
                Changement("commune", numero, {**e, "properties": {**e["properties"], "titre": f"{nom} {k}"}})
            )
        resultat = depot.enregistrer(changements, auteur=nom, role="elu")
        journal.append(
            {
                "version": resultat.version.numero if resultat.version else None,
                "ajoutee": f"{nom}-{k}",
                "conflits": [c.id for c in resultat.conflits],
            }
        )
        temporaire = sortie.with_suffix(".tmp")
        temporaire.write_text(json.dumps(journal))
        temporaire.replace(sortie)


def main() -> None:
    dossier, nom, nombre, sortie = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    point = sys.argv[sys.argv.index("--tuer-a") + 1] if "--tuer-a" in sys.argv else None

    def avant(k: int) -> None:
        if point and k == nombre - 1:
            piege(point)

    enregistrer_en_boucle(Depot(dossier, {"atelier": "test"}), nom, nombre, sortie, "--lourd" in sys.argv, avant)


if __name__ == "__main__":
    main()
