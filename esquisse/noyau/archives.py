"""Extraction sûre d'une archive zip envoyée par un utilisateur.

Une archive zip peut être hostile : noms qui remontent hors du dossier (``../``), chemins
absolus, liens symboliques, « bombes » qui se décompressent en gigaoctets, en-têtes qui
mentent sur la taille, archive tronquée. Chaque membre est donc vérifié avant d'écrire quoi
que ce soit, puis décompressé par morceaux en comptant les octets réellement produits.
``zipfile.extractall`` n'est jamais utilisé.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import erreur_disque, traduire_erreurs_disque

MEMBRES_MAX = 2000
# Au-delà de ce taux de compression, un membre de plus de 1 Mo est tenu pour une bombe.
TAUX_MAX = 200
_MORCEAU = 1 << 20
_LECTEUR_WINDOWS = re.compile(r"^[A-Za-z]:")


def _mo(octets: int) -> str:
    return f"{octets / 1e6:,.1f} Mo".replace(",", " ").replace(".", ",")


def _nom_sur(brut: str, archive: str) -> PurePosixPath | None:
    """Le chemin relatif d'un membre, ou ``None`` pour un dossier ; lève si le nom est hostile."""
    nom = brut.replace("\\", "/")
    if nom.endswith("/"):
        return None
    if nom.startswith("/") or _LECTEUR_WINDOWS.match(nom):
        raise DonneeInvalide(
            f"L'archive « {archive} » contient un chemin absolu (« {brut} ») : elle est refusée par sécurité."
        )
    parties = PurePosixPath(nom).parts
    if any(p == ".." for p in parties):
        raise DonneeInvalide(
            f"L'archive « {archive} » contient un fichier qui sort de son dossier (« {brut} ») : "
            "elle est refusée par sécurité."
        )
    if "\x00" in nom or not parties:
        raise DonneeInvalide(f"L'archive « {archive} » contient un nom de fichier invalide (« {brut!r} »).")
    return PurePosixPath(*[p for p in parties if p not in {"", "."}])


def verifier_arborescence(chemins, archive: str) -> None:
    """Refuse, avant toute écriture, un nom qui sert à la fois de fichier et de dossier.

    Une archive qui contient « a » et « a/b.txt » ne peut pas être décompressée : l'un des
    deux écrirait par-dessus l'autre. Les noms sont comparés sans la casse (Windows, macOS).
    """
    fichiers = {str(c).casefold(): str(c) for c in chemins}
    for cle in fichiers:
        for parent in PurePosixPath(cle).parents:
            if str(parent) in fichiers:
                raise DonneeInvalide(
                    f"L'archive « {archive} » contient « {fichiers[str(parent)]} » à la fois comme fichier et "
                    f"comme dossier (« {fichiers[cle]} ») : elle ne peut pas être décompressée, rien n'a été écrit."
                )


@traduire_erreurs_disque("les fichiers de l'archive")
def extraire_zip(chemin: Path, dossier: Path, taille_max: int, archive: str | None = None) -> list[Path]:
    """Extrait l'archive ``chemin`` dans ``dossier`` (vide) ; renvoie les fichiers écrits.

    ``taille_max`` borne la taille totale décompressée, en octets. Lève
    :class:`DonneeInvalide`, avec un message en français, pour toute archive tronquée,
    illisible ou hostile ; le dossier peut alors contenir des fichiers partiels : c'est à
    l'appelant (un dossier temporaire) de le supprimer.
    """
    archive = archive or chemin.name
    try:
        zf = zipfile.ZipFile(chemin)
    except zipfile.BadZipFile:
        raise DonneeInvalide(
            f"L'archive « {archive} » est illisible : ce n'est pas un fichier zip valide, ou il est tronqué "
            "(téléversement interrompu ?)."
        ) from None
    with zf:
        membres = zf.infolist()
        if len(membres) > MEMBRES_MAX:
            raise DonneeInvalide(
                f"L'archive « {archive} » contient {len(membres)} fichiers ; au plus {MEMBRES_MAX} sont admis."
            )
        plan: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        total = 0
        for info in membres:
            relatif = _nom_sur(info.filename, archive)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise DonneeInvalide(
                    f"L'archive « {archive} » contient un lien symbolique (« {info.filename} ») : "
                    "elle est refusée par sécurité."
                )
            if relatif is None or info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise DonneeInvalide(f"L'archive « {archive} » est protégée par un mot de passe : envoyez-la sans.")
            total += info.file_size
            if total > taille_max:
                raise DonneeInvalide(
                    f"L'archive « {archive} » se décompresse en plus de {_mo(taille_max)} : c'est au-delà de la "
                    "limite d'import (réglage ESQUISSE_TAILLE_MAX_IMPORT_MO)."
                )
            if info.file_size > _MORCEAU and info.file_size > TAUX_MAX * max(info.compress_size, 1):
                raise DonneeInvalide(
                    f"L'archive « {archive} » est suspecte : « {info.filename} » se décompresse "
                    f"{info.file_size // max(info.compress_size, 1)} fois plus gros que sa taille compressée "
                    "(bombe de décompression ?)."
                )
            plan.append((info, relatif))
        if not plan:
            raise DonneeInvalide(f"L'archive « {archive} » est vide.")
        cles = [str(r).casefold() for _, r in plan]
        if len(set(cles)) != len(cles):
            raise DonneeInvalide(f"L'archive « {archive} » contient deux fois le même nom de fichier.")
        verifier_arborescence((r for _, r in plan), archive)

        racine = dossier.resolve()
        ecrits: list[Path] = []
        produit = 0
        for info, relatif in plan:
            cible = (racine / relatif).resolve()
            if not cible.is_relative_to(racine):  # ceinture et bretelles
                raise DonneeInvalide(f"L'archive « {archive} » contient un chemin hostile (« {info.filename} »).")
            cible.parent.mkdir(parents=True, exist_ok=True)
            ecrit = 0
            try:
                with zf.open(info) as entree, open(cible, "xb") as sortie:
                    while morceau := entree.read(_MORCEAU):
                        ecrit += len(morceau)
                        produit += len(morceau)
                        # Les tailles de l'en-tête peuvent mentir : on compte ce qui sort vraiment.
                        if ecrit > info.file_size or produit > taille_max:
                            raise DonneeInvalide(
                                f"L'archive « {archive} » est suspecte : « {info.filename} » se décompresse en "
                                "plus que la taille annoncée."
                            )
                        sortie.write(morceau)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
                if disque := erreur_disque(exc, f"« {info.filename} »"):
                    raise disque from exc
                if isinstance(exc, FileExistsError):
                    raise DonneeInvalide(f"L'archive « {archive} » contient deux fois « {info.filename} ».") from None
                raise DonneeInvalide(
                    f"L'archive « {archive} » est abîmée ou tronquée : « {info.filename} » ne peut pas être "
                    f"décompressé ({exc})."
                ) from None
            ecrits.append(cible)
    return ecrits
