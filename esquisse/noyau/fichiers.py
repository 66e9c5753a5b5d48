"""Écritures sûres : fichier temporaire, fsync, renommage ; verrous entre processus.

Aucune écriture d'Esquisse ne laisse de fichier partiel : un arrêt brutal au milieu laisse
l'ancien contenu intact (et au pire un fichier temporaire ``.tmp-*``, ignoré et nettoyé).

Un disque plein (ENOSPC), une erreur d'entrée-sortie (EIO) ou un disque en lecture seule
devient une :class:`~esquisse.noyau.erreurs.EcritureImpossible`, au message en français : le fichier
temporaire est retiré et l'ancien contenu reste tel quel.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from esquisse.noyau.erreurs import EcritureImpossible

PREFIXE_TEMPORAIRE = ".tmp-"

# Erreurs du disque, et comment les dire : l'utilisateur n'y peut rien, l'administrateur si.
CAUSES_DISQUE = {
    errno.ENOSPC: "Le disque est plein",
    errno.EDQUOT: "Le quota de disque est atteint",
    errno.EIO: "Erreur d'entrée-sortie du disque",
    errno.EROFS: "Le disque est en lecture seule",
}


def erreur_disque(exc: BaseException, quoi: str) -> EcritureImpossible | None:
    """L'erreur en français si ``exc`` vient du disque (plein, E/S, lecture seule), sinon ``None``.

    ``quoi`` nomme ce qui n'a pas été enregistré (« « atelier.json » », « la nouvelle version »…).
    """
    if isinstance(exc, EcritureImpossible):
        return exc
    if not isinstance(exc, OSError) or exc.errno not in CAUSES_DISQUE:
        return None
    erreur = EcritureImpossible(
        f"{CAUSES_DISQUE[exc.errno]} : impossible d'enregistrer {quoi} ; rien n'a été modifié. "
        "Prévenez la personne qui gère le serveur.",
    )
    erreur.errno = exc.errno
    erreur.cause = CAUSES_DISQUE[exc.errno]
    erreur.__cause__ = exc
    return erreur


@contextlib.contextmanager
def traduire_erreurs_disque(quoi: str) -> Iterator[None]:
    """Bloc (ou décorateur) dont les erreurs du disque deviennent des :class:`EcritureImpossible`."""
    try:
        yield
    except EcritureImpossible:
        raise
    except OSError as exc:
        erreur = erreur_disque(exc, quoi)
        if erreur is None:
            raise
        raise erreur from exc


# Ce que disent d'un disque plein les bibliothèques qui écrivent elles-mêmes (GDAL, SQLite), quand elles le disent.
_DISQUE_PLEIN_DIT = ("no space left on device", "database or disk is full", "disk is full", "disk full")
TAILLE_SONDE = 1 << 20


def sonder_disque(dossier: Path, octets: int = TAILLE_SONDE) -> OSError | None:
    """Écrit ``octets`` dans ``dossier``, les synchronise, puis les retire : l'erreur du disque (plein,
    entrée-sortie, lecture seule) si c'est impossible, sinon ``None``."""
    try:
        fd, sonde = tempfile.mkstemp(prefix=PREFIXE_TEMPORAIRE, dir=dossier)
    except OSError as exc:
        return exc if exc.errno in CAUSES_DISQUE else None
    try:
        bloc, reste = b"\0" * 65536, octets
        while reste > 0:
            reste -= os.write(fd, bloc[:reste])
        os.fsync(fd)
    except OSError as exc:
        return exc if exc.errno in CAUSES_DISQUE else None
    finally:
        os.close(fd)
        Path(sonde).unlink(missing_ok=True)
    return None


@contextlib.contextmanager
def traduire_erreurs_bibliotheque(
    dossier: Path, quoi: str, erreurs: tuple[type[Exception], ...] = (RuntimeError,)
) -> Iterator[None]:
    """Bloc où une bibliothèque (GDAL…) écrit elle-même dans ``dossier`` : elle signale un disque plein
    par sa propre erreur, souvent sans le nommer (« no such table »). Après une de ces ``erreurs``, le
    disque est sondé ; s'il ne peut plus écrire, l'erreur devient une :class:`EcritureImpossible`.
    Les erreurs de pyogrio (GDAL) sont des ``RuntimeError``."""
    try:
        yield
    except erreurs as exc:
        cause = sonder_disque(dossier)
        if cause is None and any(m in str(exc).lower() for m in _DISQUE_PLEIN_DIT):
            cause = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if cause is None:
            raise
        raise erreur_disque(cause, quoi) from exc


def raison_illisible(exc: BaseException) -> str:
    """Pourquoi un fichier JSON ne se lit pas, en français (« JSON invalide ligne 1, colonne 9 »)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"JSON invalide ligne {exc.lineno}, colonne {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"texte qui n'est pas de l'UTF-8 (octet {exc.start})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"erreur de lecture : {exc.strerror}"
    return str(exc)


def _quoi(chemin: Path) -> str:
    return f"« {chemin.name} »"


def _synchroniser_dossier(dossier: Path) -> None:
    fd = os.open(dossier, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _dossier_parent(chemin: Path) -> Iterator[None]:
    """Crée au besoin le dossier de ``chemin`` ; si le bloc échoue, retire ceux qu'il a créés (restés vides).

    Une écriture refusée (disque plein…) ne laisse donc rien, pas même un dossier vide.
    """
    crees = []
    dossier = chemin.parent
    while not dossier.exists():
        crees.append(dossier)
        dossier = dossier.parent
    chemin.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        for dossier in crees:  # du plus profond au plus haut ; un dossier rempli entre-temps reste
            with contextlib.suppress(OSError):
                dossier.rmdir()
        raise


def _temporaire(chemin: Path, contenu: bytes) -> str:
    fd, temporaire = tempfile.mkstemp(prefix=PREFIXE_TEMPORAIRE, dir=chemin.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(contenu)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(temporaire).unlink(missing_ok=True)
        raise
    return temporaire


def ecrire_atomiquement(chemin: Path, contenu: bytes) -> None:
    """Remplace ``chemin`` par ``contenu`` d'un seul coup (rename atomique)."""
    with traduire_erreurs_disque(_quoi(chemin)), _dossier_parent(chemin):
        temporaire = _temporaire(chemin, contenu)
        try:
            os.replace(temporaire, chemin)
        except BaseException:
            Path(temporaire).unlink(missing_ok=True)
            raise
        _synchroniser_dossier(chemin.parent)


def creer_sans_ecraser(chemin: Path, contenu: bytes) -> bool:
    """Crée ``chemin`` avec ``contenu`` s'il n'existe pas encore, d'un seul coup.

    Renvoie ``False``, sans rien modifier, si le fichier existe déjà : ``link`` échoue alors
    de façon atomique, même entre processus. Un fichier n'est donc jamais remplacé.
    """
    with traduire_erreurs_disque(_quoi(chemin)), _dossier_parent(chemin):
        temporaire = _temporaire(chemin, contenu)
        try:
            os.link(temporaire, chemin)
        except FileExistsError:
            return False
        finally:
            Path(temporaire).unlink(missing_ok=True)
        _synchroniser_dossier(chemin.parent)
    return True


@contextlib.contextmanager
def remplacer_par_temporaire(chemin: Path) -> Iterator[Path]:
    """Un chemin neuf, à côté de ``chemin``, à remplir par une bibliothèque qui écrit elle-même.

    À la sortie du bloc, le fichier écrit est synchronisé puis remplace ``chemin`` d'un coup ;
    si le bloc échoue, tout ce qu'il a écrit disparaît et ``chemin`` n'est pas touché. Le
    fichier est créé dans un dossier temporaire qui reçoit aussi ses fichiers annexes
    (journal d'une base SQLite, par exemple).
    """
    with traduire_erreurs_disque(_quoi(chemin)), _dossier_parent(chemin):
        dossier = Path(tempfile.mkdtemp(prefix=PREFIXE_TEMPORAIRE, dir=chemin.parent))
        temporaire = dossier / chemin.name
        try:
            yield temporaire
            fd = os.open(temporaire, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporaire, chemin)
        finally:
            shutil.rmtree(dossier, ignore_errors=True)
        _synchroniser_dossier(chemin.parent)


def ecrire_json(chemin: Path, donnees, *, creer_seulement: bool = False) -> bool:
    texte = json.dumps(donnees, ensure_ascii=False, indent=1) + "\n"
    if creer_seulement:
        return creer_sans_ecraser(chemin, texte.encode("utf-8"))
    ecrire_atomiquement(chemin, texte.encode("utf-8"))
    return True


@contextlib.contextmanager
def verrou(chemin: Path) -> Iterator[None]:
    """Verrou exclusif entre processus (``flock``), libéré même si le processus est tué."""
    with traduire_erreurs_disque(_quoi(chemin.parent)):
        chemin.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(chemin, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def nettoyer_temporaires(dossier: Path) -> int:
    """Supprime les fichiers temporaires laissés par un arrêt brutal ; renvoie leur nombre."""
    n = 0
    for f in dossier.glob(f"{PREFIXE_TEMPORAIRE}*"):
        f.unlink(missing_ok=True)
        n += 1
    return n
