"""Textes sûrs dans Streamlit : échappement du HTML et du Markdown, légende en HTML."""

from __future__ import annotations

import html

from esquisse.esquisses.legende import Categorie


def echapper(texte: str) -> str:
    """Texte saisi par un utilisateur, rendu inoffensif pour du HTML."""
    return html.escape(str(texte or ""), quote=True)


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+-.!|~$:"})


def md(texte) -> str:
    """Texte saisi par un utilisateur, à insérer dans du Markdown Streamlit sans être interprété."""
    return str(texte or "").translate(_MARKDOWN)


def _symbole(c: Categorie, taille: int) -> str:
    couleur = echapper(c.couleur)
    boite = f"display:inline-block;width:{taille + 8}px"
    if c.geometrie == "point":
        rond = f"width:{taille}px;height:{taille}px;border-radius:50%;background:{couleur}"
        return f"<span style='display:inline-block;{rond};border:2px solid #fff;box-shadow:0 0 0 1px #999'></span>"
    if c.geometrie == "zone":
        return f"<span style='{boite};height:{taille}px;background:{couleur}55;border:2px solid {couleur}'></span>"
    if c.geometrie == "texte":
        return f"<span style='{boite};font-style:italic;font-weight:700;color:{couleur}'>Abc</span>"
    trait = {"tirets": "dashed", "pointilles": "dotted"}.get(c.trait, "solid")
    fleche = f"<span style='color:{couleur}'>▶</span>" if c.trait == "fleche" else ""
    ligne = f"border-top:{max(2, c.epaisseur)}px {trait} {couleur};vertical-align:middle"
    return f"<span style='{boite};{ligne}'></span>{fleche}"


def legende_html(categories, grande: bool = False) -> str:
    """Panneau de légende (noms échappés), avec un symbole par nature de géométrie."""
    taille = 20 if grande else 14
    police = 18 if grande else 14
    lignes = [
        f"<div style='display:flex;align-items:center;gap:8px;margin:3px 0;font-size:{police}px'>"
        f"<span style='min-width:{taille + 22}px'>{_symbole(c, taille)}</span><span>{echapper(c.nom)}</span></div>"
        for c in categories
    ]
    return "<div class='esq-legende'>" + "".join(lignes) + "</div>"
