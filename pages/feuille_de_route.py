"""Feuille de route : orientations et actions phasées, liées aux esquisses ; lecture, tableau, carte, export."""

from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from esquisse.carte.construction import construire_carte, groupe_esquisses, parametres_atelier
from esquisse.esquisses.edition import etat_navigateur
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import reglage
from ui.acces import acteur_courant
from ui.navigation import exiger_atelier, page
from ui.session import (
    Saisie,
    afficher_annonces,
    annoncer,
    dossier_cache,
    feuille_en_edition,
    oublier_feuille_en_edition,
    prefixe_statique,
)
from ui.textes import md

VUES = ("Lecture", "Tableau", "Carte", "Exporter et importer")
COULEURS_STATUTS = {
    "a-engager": "gray",
    "en-cours": "orange",
    "realisee": "green",
    "suspendue": "violet",
    "abandonnee": "red",
}

page("Feuille de route")
atelier = exiger_atelier()
acteur = acteur_courant()
# Seule l'animation modifie la feuille de route : les autres la lisent (les services vérifient).
anime = peut(acteur, "feuille.modifier", atelier.id)
st.subheader(f"Feuille de route · {md(atelier.nom)}")
st.caption(
    "Les orientations de la stratégie, traduites en actions phasées, avec leurs porteurs, leurs outils "
    "et les esquisses de la carte auxquelles elles se rattachent."
)
afficher_annonces()

try:
    lue = fdr.lire(atelier.dossier)
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()
base = feuille_en_edition(atelier, lue)
if lue.revision != base.revision:
    par = f" par {md(lue.modifie_par)}" if lue.modifie_par else ""
    st.warning(
        f"La feuille de route a été enregistrée depuis un autre poste{par} (révision {lue.revision}). "
        f"Vos tableaux partent de la révision {base.revision} : rechargez-la avant de la modifier."
    )
    if st.button("Recharger la dernière version", icon=":material/refresh:"):
        oublier_feuille_en_edition(atelier)
        st.rerun()

# -- hypothèse de référence --------------------------------------------------------------------
hyp = fdr.hypothese_de_reference(atelier.dossier, base)
toutes = [(s, h) for s in lister_seances(atelier.dossier) for h in lister_hypotheses(s)]
if toutes and anime:
    options = [(s.id, h.id) for s, h in toutes]
    libelles = {(s.id, h.id): f"{h.titre} — {s.titre} ({h.libelle_statut.lower()})" for s, h in toutes}
    actuelle = (hyp.seance, hyp.id) if hyp else options[-1]
    choisie = st.selectbox(
        "Esquisses liées : hypothèse de référence",
        options,
        index=options.index(actuelle) if actuelle in options else len(options) - 1,
        format_func=libelles.get,
        key=f"fdr-reference-{atelier.id}-{base.revision}",
        help="D'ordinaire l'hypothèse retenue. Les identifiants des esquisses restent les mêmes quand une "
        "hypothèse est reprise à la séance suivante. Changer d'hypothèse enregistre ce choix.",
    )
    if choisie != actuelle:
        try:
            services.enregistrer_feuille(
                acteur, atelier, replace(base, reference=fdr.Reference(*choisie)), revision=base.revision
            )
        except EsquisseErreur as exc:
            st.error(str(exc))
        else:
            oublier_feuille_en_edition(atelier)
            annoncer(f"Hypothèse de référence : « {md(libelles[choisie])} ».")
            st.rerun()
elif not toutes:
    st.info("Aucune hypothèse pour l'instant : les actions pourront être liées aux esquisses dès qu'il y en aura une.")

noms_categories = {c.id: c.nom for c in atelier.legende}
disponibles = fdr.esquisses_disponibles(hyp, noms_categories)
libelles_esquisses = {e.id: e.libelle for e in disponibles}
titres_esquisses = {e.id: e.titre or e.categorie for e in disponibles}

vue = st.segmented_control(
    "Vue",
    VUES if anime else ("Lecture", "Carte"),
    default=VUES[0],
    required=True,
    key=f"fdr-vue-{atelier.id}",
    label_visibility="collapsed",
)
vue = vue or VUES[0]

manquants = fdr.liens_manquants(lue, set(libelles_esquisses))
if manquants and vue != "Exporter et importer":
    exemples = ", ".join(f"« {a.titre} »" for a in dict.fromkeys(a for a, _ in manquants))
    st.warning(
        f"{len(manquants)} lien(s) vers des esquisses absentes de l'hypothèse de référence (supprimées depuis, "
        f"ou dessinées dans une autre hypothèse) : actions {md(exemples)}."
    )

# -- lecture ----------------------------------------------------------------------------------
if vue == "Lecture":
    if not lue.orientations:
        st.info("La feuille de route est vide : ajoutez ses orientations puis ses actions dans la vue « Tableau ».")
    else:
        compte = fdr.resume(lue)
        colonnes = st.columns(len(compte))
        for colonne, (statut, n) in zip(colonnes, compte.items(), strict=True):
            colonne.metric(fdr.STATUTS[statut], n)
        if lue.modifie_le:
            st.caption(
                f"Révision {lue.revision}, enregistrée le {fdr.date_fr(lue.modifie_le[:10])}"
                + (f" par {md(lue.modifie_par)}" if lue.modifie_par else "")
            )
    for o in lue.orientations:
        st.markdown(f"#### {md(o.titre)}")
        if o.description:
            st.markdown(md(o.description))
        if not o.actions:
            st.caption("Aucune action pour l'instant.")
        for a in o.actions:
            with st.container(border=True):
                titre, statut = st.columns([5, 1], vertical_alignment="center")
                titre.markdown(f"**{md(a.titre)}**")
                statut.badge(a.libelle_statut, color=COULEURS_STATUTS.get(a.statut, "gray"))
                if a.description:
                    st.markdown(md(a.description))
                details = [f"**Phasage** : {md(a.libelle_phasage)}"]
                if a.porteurs:
                    details.append(f"**Porteurs** : {md(', '.join(a.porteurs))}")
                if a.outils:
                    details.append(f"**Outils et procédures** : {md(', '.join(a.outils))}")
                if a.entites:
                    noms = [libelles_esquisses.get(i, f"esquisse introuvable ({i})") for i in a.entites]
                    details.append(f"**Sur la carte** : {md(' ; '.join(noms))}")
                st.markdown("  \n".join(details))

# -- tableau ----------------------------------------------------------------------------------
elif vue == "Tableau":
    porteurs, outils = fdr.suggestions(base, tuple(p.structure for p in atelier.participants if p.structure))
    titres_orientations = {o.id: o.titre for o in base.orientations}
    # Les esquisses de l'hypothèse de référence, et celles déjà liées qui n'y sont plus (signalées).
    options_esquisses = list(dict.fromkeys([*libelles_esquisses, *(i for _, a in base.actions for i in a.entites)]))
    st.caption(
        "Modifiez les cellules, ajoutez une ligne en bas d'un tableau, sélectionnez des lignes pour les retirer, "
        "puis enregistrez. Une nouvelle orientation devient choisissable pour les actions après l'enregistrement."
    )
    with st.form(f"fdr-{atelier.id}-{base.revision}"):
        st.markdown("**Orientations**")
        orientations = st.data_editor(
            pd.DataFrame(fdr.tableau_orientations(base), columns=["id", "titre", "description", "actions"]),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            key=f"fdr-orientations-{atelier.id}-{base.revision}",
            placeholder="",
            column_order=["titre", "description", "actions"],
            column_config={
                "titre": st.column_config.TextColumn("Orientation", required=True, max_chars=200, width="large"),
                "description": st.column_config.TextColumn("Description", max_chars=4000, width="large"),
                "actions": st.column_config.NumberColumn("Actions", disabled=True, width="small"),
            },
        )
        st.markdown("**Actions**")
        colonnes = ["id", "orientation", "titre", "description", "entites", "porteurs", "phasage", "debut", "fin"]
        colonnes += ["outils", "statut"]
        actions = st.data_editor(
            pd.DataFrame(fdr.tableau_actions(base), columns=colonnes),
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            key=f"fdr-actions-{atelier.id}-{base.revision}",
            placeholder="",
            column_order=colonnes[1:],
            column_config={
                "orientation": st.column_config.SelectboxColumn(
                    "Orientation",
                    options=list(titres_orientations),
                    format_func=lambda i: titres_orientations.get(i, i),
                    default=next(iter(titres_orientations), None) if len(titres_orientations) == 1 else None,
                    width="medium",
                ),
                "titre": st.column_config.TextColumn("Action", required=True, max_chars=200, width="medium"),
                "description": st.column_config.TextColumn("Description", max_chars=4000, width="medium"),
                "entites": st.column_config.MultiselectColumn(
                    "Esquisses liées",
                    options=options_esquisses,
                    format_func=lambda i: libelles_esquisses.get(i, f"introuvable ({i})"),
                    width="medium",
                ),
                "porteurs": st.column_config.MultiselectColumn(
                    "Porteurs", options=porteurs, accept_new_options=True, width="medium"
                ),
                "phasage": st.column_config.SelectboxColumn(
                    "Phasage", options=list(fdr.PHASAGES), format_func=fdr.PHASAGES.get
                ),
                "debut": st.column_config.DateColumn("Début", format="DD/MM/YYYY"),
                "fin": st.column_config.DateColumn("Fin", format="DD/MM/YYYY"),
                "outils": st.column_config.MultiselectColumn(
                    "Outils et procédures", options=outils, accept_new_options=True, width="medium"
                ),
                "statut": st.column_config.SelectboxColumn(
                    "Statut",
                    options=list(fdr.STATUTS),
                    format_func=fdr.STATUTS.get,
                    default=fdr.STATUT_DEFAUT,
                    required=True,
                ),
            },
        )
        if st.form_submit_button("Enregistrer la feuille de route", type="primary"):
            try:
                nouvelle = fdr.depuis_tableaux(orientations.to_dict("records"), actions.to_dict("records"), base)
                enregistree = services.enregistrer_feuille(acteur, atelier, nouvelle, revision=base.revision)
            except EsquisseErreur as exc:
                st.error(f"Rien n'a été enregistré : {exc}")
            else:
                oublier_feuille_en_edition(atelier)
                annoncer(
                    f"Feuille de route enregistrée (révision {enregistree.revision}) : "
                    f"{len(enregistree.orientations)} orientation(s), {len(enregistree.actions)} action(s)."
                )
                st.rerun()

# -- carte ------------------------------------------------------------------------------------
elif vue == "Carte":
    titres_orientations = {o.id: o.titre for o in lue.orientations}
    filtre, resume_carte = st.columns([2, 3], vertical_alignment="bottom")
    orientation = filtre.selectbox(
        "Orientation",
        [None, *titres_orientations],
        format_func=lambda i: "Toutes les orientations" if i is None else titres_orientations[i],
        key=f"fdr-carte-orientation-{atelier.id}",
    )
    contenu = fdr.carte(hyp, lue, orientation)
    try:
        parametres = parametres_atelier(
            atelier, dossier_cache(), prefixe_statique(), reglage("ESQUISSE_ZOOM_ETIQUETTES"), dessin="lecture"
        )
    except EsquisseErreur as exc:
        st.error(str(exc))
        st.stop()
    # La carte s'ouvre sur les esquisses de toute la feuille de route (pas seulement l'orientation
    # filtrée : changer de filtre ne recharge pas la carte).
    emprise = (contenu if orientation is None else fdr.carte(hyp, lue)).emprise()
    if emprise is not None:
        parametres = replace(parametres, emprise=emprise)
    n = len(contenu.version.entites) if contenu.version else 0
    resume_carte.caption(
        f"{n} esquisse(s) liée(s) à {contenu.nb_actions} action(s). Touchez une esquisse pour voir ses actions."
    )
    if not n:
        st.info("Aucune esquisse liée : choisissez les esquisses de chaque action dans la vue « Tableau ».")
    st_folium(
        construire_carte(parametres),
        key=f"fdr-carte-{atelier.id}",
        height=620,
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=groupe_esquisses(etat_navigateur(contenu.version, atelier.legende, fiches=contenu.fiches)),
    )
    montrees = [o for o in lue.orientations if orientation in (None, o.id)]
    for colonne, o in zip(st.columns(max(len(montrees), 1)), montrees, strict=False):
        colonne.markdown(f"**{md(o.titre)}**")
        colonne.markdown("\n".join(f"- {md(a.titre)} · {md(a.libelle_statut.lower())}" for a in o.actions) or "—")

# -- export et import -------------------------------------------------------------------------
else:
    reference = f"{hyp.titre} ({hyp.seance})" if hyp else ""
    un, deux = st.columns(2)
    un.download_button(
        "Télécharger en CSV",
        lambda: fdr.exporter_csv(lue, titres_esquisses),  # produit au clic seulement
        file_name=f"feuille-de-route-{atelier.id}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        disabled=not lue.orientations,
    )
    deux.download_button(
        "Télécharger en XLSX (tableur)",
        lambda: fdr.exporter_xlsx(lue, titres_esquisses, atelier.nom, reference),
        file_name=f"feuille-de-route-{atelier.id}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        disabled=not lue.orientations,
    )
    st.caption("Une ligne par action. Le CSV est en UTF-8, séparé par des points-virgules (tableur français).")
    st.markdown("**Importer un tableau**")
    st.caption(
        "Un tableau CSV ou XLSX aux colonnes de l'export (au moins « Orientation » et « Action ») remplace la "
        "feuille de route, après confirmation. Gardez les colonnes d'identifiants pour garder les liens."
    )
    saisie_import = Saisie(f"fdr-import-{atelier.id}")
    fichier = st.file_uploader("Tableau à importer", type=["csv", "xlsx"], key=saisie_import.cle)
    if fichier is not None:
        try:
            importee = fdr.importer(fichier.getvalue(), fichier.name, lue)
        except EsquisseErreur as exc:
            st.error(f"Tableau non importé : {exc}")
        else:
            st.dataframe(
                pd.DataFrame(fdr.lignes_export(importee, titres_esquisses)).rename(columns=fdr.ENTETES),
                hide_index=True,
                width="stretch",
            )
            st.caption(f"{len(importee.orientations)} orientation(s), {len(importee.actions)} action(s).")
            if st.button("Remplacer la feuille de route par ce tableau", type="primary"):
                try:
                    services.enregistrer_feuille(acteur, atelier, importee, revision=lue.revision)
                except EsquisseErreur as exc:
                    st.error(f"Rien n'a été enregistré : {exc}")
                else:
                    oublier_feuille_en_edition(atelier)
                    saisie_import.oublier()
                    annoncer(f"Feuille de route remplacée par « {md(fichier.name)} ».")
                    st.rerun()
