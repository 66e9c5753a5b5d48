"""Connexion OpenID Connect (mode ``ESQUISSE_ACCES=oidc``) : la section ``[auth]`` des secrets de Streamlit.

Streamlit mène lui-même la connexion (``st.login``, Authlib : état, nonce, PKCE) d'après la section
``[auth]`` de ses secrets. Esquisse la produit à partir de ses réglages (``ESQUISSE_OIDC_*``) dans un
fichier du dossier ``ESQUISSE_SECRETS`` (mode 0600, hors du dépôt), que ``streamlit run`` lit grâce
à l'option ``--secrets.files``. Le secret qui signe les cookies de connexion est tiré au hasard au
premier lancement et gardé dans le même dossier. Ce module n'importe pas Streamlit.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import creer_sans_ecraser, ecrire_atomiquement
from esquisse.noyau.reglages import reglage

FICHIER_SECRET_COOKIES = "cookies-connexion.secret"
FICHIER_SECRETS_STREAMLIT = "streamlit-secrets.toml"
# Demander l'identification à chaque connexion : après « Se déconnecter », la tablette suivante
# ne retrouve pas la session de la personne précédente chez le fournisseur.
INVITE = "login"

_OBLIGATOIRES = {
    "ESQUISSE_OIDC_METADONNEES": "l'adresse des métadonnées du fournisseur",
    "ESQUISSE_OIDC_CLIENT": "l'identifiant du client",
    "ESQUISSE_OIDC_SECRET": "le secret du client",
}


def dossier_secrets(environ: dict[str, str] | None = None) -> Path:
    dossier = reglage("ESQUISSE_SECRETS", environ)
    dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
    return dossier


def secret_cookies(dossier: Path) -> str:
    """Le secret des cookies de connexion : tiré au premier appel (fichier 0600), relu ensuite."""
    chemin = dossier / FICHIER_SECRET_COOKIES
    creer_sans_ecraser(chemin, secrets.token_urlsafe(48).encode("ascii"))  # ne remplace jamais un secret
    secret = chemin.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise DonneeInvalide(f"Le secret des cookies {chemin} est trop court : supprimez-le, il sera tiré à nouveau.")
    return secret


def section_auth(environ: dict[str, str] | None = None) -> dict:
    """La section ``[auth]`` des secrets de Streamlit, d'après les réglages ``ESQUISSE_OIDC_*``."""
    manquants = [quoi for nom, quoi in _OBLIGATOIRES.items() if not reglage(nom, environ)]
    if manquants:
        noms = ", ".join(nom for nom in _OBLIGATOIRES if not reglage(nom, environ))
        raise DonneeInvalide(
            f"Connexion OpenID Connect : il manque {', '.join(manquants)} (réglages {noms}). "
            "Voir « Accès » dans le README."
        )
    redirection = reglage("ESQUISSE_OIDC_REDIRECTION", environ)
    if not redirection.rstrip("/").endswith("/oauth2callback"):
        raise DonneeInvalide(
            f"ESQUISSE_OIDC_REDIRECTION doit se terminer par /oauth2callback (valeur lue : « {redirection} »)."
        )
    return {
        "redirect_uri": redirection.rstrip("/"),
        "cookie_secret": secret_cookies(dossier_secrets(environ)),
        "client_id": reglage("ESQUISSE_OIDC_CLIENT", environ),
        "client_secret": reglage("ESQUISSE_OIDC_SECRET", environ),
        "server_metadata_url": reglage("ESQUISSE_OIDC_METADONNEES", environ),
        "client_kwargs": {"scope": reglage("ESQUISSE_OIDC_PORTEE", environ), "prompt": INVITE},
    }


def _toml(valeur) -> str:
    if isinstance(valeur, dict):
        return "{ " + ", ".join(f"{cle} = {_toml(v)}" for cle, v in valeur.items()) + " }"
    return json.dumps(str(valeur))  # chaîne JSON en ASCII : une chaîne de base TOML valide


def texte_secrets(auth: dict) -> str:
    lignes = [
        "# Écrit par Esquisse (python -m esquisse options-streamlit) : ne pas modifier, ne pas partager.",
        "[auth]",
    ]
    lignes += [f"{cle} = {_toml(valeur)}" for cle, valeur in auth.items()]
    return "\n".join(lignes) + "\n"


def ecrire_secrets_streamlit(environ: dict[str, str] | None = None) -> Path:
    """Écrit (d'un coup, en mode 0600) le fichier de secrets de Streamlit ; renvoie son chemin."""
    auth = section_auth(environ)
    chemin = dossier_secrets(environ) / FICHIER_SECRETS_STREAMLIT
    ecrire_atomiquement(chemin, texte_secrets(auth).encode("utf-8"))
    return chemin


def options_streamlit(environ: dict[str, str] | None = None) -> list[str]:
    """Les options à ajouter à ``streamlit run`` pour le mode d'accès choisi.

    Mode ``oidc`` avec ``ESQUISSE_OIDC_CLIENT`` : le fichier de secrets généré. Sans lui, Streamlit lit
    le ``.streamlit/secrets.toml`` de l'exploitant (sa section ``[auth]``), et il n'y a rien à ajouter.
    """
    if reglage("ESQUISSE_ACCES", environ) != "oidc" or not reglage("ESQUISSE_OIDC_CLIENT", environ):
        return []
    return [f"--secrets.files={ecrire_secrets_streamlit(environ)}"]
