"""Aides partagées par les pages Streamlit : en-tête, navigation, état de session.

Les pages restent minces : elles lisent les widgets, appellent une fonction du paquet
``esquisse`` et montrent le résultat, ou l'erreur en français. L'état de session ne
passe que par les accesseurs de ce module.
"""

from __future__ import annotations

import functools
import html
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import streamlit as st

from esquisse.atelier.ateliers import Atelier, Inventaire, charger_atelier, inventorier_ateliers, lister_ateliers
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
from esquisse.esquisses.edition import Annotation
from esquisse.esquisses.fusion import Conflit
from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.legende import Categorie
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import RACINE, reglage
from ui.acces import acteur_courant, acteur_identifie, afficher_session, exiger_acteur

CLE_ATELIER = "atelier"
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


def tableau(donnees, nom: str, **options) -> None:
    """Un tableau en lecture, et son bouton « Télécharger le tableau (CSV) » à la française.

    Le téléchargement de la barre d'outils de Streamlit écrit un CSV à virgules, point décimal :
    il est masqué (``static/esquisse/televersement.js``) et remplacé par ce bouton (« ; »,
    virgule décimale, UTF-8 avec BOM, comme les autres exports). ``nom`` : le nom du fichier,
    sans extension.
    """
    from esquisse.noyau.texte import csv_fr

    st.dataframe(donnees, **options)
    if options.get("hide_index"):
        colonnes, lignes = list(donnees.columns), donnees.itertuples(index=False)
    else:
        colonnes = [donnees.index.name or "", *donnees.columns]
        lignes = donnees.itertuples(index=True)
    st.download_button(
        "Télécharger le tableau (CSV)",
        csv_fr(colonnes, lignes),
        file_name=f"{nom}.csv",
        mime="text/csv",
        icon=":material/download:",
        type="tertiary",
        help="Séparateur « ; », virgule décimale : s'ouvre tel quel dans un tableur réglé en français.",
    )


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


# -- séance et hypothèse choisies (dans l'adresse : on peut la partager avec une tablette) ----

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


def parametres_carte(atelier: Atelier, dessin: str = ""):
    """Paramètres de la carte de l'atelier ; une couche illisible arrête la page avec un message."""
    from esquisse.carte.construction import (
        parametres_atelier,  # import tardif : folium n'est utile qu'aux pages de carte
    )

    try:
        return parametres_atelier(
            atelier, dossier_cache(), prefixe_statique(), reglage("ESQUISSE_ZOOM_ETIQUETTES"), dessin=dessin
        )
    except EsquisseErreur as exc:
        st.error(str(exc))
        st.stop()


def chargement_carte(hauteur: int | str) -> None:
    """« Chargement de la carte… » à la place exacte de la carte qui suit, pendant que la page la prépare.

    À appeler avant le travail qui précède la carte : le message prend sa place sans décaler la
    page (marge négative), et la carte le recouvre en s'affichant ; dans la carte, carte.js garde
    le même message jusqu'à ce que les couches soient dessinées. ``hauteur`` : pixels, ou une
    longueur CSS (ex. « calc(100vh - 70px) »).
    """
    hauteur = f"{hauteur}px" if isinstance(hauteur, int) else hauteur
    st.html(
        "<div class='esq-chargement-page' role='status' style='"
        f"height:calc({hauteur} + 1rem);margin-bottom:calc(-1 * {hauteur} - 2rem);padding-top:1rem;"
        "box-sizing:border-box;background:#eef2f4;background-clip:content-box;display:flex;"
        "align-items:center;justify-content:center;font-size:20px;font-weight:600;color:#37474f'>"
        "Chargement de la carte…</div>"
    )


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


def inviter_tablettes(atelier: Atelier, s: Seance, h: Hypothese, taille: int = 220) -> None:
    """Le lien de la page Tablette sur cette hypothèse, et son code QR (``taille`` en pixels), pour les
    appareils du réseau local."""
    from esquisse.acces.politique import Role
    from esquisse.carte.partage import invitations, lien_tablette
    from ui.acces import lien_signe, mode, peut_inviter

    if not peut_inviter(atelier.id):
        st.caption("Seule l'équipe d'animation invite les tablettes : demandez-lui le lien.")
        return
    signe = mode() != "ouvert"  # en mode ouvert, tout le monde entre sans invitation
    port = int(st.get_option("server.port"))
    try:
        jeton = lien_signe(Role.CONTRIBUTION, atelier.id, s.id) if signe else ""
        lecture = lien_signe(Role.LECTURE, atelier.id, s.id) if signe else ""
    except EsquisseErreur as exc:  # registre des invitations abîmé, disque plein : pas de lien, et pourquoi
        st.error(f"Impossible de préparer le lien des tablettes : {exc}")
        return
    liste = invitations(port, atelier.id, s.id, h.id, jeton)
    adresses = [urlsplit(i.adresse).hostname for i in liste]
    if not liste:
        st.info(
            "Cet ordinateur n'est relié à aucun réseau : les tablettes ne peuvent pas le joindre. Reliez-le au "
            "même Wi-Fi qu'elles (ou activez son partage de connexion), puis rouvrez ce panneau."
        )
        return
    st.caption(
        "Sur chaque tablette, reliée au même Wi-Fi que cet ordinateur : scannez le code avec l'appareil photo, "
        "ou tapez l'adresse. La page Tablette s'ouvre sur cette hypothèse."
    )
    for invitation in liste[:2]:  # au-delà, ce sont d'autres interfaces (machines virtuelles…)
        st.image(invitation.qr_svg, width=taille)
        st.code(invitation.adresse, language=None, wrap_lines=True)
    if signe:
        st.caption(
            "Ce lien invite à contribuer à cette séance pendant quelques heures ; l'équipe d'animation peut le "
            "révoquer (page « Séances et hypothèses »). Pour le mur ou le cercle large, le lien en lecture seule :"
        )
        st.code(
            lien_tablette(adresses[0], port, atelier.id, s.id, h.id, lecture, page="projection"),
            language=None,
            wrap_lines=True,
        )


# -- qui dessine ------------------------------------------------------------------------------


def auteur() -> tuple[str, str]:
    """Nom et rôle de la personne qui dessine sur ce poste : ceux de son invitation (« Qui êtes-vous ? ») ou
    de sa connexion, sinon ceux saisis une fois par session."""
    from ui.acces import acteur_identifie

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


def poste() -> str:
    """Identifiant de ce poste (session du navigateur), pour ses brouillons."""
    return st.session_state.setdefault("poste", uuid.uuid4().hex[:12])


# -- état d'édition d'une hypothèse, par session -------------------------------------------------


@dataclass
class EtatEdition:
    annotations: dict[str, Annotation] = field(default_factory=dict)
    acquittes: dict[str, int] = field(default_factory=dict)
    enregistres: dict[str, int] = field(default_factory=dict)  # esquisse -> dernière version écrite par ce poste
    abandonner: list[str] = field(default_factory=list)
    conflits: list[Conflit] = field(default_factory=list)
    dessins: list = field(default_factory=list)  # derniers changements locaux reçus de la carte
    selection: str | None = None  # entité en cours d'annotation
    message: str = ""
    vu: int = 0  # dernière version affichée
    brouillon: str = ""  # empreinte du dernier brouillon écrit sur disque
    valeur_carte: list | None = None  # dernière valeur de la carte déjà traitée


def etat_edition(atelier: Atelier, h: Hypothese) -> EtatEdition:
    cle = f"edition::{atelier.id}::{h.seance}::{h.id}"
    if cle not in st.session_state:
        st.session_state[cle] = EtatEdition()
    return st.session_state[cle]


def categorie_courante(atelier: Atelier) -> str:
    cle = f"categorie::{atelier.id}"
    ids = [c.id for c in atelier.legende]
    if st.session_state.get(cle) not in ids:
        st.session_state[cle] = ids[0]
    return st.session_state[cle]


# -- affichage sûr ---------------------------------------------------------------------------


def echapper(texte: str) -> str:
    """Texte saisi par un utilisateur, rendu inoffensif pour du HTML."""
    return html.escape(str(texte or ""), quote=True)


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~$:"})


def md(texte) -> str:
    """Texte saisi par un utilisateur, à insérer dans du Markdown Streamlit sans être interprété."""
    return str(texte or "").translate(_MARKDOWN)


def _symbole(c: Categorie, taille: int) -> str:
    couleur = echapper(c.couleur)
    boite = f"display:inline-block;width:{taille + 8}px"
    if c.geometrie == "point":
        rond = f"width:{taille}px;height:{taille}px;border-radius:50%;background:{couleur}"
        return f"<span style='display:inline-block;{rond};border:2px solid #fff;box-shadow:0 0 0 1px #999'></span>"
    if c.geometrie == "zone":
        return f"<span style='{boite};height:{taille}px;background:{couleur}55;border:2px solid {couleur}'></span>"
    if c.geometrie == "texte":
        return f"<span style='{boite};font-style:italic;font-weight:700;color:{couleur}'>Abc</span>"
    trait = {"tirets": "dashed", "pointilles": "dotted"}.get(c.trait, "solid")
    fleche = f"<span style='color:{couleur}'>▶</span>" if c.trait == "fleche" else ""
    ligne = f"border-top:{max(2, c.epaisseur)}px {trait} {couleur};vertical-align:middle"
    return f"<span style='{boite};{ligne}'></span>{fleche}"


def legende_html(categories, grande: bool = False) -> str:
    """Panneau de légende (noms échappés), avec un symbole par nature de géométrie."""
    taille = 20 if grande else 14
    police = 18 if grande else 14
    lignes = [
        f"<div style='display:flex;align-items:center;gap:8px;margin:3px 0;font-size:{police}px'>"
        f"<span style='min-width:{taille + 22}px'>{_symbole(c, taille)}</span><span>{echapper(c.nom)}</span></div>"
        for c in categories
    ]
    return "<div class='esq-legende'>" + "".join(lignes) + "</div>"


# -- tâches longues et téléchargements -----------------------------------------------------------

T = TypeVar("T")
_journal = logging.getLogger("esquisse")
TYPES_MIME = {
    ".pdf": "application/pdf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".gpkg": "application/geopackage+sqlite3",
    ".geojson": "application/geo+json",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def executer(libelle: str, tache: Callable[[Callable[[float, str], None]], T]) -> T | None:
    """Lance ``tache(progression)`` en montrant sa progression ; une erreur s'affiche en français.

    Renvoie le résultat, ou ``None`` si la tâche a échoué (les fonctions du domaine n'écrivent
    jamais de fichier partiel : il n'y a rien à nettoyer).
    """
    with st.status(libelle, expanded=True) as statut:
        barre = st.progress(0.0, text="Préparation…")

        def progression(part: float, message: str) -> None:
            barre.progress(min(max(float(part), 0.0), 1.0), text=message)

        try:
            resultat = tache(progression)
        except EsquisseErreur as exc:
            statut.update(label=f"{libelle} : échec", state="error", expanded=True)
            st.error(str(exc))
            return None
        except Exception as exc:  # toute autre erreur : message en français, détail dans le journal
            _journal.exception("Échec de « %s »", libelle)
            statut.update(label=f"{libelle} : échec", state="error", expanded=True)
            st.error(
                f"L'opération a échoué de façon inattendue ({type(exc).__name__} : {exc}). "
                "Aucun fichier partiel n'a été laissé."
            )
            return None
        barre.progress(1.0, text="Terminé.")
        statut.update(label=f"{libelle} : terminé", state="complete", expanded=False)
    return resultat


def taille_lisible(octets: int) -> str:
    """« 820 Ko », « 2,3 Mo » : une taille de fichier à la française."""
    if octets < 1_000_000:
        return f"{max(1, round(octets / 1000))} Ko"
    return f"{octets / 1e6:.1f} Mo".replace(".", ",")


def bouton_telechargement(chemin: Path, libelle: str, cle: str) -> None:
    """Bouton de téléchargement d'un fichier exporté (lu seulement au clic)."""
    st.download_button(
        f"{libelle} — {taille_lisible(chemin.stat().st_size)}",
        data=lambda: chemin.read_bytes(),
        file_name=chemin.name,
        mime=TYPES_MIME.get(chemin.suffix, "application/octet-stream"),
        on_click="ignore",
        type="primary",
        icon=":material/download:",
        key=cle,
    )


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
        if genre == "success" and not zone:
            # En haut de la page, le message peut être hors de la vue (page longue, bouton en bas) :
            # une notification le montre aussi là où l'on regarde. Un message de ``zone`` est déjà
            # à côté du bouton qui l'a produit.
            st.toast(texte, icon="✅")


# -- feuille de route en cours de modification ------------------------------------------------------


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


# --------------------------------------------------------------------------- publication

CLE_PUBLICATIONS = "publications-preparees"


def publication_preparee(atelier: Atelier) -> Path | None:
    """Le zip du site publié de l'atelier, s'il a été préparé dans cette session et existe encore."""
    chemin = st.session_state.get(CLE_PUBLICATIONS, {}).get(atelier.id)
    return chemin if chemin is not None and chemin.exists() else None


def retenir_publication(atelier: Atelier, chemin: Path) -> None:
    st.session_state.setdefault(CLE_PUBLICATIONS, {})[atelier.id] = chemin
