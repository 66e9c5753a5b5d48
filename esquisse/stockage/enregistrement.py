"""Le cœur d'un enregistrement de version, en fonctions pures (ni fichier, ni base, ni horloge).

Les deux magasins (fichiers et PostGIS) enregistrent de la même façon :

1. :func:`preparer` vérifie et normalise les changements locaux (avant tout verrou) ;
2. le magasin lit le numéro de la dernière version, puis :func:`verifier_bases` ;
3. il lit, pour les seules entités concernées, leur état dans la dernière version et dans
   leur version de base ;
4. :func:`fusionner_changements` fusionne à trois voies (voir :mod:`esquisse.esquisses.fusion`) et rend un
   :class:`Delta` : les seules entités qui changent vraiment, les conflits et les comptes ;
5. le magasin écrit la version suivante ; si ce numéro a été pris entre-temps, il recommence
   en 2 (la fusion se refait contre la version de l'autre).

Le delta ne dépend que des entités concernées : un magasin qui range les entités une par une
(PostGIS) écrit donc en proportion des changements, pas de la taille de l'hypothèse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from esquisse.esquisses.fusion import Conflit, fusionner
from esquisse.esquisses.geojson import normaliser_entite, verifier_id
from esquisse.noyau.erreurs import DonneeInvalide

if TYPE_CHECKING:
    from esquisse.esquisses.versions import Changement


# Empreinte d'une version née dans un magasin qui ne sérialise pas toute la version (PostGIS) :
# une chaîne de hachages (parent + changement). Les autres empreintes sont le SHA-256 du fichier.
PREFIXE_EMPREINTE_CHAINEE = "chaine:"


@dataclass
class Delta:
    """Ce qu'un enregistrement change : ``entites`` associe à chaque entité changée son nouvel
    état, ou ``None`` si elle est supprimée (dans l'ordre des changements)."""

    entites: dict[str, dict | None] = field(default_factory=dict)
    conflits: list[Conflit] = field(default_factory=list)
    ajoutees: int = 0
    modifiees: int = 0
    supprimees: int = 0

    @property
    def vide(self) -> bool:
        return not self.entites


def preparer(changements: Iterable[Changement]) -> list[Changement]:
    """Vérifie les identifiants (uniques, valides) et normalise les entités ; rien n'est écrit."""
    changements = list(changements)
    ids = [verifier_id(c.id) for c in changements]
    if len(set(ids)) != len(ids):
        raise DonneeInvalide("Une même entité apparaît deux fois dans les changements.")
    return [
        dataclasses.replace(c, entite=normaliser_entite({**c.entite, "id": c.id}) if c.entite is not None else None)
        for c in changements
    ]


def verifier_bases(changements: Sequence[Changement], courant: int) -> None:
    """Chaque version de base doit exister (de 1 au numéro ``courant``)."""
    for c in changements:
        if c.base is not None and not 1 <= c.base <= courant:
            raise DonneeInvalide(f"Version de base inconnue pour l'entité {c.id} : {c.base}.")


def fusionner_changements(
    changements: Sequence[Changement], distante: Mapping[str, dict], base: Mapping[str, dict]
) -> Delta:
    """Fusionne des changements préparés avec la dernière version.

    ``distante`` donne l'état, dans la dernière version, d'au moins les entités concernées
    (une entité absente n'y existe pas) ; ``base`` celui de chaque entité concernée dans sa
    propre version de base (absente : nouvelle, ou déjà supprimée dans sa base).
    """
    concernees = [c.id for c in changements]
    locale = {c.id: c.entite for c in changements if c.entite is not None}
    bases = {i: base[i] for i in concernees if i in base}
    distantes = {i: distante[i] for i in concernees if i in distante}
    partielle = fusionner(bases, locale, distantes)
    delta = Delta(conflits=partielle.conflits)
    for i in concernees:
        avant = distantes.get(i)
        apres = partielle.entites.get(i)
        if avant == apres:
            continue
        delta.entites[i] = apres
        if avant is None:
            delta.ajoutees += 1
        elif apres is None:
            delta.supprimees += 1
        else:
            delta.modifiees += 1
    return delta


def appliquer_delta(distante: Sequence[dict], delta: Delta) -> list[dict]:
    """Les entités de la version suivante : celles de la dernière, dans leur ordre (remplacées ou
    retirées selon le delta), puis les ajouts dans l'ordre des changements."""
    presentes = {e["id"] for e in distante}
    resultat = [delta.entites.get(e["id"], e) for e in distante]
    resultat = [e for e in resultat if e is not None]
    resultat += [e for i, e in delta.entites.items() if i not in presentes and e is not None]
    return resultat


def resume_changements(ajoutees: int, modifiees: int, supprimees: int) -> str:
    parties = []
    for n, singulier, pluriel in (
        (ajoutees, "esquisse ajoutée", "esquisses ajoutées"),
        (modifiees, "esquisse modifiée", "esquisses modifiées"),
        (supprimees, "esquisse supprimée", "esquisses supprimées"),
    ):
        if n:
            parties.append(f"{n} {singulier if n == 1 else pluriel}")
    return ", ".join(parties) or "Aucun changement"
