"""Carnet de suivi : le relevé de la séance, puis le document DOCX ou PDF à relire et diffuser."""

import streamlit as st

from esquisse.acces import services
from esquisse.atelier.releve import (
    RUBRIQUES,
    elements,
    lire_releve,
    participants_proposes,
    repartir_presents,
    reunir_presents,
    texte,
)
from esquisse.exports.carnet import FORMATS_CARNET
from esquisse.noyau.dates import date_heure
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import saisir_auteur
from ui.navigation import choisir_seance, exiger_atelier, page
from ui.roles import exiger_droit
from ui.session import Saisie, dossier_exports, fichier_prepare, retenir_fichier_prepare
from ui.taches import executer
from ui.telechargements import bouton_telechargement
from ui.textes import md

AIDES = {
    "participants": "Une personne par ligne, ex. « Marie Dupont — maire de Bray-sur-Seine ».",
    "points_accord": "Un point par ligne.",
    "points_a_approfondir": "Un point par ligne.",
    "prochaines_etapes": "Une étape par ligne, ex. « Rencontre intermédiaire avec la DDT en avril ».",
}

page("Carnet de suivi")
atelier = exiger_atelier()
acteur = exiger_droit("releve.modifier", atelier.id)
titre, choix_seance = st.columns([6, 4], vertical_alignment="bottom")
titre.subheader("Carnet de suivi")
with choix_seance:
    seance = choisir_seance(atelier, "carnet-seance")
with st.sidebar:
    st.divider()
    st.markdown("**Qui rédige ?**")
    saisir_auteur(atelier)
if seance is None:
    st.info("Le carnet de suivi se rédige pour une séance : créez d'abord une séance.")
    st.page_link("pages/seances.py", label="Séances et hypothèses", icon=":material/event:")
    st.stop()

try:
    releve = lire_releve(seance)
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

# La révision lue à l'ouverture : l'enregistrement est refusé si quelqu'un a enregistré depuis.
# Streamlit oublie l'état des zones de texte quand on change de page : on repart alors du relevé enregistré.
cle = f"releve::{atelier.id}::{seance.id}"
proposes = participants_proposes(atelier.participants)
revision = Saisie(cle)
presents = Saisie(f"{cle}::presents")
rubriques = {r: Saisie(f"{cle}::{r}") for r in RUBRIQUES}
saisies = [revision, presents, *rubriques.values()]
if not all(s.existe() for s in saisies):
    revision.regler(releve.revision)
    for rubrique, saisie in rubriques.items():
        saisie.regler(texte(getattr(releve, rubrique)))
    # Personne n'est présumé présent : on coche les présents parmi les participants de l'atelier.
    coches, autres = repartir_presents(releve.participants, proposes)
    presents.regler(coches)
    rubriques["participants"].regler(texte(tuple(autres)))


def recharger():
    for s in saisies:
        s.oublier()


st.markdown("#### Relevé de la séance")
if releve.revision:
    par = f" par {md(releve.modifie_par)}" if releve.modifie_par else ""
    st.caption(f"Enregistré le {date_heure(releve.modifie_le)}{par} (révision {releve.revision}).")
else:
    st.caption("Pas encore de relevé pour cette séance. Il est enregistré avec la séance et repris dans le carnet.")
with st.form(f"releve-{atelier.id}-{seance.id}"):
    if proposes:
        st.multiselect(
            "Présents parmi les participants de l'atelier",
            proposes,
            key=presents.cle,
            placeholder="Personne n'est présumé présent : choisissez les présents",
            help="Les participants de l'atelier (page Atelier). Les autres présents s'écrivent ci-dessous.",
        )
    gauche, droite = st.columns(2)
    for k, (rubrique, libelle) in enumerate(RUBRIQUES.items()):
        (gauche if k % 2 == 0 else droite).text_area(
            libelle, key=rubriques[rubrique].cle, help=AIDES[rubrique], height=150, placeholder=AIDES[rubrique]
        )
    enregistrer = st.form_submit_button("Enregistrer le relevé", type="primary", icon=":material/save:")
if enregistrer:
    try:
        nouveau = services.enregistrer_releve(
            acteur,
            atelier,
            seance,
            {
                **{r: elements(s.valeur()) for r, s in rubriques.items()},
                "participants": reunir_presents(presents.valeur(), elements(rubriques["participants"].valeur())),
            },
            revision.valeur(),
        )
    except EsquisseErreur as exc:
        st.error(str(exc))
        st.button("Recharger le relevé enregistré (vos changements non enregistrés seront perdus)", on_click=recharger)
    else:
        revision.regler(nouveau.revision)
        st.success(f"Relevé enregistré (révision {nouveau.revision}).")

st.markdown("#### Document")
st.caption(
    "Le carnet réunit le contexte et les participants, le relevé, la carte et le tableau des annotations de chaque "
    "hypothèse (dernière version), et les évolutions depuis la séance précédente. Le DOCX se modifie dans "
    "LibreOffice ou Word."
)
gauche, droite = st.columns([3, 1], vertical_alignment="bottom")
formats = gauche.multiselect(
    "Formats", list(FORMATS_CARNET), default=list(FORMATS_CARNET), format_func=FORMATS_CARNET.get
)
cle_fichiers = f"carnet::{atelier.id}::{seance.id}"
if droite.button("Préparer le carnet", type="primary", icon=":material/description:"):
    fichiers = executer(
        "Préparation du carnet de suivi",
        lambda progression: services.exporter_carnet(
            acteur, atelier, seance.id, tuple(formats), dossier_exports(atelier), progression
        ),
    )
    if fichiers is not None:
        retenir_fichier_prepare(cle_fichiers, fichiers)
for format_, chemin in (fichier_prepare(cle_fichiers) or {}).items():
    if chemin.exists():
        bouton_telechargement(
            chemin, f"Télécharger le carnet {format_.upper()}", f"telecharger-{cle_fichiers}-{format_}"
        )
