"""Une même version, une même heure : l'Historique, la carte exportée, le GeoPackage et le carnet
disent tous l'heure de Paris (et non l'heure UTC enregistrée dans les fichiers)."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from esquisse.analyse.annotations import choisir
from esquisse.atelier.ateliers import charger_atelier
from esquisse.esquisses.versions import COLONNE_DATE
from esquisse.exports.carnet import exporter_carnet
from esquisse.exports.export_carte import MiseEnPage, exporter_carte
from esquisse.exports.export_sig import exporter_sig
from esquisse.noyau.dates import date_heure
from tests.documents import texte_pdf
from tests.outils import ouvrir_page


def test_meme_heure_locale_partout(projets, monkeypatch, tmp_path):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    at = ouvrir_page("pages/historique.py", atelier="bassee-montois")
    seance_id = at.selectbox(key="historique-seance-bassee-montois").value
    hypothese_id = at.selectbox(key=f"historique-hypothese-{seance_id}").value
    atelier = charger_atelier(projets, "bassee-montois")
    choix = choisir(atelier, seance_id, hypothese_id)
    meta = choix.version.meta

    # L'heure attendue, calculée ici sans passer par esquisse.noyau.dates : Europe/Paris, « 8 h 08 ».
    utc = datetime.fromisoformat(meta.le.replace("Z", "+00:00"))
    paris = utc.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.utcoffset() != utc.astimezone(UTC).utcoffset(), "une heure qui distingue Paris d'UTC"
    heure = f"{paris.hour} h {paris.minute:02d}"
    attendu = date_heure(meta.le)
    assert attendu.endswith(f"à {heure}")

    # Historique : la colonne nomme le fuseau une fois ; la dernière version est en tête.
    tableau = at.dataframe[0].value
    assert COLONNE_DATE == "Date (heure de Paris)" and COLONNE_DATE in tableau.columns
    assert tableau.iloc[0]["Version"] == meta.numero
    assert tableau.iloc[0][COLONNE_DATE] == attendu
    assert f"{utc.hour:02d}:{utc.minute:02d}" not in " ".join(tableau[COLONNE_DATE])
    legendes = [c.value.replace("\\", "") for c in at.caption]
    assert any(f"Version {meta.numero} du {attendu}" in c for c in legendes), legendes

    # La carte exportée.
    pdf = exporter_carte(atelier, choix, MiseEnPage(), tmp_path).chemin
    assert f"version {meta.numero} du {attendu}" in " ".join(texte_pdf(pdf, page=1, disposition=False).split())

    # Le carnet de la séance.
    carnet = exporter_carnet(atelier, seance_id, ("pdf",), tmp_path)["pdf"]
    assert f"Version {meta.numero} du {attendu}" in " ".join(texte_pdf(carnet).split())

    # Le GeoPackage : la description de la couche d'esquisses.
    gpkg = exporter_sig(atelier, [choix], "gpkg", tmp_path)
    with contextlib.closing(sqlite3.connect(gpkg)) as base:
        descriptions = " ".join(d for (d,) in base.execute("select description from gpkg_contents") if d)
    assert f"version {meta.numero} du {attendu} (heure de Paris)" in descriptions
