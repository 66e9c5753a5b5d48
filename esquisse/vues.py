"""Vues nommées d'une hypothèse : le « grand territoire » et quelques zooms sur des lieux précis.

La méthode croise les échelles : la stratégie se dessine sur le grand territoire et s'illustre
par quelques zooms. Chaque hypothèse garde ses vues dans ``vues.json`` (une emprise en WGS84 et
un nom) ; on y saute depuis la carte, la projection et les exports.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from esquisse.erreurs import DonneeInvalide
from esquisse.fichiers import ecrire_json, verrou
from esquisse.seances import Hypothese, slug

FICHIER = "vues.json"
GRAND_TERRITOIRE = "grand-territoire"
MAX_VUES = 30


@dataclass(frozen=True)
class Vue:
    id: str
    nom: str
    emprise: tuple[float, float, float, float]  # lon min, lat min, lon max, lat max


def verifier_emprise(emprise) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in emprise)
    except (TypeError, ValueError):
        attendu = "lon min, lat min, lon max, lat max"
        raise DonneeInvalide(f"Emprise invalide : {emprise!r} (attendu : {attendu}).") from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise DonneeInvalide("Emprise invalide : coordonnées non finies.")
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise DonneeInvalide(f"Emprise hors du globe ou vide : [{x0}, {y0}, {x1}, {y1}].")
    return (round(x0, 6), round(y0, 6), round(x1, 6), round(y1, 6))


def _lire(h: Hypothese) -> list[Vue]:
    chemin = h.dossier / FICHIER
    if not chemin.exists():
        return []
    try:
        donnees = json.loads(chemin.read_text(encoding="utf-8"))
        return [Vue(d["id"], d["nom"], tuple(d["emprise"])) for d in donnees]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def lister(h: Hypothese, emprise_territoire: tuple[float, float, float, float] | None = None) -> list[Vue]:
    """Les vues de l'hypothèse, précédées du grand territoire s'il est donné."""
    vues = _lire(h)
    if emprise_territoire is not None:
        vues = [Vue(GRAND_TERRITOIRE, "Grand territoire", tuple(emprise_territoire)), *vues]
    return vues


def ajouter(h: Hypothese, nom: str, emprise) -> Vue:
    nom = str(nom or "").strip()
    if not nom or len(nom) > 80:
        raise DonneeInvalide("Le nom de la vue doit compter de 1 à 80 caractères.")
    emprise = verifier_emprise(emprise)
    with verrou(h.dossier / ".verrou-vues"):
        vues = _lire(h)
        if len(vues) >= MAX_VUES:
            raise DonneeInvalide(f"Trop de vues pour cette hypothèse ({MAX_VUES} au plus).")
        pris = {v.id for v in vues} | {GRAND_TERRITOIRE}
        base = slug(nom, 40)
        identifiant, n = base, 2
        while identifiant in pris:
            identifiant, n = f"{base}-{n}", n + 1
        vue = Vue(identifiant, nom, emprise)
        _ecrire(h.dossier, [*vues, vue])
    return vue


def supprimer(h: Hypothese, identifiant: str) -> None:
    with verrou(h.dossier / ".verrou-vues"):
        vues = _lire(h)
        restantes = [v for v in vues if v.id != identifiant]
        if len(restantes) != len(vues):
            _ecrire(h.dossier, restantes)


def _ecrire(dossier: Path, vues: list[Vue]) -> None:
    ecrire_json(dossier / FICHIER, [asdict(v) | {"emprise": list(v.emprise)} for v in vues])
