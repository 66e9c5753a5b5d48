"""Sauvegardes : l'archive zip d'un atelier entier, et l'import d'une archive (autre machine, restauration)."""

import streamlit as st

from esquisse.acces import services
from esquisse.acces.politique import TOUS_LES_ATELIERS, peut
from esquisse.exports.sauvegarde import identifiant_libre, lire_archive
from esquisse.noyau.dates import date_heure
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import reglage
from ui.acces import acteur_courant
from ui.navigation import page
from ui.session import (
    ateliers,
    dossier_exports,
    dossier_projets,
    fichier_prepare,
    identifiant_atelier,
    retenir_fichier_prepare,
)
from ui.taches import executer
from ui.telechargements import bouton_telechargement, taille_lisible
from ui.textes import md

page("Sauvegardes")
st.subheader("Sauvegardes")
st.caption(
    "L'archive d'un atelier contient tout : séances, hypothèses, toutes les versions et leur historique, relevés, "
    "couches importées. Elle sert de sauvegarde, ou à déplacer l'atelier vers une autre machine."
)

acteur = acteur_courant()
try:
    # Seuls les ateliers que l'acteur anime (les services vérifient de toute façon).
    liste = [a for a in ateliers() if peut(acteur, "sauvegarde.exporter", a.id)]
except EsquisseErreur as exc:
    st.error(str(exc))
    liste = []

st.markdown("#### Sauvegarder un atelier")
if not liste:
    st.info("Aucun atelier à sauvegarder.")
else:
    par_id = {a.id: a for a in liste}
    courant = identifiant_atelier()
    gauche, droite = st.columns([3, 1], vertical_alignment="bottom")
    choisi = gauche.selectbox(
        "Atelier",
        list(par_id),
        index=list(par_id).index(courant) if courant in par_id else 0,
        format_func=lambda i: par_id[i].nom,
    )
    atelier = par_id[choisi]
    cle = f"archive::{atelier.id}"
    if droite.button("Préparer l'archive", type="primary", icon=":material/archive:"):
        chemin = executer(
            "Préparation de l'archive",
            lambda progression: services.exporter_sauvegarde(
                acteur, atelier, dossier_exports(atelier) / f"atelier_{atelier.id}.zip", progression
            ),
        )
        if chemin is not None:
            retenir_fichier_prepare(cle, chemin)
    chemin = fichier_prepare(cle)
    if chemin is not None and chemin.exists():
        bouton_telechargement(chemin, f"Télécharger {md(chemin.name)}", f"telecharger-{cle}")

if not peut(acteur, "sauvegarde.importer", TOUS_LES_ATELIERS):
    st.stop()  # importer une sauvegarde crée un atelier : l'affaire de qui anime tous les ateliers
st.markdown("#### Importer un atelier")
st.caption(
    "Choisissez une archive produite par Esquisse. Elle est vérifiée fichier par fichier avant d'être installée ; "
    "un atelier existant n'est jamais remplacé."
)
envoi = st.file_uploader("Archive d'atelier (.zip)", type=["zip"], key="archive-import")
if envoi is not None:
    try:
        manifeste = lire_archive(envoi, envoi.name)
    except EsquisseErreur as exc:
        st.error(str(exc))
        st.stop()
    st.markdown(
        f"**{md(manifeste.nom)}** — {len(manifeste.fichiers)} fichiers, {taille_lisible(manifeste.taille)} "
        "une fois décompressée" + (f", archive du {date_heure(manifeste.cree_le)}" if manifeste.cree_le else "")
    )
    libre = identifiant_libre(dossier_projets(), manifeste.atelier)  # dans le magasin actif : dossiers ou base
    if libre != manifeste.atelier:
        st.warning(
            f"Un atelier existe déjà sous l'identifiant « {md(manifeste.atelier)} » : il ne sera pas remplacé. "
            "L'archive sera importée à côté, sous un autre identifiant."
        )
    identifiant = st.text_input(
        "Identifiant du nouvel atelier",
        value=libre,
        max_chars=64,
        help="Minuscules sans accent, chiffres et tirets.",
    )
    if st.button("Importer l'atelier", type="primary", icon=":material/upload:"):
        envoi.seek(0)
        resultat = executer(
            "Import de l'archive",
            lambda progression: services.importer_sauvegarde(
                acteur,
                envoi,
                dossier_projets(),
                identifiant.strip(),
                reglage("ESQUISSE_ARCHIVE_MAX_MO") * 1_000_000,
                envoi.name,
                progression,
            ),
        )
        if resultat is not None:
            st.success(f"Atelier « {md(resultat.atelier.nom)} » importé : {resultat.fichiers} fichiers vérifiés.")
            for avertissement in resultat.avertissements:
                st.warning(avertissement)
            st.page_link(
                "pages/carte.py",
                label="Ouvrir la carte de cet atelier",
                icon=":material/map:",
                query_params={"atelier": resultat.atelier.id},
            )
