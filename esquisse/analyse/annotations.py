"""Ce que disent les esquisses d'une version : le tableau des annotations, commun à tous les exports.

Pour chaque esquisse : son numéro sur la carte, sa catégorie (nom tiré de la légende), son
titre, son commentaire, son auteur, les communes, EPCI et SCoT qu'elle touche et sa surface
(ha) ou sa longueur (km), d'après :mod:`esquisse.analyse.attribution`. Les géométries sont dans la
projection métrique de l'atelier (Lambert-93 en métropole), avec les couches de référence
projetées une fois et gardées en cache.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from esquisse.analyse.attribution import Referentiel, attribuer, nombre, referentiel
from esquisse.atelier.ateliers import GENRES_COUCHES, Atelier
from esquisse.atelier.seances import Hypothese, Seance, hypothese, seance
from esquisse.carte.affichage import empreinte_fichier
from esquisse.esquisses.geojson import ROLES
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue
from esquisse.esquisses.versions import Version
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable
from esquisse.referentiel.couches import charger_couche
from esquisse.referentiel.territoire import epsg_pour, perimetre

COLONNES = (
    "n",
    "id",
    "categorie",
    "categorie_nom",
    "titre",
    "commentaire",
    "auteur",
    "role",
    "cree_le",
    "modifie_le",
    "genre",
    "surface_ha",
    "longueur_km",
    "n_communes",
    "communes",
    "codes_insee",
    "epci",
    "scot",
)


@dataclass(frozen=True)
class References:
    """Les couches de référence d'un atelier, dans sa projection métrique."""

    epsg: int
    couches: dict[str, gpd.GeoDataFrame] = field(hash=False, compare=False)
    attribution: Referentiel = field(hash=False, compare=False)  # communes, EPCI, SCoT indexés
    perimetre: gpd.GeoDataFrame | None = field(default=None, hash=False, compare=False)

    @property
    def communes(self) -> gpd.GeoDataFrame | None:
        return self.couches.get("communes")


@functools.lru_cache(maxsize=16)
def _couche_projetee(chemin: str, genre: str, _mtime: int, _taille: int, epsg: int) -> gpd.GeoDataFrame:
    gdf = charger_couche(chemin, genre).to_crs(epsg)
    gdf.sindex  # noqa: B018 — index spatial construit une fois, gardé avec la couche en cache
    return gdf


@functools.lru_cache(maxsize=16)
def _perimetre_projete(communes: tuple[str, int, int], codes: tuple[str, ...], nom: str, epsg: int):
    return perimetre(charger_couche(communes[0], "communes"), codes, nom).to_crs(epsg)


def _couche(chemin: Path, genre: str, epsg: int) -> gpd.GeoDataFrame:
    nom, mtime, taille = empreinte_fichier(chemin)
    return _couche_projetee(nom, genre, mtime, taille, epsg)


def references(atelier: Atelier) -> References:
    """Couches de l'atelier (et son territoire de projet) projetées ; partagées : ne pas les modifier."""
    chemins = {g: atelier.chemin_couche(g) for g in GENRES_COUCHES if g in atelier.couches}
    if not chemins:
        raise Introuvable(f"L'atelier « {atelier.nom} » n'a aucune couche de référence.")
    genre, chemin = next(iter(chemins.items()))
    epsg = epsg_pour(charger_couche(chemin, genre))
    couches = {g: _couche(c, g, epsg) for g, c in chemins.items()}
    contour = None
    if atelier.perimetre and "communes" in chemins:
        p = atelier.perimetre
        contour = _perimetre_projete(empreinte_fichier(chemins["communes"]), p.communes, p.nom, epsg)
    return References(epsg, couches, referentiel(atelier), contour)


def _texte(valeur) -> str:
    return "" if valeur is None else str(valeur)


def tableau(version: Version | None, legende: tuple[Categorie, ...], refs: References) -> gpd.GeoDataFrame:
    """Le tableau des annotations d'une version, en projection métrique, une ligne par esquisse.

    Les esquisses sont rangées dans l'ordre de la légende, puis par date de création ; la
    colonne ``n`` les numérote (1, 2, …) pour relier la carte et le tableau.
    """
    rang = {c.id: i for i, c in enumerate(legende)}
    entites = sorted(
        version.entites if version else (),
        key=lambda e: (
            rang.get(e["properties"].get("categorie"), len(rang)),
            e["properties"].get("cree_le", ""),
            e["properties"].get("titre", "").casefold(),
        ),
    )
    if entites:
        gdf = gpd.GeoDataFrame.from_features(entites, crs=4326)
        gdf.index = pd.RangeIndex(len(gdf))
        gdf = gdf.to_crs(refs.epsg)
    else:
        gdf = gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs=4326)}, crs=4326).to_crs(refs.epsg)
    categories = [categorie_ou_inconnue(legende, e["properties"].get("categorie")) for e in entites]
    props = [e["properties"] for e in entites]
    attributions = attribuer(refs.attribution, entites)
    touches = [attributions[e["id"]] for e in entites]
    donnees = {
        "n": list(range(1, len(entites) + 1)),
        "id": [e["id"] for e in entites],
        "categorie": [c.id for c in categories],
        "categorie_nom": [c.nom for c in categories],
        "titre": [_texte(p.get("titre")) for p in props],
        "commentaire": [_texte(p.get("commentaire")) for p in props],
        "auteur": [_texte(p.get("auteur")) for p in props],
        "role": [ROLES.get(p.get("role"), _texte(p.get("role"))) for p in props],
        "cree_le": [_texte(p.get("cree_le")) for p in props],
        "modifie_le": [_texte(p.get("modifie_le")) for p in props],
        "genre": [a.nature for a in touches],
        "surface_ha": [_arrondi(a.surface_ha) for a in touches],
        "longueur_km": [_arrondi(a.longueur_km) for a in touches],
        "n_communes": [len(a.communes) for a in touches],
        "communes": [", ".join(c.nom for c in a.communes) for a in touches],
        "codes_insee": [",".join(c.code for c in a.communes) for a in touches],
        "epci": [", ".join(t.nom for t in a.epci) for a in touches],
        "scot": [", ".join(t.nom for t in a.scot) for a in touches],
    }
    resultat = gpd.GeoDataFrame(
        {c: pd.Series(donnees[c], dtype=_type(c)) for c in COLONNES}, geometry=gdf.geometry.values, crs=refs.epsg
    )
    resultat.attrs["categories"] = {c.id: c for c in categories}
    return resultat


def _arrondi(valeur: float | None) -> float | None:
    return None if valeur is None else round(valeur, 2)


def _type(colonne: str) -> str:
    if colonne in {"n", "n_communes"}:
        return "int64"
    if colonne in {"surface_ha", "longueur_km"}:
        return "float64"
    return "object"


def mesure(ligne) -> str:
    """« 12,5 ha », « 3,2 km » ou « — » pour un point, à la française."""
    if ligne["genre"] == "zone" and pd.notna(ligne["surface_ha"]):
        return f"{nombre(ligne['surface_ha'])} ha"
    if ligne["genre"] == "ligne" and pd.notna(ligne["longueur_km"]):
        return f"{nombre(ligne['longueur_km'])} km"
    return "—"


# -- choisir une hypothèse et sa version --------------------------------------------------------


@dataclass(frozen=True)
class Choix:
    """Une hypothèse d'une séance, à une version donnée."""

    seance: Seance
    hypothese: Hypothese
    version: Version

    @property
    def numero(self) -> int:
        return self.version.meta.numero


def choisir(atelier: Atelier, seance_id: str, hypothese_id: str, numero: int | None = None) -> Choix:
    """L'hypothèse ``hypothese_id`` de la séance ``seance_id``, à sa version ``numero`` (la dernière par défaut)."""
    s = seance(atelier.dossier, seance_id)
    h = hypothese(s, hypothese_id)
    depot = h.depot(atelier.id)
    courant = depot.numero_courant()
    if not courant:
        raise DonneeInvalide(f"L'hypothèse « {h.titre} » n'a encore aucune version enregistrée : rien à exporter.")
    numero = courant if numero is None else numero
    if not isinstance(numero, int) or not 1 <= numero <= courant:
        raise DonneeInvalide(
            f"Version « {numero} » inconnue pour l'hypothèse « {h.titre} » : versions de 1 à {courant}."
        )
    return Choix(s, h, depot.lire(numero))
