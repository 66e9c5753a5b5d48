"""Deux processus de l'application, une base PostGIS, chacun son dossier local : ce qu'on fait sur
l'un paraît sur l'autre."""

from __future__ import annotations

import json
import shutil
import time
import uuid

import pytest

from esquisse.atelier.seances import creer_hypothese, creer_seance, lister_hypotheses, lister_seances
from esquisse.stockage.choix import ouvrir as ouvrir_magasin
from esquisse.stockage.copie import copier
from esquisse.stockage.disque import StockageFichiers
from esquisse.stockage.interfaces import RefHypothese
from tests.navigateur.conftest import ATELIER, annoter_et_enregistrer, capture, dessiner_zone, ouvrir, sans_erreur_js
from tests.outils import IFRAME_CARTE, RACINE, arreter_serveur, demarrer_serveur, echecs_application


@pytest.fixture
def deux_serveurs(tmp_path, base_postgres, monkeypatch):
    """Les ateliers de démonstration copiés dans la base ; deux serveurs, chacun avec un dossier
    ``ESQUISSE_PROJETS`` vide à lui (un cache) : tout ce qu'ils partagent passe par la base."""
    depart = tmp_path / "depart"
    shutil.copytree(RACINE / "projets", depart)
    fichiers = StockageFichiers(depart)
    for identifiant in fichiers.documents.ateliers():
        copier(identifiant, fichiers, ouvrir_magasin(base_postgres))
    shutil.rmtree(depart)
    monkeypatch.setenv("ESQUISSE_BASE", base_postgres)  # le domaine appelé par ce test lit la même base
    env = {"ESQUISSE_BASE": base_postgres, "ESQUISSE_EXPORTS": str(tmp_path / "exports")}
    serveurs, dossiers = [], []
    try:
        for nom in ("a", "b"):
            dossier = tmp_path / f"projets-{nom}"
            dossier.mkdir()
            dossiers.append(dossier)
            serveurs.append(demarrer_serveur(dossier, tmp_path / f"streamlit-{nom}.log", env_sup=env))
        yield dossiers, base_postgres, serveurs
    finally:
        for s in serveurs:
            arreter_serveur(s)


def test_dessine_sur_un_serveur_vu_sur_l_autre(hors_ligne, deux_serveurs):
    (projets_a, projets_b), base, (serveur_a, serveur_b) = deux_serveurs
    # Une séance et une hypothèse nées dans la base (par le domaine, comme le ferait une page de A).
    dossier = projets_a / ATELIER
    seances = lister_seances(dossier)
    seance = seances[0] if seances else creer_seance(dossier, "atelier-2", "2026-05-20", "Atelier 2")
    h = creer_hypothese(seance, f"Deux serveurs {uuid.uuid4().hex[:6]}", atelier=ATELIER)
    assert h.id in {
        x.id for x in lister_hypotheses(next(s for s in lister_seances(projets_b / ATELIER) if s.id == seance.id))
    }
    chemin = f"/carte?atelier={ATELIER}&seance={seance.id}&hypothese={h.id}"
    assert serveur_a.url != serveur_b.url

    ctx_a, reseau_a = hors_ligne()
    ctx_b, reseau_b = hors_ligne()
    page_a, cadre_a = ouvrir(ctx_a, serveur_a.url + chemin)
    page_b, cadre_b = ouvrir(ctx_b, serveur_b.url + chemin)

    dessiner_zone(page_a, cadre_a, [(0.35, 0.35), (0.55, 0.3), (0.6, 0.55), (0.4, 0.6)])
    annoter_et_enregistrer(page_a, "Secteur de projet / d'enjeu", "Zone vue par l'autre serveur", "Via PostGIS")
    page_a.get_by_test_id("stAlertContentSuccess").filter(has_text="Version 1 enregistrée").wait_for()
    enregistre = time.monotonic()

    # La version est dans la base ; aucun document de l'atelier n'est écrit dans les dossiers locaux.
    depot = ouvrir_magasin(base).versions(RefHypothese(ATELIER, seance.id, h.id))
    (entite,) = depot.lire(1).entites
    assert entite["properties"]["titre"] == "Zone vue par l'autre serveur"
    for local in (projets_a, projets_b):
        ecrits = [p.name for p in local.rglob("*.json*") if p.is_file()]
        assert not [n for n in ecrits if n in {"atelier.json", "seance.json", "hypothese.json", "historique.jsonl"}], (
            ecrits
        )

    # Le navigateur du serveur B la voit, sans recharger.
    page_b.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(
        state="attached", timeout=10000
    )
    delai = time.monotonic() - enregistre
    print(f"\nEnregistrée sur A, visible sur B en {delai:.2f} s")
    assert cadre_b.evaluate(f"!!Esquisse.dessin.etat.couches[{json.dumps(entite['id'])}]")
    capture(page_a, "deux-serveurs-a-enregistre")
    capture(page_b, "deux-serveurs-b-voit")
    for reseau in (reseau_a, reseau_b):
        assert echecs_application(reseau) == [] and reseau.bloquees == []
    sans_erreur_js(cadre_a)
    sans_erreur_js(cadre_b)
