"""Un fournisseur OpenID Connect réel pour les tests : ``oidc-provider`` (npm), lancé par Node.

Voir ``tests/fournisseur_oidc.mjs``. Il écoute sur 127.0.0.1, connaît un client (celui d'Esquisse)
et quelques comptes (identifiant, mot de passe, courriel, nom).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.outils import RACINE, port_libre

SCRIPT = RACINE / "tests" / "fournisseur_oidc.mjs"


@dataclass
class Fournisseur:
    emetteur: str
    processus: subprocess.Popen
    journal: Path

    @property
    def metadonnees(self) -> str:
        return f"{self.emetteur}/.well-known/openid-configuration"

    def arreter(self) -> None:
        self.processus.terminate()
        try:
            self.processus.wait(10)
        except subprocess.TimeoutExpired:
            self.processus.kill()
        if self.processus.stdout is not None:
            self.processus.stdout.close()


def demarrer_fournisseur(client: str, secret: str, redirection: str, comptes: list[dict], journal: Path) -> Fournisseur:
    node = shutil.which("node")
    if node is None or not (RACINE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("Node ou le paquet npm oidc-provider manque : lancez `npm ci` (ou `make test`).")
    port = port_libre()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": client,
        "OIDC_SECRET": secret,
        "OIDC_REDIRECTION": redirection,
        "OIDC_COMPTES": json.dumps(comptes),
    }
    sortie = journal.open("wb")
    # Le script écrit une ligne sur sa sortie standard une fois à l'écoute : c'est elle qu'on attend.
    processus = subprocess.Popen([node, str(SCRIPT)], cwd=RACINE, env=env, stdout=subprocess.PIPE, stderr=sortie)
    fournisseur = Fournisseur(f"http://127.0.0.1:{port}", processus, journal)
    with selectors.DefaultSelector() as guet:
        guet.register(processus.stdout, selectors.EVENT_READ)
        pret = guet.select(timeout=30) and processus.stdout.readline()
    if pret:
        if json.loads(pret).get("emetteur") != fournisseur.emetteur:
            fournisseur.arreter()
            raise RuntimeError(f"Le fournisseur OIDC annonce un autre émetteur : {pret!r}")
        with urllib.request.urlopen(fournisseur.metadonnees, timeout=10) as r:
            if json.load(r).get("issuer") == fournisseur.emetteur:
                return fournisseur
    fournisseur.arreter()
    raise RuntimeError(f"Le fournisseur OIDC ne répond pas :\n{journal.read_text(errors='replace')}")
