"""Exports, carnet et sauvegardes dans un vrai Chromium : ce que seul un navigateur montre (téléchargement, envoi)."""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest
from playwright.sync_api import expect

from esquisse.acces import journal
from esquisse.atelier.ateliers import charger_atelier
from esquisse.exports.sauvegarde import MANIFESTE, exporter_archive
from tests.documents import couches_gpkg, pages_pdf, part_non_blanche, pdf_en_images, pixels, texte_pdf
from tests.esquisses_de_test import seance_avec_hypotheses
from tests.navigateur.conftest import capture
from tests.outils import RACINE, echecs_application

ATELIER = "essai-exports"
DELAI = 120_000  # la machine de test peut être chargée : attentes larges, jamais de chronométrage


@pytest.fixture(scope="module")
def atelier(serveur):
    """Un atelier à part dans les données du serveur (copie de Bassée-Montois), avec une séance dessinée."""
    dossier = serveur.projets / ATELIER
    if not dossier.exists():
        dossier.mkdir()
        donnees = json.loads((RACINE / "projets" / "bassee-montois" / "atelier.json").read_text(encoding="utf-8"))
        donnees["nom"] = "Essai des exports — Bassée-Montois"
        (dossier / "atelier.json").write_text(json.dumps(donnees, ensure_ascii=False), encoding="utf-8")
    a = charger_atelier(serveur.projets, ATELIER)
    s, hyps = seance_avec_hypotheses(a, {"A — La vallée nourricière": 30, "B — Le plateau": 8})
    return a, s, hyps


def attendre_telechargement(page, libelle_debut: str, dossier):
    bouton = page.get_by_role("button", name=libelle_debut)
    bouton.first.wait_for(timeout=DELAI)
    with page.expect_download(timeout=DELAI) as info:
        bouton.first.click()
    telechargement = info.value
    chemin = dossier / telechargement.suggested_filename
    telechargement.save_as(chemin)
    return chemin


@pytest.mark.parametrize(("largeur", "hauteur"), [(1920, 1080), (1024, 768)])
def test_carte_exportee_et_telechargee(serveur, hors_ligne, atelier, tmp_path, largeur, hauteur):
    a, s, hyps = atelier
    contexte, reseau = hors_ligne(largeur=largeur, hauteur=hauteur, accept_downloads=True)
    page = contexte.new_page()
    page.set_default_timeout(DELAI)
    page.goto(f"{serveur.url}/exports?atelier={a.id}&seance={s.id}&hypothese={hyps[0].id}")
    page.get_by_role("button", name="Préparer la carte").click(timeout=DELAI)
    page.get_by_text("Préparation de la carte : terminé").wait_for(timeout=DELAI)
    page.locator("[data-testid='stImage'] img").wait_for(timeout=DELAI)
    capture(page, f"exports-carte-{largeur}x{hauteur}")
    pdf = attendre_telechargement(page, "Télécharger", tmp_path)
    assert pdf.name == f"{a.id}_{s.id}_{hyps[0].id}_v2_A4-paysage.pdf"
    assert pages_pdf(pdf) >= 2  # la carte, puis le tableau des annotations
    assert "A — La vallée nourricière" in texte_pdf(pdf)
    (image,) = pdf_en_images(pdf, tmp_path / "png", pages=(1, 1))
    assert part_non_blanche(pixels(image)) > 0.08
    assert echecs_application(reseau) == [] and reseau.bloquees == []


def test_fichiers_sig_telecharges(serveur, hors_ligne, atelier, tmp_path):
    a, s, hyps = atelier
    contexte, reseau = hors_ligne(accept_downloads=True)
    page = contexte.new_page()
    page.set_default_timeout(DELAI)
    page.goto(f"{serveur.url}/exports?atelier={a.id}&seance={s.id}&hypothese={hyps[0].id}")
    page.get_by_role("tab", name="Fichiers SIG et tableau").click(timeout=DELAI)
    page.get_by_role("button", name="Préparer le fichier").click(timeout=DELAI)
    page.get_by_text("Préparation du fichier : terminé").wait_for(timeout=DELAI)
    capture(page, "exports-sig-1920x1080")
    gpkg = attendre_telechargement(page, "Télécharger", tmp_path)
    couches = couches_gpkg(gpkg)
    assert {c.epsg for c in couches.values()} == {2154}
    # Une couche par type de géométrie (zones, lignes, points) : 8 + 30 esquisses en tout.
    assert sum(c.entites for nom, c in couches.items() if nom.startswith("esquisses_")) == 38
    assert all(c.geometrie.startswith("Multi") for nom, c in couches.items() if nom.startswith("esquisses_"))
    assert reseau.bloquees == []


def test_carnet_redige_et_telecharge(serveur, hors_ligne, atelier, tmp_path):
    a, s, _ = atelier
    contexte, reseau = hors_ligne(accept_downloads=True)
    page = contexte.new_page()
    page.set_default_timeout(DELAI)
    page.goto(f"{serveur.url}/carnet?atelier={a.id}&seance={s.id}")
    page.get_by_role("textbox", name="Participants présents").fill(
        "Marie Dupont — maire\nPaul Martin — DDT 77", timeout=DELAI
    )
    page.get_by_role("textbox", name="Points d'accord").fill("Relier les gares <b>vite</b>")
    page.get_by_role("button", name="Enregistrer le relevé").click()
    page.get_by_text("Relevé enregistré (révision 1).").wait_for(timeout=DELAI)
    page.get_by_role("button", name="Préparer le carnet").click()
    page.get_by_text("Préparation du carnet de suivi : terminé").wait_for(timeout=DELAI)
    capture(page, "carnet-1920x1080")
    pdf = attendre_telechargement(page, "Télécharger le carnet PDF", tmp_path)
    texte = " ".join(texte_pdf(pdf).split())
    assert "Marie Dupont — maire" in texte and "Relier les gares <b>vite</b>" in texte
    assert pages_pdf(pdf) >= 3
    docx = attendre_telechargement(page, "Télécharger le carnet DOCX", tmp_path)
    assert zipfile.is_zipfile(docx)
    assert reseau.bloquees == []


def test_archive_televersee_et_importee(serveur, hors_ligne, atelier, tmp_path):
    a, _, _ = atelier
    archive = exporter_archive(a, tmp_path / "sauvegarde.zip")
    hostile = tmp_path / "hostile.zip"
    shutil.copy(archive, hostile)
    with zipfile.ZipFile(hostile, "a") as zf:
        zf.writestr("../evasion.txt", "x")
    contexte, _ = hors_ligne()
    page = contexte.new_page()
    page.set_default_timeout(DELAI)
    page.goto(f"{serveur.url}/sauvegardes")
    envoi = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    envoi.set_input_files(str(hostile), timeout=DELAI)
    page.get_by_role("button", name="Importer l'atelier").click(timeout=DELAI)
    page.get_by_text("elle est refusée par sécurité").wait_for(timeout=DELAI)
    assert not (serveur.projets / f"{ATELIER}-2").exists()

    page.goto(f"{serveur.url}/sauvegardes")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(archive), timeout=DELAI)
    page.get_by_text("un atelier existe déjà sous l'identifiant").wait_for(timeout=DELAI)
    # Le champ reçoit sa valeur proposée juste après son apparition : on attend qu'elle y soit.
    expect(page.get_by_role("textbox", name="Identifiant du nouvel atelier")).to_have_value(
        f"{ATELIER}-2", timeout=DELAI
    )
    page.get_by_role("button", name="Importer l'atelier").click()
    page.get_by_text("importé :").wait_for(timeout=DELAI)
    capture(page, "sauvegardes-import-1920x1080")
    importe = serveur.projets / f"{ATELIER}-2"

    def contenu(dossier):  # le journal voyage avec l'atelier, et l'import y ajoute sa ligne
        return {
            p.relative_to(dossier): p.read_bytes()
            for p in dossier.rglob("*")
            if p.is_file() and ".verrou" not in p.name and p.name != "journal.jsonl"
        }

    assert contenu(importe) == contenu(a.dossier)
    assert journal.lire(importe)[0][0].action == "sauvegarde.importer"  # la plus récente
    with zipfile.ZipFile(archive) as zf:
        assert json.loads(zf.read(MANIFESTE))["atelier"] == ATELIER
