"""Différences entre deux états d'esquisses : fonctions pures, sans fichier ni Streamlit.

Les entités se comparent par identifiant (stable d'une version à l'autre et d'une séance à
l'autre) :

- **ajoutée** : absente avant, présente après ; **supprimée** : l'inverse ;
- **modifiée** : présente des deux côtés, avec une géométrie ou une propriété différente
  (la date de modification seule ne compte pas) ; une géométrie modifiée est **déplacée**
  (même forme, translatée) ou **remodelée** ; pour une zone, on mesure la surface gagnée et
  la surface perdue, pour une ligne la variation de longueur, et pour tout déplacement la
  distance parcourue par le centre ;
- **inchangée** sinon.

Les mesures se font dans une projection métrique (voir :class:`esquisse.analyse.attribution.Projection`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from esquisse.analyse.attribution import Attribution, Projection, Territoire, cle_tri, nombre
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue

ETATS = {
    "ajoutee": "Ajoutée",
    "supprimee": "Supprimée",
    "modifiee": "Modifiée",
    "inchangee": "Inchangée",
}
# Couleurs lisibles par les daltoniens (palette d'Okabe et Ito) ; la suppression est aussi en tirets.
COULEURS_ETATS = {
    "ajoutee": "#009e73",
    "supprimee": "#d55e00",
    "modifiee": "#0072b2",
    "inchangee": "#8f8f8f",
}
# Champs techniques : leur seul changement ne fait pas une modification.
CHAMPS_IGNORES = frozenset({"modifie_le"})
LIBELLES_CHAMPS = {
    "categorie": "catégorie",
    "titre": "titre",
    "commentaire": "commentaire",
    "auteur": "auteur",
    "role": "rôle",
    "cree_le": "date de création",
}
# Les coordonnées sont arrondies à 6 décimales : deux translations identiques peuvent
# différer d'une unité sur la dernière décimale.
TOLERANCE_DEGRES = 2.5e-6
# En dessous, une surface gagnée ou perdue n'est que l'arrondi des coordonnées (1 are).
SURFACE_NEGLIGEABLE_HA = 0.01


@dataclass(frozen=True)
class Difference:
    """Ce qui est arrivé à une entité entre l'état « avant » et l'état « après »."""

    id: str
    etat: str  # une clé de ETATS
    avant: dict | None
    apres: dict | None
    forme: str = ""  # "", "deplacee", "remodelee"
    champs: tuple[str, ...] = ()  # propriétés changées
    surface_gagnee_ha: float = 0.0
    surface_perdue_ha: float = 0.0
    variation_km: float = 0.0
    deplacement_m: float = 0.0
    gagnee: dict | None = None  # surface gagnée (GeoJSON, WGS84)
    perdue: dict | None = None  # surface perdue

    @property
    def entite(self) -> dict:
        return self.apres if self.apres is not None else self.avant

    @property
    def libelle_etat(self) -> str:
        return ETATS[self.etat]

    def detail(self) -> str:
        """Ce qui a changé, en français : « déplacée de 1,2 km ; changement : titre ; +3,4 ha gagnés »."""
        if self.etat != "modifiee":
            return ""
        parties = []
        if self.forme == "deplacee":
            parties.append(f"déplacée de {_distance(self.deplacement_m)}")
        elif self.forme == "remodelee":
            parties.append("forme redessinée")
        surfaces = []
        if self.surface_gagnee_ha >= SURFACE_NEGLIGEABLE_HA:
            surfaces.append(f"+{nombre(self.surface_gagnee_ha)} ha gagnés")
        if self.surface_perdue_ha >= SURFACE_NEGLIGEABLE_HA:
            surfaces.append(f"−{nombre(self.surface_perdue_ha)} ha perdus")
        if surfaces:
            parties.append(", ".join(surfaces))
        if abs(self.variation_km) >= 0.005:
            signe = "+" if self.variation_km > 0 else "−"
            parties.append(f"longueur {signe}{nombre(abs(self.variation_km))} km")
        if self.champs:
            noms = [LIBELLES_CHAMPS.get(c, c) for c in self.champs]
            liste = noms[0] if len(noms) == 1 else ", ".join(noms[:-1]) + " et " + noms[-1]
            parties.append(f"{'changement' if len(noms) == 1 else 'changements'} : {liste}")
        return " ; ".join(parties)


def _distance(metres: float) -> str:
    return f"{nombre(metres / 1000)} km" if metres >= 1000 else f"{nombre(metres, 0)} m"


def _proprietes(entite: dict) -> dict:
    return {k: v for k, v in (entite.get("properties") or {}).items() if k not in CHAMPS_IGNORES}


def champs_changes(avant: dict, apres: dict) -> tuple[str, ...]:
    a, b = _proprietes(avant), _proprietes(apres)
    return tuple(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)))


def forme_changee(avant: dict, apres: dict) -> str:
    """« » si la géométrie n'a pas changé, « deplacee » si elle a été translatée, « remodelee » sinon."""
    if avant == apres:
        return ""
    ga, gb = shape(avant), shape(apres)
    if ga.equals_exact(gb, 0):
        return ""
    a, b = shapely.get_coordinates(ga), shapely.get_coordinates(gb)
    meme_structure = (
        avant["type"] == apres["type"]
        and a.shape == b.shape
        and shapely.get_num_geometries(ga) == shapely.get_num_geometries(gb)
        and shapely.get_num_interior_rings(ga) == shapely.get_num_interior_rings(gb)
    )
    if meme_structure and len(a) and float(np.ptp(b - a, axis=0).max()) <= TOLERANCE_DEGRES:
        return "deplacee"
    return "remodelee"


def comparer_entites(
    avant: Mapping[str, dict], apres: Mapping[str, dict], projection: Projection | None = None
) -> list[Difference]:
    """Différences entité par entité : d'abord l'ordre de ``apres``, puis les entités supprimées.

    ``projection`` (Lambert-93 par défaut) sert aux mesures des géométries modifiées.
    """
    projection = projection or Projection(2154)
    differences: list[Difference] = []
    a_mesurer: list[tuple[int, dict, dict]] = []
    for i, b in apres.items():
        a = avant.get(i)
        if a is None:
            differences.append(Difference(i, "ajoutee", None, b))
            continue
        forme = forme_changee(a["geometry"], b["geometry"])
        champs = champs_changes(a, b)
        if not forme and not champs:
            differences.append(Difference(i, "inchangee", a, b))
            continue
        differences.append(Difference(i, "modifiee", a, b, forme=forme, champs=champs))
        if forme:
            a_mesurer.append((len(differences) - 1, a["geometry"], b["geometry"]))
    differences += [Difference(i, "supprimee", a, None) for i, a in avant.items() if i not in apres]
    if a_mesurer:
        _mesurer(differences, a_mesurer, projection)
    return differences


def _mesurer(differences: list[Difference], a_mesurer: list[tuple[int, dict, dict]], projection: Projection) -> None:
    """Surfaces gagnées et perdues, variation de longueur, déplacement : calculés d'un bloc."""
    avant = projection.vers_metrique(np.array([shape(a) for _, a, _ in a_mesurer], dtype=object))
    apres = projection.vers_metrique(np.array([shape(b) for _, _, b in a_mesurer], dtype=object))
    deplacements = shapely.distance(shapely.centroid(avant), shapely.centroid(apres))
    for k, (rang, _, _) in enumerate(a_mesurer):
        ga, gb = avant[k], apres[k]
        d = differences[rang]
        mesures: dict = {"deplacement_m": float(deplacements[k])}
        zones = {"Polygon", "MultiPolygon"}
        if ga.geom_type in zones and gb.geom_type in zones:
            gagnee, perdue = shapely.difference(gb, ga), shapely.difference(ga, gb)
            mesures["surface_gagnee_ha"] = float(gagnee.area / 1e4)
            mesures["surface_perdue_ha"] = float(perdue.area / 1e4)
            if not gagnee.is_empty:
                mesures["gagnee"] = mapping(projection.vers_wgs84(gagnee))
            if not perdue.is_empty:
                mesures["perdue"] = mapping(projection.vers_wgs84(perdue))
        elif ga.length or gb.length:
            mesures["variation_km"] = float((gb.length - ga.length) / 1e3)
        differences[rang] = Difference(**{**d.__dict__, **mesures})


# -- résumés ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneCategorie:
    """Le bilan d'une catégorie de la légende entre les deux états."""

    categorie: Categorie
    avant: int = 0
    apres: int = 0
    ajoutees: int = 0
    supprimees: int = 0
    modifiees: int = 0
    inchangees: int = 0
    ha_avant: float = 0.0
    ha_apres: float = 0.0
    km_avant: float = 0.0
    km_apres: float = 0.0


def par_categorie(
    differences: Iterable[Difference],
    attributions_avant: Mapping[str, Attribution],
    attributions_apres: Mapping[str, Attribution],
    legende: tuple[Categorie, ...],
) -> list[LigneCategorie]:
    """Bilan par catégorie : nombres, hectares et kilomètres avant et après, et ce qui a changé.

    Une esquisse qui change de catégorie compte « avant » dans l'ancienne et « après » (et
    « modifiée ») dans la nouvelle. Les catégories sont dans l'ordre de la légende.
    """
    compte: dict[str, dict] = {}
    zero = {"avant": 0, "apres": 0, "ajoutees": 0, "supprimees": 0, "modifiees": 0, "inchangees": 0}
    zero |= {"ha_avant": 0.0, "ha_apres": 0.0, "km_avant": 0.0, "km_apres": 0.0}

    def ligne(identifiant: str | None) -> dict:
        return compte.setdefault(identifiant or "", dict(zero))

    for d in differences:
        if d.avant is not None:
            c = ligne(d.avant["properties"].get("categorie"))
            a = attributions_avant.get(d.id)
            c["avant"] += 1
            c["ha_avant"] += (a.surface_ha or 0.0) if a else 0.0
            c["km_avant"] += (a.longueur_km or 0.0) if a else 0.0
        if d.apres is not None:
            c = ligne(d.apres["properties"].get("categorie"))
            a = attributions_apres.get(d.id)
            c["apres"] += 1
            c["ha_apres"] += (a.surface_ha or 0.0) if a else 0.0
            c["km_apres"] += (a.longueur_km or 0.0) if a else 0.0
        cible = ligne((d.apres or d.avant)["properties"].get("categorie"))
        cible[
            {"ajoutee": "ajoutees", "supprimee": "supprimees", "modifiee": "modifiees"}.get(d.etat, "inchangees")
        ] += 1
    ordre = {c.id: k for k, c in enumerate(legende)}
    ids = sorted(compte, key=lambda i: (ordre.get(i, len(ordre)), i))
    return [LigneCategorie(categorie_ou_inconnue(legende, i or None), **compte[i]) for i in ids]


@dataclass(frozen=True)
class Evolution:
    """Les territoires d'un niveau (communes, EPCI, SCoT) touchés avant et après."""

    niveau: str
    nouveaux: tuple[Territoire, ...]
    quittes: tuple[Territoire, ...]
    avant: int
    apres: int


def _touches(attributions: Mapping[str, Attribution], niveau: str) -> set[Territoire]:
    return {t for a in attributions.values() for t in getattr(a, niveau)}


def evolutions(
    attributions_avant: Mapping[str, Attribution], attributions_apres: Mapping[str, Attribution]
) -> list[Evolution]:
    """Communes, EPCI et SCoT nouvellement touchés ou qui ne le sont plus."""
    resultat = []
    for niveau, nom in (("communes", "Communes"), ("epci", "EPCI"), ("scot", "SCoT")):
        avant, apres = _touches(attributions_avant, niveau), _touches(attributions_apres, niveau)

        def tri(t: Territoire) -> str:
            return cle_tri(t.nom)

        nouveaux, quittes = tuple(sorted(apres - avant, key=tri)), tuple(sorted(avant - apres, key=tri))
        resultat.append(Evolution(nom, nouveaux, quittes, len(avant), len(apres)))
    return resultat


def compter(differences: Iterable[Difference]) -> dict[str, int]:
    """Nombre d'entités dans chaque état (toutes les clés de ``ETATS``)."""
    resultat = dict.fromkeys(ETATS, 0)
    for d in differences:
        resultat[d.etat] += 1
    return resultat


def resume(compte: Mapping[str, int]) -> str:
    """« 2 esquisses ajoutées, 1 modifiée, 4 inchangées » ; « Aucune esquisse » si tout est vide."""
    parties = []
    for etat, nom in ETATS.items():
        n = compte.get(etat, 0)
        if n:
            accord = nom.lower() + ("s" if n > 1 else "")
            parties.append(f"{n} {accord}")
    if not parties:
        return "Aucune esquisse de part et d'autre."
    total = sum(compte.values())
    return f"{total} esquisse{'s' if total > 1 else ''} : " + ", ".join(parties) + "."
