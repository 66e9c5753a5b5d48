"""Le magasin de ce processus : PostGIS si ``ESQUISSE_BASE`` est donné, sinon les fichiers."""

from __future__ import annotations

import threading
from pathlib import Path

from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.reglages import reglage
from esquisse.stockage.interfaces import DepotVersions, RefHypothese, Stockage

_OUVERTS: dict[str, Stockage] = {}
_VERROU = threading.Lock()


def ouvrir(source: str | Path) -> Stockage:
    """Le magasin désigné par ``source`` : une URL ``postgresql://`` ou un dossier d'ateliers.

    Un magasin PostGIS est ouvert une fois par processus et par URL (un pool de connexions,
    une connexion d'écoute), puis partagé par toutes les sessions.
    """
    texte = str(source)
    if texte.startswith(("postgresql://", "postgres://")):
        with _VERROU:
            if texte not in _OUVERTS:
                from esquisse.stockage.postgis import StockagePostgis  # psycopg n'est chargé que si besoin

                _OUVERTS[texte] = StockagePostgis(texte)
            return _OUVERTS[texte]
    if "://" in texte:
        raise DonneeInvalide(
            f"Source de données non reconnue : « {texte} ». Donnez un dossier ou une URL postgresql://."
        )
    from esquisse.stockage.disque import StockageFichiers

    return StockageFichiers(Path(texte))


def stockage_configure(environ: dict[str, str] | None = None) -> Stockage:
    """Le magasin choisi par les réglages ``ESQUISSE_BASE`` et ``ESQUISSE_PROJETS``."""
    base = reglage("ESQUISSE_BASE", environ)
    return ouvrir(base) if base else ouvrir(reglage("ESQUISSE_PROJETS", environ))


def depot_versions(dossier: Path, contexte: dict, environ: dict[str, str] | None = None) -> DepotVersions:
    """Les versions de l'hypothèse rangée dans ``dossier`` : ce dossier même (fichiers), ou la base
    ``ESQUISSE_BASE``, où l'hypothèse est désignée par ses identifiants (atelier, séance, hypothèse).

    Sans atelier dans ``contexte``, il est lu dans le chemin (``<atelier>/seances/<s>/hypotheses/<h>``).
    """
    base = reglage("ESQUISSE_BASE", environ)
    if not base:
        from esquisse.esquisses.versions import Depot

        return Depot(dossier, contexte)
    atelier = contexte.get("atelier") or dossier.parents[3].name
    return ouvrir(base).versions(RefHypothese(atelier, contexte["seance"], contexte["hypothese"]))
