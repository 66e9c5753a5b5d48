"""Les pages suivent le rôle de l'acteur (AppTest, sans navigateur) : un lecteur n'a ni outil de
dessin, ni « Enregistrer », ni import, restauration ou archivage ; les listes ne montrent que ses
ateliers. La garde elle-même est testée dans tests/test_acces.py (services)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.acces import journal, services
from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role
from esquisse.atelier.ateliers import charger_atelier
from tests.outils import executer_page, preparer_page
from ui.acces import CLE_ACTEUR
from ui.textes import md

DELAI = 60
A = "bassee-montois"
S = "2026-01-22-atelier-2"
CACHEE = "b-un-territoire-relie-a-l-ile-de-france"  # abandonnée, non partagée
PARTAGEE = "a-la-bassee-vallee-nourriciere"

ANIMATION = Acteur("Anne Animatrice", "ddt", roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="local")
CONTRIBUTION = Acteur("Claire", "elu", roles={A: Role.CONTRIBUTION}, seances={A: frozenset({S})}, origine="invitation")
LECTURE = Acteur("Léo Lecteur", "partenaire", roles={A: Role.LECTURE}, origine="invitation")
ETRANGER = Acteur("Éric", "ddt", roles={"gascogne-toulouse": Role.ANIMATION}, origine="oidc")


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))


def lancer(acteur: Acteur, script: str, **parametres) -> AppTest:
    at = preparer_page(script, DELAI, **parametres)
    at.session_state[CLE_ACTEUR] = acteur
    return executer_page(at)


def boutons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def test_lecteur_sur_la_carte_ni_outils_ni_enregistrer():
    at = lancer(LECTURE, "pages/carte.py", atelier=A, seance=S, hypothese=CACHEE)
    hypothese = at.selectbox(key=f"carte-hypothese-{S}")
    assert hypothese.options == ["A — La Bassée, vallée nourricière — Débattue"], hypothese.options
    assert hypothese.value == PARTAGEE, "l'hypothèse non partagée demandée par l'adresse n'est pas ouverte"
    assert not any(b.startswith("Enregistrer") for b in boutons(at)), boutons(at)
    assert "Lecture seule" in " ".join(i.value for i in at.info)
    assert not [t for t in at.text_input if t.key == "auteur_nom"], "pas de « Qui dessine ? » pour un lecteur"


def test_contributrice_dessine_dans_sa_seance_seulement(projets):
    at = lancer(CONTRIBUTION, "pages/carte.py", atelier=A, seance=S, hypothese=PARTAGEE)
    assert any(b.startswith("Enregistrer") for b in boutons(at)), boutons(at)
    autre = lancer(CONTRIBUTION, "pages/carte.py", atelier=A, seance="2026-03-19-atelier-3")
    assert not any(b.startswith("Enregistrer") for b in boutons(autre)), "séance que l'invitation ne couvre pas"
    assert "Lecture seule" in " ".join(i.value for i in autre.info)


def test_accueil_ne_liste_que_ses_ateliers():
    noms = {
        "lecture": lancer(LECTURE, "app.py"),
        "etranger": lancer(ETRANGER, "app.py"),
        "animation": lancer(ANIMATION, "app.py"),
    }
    bassee = md("Bassée-Montois — mieux vivre dans le périurbain")
    gascogne = md("Portes de Gascogne ↔ Toulouse Métropole — contrat de réciprocité")

    def textes(at):
        return " ".join(m.value for m in at.markdown)

    assert bassee in textes(noms["lecture"]) and gascogne not in textes(noms["lecture"])
    assert gascogne in textes(noms["etranger"]) and bassee not in textes(noms["etranger"])
    assert bassee in textes(noms["animation"]) and gascogne in textes(noms["animation"])
    assert not noms["lecture"].get("form"), "pas de création d'atelier pour un lecteur"
    assert noms["animation"].get("form"), "la création d'atelier reste à l'animation"
    personne = lancer(Acteur("Inconnu"), "app.py")
    assert "membre d'aucun atelier" in personne.info[0].value


def test_atelier_d_un_autre_ne_s_ouvre_pas_par_l_adresse():
    at = lancer(ETRANGER, "pages/carte.py", atelier=A)
    assert "pas membre de cet atelier" in at.error[0].value


@pytest.mark.parametrize(
    "script",
    [
        "pages/atelier.py",
        "pages/legende.py",
        "pages/exports.py",
        "pages/publier.py",
        "pages/couches.py",
        "pages/territoire.py",
        "pages/carnet.py",
    ],
)
def test_pages_d_animation_fermees_au_lecteur(script):
    at = lancer(LECTURE, script, atelier=A)
    assert not at.get("form") and not at.button and not at.get("file_uploader"), script
    assert at.info and ("animation" in at.info[0].value), [i.value for i in at.info]


def test_lecteur_ni_restauration_ni_archivage_ni_import():
    historique = lancer(LECTURE, "pages/historique.py", atelier=A, seance=S, hypothese=PARTAGEE)
    assert not any("Restaurer" in b for b in boutons(historique))
    seances = lancer(LECTURE, "pages/seances.py", atelier=A)
    assert not seances.get("form") and not any(b in boutons(seances) for b in ("Archiver", "Rétablir"))
    liens = " ".join(str(p.proto.label) for p in seances.get("page_link"))
    assert "Voir" in liens and "Dessiner" not in liens
    tablette = lancer(LECTURE, "pages/tablette.py", atelier=A, seance=S, hypothese=PARTAGEE)
    assert "Vous ne pouvez pas dessiner" in tablette.info[0].value
    sauvegardes = lancer(LECTURE, "pages/sauvegardes.py", atelier=A)
    assert not sauvegardes.get("file_uploader") and not sauvegardes.button
    assert lancer(ANIMATION, "pages/sauvegardes.py", atelier=A).get("file_uploader")


def test_journal_sur_la_page_atelier(projets):
    atelier = charger_atelier(projets, A)
    services.modifier_fiche(ANIMATION, projets, A, theme="Réciprocités")
    services.archiver_seance(ANIMATION, atelier, S, True)
    assert len(journal.lire(atelier.dossier)[0]) == 2
    at = lancer(ANIMATION, "pages/atelier.py", atelier=A)
    onglet = at.tabs[4]
    assert onglet.label == "Journal"
    tableau = onglet.dataframe[0].value
    assert list(tableau["Qui"]) == ["Anne Animatrice", "Anne Animatrice"]
    assert list(tableau["Action"]) == ["Archiver ou rétablir une séance", "Modifier la fiche de l'atelier"]
    assert list(tableau["Rôle"]) == ["Animation", "Animation"]


def _poste_recoit_une_valeur_forgee():
    """Le chemin d'enregistrement de la carte (ui.edition.Poste), avec la valeur forgée d'un composant."""
    import streamlit as st

    from esquisse.atelier.ateliers import charger_atelier
    from esquisse.atelier.seances import hypothese, seance
    from ui.edition import Poste, parametres_carte
    from ui.session import dossier_projets

    atelier = charger_atelier(dossier_projets(), "bassee-montois")
    h = hypothese(seance(atelier.dossier, "2026-01-22-atelier-2"), "a-la-bassee-vallee-nourriciere")
    poste = Poste(atelier, h, parametres_carte(atelier, "edition"))
    numero = poste.depot.numero_courant()
    existante = next(iter(poste.depot.entites(numero)))
    st.session_state[poste.cle] = {
        "all_drawings": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [3.24, 48.42]},
                "properties": {"esq_id": "forgee-1", "esq_local": 1},
            },
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"esq_id": existante, "esq_base": numero, "esq_supprime": True},
            },
        ]
    }
    poste.recevoir()
    attente = poste.attente()
    st.text(f"en attente : {len(attente)}")
    st.text(f"résultat : {poste.enregistrer(attente)}")
    poste.garder_brouillon(attente)
    poste.messages()


def test_valeur_forgee_par_un_lecteur_sur_le_chemin_de_la_carte(projets):
    def arbre():
        return {str(p): (p.read_bytes() if p.is_file() else None) for p in sorted(projets.rglob("*"))}

    avant = arbre()
    at = AppTest.from_function(_poste_recoit_une_valeur_forgee, default_timeout=DELAI)
    at.session_state[CLE_ACTEUR] = LECTURE
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    textes = [t.value for t in at.text]
    assert textes[0] != "en attente : 0", "la valeur forgée est bien lue comme des changements"
    assert textes[1] == "résultat : None"
    assert "Rien n'a été enregistré : Le rôle « Lecture » ne permet pas de dessiner" in at.error[0].value
    assert arbre() == avant, "ni version, ni brouillon, ni journal"
