"""Qui est devant l'écran : l'acteur de la session, établi une fois puis relu par les pages.

Les pages ne lisent jamais l'état de session directement : elles appellent :func:`acteur_courant`
et passent l'acteur au domaine, qui vérifie ses droits (:mod:`esquisse.acces.politique`).
Le réglage ``ESQUISSE_ACCES`` choisit comment on l'établit (voir « Accès » dans le README).
"""

from __future__ import annotations

import streamlit as st

from esquisse.acces.politique import PERSONNE, TOUS_LES_ATELIERS, Acteur, Role
from esquisse.noyau.reglages import reglage
from ui.connexion import acteur_oidc, menu_connexion, page_connexion

_CLE_ACTEUR = "acces-acteur"


def mode_acces() -> str:
    return reglage("ESQUISSE_ACCES")


def acteur_identifie() -> Acteur | None:
    """L'acteur établi par une connexion (mode ``oidc``) ; ``None`` en mode ouvert ou sans connexion."""
    if mode_acces() == "oidc":
        return acteur_oidc()
    return None


def acteur_courant() -> Acteur:
    """L'acteur de cette session.

    Mode « oidc » : la personne connectée, avec ses rôles par atelier (personne : aucun droit).
    Mode « ouvert » (le comportement historique) : toute personne qui atteint le serveur anime
    tous les ateliers, sous le nom choisi dans « Qui dessine ? ».
    """
    if mode_acces() == "oidc":
        return acteur_oidc() or PERSONNE
    from interface import auteur

    acteur = st.session_state.get(_CLE_ACTEUR)
    if acteur is None:
        nom, role = auteur()
        acteur = Acteur(nom=nom, role_structure=role, roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="ouvert")
    return acteur


def exiger_acteur() -> None:
    """Sans connexion (mode ``oidc``), la page de connexion et rien d'autre : la page s'arrête."""
    if mode_acces() == "oidc" and acteur_oidc() is None:
        page_connexion()
        st.stop()


def afficher_session() -> None:
    """Dans la barre latérale, la personne connectée et « Se déconnecter » (mode ``oidc``)."""
    acteur = acteur_identifie()
    if acteur is not None:
        menu_connexion(acteur)
