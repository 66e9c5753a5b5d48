"""Où le domaine range ce qu'il écrit : les fonctions que les modules du domaine appellent.

Les modules du domaine désignent un atelier par son dossier, ``<ESQUISSE_PROJETS>/<identifiant>``.
Avec le magasin de fichiers (par défaut), tout est rangé dans ce dossier, au format de toujours.
Avec ``ESQUISSE_BASE``, seul l'identifiant (le nom du dossier) compte : documents, versions,
brouillons, journal et couches importées sont dans la base, partagés par tous les processus ;
le dossier local ne sert plus que de cache (une couche importée y est recopiée pour être lue).
"""

from __future__ import annotations

from pathlib import Path

from esquisse.noyau.erreurs import Concurrence, Introuvable
from esquisse.noyau.fichiers import creer_sans_ecraser
from esquisse.noyau.reglages import reglage
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.disque import HYPOTHESES, SEANCES, StockageFichiers, verifier_chemin_depose
from esquisse.stockage.interfaces import Changer, Document, RefDocument, RefHypothese, Stockage


def en_base() -> bool:
    """Les ateliers sont-ils rangés dans la base (``ESQUISSE_BASE``) plutôt que dans les fichiers ?"""
    return bool(reglage("ESQUISSE_BASE"))


def magasin(dossier_projets: Path) -> Stockage:
    """Le magasin des ateliers : la base ``ESQUISSE_BASE`` si elle est réglée, sinon ``dossier_projets``."""
    return ouvrir(reglage("ESQUISSE_BASE")) if en_base() else StockageFichiers(Path(dossier_projets))


def verifier_joignable() -> None:
    """Lève :class:`~esquisse.noyau.erreurs.BaseInjoignable` si la base ``ESQUISSE_BASE`` ne répond pas
    (une requête minime, par une connexion du pool) ; ne fait rien avec les fichiers."""
    if en_base():
        ouvrir(reglage("ESQUISSE_BASE")).verifier()


def designation_document(
    dossier_atelier: Path, fichier: str, seance: str = "", hypothese: str = "", en_fichiers: bool = False
) -> str:
    """Où est un document de l'atelier, pour les messages en français.

    Avec les fichiers (ou ``en_fichiers``, pour un atelier en fichiers quel que soit le magasin) : le
    chemin de son fichier ``fichier``, dans le dossier de l'atelier, de la séance ``seance`` ou de
    l'hypothèse ``hypothese``. Avec la base : sa place dans la base (« vues.json de l'hypothèse « a »
    (séance « s », atelier « x »), dans la base de données »)."""
    dossier_atelier = Path(dossier_atelier)
    if not en_base() or en_fichiers:
        dossier = dossier_atelier / SEANCES / seance if seance else dossier_atelier
        return str((dossier / HYPOTHESES / hypothese if hypothese else dossier) / fichier)
    atelier = f"atelier « {dossier_atelier.name} »"
    if hypothese:
        place = f"de l'hypothèse « {hypothese} » (séance « {seance} », {atelier})"
    elif seance:
        place = f"de la séance « {seance} » ({atelier})"
    else:
        place = f"de l'{atelier}"
    return f"{fichier} {place}, dans la base de données"


def magasin_atelier(dossier_atelier: Path) -> Stockage:
    """Le magasin de l'atelier rangé (avec les fichiers) dans ``dossier_atelier``."""
    return magasin(Path(dossier_atelier).parent)


def ref_document(dossier_atelier: Path, genre: str, seance: str = "", hypothese: str = "") -> RefDocument:
    return RefDocument(Path(dossier_atelier).name, genre, seance, hypothese)


def ref_hypothese(dossier_atelier: Path, seance: str, hypothese: str) -> RefHypothese:
    return RefHypothese(Path(dossier_atelier).name, seance, hypothese)


def lire_document(dossier_atelier: Path, genre: str, seance: str = "", hypothese: str = "") -> Document | None:
    """Le document et sa révision, ``None`` s'il n'existe pas ; illisible : :class:`SchemaInvalide`."""
    return magasin_atelier(dossier_atelier).documents.lire(ref_document(dossier_atelier, genre, seance, hypothese))


def modifier_document(
    dossier_atelier: Path, genre: str, changer: Changer, seance: str = "", hypothese: str = ""
) -> Document | None:
    """Lit, change et écrit le document d'un seul tenant (voir :meth:`Documents.modifier`)."""
    ref = ref_document(dossier_atelier, genre, seance, hypothese)
    return magasin_atelier(dossier_atelier).documents.modifier(ref, changer)


def creer_document(
    dossier_atelier: Path, genre: str, contenu: dict | list, seance: str = "", hypothese: str = ""
) -> bool:
    """Crée le document s'il n'existe pas ; ``False``, sans rien écrire, s'il existe déjà."""
    ref = ref_document(dossier_atelier, genre, seance, hypothese)
    try:
        magasin_atelier(dossier_atelier).documents.ecrire(ref, contenu, 0)
    except Concurrence:
        return False
    return True


def lister_documents(dossier_atelier: Path, genre: str) -> list[RefDocument]:
    """Les documents de ce genre qui existent dans l'atelier."""
    return magasin_atelier(dossier_atelier).documents.lister(Path(dossier_atelier).name, genre)


def deposer_fichier(dossier_atelier: Path, chemin: str, contenu: bytes) -> bool:
    """Dépose un fichier nouveau dans l'atelier (``couches/…``) ; ``False`` si ce chemin est déjà pris."""
    dossier_atelier = Path(dossier_atelier)
    depose = magasin_atelier(dossier_atelier).fichiers.deposer(dossier_atelier.name, chemin, contenu)
    if depose and en_base():
        creer_sans_ecraser(dossier_atelier / chemin, contenu)  # le cache local de ce processus
    return depose


def fichier_local(dossier_atelier: Path, chemin: str) -> Path:
    """Le chemin, sur ce disque, d'un fichier déposé dans l'atelier, recopié depuis la base au besoin."""
    dossier_atelier = Path(dossier_atelier)
    local = dossier_atelier / verifier_chemin_depose(chemin)
    if local.is_file() or not en_base():
        return local
    contenu = magasin_atelier(dossier_atelier).fichiers.lire(dossier_atelier.name, chemin)
    if contenu is None:
        raise Introuvable(f"Fichier introuvable dans l'atelier « {dossier_atelier.name} » : « {chemin} ».")
    creer_sans_ecraser(local, contenu)  # un autre processus a pu le recopier en même temps : même contenu
    return local
