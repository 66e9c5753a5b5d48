"""Les membres d'un atelier : les participants qui ont un courriel et un accès (voir ``atelier.json``).

Une personne connectée (OpenID Connect) est reconnue par son courriel : elle a, dans chaque atelier
où ce courriel figure avec un accès, le rôle correspondant ; ailleurs, aucun.
"""

from __future__ import annotations

from pathlib import Path

from esquisse.acces.politique import Acteur, Role
from esquisse.atelier.ateliers import FICHIER_ATELIER, Atelier, lister_ateliers
from esquisse.atelier.participants import Participant, normaliser_courriel


def membres_de(atelier: Atelier) -> tuple[Participant, ...]:
    """Les participants de l'atelier qui y ont un accès (courriel et rôle renseignés)."""
    return tuple(p for p in atelier.participants if p.courriel and p.acces)


def membre_par_courriel(atelier: Atelier, courriel: str) -> Participant | None:
    """Le membre de l'atelier qui a ce courriel (comparé sans la casse), s'il y en a un."""
    cherche = normaliser_courriel(courriel)
    if not cherche:
        return None
    return next((p for p in membres_de(atelier) if p.courriel == cherche), None)


def roles_par_courriel(projets: Path, courriel: str) -> dict[str, Role]:
    """Identifiant d'atelier → rôle de la personne qui a ce courriel, pour les ateliers (du dossier
    ``projets``) où elle est membre. Un courriel vide n'est membre de rien."""
    return {atelier.id: Role(membre.acces) for atelier, membre in _adhesions(projets, courriel)}


def _adhesions(projets: Path, courriel: str) -> list[tuple[Atelier, Participant]]:
    if not normaliser_courriel(courriel):
        return []
    trouves = ((a, membre_par_courriel(a, courriel)) for a in lister_ateliers(projets))
    return [(a, m) for a, m in trouves if m is not None]


def acteur_connecte(projets: Path, courriel: str, nom_fourni: str = "") -> Acteur:
    """L'acteur d'une personne connectée : ses rôles par atelier selon son courriel.

    Son nom est celui que l'animation a inscrit dans les participants (le même dans toutes les
    versions de l'atelier), sinon celui que donne le fournisseur d'identité, sinon son courriel.
    """
    courriel = normaliser_courriel(courriel)
    adhesions = _adhesions(projets, courriel)
    roles = {atelier.id: Role(membre.acces) for atelier, membre in adhesions}
    fiche = adhesions[0][1] if adhesions else None
    nom = fiche.nom if fiche else (" ".join(nom_fourni.split()) or courriel)
    return Acteur(
        nom=nom,
        role_structure=fiche.role if fiche else "",
        courriel=courriel,
        roles=roles,
        origine="oidc",
    )


def etat_des_membres(projets: Path) -> tuple:
    """Ce qui change dès qu'un ``atelier.json`` change (écrit par remplacement : nouvel inode).

    Sert de clé de cache : l'acteur d'une personne connectée se recalcule seulement quand un
    atelier a changé (un membre retiré l'est donc dès la page suivante).
    """
    etat = []
    for fiche in sorted(projets.glob(f"*/{FICHIER_ATELIER}")):
        try:
            infos = fiche.stat()
        except OSError:
            continue
        etat.append((fiche.parent.name, infos.st_ino, infos.st_mtime_ns, infos.st_size))
    return tuple(etat)
