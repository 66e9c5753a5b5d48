"""Commandes d'Esquisse en ligne de commande.

python -m esquisse copier-atelier ID --de SOURCE --vers CIBLE
"""

from __future__ import annotations

import argparse
import sys

from esquisse.erreurs import EsquisseErreur
from esquisse.stockage.copie import copier_atelier


def main(arguments: list[str] | None = None) -> int:
    parseur = argparse.ArgumentParser(prog="python -m esquisse", description="Commandes d'Esquisse.")
    commandes = parseur.add_subparsers(dest="commande", required=True)
    copie = commandes.add_parser(
        "copier-atelier",
        help="copie un atelier d'un magasin à l'autre (dossier d'ateliers ou URL postgresql://)",
    )
    copie.add_argument("identifiant", metavar="ID", help="identifiant de l'atelier")
    copie.add_argument("--de", required=True, metavar="SOURCE", help="dossier d'ateliers ou URL postgresql://")
    copie.add_argument("--vers", required=True, metavar="CIBLE", help="dossier d'ateliers ou URL postgresql://")
    args = parseur.parse_args(arguments)
    try:
        resultat = copier_atelier(args.identifiant, args.de, args.vers)
    except EsquisseErreur as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    print(resultat.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
