"""Carte et esquisses : dessiner, annoter et enregistrer les esquisses d'une hypothèse."""

from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.atelier import vues
from esquisse.carte.construction import construire_carte
from esquisse.esquisses.edition import Annotation, categories_compatibles
from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.legende import categorie_ou_inconnue
from esquisse.esquisses.versions import Changement
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant, auteur, saisir_auteur
from ui.edition import (
    Poste,
    categorie_courante,
    chargement_carte,
    choisir_categorie,
    dernier_dessin_selectionne,
    inviter_tablettes,
    parametres_carte,
    retenir_dernier_dessin,
)
from ui.navigation import choisir_seance_et_hypothese, exiger_atelier, page
from ui.textes import legende_html, md

page("Carte et esquisses")
atelier = exiger_atelier()

titre, choix_seance, choix_hypothese = st.columns([4, 3, 3], vertical_alignment="bottom")
titre.subheader(md(atelier.nom))
seance, hyp = choisir_seance_et_hypothese(atelier, "carte", (choix_seance, choix_hypothese))
acteur = acteur_courant()
# Les outils de dessin ne sont montrés qu'à qui peut dessiner ici ; le service le vérifie de toute façon.
dessine = hyp is not None and services.peut_dessiner(acteur, atelier, seance)

if dessine and acteur.origine == "ouvert":  # mode ouvert : le nom se donne ici ; sinon il vient de l'accès
    with st.sidebar:
        st.divider()
        st.markdown("**Qui dessine ?**")
        saisir_auteur(atelier)

parametres = parametres_carte(atelier, "edition" if dessine else "")

HAUTEUR = 700

if hyp is None:
    st.info(
        "Pour dessiner, créez d'abord une séance et une hypothèse."
        if not seance
        else "Cette séance n'a pas encore d'hypothèse : créez-en une pour dessiner."
    )
    st.page_link(
        "pages/seances.py",
        label="Séances et hypothèses",
        icon=":material/event:",
        query_params=st.query_params.to_dict(),
    )
    st_folium(
        construire_carte(parametres),
        key="carte-consultation",
        height=HAUTEUR,
        use_container_width=True,
        returned_objects=[],
    )
    st.stop()

poste_ = Poste(atelier, hyp, parametres)
if peut(acteur, "invitation.gerer", atelier.id):
    with st.sidebar, st.expander("Ouvrir sur les tablettes", icon=":material/tablet:"):
        inviter_tablettes(atelier, seance, hyp)
depot = poste_.depot
etat = poste_.etat
legende = atelier.legende


def noms_categories(ids):
    return {i: categorie_ou_inconnue(legende, i).nom for i in ids}


@st.fragment
def zone_edition():
    # On traite d'abord les dessins reçus et le formulaire, puis on affiche la carte à jour.
    retour = poste_.recevoir()
    gauche, droite = st.columns([7, 3])
    version = poste_.version_courante()  # la dernière lue si la base ne répond plus
    numero = version.meta.numero if version else 0
    entites = version.par_id() if version else {}
    attente = poste_.attente()
    dessins = {d.id: d for d in attente}
    dernier = poste_.dernier_dessin(retour)
    if dernier in dessins and dernier != dernier_dessin_selectionne():
        retenir_dernier_dessin(dernier)
        etat.selection = dernier
    if etat.selection not in dessins and etat.selection not in entites:
        nouveaux = [d.id for d in attente if d.base is None and not d.supprime]
        etat.selection = nouveaux[-1] if nouveaux else None

    with gauche:
        chargement_carte(HAUTEUR)
    with droite:
        if dessine:
            poste_.proposer_brouillons()
            poste_.garder_vue()
            panneau(numero, entites, attente, dessins)
        else:
            lecture_seule(numero)
    with gauche:
        # Territoires touchés par chaque esquisse, dans son infobulle (en cache par version).
        poste_.afficher_carte(HAUTEUR, fiches=True)


def lecture_seule(numero):
    """Le panneau d'un lecteur (ou d'une séance fermée) : la légende, rien qui écrive."""
    st.info("Lecture seule : vous consultez cette hypothèse sans pouvoir la modifier.", icon=":material/visibility:")
    st.markdown("**Légende**")
    st.html(legende_html(legende))
    st.caption(f"Version affichée : {numero or 'aucune'}.")


def panneau(numero, entites, attente, dessins):
    nom, role = auteur()
    selection = etat.selection
    d = dessins.get(selection)
    existante = entites.get(selection)
    if d is not None and d.supprime:
        d = None
    if d is not None:
        type_geojson = d.geometrie["type"]
        compatibles = [c.id for c in categories_compatibles(legende, type_geojson, d.genre)]
        props = (existante or {}).get("properties", {})
    elif existante is not None:
        type_geojson = existante["geometry"]["type"]
        genre = (
            "texte"
            if categorie_ou_inconnue(legende, existante["properties"].get("categorie", "texte")).geometrie == "texte"
            else None
        )
        compatibles = [c.id for c in categories_compatibles(legende, type_geojson, genre)]
        props = existante["properties"]
    else:
        compatibles = [c.id for c in legende]
        props = {}

    if selection and (d is not None or existante is not None):
        annotation = etat.annotations.get(selection) or Annotation(base=numero if existante else None)
        actuelle = annotation.categorie or props.get("categorie") or (d.categorie if d else None)
        if actuelle not in compatibles:
            actuelle = compatibles[0] if compatibles else None
        st.markdown("**Esquisse sélectionnée**" if existante else "**Nouvelle esquisse**")
        noms = noms_categories(compatibles)
        choix = st.radio(
            "Catégorie",
            compatibles,
            index=compatibles.index(actuelle) if actuelle in compatibles else 0,
            format_func=noms.get,
            key=f"categorie-{selection}",
        )
        est_texte = (
            categorie_ou_inconnue(legende, choix or actuelle).geometrie == "texte" if (choix or actuelle) else False
        )
        titre = st.text_input(
            "Texte de l'étiquette" if est_texte else "Titre",
            value=annotation.titre if annotation.titre is not None else props.get("titre", ""),
            key=f"titre-{selection}",
            max_chars=200,
            placeholder="ex. Relier la gare au bourg",
        )
        commentaire = st.text_area(
            "Ce que cela veut dire (commentaire)",
            value=annotation.commentaire if annotation.commentaire is not None else props.get("commentaire", ""),
            key=f"commentaire-{selection}",
            max_chars=4000,
            height=80,
        )
        nouvelle = replace(annotation, categorie=choix or actuelle, titre=titre, commentaire=commentaire)
        if nouvelle != annotation:
            etat.annotations[selection] = nouvelle
            if choix:
                choisir_categorie(atelier, choix)
    else:
        courante = categorie_courante(atelier)
        noms = noms_categories(compatibles)
        choix = st.radio(
            "Catégorie des prochains dessins",
            compatibles,
            index=compatibles.index(courante),
            format_func=noms.get,
            key=f"categorie-suivante-{atelier.id}",
        )
        if choix and choix != courante:
            choisir_categorie(atelier, choix)
        st.caption(
            "Dessinez avec les outils à gauche de la carte : zone, rectangle, ligne, point, ✍ main levée, T texte."
        )

    modifiees = [i for i, a in etat.annotations.items() if a.base is not None and i not in dessins]
    n = len(attente) + len(modifiees)
    if n:
        resume = []
        for x in attente:
            a = etat.annotations.get(x.id)
            libelle = (a.titre if a and a.titre else None) or entites.get(x.id, {}).get("properties", {}).get("titre")
            quoi = "suppression" if x.supprime else ("ajout" if x.base is None else "modification")
            resume.append(f"{quoi} : « {md(libelle)} »" if libelle else quoi)
        st.caption(f"{n} changement(s) à enregistrer — " + " ; ".join(resume[:6]))
    enregistrer = st.button(f"Enregistrer ({n})", type="primary", disabled=not n, width="stretch", key="enregistrer")
    # En cas d'échec, l'erreur s'affiche plus bas et la carte garde les dessins (rien n'est accusé).
    if enregistrer and poste_.enregistrer(attente) is not None:
        st.rerun(scope="fragment")  # l'enregistrement est fait : on réaffiche panneau et carte à jour
    poste_.messages()
    for k, c in enumerate(list(etat.conflits)):
        titre = ((c.locale or c.distante or {}).get("properties") or {}).get("titre") or "Esquisse sans titre"
        st.warning(f"Conflit sur « {md(titre)} » : {c.explication}.")
        un, deux = st.columns(2)
        if un.button("Appliquer ma version", key=f"conflit-mien-{k}"):
            depot_numero = poste_.numero_courant()
            mien = Changement(c.id, depot_numero, c.locale) if c.locale else Changement(c.id, depot_numero, None)
            try:
                resultat = services.enregistrer_changements(
                    acteur_courant(), atelier, hyp, [mien], message="Conflit tranché : version locale"
                )
            except EsquisseErreur as exc:
                # Le conflit reste proposé : la version locale n'est pas perdue.
                st.error(f"Rien n'a été enregistré : {md(str(exc))}")
            else:
                etat.message = f"Version {resultat.version.numero} enregistrée." if resultat.version else ""
                etat.conflits.remove(c)
                st.rerun(scope="fragment")
        if deux.button("Garder la version enregistrée", key=f"conflit-leur-{k}"):
            etat.conflits.remove(c)
            st.rerun(scope="fragment")

    if entites:
        with st.expander(f"Esquisses enregistrées ({len(entites)})"):
            options = list(entites)

            def libelle(i):
                p = entites[i]["properties"]
                return p.get("titre") or categorie_ou_inconnue(legende, p.get("categorie", "texte")).nom

            choisie = st.selectbox(
                "Annoter une esquisse enregistrée",
                [None, *options],
                format_func=lambda i: "—" if i is None else libelle(i),
                key="choisir-enregistree",
            )
            if choisie and choisie != etat.selection:
                etat.selection = choisie
                st.rerun(scope="fragment")
    vues_gardees = [v for v in poste_.vues() if v.id != vues.GRAND_TERRITOIRE]
    if vues_gardees:
        with st.expander(f"Vues gardées ({len(vues_gardees)})"):
            for v in vues_gardees:
                a, b = st.columns([4, 1], vertical_alignment="center")
                a.text(v.nom)
                if b.button("Retirer", key=f"retirer-vue-{v.id}"):
                    try:
                        services.retirer_vue(acteur_courant(), atelier, hyp, v.id)
                    except EsquisseErreur as exc:
                        st.error(f"Vue non retirée : {md(str(exc))}")
                    else:
                        st.rerun(scope="fragment")
    st.markdown("**Légende**")
    st.html(legende_html(legende))
    st.caption(
        f"Vous dessinez en tant que {md(nom)} ({ROLES.get(role, role)}). Version affichée : {numero or 'aucune'}."
    )


zone_edition()
poste_.veille()
