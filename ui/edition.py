"""La carte d'édition côté Streamlit : paramètres de la carte, état d'édition d'une hypothèse, catégorie en
cours, invitation des tablettes, et le poste (changements reçus de la carte, enregistrement, brouillons,
veille).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import streamlit as st
from streamlit_folium import st_folium

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.analyse.attribution import fiches_version
from esquisse.atelier import vues
from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.seances import (
    Hypothese,
    Seance,
)
from esquisse.carte.construction import ParametresCarte, construire_carte, groupe_esquisses
from esquisse.esquisses import brouillons
from esquisse.esquisses.edition import Annotation, en_attente, etat_navigateur, lire_dessins, rebaser
from esquisse.esquisses.fusion import Conflit
from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.versions import Version
from esquisse.noyau.erreurs import BaseInjoignable, EcritureImpossible, EsquisseErreur
from esquisse.noyau.reglages import reglage
from ui.acces import acteur_courant
from ui.session import dossier_cache, poste, prefixe_statique
from ui.textes import md


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
    derniere_lue: Version | None = None  # dernière version lue : montrée si la base ne répond plus


def etat_edition(atelier: Atelier, h: Hypothese) -> EtatEdition:
    cle = f"edition::{atelier.id}::{h.seance}::{h.id}"
    if cle not in st.session_state:
        st.session_state[cle] = EtatEdition()
    return st.session_state[cle]


def categorie_courante(atelier: Atelier) -> str:
    """La catégorie des prochains dessins : la dernière choisie dans cette session, sinon la première."""
    cle = f"categorie::{atelier.id}"
    ids = [c.id for c in atelier.legende]
    if st.session_state.get(cle) not in ids:
        st.session_state[cle] = ids[0]
    return st.session_state[cle]


def choisir_categorie(atelier: Atelier, categorie: str) -> None:
    st.session_state[f"categorie::{atelier.id}"] = categorie


CLE_DERNIER_DESSIN = "dernier-dessin"


def dernier_dessin_selectionne() -> str | None:
    """Le dernier dessin de la carte déjà sélectionné pour l'annoter (chaque dessin ne l'est qu'une fois)."""
    return st.session_state.get(CLE_DERNIER_DESSIN)


def retenir_dernier_dessin(identifiant: str) -> None:
    st.session_state[CLE_DERNIER_DESSIN] = identifiant


CLE_ERREUR = "erreur-enregistrement"


_journal = logging.getLogger("esquisse")


EN_PANNE = (
    "La base de données ne répond pas : la carte montre la dernière version lue, vos dessins attendent dans ce "
    "navigateur. Ne le fermez pas ; la carte reprend d'elle-même dès que la base répond."
)

DESSINS_GARDES = (
    "Vos dessins restent dans ce navigateur : ne le fermez pas, et enregistrez à nouveau une fois le problème réglé."
)


class Poste:
    """Ce poste (navigateur) ouvert sur une hypothèse."""

    def __init__(self, atelier: Atelier, h: Hypothese, parametres: ParametresCarte):
        self.atelier = atelier
        self.h = h
        self.parametres = parametres
        self.depot = h.depot(atelier.id)
        self.etat: EtatEdition = etat_edition(atelier, h)
        self.legende = atelier.legende
        self.cle = f"carte-{parametres.dessin}-{atelier.id}-{h.seance}-{h.id}"
        self.en_panne = False  # la base n'a pas répondu pendant cet affichage

    # -- lire, même quand la base ne répond plus -------------------------------------------------

    def version_courante(self) -> Version | None:
        """La dernière version de l'hypothèse ; si la base ne répond pas, la dernière lue par ce poste
        (la carte reste affichée avec les dessins en attente, et :meth:`messages` le dit)."""
        try:
            numero = self.depot.numero_courant()
            version = self.depot.lire(numero) if numero else None
        except BaseInjoignable:
            self.en_panne = True
            return self.etat.derniere_lue
        self.en_panne = False
        self.etat.derniere_lue = version
        return version

    def numero_courant(self) -> int:
        version = self.version_courante()
        return version.meta.numero if version else 0

    def entites_courantes(self) -> dict[str, dict]:
        version = self.version_courante()
        return version.par_id() if version else {}

    def fiches(self, version: Version | None) -> dict[str, str] | None:
        """Les territoires touchés par chaque esquisse de ``version`` (rien si la base ne répond pas)."""
        if version is None:
            return None
        try:
            return fiches_version(self.atelier, self.depot, version.meta.numero)
        except BaseInjoignable:
            self.en_panne = True
            return None

    # -- ce que la carte a envoyé --------------------------------------------------------------

    def recevoir(self) -> dict:
        """Traite la dernière valeur de la carte (avant d'afficher quoi que ce soit)."""
        retour = st.session_state.get(self.cle) or {}
        etat = self.etat
        # Seule une valeur nouvelle de la carte (un dessin, une modification) remplace les dessins connus.
        if retour.get("all_drawings") is not None and retour["all_drawings"] != etat.valeur_carte:
            etat.valeur_carte = retour["all_drawings"]
            lecture = lire_dessins(retour["all_drawings"])
            for erreur in lecture.erreurs:
                st.warning(erreur)
            etat.dessins = lecture.dessins
        demande = retour.get("vue_a_garder")
        if isinstance(demande, dict) and demande.get("jeton") != st.session_state.get(f"{self.cle}-jeton-vue"):
            st.session_state[f"{self.cle}-jeton-vue"] = demande.get("jeton")
            st.session_state[f"{self.cle}-vue"] = demande.get("emprise")
        return retour

    def attente(self):
        return en_attente(rebaser(self.etat.dessins, self.etat.enregistres), self.etat.acquittes)

    def dernier_dessin(self, retour: dict) -> str | None:
        return ((retour.get("last_active_drawing") or {}).get("properties") or {}).get("esq_id")

    # -- enregistrer ------------------------------------------------------------------------

    def enregistrer(self, dessins, message_ok: str = "") -> bool | None:
        """Enregistre les changements en attente : ``True`` si une version est écrite.

        En cas d'erreur (``None``), rien n'est écrit ni accusé : le navigateur garde ses dessins et les
        renverra ; le message reste affiché.
        """
        etat = self.etat
        try:
            # Le service vérifie l'acteur d'abord : une valeur forgée par un lecteur ne change rien.
            fait = services.enregistrer_dessins(acteur_courant(), self.atelier, self.h, dessins, etat.annotations)
            if fait is None:
                etat.message = "Rien à enregistrer."
                return False
            changements, resultat = fait
        except EsquisseErreur as exc:
            # Rien n'est accusé : le navigateur garde ses dessins et les renverra au prochain enregistrement.
            etat.message = ""
            texte = str(exc)
            if isinstance(exc, EcritureImpossible):
                texte += " " + DESSINS_GARDES
            self.signaler_erreur(texte)
            return None
        except Exception as exc:  # imprévu : la carte doit rester affichée, avec ses dessins
            _journal.exception("Échec de l'enregistrement de %s", self.h.dossier)
            etat.message = ""
            self.signaler_erreur(f"erreur inattendue ({type(exc).__name__} : {exc}). {DESSINS_GARDES}")
            return None
        etat.acquittes.update({d.id: d.local for d in dessins})
        for c in changements:
            etat.annotations.pop(c.id, None)
        etat.conflits = resultat.conflits
        etat.selection = None
        if resultat.version:
            etat.vu = resultat.version.numero
            # Ce que ce poste vient d'écrire est la base de ses prochaines retouches (voir ``rebaser``) ;
            # pas pour une esquisse en conflit : la version enregistrée n'y est pas la sienne.
            en_conflit = {c.id for c in resultat.conflits}
            etat.enregistres.update({c.id: resultat.version.numero for c in changements if c.id not in en_conflit})
            etat.message = message_ok or f"Version {resultat.version.numero} enregistrée : {resultat.version.message}."
            return True
        etat.message = "Aucun changement par rapport à la version enregistrée."
        return False

    def signaler_erreur(self, texte: str) -> None:
        """« Rien n'a été enregistré : … », montré par :meth:`messages` au prochain affichage."""
        st.session_state[CLE_ERREUR] = texte

    def messages(self) -> None:
        if self.en_panne:
            st.warning(EN_PANNE, icon=":material/cloud_off:")
        if erreur := st.session_state.pop(CLE_ERREUR, None):
            st.error(f"Rien n'a été enregistré : {md(erreur)}")
        if self.etat.message:
            st.success(md(self.etat.message))

    # -- brouillons ------------------------------------------------------------------------

    def garder_brouillon(self, attente) -> None:
        """Recopie sur disque les dessins pas encore enregistrés de ce poste (jamais perdus)."""
        if not peut(acteur_courant(), "brouillon.ecrire", self.atelier.id, self.h.seance):
            return
        empreinte = repr((attente, sorted(self.etat.annotations.items())))
        if empreinte != self.etat.brouillon:
            try:
                services.garder_brouillon(
                    acteur_courant(), self.atelier, self.h, poste(), attente, self.etat.annotations
                )
            except BaseInjoignable:
                self.en_panne = True  # dit par messages() ; la copie sera refaite au prochain affichage
                return
            except EcritureImpossible as exc:
                # Sans copie de secours sur disque, la carte doit quand même s'afficher : elle garde les dessins.
                cause = exc.cause.lower()
                st.warning(f"Copie de secours des dessins en attente impossible ({cause}). {DESSINS_GARDES}")
                return
            except EsquisseErreur as exc:  # brouillon précédent illisible : laissé tel quel, et signalé
                st.warning(f"{md(str(exc))} {DESSINS_GARDES}")
                return
            self.etat.brouillon = empreinte

    def proposer_brouillons(self) -> None:
        """Dessins laissés sans enregistrement par un poste fermé : on propose de les reprendre."""
        etat = self.etat
        try:
            problemes = brouillons.illisibles(self.atelier.dossier, self.h)
            laisses = brouillons.abandonnes(self.atelier.dossier, self.h, poste())
        except BaseInjoignable:
            self.en_panne = True
            return
        for probleme in problemes:
            st.warning(md(probleme))
        for k, b in enumerate(laisses):
            minutes = max(1, round(b.age / 60))
            st.warning(
                f"Dessins non enregistrés de {md(b.auteur or 'Anonyme')} ({ROLES.get(b.role, b.role)}), "
                f"laissés il y a {minutes} min : {len(b.dessins)} esquisse(s)."
            )
            un, deux = st.columns(2)
            if un.button("Reprendre ces dessins", key=f"reprendre-{k}", type="primary"):
                try:
                    repris = services.reprendre_brouillon(acteur_courant(), self.atelier, self.h, b)
                except EsquisseErreur as exc:
                    st.error(md(str(exc)))
                    return
                connus = {d.id for d in etat.dessins}
                etat.dessins = etat.dessins + [d for d in repris.dessins if d.id not in connus]
                for i, a in repris.annotations.items():
                    etat.annotations.setdefault(i, a)
                etat.message = "Dessins repris : vérifiez-les puis enregistrez."
                st.rerun(scope="fragment")
            if deux.button("Les écarter", key=f"ecarter-{k}"):
                try:
                    services.ecarter_brouillon(acteur_courant(), self.atelier, self.h, b)
                except EsquisseErreur as exc:
                    st.error(md(str(exc)))
                    return
                st.rerun(scope="fragment")

    # -- vues nommées ----------------------------------------------------------------------

    def vues(self) -> list[vues.Vue]:
        """Les vues de l'hypothèse ; un ``vues.json`` abîmé est signalé (et laissé tel quel)."""
        liste, probleme = self._vues()
        if probleme:
            st.warning(md(probleme))
        return liste

    def _vues(self) -> tuple[list[vues.Vue], str]:
        try:
            return vues.lister_ou_signaler(self.h, self.parametres.emprise)
        except BaseInjoignable:
            self.en_panne = True
            return vues.seulement_grand_territoire(self.parametres.emprise), ""

    def garder_vue(self) -> None:
        """Nommer le cadrage envoyé par « ＋ Garder cette vue » sur la carte."""
        emprise = st.session_state.get(f"{self.cle}-vue")
        if not emprise:
            return
        with st.form(f"{self.cle}-nommer-vue", border=True):
            nom = st.text_input("Nom de cette vue", max_chars=80, placeholder="ex. Zoom sur la gare de Bray")
            garder, oublier = st.columns(2)
            if garder.form_submit_button("Garder la vue", type="primary"):
                try:
                    vue = services.ajouter_vue(acteur_courant(), self.atelier, self.h, nom, emprise)
                except EsquisseErreur as exc:
                    st.error(str(exc))
                    return
                st.session_state.pop(f"{self.cle}-vue", None)
                self.etat.message = f"Vue « {vue.nom} » gardée."
                st.rerun(scope="fragment")
            if oublier.form_submit_button("Annuler"):
                st.session_state.pop(f"{self.cle}-vue", None)
                st.rerun(scope="fragment")

    # -- la carte --------------------------------------------------------------------------

    def afficher_carte(self, hauteur: int, fiches: bool = False) -> None:
        """La carte, avec l'état à jour (après le panneau, qui a pu enregistrer) ; ``fiches`` : les
        territoires touchés par chaque esquisse, dans son infobulle."""
        etat = self.etat
        version = self.version_courante()
        numero = version.meta.numero if version else 0
        etat.vu = numero
        attente = self.attente()
        if self.parametres.dessin in ("edition", "tablette"):
            self.garder_brouillon(attente)
        annotations = {i: a for i, a in etat.annotations.items() if a.categorie or a.titre}
        etat_carte = etat_navigateur(
            version,
            self.legende,
            categorie_courante(self.atelier),
            annotations=annotations,
            acquittes=etat.acquittes,
            restaurer=attente,
            fiches=self.fiches(version) if fiches else None,
        )
        liste_vues = self._vues()[0]
        etat_carte["vues"] = [{"id": v.id, "nom": v.nom, "emprise": list(v.emprise)} for v in liste_vues]
        # Accusé de réception des demandes venues de la carte (le navigateur cesse de les renvoyer).
        etat_carte["recus"] = {"vue_a_garder": st.session_state.get(f"{self.cle}-jeton-vue")}
        st_folium(
            construire_carte(self.parametres),
            key=self.cle,
            height=hauteur,
            use_container_width=True,
            returned_objects=["all_drawings", "last_active_drawing"],
            feature_group_to_add=groupe_esquisses(etat_carte),
        )

    def veille(self) -> None:
        """À appeler une fois par page : les enregistrements des autres postes apparaissent d'eux-mêmes."""
        poste_ = self

        @st.fragment(run_every="1s")
        def veiller():
            # Fichiers : un stat ; PostGIS : le dernier numéro connu de l'écouteur du processus, en mémoire.
            try:
                if poste_.parametres.dessin in ("edition", "tablette"):
                    brouillons.signe_de_vie(poste_.atelier.dossier, poste_.h, poste())
                dernier = poste_.depot.attendre_changement(poste_.etat.vu, 0)
            except EsquisseErreur:
                return  # base injoignable : on regardera à la prochaine seconde ; l'enregistrement le dira
            if dernier != poste_.etat.vu:
                st.rerun()

        veiller()
