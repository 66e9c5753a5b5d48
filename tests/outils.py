"""Outils partagés par les tests et les mesures (bench/) : serveur Streamlit réel et Chromium de Debian."""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from streamlit.testing.v1 import AppTest

RACINE = Path(__file__).resolve().parents[1]


def _donnees_partagees() -> Path:
    """Données ouvertes de référence (fichiers nationaux) : ``ESQUISSE_DONNEES_PARTAGEES``,
    sinon ``../shared/data/territoires`` à côté du dépôt."""
    if os.environ.get("ESQUISSE_DONNEES_PARTAGEES"):
        return Path(os.environ["ESQUISSE_DONNEES_PARTAGEES"])
    for candidat in (RACINE.parent / "shared" / "data" / "territoires", Path("/work/shared/data/territoires")):
        if candidat.is_dir():
            return candidat
    return RACINE.parent / "shared" / "data" / "territoires"


PARTAGE = _donnees_partagees()

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGUMENTS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IFRAME_CARTE = 'iframe[title="streamlit_folium.st_folium"]'


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Serveur:
    url: str
    projets: Path
    processus: subprocess.Popen
    journal: Path


def demarrer_serveur(
    projets: Path,
    journal: Path,
    script: Path = RACINE / "app.py",
    env_sup: dict[str, str] | None = None,
    port: int | None = None,
    options: list[str] | None = None,
) -> Serveur:
    """Lance ``streamlit run`` (sur ``port``, sinon un port libre) et attend qu'il réponde."""
    port = port or port_libre()
    # Par défaut, le mode ouvert (mesures, tests des autres fonctions) ; les tests des modes d'accès le disent.
    env = {"ESQUISSE_ACCES": "ouvert", **os.environ, "ESQUISSE_PROJETS": str(projets), **(env_sup or {})}
    sortie = journal.open("wb")
    processus = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *(options or []),
        ],
        cwd=script.parent,
        env=env,
        stdout=sortie,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    limite = time.monotonic() + 60
    while time.monotonic() < limite:
        if processus.poll() is not None:
            raise RuntimeError(f"Streamlit s'est arrêté :\n{journal.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Serveur(url, projets, processus, journal)
        except OSError:
            time.sleep(0.3)
    processus.kill()
    raise RuntimeError(f"Streamlit ne répond pas :\n{journal.read_text(errors='replace')}")


def arreter_serveur(serveur: Serveur) -> None:
    serveur.processus.terminate()
    try:
        serveur.processus.wait(10)
    except subprocess.TimeoutExpired:
        serveur.processus.kill()


@dataclass
class Reseau:
    """Ce que la page a demandé : requêtes bloquées (hors du serveur local) et échecs."""

    bloquees: list[str] = field(default_factory=list)
    echecs: list[str] = field(default_factory=list)


def local(url: str) -> bool:
    return urlparse(url).hostname in {"127.0.0.1", "localhost"} or url.startswith(("data:", "blob:", "about:"))


def lancer_chromium(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Chromium (paquet Debian « chromium ») est introuvable : lancez `make test`.")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS_CHROMIUM)


def contexte_hors_ligne(navigateur, largeur=1920, hauteur=1080, **options):
    """Un contexte où toute requête hors du serveur local est bloquée et notée."""
    contexte = navigateur.new_context(viewport={"width": largeur, "height": hauteur}, locale="fr-FR", **options)
    reseau = Reseau()

    def router(route):
        url = route.request.url
        if local(url):
            route.continue_()
        else:
            reseau.bloquees.append(url)
            route.abort("internetdisconnected")

    contexte.route("**/*", router)

    def noter_echec(requete):
        if local(requete.url):
            reseau.echecs.append(f"{requete.failure} {requete.url}")

    def noter_reponse(reponse):
        if local(reponse.url) and reponse.status >= 400:
            reseau.echecs.append(f"HTTP {reponse.status} {reponse.url}")

    contexte.on("requestfailed", noter_echec)
    contexte.on("response", noter_reponse)
    return contexte, reseau


# Au chargement d'une page autre que l'accueil (ex. /carte), le client Streamlit cherche
# l'adresse de base du serveur en sondant d'abord /carte/_stcore/… (404), puis /_stcore/….
# Ces deux sondes ne sont pas des ressources de l'application.
SONDE_STREAMLIT = re.compile(r"^HTTP 404 http://[^/]+/[^/_][^/]*/_stcore/(health|host-config)$")


def echecs_application(reseau: Reseau) -> list[str]:
    return [e for e in reseau.echecs if not SONDE_STREAMLIT.match(e)]


def cadre_carte(page, rang: int = 0):
    cadres = [f for f in page.frames if "streamlit_folium" in f.url]
    if len(cadres) <= rang:
        raise AssertionError("iframe de la carte introuvable")
    return cadres[rang]


def attendre_carte(page, delai_ms: int = 30000, rang: int = 0):
    """Attend que la carte ait chargé ses couches ; renvoie le cadre de son iframe."""
    page.wait_for_selector(IFRAME_CARTE, timeout=delai_ms)
    page.frame_locator(IFRAME_CARTE).nth(rang).locator("body[data-esquisse-pret]").wait_for(
        state="attached", timeout=delai_ms
    )
    return cadre_carte(page, rang)


def attendre_version(page, numero: int, delai_ms: int = 30000, rang: int = 0) -> None:
    """Attend que la carte (la ``rang``-ième de la page) affiche la version ``numero`` de son hypothèse."""
    page.frame_locator(IFRAME_CARTE).nth(rang).locator(f"body[data-esquisse-version='{numero}']").wait_for(
        state="attached", timeout=delai_ms
    )


# Les exécutions du script (la page entière ou un fragment) : on les compte à partir d'un moment (l'état du
# script passe à « running »), puis on attend qu'il y en ait eu assez et que la dernière soit finie.
RELANCES_GUETTEES = """() => {
    window.__relances = 0;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'running') window.__relances += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RELANCES_FINIES = """(n) => window.__relances >= n
    && document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning'"""
SCRIPT_FINI = '[data-testid="stApp"][data-test-script-state="notRunning"]'


@contextmanager
def relance_attendue(page, fois: int = 1, delai_ms: int = 30000):
    """Le bloc fait un geste qui relance le script (un clic, une valeur de la carte) ; au sortir du bloc, ``fois``
    exécutions ont commencé depuis le geste et la dernière a fini côté serveur : ce qu'elle écrit est écrit."""
    page.evaluate(RELANCES_GUETTEES)
    yield
    page.wait_for_function(RELANCES_FINIES, arg=fois, timeout=delai_ms)


def attendre_fin_du_script(page, delai_ms: int = 30000) -> None:
    """L'exécution en cours de la page est finie : tout ce qu'elle affiche est là. À appeler une fois la page
    commencée (un de ses textes affiché)."""
    page.locator(SCRIPT_FINI).wait_for(state="attached", timeout=delai_ms)


# -- pannes du disque ------------------------------------------------------------------------------


class _FichierQuiSeRemplit:
    """Le fichier temporaire sur un disque qui se remplit : la moitié du contenu passe, puis l'erreur."""

    def __init__(self, fichier, code: int):
        self._f, self._code = fichier, code

    def write(self, contenu: bytes) -> int:
        self._f.write(contenu[: len(contenu) // 2])
        self._f.flush()
        raise OSError(self._code, os.strerror(self._code))

    def __getattr__(self, nom):
        return getattr(self._f, nom)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


class DisqueEnPanne:
    """Le module ``os`` tel que le voit ``esquisse/noyau/fichiers.py`` quand le disque est plein (ou en erreur)."""

    def __init__(self, code: int):
        self.code = code
        self.pannes = 0

    def __getattr__(self, nom):
        return getattr(os, nom)

    def fdopen(self, fd, *args, **kwargs):
        self.pannes += 1
        return _FichierQuiSeRemplit(os.fdopen(fd, *args, **kwargs), self.code)

    def fsync(self, fd):  # fichiers écrits par une bibliothèque (``remplacer_par_temporaire``)
        self.pannes += 1
        raise OSError(self.code, os.strerror(self.code))


def remplir_disque(disque: Path) -> Path:
    """Remplit le disque jusqu'au dernier octet ; renvoie le fichier de remplissage."""
    bouche = disque / "remplissage.bin"
    with open(bouche, "wb", buffering=0) as f:
        morceau = b"\0" * 65536
        while True:
            try:
                f.write(morceau)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        for taille in (4096, 512, 1):  # les derniers octets d'une page entamée
            try:
                while True:
                    f.write(b"\0" * taille)
            except OSError:
                continue
    assert shutil.disk_usage(disque).free < 4096
    return bouche


# -- pages exécutées sans navigateur (AppTest de Streamlit) ----------------------------------------


def preparer_page(script: str = "app.py", delai: float = 60, **parametres) -> AppTest:
    """La page ``script``, prête à s'exécuter : l'application part toujours de app.py (comme dans le
    navigateur), puis va à la page, avec les paramètres d'adresse donnés (``None`` : omis)."""
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=delai)
    if script != "app.py":
        at.switch_page(script)
    for cle, valeur in parametres.items():
        if valeur is not None:
            at.query_params[cle] = valeur
    return at


def executer_page(at: AppTest) -> AppTest:
    """Exécute la page préparée et vérifie qu'aucune exception ne l'a arrêtée."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def ouvrir_page(script: str = "app.py", delai: float = 60, **parametres) -> AppTest:
    """:func:`preparer_page` puis :func:`executer_page`."""
    return executer_page(preparer_page(script, delai, **parametres))
