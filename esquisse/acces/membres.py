"""Les membres d'un atelier : les participants qui ont un accès (animation, contribution, lecture).

Le rôle et le courriel sont rangés avec les participants, dans le document de l'atelier
(``atelier.json``, ou la base ``ESQUISSE_BASE`` ; :mod:`esquisse.atelier.participants`). Une
connexion (OpenID Connect) retrouve une personne par son courriel ; une invitation de tablette,
par son nom parmi les participants.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from esquisse.acces.politique import Acteur, Role, peut
from esquisse.atelier.ateliers import Atelier, inventorier_ateliers, revisions_des_ateliers
from esquisse.atelier.participants import Participant


def membres_de(atelier: Atelier) -> tuple[Participant, ...]:
    """Les participants de l'atelier qui y ont un accès."""
    return tuple(p for p in atelier.participants if p.acces)


def normaliser_courriel(courriel) -> str:
    """Un courriel comparable : sans blancs autour, sans casse (comme les participants l'enregistrent)."""
    return " ".join(str(courriel or "").split()).casefold()


def _adhesions(projets: Path, courriel: str) -> list[tuple[Atelier, Participant]]:
    """(atelier, fiche du membre) pour chaque atelier lisible où ce courriel a un accès."""
    cle = normaliser_courriel(courriel)
    if not cle:
        return []
    return [
        (atelier, p)
        for atelier in inventorier_ateliers(projets).ateliers
        for p in membres_de(atelier)
        if p.courriel == cle
    ]


def roles_par_courriel(projets: Path, courriel: str) -> dict[str, Role]:
    """Atelier → rôle de la personne dont c'est le courriel (casse ignorée), dans chaque atelier lisible."""
    return {atelier.id: Role(p.acces) for atelier, p in _adhesions(projets, courriel)}


def acteur_connecte(projets: Path, courriel: str, nom_fourni: str = "") -> Acteur:
    """L'acteur d'une personne connectée (mode ``oidc``) : ses rôles par atelier selon son courriel.

    Son nom est celui que l'animation a inscrit dans les participants, sinon celui que donne le
    fournisseur d'identité, sinon son courriel.
    """
    courriel = normaliser_courriel(courriel)
    adhesions = _adhesions(projets, courriel)
    fiche = adhesions[0][1] if adhesions else None
    return Acteur(
        nom=fiche.nom if fiche else (" ".join(nom_fourni.split()) or courriel),
        role_structure=fiche.role if fiche else "",
        courriel=courriel,
        roles={atelier.id: Role(p.acces) for atelier, p in adhesions},
        origine="oidc",
    )


def etat_des_membres(projets: Path) -> tuple:
    """Ce qui change dès que le document d'un atelier change (sa révision, dans les fichiers ou la base).

    Clé de cache : l'acteur d'une personne connectée ne se recalcule que si un atelier a changé
    (un membre retiré l'est donc dès la page suivante).
    """
    return revisions_des_ateliers(projets)


def acteur_membre(atelier: Atelier, participant: Participant, origine: str, seances: Iterable[str] = ()) -> Acteur:
    """L'acteur d'un membre dans un atelier (son nom, sa structure, son rôle ; ses séances s'il y en a)."""
    if not participant.acces:
        raise ValueError(f"{participant.nom} n'a pas d'accès à l'atelier {atelier.id}")
    restreintes = frozenset(seances)
    return Acteur(
        nom=participant.nom,
        role_structure=participant.role,
        courriel=participant.courriel,
        roles={atelier.id: Role(participant.acces)},
        seances={atelier.id: restreintes} if restreintes else {},
        origine=origine,
    )


def ateliers_visibles(acteur: Acteur | None, ateliers: Iterable[Atelier]) -> list[Atelier]:
    """Les ateliers où ``acteur`` a un rôle (les autres ne sont même pas listés)."""
    return [a for a in ateliers if peut(acteur, "atelier.lire", a.id)]
