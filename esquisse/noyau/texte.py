"""Petites aides de mise en forme des messages : nombres, listes d'exemples, comparaison de noms."""

from __future__ import annotations

import csv
import io
import math
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


def cellule_csv(valeur) -> str:
    """Une cellule de CSV « à la française » : virgule décimale, vide pour une valeur manquante."""
    if valeur is None or (isinstance(valeur, float) and math.isnan(valeur)):
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, float):
        return f"{valeur:.2f}".replace(".", ",")
    return str(valeur)


def csv_fr(colonnes, lignes) -> bytes:
    """Un tableau en CSV pour un tableur réglé en français : « ; », virgule décimale, UTF-8 avec BOM."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow([str(c) for c in colonnes])
    for ligne in lignes:
        ecrivain.writerow(cellule_csv(v) for v in ligne)
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")
