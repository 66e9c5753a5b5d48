"""Projection : la carte seule, en grand, pour le mur ; les contributions des tablettes y arrivent d'elles-mêmes."""

import streamlit as st

from edition_ui import Poste
from esquisse.carte import parametres_atelier
from esquisse.erreurs import EsquisseErreur
from esquisse.reglages import reglage
from interface import (
    choisir_hypothese,
    choisir_seance,
    dossier_cache,
    echapper,
    exiger_atelier,
    md,
    page,
    prefixe_statique,
    seance_et_hypothese_de_l_adresse,
)

page("Projection", plein_ecran=True)
atelier = exiger_atelier()
seance, hyp = seance_et_hypothese_de_l_adresse(atelier)
if hyp is None:
    st.subheader(f"Projection — {md(atelier.nom)}")
    st.caption("Choisissez l'hypothèse à projeter ; l'adresse de cette page peut ensuite être gardée en favori.")
    un, deux = st.columns(2)
    with un:
        seance = choisir_seance(atelier, "projection-seance")
    with deux:
        hyp = choisir_hypothese(seance, "projection-hypothese") if seance else None
    if hyp is None:
        st.info("Aucune hypothèse à projeter pour l'instant.")
        st.stop()
    st.rerun()

try:
    hauteur = max(400, min(2000, int(st.query_params.get("hauteur", 960))))
except ValueError:
    hauteur = 960
try:
    parametres = parametres_atelier(
        atelier, dossier_cache(), prefixe_statique(), reglage("ESQUISSE_ZOOM_ETIQUETTES"), dessin="projection"
    )
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

st.html(
    "<div style='font-size:26px;font-weight:700;line-height:1.25'>"
    f"{echapper(hyp.titre)}<span style='font-weight:400;color:#555;font-size:20px'> — "
    f"{echapper(seance.titre)} · {echapper(atelier.nom)}</span></div>"
)
poste_ = Poste(atelier, hyp, parametres)


@st.fragment
def zone_carte():
    poste_.recevoir()
    poste_.afficher_carte(hauteur, fiches=None)


zone_carte()
poste_.veille()
