"""Processus d'enregistrement sur un magasin (dossier ou URL PostgreSQL), pour les tests de concurrence.

    python -m tests.travailleur_stockage <source> <nom> <nombre> <sortie.json> [--lourd]

Chaque enregistrement ajoute une entité nouvelle et modifie le titre d'une entité partagée
(« commune ») ; la sortie décrit, après chaque enregistrement, la version écrite, l'entité
ajoutée et les conflits rapportés.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from esquisse.esquisses.versions import Changement
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.interfaces import RefHypothese
from tests.travailleur_versions import polygone

REF = RefHypothese("atelier-test", "seance-1", "hyp-1")


def main() -> None:
    source, nom, nombre, sortie = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    lourd = "--lourd" in sys.argv
    depot = ouvrir(source).versions(REF)
    journal = []
    for k in range(nombre):
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


if __name__ == "__main__":
    main()
