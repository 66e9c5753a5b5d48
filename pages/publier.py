"""Publier l'atelier : un site statique hors ligne de ce qui a été partagé, à télécharger en zip."""

import streamlit as st

from esquisse.acces import services
from ui.navigation import exiger_atelier, page
from ui.roles import exiger_droit
from ui.session import dossier_cache, dossier_exports, dossier_projets, publication_preparee, retenir_publication
from ui.taches import executer
from ui.telechargements import bouton_telechargement
from ui.textes import md

page("Publier l'atelier")
atelier = exiger_atelier()
acteur = exiger_droit("publication.publier", atelier.id)
st.subheader("Publier l'atelier")
st.markdown(
    "Un **site à ouvrir sans réseau** (depuis une clé USB ou n'importe quel serveur web) pour le cercle large : "
    "conseils municipaux et communautaires, associations, territoires voisins. Il présente l'atelier, son "
    "territoire de projet, le calendrier des séances, les **hypothèses retenues ou partagées** de chaque séance "
    "(carte, légende et tableau des esquisses), ce qui a changé d'une séance à l'autre, la feuille de route et "
    "les sources."
)
st.caption(
    "Rien d'autre n'est publié : ni les hypothèses seulement proposées, débattues ou abandonnées (cochez « Partagée » "
    "dans la page Séances pour en publier une), ni les dessins non enregistrés, ni les relevés de séance. Des "
    "participants, seuls le nom et la structure paraissent. Les commentaires des esquisses sont publiés."
)
jour = st.date_input(
    "Date de publication",
    value=None,
    format="DD/MM/YYYY",
    help="Laissée vide : la date du dernier contenu publié. Publier deux fois le même contenu donne le même site.",
)
if st.button("Publier le site", type="primary", icon=":material/public:"):
    chemin = executer(
        "Publication du site",
        lambda progression: services.publier(
            acteur,
            atelier,
            dossier_projets(),
            dossier_cache(),
            dossier_exports(atelier) / f"publication-{atelier.id}.zip",
            jour.isoformat() if jour else None,
            progression,
        ),
    )
    if chemin is not None:
        retenir_publication(atelier, chemin)
chemin = publication_preparee(atelier)
if chemin is not None:
    bouton_telechargement(chemin, f"Télécharger {md(chemin.name)}", f"telecharger-publication-{atelier.id}")
    st.caption("Décompressez l'archive, puis ouvrez « index.html » dans un navigateur.")
