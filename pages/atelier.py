"""Atelier : sa fiche (nom, thème, région), ses couches de référence, ses participants, sa légende, ses séances."""

import pandas as pd
import streamlit as st

from esquisse.acces import journal, services
from esquisse.acces.politique import peut
from esquisse.atelier.ateliers import GENRES_COUCHES, REGIONS, catalogue, libelle_reference
from esquisse.atelier.participants import ACCES, participants_json
from esquisse.atelier.seances import calendrier
from esquisse.esquisses.geojson import ROLES
from esquisse.noyau.dates import date_heure
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.referentiel.couches import AVERTISSEMENT_SCOT, SCHEMAS
from ui.acces import acteur_courant
from ui.navigation import exiger_atelier, page
from ui.session import Saisie, afficher_annonces, annoncer, dossier_projets
from ui.textes import legende_html, md

page("Atelier")
atelier = exiger_atelier()
st.subheader(md(atelier.nom))
st.caption("Préparer l'atelier : sa fiche, ses couches de référence, ses participants, sa légende et ses séances.")
afficher_annonces()
acteur = acteur_courant()
if not peut(acteur, "atelier.modifier", atelier.id):
    # Préparer l'atelier est l'affaire de l'animation (les services le vérifient de toute façon).
    st.info("Seule l'animation prépare l'atelier : vous le consultez.", icon=":material/visibility:")
    if atelier.description:
        st.markdown(md(atelier.description))
    st.html(legende_html(atelier.legende))
    st.stop()

fiche, participants, couches, legende_seances, onglet_journal = st.tabs(
    ["Fiche", "Participants", "Couches de référence", "Légende et séances", "Journal"],
    key=f"onglets-atelier-{atelier.id}",
)

# -- fiche -------------------------------------------------------------------------------------
with fiche, st.form("fiche-atelier"):
    nom = st.text_input("Nom de l'atelier", value=atelier.nom, max_chars=120)
    theme = st.text_input("Thème", value=atelier.theme, max_chars=120)
    regions = list(REGIONS) if atelier.region in REGIONS or not atelier.region else [atelier.region, *REGIONS]
    region = st.selectbox(
        "Région",
        regions,
        index=regions.index(atelier.region) if atelier.region else None,
        accept_new_options=True,
        placeholder="Choisissez ou saisissez une région",
    )
    description = st.text_area("Description", value=atelier.description, max_chars=2000, height=110)
    if st.form_submit_button("Enregistrer la fiche", type="primary"):
        try:
            services.modifier_fiche(
                acteur,
                dossier_projets(),
                atelier.id,
                nom=nom,
                theme=theme,
                region=region or "",
                description=description,
            )
        except EsquisseErreur as exc:
            st.error(f"Fiche non enregistrée : {exc}")
        else:
            annoncer("Fiche de l'atelier enregistrée.")
            st.rerun()

# -- couches de référence ---------------------------------------------------------------------------
with couches, st.form("couches-atelier"):
    st.caption("Les couches livrées avec Esquisse, par territoire. Une couche importée reste proposée telle quelle.")
    territoires = catalogue()
    choix = {}
    for genre in GENRES_COUCHES:
        options = [None] + [t.couches[genre] for t in territoires if genre in t.couches]
        actuelle = atelier.couches.get(genre)
        if actuelle and actuelle not in options:
            options.append(actuelle)
        choix[genre] = st.selectbox(
            SCHEMAS[genre].libelle,
            options,
            index=options.index(actuelle) if actuelle in options else 0,
            format_func=lambda r: "— aucune —" if r is None else libelle_reference(r),
            key=f"couche-{atelier.id}-{genre}",
        )
    retirer = False
    if atelier.perimetre:
        st.caption(
            f"Territoire de projet : « {md(atelier.perimetre.nom)} », {len(atelier.perimetre.communes)} communes."
        )
        retirer = st.checkbox(
            "Retirer aussi le territoire de projet (si la nouvelle couche des communes ne le contient pas)"
        )
    st.caption(AVERTISSEMENT_SCOT)
    if st.form_submit_button("Enregistrer les couches", type="primary"):
        try:
            services.modifier_couches(acteur, dossier_projets(), atelier.id, choix, retirer_perimetre=retirer)
        except EsquisseErreur as exc:
            st.error(f"Couches non enregistrées : {exc}")
        else:
            annoncer("Couches de référence enregistrées.")
            st.rerun()
with couches:
    un, deux = st.columns(2)
    un.page_link(
        "pages/couches.py",
        label="Importer une couche, ou la dériver des communes",
        icon=":material/layers:",
        query_params={"atelier": atelier.id},
    )
    deux.page_link(
        "pages/territoire.py",
        label="Composer le territoire de projet",
        icon=":material/select_all:",
        query_params={"atelier": atelier.id},
    )

# -- participants ---------------------------------------------------------------------------------
with participants:
    st.markdown(f"**{len(atelier.participants)} participant(s)**")
    st.caption(
        "Les élus, l'équipe-projet, la DREAL, la DDT et les partenaires de l'atelier. "
        "Ajoutez une ligne en bas du tableau ; sélectionnez des lignes pour les retirer. "
        "L'accès dit ce que chacun peut faire dans Esquisse : animation (tout), contribution (dessiner dans "
        "les séances ouvertes), lecture (voir ce qui est partagé) ; le courriel sert à la connexion."
    )
    tableau = pd.DataFrame(
        [{"acces": "", "courriel": "", **p} for p in participants_json(atelier.participants)],
        columns=["nom", "structure", "role", "acces", "courriel"],
    )
    saisie_participants = Saisie(f"participants-{atelier.id}")
    with st.form("participants-atelier"):
        edite = st.data_editor(
            tableau,
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            key=saisie_participants.cle,
            placeholder="",
            column_config={
                "nom": st.column_config.TextColumn("Nom", required=True, max_chars=100, width="medium"),
                "structure": st.column_config.TextColumn("Structure", max_chars=120, width="medium"),
                "role": st.column_config.SelectboxColumn(
                    "Rôle", options=list(ROLES), format_func=ROLES.get, required=True, default="elu"
                ),
                "acces": st.column_config.SelectboxColumn("Accès", options=list(ACCES), format_func=ACCES.get),
                "courriel": st.column_config.TextColumn("Courriel", max_chars=254, width="medium"),
            },
        )
        if st.form_submit_button("Enregistrer les participants", type="primary"):
            lignes = [{k: (None if pd.isna(v) else v) for k, v in ligne.items()} for ligne in edite.to_dict("records")]
            # Une ligne ajoutée puis laissée vide (seul son rôle par défaut est rempli) est ignorée.
            lignes = [ligne for ligne in lignes if ligne.get("nom") or ligne.get("structure")]
            try:
                services.modifier_participants(acteur, dossier_projets(), atelier.id, lignes)
            except EsquisseErreur as exc:
                st.error(f"Participants non enregistrés : {exc}")
            else:
                saisie_participants.oublier()
                annoncer(f"{len(lignes)} participant(s) enregistré(s).")
                st.rerun()
    if atelier.participants:
        par_role = {}
        for p in atelier.participants:
            par_role[p.libelle_role] = par_role.get(p.libelle_role, 0) + 1
        st.caption(" · ".join(f"{role} : {n}" for role, n in par_role.items()))
    libre = st.toggle(
        "Les contributeurs peuvent aussi retoucher les esquisses des autres",
        value=atelier.contribution_libre,
        key=f"contribution-libre-{atelier.id}",
        help="Sinon, chacun ne modifie que ses propres esquisses ; l'animation modifie tout.",
    )
    if libre != atelier.contribution_libre:
        try:
            services.permettre_contribution_libre(acteur, dossier_projets(), atelier.id, libre)
        except EsquisseErreur as exc:
            st.error(md(str(exc)))
        else:
            st.rerun()

# -- légende et séances -----------------------------------------------------------------------------
with legende_seances:
    gauche, droite = st.columns(2)
    with gauche, st.container(border=True):
        st.markdown("**Légende**")
        st.html(legende_html(atelier.legende))
        st.page_link(
            "pages/legende.py",
            label="Modifier la légende",
            icon=":material/palette:",
            query_params={"atelier": atelier.id},
        )
    with droite, st.container(border=True):
        entrees = calendrier(atelier.dossier)
        st.markdown(f"**Séances** ({len(entrees)})")
        if not entrees:
            st.caption("Aucune séance pour l'instant.")
        for e in entrees:
            st.markdown(f"{md(e.jour)} — **{md(e.seance.titre)}** · {md(e.seance.libelle_type)} · {md(e.quand)}")
        st.page_link(
            "pages/seances.py",
            label="Préparer les séances et les hypothèses",
            icon=":material/event:",
            query_params={"atelier": atelier.id},
        )

# -- journal ----------------------------------------------------------------------------------------
with onglet_journal:
    entrees_journal, illisibles = journal.lire(atelier.dossier)
    st.caption("Qui a fait quoi, et quand : chaque action menée dans l'atelier, la plus récente en premier.")
    if illisibles:
        st.warning(f"{illisibles} ligne(s) du journal illisible(s) (arrêt brutal ?) : laissées telles quelles.")
    if not entrees_journal:
        st.info("Le journal est vide : rien n'a encore été fait dans cet atelier depuis qu'il est tenu.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Quand": [date_heure(e.le) for e in entrees_journal],
                    "Qui": [e.qui for e in entrees_journal],
                    "Rôle": [e.libelle_role for e in entrees_journal],
                    "Action": [e.libelle_action for e in entrees_journal],
                    "Sur": [e.objet for e in entrees_journal],
                }
            ),
            hide_index=True,
            width="stretch",
        )
