"""Séances d'un atelier et hypothèses de chaque séance.

Rangement, lisible dans un explorateur de fichiers et dans QGIS ::

    projets/<atelier>/seances/<séance>/seance.json
    projets/<atelier>/seances/<séance>/hypotheses/<hypothèse>/hypothese.json
    projets/<atelier>/seances/<séance>/hypotheses/<hypothèse>/versions/v000001.geojson
    projets/<atelier>/seances/<séance>/hypotheses/<hypothèse>/historique.jsonl

Les identifiants des dossiers sont tirés du titre à la création et ne changent plus, même si
le titre change.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.dates import date_fr
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable, SchemaInvalide
from esquisse.noyau.fichiers import ecrire_atomiquement, ecrire_json, raison_illisible, traduire_erreurs_disque, verrou
from esquisse.stockage.choix import depot_versions
from esquisse.stockage.interfaces import DepotVersions

TYPES_SEANCE = {
    "visite": "Visite de terrain",
    "atelier-1": "Atelier 1 — connaissance du territoire",
    "atelier-2": "Atelier 2 — hypothèses de stratégie",
    "atelier-3": "Atelier 3 — validation de la stratégie",
    "rencontre-intermediaire": "Rencontre intermédiaire",
    "seminaire-final": "Séminaire final",
}
STATUTS = {
    "proposee": "Proposée",
    "debattue": "Débattue",
    "retenue": "Retenue",
    "abandonnee": "Abandonnée",
}
DOSSIER_SEANCES = "seances"
FICHIER_SEANCE = "seance.json"
FICHIER_HYPOTHESE = "hypothese.json"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def slug(texte: str, longueur: int = 48) -> str:
    """Identifiant ASCII lisible tiré d'un texte (« Hypothèse A : l'eau » → « hypothese-a-l-eau »)."""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
    resultat = re.sub(r"[^a-z0-9]+", "-", sans_accents.lower()).strip("-")[:longueur].strip("-")
    return resultat or "sans-titre"


def _unique(dossier: Path, base: str) -> str:
    candidat, n = base, 2
    while (dossier / candidat).exists():
        candidat, n = f"{base}-{n}", n + 1
    return candidat


def _verifier_slug(identifiant: str, quoi: str) -> str:
    if not isinstance(identifiant, str) or not _SLUG.match(identifiant):
        raise DonneeInvalide(f"Identifiant de {quoi} invalide : « {identifiant} ».")
    return identifiant


def _lire(chemin: Path) -> dict:
    try:
        donnees = json.loads(chemin.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Introuvable(f"Introuvable : {chemin.parent.name}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaInvalide(f"Fichier illisible : {chemin} ({raison_illisible(exc)}).") from exc
    if not isinstance(donnees, dict):
        raise SchemaInvalide(f"Fichier illisible : {chemin} (un objet JSON est attendu).")
    return donnees


def _texte(valeur, nom: str, maximum: int, obligatoire: bool = False) -> str:
    texte = str(valeur or "").strip()
    if obligatoire and not texte:
        raise DonneeInvalide(f"Le champ « {nom} » est obligatoire.")
    if len(texte) > maximum:
        raise DonneeInvalide(f"Le champ « {nom} » dépasse {maximum} caractères.")
    return texte


@dataclass(frozen=True)
class Seance:
    id: str
    dossier: Path
    type: str
    date: str  # AAAA-MM-JJ
    titre: str
    cree_le: str = ""
    archivee: bool = False  # une séance n'est jamais supprimée : elle est archivée, ses versions restent

    @property
    def libelle_type(self) -> str:
        return TYPES_SEANCE.get(self.type, self.type)

    @property
    def libelle(self) -> str:
        return f"{self.titre} ({date_fr(self.date)})"


@dataclass(frozen=True)
class Hypothese:
    id: str
    seance: str
    dossier: Path
    titre: str
    description: str = ""
    statut: str = "proposee"
    origine: dict | None = None  # {"seance", "hypothese", "version"} si reprise d'une séance antérieure
    statuts: tuple[dict, ...] = ()  # historique des statuts : {"statut", "le", "par"}
    cree_le: str = ""
    # Marquée « partagée » par un animateur : publiée au cercle large même si elle n'est pas retenue.
    partagee: bool = False

    @property
    def libelle_statut(self) -> str:
        return STATUTS.get(self.statut, self.statut)

    @property
    def publiable(self) -> bool:
        """Visible du cercle large (site publié) : retenue, ou marquée partagée."""
        return self.statut == "retenue" or self.partagee

    def depot(self, atelier: str = "") -> DepotVersions:
        """Ses versions, dans le magasin choisi par les réglages (fichiers ou ``ESQUISSE_BASE``)."""
        return depot_versions(self.dossier, {"atelier": atelier, "seance": self.seance, "hypothese": self.id})


def _seance_depuis(dossier: Path) -> Seance:
    d = _lire(dossier / FICHIER_SEANCE)
    return Seance(
        dossier.name,
        dossier,
        d.get("type", ""),
        d.get("date", ""),
        d.get("titre", ""),
        d.get("cree_le", ""),
        bool(d.get("archivee", False)),
    )


def lister_seances(dossier_atelier: Path, archivees: bool = False) -> list[Seance]:
    """Séances de l'atelier, par date puis par création ; les séances archivées seulement si demandé."""
    racine = dossier_atelier / DOSSIER_SEANCES
    if not racine.is_dir():
        return []
    seances = _lisibles(_seance_depuis, [d for d in racine.iterdir() if (d / FICHIER_SEANCE).is_file()])
    if not archivees:
        seances = [s for s in seances if not s.archivee]
    return sorted(seances, key=lambda s: (s.date, s.cree_le, s.id))


def seance(dossier_atelier: Path, identifiant: str) -> Seance:
    _verifier_slug(identifiant, "séance")
    return _seance_depuis(dossier_atelier / DOSSIER_SEANCES / identifiant)


def _verifier_type(type_: str) -> str:
    if type_ not in TYPES_SEANCE:
        admis = ", ".join(TYPES_SEANCE.values())
        raise DonneeInvalide(f"Type de séance inconnu : « {type_} ». Types admis : {admis}.")
    return type_


def _verifier_date(date_iso) -> date:
    try:
        return date.fromisoformat(str(date_iso))
    except ValueError:
        raise DonneeInvalide(f"Date de séance invalide : « {date_iso} » (attendu : AAAA-MM-JJ).") from None


def _titre_par_defaut(type_: str) -> str:
    return TYPES_SEANCE[type_].split(" — ")[0]


@traduire_erreurs_disque("la nouvelle séance")
def creer_seance(dossier_atelier: Path, type_: str, date_iso: str, titre: str = "") -> Seance:
    _verifier_type(type_)
    jour = _verifier_date(date_iso)
    titre = _texte(titre, "titre", 120) or _titre_par_defaut(type_)
    racine = dossier_atelier / DOSSIER_SEANCES
    racine.mkdir(parents=True, exist_ok=True)
    with verrou(racine / ".verrou-seances"):
        identifiant = _unique(racine, slug(f"{jour.isoformat()}-{type_}"))
        dossier = racine / identifiant
        dossier.mkdir()
        donnees = {"type": type_, "date": jour.isoformat(), "titre": titre, "cree_le": maintenant()}
        with _sinon_retirer(dossier):
            ecrire_json(dossier / FICHIER_SEANCE, donnees)
    return _seance_depuis(dossier)


@contextlib.contextmanager
def _sinon_retirer(dossier: Path) -> Iterator[None]:
    """Si le bloc échoue (disque plein…), le dossier tout juste créé est retiré : pas de séance ou
    d'hypothèse à moitié créée."""
    try:
        yield
    except BaseException:
        shutil.rmtree(dossier, ignore_errors=True)
        raise


def modifier_seance(
    dossier_atelier: Path,
    identifiant: str,
    type_: str | None = None,
    date_iso: str | None = None,
    titre: str | None = None,
) -> Seance:
    """Change le type, la date ou le titre d'une séance. Son dossier (son identifiant) ne change pas."""
    s = seance(dossier_atelier, identifiant)
    if type_ is not None:
        _verifier_type(type_)
    jour = _verifier_date(date_iso) if date_iso is not None else None
    if titre is not None:
        titre = _texte(titre, "titre", 120) or _titre_par_defaut(type_ or s.type)
    with verrou(s.dossier / ".verrou-seance"):
        donnees = _lire(s.dossier / FICHIER_SEANCE)
        nouvelles = dict(donnees)
        if type_ is not None:
            nouvelles["type"] = type_
        if jour is not None:
            nouvelles["date"] = jour.isoformat()
        if titre is not None:
            nouvelles["titre"] = titre
        if nouvelles != donnees:
            nouvelles["modifie_le"] = maintenant()
            ecrire_json(s.dossier / FICHIER_SEANCE, nouvelles)
    return _seance_depuis(s.dossier)


def archiver_seance(dossier_atelier: Path, identifiant: str, archivee: bool = True, par: str = "") -> Seance:
    """Archive une séance (ou la sort des archives). Rien n'est supprimé : ses hypothèses et
    leurs versions restent sur disque, et l'on peut la rétablir à tout moment."""
    s = seance(dossier_atelier, identifiant)
    with verrou(s.dossier / ".verrou-seance"):
        donnees = _lire(s.dossier / FICHIER_SEANCE)
        if bool(donnees.get("archivee", False)) != archivee:
            donnees["archivee"] = archivee
            donnees.setdefault("archivages", []).append({"archivee": archivee, "le": maintenant(), "par": par})
            ecrire_json(s.dossier / FICHIER_SEANCE, donnees)
    return _seance_depuis(s.dossier)


def _hypothese_depuis(dossier: Path, seance_id: str) -> Hypothese:
    d = _lire(dossier / FICHIER_HYPOTHESE)
    return Hypothese(
        id=dossier.name,
        seance=seance_id,
        dossier=dossier,
        titre=d.get("titre", ""),
        description=d.get("description", ""),
        statut=d.get("statut", "proposee"),
        origine=d.get("origine"),
        statuts=tuple(d.get("statuts") or ()),
        cree_le=d.get("cree_le", ""),
        partagee=bool(d.get("partagee", False)),
    )


def lister_hypotheses(s: Seance) -> list[Hypothese]:
    racine = s.dossier / "hypotheses"
    if not racine.is_dir():
        return []
    dossiers = [d for d in racine.iterdir() if (d / FICHIER_HYPOTHESE).is_file()]
    hyps = _lisibles(lambda d: _hypothese_depuis(d, s.id), dossiers)
    return sorted(hyps, key=lambda h: (h.cree_le, h.id))


def _lisibles(lire, dossiers: list[Path]) -> list:
    """Ce qui se lit parmi ``dossiers`` ; un fichier abîmé est omis ici et signalé par :func:`illisibles`."""
    lus = []
    for d in dossiers:
        if not _SLUG.match(d.name):
            continue
        try:
            lus.append(lire(d))
        except SchemaInvalide:
            continue
    return lus


def illisibles(dossier_atelier: Path) -> list[str]:
    """Les séances et hypothèses de l'atelier dont le fichier est abîmé, une phrase en français chacune.

    Elles sont omises des listes (les autres restent utilisables) et leurs fichiers ne sont pas
    touchés : toute modification les relit, et refuse d'écrire par-dessus.
    """
    racine = dossier_atelier / DOSSIER_SEANCES
    if not racine.is_dir():
        return []
    messages = []
    for d in sorted(racine.iterdir()):
        if not ((d / FICHIER_SEANCE).is_file() and _SLUG.match(d.name)):
            continue
        try:
            s = _seance_depuis(d)
        except SchemaInvalide as exc:
            messages.append(f"La séance « {d.name} » est cachée, ses hypothèses avec elle : {exc}")
            continue
        hypotheses = s.dossier / "hypotheses"
        for h in sorted(hypotheses.iterdir()) if hypotheses.is_dir() else ():
            if (h / FICHIER_HYPOTHESE).is_file() and _SLUG.match(h.name):
                try:
                    _hypothese_depuis(h, s.id)
                except SchemaInvalide as exc:
                    messages.append(f"L'hypothèse « {h.name} » de la séance « {s.titre} » est cachée : {exc}")
    return messages


def hypothese(s: Seance, identifiant: str) -> Hypothese:
    _verifier_slug(identifiant, "hypothèse")
    return _hypothese_depuis(s.dossier / "hypotheses" / identifiant, s.id)


def _horodatage(le: str | None) -> str:
    """``le`` (horodatage ISO 8601) contrôlé, ou maintenant."""
    if le is None:
        return maintenant()
    try:
        datetime.fromisoformat(str(le))
    except ValueError:
        raise DonneeInvalide(f"Horodatage invalide : « {le} » (attendu : ISO 8601, ex. 2026-03-19T17:00Z).") from None
    return str(le)


def _verifier_statut(statut: str) -> str:
    if statut not in STATUTS:
        raise DonneeInvalide(f"Statut inconnu : « {statut} ». Statuts admis : {', '.join(STATUTS.values())}.")
    return statut


def _verifier_auteur(auteur: str, role: str) -> tuple[str, str]:
    auteur = _texte(auteur, "auteur", 100)
    if role and role not in ROLES:
        raise DonneeInvalide(f"Rôle inconnu : « {role} ». Rôles admis : {', '.join(ROLES.values())}.")
    return auteur, role


@traduire_erreurs_disque("la nouvelle hypothèse")
def creer_hypothese(
    s: Seance,
    titre: str,
    description: str = "",
    auteur: str = "",
    role: str = "",
    reprise_de: Hypothese | None = None,
    version: int | None = None,
    atelier: str = "",
    le: str | None = None,
) -> Hypothese:
    """Crée une hypothèse ; ``reprise_de`` la reprend d'une séance antérieure, en gardant sa filiation.

    Une hypothèse reprise commence avec les entités (mêmes identifiants) de la version
    ``version`` (la dernière par défaut) de l'hypothèse d'origine. ``le`` date la création
    (par défaut : maintenant), par exemple pour reconstituer une séance passée.
    """
    titre = _texte(titre, "titre", 120, obligatoire=True)
    description = _texte(description, "description", 4000)
    auteur, role = _verifier_auteur(auteur, role)
    cree_le = _horodatage(le)
    origine = None
    entites: tuple[dict, ...] = ()
    if reprise_de is not None:
        depot_origine = reprise_de.depot()
        numero = version or depot_origine.numero_courant()
        if numero:
            entites = depot_origine.lire(numero).entites
        origine = {"seance": reprise_de.seance, "hypothese": reprise_de.id, "version": numero or None}
    racine = s.dossier / "hypotheses"
    racine.mkdir(parents=True, exist_ok=True)
    with verrou(racine / ".verrou-hypotheses"):
        identifiant = _unique(racine, slug(titre))
        dossier = racine / identifiant
        dossier.mkdir()
        le = cree_le
        donnees = {
            "titre": titre,
            "description": description,
            "statut": "proposee",
            "origine": origine,
            "statuts": [{"statut": "proposee", "le": le, "par": auteur}],
            "cree_le": le,
        }
        with _sinon_retirer(dossier):
            ecrire_json(dossier / FICHIER_HYPOTHESE, donnees)
            h = _hypothese_depuis(dossier, s.id)
            if reprise_de is not None and (reprise_de.dossier / "vues.json").is_file():
                # Les vues nommées (zooms) suivent l'hypothèse reprise.
                ecrire_atomiquement(dossier / "vues.json", (reprise_de.dossier / "vues.json").read_bytes())
            if entites:
                message = (
                    f"Reprise de « {reprise_de.titre} » (séance {reprise_de.seance}, version {origine['version']})"
                )
                h.depot(atelier).initialiser(entites, auteur, role, message)
    return h


def modifier_hypothese(
    h: Hypothese,
    auteur: str = "",
    titre: str | None = None,
    description: str | None = None,
    statut: str | None = None,
    le: str | None = None,
    partagee: bool | None = None,
) -> Hypothese:
    """Change le titre, la description, le statut ou la marque « partagée » ; chaque changement
    de statut est daté (``le``, par défaut maintenant), comme chaque changement de partage."""
    horodatage = _horodatage(le)
    with verrou(h.dossier / ".verrou-hypothese"):
        donnees = _lire(h.dossier / FICHIER_HYPOTHESE)
        if titre is not None:
            donnees["titre"] = _texte(titre, "titre", 120, obligatoire=True)
        if description is not None:
            donnees["description"] = _texte(description, "description", 4000)
        if statut is not None and _verifier_statut(statut) != donnees.get("statut"):
            donnees["statut"] = statut
            donnees.setdefault("statuts", []).append({"statut": statut, "le": horodatage, "par": auteur})
        if partagee is not None and not isinstance(partagee, bool):
            raise DonneeInvalide(f"Partage invalide : « {partagee} » (oui ou non attendu).")
        if partagee is not None and partagee != bool(donnees.get("partagee", False)):
            donnees["partagee"] = partagee
            donnees.setdefault("partages", []).append({"partagee": partagee, "le": horodatage, "par": auteur})
        ecrire_json(h.dossier / FICHIER_HYPOTHESE, donnees)
    return _hypothese_depuis(h.dossier, h.seance)


def categories_utilisees(dossier_atelier: Path) -> set[str]:
    """Catégories employées dans la dernière version de chaque hypothèse de l'atelier."""
    utilisees: set[str] = set()
    for s in lister_seances(dossier_atelier, archivees=True):
        for h in lister_hypotheses(s):
            depot = h.depot()
            numero = depot.numero_courant()
            for e in depot.entites(numero).values():
                utilisees.add(e["properties"].get("categorie"))
    return utilisees


# -- calendrier ------------------------------------------------------------------------------

JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def ecart_fr(jours: int) -> str:
    """« aujourd'hui », « dans 12 jours », « il y a 3 mois »… pour un écart en jours."""
    if jours == 0:
        return "aujourd'hui"
    if jours in (1, -1):
        return "demain" if jours == 1 else "hier"
    n = abs(jours)
    if n < 45:
        quantite = f"{n} jours"
    elif n < 365:
        quantite = f"{round(n / 30.44)} mois"
    else:
        annees = round(n / 365.25)
        quantite = f"{annees} an{'s' if annees > 1 else ''}"
    return f"dans {quantite}" if jours > 0 else f"il y a {quantite}"


@dataclass(frozen=True)
class EntreeCalendrier:
    seance: Seance
    nb_hypotheses: int
    ecart: int  # en jours depuis aujourd'hui ; négatif pour une séance passée

    @property
    def jour(self) -> str:
        try:
            d = date.fromisoformat(self.seance.date)
        except ValueError:
            return self.seance.date
        return f"{JOURS[d.weekday()]} {date_fr(self.seance.date)}"

    @property
    def quand(self) -> str:
        return ecart_fr(self.ecart)


def calendrier(
    dossier_atelier: Path, aujourdhui: date | None = None, archivees: bool = False
) -> list[EntreeCalendrier]:
    """Les séances de l'atelier dans l'ordre du temps, avec leur nombre d'hypothèses et leur échéance."""
    aujourdhui = aujourdhui or date.today()
    entrees = []
    for s in lister_seances(dossier_atelier, archivees=archivees):
        try:
            ecart = (date.fromisoformat(s.date) - aujourdhui).days
        except ValueError:
            ecart = 0
        entrees.append(EntreeCalendrier(s, len(lister_hypotheses(s)), ecart))
    return entrees


def prochaine_seance(entrees: list[EntreeCalendrier]) -> EntreeCalendrier | None:
    return next((e for e in entrees if e.ecart >= 0), None)


def seance_par_defaut(seances: list[Seance], aujourdhui: date | None = None) -> Seance | None:
    """La séance à ouvrir quand aucune n'est demandée.

    Celle du jour ; sinon la plus récente qui a des hypothèses ; sinon la dernière déjà passée ;
    sinon la première. Une séance à venir encore vide, inscrite au calendrier, n'est donc pas
    ouverte d'office à la place de celle où l'on travaille.
    """
    if not seances:
        return None
    jour = (aujourdhui or date.today()).isoformat()
    for choix in (
        [s for s in seances if s.date == jour],
        [s for s in seances if lister_hypotheses(s)],
        [s for s in seances if s.date <= jour],
    ):
        if choix:
            return choix[-1]
    return seances[0]
