"""Qui est devant l'écran : l'acteur de la session, établi une fois puis relu par les pages.

Les pages ne lisent jamais l'état de session directement : elles appellent :func:`acteur_courant`
et passent l'acteur au domaine, qui vérifie ses droits (:mod:`esquisse.acces.politique`).
"""

from __future__ import annotations

import streamlit as st

from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role

_CLE_ACTEUR = "acces-acteur"
CLE_ACTEUR = _CLE_ACTEUR  # les tests de pages (AppTest) y placent l'acteur d'un rôle donné


def acteur_courant() -> Acteur:
    """L'acteur de cette session.

    Mode « ouvert » (le comportement historique) : toute personne qui atteint le serveur anime
    tous les ateliers, sous le nom choisi dans « Qui dessine ? ».
    """
    from interface import auteur

    acteur = st.session_state.get(_CLE_ACTEUR)
    if acteur is None:
        nom, role = auteur()
        acteur = Acteur(nom=nom, role_structure=role, roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="ouvert")
    return acteur
