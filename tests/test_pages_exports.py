"""Pages Exports, Carnet de suivi et Sauvegardes, sans navigateur (AppTest) : du bouton au fichier écrit."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.releve import enregistrer_releve, lire_releve
from esquisse.exports.sauvegarde import lire_archive
from tests.esquisses_de_test import seance_avec_hypotheses
from tests.outils import ouvrir_page

DELAI = 120


@pytest.fixture
def donnees(projets, tmp_path, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    monkeypatch.setenv("ESQUISSE_EXPORTS", str(tmp_path / "exports"))
    atelier = charger_atelier(projets, "bassee-montois")
    s, hyps = seance_avec_hypotheses(atelier, {"A — La vallée": 15, "B — Le plateau": 4})
    return atelier, s, hyps, tmp_path / "exports" / "bassee-montois"


def ouvrir(script: str, **parametres) -> AppTest:
    return ouvrir_page(script, DELAI, **parametres)


def bouton(at: AppTest, libelle: str):
    return next(b for b in at.button if b.label == libelle)


def test_export_carte_depuis_la_page(donnees):
    atelier, s, hyps, dossier = donnees
    at = ouvrir("pages/exports.py", atelier=atelier.id, seance=s.id, hypothese=hyps[0].id)
    bouton(at, "Préparer la carte").click().run()
    assert not at.exception, [e.message for e in at.exception]
    (fichier,) = dossier.glob("*.pdf")
    assert fichier.name == f"bassee-montois_{s.id}_{hyps[0].id}_v2_A4-paysage.pdf"
    assert fichier.read_bytes().startswith(b"%PDF")
    (telecharger,) = at.download_button
    assert fichier.name.split("_")[0] in telecharger.label.replace("\\", "")
    assert [st.label for st in at.status] == ["Préparation de la carte : terminé"]


def test_export_sig_depuis_la_page(donnees):
    atelier, s, hyps, dossier = donnees
    at = ouvrir("pages/exports.py", atelier=atelier.id, seance=s.id, hypothese=hyps[0].id)
    bouton(at, "Préparer le fichier").click().run()  # GeoPackage des hypothèses de la séance choisie
    assert not at.exception
    (gpkg,) = dossier.glob("*.gpkg")
    assert gpkg.stat().st_size > 0
    assert len(at.download_button) == 1


def test_releve_et_carnet_depuis_la_page(donnees):
    atelier, s, _, dossier = donnees
    at = ouvrir("pages/carnet.py", atelier=atelier.id, seance=s.id)
    cle = f"releve::{atelier.id}::{s.id}"
    at.text_area(key=f"{cle}::participants").input("- Marie Dupont — maire\n- Paul Martin — DDT 77")
    at.text_area(key=f"{cle}::points_accord").input("Relier les gares")
    bouton(at, "Enregistrer le relevé").click().run()
    assert not at.exception
    releve = lire_releve(s)
    assert releve.participants == ("Marie Dupont — maire", "Paul Martin — DDT 77")
    assert releve.points_accord == ("Relier les gares",) and releve.revision == 1
    assert "Relevé enregistré (révision 1)." in [m.value for m in at.success]

    bouton(at, "Préparer le carnet").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert sorted(p.suffix for p in dossier.iterdir()) == [".docx", ".pdf"]
    assert [b.label.split(" — ")[0] for b in at.download_button] == [
        "Télécharger le carnet DOCX",
        "Télécharger le carnet PDF",
    ]


def test_premier_releve_personne_n_est_presume_present(donnees):
    atelier, s, _, _ = donnees
    at = ouvrir("pages/carnet.py", atelier=atelier.id, seance=s.id)
    presents = at.multiselect(key=f"releve::{atelier.id}::{s.id}::presents")
    champ = at.text_area(key=f"releve::{atelier.id}::{s.id}::participants")
    # Les participants de l'atelier sont proposés, aucun n'est coché d'office ; rien d'autre n'est écrit.
    assert len(presents.options) == len(atelier.participants) > 1
    assert presents.options[0].startswith(atelier.participants[0].nom + " — ")
    assert presents.value == [] and champ.value == ""
    assert lire_releve(s).revision == 0
    # On coche les présents, on ajoute un invité, puis on enregistre.
    presents.set_value(presents.options[1:])
    champ.input("Invité de la DREAL")
    bouton(at, "Enregistrer le relevé").click().run()
    assert lire_releve(s).participants == (*presents.options[1:], "Invité de la DREAL")
    # Rouvert, le relevé enregistré se retrouve : cochés d'un côté, invité de l'autre.
    at = ouvrir("pages/carnet.py", atelier=atelier.id, seance=s.id)
    assert at.multiselect(key=f"releve::{atelier.id}::{s.id}::presents").value == list(presents.options[1:])
    assert at.text_area(key=f"releve::{atelier.id}::{s.id}::participants").value == "Invité de la DREAL"


def test_releve_modifie_ailleurs_rien_n_est_ecrase(donnees):
    atelier, s, _, _ = donnees
    at = ouvrir("pages/carnet.py", atelier=atelier.id, seance=s.id)
    # Pendant ce temps, sur un autre poste :
    enregistrer_releve(s, {"points_accord": ["Écrit ailleurs"]}, 0, "Paul")
    at.text_area(key=f"releve::{atelier.id}::{s.id}::points_accord").input("Écrit ici")
    bouton(at, "Enregistrer le relevé").click().run()
    assert "Le relevé a été modifié par Paul" in at.error[0].value
    assert lire_releve(s).points_accord == ("Écrit ailleurs",)
    # Recharger repart du relevé enregistré.
    bouton(at, "Recharger le relevé enregistré (vos changements non enregistrés seront perdus)").click().run()
    assert at.text_area(key=f"releve::{atelier.id}::{s.id}::points_accord").value == "Écrit ailleurs"


def test_carnet_sans_seance(projets, monkeypatch):
    shutil.rmtree(projets / "gascogne-toulouse" / "seances", ignore_errors=True)
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    at = ouvrir("pages/carnet.py", atelier="gascogne-toulouse")
    assert "créez d'abord une séance" in at.info[0].value


def test_sauvegarde_depuis_la_page(donnees):
    atelier, _, _, dossier = donnees
    at = ouvrir("pages/sauvegardes.py", atelier=atelier.id)
    bouton(at, "Préparer l'archive").click().run()
    assert not at.exception
    archive = dossier / "atelier_bassee-montois.zip"
    assert lire_archive(archive).atelier == "bassee-montois"
    assert json.loads((atelier.dossier / "atelier.json").read_text(encoding="utf-8"))["nom"] == atelier.nom
