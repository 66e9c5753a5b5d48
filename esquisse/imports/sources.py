"""Fichiers envoyés par l'utilisateur : ouverture sûre, lecture et description de leurs couches.

Le fichier est copié (ou décompressé, ou extrait de son archive zip par
:mod:`esquisse.noyau.archives`) dans un dossier temporaire, hors du dossier de l'atelier, supprimé
à la sortie. Ses couches sont décrites (:func:`analyser`) sans rien écrire : nombre
d'entités, type de géométrie, colonnes, système de coordonnées (SCR) déclaré, ou proposé
d'après les coordonnées quand il manque ou qu'il est faux.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from esquisse.imports.correspondances import proposer_genre
from esquisse.noyau.archives import extraire_zip
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import erreur_disque, traduire_erreurs_disque
from esquisse.noyau.reglages import reglage
from esquisse.noyau.texte import exemples as _exemples
from esquisse.noyau.texte import nombre as _nombre
from esquisse.noyau.texte import sans_accents as _sans_accents

Progression = Callable[[float, str], None]

# Systèmes de coordonnées proposés quand un fichier n'indique pas le sien (ordre = priorité
# de la proposition automatique : les plus courants en France d'abord).
SCR_COURANTS: tuple[tuple[int, str], ...] = (
    (2154, "Lambert-93 (RGF93) – EPSG:2154, le plus courant en métropole"),
    (4326, "Longitude / latitude WGS 84 – EPSG:4326 (GPS, GeoJSON)"),
    (4171, "Longitude / latitude RGF93 – EPSG:4171"),
    (3857, "Web Mercator – EPSG:3857 (cartes en ligne)"),
    *((3900 + z, f"Conique conforme CC{z} (RGF93) – EPSG:{3900 + z}") for z in range(42, 51)),
    (27572, "Lambert II étendu (NTF) – EPSG:27572, données anciennes"),
    (5490, "Guadeloupe, Martinique : RGAF09 / UTM 20N – EPSG:5490"),
    (2972, "Guyane : RGFG95 / UTM 22N – EPSG:2972"),
    (2975, "La Réunion : RGR92 / UTM 40S – EPSG:2975"),
    (4471, "Mayotte : RGM04 / UTM 38S – EPSG:4471"),
    (32630, "UTM 30N (WGS 84) – EPSG:32630"),
    (32631, "UTM 31N (WGS 84) – EPSG:32631"),
    (32632, "UTM 32N (WGS 84) – EPSG:32632"),
)
# Emprises (lon min, lat min, lon max, lat max) où une couche française peut se trouver.
ZONES_FRANCE = (
    (-6.0, 41.0, 10.5, 51.6),  # métropole et Corse
    (-63.5, 14.0, -60.5, 18.5),  # Antilles
    (-55.0, 1.5, -51.0, 6.5),  # Guyane
    (54.8, -21.8, 56.2, -20.5),  # La Réunion
    (44.5, -13.4, 45.7, -12.3),  # Mayotte
    (-56.6, 46.6, -56.0, 47.2),  # Saint-Pierre-et-Miquelon
)

_SUFFIXES = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".zip": "Archive zip",
    ".csv": "CSV",
    ".tsv": "CSV",
}
FORMATS_ADMIS = (
    "GeoJSON (.geojson, .json), GeoPackage (.gpkg), Shapefile zippé (.zip), CSV (.csv), ou .geojson.gz / .csv.gz"
)
_SHAPEFILE_SEUL = {".shp", ".shx", ".dbf", ".prj", ".cpg"}

# Colonnes d'un CSV reconnues comme géométrie.
_NOMS_WKT = ("wkt", "geometry", "geometrie", "geom", "the_geom", "wkt_geom", "shape")
_NOMS_LON = ("longitude", "lon", "lng", "long", "x", "coord_x", "xcoord")
_NOMS_LAT = ("latitude", "lat", "y", "coord_y", "ycoord")
_DEBUT_WKT = re.compile(r"^\s*(SRID=\d+;\s*)?(MULTI)?(POINT|LINESTRING|POLYGON|GEOMETRYCOLLECTION)\b", re.I)

# --------------------------------------------------------------------------- descriptions


@dataclass(frozen=True)
class CoucheSource:
    """Une couche trouvée dans le fichier envoyé."""

    id: str  # « chemin relatif|nom de couche » : stable d'une ouverture à l'autre
    libelle: str
    format: str
    nb_entites: int
    type_geometrie: str
    colonnes: tuple[str, ...]
    epsg: int | None  # SCR déclaré, s'il est fiable
    scr_libelle: str  # SCR déclaré (ou « aucun »), en clair
    scr_propose: int | None  # SCR proposé quand il faut le demander
    demander_scr: bool
    motif_scr: str  # pourquoi le SCR est demandé
    a_z: bool
    genre_propose: str


@dataclass(frozen=True)
class Analyse:
    nom_fichier: str
    format: str
    taille: int
    couches: tuple[CoucheSource, ...]

    def couche(self, identifiant: str | None) -> CoucheSource:
        if identifiant is None and len(self.couches) == 1:
            return self.couches[0]
        for c in self.couches:
            if c.id == identifiant:
                return c
        noms = ", ".join(f"« {c.libelle} »" for c in self.couches)
        if identifiant is None:
            raise DonneeInvalide(
                f"Le fichier « {self.nom_fichier} » contient plusieurs couches : choisissez-en une ({noms})."
            )
        raise DonneeInvalide(f"Couche « {identifiant} » absente du fichier « {self.nom_fichier} ». Couches : {noms}.")


def libelle_scr(epsg: int | None) -> str:
    """Nom officiel d'un SCR et son code : « RGF93 v1 / Lambert-93 (EPSG:2154) »."""
    if epsg is None:
        return "aucun"
    try:
        return f"{CRS.from_epsg(epsg).name} (EPSG:{epsg})"
    except CRSError:
        return f"EPSG:{epsg}"


# --------------------------------------------------------------------------- ouverture


def taille_max_octets() -> int:
    return reglage("ESQUISSE_TAILLE_MAX_IMPORT_MO") * 1024 * 1024


def _verifier_taille(taille: int, nom: str, taille_max: int) -> None:
    if taille == 0:
        raise DonneeInvalide(f"Le fichier « {nom} » est vide (0 octet).")
    if taille > taille_max:
        raise DonneeInvalide(
            f"Le fichier « {nom} » pèse {taille / 2**20:,.0f} Mo : la limite d'import est de "
            f"{taille_max / 2**20:,.0f} Mo (réglage ESQUISSE_TAILLE_MAX_IMPORT_MO). "
            "Découpez-le (par exemple un seul département) ou demandez à relever la limite.".replace(",", "\u202f")
        )


def _format(nom: str) -> tuple[str, bool]:
    """Format d'après le nom du fichier, et s'il est compressé en gzip."""
    suffixes = [s.lower() for s in Path(nom).suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    suffixe = suffixes[-1] if suffixes else ""
    if suffixe in _SHAPEFILE_SEUL and not gz:
        raise DonneeInvalide(
            f"« {nom} » n'est qu'une partie d'un Shapefile, qui se compose de plusieurs fichiers (.shp, .shx, .dbf, "
            ".prj) : mettez-les ensemble dans une archive .zip et envoyez l'archive."
        )
    fmt = _SUFFIXES.get(suffixe)
    if fmt is None or (gz and fmt not in {"GeoJSON", "CSV"}):
        raise DonneeInvalide(f"Format non pris en charge : « {nom} ». Formats admis : {FORMATS_ADMIS}.")
    return fmt, gz


def _degzipper(source: Path, cible: Path, taille_max: int, nom: str) -> None:
    ecrit = 0
    try:
        with gzip.open(source, "rb") as entree, open(cible, "xb") as sortie:
            while morceau := entree.read(1 << 20):
                ecrit += len(morceau)
                if ecrit > taille_max:
                    raise DonneeInvalide(
                        f"Le fichier « {nom} » se décompresse en plus de {taille_max / 2**20:,.0f} Mo : c'est au-delà "
                        "de la limite d'import (réglage ESQUISSE_TAILLE_MAX_IMPORT_MO).".replace(",", "\u202f")
                    )
                sortie.write(morceau)
    except (OSError, EOFError) as exc:
        if disque := erreur_disque(exc, f"la copie de travail de « {nom} »"):
            raise disque from exc
        raise DonneeInvalide(f"Le fichier « {nom} » n'est pas un gzip lisible, ou il est tronqué ({exc}).") from None
    if ecrit == 0:
        raise DonneeInvalide(f"Le fichier « {nom} » est vide une fois décompressé.")


@dataclass(frozen=True)
class _Jeu:
    """Un fichier de données prêt à lire, dans le dossier temporaire."""

    chemin: Path
    relatif: str
    format: str
    dans_archive: bool = False


@contextmanager
def ouvrir(source: Path | bytes, nom: str, taille_max: int) -> Iterator[tuple[str, list[_Jeu]]]:
    """Copie (ou décompresse) le fichier envoyé dans un dossier temporaire, supprimé à la sortie."""
    nom = Path(str(nom)).name or "fichier"
    taille = len(source) if isinstance(source, bytes | bytearray) else Path(source).stat().st_size
    _verifier_taille(taille, nom, taille_max)
    fmt, gz = _format(nom)
    with tempfile.TemporaryDirectory(prefix="esquisse-import-") as temporaire:
        dossier = Path(temporaire)
        if isinstance(source, bytes | bytearray):
            brut = dossier / "source.bin"
            with traduire_erreurs_disque(f"la copie de travail de « {nom} »"):
                brut.write_bytes(source)
        else:
            brut = Path(source)
        nom_sans_gz = nom[: -len(".gz")] if gz else nom
        if fmt == "Archive zip":
            extraits = extraire_zip(brut, dossier / "zip", taille_max, nom)
            jeux = _jeux_de_l_archive(extraits, dossier / "zip", nom)
        else:
            cible = dossier / ("donnees" + Path(nom_sans_gz).suffix.lower())
            if gz:
                _degzipper(brut, cible, taille_max, nom)
            elif isinstance(source, bytes | bytearray):
                brut.rename(cible)
            else:
                cible.symlink_to(Path(source).resolve())
            jeux = [_Jeu(cible, nom_sans_gz, fmt)]
        yield fmt, jeux


def _jeux_de_l_archive(fichiers: list[Path], racine: Path, nom: str) -> list[_Jeu]:
    jeux = []
    par_nom = {str(f.relative_to(racine)).casefold(): f for f in fichiers}
    for f in sorted(fichiers):
        relatif = f.relative_to(racine).as_posix()
        if any(p.startswith(("__MACOSX", ".")) for p in f.relative_to(racine).parts):
            continue
        suffixe = f.suffix.lower()
        if suffixe == ".shp":
            base = str(f.relative_to(racine).with_suffix("")).casefold()
            manquants = [s for s in (".shx", ".dbf") if base + s not in par_nom]
            if manquants:
                raise DonneeInvalide(
                    f"Dans l'archive « {nom} », le Shapefile « {relatif} » est incomplet : il manque "
                    f"{' et '.join(manquants)}. Un Shapefile a besoin au moins de .shp, .shx et .dbf (et .prj pour "
                    "son système de coordonnées)."
                )
            jeux.append(_Jeu(f, relatif, "Shapefile", True))
        elif suffixe in _SUFFIXES and suffixe not in {".zip"}:
            jeux.append(_Jeu(f, relatif, _SUFFIXES[suffixe], True))
    if not jeux:
        contenu = ", ".join(f.relative_to(racine).as_posix() for f in sorted(fichiers)[:10])
        raise DonneeInvalide(
            f"L'archive « {nom} » ne contient aucune couche géographique lisible (Shapefile, GeoPackage, GeoJSON "
            f"ou CSV). Fichiers trouvés : {contenu}."
        )
    return jeux


# --------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class _CsvLu:
    table: pd.DataFrame
    geometries: np.ndarray
    description: str  # « colonne WKT « geom » » ou « colonnes lon / lat »
    colonnes_geo: tuple[str, ...]


def lire_csv_brut(chemin: Path, nom: str) -> pd.DataFrame:
    """Un CSV en texte : encodage (UTF-8 ou Windows-1252) et séparateur (; , tabulation |) devinés."""
    brut = chemin.read_bytes()
    for encodage in ("utf-8-sig", "cp1252"):
        try:
            texte = brut.decode(encodage)
            break
        except UnicodeDecodeError:
            continue
    if not texte.strip():
        raise DonneeInvalide(f"Le fichier CSV « {nom} » est vide.")
    echantillon = texte[:20000]
    try:
        separateur = csv.Sniffer().sniff(echantillon, delimiters=";,\t|").delimiter
    except csv.Error:
        separateur = ";" if echantillon.count(";") > echantillon.count(",") else ","
    try:
        table = pd.read_csv(io.StringIO(texte), sep=separateur, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DonneeInvalide(f"Le fichier CSV « {nom} » est illisible : {exc}") from None
    if table.empty:
        raise DonneeInvalide(f"Le fichier CSV « {nom} » n'a aucune ligne de données.")
    return table


def _lire_csv(chemin: Path, nom: str) -> _CsvLu:
    table = lire_csv_brut(chemin, nom)
    colonnes = {_sans_accents(c): c for c in table.columns}

    # 1. Une colonne WKT : reconnue à son nom, ou à son contenu.
    candidates = [colonnes[n] for n in _NOMS_WKT if n in colonnes]
    candidates += [c for c in table.columns if c not in candidates and table[c].head(20).str.match(_DEBUT_WKT).any()]
    for col in candidates:
        valeurs = table[col].str.replace(r"^\s*SRID=\d+;\s*", "", regex=True)
        remplies = valeurs.str.strip() != ""
        # Les cases vides deviennent None (et non NaN, que ``Series.where`` y mettrait) : from_wkt n'accepte
        # que du texte ou None.
        a_lire = np.where(remplies.to_numpy(), valeurs.to_numpy(dtype=object), None)
        geoms = shapely.from_wkt(a_lire, on_invalid="ignore")
        lues = ~shapely.is_missing(geoms)
        if lues.sum() == 0:
            continue
        mauvaises = remplies & ~lues
        if mauvaises.any():
            lignes = [str(i + 2) for i in np.flatnonzero(mauvaises.to_numpy())]
            raise DonneeInvalide(
                f"Le fichier CSV « {nom} » : la colonne « {col} » contient du WKT illisible aux lignes "
                f"{_exemples(lignes)}."
            )
        return _CsvLu(table.drop(columns=[col]), geoms, f"colonne WKT « {col} »", (col,))

    # 2. Des colonnes longitude / latitude (ou x / y).
    # Nom exact d'abord (« lon », « x »…), sinon un nom qui contient « longitude » / « latitude ».
    lon = next((colonnes[n] for n in _NOMS_LON if n in colonnes), None)
    lon = lon or next((c for n, c in colonnes.items() if "longitude" in n), None)
    lat = next((colonnes[n] for n in _NOMS_LAT if n in colonnes), None)
    lat = lat or next((c for n, c in colonnes.items() if "latitude" in n), None)
    if lon and lat:
        x = pd.to_numeric(table[lon].str.replace(",", ".").str.strip(), errors="coerce")
        y = pd.to_numeric(table[lat].str.replace(",", ".").str.strip(), errors="coerce")
        remplies = (table[lon].str.strip() != "") | (table[lat].str.strip() != "")
        mauvaises = remplies & (x.isna() | y.isna())
        if mauvaises.any():
            lignes = [str(i + 2) for i in np.flatnonzero(mauvaises.to_numpy())]
            raise DonneeInvalide(
                f"Le fichier CSV « {nom} » : les colonnes « {lon} » / « {lat} » doivent contenir des nombres ; "
                f"valeurs illisibles aux lignes {_exemples(lignes)}."
            )
        if (x.isna() & y.isna()).all():
            raise DonneeInvalide(f"Le fichier CSV « {nom} » : les colonnes « {lon} » / « {lat} » sont vides.")
        geoms = shapely.points(x.to_numpy(), y.to_numpy())
        geoms = np.where(x.isna().to_numpy() | y.isna().to_numpy(), None, geoms)
        return _CsvLu(table.drop(columns=[lon, lat]), geoms, f"colonnes « {lon} » / « {lat} »", (lon, lat))

    raise DonneeInvalide(
        f"Le fichier CSV « {nom} » n'est pas géographique : il n'a ni colonne WKT (géométrie en texte, par exemple "
        "« wkt » ou « geometry ») ni colonnes de longitude et latitude (« lon », « lat », « x », « y »). Colonnes "
        f"présentes : {_exemples(table.columns)}. Pour une table d'appartenance commune → groupement, utilisez "
        "« Dériver une couche » plutôt que l'import."
    )


# --------------------------------------------------------------------------- SCR


def en_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    dedans = np.zeros(len(lon), dtype=bool)
    for x0, y0, x1, y1 in ZONES_FRANCE:
        dedans |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return dedans


def _part_en_france(xy: np.ndarray, epsg: int) -> float:
    if len(xy) == 0:
        return 0.0
    try:
        transfo = Transformer.from_crs(epsg, 4326, always_xy=True)
    except CRSError:
        return 0.0
    with np.errstate(all="ignore"):
        lon, lat = transfo.transform(xy[:, 0], xy[:, 1], errcheck=False)
    lon, lat = np.asarray(lon), np.asarray(lat)
    valides = np.isfinite(lon) & np.isfinite(lat)
    return float((en_france(lon, lat) & valides).mean())


def echantillon(geometries: np.ndarray, n: int = 400) -> np.ndarray:
    presentes = geometries[~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)]
    if len(presentes) > n:
        presentes = presentes[np.linspace(0, len(presentes) - 1, n).astype(int)]
    if len(presentes) == 0:
        return np.empty((0, 2))
    # Un sommet de chaque géométrie : il existe même pour une géométrie invalide.
    return np.array([shapely.get_coordinates(g)[0] for g in presentes])


def epsg_de(crs) -> int | None:
    if crs is None:
        return None
    try:
        crs = CRS.from_user_input(crs)
    except CRSError:
        return None
    epsg = crs.to_epsg(min_confidence=70)
    if epsg == 4326 or (epsg is None and crs.is_geographic and crs.ellipsoid and "84" in crs.ellipsoid.name):
        return 4326
    return epsg


def _proposer_scr(xy: np.ndarray) -> int | None:
    """Le premier SCR courant qui place la couche en France ; à défaut, WGS 84 si ce sont des degrés."""
    for epsg, _ in SCR_COURANTS:
        if _part_en_france(xy, epsg) >= 0.9:
            return epsg
    if len(xy) and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all():
        return 4326
    return None


def _diagnostic_scr(crs_brut, xy: np.ndarray, format_: str) -> tuple[int | None, str, bool, str, int | None]:
    """(epsg fiable, libellé déclaré, demander ?, motif, proposition)."""
    epsg = epsg_de(crs_brut)
    if crs_brut is None:
        motif = {
            "Shapefile": "le Shapefile n'a pas de fichier .prj",
            "CSV": "un CSV n'indique jamais son système de coordonnées",
        }.get(format_, "le fichier n'indique pas son système de coordonnées")
        return None, "aucun", True, motif, _proposer_scr(xy)
    libelle = libelle_scr(epsg) if epsg else CRS.from_user_input(crs_brut).name
    if epsg is None:
        try:
            Transformer.from_crs(CRS.from_user_input(crs_brut), 4326, always_xy=True)
        except CRSError:
            return None, libelle, True, f"son système de coordonnées (« {libelle} ») est inconnu", _proposer_scr(xy)
    hors_globe = len(xy) and (np.abs(xy[:, 0]).max() > 180 or np.abs(xy[:, 1]).max() > 90)
    if hors_globe and CRS.from_user_input(crs_brut).is_geographic:
        exemple = f"{xy[0, 0]:.0f}, {xy[0, 1]:.0f}"
        return (
            None,
            libelle,
            True,
            f"ses coordonnées (ex. {exemple}) ne sont pas des longitudes / latitudes, contrairement à ce qu'il déclare",
            _proposer_scr(xy),
        )
    return epsg, libelle, False, "", None


# --------------------------------------------------------------------------- analyse


def _decrire_couches(jeu: _Jeu) -> list[CoucheSource]:
    if jeu.format == "CSV":
        lu = _lire_csv(jeu.chemin, jeu.relatif)
        xy = echantillon(lu.geometries)
        epsg, libelle, demander, motif, propose = _diagnostic_scr(None, xy, "CSV")
        types = sorted(set(shapely.get_type_id(lu.geometries[~shapely.is_missing(lu.geometries)]).tolist()))
        colonnes = tuple(str(c) for c in lu.table.columns)
        return [
            CoucheSource(
                id=f"{jeu.relatif}|",
                libelle=f"{jeu.relatif} ({lu.description})",
                format="CSV",
                nb_entites=len(lu.table),
                type_geometrie=", ".join(NOMS_TYPES.get(t, str(t)) for t in types),
                colonnes=colonnes,
                epsg=epsg,
                scr_libelle=libelle,
                scr_propose=propose,
                demander_scr=demander,
                motif_scr=motif,
                a_z=bool(shapely.has_z(lu.geometries[~shapely.is_missing(lu.geometries)]).any()),
                genre_propose=proposer_genre(colonnes),
            )
        ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            couches = pyogrio.list_layers(jeu.chemin)
    except Exception as exc:  # pyogrio lève des erreurs de types variés
        raise DonneeInvalide(f"Le fichier « {jeu.relatif} » est illisible : {_message_gdal(exc, jeu)}") from None
    sources = []
    for nom_couche, type_geom in couches:
        if type_geom is None:
            continue  # table sans géométrie (GeoPackage)
        apercu, info = _lire_arrow(jeu, nom_couche, max_entites=400)
        xy = echantillon(apercu.geometry.values)
        epsg, libelle, demander, motif, propose = _diagnostic_scr(apercu.crs, xy, jeu.format)
        colonnes = tuple(str(c) for c in info["fields"])
        libelle_couche = jeu.relatif
        if jeu.format == "GeoPackage":
            libelle_couche = f"{jeu.relatif} : {nom_couche}" if jeu.dans_archive else nom_couche
        sources.append(
            CoucheSource(
                id=f"{jeu.relatif}|{nom_couche}",
                libelle=libelle_couche,
                format=jeu.format,
                nb_entites=int(info["features"]),
                type_geometrie=str(type_geom),
                colonnes=colonnes,
                epsg=epsg,
                scr_libelle=libelle,
                scr_propose=propose,
                demander_scr=demander,
                motif_scr=motif,
                a_z=bool(shapely.has_z(apercu.geometry.values).any()) or " Z" in str(type_geom),
                genre_propose=proposer_genre(colonnes),
            )
        )
    if not sources:
        raise DonneeInvalide(f"Le fichier « {jeu.relatif} » ne contient aucune couche avec des géométries.")
    return sources


NOMS_TYPES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}  # fmt: skip


_TRADUCTIONS_GDAL = (
    ("not recognized as being in a supported file format", "format non reconnu"),
    ("JSON parsing error", "JSON mal formé"),
    ("Missing 'features' member", "il manque la liste « features »"),
    ("Missing 'coordinates' member", "une géométrie n'a pas de coordonnées"),
    ("do not form a closed linestring", "un anneau de polygone n'est pas fermé"),
    ("Failed to read GeoJSON data", "GeoJSON invalide"),
    ("not a valid", "fichier invalide"),
    ("file is not a database", "ce n'est pas une base GeoPackage (SQLite)"),
    ("database disk image is malformed", "base GeoPackage abîmée"),
)


def _message_gdal(exc: Exception, jeu: _Jeu) -> str:
    """Le message d'une erreur de lecture, en français autant que possible, sans chemin temporaire."""
    brut = " ".join(str(exc).split()) or type(exc).__name__
    brut = brut.replace(str(jeu.chemin), jeu.relatif)
    brut = re.sub(r"/\S*esquisse-import-[^/\s]+/(zip/)?", "", brut)
    causes = [fr for en, fr in _TRADUCTIONS_GDAL if en.casefold() in brut.casefold()]
    resume = " ; ".join(dict.fromkeys(causes)) if causes else "lecture impossible"
    return f"{resume} (détail technique : {brut[:240]})."


def _lire_arrow(
    jeu: _Jeu,
    nom_couche: str,
    max_entites: int | None = None,
    progression: Progression | None = None,
    debut: float = 0.0,
    fin: float = 1.0,
) -> tuple[gpd.GeoDataFrame, dict]:
    """Lit une couche GDAL par lots (Arrow) ; renvoie la couche et sa description (``read_info``)."""
    import pyarrow as pa

    nom_affiche = jeu.relatif if jeu.format != "GeoPackage" else f"{jeu.relatif} : {nom_couche}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(jeu.chemin, layer=nom_couche, force_feature_count=True)
            if max_entites is not None:  # un aperçu : lecture directe des premières entités
                meta, _, wkb, valeurs = pyogrio.raw.read(jeu.chemin, layer=nom_couche, max_features=max_entites)
                attributs = pd.DataFrame(dict(zip(meta["fields"], valeurs, strict=True)))
                geometries = shapely.from_wkb(wkb, on_invalid="fix")
                return gpd.GeoDataFrame(attributs, geometry=gpd.GeoSeries(geometries), crs=meta["crs"]), info
            total = max(int(info["features"]), 1)
            lots = []
            lus = 0
            with pyogrio.open_arrow(jeu.chemin, layer=nom_couche, batch_size=2000, use_pyarrow=True) as (
                meta,
                lecteur,
            ):
                for lot in lecteur:
                    lots.append(lot)
                    lus += lot.num_rows
                    if progression:
                        part = debut + (fin - debut) * min(lus / total, 1.0)
                        progression(part, f"Lecture : {_nombre(lus)} / {_nombre(total)} entités")
                table = pa.Table.from_batches(lots, schema=lecteur.schema)
    except Exception as exc:  # pyogrio et GDAL lèvent des erreurs de types variés
        raise DonneeInvalide(f"« {nom_affiche} » est illisible : {_message_gdal(exc, jeu)}") from None
    colonne = meta.get("geometry_name") or "wkb_geometry"
    wkb = table.column(colonne).to_numpy(zero_copy_only=False)
    # « fix » ferme les anneaux ouverts ; une géométrie irrécupérable devient absente.
    geometries = shapely.from_wkb(wkb, on_invalid="fix")
    attributs = table.drop_columns([colonne]).to_pandas()
    gdf = gpd.GeoDataFrame(attributs, geometry=gpd.GeoSeries(geometries), crs=meta.get("crs"))
    return gdf, info


def _cle_source(source: Path | bytes) -> tuple:
    if isinstance(source, bytes | bytearray):
        return ("octets", hashlib.sha256(source).hexdigest(), len(source))
    info = Path(source).stat()
    return ("chemin", str(Path(source).resolve()), info.st_mtime_ns, info.st_size)


_ANALYSES: dict[tuple, Analyse] = {}
_ANALYSES_MAX = 8
_ANALYSES_VERROU = threading.Lock()  # chaque session Streamlit est un fil : le cache est partagé


def analyser(source: Path | bytes, nom: str, taille_max: int | None = None) -> Analyse:
    """Décrit le fichier ``nom`` (contenu ``source``) sans rien écrire.

    Le résultat est gardé dans un petit cache, par empreinte du contenu : la page peut
    l'appeler à chaque réexécution sans relire le fichier.
    """
    taille_max = taille_max or taille_max_octets()
    cle = (_cle_source(source), Path(str(nom)).name, taille_max)
    with _ANALYSES_VERROU:
        if (connue := _ANALYSES.get(cle)) is not None:
            return connue
    # L'analyse elle-même se fait hors du verrou : deux sessions n'attendent pas l'une l'autre.
    with ouvrir(source, nom, taille_max) as (fmt, jeux):
        couches = []
        for jeu in jeux:
            couches.extend(_decrire_couches(jeu))
    taille = len(source) if isinstance(source, bytes | bytearray) else Path(source).stat().st_size
    analyse = Analyse(Path(str(nom)).name, fmt, taille, tuple(couches))
    with _ANALYSES_VERROU:
        _ANALYSES[cle] = analyse
        while len(_ANALYSES) > _ANALYSES_MAX:
            _ANALYSES.pop(next(iter(_ANALYSES)))
    return analyse


# --------------------------------------------------------------------------- lecture


def lire(jeu: _Jeu, nom_couche: str, progression: Progression, debut: float, fin: float) -> gpd.GeoDataFrame:
    """La couche entière, lue par lots pour faire avancer la barre de progression."""
    if jeu.format == "CSV":
        lu = _lire_csv(jeu.chemin, jeu.relatif)
        progression(fin, f"Lecture : {_nombre(len(lu.table))} lignes")
        return gpd.GeoDataFrame(lu.table.reset_index(drop=True), geometry=gpd.GeoSeries(lu.geometries), crs=None)
    gdf, _ = _lire_arrow(jeu, nom_couche, progression=progression, debut=debut, fin=fin)
    return gdf
