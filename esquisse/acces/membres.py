"""Les membres d'un atelier : les participants qui ont un accès (animation, contribution, lecture).

Le rôle et le courriel sont rangés avec les participants, dans ``atelier.json``
(:mod:`esquisse.atelier.participants`). Une connexion (OpenID Connect) retrouve une personne par
son courriel ; une invitation de tablette, par son nom parmi les participants.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from esquisse.acces.politique import Acteur, Role, peut
from esquisse.atelier.ateliers import Atelier, inventorier_ateliers
from esquisse.atelier.participants import Participant


def membres_de(atelier: Atelier) -> tuple[Participant, ...]:
    """Les participants de l'atelier qui y ont un accès."""
    return tuple(p for p in atelier.participants if p.acces)


def roles_par_courriel(projets: Path, courriel: str) -> dict[str, Role]:
    """Atelier → rôle de la personne dont c'est le courriel (casse ignorée), dans chaque atelier lisible."""
    cle = " ".join(str(courriel or "").split()).casefold()
    if not cle:
        return {}
    roles: dict[str, Role] = {}
    for atelier in inventorier_ateliers(projets).ateliers:
        for p in membres_de(atelier):
            if p.courriel == cle:
                roles[atelier.id] = Role(p.acces)
    return roles


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
