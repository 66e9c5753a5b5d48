"""Séances et hypothèses : créer une séance, une hypothèse (ou en reprendre une), changer son statut."""

from datetime import date

import streamlit as st

from esquisse.erreurs import EsquisseErreur
from esquisse.seances import (
    STATUTS,
    TYPES_SEANCE,
    creer_hypothese,
    creer_seance,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
)
from interface import auteur, exiger_atelier, md, page

page("Séances et hypothèses")
atelier = exiger_atelier()
st.subheader(atelier.nom)
st.caption("Une séance réunit les participants autour de la carte ; chaque séance a ses hypothèses de stratégie.")

seances = lister_seances(atelier.dossier)

with st.expander("Nouvelle séance", expanded=not seances), st.form("nouvelle-seance", clear_on_submit=True):
    type_ = st.selectbox("Type", list(TYPES_SEANCE), format_func=TYPES_SEANCE.get)
    jour = st.date_input("Date", value=date.today(), format="DD/MM/YYYY")
    titre = st.text_input("Titre (facultatif)", max_chars=120, placeholder="ex. Atelier 2 à Bray-sur-Seine")
    if st.form_submit_button("Créer la séance", type="primary"):
        try:
            s = creer_seance(atelier.dossier, type_, jour.isoformat(), titre)
        except EsquisseErreur as exc:
            st.error(str(exc))
        else:
            st.query_params["seance"] = s.id
            st.success(f"Séance « {md(s.titre)} » créée.")
            st.rerun()

if not seances:
    st.info("Aucune séance pour l'instant.")
    st.stop()

for s in reversed(seances):
    hyps = lister_hypotheses(s)
    with st.container(border=True):
        st.markdown(f"**{md(s.titre)}** — {md(s.libelle_type)}, {md(s.libelle.rsplit('(', 1)[-1].rstrip(')'))}")
        for h in hyps:
            c1, c2, c3 = st.columns([5, 2, 2], vertical_alignment="center")
            origine = ""
            if h.origine:
                origine = f" · reprise de « {md(h.origine['hypothese'])} » ({md(h.origine['seance'])})"
            c1.markdown(f"{md(h.titre)}{origine}")
            if h.description:
                c1.caption(md(h.description))
            statut = c2.selectbox(
                "Statut",
                list(STATUTS),
                index=list(STATUTS).index(h.statut),
                format_func=STATUTS.get,
                key=f"statut-{s.id}-{h.id}",
                label_visibility="collapsed",
            )
            if statut != h.statut:
                modifier_hypothese(h, auteur()[0], statut=statut)
                st.rerun()
            c3.page_link(
                "pages/carte.py",
                label="Dessiner",
                icon=":material/draw:",
                query_params={"atelier": atelier.id, "seance": s.id, "hypothese": h.id},
            )
        with st.popover("Nouvelle hypothèse"), st.form(f"nouvelle-hypothese-{s.id}", clear_on_submit=True):
            titre = st.text_input("Titre", max_chars=120, placeholder="ex. A — La Bassée, vallée nourricière")
            description = st.text_area("Description", max_chars=4000)
            anterieures = [(a, h) for a in seances if (a.date, a.id) < (s.date, s.id) for h in lister_hypotheses(a)]
            libelles = ["— partir d'une carte vierge —"] + [f"{h.titre} ({a.titre})" for a, h in anterieures]
            reprise = st.selectbox(
                "Reprendre une hypothèse d'une séance précédente (facultatif)",
                range(len(libelles)),
                format_func=libelles.__getitem__,
            )
            if st.form_submit_button("Créer l'hypothèse", type="primary"):
                nom, role = auteur()
                try:
                    h = creer_hypothese(
                        s,
                        titre,
                        description,
                        nom,
                        role,
                        reprise_de=anterieures[reprise - 1][1] if reprise else None,
                        atelier=atelier.id,
                    )
                except EsquisseErreur as exc:
                    st.error(str(exc))
                else:
                    st.session_state["cree"] = h.titre
                    st.rerun()

if cree := st.session_state.pop("cree", None):
    st.toast(f"Hypothèse « {md(cree)} » créée.")
