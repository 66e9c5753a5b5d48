"""Les états d'esquisses que l'on compare : une version d'une hypothèse, ou l'état final d'une séance.

Tout se lit par les API du domaine (:mod:`esquisse.atelier.seances`, :class:`esquisse.esquisses.versions.Depot`) :
rien n'est jamais écrit.

**L'état final d'une séance** est la dernière version de son hypothèse retenue (statut
« retenue » ; si plusieurs le sont, la dernière retenue). Sans hypothèse retenue, c'est la
seule hypothèse de la séance, ou à défaut la dernière enregistrée ; l'état le dit dans son
``explication``, pour que personne ne compare sans le savoir une hypothèse qui n'a pas été
choisie.
"""

from __future__ import annotations

from dataclasses import dataclass

from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.seances import Hypothese, Seance, hypothese, lister_hypotheses, lister_seances, seance
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable


@dataclass(frozen=True)
class Choix:
    """Ce que l'on veut voir : une hypothèse (une version, ou la dernière), ou l'état final d'une séance."""

    seance: str
    hypothese: str = ""  # vide : l'état final de la séance
    version: int = 0  # 0 : la dernière version


@dataclass(frozen=True)
class Etat:
    """Un ensemble d'esquisses, et de quoi le nommer."""

    libelle: str
    entites: tuple[dict, ...] = ()
    seance: Seance | None = None
    hypothese: Hypothese | None = None
    numero: int = 0  # numéro de version (0 : aucune version)
    explication: str = ""
    court: str = ""  # libellé court, pour le titre d'une carte

    @property
    def titre_court(self) -> str:
        return self.court or self.libelle

    def par_id(self) -> dict[str, dict]:
        return {e["id"]: e for e in self.entites}


def _derniere_retenue(h: Hypothese) -> str:
    dates = [s.get("le", "") for s in h.statuts if s.get("statut") == "retenue"]
    return max(dates, default=h.cree_le)


def _derniere_version(h: Hypothese) -> str:
    meta = h.depot().derniere()
    return meta.le if meta else ""


def hypothese_finale(s: Seance) -> tuple[Hypothese | None, str]:
    """L'hypothèse qui représente la séance, et pourquoi elle (voir la docstring du module)."""
    hyps = lister_hypotheses(s)
    retenues = [h for h in hyps if h.statut == "retenue"]
    if retenues:
        h = max(retenues, key=_derniere_retenue)
        pourquoi = "hypothèse retenue" if len(retenues) == 1 else "la dernière des hypothèses retenues"
        return h, pourquoi
    if len(hyps) == 1:
        return hyps[0], "seule hypothèse de la séance"
    if hyps:
        return max(hyps, key=_derniere_version), "aucune hypothèse retenue : la dernière enregistrée"
    return None, "aucune hypothèse dans cette séance"


def _libelle(s: Seance, h: Hypothese, numero: int, dernier: int) -> str:
    if not numero:
        version = "aucune version"
    elif numero == dernier:
        version = f"version {numero}, la dernière"
    else:
        version = f"version {numero} sur {dernier}"
    return f"« {h.titre} » — {s.libelle}, {version}"


def lire_etat(atelier: Atelier, choix: Choix) -> Etat:
    """L'état désigné par ``choix`` ; lève :class:`Introuvable` si la séance, l'hypothèse ou la version n'existe pas."""
    s = seance(atelier.dossier, choix.seance)
    explication = ""
    if choix.hypothese:
        h = hypothese(s, choix.hypothese)
    else:
        h, explication = hypothese_finale(s)
        if h is None:
            return Etat(f"{s.libelle} — aucune hypothèse", seance=s, explication=explication, court=s.titre)
    if choix.version < 0:
        raise DonneeInvalide(f"Numéro de version invalide : {choix.version}.")
    depot = h.depot(atelier.id)
    dernier = depot.numero_courant()
    numero = choix.version or dernier
    if choix.version > dernier:
        raise Introuvable(
            f"L'hypothèse « {h.titre} » n'a pas de version {choix.version} "
            f"(versions existantes : {'1 à ' + str(dernier) if dernier else 'aucune'})."
        )
    entites = depot.lire(numero).entites if numero else ()
    libelle = _libelle(s, h, numero, dernier)
    court = f"{h.titre} · v{numero}" if numero else h.titre
    if not choix.hypothese:
        libelle = f"État final de « {s.titre} » ({explication}) : {libelle}"
        court = f"{s.titre} · {court}"
    return Etat(libelle, entites, s, h, numero, explication, court)


def hypothese_retenue(atelier: Atelier) -> tuple[Seance, Hypothese] | None:
    """L'hypothèse retenue la plus récente de l'atelier (de la dernière séance qui en a une)."""
    for s in reversed(lister_seances(atelier.dossier)):
        retenues = [h for h in lister_hypotheses(s) if h.statut == "retenue"]
        if retenues:
            return s, max(retenues, key=_derniere_retenue)
    return None
