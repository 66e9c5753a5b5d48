"""CSV « à la française » des tableaux de l'interface (esquisse.noyau.texte.csv_fr), relu par le module csv."""

from __future__ import annotations

import csv
import io

import pandas as pd

from esquisse.noyau.texte import cellule_csv, csv_fr
from tests.outils import ouvrir_page


def test_csv_point_virgule_virgule_decimale_bom():
    donnees = csv_fr(
        ["Nom", "Surface (ha)", "Retenue", "Vide"],
        [["Bray; centre", 12.5, True, None], ["B", 3.0, False, float("nan")]],
    )
    assert donnees.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(donnees.decode("utf-8-sig")), delimiter=";"))
    assert lignes == [
        ["Nom", "Surface (ha)", "Retenue", "Vide"],
        ["Bray; centre", "12,50", "oui", ""],
        ["B", "3,00", "non", ""],
    ]
    assert cellule_csv(7) == "7" and cellule_csv("1.5") == "1.5"  # un texte reste tel quel


def test_historique_telecharge_son_tableau_en_csv_francais(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    at = ouvrir_page("pages/historique.py", atelier="bassee-montois")
    (bouton,) = [b for b in at.get("download_button") if b.proto.label == "Télécharger le tableau (CSV)"]
    affiche = at.dataframe[0].value
    assert isinstance(affiche, pd.DataFrame) and "Date (heure de Paris)" in affiche.columns
    assert bouton.proto.url  # le fichier est servi par Streamlit
