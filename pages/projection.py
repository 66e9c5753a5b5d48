"""Projection : la carte seule, en grand, pour le mur ; les contributions des tablettes y arrivent d'elles-mêmes."""

import streamlit as st

from esquisse.acces import services
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant, peut_inviter
from ui.edition import Poste, chargement_carte, inviter_tablettes, parametres_carte
from ui.navigation import choisir_seance_et_hypothese, exiger_atelier, page, seance_et_hypothese_de_l_adresse
from ui.textes import echapper, md

page("Projection", plein_ecran=True)
atelier = exiger_atelier()
seance, hyp = seance_et_hypothese_de_l_adresse(atelier)
if hyp is not None:
    try:  # une hypothèse non partagée ne se projette pas pour la lecture, même par l'adresse
        services.verifier_lecture(acteur_courant(), atelier.id, hyp)
    except EsquisseErreur as exc:
        st.error(md(str(exc)))
        st.stop()
if hyp is None:
    st.subheader(f"Projection — {md(atelier.nom)}")
    st.caption("Choisissez l'hypothèse à projeter ; l'adresse de cette page peut ensuite être gardée en favori.")
    seance, hyp = choisir_seance_et_hypothese(atelier, "projection")
    if hyp is None:
        st.info("Aucune hypothèse à projeter pour l'instant.")
        st.stop()
    st.rerun()

try:
    hauteur = max(400, min(2000, int(st.query_params.get("hauteur", 960))))
except ValueError:
    hauteur = 960
# Sans hauteur demandée, la carte remplit l'écran, quel qu'il soit (1920×1080 comme 1024×768).
hauteur_css = f"{hauteur}px" if "hauteur" in st.query_params else "calc(100vh - 84px)"
st.html(f"<style>iframe[title='streamlit_folium.st_folium']{{height:{hauteur_css} !important}}</style>")
st.html(
    "<div style='font-size:26px;font-weight:700;line-height:1.25;white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis'>"
    f"{echapper(hyp.titre)}<span style='font-weight:400;color:#555;font-size:20px'> — "
    f"{echapper(seance.titre)} · {echapper(atelier.nom)}</span></div>"
)
chargement_carte(hauteur_css)
parametres = parametres_carte(atelier, "projection")
poste_ = Poste(atelier, hyp, parametres)


@st.fragment
def zone_carte():
    poste_.recevoir()
    poste_.afficher_carte(hauteur)


zone_carte()
if peut_inviter(atelier.id):  # le mur (lecture) n'invite personne
    with st.expander("Rejoindre depuis une tablette", icon=":material/tablet:"):
        inviter_tablettes(atelier, seance, hyp, taille=360)  # assez grand pour être lu au mur, de sa place
poste_.veille()
