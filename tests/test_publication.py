"""Publier l'atelier : le contenu (seul le partagé), des octets stables, l'écriture d'un coup, la commande
``python -m esquisse publier`` et la page « Publier l'atelier ».

Dans Chromium : tests/navigateur/test_site_publie.py."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from markupsafe import escape
from streamlit.testing.v1 import AppTest

from esquisse.atelier.ateliers import charger_atelier, creer_atelier, modifier_fiche
from esquisse.atelier.feuille_de_route import lire as lire_feuille
from esquisse.atelier.seances import hypothese, modifier_hypothese, seance
from esquisse.esquisses.versions import Changement
from esquisse.exports.publication import MANIFESTE, ecrire_site, fichiers_site, publier, publier_zip, rassembler
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.reglages import reglage
from tests.conftest import RACINE
from tests.publication_de_test import ATELIER, SECRETS, ajouter_secrets, octets_du_dossier, titres_publies

CACHE = reglage("ESQUISSE_CACHE")


def _publier(projets: Path, cible: Path, atelier: str = ATELIER, **options) -> Path:
    return publier(charger_atelier(projets, atelier), projets, CACHE, cible, **options)


def _html(dossier: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(dossier.glob("*.html")))


def test_seul_le_partage_est_publie(projets, tmp_path):
    ajouter_secrets(projets)
    site = _publier(projets, tmp_path / "site")
    octets = octets_du_dossier(site)
    for quoi, texte in SECRETS.items():
        assert texte.encode() not in octets, f"{quoi} publié : {texte}"
    html = _html(site)
    titres = titres_publies(projets)
    assert len(titres) >= 20
    for titre in titres:
        assert str(escape(titre)) in html, titre
    assert "Mobilités partagées sur la RN 124" not in html  # hypothèse B de la séance 2 : débattue, non partagée
    pages = sorted(p.name for p in site.glob("*.html"))
    assert pages == [
        "feuille-de-route.html",
        "index.html",
        "seance-2025-11-05-atelier-1.html",
        "seance-2026-02-12-atelier-2.html",
        "seance-2026-04-09-atelier-3.html",
    ]
    assert not list(site.parent.glob(".tmp-*"))
    manifeste = json.loads((site / MANIFESTE).read_text(encoding="utf-8"))
    assert manifeste["atelier"] == ATELIER
    assert set(manifeste["fichiers"]) == {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()} - {
        MANIFESTE
    }
    # Ce qui a changé entre séances publiées, avec ses tableaux ; participants par structure, sans contact.
    seance2 = (site / "seance-2026-02-12-atelier-2.html").read_text(encoding="utf-8")
    assert "Ce qui a changé depuis « Atelier 1 à L&#39;Isle-Jourdain »" in seance2
    assert "Nouvellement touchés" in seance2
    index = (site / "index.html").read_text(encoding="utf-8")
    atelier = charger_atelier(projets, ATELIER)
    for p in atelier.participants:
        assert str(escape(p.nom)) in index and str(escape(p.structure)) in index
    assert 'lang="fr"' in index and "Sources et licences" in index


def test_hypothese_partagee_publiee(projets, tmp_path):
    s = seance(projets / ATELIER, "2026-02-12-atelier-2")
    b = hypothese(s, "b-mobilites-partagees-sur-la-rn-124")
    assert b.titre not in _html(_publier(projets, tmp_path / "avant"))
    modifier_hypothese(b, "Anne Castaing", partagee=True)
    page = (_publier(projets, tmp_path / "apres") / f"seance-{s.id}.html").read_text(encoding="utf-8")
    assert str(escape(b.titre)) in page and "partagée" in page


def test_feuille_de_route_sans_sa_reference_non_partagee(projets, tmp_path):
    dossier = projets / ATELIER
    f = lire_feuille(dossier)
    ref = hypothese(seance(dossier, f.reference.seance), f.reference.hypothese)
    # Une esquisse propre à l'hypothèse de référence (les autres viennent de séances publiées).
    depot = ref.depot(ATELIER)
    entite = {**depot.lire(depot.numero_courant()).entites[0], "id": "propre-1"}
    entite["properties"] = {"categorie": entite["properties"]["categorie"], "titre": "Esquisse-de-reference-8d2e"}
    depot.enregistrer([Changement("propre-1", None, entite)], "Anne Castaing", "equipe-projet")
    modifier_hypothese(ref, "Anne Castaing", statut="debattue")
    site = _publier(projets, tmp_path / "site")
    page = (site / "feuille-de-route.html").read_text(encoding="utf-8")
    assert str(escape(f.orientations[0].actions[0].titre)) in page
    assert "n'est pas publiée : la feuille de route est donnée sans sa carte" in page
    assert "carte-feuille" not in (site / "donnees" / "feuille-de-route.js").read_text(encoding="utf-8")
    assert b"Esquisse-de-reference-8d2e" not in octets_du_dossier(site)


def test_comparaison_des_sites_d_un_meme_theme(projets, tmp_path):
    modifier_fiche(projets, "bassee-montois", theme="Dialogue urbain-rural et réciprocité")
    site = _publier(projets, tmp_path / "site")
    page = (site / "sites.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "Bassée-Montois" in page and "Communes touchées" in page
    assert '<a href="sites.html">Comparer les sites</a>' in (site / "index.html").read_text(encoding="utf-8")


def test_memes_octets_a_chaque_publication(projets, tmp_path):
    un = _publier(projets, tmp_path / "un")
    deux = _publier(projets, tmp_path / "deux")
    fichiers = sorted(p.relative_to(un) for p in un.rglob("*") if p.is_file())
    assert fichiers == sorted(p.relative_to(deux) for p in deux.rglob("*") if p.is_file())
    assert all((un / f).read_bytes() == (deux / f).read_bytes() for f in fichiers)
    atelier = charger_atelier(projets, ATELIER)
    z1 = publier_zip(atelier, projets, CACHE, tmp_path / "un.zip")
    z2 = publier_zip(atelier, projets, CACHE, tmp_path / "deux.zip")
    assert z1.read_bytes() == z2.read_bytes()
    with zipfile.ZipFile(z1) as zf:
        assert zf.read(f"publication-{ATELIER}/index.html") == (un / "index.html").read_bytes()


def test_date_de_publication(projets, tmp_path):
    atelier = charger_atelier(projets, ATELIER)
    pub = rassembler(atelier, projets, CACHE)
    assert pub.date == max(hp.le for sp in pub.seances for hp in sp.hypotheses) or pub.date >= "2026-04-09"
    site = _publier(projets, tmp_path / "site", date_publication="2026-06-30")
    assert "Publié le 30 juin 2026" in (site / "index.html").read_text(encoding="utf-8")
    with pytest.raises(DonneeInvalide, match="Date de publication invalide"):
        _publier(projets, tmp_path / "autre", date_publication="30/06/2026")
    assert not (tmp_path / "autre").exists()
    # Un atelier sans rien de publié : sa date doit être donnée, et le site n'a que sa page d'accueil.
    vierge = creer_atelier(projets, "Atelier vierge", "Thème", "Occitanie", couches=atelier.couches)
    with pytest.raises(DonneeInvalide, match="indiquez la date de publication"):
        publier(vierge, projets, CACHE, tmp_path / "vierge")
    site = publier(vierge, projets, CACHE, tmp_path / "vierge", "2026-07-14")
    assert "Publié le 14 juil. 2026" in (site / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in site.glob("*.html")) == ["index.html"]
    sans_couches = creer_atelier(projets, "Atelier sans couches")
    with pytest.raises(DonneeInvalide, match="aucune couche de référence"):
        publier(sans_couches, projets, CACHE, tmp_path / "sans-couches", "2026-07-14")
    assert not (tmp_path / "sans-couches").exists()


def test_dossier_cible(projets, tmp_path):
    etranger = tmp_path / "documents"
    etranger.mkdir()
    (etranger / "notes.txt").write_text("à garder", encoding="utf-8")
    with pytest.raises(DonneeInvalide, match="n'est pas vide et ne contient pas une publication"):
        _publier(projets, etranger)
    assert [p.name for p in etranger.iterdir()] == ["notes.txt"]
    fichier = tmp_path / "fichier"
    fichier.write_text("x", encoding="utf-8")
    with pytest.raises(DonneeInvalide, match="n'est pas un dossier"):
        _publier(projets, fichier)
    vide = tmp_path / "vide"
    vide.mkdir()
    assert (_publier(projets, vide) / "index.html").is_file()
    # Une publication précédente du même atelier est remplacée d'un coup ; celle d'un autre atelier, non.
    (vide / "vieux-fichier.html").write_text("ancien", encoding="utf-8")
    _publier(projets, vide, date_publication="2026-07-01")
    assert not (vide / "vieux-fichier.html").exists()
    assert "1 juil. 2026" in (vide / "index.html").read_text(encoding="utf-8")
    with pytest.raises(DonneeInvalide, match="publication d'un autre atelier"):
        _publier(projets, vide, atelier="bassee-montois")
    assert "1 juil. 2026" in (vide / "index.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".tmp-*"))


def test_echec_en_cours_d_ecriture_ne_laisse_rien(projets, tmp_path):
    site = _publier(projets, tmp_path / "site", date_publication="2026-07-01")
    avant = octets_du_dossier(site)
    fichiers = fichiers_site(rassembler(charger_atelier(projets, ATELIER), projets, CACHE, "2026-08-01"))
    fichiers["index.html/impossible"] = b"x"  # index.html est un fichier : l'écriture échoue au milieu
    with pytest.raises(FileExistsError):
        ecrire_site(fichiers, site, ATELIER)
    assert octets_du_dossier(site) == avant
    assert not list(tmp_path.glob(".tmp-*"))


def test_ligne_de_commande(projets, tmp_path):
    commande = [sys.executable, "-m", "esquisse", "publier", ATELIER, str(tmp_path / "site"), "--projets", str(projets)]
    r = subprocess.run([*commande, "--date", "2026-06-30"], cwd=RACINE, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "publié : ouvrez" in r.stdout and "100 % Site publié." in r.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    r = subprocess.run([*commande, "--date", "demain"], cwd=RACINE, capture_output=True, text=True, check=False)
    assert r.returncode == 1 and r.stderr.strip() == (
        "Erreur : Date de publication invalide : « demain » (attendu : AAAA-MM-JJ)."
    )
    zip_ = tmp_path / "site.zip"
    r = subprocess.run(
        [*commande[:4], ATELIER, str(zip_), "--zip", "--silencieux", "--projets", str(projets)],
        cwd=RACINE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0 and r.stderr == "" and zipfile.is_zipfile(zip_)
    aide = subprocess.run([sys.executable, "-m", "esquisse", "--help"], cwd=RACINE, capture_output=True, text=True)
    assert "publier" in aide.stdout


def test_page_publier(projets, tmp_path, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    monkeypatch.setenv("ESQUISSE_EXPORTS", str(tmp_path / "exports"))
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=120)
    at.switch_page("pages/publier.py")
    at.query_params["atelier"] = ATELIER
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    next(b for b in at.button if b.label == "Publier le site").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.label for s in at.status] == ["Publication du site : terminé"]
    archive = tmp_path / "exports" / ATELIER / f"publication-{ATELIER}.zip"
    with zipfile.ZipFile(archive) as zf:
        assert f"publication-{ATELIER}/index.html" in zf.namelist()
    (telecharger,) = at.download_button
    assert "publication" in telecharger.label
