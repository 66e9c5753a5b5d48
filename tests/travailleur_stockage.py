"""Processus d'enregistrement sur un magasin (dossier ou URL PostgreSQL), pour les tests de concurrence.

    python -m tests.travailleur_stockage <source> <nom> <nombre> <sortie.json> [--lourd]

Les enregistrements sont ceux de ``tests.travailleur_versions.enregistrer_en_boucle`` : chacun ajoute
une entité nouvelle et modifie le titre d'une entité partagée (« commune ») ; la sortie décrit,
après chaque enregistrement, la version écrite, l'entité ajoutée et les conflits rapportés.
"""

from __future__ import annotations

import sys
from pathlib import Path

from esquisse.stockage.choix import ouvrir
from esquisse.stockage.interfaces import RefHypothese
from tests.travailleur_versions import enregistrer_en_boucle

REF = RefHypothese("atelier-test", "seance-1", "hyp-1")


def main() -> None:
    source, nom, nombre, sortie = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    enregistrer_en_boucle(ouvrir(source).versions(REF), nom, nombre, sortie, "--lourd" in sys.argv)


if __name__ == "__main__":
    main()
