"""La légende d'un atelier : le catalogue des catégories d'esquisse et leur style.

Chaque atelier a sa légende (dans ``atelier.json``) ; sans légende, il reçoit la légende
par défaut, tirée du vocabulaire habituel des schémas de planification.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from esquisse.noyau.erreurs import DonneeInvalide

GEOMETRIES = {
    "point": "Point",
    "ligne": "Ligne",
    "zone": "Zone",
    "ligne_ou_zone": "Ligne ou zone",
    "texte": "Texte (étiquette)",
}
TRAITS = {
    "continu": "Trait continu",
    "tirets": "Tirets",
    "pointilles": "Pointillés",
    "fleche": "Flèche",
}
_COULEUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_IDENTIFIANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class Categorie:
    id: str
    nom: str
    geometrie: str  # une clé de GEOMETRIES
    couleur: str  # « #rrggbb »
    trait: str = "continu"  # une clé de TRAITS
    epaisseur: int = 3

    def types_geojson(self) -> set[str]:
        """Types de géométrie GeoJSON admis pour cette catégorie."""
        return {
            "point": {"Point"},
            "texte": {"Point"},
            "ligne": {"LineString", "MultiLineString"},
            "zone": {"Polygon", "MultiPolygon"},
            "ligne_ou_zone": {"LineString", "MultiLineString", "Polygon", "MultiPolygon"},
        }[self.geometrie]


LEGENDE_DEFAUT: tuple[Categorie, ...] = (
    Categorie("pole", "Pôle / centralité", "point", "#c0392b", epaisseur=2),
    Categorie("axe", "Axe de développement", "ligne", "#e67e22", epaisseur=6),
    Categorie("liaison", "Liaison à créer ou renforcer", "ligne", "#8e44ad", "tirets", 4),
    Categorie("flux", "Lien / flux de réciprocité", "ligne", "#0f7b6c", "fleche", 4),
    Categorie("continuite", "Continuité écologique (trame verte et bleue)", "ligne_ou_zone", "#2e7d32", epaisseur=5),
    Categorie("preserver", "Espace agricole ou naturel à préserver", "zone", "#7cb342", epaisseur=2),
    Categorie("projet", "Secteur de projet / d'enjeu", "zone", "#f39c12", epaisseur=3),
    Categorie("risque", "Risque (ex. inondation)", "zone", "#1f6fb2", "tirets", 2),
    Categorie("limite", "Limite / frange", "ligne", "#6d4c41", "pointilles", 4),
    Categorie("question", "Question / point à approfondir", "point", "#d4a000", epaisseur=2),
    Categorie("texte", "Texte libre", "texte", "#263238", epaisseur=1),
)


def valider_categorie(donnees: dict) -> Categorie:
    """Une catégorie valide à partir d'un dictionnaire (``atelier.json`` ou formulaire)."""
    identifiant = str(donnees.get("id") or "").strip()
    nom = str(donnees.get("nom") or "").strip()
    if not _IDENTIFIANT.match(identifiant):
        raise DonneeInvalide(
            f"Identifiant de catégorie invalide : « {identifiant} » (minuscules, chiffres, tirets, 40 caractères)."
        )
    if not nom or len(nom) > 80:
        raise DonneeInvalide(f"La catégorie « {identifiant} » doit avoir un nom de 1 à 80 caractères.")
    geometrie = donnees.get("geometrie")
    if geometrie not in GEOMETRIES:
        admis = ", ".join(GEOMETRIES)
        raise DonneeInvalide(f"Catégorie « {nom} » : géométrie « {geometrie} » inconnue ; valeurs admises : {admis}.")
    couleur = str(donnees.get("couleur") or "")
    if not _COULEUR.match(couleur):
        raise DonneeInvalide(f"Catégorie « {nom} » : couleur « {couleur} » invalide (attendu : #rrggbb).")
    trait = donnees.get("trait") or "continu"
    if trait not in TRAITS:
        admis = ", ".join(TRAITS)
        raise DonneeInvalide(f"Catégorie « {nom} » : trait « {trait} » inconnu ; valeurs admises : {admis}.")
    try:
        epaisseur = int(donnees.get("epaisseur") or 3)
    except (TypeError, ValueError):
        raise DonneeInvalide(f"Catégorie « {nom} » : l'épaisseur doit être un nombre entier.") from None
    if not 1 <= epaisseur <= 12:
        raise DonneeInvalide(f"Catégorie « {nom} » : épaisseur {epaisseur} hors de 1 à 12.")
    return Categorie(identifiant, nom, geometrie, couleur.lower(), trait, epaisseur)


def valider_legende(entrees: list[dict] | None) -> tuple[Categorie, ...]:
    """La légende d'un atelier ; la légende par défaut si elle n'est pas définie."""
    if not entrees:
        return LEGENDE_DEFAUT
    categories = tuple(valider_categorie(e) for e in entrees)
    vus: set[str] = set()
    for c in categories:
        if c.id in vus:
            raise DonneeInvalide(f"Deux catégories de la légende ont le même identifiant : « {c.id} ».")
        vus.add(c.id)
    return categories


def legende_json(categories: tuple[Categorie, ...]) -> list[dict]:
    return [asdict(c) for c in categories]


def categorie(categories: tuple[Categorie, ...], identifiant: str) -> Categorie:
    for c in categories:
        if c.id == identifiant:
            return c
    admises = ", ".join(c.id for c in categories)
    raise DonneeInvalide(f"Catégorie inconnue : « {identifiant} ». Catégories de la légende : {admises}.")


def categorie_ou_inconnue(categories: tuple[Categorie, ...], identifiant: str | None) -> Categorie:
    """La catégorie ``identifiant``, ou une catégorie neutre si la légende ne la connaît plus."""
    for c in categories:
        if c.id == identifiant:
            return c
    return Categorie(identifiant or "inconnue", f"Catégorie inconnue ({identifiant})", "ligne_ou_zone", "#607d8b")


def verifier_retraits(anciennes: tuple[Categorie, ...], nouvelles: tuple[Categorie, ...], utilisees: set[str]) -> None:
    """Refuse de retirer de la légende une catégorie encore utilisée par une esquisse."""
    retirees = {c.id for c in anciennes} - {c.id for c in nouvelles}
    encore = sorted(retirees & utilisees)
    if encore:
        noms = ", ".join(f"« {c.nom} »" for c in anciennes if c.id in encore)
        raise DonneeInvalide(
            f"Catégorie(s) encore utilisée(s) par des esquisses : {noms}. "
            "Changez d'abord la catégorie de ces esquisses, ou renommez la catégorie sans changer son identifiant."
        )
