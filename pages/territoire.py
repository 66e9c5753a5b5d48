"""Territoire de projet : choisir ses communes sur la carte, ou par EPCI et SCoT entiers."""

import streamlit as st
from streamlit_folium import st_folium

from esquisse.acces import services
from esquisse.carte.construction import parametres_atelier
from esquisse.carte.selection import OBJETS_RENVOYES, carte_selection, groupe_selection
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import reglage
from esquisse.referentiel import perimetres
from ui.navigation import exiger_atelier, page
from ui.roles import exiger_droit
from ui.session import (
    Saisie,
    afficher_annonces,
    annoncer,
    brouillon_territoire,
    dossier_cache,
    dossier_projets,
    modifier_brouillon_territoire,
    oublier_brouillon_territoire,
    prefixe_statique,
)
from ui.telechargements import tableau
from ui.textes import md

CARTE = Saisie("carte-territoire")  # la dernière valeur renvoyée par la carte (le dernier clic)

page("Territoire de projet")
atelier = exiger_atelier()
acteur = exiger_droit("territoire.modifier", atelier.id)
st.subheader(f"Territoire de projet · {md(atelier.nom)}")
saisie_nom = Saisie(f"territoire-nom-{atelier.id}")

# Le clic arrivé de la carte est appliqué avant de la redessiner : elle montre tout de suite
# la sélection à jour. Chaque clic porte un identifiant unique : il ne compte qu'une fois.
clic = perimetres.lire_clic(CARTE.valeur())
brouillon = brouillon_territoire(atelier)
if clic and clic.id != brouillon.dernier_clic:
    brouillon = modifier_brouillon_territoire(
        atelier, codes=perimetres.basculer(brouillon.codes, clic.code), dernier_clic=clic.id
    )
saisie_nom.par_defaut(brouillon.nom)


def enregistrer() -> None:
    b = brouillon_territoire(atelier)
    try:
        services.enregistrer_perimetre(acteur, dossier_projets(), atelier.id, saisie_nom.valeur(), b.codes)
    except EsquisseErreur as exc:
        annoncer(str(exc), "error")
        return
    modifier_brouillon_territoire(atelier, nom=" ".join(saisie_nom.valeur().split()))
    annoncer(f"Territoire de projet enregistré : {len(set(b.codes))} communes. Il apparaît sur la carte de l'atelier.")


def revenir() -> None:
    oublier_brouillon_territoire(atelier)
    saisie_nom.oublier()


def effacer() -> None:
    modifier_brouillon_territoire(atelier, codes=())


def groupements_choisis(genre: str) -> Saisie:
    return Saisie(f"groupements-{genre}")


def par_groupement(action: str, genre: str) -> None:
    choisis = groupements_choisis(genre).valeur([])
    codes = [c for g in choisis for c in g.communes]
    b = brouillon_territoire(atelier)
    nouveaux = perimetres.ajouter(b.codes, codes) if action == "ajouter" else perimetres.retirer(b.codes, codes)
    modifier_brouillon_territoire(atelier, codes=nouveaux)
    groupements_choisis(genre).regler([])


try:
    parametres = parametres_atelier(atelier, dossier_cache(), prefixe_statique(), reglage("ESQUISSE_ZOOM_ETIQUETTES"))
    chiffres = perimetres.chiffres(atelier, brouillon.codes)
    groupements = {g: perimetres.groupements(atelier, g) for g in perimetres.COLONNES_GROUPEMENT}
except EsquisseErreur as exc:
    st.error(str(exc))
    st.page_link("pages/couches.py", label="Importer une couche de communes", icon=":material/upload:")
    st.stop()

afficher_annonces()
gauche, droite = st.columns([5, 2], gap="medium")

with droite:
    st.text_input("Nom du territoire de projet", key=saisie_nom.cle)
    # Chiffres l'un sous l'autre : lisibles même sur l'écran étroit d'un portable.
    st.metric("Communes", f"{chiffres.n_communes:,}".replace(",", "\u202f"))
    st.metric("Population", f"{chiffres.population:,}".replace(",", "\u202f"))
    st.metric("Superficie (km²)", f"{chiffres.superficie_km2:,.1f}".replace(",", "\u202f").replace(".", ","))
    enregistre = atelier.perimetre
    nom_saisi = " ".join(saisie_nom.valeur().split())
    modifie = enregistre is None or set(enregistre.communes) != set(brouillon.codes) or enregistre.nom != nom_saisi
    if modifie:
        st.warning("Modifications non enregistrées.", icon=":material/edit:")
    else:
        st.caption("Territoire enregistré avec l'atelier.")
    st.button(
        "Enregistrer",
        type="primary",
        on_click=enregistrer,
        disabled=not modifie,
        key="territoire-enregistrer",
        width="stretch",
        icon=":material/save:",
    )
    st.button(
        "Annuler",
        key="territoire-annuler",
        on_click=revenir,
        disabled=not modifie,
        width="stretch",
        help="Revenir au territoire enregistré.",
    )
    st.button("Tout effacer", key="territoire-effacer", on_click=effacer, disabled=not brouillon.codes, width="stretch")

    st.markdown("**Ajouter ou retirer des groupements entiers**")
    for genre, liste in groupements.items():
        if not liste:
            continue
        st.multiselect(
            perimetres.LIBELLES_GROUPEMENT[genre],
            liste,
            key=groupements_choisis(genre).cle,
            format_func=lambda g: g.libelle,
            placeholder="Choisir…",
        )
        vide = not groupements_choisis(genre).valeur()
        for action, libelle in (("ajouter", "Ajouter au territoire"), ("retirer", "Retirer du territoire")):
            st.button(
                libelle,
                key=f"{action}-{genre}",
                on_click=par_groupement,
                args=(action, genre),
                disabled=vide,
                width="stretch",
            )
    if groupements.get("scot"):
        st.caption("SCoT : périmètres dérivés des adhésions aux structures porteuses, pas les périmètres officiels.")

with gauche:
    st_folium(
        carte_selection(parametres),
        key=CARTE.cle,
        height=700,
        use_container_width=True,
        returned_objects=OBJETS_RENVOYES,
        feature_group_to_add=groupe_selection(brouillon.codes),
    )
    st.caption(
        "Cliquez une commune pour l'ajouter au territoire de projet ou l'en retirer ; les limites "
        "institutionnelles ne comptent pas. Le contour rouge est le territoire enregistré."
    )
    if brouillon.codes:
        with st.expander(f"Communes choisies ({chiffres.n_communes})"):
            tableau(
                perimetres.tableau(atelier, brouillon.codes),
                f"{atelier.id}_territoire_de_projet",
                hide_index=True,
                width="stretch",
            )
