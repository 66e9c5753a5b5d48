"""Entités d'esquisse au format GeoJSON (RFC 7946).

Une entité est un ``Feature`` avec un identifiant stable (``id``), une géométrie en WGS84
(longitude, latitude, 6 décimales, soit une dizaine de centimètres), des anneaux orientés
selon la règle de la main droite (extérieur dans le sens trigonométrique), et des
propriétés d'annotation limitées à une liste connue.
"""

from __future__ import annotations

import math
import re

import shapely
from shapely.geometry import mapping, shape

from esquisse.noyau.erreurs import DonneeInvalide

DECIMALES = 6
ROLES = {
    "elu": "Élu·e",
    "equipe-projet": "Équipe-projet",
    "dreal": "DREAL",
    "ddt": "DDT",
    "partenaire": "Partenaire",
}
# Propriétés d'une entité et longueur maximale de chacune (texte).
PROPRIETES = {
    "categorie": 40,
    "titre": 200,
    "commentaire": 4000,
    "auteur": 100,
    "role": 20,
    "cree_le": 40,
    "modifie_le": 40,
}
TYPES_ADMIS = {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SOMMETS = 20_000


def verifier_id(identifiant) -> str:
    if not isinstance(identifiant, str) or not _ID.match(identifiant):
        raise DonneeInvalide(f"Identifiant d'entité invalide : « {identifiant} ».")
    return identifiant


def _arrondir(coords):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        if len(coords) < 2:
            raise DonneeInvalide("Coordonnée incomplète : il faut une longitude et une latitude.")
        lon, lat = float(coords[0]), float(coords[1])
        if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DonneeInvalide(f"Coordonnée hors du globe : [{lon}, {lat}] (longitude, latitude en degrés WGS84).")
        return [round(lon, DECIMALES), round(lat, DECIMALES)]
    return [_arrondir(c) for c in coords]


def normaliser_geometrie(geometrie: dict) -> dict:
    """Géométrie GeoJSON contrôlée, réparée si besoin, arrondie et orientée (main droite)."""
    if not isinstance(geometrie, dict) or geometrie.get("type") not in TYPES_ADMIS:
        type_ = geometrie.get("type") if isinstance(geometrie, dict) else type(geometrie).__name__
        raise DonneeInvalide(
            f"Type de géométrie non pris en charge : « {type_} ». Types admis : {', '.join(sorted(TYPES_ADMIS))}."
        )
    try:
        geom = shape({"type": geometrie["type"], "coordinates": _arrondir(geometrie.get("coordinates") or [])})
    except DonneeInvalide:
        raise
    except Exception as exc:  # shapely lève des erreurs variées sur des coordonnées mal formées
        raise DonneeInvalide(f"Géométrie mal formée ({geometrie.get('type')}) : {exc}") from exc
    if geom.is_empty:
        raise DonneeInvalide("Géométrie vide.")
    if shapely.get_num_coordinates(geom) > MAX_SOMMETS:
        raise DonneeInvalide(f"Géométrie trop détaillée : plus de {MAX_SOMMETS} sommets.")
    if geom.geom_type in {"Polygon", "MultiPolygon"} and not geom.is_valid:
        # Une zone tracée à main levée peut se recouper : on la répare plutôt que de la perdre.
        geom = shapely.make_valid(geom, method="structure", keep_collapsed=False)
        polygones = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in {"Polygon", "MultiPolygon"}]
        if not polygones:
            raise DonneeInvalide("Zone dégénérée : elle n'a pas de surface.")
        geom = shapely.union_all(polygones)
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        geom = shapely.orient_polygons(geom, exterior_cw=False)
    if geom.geom_type in {"LineString", "MultiLineString"} and geom.length == 0:
        raise DonneeInvalide("Ligne dégénérée : tous ses points sont confondus.")
    resultat = mapping(geom)
    return {"type": resultat["type"], "coordinates": _listes(resultat["coordinates"])}


def _listes(coords):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(coords[0]), DECIMALES), round(float(coords[1]), DECIMALES)]
    return [_listes(c) for c in coords]


def normaliser_proprietes(proprietes: dict | None) -> dict:
    """Propriétés connues seulement, en texte, de longueur bornée ; les vides sont omises."""
    resultat = {}
    for cle, maximum in PROPRIETES.items():
        valeur = (proprietes or {}).get(cle)
        if valeur is None:
            continue
        texte = str(valeur).strip()
        if len(texte) > maximum:
            raise DonneeInvalide(f"Le champ « {cle} » dépasse {maximum} caractères.")
        if texte:
            resultat[cle] = texte
    if "role" in resultat and resultat["role"] not in ROLES:
        raise DonneeInvalide(f"Rôle inconnu : « {resultat['role']} ». Rôles admis : {', '.join(ROLES.values())}.")
    return resultat


def entite(identifiant: str, geometrie: dict, proprietes: dict | None = None) -> dict:
    return {
        "type": "Feature",
        "id": verifier_id(identifiant),
        "geometry": normaliser_geometrie(geometrie),
        "properties": normaliser_proprietes(proprietes),
    }


def normaliser_entite(feature: dict) -> dict:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DonneeInvalide("Entité GeoJSON attendue (« type »: « Feature »).")
    return entite(feature.get("id"), feature.get("geometry"), feature.get("properties"))


def collection(entites: list[dict], **membres) -> dict:
    """Une FeatureCollection RFC 7946 ; ``membres`` devient des membres étrangers (métadonnées)."""
    return {"type": "FeatureCollection", **membres, "features": entites}
