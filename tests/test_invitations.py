"""Invitations signées et jeton d'animation : expiration, révocation, falsification, usage, fichiers 0600."""

from __future__ import annotations

import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from esquisse.acces.invitations import (
    FICHIER_JETON,
    FICHIER_SECRET,
    InvitationRefusee,
    acteur_invite,
    creer_invitation,
    invitation_en_cours,
    invitations,
    jeton_animation_valide,
    lire_duree,
    lire_invitation,
    nouveau_jeton_animation,
    revoquer,
    secret,
)
from esquisse.acces.politique import Role, peut
from esquisse.noyau.erreurs import DonneeInvalide, SchemaInvalide
from tests.outils import RACINE

T0 = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
ACCUEIL = "Demandez un lien à l'équipe d'animation"


def mode_fichier(chemin) -> int:
    return stat.S_IMODE(chemin.stat().st_mode)


def test_secret_cree_une_fois_en_0600(tmp_path):
    dossier = tmp_path / "secrets"
    premier = secret(dossier)
    assert len(premier) >= 48
    assert mode_fichier(dossier / FICHIER_SECRET) == 0o600
    assert mode_fichier(dossier) == 0o700
    assert secret(dossier) == premier  # relu, pas retiré


def test_secret_recopie_redevient_prive(tmp_path):
    premier = secret(tmp_path)
    (tmp_path / FICHIER_SECRET).chmod(0o644)
    assert secret(tmp_path) == premier
    assert mode_fichier(tmp_path / FICHIER_SECRET) == 0o600


def test_registre_abime_signale_et_rien_ne_vaut(tmp_path):
    _, jeton = creer_invitation(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0)
    registre = tmp_path / "invitations" / "atelier-a.json"
    registre.write_text('[{"id": "x"', encoding="utf-8")
    with pytest.raises(SchemaInvalide, match=r"registre des invitations .* est illisible"):
        lire_invitation(tmp_path, jeton, T0)
    with pytest.raises(SchemaInvalide):
        creer_invitation(tmp_path, "atelier-a", Role.LECTURE, maintenant=T0)
    assert registre.read_text(encoding="utf-8") == '[{"id": "x"'  # rien d'écrit par-dessus


def test_registre_et_jeton_d_animation_en_0600(tmp_path):
    creer_invitation(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0)
    assert mode_fichier(tmp_path / "invitations" / "atelier-a.json") == 0o600
    assert mode_fichier(tmp_path / "invitations") == 0o700
    jeton = nouveau_jeton_animation(tmp_path)
    assert mode_fichier(tmp_path / FICHIER_JETON) == 0o600
    assert jeton_animation_valide(tmp_path, jeton)
    assert not jeton_animation_valide(tmp_path, jeton[:-1] + ("A" if jeton[-1] != "A" else "B"))
    assert not jeton_animation_valide(tmp_path, "")
    nouveau = nouveau_jeton_animation(tmp_path)  # un nouveau lancement : l'ancien jeton ne vaut plus
    assert not jeton_animation_valide(tmp_path, jeton) and jeton_animation_valide(tmp_path, nouveau)


def test_invitation_valide_donne_son_role_sur_sa_seance(tmp_path):
    inv, jeton = creer_invitation(tmp_path, "atelier-a", "contribution", "s1", timedelta(hours=4), T0)
    lue = lire_invitation(tmp_path, jeton, T0 + timedelta(hours=3, minutes=59))
    assert lue == inv and lue.role is Role.CONTRIBUTION and lue.seance == "s1"
    acteur = acteur_invite(lue, "Patrick Moreau", "elu")
    assert acteur.nom == "Patrick Moreau" and acteur.origine == "invitation"
    assert peut(acteur, "esquisse.dessiner", "atelier-a", "s1")
    assert not peut(acteur, "esquisse.dessiner", "atelier-a", "s2")  # une autre séance
    assert not peut(acteur, "esquisse.dessiner", "atelier-b", "s1")  # un autre atelier
    assert not peut(acteur, "version.restaurer", "atelier-a", "s1")


def test_invitation_expiree(tmp_path):
    _, jeton = creer_invitation(tmp_path, "atelier-a", Role.LECTURE, "", timedelta(hours=4), T0)
    with pytest.raises(InvitationRefusee, match=r"a expiré le 20 mai 2026 à 18 h 00.*Demandez un nouveau lien"):
        lire_invitation(tmp_path, jeton, T0 + timedelta(hours=4))


def test_invitation_revoquee(tmp_path):
    inv, jeton = creer_invitation(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0)
    autre, jeton_autre = creer_invitation(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0)
    revoquer(tmp_path, "atelier-a", inv.id, T0 + timedelta(minutes=5))
    with pytest.raises(InvitationRefusee, match="a été révoqué par l'équipe d'animation le 20 mai 2026 à 14 h 05"):
        lire_invitation(tmp_path, jeton, T0 + timedelta(minutes=6))
    assert lire_invitation(tmp_path, jeton_autre, T0 + timedelta(minutes=6)) == autre  # l'autre vaut encore
    assert {i.id: bool(i.revoquee) for i in invitations(tmp_path, "atelier-a")} == {inv.id: True, autre.id: False}
    with pytest.raises(DonneeInvalide, match="Aucune invitation"):
        revoquer(tmp_path, "atelier-a", "inconnue")


@pytest.mark.parametrize("retouche", ["signature", "charge", "tronque", "vide", "autre-secret"])
def test_invitation_modifiee_ou_forgee(tmp_path, retouche):
    _, jeton = creer_invitation(tmp_path, "atelier-a", Role.LECTURE, "s1", maintenant=T0)
    charge, signature = jeton.rsplit(".", 1)
    if retouche == "signature":
        faux = f"{charge}.{signature[:-2]}{'xy' if signature[-2:] != 'xy' else 'zz'}"
    elif retouche == "charge":  # lecture → contribution, signature d'origine
        donnees = URLSafeSerializer("x").load_payload(charge.encode())
        donnees["r"] = "contribution"
        faux = f"{URLSafeSerializer('x').dump_payload(donnees).decode()}.{signature}"
    elif retouche == "tronque":
        faux = jeton[:-5]
    elif retouche == "vide":
        faux = ""
    else:  # la même charge, signée par un autre Esquisse (un autre secret)
        faux = URLSafeSerializer("un-autre-secret-" * 4, salt="esquisse.invitation.v1").dumps(
            URLSafeSerializer("x").load_payload(charge.encode())
        )
    with pytest.raises(InvitationRefusee, match="n'est pas valide : il a été modifié"):
        lire_invitation(tmp_path, faux, T0)


def test_invitation_signee_pour_un_autre_usage(tmp_path):
    """Même secret, autre sel : une signature faite pour un autre usage n'ouvre rien."""
    _, jeton = creer_invitation(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0)
    charge = URLSafeSerializer("x").load_payload(jeton.rsplit(".", 1)[0].encode())
    detourne = URLSafeSerializer(secret(tmp_path), salt="esquisse.autre-usage").dumps(charge)
    with pytest.raises(InvitationRefusee, match="n'est pas valide"):
        lire_invitation(tmp_path, detourne, T0)


def test_invitation_inconnue_du_registre(tmp_path):
    _, jeton = creer_invitation(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0)
    (tmp_path / "invitations" / "atelier-a.json").write_text("[]", encoding="utf-8")
    with pytest.raises(InvitationRefusee, match="n'est plus enregistré"):
        lire_invitation(tmp_path, jeton, T0)


def test_invitation_en_cours_reutilisee_puis_renouvelee(tmp_path):
    premier = invitation_en_cours(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", timedelta(hours=8), T0)
    assert (
        invitation_en_cours(tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0 + timedelta(hours=6))
        == premier
    )
    assert invitation_en_cours(tmp_path, "atelier-a", "contribution", "s1", maintenant=T0) == premier
    assert invitation_en_cours(tmp_path, "atelier-a", Role.LECTURE, "s1", maintenant=T0) != premier
    # À moins d'une heure de l'échéance, une neuve : une tablette ne reçoit pas un lien qui expire aussitôt.
    tard = invitation_en_cours(
        tmp_path, "atelier-a", Role.CONTRIBUTION, "s1", maintenant=T0 + timedelta(hours=7, minutes=30)
    )
    assert tard != premier
    assert len(invitations(tmp_path, "atelier-a")) == 3


def test_refus_en_francais(tmp_path):
    with pytest.raises(DonneeInvalide, match="contribution"):
        creer_invitation(tmp_path, "atelier-a", "proprietaire", "s1")
    with pytest.raises(DonneeInvalide, match="Identifiant d'atelier invalide"):
        creer_invitation(tmp_path, "../x", Role.LECTURE)
    assert lire_duree("4h") == timedelta(hours=4)
    assert lire_duree("30min") == timedelta(minutes=30)
    assert lire_duree("2j") == timedelta(days=2)
    for mauvaise in ("quatre heures", "0h", "1000j", ""):
        with pytest.raises(DonneeInvalide, match=r"[Dd]urée"):
            lire_duree(mauvaise)


def test_commande_invitation(tmp_path):
    """``python -m esquisse invitation`` imprime une adresse dont l'invitation se lit."""
    env = {"ESQUISSE_SECRETS": str(tmp_path / "secrets"), "ESQUISSE_PROJETS": str(RACINE / "projets"), "PATH": ""}
    sortie = subprocess.run(
        [sys.executable, "-m", "esquisse", "invitation", "--atelier", "bassee-montois", "--role", "lecture",
         "--expire", "2h", "--adresse", "http://salle.local:8501/"],
        capture_output=True, text=True, cwd=RACINE, env=env, check=True,
    )  # fmt: skip
    lien = urlsplit(sortie.stdout.strip())
    assert (lien.scheme, lien.netloc, lien.path) == ("http", "salle.local:8501", "/projection")
    requete = parse_qs(lien.query)
    assert requete["atelier"] == ["bassee-montois"]
    inv = lire_invitation(tmp_path / "secrets", requete["invitation"][0])
    assert inv.role is Role.LECTURE and inv.atelier == "bassee-montois"
    assert timedelta(hours=1, minutes=59) < inv.echeance - datetime.now(UTC) <= timedelta(hours=2)
    refus = subprocess.run(
        [sys.executable, "-m", "esquisse", "invitation", "--atelier", "bassee-montois", "--role", "contribution",
         "--seance", "pas-de-seance"],
        capture_output=True, text=True, cwd=RACINE, env=env,
    )  # fmt: skip
    assert refus.returncode == 1 and refus.stderr.startswith("Erreur :")
    assert len(invitations(tmp_path / "secrets", "bassee-montois")) == 1  # le refus n'a rien émis


@pytest.mark.parametrize("script", ["app.py", "pages/carte.py", "pages/exports.py"])
@pytest.mark.parametrize(("acces", "attendu"), [("local", ACCUEIL), ("invitations", ACCUEIL), ("partout", "valeurs")])
def test_pages_fermees_sans_jeton_ni_invitation(projets, monkeypatch, tmp_path, script, acces, attendu):
    """Sans jeton ni invitation (ou avec un ESQUISSE_ACCES mal écrit), chaque page s'arrête à la porte."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    monkeypatch.setenv("ESQUISSE_ACCES", acces)
    monkeypatch.setenv("ESQUISSE_SECRETS", str(tmp_path / "secrets"))
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=60)
    if script != "app.py":
        at.switch_page(script)
    at.query_params["atelier"] = "bassee-montois"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    textes = " ".join(e.value for e in [*at.info, *at.error])
    assert attendu in textes
    assert not at.button and not at.selectbox and not at.sidebar.children  # rien d'autre que la porte
