"""Esquisse : page d'accueil, la liste des ateliers et l'ouverture de l'un d'eux.

Les autres pages sont dans ``pages/`` ; la navigation est construite par ``interface.page``.
"""

import streamlit as st

from esquisse.erreurs import EsquisseErreur
from interface import ateliers, dossier_projets, ouvrir_atelier, page

page("Ateliers")
st.title("Esquisse")
st.caption("Esquisser, annoter et comparer les hypothèses d'un Atelier des territoires.")

try:
    liste = ateliers()
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

if not liste:
    st.info(f"Aucun atelier dans le dossier de données « {dossier_projets()} ».")
    st.stop()

st.subheader("Ateliers")
for atelier in liste:
    with st.container(border=True):
        gauche, droite = st.columns([5, 1], vertical_alignment="center")
        with gauche:
            st.markdown(f"**{atelier.nom}**")
            details = " · ".join(x for x in (atelier.theme, atelier.region) if x)
            if details:
                st.caption(details)
            if atelier.description:
                st.text(atelier.description)
        with droite:
            if st.button("Ouvrir la carte", key=f"ouvrir-{atelier.id}", type="primary", width="stretch"):
                ouvrir_atelier(atelier.id)
                st.switch_page("pages/carte.py", query_params={"atelier": atelier.id})
