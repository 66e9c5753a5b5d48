"""Mode oidc côté domaine : membres reconnus par courriel, section [auth] des secrets de Streamlit."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib

import pytest

from esquisse.acces.membres import acteur_connecte, etat_des_membres, membres_de, roles_par_courriel
from esquisse.acces.oidc import FICHIER_SECRET_COOKIES, options_streamlit
from esquisse.acces.politique import Role, peut
from esquisse.analyse.sites import comparer_sites, themes
from esquisse.atelier.ateliers import charger_atelier, modifier_participants
from esquisse.noyau.erreurs import DonneeInvalide
from tests.outils import RACINE


def inscrire(projets, atelier: str, membres: dict[int, tuple[str, str]]) -> None:
    """Donne aux participants de rang ``i`` un courriel et un accès."""
    a = charger_atelier(projets, atelier)
    lignes = [{"nom": p.nom, "structure": p.structure, "role": p.role} for p in a.participants]
    for rang, (courriel, acces) in membres.items():
        lignes[rang].update(courriel=courriel, acces=acces)
    modifier_participants(projets, atelier, lignes)


def test_roles_par_courriel(projets_magasin):
    projets = projets_magasin  # les participants lus et écrits par le magasin : fichiers, puis base
    inscrire(
        projets, "bassee-montois", {0: ("Patrick.Moreau@Exemple.fr ", "contribution"), 6: ("m@ddt.fr", "animation")}
    )
    inscrire(projets, "gascogne-toulouse", {0: ("m@ddt.fr", "lecture")})
    assert roles_par_courriel(projets, "patrick.moreau@exemple.fr") == {"bassee-montois": Role.CONTRIBUTION}
    assert roles_par_courriel(projets, "M@DDT.FR") == {
        "bassee-montois": Role.ANIMATION,
        "gascogne-toulouse": Role.LECTURE,
    }
    assert roles_par_courriel(projets, "personne@exemple.fr") == {}
    assert roles_par_courriel(projets, "") == {}
    assert [p.nom for p in membres_de(charger_atelier(projets, "bassee-montois"))] == ["Patrick Moreau", "Marc Durand"]


def test_comparer_les_sites_de_ses_ateliers(projets):
    tous = themes(projets)
    assert len(tous) == 2
    (seul,) = themes(projets, lambda atelier: atelier == "bassee-montois")
    assert seul == charger_atelier(projets, "bassee-montois").theme
    assert comparer_sites(projets, tous[1], lambda atelier: False).sites == ()


def test_acteur_connecte(projets_magasin):
    projets = projets_magasin
    inscrire(projets, "bassee-montois", {0: ("patrick.moreau@exemple.fr", "contribution")})
    acteur = acteur_connecte(projets, "PATRICK.MOREAU@exemple.fr", "P. MOREAU (annuaire)")
    assert (acteur.nom, acteur.role_structure, acteur.courriel, acteur.origine) == (
        "Patrick Moreau",
        "elu",
        "patrick.moreau@exemple.fr",
        "oidc",
    )
    assert peut(acteur, "esquisse.dessiner", "bassee-montois")
    assert not peut(acteur, "version.restaurer", "bassee-montois")
    assert not peut(acteur, "atelier.lire", "gascogne-toulouse")
    inconnu = acteur_connecte(projets, "inconnu@exemple.fr", "  Ina   Connue ")
    assert (inconnu.nom, dict(inconnu.roles)) == ("Ina Connue", {})
    assert not peut(inconnu, "atelier.lire", "bassee-montois")
    # Un participant sans accès n'est pas membre, même avec son courriel ; l'état des membres a changé.
    avant = etat_des_membres(projets)
    inscrire(projets, "bassee-montois", {0: ("patrick.moreau@exemple.fr", "")})
    assert etat_des_membres(projets) != avant
    assert acteur_connecte(projets, "patrick.moreau@exemple.fr").roles == {}


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"courriel": "pas-un-courriel"}, "courriel « pas-un-courriel » mal formé"),
        ({"courriel": "a@b.fr", "acces": "administration"}, "accès « administration » inconnu"),
    ],
)
def test_participant_refuse(projets, champs, message):
    avant = (projets / "bassee-montois" / "atelier.json").read_bytes()
    with pytest.raises(DonneeInvalide, match=message):
        modifier_participants(projets, "bassee-montois", [{"nom": "Léa Girard", "role": "ddt", **champs}])
    assert (projets / "bassee-montois" / "atelier.json").read_bytes() == avant


def test_courriel_en_double_refuse(projets):
    lignes = [
        {"nom": "Léa Girard", "role": "ddt", "courriel": "lea@ddt.fr", "acces": "animation"},
        {"nom": "Léa G.", "role": "ddt", "courriel": "LEA@ddt.fr", "acces": "lecture"},
    ]
    with pytest.raises(DonneeInvalide, match="Courriel en double"):
        modifier_participants(projets, "bassee-montois", lignes)


def reglages(tmp_path, **autres) -> dict[str, str]:
    return {
        "ESQUISSE_ACCES": "oidc",
        "ESQUISSE_SECRETS": str(tmp_path / "secrets"),
        "ESQUISSE_OIDC_METADONNEES": "https://fca.integ01.dev-agentconnect.fr/api/v2/.well-known/openid-configuration",
        "ESQUISSE_OIDC_CLIENT": "client-esquisse",
        "ESQUISSE_OIDC_SECRET": 'se"cret\\ avec guillemet',
        "ESQUISSE_OIDC_REDIRECTION": "https://esquisse.exemple.gouv.fr/oauth2callback",
        **autres,
    }


def test_secrets_streamlit_generes(tmp_path):
    env = reglages(tmp_path)
    (option,) = options_streamlit(env)
    chemin = tmp_path / "secrets" / "streamlit-secrets.toml"
    assert option == f"--secrets.files={chemin}"
    auth = tomllib.loads(chemin.read_text(encoding="utf-8"))["auth"]
    assert auth["client_secret"] == 'se"cret\\ avec guillemet'
    assert auth["redirect_uri"] == "https://esquisse.exemple.gouv.fr/oauth2callback"
    assert auth["client_kwargs"] == {"scope": "openid email profile", "prompt": "login"}
    assert len(auth["cookie_secret"]) >= 32
    for fichier in (chemin, tmp_path / "secrets" / FICHIER_SECRET_COOKIES):
        assert stat.S_IMODE(fichier.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    # Le secret des cookies est gardé d'un lancement à l'autre (les connexions survivent au redémarrage).
    options_streamlit(env)
    assert tomllib.loads(chemin.read_text(encoding="utf-8"))["auth"]["cookie_secret"] == auth["cookie_secret"]


def test_sans_client_ni_mode_oidc_rien_a_ajouter(tmp_path):
    assert options_streamlit(reglages(tmp_path, ESQUISSE_ACCES="ouvert")) == []
    assert options_streamlit(reglages(tmp_path, ESQUISSE_OIDC_CLIENT="")) == []  # le secrets.toml de l'exploitant
    assert not (tmp_path / "secrets").exists()


@pytest.mark.parametrize(
    ("autres", "message"),
    [
        ({"ESQUISSE_OIDC_SECRET": ""}, "il manque le secret du client"),
        ({"ESQUISSE_OIDC_METADONNEES": ""}, "il manque l'adresse des métadonnées"),
        ({"ESQUISSE_OIDC_REDIRECTION": "https://esquisse.exemple.gouv.fr/"}, "se terminer par /oauth2callback"),
        ({"ESQUISSE_ACCES": "tout-le-monde"}, "valeurs admises : local, invitations, oidc, ouvert"),
    ],
)
def test_reglages_incomplets(tmp_path, autres, message):
    with pytest.raises(DonneeInvalide, match=message):
        options_streamlit(reglages(tmp_path, **autres))
    assert not (tmp_path / "secrets" / "streamlit-secrets.toml").exists()


def test_commande_options_streamlit(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESQUISSE_")}
    sortie = subprocess.run(
        [sys.executable, "-m", "esquisse", "options-streamlit"],
        cwd=RACINE,
        env={**env, **reglages(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert sortie.stdout.strip() == f"--secrets.files={tmp_path / 'secrets' / 'streamlit-secrets.toml'}"
    refus = subprocess.run(
        [sys.executable, "-m", "esquisse", "options-streamlit"],
        cwd=RACINE,
        env={**env, **reglages(tmp_path, ESQUISSE_OIDC_SECRET="")},
        capture_output=True,
        text=True,
    )
    assert refus.returncode == 1 and "il manque le secret du client" in refus.stderr
