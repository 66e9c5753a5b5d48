"""Les boutons de téléchargement : fichiers produits (types MIME, tailles lisibles) et tableaux en CSV à la
française.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st


def tableau(donnees, nom: str, **options) -> None:
    """Un tableau en lecture, et son bouton « Télécharger le tableau (CSV) » à la française.

    Le téléchargement de la barre d'outils de Streamlit écrit un CSV à virgules, point décimal :
    il est masqué (``static/esquisse/televersement.js``) et remplacé par ce bouton (« ; »,
    virgule décimale, UTF-8 avec BOM, comme les autres exports). ``nom`` : le nom du fichier,
    sans extension.
    """
    from esquisse.noyau.texte import csv_fr

    st.dataframe(donnees, **options)
    if options.get("hide_index"):
        colonnes, lignes = list(donnees.columns), donnees.itertuples(index=False)
    else:
        colonnes = [donnees.index.name or "", *donnees.columns]
        lignes = donnees.itertuples(index=True)
    st.download_button(
        "Télécharger le tableau (CSV)",
        csv_fr(colonnes, lignes),
        file_name=f"{nom}.csv",
        mime="text/csv",
        icon=":material/download:",
        type="tertiary",
        help="Séparateur « ; », virgule décimale : s'ouvre tel quel dans un tableur réglé en français.",
    )


TYPES_MIME = {
    ".pdf": "application/pdf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".gpkg": "application/geopackage+sqlite3",
    ".geojson": "application/geo+json",
    ".csv": "text/csv",
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def taille_lisible(octets: int) -> str:
    """« 820 Ko », « 2,3 Mo » : une taille de fichier à la française."""
    if octets < 1_000_000:
        return f"{max(1, round(octets / 1000))} Ko"
    return f"{octets / 1e6:.1f} Mo".replace(".", ",")


def bouton_telechargement(chemin: Path, libelle: str, cle: str) -> None:
    """Bouton de téléchargement d'un fichier exporté (lu seulement au clic)."""
    st.download_button(
        f"{libelle} — {taille_lisible(chemin.stat().st_size)}",
        data=lambda: chemin.read_bytes(),
        file_name=chemin.name,
        mime=TYPES_MIME.get(chemin.suffix, "application/octet-stream"),
        on_click="ignore",
        type="primary",
        icon=":material/download:",
        key=cle,
    )
