"""Aides partagées par les pages Streamlit : en-tête, navigation, état de session.

Les pages restent minces : elles lisent les widgets, appellent une fonction du paquet
``esquisse`` et montrent le résultat, ou l'erreur en français. L'état de session ne
passe que par les accesseurs de ce module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from esquisse.ateliers import Atelier, charger_atelier, lister_ateliers
from esquisse.erreurs import EsquisseErreur
from esquisse.reglages import RACINE, reglage

CLE_ATELIER = "atelier"
ICONE = RACINE / "static" / "esquisse" / "icone.png"

# (script, libellé, icône, demande un atelier ouvert)
PAGES: tuple[tuple[str, str, str, bool], ...] = (
    ("app.py", "Ateliers", ":material/home:", False),
    ("pages/carte.py", "Carte", ":material/map:", True),
    ("pages/territoire.py", "Territoire de projet", ":material/select_all:", True),
    ("pages/couches.py", "Couches", ":material/layers:", True),
)


def dossier_projets() -> Path:
    return reglage("ESQUISSE_PROJETS")


def dossier_cache() -> Path:
    return reglage("ESQUISSE_CACHE")


def prefixe_statique() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


def ateliers() -> list[Atelier]:
    return lister_ateliers(dossier_projets())


def ouvrir_atelier(identifiant: str) -> None:
    """Mémorise l'atelier choisi (session et adresse de la page)."""
    st.session_state[CLE_ATELIER] = identifiant
    st.query_params[CLE_ATELIER] = identifiant


def identifiant_atelier() -> str | None:
    return st.query_params.get(CLE_ATELIER) or st.session_state.get(CLE_ATELIER)


def atelier_courant() -> Atelier | None:
    """L'atelier désigné par l'adresse (``?atelier=``) ou choisi plus tôt dans la session."""
    identifiant = identifiant_atelier()
    if not identifiant:
        return None
    try:
        atelier = charger_atelier(dossier_projets(), identifiant)
    except EsquisseErreur as exc:
        st.error(str(exc))
        return None
    ouvrir_atelier(atelier.id)
    return atelier


def page(titre: str) -> None:
    """En-tête commun : titre de l'onglet, mise en page large, navigation latérale en français."""
    st.set_page_config(page_title=f"{titre} · Esquisse", page_icon=str(ICONE), layout="wide")
    # Moins de marge en haut : au projecteur, chaque ligne compte pour la carte.
    st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem;}</style>")
    identifiant = identifiant_atelier()
    with st.sidebar:
        st.markdown("### Esquisse")
        for script, libelle, icone, avec_atelier in PAGES:
            if avec_atelier and not identifiant:
                continue
            parametres = {CLE_ATELIER: identifiant} if identifiant else None
            st.page_link(script, label=libelle, icon=icone, query_params=parametres)


def exiger_atelier() -> Atelier:
    """L'atelier courant ; sinon un message et un lien vers l'accueil, et la page s'arrête."""
    atelier = atelier_courant()
    if atelier is None:
        st.info("Choisissez d'abord un atelier sur la page d'accueil.")
        st.page_link("app.py", label="Aller à la liste des ateliers", icon=":material/home:")
        st.stop()
    return atelier


# --------------------------------------------------------------------------- territoire de projet

CLE_TERRITOIRES = "territoires-en-cours"
CLE_ANNONCES = "annonces"


@dataclass(frozen=True)
class BrouillonTerritoire:
    """Le territoire de projet en cours de composition (pas encore enregistré)."""

    nom: str
    codes: tuple[str, ...]
    dernier_clic: str | None = None


def brouillon_territoire(atelier: Atelier) -> BrouillonTerritoire:
    """Le brouillon de l'atelier ; au départ, son territoire de projet enregistré."""
    brouillons = st.session_state.setdefault(CLE_TERRITOIRES, {})
    if atelier.id not in brouillons:
        p = atelier.perimetre
        brouillons[atelier.id] = BrouillonTerritoire(p.nom if p else "Territoire de projet", p.communes if p else ())
    return brouillons[atelier.id]


def modifier_brouillon_territoire(atelier: Atelier, **changements) -> BrouillonTerritoire:
    brouillon = replace(brouillon_territoire(atelier), **changements)
    st.session_state[CLE_TERRITOIRES][atelier.id] = brouillon
    return brouillon


def oublier_brouillon_territoire(atelier: Atelier) -> None:
    st.session_state.setdefault(CLE_TERRITOIRES, {}).pop(atelier.id, None)


def annoncer(texte: str, genre: str = "success", zone: str = "") -> None:
    """Un message à montrer au prochain affichage de la page (après un bouton, par exemple).

    ``zone`` permet de le montrer près du bouton qui l'a produit plutôt qu'en haut de page.
    """
    st.session_state.setdefault(CLE_ANNONCES, []).append((zone, genre, texte))


def afficher_annonces(zone: str = "") -> None:
    annonces = st.session_state.get(CLE_ANNONCES, [])
    st.session_state[CLE_ANNONCES] = [a for a in annonces if a[0] != zone]
    for _, genre, texte in (a for a in annonces if a[0] == zone):
        {"success": st.success, "error": st.error, "info": st.info, "warning": st.warning}[genre](texte)
