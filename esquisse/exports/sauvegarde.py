"""Archive d'un atelier entier (zip) : sauvegarde, déménagement vers une autre machine, et import.

L'archive contient le dossier de l'atelier tel quel (``atelier.json``, séances, hypothèses,
versions, historiques, couches importées, relevés), sous ``<identifiant>/``, et un manifeste
``esquisse-archive.json`` qui donne la taille et l'empreinte SHA-256 de chaque fichier.
Les verrous et les fichiers temporaires n'y entrent pas.

L'import se méfie de l'archive reçue : il refuse les chemins absolus ou qui remontent
(``../``), les liens symboliques, les fichiers absents du manifeste ou qui ne lui
correspondent pas, les tailles au-delà de la limite (réglage ``ESQUISSE_ARCHIVE_MAX_MO``) et
les bombes de décompression ; il compte les octets réellement décompressés plutôt que de
croire l'en-tête. Il extrait dans un dossier temporaire, vérifie tout, puis renomme ce
dossier d'un coup : rien n'est écrit à moitié, et un atelier existant n'est jamais remplacé.

Avec une base (``ESQUISSE_BASE``), l'export recopie d'abord l'atelier de la base dans un dossier
temporaire, au format des fichiers, et l'archive a la même forme ; l'import déballe et vérifie
l'archive de la même façon, hors du dossier des ateliers, puis copie l'atelier dans la base
(:func:`esquisse.stockage.copie.copier`, qui refuse un atelier que la base connaît déjà).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from esquisse.atelier.ateliers import (
    FICHIER_ATELIER,
    Atelier,
    charger_atelier,
    lire_atelier_en_fichiers,
    resoudre_reference,
    verifier_identifiant,
)
from esquisse.esquisses.versions import maintenant
from esquisse.noyau.archives import verifier_arborescence
from esquisse.noyau.erreurs import DonneeInvalide, EsquisseErreur
from esquisse.noyau.fichiers import (
    PREFIXE_TEMPORAIRE,
    erreur_disque,
    remplacer_par_temporaire,
    traduire_erreurs_disque,
    verrou,
)
from esquisse.stockage.copie import copier
from esquisse.stockage.disque import StockageFichiers
from esquisse.stockage.rangement import en_base, magasin

Progression = Callable[[float, str], None]

FORMAT_ARCHIVE = 1
MANIFESTE = "esquisse-archive.json"
FICHIER_VERROU_IMPORT = ".verrou-import"
# Au-delà de ce taux de compression, un fichier de plus de 1 Mo est tenu pour une bombe.
TAUX_MAX = 200
FICHIERS_MAX = 200_000
_MORCEAU = 1 << 20
_EXCLUS = re.compile(r"^(\.verrou|\.tmp-)")


def _rien(_part: float, _message: str) -> None:
    return None


def _mo(octets: int) -> str:
    return f"{octets / 1e6:,.1f} Mo".replace(",", " ").replace(".", ",")


def _sha256(chemin: Path) -> str:
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        while morceau := f.read(_MORCEAU):
            h.update(morceau)
    return h.hexdigest()


def fichiers_atelier(dossier: Path) -> list[PurePosixPath]:
    """Les fichiers à sauvegarder, relatifs au dossier de l'atelier, triés.

    Ni verrous, ni fichiers temporaires, ni liens symboliques (qui pourraient pointer hors
    de l'atelier).
    """
    resultat = []
    for racine, dossiers, fichiers in os.walk(dossier, followlinks=False):
        dossiers[:] = sorted(d for d in dossiers if not _EXCLUS.match(d) and not (Path(racine) / d).is_symlink())
        for nom in sorted(fichiers):
            chemin = Path(racine) / nom
            if _EXCLUS.match(nom) or chemin.is_symlink() or not chemin.is_file():
                continue
            resultat.append(PurePosixPath(chemin.relative_to(dossier).as_posix()))
    return resultat


def exporter_archive(atelier: Atelier, destination: Path, progression: Progression | None = None) -> Path:
    """L'archive zip de l'atelier entier, avec son manifeste ; renvoie ``destination``.

    Avec la base (``ESQUISSE_BASE``), l'atelier est d'abord recopié de la base vers un dossier
    temporaire, au format des fichiers (documents, versions et historiques, couches importées,
    journal, brouillons), puis zippé comme un dossier d'atelier : l'archive a la même forme.
    """
    if not en_base():
        return _zipper(atelier, atelier.dossier, destination, progression)
    avancer = progression or _rien
    avancer(0.0, "Lecture de l'atelier dans la base…")
    with (
        traduire_erreurs_disque("l'archive de l'atelier"),
        tempfile.TemporaryDirectory(prefix=f"{PREFIXE_TEMPORAIRE}archive-") as temporaire,
    ):
        copier(atelier.id, magasin(atelier.dossier.parent), StockageFichiers(Path(temporaire)))
        return _zipper(atelier, Path(temporaire) / atelier.id, destination, progression)


def _zipper(atelier: Atelier, dossier: Path, destination: Path, progression: Progression | None) -> Path:
    avancer = progression or _rien
    relatifs = fichiers_atelier(dossier)
    manifeste = {
        "format": FORMAT_ARCHIVE,
        "atelier": atelier.id,
        "nom": atelier.nom,
        "cree_le": maintenant(),
        "fichiers": [],
    }
    with (
        remplacer_par_temporaire(destination) as temporaire,
        zipfile.ZipFile(temporaire, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf,
    ):
        for k, relatif in enumerate(relatifs):
            if k % 50 == 0:
                avancer(0.95 * k / max(len(relatifs), 1), f"{k} fichiers sur {len(relatifs)}…")
            chemin = dossier / relatif
            contenu = chemin.read_bytes()
            info = zipfile.ZipInfo.from_file(chemin, f"{atelier.id}/{relatif}")
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, contenu)
            manifeste["fichiers"].append(
                {"chemin": str(relatif), "taille": len(contenu), "sha256": hashlib.sha256(contenu).hexdigest()}
            )
        zf.writestr(MANIFESTE, json.dumps(manifeste, ensure_ascii=False, indent=1))
    avancer(1.0, f"Archive prête : {len(relatifs)} fichiers.")
    return destination


# -- lecture et vérification d'une archive reçue ----------------------------------------------------


@dataclass(frozen=True)
class FichierArchive:
    chemin: PurePosixPath
    taille: int
    sha256: str


@dataclass(frozen=True)
class Manifeste:
    atelier: str
    nom: str
    cree_le: str
    fichiers: tuple[FichierArchive, ...]

    @property
    def taille(self) -> int:
        return sum(f.taille for f in self.fichiers)


def _relatif_sur(brut: str, archive: str) -> PurePosixPath:
    """Un chemin relatif sans détour ; lève si le nom est absolu, remonte ou est mal formé."""
    if not isinstance(brut, str) or not brut or "\x00" in brut or "\\" in brut:
        raise DonneeInvalide(f"L'archive « {archive} » contient un nom de fichier invalide (« {brut!r} »).")
    if brut.startswith("/") or re.match(r"^[A-Za-z]:", brut):
        raise DonneeInvalide(
            f"L'archive « {archive} » contient un chemin absolu (« {brut} ») : elle est refusée par sécurité."
        )
    parties = brut.split("/")
    if any(p in {"..", ".", ""} for p in parties):
        raise DonneeInvalide(
            f"L'archive « {archive} » contient un chemin qui sort de son dossier ou mal formé (« {brut} ») : "
            "elle est refusée par sécurité."
        )
    return PurePosixPath(brut)


def _nom(source: Path | BinaryIO, nom: str | None) -> str:
    return nom or Path(str(getattr(source, "name", "archive.zip"))).name


def _ouvrir(source: Path | BinaryIO, archive: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        raise DonneeInvalide(
            f"« {archive} » n'est pas une archive zip lisible (fichier abîmé ou téléversement interrompu ?)."
        ) from None


def _lire_manifeste(zf: zipfile.ZipFile, archive: str) -> Manifeste:
    try:
        info = zf.getinfo(MANIFESTE)
    except KeyError:
        raise DonneeInvalide(
            f"« {archive} » n'est pas une archive d'atelier Esquisse : le fichier {MANIFESTE} manque."
        ) from None
    if info.file_size > 50 * _MORCEAU:
        raise DonneeInvalide(f"L'archive « {archive} » a un manifeste anormalement gros : elle est refusée.")
    try:
        donnees = json.loads(zf.read(info))
    except (json.JSONDecodeError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error) as exc:
        raise DonneeInvalide(f"Le manifeste de l'archive « {archive} » est illisible ({exc}).") from None
    if not isinstance(donnees, dict) or donnees.get("format") != FORMAT_ARCHIVE:
        lu = donnees.get("format") if isinstance(donnees, dict) else "?"
        raise DonneeInvalide(
            f"L'archive « {archive} » est au format « {lu} » ; cette version d'Esquisse lit le format {FORMAT_ARCHIVE}."
        )
    try:
        identifiant = verifier_identifiant(donnees.get("atelier"))
        fichiers = []
        for f in donnees["fichiers"]:
            taille = f["taille"]
            if not isinstance(taille, int) or taille < 0 or not re.fullmatch(r"[0-9a-f]{64}", str(f["sha256"])):
                raise DonneeInvalide(f"Entrée de manifeste invalide : « {f.get('chemin')} ».")
            fichiers.append(FichierArchive(_relatif_sur(f["chemin"], archive), taille, f["sha256"]))
    except (KeyError, TypeError) as exc:
        raise DonneeInvalide(f"Le manifeste de l'archive « {archive} » est incomplet ({exc}).") from None
    verifier_arborescence((f.chemin for f in fichiers), archive)
    if not any(f.chemin == PurePosixPath(FICHIER_ATELIER) for f in fichiers):
        raise DonneeInvalide(f"L'archive « {archive} » ne contient pas de fichier {FICHIER_ATELIER}.")
    return Manifeste(
        identifiant, str(donnees.get("nom") or identifiant), str(donnees.get("cree_le") or ""), tuple(fichiers)
    )


def _verifier_membres(zf: zipfile.ZipFile, m: Manifeste, archive: str, taille_max: int) -> dict[str, zipfile.ZipInfo]:
    """Chaque membre de l'archive, vérifié contre le manifeste avant toute écriture."""
    membres = zf.infolist()
    if len(membres) > FICHIERS_MAX:
        raise DonneeInvalide(f"L'archive « {archive} » contient {len(membres)} fichiers ; au plus {FICHIERS_MAX}.")
    attendus = {f"{m.atelier}/{f.chemin}": f for f in m.fichiers}
    if len({k.casefold() for k in attendus}) != len(attendus):
        raise DonneeInvalide(f"Le manifeste de l'archive « {archive} » cite deux fois le même fichier.")
    trouves: dict[str, zipfile.ZipInfo] = {}
    for info in membres:
        nom = info.filename
        if stat.S_ISLNK(info.external_attr >> 16):
            raise DonneeInvalide(
                f"L'archive « {archive} » contient un lien symbolique (« {nom} ») : elle est refusée par sécurité."
            )
        if nom == MANIFESTE:
            continue
        if info.is_dir():
            _relatif_sur(nom.rstrip("/"), archive)
            continue
        _relatif_sur(nom, archive)
        if nom not in attendus:
            raise DonneeInvalide(
                f"L'archive « {archive} » contient « {nom} », absent de son manifeste ou hors du dossier "
                f"« {m.atelier}/ » : elle est refusée."
            )
        if nom in trouves:
            raise DonneeInvalide(f"L'archive « {archive} » contient deux fois « {nom} ».")
        if info.flag_bits & 0x1:
            raise DonneeInvalide(f"L'archive « {archive} » est chiffrée : envoyez-la sans mot de passe.")
        if info.file_size != attendus[nom].taille:
            raise DonneeInvalide(
                f"L'archive « {archive} » est incohérente : « {nom} » ne fait pas la taille indiquée par son manifeste."
            )
        if info.file_size > _MORCEAU and info.file_size > TAUX_MAX * max(info.compress_size, 1):
            raise DonneeInvalide(
                f"L'archive « {archive} » est suspecte : « {nom} » se décompresse "
                f"{info.file_size // max(info.compress_size, 1)} fois plus gros que sa taille compressée."
            )
        trouves[nom] = info
    manquants = sorted(set(attendus) - set(trouves))
    if manquants:
        raise DonneeInvalide(
            f"L'archive « {archive} » est incomplète : {len(manquants)} fichier(s) du manifeste manque(nt), "
            f"par exemple « {manquants[0]} »."
        )
    if m.taille > taille_max:
        raise DonneeInvalide(
            f"L'archive « {archive} » se décompresse en {_mo(m.taille)}, au-delà de la limite de {_mo(taille_max)} "
            "(réglage ESQUISSE_ARCHIVE_MAX_MO)."
        )
    return trouves


def lire_archive(source: Path | BinaryIO, nom: str | None = None) -> Manifeste:
    """Le manifeste d'une archive (pour l'afficher avant d'importer) ; lève si elle est illisible."""
    archive = _nom(source, nom)
    with _ouvrir(source, archive) as zf:
        return _lire_manifeste(zf, archive)


def _pris(dossier_projets: Path, identifiant: str) -> bool:
    """L'identifiant d'atelier sert-il déjà : un dossier (fichiers), ou quoi que ce soit dans la base ?"""
    if not en_base():
        return (dossier_projets / identifiant).exists()
    m = magasin(dossier_projets)
    return bool(
        m.documents.lister(identifiant)
        or m.hypotheses(identifiant)
        or m.fichiers.lister(identifiant)
        or m.journal.lire(identifiant)[0]
    )


def identifiant_libre(dossier_projets: Path, base: str) -> str:
    """``base``, ou ``base-2``, ``base-3``… : le premier identifiant d'atelier libre."""
    candidat, n = base, 2
    while _pris(dossier_projets, candidat):
        suffixe = f"-{n}"
        candidat, n = base[: 64 - len(suffixe)] + suffixe, n + 1
    return candidat


@dataclass(frozen=True)
class Import:
    atelier: Atelier
    fichiers: int
    avertissements: tuple[str, ...] = ()


@traduire_erreurs_disque("l'atelier importé")
def importer_archive(
    source: Path | BinaryIO,
    dossier_projets: Path,
    identifiant: str | None = None,
    taille_max: int = 2_000_000_000,
    nom: str | None = None,
    progression: Progression | None = None,
) -> Import:
    """Importe l'archive ``source`` (fichier ou flux) comme atelier ``identifiant`` (celui de l'archive par défaut).

    Refuse, sans rien écrire, une archive hostile ou abîmée, et un identifiant déjà pris :
    un atelier existant n'est jamais remplacé. L'archive est déballée dans un dossier
    temporaire et vérifiée en entier ; puis ce dossier devient l'atelier (fichiers), ou
    l'atelier est recopié de ce dossier dans la base (``ESQUISSE_BASE``).
    """
    avancer = progression or _rien
    archive = _nom(source, nom)
    dans_la_base = en_base()
    with _ouvrir(source, archive) as zf:
        m = _lire_manifeste(zf, archive)
        cible_id = verifier_identifiant(identifiant or m.atelier)
        membres = _verifier_membres(zf, m, archive, taille_max)
        cible = dossier_projets / cible_id
        if _pris(dossier_projets, cible_id):
            raise DonneeInvalide(_deja_pris(dossier_projets, cible_id))
        dossier_projets.mkdir(parents=True, exist_ok=True)
        # Avec la base, le dossier local n'est qu'un cache : l'archive est déballée hors de lui.
        temporaire = Path(
            tempfile.mkdtemp(prefix=f"{PREFIXE_TEMPORAIRE}import-", dir=None if dans_la_base else dossier_projets)
        )
        try:
            racine = temporaire / cible_id
            racine.mkdir()
            for k, f in enumerate(m.fichiers):
                if k % 50 == 0:
                    avancer(0.9 * k / len(m.fichiers), f"Vérification : {k} fichiers sur {len(m.fichiers)}…")
                _extraire(zf, membres[f"{m.atelier}/{f.chemin}"], racine, f, archive)
            try:
                atelier = lire_atelier_en_fichiers(racine)
            except EsquisseErreur as exc:
                raise DonneeInvalide(f"L'archive « {archive} » contient un atelier invalide : {exc}") from exc
            avertissements = _couches_absentes(atelier)
            avancer(0.95, "Mise en place de l'atelier…")
            with verrou(dossier_projets / FICHIER_VERROU_IMPORT):
                if _pris(dossier_projets, cible_id):
                    raise DonneeInvalide(_deja_pris(dossier_projets, cible_id))
                if dans_la_base:
                    # La copie refuse, avant toute écriture, un atelier que la base connaît déjà.
                    copier(cible_id, StockageFichiers(temporaire), magasin(dossier_projets))
                else:
                    try:
                        os.rename(racine, cible)
                    except OSError as exc:  # la cible est apparue entre-temps, non vide
                        raise DonneeInvalide(_deja_pris(dossier_projets, cible_id)) from exc
        finally:
            shutil.rmtree(temporaire, ignore_errors=True)
    avancer(1.0, "Atelier importé.")
    return Import(charger_atelier(dossier_projets, cible_id), len(m.fichiers), avertissements)


def _deja_pris(dossier_projets: Path, identifiant: str) -> str:
    libre = identifiant_libre(dossier_projets, identifiant)
    return (
        f"Un atelier existe déjà sous l'identifiant « {identifiant} » : il n'est pas remplacé. "
        f"Importez l'archive sous un autre identifiant, par exemple « {libre} »."
    )


def _extraire(zf: zipfile.ZipFile, info: zipfile.ZipInfo, racine: Path, f: FichierArchive, archive: str) -> None:
    cible = racine.joinpath(*f.chemin.parts)
    if not cible.resolve().is_relative_to(racine.resolve()):  # ceinture et bretelles
        raise DonneeInvalide(f"L'archive « {archive} » contient un chemin hostile (« {info.filename} »).")
    cible.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    ecrit = 0
    try:
        with zf.open(info) as entree, open(cible, "xb") as sortie:
            while morceau := entree.read(_MORCEAU):
                ecrit += len(morceau)
                # L'en-tête peut mentir : on compte ce qui sort vraiment.
                if ecrit > f.taille:
                    raise DonneeInvalide(
                        f"L'archive « {archive} » est suspecte : « {info.filename} » se décompresse en plus "
                        "que la taille annoncée."
                    )
                h.update(morceau)
                sortie.write(morceau)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        if disque := erreur_disque(exc, f"l'atelier de l'archive « {archive} »"):
            raise disque from exc
        raise DonneeInvalide(
            f"L'archive « {archive} » est abîmée : « {info.filename} » ne peut pas être décompressé ({exc})."
        ) from None
    if ecrit != f.taille or h.hexdigest() != f.sha256:
        raise DonneeInvalide(
            f"L'archive « {archive} » est abîmée ou a été modifiée : « {info.filename} » ne correspond pas à "
            "l'empreinte de son manifeste."
        )


def _couches_absentes(atelier: Atelier) -> tuple[str, ...]:
    avertissements = []
    for genre, reference in atelier.couches.items():
        try:
            chemin = resoudre_reference(reference, atelier.dossier)
        except EsquisseErreur as exc:
            avertissements.append(str(exc))
            continue
        if not chemin.is_file():
            avertissements.append(
                f"La couche « {genre} » ({reference}) n'existe pas sur cette installation d'Esquisse : "
                "la carte de l'atelier ne pourra pas l'afficher."
            )
    return tuple(avertissements)
