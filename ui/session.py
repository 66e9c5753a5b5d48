"""L'état de session, par accesseurs nommés : atelier ouvert, dossiers, annonces, brouillons de page, fichiers
préparés, et les saisies qu'une page relit ou règle (:class:`Saisie`).

Aucune page ne lit ni n'écrit ``st.session_state`` : elles passent par ici (et par ``ui.acces`` pour qui agit,
``ui.edition`` pour la carte d'édition).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import streamlit as st

from esquisse.atelier.ateliers import Atelier, Inventaire, charger_atelier, inventorier_ateliers, lister_ateliers
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import reglage

CLE_ATELIER = "atelier"


def dossier_projets() -> Path:
    return reglage("ESQUISSE_PROJETS")


def dossier_cache() -> Path:
    return reglage("ESQUISSE_CACHE")


def dossier_exports(atelier: Atelier) -> Path:
    """Dossier où les exports de l'atelier sont écrits avant d'être téléchargés."""
    return reglage("ESQUISSE_EXPORTS") / atelier.id


def prefixe_statique() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


def ateliers() -> list[Atelier]:
    return lister_ateliers(dossier_projets())


def inventaire_ateliers() -> Inventaire:
    """Les ateliers lisibles et, à signaler, ceux dont ``atelier.json`` est illisible."""
    return inventorier_ateliers(dossier_projets())


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


def poste() -> str:
    """Identifiant de ce poste (session du navigateur), pour ses brouillons."""
    return st.session_state.setdefault("poste", uuid.uuid4().hex[:12])


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
        # « toast » : une notification seule, sans message dans la page.
        {"success": st.success, "error": st.error, "info": st.info, "warning": st.warning, "toast": st.toast}[genre](
            texte
        )
        if genre == "success" and not zone:
            # En haut de la page, le message peut être hors de la vue (page longue, bouton en bas) :
            # une notification le montre aussi là où l'on regarde. Un message de ``zone`` est déjà
            # à côté du bouton qui l'a produit.
            st.toast(texte, icon="✅")


def feuille_en_edition(atelier: Atelier, lue):
    """La feuille de route d'où partent les tableaux de cette session.

    Elle reste la même tant que la session ne l'a pas enregistrée ou rechargée : un
    enregistrement venu d'un autre poste ne remplace pas en silence les tableaux en cours ;
    il est signalé, et l'enregistrement de cette session est alors refusé.
    """
    cle = f"feuille::{atelier.id}"
    if cle not in st.session_state:
        st.session_state[cle] = lue
    return st.session_state[cle]


def oublier_feuille_en_edition(atelier: Atelier) -> None:
    st.session_state.pop(f"feuille::{atelier.id}", None)


@dataclass(frozen=True)
class Saisie:
    """Une valeur que la page garde d'un affichage à l'autre et qu'elle relit ou règle elle-même : celle d'un
    widget (``st.text_input(…, key=saisie.cle)``), ou une des siennes (la révision d'où part un formulaire).

    La clé est propre à la page qui la crée ; rien d'autre ne la lit.
    """

    cle: str

    def existe(self) -> bool:
        return self.cle in st.session_state

    def valeur(self, defaut: Any = None) -> Any:
        return st.session_state.get(self.cle, defaut)

    def regler(self, valeur: Any) -> None:
        """Donne sa valeur au widget : avant qu'il soit affiché dans cet affichage-ci, ou dans un rappel."""
        st.session_state[self.cle] = valeur

    def par_defaut(self, valeur: Any, admises=None) -> None:
        """Règle la valeur de départ si la saisie n'en a pas encore (ou plus une de ``admises``)."""
        if not self.existe() or (admises is not None and self.valeur() not in admises):
            self.regler(valeur)

    def oublier(self) -> None:
        """Le widget repartira de sa valeur initiale."""
        st.session_state.pop(self.cle, None)


def fichier_prepare(quoi: str) -> Any:
    """Ce que cette session a préparé sous le nom ``quoi`` (un export, une archive), ou ``None``."""
    return st.session_state.get(quoi)


def retenir_fichier_prepare(quoi: str, valeur: Any) -> None:
    """Garde le fichier préparé (ou le résultat qui le décrit) pour les affichages suivants de la page."""
    st.session_state[quoi] = valeur


CLE_PUBLICATIONS = "publications-preparees"


def publication_preparee(atelier: Atelier) -> Path | None:
    """Le zip du site publié de l'atelier, s'il a été préparé dans cette session et existe encore."""
    chemin = st.session_state.get(CLE_PUBLICATIONS, {}).get(atelier.id)
    return chemin if chemin is not None and chemin.exists() else None


def retenir_publication(atelier: Atelier, chemin: Path) -> None:
    st.session_state.setdefault(CLE_PUBLICATIONS, {})[atelier.id] = chemin
