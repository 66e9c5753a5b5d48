"""Connexion OpenID Connect (mode ``ESQUISSE_ACCES=oidc``) par ``st.login`` / ``st.user`` / ``st.logout``.

Streamlit mène la connexion chez le fournisseur (ProConnect ou un autre) et garde l'identité dans un
cookie signé ; Esquisse en lit le courriel et y associe les rôles de la personne dans chaque atelier
(:func:`esquisse.acces.membres.acteur_connecte`). La configuration (section ``[auth]`` des secrets
de Streamlit) est décrite dans :mod:`esquisse.acces.oidc` et dans le README.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAuthError

from esquisse.acces.membres import acteur_connecte, etat_des_membres
from esquisse.acces.politique import Acteur
from esquisse.noyau.reglages import reglage


def nom_fournisseur() -> str:
    return reglage("ESQUISSE_OIDC_NOM")


def acteur_oidc() -> Acteur | None:
    """La personne connectée, avec ses rôles par atelier ; ``None`` si personne ne l'est.

    Un courriel que le fournisseur déclare non vérifié n'ouvre aucun atelier.
    """
    if not st.user.get("is_logged_in", False):  # sans section [auth], Streamlit ne définit pas cette clé
        return None
    courriel = str(st.user.get("email") or "")
    if st.user.get("email_verified") is False:
        courriel = ""
    projets = reglage("ESQUISSE_PROJETS")
    return _acteur(projets, courriel, str(st.user.get("name") or ""), etat_des_membres(projets))


@functools.lru_cache(maxsize=1024)
def _acteur(projets: Path, courriel: str, nom: str, etat: tuple) -> Acteur:  # etat : la clé du cache seulement
    return acteur_connecte(projets, courriel, nom)


def _se_connecter() -> None:
    try:
        st.login()
    except StreamlitAuthError:
        st.session_state["connexion-erreur"] = True


def page_connexion() -> None:
    """La page qui précède tout : le bouton « Se connecter avec … » et rien d'autre."""
    st.title("Esquisse")
    st.caption("Esquisser, annoter et comparer les hypothèses d'un Atelier des territoires.")
    st.markdown("Connectez-vous pour retrouver les ateliers dont vous êtes membre.")
    st.button(
        f"Se connecter avec {nom_fournisseur()}",
        type="primary",
        icon=":material/login:",
        on_click=_se_connecter,
    )
    if st.session_state.pop("connexion-erreur", False):
        st.error(
            "La connexion n'est pas configurée sur ce serveur (section [auth] des secrets de Streamlit absente "
            "ou incomplète). Prévenez la personne qui l'administre : voir « Accès » dans le README d'Esquisse."
        )


def menu_connexion(acteur: Acteur) -> None:
    """Dans la barre latérale : qui est connecté, et « Se déconnecter »."""
    from ui.textes import md

    qui = md(acteur.nom) + (f" ({md(acteur.courriel)})" if acteur.courriel != acteur.nom else "")
    st.caption(f"Connecté·e : {qui}")
    st.button("Se déconnecter", icon=":material/logout:", on_click=st.logout, key="se-deconnecter")
