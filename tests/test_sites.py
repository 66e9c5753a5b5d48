"""Comparer les sites d'un même thème : un troisième atelier, créé dans une copie de ``projets/``, partage le thème."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from esquisse.analyse.sites import cle_theme, comparer_sites, themes
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import (
    creer_hypothese,
    creer_seance,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
)
from esquisse.esquisses.versions import Changement
from tests.demonstration import recreer_gascogne

THEME = "Dialogue urbain-rural et réciprocité"


@pytest.fixture
def projets_theme(projets):
    """La démo de Gascogne, plus un atelier « Montois » (couches de la Bassée) qui partage son thème."""
    recreer_gascogne(projets)
    dossier = projets / "montois-provins"
    dossier.mkdir()
    donnees = json.loads((projets / "bassee-montois" / "atelier.json").read_text(encoding="utf-8"))
    # Même thème, autre orthographe : accents, casse et espaces ne comptent pas.
    donnees.update(nom="Montois ↔ Provins", theme="  dialogue URBAIN-rural et reciprocite ")
    (dossier / "atelier.json").write_text(json.dumps(donnees, ensure_ascii=False), encoding="utf-8")
    atelier = charger_atelier(projets, "montois-provins")
    s = creer_seance(atelier.dossier, "atelier-3", "2026-09-01", "Atelier 3 à Provins")
    retenue = creer_hypothese(s, "Provins, pôle de services", atelier=atelier.id)
    fleche = {"type": "LineString", "coordinates": [[3.2993, 48.5597], [3.1, 48.45]]}  # Provins → Bray
    zone = {
        "type": "Polygon",
        "coordinates": [[[3.15, 48.40], [3.25, 48.40], [3.25, 48.46], [3.15, 48.46], [3.15, 48.40]]],
    }
    retenue.depot(atelier.id).enregistrer(
        [
            Changement("f", None, {"type": "Feature", "geometry": fleche, "properties": {"categorie": "flux"}}),
            Changement("z", None, {"type": "Feature", "geometry": zone, "properties": {"categorie": "preserver"}}),
        ],
        "Léa",
    )
    modifier_hypothese(retenue, "Léa", statut="retenue")
    creer_hypothese(s, "Variante non retenue", atelier=atelier.id)
    return projets


def test_themes_regroupes(projets_theme):
    assert themes(projets_theme) == [THEME, "Mieux vivre dans le périurbain"]
    assert cle_theme("  Dialogue  URBAIN-rural et réciprocité") == cle_theme(THEME)


def test_sites_du_theme(projets_theme):
    c = comparer_sites(projets_theme, THEME)
    noms = [s.atelier.nom for s in c.sites]
    assert noms == ["Montois ↔ Provins", "Portes de Gascogne ↔ Toulouse Métropole — contrat de réciprocité"]
    montois, gascogne = c.sites
    assert montois.hypothese.titre == "Provins, pôle de services" and montois.numero == 1
    assert gascogne.hypothese.titre == "Stratégie validée" and gascogne.seance.titre == "Atelier 3 à Auch"
    i = montois.indicateurs
    assert i["Esquisses"] == 2 and i["Hypothèses"] == 2 and i["Séances"] == 1
    assert i["Liens entre territoires"] == 1 and i["Communes touchées"] > 2 and i["Zones (ha)"] > 0
    assert 0 < i["Part du territoire de projet touchée (%)"] < 100
    tableau = c.tableau()
    assert list(tableau.columns) == noms
    assert tableau.loc["Esquisses", "Montois ↔ Provins"] == "2"
    assert tableau.loc["Hypothèse retenue", noms[1]].startswith("Stratégie validée (Atelier 3 à Auch")


def test_vignettes_svg(projets_theme):
    for site in comparer_sites(projets_theme, THEME).sites:
        racine = ET.fromstring(site.vignette)
        ns = "{http://www.w3.org/2000/svg}"
        assert racine.tag == f"{ns}svg"
        chemins = racine.findall(f"{ns}path")
        # Les communes, le territoire de projet, puis une forme par esquisse (les points sont des cercles).
        assert len(chemins) + len(racine.findall(f"{ns}circle")) == 2 + site.indicateurs["Esquisses"]
        assert any(c.get("marker-end") for c in chemins), "la flèche de réciprocité a sa pointe"
        assert f'id="{site.atelier.id}-fleche-' in site.vignette


def test_theme_sans_hypothese_retenue(projets):
    # La Bassée, avant que son atelier 3 ne retienne une hypothèse : aucune n'est retenue.
    for s in lister_seances(projets / "bassee-montois"):
        for h in lister_hypotheses(s):
            if h.statut == "retenue":
                modifier_hypothese(h, "test", statut="debattue")
    c = comparer_sites(projets, "Mieux vivre dans le périurbain")
    (site,) = c.sites
    assert site.hypothese is None and site.indicateurs["Hypothèse retenue"] == "aucune"
    assert site.vignette.startswith("<svg")  # le territoire seul
    assert comparer_sites(projets, "Thème inconnu").sites == ()
