"""En-tête et navigation : la liste des pages par rubrique, l'atelier exigé, le choix de la séance et de
l'hypothèse (widgets ou adresse).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import streamlit as st

from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.seances import (
    Hypothese,
    Seance,
    hypothese,
    lister_hypotheses,
    lister_seances,
    seance,
    seance_par_defaut,
)
from esquisse.atelier.seances import illisibles as documents_illisibles
from esquisse.carte.affichage import elaguer_cache
from esquisse.noyau.erreurs import BaseInjoignable, EsquisseErreur
from esquisse.noyau.reglages import RACINE
from esquisse.stockage.rangement import verifier_joignable
from ui.acces import acteur_courant, afficher_session, exiger_acteur
from ui.session import CLE_ATELIER, atelier_courant, dossier_cache, dossier_projets, identifiant_atelier
from ui.textes import md

_journal = logging.getLogger("esquisse")


ICONE = RACINE / "static" / "esquisse" / "icone.png"


# (script, libellé, icône, demande un atelier ouvert)
PAGES: tuple[tuple[str, str, str, bool, str], ...] = (
    ("app.py", "Ateliers", ":material/home:", False, ""),
    ("pages/atelier.py", "Atelier", ":material/tune:", True, ""),
    ("pages/carte.py", "Carte et esquisses", ":material/draw:", True, "En séance"),
    ("pages/tablette.py", "Tablette (contribuer)", ":material/tablet:", True, "En séance"),
    ("pages/projection.py", "Projection", ":material/cast:", True, "En séance"),
    ("pages/seances.py", "Séances et hypothèses", ":material/event:", True, "En séance"),
    ("pages/couches.py", "Couches", ":material/layers:", True, "Territoire"),
    ("pages/territoire.py", "Territoire de projet", ":material/select_all:", True, "Territoire"),
    ("pages/legende.py", "Légende", ":material/palette:", True, "Territoire"),
    ("pages/historique.py", "Historique", ":material/history:", True, "Analyser"),
    ("pages/comparer.py", "Comparer", ":material/compare:", True, "Analyser"),
    ("pages/territoires.py", "Territoires touchés", ":material/hub:", True, "Analyser"),
    ("pages/chronologie.py", "Chronologie", ":material/timeline:", True, "Analyser"),
    ("pages/sites.py", "Comparer les sites", ":material/view_column:", False, "Analyser"),
    ("pages/feuille_de_route.py", "Feuille de route", ":material/checklist:", True, "Suivre et exporter"),
    ("pages/carnet.py", "Carnet de suivi", ":material/description:", True, "Suivre et exporter"),
    ("pages/exports.py", "Exports : carte et SIG", ":material/download:", True, "Suivre et exporter"),
    ("pages/publier.py", "Publier l'atelier", ":material/public:", True, "Suivre et exporter"),
    ("pages/sauvegardes.py", "Sauvegardes", ":material/archive:", False, "Suivre et exporter"),
)


def page(titre: str, plein_ecran: bool = False) -> None:
    """En-tête commun : titre de l'onglet, mise en page large, navigation latérale en français.

    ``plein_ecran`` replie la barre latérale et masque l'en-tête de Streamlit (projection, tablette).
    """
    st.set_page_config(
        page_title=f"{titre} · Esquisse",
        page_icon=str(ICONE),
        layout="wide",
        initial_sidebar_state="collapsed" if plein_ecran else "auto",
    )
    if plein_ecran:
        st.html(
            "<style>header[data-testid='stHeader']{display:none;}"
            "[data-testid='stMainBlockContainer']{padding:0.6rem 1rem 0.2rem 1rem;}</style>"
        )
    else:
        # Moins de marge en haut : au projecteur, chaque ligne compte pour la carte.
        st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.2rem;}</style>")
    # Les textes de Streamlit (sélecteur de fichiers, tableaux, listes…) en français, sur chaque page.
    selecteur_en_francais()
    base_joignable()
    exiger_acteur()  # personne d'identifié : la page d'invitation, et rien d'autre
    identifiant = identifiant_atelier()
    with st.sidebar:
        st.markdown("### Esquisse")
        afficher_session()
        rubrique_courante = ""
        for script, libelle, icone, avec_atelier, rubrique in PAGES:
            if avec_atelier and not identifiant:
                continue
            if rubrique != rubrique_courante:
                st.caption(rubrique)
                rubrique_courante = rubrique
            parametres = {k: v for k, v in st.query_params.items() if k in CLES_ADRESSE} if avec_atelier else None
            st.page_link(script, label=libelle, icon=icone, query_params=parametres or None)
    _elaguer_cache_au_demarrage(dossier_projets(), dossier_cache())


BASE_EN_PANNE = (
    "La base de données ne répond pas : cette page ne peut pas s'afficher pour l'instant. Rien n'est perdu ; "
    "réessayez dans un instant, ou prévenez la personne qui gère le serveur si cela dure."
)


def base_joignable() -> None:
    """Avec ``ESQUISSE_BASE`` : une base qui ne répond pas arrête la page sur un message en français et
    un bouton « Réessayer », au lieu d'une trace d'erreur."""
    try:
        verifier_joignable()
    except BaseInjoignable:
        st.error(BASE_EN_PANNE, icon=":material/cloud_off:")
        if st.button("Réessayer", type="primary"):
            st.rerun()
        st.stop()


@functools.cache
def _elaguer_cache_au_demarrage(projets: Path, cache: Path) -> None:
    """Une fois par processus : le cache d'affichage perd les fichiers qu'aucune couche n'utilise plus."""
    try:
        retires = elaguer_cache(projets, cache)
    except OSError:
        _journal.exception("Élagage du cache %s impossible", cache)
        return
    if retires:
        _journal.info("Cache d'affichage : %d fichier(s) inutilisé(s) retiré(s)", len(retires))


@functools.cache
def _selecteur_en_francais_html() -> str:
    dossier = RACINE / "static" / "esquisse"
    css = (dossier / "televersement.css").read_text(encoding="utf-8")
    js = (dossier / "televersement.js").read_text(encoding="utf-8")
    return f"<style>{css}</style><script>{js}</script>"


def selecteur_en_francais() -> None:
    """Le sélecteur de fichiers de Streamlit en français, et ses refus lisibles sans survol.

    Streamlit refuse lui-même, dans le navigateur, un fichier au-delà de la taille maximale :
    Python ne le voit jamais. Le script traduit ses textes et la feuille de style affiche le
    message de refus à côté du fichier (voir ``static/esquisse/televersement.js``).
    """
    st.html(_selecteur_en_francais_html(), unsafe_allow_javascript=True)


def exiger_atelier() -> Atelier:
    """L'atelier courant ; sinon un message et un lien vers l'accueil, et la page s'arrête."""
    from esquisse.acces.services import verifier_lecture

    atelier = atelier_courant()
    if atelier is None:
        st.info("Choisissez d'abord un atelier sur la page d'accueil.")
        st.page_link("app.py", label="Aller à la liste des ateliers", icon=":material/home:")
        st.stop()
    try:
        verifier_lecture(acteur_courant(), atelier.id)
    except EsquisseErreur as exc:  # un atelier dont on n'est pas membre ne s'ouvre pas, même par l'adresse
        st.error(md(str(exc)))
        st.stop()
    for probleme in documents_illisibles(atelier.dossier):  # une séance abîmée ne cache pas les autres
        st.warning(md(probleme), icon=":material/warning:")
    return atelier


CLES_ADRESSE = (CLE_ATELIER, "seance", "hypothese")


def choisir_seance(atelier: Atelier, cle: str = "choix-seance") -> Seance | None:
    """Sélecteur de séance, mémorisé dans l'adresse ; par défaut celle où l'on travaille
    (voir :func:`esquisse.atelier.seances.seance_par_defaut`), pas une séance à venir encore vide."""
    seances = lister_seances(atelier.dossier)
    if not seances:
        return None
    par_id = {s.id: s for s in seances}
    voulue = st.query_params.get("seance")
    defaut = voulue if voulue in par_id else seance_par_defaut(seances).id
    choisie = st.selectbox(
        "Séance",
        list(par_id),
        index=list(par_id).index(defaut),
        format_func=lambda i: par_id[i].libelle,
        key=f"{cle}-{atelier.id}",
    )
    if st.query_params.get("seance") != choisie:
        st.query_params["seance"] = choisie
        st.query_params.pop("hypothese", None)
    return par_id[choisie]


def choisir_hypothese(s: Seance, cle: str = "choix-hypothese", atelier: str = "") -> Hypothese | None:
    """Sélecteur d'hypothèse ; avec ``atelier``, seulement celles que l'acteur peut voir (la lecture ne
    voit que les hypothèses partagées)."""
    hyps = lister_hypotheses(s)
    if atelier:
        from esquisse.acces.services import hypotheses_visibles
        from ui.acces import acteur_courant

        hyps = hypotheses_visibles(acteur_courant(), atelier, hyps)
    if not hyps:
        return None
    par_id = {h.id: h for h in hyps}
    voulue = st.query_params.get("hypothese")
    defaut = voulue if voulue in par_id else hyps[0].id
    choisie = st.selectbox(
        "Hypothèse",
        list(par_id),
        index=list(par_id).index(defaut),
        format_func=lambda i: f"{par_id[i].titre} — {par_id[i].libelle_statut}",
        key=f"{cle}-{s.id}",
    )
    if st.query_params.get("hypothese") != choisie:
        st.query_params["hypothese"] = choisie
    return par_id[choisie]


def choisir_seance_et_hypothese(atelier: Atelier, cle: str, colonnes=None) -> tuple[Seance | None, Hypothese | None]:
    """Les deux sélecteurs côte à côte (dans ``colonnes`` si elles sont données)."""
    un, deux = colonnes if colonnes is not None else st.columns(2)
    with un:
        s = choisir_seance(atelier, f"{cle}-seance")
    with deux:
        h = choisir_hypothese(s, f"{cle}-hypothese", atelier.id) if s else None
    return s, h


def seance_et_hypothese_de_l_adresse(atelier: Atelier) -> tuple[Seance | None, Hypothese | None]:
    """Séance et hypothèse désignées par l'adresse, sans widget (ex. mode projection)."""
    try:
        s = seance(atelier.dossier, st.query_params.get("seance", ""))
    except EsquisseErreur:
        return None, None
    try:
        return s, hypothese(s, st.query_params.get("hypothese", ""))
    except EsquisseErreur:
        return s, None
