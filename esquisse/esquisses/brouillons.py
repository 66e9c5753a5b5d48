"""Brouillons : les dessins pas encore enregistrés, gardés poste par poste dans le magasin.

Tant qu'un poste a des dessins en attente, ils sont recopiés dans le magasin
(:mod:`esquisse.stockage.rangement`, ``.brouillons``) : avec les fichiers,
``projets/<atelier>/brouillons/<séance>--<hypothèse>--<poste>.json`` ; avec ``ESQUISSE_BASE``,
une ligne de la base, partagée par tous les processus. Si le navigateur se ferme, plante ou
perd le réseau, un autre poste (ou le même, rouvert) voit ce brouillon après une minute
d'inactivité (sans signe de vie) et peut le reprendre. Un brouillon écarté n'est pas effacé :
il est mis de côté (``brouillons/ecartes/`` avec les fichiers).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from esquisse.atelier.seances import Hypothese
from esquisse.esquisses.edition import Annotation, DessinLocal
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.erreurs import SchemaInvalide
from esquisse.noyau.fichiers import traduire_erreurs_disque
from esquisse.stockage.disque import DOSSIER_BROUILLONS
from esquisse.stockage.interfaces import BrouillonStocke, RefHypothese
from esquisse.stockage.rangement import en_base, magasin_atelier, ref_hypothese

DOSSIER = DOSSIER_BROUILLONS
INACTIVITE = 60  # secondes sans nouvelle du poste avant de proposer son brouillon


@dataclass(frozen=True)
class Brouillon:
    dossier_atelier: Path
    seance: str
    hypothese: str
    poste: str
    auteur: str
    role: str
    le: str
    dessins: tuple[DessinLocal, ...]
    annotations: dict[str, Annotation]
    age: float = 0.0  # secondes depuis le dernier signe de vie du poste, au moment de la lecture

    @property
    def nom(self) -> str:
        """Son nom dans le magasin de fichiers (et dans les messages)."""
        return _nom(self.seance, self.hypothese, self.poste)

    @property
    def ref(self) -> RefHypothese:
        return ref_hypothese(self.dossier_atelier, self.seance, self.hypothese)


def _nom(seance: str, hypothese: str, poste: str) -> str:
    return f"{seance}--{hypothese}--{poste}.json"


def _depuis(dossier_atelier: Path, h: Hypothese, stocke: BrouillonStocke) -> Brouillon | None:
    """Le brouillon rangé ; ``None`` s'il est illisible (il est alors laissé en place, jamais effacé)."""
    d = stocke.contenu
    try:
        return Brouillon(
            dossier_atelier=dossier_atelier,
            seance=h.seance,
            hypothese=h.id,
            poste=stocke.poste,
            auteur=str(d.get("auteur", "")),
            role=str(d.get("role", "")),
            le=str(d.get("le", "")),
            dessins=tuple(DessinLocal(**x) for x in d.get("dessins", [])),
            annotations={i: Annotation(**a) for i, a in (d.get("annotations") or {}).items()},
            age=stocke.age,
        )
    except (AttributeError, ValueError, TypeError):
        return None


# -- brouillons abîmés : une affaire de fichiers (la base ne range que du JSON) ----------------------------------


def _fichiers_illisibles(dossier_atelier: Path, h: Hypothese, poste: str | None = None) -> list[Path]:
    """Les fichiers de brouillon de cette hypothèse (de ce poste) qui ne se lisent pas ; ``[]`` avec la base."""
    if en_base():
        return []
    dossier = Path(dossier_atelier) / DOSSIER
    if poste is not None:
        chemins = [dossier / _nom(h.seance, h.id, poste)]
    else:
        chemins = sorted(dossier.glob(_nom(h.seance, h.id, "*"))) if dossier.is_dir() else []
    abimes = []
    for chemin in chemins:
        try:
            contenu = json.loads(chemin.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            contenu = None
        stocke = BrouillonStocke(chemin.stem.rsplit("--", 1)[-1], contenu, 0.0)
        if not isinstance(contenu, dict) or _depuis(dossier_atelier, h, stocke) is None:
            abimes.append(chemin)
    return abimes


def _illisible(chemin: Path) -> str:
    return (
        f"Le brouillon « {chemin.name} » est illisible : il n'est ni remplacé ni proposé. "
        f"Réparez-le ou déplacez-le hors du dossier « {chemin.parent} »."
    )


def illisibles(dossier_atelier: Path, h: Hypothese) -> list[str]:
    """Les brouillons illisibles de cette hypothèse, signalés en français (ils restent en place)."""
    return [_illisible(c) for c in _fichiers_illisibles(dossier_atelier, h)]


# -- écrire, signe de vie, reprendre, écarter --------------------------------------------------------------------


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
    annotations = {i: a for i, a in annotations.items() if any(v is not None for v in asdict(a).values())}
    if abimes := _fichiers_illisibles(dossier_atelier, h, poste):
        raise SchemaInvalide(_illisible(abimes[0]))
    brouillons = magasin_atelier(dossier_atelier).brouillons
    ref = ref_hypothese(dossier_atelier, h.seance, h.id)
    if not dessins and not annotations:
        brouillons.retirer(ref, poste)
        return
    contenu = {
        "auteur": auteur,
        "role": role,
        "le": maintenant(),
        "dessins": [asdict(d) for d in dessins],
        "annotations": {i: asdict(a) for i, a in annotations.items()},
    }
    brouillons.ecrire(ref, poste, contenu)


def signe_de_vie(dossier_atelier: Path, h: Hypothese, poste: str) -> None:
    """Le poste est toujours là : son brouillon n'est pas proposé aux autres."""
    magasin_atelier(dossier_atelier).brouillons.signe_de_vie(ref_hypothese(dossier_atelier, h.seance, h.id), poste)


def abandonnes(dossier_atelier: Path, h: Hypothese, sauf_poste: str, inactivite: float = INACTIVITE) -> list[Brouillon]:
    """Brouillons d'autres postes de cette hypothèse, sans signe de vie depuis ``inactivite`` secondes."""
    ref = ref_hypothese(dossier_atelier, h.seance, h.id)
    trouves = []
    for stocke in magasin_atelier(dossier_atelier).brouillons.lister(ref):
        if stocke.poste == sauf_poste or stocke.age < inactivite:
            continue
        b = _depuis(Path(dossier_atelier), h, stocke)
        if b is not None:
            trouves.append(b)
    return trouves


def reprendre(b: Brouillon) -> Brouillon:
    """Le brouillon passe à ce poste : il est retiré (le poste l'écrira sous son nom)."""
    with traduire_erreurs_disque(f"« {b.nom} »"):
        magasin_atelier(b.dossier_atelier).brouillons.retirer(b.ref, b.poste)
    return b


def ecarter(b: Brouillon) -> None:
    """Met le brouillon de côté (``brouillons/ecartes/`` avec les fichiers) : rien n'est jamais effacé."""
    with traduire_erreurs_disque(f"« {b.nom} »"):
        magasin_atelier(b.dossier_atelier).brouillons.ecarter(b.ref, b.poste)
