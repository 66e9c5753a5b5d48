"""Séances et hypothèses : le calendrier de l'atelier, créer ou modifier une séance, l'archiver ;
créer une hypothèse (ou en reprendre une), changer son statut."""

from datetime import date

import pandas as pd
import streamlit as st

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.atelier.seances import STATUTS, TYPES_SEANCE, calendrier, lister_hypotheses, lister_seances
from ui.acces import acteur_courant, gerer_invitations, peut_inviter
from ui.navigation import exiger_atelier, page
from ui.session import afficher_annonces, annoncer
from ui.taches import sous_garde
from ui.telechargements import tableau
from ui.textes import md

page("Séances et hypothèses")
atelier = exiger_atelier()
st.subheader(md(atelier.nom))
st.caption("Une séance réunit les participants autour de la carte ; chaque séance a ses hypothèses de stratégie.")
afficher_annonces()
acteur = acteur_courant()
# Montrer ou non un bouton n'est qu'une politesse : les services vérifient l'acteur avant d'écrire.
anime = peut(acteur, "seance.modifier", atelier.id)


def visibles(s):
    """Les hypothèses de la séance que l'acteur peut voir (la lecture : les partagées seulement)."""
    return services.hypotheses_visibles(acteur, atelier.id, lister_hypotheses(s))


entrees = calendrier(atelier.dossier)
seances = [e.seance for e in entrees]

if not anime:
    st.caption("Vous consultez les séances : seule l'animation les crée, les modifie ou les archive.")
else:
    with st.expander("Nouvelle séance", expanded=not seances), st.form("nouvelle-seance", clear_on_submit=True):
        type_ = st.selectbox("Type", list(TYPES_SEANCE), format_func=TYPES_SEANCE.get)
        jour = st.date_input("Date", value=date.today(), format="DD/MM/YYYY")
        titre = st.text_input("Titre (facultatif)", max_chars=120, placeholder="ex. Atelier 2 à Bray-sur-Seine")
        if st.form_submit_button("Créer la séance", type="primary"):
            with sous_garde():
                s = services.creer_seance(acteur, atelier, type_, jour.isoformat(), titre)
                st.query_params["seance"] = s.id
                annoncer(f"Séance « {md(s.titre)} » créée.")
                st.rerun()

toutes = lister_seances(atelier.dossier, archivees=True)
archivees = [s for s in toutes if s.archivee]
titres_seances = {s.id: s.titre for s in toutes}
titres = {(s.id, h.id): h.titre for s in toutes for h in visibles(s)}

if not seances:
    st.info("Aucune séance pour l'instant : créez la première (par exemple la visite de terrain).")
else:
    st.markdown("**Calendrier**")
    tableau(
        pd.DataFrame(
            {
                "Date": [e.jour for e in entrees],
                "Échéance": [e.quand for e in entrees],
                "Séance": [e.seance.titre for e in entrees],
                "Type": [e.seance.libelle_type for e in entrees],
                "Hypothèses": [e.nb_hypotheses for e in entrees],
            }
        ),
        f"{atelier.id}_calendrier",
        hide_index=True,
        width="stretch",
    )

for e in reversed(entrees):
    s = e.seance
    hyps = visibles(s)
    with st.container(border=True):
        entete, modifier, archiver = st.columns([6, 2, 2], vertical_alignment="center")
        entete.markdown(f"**{md(s.titre)}** — {md(s.libelle_type)}, {md(e.jour)} ({md(e.quand)})")
        if not anime:
            for h in hyps:
                un, deux = st.columns([8, 2], vertical_alignment="center")
                un.markdown(f"{md(h.titre)} — {md(h.libelle_statut)}{' · partagée' if h.partagee else ''}")
                dessin = services.peut_dessiner(acteur, atelier, s)
                deux.page_link(
                    "pages/carte.py",
                    label="Dessiner" if dessin else "Voir",
                    icon=":material/draw:" if dessin else ":material/visibility:",
                    query_params={"atelier": atelier.id, "seance": s.id, "hypothese": h.id},
                )
            continue
        with modifier.popover("Modifier la séance", icon=":material/edit:"), st.form(f"modifier-{s.id}"):
            nouveau_type = st.selectbox(
                "Type", list(TYPES_SEANCE), index=list(TYPES_SEANCE).index(s.type), format_func=TYPES_SEANCE.get
            )
            nouvelle_date = st.date_input("Date", value=date.fromisoformat(s.date), format="DD/MM/YYYY")
            nouveau_titre = st.text_input("Titre", value=s.titre, max_chars=120, key=f"titre-seance-{s.id}")
            if st.form_submit_button("Enregistrer", type="primary"):
                with sous_garde():
                    services.modifier_seance(
                        acteur,
                        atelier,
                        s.id,
                        type_=nouveau_type,
                        date_iso=nouvelle_date.isoformat(),
                        titre=nouveau_titre,
                    )
                    annoncer(f"Séance « {md(nouveau_titre or s.titre)} » modifiée.")
                    st.rerun()
        if archiver.button(
            "Archiver",
            key=f"archiver-{s.id}",
            icon=":material/archive:",
            help="La séance disparaît des listes ; ses hypothèses et leurs versions restent, et on peut la rétablir.",
        ):
            with sous_garde("Séance non archivée"):
                services.archiver_seance(acteur, atelier, s.id, True)
                annoncer(f"Séance « {md(s.titre)} » archivée : rien n'est supprimé, elle peut être rétablie.")
                st.rerun()
        for h in hyps:
            c1, c2, c4, c3 = st.columns([5, 2, 2, 2], vertical_alignment="center")
            origine = ""
            if h.origine:
                source = titres.get((h.origine.get("seance"), h.origine.get("hypothese")))
                seance_source = titres_seances.get(h.origine.get("seance"), h.origine.get("seance"))
                origine = f" · reprise de « {md(source or h.origine.get('hypothese'))} » ({md(seance_source)})"
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
                with sous_garde("Statut non modifié", c1):
                    services.modifier_hypothese(acteur, atelier, h, statut=statut)
                    st.rerun()
            partagee = c4.checkbox(
                "Partagée",
                value=h.partagee,
                key=f"partagee-{s.id}-{h.id}",
                help="Publiée au cercle large (« Publier l'atelier ») même si elle n'est pas retenue. "
                "Une hypothèse retenue est toujours publiée.",
            )
            if partagee != h.partagee:
                with sous_garde("Partage non modifié", c1):
                    services.modifier_hypothese(acteur, atelier, h, partagee=partagee)
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
            anterieures = [(a, h) for a in seances if (a.date, a.id) < (s.date, s.id) for h in visibles(a)]
            libelles = ["— partir d'une carte vierge —"] + [f"{h.titre} ({a.titre})" for a, h in anterieures]
            reprise = st.selectbox(
                "Reprendre une hypothèse d'une séance précédente (facultatif)",
                range(len(libelles)),
                format_func=libelles.__getitem__,
            )
            if st.form_submit_button("Créer l'hypothèse", type="primary"):
                with sous_garde():
                    h = services.creer_hypothese(
                        acteur,
                        atelier,
                        s,
                        titre,
                        description,
                        reprise_de=anterieures[reprise - 1][1] if reprise else None,
                    )
                    annoncer(f"Hypothèse « {md(h.titre)} » créée.", "toast")
                    st.rerun()

if archivees and anime:
    with st.expander(f"Séances archivées ({len(archivees)})", icon=":material/inventory_2:"):
        st.caption("Une séance archivée garde ses hypothèses et toutes leurs versions ; rétablissez-la à tout moment.")
        for s in archivees:
            texte, bouton = st.columns([8, 2], vertical_alignment="center")
            texte.markdown(f"**{md(s.titre)}** — {md(s.libelle_type)}, {md(s.libelle.rsplit('(', 1)[-1].rstrip(')'))}")
            if bouton.button("Rétablir", key=f"retablir-{s.id}", icon=":material/unarchive:"):
                with sous_garde("Séance non rétablie"):
                    services.archiver_seance(acteur, atelier, s.id, False)
                    annoncer(f"Séance « {md(s.titre)} » rétablie.")
                    st.rerun()

if peut_inviter(atelier.id):
    with st.expander("Invitations des tablettes et du mur", icon=":material/qr_code:"):
        st.caption(
            "Les liens et codes QR montrés sous la projection et la carte sont des invitations signées, valables "
            "quelques heures. Révoquer une invitation ferme aussitôt la porte aux appareils qui l'ont utilisée."
        )
        gerer_invitations(atelier)
