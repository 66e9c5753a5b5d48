"""Séances d'un atelier et hypothèses de chaque séance.

Rangement, lisible dans un explorateur de fichiers et dans QGIS (magasin de fichiers, par défaut) ::

    projets/<atelier>/seances/<séance>/seance.json
    projets/<atelier>/seances/<séance>/hypotheses/<hypothèse>/hypothese.json
    projets/<atelier>/seances/<séance>/hypotheses/<hypothèse>/versions/v000001.geojson
    projets/<atelier>/seances/<séance>/hypotheses/<hypothèse>/historique.jsonl

Avec ``ESQUISSE_BASE``, les mêmes documents (genres « seance » et « hypothese ») et les versions
sont dans la base, désignés par les mêmes identifiants ; rien n'est écrit dans ces dossiers. Tout
passe par :mod:`esquisse.stockage.rangement`.

Les identifiants des dossiers sont tirés du titre à la création et ne changent plus, même si
le titre change.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.dates import date_fr
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur, Introuvable, SchemaInvalide
from esquisse.noyau.fichiers import raison_illisible, traduire_erreurs_disque, verrou
from esquisse.stockage.choix import depot_versions
from esquisse.stockage.interfaces import DepotVersions
from esquisse.stockage.rangement import (
    creer_document,
    designation_document,
    en_base,
    lire_document,
    lister_documents,
    magasin_atelier,
    modifier_document,
)

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


DOSSIER_HYPOTHESES = "hypotheses"


def _dossier(dossier_atelier: Path, seance_id: str, hypothese_id: str = "") -> Path:
    dossier = Path(dossier_atelier) / DOSSIER_SEANCES / seance_id
    return dossier / DOSSIER_HYPOTHESES / hypothese_id if hypothese_id else dossier


def raison_du_magasin(exc: BaseException) -> str | None:
    """Pourquoi le magasin n'a pas pu lire un document (JSON invalide, erreur de lecture…), en
    français ; ``None`` si ``exc`` ne vient pas de là (une erreur déjà dite par le domaine)."""
    if isinstance(exc, SchemaInvalide) and isinstance(exc.__cause__, ValueError | OSError):
        return raison_illisible(exc.__cause__)
    if isinstance(exc, OSError) and not isinstance(exc, EsquisseErreur):
        return raison_illisible(exc)
    return None


def _illisible(dossier_atelier: Path, fichier: str, seance_id: str, hypothese_id: str, raison: str) -> SchemaInvalide:
    quoi = "Document" if en_base() else "Fichier"
    return SchemaInvalide(
        f"{quoi} illisible : {designation_document(dossier_atelier, fichier, seance_id, hypothese_id)} ({raison})."
    )


@contextlib.contextmanager
def _traduire_lecture(
    dossier_atelier: Path, fichier: str, seance_id: str, hypothese_id: str = "", ecriture: bool = False
) -> Iterator[None]:
    """Un document que le magasin n'a pas pu lire devient une :class:`SchemaInvalide` qui le nomme.

    ``ecriture`` : le bloc écrit aussi ; une erreur du système (droits…) y reste ce qu'elle est."""
    try:
        yield
    except (SchemaInvalide, OSError) as exc:
        if ecriture and not isinstance(exc, SchemaInvalide):
            raise
        raison = raison_du_magasin(exc)
        if raison is None:
            raise
        raise _illisible(dossier_atelier, fichier, seance_id, hypothese_id, raison) from exc.__cause__ or exc


def _objet(contenu, dossier_atelier: Path, fichier: str, seance_id: str, hypothese_id: str = "") -> dict:
    """Le contenu d'un document de séance ou d'hypothèse : un objet JSON, sinon :class:`SchemaInvalide`."""
    if not isinstance(contenu, dict):
        raise _illisible(dossier_atelier, fichier, seance_id, hypothese_id, "un objet JSON est attendu")
    return contenu


def _lire(dossier_atelier: Path, genre: str, fichier: str, seance_id: str, hypothese_id: str = "") -> dict:
    with _traduire_lecture(dossier_atelier, fichier, seance_id, hypothese_id):
        document = lire_document(dossier_atelier, genre, seance_id, hypothese_id)
    if document is None:
        raise Introuvable(f"Introuvable : {hypothese_id or seance_id}.")
    return _objet(document.contenu, dossier_atelier, fichier, seance_id, hypothese_id)


def _modifier(
    dossier_atelier: Path,
    genre: str,
    fichier: str,
    changer: Callable[[dict], dict | None],
    seance_id: str,
    hypothese_id: str = "",
) -> dict:
    """Lit, change et écrit d'un seul tenant un document qui doit exister ; renvoie son contenu après coup.

    Un document abîmé (ou qui n'est pas un objet JSON) lève :class:`SchemaInvalide` : rien n'est écrit par-dessus."""

    def changer_objet(contenu):
        if contenu is None:
            raise Introuvable(f"Introuvable : {hypothese_id or seance_id}.")
        return changer(_objet(contenu, dossier_atelier, fichier, seance_id, hypothese_id))

    with _traduire_lecture(dossier_atelier, fichier, seance_id, hypothese_id, ecriture=True):
        document = modifier_document(dossier_atelier, genre, changer_objet, seance_id, hypothese_id)
    return document.contenu


def _candidats(base: str) -> Iterator[str]:
    yield base
    for n in itertools.count(2):
        yield f"{base}-{n}"


def _creer_sous_identifiant_libre(racine: Path, nom_verrou: str, base: str, creer: Callable[[str], bool]) -> str:
    """Crée un document sous ``base``, ou ``base-2``, ``base-3``… le premier identifiant libre.

    ``creer(identifiant)`` renvoie ``False``, sans rien écrire, si l'identifiant est pris.
    Fichiers : sous le verrou de ``racine``, un dossier déjà là compte comme pris, et si la
    création échoue (disque plein…), le dossier tout juste créé est retiré. Base : la base seule
    dit ce qui est pris, et rien n'est créé sur le disque.
    """
    if en_base():
        return next(candidat for candidat in _candidats(base) if creer(candidat))
    racine.mkdir(parents=True, exist_ok=True)
    with verrou(racine / nom_verrou):
        for candidat in _candidats(base):
            if (racine / candidat).exists():
                continue
            with _sinon_retirer(racine / candidat):
                if creer(candidat):
                    return candidat
    raise AssertionError("inatteignable")  # pragma: no cover


def _verifier_slug(identifiant: str, quoi: str) -> str:
    if not isinstance(identifiant, str) or not _SLUG.match(identifiant):
        raise DonneeInvalide(f"Identifiant de {quoi} invalide : « {identifiant} ».")
    return identifiant


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


def _seance_de(dossier_atelier: Path, identifiant: str, d: dict) -> Seance:
    return Seance(
        identifiant,
        _dossier(dossier_atelier, identifiant),
        d.get("type", ""),
        d.get("date", ""),
        d.get("titre", ""),
        d.get("cree_le", ""),
        bool(d.get("archivee", False)),
    )


def _lire_seance(dossier_atelier: Path, identifiant: str) -> Seance:
    d = _lire(dossier_atelier, "seance", FICHIER_SEANCE, identifiant)
    return _seance_de(dossier_atelier, identifiant, d)


def _lisibles(lire: Callable[[str], object], identifiants: list[str]) -> list:
    """Ce qui se lit parmi ``identifiants`` ; un document abîmé est omis ici et signalé par :func:`illisibles`."""
    lus = []
    for identifiant in identifiants:
        if not _SLUG.match(identifiant):
            continue
        try:
            lus.append(lire(identifiant))
        except SchemaInvalide:
            continue
    return lus


def _ids_seances(dossier_atelier: Path) -> list[str]:
    return sorted(ref.seance for ref in lister_documents(dossier_atelier, "seance"))


def lister_seances(dossier_atelier: Path, archivees: bool = False) -> list[Seance]:
    """Séances de l'atelier, par date puis par création ; les séances archivées seulement si demandé."""
    seances = _lisibles(lambda i: _lire_seance(dossier_atelier, i), _ids_seances(dossier_atelier))
    if not archivees:
        seances = [s for s in seances if not s.archivee]
    return sorted(seances, key=lambda s: (s.date, s.cree_le, s.id))


def seance(dossier_atelier: Path, identifiant: str) -> Seance:
    _verifier_slug(identifiant, "séance")
    return _lire_seance(dossier_atelier, identifiant)


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
    donnees = {"type": type_, "date": jour.isoformat(), "titre": titre, "cree_le": maintenant()}
    identifiant = _creer_sous_identifiant_libre(
        Path(dossier_atelier) / DOSSIER_SEANCES,
        ".verrou-seances",
        slug(f"{jour.isoformat()}-{type_}"),
        lambda candidat: creer_document(dossier_atelier, "seance", donnees, seance=candidat),
    )
    return _seance_de(dossier_atelier, identifiant, donnees)


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

    def changer(donnees: dict) -> dict | None:
        nouvelles = dict(donnees)
        if type_ is not None:
            nouvelles["type"] = type_
        if jour is not None:
            nouvelles["date"] = jour.isoformat()
        if titre is not None:
            nouvelles["titre"] = titre
        if nouvelles == donnees:
            return None
        nouvelles["modifie_le"] = maintenant()
        return nouvelles

    return _seance_de(dossier_atelier, identifiant, _modifier(dossier_atelier, "seance", FICHIER_SEANCE, changer, s.id))


def archiver_seance(dossier_atelier: Path, identifiant: str, archivee: bool = True, par: str = "") -> Seance:
    """Archive une séance (ou la sort des archives). Rien n'est supprimé : ses hypothèses et
    leurs versions restent, et l'on peut la rétablir à tout moment."""
    s = seance(dossier_atelier, identifiant)

    def changer(donnees: dict) -> dict | None:
        if bool(donnees.get("archivee", False)) == archivee:
            return None
        donnees["archivee"] = archivee
        donnees.setdefault("archivages", []).append({"archivee": archivee, "le": maintenant(), "par": par})
        return donnees

    return _seance_de(dossier_atelier, identifiant, _modifier(dossier_atelier, "seance", FICHIER_SEANCE, changer, s.id))


def _atelier_de(s: Seance) -> Path:
    """Le dossier de l'atelier d'une séance (``<atelier>/seances/<séance>``)."""
    return s.dossier.parents[1]


def _hypothese_de(dossier_atelier: Path, seance_id: str, identifiant: str, d: dict) -> Hypothese:
    return Hypothese(
        id=identifiant,
        seance=seance_id,
        dossier=_dossier(dossier_atelier, seance_id, identifiant),
        titre=d.get("titre", ""),
        description=d.get("description", ""),
        statut=d.get("statut", "proposee"),
        origine=d.get("origine"),
        statuts=tuple(d.get("statuts") or ()),
        cree_le=d.get("cree_le", ""),
        partagee=bool(d.get("partagee", False)),
    )


def _lire_hypothese(dossier_atelier: Path, seance_id: str, identifiant: str) -> Hypothese:
    d = _lire(dossier_atelier, "hypothese", FICHIER_HYPOTHESE, seance_id, identifiant)
    return _hypothese_de(dossier_atelier, seance_id, identifiant, d)


def _ids_hypotheses(dossier_atelier: Path, seance_id: str) -> list[str]:
    return sorted(ref.hypothese for ref in lister_documents(dossier_atelier, "hypothese") if ref.seance == seance_id)


def lister_hypotheses(s: Seance) -> list[Hypothese]:
    atelier = _atelier_de(s)
    hyps = _lisibles(lambda i: _lire_hypothese(atelier, s.id, i), _ids_hypotheses(atelier, s.id))
    return sorted(hyps, key=lambda h: (h.cree_le, h.id))


def illisibles(dossier_atelier: Path) -> list[str]:
    """Les séances et hypothèses de l'atelier dont le document est abîmé, une phrase en français chacune.

    Elles sont omises des listes (les autres restent utilisables) et leurs documents ne sont pas
    touchés : toute modification les relit, et refuse d'écrire par-dessus.
    """
    messages = []
    for seance_id in _ids_seances(dossier_atelier):
        if not _SLUG.match(seance_id):
            continue
        try:
            s = _lire_seance(dossier_atelier, seance_id)
        except SchemaInvalide as exc:
            messages.append(f"La séance « {seance_id} » est cachée, ses hypothèses avec elle : {exc}")
            continue
        for hypothese_id in _ids_hypotheses(dossier_atelier, s.id):
            if not _SLUG.match(hypothese_id):
                continue
            try:
                _lire_hypothese(dossier_atelier, s.id, hypothese_id)
            except SchemaInvalide as exc:
                messages.append(f"L'hypothèse « {hypothese_id} » de la séance « {s.titre} » est cachée : {exc}")
    return messages


def hypothese(s: Seance, identifiant: str) -> Hypothese:
    _verifier_slug(identifiant, "hypothèse")
    return _lire_hypothese(_atelier_de(s), s.id, identifiant)


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
    ``version`` (la dernière par défaut) de l'hypothèse d'origine, et avec ses vues nommées.
    ``le`` date la création (par défaut : maintenant), par exemple pour reconstituer une séance passée.
    Tout ce qui vient de l'hypothèse d'origine est lu avant la moindre écriture.
    """
    titre = _texte(titre, "titre", 120, obligatoire=True)
    description = _texte(description, "description", 4000)
    auteur, role = _verifier_auteur(auteur, role)
    cree_le = _horodatage(le)
    dossier_atelier = _atelier_de(s)
    origine = None
    entites: tuple[dict, ...] = ()
    vues_reprises = None
    if reprise_de is not None:
        depot_origine = reprise_de.depot()
        numero = version or depot_origine.numero_courant()
        if numero:
            entites = depot_origine.lire(numero).entites
        origine = {"seance": reprise_de.seance, "hypothese": reprise_de.id, "version": numero or None}
        # Les vues nommées (zooms) suivent l'hypothèse reprise.
        atelier_origine = reprise_de.dossier.parents[3]
        with _traduire_lecture(atelier_origine, "vues.json", reprise_de.seance, reprise_de.id):
            vues_reprises = lire_document(atelier_origine, "vues", reprise_de.seance, reprise_de.id)
    donnees = {
        "titre": titre,
        "description": description,
        "statut": "proposee",
        "origine": origine,
        "statuts": [{"statut": "proposee", "le": cree_le, "par": auteur}],
        "cree_le": cree_le,
    }

    def creer(identifiant: str) -> bool:
        # Avec la base : fiche, vues et première version en une transaction (tout ou rien) ; avec les
        # fichiers, un échec retire le dossier neuf (voir _creer_sous_identifiant_libre).
        with magasin_atelier(dossier_atelier).transaction():
            if not creer_document(dossier_atelier, "hypothese", donnees, s.id, identifiant):
                return False
            if vues_reprises is not None:
                creer_document(dossier_atelier, "vues", vues_reprises.contenu, s.id, identifiant)
            if entites:
                reprise = (
                    f"Reprise de « {reprise_de.titre} » (séance {reprise_de.seance}, version {origine['version']})"
                )
                h = _hypothese_de(dossier_atelier, s.id, identifiant, donnees)
                h.depot(atelier).initialiser(entites, auteur, role, reprise)
        return True

    identifiant = _creer_sous_identifiant_libre(
        s.dossier / DOSSIER_HYPOTHESES, ".verrou-hypotheses", slug(titre), creer
    )
    return _hypothese_de(dossier_atelier, s.id, identifiant, donnees)


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
    if titre is not None:
        titre = _texte(titre, "titre", 120, obligatoire=True)
    if description is not None:
        description = _texte(description, "description", 4000)
    if statut is not None:
        _verifier_statut(statut)
    if partagee is not None and not isinstance(partagee, bool):
        raise DonneeInvalide(f"Partage invalide : « {partagee} » (oui ou non attendu).")

    def changer(donnees: dict) -> dict:
        if titre is not None:
            donnees["titre"] = titre
        if description is not None:
            donnees["description"] = description
        if statut is not None and statut != donnees.get("statut"):
            donnees["statut"] = statut
            donnees.setdefault("statuts", []).append({"statut": statut, "le": horodatage, "par": auteur})
        if partagee is not None and partagee != bool(donnees.get("partagee", False)):
            donnees["partagee"] = partagee
            donnees.setdefault("partages", []).append({"partagee": partagee, "le": horodatage, "par": auteur})
        return donnees

    dossier_atelier = h.dossier.parents[3]
    d = _modifier(dossier_atelier, "hypothese", FICHIER_HYPOTHESE, changer, h.seance, h.id)
    return _hypothese_de(dossier_atelier, h.seance, h.id, d)


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
