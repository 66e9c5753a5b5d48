"""Historique d'une hypothèse : toutes ses versions, l'aperçu de chacune, la restauration."""

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.analyse.attribution import fiches_version
from esquisse.carte.construction import construire_carte, groupe_esquisses
from esquisse.esquisses.edition import etat_navigateur
from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.versions import tableau_historique
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant
from ui.edition import parametres_carte
from ui.navigation import choisir_seance_et_hypothese, exiger_atelier, page
from ui.session import afficher_annonces, annoncer
from ui.telechargements import tableau
from ui.textes import md

page("Historique")
atelier = exiger_atelier()
titre, choix_seance, choix_hypothese = st.columns([4, 3, 3], vertical_alignment="bottom")
titre.subheader("Historique des versions")
afficher_annonces()
seance, hyp = choisir_seance_et_hypothese(atelier, "historique", (choix_seance, choix_hypothese))
if hyp is None:
    st.info("Aucune hypothèse : l'historique apparaîtra après le premier enregistrement.")
    st.stop()

depot = hyp.depot(atelier.id)
historique = depot.historique()
if not historique:
    st.info("Cette hypothèse n'a encore aucune version enregistrée.")
    st.stop()

lignes = pd.DataFrame(tableau_historique(historique, ROLES))
tableau(
    lignes,
    f"{atelier.id}_{hyp.seance}_{hyp.id}_historique",
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(lignes), 320),
)

numeros = [m.numero for m in historique]
numero = st.select_slider("Version à afficher", numeros, value=numeros[-1])
meta = historique[numero - 1]
st.caption(md(meta.resume))

parametres = parametres_carte(atelier, "lecture")
st_folium(
    construire_carte(parametres),
    key=f"historique-{atelier.id}-{hyp.seance}-{hyp.id}",
    height=560,
    use_container_width=True,
    returned_objects=[],
    feature_group_to_add=groupe_esquisses(
        etat_navigateur(depot.lire(numero), atelier.legende, fiches=fiches_version(atelier, depot, numero))
    ),
)

if (
    numero != numeros[-1]
    and peut(acteur_courant(), "version.restaurer", atelier.id)
    and st.button(f"Restaurer la version {numero} (crée une nouvelle version)", type="primary")
):
    try:
        nouvelle = services.restaurer_version(acteur_courant(), atelier, hyp, numero)
    except EsquisseErreur as exc:
        st.error(str(exc))
    else:
        annoncer(f"Version {nouvelle.numero} créée à partir de la version {numero}.")
        st.rerun()
