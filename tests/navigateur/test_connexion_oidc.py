"""Mode ``ESQUISSE_ACCES=oidc`` : connexion par ``st.login`` auprès d'un vrai fournisseur OpenID Connect.

Le fournisseur est ``oidc-provider`` (npm), lancé par Node sur 127.0.0.1 (``tests/fournisseur_oidc.mjs``) ;
Streamlit lit la section ``[auth]`` que génère Esquisse (``--secrets.files``). Rien n'est simulé :
état, nonce, PKCE, jeton d'identité signé, déconnexion chez le fournisseur.
"""

from __future__ import annotations

import shutil
import stat
from urllib.parse import parse_qs, urlsplit

import pytest

from esquisse.acces.oidc import options_streamlit
from esquisse.atelier.ateliers import charger_atelier, modifier_participants
from esquisse.atelier.seances import creer_hypothese, lister_seances
from tests.fournisseur import demarrer_fournisseur
from tests.navigateur.conftest import (
    annoter_et_enregistrer,
    attendre_carte,
    capture,
    derniere_version,
    dessiner_zone,
    sans_erreur_js,
)
from tests.outils import IFRAME_CARTE, RACINE, arreter_serveur, demarrer_serveur, echecs_application, port_libre

CLIENT, SECRET = "esquisse-test", "secret-du-client-de-test-0123456789"
MEMBRE = {"identifiant": "pmoreau", "mot_de_passe": "bray-sur-seine", "courriel": "Patrick.Moreau@exemple.fr"}
COMPTES = [
    {**MEMBRE, "nom": "P. MOREAU (annuaire)"},
    {"identifiant": "inconnu", "mot_de_passe": "personne", "courriel": "inconnu@exemple.fr", "nom": "Ina Connue"},
    {"identifiant": "cmartin", "mot_de_passe": "seine-plateaux", "courriel": "claire.martin@exemple.fr", "nom": "C."},
]


@pytest.fixture
def deploiement(tmp_path):
    """Un serveur Esquisse en mode oidc, relié à un fournisseur local ; Patrick Moreau contribue à Bassée-Montois."""
    projets = tmp_path / "projets"
    shutil.copytree(RACINE / "projets", projets)
    atelier = charger_atelier(projets, "bassee-montois")
    participants = [{"nom": p.nom, "structure": p.structure, "role": p.role} for p in atelier.participants]
    participants[0].update(courriel="patrick.moreau@exemple.fr", acces="contribution")  # Patrick Moreau
    participants[3].update(courriel="claire.martin@exemple.fr", acces="animation")
    modifier_participants(projets, atelier.id, participants)

    port = port_libre()
    redirection = f"http://127.0.0.1:{port}/oauth2callback"
    fournisseur = demarrer_fournisseur(CLIENT, SECRET, redirection, COMPTES, tmp_path / "fournisseur.log")
    env = {
        "ESQUISSE_ACCES": "oidc",
        "ESQUISSE_SECRETS": str(tmp_path / "secrets"),
        "ESQUISSE_OIDC_METADONNEES": fournisseur.metadonnees,
        "ESQUISSE_OIDC_CLIENT": CLIENT,
        "ESQUISSE_OIDC_SECRET": SECRET,
        "ESQUISSE_OIDC_REDIRECTION": redirection,
        "ESQUISSE_OIDC_NOM": "le fournisseur de test",
        "ESQUISSE_EXPORTS": str(tmp_path / "exports"),
    }
    options = options_streamlit(env)
    fichier = tmp_path / "secrets" / "streamlit-secrets.toml"
    assert options == [f"--secrets.files={fichier}"]
    assert stat.S_IMODE(fichier.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets" / "cookies-connexion.secret").stat().st_mode) == 0o600
    try:
        serveur = demarrer_serveur(projets, tmp_path / "streamlit.log", env_sup=env, port=port, options=options)
    except BaseException:
        fournisseur.arreter()
        raise
    yield serveur, fournisseur
    arreter_serveur(serveur)
    fournisseur.arreter()


def se_connecter(page, serveur, identifiant: str, mot_de_passe: str) -> None:
    page.goto(serveur.url)
    page.get_by_role("button", name="Se connecter avec le fournisseur de test").click()
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter").click()


def se_deconnecter(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="Oui, me déconnecter").click()
    page.get_by_role("button", name="Se connecter avec le fournisseur de test").wait_for()


def test_connexion_ateliers_dessin_deconnexion(hors_ligne, deploiement):
    serveur, fournisseur = deploiement
    contexte, reseau = hors_ligne()
    page = contexte.new_page()
    autorisations = []  # les demandes d'autorisation que Streamlit (Authlib) envoie au fournisseur
    page.on(
        "request",
        lambda r: (
            autorisations.append(parse_qs(urlsplit(r.url).query))
            if r.url.startswith(f"{fournisseur.emetteur}/auth?")
            else None
        ),
    )

    # Sans connexion : la page de connexion et rien d'autre, sur toutes les pages.
    page.goto(f"{serveur.url}/carte?atelier=bassee-montois")
    bouton = page.get_by_role("button", name="Se connecter avec le fournisseur de test")
    bouton.wait_for()
    assert page.get_by_text("Bassée-Montois").count() == 0
    assert page.locator(IFRAME_CARTE).count() == 0
    capture(page, "oidc-connexion")
    tablette, _ = hors_ligne(largeur=1024, hauteur=768)
    petite = tablette.new_page()
    petite.goto(serveur.url)
    petite.get_by_role("button", name="Se connecter avec le fournisseur de test").wait_for()
    capture(petite, "oidc-connexion-1024x768")

    # Un mauvais mot de passe est refusé par le fournisseur.
    se_connecter(page, serveur, MEMBRE["identifiant"], "faux")
    page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for()

    # Le membre se connecte : il ne voit que son atelier.
    page.get_by_label("Identifiant").fill(MEMBRE["identifiant"])
    page.get_by_label("Mot de passe").fill(MEMBRE["mot_de_passe"])
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Bassée-Montois — mieux vivre dans le périurbain").wait_for()
    page.get_by_text("Connecté·e : Patrick Moreau (patrick.moreau@exemple.fr)").wait_for()
    assert page.get_by_text("Portes de Gascogne").count() == 0
    assert page.get_by_text("Nouvel atelier").count() == 0
    capture(page, "oidc-ateliers-du-membre")
    demande = autorisations[-1]
    assert demande["client_id"] == [CLIENT] and demande["response_type"] == ["code"]
    assert demande["code_challenge_method"] == ["S256"] and demande["prompt"] == ["login"]
    assert all(demande[cle][0] for cle in ("state", "nonce", "code_challenge"))

    # L'atelier dont il n'est pas membre ne s'ouvre pas, même par son adresse.
    page.goto(f"{serveur.url}/carte?atelier=gascogne-toulouse")
    page.get_by_text("Vous n'êtes pas membre de cet atelier").wait_for()
    assert page.locator(IFRAME_CARTE).count() == 0

    # Ni la sauvegarde (tout l'atelier) ni l'import ne sont ouverts à un contributeur.
    page.goto(f"{serveur.url}/sauvegardes")
    page.get_by_text("Aucun atelier à sauvegarder.").wait_for()
    assert page.get_by_text("Importer un atelier").count() == 0

    # Il dessine, en contributeur, sur une hypothèse de son atelier : la version porte son nom d'atelier.
    dossier = serveur.projets / "bassee-montois"
    seance = lister_seances(dossier)[0]
    h = creer_hypothese(seance, "Essai connexion", atelier="bassee-montois")
    page.goto(f"{serveur.url}/carte?atelier=bassee-montois&seance={seance.id}&hypothese={h.id}")
    cadre = attendre_carte(page)
    page.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-dessin='pret']").wait_for(state="attached")
    page.get_by_text("Connecté·e").first.wait_for(state="attached")  # le nom vient de la connexion, pas d'une saisie
    dessiner_zone(page, cadre, [(0.40, 0.40), (0.55, 0.40), (0.55, 0.55), (0.40, 0.55)])
    annoter_et_enregistrer(page, "Espace agricole ou naturel à préserver", "Prairies de la Bassée")
    page.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(state="attached")
    sans_erreur_js(cadre)
    (entite,) = derniere_version(h)["features"]
    assert entite["properties"]["titre"] == "Prairies de la Bassée"
    (meta,) = h.depot().historique()
    assert (meta.auteur, meta.role) == ("Patrick Moreau", "elu")
    capture(page, "oidc-dessin-contributeur")

    # Se déconnecter : chez le fournisseur aussi, puis retour à la page de connexion.
    se_deconnecter(page)
    page.goto(serveur.url)
    page.get_by_role("button", name="Se connecter avec le fournisseur de test").wait_for()
    assert page.get_by_text("Bassée-Montois").count() == 0
    capture(page, "oidc-deconnecte")

    # Une personne connectée qui n'est membre de rien ne voit aucun atelier.
    se_connecter(page, serveur, "inconnu", "personne")
    page.get_by_text("Vous n'êtes membre d'aucun atelier").wait_for()
    assert page.get_by_text("Bassée-Montois").count() == 0
    assert page.get_by_text("Portes de Gascogne").count() == 0
    se_deconnecter(page)

    # L'animatrice enregistre les participants depuis la page Atelier : les accès sont gardés.
    se_connecter(page, serveur, "cmartin", "seine-plateaux")
    page.get_by_text("Connecté·e : Claire Martin").wait_for()
    page.goto(f"{serveur.url}/atelier?atelier=bassee-montois")
    page.get_by_role("tab", name="Participants").click()
    page.get_by_role("button", name="Enregistrer les participants").click()
    page.get_by_test_id("stAlertContentSuccess").get_by_text("9 participant(s) enregistré(s).").wait_for()
    membres = charger_atelier(serveur.projets, "bassee-montois").participants
    assert [(m.nom, m.courriel, m.acces) for m in membres if m.acces] == [
        ("Patrick Moreau", "patrick.moreau@exemple.fr", "contribution"),
        ("Claire Martin", "claire.martin@exemple.fr", "animation"),
    ]
    capture(page, "oidc-animation-participants")
    page.goto(f"{serveur.url}/sauvegardes")
    page.get_by_role("button", name="Préparer l'archive").wait_for()
    assert page.get_by_text("Importer un atelier").count() == 0

    assert reseau.bloquees == []
    # Attendus : le refus du mauvais mot de passe (401) ; les chargements qu'une redirection interrompt.
    inattendus = [
        e
        for e in echecs_application(reseau)
        if not e.startswith((f"HTTP 401 {fournisseur.emetteur}/interaction/", "net::ERR_ABORTED "))
    ]
    assert inattendus == [], reseau.echecs


def test_connexion_non_configuree(hors_ligne, tmp_path, projets):
    """Mode oidc sans section [auth] : la page de connexion le dit en français, et rien ne s'ouvre."""
    vide = tmp_path / "secrets.toml"
    vide.write_text("", encoding="utf-8")
    env = {"ESQUISSE_ACCES": "oidc", "ESQUISSE_OIDC_CLIENT": "", "ESQUISSE_EXPORTS": str(tmp_path / "exports")}
    serveur = demarrer_serveur(projets, tmp_path / "streamlit.log", env_sup=env, options=[f"--secrets.files={vide}"])
    try:
        contexte, reseau = hors_ligne(largeur=1024, hauteur=768)
        page = contexte.new_page()
        page.goto(serveur.url)
        page.get_by_role("button", name="Se connecter avec ProConnect").click()
        page.get_by_text("La connexion n'est pas configurée sur ce serveur").wait_for()
        assert page.get_by_text("Bassée-Montois").count() == 0
        capture(page, "oidc-non-configuree-1024x768")
        assert reseau.bloquees == []
    finally:
        arreter_serveur(serveur)
