"""Copier un atelier d'un magasin à l'autre (fichiers ↔ PostGIS), sans perte et sans rien écraser.

    python -m esquisse copier-atelier ID --de SOURCE --vers CIBLE

SOURCE et CIBLE sont chacun un dossier d'ateliers ou une URL ``postgresql://``. Sont copiés :
les documents (fiche de l'atelier, feuille de route, séances, relevés, hypothèses, vues) et
toutes les versions de chaque hypothèse, avec leurs numéros, dates, auteurs, messages et
empreintes. Une version copiée vers les fichiers est réécrite à l'octet près : son empreinte
est vérifiée avant l'écriture.

La copie est refusée, avant toute écriture, si la cible connaît déjà l'atelier. Les couches
importées et les brouillons restent où ils sont : seuls les fichiers savent les ranger.
"""

from __future__ import annotations

from dataclasses import dataclass

from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.stockage.choix import ouvrir
from esquisse.stockage.interfaces import Stockage


@dataclass(frozen=True)
class Copie:
    documents: int
    hypotheses: int
    versions: int

    @property
    def resume(self) -> str:
        return f"{self.documents} document(s), {self.hypotheses} hypothèse(s) et {self.versions} version(s) copiés."


def copier_atelier(identifiant: str, de: str, vers: str) -> Copie:
    """Copie l'atelier ``identifiant`` du magasin ``de`` vers le magasin ``vers``."""
    source, cible = ouvrir(de), ouvrir(vers)
    return copier(identifiant, source, cible)


def copier(identifiant: str, source: Stockage, cible: Stockage) -> Copie:
    documents = source.documents.lister(identifiant)
    hypotheses = source.hypotheses(identifiant)
    if not documents and not hypotheses:
        raise DonneeInvalide(f"L'atelier « {identifiant} » n'existe pas dans {source!r} : rien n'a été copié.")
    if cible.documents.lister(identifiant) or cible.hypotheses(identifiant):
        raise DonneeInvalide(
            f"L'atelier « {identifiant} » existe déjà dans {cible!r} : rien n'a été copié, rien n'est écrasé."
        )
    for ref in documents:
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
    return Copie(len(documents), len(hypotheses), versions)
