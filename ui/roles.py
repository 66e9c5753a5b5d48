"""Ce que la page montre selon le rôle de l'acteur : une politesse, la garde est dans les services."""

from __future__ import annotations

import streamlit as st

from esquisse.acces.politique import ACTIONS, Acteur, peut
from ui.acces import acteur_courant


def exiger_droit(action: str, atelier: str) -> Acteur:
    """L'acteur, s'il peut faire ``action`` dans l'atelier ; sinon la page le dit et s'arrête."""
    acteur = acteur_courant()
    if not peut(acteur, action, atelier):
        quoi = ACTIONS[action][1]
        st.info(f"Cette page sert à {quoi} : c'est le rôle de l'animation de l'atelier.", icon=":material/lock:")
        st.stop()
    return acteur
