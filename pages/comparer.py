"""Comparer deux hypothèses, deux versions d'une hypothèse, ou les états finaux de deux séances."""

import streamlit as st
from streamlit_folium import st_folium

from esquisse.acces import services
from esquisse.acces.politique import Role
from esquisse.analyse.attribution import nombre
from esquisse.analyse.comparaison import comparer, seance_actuelle
from esquisse.analyse.etats import Choix
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from esquisse.carte.lecture import carte_double, carte_lecture
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant
from ui.edition import parametres_carte
from ui.navigation import exiger_atelier, page
from ui.session import Saisie
from ui.telechargements import tableau
from ui.textes import md

page("Comparer")
atelier = exiger_atelier()
st.subheader("Comparer")

seances = lister_seances(atelier.dossier)
if not seances:
    st.info("Aucune séance pour l'instant : créez une séance et ses hypothèses pour les comparer.")
    st.page_link("pages/seances.py", label="Séances et hypothèses", icon=":material/event:")
    st.stop()
par_id = {s.id: s for s in seances}
acteur = acteur_courant()
# La lecture ne compare que les hypothèses partagées, et pas l'état final des séances (qui les mêle toutes).
hypotheses = {s.id: services.hypotheses_visibles(acteur, atelier.id, lister_hypotheses(s)) for s in seances}
lecture = services.role(acteur, atelier.id) is Role.LECTURE

MODES = {
    "hypotheses": "Deux hypothèses",
    "versions": "Deux versions d'une hypothèse",
    "seances": "Deux séances (état final de chacune)",
}
if lecture:
    MODES.pop("seances")
VUES = {"cote": "Côte à côte", "differences": "Différences superposées"}
cle = f"cmp-{atelier.id}"
saisie_mode, saisie_vue = Saisie(f"{cle}-mode"), Saisie(f"{cle}-vue")

# « Ce qui a changé depuis la séance N » : un clic règle les sélecteurs ci-dessous.
actuelle = seance_actuelle(atelier)
anterieures = seances[: [s.id for s in seances].index(actuelle.id)] if actuelle else []
if anterieures and not lecture:
    st.markdown(f"**Ce qui a changé jusqu'à « {md(actuelle.titre)} » depuis…**")
    rangee = st.container(horizontal=True)
    for s in anterieures:
        if rangee.button(md(f"{s.titre} ({s.libelle.rsplit('(', 1)[-1]}"), key=f"{cle}-depuis-{s.id}"):
            saisie_mode.regler("seances")
            Saisie(f"{cle}-seance-a").regler(s.id)
            Saisie(f"{cle}-seance-b").regler(actuelle.id)
            saisie_vue.regler("differences")

mode = st.radio("Comparer", list(MODES), format_func=MODES.get, horizontal=True, key=saisie_mode.cle)


def choisir_seance(libelle: str, cle_widget: str, defaut: int):
    ids = list(par_id)
    # Valeur par défaut posée dans l'état de session : le bouton « depuis la séance N » peut la changer.
    Saisie(cle_widget).par_defaut(ids[defaut % len(ids)], admises=ids)
    return st.selectbox(libelle, ids, format_func=lambda i: par_id[i].libelle, key=cle_widget)


def choisir_hypothese(seance_id: str, cle_widget: str, defaut: int = 0):
    hyps = hypotheses[seance_id]
    if not hyps:
        st.caption("Cette séance n'a pas d'hypothèse.")
        return None
    noms = {h.id: f"{h.titre} — {h.libelle_statut}" for h in hyps}
    return st.selectbox("Hypothèse", list(noms), index=min(defaut, len(hyps) - 1), format_func=noms.get, key=cle_widget)


choix_a = choix_b = None
if mode == "hypotheses":
    # Par défaut : les deux premières hypothèses de la dernière séance qui en a au moins deux.
    riche = next((k for k in range(len(seances) - 1, -1, -1) if len(hypotheses[seances[k].id]) >= 2), len(seances) - 1)
    gauche, droite = st.columns(2)
    with gauche:
        st.markdown("**A**")
        sa = choisir_seance("Séance", f"{cle}-hyp-seance-a", riche)
        ha = choisir_hypothese(sa, f"{cle}-hyp-a-{sa}")
    with droite:
        st.markdown("**B**")
        sb = choisir_seance("Séance", f"{cle}-hyp-seance-b", riche)
        hb = choisir_hypothese(sb, f"{cle}-hyp-b-{sb}", defaut=1 if sb == sa else 0)
    if ha and hb:
        choix_a, choix_b = Choix(sa, ha), Choix(sb, hb)
elif mode == "versions":
    gauche, droite = st.columns(2)
    with gauche:
        s = choisir_seance("Séance", f"{cle}-ver-seance", -1)
    with droite:
        h = choisir_hypothese(s, f"{cle}-ver-hyp-{s}")
    historique = next(x for x in hypotheses[s] if x.id == h).depot(atelier.id).historique() if h else []
    if h and not historique:
        st.info("Cette hypothèse n'a encore aucune version enregistrée.")
    elif h:
        numeros = [m.numero for m in historique]
        libelles = {m.numero: f"Version {m.numero} — {m.message} ({m.auteur or 'anonyme'})" for m in historique}
        gauche, droite = st.columns(2)
        va = gauche.selectbox(
            "A : version", numeros, max(len(numeros) - 2, 0), libelles.get, key=f"{cle}-ver-a-{s}-{h}"
        )
        vb = droite.selectbox("B : version", numeros, len(numeros) - 1, libelles.get, key=f"{cle}-ver-b-{s}-{h}")
        choix_a, choix_b = Choix(s, h, va), Choix(s, h, vb)
else:
    gauche, droite = st.columns(2)
    with gauche:
        sa = choisir_seance("A : séance", f"{cle}-seance-a", -2 if len(seances) > 1 else -1)
    with droite:
        sb = choisir_seance("B : séance", f"{cle}-seance-b", -1)
    choix_a, choix_b = Choix(sa), Choix(sb)

if choix_a is None or choix_b is None:
    st.stop()

try:
    comparaison = comparer(atelier, choix_a, choix_b)
except EsquisseErreur as exc:
    st.error(str(exc))
    st.stop()
parametres = parametres_carte(atelier)

st.markdown(f"**A** : {md(comparaison.a.libelle)}  \n**B** : {md(comparaison.b.libelle)}")
if choix_a == choix_b:
    st.info("A et B désignent le même état : choisissez deux états différents pour voir ce qui change.")
compte = comparaison.compte
m = st.columns(6)
m[0].metric("Ajoutées", compte["ajoutee"], help="Esquisses présentes dans B et pas dans A")
m[1].metric("Supprimées", compte["supprimee"], help="Esquisses présentes dans A et pas dans B")
m[2].metric("Modifiées", compte["modifiee"])
m[3].metric("Inchangées", compte["inchangee"])
m[4].metric("Surface gagnée", f"{nombre(comparaison.surface_gagnee_ha)} ha", help="Par les zones modifiées")
m[5].metric("Surface perdue", f"{nombre(comparaison.surface_perdue_ha)} ha", help="Par les zones modifiées")
st.caption(md(comparaison.resume))

saisie_vue.par_defaut("cote", admises=VUES)
vue = st.segmented_control("Affichage", list(VUES), format_func=VUES.get, key=saisie_vue.cle)
if vue == "differences":
    st_folium(
        carte_lecture(parametres, comparaison.carte_differences()),
        key=f"{cle}-carte-differences",
        height=620,
        use_container_width=True,
        returned_objects=[],
    )
else:
    st_folium(
        carte_double(parametres, comparaison.carte_a(), comparaison.carte_b()),
        key=f"{cle}-carte-double",
        height=560,
        use_container_width=True,
        returned_objects=[],
    )
    st.caption("Les deux cartes bougent ensemble : déplacez ou zoomez l'une, l'autre suit.")

st.markdown("**Par catégorie**")
tableau(comparaison.tableau_categories(), f"{atelier.id}_comparaison_categories", hide_index=True, width="stretch")
st.markdown("**Territoires touchés**")
tableau(comparaison.tableau_evolutions(), f"{atelier.id}_comparaison_territoires", hide_index=True, width="stretch")
st.markdown("**Esquisses qui changent**")
changements = comparaison.tableau_differences()
if changements.empty:
    st.caption("Aucune esquisse ajoutée, supprimée ou modifiée.")
else:
    tableau(changements, f"{atelier.id}_comparaison_esquisses", hide_index=True, width="stretch")
