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

from esquisse.atelier.seances import Hypothese, slug
from esquisse.noyau.erreurs import DonneeInvalide, SchemaInvalide
from esquisse.noyau.fichiers import ecrire_json, raison_illisible, verrou

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
    """Les vues enregistrées ; un fichier abîmé lève :class:`SchemaInvalide` (il n'est jamais remplacé)."""
    chemin = h.dossier / FICHIER
    try:
        donnees = json.loads(chemin.read_text(encoding="utf-8"))
        return [Vue(str(d["id"]), str(d["nom"]), verifier_emprise(d["emprise"])) for d in donnees]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemaInvalide(
            f"Le fichier des vues « {chemin} » est illisible ({raison_illisible(exc)}) : il n'est pas modifié tant "
            "qu'il n'est pas réparé ou déplacé."
        ) from None


def _avec_grand_territoire(vues: list[Vue], emprise_territoire) -> list[Vue]:
    if emprise_territoire is None:
        return vues
    return [Vue(GRAND_TERRITOIRE, "Grand territoire", tuple(emprise_territoire)), *vues]


def lister(h: Hypothese, emprise_territoire: tuple[float, float, float, float] | None = None) -> list[Vue]:
    """Les vues de l'hypothèse, précédées du grand territoire s'il est donné ; lève si ``vues.json`` est abîmé."""
    return _avec_grand_territoire(_lire(h), emprise_territoire)


def lister_ou_signaler(
    h: Hypothese, emprise_territoire: tuple[float, float, float, float] | None = None
) -> tuple[list[Vue], str]:
    """Comme :func:`lister`, pour l'affichage : un ``vues.json`` abîmé ne donne que le grand territoire,
    et le message qui le signale (vide sinon). Le fichier n'est pas touché."""
    try:
        return lister(h, emprise_territoire), ""
    except SchemaInvalide as exc:
        return _avec_grand_territoire([], emprise_territoire), str(exc)


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
