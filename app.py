"""Esquisse : page d'accueil, la liste des ateliers, leur ouverture et la création d'un atelier.

Les autres pages sont dans ``pages/`` ; la navigation est construite par ``ui.navigation.page``.
"""

import streamlit as st

from esquisse.acces import services
from esquisse.acces.membres import ateliers_visibles
from esquisse.acces.politique import TOUS_LES_ATELIERS, peut
from esquisse.atelier.ateliers import REGIONS, catalogue
from esquisse.atelier.seances import calendrier, prochaine_seance
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.stockage.rangement import en_base
from ui.acces import acteur_courant
from ui.navigation import page
from ui.session import afficher_annonces, annoncer, dossier_projets, inventaire_ateliers, ouvrir_atelier
from ui.textes import md

AUCUNE_COUCHE = "aucune"

page("Ateliers")
st.title("Esquisse")
st.caption("Esquisser, annoter et comparer les hypothèses d'un Atelier des territoires.")
afficher_annonces()

acteur = acteur_courant()
inventaire = inventaire_ateliers()
# Seuls les ateliers où l'acteur a un rôle sont listés (et seule l'animation générale voit les dossiers abîmés).
liste = ateliers_visibles(acteur, inventaire.ateliers)
anime_tout = peut(acteur, "atelier.creer", TOUS_LES_ATELIERS)
dans_la_base = en_base()
for illisible in inventaire.illisibles if anime_tout else ():
    quel, intact = (
        (f"L'atelier « {md(illisible.id)} » de la base de données", "il n'est pas modifié")
        if dans_la_base
        else (f"L'atelier du dossier « {md(illisible.id)} »", "ce dossier n'est pas modifié")
    )
    st.warning(
        f"{quel} ne peut pas être ouvert : {md(illisible.raison.rstrip('.'))}. "
        f"Les autres ateliers restent disponibles ; {intact}.",
        icon=":material/warning:",
    )

if not liste and anime_tout:
    ou = "la base de données" if dans_la_base else f"le dossier de données « {md(dossier_projets())} »"
    st.info(f"Aucun atelier dans {ou} : créez le premier ci-dessous.")
elif not liste and acteur.courriel:
    st.info(
        f"Vous n'êtes membre d'aucun atelier sous le courriel « {md(acteur.courriel)} ». Demandez à l'équipe "
        "d'animation de vous inscrire parmi les participants, avec ce courriel."
    )
    st.stop()
elif not liste:
    st.info("Vous n'êtes membre d'aucun atelier : demandez une invitation à l'équipe d'animation.")
    st.stop()

territoires = {t.id: t for t in catalogue()}
if anime_tout:  # créer un atelier : la personne qui a lancé Esquisse (les services vérifient)
    with (
        st.expander("Nouvel atelier", expanded=not liste, icon=":material/add:"),
        st.form("nouvel-atelier", clear_on_submit=False),
    ):
        st.markdown("Un atelier réunit, sur un territoire, les séances, les hypothèses et la feuille de route.")
        nom = st.text_input(
            "Nom de l'atelier", max_chars=120, placeholder="ex. Vallée de l'Ource — revitaliser les bourgs"
        )
        un, deux = st.columns(2)
        theme = un.text_input("Thème", max_chars=120, placeholder="ex. Mieux vivre dans le périurbain")
        region = deux.selectbox(
            "Région",
            REGIONS,
            index=None,
            accept_new_options=True,
            placeholder="Choisissez ou saisissez une région",
        )
        description = st.text_area("Description (facultatif)", max_chars=2000, height=80)
        couches = st.selectbox(
            "Couches de référence",
            [*territoires, AUCUNE_COUCHE],
            format_func=lambda i: (
                "Aucune pour l'instant (à importer ensuite)"
                if i == AUCUNE_COUCHE
                else f"{territoires[i].libelle} — livrées avec Esquisse"
            ),
            help="Communes, EPCI et SCoT du territoire ; modifiables ensuite dans la page « Atelier ».",
        )
        if st.form_submit_button("Créer l'atelier", type="primary"):
            try:
                atelier = services.creer_atelier(
                    acteur,
                    dossier_projets(),
                    nom,
                    theme=theme,
                    region=region or "",
                    description=description,
                    couches=territoires[couches].couches if couches in territoires else {},
                )
            except EsquisseErreur as exc:
                st.error(f"Atelier non créé : {exc}")
            else:
                ouvrir_atelier(atelier.id)
                annoncer(f"Atelier « {md(atelier.nom)} » créé. Ajoutez ses participants, puis préparez ses séances.")
                st.switch_page("pages/atelier.py", query_params={"atelier": atelier.id})

if liste:
    st.subheader("Ateliers")
for atelier in liste:
    with st.container(border=True):
        gauche, droite = st.columns([5, 1], vertical_alignment="center")
        with gauche:
            st.markdown(f"**{md(atelier.nom)}**")
            details = " · ".join(x for x in (atelier.theme, atelier.region) if x)
            if details:
                st.caption(md(details))
            if atelier.description:
                st.text(atelier.description)
            entrees = calendrier(atelier.dossier)
            prochaine = prochaine_seance(entrees)
            resume = [
                f"{len(entrees)} séance(s)",
                f"{len(atelier.participants)} participant(s)",
            ]
            if prochaine:
                resume.append(f"prochaine séance : {md(prochaine.seance.titre)}, {prochaine.jour} ({prochaine.quand})")
            st.caption(" · ".join(resume))
        with droite:
            if st.button("Ouvrir la carte", key=f"ouvrir-{atelier.id}", type="primary", width="stretch"):
                ouvrir_atelier(atelier.id)
                st.switch_page("pages/carte.py", query_params={"atelier": atelier.id})
            if not peut(acteur, "atelier.modifier", atelier.id):
                continue
            st.page_link(
                "pages/atelier.py",
                label="Préparer l'atelier",
                icon=":material/tune:",
                query_params={"atelier": atelier.id},
            )
