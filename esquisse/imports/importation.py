"""Import d'une couche de référence fournie par l'utilisateur.

Les fichiers sont ouverts et décrits par :mod:`esquisse.imports.sources`, leurs colonnes mises en
correspondance par :mod:`esquisse.imports.correspondances` ; ce module enchaîne le tout.

Formats admis : GeoJSON, GeoPackage (l'utilisateur choisit la couche), Shapefile en archive
zip, CSV avec une colonne WKT ou des colonnes longitude/latitude ; GeoJSON et CSV peuvent
aussi être compressés en ``.gz``. Le parcours se fait en deux temps :

1. :func:`analyser` ouvre le fichier sans rien écrire et décrit ce qu'il contient : couches,
   nombre d'entités, système de coordonnées (SCR) détecté ou proposé, colonnes, et la
   correspondance proposée avec le schéma d'Esquisse (les noms d'ADMIN EXPRESS, en
   majuscules, sont reconnus) ;
2. :func:`importer` lit la couche choisie, la ramène en WGS84, répare les géométries
   invalides (avec un rapport), applique la correspondance des colonnes, valide le tout
   contre le schéma du genre (:mod:`esquisse.referentiel.couches`), puis seulement écrit la couche dans
   le dossier de l'atelier et la déclare dans ``atelier.json``.

Toute erreur lève une :class:`~esquisse.noyau.erreurs.EsquisseErreur` au message en français, et
rien n'est écrit : le fichier envoyé est ouvert dans un dossier temporaire, hors du dossier
de l'atelier, supprimé à la fin ; la couche n'est écrite qu'une fois complète, d'un coup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from esquisse.atelier.ateliers import FICHIER_ATELIER, GENRES_COUCHES, charger_atelier, modifier_atelier
from esquisse.carte.affichage import elaguer_cache
from esquisse.imports.correspondances import (
    appliquer_correspondances,
    colonnes_du_genre,
    proposer_correspondances,
    proposer_genre,
)
from esquisse.imports.sources import (
    NOMS_TYPES,
    SCR_COURANTS,
    Analyse,
    CoucheSource,
    Progression,
    analyser,
    echantillon,
    en_france,
    epsg_de,
    libelle_scr,
    lire,
    ouvrir,
    taille_max_octets,
)
from esquisse.noyau.dates import date_heure
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur, SchemaInvalide
from esquisse.noyau.fichiers import traduire_erreurs_bibliotheque, traduire_erreurs_disque
from esquisse.noyau.texte import LIGNES_RAPPORT
from esquisse.noyau.texte import exemples as _exemples
from esquisse.noyau.texte import nombre as _nombre
from esquisse.referentiel.couches import SCHEMAS, valider
from esquisse.stockage.rangement import deposer_fichier, lire_document

DOSSIER_COUCHES = "couches"  # dans le dossier de l'atelier

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


def _filtrer(gdf: gpd.GeoDataFrame, options: OptionsImport, source: str) -> tuple[gpd.GeoDataFrame, str]:
    from esquisse.referentiel.cog import libelle_departement, libelle_region

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
    with ouvrir(source, nom, taille_max) as (_fmt, jeux):
        jeu = next(j for j in jeux if j.relatif == relatif)
        gdf = lire(jeu, nom_couche, progression, 0.05, 0.45)
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
        compte = pd.Series([NOMS_TYPES.get(int(t), str(t)) for t in types[autres]]).value_counts()
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
    epsg_source = epsg_de(crs)
    if epsg_source != 4326:
        gdf = gdf.to_crs(4326)
        rapport.reprojete = True
    coords = shapely.get_coordinates(gdf.geometry.values)
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise DonneeInvalide(
            f"Avec le système {rapport.scr_source}, les coordonnées de « {couche.libelle} » tombent hors du globe : "
            "ce n'est pas le bon système de coordonnées."
        )
    xy = echantillon(gdf.geometry.values)
    if en_france(xy[:, 0], xy[:, 1]).mean() < 0.5:
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
    gdf = appliquer_correspondances(gdf, options.genre, correspondances, couche.libelle)
    gdf, rapport.filtre = _filtrer(gdf, options, couche.libelle)
    gdf = gdf.reset_index(drop=True)
    gdf = valider(gdf, options.genre, couche.libelle)
    rapport.nb_entites = len(gdf)
    return gdf, rapport


# --------------------------------------------------------------------------- import


def _en_geopackage(gdf: gpd.GeoDataFrame, genre: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="esquisse-gpkg-") as dossier:
        chemin = Path(dossier) / f"{genre}.gpkg"
        with traduire_erreurs_bibliotheque(Path(dossier), "la couche importée"):
            pyogrio.write_dataframe(gdf, chemin, layer=genre, driver="GPKG")
        return chemin.read_bytes()


@traduire_erreurs_disque("la couche importée")
def importer(
    dossier_projets: Path,
    atelier_id: str,
    source: Path | bytes,
    nom: str,
    options: OptionsImport,
    taille_max: int | None = None,
    progression: Progression | None = None,
    dossier_cache: Path | None = None,
) -> RapportImport:
    """Importe la couche dans l'atelier et la déclare dans ``atelier.json`` ; renvoie le rapport.

    Avec ``dossier_cache``, l'affichage de la carte est préparé dans la foulée (simplification,
    fichiers gzippés) : la première ouverture de la carte n'attend pas.

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
    if dossier_cache is not None:
        progression(0.95, "Préparation de l'affichage sur la carte")
        rapport.avertissements.extend(preparer_affichage(dossier_projets, atelier_id, dossier_cache))
    rapport.duree_s = time.perf_counter() - debut
    progression(1.0, "Import terminé")
    return rapport


def preparer_affichage(dossier_projets: Path, atelier_id: str, dossier_cache: Path) -> list[str]:
    """Prépare les fichiers d'affichage des couches de l'atelier ; renvoie les problèmes rencontrés."""
    from esquisse.carte.construction import parametres_atelier

    try:
        parametres_atelier(charger_atelier(dossier_projets, atelier_id), dossier_cache)
    except EsquisseErreur as exc:
        return [f"La carte de l'atelier ne peut pas encore s'afficher : {exc}"]
    elaguer_cache(dossier_projets, dossier_cache)  # les fichiers de l'ancienne couche, quand plus rien ne s'en sert
    return []


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
    relatif = f"{DOSSIER_COUCHES}/{nom_fichier}"
    reference = f"atelier:{relatif}"
    cree = False

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
        # Fichiers : ``couches/<nom>`` dans le dossier de l'atelier ; base : une ligne de la base, et sa
        # copie locale (le cache de ce processus). Le même nom revient au même contenu (empreinte).
        cree = deposer_fichier(atelier.dossier, relatif, contenu)
        modifier_atelier(dossier_projets, atelier_id, declarer)
    except BaseException:
        if cree:
            # Le fichier local (ou sa copie en cache) disparaît ; dans une base, la ligne déposée reste,
            # citée par aucun atelier (un fichier déposé n'est jamais retiré).
            (atelier.dossier / relatif).unlink(missing_ok=True)
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
        document = lire_document(atelier.dossier, "atelier")
    except (OSError, EsquisseErreur):
        document = None
    donnees = document.contenu if document is not None and isinstance(document.contenu, dict) else {}
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
            quand = date_heure(meta["enregistre_le"]) if meta.get("enregistre_le") else ""
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
