"""Une grappe PostgreSQL + PostGIS jetable, pour les tests et les mesures.

``initdb`` dans un dossier temporaire, un port libre, la socket Unix dans ce même dossier ;
le serveur tourne sous un utilisateur sans privilège (PostgreSQL refuse root) et est arrêté
à la fin. Aucune grappe du système n'est jamais touchée.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.outils import port_libre

BIN = Path("/usr/lib/postgresql/15/bin")
UTILISATEUR_SYSTEME = "esquisse-test"
ROLE = "esquisse"
MODELE = "modele_postgis"


def _utilisateur() -> pwd.struct_passwd | None:
    """L'utilisateur qui fait tourner le serveur : ``esquisse-test`` si on est root, sinon soi-même."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(UTILISATEUR_SYSTEME)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", UTILISATEUR_SYSTEME],
            check=True,
        )
        return pwd.getpwnam(UTILISATEUR_SYSTEME)


def _commande(utilisateur: pwd.struct_passwd | None, *args: str) -> list[str]:
    if utilisateur is None:
        return list(args)
    return ["runuser", "-u", utilisateur.pw_name, "--", *args]


@dataclass
class Grappe:
    dossier: Path
    port: int
    utilisateur: pwd.struct_passwd | None
    rapide: bool = True

    @property
    def donnees(self) -> Path:
        return self.dossier / "donnees"

    def dsn(self, base: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{base}"

    def creer_base(self, nom: str) -> str:
        """Crée une base neuve, avec PostGIS (copiée du modèle ``modele_postgis``), et renvoie son URL."""
        with psycopg.connect(self.dsn(), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{nom}" TEMPLATE {MODELE}')
        return self.dsn(nom)

    def suspendre(self) -> None:
        """Arrête le serveur (comme une panne : mode immédiat) en gardant ses données."""
        subprocess.run(
            _commande(self.utilisateur, str(BIN / "pg_ctl"), "stop", "-D", str(self.donnees), "-m", "immediate"),
            capture_output=True,
        )

    def relancer(self) -> None:
        _demarrer(self)

    def arreter(self) -> None:
        self.suspendre()
        shutil.rmtree(self.dossier, ignore_errors=True)


def demarrer_grappe(rapide: bool = True) -> Grappe:
    """Démarre une grappe neuve ; ``rapide`` coupe fsync (les tests ne coupent que des clients)."""
    if not (BIN / "initdb").exists():
        raise RuntimeError("PostgreSQL 15 manque : lancez `make systeme` (postgresql-15, postgresql-15-postgis-3).")
    utilisateur = _utilisateur()
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-pg-"))
    if utilisateur is not None:
        os.chown(dossier, utilisateur.pw_uid, utilisateur.pw_gid)
    os.chmod(dossier, 0o700)
    grappe = Grappe(dossier, port_libre(), utilisateur)
    subprocess.run(
        _commande(
            utilisateur,
            str(BIN / "initdb"),
            "-D",
            str(grappe.donnees),
            "-U",
            ROLE,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ),
        check=True,
        capture_output=True,
    )
    grappe.rapide = rapide
    _demarrer(grappe)
    with psycopg.connect(grappe.dsn(), autocommit=True) as c:
        c.execute(f"CREATE DATABASE {MODELE}")
    with psycopg.connect(grappe.dsn(MODELE), autocommit=True) as c:
        c.execute("CREATE EXTENSION postgis")
    return grappe


def _demarrer(grappe: Grappe) -> None:
    dossier, utilisateur = grappe.dossier, grappe.utilisateur
    options = [
        f"-p {grappe.port}",
        "-c listen_addresses=127.0.0.1",
        f"-c unix_socket_directories={dossier}",
        "-c max_connections=200",
        "-c shared_buffers=64MB",
    ]
    if grappe.rapide:
        options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    resultat = subprocess.run(
        _commande(
            utilisateur,
            str(BIN / "pg_ctl"),
            "start",
            "-D",
            str(grappe.donnees),
            "-l",
            str(dossier / "journal.log"),
            "-o",
            " ".join(options),
            "-w",
            "-t",
            "60",
        ),
        capture_output=True,
        text=True,
    )
    if resultat.returncode != 0:
        journal = (dossier / "journal.log").read_text(errors="replace") if (dossier / "journal.log").exists() else ""
        grappe.arreter()
        raise RuntimeError(f"PostgreSQL n'a pas démarré : {resultat.stderr}\n{journal}")
    limite = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(grappe.dsn(), connect_timeout=2):
                break
        except psycopg.OperationalError:
            if time.monotonic() > limite:
                grappe.arreter()
                raise
            time.sleep(0.1)
