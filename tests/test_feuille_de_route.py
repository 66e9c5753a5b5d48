"""Feuille de route : validation, enregistrement, tableaux, carte, export et import (CSV, XLSX)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date, datetime

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from shapely.geometry import shape

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from esquisse.noyau.erreurs import Concurrence, DonneeInvalide, SchemaInvalide

ATELIER = "bassee-montois"


@pytest.fixture
def dossier(projets):
    return projets / ATELIER


def feuille_exemple() -> fdr.FeuilleDeRoute:
    return fdr.valider(
        {
            "reference": {"seance": "s", "hypothese": "h"},
            "orientations": [
                {
                    "id": "o1",
                    "titre": "Vivre avec l'eau",
                    "description": "La Seine comme trame.\nEt ses noues.",
                    "actions": [
                        {
                            "id": "a1",
                            "titre": "Rouvrir les noues",
                            "description": "Entre les étangs ; « vite ».",
                            "entites": ["bm-seine"],
                            "porteurs": ["EPTB Seine Grands Lacs", "Communes"],
                            "phasage": "long",
                            "outils": ["SAGE"],
                            "statut": "a-engager",
                        },
                        {
                            "id": "a2",
                            "titre": "Zone d'expansion des crues",
                            "entites": ["bm-crues", "bm-seine"],
                            "porteurs": ["DDT de Seine-et-Marne"],
                            "phasage": "dates",
                            "debut": "2026-09-01",
                            "fin": "2027-12-31",
                            "outils": ["PPRI", "PLUi"],
                            "statut": "en-cours",
                        },
                    ],
                },
                {"id": "o2", "titre": "Une orientation sans action encore", "actions": []},
                {
                    "id": "o3",
                    "titre": "Relier les bourgs",
                    "actions": [{"id": "a3", "titre": "Véloroute", "debut": "2027-03-01", "statut": "Réalisée"}],
                },
            ],
        }
    )


def contenu(f: fdr.FeuilleDeRoute):
    """Ce que décrit une feuille de route, sans ses métadonnées d'enregistrement."""
    return f.orientations, f.reference


# -- validation -------------------------------------------------------------------------------------


def test_valeurs_normalisees():
    f = feuille_exemple()
    o1, o2, o3 = f.orientations
    assert [a.id for _, a in f.actions] == ["a1", "a2", "a3"]
    assert o2.actions == ()
    # Des dates sans phasage : « Dates précises » ; un libellé de statut vaut sa clé.
    assert o3.actions[0].phasage == "dates" and o3.actions[0].statut == "realisee"
    assert o1.actions[1].libelle_phasage == "du 1 sept. 2026 au 31 déc. 2027"
    assert o1.actions[0].libelle_phasage == "Long terme"
    assert fdr.resume(f) == {"a-engager": 1, "en-cours": 1, "realisee": 1, "suspendue": 0, "abandonnee": 0}


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"titre": ""}, "le champ « titre » est obligatoire"),
        ({"titre": "X", "statut": "validée"}, "statut « validée » inconnu ; valeurs admises : À engager, En cours"),
        ({"titre": "X", "phasage": "bientôt"}, "phasage « bientôt » inconnu ; valeurs admises : Court terme"),
        ({"titre": "X", "phasage": "dates"}, "sans date"),
        ({"titre": "X", "debut": "2027-01-01", "fin": "2026-01-01"}, "la fin (1 janv. 2026) précède le début"),
        ({"titre": "X", "debut": "demain"}, "date « demain » (début) illisible"),
        ({"titre": "X", "porteurs": ["A;B"]}, "ne peut pas contenir de point-virgule"),
        ({"titre": "X", "entites": ["<img>"]}, "identifiant d'esquisse invalide"),
        ({"titre": "X" * 201}, "dépasse 200 caractères"),
    ],
)
def test_action_invalide(action, message):
    with pytest.raises(DonneeInvalide, match=re.escape(message)):
        fdr.valider({"orientations": [{"id": "o1", "titre": "O", "actions": [{"id": "a1", **action}]}]})


def test_identifiants_et_titres_uniques():
    with pytest.raises(DonneeInvalide, match="Identifiant d'action en double : « a1 »"):
        fdr.valider(
            {
                "orientations": [
                    {"id": "o1", "titre": "A", "actions": [{"id": "a1", "titre": "x"}]},
                    {"id": "o2", "titre": "B", "actions": [{"id": "a1", "titre": "y"}]},
                ]
            }
        )
    with pytest.raises(DonneeInvalide, match="Deux orientations portent le même titre"):
        fdr.valider({"orientations": [{"id": "o1", "titre": "A"}, {"id": "o2", "titre": "a"}]})


def test_textes_nettoyes():
    f = fdr.valider(
        {
            "orientations": [
                {
                    "id": "o1",
                    "titre": "  Un\ttitre\n sur deux lignes ",
                    "description": "ligne 1\r\nligne 2\x0b",
                    "actions": [{"id": "a1", "titre": "T", "porteurs": "Région ; Département ; région"}],
                }
            ]
        }
    )
    o = f.orientations[0]
    assert o.titre == "Un titre sur deux lignes"
    assert o.description == "ligne 1\nligne 2"
    # Une liste saisie comme texte est découpée aux points-virgules, sans doublon.
    assert o.actions[0].porteurs == ("Région", "Département")


# -- enregistrement ------------------------------------------------------------------------------------


def test_aller_retour_json(dossier):
    assert fdr.lire(dossier / "absent") == fdr.FeuilleDeRoute()
    (dossier / fdr.FICHIER).unlink(missing_ok=True)
    f = feuille_exemple()
    enregistree = fdr.enregistrer(dossier, f, "Marc Durand")
    assert enregistree.revision == 1 and enregistree.modifie_par == "Marc Durand"
    relue = fdr.lire(dossier)
    assert relue == enregistree
    assert contenu(relue) == contenu(f)
    donnees = json.loads((dossier / fdr.FICHIER).read_text(encoding="utf-8"))
    assert donnees["format"] == 1 and donnees["orientations"][0]["actions"][1]["debut"] == "2026-09-01"


def test_enregistrement_concurrent_refuse(dossier):
    depart = fdr.lire(dossier)
    premier = replace(depart, orientations=depart.orientations[:1])
    fdr.enregistrer(dossier, premier, "Poste A", revision=depart.revision)
    avant = (dossier / fdr.FICHIER).read_bytes()
    # Le poste B partait de la même révision : son enregistrement n'écrase pas celui de A.
    with pytest.raises(Concurrence, match=r"enregistrée entre-temps par Poste A \(révision \d+.*rien n'a été écrit"):
        fdr.enregistrer(dossier, replace(depart, orientations=()), "Poste B", revision=depart.revision)
    assert (dossier / fdr.FICHIER).read_bytes() == avant


def test_fichier_illisible(dossier):
    (dossier / fdr.FICHIER).write_text("{", encoding="utf-8")
    with pytest.raises(SchemaInvalide, match="illisible"):
        fdr.lire(dossier)
    (dossier / fdr.FICHIER).write_text('{"orientations": [{"id": "x", "titre": "A"}]}', encoding="utf-8")
    with pytest.raises(SchemaInvalide, match="Identifiant d'orientation invalide : « x »"):
        fdr.lire(dossier)


def test_ecriture_invalide_ne_touche_rien(dossier):
    avant = (dossier / fdr.FICHIER).read_bytes()
    casse = fdr.FeuilleDeRoute(orientations=(fdr.Orientation("o1", ""),))
    with pytest.raises(DonneeInvalide):
        fdr.enregistrer(dossier, casse)
    assert (dossier / fdr.FICHIER).read_bytes() == avant
    assert not list(dossier.glob(".tmp-*"))


# -- tableaux (st.data_editor) ----------------------------------------------------------------------------


def test_aller_retour_tableaux():
    f = feuille_exemple()
    orientations, actions = fdr.tableau_orientations(f), fdr.tableau_actions(f)
    assert actions[1]["debut"] == date(2026, 9, 1) and actions[1]["entites"] == ["bm-crues", "bm-seine"]
    assert contenu(fdr.depuis_tableaux(orientations, actions, f)) == contenu(f)


def test_tableaux_modifies():
    f = feuille_exemple()
    orientations = fdr.tableau_orientations(f)
    actions = fdr.tableau_actions(f)
    # Nouvelle orientation et nouvelle action (lignes sans identifiant), ligne vide ignorée, valeurs du
    # tableau telles que pandas les rend (NaN, NaT, dates).
    orientations.append({"id": None, "titre": "Habiter les bourgs", "description": float("nan"), "actions": None})
    orientations.append({"id": None, "titre": None, "description": None, "actions": None})
    actions[0]["titre"] = "Rouvrir les noues de la Bassée"
    actions.append({"id": None, "orientation": "o2", "titre": "Nouvelle action", "debut": datetime(2026, 5, 4)})
    actions.append({"id": float("nan"), "orientation": None, "titre": "", "entites": [], "porteurs": None})
    g = fdr.depuis_tableaux(orientations, actions, f)
    assert [o.id for o in g.orientations] == ["o1", "o2", "o3", "o4"]
    assert g.orientations[3].titre == "Habiter les bourgs"
    assert g.orientations[0].actions[0].titre == "Rouvrir les noues de la Bassée"
    (nouvelle,) = g.orientations[1].actions
    assert nouvelle.id == "a4" and nouvelle.debut == "2026-05-04" and nouvelle.phasage == "dates"


def test_action_orpheline():
    f = feuille_exemple()
    orientations = [o for o in fdr.tableau_orientations(f) if o["id"] != "o3"]
    with pytest.raises(DonneeInvalide, match="« Véloroute » appartient à l'orientation « Relier les bourgs », retirée"):
        fdr.depuis_tableaux(orientations, fdr.tableau_actions(f), f)
    sans_orientation = [{**a, "orientation": None} for a in fdr.tableau_actions(f)]
    with pytest.raises(DonneeInvalide, match="n'a pas d'orientation"):
        fdr.depuis_tableaux(fdr.tableau_orientations(f), sans_orientation, f)
    # Avec une seule orientation, une action sans orientation lui revient.
    seule = fdr.depuis_tableaux([{"titre": "Unique"}], [{"titre": "Action"}], fdr.FeuilleDeRoute())
    assert seule.orientations[0].actions[0].titre == "Action"


# -- hypothèse de référence, carte ----------------------------------------------------------------------------


def test_demo_liee_a_l_hypothese_retenue(projets):
    """Les feuilles de route de démonstration sont liées à l'hypothèse retenue, sans lien cassé."""
    for atelier in ("bassee-montois", "gascogne-toulouse"):
        dossier = projets / atelier
        f = fdr.lire(dossier)
        assert len(f.actions) >= 5
        h = fdr.hypothese_de_reference(dossier, f)
        assert h.statut == "retenue"
        assert (h.seance, h.id) == (f.reference.seance, f.reference.hypothese)
        disponibles = {e.id for e in fdr.esquisses_disponibles(h, {})}
        assert fdr.liens_manquants(f, disponibles) == []


def test_reference_par_defaut_la_derniere_retenue(dossier):
    (dossier / fdr.FICHIER).unlink()
    reference = fdr.reference_par_defaut(dossier)
    retenues = [(s, h) for s in lister_seances(dossier) for h in lister_hypotheses(s) if h.statut == "retenue"]
    assert (reference.seance, reference.hypothese) == (retenues[-1][0].id, retenues[-1][1].id)


def test_carte_des_esquisses_liees(dossier):
    f = fdr.lire(dossier)
    h = fdr.hypothese_de_reference(dossier, f)
    tout = fdr.carte(h, f)
    liees = {i for _, a in f.actions for i in a.entites}
    assert {e["id"] for e in tout.version.entites} == liees
    assert tout.version.meta.nb_entites == len(liees)
    # L'infobulle d'une esquisse nomme ses actions, leur statut et leur phasage.
    action = next(a for _, a in f.actions if "bm-bray" in a.entites)
    assert action.titre in tout.fiches["bm-bray"] and action.libelle_statut in tout.fiches["bm-bray"]
    # Filtrée par orientation : seulement les esquisses de ses actions.
    o = f.orientations[1]
    partielle = fdr.carte(h, f, o.id)
    assert {e["id"] for e in partielle.version.entites} == {i for a in o.actions for i in a.entites}
    assert partielle.nb_actions == len(o.actions)
    assert fdr.carte(None, f).version is None


def test_la_carte_s_ouvre_sur_les_esquisses_liees(dossier):
    f = fdr.lire(dossier)
    h = fdr.hypothese_de_reference(dossier, f)
    tout = fdr.carte(h, f)
    ouest, sud, est, nord = tout.emprise()
    # Chaque esquisse liée est dans l'emprise, avec de la marge…
    for e in tout.version.entites:
        x0, y0, x1, y1 = shape(e["geometry"]).bounds
        assert ouest < x0 and sud < y0 and est > x1 and nord > y1
    # … et l'emprise est celle des esquisses, bien plus serrée que le territoire de l'atelier.
    x0, y0, x1, y1 = shapely.total_bounds([shape(e["geometry"]) for e in tout.version.entites])
    assert est - ouest == pytest.approx((x1 - x0) * 1.3) and nord - sud == pytest.approx((y1 - y0) * 1.3)
    # Une seule esquisse ponctuelle : une emprise de quelques kilomètres, centrée sur elle.
    (point,) = [e for e in tout.version.entites if e["geometry"]["type"] == "Point"][:1]
    seule = fdr.CarteFeuille(replace(tout.version, entites=(point,)), {}, 1)
    ouest, sud, est, nord = seule.emprise()
    lon, lat = point["geometry"]["coordinates"]
    assert (ouest + est) / 2 == pytest.approx(lon) and (sud + nord) / 2 == pytest.approx(lat)
    assert est - ouest == pytest.approx(0.03 * 1.3)
    # Rien de lié : pas d'emprise, la carte garde celle de l'atelier.
    assert fdr.CarteFeuille(None).emprise() is None
    assert fdr.CarteFeuille(replace(tout.version, entites=())).emprise() is None


def test_lien_vers_une_esquisse_disparue(dossier):
    f = fdr.lire(dossier)
    o = f.orientations[0]
    a = replace(o.actions[0], entites=(*o.actions[0].entites, "supprimee"))
    g = replace(f, orientations=(replace(o, actions=(a, *o.actions[1:])), *f.orientations[1:]))
    h = fdr.hypothese_de_reference(dossier, g)
    disponibles = {e.id for e in fdr.esquisses_disponibles(h, {})}
    assert fdr.liens_manquants(g, disponibles) == [(a, "supprimee")]


# -- export et import -------------------------------------------------------------------------------------


def test_export_csv_lu_par_un_tableur():
    f = feuille_exemple()
    octets = fdr.exporter_csv(f, {"bm-seine": "La Seine et ses noues"})
    assert octets.startswith(b"\xef\xbb\xbf")  # BOM : Excel reconnaît l'UTF-8
    lignes = list(csv.DictReader(io.StringIO(octets.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [ligne["Action"] for ligne in lignes] == ["Rouvrir les noues", "Zone d'expansion des crues", "", "Véloroute"]
    assert lignes[0]["Esquisses liées"] == "La Seine et ses noues"
    assert lignes[1]["Identifiants des esquisses"] == "bm-crues ; bm-seine"
    assert lignes[1]["Phasage"] == "Dates précises" and lignes[1]["Début"] == "2026-09-01"
    assert lignes[2]["Orientation"] == "Une orientation sans action encore"
    assert lignes[0]["Description de l'orientation"] == "La Seine comme trame.\nEt ses noues."


def test_export_xlsx_relu_par_openpyxl():
    f = feuille_exemple()
    octets = fdr.exporter_xlsx(f, {"bm-crues": "Champ d'expansion des crues"}, "Bassée-Montois", "Stratégie")
    classeur = load_workbook(io.BytesIO(octets))
    assert classeur.sheetnames == ["Feuille de route", "À propos"]
    feuille = classeur["Feuille de route"]
    entetes = [c.value for c in feuille[1]]
    assert entetes == [e for _, e in fdr.COLONNES]
    lignes = [dict(zip(entetes, (c.value for c in rangee), strict=True)) for rangee in feuille.iter_rows(min_row=2)]
    assert len(lignes) == 4
    assert lignes[1]["Action"] == "Zone d'expansion des crues"
    # Les dates sont de vraies dates du tableur, au format français.
    assert lignes[1]["Début"] == datetime(2026, 9, 1) and lignes[1]["Fin"] == datetime(2027, 12, 31)
    assert feuille.cell(3, entetes.index("Début") + 1).number_format == "DD/MM/YYYY"
    assert lignes[1]["Esquisses liées"] == "Champ d'expansion des crues ; bm-seine"
    assert lignes[1]["Statut"] == "En cours" and lignes[2]["Action"] is None
    assert feuille.freeze_panes == "C2" and feuille.auto_filter.ref == feuille.dimensions
    apropos = {r[0].value: r[1].value for r in classeur["À propos"].iter_rows()}
    assert apropos["Atelier"] == "Bassée-Montois" and apropos["Actions"] == 3


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_aller_retour_export_import(format_):
    f = feuille_exemple()
    octets = fdr.exporter_csv(f) if format_ == "csv" else fdr.exporter_xlsx(f)
    relue = fdr.importer(octets, f"feuille.{format_}", f)
    assert contenu(relue) == contenu(f)


def test_import_d_un_tableau_prepare_a_la_main():
    """Un tableur sans colonnes d'identifiants, à la virgule, en cp1252 : les orientations sont regroupées par titre."""
    texte = (
        "Orientation,Action,Statut,Phasage,Début,Porteurs\r\n"
        "Eau,Rouvrir les noues,en cours,Long terme,,Communes ; EPTB\r\n"
        "Bourgs,Commerces,,,01/02/2027,\r\n"
        "Eau,Crues,Réalisée,,,\r\n"
    )
    f = fdr.importer(texte.encode("cp1252"), "a-la-main.csv", fdr.FeuilleDeRoute())
    assert [o.titre for o in f.orientations] == ["Eau", "Bourgs"]
    assert [a.titre for a in f.orientations[0].actions] == ["Rouvrir les noues", "Crues"]
    assert f.orientations[0].actions[0].porteurs == ("Communes", "EPTB")
    assert f.orientations[1].actions[0].debut == "2027-02-01"
    assert [a.id for _, a in f.actions] == ["a1", "a2", "a3"]


@pytest.mark.parametrize(
    ("octets", "nom", "message"),
    [
        (b"Titre;Statut\r\nx;y\r\n", "t.csv", "Colonne(s) manquante(s) : « Orientation », « Action »"),
        (b"Orientation;Action\r\n", "t.csv", "Le tableau est vide"),
        (b"Orientation;Action\r\n;Une action\r\n", "t.csv", "Ligne 2 : la colonne « Orientation » est vide"),
        (b"Orientation;Action;Statut\r\nA;B;fini\r\n", "t.csv", "statut « fini » inconnu"),
        (b"PK\x03\x04pas un classeur", "t.xlsx", "Fichier XLSX illisible"),
        (b"{}", "t.json", "Format non pris en charge : « .json » ; formats admis : CSV, XLSX"),
    ],
)
def test_import_invalide(octets, nom, message):
    with pytest.raises(DonneeInvalide, match=re.escape(message)):
        fdr.importer(octets, nom, fdr.FeuilleDeRoute())


# -- propriété : tout ce qui se valide se relit à l'identique ------------------------------------------------

_texte = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40).map(str.strip)
_element = _texte.filter(lambda t: t and ";" not in t and len(" ".join(t.split())) == len(t))
_date = st.dates(date(2020, 1, 1), date(2040, 12, 31)).map(date.isoformat)


@st.composite
def _feuilles(draw):
    orientations = []
    n = 0
    for k in range(draw(st.integers(1, 3))):
        actions = []
        for _ in range(draw(st.integers(0, 3))):
            n += 1
            debut, fin = sorted(draw(st.lists(_date, min_size=2, max_size=2)))
            action = {
                "id": f"a{n}",
                "titre": draw(_element),
                "description": draw(_texte),
                "entites": draw(st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), max_size=3)),
                "porteurs": draw(st.lists(_element, max_size=3, unique_by=str.casefold)),
                "outils": draw(st.lists(_element, max_size=3, unique_by=str.casefold)),
                "phasage": draw(st.sampled_from(list(fdr.PHASAGES))),
                "statut": draw(st.sampled_from(list(fdr.STATUTS))),
            }
            if action["phasage"] == "dates" or draw(st.booleans()):
                action |= {"debut": debut, "fin": draw(st.sampled_from(["", fin]))}
            action["entites"] = list(dict.fromkeys(action["entites"]))
            actions.append(action)
        titre = draw(_element) + f" {k}"
        orientations.append({"id": f"o{k + 1}", "titre": titre, "description": draw(_texte), "actions": actions})
    return fdr.valider({"orientations": orientations})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_feuilles())
def test_propriete_aller_retour(f):
    assert contenu(fdr.valider(fdr.vers_json(f))) == contenu(f)
    assert contenu(fdr.depuis_tableaux(fdr.tableau_orientations(f), fdr.tableau_actions(f), f)) == contenu(f)
    assert contenu(fdr.importer(fdr.exporter_csv(f), "f.csv", f)) == contenu(f)
    assert contenu(fdr.importer(fdr.exporter_xlsx(f), "f.xlsx", f)) == contenu(f)


def test_texte_jamais_pris_pour_une_formule():
    piege = '=HYPERLINK("http://exemple.invalid";"clic")'
    f = fdr.valider({"orientations": [{"id": "o1", "titre": "O", "actions": [{"id": "a1", "titre": piege}]}]})
    classeur = load_workbook(io.BytesIO(fdr.exporter_xlsx(f)))
    cellule = classeur["Feuille de route"].cell(2, 3)
    assert cellule.value == piege and cellule.data_type == "s"
    ligne = next(csv.DictReader(io.StringIO(fdr.exporter_csv(f).decode("utf-8-sig")), delimiter=";"))
    assert ligne["Action"] == "'" + piege
    for format_ in ("csv", "xlsx"):
        octets = fdr.exporter_csv(f) if format_ == "csv" else fdr.exporter_xlsx(f)
        assert fdr.importer(octets, f"f.{format_}", f).orientations == f.orientations


def test_une_action_en_une_phrase():
    a = fdr.Action("a1", "Rabattre vers la gare", "Car express.", ("g1", "g2"), ("Région",), "long", statut="en-cours")
    texte = fdr.texte_action(a, {"g1": "Ligne de car", "g2": "Quelle desserte pour la gare ?"})
    assert texte == (
        "Rabattre vers la gare — en cours, long terme. Car express. Porteurs : Région. "
        "Sur la carte : Ligne de car ; Quelle desserte pour la gare ?"
    )
    assert fdr.texte_action(fdr.Action("a2", "Sans détail")) == "Sans détail — à engager, à préciser."
