"""Le journal d'un atelier : qui a fait quoi, et quand.

Une ligne JSON par action permise et menée à bien, ajoutée au journal de l'atelier dans le
magasin (:mod:`esquisse.stockage.rangement`) : ``journal.jsonl`` dans le dossier de l'atelier
(ligne ajoutée sous verrou puis synchronisée), ou une ligne de la base avec ``ESQUISSE_BASE``.
Le journal ne fait que grandir, on n'y réécrit rien. Une ligne abîmée (arrêt brutal au milieu
d'un ajout) est signalée et sautée.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from esquisse.acces.politique import ACTIONS, LIBELLES_ROLES, Acteur
from esquisse.esquisses.versions import maintenant
from esquisse.stockage.disque import FICHIER_JOURNAL
from esquisse.stockage.rangement import magasin_atelier

__all__ = ["FICHIER_JOURNAL", "Entree", "lire", "noter"]
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
    magasin_atelier(dossier_atelier).journal.ajouter(Path(dossier_atelier).name, asdict(entree))
    return entree


def lire(dossier_atelier: Path) -> tuple[list[Entree], int]:
    """Les entrées du journal, de la plus récente à la plus ancienne, et le nombre de lignes illisibles."""
    lignes, illisibles = magasin_atelier(dossier_atelier).journal.lire(Path(dossier_atelier).name)
    entrees: list[Entree] = []
    champs = set(Entree.__dataclass_fields__)
    for donnees in lignes:
        if {"le", "qui", "action"} <= set(donnees):
            entrees.append(Entree(**{k: str(v) for k, v in donnees.items() if k in champs}))
        else:
            illisibles += 1
    entrees.reverse()
    return entrees, illisibles
