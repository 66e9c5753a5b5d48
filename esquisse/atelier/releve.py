"""Le relevé d'une séance : participants présents, points d'accord, points à approfondir, suites.

Il est rangé avec la séance, dans le magasin (:mod:`esquisse.stockage.rangement`, document
« releve » désigné par la séance) : ``seances/<séance>/releve.json`` avec les fichiers, une ligne
de la base avec ``ESQUISSE_BASE``. Il est lu, vérifié et réécrit d'un seul tenant. Chaque
enregistrement incrémente une révision : si quelqu'un d'autre a enregistré le
relevé depuis qu'on l'a ouvert, l'enregistrement est refusé avec un message, plutôt que
d'écraser son travail.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from esquisse.atelier.participants import Participant
from esquisse.atelier.seances import Seance
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.dates import date_heure
from esquisse.noyau.erreurs import DonneeInvalide, SchemaInvalide
from esquisse.noyau.fichiers import raison_illisible
from esquisse.stockage.rangement import designation_document, en_base, lire_document, modifier_document

GENRE = "releve"
FICHIER_RELEVE = "releve.json"  # sa place dans le dossier de la séance, avec le magasin de fichiers
RUBRIQUES = {
    "participants": "Participants présents",
    "points_accord": "Points d'accord",
    "points_a_approfondir": "Points à approfondir",
    "prochaines_etapes": "Prochaines étapes",
}
LONGUEUR_MAX = 2000  # par élément
ELEMENTS_MAX = 300  # par rubrique
_PUCE = re.compile(r"^\s*(?:[-–—•*·]|\d+[.)])\s+")


@dataclass(frozen=True)
class Releve:
    participants: tuple[str, ...] = ()
    points_accord: tuple[str, ...] = ()
    points_a_approfondir: tuple[str, ...] = ()
    prochaines_etapes: tuple[str, ...] = ()
    revision: int = 0
    modifie_le: str = ""
    modifie_par: str = ""

    @property
    def vide(self) -> bool:
        return not any(getattr(self, r) for r in RUBRIQUES)


def elements(texte: str) -> tuple[str, ...]:
    """Les éléments d'une zone de texte : une ligne chacun, puces et lignes vides retirées."""
    resultat = []
    for ligne in str(texte or "").splitlines():
        ligne = _PUCE.sub("", ligne).strip()
        if ligne:
            resultat.append(ligne)
    return tuple(resultat)


def texte(elements_: tuple[str, ...]) -> str:
    """L'inverse d'``elements`` : une ligne par élément, pour remplir une zone de texte."""
    return "\n".join(elements_)


def participants_proposes(participants: tuple[Participant, ...]) -> tuple[str, ...]:
    """Les participants de l'atelier, proposés à cocher dans le relevé : personne n'est présumé présent.

    « Marie Dupont — Mairie de Bray-sur-Seine (élu·e) » ; sans structure : « Paul Martin (DDT) ».
    """

    def role(p: Participant) -> str:
        r = p.libelle_role  # « Élu·e » en tête de colonne, « élu·e » dans une phrase ; « DDT » reste
        return r[0].lower() + r[1:] if len(r) > 1 and r[1].islower() else r

    return tuple(
        f"{p.nom} — {p.structure} ({role(p)})" if p.structure else f"{p.nom} ({role(p)})" for p in participants
    )


def repartir_presents(presents: tuple[str, ...], proposes: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Les présents d'un relevé : ceux cochés parmi les participants de l'atelier, et les autres (saisis)."""
    connus = set(proposes)
    return [p for p in presents if p in connus], [p for p in presents if p not in connus]


def reunir_presents(coches, autres) -> tuple[str, ...]:
    """Les présents cochés puis les autres, sans doublon : l'inverse de :func:`repartir_presents`."""
    return tuple(dict.fromkeys([*coches, *autres]))


def _valider(rubrique: str, valeurs) -> tuple[str, ...]:
    libelle = RUBRIQUES[rubrique]
    if isinstance(valeurs, str) or not isinstance(valeurs, (list, tuple)):
        raise DonneeInvalide(f"« {libelle} » : une liste d'éléments est attendue.")
    valeurs = tuple(str(v).strip() for v in valeurs if str(v).strip())
    if len(valeurs) > ELEMENTS_MAX:
        raise DonneeInvalide(f"« {libelle} » : {len(valeurs)} éléments, au plus {ELEMENTS_MAX}.")
    for v in valeurs:
        if len(v) > LONGUEUR_MAX:
            raise DonneeInvalide(
                f"« {libelle} » : un élément dépasse {LONGUEUR_MAX} caractères (« {v[:40]}… »). "
                "Coupez-le en plusieurs lignes."
            )
    return valeurs


def _dossier_atelier(s: Seance) -> Path:
    return s.dossier.parents[1]  # <atelier>/seances/<séance>


def _ou(s: Seance) -> str:
    """Où est le relevé, pour un message : son fichier (magasin de fichiers), rien avec la base."""
    return "" if en_base() else f" ({designation_document(_dossier_atelier(s), FICHIER_RELEVE, s.id)})"


@contextlib.contextmanager
def _abime(s: Seance) -> Iterator[None]:
    """Un fichier de relevé abîmé, refusé par le magasin : le message dit de quelle séance il s'agit."""
    try:
        yield
    except SchemaInvalide as exc:
        if exc.__cause__ is None:  # refusé par :func:`_lu`, message déjà complet
            raise
        raison = raison_illisible(exc.__cause__)
        raise SchemaInvalide(f"Le relevé de la séance « {s.titre} »{_ou(s)} est illisible ({raison}).") from exc


def lire_releve(s: Seance) -> Releve:
    """Le relevé de la séance ; un relevé vide (révision 0) s'il n'a jamais été enregistré."""
    with _abime(s):
        document = lire_document(_dossier_atelier(s), GENRE, seance=s.id)
    return Releve() if document is None else _lu(s, document.contenu)


def _lu(s: Seance, donnees) -> Releve:
    if not isinstance(donnees, dict):
        raise SchemaInvalide(f"Le relevé de la séance « {s.titre} »{_ou(s)} doit être un objet JSON.")
    connus = {f.name for f in fields(Releve)}
    valeurs = {k: v for k, v in donnees.items() if k in connus}
    for r in RUBRIQUES:
        valeurs[r] = tuple(valeurs.get(r) or ())
    return Releve(**valeurs)


def enregistrer_releve(
    s: Seance, rubriques: dict[str, tuple[str, ...] | list[str]], revision_lue: int, auteur: str = ""
) -> Releve:
    """Enregistre le relevé s'il n'a pas changé depuis la révision ``revision_lue`` ; renvoie le nouveau.

    ``rubriques`` associe à chaque clé de ``RUBRIQUES`` sa liste d'éléments. Une valeur
    invalide, ou un relevé modifié entre-temps par quelqu'un d'autre, lève
    :class:`DonneeInvalide` sans rien écrire.
    """
    inconnues = set(rubriques) - set(RUBRIQUES)
    if inconnues:
        raise DonneeInvalide(
            f"Rubrique(s) inconnue(s) : {', '.join(sorted(inconnues))}. Rubriques : {', '.join(RUBRIQUES)}."
        )
    valeurs = {r: _valider(r, rubriques.get(r, ())) for r in RUBRIQUES}
    auteur = str(auteur or "").strip()[:100]
    enregistre: list[Releve] = []

    def changer(donnees: dict | list | None) -> dict:
        actuel = Releve() if donnees is None else _lu(s, donnees)
        if actuel.revision != revision_lue:
            par = f" par {actuel.modifie_par}" if actuel.modifie_par else ""
            raise DonneeInvalide(
                f"Le relevé a été modifié{par} le {date_heure(actuel.modifie_le)}, depuis que vous l'avez ouvert. "
                "Rien n'a été enregistré : rechargez le relevé pour partir de sa dernière version, "
                "puis refaites vos changements."
            )
        nouveau = Releve(**valeurs, revision=actuel.revision + 1, modifie_le=maintenant(), modifie_par=auteur)
        enregistre[:] = [nouveau]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(nouveau).items()}

    with _abime(s):
        modifier_document(_dossier_atelier(s), GENRE, changer, seance=s.id)
    return enregistre[0]
