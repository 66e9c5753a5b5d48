"""Lecture des ateliers et de leurs couches."""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from esquisse.atelier.ateliers import (
    GENRES_COUCHES,
    catalogue,
    charger_atelier,
    creer_atelier,
    inventorier_ateliers,
    libelle_reference,
    lister_ateliers,
    modifier_atelier,
    modifier_couches,
    modifier_fiche,
    modifier_participants,
    resoudre_reference,
    revisions_des_ateliers,
)
from esquisse.atelier.participants import Participant
from esquisse.carte.affichage import DOSSIER_STATIQUE, lire_affichage
from esquisse.carte.construction import parametres_atelier
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur, Introuvable, SchemaInvalide
from esquisse.referentiel.territoire import epsg_metrique
from esquisse.stockage.interfaces import RefDocument
from esquisse.stockage.rangement import lire_document, magasin
from tests.conftest import RACINE


def test_ateliers_de_demonstration(projets):
    ateliers = lister_ateliers(projets)
    assert [a.id for a in ateliers] == ["bassee-montois", "gascogne-toulouse"]
    bm = ateliers[0]
    assert bm.nom == "Bassée-Montois — mieux vivre dans le périurbain"
    assert len(bm.perimetre.communes) == 42
    assert len(bm.couche("communes")) == 168
    gt = ateliers[1]
    assert gt.nom == "Portes de Gascogne ↔ Toulouse Métropole — contrat de réciprocité"
    assert set(gt.couches) == {"communes", "epci", "scot", "territoires"}


def test_dossier_vide_ou_absent(tmp_path):
    assert lister_ateliers(tmp_path) == []
    assert lister_ateliers(tmp_path / "absent") == []


@pytest.mark.parametrize("identifiant", ["../etc", "Majuscules", "", "a/b", "é"])
def test_identifiant_hostile_refuse(projets, identifiant):
    with pytest.raises(DonneeInvalide, match="Identifiant invalide"):
        charger_atelier(projets, identifiant)


def test_atelier_introuvable(projets):
    with pytest.raises(Introuvable, match="Atelier introuvable : « inconnu »"):
        charger_atelier(projets, "inconnu")


@pytest.mark.parametrize(
    "reference", ["catalogue:../../etc/passwd", "atelier:../autre/x.geojson", "http://x", "x.geojson"]
)
def test_reference_de_couche_hors_dossier(tmp_path, reference):
    with pytest.raises(SchemaInvalide):
        resoudre_reference(reference, tmp_path)


def test_atelier_json_illisible(projets):
    (projets / "bassee-montois" / "atelier.json").write_text("{", encoding="utf-8")
    with pytest.raises(SchemaInvalide, match="illisible"):
        charger_atelier(projets, "bassee-montois")


def test_genre_de_couche_inconnu(projets):
    chemin = projets / "bassee-montois" / "atelier.json"
    donnees = json.loads(chemin.read_text(encoding="utf-8"))
    donnees["couches"]["cantons"] = "catalogue:x.geojson"
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    with pytest.raises(SchemaInvalide, match="cantons"):
        charger_atelier(projets, "bassee-montois")


def test_perimetre_et_ses_chiffres(projets):
    atelier = charger_atelier(projets, "bassee-montois")
    parametres = parametres_atelier(atelier, DOSSIER_STATIQUE / "cache")
    perimetre = next(c for c in parametres.couches if c.id == "perimetre")
    contenu = lire_affichage(DOSSIER_STATIQUE / perimetre.chemin)
    props = contenu["features"][0]["properties"]
    assert props["n_communes"] == 42
    assert props["population"] == sum(
        int(p)
        for p in atelier.couche("communes").set_index("code_insee").loc[list(atelier.perimetre.communes)]["population"]
    )
    assert 400 < props["superficie_km2"] < 450
    # La carte se cadre sur le territoire de projet.
    assert parametres.emprise == perimetre.emprise


def test_projection_metrique():
    assert epsg_metrique(2.35, 48.85) == 2154
    assert epsg_metrique(55.45, -21.1) == 2975
    assert epsg_metrique(-61.5, 16.2) == 5490


def test_modifier_atelier(projets):
    def renommer(d):
        d["theme"] = "Nouveau thème"

    atelier = modifier_atelier(projets, "bassee-montois", renommer)
    assert atelier.theme == "Nouveau thème"
    assert charger_atelier(projets, "bassee-montois").theme == "Nouveau thème"


def test_modification_invalide_ne_touche_rien(projets):
    chemin = projets / "bassee-montois" / "atelier.json"
    avant = chemin.read_bytes()

    def casser(d):
        d["nom"] = ""

    with pytest.raises(SchemaInvalide):
        modifier_atelier(projets, "bassee-montois", casser)
    assert chemin.read_bytes() == avant
    assert not list(chemin.parent.glob(".tmp-*"))


# -- préparation d'un atelier depuis l'application ------------------------------------------------


def test_catalogue_des_couches_livrees():
    territoires = {t.id: t for t in catalogue()}
    assert set(territoires) == {"bassee-montois", "gascogne-toulouse"}
    assert territoires["bassee-montois"].couches == {
        "communes": "catalogue:bassee-montois/communes.geojson",
        "epci": "catalogue:bassee-montois/epci.geojson",
        "scot": "catalogue:bassee-montois/scot.geojson",
    }
    assert "territoires" in territoires["gascogne-toulouse"].couches
    assert libelle_reference("atelier:couches/communes.gpkg") == "Couche importée : couches/communes.gpkg"


def test_creer_un_atelier(projets):
    couches = {t.id: t for t in catalogue()}["bassee-montois"].couches
    a = creer_atelier(
        projets,
        "  Vallée de l'Ource : revitaliser les bourgs ",
        "Bourgs-centres",
        "Bourgogne-Franche-Comté",
        couches=couches,
        participants=[{"nom": "Léa Girard", "structure": "DDT de Côte-d'Or", "role": "ddt"}],
    )
    assert a.id == "vallee-de-l-ource-revitaliser-les-bourgs"
    assert a.nom == "Vallée de l'Ource : revitaliser les bourgs"
    assert a.couches == couches and a.participants == (Participant("Léa Girard", "DDT de Côte-d'Or", "ddt"),)
    assert a.attribution and a.sources  # crédits des couches livrées
    donnees = json.loads((projets / a.id / "atelier.json").read_text(encoding="utf-8"))
    assert donnees["format"] == 1 and donnees["participants"][0]["role"] == "ddt"
    assert charger_atelier(projets, a.id) == a
    assert a.id in [x.id for x in lister_ateliers(projets)]
    # La carte de l'atelier se construit avec ses couches.
    assert len(parametres_atelier(a, DOSSIER_STATIQUE / "cache").couches) == 3


def test_un_atelier_existant_n_est_jamais_remplace(projets):
    avant = (projets / "bassee-montois" / "atelier.json").read_bytes()
    a = creer_atelier(projets, "Bassée Montois")
    assert a.id == "bassee-montois-2"
    assert (projets / "bassee-montois" / "atelier.json").read_bytes() == avant
    # Un dossier quelconque du même nom n'est pas réutilisé non plus.
    (projets / "essai").mkdir()
    (projets / "essai" / "notes.txt").write_text("à garder", encoding="utf-8")
    assert creer_atelier(projets, "Essai").id == "essai-2"
    assert (projets / "essai" / "notes.txt").read_text(encoding="utf-8") == "à garder"
    assert not (projets / "essai" / "atelier.json").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"nom": "   "}, "Le nom de l'atelier est obligatoire."),
        ({"nom": "X" * 121}, "Le champ « nom » dépasse 120 caractères."),
        ({"nom": "A", "couches": {"communes": "catalogue:absent/communes.geojson"}}, "Couche introuvable"),
        ({"nom": "A", "couches": {"cantons": "catalogue:bassee-montois/epci.geojson"}}, "Genre de couche inconnu"),
        # Une couche d'EPCI donnée pour les communes : son schéma ne convient pas.
        ({"nom": "A", "couches": {"communes": "catalogue:bassee-montois/epci.geojson"}}, "code_insee"),
        ({"nom": "A", "participants": [{"nom": "Paul", "role": "maire"}]}, "rôle « maire » inconnu ; rôles admis"),
        ({"nom": "A", "participants": [{"nom": "", "role": "elu"}]}, "Participant n° 1 : le nom est obligatoire."),
    ],
)
def test_atelier_invalide_rien_n_est_cree(projets, arguments, message):
    avant = sorted(p.name for p in projets.iterdir())
    with pytest.raises(EsquisseErreur, match=re.escape(message)):
        creer_atelier(projets, **arguments)
    assert sorted(p.name for p in projets.iterdir() if not p.name.startswith(".verrou")) == avant


def test_modifier_la_fiche(projets):
    a = modifier_fiche(
        projets, "bassee-montois", nom="Bassée-Montois", region="Île-de-France", description="Deux\nlignes"
    )
    assert (a.nom, a.region, a.description) == ("Bassée-Montois", "Île-de-France", "Deux\nlignes")
    assert a.perimetre is not None and a.couches  # le reste est intact
    with pytest.raises(DonneeInvalide, match="Champ\\(s\\) inconnu\\(s\\) : couleur"):
        modifier_fiche(projets, "bassee-montois", couleur="rouge")


def test_participants(projets):
    liste = [
        {"nom": "Jeanne  Martin", "structure": "Commune de Gimont", "role": "Élu·e"},
        {"nom": "Paul Roy", "structure": None, "role": "dreal"},
    ]
    a = modifier_participants(projets, "gascogne-toulouse", liste)
    assert a.participants == (
        Participant("Jeanne Martin", "Commune de Gimont", "elu"),
        Participant("Paul Roy", "", "dreal"),
    )
    assert (
        a.participants[0].libelle == "Jeanne Martin (Commune de Gimont)" and a.participants[1].libelle_role == "DREAL"
    )
    with pytest.raises(DonneeInvalide, match="Participant en double : « paul roy »"):
        modifier_participants(projets, "gascogne-toulouse", [*liste, {"nom": "paul roy", "role": "ddt"}])
    assert charger_atelier(projets, "gascogne-toulouse").participants == a.participants
    assert modifier_participants(projets, "gascogne-toulouse", []).participants == ()
    assert "participants" not in json.loads((projets / "gascogne-toulouse" / "atelier.json").read_text("utf-8"))


def test_participants_illisibles_dans_atelier_json(projets):
    chemin = projets / "bassee-montois" / "atelier.json"
    donnees = json.loads(chemin.read_text(encoding="utf-8"))
    donnees["participants"] = [{"nom": "X", "role": "president"}]
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    with pytest.raises(SchemaInvalide, match=r"Participants de l'atelier .*rôle « president » inconnu"):
        charger_atelier(projets, "bassee-montois")


def test_modifier_les_couches(projets):
    gascogne = {t.id: t for t in catalogue()}["gascogne-toulouse"].couches
    # Le territoire de projet de Bassée-Montois n'est pas dans les communes du Gers : refus, rien ne change.
    avant = (projets / "bassee-montois" / "atelier.json").read_bytes()
    with pytest.raises(DonneeInvalide, match="compte 42 commune\\(s\\) absente\\(s\\) de la nouvelle couche"):
        modifier_couches(projets, "bassee-montois", gascogne)
    with pytest.raises(DonneeInvalide, match="repose sur la couche des communes"):
        modifier_couches(projets, "bassee-montois", {"communes": None, "epci": "catalogue:bassee-montois/epci.geojson"})
    assert (projets / "bassee-montois" / "atelier.json").read_bytes() == avant
    # En retirant le territoire de projet, c'est possible.
    a = modifier_couches(projets, "bassee-montois", gascogne, retirer_perimetre=True)
    assert a.couches == gascogne and a.perimetre is None
    # Retirer une couche (None) la retire de l'atelier ; une couche importée (atelier:) est gardée.
    importee = projets / "bassee-montois" / "couches" / "epci.geojson"
    importee.parent.mkdir()
    importee.write_bytes((RACINE / "couches" / "bassee-montois" / "epci.geojson").read_bytes())
    a = modifier_couches(
        projets,
        "bassee-montois",
        {"communes": gascogne["communes"], "epci": "atelier:couches/epci.geojson", "scot": None},
    )
    assert a.couches == {"communes": gascogne["communes"], "epci": "atelier:couches/epci.geojson"}


# -- la fiche d'atelier dans chaque magasin (fichiers, puis PostGIS avec un dossier local vide) -----------------


def _dans_la_base() -> bool:
    return bool(os.environ.get("ESQUISSE_BASE"))


def _revision(projets, identifiant: str) -> int:
    return lire_document(projets / identifiant, "atelier").revision


def _verifier_rangement(projets, identifiants) -> None:
    """Avec la base, rien n'est écrit dans le dossier local ; avec les fichiers, chaque fiche est à sa place."""
    if _dans_la_base():
        assert sorted(p.relative_to(projets) for p in projets.rglob("*")) == [], "documents écrits dans le cache local"
    else:
        for identifiant in identifiants:
            donnees = json.loads((projets / identifiant / "atelier.json").read_text(encoding="utf-8"))
            assert donnees == lire_document(projets / identifiant, "atelier").contenu


def test_ateliers_de_chaque_magasin(projets_magasin):
    ateliers = lister_ateliers(projets_magasin)
    assert [a.id for a in ateliers] == ["bassee-montois", "gascogne-toulouse"]
    assert [a.dossier for a in ateliers] == [projets_magasin / "bassee-montois", projets_magasin / "gascogne-toulouse"]
    assert ateliers[0].nom == "Bassée-Montois — mieux vivre dans le périurbain"
    assert len(ateliers[0].perimetre.communes) == 42 and len(ateliers[0].participants) > 0
    assert charger_atelier(projets_magasin, "gascogne-toulouse") == ateliers[1]
    with pytest.raises(Introuvable, match="Atelier introuvable : « inconnu »"):
        charger_atelier(projets_magasin, "inconnu")
    _verifier_rangement(projets_magasin, ["bassee-montois", "gascogne-toulouse"])


def test_creer_un_atelier_dans_chaque_magasin(projets_magasin):
    couches = {t.id: t for t in catalogue()}["bassee-montois"].couches
    lea = [{"nom": "Léa Girard", "structure": "DDT de Côte-d'Or", "role": "ddt"}]
    a = creer_atelier(projets_magasin, "Vallée de l'Ource", "Bourgs-centres", couches=couches, participants=lea)
    assert (a.id, a.dossier, a.theme) == ("vallee-de-l-ource", projets_magasin / "vallee-de-l-ource", "Bourgs-centres")
    assert a.couches == couches and a.participants == (Participant("Léa Girard", "DDT de Côte-d'Or", "ddt"),)
    # Le même nom, puis celui d'un atelier de démonstration : un suffixe, rien n'est remplacé.
    fiche_demo = lire_document(projets_magasin / "bassee-montois", "atelier")
    b = creer_atelier(projets_magasin, "Vallée de l'Ource", "Autre thème")
    c = creer_atelier(projets_magasin, "Bassée Montois")
    assert (b.id, c.id) == ("vallee-de-l-ource-2", "bassee-montois-2")
    assert charger_atelier(projets_magasin, "vallee-de-l-ource") == a
    assert charger_atelier(projets_magasin, "vallee-de-l-ource-2").theme == "Autre thème"
    assert lire_document(projets_magasin / "bassee-montois", "atelier") == fiche_demo
    assert lire_document(projets_magasin / a.id, "atelier").contenu["format"] == 1
    assert sorted(x.id for x in lister_ateliers(projets_magasin)) == [
        "bassee-montois",
        "bassee-montois-2",
        "gascogne-toulouse",
        "vallee-de-l-ource",
        "vallee-de-l-ource-2",
    ]
    _verifier_rangement(projets_magasin, [a.id, b.id, c.id])


def test_modifier_fiche_et_participants_dans_chaque_magasin(projets_magasin):
    avant = _revision(projets_magasin, "gascogne-toulouse")
    etat = revisions_des_ateliers(projets_magasin)
    a = modifier_fiche(projets_magasin, "gascogne-toulouse", nom="Gascogne ↔ Toulouse", region="Occitanie")
    assert (a.nom, a.region) == ("Gascogne ↔ Toulouse", "Occitanie") and set(a.couches) == set(GENRES_COUCHES)
    assert _revision(projets_magasin, "gascogne-toulouse") != avant
    assert revisions_des_ateliers(projets_magasin) != etat  # la clé de cache des membres suit
    liste = [{"nom": "Jeanne Martin", "structure": "Commune de Gimont", "role": "elu", "courriel": "j@exemple.fr"}]
    a = modifier_participants(projets_magasin, "gascogne-toulouse", liste)
    assert charger_atelier(projets_magasin, "gascogne-toulouse") == a
    assert [p.nom for p in a.participants] == ["Jeanne Martin"] and a.nom == "Gascogne ↔ Toulouse"
    # Rien à changer : rien n'est écrit, la révision reste.
    revision = _revision(projets_magasin, "gascogne-toulouse")
    modifier_fiche(projets_magasin, "gascogne-toulouse", region="Occitanie")
    assert _revision(projets_magasin, "gascogne-toulouse") == revision
    assert modifier_participants(projets_magasin, "gascogne-toulouse", []).participants == ()
    assert "participants" not in lire_document(projets_magasin / "gascogne-toulouse", "atelier").contenu
    with pytest.raises(Introuvable, match="Aucun atelier dans le dossier « inconnu »"):
        modifier_fiche(projets_magasin, "inconnu", theme="x")
    assert "inconnu" not in revisions_des_ateliers(projets_magasin)
    _verifier_rangement(projets_magasin, ["gascogne-toulouse"])


def test_modification_invalide_rien_n_est_ecrit_dans_chaque_magasin(projets_magasin):
    avant = lire_document(projets_magasin / "bassee-montois", "atelier")

    def casser(d):
        d["nom"] = ""

    with pytest.raises(SchemaInvalide, match="doit contenir au moins un « nom »"):
        modifier_atelier(projets_magasin, "bassee-montois", casser)
    with pytest.raises(DonneeInvalide, match="rôle « maire » inconnu"):
        modifier_participants(projets_magasin, "bassee-montois", [{"nom": "Paul", "role": "maire"}])
    with pytest.raises(DonneeInvalide, match="Le nom de l'atelier est obligatoire"):
        modifier_fiche(projets_magasin, "bassee-montois", nom="  ")
    assert lire_document(projets_magasin / "bassee-montois", "atelier") == avant  # même contenu, même révision
    _verifier_rangement(projets_magasin, ["bassee-montois"])


def test_modifications_simultanees_aucune_perdue(projets_magasin):
    """Huit fils ajoutent chacun un participant en même temps : lus, changés et écrits d'un seul tenant."""

    def ajouter(k: int) -> None:
        def appliquer(d):
            d["participants"] = [*d.get("participants", []), {"nom": f"Personne {k}", "role": "elu"}]

        modifier_atelier(projets_magasin, "gascogne-toulouse", appliquer)

    avant = len(charger_atelier(projets_magasin, "gascogne-toulouse").participants)
    with ThreadPoolExecutor(8) as fils:
        list(fils.map(ajouter, range(8)))
    noms = {p.nom for p in charger_atelier(projets_magasin, "gascogne-toulouse").participants}
    assert {f"Personne {k}" for k in range(8)} <= noms and len(noms) == avant + 8


@pytest.mark.parametrize(
    ("contenu", "raison"),
    [
        ([1, 2], "doit contenir un objet JSON"),
        ({"theme": "sans nom"}, "doit contenir au moins un « nom »"),
        ({"nom": "X", "perimetre": "pas un objet"}, "mal formé"),
        ({"nom": "X", "participants": [{"nom": "Y", "role": "president"}]}, "rôle « president » inconnu"),
    ],
)
def test_une_fiche_abimee_ne_cache_pas_les_autres_dans_chaque_magasin(projets_magasin, contenu, raison):
    documents = magasin(projets_magasin).documents
    ref = RefDocument("gascogne-toulouse", "atelier")
    abimee = documents.ecrire(ref, contenu, documents.lire(ref).revision)
    inventaire = inventorier_ateliers(projets_magasin)
    assert [a.id for a in inventaire.ateliers] == ["bassee-montois"]
    (illisible,) = inventaire.illisibles
    assert illisible.id == "gascogne-toulouse" and raison in illisible.raison
    designation = "L'atelier « gascogne-toulouse » de la base" if _dans_la_base() else "gascogne-toulouse/atelier.json"
    assert designation in illisible.raison or raison.startswith("rôle"), illisible.raison
    with pytest.raises(SchemaInvalide, match=re.escape(raison)):
        charger_atelier(projets_magasin, "gascogne-toulouse")
    # Jamais réécrite : une modification est refusée, la fiche abîmée reste telle quelle.
    with pytest.raises(SchemaInvalide, match=re.escape(raison)):
        modifier_fiche(projets_magasin, "gascogne-toulouse", theme="Réparé ?")
    assert documents.lire(ref) == abimee
    assert [a.id for a in lister_ateliers(projets_magasin)] == ["bassee-montois"]
    assert dict(revisions_des_ateliers(projets_magasin))["gascogne-toulouse"]
    if _dans_la_base():
        assert not any(projets_magasin.iterdir())
