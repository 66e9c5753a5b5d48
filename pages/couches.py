"""Couches de l'atelier : importer un fichier officiel, dériver EPCI et SCoT des communes."""

import streamlit as st

from esquisse.acces import services
from esquisse.imports import derivation, importation
from esquisse.noyau.erreurs import EsquisseErreur
from esquisse.noyau.reglages import reglage
from esquisse.referentiel.cog import DEPARTEMENTS, REGIONS, libelle_departement, libelle_region
from esquisse.referentiel.couches import AVERTISSEMENT_SCOT, SCHEMAS
from ui.navigation import exiger_atelier, page
from ui.roles import exiger_droit
from ui.session import afficher_annonces, annoncer, dossier_cache, dossier_projets
from ui.textes import md

AUCUNE = "— aucune —"
GENRES = ("communes", "epci", "scot", "territoires")

page("Couches")
atelier = exiger_atelier()
acteur = exiger_droit("couches.modifier", atelier.id)
st.subheader(f"Couches · {md(atelier.nom)}")
afficher_annonces()


def rapport_en_liste(titre: str, lignes: list[str]) -> str:
    return f"**{titre}**\n\n" + "\n".join(f"- {ligne}" for ligne in lignes)


# --------------------------------------------------------------------------- état des couches
etats = importation.etat_couches(atelier)
if etats:
    st.dataframe(
        [{"Couche": e.libelle, "Entités": e.nb_entites, "Origine": e.origine} for e in etats],
        hide_index=True,
        width="stretch",
    )
    for e in etats:
        if e.probleme:
            st.error(md(e.probleme))
    st.page_link("pages/carte.py", label="Voir la carte", icon=":material/map:", query_params={"atelier": atelier.id})
else:
    st.info("Cet atelier n'a encore aucune couche : commencez par importer les communes.")

import_, derive = st.tabs(["Importer un fichier", "Dériver EPCI, SCoT ou territoires des communes"])

# --------------------------------------------------------------------------- import
with import_:
    taille_mo = reglage("ESQUISSE_TAILLE_MAX_IMPORT_MO")
    fichier = st.file_uploader(
        "Fichier à importer",
        type=["geojson", "json", "gpkg", "zip", "csv", "tsv", "gz"],
        key="import-fichier",
        max_upload_size=taille_mo,
    )
    st.caption(
        "GeoJSON, GeoPackage, Shapefile zippé (l'archive .zip contenant .shp, .shx, .dbf et .prj), CSV avec une "
        f"colonne WKT ou des colonnes longitude / latitude ; .geojson.gz et .csv.gz acceptés. Taille maximale : "
        f"{taille_mo} Mo. Par exemple la couche COMMUNE d'ADMIN EXPRESS COG (IGN) : ses colonnes INSEE_COM, NOM, "
        "POPULATION, SIREN_EPCI… sont reconnues d'elles-mêmes."
    )
    analyse = None
    if fichier is not None:
        try:
            analyse = importation.analyser(fichier.getvalue(), fichier.name)
        except EsquisseErreur as exc:
            st.error(md(str(exc)))

    if analyse is not None:
        if len(analyse.couches) > 1:
            couche = st.selectbox(
                f"Couche à importer ({len(analyse.couches)} dans « {analyse.nom_fichier} »)",
                analyse.couches,
                format_func=lambda c: f"{c.libelle} — {c.nb_entites:,} entités ({c.type_geometrie})".replace(
                    ",", "\u202f"
                ),
                key="import-couche",
            )
        else:
            couche = analyse.couches[0]
            st.markdown(
                f"Couche **{md(couche.libelle)}** : {couche.nb_entites:,} entités ({couche.type_geometrie}).".replace(
                    ",", "\u202f"
                )
            )
        cle = f"{analyse.nom_fichier}-{couche.id}"
        if couche.demander_scr:
            st.warning(f"Système de coordonnées à préciser : {couche.motif_scr}.", icon=":material/explore:")
        gauche, droite = st.columns(2)
        genre = gauche.selectbox(
            "Importer comme",
            GENRES,
            index=GENRES.index(couche.genre_propose),
            format_func=lambda g: SCHEMAS[g].libelle,
            key=f"import-genre-{cle}",
        )
        if genre in atelier.couches:
            gauche.caption(
                f"Elle remplacera la couche « {SCHEMAS[genre].libelle} » actuelle (dont le fichier est gardé)."
            )
        epsg = None
        if couche.demander_scr:
            codes = [e for e, _ in importation.SCR_COURANTS]
            libelles = dict(importation.SCR_COURANTS)
            epsg = droite.selectbox(
                "Système de coordonnées du fichier",
                codes,
                index=codes.index(couche.scr_propose) if couche.scr_propose in codes else 0,
                format_func=lambda e: libelles[e],
                key=f"import-scr-{cle}",
                help="Proposé d'après les coordonnées du fichier : vérifiez-le auprès de celui qui vous l'a fourni.",
            )
        else:
            reprojection = "" if couche.epsg == 4326 else " ; la couche sera reprojetée en WGS 84 pour la carte"
            droite.markdown("Système de coordonnées")
            droite.caption(f"{couche.scr_libelle}{reprojection}.")
        if couche.a_z:
            st.info("Le fichier a des coordonnées 3D : l'altitude (Z) sera ignorée.", icon=":material/info:")

        st.markdown("**Correspondance des colonnes**")
        propositions = importation.proposer_correspondances(couche.colonnes, genre)
        choix_colonnes = [AUCUNE, *couche.colonnes]
        correspondances = {}
        grille = st.columns(3)
        for i, (nom, libelle, obligatoire) in enumerate(importation.colonnes_du_genre(genre)):
            propose = propositions.get(nom)
            valeur = grille[i % 3].selectbox(
                libelle[0].upper() + libelle[1:] + (" *" if obligatoire else ""),
                choix_colonnes,
                index=choix_colonnes.index(propose) if propose else 0,
                key=f"import-col-{cle}-{genre}-{nom}",
            )
            correspondances[nom] = None if valeur == AUCUNE else valeur
        st.caption("\\* obligatoire. Les colonnes proposées d'après leur nom : vérifiez-les.")

        regions, departements = (), ()
        if genre == "communes":
            etendue = st.radio(
                "Communes à garder",
                ["Toutes les communes du fichier", "Une ou plusieurs régions", "Un ou plusieurs départements"],
                horizontal=True,
                key=f"import-etendue-{cle}",
                help="Pour un fichier national ou régional : n'en garder qu'une partie.",
            )
            if etendue == "Une ou plusieurs régions":
                regions = tuple(
                    st.multiselect("Régions", list(REGIONS), format_func=libelle_region, key=f"import-reg-{cle}")
                )
            elif etendue == "Un ou plusieurs départements":
                departements = tuple(
                    st.multiselect(
                        "Départements", list(DEPARTEMENTS), format_func=libelle_departement, key=f"import-dep-{cle}"
                    )
                )
        reparer = st.checkbox(
            "Réparer les géométries invalides et ignorer l'altitude (recommandé)",
            value=True,
            key=f"import-reparer-{cle}",
            help="Les contours qui se recoupent sont corrigés ; le rapport d'import dit lesquels.",
        )
        retirer = False
        if genre == "communes" and atelier.perimetre:
            retirer = st.checkbox(
                "Retirer du territoire de projet les communes absentes de la nouvelle couche",
                value=False,
                key=f"import-retirer-{cle}",
                help="Sinon, l'import est refusé si le territoire de projet contient des communes absentes du fichier.",
            )

        if st.button("Importer", type="primary", icon=":material/upload:", key=f"import-go-{cle}"):
            barre = st.progress(0.0, text="Préparation de l'import…")
            options = importation.OptionsImport(
                genre,
                couche=couche.id,
                epsg=epsg,
                correspondances=correspondances,
                reparer=reparer,
                departements=departements,
                regions=regions,
                retirer_absentes_du_perimetre=retirer,
            )
            try:
                rapport = services.importer_couche(
                    acteur,
                    dossier_projets(),
                    atelier.id,
                    fichier.getvalue(),
                    fichier.name,
                    options,
                    progression=lambda part, message: barre.progress(min(max(part, 0.0), 1.0), text=message),
                    dossier_cache=dossier_cache(),
                )
            except EsquisseErreur as exc:
                barre.empty()
                st.error(md(str(exc)))
            else:
                annoncer(rapport_en_liste("Import réussi", rapport.lignes()), zone="import")
                st.rerun()
    afficher_annonces("import")

# --------------------------------------------------------------------------- dérivation
with derive:
    if "communes" not in atelier.couches:
        st.info("Importez d'abord une couche de communes : les EPCI, SCoT et territoires en sont dérivés.")
    else:
        st.caption(
            "Chaque groupement devient l'union des contours de ses communes, avec son nombre de communes et sa "
            "population. La couche obtenue remplace celle du même genre (l'ancien fichier est gardé)."
        )
        genre_d = st.radio(
            "Couche à dériver",
            derivation.GENRES_DERIVABLES,
            format_func=lambda g: SCHEMAS[g].libelle,
            horizontal=True,
            key="deriver-genre",
        )
        if genre_d == "scot":
            st.caption(AVERTISSEMENT_SCOT)
        methode = st.radio(
            "Appartenance des communes",
            ["Une colonne de la couche des communes", "Une table d'appartenance (CSV commune → groupement)"],
            horizontal=True,
            key="deriver-methode",
        )
        try:
            communes = derivation.communes_de_l_atelier(dossier_projets(), atelier.id)
        except EsquisseErreur as exc:
            st.error(md(str(exc)))
            st.stop()
        colonnes = [c for c in communes.columns if c not in {communes.geometry.name, "code_insee"}]
        code_defaut, nom_defaut = derivation.COLONNES_SORTIE[genre_d]
        lancer = None
        if methode.startswith("Une colonne"):
            g1, g2 = st.columns(2)
            col_code = g1.selectbox(
                "Colonne du groupement (code)",
                colonnes,
                index=colonnes.index(code_defaut) if code_defaut in colonnes else 0,
                key=f"deriver-code-{genre_d}",
            )
            noms = [AUCUNE, *colonnes]
            col_nom = g2.selectbox(
                "Colonne du nom du groupement",
                noms,
                index=noms.index(nom_defaut) if nom_defaut in noms else 0,
                key=f"deriver-nom-{genre_d}",
            )
            if st.button("Dériver et enregistrer", type="primary", key="deriver-attribut"):

                def lancer():
                    return derivation.deriver_par_attribut(
                        communes, genre_d, col_code, None if col_nom == AUCUNE else col_nom
                    )

        else:
            table_fichier = st.file_uploader(
                "Table d'appartenance (CSV)",
                type=["csv", "tsv", "gz"],
                key="deriver-table",
                max_upload_size=reglage("ESQUISSE_TAILLE_MAX_IMPORT_MO"),
                help="Une ligne par commune et par groupement, par exemple commune_epci_scot_membership_fr.csv.gz.",
            )
            table = None
            if table_fichier is not None:
                try:
                    table = derivation.lire_table(table_fichier.getvalue(), table_fichier.name)
                except EsquisseErreur as exc:
                    st.error(md(str(exc)))
            if table is not None:
                lignes_t = f"{table.nb_lignes:,}".replace(",", "\u202f")
                st.caption(md(f"{lignes_t} lignes ; colonnes : {', '.join(table.colonnes)}."))
                proposees = table.proposer(genre_d)
                options = list(table.colonnes)
                t1, t2, t3 = st.columns(3)

                def index(nom):
                    return options.index(nom) if nom in options else 0

                col_commune = t1.selectbox(
                    "Code INSEE de la commune", options, index=index(proposees["commune"]), key="deriver-t-commune"
                )
                col_code_t = t2.selectbox(
                    "Code du groupement", options, index=index(proposees["code"]), key=f"deriver-t-code-{genre_d}"
                )
                noms_t = [AUCUNE, *options]
                col_nom_t = t3.selectbox(
                    "Nom du groupement",
                    noms_t,
                    index=noms_t.index(proposees["nom"]) if proposees["nom"] in noms_t else 0,
                    key=f"deriver-t-nom-{genre_d}",
                )
                if st.button("Dériver et enregistrer", type="primary", key="deriver-table-go"):

                    def lancer():
                        nom_t = None if col_nom_t == AUCUNE else col_nom_t
                        return derivation.deriver_par_table(communes, genre_d, table, col_commune, col_code_t, nom_t)

        if lancer is not None:
            with st.spinner("Fusion des communes…"):
                try:
                    gdf, rapport = lancer()
                    services.enregistrer_derivee(acteur, dossier_projets(), atelier.id, gdf, rapport, dossier_cache())
                except EsquisseErreur as exc:
                    st.error(md(str(exc)))
                else:
                    annoncer(rapport_en_liste("Couche dérivée enregistrée", rapport.lignes()), zone="derivation")
                    st.rerun()
        afficher_annonces("derivation")
