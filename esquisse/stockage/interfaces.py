"""Ce que le domaine range, et ce qu'un magasin doit savoir faire (des ``Protocol``).

Trois sortes de données, trois garanties :

- les **versions d'une hypothèse** (:class:`DepotVersions`) : ajout seulement ; un numéro de
  version n'est pris qu'une fois (« ajouter si le numéro est libre ») ; un enregistrement dont
  le numéro a été pris entre-temps est refusé par le magasin, fusionné (fonctions pures de
  :mod:`esquisse.stockage.enregistrement`) puis retenté ;
- les **documents à révision** (:class:`Documents`) : atelier, séance, hypothèse, feuille de
  route, relevé, vues. Chaque écriture donne la révision lue ; si le document a changé depuis,
  rien n'est écrit et :class:`~esquisse.noyau.erreurs.Concurrence` est levée (comparer puis échanger) ;
- les **brouillons et la présence** (:class:`Brouillons`) : les dessins pas encore enregistrés
  d'un poste, avec son dernier signe de vie ;
- le **journal** de l'atelier (:class:`Journal`) : qui a fait quoi, des lignes ajoutées, jamais réécrites ;
- les **fichiers de l'atelier** (:class:`FichiersAtelier`) : les couches importées (GeoJSON rangés
  sous ``couches/``), déposés une fois et jamais remplacés.

Les objets échangés portent des identifiants (atelier, séance, hypothèse), jamais des dossiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from esquisse.esquisses.versions import Changement, Enregistrement, MetaVersion, Version

# Genres de documents à révision, et leur place : ``cle`` vide pour l'atelier et la feuille de
# route, l'identifiant de séance pour la séance et le relevé, « séance/hypothèse » pour
# l'hypothèse et ses vues.
# Ce qui change un document : reçoit une copie du contenu (``None`` s'il n'existe pas), renvoie le nouveau.
Changer = Callable[[dict | list | None], dict | list | None]

GENRES_DOCUMENTS = ("atelier", "feuille_de_route", "seance", "releve", "hypothese", "vues")


@dataclass(frozen=True)
class RefHypothese:
    atelier: str
    seance: str
    hypothese: str

    @property
    def contexte(self) -> dict:
        """Métadonnées copiées dans chaque version."""
        return {"atelier": self.atelier, "seance": self.seance, "hypothese": self.hypothese}


@dataclass(frozen=True)
class RefDocument:
    atelier: str
    genre: str
    seance: str = ""
    hypothese: str = ""

    @classmethod
    def de_hypothese(cls, genre: str, h: RefHypothese) -> RefDocument:
        return cls(h.atelier, genre, h.seance, h.hypothese)


@dataclass(frozen=True)
class Document:
    """Un document JSON et sa révision : un entier qui change à chaque écriture (seule l'égalité compte)."""

    contenu: dict | list
    revision: int


@dataclass(frozen=True)
class BrouillonStocke:
    """Le brouillon d'un poste : ``contenu`` (auteur, rôle, dessins, annotations) et l'âge, en
    secondes, de son dernier signe de vie."""

    poste: str
    contenu: dict
    age: float


@runtime_checkable
class DepotVersions(Protocol):
    """Les versions d'une hypothèse."""

    def historique(self) -> list[MetaVersion]: ...

    def derniere(self) -> MetaVersion | None: ...

    def numero_courant(self) -> int: ...

    def lire(self, numero: int) -> Version: ...

    def entites(self, numero: int | None) -> dict[str, dict]: ...

    def enregistrer(
        self, changements: Iterable[Changement], auteur: str, role: str = "", message: str = ""
    ) -> Enregistrement: ...

    def restaurer(self, numero: int, auteur: str, role: str = "") -> MetaVersion: ...

    def initialiser(self, entites: Iterable[dict], auteur: str, role: str, message: str) -> MetaVersion: ...

    def ajouter(self, meta: MetaVersion, entites: Iterable[dict], contexte: dict) -> bool:
        """Écrit la version ``meta.numero`` telle quelle (date, auteur, empreinte) si ce numéro est
        le suivant et qu'il est libre ; ``False`` s'il est déjà pris. Sert aux copies entre magasins."""
        ...

    def attendre_changement(self, depuis: int, delai: float) -> int:
        """Attend, au plus ``delai`` secondes, une version plus récente que ``depuis`` ; renvoie le
        dernier numéro connu."""
        ...


@runtime_checkable
class Documents(Protocol):
    def lire(self, ref: RefDocument) -> Document | None: ...

    def lister(self, atelier: str, genre: str | None = None) -> list[RefDocument]:
        """Les documents de l'atelier qui existent (de ce genre seulement, s'il est donné)."""
        ...

    def ateliers(self) -> list[str]:
        """Les identifiants des ateliers qui ont une fiche (document ``atelier``)."""
        ...

    def revisions_ateliers(self) -> dict[str, int]:
        """La révision de la fiche de chaque atelier, sans la lire (une requête, ou un ``stat`` chacune)."""
        ...

    def ecrire(self, ref: RefDocument, contenu: dict | list, revision_lue: int) -> Document:
        """Écrit ``contenu`` si la révision actuelle est ``revision_lue`` (0 : le document n'existe
        pas encore) ; sinon lève :class:`~esquisse.noyau.erreurs.Concurrence` sans rien écrire."""
        ...

    def modifier(self, ref: RefDocument, changer: Changer) -> Document | None:
        """Lit, change et écrit le document d'un seul tenant (personne ne l'écrit entre-temps).

        ``changer`` reçoit une copie du contenu (``None`` s'il n'existe pas) et renvoie le nouveau
        contenu, ou ``None`` pour ne rien écrire ; s'il lève une exception, rien n'est écrit.
        Renvoie le document tel qu'il est après coup (``None`` s'il n'existe toujours pas).
        """
        ...


@runtime_checkable
class Brouillons(Protocol):
    def ecrire(self, h: RefHypothese, poste: str, contenu: dict) -> None: ...

    def signe_de_vie(self, h: RefHypothese, poste: str) -> None: ...

    def lister(self, h: RefHypothese) -> list[BrouillonStocke]: ...

    def retirer(self, h: RefHypothese, poste: str) -> None:
        """Le brouillon est repris par un autre poste : il disparaît de sous ce nom."""
        ...

    def ecarter(self, h: RefHypothese, poste: str) -> None:
        """Le brouillon est mis de côté, jamais effacé."""
        ...


@runtime_checkable
class Journal(Protocol):
    def ajouter(self, atelier: str, ligne: dict) -> None:
        """Ajoute une ligne à la fin du journal, durablement (elle survit à un arrêt brutal)."""
        ...

    def lire(self, atelier: str) -> tuple[list[dict], int]:
        """Les lignes, de la plus ancienne à la plus récente, et le nombre de lignes illisibles."""
        ...


@runtime_checkable
class FichiersAtelier(Protocol):
    """Les fichiers déposés dans un atelier, désignés par un chemin relatif (``couches/x.geojson``)."""

    def deposer(self, atelier: str, chemin: str, contenu: bytes) -> bool:
        """Dépose un fichier nouveau ; ``False`` (rien d'écrit) si ce chemin existe déjà."""
        ...

    def lire(self, atelier: str, chemin: str) -> bytes | None: ...

    def lister(self, atelier: str) -> list[str]: ...


@runtime_checkable
class Stockage(Protocol):
    """Un magasin : fichiers (par défaut) ou PostgreSQL + PostGIS (réglage ``ESQUISSE_BASE``)."""

    documents: Documents
    brouillons: Brouillons
    journal: Journal
    fichiers: FichiersAtelier
    description: str  # le magasin nommé en français (« le dossier … », « la base de données « … » »)

    def versions(self, h: RefHypothese) -> DepotVersions: ...

    def hypotheses(self, atelier: str) -> list[RefHypothese]:
        """Les hypothèses qui ont au moins une version."""
        ...

    def transaction(self):
        """Bloc dont les écritures (dans ce fil) forment un tout : PostGIS les valide ensemble ou
        aucune ; les fichiers n'en ont pas besoin (chaque écriture y est entière)."""
        ...

    def fermer(self) -> None: ...


def message_concurrence(quoi: str) -> str:
    """Le message d'une écriture refusée parce que le document a changé depuis sa lecture."""
    return (
        f"{quoi} a été modifié(e) par quelqu'un d'autre depuis que vous l'avez ouvert(e) : rien n'a été écrit. "
        "Rechargez pour partir de sa dernière version, puis refaites vos changements."
    )


LIBELLES_GENRES = {
    "atelier": "La fiche de l'atelier",
    "feuille_de_route": "La feuille de route",
    "seance": "La séance",
    "releve": "Le relevé",
    "hypothese": "L'hypothèse",
    "vues": "La liste des vues",
}
