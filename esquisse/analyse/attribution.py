"""Les territoires que touche chaque esquisse : communes, EPCI, SCoT ; sa surface ou sa longueur.

Une esquisse est attribuée aux communes dont elle touche l'**intérieur** (une zone qui
borde une commune sans y entrer ne la touche pas), puis aux EPCI et aux SCoT de ces
communes (colonnes ``epci_*`` et ``scot_porteur_*`` de la couche des communes : un EPCI
est une réunion de communes). Si l'atelier a une couche « territoires » (par exemple les
deux territoires d'un contrat de réciprocité), elle est consultée aussi.

Surfaces et longueurs se mesurent dans la projection métrique de l'atelier : Lambert-93
(EPSG:2154) en métropole, la projection légale du département outre-mer (voir
:mod:`esquisse.referentiel.territoire`). Un index spatial (``shapely.STRtree``) sur les communes
projetées, construit une fois par couche, garde le calcul rapide : quelques millisecondes
pour des centaines d'esquisses.

Fonctions pures, sauf :func:`referentiel` et :func:`fiches_version` qui lisent les couches et
les versions (mises en cache : couches par empreinte de fichier, versions immuables).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from esquisse.atelier.ateliers import Atelier
from esquisse.carte.affichage import empreinte_fichier
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue
from esquisse.noyau.erreurs import Introuvable
from esquisse.referentiel.couches import charger_couche
from esquisse.referentiel.perimetres import appartenances as appartenances_des_communes
from esquisse.referentiel.territoire import LAMBERT93, epsg_metrique, epsg_pour
from esquisse.stockage.interfaces import DepotVersions

NATURES = {
    "Point": "point",
    "LineString": "ligne",
    "MultiLineString": "ligne",
    "Polygon": "zone",
    "MultiPolygon": "zone",
}
# Nombre de communes citées en toutes lettres dans une fiche avant « … et N autres ».
COMMUNES_CITEES = 8
HORS_TERRITOIRE = "hors des communes de l'atelier"


# -- nombres en français ---------------------------------------------------------------------


def nombre(valeur: float, decimales: int | None = None) -> str:
    """« 1 234,5 » : espace insécable pour les milliers, virgule décimale.

    Sans ``decimales``, la précision suit la grandeur : 0 décimale à partir de 100, 1 à
    partir de 1, 2 en dessous (une petite zone de 0,35 ha ne s'affiche pas « 0 »).
    """
    if decimales is None and valeur == 0:
        return "0"
    if decimales is None:
        decimales = 0 if abs(valeur) >= 100 else 1 if abs(valeur) >= 1 else 2
    texte = f"{valeur:,.{decimales}f}"
    return texte.replace(",", "\u00a0").replace(".", ",")


@functools.lru_cache(maxsize=8192)
def cle_tri(texte: str) -> str:
    """Clé de tri alphabétique à la française (accents et casse ignorés)."""
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii").casefold()


# -- projection ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _transformateurs(epsg: int) -> tuple[Transformer, Transformer]:
    # pyproj ≥ 3.1 : un Transformer peut servir à plusieurs fils d'exécution.
    return (
        Transformer.from_crs(4326, epsg, always_xy=True),
        Transformer.from_crs(epsg, 4326, always_xy=True),
    )


@dataclass(frozen=True)
class Projection:
    """Passage de WGS84 (longitude, latitude) à une projection métrique, et retour."""

    epsg: int

    def vers_metrique(self, geometries):
        aller, _ = _transformateurs(self.epsg)
        return shapely.transform(geometries, aller.transform, interleaved=False)

    def vers_wgs84(self, geometries):
        _, retour = _transformateurs(self.epsg)
        return shapely.transform(geometries, retour.transform, interleaved=False)


def geometries(entites: Iterable[dict]) -> np.ndarray:
    """Géométries shapely (WGS84) d'entités GeoJSON, dans l'ordre."""
    return np.array([shapely.geometry.shape(e["geometry"]) for e in entites] or [], dtype=object)


def projection_pour(entites: Iterable[dict]) -> Projection:
    """Projection métrique adaptée au centre des entités (Lambert-93 par défaut)."""
    geoms = geometries(entites)
    if not len(geoms):
        return Projection(LAMBERT93)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return Projection(epsg_metrique((x0 + x1) / 2, (y0 + y1) / 2))


# -- référentiel territorial -----------------------------------------------------------------


@dataclass(frozen=True)
class Territoire:
    code: str
    nom: str

    def __str__(self) -> str:
        return f"{self.nom} ({self.code})" if self.code else self.nom


@dataclass(frozen=True, eq=False)
class Referentiel:
    """Les communes de l'atelier, projetées et indexées, avec leur EPCI et leur SCoT."""

    projection: Projection
    communes: np.ndarray  # géométries projetées, préparées
    arbre: shapely.STRtree
    commune: tuple[Territoire, ...]
    epci: tuple[Territoire | None, ...]
    scot: tuple[Territoire | None, ...]
    population: tuple[int, ...]
    rang: tuple[int, ...] = ()  # rang de chaque commune dans l'ordre alphabétique
    territoires: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    arbre_territoires: shapely.STRtree | None = None
    noms_territoires: tuple[str, ...] = ()

    @property
    def vide(self) -> bool:
        return len(self.commune) == 0


def _texte(valeur) -> str:
    if valeur is None or valeur is pd.NA or (isinstance(valeur, float) and np.isnan(valeur)):
        return ""
    return str(valeur).strip()


def _territoire(code, nom) -> Territoire | None:
    code, nom = _texte(code), _texte(nom)
    return Territoire(code, nom or code) if (code or nom) else None


def construire_referentiel(
    communes: gpd.GeoDataFrame | None,
    territoires: gpd.GeoDataFrame | None = None,
    appartenances: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
) -> Referentiel:
    """Référentiel à partir de la couche des communes (et, si elle existe, des territoires de projet).

    ``appartenances`` (genre ``epci``/``scot`` -> code INSEE -> (code, nom)) complète ce que les
    communes ne disent pas : une couche de communes d'ADMIN EXPRESS donne le SIREN de l'EPCI
    sans son nom, et rien du SCoT ; les couches EPCI et SCoT de l'atelier le savent.
    """
    if communes is None or len(communes) == 0:
        vide = np.array([], dtype=object)
        return Referentiel(Projection(LAMBERT93), vide, shapely.STRtree(vide), (), (), (), ())
    projection = Projection(epsg_pour(communes))
    projetees = communes.to_crs(projection.epsg).geometry.to_numpy()
    shapely.prepare(projetees)
    colonnes = communes.columns

    def colonne(nom):
        return communes[nom].tolist() if nom in colonnes else [None] * len(communes)

    commune = tuple(
        Territoire(_texte(c), _texte(n)) for c, n in zip(colonne("code_insee"), colonne("nom"), strict=True)
    )
    appartenances = appartenances or {}

    def groupement(genre: str, col_code: str, col_nom: str) -> tuple[Territoire | None, ...]:
        autres = appartenances.get(genre, {})
        resultat = []
        for t_commune, c, n in zip(commune, colonne(col_code), colonne(col_nom), strict=True):
            t = _territoire(c, n)
            autre = autres.get(t_commune.code)
            # La couche du groupement nomme ce que la commune ne fait que coder, ou rattache la
            # commune qui ne dit rien ; elle ne contredit jamais ce que la commune dit.
            if autre and (t is None or (t.code == autre[0] and t.nom == t.code)):
                t = Territoire(*autre)
            resultat.append(t)
        return tuple(resultat)

    epci = groupement("epci", "epci_siren", "epci_nom")
    scot = groupement("scot", "scot_porteur_siren", "scot_porteur_nom")
    population = tuple(int(p) if _texte(p) else 0 for p in colonne("population"))
    ordre = sorted(range(len(commune)), key=lambda k: (cle_tri(commune[k].nom), commune[k].code))
    rang = tuple(int(r) for r in np.argsort(ordre))
    options = {}
    if territoires is not None and len(territoires):
        geoms = territoires.to_crs(projection.epsg).geometry.to_numpy()
        shapely.prepare(geoms)
        options = {
            "territoires": geoms,
            "arbre_territoires": shapely.STRtree(geoms),
            "noms_territoires": tuple(_texte(n) for n in territoires["nom"]),
        }
    arbre = shapely.STRtree(projetees)
    return Referentiel(projection, projetees, arbre, commune, epci, scot, population, rang, **options)


@functools.lru_cache(maxsize=8)
def _referentiel_en_cache(
    communes: tuple | None, territoires: tuple | None, epci: tuple | None = None, scot: tuple | None = None
) -> Referentiel:
    gdf_communes = charger_couche(communes[0], "communes") if communes else None
    gdf_territoires = charger_couche(territoires[0], "territoires") if territoires else None
    groupes = {"epci": epci, "scot": scot}
    autres = {g: appartenances_des_communes(communes, ref, g) for g, ref in groupes.items() if ref} if communes else {}
    return construire_referentiel(gdf_communes, gdf_territoires, autres)


def referentiel(atelier: Atelier) -> Referentiel:
    """Le référentiel de l'atelier, construit une fois par version de ses couches.

    Lève :class:`~esquisse.noyau.erreurs.SchemaInvalide` si une couche est illisible.
    """
    cles = [
        empreinte_fichier(atelier.chemin_couche(genre)) if genre in atelier.couches else None
        for genre in ("communes", "territoires", "epci", "scot")
    ]
    return _referentiel_en_cache(*cles)


# -- attribution -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Extremite:
    """Où commence ou finit une ligne : commune, EPCI, SCoT, territoire de projet."""

    commune: Territoire | None = None
    epci: Territoire | None = None
    scot: Territoire | None = None
    territoire: str = ""

    def __str__(self) -> str:
        if self.commune is None:
            return self.territoire or HORS_TERRITOIRE
        groupement = self.epci.nom if self.epci else ""
        return f"{self.commune.nom} ({groupement})" if groupement else self.commune.nom


@dataclass(frozen=True)
class Attribution:
    """Les territoires que touche une esquisse, et sa mesure."""

    id: str
    nature: str  # point, ligne, zone
    communes: tuple[Territoire, ...] = ()
    epci: tuple[Territoire, ...] = ()
    scot: tuple[Territoire, ...] = ()
    territoires: tuple[str, ...] = ()
    surface_ha: float | None = None
    longueur_km: float | None = None
    population: int = 0  # population des communes touchées
    depart: Extremite | None = None
    arrivee: Extremite | None = None

    @property
    def plusieurs_epci(self) -> bool:
        return len(self.epci) > 1

    @property
    def plusieurs_scot(self) -> bool:
        return len(self.scot) > 1

    @property
    def a_cheval(self) -> bool:
        """L'esquisse s'étend sur plusieurs EPCI ou plusieurs SCoT."""
        return self.plusieurs_epci or self.plusieurs_scot

    @property
    def relie_des_territoires(self) -> bool:
        """Ligne dont les deux bouts sont dans des EPCI, SCoT ou territoires différents."""
        if self.nature != "ligne" or self.depart is None or self.arrivee is None:
            return False
        a, b = self.depart, self.arrivee
        if a.commune is None or b.commune is None:
            return (a.commune is None) != (b.commune is None)
        return a.epci != b.epci or a.scot != b.scot or a.territoire != b.territoire


def _extremites(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Premier et dernier sommets de chaque ligne (de la première et de la dernière partie)."""
    debuts, fins = [], []
    for g in geoms:
        parties = list(getattr(g, "geoms", [g]))
        debuts.append(shapely.Point(parties[0].coords[0]))
        fins.append(shapely.Point(parties[-1].coords[-1]))
    return np.array(debuts, dtype=object), np.array(fins, dtype=object)


def _paires(arbre: shapely.STRtree, cibles: np.ndarray, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paires (esquisse, cible) dont les intérieurs se rencontrent.

    Une esquisse qui ne touche une cible que par sa limite (un point posé sur une limite
    communale, une ligne qui longe une limite) garde ces contacts : mieux vaut la rattacher
    aux deux communes qu'à aucune.
    """
    if not len(geoms) or not len(cibles):
        return np.array([], dtype=int), np.array([], dtype=int)
    i, j = arbre.query(geoms, predicate="intersects")
    if not len(i):
        return i, j
    interieur = shapely.relate_pattern(geoms[i], cibles[j], "T********")
    avec_interieur = np.zeros(len(geoms), dtype=bool)
    avec_interieur[i[interieur]] = True
    garder = interieur | ~avec_interieur[i]
    return i[garder], j[garder]


def _uniques(elements: Iterable) -> tuple:
    vus = dict.fromkeys(e for e in elements if e is not None)
    return tuple(sorted(vus, key=lambda t: cle_tri(str(getattr(t, "nom", t)))))


def _localiser(ref: Referentiel, points: np.ndarray) -> list[Extremite]:
    resultat = [Extremite() for _ in range(len(points))]
    if not len(points):
        return resultat
    if not ref.vide:
        i, j = ref.arbre.query(points, predicate="intersects")
        for a, b in zip(i.tolist(), j.tolist(), strict=True):
            if resultat[a].commune is None:  # un point sur une limite : la première commune
                resultat[a] = Extremite(ref.commune[b], ref.epci[b], ref.scot[b])
    if ref.arbre_territoires is not None:
        i, j = ref.arbre_territoires.query(points, predicate="intersects")
        for a, b in zip(i.tolist(), j.tolist(), strict=True):
            if not resultat[a].territoire:
                e = resultat[a]
                resultat[a] = Extremite(e.commune, e.epci, e.scot, ref.noms_territoires[b])
    return resultat


def attribuer(ref: Referentiel, entites: Iterable[dict]) -> dict[str, Attribution]:
    """Attribution de chaque entité (id → :class:`Attribution`), dans l'ordre des entités."""
    entites = list(entites)
    if not entites:
        return {}
    projection = ref.projection if not ref.vide else projection_pour(entites)
    geoms = projection.vers_metrique(geometries(entites))
    natures = [NATURES.get(g.geom_type, "point") for g in geoms]
    communes: list[list[int]] = [[] for _ in entites]
    for a, b in zip(*(x.tolist() for x in _paires(ref.arbre, ref.communes, geoms)), strict=True):
        communes[a].append(b)
    territoires: list[list[str]] = [[] for _ in entites]
    if ref.arbre_territoires is not None:
        for a, b in zip(*(x.tolist() for x in _paires(ref.arbre_territoires, ref.territoires, geoms)), strict=True):
            territoires[a].append(ref.noms_territoires[b])
    surfaces = shapely.area(geoms) / 1e4
    longueurs = shapely.length(geoms) / 1e3
    lignes = [k for k, n in enumerate(natures) if n == "ligne"]
    departs, arrivees = _extremites(geoms[lignes]) if lignes else (np.array([]), np.array([]))
    bouts = dict(zip(lignes, zip(_localiser(ref, departs), _localiser(ref, arrivees), strict=True), strict=True))
    resultat = {}
    for k, e in enumerate(entites):
        idx = sorted(communes[k], key=lambda b: ref.rang[b])
        depart, arrivee = bouts.get(k, (None, None))
        resultat[e["id"]] = Attribution(
            id=e["id"],
            nature=natures[k],
            communes=tuple(ref.commune[b] for b in idx),
            epci=_uniques(ref.epci[b] for b in idx),
            scot=_uniques(ref.scot[b] for b in idx),
            territoires=_uniques(territoires[k]),
            surface_ha=float(surfaces[k]) if natures[k] == "zone" else None,
            longueur_km=float(longueurs[k]) if natures[k] == "ligne" else None,
            population=sum(ref.population[b] for b in idx),
            depart=depart,
            arrivee=arrivee,
        )
    return resultat


# -- textes ----------------------------------------------------------------------------------


def enumerer(elements: Iterable, maximum: int = COMMUNES_CITEES) -> str:
    """« A, B, C » ou « A, B, … et 12 autres »."""
    elements = [str(e) for e in elements]
    if len(elements) <= maximum:
        return ", ".join(elements)
    reste = len(elements) - maximum
    return ", ".join(elements[:maximum]) + f", … et {reste} autre{'s' if reste > 1 else ''}"


def mesure(a: Attribution) -> str:
    if a.surface_ha is not None:
        return f"{nombre(a.surface_ha)} ha"
    if a.longueur_km is not None:
        return f"{nombre(a.longueur_km)} km"
    return ""


def trajet(a: Attribution, categorie: Categorie | None = None) -> str:
    """« Auch (CA …) → Toulouse (Toulouse Métropole) » ; « entre … et … » pour une ligne sans flèche."""
    if a.depart is None or a.arrivee is None:
        return ""
    if categorie is not None and categorie.trait != "fleche":
        return f"entre {a.depart} et {a.arrivee}"
    return f"{a.depart} → {a.arrivee}"


def fiche(a: Attribution, categorie: Categorie | None = None) -> str:
    """Texte de la fiche d'une esquisse (infobulle de la carte) : mesure et territoires touchés."""
    lignes = []
    if a.surface_ha is not None:
        lignes.append(f"Surface : {nombre(a.surface_ha)} ha")
    if a.longueur_km is not None:
        lignes.append(f"Longueur : {nombre(a.longueur_km)} km")
    if not a.communes:
        lignes.append(f"Territoire : {HORS_TERRITOIRE}")
        return "\n".join(lignes)
    n = len(a.communes)
    lignes.append(f"Commune{'s' if n > 1 else ''} ({n}) : {enumerer(a.communes)}")
    if a.epci:
        lignes.append(f"EPCI ({len(a.epci)}) : {enumerer(a.epci)}")
    if a.scot:
        lignes.append(f"SCoT ({len(a.scot)}) : {enumerer(a.scot)}")
    if a.territoires:
        lignes.append(f"Territoire{'s' if len(a.territoires) > 1 else ''} : {enumerer(a.territoires)}")
    if a.relie_des_territoires:
        lignes.append(f"Relie : {trajet(a, categorie)}")
    elif a.a_cheval:
        lignes.append("À cheval sur plusieurs " + ("EPCI" if a.plusieurs_epci else "SCoT"))
    return "\n".join(lignes)


def fiches(ref: Referentiel, entites: Iterable[dict], legende: tuple[Categorie, ...]) -> dict[str, str]:
    entites = list(entites)
    attributions = attribuer(ref, entites)
    return {
        e["id"]: fiche(attributions[e["id"]], categorie_ou_inconnue(legende, e["properties"].get("categorie")))
        for e in entites
    }


_FICHES_PAR_EMPREINTE: OrderedDict[tuple, dict[str, str]] = OrderedDict()
_VERROU_FICHES = threading.Lock()


def _empreinte_version(depot: DepotVersions, numero: int) -> str:
    """L'empreinte de la version ``numero``, lue dans l'historique (sans lire la version elle-même)."""
    meta = depot.derniere()
    if meta is None or meta.numero != numero:
        meta = next((m for m in depot.historique() if m.numero == numero), None)
    if meta is None:
        raise Introuvable(f"La version {numero} n'existe pas.")
    if meta.empreinte:
        return meta.empreinte
    # Un index ancien, sans empreinte : celle du contenu de la version.
    entites = json.dumps(depot.lire(numero).entites, ensure_ascii=False, sort_keys=True)
    return "contenu:" + hashlib.sha256(entites.encode("utf-8")).hexdigest()


def fiches_version(atelier: Atelier, depot: DepotVersions, numero: int) -> dict[str, str]:
    """Fiches « territoires touchés » de chaque entité d'une version.

    Mises en cache par référentiel, empreinte de la version et légende, dans les deux magasins :
    une version n'est jamais modifiée, et son empreinte se lit dans l'historique.
    """
    if not numero:
        return {}
    ref = referentiel(atelier)
    cle = (ref, _empreinte_version(depot, numero), atelier.legende)
    with _VERROU_FICHES:
        trouvees = _FICHES_PAR_EMPREINTE.get(cle)
        if trouvees is not None:
            _FICHES_PAR_EMPREINTE.move_to_end(cle)
    if trouvees is None:
        trouvees = fiches(ref, depot.lire(numero).entites, atelier.legende)
        with _VERROU_FICHES:
            _FICHES_PAR_EMPREINTE[cle] = trouvees
            while len(_FICHES_PAR_EMPREINTE) > 64:
                _FICHES_PAR_EMPREINTE.popitem(last=False)
    return dict(trouvees)


# -- tableaux --------------------------------------------------------------------------------


def tableau_attributions(
    entites: Iterable[dict], attributions: Mapping[str, Attribution], legende: tuple[Categorie, ...]
) -> pd.DataFrame:
    """Une ligne par esquisse : titre, catégorie, mesure, communes, EPCI, SCoT (noms et codes)."""
    lignes = []
    for e in entites:
        a = attributions[e["id"]]
        p = e["properties"]
        c = categorie_ou_inconnue(legende, p.get("categorie"))
        lignes.append(
            {
                "Esquisse": p.get("titre") or c.nom,
                "Catégorie": c.nom,
                "Mesure": mesure(a),
                "Nb communes": len(a.communes),
                "Communes": ", ".join(map(str, a.communes)) or HORS_TERRITOIRE,
                "EPCI": ", ".join(map(str, a.epci)),
                "SCoT (porteur)": ", ".join(map(str, a.scot)),
                "À cheval": "oui" if a.a_cheval else "",
            }
        )
    colonnes = [
        "Esquisse",
        "Catégorie",
        "Mesure",
        "Nb communes",
        "Communes",
        "EPCI",
        "SCoT (porteur)",
        "À cheval",
    ]
    return pd.DataFrame(lignes, columns=colonnes)
