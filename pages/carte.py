"""Carte de l'atelier : couches de référence, fonds de carte au choix."""

import streamlit as st
from streamlit_folium import st_folium

from esquisse.carte import construire_carte, parametres_atelier
from esquisse.erreurs import EsquisseErreur
from esquisse.reglages import reglage
from interface import dossier_cache, exiger_atelier, page, prefixe_statique

page("Carte")
atelier = exiger_atelier()
st.subheader(atelier.nom)

try:
    parametres = parametres_atelier(atelier, dossier_cache(), prefixe_statique(), reglage("ESQUISSE_ZOOM_ETIQUETTES"))
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

st_folium(
    construire_carte(parametres),
    key="carte",
    height=720,
    use_container_width=True,
    returned_objects=[],
)
st.caption(
    "Couches et fonds de carte : bouton en haut à droite de la carte. "
    "Les SCoT sont dérivés des adhésions aux structures porteuses, pas des périmètres officiels."
)
if atelier.sources:
    st.caption("Sources : " + " ; ".join(atelier.sources))
