"""Réglages d'Esquisse, déclarés comme des données.

Chaque réglage se lit dans une variable d'environnement. La liste ``REGLAGES`` est la
seule source : le README les documente tous, et un test échoue si l'un d'eux manque.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from esquisse.noyau.erreurs import DonneeInvalide

RACINE = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Reglage:
    nom: str
    description: str
    defaut: str
    type: type = str
    choix: tuple[str, ...] = ()  # valeurs admises, en minuscules ; la casse de la valeur lue n'importe pas

    def lire(self, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        brut = env.get(self.nom, "").strip() or self.defaut
        if self.type is int:
            try:
                valeur = int(brut)
            except ValueError:
                raise DonneeInvalide(
                    f"Le réglage {self.nom} doit être un nombre entier (valeur lue : « {brut} »)."
                ) from None
            if valeur <= 0:
                raise DonneeInvalide(f"Le réglage {self.nom} doit être positif (valeur lue : {valeur}).")
            return valeur
        if self.type is Path:
            chemin = Path(brut).expanduser()
            return chemin if chemin.is_absolute() else RACINE / chemin
        if self.choix:  # des mots en minuscules : « Invitations » vaut « invitations »
            if brut.lower() not in self.choix:
                admis = ", ".join(self.choix)
                raise DonneeInvalide(f"Le réglage {self.nom} vaut « {brut} » ; valeurs admises : {admis}.")
            return brut.lower()
        return brut


REGLAGES: tuple[Reglage, ...] = (
    Reglage(
        "ESQUISSE_PROJETS",
        "Dossier des données d'ateliers (séances, hypothèses, versions). "
        "Relatif à la racine du projet s'il n'est pas absolu.",
        "projets",
        Path,
    ),
    Reglage(
        "ESQUISSE_BASE",
        "URL d'une base PostgreSQL avec PostGIS (`postgresql://utilisateur@hote:port/base`) où ranger les "
        "versions, documents et brouillons, partagée par plusieurs processus de l'application. Vide : les "
        "fichiers du dossier `ESQUISSE_PROJETS` (par défaut).",
        "",
    ),
    Reglage(
        "ESQUISSE_ACCES",
        "Qui peut entrer : `local` (par défaut : l'adresse imprimée par `make run` porte un jeton d'animation, "
        "les autres entrent par une invitation), `invitations` (tout le monde entre par une invitation), "
        "`oidc` (connexion OpenID Connect) ou `ouvert` (quiconque atteint le serveur anime tout).",
        "local",
        str,
        ("local", "invitations", "oidc", "ouvert"),
    ),
    Reglage(
        "ESQUISSE_SECRETS",
        "Dossier des secrets générés au premier lancement (créé en 0700, fichiers en 0600, jamais dans le "
        "dépôt) : secret qui signe les invitations, jeton d'animation, registre des invitations, secret des "
        "cookies de connexion et fichier de secrets de Streamlit (mode `oidc`).",
        "~/.config/esquisse",
        Path,
    ),
    Reglage(
        "ESQUISSE_CACHE",
        "Dossier où sont écrites les couches préparées pour l'affichage ; il doit être sous `static/` pour être servi.",
        "static/cache",
        Path,
    ),
    Reglage(
        "ESQUISSE_ZOOM_ETIQUETTES",
        "Niveau de zoom à partir duquel les noms des communes s'affichent sur la carte.",
        "11",
        int,
    ),
    Reglage(
        "ESQUISSE_EXPORTS",
        "Dossier où sont écrits les fichiers exportés (cartes, fichiers SIG, carnets, archives) avant leur "
        "téléchargement. Relatif à la racine du projet s'il n'est pas absolu ; on peut le vider à tout moment.",
        "exports",
        Path,
    ),
    Reglage(
        "ESQUISSE_ARCHIVE_MAX_MO",
        "Taille maximale, en mégaoctets, d'une archive d'atelier une fois décompressée, à l'import.",
        "2000",
        int,
    ),
    Reglage(
        "ESQUISSE_TAILLE_MAX_IMPORT_MO",
        "Taille maximale, en mégaoctets, d'un fichier importé (et de son contenu une fois décompressé). "
        "Garder `server.maxUploadSize` de `.streamlit/config.toml` à la même valeur.",
        "200",
        int,
    ),
    Reglage(
        "ESQUISSE_OIDC_METADONNEES",
        "Mode `oidc` : adresse des métadonnées OpenID Connect du fournisseur (`…/.well-known/openid-configuration`).",
        "",
    ),
    Reglage("ESQUISSE_OIDC_CLIENT", "Mode `oidc` : identifiant du client (fourni par le fournisseur).", ""),
    Reglage("ESQUISSE_OIDC_SECRET", "Mode `oidc` : secret du client (fourni par le fournisseur).", ""),
    Reglage(
        "ESQUISSE_OIDC_REDIRECTION",
        "Mode `oidc` : adresse de retour déclarée chez le fournisseur, celle du serveur suivie de "
        "`/oauth2callback` (`{port}` y est remplacé par le port du serveur).",
        "http://localhost:{port}/oauth2callback",
    ),
    Reglage(
        "ESQUISSE_OIDC_PORTEE",
        "Mode `oidc` : portées demandées au fournisseur (le courriel doit figurer dans le jeton d'identité).",
        "openid email profile",
    ),
    Reglage(
        "ESQUISSE_OIDC_NOM",
        "Mode `oidc` : nom du fournisseur sur le bouton de connexion (« Se connecter avec … »).",
        "ProConnect",
    ),
)

_PAR_NOM = {r.nom: r for r in REGLAGES}


def reglage(nom: str, environ: dict[str, str] | None = None):
    """Valeur du réglage ``nom`` (voir ``REGLAGES``)."""
    try:
        return _PAR_NOM[nom].lire(environ)
    except KeyError:
        connus = ", ".join(sorted(_PAR_NOM))
        raise DonneeInvalide(f"Réglage inconnu : {nom}. Réglages connus : {connus}.") from None
