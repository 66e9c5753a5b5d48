"""Copier un atelier d'un magasin à l'autre (fichiers ↔ PostGIS), sans perte et sans rien écraser.

    python -m esquisse copier-atelier ID --de SOURCE --vers CIBLE

SOURCE et CIBLE sont chacun un dossier d'ateliers ou une URL ``postgresql://``. Sont copiés :
les documents (fiche de l'atelier, feuille de route, séances, relevés, hypothèses, vues),
toutes les versions de chaque hypothèse, avec leurs numéros, dates, auteurs, messages et
empreintes, les couches importées, le journal et les brouillons en cours. Une version copiée
vers les fichiers est réécrite à l'octet près : son empreinte est vérifiée avant l'écriture.

La copie est refusée, avant toute écriture, si la cible connaît déjà l'atelier.
"""

from __future__ import annotations

from dataclasses import dataclass

from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.interfaces import RefHypothese, Stockage


@dataclass(frozen=True)
class Copie:
    documents: int
    hypotheses: int
    versions: int
    fichiers: int = 0
    lignes_journal: int = 0
    brouillons: int = 0

    @property
    def resume(self) -> str:
        return (
            f"{self.documents} document(s), {self.hypotheses} hypothèse(s), {self.versions} version(s), "
            f"{self.fichiers} couche(s) importée(s), {self.lignes_journal} ligne(s) de journal et "
            f"{self.brouillons} brouillon(s) copiés."
        )


def copier_atelier(identifiant: str, de: str, vers: str) -> Copie:
    """Copie l'atelier ``identifiant`` du magasin ``de`` vers le magasin ``vers``."""
    source, cible = ouvrir(de), ouvrir(vers)
    return copier(identifiant, source, cible)


def copier(identifiant: str, source: Stockage, cible: Stockage) -> Copie:
    documents = source.documents.lister(identifiant)
    hypotheses = source.hypotheses(identifiant)
    if not documents and not hypotheses:
        raise DonneeInvalide(
            f"L'atelier « {identifiant} » n'existe pas dans {source.description} : rien n'a été copié."
        )
    fichiers = source.fichiers.lister(identifiant)
    journal, _ = source.journal.lire(identifiant)
    if (
        cible.documents.lister(identifiant)
        or cible.hypotheses(identifiant)
        or cible.fichiers.lister(identifiant)
        or cible.journal.lire(identifiant)[0]
    ):
        raise DonneeInvalide(
            f"L'atelier « {identifiant} » existe déjà dans {cible.description} : rien n'a été copié, rien n'est écrasé."
        )
    with cible.transaction():  # PostGIS : tout l'atelier, ou rien
        return _copier(identifiant, source, cible, documents, hypotheses, fichiers, journal)


def _copier(identifiant, source, cible, documents, hypotheses, fichiers, journal) -> Copie:
    # La fiche de l'atelier en dernier : un atelier n'apparaît dans la liste qu'une fois complet.
    for ref in sorted(documents, key=lambda r: r.genre == "atelier"):
        document = source.documents.lire(ref)
        if document is not None:
            cible.documents.ecrire(ref, document.contenu, 0)
    versions = 0
    for h in hypotheses:
        depot_source, depot_cible = source.versions(h), cible.versions(h)
        for meta in depot_source.historique():
            version = depot_source.lire(meta.numero)
            # La méta de l'historique porte l'empreinte (celle de la lecture d'un fichier, non).
            if not depot_cible.ajouter(meta, version.entites, version.contexte):
                raise DonneeInvalide(
                    f"La version {meta.numero} de l'hypothèse « {h.hypothese} » est apparue dans la cible "
                    "pendant la copie : copie interrompue, rien n'a été écrasé."
                )
            versions += 1
    for chemin in fichiers:
        contenu = source.fichiers.lire(identifiant, chemin)
        if contenu is not None:
            cible.fichiers.deposer(identifiant, chemin, contenu)
    for ligne in journal:
        cible.journal.ajouter(identifiant, ligne)
    brouillons = 0
    for ref in documents:
        if ref.genre == "hypothese":
            h = RefHypothese(identifiant, ref.seance, ref.hypothese)
            for b in source.brouillons.lister(h):
                cible.brouillons.ecrire(h, b.poste, b.contenu)
                brouillons += 1
    return Copie(len(documents), len(hypotheses), versions, len(fichiers), len(journal), brouillons)
