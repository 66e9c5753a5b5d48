"""Tablette : contribuer autour de la table. Une catégorie, un geste, c'est enregistré."""

import streamlit as st

from esquisse.acces import services
from esquisse.acces.politique import peut
from esquisse.esquisses.edition import Annotation
from esquisse.esquisses.legende import categorie_ou_inconnue
from esquisse.esquisses.versions import Changement
from esquisse.noyau.erreurs import EsquisseErreur
from ui.acces import acteur_courant, auteur, saisir_auteur
from ui.edition import Poste, chargement_carte, parametres_carte
from ui.navigation import choisir_hypothese, choisir_seance, exiger_atelier, page
from ui.textes import md

page("Tablette", plein_ecran=True)
atelier = exiger_atelier()
# Le titre d'un dessin se demande par-dessus la carte, en haut, entre ses outils : toujours à la vue.
st.html(
    "<style>.st-key-titre-tablette{position:fixed;top:108px;left:50%;transform:translateX(-50%);z-index:1000;"
    "width:min(640px,calc(100vw - 360px));background:#fff;padding:10px 16px 12px;border-radius:10px;"
    "box-shadow:0 2px 14px rgba(0,0,0,.35)}</style>"
)

un, deux, trois = st.columns([3, 3, 3], vertical_alignment="bottom")
with un:
    seance = choisir_seance(atelier, "tablette-seance")
with deux:
    hyp = choisir_hypothese(seance, "tablette-hypothese", atelier.id) if seance else None
acteur = acteur_courant()
if acteur.origine == "invitation":  # le nom vient de « Qui êtes-vous ? », pas d'une saisie libre
    trois.markdown(f"**{md(acteur.nom)}**")
else:
    with trois, st.popover(f"Qui dessine ? {auteur()[0]}", width="stretch"):
        saisir_auteur(atelier)
if hyp is None:
    st.info("Aucune hypothèse à compléter : l'équipe-projet doit d'abord en créer une.")
    st.stop()
if not services.peut_dessiner(acteur_courant(), atelier, seance):
    # La palette n'est montrée qu'à qui peut dessiner dans cette séance (les services vérifient de toute façon).
    st.info(
        "Vous ne pouvez pas dessiner dans cette séance (lecture seule, séance fermée ou non confiée) : "
        "suivez-la sur la projection.",
        icon=":material/visibility:",
    )
    st.stop()

HAUTEUR = 640  # 1024×768 : la carte et sa palette tiennent sous la barre des choix, sans défiler
chargement_carte(HAUTEUR)
# En lecture (ou hors de la séance confiée), la carte se montre sans ses outils de dessin.
dessine = peut(acteur, "esquisse.dessiner", atelier.id, seance.id)
parametres = parametres_carte(atelier, "tablette" if dessine else "projection")
poste_ = Poste(atelier, hyp, parametres)
etat = poste_.etat


@st.fragment
def zone_tablette():
    poste_.recevoir()
    attente = poste_.attente()
    if attente:
        # Sur la tablette, chaque geste est enregistré aussitôt : rien n'attend un bouton.
        nouveaux = [d.id for d in attente if d.base is None and not d.supprime]
        if poste_.enregistrer(attente, "Enregistré."):
            etat.selection = nouveaux[-1] if nouveaux else None
    poste_.afficher_carte(HAUTEUR)
    poste_.messages()
    derniere = poste_.entites_courantes().get(etat.selection or "")
    if derniere is None:
        if dessine:
            st.caption("Touchez une catégorie en bas de la carte, puis dessinez du doigt. C'est enregistré aussitôt.")
        else:
            st.caption("Lecture seule : la carte se consulte, sans dessin.")
        return
    props = derniere["properties"]
    nom = categorie_ou_inconnue(atelier.legende, props.get("categorie")).nom
    # Par-dessus la carte, en haut (hors de portée du clavier de la tablette) : voir le style en tête.
    with st.container(key="titre-tablette"), st.form(f"titre-{etat.selection}", border=False):
        st.markdown(f"**Votre dernier dessin** — {md(nom)}")
        titre = st.text_input("Titre (facultatif)", value=props.get("titre", ""), max_chars=200)
        b, c, d = st.columns(3)
        if d.form_submit_button("Fermer", width="stretch"):
            etat.selection = None
            st.rerun(scope="fragment")
        if b.form_submit_button("Ajouter le titre", type="primary", width="stretch"):
            numero = poste_.numero_courant()
            etat.annotations[etat.selection] = Annotation(base=numero, titre=titre)
            poste_.enregistrer([], "Titre enregistré.")  # la demande se ferme : la carte est de nouveau libre
            st.rerun(scope="fragment")
        if c.form_submit_button("Effacer ce dessin", width="stretch"):
            try:
                numero = poste_.numero_courant()
                services.enregistrer_changements(
                    acteur_courant(),
                    atelier,
                    hyp,
                    [Changement(etat.selection, numero, None)],
                    "Dessin effacé depuis la tablette",
                )
                etat.message = "Dessin effacé (il reste dans l'historique)."
            except EsquisseErreur as exc:
                poste_.signaler_erreur(str(exc))
            etat.selection = None
            st.rerun(scope="fragment")


zone_tablette()
poste_.veille()
