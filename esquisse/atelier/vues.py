"""Vues nommées d'une hypothèse : le « grand territoire » et quelques zooms sur des lieux précis.

La méthode croise les échelles : la stratégie se dessine sur le grand territoire et s'illustre
par quelques zooms. Chaque hypothèse garde ses vues (une emprise en WGS84 et un nom) dans son
document « vues » : ``vues.json`` dans son dossier, ou la base avec ``ESQUISSE_BASE`` ; on y saute
depuis la carte, la projection et les exports.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from esquisse.atelier.seances import Hypothese, raison_du_magasin, slug
from esquisse.noyau.erreurs import DonneeInvalide, SchemaInvalide
from esquisse.noyau.fichiers import raison_illisible
from esquisse.stockage.rangement import designation_document, en_base, lire_document, modifier_document

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


def _atelier(h: Hypothese) -> Path:
    return h.dossier.parents[3]  # <atelier>/seances/<séance>/hypotheses/<hypothèse>


def _illisibles(h: Hypothese, raison: str) -> SchemaInvalide:
    """Les vues abîmées : jamais remplacées, le message le dit."""
    ou = designation_document(_atelier(h), FICHIER, h.seance, h.id)
    if en_base():
        return SchemaInvalide(
            f"Les vues sont illisibles ({raison}) : {ou}. Elles ne sont pas modifiées tant qu'elles ne sont pas "
            "réparées."
        )
    return SchemaInvalide(
        f"Le fichier des vues « {ou} » est illisible ({raison}) : il n'est pas modifié tant "
        "qu'il n'est pas réparé ou déplacé."
    )


def _decoder(h: Hypothese, contenu) -> list[Vue]:
    if contenu is None:
        return []
    if not isinstance(contenu, list) or not all(isinstance(d, dict) for d in contenu):
        raise _illisibles(h, "une liste de vues est attendue")
    try:
        return [Vue(str(d["id"]), str(d["nom"]), verifier_emprise(d["emprise"])) for d in contenu]
    except KeyError as exc:
        raise _illisibles(h, f"champ « {exc.args[0]} » manquant") from None
    except ValueError as exc:
        raise _illisibles(h, raison_illisible(exc)) from None


def _lire(h: Hypothese) -> list[Vue]:
    """Les vues enregistrées ; un document abîmé lève :class:`SchemaInvalide` (il n'est jamais remplacé)."""
    try:
        document = lire_document(_atelier(h), "vues", h.seance, h.id)
    except (SchemaInvalide, OSError) as exc:
        raison = raison_du_magasin(exc)  # le magasin n'a pas pu lire le document
        if raison is None:
            raise
        raise _illisibles(h, raison) from None
    return _decoder(h, document.contenu if document else None)


def _modifier(h: Hypothese, changer) -> None:
    """Relit les vues et les change d'un seul tenant ; ``changer(vues)`` renvoie la nouvelle liste, ou ``None``."""

    def changer_document(contenu):
        nouvelles = changer(_decoder(h, contenu))
        return None if nouvelles is None else [asdict(v) | {"emprise": list(v.emprise)} for v in nouvelles]

    try:
        modifier_document(_atelier(h), "vues", changer_document, h.seance, h.id)
    except SchemaInvalide as exc:
        raison = raison_du_magasin(exc)
        if raison is None:
            raise
        raise _illisibles(h, raison) from None


def _avec_grand_territoire(vues: list[Vue], emprise_territoire) -> list[Vue]:
    if emprise_territoire is None:
        return vues
    return [Vue(GRAND_TERRITOIRE, "Grand territoire", tuple(emprise_territoire)), *vues]


def lister(h: Hypothese, emprise_territoire: tuple[float, float, float, float] | None = None) -> list[Vue]:
    """Les vues de l'hypothèse, précédées du grand territoire s'il est donné ; lève si ``vues.json`` est abîmé."""
    return _avec_grand_territoire(_lire(h), emprise_territoire)


def seulement_grand_territoire(emprise_territoire: tuple[float, float, float, float] | None = None) -> list[Vue]:
    """La liste des vues quand celles de l'hypothèse ne se lisent pas : le grand territoire seul."""
    return _avec_grand_territoire([], emprise_territoire)


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
    ajoutees = []

    def changer(vues: list[Vue]) -> list[Vue]:
        if len(vues) >= MAX_VUES:
            raise DonneeInvalide(f"Trop de vues pour cette hypothèse ({MAX_VUES} au plus).")
        pris = {v.id for v in vues} | {GRAND_TERRITOIRE}
        base = slug(nom, 40)
        identifiant, n = base, 2
        while identifiant in pris:
            identifiant, n = f"{base}-{n}", n + 1
        ajoutees[:] = [Vue(identifiant, nom, emprise)]
        return [*vues, *ajoutees]

    _modifier(h, changer)
    return ajoutees[0]


def supprimer(h: Hypothese, identifiant: str) -> None:
    def changer(vues: list[Vue]) -> list[Vue] | None:
        restantes = [v for v in vues if v.id != identifiant]
        return restantes if len(restantes) != len(vues) else None

    _modifier(h, changer)
