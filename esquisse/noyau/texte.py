"""Petites aides de mise en forme des messages : nombres, listes d'exemples, comparaison de noms."""

from __future__ import annotations

import unicodedata

LIGNES_RAPPORT = 8  # exemples cités dans un rapport ou un message


def nombre(n: int) -> str:
    """Un entier à la française : « 34 875 » (espace fine insécable)."""
    return f"{n:,}".replace(",", "\u202f")


def exemples(valeurs, n: int = LIGNES_RAPPORT) -> str:
    """Les premières valeurs, séparées par des virgules, et le nombre des autres."""
    valeurs = list(valeurs)
    texte = ", ".join(str(v) for v in valeurs[:n])
    return texte + (f" … (+{len(valeurs) - n})" if len(valeurs) > n else "")


def sans_accents(texte: str) -> str:
    """Pour comparer des noms de colonnes : sans accents ni casse, sans espaces autour."""
    forme = unicodedata.normalize("NFKD", str(texte))
    return "".join(c for c in forme if not unicodedata.combining(c)).casefold().strip()
