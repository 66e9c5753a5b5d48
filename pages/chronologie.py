"""Chronologie de l'atelier : séances, hypothèses et parcours de leur statut, sur une frise et dans un journal."""

import pandas as pd
import streamlit as st

from esquisse.atelier.chronologie import chronologie, graphique, liste_seances, tableau_journal
from esquisse.atelier.seances import STATUTS
from esquisse.noyau.erreurs import EsquisseErreur
from ui.navigation import exiger_atelier, page
from ui.telechargements import tableau
from ui.textes import md

page("Chronologie")
atelier = exiger_atelier()
st.subheader(f"Chronologie · {md(atelier.nom)}")
st.caption(
    "Les séances de l'atelier et le parcours de chaque hypothèse : "
    + " → ".join(STATUTS[s].lower() for s in ("proposee", "debattue"))
    + f" → {STATUTS['retenue'].lower()} ou {STATUTS['abandonnee'].lower()}."
)

try:
    c = chronologie(atelier.dossier)
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

if c.vide:
    st.info("Aucune séance pour l'instant : la chronologie se remplira avec le calendrier de l'atelier.")
    st.page_link(
        "pages/seances.py", label="Préparer les séances", icon=":material/event:", query_params={"atelier": atelier.id}
    )
    st.stop()

st.altair_chart(graphique(c), width="stretch")
cle = liste_seances(c)
colonnes = st.columns(3)
for rang, ligne in enumerate(cle):
    colonnes[rang * 3 // max(len(cle), 1)].caption(md(ligne))
st.caption("Survolez une barre ou une pastille pour le détail. Le trait rouge marque aujourd'hui.")

st.markdown("**Journal**")
tableau(pd.DataFrame(tableau_journal(c)), f"{atelier.id}_journal", hide_index=True, width="stretch")
