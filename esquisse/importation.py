"""Import d'une couche de référence fournie par l'utilisateur.

Formats admis : GeoJSON, GeoPackage (l'utilisateur choisit la couche), Shapefile en archive
zip, CSV avec une colonne WKT ou des colonnes longitude/latitude ; GeoJSON et CSV peuvent
aussi être compressés en ``.gz``. Le parcours se fait en deux temps :

1. :func:`analyser` ouvre le fichier sans rien écrire et décrit ce qu'il contient : couches,
   nombre d'entités, système de coordonnées (SCR) détecté ou proposé, colonnes, et la
   correspondance proposée avec le schéma d'Esquisse (les noms d'ADMIN EXPRESS, en
   majuscules, sont reconnus) ;
2. :func:`importer` lit la couche choisie, la ramène en WGS84, répare les géométries
   invalides (avec un rapport), applique la correspondance des colonnes, valide le tout
   contre le schéma du genre (:mod:`esquisse.couches`), puis seulement écrit la couche dans
   le dossier de l'atelier et la déclare dans ``atelier.json``.

Toute erreur lève une :class:`~esquisse.erreurs.EsquisseErreur` au message en français, et
rien n'est écrit : le fichier envoyé est ouvert dans un dossier temporaire, hors du dossier
de l'atelier, supprimé à la fin ; la couche n'est écrite qu'une fois complète, d'un coup.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from esquisse.archives import extraire_zip
from esquisse.ateliers import FICHIER_ATELIER, GENRES_COUCHES, charger_atelier, modifier_atelier
from esquisse.cog import departement_de_commune
from esquisse.couches import SCHEMAS, valider
from esquisse.erreurs import DonneeInvalide, SchemaInvalide
from esquisse.fichiers import creer_sans_ecraser
from esquisse.reglages import reglage

Progression = Callable[[float, str], None]

DOSSIER_COUCHES = "couches"  # dans le dossier de l'atelier
LIGNES_RAPPORT = 8  # exemples cités dans un rapport ou un message

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

# Noms de colonnes reconnus, par colonne du schéma (comparés sans casse ni accents).
# Les noms d'ADMIN EXPRESS (IGN) sont en tête : INSEE_COM, NOM, POPULATION, SIREN_EPCI…
SYNONYMES: dict[str, tuple[str, ...]] = {
    "code_insee": ("insee_com", "code_insee", "codgeo", "insee", "code_commune", "depcom", "code_com", "com", "code"),
    "nom": ("nom", "nom_com", "nom_commune", "libelle", "libgeo", "nom_m", "name", "commune"),
    "population": ("population", "pmun", "pop", "ptot", "population_municipale", "pop_mun"),
    "epci_siren": ("siren_epci", "epci_siren", "code_epci", "epci"),
    "epci_nom": ("epci_nom", "nom_epci", "lib_epci", "libepci"),
    "epci_type": ("epci_type", "nature", "nature_epci", "type_epci", "nature_juridique", "type"),
    "scot_porteur_siren": ("scot_porteur_siren", "siren_scot", "scot_siren", "code_scot"),
    "scot_porteur_nom": ("scot_porteur_nom", "nom_scot", "scot_nom", "lib_scot"),
    "scot_porteur_type": ("scot_porteur_type", "type_scot", "nature", "type"),
    "n_communes": ("n_communes", "nb_communes", "nb_com", "nombre_communes"),
    "dep": ("insee_dep", "dep", "code_dep", "code_departement", "departement", "dept"),
    "reg": ("insee_reg", "reg", "code_reg", "code_region", "region"),
}
# Synonymes propres à un genre : dans une couche d'EPCI, « NOM » est le nom de l'EPCI.
SYNONYMES_GENRE: dict[str, dict[str, tuple[str, ...]]] = {
    "epci": {
        "epci_siren": ("code_siren", "siren"),
        "epci_nom": ("nom", "libelle", "raison_sociale", "name"),
    },
    "scot": {
        "scot_porteur_siren": ("code_siren", "siren", "siren_porteur", "idurba"),
        "scot_porteur_nom": ("nom", "libelle", "nom_porteur", "nomscot", "name"),
    },
    "territoires": {"nom": ("territoire", "libelle", "name")},
}
# Colonnes facultatives, hors schéma, gardées pour les communes (choix d'un département, d'une région).
COLONNES_SUP = {"communes": (("dep", "code du département"), ("reg", "code de la région"))}
_VIDES = {"", "nr", "nc", "na", "nan", "none", "null", "#n/a", "-"}

# Colonnes d'un CSV reconnues comme géométrie.
_NOMS_WKT = ("wkt", "geometry", "geometrie", "geom", "the_geom", "wkt_geom", "shape")
_NOMS_LON = ("longitude", "lon", "lng", "long", "x", "coord_x", "xcoord")
_NOMS_LAT = ("latitude", "lat", "y", "coord_y", "ycoord")
_DEBUT_WKT = re.compile(r"^\s*(SRID=\d+;\s*)?(MULTI)?(POINT|LINESTRING|POLYGON|GEOMETRYCOLLECTION)\b", re.I)

_RAISONS = (
    ("Ring Self-intersection", "un anneau se recoupe"),
    ("Self-intersection", "le contour se recoupe"),
    ("Too few points", "un anneau a moins de 3 points distincts"),
    ("Hole lies outside shell", "un trou sort du contour"),
    ("Holes are nested", "des trous sont imbriqués"),
    ("Interior is disconnected", "l'intérieur est coupé en morceaux"),
    ("Nested shells", "des contours sont imbriqués"),
    ("Duplicate Rings", "un anneau est répété"),
    ("Invalid Coordinate", "une coordonnée est invalide"),
    ("Ring not closed", "un anneau n'est pas fermé"),
)


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


@dataclass(frozen=True)
class OptionsImport:
    genre: str
    couche: str | None = None  # CoucheSource.id ; facultatif s'il n'y en a qu'une
    epsg: int | None = None  # SCR choisi quand le fichier n'en indique pas (ou un faux)
    # colonne du schéma → colonne source ; par défaut, la correspondance proposée
    correspondances: dict[str, str | None] | None = field(default=None, hash=False)
    reparer: bool = True  # réparer les géométries invalides et ignorer l'altitude (Z)
    departements: tuple[str, ...] = ()  # ne garder que ces départements (communes)
    regions: tuple[str, ...] = ()  # ne garder que ces régions (communes)
    retirer_absentes_du_perimetre: bool = False


@dataclass
class RapportImport:
    genre: str
    nom_fichier: str
    couche_source: str
    format: str
    nb_source: int = 0
    nb_entites: int = 0
    scr_source: str = ""
    reprojete: bool = False
    nb_reparees: int = 0
    reparees: list[str] = field(default_factory=list)
    sans_geometrie: int = 0
    z_ignore: int = 0
    filtre: str = ""
    avertissements: list[str] = field(default_factory=list)
    reference: str = ""
    communes_retirees: list[str] = field(default_factory=list)
    duree_s: float = 0.0

    def lignes(self) -> list[str]:
        """Le rapport, en phrases courtes, pour l'utilisateur."""
        libelle = SCHEMAS[self.genre].libelle
        lignes = [
            f"{_nombre(self.nb_entites)} entité(s) importée(s) comme couche « {libelle} » depuis "
            f"« {self.couche_source} » ({self.format})."
        ]
        if self.filtre:
            lignes.append(f"Sélection : {self.filtre} ({_nombre(self.nb_source)} entités dans le fichier).")
        lignes.append(
            f"Système de coordonnées d'origine : {self.scr_source}"
            + (" ; reprojetée en longitude/latitude (WGS 84) pour la carte." if self.reprojete else ".")
        )
        if self.nb_reparees:
            lignes.append(
                f"{_nombre(self.nb_reparees)} géométrie(s) invalide(s) réparée(s) : " + " ; ".join(self.reparees)
            )
        else:
            lignes.append("Aucune géométrie à réparer.")
        if self.z_ignore:
            lignes.append(f"Altitude (coordonnée Z) ignorée sur {_nombre(self.z_ignore)} entité(s).")
        if self.sans_geometrie:
            lignes.append(f"{_nombre(self.sans_geometrie)} entité(s) sans géométrie ignorée(s).")
        if self.communes_retirees:
            lignes.append(
                f"{len(self.communes_retirees)} commune(s) absente(s) de la nouvelle couche retirée(s) du territoire "
                f"de projet : {_exemples(self.communes_retirees)}."
            )
        lignes.extend(self.avertissements)
        return lignes


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _exemples(valeurs, n: int = LIGNES_RAPPORT) -> str:
    valeurs = list(valeurs)
    texte = ", ".join(str(v) for v in valeurs[:n])
    return texte + (f" … (+{len(valeurs) - n})" if len(valeurs) > n else "")


def _sans_accents(texte: str) -> str:
    forme = unicodedata.normalize("NFKD", str(texte))
    return "".join(c for c in forme if not unicodedata.combining(c)).casefold().strip()


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
def _ouvrir(source: Path | bytes, nom: str, taille_max: int) -> Iterator[tuple[str, list[_Jeu]]]:
    """Copie (ou décompresse) le fichier envoyé dans un dossier temporaire, supprimé à la sortie."""
    nom = Path(str(nom)).name or "fichier"
    taille = len(source) if isinstance(source, bytes | bytearray) else Path(source).stat().st_size
    _verifier_taille(taille, nom, taille_max)
    fmt, gz = _format(nom)
    with tempfile.TemporaryDirectory(prefix="esquisse-import-") as temporaire:
        dossier = Path(temporaire)
        if isinstance(source, bytes | bytearray):
            brut = dossier / "source.bin"
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


def _lire_csv_brut(chemin: Path, nom: str) -> pd.DataFrame:
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
    table = _lire_csv_brut(chemin, nom)
    colonnes = {_sans_accents(c): c for c in table.columns}

    # 1. Une colonne WKT : reconnue à son nom, ou à son contenu.
    candidates = [colonnes[n] for n in _NOMS_WKT if n in colonnes]
    candidates += [c for c in table.columns if c not in candidates and table[c].head(20).str.match(_DEBUT_WKT).any()]
    for col in candidates:
        valeurs = table[col].str.replace(r"^\s*SRID=\d+;\s*", "", regex=True)
        remplies = valeurs.str.strip() != ""
        geoms = shapely.from_wkt(valeurs.where(remplies, None).to_numpy(dtype=object), on_invalid="ignore")
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
    lon = next((colonnes[n] for n in _NOMS_LON if n in colonnes), None)
    lat = next((colonnes[n] for n in _NOMS_LAT if n in colonnes), None)
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


def _en_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
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
    return float((_en_france(lon, lat) & valides).mean())


def _echantillon(geometries: np.ndarray, n: int = 400) -> np.ndarray:
    presentes = geometries[~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)]
    if len(presentes) > n:
        presentes = presentes[np.linspace(0, len(presentes) - 1, n).astype(int)]
    if len(presentes) == 0:
        return np.empty((0, 2))
    # Un sommet de chaque géométrie : il existe même pour une géométrie invalide.
    return np.array([shapely.get_coordinates(g)[0] for g in presentes])


def _epsg_de(crs) -> int | None:
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
    for epsg, _ in SCR_COURANTS:
        if _part_en_france(xy, epsg) >= 0.9:
            return epsg
    return None


def _diagnostic_scr(crs_brut, xy: np.ndarray, format_: str) -> tuple[int | None, str, bool, str, int | None]:
    """(epsg fiable, libellé déclaré, demander ?, motif, proposition)."""
    epsg = _epsg_de(crs_brut)
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


# --------------------------------------------------------------------------- correspondances


def colonnes_du_genre(genre: str) -> list[tuple[str, str, bool]]:
    """(colonne, libellé, obligatoire) que l'utilisateur peut faire correspondre, pour ``genre``."""
    sch = SCHEMAS[genre]
    sortie = [(c.nom, c.libelle, c.obligatoire and not c.nulle) for c in sch.colonnes]
    noms = {c[0] for c in sortie}
    sortie += [(nom, libelle, False) for nom, libelle in COLONNES_SUP.get(genre, ()) if nom not in noms]
    return sortie


def proposer_correspondances(colonnes: tuple[str, ...] | list[str], genre: str) -> dict[str, str | None]:
    """Pour chaque colonne du schéma, la colonne source qui lui correspond probablement (ou ``None``)."""
    par_nom = {}
    for c in colonnes:
        par_nom.setdefault(_sans_accents(c), c)
    propres = SYNONYMES_GENRE.get(genre, {})
    prises: set[str] = set()
    resultat: dict[str, str | None] = {}
    for nom, _, _ in colonnes_du_genre(genre):
        choix = None
        for synonyme in (*propres.get(nom, ()), nom, *SYNONYMES.get(nom, ())):
            source = par_nom.get(synonyme)
            if source is not None and source not in prises:
                choix = source
                break
        resultat[nom] = choix
        if choix:
            prises.add(choix)
    return resultat


def proposer_genre(colonnes: tuple[str, ...] | list[str]) -> str:
    """Le genre dont toutes les colonnes obligatoires se retrouvent dans ``colonnes`` (communes d'abord)."""
    normalisees = {_sans_accents(c) for c in colonnes}
    if normalisees & {"insee_com", "code_insee", "codgeo", "depcom"}:
        return "communes"
    for genre in GENRES_COUCHES:
        corr = proposer_correspondances(colonnes, genre)
        if all(corr.get(nom) for nom, _, obligatoire in colonnes_du_genre(genre) if obligatoire):
            return genre
    return "territoires"


# --------------------------------------------------------------------------- analyse


def _decrire_couches(jeu: _Jeu) -> list[CoucheSource]:
    if jeu.format == "CSV":
        lu = _lire_csv(jeu.chemin, jeu.relatif)
        xy = _echantillon(lu.geometries)
        epsg, libelle, demander, motif, propose = _diagnostic_scr(None, xy, "CSV")
        types = sorted(set(shapely.get_type_id(lu.geometries[~shapely.is_missing(lu.geometries)]).tolist()))
        colonnes = tuple(str(c) for c in lu.table.columns)
        return [
            CoucheSource(
                id=f"{jeu.relatif}|",
                libelle=f"{jeu.relatif} ({lu.description})",
                format="CSV",
                nb_entites=len(lu.table),
                type_geometrie=", ".join(_NOMS_TYPES.get(t, str(t)) for t in types),
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
        xy = _echantillon(apercu.geometry.values)
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


_NOMS_TYPES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
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


def analyser(source: Path | bytes, nom: str, taille_max: int | None = None) -> Analyse:
    """Décrit le fichier ``nom`` (contenu ``source``) sans rien écrire.

    Le résultat est gardé dans un petit cache, par empreinte du contenu : la page peut
    l'appeler à chaque réexécution sans relire le fichier.
    """
    taille_max = taille_max or taille_max_octets()
    cle = (_cle_source(source), Path(str(nom)).name, taille_max)
    if cle not in _ANALYSES:
        with _ouvrir(source, nom, taille_max) as (fmt, jeux):
            couches = []
            for jeu in jeux:
                couches.extend(_decrire_couches(jeu))
        taille = len(source) if isinstance(source, bytes | bytearray) else Path(source).stat().st_size
        if len(_ANALYSES) >= _ANALYSES_MAX:
            _ANALYSES.pop(next(iter(_ANALYSES)))
        _ANALYSES[cle] = Analyse(Path(str(nom)).name, fmt, taille, tuple(couches))
    return _ANALYSES[cle]


# --------------------------------------------------------------------------- lecture


def _lire(jeu: _Jeu, nom_couche: str, progression: Progression, debut: float, fin: float) -> gpd.GeoDataFrame:
    """La couche entière, lue par lots pour faire avancer la barre de progression."""
    if jeu.format == "CSV":
        lu = _lire_csv(jeu.chemin, jeu.relatif)
        progression(fin, f"Lecture : {_nombre(len(lu.table))} lignes")
        return gpd.GeoDataFrame(lu.table.reset_index(drop=True), geometry=gpd.GeoSeries(lu.geometries), crs=None)
    gdf, _ = _lire_arrow(jeu, nom_couche, progression=progression, debut=debut, fin=fin)
    return gdf


# --------------------------------------------------------------------------- traitements


def _raison(texte: str) -> str:
    for anglais, francais in _RAISONS:
        if texte.startswith(anglais):
            lieu = re.search(r"\[([-\d.eE+]+) ([-\d.eE+]+)", texte)
            return francais + (f" (vers {float(lieu[1]):.6g} ; {float(lieu[2]):.6g})" if lieu else "")
    return texte


def _surfacique(geom):
    """Les parties surfaciques d'une géométrie réparée, ou ``None`` s'il n'en reste aucune."""
    if geom is None:
        return None
    type_id = shapely.get_type_id(geom)
    if type_id in (3, 6):
        return None if shapely.is_empty(geom) else geom
    parties = shapely.get_parts(geom)
    surfaces = [p for p in parties if shapely.get_type_id(p) in (3, 6) and not shapely.is_empty(p)]
    if not surfaces:
        return None
    union = shapely.union_all(surfaces)
    return union if not shapely.is_empty(union) else None


def _identifiants(gdf: gpd.GeoDataFrame, correspondances: dict[str, str | None]) -> list[str]:
    """Un nom lisible pour chaque entité, pour les messages (code et nom si on les connaît)."""
    codes = ("code_insee", "epci_siren", "scot_porteur_siren")
    code = next((correspondances[c] for c in codes if correspondances.get(c)), None)
    nom = correspondances.get("nom") or correspondances.get("epci_nom") or correspondances.get("scot_porteur_nom")
    sortie = []
    for i in range(len(gdf)):
        parties = [str(gdf[c].iloc[i]) for c in (code, nom) if c and c in gdf.columns and pd.notna(gdf[c].iloc[i])]
        if not parties:
            sortie.append(f"entité n° {i + 1}")
        else:
            sortie.append(parties[0] + (f" ({parties[1]})" if len(parties) > 1 else ""))
    return sortie


def _normaliser(serie: pd.Series, genre_colonne: str, nom: str) -> pd.Series:
    def un(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            v = int(v)
        texte = str(v).strip()
        if _sans_accents(texte) in _VIDES:
            return None
        if genre_colonne == "code_insee" or nom == "dep":
            texte = texte.upper()
            if texte.isdigit():
                texte = texte.zfill(5 if genre_colonne == "code_insee" else 2)
        elif genre_colonne == "siren":
            texte = texte.replace(" ", "").replace("\u00a0", "")
            premier = re.match(r"^(\d{9})(\D|$)", texte)
            if premier:
                texte = premier[1]
            elif re.fullmatch(r"Z+", texte.upper()):
                return None
            elif texte.isdigit() and len(texte) < 9:
                texte = texte.zfill(9)
        elif genre_colonne == "entier":
            texte = texte.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
            if re.fullmatch(r"\d+[.,]0*", texte):
                texte = re.split(r"[.,]", texte)[0]
        elif nom == "reg" and texte.isdigit():
            texte = texte.zfill(2)
        return texte

    return pd.Series([un(v) for v in serie.to_numpy(dtype=object)], index=serie.index, dtype=object)


def _appliquer_correspondances(
    gdf: gpd.GeoDataFrame, genre: str, correspondances: dict[str, str | None], source: str
) -> gpd.GeoDataFrame:
    sch = SCHEMAS[genre]
    presentes = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    manquantes = []
    colonnes = {}
    for nom, libelle, obligatoire in colonnes_du_genre(genre):
        choisie = correspondances.get(nom)
        if choisie and choisie not in gdf.columns:
            raise DonneeInvalide(
                f"La colonne « {choisie} » choisie pour « {libelle} » n'existe pas dans « {source} ». "
                f"Colonnes présentes : {_exemples(presentes, 30)}."
            )
        if not choisie:
            if obligatoire:
                manquantes.append(f"« {libelle} »")
            continue
        genre_colonne = next((c.genre for c in sch.colonnes if c.nom == nom), "texte")
        colonnes[nom] = _normaliser(gdf[choisie], genre_colonne, nom)
    if manquantes:
        raise DonneeInvalide(
            f"Indiquez quelle colonne de « {source} » contient : {', '.join(manquantes)} "
            f"(obligatoire pour une couche « {sch.libelle} »). Colonnes présentes : {_exemples(presentes, 30)}."
        )
    for col in sch.colonnes:  # colonnes du schéma qui peuvent rester vides
        if col.nom not in colonnes and col.obligatoire:
            colonnes[col.nom] = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
    if genre == "communes" and "dep" not in colonnes:
        colonnes["dep"] = colonnes["code_insee"].map(lambda c: departement_de_commune(c) if c else None)
    return gpd.GeoDataFrame(colonnes, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)


def _filtrer(gdf: gpd.GeoDataFrame, options: OptionsImport, source: str) -> tuple[gpd.GeoDataFrame, str]:
    from esquisse.cog import libelle_departement, libelle_region

    if not options.departements and not options.regions:
        return gdf, ""
    if options.genre != "communes":
        raise DonneeInvalide("Le choix d'un département ou d'une région ne vaut que pour une couche de communes.")
    garder = pd.Series(False, index=gdf.index)
    morceaux = []
    if options.regions:
        if "reg" not in gdf.columns or gdf["reg"].isna().all():
            raise DonneeInvalide(
                f"« {source} » n'a pas de colonne de code région (INSEE_REG, reg…) : "
                "choisissez plutôt des départements."
            )
        garder |= gdf["reg"].isin(options.regions)
        morceaux.append(
            ("région " if len(options.regions) == 1 else "régions ")
            + ", ".join(libelle_region(r) for r in options.regions)
        )
    if options.departements:
        garder |= gdf["dep"].isin(options.departements)
        morceaux.append(
            ("département " if len(options.departements) == 1 else "départements ")
            + ", ".join(libelle_departement(d) for d in options.departements)
        )
    filtre = " et ".join(morceaux)
    if not garder.any():
        raise DonneeInvalide(f"Aucune commune de « {source} » n'appartient à : {filtre}.")
    return gdf[garder.to_numpy()].copy(), filtre


def _rien(_part: float, _message: str) -> None:
    return None


def preparer(
    source: Path | bytes,
    nom: str,
    options: OptionsImport,
    taille_max: int | None = None,
    progression: Progression | None = None,
) -> tuple[gpd.GeoDataFrame, RapportImport]:
    """Lit, répare, reprojette et valide la couche choisie, sans rien écrire.

    Renvoie la couche (WGS84, colonnes du schéma) et son rapport. Lève
    :class:`DonneeInvalide` ou :class:`SchemaInvalide` avec un message précis.
    """
    progression = progression or _rien
    taille_max = taille_max or taille_max_octets()
    if options.genre not in SCHEMAS:
        raise DonneeInvalide(
            f"Genre de couche inconnu : « {options.genre} ». Genres admis : {', '.join(GENRES_COUCHES)}."
        )
    libelle_genre = SCHEMAS[options.genre].libelle
    progression(0.02, "Ouverture du fichier")
    analyse = analyser(source, nom, taille_max)
    couche = analyse.couche(options.couche)
    correspondances = (
        dict(options.correspondances)
        if options.correspondances is not None
        else proposer_correspondances(couche.colonnes, options.genre)
    )
    rapport = RapportImport(
        options.genre, analyse.nom_fichier, couche.libelle, couche.format, scr_source=couche.scr_libelle
    )
    relatif, _, nom_couche = couche.id.partition("|")
    with _ouvrir(source, nom, taille_max) as (_fmt, jeux):
        jeu = next(j for j in jeux if j.relatif == relatif)
        gdf = _lire(jeu, nom_couche, progression, 0.05, 0.45)
    rapport.nb_source = len(gdf)
    if len(gdf) == 0:
        raise DonneeInvalide(f"La couche « {couche.libelle} » est vide : aucune entité.")
    idents = _identifiants(gdf, correspondances)

    # Géométries absentes
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    absentes = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if absentes.all():
        raise DonneeInvalide(f"La couche « {couche.libelle} » n'a aucune géométrie lisible.")
    if absentes.any():
        rapport.sans_geometrie = int(absentes.sum())
        gdf = gdf[~absentes].copy()
        idents = [i for i, a in zip(idents, absentes, strict=True) if not a]
        geoms = geoms[~absentes]

    # Type : des surfaces
    types = shapely.get_type_id(geoms)
    autres = ~np.isin(types, (3, 6, 7))
    if autres.any():
        compte = pd.Series([_NOMS_TYPES.get(int(t), str(t)) for t in types[autres]]).value_counts()
        trouves = ", ".join(f"{t} ({n})" for t, n in compte.items())
        raise DonneeInvalide(
            f"Une couche « {libelle_genre} » doit contenir des polygones ; « {couche.libelle} » contient d'autres "
            "géométries : "
            f"{trouves}."
        )

    # Altitude
    avec_z = shapely.has_z(geoms)
    if avec_z.any():
        if not options.reparer:
            raise DonneeInvalide(
                f"« {couche.libelle} » a des coordonnées 3D (altitude Z) sur {_nombre(int(avec_z.sum()))} entité(s), "
                f"par exemple {_exemples([i for i, z in zip(idents, avec_z, strict=True) if z], 3)}. "
                "Esquisse travaille en 2D : cochez « Réparer les géométries et ignorer l'altitude » pour l'ignorer."
            )
        geoms = shapely.force_2d(geoms)
        rapport.z_ignore = int(avec_z.sum())

    # Système de coordonnées
    if options.epsg is not None:
        try:
            crs = CRS.from_epsg(int(options.epsg))
        except (CRSError, ValueError):
            raise DonneeInvalide(
                f"Système de coordonnées inconnu : EPSG:{options.epsg}. Systèmes proposés : "
                f"{', '.join(f'EPSG:{e}' for e, _ in SCR_COURANTS)}."
            ) from None
        rapport.scr_source = libelle_scr(int(options.epsg))
    elif couche.demander_scr:
        proposition = (
            f" Proposition d'après les coordonnées : {libelle_scr(couche.scr_propose)}." if couche.scr_propose else ""
        )
        raise DonneeInvalide(
            f"Choisissez le système de coordonnées de « {couche.libelle} » : {couche.motif_scr}.{proposition}"
        )
    else:
        crs = CRS.from_user_input(gdf.crs)

    # Validité (dans le système d'origine, le plus fidèle)
    progression(0.5, "Vérification des géométries")
    invalides = ~shapely.is_valid(geoms)
    if invalides.any():
        indices = np.flatnonzero(invalides)
        raisons = shapely.is_valid_reason(geoms[indices])
        details = [f"{idents[i]} : {_raison(r)}" for i, r in zip(indices, raisons, strict=True)]
        if not options.reparer:
            raise DonneeInvalide(
                f"« {couche.libelle} » a {_nombre(len(indices))} géométrie(s) invalide(s) : "
                f"{' ; '.join(details[:LIGNES_RAPPORT])}{' …' if len(details) > LIGNES_RAPPORT else ''}. "
                "Cochez « Réparer les géométries » pour les corriger automatiquement, ou corrigez-les dans un SIG."
            )
        progression(0.55, f"Réparation de {_nombre(len(indices))} géométrie(s)")
        reparees = shapely.make_valid(geoms[indices], method="structure", keep_collapsed=False)
        irreparables = []
        for k, (i, g) in enumerate(zip(indices, reparees, strict=True)):
            surface = _surfacique(g)
            if surface is None:
                irreparables.append(idents[i])
            else:
                geoms[i] = surface
                reparees[k] = surface
        if irreparables:
            raise DonneeInvalide(
                f"« {couche.libelle} » : {len(irreparables)} géométrie(s) ne peuvent pas être réparées (il n'en reste "
                f"aucune surface) : {_exemples(irreparables)}. Corrigez-les dans un SIG ou retirez-les du fichier."
            )
        rapport.nb_reparees = len(indices)
        rapport.reparees = details[:LIGNES_RAPPORT]
        if len(details) > LIGNES_RAPPORT:
            rapport.reparees.append(f"… et {len(details) - LIGNES_RAPPORT} autre(s)")

    # Reprojection en WGS84
    progression(0.65, "Reprojection en longitude / latitude")
    gdf = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=gpd.GeoSeries(geoms, index=gdf.index), crs=crs)
    epsg_source = _epsg_de(crs)
    if epsg_source != 4326:
        gdf = gdf.to_crs(4326)
        rapport.reprojete = True
    coords = shapely.get_coordinates(gdf.geometry.values)
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise DonneeInvalide(
            f"Avec le système {rapport.scr_source}, les coordonnées de « {couche.libelle} » tombent hors du globe : "
            "ce n'est pas le bon système de coordonnées."
        )
    xy = _echantillon(gdf.geometry.values)
    if _en_france(xy[:, 0], xy[:, 1]).mean() < 0.5:
        lon, lat = np.median(xy, axis=0)
        rapport.avertissements.append(
            f"Attention : la couche ne semble pas se trouver en France (centre vers {lon:.2f} ; {lat:.2f}). "
            "Vérifiez le système de coordonnées."
        )
    # La reprojection peut rendre invalide un contour limite : on le répare sans bruit.
    encore = ~shapely.is_valid(gdf.geometry.values)
    if encore.any():
        valeurs = gdf.geometry.values.copy()
        corrigees = shapely.make_valid(valeurs[encore], method="structure", keep_collapsed=False)
        valeurs[encore] = [_surfacique(g) or g for g in corrigees]
        gdf = gdf.set_geometry(gpd.GeoSeries(valeurs, index=gdf.index, crs=4326))

    # Colonnes, sélection, schéma
    progression(0.75, "Correspondance des colonnes et vérification du schéma")
    gdf = _appliquer_correspondances(gdf, options.genre, correspondances, couche.libelle)
    gdf, rapport.filtre = _filtrer(gdf, options, couche.libelle)
    gdf = gdf.reset_index(drop=True)
    gdf = valider(gdf, options.genre, couche.libelle)
    rapport.nb_entites = len(gdf)
    return gdf, rapport


# --------------------------------------------------------------------------- import


def _en_geopackage(gdf: gpd.GeoDataFrame, genre: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="esquisse-gpkg-") as dossier:
        chemin = Path(dossier) / f"{genre}.gpkg"
        pyogrio.write_dataframe(gdf, chemin, layer=genre, driver="GPKG")
        return chemin.read_bytes()


def importer(
    dossier_projets: Path,
    atelier_id: str,
    source: Path | bytes,
    nom: str,
    options: OptionsImport,
    taille_max: int | None = None,
    progression: Progression | None = None,
) -> RapportImport:
    """Importe la couche dans l'atelier et la déclare dans ``atelier.json`` ; renvoie le rapport.

    Rien n'est écrit tant que la couche n'est pas entièrement lue, réparée et validée ; la
    couche est écrite d'un coup (fichier nouveau dans ``couches/``), puis ``atelier.json``
    est modifié sous verrou. Si cette dernière étape échoue, le fichier est retiré.
    """
    debut = time.perf_counter()
    progression = progression or _rien
    atelier = charger_atelier(dossier_projets, atelier_id)
    gdf, rapport = preparer(source, nom, options, taille_max, progression)
    genre = options.genre

    if genre == "communes" and atelier.perimetre:
        absentes = sorted(set(atelier.perimetre.communes) - set(gdf["code_insee"]))
        if absentes and not options.retirer_absentes_du_perimetre:
            raise DonneeInvalide(
                f"Le territoire de projet « {atelier.perimetre.nom} » compte {len(absentes)} commune(s) absente(s) de "
                f"la nouvelle couche : {_exemples(absentes)}. Importez une couche qui les contient, ou acceptez de les "
                "retirer du territoire de projet."
            )
        rapport.communes_retirees = absentes

    progression(0.9, "Écriture de la couche dans l'atelier")
    description = {
        "fichier": rapport.nom_fichier,
        "couche": rapport.couche_source,
        "format": rapport.format,
        "entites": rapport.nb_entites,
        "scr_source": rapport.scr_source,
        "reparees": rapport.nb_reparees,
        "selection": rapport.filtre,
        "rapport": rapport.lignes(),
    }
    rapport.reference = enregistrer_couche(
        dossier_projets, atelier_id, genre, gdf, description, retirer_du_perimetre=rapport.communes_retirees
    )
    rapport.duree_s = time.perf_counter() - debut
    progression(1.0, "Import terminé")
    return rapport


def enregistrer_couche(
    dossier_projets: Path,
    atelier_id: str,
    genre: str,
    gdf: gpd.GeoDataFrame,
    description: dict,
    retirer_du_perimetre: list[str] | tuple[str, ...] = (),
) -> str:
    """Écrit une couche validée dans ``couches/`` de l'atelier et la déclare ; renvoie sa référence.

    Le fichier est nouveau (jamais écrasé) et écrit d'un coup ; ``atelier.json`` est modifié
    sous verrou (``couches``, ``imports`` avec ``description``, et le territoire de projet
    si des communes doivent en être retirées). Si cette dernière étape échoue, le fichier
    écrit est retiré : rien ne reste.
    """
    atelier = charger_atelier(dossier_projets, atelier_id)
    contenu = _en_geopackage(gdf, genre)
    empreinte = hashlib.sha256(contenu).hexdigest()[:10]
    horodatage = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    nom_fichier = f"{genre}-{horodatage}-{empreinte}.gpkg"
    dossier_couches = atelier.dossier / DOSSIER_COUCHES
    existait = dossier_couches.exists()
    chemin = dossier_couches / nom_fichier
    cree = creer_sans_ecraser(chemin, contenu)
    reference = f"atelier:{DOSSIER_COUCHES}/{nom_fichier}"

    def declarer(donnees: dict) -> None:
        donnees.setdefault("couches", {})[genre] = reference
        donnees.setdefault("imports", {})[genre] = {
            **description,
            "enregistre_le": dt.datetime.now().isoformat(timespec="seconds"),
        }
        if retirer_du_perimetre and donnees.get("perimetre"):
            retirees = set(retirer_du_perimetre)
            restantes = [c for c in donnees["perimetre"]["communes"] if c not in retirees]
            if restantes:
                donnees["perimetre"]["communes"] = restantes
            else:  # plus aucune commune : le territoire de projet est à redéfinir
                del donnees["perimetre"]

    try:
        modifier_atelier(dossier_projets, atelier_id, declarer)
    except BaseException:
        if cree:
            chemin.unlink(missing_ok=True)
        if not existait:
            with suppress(OSError):
                dossier_couches.rmdir()
        raise
    return reference


@dataclass(frozen=True)
class EtatCouche:
    genre: str
    libelle: str
    origine: str
    nb_entites: int | None
    probleme: str = ""


def etat_couches(atelier) -> list[EtatCouche]:
    """Les couches de l'atelier, d'où elles viennent et combien d'entités elles ont."""
    try:
        donnees = json.loads((atelier.dossier / FICHIER_ATELIER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        donnees = {}
    imports = donnees.get("imports") or {}
    etats = []
    for genre in GENRES_COUCHES:
        reference = atelier.couches.get(genre)
        if reference is None:
            continue
        meta = imports.get(genre) or {}
        if reference.startswith("catalogue:"):
            origine = "Livrée avec Esquisse (données de démonstration)"
        elif meta.get("derivee_des_communes"):
            origine = f"Dérivée des communes : {meta.get('methode', '')}"
        elif meta:
            quand = str(meta.get("enregistre_le", ""))[:16].replace("T", " à ")
            origine = f"Importée de « {meta.get('fichier', '?')} »" + (f" le {quand}" if quand else "")
            if meta.get("selection"):
                origine += f" ({meta['selection']})"
        else:
            origine = "Fichier de l'atelier"
        try:
            nb, probleme = len(atelier.couche(genre)), ""
        except (SchemaInvalide, DonneeInvalide) as exc:
            nb, probleme = None, str(exc)
        etats.append(EtatCouche(genre, SCHEMAS[genre].libelle, origine, nb, probleme))
    return etats


__all__ = [
    "FICHIER_ATELIER",
    "SCR_COURANTS",
    "Analyse",
    "CoucheSource",
    "OptionsImport",
    "RapportImport",
    "SchemaInvalide",
    "analyser",
    "colonnes_du_genre",
    "enregistrer_couche",
    "etat_couches",
    "importer",
    "preparer",
    "proposer_correspondances",
    "proposer_genre",
]
