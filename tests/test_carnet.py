"""Relevé de séance et carnet de suivi : DOCX relu par python-docx, PDF relu par poppler."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta

import docx
import pytest

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.participants import Participant
from esquisse.atelier.releve import FICHIER_RELEVE, elements, enregistrer_releve, lire_releve, participants_proposes
from esquisse.atelier.seances import creer_hypothese, creer_seance, lister_seances, modifier_hypothese
from esquisse.esquisses.legende import LEGENDE_DEFAUT
from esquisse.esquisses.versions import Changement
from esquisse.exports.carnet import comparer, exporter_carnet, preparer_carnet
from esquisse.noyau.erreurs import DonneeInvalide
from tests.conftest import RACINE
from tests.documents import pages_pdf, part_couleur, part_non_blanche, pdf_en_images, pixels, texte_pdf
from tests.esquisses_de_test import enregistrer, entites_au_hasard, seance_avec_hypotheses

# -- relevé ---------------------------------------------------------------------------------------------


def test_elements_d_une_zone_de_texte():
    texte = "- Marie Dupont — maire\n\n• Paul Martin\n  3) Léa Bernard  \n* \n1. Relier les gares : oui"
    assert elements(texte) == ("Marie Dupont — maire", "Paul Martin", "Léa Bernard", "Relier les gares : oui")
    assert elements("") == ()


def test_participants_proposes_pour_un_premier_releve():
    participants = (
        Participant("Marie Dupont", "Mairie de Bray-sur-Seine", "elu"),
        Participant("Paul Martin", "", "ddt"),
    )
    proposes = participants_proposes(participants)
    assert proposes == ("Marie Dupont — Mairie de Bray-sur-Seine (élu·e)", "Paul Martin (DDT)")
    # Chaque ligne proposée redevient un élément du relevé tel quel.
    assert elements("\n".join(proposes)) == proposes
    assert participants_proposes(()) == ()


@pytest.fixture
def seance(projets):
    atelier = charger_atelier(projets, "bassee-montois")
    return creer_seance(atelier.dossier, "atelier-2", "2026-03-12", "Atelier 2 à Bray")


def test_releve_enregistre_et_relu(seance):
    assert lire_releve(seance).vide and lire_releve(seance).revision == 0
    r = enregistrer_releve(seance, {"participants": ["Marie", "Paul"], "points_accord": ["Relier les gares"]}, 0, "Léa")
    assert r.revision == 1 and r.modifie_par == "Léa"
    relu = lire_releve(seance)
    assert relu == r
    assert relu.participants == ("Marie", "Paul") and relu.points_a_approfondir == ()
    donnees = json.loads((seance.dossier / FICHIER_RELEVE).read_text(encoding="utf-8"))
    assert donnees["points_accord"] == ["Relier les gares"]


def test_releve_modifie_entre_temps_refuse(seance):
    enregistrer_releve(seance, {"points_accord": ["A"]}, 0, "Marie")
    # Paul avait ouvert le relevé à la révision 0 : son enregistrement est refusé, rien n'est écrasé.
    with pytest.raises(DonneeInvalide, match=r"Le relevé a été modifié par Marie le .* Rien n'a été enregistré"):
        enregistrer_releve(seance, {"points_accord": ["B"]}, 0, "Paul")
    assert lire_releve(seance).points_accord == ("A",)


@pytest.mark.parametrize(
    ("rubriques", "message"),
    [
        ({"points_accord": ["x" * 2001]}, "« Points d'accord » : un élément dépasse 2000 caractères"),
        ({"participants": ["p"] * 301}, "« Participants présents » : 301 éléments, au plus 300."),
        ({"decisions": ["x"]}, "Rubrique(s) inconnue(s) : decisions."),
        ({"participants": "Marie"}, "« Participants présents » : une liste d'éléments est attendue."),
    ],
)
def test_releve_invalide_rien_n_est_ecrit(seance, rubriques, message):
    with pytest.raises(DonneeInvalide) as exc:
        enregistrer_releve(seance, rubriques, 0)
    assert message in str(exc.value)
    assert not (seance.dossier / FICHIER_RELEVE).exists()


# -- comparaison avec la séance précédente ------------------------------------------------------------------


def _entite(i, titre, categorie="axe", x=2.0, commentaire=""):
    return {
        "type": "Feature",
        "id": i,
        "geometry": {"type": "LineString", "coordinates": [[x, 48.0], [2.1, 48.1]]},
        "properties": {"categorie": categorie, "titre": titre, "commentaire": commentaire},
    }


def test_comparer_deux_versions():
    avant = {e["id"]: e for e in [_entite("a", "Gare"), _entite("b", "Bourg"), _entite("c", "Vallée")]}
    apres = {
        "a": _entite("a", "Gare", categorie="liaison"),
        "b": _entite("b", "Bourg centre", x=2.05, commentaire="à revoir"),
        "d": _entite("d", ""),
    }
    ev = comparer(avant, apres, LEGENDE_DEFAUT)
    assert ev.ajoutees == ["Axe de développement sans titre"]
    assert ev.supprimees == ["« Vallée »"]
    gare, bourg = ev.modifiees
    assert gare.startswith("« Gare » : changement : catégorie")
    assert bourg.startswith("« Bourg centre » : forme redessinée ; longueur −")
    assert bourg.endswith("changements : commentaire et titre")
    assert comparer(avant, avant, LEGENDE_DEFAUT).modifiees == []


# -- le carnet ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deux_seances(tmp_path_factory):
    """Séance 1 : A et B (B abandonnée). Séance 2 : A' reprise de A puis modifiée, C nouvelle (40 esquisses),
    D sans esquisse ; un relevé rempli."""
    projets = tmp_path_factory.mktemp("carnet") / "projets"
    shutil.copytree(RACINE / "projets", projets)
    atelier = charger_atelier(projets, "bassee-montois")
    # Après les séances déjà présentes dans l'atelier de démonstration.
    derniere = max((s.date for s in lister_seances(atelier.dossier)), default="2026-01-01")
    jour1, jour2 = (date.fromisoformat(derniere) + timedelta(days=n) for n in (30, 60))
    _, (a, b) = seance_avec_hypotheses(
        atelier, {"A — La vallée": 20, "B — Le plateau": 6}, "atelier-1", jour1.isoformat(), "Atelier 1 à Bray"
    )
    modifier_hypothese(b, "Paul", statut="abandonnee")
    s2 = creer_seance(atelier.dossier, "atelier-2", jour2.isoformat(), "Atelier 2 à Bray-sur-Seine")
    a2 = creer_hypothese(
        s2, "A' — La vallée, suite", "Reprise de A", "Léa", "equipe-projet", reprise_de=a, atelier=atelier.id
    )
    depot = a2.depot(atelier.id)
    n = depot.numero_courant()
    entites = depot.entites(n)
    premiere, seconde = list(entites)[:2]
    renommee = {**entites[premiere], "properties": {**entites[premiere]["properties"], "titre": "Gare de Bray"}}
    changements = [Changement(premiere, n, renommee), Changement(seconde, n, None)]
    changements += [Changement(e["id"], None, e) for e in entites_au_hasard(atelier, 2, 99, prefixe="nouv")]
    depot.enregistrer(changements, "Marie", "elu")
    c = creer_hypothese(s2, "C — Les coteaux", atelier=atelier.id)
    enregistrer(c, atelier, entites_au_hasard(atelier, 40, 7, prefixe="c"))
    creer_hypothese(s2, "D — À dessiner", atelier=atelier.id)
    rubriques = {
        "participants": ["Marie Dupont — maire de Bray-sur-Seine", "Paul Martin — DDT 77"],
        "points_accord": ["La vallée est un atout partagé", "Relier les gares <entre elles> & au bourg"],
        "points_a_approfondir": ["Le coût des liaisons"],
        "prochaines_etapes": ["Rencontre intermédiaire en avril"],
    }
    enregistrer_releve(s2, rubriques, 0, "Paul Martin")
    return atelier, s2, rubriques


def test_contenu_du_carnet(deux_seances):
    atelier, s2, _ = deux_seances
    carnet = preparer_carnet(atelier, s2.id)
    assert carnet.precedente is not None and carnet.precedente.titre == "Atelier 1 à Bray"
    assert [p.hypothese.titre for p in carnet.parties] == ["A' — La vallée, suite", "C — Les coteaux", "D — À dessiner"]
    a2, c, d = carnet.parties
    assert "« A — La vallée », version 2" in a2.evolution.reference
    assert len(a2.evolution.ajoutees) == 2 and len(a2.evolution.supprimees) == 1
    assert a2.evolution.modifiees == [next(m for m in a2.evolution.modifiees if "Gare de Bray" in m)]
    assert c.evolution.reference == "" and len(c.tableau) == 40
    assert d.choix is None and d.tableau is None
    assert [h.titre for h, _ in carnet.non_reprises] == ["B — Le plateau"]


def test_carnet_docx_relu_par_python_docx(deux_seances, tmp_path):
    atelier, s2, rubriques = deux_seances
    fichiers = exporter_carnet(atelier, s2.id, ("docx",), tmp_path)
    document = docx.Document(str(fichiers["docx"]))
    paragraphes = [p.text for p in document.paragraphs]
    texte = "\n".join(paragraphes)
    titres = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert titres[0] == "Carnet de suivi — Atelier 2 à Bray-sur-Seine"
    for section in ("Contexte", "Participants présents", "Relevé de la séance", "Points d'accord", "Hypothèses"):
        assert section in titres
    assert "Évolutions depuis la séance précédente" in titres and "Sources" in titres
    # Le relevé, tel quel (les caractères spéciaux ne sont pas interprétés).
    for liste in rubriques.values():
        for element in liste:
            assert element in paragraphes
    assert "Relier les gares <entre elles> & au bourg" in paragraphes
    # Une carte par hypothèse dessinée, et son tableau d'annotations.
    assert len(document.inline_shapes) == 2
    assert len(document.tables) == 2
    tableau_a2, tableau_c = document.tables
    assert [cell.text for cell in tableau_c.rows[0].cells] == [
        "N°",
        "Catégorie",
        "Titre",
        "Commentaire",
        "Auteur",
        "Communes concernées",
        "ha / km",
    ]
    assert len(tableau_c.rows) == 1 + 40 and len(tableau_a2.rows) == 1 + 21
    ligne = tableau_c.rows[1].cells
    assert ligne[0].text == "1" and ligne[1].text == "Pôle / centralité" and ligne[5].text
    assert "Aucune esquisse enregistrée pour cette hypothèse." in texte
    assert "Séance précédente : « Atelier 1 à Bray »" in texte
    assert "Hypothèses de la séance précédente non reprises : « B — Le plateau » (abandonnée)." in texte
    assert document.core_properties.language == "fr-FR"
    assert document.sections[0].page_width.mm == pytest.approx(210, abs=0.5)


def test_carnet_pdf_relu_par_poppler(deux_seances, tmp_path):
    atelier, s2, rubriques = deux_seances
    fichiers = exporter_carnet(atelier, s2.id, ("pdf",), tmp_path)
    pdf = fichiers["pdf"]
    nb = pages_pdf(pdf)
    assert 3 <= nb <= 12
    texte = " ".join(texte_pdf(pdf).split())
    assert "Carnet de suivi — Atelier 2 à Bray-sur-Seine" in texte
    for element in [e for liste in rubriques.values() for e in liste]:
        assert element in texte
    assert "A' — La vallée, suite — Proposée" in texte and "C — Les coteaux — Proposée" in texte
    assert "2 esquisse(s) ajoutée(s)" in texte and "1 esquisse(s) supprimée(s)" in texte
    assert "« Gare de Bray »" in texte
    assert "N° Catégorie Titre Commentaire Auteur" in texte and f"page 1 / {nb}" in texte
    # Les pages des cartes : une carte non blanche, aux couleurs des esquisses, et sa légende à droite
    # (les textes des cartes sont des tracés vectoriels : on regarde les pixels).
    pages_cartes = [k for k in range(1, nb + 1) if "Carte de l'hypothèse" in texte_pdf(pdf, k)]
    assert len(pages_cartes) == 2
    for k in pages_cartes:
        (image,) = pdf_en_images(pdf, tmp_path / f"p{k}", dpi=60, pages=(k, k))
        rgb = pixels(image)
        h, w, _ = rgb.shape
        bande = rgb[int(h * 0.12) : int(h * 0.5)]
        carte, legende = bande[:, int(w * 0.1) : int(w * 0.62)], bande[:, int(w * 0.64) : int(w * 0.9)]
        assert part_non_blanche(carte) > 0.15
        assert part_couleur(carte, "#c0392b") > 0.001  # le territoire de projet
        assert 0.02 < part_non_blanche(legende) < 0.4, "légende absente"
        assert part_couleur(legende, "#e67e22") > 0.0005  # le symbole « Axe de développement »
    pdf_en_images(pdf, tmp_path / "toutes", dpi=50)  # toutes les pages, à regarder dans tests/captures/


def test_premiere_seance_sans_hypothese(projets, tmp_path):
    shutil.rmtree(projets / "gascogne-toulouse" / "seances", ignore_errors=True)  # un atelier qui commence
    atelier = charger_atelier(projets, "gascogne-toulouse")
    s = creer_seance(atelier.dossier, "visite", "2026-01-05", "Visite de terrain")
    fichiers = exporter_carnet(atelier, s.id, ("docx", "pdf"), tmp_path)
    texte = " ".join(texte_pdf(fichiers["pdf"]).split())
    assert "première séance de l'atelier" in texte
    assert "Aucune hypothèse pour cette séance." in texte
    assert "pas encore été rempli" in texte
    assert "Portes de Gascogne ↔ Toulouse Métropole" in texte
    assert len(docx.Document(str(fichiers["docx"])).tables) == 0


def test_formats_et_seance_inconnus(deux_seances, tmp_path):
    atelier, s2, _ = deux_seances
    with pytest.raises(DonneeInvalide, match=r"Format\(s\) de carnet inconnu\(s\) : odt\. Formats admis : docx, pdf\."):
        exporter_carnet(atelier, s2.id, ("odt",), tmp_path)
    with pytest.raises(DonneeInvalide, match=r"Choisissez au moins un format de carnet : docx, pdf\."):
        exporter_carnet(atelier, s2.id, (), tmp_path)
    with pytest.raises(LookupError, match="Séance introuvable : « 2099-01-01-visite »"):
        exporter_carnet(atelier, "2099-01-01-visite", ("pdf",), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_la_feuille_de_route_dans_le_carnet(deux_seances, tmp_path):
    """Le carnet reprend la feuille de route de l'atelier : orientations, actions et esquisses liées."""
    atelier, s2, _ = deux_seances
    feuille = fdr.lire(atelier.dossier)
    action = next(a for _, a in feuille.actions if a.entites and a.porteurs)
    fichiers = exporter_carnet(atelier, s2.id, ("docx", "pdf"), tmp_path)
    document = docx.Document(str(fichiers["docx"]))
    titres = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Feuille de route" in titres
    suite = titres[titres.index("Feuille de route") + 1 :]
    assert suite[: len(feuille.orientations)] == [o.titre for o in feuille.orientations]
    phrases = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    (phrase,) = [p for p in phrases if p.startswith(action.titre + " — ")]
    assert f"Porteurs : {', '.join(action.porteurs)}." in phrase
    # Les esquisses liées sont nommées par leur titre dans l'hypothèse de référence, pas par leur identifiant.
    h = fdr.hypothese_de_reference(atelier.dossier, feuille)
    titre_esquisse = h.depot().entites(h.depot().numero_courant())[action.entites[0]]["properties"]["titre"]
    assert f"Sur la carte : {titre_esquisse}" in phrase
    texte = " ".join(texte_pdf(fichiers["pdf"]).split())
    assert "Feuille de route" in texte and f"{action.titre} — {action.libelle_statut.lower()}" in texte


def test_carnet_sans_feuille_de_route(projets, tmp_path):
    (projets / "bassee-montois" / fdr.FICHIER).unlink()
    atelier = charger_atelier(projets, "bassee-montois")
    fichiers = exporter_carnet(atelier, lister_seances(atelier.dossier)[1].id, ("docx",), tmp_path)
    titres = [p.text for p in docx.Document(str(fichiers["docx"])).paragraphs if p.style.name.startswith("Heading")]
    assert "Feuille de route" not in titres and "Sources" in titres


@pytest.mark.parametrize("seance_id", ["2025-10-16-atelier-1", "2025-11-27-rencontre-intermediaire"])
def test_pas_de_derniere_page_orpheline(projets, tmp_path, seance_id):
    """La dernière page du carnet porte plus que quelques lignes (ni ligne orpheline, ni sources seules)."""
    atelier = charger_atelier(projets, "bassee-montois")
    pdf = exporter_carnet(atelier, seance_id, ("pdf",), tmp_path)["pdf"]
    nb = pages_pdf(pdf)
    lignes = [ligne for ligne in texte_pdf(pdf, nb).splitlines() if ligne.strip() and "page " not in ligne]
    assert nb >= 2 and len(lignes) >= 8, lignes
    assert "Sources" in texte_pdf(pdf), "les sources restent dans le carnet"


def test_le_carnet_nomme_qui_l_exporte(deux_seances, tmp_path):
    """Par le service (la garde d'accès), le DOCX et le PDF nomment la personne qui exporte."""
    from esquisse.acces import services
    from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role

    atelier, s2, _ = deux_seances
    claire = Acteur("Claire Dubois", "ddt", roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="oidc")
    fichiers = services.exporter_carnet(claire, atelier, s2.id, ("docx", "pdf"), tmp_path)
    paragraphes = [p.text for p in docx.Document(str(fichiers["docx"])).paragraphs]
    assert any("préparé par Esquisse pour Claire Dubois le" in p for p in paragraphes)
    assert "pour Claire Dubois" in " ".join(texte_pdf(fichiers["pdf"]).split())
