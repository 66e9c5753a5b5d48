"""Brouillons : les dessins pas encore enregistrés, gardés sur disque poste par poste.

Tant qu'un poste a des dessins en attente, ils sont recopiés dans
``projets/<atelier>/brouillons/<séance>--<hypothèse>--<poste>.json``. Si le navigateur se
ferme, plante ou perd le réseau, un autre poste (ou le même, rouvert) voit ce brouillon
après une minute d'inactivité et peut le reprendre. Un brouillon écarté n'est pas effacé :
il est rangé dans ``brouillons/ecartes/``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from esquisse.atelier.seances import Hypothese
from esquisse.esquisses.edition import Annotation, DessinLocal
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.erreurs import SchemaInvalide
from esquisse.noyau.fichiers import ecrire_json, traduire_erreurs_disque
from esquisse.stockage.disque import DOSSIER_BROUILLONS

DOSSIER = DOSSIER_BROUILLONS
INACTIVITE = 60  # secondes sans nouvelle du poste avant de proposer son brouillon


@dataclass(frozen=True)
class Brouillon:
    chemin: Path
    poste: str
    auteur: str
    role: str
    le: str
    dessins: tuple[DessinLocal, ...]
    annotations: dict[str, Annotation]

    @property
    def age(self) -> float:
        try:
            return time.time() - self.chemin.stat().st_mtime
        except FileNotFoundError:
            return 0.0


def _chemin(dossier_atelier: Path, h: Hypothese, poste: str) -> Path:
    return dossier_atelier / DOSSIER / f"{h.seance}--{h.id}--{poste}.json"


def ecrire(
    dossier_atelier: Path,
    h: Hypothese,
    poste: str,
    auteur: str,
    role: str,
    dessins: list[DessinLocal],
    annotations: dict[str, Annotation],
) -> None:
    """Recopie les dessins en attente du poste ; sans dessin ni annotation, le brouillon disparaît."""
    chemin = _chemin(dossier_atelier, h, poste)
    annotations = {i: a for i, a in annotations.items() if any(v is not None for v in asdict(a).values())}
    if chemin.exists() and _lire(chemin) is None:
        raise SchemaInvalide(_illisible(chemin))
    if not dessins and not annotations:
        chemin.unlink(missing_ok=True)
        return
    ecrire_json(
        chemin,
        {
            "auteur": auteur,
            "role": role,
            "le": maintenant(),
            "dessins": [asdict(d) for d in dessins],
            "annotations": {i: asdict(a) for i, a in annotations.items()},
        },
    )


def signe_de_vie(dossier_atelier: Path, h: Hypothese, poste: str) -> None:
    """Le poste est toujours là : son brouillon n'est pas proposé aux autres."""
    chemin = _chemin(dossier_atelier, h, poste)
    if chemin.exists():
        os.utime(chemin)


def _lire(chemin: Path) -> Brouillon | None:
    try:
        d = json.loads(chemin.read_text(encoding="utf-8"))
        return Brouillon(
            chemin=chemin,
            poste=chemin.stem.rsplit("--", 1)[-1],
            auteur=str(d.get("auteur", "")),
            role=str(d.get("role", "")),
            le=str(d.get("le", "")),
            dessins=tuple(DessinLocal(**x) for x in d.get("dessins", [])),
            annotations={i: Annotation(**a) for i, a in (d.get("annotations") or {}).items()},
        )
    except (OSError, ValueError, TypeError):
        return None  # brouillon illisible : laissé en place, jamais effacé


def _illisible(chemin: Path) -> str:
    return (
        f"Le brouillon « {chemin.name} » est illisible : il n'est ni remplacé ni proposé. "
        f"Réparez-le ou déplacez-le hors du dossier « {chemin.parent} »."
    )


def illisibles(dossier_atelier: Path, h: Hypothese) -> list[str]:
    """Les brouillons illisibles de cette hypothèse, signalés en français (ils restent en place)."""
    dossier = dossier_atelier / DOSSIER
    if not dossier.is_dir():
        return []
    return [_illisible(c) for c in sorted(dossier.glob(f"{h.seance}--{h.id}--*.json")) if _lire(c) is None]


def abandonnes(dossier_atelier: Path, h: Hypothese, sauf_poste: str, inactivite: float = INACTIVITE) -> list[Brouillon]:
    """Brouillons d'autres postes de cette hypothèse, inactifs depuis ``inactivite`` secondes."""
    dossier = dossier_atelier / DOSSIER
    if not dossier.is_dir():
        return []
    trouves = []
    for chemin in sorted(dossier.glob(f"{h.seance}--{h.id}--*.json")):
        b = _lire(chemin)
        if b is not None and b.poste != sauf_poste and b.age >= inactivite:
            trouves.append(b)
    return trouves


def reprendre(b: Brouillon) -> Brouillon:
    """Le brouillon passe à ce poste : son fichier est retiré (le poste l'écrira sous son nom)."""
    with traduire_erreurs_disque(f"« {b.chemin.name} »"):
        b.chemin.unlink(missing_ok=True)
    return b


def ecarter(b: Brouillon) -> None:
    """Range le brouillon dans ``brouillons/ecartes/`` : rien n'est jamais effacé."""
    cible = b.chemin.parent / "ecartes" / b.chemin.name
    with traduire_erreurs_disque(f"« {cible.name} »"):
        cible.parent.mkdir(parents=True, exist_ok=True)
        os.replace(b.chemin, cible)
