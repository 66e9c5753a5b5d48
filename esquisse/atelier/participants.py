"""Participants d'un atelier : nom, structure et rôle (élu·e, équipe-projet, DREAL, DDT, partenaire).

Un participant peut aussi être **membre** : son courriel (celui de sa connexion OpenID Connect)
et son accès à l'atelier (``animation``, ``contribution``, ``lecture`` ; vide : aucun), voir
:mod:`esquisse.acces.membres`.

Ils sont rangés dans ``atelier.json`` (clé ``participants``) et lus par
:class:`esquisse.atelier.ateliers.Atelier`. Les rôles sont ceux des esquisses
(:data:`esquisse.esquisses.geojson.ROLES`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from esquisse.esquisses.geojson import ROLES
from esquisse.noyau.erreurs import DonneeInvalide

MAX_PARTICIPANTS = 500
LONGUEUR_NOM = 100
LONGUEUR_STRUCTURE = 120
LONGUEUR_COURRIEL = 254
ACCES = ("animation", "contribution", "lecture", "")
_COURRIEL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Participant:
    nom: str
    structure: str = ""
    role: str = "elu"  # une clé de ROLES
    courriel: str = ""  # en minuscules ; celui que donne le fournisseur d'identité
    acces: str = ""  # une valeur de ACCES (rôle dans l'atelier, voir esquisse.acces.politique.Role)

    @property
    def libelle_role(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def libelle(self) -> str:
        return f"{self.nom} ({self.structure})" if self.structure else self.nom


def _texte(valeur, champ: str, maximum: int, rang: int) -> str:
    texte = "" if valeur is None else " ".join(str(valeur).split())
    if len(texte) > maximum:
        raise DonneeInvalide(f"Participant n° {rang} : le champ « {champ} » dépasse {maximum} caractères.")
    return texte


def _role(valeur, rang: int, nom: str) -> str:
    brut = "" if valeur is None else str(valeur).strip()
    if brut in ROLES:
        return brut
    # On accepte aussi le libellé affiché (« DDT », « Élu·e »…), tel qu'un tableau le rend.
    for cle, libelle in ROLES.items():
        if brut.casefold() == libelle.casefold():
            return cle
    admis = ", ".join(ROLES.values())
    qui = f"« {nom} »" if nom else f"n° {rang}"
    raise DonneeInvalide(f"Participant {qui} : rôle « {brut} » inconnu ; rôles admis : {admis}.")


def normaliser_courriel(valeur) -> str:
    """Le courriel tel qu'on le compare : sans espaces autour, en minuscules."""
    return "" if valeur is None else str(valeur).strip().lower()


def _courriel(valeur, rang: int, nom: str) -> str:
    courriel = normaliser_courriel(valeur)
    if courriel and (len(courriel) > LONGUEUR_COURRIEL or not _COURRIEL.fullmatch(courriel)):
        raise DonneeInvalide(f"Participant « {nom} » : le courriel « {courriel[:80]} » n'est pas une adresse valide.")
    return courriel


def _acces(valeur, nom: str) -> str:
    acces = "" if valeur is None else str(valeur).strip().lower()
    if acces not in ACCES:
        admis = ", ".join(a for a in ACCES if a)
        raise DonneeInvalide(f"Participant « {nom} » : accès « {acces} » inconnu ; accès admis : {admis} (ou vide).")
    return acces


def valider_participant(donnees: dict, rang: int = 1) -> Participant:
    if not isinstance(donnees, dict):
        raise DonneeInvalide(f"Participant n° {rang} : objet attendu (nom, structure, rôle).")
    nom = _texte(donnees.get("nom"), "nom", LONGUEUR_NOM, rang)
    if not nom:
        raise DonneeInvalide(f"Participant n° {rang} : le nom est obligatoire.")
    structure = _texte(donnees.get("structure"), "structure", LONGUEUR_STRUCTURE, rang)
    return Participant(
        nom,
        structure,
        _role(donnees.get("role"), rang, nom),
        _courriel(donnees.get("courriel"), rang, nom),
        _acces(donnees.get("acces"), nom),
    )


def valider_participants(entrees) -> tuple[Participant, ...]:
    """Les participants d'un atelier ; deux personnes de même nom dans la même structure sont refusées."""
    if not entrees:
        return ()
    if not isinstance(entrees, list):
        raise DonneeInvalide("Les participants doivent former une liste.")
    if len(entrees) > MAX_PARTICIPANTS:
        raise DonneeInvalide(f"Trop de participants : {len(entrees)} (au plus {MAX_PARTICIPANTS}).")
    participants = tuple(valider_participant(e, i) for i, e in enumerate(entrees, start=1))
    vus: set[tuple[str, str]] = set()
    courriels: set[str] = set()
    for p in participants:
        cle = (p.nom.casefold(), p.structure.casefold())
        if cle in vus:
            raise DonneeInvalide(f"Participant en double : « {p.libelle} ».")
        vus.add(cle)
        if p.courriel in courriels:
            raise DonneeInvalide(f"Courriel en double : « {p.courriel} » (une personne, une ligne).")
        if p.courriel:
            courriels.add(p.courriel)
    return participants


def participants_json(participants: tuple[Participant, ...]) -> list[dict]:
    return [asdict(p) for p in participants]
