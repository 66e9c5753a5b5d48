"""Préparation des couches pour l'affichage dans le navigateur.

Les couches de référence ne voyagent pas dans le code de la carte : elles sont écrites une
fois, allégées (attributs utiles, coordonnées arrondies), dans un fichier du dossier servi
statiquement, nommé d'après une empreinte de leur source. La carte ne contient que
l'adresse de ce fichier ; le navigateur le télécharge une fois, et les réexécutions de la
page ne le renvoient jamais.

L'allègement suit l'échelle de la couche : plus elle couvre un grand territoire, plus ses
contours sont simplifiés et ses coordonnées arrondies. La simplification traite la couche
comme un pavage (``shapely.coverage_simplify``) : une limite partagée par deux communes est
simplifiée une seule fois, de la même façon des deux côtés, sans trou ni chevauchement.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from esquisse.noyau.fichiers import PREFIXE_TEMPORAIRE, ecrire_atomiquement
from esquisse.noyau.reglages import RACINE
from esquisse.referentiel.couches import AVERTISSEMENT_SCOT
from esquisse.referentiel.territoire import EMPRISES_METRIQUES, LAMBERT93

FORMAT = 4  # à incrémenter quand le contenu des fichiers préparés change
DECIMALES = 5  # environ 1 m : au-delà de ce qu'un écran montre
DOSSIER_STATIQUE = RACINE / "static"
# Tolérance de simplification : une fraction de la diagonale de la couche. Une région
# (≈ 550 km) est simplifiée avec une tolérance de ≈ 750 m : ses contours s'écartent de
# l'original de ≈ 470 m en médiane (≈ 830 m pour 95 % des communes), soit un à deux pixels
# à l'échelle où la région tient à l'écran (≈ 450 m par pixel). Dès que l'écart se verrait,
# les contours exacts sont chargés (``zoom_detail``). Un territoire de 80 km n'est pas
# simplifié (sous le seuil).
FRACTION_TOLERANCE = 1 / 700
TOLERANCE_MIN_M = 150


@dataclass(frozen=True)
class Champ:
    nom: str
    libelle: str
    format: str = "texte"  # texte, nombre


@dataclass(frozen=True)
class Presentation:
    """Comment une couche se montre : style, infobulle, étiquettes."""

    nom: str
    style: dict = field(default_factory=dict, hash=False, compare=False)
    champs: tuple[Champ, ...] = ()
    etiquette: str | None = None
    visible: bool = True
    avertissement: str = ""
    # Ne dessiner que les limites : le survol de l'intérieur atteint alors les communes dessous.
    contour: bool = False


PRESENTATIONS: dict[str, Presentation] = {
    "communes": Presentation(
        "Communes",
        {"color": "#6b6b6b", "weight": 0.8, "fillColor": "#f4f1e8", "fillOpacity": 0.35},
        (
            Champ("nom", "Commune"),
            Champ("code_insee", "Code INSEE"),
            Champ("population", "Population", "nombre"),
            Champ("epci_nom", "EPCI"),
            Champ("scot_porteur_nom", "SCoT (porteur)"),
        ),
        etiquette="nom",
    ),
    "epci": Presentation(
        "EPCI",
        {"color": "#1f4e9c", "weight": 2.6, "fill": False, "opacity": 0.9},
        (
            Champ("epci_nom", "EPCI"),
            Champ("epci_siren", "SIREN"),
            Champ("epci_type", "Type"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
        ),
        contour=True,
    ),
    "scot": Presentation(
        "SCoT (dérivés des adhésions)",
        {"color": "#8a3ea8", "weight": 2.2, "dashArray": "8 6", "fill": False, "opacity": 0.9},
        (
            Champ("scot_porteur_nom", "Porteur du SCoT"),
            Champ("scot_porteur_siren", "SIREN"),
            Champ("scot_porteur_type", "Type"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
        ),
        visible=False,
        avertissement=AVERTISSEMENT_SCOT,
        contour=True,
    ),
    "territoires": Presentation(
        "Territoires du contrat de réciprocité",
        {"color": "#0f7b6c", "weight": 3, "fillColor": "#0f7b6c", "fillOpacity": 0.06},
        (
            Champ("nom", "Territoire"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
        ),
        visible=False,
    ),
    "perimetre": Presentation(
        "Territoire de projet",
        {"color": "#c0392b", "weight": 4, "fill": False, "opacity": 0.95},
        (
            Champ("nom", "Territoire de projet"),
            Champ("n_communes", "Communes", "nombre"),
            Champ("population", "Population", "nombre"),
            Champ("superficie_km2", "Superficie (km²)", "nombre"),
        ),
        contour=True,
    ),
}


@dataclass(frozen=True)
class CoucheAffichee:
    """Une couche prête pour la carte : son fichier servi et sa présentation."""

    id: str
    chemin: str  # relatif au dossier statique, ex. « cache/couches/ab12….json »
    nb_entites: int
    emprise: tuple[float, float, float, float]
    presentation: Presentation
    # Contours non simplifiés, chargés à partir du zoom ``zoom_detail`` (couches étendues seulement).
    chemin_detail: str | None = None
    zoom_detail: int | None = None


def empreinte(*parties: object) -> str:
    h = hashlib.sha256()
    for partie in parties:
        h.update(repr(partie).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:20]


def empreinte_fichier(chemin: Path) -> tuple[str, int, int]:
    info = chemin.stat()
    return (str(chemin.resolve()), info.st_mtime_ns, info.st_size)


def _valeur_json(valeur):
    if valeur is None:
        return None
    if isinstance(valeur, float) and math.isnan(valeur):
        return None
    if isinstance(valeur, (np.integer,)):
        return int(valeur)
    if isinstance(valeur, (np.floating,)):
        return None if np.isnan(valeur) else float(valeur)
    if isinstance(valeur, (np.bool_,)):
        return bool(valeur)
    if valeur is pd.NA:
        return None
    return valeur


def _epsg_metriques(geometries: np.ndarray) -> np.ndarray:
    """La projection métrique de chaque géométrie (Lambert-93, ou locale outre-mer)."""
    x0, y0, x1, y1 = shapely.bounds(geometries).T
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    epsgs = np.full(len(geometries), LAMBERT93)
    for (lon0, lat0, lon1, lat1), epsg in EMPRISES_METRIQUES:
        epsgs[(cx >= lon0) & (cx <= lon1) & (cy >= lat0) & (cy <= lat1)] = epsg
    return epsgs


def emprise_principale(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """L'emprise (WGS84) du groupe d'entités le plus nombreux : la métropole d'une couche nationale.

    Une couche qui va de la Guadeloupe à Mayotte tiendrait à l'écran en réduisant la métropole
    à quelques pixels : la carte s'ouvre plutôt sur la partie qui compte le plus d'entités.
    """
    geometries = np.asarray(gdf.geometry.values, dtype=object)
    epsgs = _epsg_metriques(geometries)
    valeurs, nombres = np.unique(epsgs, return_counts=True)
    if len(valeurs) > 1:
        geometries = geometries[epsgs == valeurs[np.argmax(nombres)]]
    x0, y0, x1, y1 = shapely.total_bounds(geometries)
    return float(x0), float(y0), float(x1), float(y1)


def simplifier(geometries: np.ndarray) -> tuple[np.ndarray, int, float]:
    """Géométries (WGS84) simplifiées pour l'échelle de la couche, décimales à garder, tolérance (m).

    Chaque groupe de géométries (métropole, chaque département d'outre-mer) est simplifié
    dans sa projection métrique, avec une tolérance proportionnelle à son étendue.
    """
    geometries = np.asarray(geometries, dtype=object)
    surfaciques = np.isin(shapely.get_type_id(geometries), (3, 6))
    if len(geometries) == 0 or not surfaciques.all():
        return geometries, DECIMALES, 0.0
    resultat = geometries.copy()
    tolerance_max = 0.0
    epsgs = _epsg_metriques(geometries)
    for epsg in np.unique(epsgs):
        masque = epsgs == epsg
        projetees = gpd.GeoSeries(geometries[masque], crs=4326).to_crs(int(epsg))
        x0, y0, x1, y1 = projetees.total_bounds
        tolerance = math.hypot(x1 - x0, y1 - y0) * FRACTION_TOLERANCE
        if tolerance < TOLERANCE_MIN_M:
            continue
        simplifiees = shapely.coverage_simplify(projetees.values, tolerance)
        # Une géométrie que la simplification viderait garde son contour d'origine.
        vides = shapely.is_empty(simplifiees)
        simplifiees[vides] = projetees.values[vides]
        resultat[masque] = gpd.GeoSeries(simplifiees, crs=int(epsg)).to_crs(4326).values
        tolerance_max = max(tolerance_max, tolerance)
    # Arrondir bien en deçà de la tolérance : 1e-4° ≈ 10 m.
    decimales = 4 if tolerance_max >= 100 else DECIMALES
    return resultat, decimales, tolerance_max


def zoom_detail(tolerance_m: float, latitude: float) -> int:
    """Premier niveau de zoom où la tolérance de simplification dépasse 3 pixels à l'écran."""
    metres_par_pixel_z0 = 156543.03 * math.cos(math.radians(latitude))
    return max(6, min(14, math.ceil(math.log2(metres_par_pixel_z0 * 3 / tolerance_m))))


def _geometries_affichees(geometries: np.ndarray, presentation: Presentation, decimales: int) -> np.ndarray:
    if presentation.contour:
        geometries = shapely.boundary(geometries)
    return shapely.set_precision(geometries, 10**-decimales, mode="pointwise")


def contenu_affichage(gdf: gpd.GeoDataFrame, presentation: Presentation) -> dict:
    """Collection GeoJSON allégée : champs de l'infobulle, contours simplifiés, coordonnées arrondies."""
    gdf = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geometries, decimales, _ = simplifier(gdf.geometry.values)
    return json.loads(_texte_contenu(gdf, presentation, geometries, decimales))


def contenu_detail(gdf: gpd.GeoDataFrame, presentation: Presentation) -> dict:
    """Les géométries non simplifiées (au mètre près), dans l'ordre des entités : le niveau de détail."""
    return json.loads(_texte_detail(gdf, presentation))


# Les fichiers préparés sont écrits directement en texte : shapely.to_geojson donne déjà le JSON
# de chaque géométrie, inutile de le relire pour le réécrire (national : 35 000 contours).


def _texte_detail(gdf: gpd.GeoDataFrame, presentation: Presentation) -> str:
    gdf = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geometries = _geometries_affichees(np.asarray(gdf.geometry.values, dtype=object), presentation, DECIMALES)
    return '{"geometries":[' + ",".join(shapely.to_geojson(geometries).tolist()) + "]}"


def _texte_contenu(gdf: gpd.GeoDataFrame, presentation: Presentation, geometries: np.ndarray, decimales: int) -> str:
    arrondies = shapely.to_geojson(_geometries_affichees(geometries, presentation, decimales)).tolist()
    noms = [c.nom for c in presentation.champs if c.nom in gdf.columns]
    etiquettes = None
    if presentation.etiquette and presentation.etiquette in gdf.columns:
        points = shapely.point_on_surface(gdf.geometry.values)
        etiquettes = np.round(shapely.get_coordinates(points), decimales).tolist()
    morceaux = []
    for i, (geom, ligne) in enumerate(zip(arrondies, gdf[noms].itertuples(index=False), strict=True)):
        proprietes = {n: _valeur_json(v) for n, v in zip(noms, ligne, strict=True)}
        if etiquettes is not None:
            proprietes["_etiquette"] = etiquettes[i]
        texte = json.dumps(proprietes, ensure_ascii=False, separators=(",", ":"))
        morceaux.append(f'{{"type":"Feature","properties":{texte},"geometry":{geom}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(morceaux) + "]}"


def lire_affichage(chemin: Path) -> dict:
    """Le contenu GeoJSON d'un fichier préparé (pour les tests et les outils)."""
    return json.loads(gzip.decompress(chemin.read_bytes()))


def cle_couche(identifiant: str, cle_source: object, presentation: Presentation | None = None) -> str:
    """Le nom (sans extension) du fichier d'affichage d'une couche : il change avec sa source et sa présentation."""
    presentation = presentation or PRESENTATIONS[identifiant]
    return empreinte(FORMAT, identifiant, cle_source, presentation.champs, presentation.etiquette, presentation.contour)


def sources_affichage(atelier, recopier: bool = True) -> dict[str, object]:
    """Par couche affichée de l'atelier (genres, puis « perimetre »), ce qui identifie son contenu.

    Rien n'est lu que la date et la taille des fichiers : c'est aussi ce qui dit quels fichiers
    du cache servent encore (:func:`elaguer_cache`). Une couche dont le fichier manque est omise ;
    ``recopier=False`` : une couche importée que ce serveur n'a pas encore recopiée depuis la base aussi.
    """
    from esquisse.atelier.ateliers import GENRES_COUCHES  # import tardif : ateliers ne dépend pas de l'affichage

    sources: dict[str, object] = {}
    for genre in GENRES_COUCHES:
        if genre in atelier.couches:
            try:
                sources[genre] = empreinte_fichier(atelier.chemin_couche(genre, recopier))
            except OSError:
                continue
    if atelier.perimetre and "communes" in sources:
        sources["perimetre"] = (sources["communes"], atelier.perimetre.communes, atelier.perimetre.nom)
    return sources


_FICHIER_CACHE = re.compile(r"^([0-9a-f]{20})(-detail-z\d+)?\.json\.gz$")
AGE_MIN_ELAGAGE = 15 * 60  # secondes : un navigateur qui charge encore un ancien fichier a le temps de finir


def elaguer_cache(dossier_projets: Path, dossier_cache: Path, age_min: float = AGE_MIN_ELAGAGE) -> list[Path]:
    """Supprime du cache les fichiers d'affichage qu'aucune couche actuelle d'aucun atelier n'utilise.

    Sans danger pour les lecteurs : un fichier encore désigné par une couche n'est jamais touché, et
    un fichier écrit depuis moins de ``age_min`` secondes non plus (il peut être en cours de
    téléchargement, ou venir d'une source qu'un autre processus vient de préparer). Les fichiers
    temporaires abandonnés suivent la même règle d'âge. Renvoie les fichiers supprimés.
    """
    from esquisse.atelier.ateliers import inventorier_ateliers

    dossier = dossier_cache / "couches"
    if not dossier.is_dir():
        return []
    gardees = {
        cle_couche(identifiant, source)
        for atelier in inventorier_ateliers(dossier_projets).ateliers
        # Rien à recopier depuis la base : une couche absente d'ici n'a rien dans ce cache.
        for identifiant, source in sources_affichage(atelier, recopier=False).items()
    }
    limite = time.time() - age_min
    supprimes = []
    for chemin in dossier.iterdir():
        forme = _FICHIER_CACHE.match(chemin.name)
        if forme is None and not chemin.name.startswith(PREFIXE_TEMPORAIRE):
            continue  # pas un fichier d'Esquisse : on n'y touche pas
        if forme is not None and forme.group(1) in gardees:
            continue
        try:
            if not chemin.is_file() or chemin.stat().st_mtime > limite:
                continue
            chemin.unlink()
        except FileNotFoundError:
            continue  # un autre processus l'a déjà retiré
        supprimes.append(chemin)
    return supprimes


def preparer_couche(
    identifiant: str,
    gdf: gpd.GeoDataFrame,
    cle_source: object,
    dossier_cache: Path,
    presentation: Presentation | None = None,
) -> CoucheAffichee:
    """Écrit (si besoin) le fichier d'affichage de la couche et le décrit.

    ``cle_source`` identifie le contenu de ``gdf`` (chemin, date et taille du fichier
    source, par exemple) : deux sources identiques partagent le même fichier.
    """
    presentation = presentation or PRESENTATIONS[identifiant]
    cle = cle_couche(identifiant, cle_source, presentation)
    dossier = dossier_cache / "couches"
    # Compressé une fois pour toutes : le serveur l'envoie tel quel (il ne recompresse pas un
    # fichier gzip à chaque requête), le navigateur le décompresse (DecompressionStream).
    chemin = dossier / f"{cle}.json.gz"
    gdf4326 = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    x0, y0, x1, y1 = emprise_principale(gdf4326)
    if not chemin.exists():
        geometries, decimales, tolerance = simplifier(gdf4326.geometry.values)
        if tolerance:
            # Niveau de détail, chargé par le navigateur quand on zoome assez pour voir la simplification.
            zoom = zoom_detail(tolerance, (y0 + y1) / 2)
            _ecrire_gz(dossier / f"{cle}-detail-z{zoom}.json.gz", _texte_detail(gdf4326, presentation), niveau=6)
        _ecrire_gz(chemin, _texte_contenu(gdf4326, presentation, geometries, decimales))
    detail = next(iter(sorted(dossier.glob(f"{cle}-detail-z*.json.gz"))), None)
    return CoucheAffichee(
        identifiant,
        _relatif(chemin, dossier_cache),
        len(gdf),
        (x0, y0, x1, y1),
        presentation,
        chemin_detail=_relatif(detail, dossier_cache) if detail else None,
        zoom_detail=int(detail.name.rsplit("-z", 1)[1].split(".")[0]) if detail else None,
    )


def _ecrire_gz(chemin: Path, texte: str, niveau: int = 9) -> None:
    """Écrit d'un coup le fichier gzippé ; le détail, gros et chargé rarement, est moins compressé (plus vite)."""
    ecrire_atomiquement(chemin, gzip.compress(texte.encode("utf-8"), compresslevel=niveau, mtime=0))


def _relatif(chemin: Path, dossier_cache: Path) -> str:
    try:
        return chemin.resolve().relative_to(DOSSIER_STATIQUE.resolve()).as_posix()
    except ValueError:
        raise ValueError(f"Le dossier de cache {dossier_cache} doit se trouver sous {DOSSIER_STATIQUE}.") from None
