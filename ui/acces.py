"""Qui est devant l'écran : l'acteur de la session, établi une fois puis relu par les pages.

Les pages ne lisent jamais l'état de session directement : elles appellent :func:`acteur_courant`
et passent l'acteur au domaine, qui vérifie ses droits (:mod:`esquisse.acces.politique`).
:func:`exiger_acteur`, appelé par ``ui.navigation.page``, arrête la page tant que personne n'est
identifié. Le mode vient du réglage ``ESQUISSE_ACCES`` :

- ``local`` (par défaut) : l'adresse imprimée par ``make run`` porte le jeton d'animation
  (``?jeton=…``) ; les autres appareils entrent par une invitation (``?invitation=…``) ;
- ``invitations`` : tout le monde entre par une invitation, même sur l'ordinateur du serveur ;
- ``oidc`` : connexion OpenID Connect (``ui.connexion``) ;
- ``ouvert`` : quiconque atteint le serveur anime tous les ateliers.

L'adresse IP du client ne sert jamais : derrière un mandataire, toutes les requêtes viennent de la
boucle locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from esquisse.acces.invitations import (
    Invitation,
    InvitationRefusee,
    acteur_invite,
    invitation_en_cours,
    invitations,
    jeton_animation_valide,
    lire_invitation,
    revoquer,
)
from esquisse.acces.politique import LIBELLES_ROLES, PERSONNE, TOUS_LES_ATELIERS, Acteur, Role, peut, verifier
from esquisse.atelier.ateliers import Atelier, charger_atelier
from esquisse.atelier.seances import lister_seances
from esquisse.esquisses.geojson import ROLES
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import reglage
from ui import connexion
from ui.session import dossier_projets, ouvrir_atelier
from ui.textes import md

PARAMETRE_JETON = "jeton"
PARAMETRE_INVITATION = "invitation"
_CLE_ENTREE = "acces-entree"
CLE_ACTEUR = "acces-acteur"  # les tests de pages (AppTest) y placent l'acteur d'un rôle donné


@dataclass
class _Entree:
    """Ce qui a fait entrer cette session : le jeton d'animation, ou une invitation (et qui l'a prise)."""

    animation_locale: bool = False
    invitation: str = ""  # le jeton signé, relu à chaque page : révocation et expiration valent aussitôt
    nom: str = ""
    role_structure: str = ""


def mode() -> str:
    """Le mode d'accès (réglage ``ESQUISSE_ACCES``) ; une valeur inconnue est refusée en français."""
    return reglage("ESQUISSE_ACCES")


def dossier_secrets() -> Path:
    return reglage("ESQUISSE_SECRETS")


def _entree() -> _Entree | None:
    return st.session_state.get(_CLE_ENTREE)


def _animateur_local(origine: str) -> Acteur:
    nom, role = auteur()
    return Acteur(nom=nom, role_structure=role, roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine=origine)


def _acteur_invite() -> Acteur | None:
    entree = _entree()
    if entree is None or entree.animation_locale or not entree.nom:
        return None
    try:
        invitation = lire_invitation(dossier_secrets(), entree.invitation)
    except EsquisseErreur:
        return None
    return acteur_invite(invitation, entree.nom, entree.role_structure)


def acteur_identifie() -> Acteur | None:
    """L'acteur établi par une invitation (après « Qui êtes-vous ? ») ou une connexion (mode ``oidc``) : son
    nom n'est pas une saisie libre. ``None`` pour l'animation locale, le mode ouvert, ou personne."""
    m = mode()
    if m == "oidc":
        return connexion.acteur_oidc()
    if m in ("local", "invitations"):
        return _acteur_invite()
    return None


def acteur_courant() -> Acteur:
    """L'acteur de cette session ; :data:`PERSONNE` (aucun rôle) si personne n'est identifié."""
    if (place := st.session_state.get(CLE_ACTEUR)) is not None:  # posé côté serveur, par les tests de pages
        return place
    m = mode()
    if m == "ouvert":
        return _animateur_local("ouvert")
    entree = _entree()
    if m == "local" and entree is not None and entree.animation_locale:
        return _animateur_local("local")
    return acteur_identifie() or PERSONNE


# -- qui dessine -------------------------------------------------------------------------------------


def auteur() -> tuple[str, str]:
    """Nom et rôle de la personne qui dessine sur ce poste : ceux de son invitation (« Qui êtes-vous ? ») ou
    de sa connexion, sinon ceux saisis une fois par session."""
    acteur = acteur_identifie()
    if acteur is not None:
        return acteur.nom, acteur.role_structure or "elu"
    return st.session_state.get("auteur_nom") or "Anonyme", st.session_state.get("auteur_role", "elu")


def saisir_auteur(atelier: Atelier | None = None) -> None:
    """Nom et rôle de qui dessine ; un participant de l'atelier se choisit d'un geste.

    Une personne connectée (mode ``oidc``) dessine sous son nom : rien à saisir.
    """
    acteur = acteur_identifie()
    if acteur is not None:
        st.markdown(f"Vous dessinez sous le nom de **{md(acteur.nom)}** ({md(ROLES.get(auteur()[1], ''))}).")
        return
    participants = list(atelier.participants) if atelier is not None else []
    if participants:

        def choisir_participant():
            k = st.session_state.get("auteur_participant")
            if k is not None:
                st.session_state["auteur_nom"] = participants[k].nom
                st.session_state["auteur_role"] = participants[k].role

        st.selectbox(
            "Je suis…",
            range(len(participants)),
            index=None,
            format_func=lambda k: f"{participants[k].nom} ({participants[k].libelle_role})",
            placeholder="Choisir parmi les participants",
            key="auteur_participant",
            on_change=choisir_participant,
        )
    st.text_input("Votre nom", key="auteur_nom", placeholder="ex. Marie Dupont", max_chars=100)
    st.selectbox("Votre rôle", list(ROLES), format_func=ROLES.get, key="auteur_role")


# -- la porte de chaque page -----------------------------------------------------------------------


def _page_d_invitation(message: str = "", erreur: bool = False) -> None:
    st.title("Esquisse")
    if message:
        (st.error if erreur else st.info)(message, icon=":material/link_off:" if erreur else None)
    st.info("Pour entrer dans Esquisse, il faut un lien d'invitation. Demandez un lien à l'équipe d'animation.")
    if mode() == "local":
        st.caption(
            "Vous avez lancé Esquisse sur cet ordinateur ? Ouvrez l'adresse imprimée par « make run » : elle porte "
            "le jeton d'animation."
        )
    st.stop()


def _qui_etes_vous(invitation: Invitation, entree: _Entree) -> None:
    """Une fois par session : la personne se choisit parmi les participants de l'atelier."""
    try:
        atelier = charger_atelier(dossier_projets(), invitation.atelier)
    except EsquisseErreur as exc:
        _page_d_invitation(str(exc), erreur=True)
    st.title("Qui êtes-vous ?")
    ou = "toutes les séances" if not invitation.seance else "une séance"
    st.caption(
        f"Atelier « {md(atelier.nom)} » — invitation « {LIBELLES_ROLES[invitation.role]} » pour {ou}. "
        "Touchez votre nom : vos contributions le porteront."
    )
    if not atelier.participants:
        st.warning("Cet atelier n'a encore aucun participant : l'équipe d'animation doit d'abord les ajouter.")
        st.stop()
    colonnes = st.columns(3)
    for k, p in enumerate(atelier.participants):
        libelle = f"{p.nom} — {p.libelle_role}" + (f", {p.structure}" if p.structure else "")
        if colonnes[k % 3].button(libelle, key=f"qui-{k}", width="stretch"):
            entree.nom, entree.role_structure = p.nom, p.role
            st.rerun()
    st.stop()


def exiger_acteur() -> Acteur:
    """L'acteur identifié de cette session ; sinon la page d'invitation (ou « Qui êtes-vous ? ») et la page
    s'arrête. Un lien expiré, révoqué, modifié ou forgé reçoit son explication ; rien n'est écrit."""
    try:
        m = mode()
    except EsquisseErreur as exc:  # ESQUISSE_ACCES mal écrit : personne n'entre, et l'on dit pourquoi
        st.error(str(exc))
        st.stop()
    if m == "ouvert":
        return acteur_courant()
    if m == "oidc":
        acteur = connexion.acteur_oidc()
        if acteur is None:
            connexion.page_connexion()  # « Se connecter avec … », et rien d'autre
            st.stop()
        return acteur
    secrets = dossier_secrets()
    jeton = st.query_params.get(PARAMETRE_JETON)
    lien = st.query_params.get(PARAMETRE_INVITATION)
    entree = _entree()
    if m == "local" and jeton and not (entree and entree.animation_locale):
        if not jeton_animation_valide(secrets, jeton):
            _page_d_invitation(
                "Ce jeton d'animation n'est pas (ou plus) valide : chaque lancement d'Esquisse en tire un neuf. "
                "Ouvrez l'adresse imprimée au dernier lancement.",
                erreur=True,
            )
        entree = st.session_state[_CLE_ENTREE] = _Entree(animation_locale=True)
    elif lien and not (entree and entree.invitation == lien):
        entree = st.session_state[_CLE_ENTREE] = _Entree(invitation=lien)
    if entree is None:
        _page_d_invitation()
    if entree.animation_locale:
        return acteur_courant()
    try:
        invitation = lire_invitation(secrets, entree.invitation)
    except InvitationRefusee as exc:
        st.session_state.pop(_CLE_ENTREE, None)
        _page_d_invitation(str(exc), erreur=True)
    except EsquisseErreur as exc:
        _page_d_invitation(str(exc), erreur=True)
    _suivre_invitation(invitation)
    if not entree.nom:
        if invitation.role is Role.LECTURE:  # le mur, le cercle large : personne à nommer
            entree.nom = "Invité·e (lecture)"
        else:
            _qui_etes_vous(invitation, entree)
    return acteur_courant()


def _suivre_invitation(invitation: Invitation) -> None:
    """L'adresse désigne l'atelier (et la séance) de l'invitation."""
    if st.query_params.get("atelier") != invitation.atelier:
        ouvrir_atelier(invitation.atelier)
    if invitation.seance and st.query_params.get("seance") != invitation.seance:
        st.query_params["seance"] = invitation.seance
        st.query_params.pop("hypothese", None)


# -- liens des tablettes et du mur, et leur révocation ------------------------------------------------


def lien_signe(role: Role, atelier: str, seance: str) -> str:
    """Le jeton d'une invitation valide (réutilisée d'un affichage à l'autre) pour ce rôle et cette séance."""
    return invitation_en_cours(dossier_secrets(), atelier, role, seance)


def peut_inviter(atelier: str) -> bool:
    return peut(acteur_courant(), "invitation.gerer", atelier)


def gerer_invitations(atelier) -> None:
    """La liste des invitations de ``atelier`` (:class:`~esquisse.atelier.ateliers.Atelier`), chacune
    révocable (équipe d'animation seulement)."""
    try:
        liste = invitations(dossier_secrets(), atelier.id)
    except EsquisseErreur as exc:
        st.error(str(exc))
        return
    if not liste:
        st.caption("Aucune invitation émise pour cet atelier.")
        return
    titres = {s.id: s.titre for s in lister_seances(atelier.dossier)}
    for inv in liste:
        gauche, droite = st.columns([5, 1], vertical_alignment="center")
        gauche.markdown(md(inv.decrire(titres.get(inv.seance, ""))))
        if not inv.revoquee and droite.button("Révoquer", key=f"revoquer-{inv.id}", width="stretch"):
            try:
                verifier(acteur_courant(), "invitation.gerer", atelier.id)
                revoquer(dossier_secrets(), atelier.id, inv.id)
            except EsquisseErreur as exc:
                st.error(str(exc))
            else:
                st.rerun()


def afficher_session() -> None:
    """Dans la barre latérale, la personne connectée et « Se déconnecter » (mode ``oidc``)."""
    if mode() == "oidc" and (acteur := connexion.acteur_oidc()) is not None:
        connexion.menu_connexion(acteur)
