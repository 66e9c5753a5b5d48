"""Mode ``ESQUISSE_ACCES=invitations`` dans Chromium : on n'entre que par un lien signé.

Le lien de contribution lu dans le code QR (zbarimg) dessine et enregistre, sous le nom choisi dans
« Qui êtes-vous ? » ; un lien de lecture n'a pas d'outils et une valeur forgée de la carte n'écrit
rien ; un lien expiré ou retouché reçoit son explication ; sans lien, seule la page d'invitation.
"""

from __future__ import annotations

import hashlib
import math
import os
import queue
import shutil
import stat
import subprocess
import sys
import threading
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from esquisse.acces.invitations import FICHIER_JETON, creer_invitation, revoquer
from esquisse.acces.politique import Role
from esquisse.atelier.seances import creer_hypothese, lister_seances, modifier_hypothese
from esquisse.carte.partage import adresses_locales
from tests.navigateur.conftest import capture, sans_erreur_js
from tests.navigateur.test_modes import geste_tactile
from tests.outils import (
    IFRAME_CARTE,
    RACINE,
    arreter_serveur,
    attendre_carte,
    demarrer_serveur,
    port_libre,
    relance_attendue,
)

ATELIER = "bassee-montois"
ACCUEIL = "Demandez un lien à l'équipe d'animation"


@pytest.fixture(scope="module")
def salle(tmp_path_factory):
    """Un serveur en mode invitations, ses ateliers et son dossier de secrets (temporaires)."""
    dossier = tmp_path_factory.mktemp("invitations")
    projets = dossier / "projets"
    shutil.copytree(RACINE / "projets", projets)
    secrets = dossier / "secrets"
    s = demarrer_serveur(
        projets,
        dossier / "streamlit.log",
        env_sup={"ESQUISSE_ACCES": "invitations", "ESQUISSE_SECRETS": str(secrets), "ESQUISSE_EXPORTS": str(dossier)},
    )
    s.secrets = secrets
    yield s
    arreter_serveur(s)


@pytest.fixture
def hyp(salle):
    seance = lister_seances(salle.projets / ATELIER)[0]
    return creer_hypothese(seance, f"Essai {uuid.uuid4().hex[:6]}", atelier=ATELIER)


def adresse(salle, page: str, h, role: Role, **options) -> str:
    _, jeton = creer_invitation(salle.secrets, ATELIER, role, h.seance, **options)
    requete = {"atelier": ATELIER, "seance": h.seance, "hypothese": h.id, "invitation": jeton}
    return f"{salle.url}/{page}?{urlencode(requete)}"


def empreinte(dossier: Path) -> dict[str, str]:
    return {
        str(f.relative_to(dossier)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(dossier.rglob("*"))
        if f.is_file()
    }


def choisir(page, nom: str) -> None:
    page.get_by_role("heading", name="Qui êtes-vous ?").wait_for()
    page.get_by_role("button", name=nom).click()


def test_sans_lien_rien_que_la_page_d_invitation(salle, hors_ligne):
    contexte, reseau = hors_ligne(largeur=1024, hauteur=768)
    page = contexte.new_page()
    for chemin in ("/", f"/carte?atelier={ATELIER}", f"/seances?atelier={ATELIER}"):
        page.goto(salle.url + chemin)
        page.get_by_text(ACCUEIL).wait_for()
        # Rien d'autre : ni navigation, ni atelier, ni carte.
        assert page.locator('[data-testid="stSidebar"] a').count() == 0
        assert page.locator(IFRAME_CARTE).count() == 0
        assert "Bassée" not in page.locator('[data-testid="stMain"]').inner_text()
    capture(page, "invitation-sans-lien-1024x768")
    assert reseau.bloquees == []


def test_lien_expire_revoque_et_retouche(salle, hors_ligne, hyp):
    contexte, _ = hors_ligne(largeur=1024, hauteur=768)
    page = contexte.new_page()
    hyp = modifier_hypothese(hyp, "Équipe-projet", partagee=True)  # le mur (lecture) ne montre que le partagé
    avant = empreinte(salle.projets / ATELIER)

    il_y_a_5h = datetime.now(UTC) - timedelta(hours=5)
    page.goto(adresse(salle, "tablette", hyp, Role.CONTRIBUTION, duree=timedelta(hours=4), maintenant=il_y_a_5h))
    page.get_by_text("Ce lien d'invitation a expiré le").wait_for()
    page.get_by_text(ACCUEIL).wait_for()
    capture(page, "invitation-expiree-1024x768")

    lien = adresse(salle, "tablette", hyp, Role.CONTRIBUTION)
    debut, jeton = lien.rsplit("invitation=", 1)
    charge, signature = jeton.rsplit(".", 1)
    retouche = f"{debut}invitation={charge[:-1]}{'A' if charge[-1] != 'A' else 'B'}.{signature}"
    page.goto(retouche)
    page.get_by_text("Ce lien d'invitation n'est pas valide : il a été modifié").wait_for()
    capture(page, "invitation-retouchee-1024x768")
    assert page.locator(IFRAME_CARTE).count() == 0

    # Révoquée pendant qu'elle sert : la page suivante la refuse.
    inv, jeton = creer_invitation(salle.secrets, ATELIER, Role.LECTURE, hyp.seance)
    page.goto(f"{salle.url}/projection?atelier={ATELIER}&seance={hyp.seance}&hypothese={hyp.id}&invitation={jeton}")
    attendre_carte(page)
    revoquer(salle.secrets, ATELIER, inv.id)
    page.reload()
    page.get_by_text("Ce lien d'invitation a été révoqué par l'équipe d'animation").wait_for()
    assert empreinte(salle.projets / ATELIER) == avant  # aucun de ces liens n'a rien écrit


def test_lien_du_code_qr_contribue_sous_le_nom_choisi(salle, hors_ligne, hyp, tmp_path):
    if not adresses_locales():
        pytest.skip("cet ordinateur n'a aucune adresse sur un réseau local")
    # L'équipe d'animation entre elle aussi par une invitation (python -m esquisse invitation --role animation).
    ctx_mur, reseau = hors_ligne(largeur=1920, hauteur=1080)
    mur = ctx_mur.new_page()
    mur.goto(adresse(salle, "projection", hyp, Role.ANIMATION))
    choisir(mur, "Claire Martin — Équipe-projet")
    attendre_carte(mur)
    panneau = mur.locator('[data-testid="stExpander"]', has_text="Rejoindre depuis une tablette")
    panneau.get_by_text("Rejoindre depuis une tablette").click()
    code = panneau.locator("img").first
    code.wait_for()
    code.scroll_into_view_if_needed()
    capture(mur, "invitation-code-qr-1920x1080")
    image = tmp_path / "code.png"
    code.screenshot(path=str(image))
    lu = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True)
    lien = urlsplit(lu.stdout.strip())
    assert lien.path == "/tablette" and "invitation=" in lien.query
    assert "lecture seule" in panneau.inner_text()  # le lien du mur est donné à côté

    ctx_tablette, reseau_tablette = hors_ligne(largeur=1024, hauteur=768, has_touch=True)
    tablette = ctx_tablette.new_page()
    # Ouverte par la boucle locale : le serveur de test n'écoute que sur 127.0.0.1.
    tablette.goto(urlsplit(salle.url)._replace(path=lien.path, query=lien.query).geturl())
    choix = tablette.locator('[data-testid="stButton"]')
    choix.first.wait_for()
    capture(tablette, "invitation-qui-etes-vous-1024x768")
    choisir(tablette, "Patrick Moreau — Élu·e, Communauté de communes Bassée-Montois")
    cadre = attendre_carte(tablette)
    iframe = tablette.frame_locator(IFRAME_CARTE)
    iframe.locator("body[data-esquisse-dessin='pret']").wait_for(state="attached")
    assert "Patrick Moreau" in tablette.locator('[data-testid="stMain"]').inner_text()

    iframe.locator(".esq-pastille", has_text="Espace agricole ou naturel à préserver").tap()
    boite = iframe.locator(".leaflet-container").bounding_box()
    cx, cy, r = boite["x"] + boite["width"] * 0.45, boite["y"] + boite["height"] * 0.4, 70
    boucle = [
        (cx + r * math.cos(2 * math.pi * k / 40), cy + 0.8 * r * math.sin(2 * math.pi * k / 40)) for k in range(41)
    ]
    geste_tactile(ctx_tablette, tablette, boucle)
    tablette.get_by_text("Enregistré.").wait_for(timeout=15000)
    meta = hyp.depot(ATELIER).derniere()
    assert (meta.numero, meta.auteur, meta.role) == (1, "Patrick Moreau", "elu")
    # La projection, ouverte par l'animation, reçoit la contribution d'elle-même.
    mur.frame_locator(IFRAME_CARTE).locator("body[data-esquisse-version='1']").wait_for(state="attached", timeout=10000)
    capture(tablette, "invitation-tablette-1024x768")
    sans_erreur_js(cadre)

    # L'animation révoque l'invitation de la tablette (page « Séances et hypothèses ») : aussitôt, la
    # tablette déjà entrée n'écrit plus rien.
    mur.goto(mur.url.replace("/projection?", "/seances?"))
    choisir(mur, "Claire Martin — Équipe-projet")
    mur.get_by_text("Invitations des tablettes et du mur").click()
    lignes = (
        mur.locator('[data-testid="stHorizontalBlock"]')
        .filter(has_text="Contribution")
        .filter(has=mur.get_by_role("button", name="Révoquer"))
    )
    while n := lignes.count():
        lignes.first.get_by_role("button", name="Révoquer").click()
        expect(lignes).to_have_count(n - 1)
    capture(mur, "invitation-revocation-1920x1080")
    geste_tactile(ctx_tablette, tablette, [(x, y + 120) for x, y in boucle])
    tablette.get_by_text("Rien n'a été enregistré").wait_for(timeout=15000)
    assert hyp.depot(ATELIER).numero_courant() == 1
    assert reseau.bloquees == [] and reseau_tablette.bloquees == []


FORGE = """() => {
  const anneau = [[3.20, 48.40], [3.26, 48.40], [3.26, 48.43], [3.20, 48.40]];
  const f = {type: "Feature", properties: {esq_id: "forge00000001", esq_local: 1, esq_categorie: "preserver"},
             geometry: {type: "Polygon", coordinates: [anneau]}};
  window.Streamlit.setComponentValue({all_drawings: [f], last_active_drawing: f});
}"""


def test_lien_de_lecture_sans_outils_et_forge_refusee(salle, hors_ligne, hyp):
    contexte, reseau = hors_ligne(largeur=1920, hauteur=1080)
    mur = contexte.new_page()
    # Une hypothèse de travail, ni retenue ni partagée : le lien de lecture ne la montre pas.
    mur.goto(adresse(salle, "projection", hyp, Role.LECTURE))
    mur.get_by_text("Cette hypothèse n'est pas encore partagée").wait_for()
    assert mur.locator(IFRAME_CARTE).count() == 0
    hyp = modifier_hypothese(hyp, "Équipe-projet", partagee=True)
    avant = empreinte(salle.projets / ATELIER)
    mur.goto(adresse(salle, "projection", hyp, Role.LECTURE))
    cadre = attendre_carte(mur)
    iframe = mur.frame_locator(IFRAME_CARTE)
    assert iframe.locator(".leaflet-draw-toolbar, .esq-pastille").count() == 0
    capture(mur, "invitation-lecture-1920x1080")
    # Le mur ne peut pas inviter à son tour : ni code QR, ni lien, une fois la page entière exécutée.
    mur.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(state="attached")
    assert mur.get_by_text("Rejoindre depuis une tablette").count() == 0
    assert mur.locator('[data-testid="stCode"]').count() == 0

    # Page Tablette : pas de carte à dessiner pour un lecteur, on l'envoie à la projection.
    tablette = contexte.new_page()
    tablette.goto(adresse(salle, "tablette", hyp, Role.LECTURE))
    tablette.get_by_text("Vous ne pouvez pas dessiner dans cette séance").wait_for()
    # Page Carte : la carte sans outils ; une valeur forgée de la carte est refusée par le serveur.
    tablette.goto(adresse(salle, "carte", hyp, Role.LECTURE))
    cadre = attendre_carte(tablette)
    iframe = tablette.frame_locator(IFRAME_CARTE)
    assert iframe.locator(".leaflet-draw-toolbar, .esq-pastille").count() == 0
    tablette.get_by_text("Lecture seule : vous consultez cette hypothèse").wait_for()
    # La valeur forgée relance le script côté serveur : on attend cette relance, puis sa fin.
    with relance_attendue(tablette):
        cadre.evaluate(FORGE)
    capture(tablette, "invitation-lecture-forge-1920x1080")
    assert hyp.depot(ATELIER).numero_courant() == 0
    assert empreinte(salle.projets / ATELIER) == avant  # ni version, ni brouillon
    sans_erreur_js(cadre)
    assert reseau.bloquees == []


def test_make_run_imprime_l_adresse_de_l_animation(hors_ligne, tmp_path):
    """Mode local : ``python -m esquisse lancer`` (ce que fait ``make run``) imprime l'adresse qui porte le
    jeton d'animation ; elle fait entrer, la navigation le garde ; sans lui, ou avec un faux, on reste dehors."""
    projets = tmp_path / "projets"
    shutil.copytree(RACINE / "projets", projets)
    port = port_libre()
    env = {**os.environ, "ESQUISSE_ACCES": "local", "ESQUISSE_SECRETS": str(tmp_path / "secrets")}
    env["ESQUISSE_PROJETS"] = str(projets)
    commande = [sys.executable, "-m", "esquisse", "lancer", "--port", str(port), "--sans-navigateur"]
    lanceur = subprocess.Popen(
        commande, cwd=RACINE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lignes: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lignes.put(ligne) for ligne in lanceur.stdout], daemon=True).start()
    try:
        imprime = ""
        while "?jeton=" not in imprime:
            imprime = lignes.get(timeout=90)
        url = imprime.strip()
        assert url.startswith(f"http://localhost:{port}/?jeton=")
        assert stat.S_IMODE((tmp_path / "secrets" / FICHIER_JETON).stat().st_mode) == 0o600
        url = url.replace("localhost", "127.0.0.1")  # le contexte hors ligne n'admet que la boucle locale

        contexte, reseau = hors_ligne(largeur=1024, hauteur=768)
        page = contexte.new_page()
        page.goto(url)
        page.get_by_role("button", name="Ouvrir la carte").first.wait_for()
        # La navigation ne porte plus le jeton : la session s'en souvient.
        page.get_by_role("link", name="Préparer l'atelier").first.click()
        page.wait_for_url("**/atelier?**")
        page.get_by_text("Participants").first.wait_for()
        assert "jeton=" not in page.url
        assert page.get_by_text(ACCUEIL).count() == 0

        autre = hors_ligne(largeur=1024, hauteur=768)[0].new_page()
        autre.goto(f"http://127.0.0.1:{port}/")
        autre.get_by_text(ACCUEIL).wait_for()
        autre.get_by_text("Ouvrez l'adresse imprimée par « make run »").wait_for()
        autre.goto(f"http://127.0.0.1:{port}/?jeton={'x' * 43}")
        autre.get_by_text("Ce jeton d'animation n'est pas (ou plus) valide").wait_for()
        capture(autre, "jeton-faux-1024x768")
        assert autre.get_by_role("button", name="Ouvrir la carte").count() == 0
        assert reseau.bloquees == []
    finally:
        lanceur.terminate()
        assert lanceur.wait(20) is not None
    with pytest.raises(OSError):  # le lanceur arrêté, Streamlit l'est aussi
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
