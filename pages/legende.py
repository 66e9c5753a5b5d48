"""Légende de l'atelier : les catégories d'esquisse, leur géométrie, leur couleur et leur trait."""

import pandas as pd
import streamlit as st

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.atelier.seances import categories_utilisees, slug
from esquisse.esquisses.legende import (
    GEOMETRIES,
    LEGENDE_DEFAUT,
    TRAITS,
    legende_json,
    valider_legende,
    verifier_retraits,
)
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant
from ui.navigation import exiger_atelier, page
from ui.session import Saisie, afficher_annonces, annoncer, dossier_projets
from ui.textes import legende_html

page("Légende")
atelier = exiger_atelier()
acteur = acteur_courant()
st.subheader("Légende de l'atelier")
afficher_annonces()
if not peut(acteur, "legende.modifier", atelier.id):
    st.info("Seule l'animation modifie la légende : la voici.", icon=":material/visibility:")
    st.html(legende_html(atelier.legende, grande=True))
    st.stop()
st.caption(
    "Chaque esquisse appartient à une catégorie de la légende. Modifiez les noms, couleurs et traits ; "
    "ajoutez une ligne pour une nouvelle catégorie. Une catégorie utilisée par une esquisse ne peut pas être retirée."
)

gauche, droite = st.columns([3, 2])
with gauche:
    tableau = pd.DataFrame(legende_json(atelier.legende))
    saisie_legende = Saisie(f"legende-{atelier.id}")
    edite = st.data_editor(
        tableau,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=saisie_legende.cle,
        column_order=["nom", "geometrie", "couleur", "trait", "epaisseur", "id"],
        column_config={
            "nom": st.column_config.TextColumn("Nom", required=True, max_chars=80),
            "geometrie": st.column_config.SelectboxColumn(
                "Géométrie", options=list(GEOMETRIES), required=True, default="zone"
            ),
            "couleur": st.column_config.TextColumn(
                "Couleur (#rrggbb)", required=True, validate=r"^#[0-9a-fA-F]{6}$", default="#607d8b"
            ),
            "trait": st.column_config.SelectboxColumn("Trait", options=list(TRAITS), default="continu"),
            "epaisseur": st.column_config.NumberColumn("Épaisseur", min_value=1, max_value=12, step=1, default=3),
            "id": st.column_config.TextColumn("Identifiant", help="Laissez vide : il est tiré du nom."),
        },
    )
    un, deux = st.columns(2)
    enregistrer = un.button("Enregistrer la légende", type="primary")
    defaut = deux.button("Revenir à la légende par défaut")

if enregistrer or defaut:
    if defaut:
        lignes = legende_json(LEGENDE_DEFAUT)
    else:
        lignes = []
        for ligne in edite.to_dict("records"):
            ligne = {k: (None if pd.isna(v) else v) for k, v in ligne.items()}
            if not ligne.get("nom"):
                continue
            ligne["id"] = ligne.get("id") or slug(str(ligne["nom"]), 40)
            lignes.append(ligne)
    try:
        nouvelle = valider_legende(lignes)
        verifier_retraits(atelier.legende, nouvelle, categories_utilisees(atelier.dossier))

        def remplacer(donnees):
            donnees["legende"] = legende_json(nouvelle)

        atelier = services.modifier_legende(acteur, dossier_projets(), atelier.id, remplacer)
    except EsquisseErreur as exc:
        st.error(f"Légende non enregistrée : {exc}")
    else:
        saisie_legende.oublier()
        annoncer("Légende enregistrée.")
        st.rerun()

with droite:
    st.markdown("**Aperçu**")
    st.html(legende_html(atelier.legende, grande=True))
