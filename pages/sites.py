"""Comparer les sites d'un même thème : l'hypothèse retenue de chaque atelier, en vignette et en chiffres."""

import streamlit as st

from esquisse.acces.politique import peut
from esquisse.analyse.sites import cle_theme, comparer_sites, themes
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant
from ui.navigation import page
from ui.session import atelier_courant, dossier_projets
from ui.telechargements import tableau
from ui.textes import md

COLONNES = 3

page("Comparer les sites")
st.subheader("Comparer les sites d'un même thème")
st.caption(
    "Pour le séminaire final : l'hypothèse retenue de chaque atelier du thème, côte à côte, avec ses indicateurs."
)

acteur = acteur_courant()


def admis(atelier: str) -> bool:
    return peut(acteur, "atelier.lire", atelier)


try:
    liste = themes(dossier_projets(), admis)
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()
if not liste:
    st.info("Aucun atelier n'a de thème : ajoutez un « theme » dans le fichier atelier.json de chaque atelier.")
    st.stop()

courant = atelier_courant()
defaut = next((t for t in liste if courant and cle_theme(t) == cle_theme(courant.theme)), liste[0])
theme = st.selectbox("Thème", liste, index=liste.index(defaut), key="sites-theme")

try:
    comparaison = comparer_sites(dossier_projets(), theme, admis)
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

if len(comparaison.sites) < 2:
    st.info(
        "Un seul atelier porte ce thème. Pour comparer des sites, donnez le même thème à d'autres ateliers "
        "(champ « theme » de leur fichier atelier.json)."
    )

largeur = min(COLONNES, len(comparaison.sites)) or 1
for debut in range(0, len(comparaison.sites), largeur):
    for colonne, site in zip(st.columns(largeur), comparaison.sites[debut : debut + largeur], strict=False):
        with colonne, st.container(border=True):
            st.markdown(f"**{md(site.atelier.nom)}**")
            if site.hypothese is None:
                st.caption("Aucune hypothèse retenue pour l'instant.")
            else:
                st.caption(f"Hypothèse retenue : {md(site.indicateurs['Hypothèse retenue'])}")
            if site.vignette:
                st.image(site.vignette, width="stretch")
            i = site.indicateurs
            un, deux, trois = st.columns(3)
            un.metric("Esquisses", i["Esquisses"])
            deux.metric("Communes", i["Communes touchées"])
            trois.metric("Liens", i["Liens entre territoires"])

st.markdown("**Indicateurs**")
tableau(comparaison.tableau(), "comparaison_des_sites", width="stretch")
