"""Territoires touchés : les communes, EPCI et SCoT de chaque esquisse, et les liens entre territoires."""

import streamlit as st
from streamlit_folium import st_folium

from esquisse.analyse.comparaison import rapport_territoires
from esquisse.analyse.etats import Choix
from esquisse.carte.lecture import carte_lecture
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.referentiel.couches import AVERTISSEMENT_SCOT
from ui.edition import parametres_carte
from ui.navigation import choisir_seance_et_hypothese, exiger_atelier, page
from ui.telechargements import tableau
from ui.textes import md

page("Territoires touchés")
atelier = exiger_atelier()
titre, choix_seance, choix_hypothese, choix_version = st.columns([3, 3, 3, 2], vertical_alignment="bottom")
titre.subheader("Territoires touchés")
seance, hyp = choisir_seance_et_hypothese(atelier, "territoires", (choix_seance, choix_hypothese))
if hyp is None:
    st.info("Aucune hypothèse : les territoires touchés apparaîtront quand une hypothèse aura des esquisses.")
    st.stop()
historique = hyp.depot(atelier.id).historique()
if not historique:
    st.info("Cette hypothèse n'a encore aucune version enregistrée.")
    st.stop()
with choix_version:
    numeros = [m.numero for m in historique]
    version = st.selectbox(
        "Version",
        numeros,
        index=len(numeros) - 1,
        format_func=lambda n: f"{n} (la dernière)" if n == numeros[-1] else str(n),
        key=f"territoires-version-{seance.id}-{hyp.id}",
    )

try:
    rapport = rapport_territoires(atelier, Choix(seance.id, hyp.id, version))
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()
parametres = parametres_carte(atelier)

for colonne, (libelle, valeur) in zip(st.columns(6), rapport.chiffres().items(), strict=True):
    colonne.metric(libelle, valeur)

st_folium(
    carte_lecture(parametres, rapport.carte()),
    key=f"territoires-carte-{atelier.id}",
    height=560,
    use_container_width=True,
    returned_objects=[],
)
st.caption(
    "Mises en évidence (halo violet) : les esquisses à cheval sur plusieurs EPCI ou SCoT, et les lignes qui "
    "relient des territoires différents. Touchez une esquisse pour voir ses communes, EPCI et SCoT."
)

st.markdown("**Liens entre territoires** — lignes et flèches dont les deux bouts sont dans des EPCI ou SCoT différents")
liens = rapport.tableau_liens()
if liens.empty:
    st.caption("Aucune ligne ni flèche ne relie deux territoires différents.")
else:
    tableau(liens, f"{atelier.id}_liens_entre_territoires", hide_index=True, width="stretch")
st.markdown("**À cheval sur plusieurs EPCI ou SCoT**")
a_cheval = rapport.tableau_a_cheval()
if a_cheval.empty:
    st.caption("Aucune esquisse ne s'étend sur plusieurs EPCI ou SCoT.")
else:
    tableau(a_cheval, f"{atelier.id}_esquisses_a_cheval", hide_index=True, width="stretch")

st.markdown(f"**Toutes les esquisses** — {md(rapport.etat.libelle)}")
tableau(rapport.tableau(), f"{atelier.id}_territoires_touches", hide_index=True, width="stretch")
st.caption(
    "Surfaces et longueurs mesurées en projection Lambert-93 (EPSG:2154) ou dans la projection légale "
    f"outre-mer. {AVERTISSEMENT_SCOT}"
)
