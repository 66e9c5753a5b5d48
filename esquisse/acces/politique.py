"""La politique d'accès : trois rôles par atelier et la table action → rôles admis.

- **animation** (équipe-projet, DREAL, DDT) : tout, y compris les membres, les imports, les
  restaurations, les archives et les exports ;
- **contribution** (les élus autour de la table) : dessiner, annoter et commenter dans les
  séances ouvertes qui leur sont confiées ;
- **lecture** (information, cercle large, mur) : lire, et seulement ce que l'animation a partagé.

Une personne sans rôle dans un atelier n'y peut rien, pas même lire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from esquisse.noyau.erreurs import AccesRefuse


class Role(StrEnum):
    ANIMATION = "animation"
    CONTRIBUTION = "contribution"
    LECTURE = "lecture"


LIBELLES_ROLES = {
    Role.ANIMATION: "Animation",
    Role.CONTRIBUTION: "Contribution",
    Role.LECTURE: "Lecture",
}

TOUS_LES_ATELIERS = "*"

_A = frozenset({Role.ANIMATION})
_AC = frozenset({Role.ANIMATION, Role.CONTRIBUTION})
_ACL = frozenset(Role)

# action → (rôles admis, ce que dit le refus). Toute action qui écrit figure ici.
ACTIONS: dict[str, tuple[frozenset[Role], str]] = {
    "atelier.lire": (_ACL, "voir cet atelier"),
    "atelier.creer": (_A, "créer un atelier"),
    "atelier.modifier": (_A, "modifier la fiche de l'atelier"),
    "membres.modifier": (_A, "modifier les participants et leurs rôles"),
    "legende.modifier": (_A, "modifier la légende"),
    "couches.modifier": (_A, "importer ou dériver des couches"),
    "territoire.modifier": (_A, "modifier le territoire de projet"),
    "seance.creer": (_A, "créer une séance"),
    "seance.modifier": (_A, "modifier une séance"),
    "seance.archiver": (_A, "archiver ou rétablir une séance"),
    "hypothese.creer": (_A, "créer ou reprendre une hypothèse"),
    "hypothese.modifier": (_A, "changer le statut ou le partage d'une hypothèse"),
    "esquisse.dessiner": (_AC, "dessiner ou annoter"),
    "esquisse.modifier_autrui": (_A, "modifier ou supprimer l'esquisse d'une autre personne"),
    "version.restaurer": (_A, "restaurer une version"),
    "brouillon.ecrire": (_AC, "garder un dessin en cours"),
    "vues.modifier": (_A, "garder ou retirer une vue"),
    "feuille.modifier": (_A, "modifier la feuille de route"),
    "releve.modifier": (_A, "modifier le relevé de séance"),
    "export.produire": (_A, "exporter des cartes, des fichiers SIG ou le carnet"),
    "sauvegarde.exporter": (_A, "télécharger la sauvegarde de l'atelier"),
    "sauvegarde.importer": (_A, "importer une sauvegarde d'atelier"),
    "publication.publier": (_A, "publier l'atelier"),
    "invitation.gerer": (_A, "créer ou révoquer des invitations"),
}


@dataclass(frozen=True)
class Acteur:
    """La personne qui agit, telle que l'établit sa connexion ou son invitation (jamais une saisie libre).

    ``roles`` : identifiant d'atelier → rôle ; la clé ``"*"`` vaut pour tous les ateliers (la
    personne qui a lancé Esquisse sur son ordinateur, le mode ouvert). ``seances`` restreint, par
    atelier, les séances où elle peut contribuer (une invitation de tablette vaut pour une séance) ;
    un atelier absent de ``seances`` n'a pas de restriction.
    """

    nom: str
    role_structure: str = ""  # élu·e, DDT… (clés de esquisse.esquisses.geojson.ROLES), porté par les versions
    courriel: str = ""
    roles: Mapping[str, Role] = field(default_factory=dict)
    seances: Mapping[str, frozenset[str]] = field(default_factory=dict)
    origine: str = ""  # « local », « invitation », « oidc », « ouvert », « commande »

    def role(self, atelier: str) -> Role | None:
        return self.roles.get(atelier) or self.roles.get(TOUS_LES_ATELIERS)


PERSONNE = Acteur(nom="", origine="aucune")


def peut(acteur: Acteur | None, action: str, atelier: str, seance: str | None = None) -> bool:
    """Vrai si ``acteur`` peut faire ``action`` dans ``atelier`` (et dans ``seance``, si elle est donnée)."""
    if action not in ACTIONS:
        raise KeyError(f"action inconnue de la politique d'accès : {action}")
    if acteur is None:
        return False
    role = acteur.role(atelier)
    admis, _ = ACTIONS[action]
    if role is None or role not in admis:
        return False
    if seance is not None and role is not Role.ANIMATION and atelier in acteur.seances:
        return seance in acteur.seances[atelier]
    return True


def verifier(acteur: Acteur | None, action: str, atelier: str, seance: str | None = None) -> None:
    """Refuse en français (:class:`AccesRefuse`) si ``acteur`` ne peut pas faire ``action`` ; rien n'est écrit."""
    if peut(acteur, action, atelier, seance):
        return
    _, quoi = ACTIONS[action]
    if acteur is None or acteur.role(atelier) is None:
        raise AccesRefuse(f"Vous n'êtes pas membre de cet atelier : impossible de {quoi}. Rien n'a été modifié.")
    role = acteur.role(atelier)
    if role in ACTIONS[action][0]:  # le rôle suffirait : c'est la séance qui n'est pas confiée
        raise AccesRefuse(
            f"Votre invitation ne vaut pas pour cette séance : impossible de {quoi}. Rien n'a été modifié."
        )
    role = LIBELLES_ROLES[role]
    raise AccesRefuse(f"Le rôle « {role} » ne permet pas de {quoi}. Rien n'a été modifié.")
