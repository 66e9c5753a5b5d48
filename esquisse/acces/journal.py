"""Le journal d'un atelier : qui a fait quoi, et quand.

Une ligne JSON par action permise et menée à bien (``journal.jsonl`` dans le dossier de
l'atelier), ajoutée sous verrou puis synchronisée : le journal ne fait que grandir, on n'y
réécrit rien. Une ligne abîmée (arrêt brutal au milieu d'un ajout) est signalée et sautée.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from esquisse.acces.politique import ACTIONS, LIBELLES_ROLES, Acteur
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.fichiers import traduire_erreurs_disque, verrou

FICHIER_JOURNAL = "journal.jsonl"
FICHIER_VERROU = ".verrou-journal"
LONGUEUR_OBJET = 300


@dataclass(frozen=True)
class Entree:
    le: str
    qui: str
    role: str  # animation, contribution, lecture (le rôle dans l'atelier au moment de l'action)
    action: str  # une clé de esquisse.acces.politique.ACTIONS
    objet: str = ""  # ce sur quoi porte l'action, en clair (« séance 2026-01-22-atelier-2 »)
    origine: str = ""

    @property
    def libelle_action(self) -> str:
        quoi = ACTIONS.get(self.action, (None, self.action))[1]
        return quoi[:1].upper() + quoi[1:]

    @property
    def libelle_role(self) -> str:
        return next((v for k, v in LIBELLES_ROLES.items() if k == self.role), self.role)


def noter(dossier_atelier: Path, acteur: Acteur, action: str, atelier: str, objet: str = "") -> Entree:
    """Ajoute une ligne au journal de l'atelier (après l'action, qui a réussi)."""
    role = acteur.role(atelier)
    entree = Entree(
        le=maintenant(),
        qui=acteur.nom or "(sans nom)",
        role=str(role) if role else "",
        action=action,
        objet=" ".join(str(objet).split())[:LONGUEUR_OBJET],
        origine=acteur.origine,
    )
    ligne = (json.dumps(entree.__dict__, ensure_ascii=False) + "\n").encode("utf-8")
    with traduire_erreurs_disque("le journal de l'atelier"), verrou(dossier_atelier / FICHIER_VERROU):
        fd = os.open(dossier_atelier / FICHIER_JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, ligne)
            os.fsync(fd)
        finally:
            os.close(fd)
    return entree


def lire(dossier_atelier: Path) -> tuple[list[Entree], int]:
    """Les entrées du journal, de la plus récente à la plus ancienne, et le nombre de lignes illisibles."""
    chemin = dossier_atelier / FICHIER_JOURNAL
    if not chemin.is_file():
        return [], 0
    entrees: list[Entree] = []
    illisibles = 0
    champs = set(Entree.__dataclass_fields__)
    for brute in chemin.read_bytes().splitlines():
        try:
            donnees = json.loads(brute)
            if not isinstance(donnees, dict) or not {"le", "qui", "action"} <= set(donnees):
                raise ValueError
            entrees.append(Entree(**{k: str(v) for k, v in donnees.items() if k in champs}))
        except ValueError:
            illisibles += 1
    entrees.reverse()
    return entrees, illisibles
