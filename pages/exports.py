"""Exports : la carte d'une hypothèse à imprimer (PDF, SVG, PNG), et les fichiers pour les SIG."""

import pandas as pd
import streamlit as st

from esquisse.acces import services
from esquisse.analyse.annotations import choisir
from esquisse.atelier import vues
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from esquisse.exports import export_geopdf
from esquisse.exports.export_carte import (
    COUCHES_CARTE,
    COUCHES_DEFAUT,
    DPI_ADMIS,
    FORMATS,
    ORIENTATIONS,
    PAPIERS,
    MiseEnPage,
)
from esquisse.exports.export_sig import FORMATS_SIG
from ui.edition import parametres_carte
from ui.navigation import choisir_seance_et_hypothese, exiger_atelier, page
from ui.roles import exiger_droit
from ui.session import dossier_exports, fichier_prepare, retenir_fichier_prepare
from ui.taches import executer
from ui.telechargements import bouton_telechargement
from ui.textes import md

page("Exports")
atelier = exiger_atelier()
acteur = exiger_droit("export.produire", atelier.id)
titre, choix_seance, choix_hypothese = st.columns([4, 3, 3], vertical_alignment="bottom")
titre.subheader("Exports")
seance, hyp = choisir_seance_et_hypothese(atelier, "exports", (choix_seance, choix_hypothese))
if hyp is None:
    st.info("Rien à exporter pour l'instant : créez une séance et une hypothèse, puis dessinez sur la carte.")
    st.page_link("pages/seances.py", label="Séances et hypothèses", icon=":material/event:")
    st.stop()

carte, sig = st.tabs(["Carte à imprimer", "Fichiers SIG et tableau"])

with carte:
    historique = hyp.depot(atelier.id).historique()
    if not historique:
        st.info("Cette hypothèse n'a encore aucune version enregistrée : dessinez et enregistrez d'abord.")
    else:
        par_numero = {m.numero: m for m in historique}
        with st.form(f"export-carte-{seance.id}-{hyp.id}"):
            un, deux, trois = st.columns([4, 3, 3])
            numero = un.selectbox(
                "Version",
                list(reversed(par_numero)),
                format_func=lambda n: f"Version {n} — {par_numero[n].message}",
            )
            couches = un.multiselect(
                "Couches de référence", list(COUCHES_CARTE), default=list(COUCHES_DEFAUT), format_func=COUCHES_CARTE.get
            )
            format_ = deux.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True)
            dpi = deux.radio("Résolution (PNG)", DPI_ADMIS, format_func=lambda d: f"{d} dpi", horizontal=True)
            papier = trois.radio("Papier", list(PAPIERS), horizontal=True)
            orientation = trois.radio("Orientation", list(ORIENTATIONS), format_func=ORIENTATIONS.get, horizontal=True)
            cadrages, probleme_vues = vues.lister_ou_signaler(hyp, parametres_carte(atelier).emprise)
            if probleme_vues:
                st.warning(md(probleme_vues))
            cadrage = un.selectbox(
                "Cadrage",
                range(len(cadrages)),
                format_func=lambda i: cadrages[i].nom,
                help="Le grand territoire, ou une des vues gardées sur la carte de l'hypothèse (zooms).",
            )
            numeros = trois.checkbox(
                "Numéroter",
                value=True,
                help="Numéroter les esquisses : les numéros renvoient au tableau des annotations.",
            )
            lancer = st.form_submit_button("Préparer la carte", type="primary", icon=":material/print:")
        cle = f"export-carte::{atelier.id}::{seance.id}::{hyp.id}"
        if lancer:
            resultat = executer(
                "Préparation de la carte",
                lambda progression: services.exporter_carte(
                    acteur,
                    atelier,
                    choisir(atelier, seance.id, hyp.id, numero),
                    MiseEnPage(
                        format_,
                        papier,
                        orientation,
                        dpi,
                        tuple(couches),
                        numeros,
                        None if cadrage == 0 else cadrages[cadrage].emprise,
                    ),
                    dossier_exports(atelier),
                    progression,
                ),
            )
            if resultat is not None:
                retenir_fichier_prepare(cle, resultat)
        resultat = fichier_prepare(cle)
        if resultat is not None and resultat.chemin.exists():
            bouton_telechargement(resultat.chemin, f"Télécharger {md(resultat.chemin.name)}", f"telecharger-{cle}")
            apercu, _ = st.columns([2, 1])
            apercu.image(resultat.apercu, caption="Aperçu (basse définition)", width="stretch")

        st.markdown("**GeoPDF en couches**")
        if not export_geopdf.disponible():
            st.caption("GeoPDF indisponible sur ce serveur : il demande l'outil ogr2ogr de GDAL (paquet gdal-bin).")
        else:
            st.caption(
                "Un PDF géoréférencé en Lambert-93 : les couches de référence et chaque catégorie d'esquisse "
                "s'allument ou s'éteignent dans le lecteur (Acrobat, QGIS, Avenza). Sans légende ni échelle."
            )
            cle_geopdf = f"export-geopdf::{atelier.id}::{seance.id}::{hyp.id}"
            if st.button("Préparer le GeoPDF", icon=":material/layers:", key=f"bouton-{cle_geopdf}"):
                geopdf = executer(
                    "Préparation du GeoPDF",
                    lambda progression: export_geopdf.exporter_geopdf(
                        atelier, choisir(atelier, seance.id, hyp.id), dossier_exports(atelier), progression
                    ),
                )
                if geopdf is not None:
                    retenir_fichier_prepare(cle_geopdf, geopdf)
            geopdf = fichier_prepare(cle_geopdf)
            if geopdf is not None and geopdf.exists():
                bouton_telechargement(geopdf, f"Télécharger {md(geopdf.name)}", f"telecharger-{cle_geopdf}")

with sig:
    lignes = []
    for s in lister_seances(atelier.dossier):
        for h in lister_hypotheses(s):
            derniere = h.depot(atelier.id).numero_courant()
            if derniere:
                lignes.append(
                    {
                        "exporter": s.id == seance.id,
                        "seance": s.libelle,
                        "hypothese": h.titre,
                        "statut": h.libelle_statut,
                        "version": derniere,
                        "derniere": derniere,
                        "_seance": s.id,
                        "_hypothese": h.id,
                    }
                )
    if not lignes:
        st.info("Aucune hypothèse n'a encore de version enregistrée.")
    else:
        st.caption(
            "Cochez les hypothèses à exporter ; la dernière version est proposée, vous pouvez en choisir une autre. "
            "Le GeoPackage contient aussi les couches de référence et le territoire de projet, "
            "en Lambert-93 (EPSG:2154)."
        )
        tableau = pd.DataFrame(lignes)
        edite = st.data_editor(
            tableau,
            hide_index=True,
            width="stretch",
            key=f"export-sig-{atelier.id}",
            column_order=["exporter", "seance", "hypothese", "statut", "version", "derniere"],
            disabled=["seance", "hypothese", "statut", "derniere"],
            column_config={
                "exporter": st.column_config.CheckboxColumn("Exporter"),
                "seance": "Séance",
                "hypothese": "Hypothèse",
                "statut": "Statut",
                "version": st.column_config.NumberColumn("Version", min_value=1, step=1, required=True),
                "derniere": st.column_config.NumberColumn("Dernière version"),
            },
        )
        gauche, droite = st.columns([3, 1], vertical_alignment="bottom")
        format_sig = gauche.radio("Format", list(FORMATS_SIG), format_func=FORMATS_SIG.get, horizontal=True)
        if droite.button("Préparer le fichier", type="primary", icon=":material/dataset:"):
            choisies = edite[edite["exporter"]]

            def exporter(progression):
                choix = [
                    choisir(atelier, ligne["_seance"], ligne["_hypothese"], int(ligne["version"]))
                    for _, ligne in choisies.iterrows()
                ]
                return services.exporter_sig(acteur, atelier, choix, format_sig, dossier_exports(atelier), progression)

            chemin = executer("Préparation du fichier", exporter)
            if chemin is not None:
                retenir_fichier_prepare(f"export-sig::{atelier.id}", chemin)
        chemin = fichier_prepare(f"export-sig::{atelier.id}")
        if chemin is not None and chemin.exists():
            bouton_telechargement(chemin, f"Télécharger {md(chemin.name)}", f"telecharger-sig-{atelier.id}")
