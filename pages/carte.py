"""Carte et esquisses : dessiner, annoter et enregistrer les esquisses d'une hypothèse."""

from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium

from esquisse import brouillons
from esquisse.attribution import fiches_version
from esquisse.carte import construire_carte, groupe_esquisses, parametres_atelier
from esquisse.edition import (
    Annotation,
    categories_compatibles,
    construire_changements,
    en_attente,
    etat_navigateur,
    lire_dessins,
)
from esquisse.erreurs import EsquisseErreur
from esquisse.geojson import ROLES
from esquisse.legende import categorie
from esquisse.reglages import reglage
from esquisse.versions import Changement, maintenant
from interface import (
    auteur,
    categorie_courante,
    choisir_hypothese,
    choisir_seance,
    dossier_cache,
    etat_edition,
    exiger_atelier,
    legende_html,
    md,
    page,
    poste,
    prefixe_statique,
    saisir_auteur,
)

page("Carte et esquisses")
atelier = exiger_atelier()

titre, choix_seance, choix_hypothese = st.columns([4, 3, 3], vertical_alignment="bottom")
titre.subheader(atelier.nom)
with choix_seance:
    seance = choisir_seance(atelier)
with choix_hypothese:
    hyp = choisir_hypothese(seance) if seance else None

with st.sidebar:
    st.divider()
    st.markdown("**Qui dessine ?**")
    saisir_auteur()

try:
    parametres = parametres_atelier(
        atelier,
        dossier_cache(),
        prefixe_statique(),
        reglage("ESQUISSE_ZOOM_ETIQUETTES"),
        dessin="edition" if hyp is not None else "",
    )
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()

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

depot = hyp.depot(atelier.id)
etat = etat_edition(atelier, hyp)
legende = atelier.legende


def noms_categories(ids):
    return {i: categorie(legende, i).nom for i in ids}


def enregistrer(dessins, message_ok: str = "") -> None:
    """Enregistre les changements en attente ; les erreurs restent affichées, rien n'est écrit."""
    nom, role = auteur()
    try:
        changements = construire_changements(dessins, etat.annotations, depot, legende, nom, role, maintenant())
        if not changements:
            etat.message = "Rien à enregistrer."
            return
        resultat = depot.enregistrer(changements, nom, role)
    except EsquisseErreur as exc:
        etat.message = ""
        st.session_state["erreur-enregistrement"] = str(exc)
        return
    etat.acquittes.update({d.id: d.local for d in dessins})
    for c in changements:
        etat.annotations.pop(c.id, None)
    etat.conflits = resultat.conflits
    etat.selection = None
    if resultat.version:
        etat.vu = resultat.version.numero
        etat.message = message_ok or f"Version {resultat.version.numero} enregistrée : {resultat.version.message}."
    else:
        etat.message = "Aucun changement par rapport à la version enregistrée."


@st.fragment
def zone_edition():
    cle_carte = f"carte-{atelier.id}-{hyp.seance}-{hyp.id}"
    # streamlit-folium range la dernière valeur de la carte sous sa clé avant chaque exécution :
    # on traite d'abord les dessins reçus et le formulaire, puis on affiche la carte à jour.
    retour = st.session_state.get(cle_carte) or {}
    # Seule une valeur nouvelle de la carte (un dessin, une modification) remplace les dessins connus.
    if retour.get("all_drawings") is not None and retour["all_drawings"] != etat.valeur_carte:
        etat.valeur_carte = retour["all_drawings"]
        lecture = lire_dessins(retour["all_drawings"])
        for erreur in lecture.erreurs:
            st.warning(erreur)
        etat.dessins = lecture.dessins
    gauche, droite = st.columns([7, 3])
    numero = depot.numero_courant()
    entites = depot.entites(numero)
    attente = en_attente(etat.dessins, etat.acquittes)
    dessins = {d.id: d for d in attente}
    dernier = ((retour.get("last_active_drawing") or {}).get("properties") or {}).get("esq_id")
    if dernier in dessins and dernier != st.session_state.get("dernier-dessin"):
        st.session_state["dernier-dessin"] = dernier
        etat.selection = dernier
    if etat.selection not in dessins and etat.selection not in entites:
        nouveaux = [d.id for d in attente if d.base is None and not d.supprime]
        etat.selection = nouveaux[-1] if nouveaux else None

    with droite:
        proposer_brouillons()
        panneau(numero, entites, attente, dessins)

    # Après le panneau (qui a pu enregistrer) : la carte montre l'état à jour.
    numero = depot.numero_courant()
    version = depot.lire(numero) if numero else None
    etat.vu = numero
    attente = en_attente(etat.dessins, etat.acquittes)
    garder_brouillon(attente)
    annotations_attente = {i: a for i, a in etat.annotations.items() if a.categorie or a.titre}
    etat_carte = etat_navigateur(
        version,
        legende,
        categorie_courante(atelier),
        annotations=annotations_attente,
        acquittes=etat.acquittes,
        restaurer=attente,
        fiches=fiches_version(atelier, depot, numero),  # territoires touchés, dans l'infobulle
    )
    with gauche:
        st_folium(
            construire_carte(parametres),
            key=cle_carte,
            height=HAUTEUR,
            use_container_width=True,
            returned_objects=["all_drawings", "last_active_drawing"],
            feature_group_to_add=groupe_esquisses(etat_carte),
        )


def garder_brouillon(attente) -> None:
    """Recopie sur disque les dessins pas encore enregistrés de ce poste (jamais perdus)."""
    empreinte = repr((attente, sorted(etat.annotations.items())))
    if empreinte != etat.brouillon:
        nom, role = auteur()
        brouillons.ecrire(atelier.dossier, hyp, poste(), nom, role, attente, etat.annotations)
        etat.brouillon = empreinte


def proposer_brouillons() -> None:
    """Dessins laissés sans enregistrement par un poste fermé : on propose de les reprendre."""
    for k, b in enumerate(brouillons.abandonnes(atelier.dossier, hyp, poste())):
        minutes = max(1, round(b.age / 60))
        st.warning(
            f"Dessins non enregistrés de {md(b.auteur or 'Anonyme')} ({ROLES.get(b.role, b.role)}), "
            f"laissés il y a {minutes} min : {len(b.dessins)} esquisse(s)."
        )
        un, deux = st.columns(2)
        if un.button("Reprendre ces dessins", key=f"reprendre-{k}", type="primary"):
            repris = brouillons.reprendre(b)
            connus = {d.id for d in etat.dessins}
            etat.dessins = etat.dessins + [d for d in repris.dessins if d.id not in connus]
            for i, a in repris.annotations.items():
                etat.annotations.setdefault(i, a)
            etat.message = "Dessins repris : vérifiez-les puis enregistrez."
            st.rerun(scope="fragment")
        if deux.button("Les écarter", key=f"ecarter-{k}"):
            brouillons.ecarter(b)
            st.rerun(scope="fragment")


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
            if categorie(legende, existante["properties"].get("categorie", "texte")).geometrie == "texte"
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
        est_texte = categorie(legende, choix or actuelle).geometrie == "texte" if (choix or actuelle) else False
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
                st.session_state[f"categorie::{atelier.id}"] = choix
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
            st.session_state[f"categorie::{atelier.id}"] = choix
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
    if st.button(f"Enregistrer ({n})", type="primary", disabled=not n, width="stretch", key="enregistrer"):
        enregistrer(attente)
        st.rerun(scope="fragment")  # l'enregistrement est fait : on réaffiche panneau et carte à jour
    if erreur := st.session_state.pop("erreur-enregistrement", None):
        st.error(f"Rien n'a été enregistré : {md(erreur)}")
    if etat.message:
        st.success(md(etat.message))
    for k, c in enumerate(list(etat.conflits)):
        titre = ((c.locale or c.distante or {}).get("properties") or {}).get("titre") or "Esquisse sans titre"
        st.warning(f"Conflit sur « {md(titre)} » : {c.explication}.")
        un, deux = st.columns(2)
        if un.button("Appliquer ma version", key=f"conflit-mien-{k}"):
            depot_numero = depot.numero_courant()
            mien = Changement(c.id, depot_numero, c.locale) if c.locale else Changement(c.id, depot_numero, None)
            try:
                resultat = depot.enregistrer([mien], nom, role, message="Conflit tranché : version locale")
                etat.message = f"Version {resultat.version.numero} enregistrée." if resultat.version else ""
            except EsquisseErreur as exc:
                st.session_state["erreur-enregistrement"] = str(exc)
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
                return p.get("titre") or categorie(legende, p.get("categorie", "texte")).nom

            choisie = st.selectbox(
                "Annoter une esquisse enregistrée",
                [None, *options],
                format_func=lambda i: "—" if i is None else libelle(i),
                key="choisir-enregistree",
            )
            if choisie and choisie != etat.selection:
                etat.selection = choisie
                st.rerun(scope="fragment")
    st.markdown("**Légende**")
    st.html(legende_html(legende))
    st.caption(
        f"Vous dessinez en tant que {md(nom)} ({ROLES.get(role, role)}). Version affichée : {numero or 'aucune'}."
    )


@st.fragment(run_every="1s")
def veille():
    """Les enregistrements des autres postes apparaissent sans recharger la page."""
    brouillons.signe_de_vie(atelier.dossier, hyp, poste())
    if depot.numero_courant() != etat.vu:
        st.rerun()


zone_edition()
veille()
