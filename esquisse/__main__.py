"""Esquisse en ligne de commande : ``python -m esquisse <commande> …``.

Chaque sous-commande est déclarée par une fonction ``_declarer_<commande>(sous)`` qui ajoute
son analyseur et lui associe la fonction qui l'exécute (``_commande``). Une erreur attendue
(:class:`~esquisse.noyau.erreurs.EsquisseErreur`) s'affiche en français, sans trace, avec le code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from esquisse.noyau.erreurs import EsquisseErreur


def _progression(part: float, message: str) -> None:
    print(f"{round(100 * part):3d} % {message}", file=sys.stderr)


def _commande(sous, nom: str, executer, aide: str, description: str) -> argparse.ArgumentParser:
    """Déclare la sous-commande ``nom`` : son aide, sa description, la fonction qui l'exécute."""
    p = sous.add_parser(nom, help=aide, description=description)
    p.set_defaults(executer=executer)
    return p


def _option_projets(p: argparse.ArgumentParser) -> None:
    p.add_argument("--projets", help="dossier des ateliers (par défaut : réglage ESQUISSE_PROJETS)")


def _projets(args: argparse.Namespace) -> Path:
    from esquisse.noyau.reglages import reglage

    return Path(args.projets) if args.projets else reglage("ESQUISSE_PROJETS")


def _option_port(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8501, help="port du serveur (défaut : 8501)")


# -- publier -------------------------------------------------------------------------------------


def _publier(args: argparse.Namespace) -> int:
    from esquisse.atelier.ateliers import charger_atelier
    from esquisse.exports.publication import publier, publier_zip
    from esquisse.noyau.reglages import reglage

    projets = _projets(args)
    atelier = charger_atelier(projets, args.atelier)
    cache = reglage("ESQUISSE_CACHE")
    progression = None if args.silencieux else _progression
    cible = Path(args.dossier)
    if args.zip:
        chemin = publier_zip(atelier, projets, cache, cible, args.date, progression)
        print(f"Site de « {atelier.nom} » publié dans l'archive {chemin}")
    else:
        chemin = publier(atelier, projets, cache, cible, args.date, progression)
        print(f"Site de « {atelier.nom} » publié : ouvrez {chemin / 'index.html'}")
    return 0


def _declarer_publier(sous) -> None:
    p = _commande(
        sous,
        "publier",
        _publier,
        "publier l'atelier : un site statique hors ligne de ce qui a été partagé",
        "Construit un site statique autonome (index.html à ouvrir sans réseau) : hypothèses retenues "
        "ou partagées, ce qui a changé entre les séances, feuille de route, sources. Un dossier existant "
        "n'est remplacé que s'il contient une publication précédente.",
    )
    p.add_argument("atelier", metavar="ID", help="identifiant de l'atelier (nom de son dossier)")
    p.add_argument("dossier", metavar="DOSSIER", help="dossier du site (ou fichier .zip avec --zip)")
    p.add_argument("--date", help="date de publication AAAA-MM-JJ (par défaut : celle du dernier contenu publié)")
    p.add_argument("--zip", action="store_true", help="écrire une archive zip au lieu d'un dossier")
    _option_projets(p)
    p.add_argument("--silencieux", action="store_true", help="ne pas afficher la progression")


# -- copier-atelier ------------------------------------------------------------------------------


def _copier_atelier(args: argparse.Namespace) -> int:
    from esquisse.stockage.copie import copier_atelier

    print(copier_atelier(args.identifiant, args.de, args.vers).resume)
    return 0


def _declarer_copier_atelier(sous) -> None:
    p = _commande(
        sous,
        "copier-atelier",
        _copier_atelier,
        "copie un atelier d'un magasin à l'autre (dossier d'ateliers ou URL postgresql://)",
        "Copie un atelier entier (documents, versions avec leurs numéros et empreintes, brouillons) "
        "d'un dossier d'ateliers vers une base PostgreSQL + PostGIS, ou l'inverse. Rien d'existant n'est remplacé.",
    )
    p.add_argument("identifiant", metavar="ID", help="identifiant de l'atelier")
    p.add_argument("--de", required=True, metavar="SOURCE", help="dossier d'ateliers ou URL postgresql://")
    p.add_argument("--vers", required=True, metavar="CIBLE", help="dossier d'ateliers ou URL postgresql://")


# -- invitation ----------------------------------------------------------------------------------


def _adresse_par_defaut(port: int) -> str:
    from esquisse.carte.partage import adresses_locales

    hote = next(iter(adresses_locales()), "localhost")
    return f"http://{hote}:{port}"


def _invitation(args: argparse.Namespace) -> int:
    from urllib.parse import urlencode

    from esquisse.acces.invitations import creer_invitation, lire_duree
    from esquisse.atelier.ateliers import charger_atelier
    from esquisse.atelier.seances import seance
    from esquisse.noyau.reglages import reglage

    projets = _projets(args)
    atelier = charger_atelier(projets, args.atelier)
    if args.seance:
        seance(atelier.dossier, args.seance)  # une séance inconnue est refusée avant toute écriture
    duree = lire_duree(args.expire)
    invitation, jeton = creer_invitation(reglage("ESQUISSE_SECRETS"), atelier.id, args.role, args.seance or "", duree)
    page = {"contribution": "tablette", "lecture": "projection", "animation": ""}[args.role]
    parametres = {"atelier": atelier.id, **({"seance": args.seance} if args.seance else {}), "invitation": jeton}
    base = (args.adresse or _adresse_par_defaut(args.port)).rstrip("/")
    print(f"{base}/{page}?{urlencode(parametres)}")
    print(f"Invitation {invitation.id} : {invitation.decrire()}.", file=sys.stderr)
    return 0


def _declarer_invitation(sous) -> None:
    p = _commande(
        sous,
        "invitation",
        _invitation,
        "imprime l'adresse d'une invitation signée (tablette, mur)",
        "Émet une invitation signée pour un atelier et imprime son adresse. « contribution » ouvre la "
        "page Tablette, « lecture » la projection (le mur, le cercle large) ; « animation » fait entrer "
        "l'équipe-projet quand ESQUISSE_ACCES=invitations. L'invitation se révoque dans la page "
        "« Séances et hypothèses ».",
    )
    p.add_argument("--atelier", required=True, metavar="ID", help="identifiant de l'atelier")
    p.add_argument("--role", required=True, choices=["contribution", "lecture", "animation"], help="rôle donné")
    p.add_argument("--seance", metavar="ID", help="limiter l'invitation à cette séance")
    p.add_argument("--expire", default="4h", metavar="DUREE", help="durée de validité : 30min, 4h, 2j (défaut : 4h)")
    p.add_argument("--adresse", metavar="URL", help="adresse du serveur (défaut : http://<adresse locale>:PORT)")
    _option_port(p)
    _option_projets(p)


# -- lancer ----------------------------------------------------------------------------------------


def _lancer(args: argparse.Namespace) -> int:
    import signal
    import subprocess
    import time
    import urllib.request
    import webbrowser

    from esquisse.acces.invitations import nouveau_jeton_animation
    from esquisse.acces.oidc import options_streamlit
    from esquisse.noyau.reglages import RACINE, reglage

    mode = reglage("ESQUISSE_ACCES")
    adresse = f"http://localhost:{args.port}/"
    if mode == "local":
        adresse += f"?jeton={nouveau_jeton_animation(reglage('ESQUISSE_SECRETS'))}"
    commande = [sys.executable, "-m", "streamlit", "run", str(RACINE / "app.py"), "--server.port", str(args.port)]
    commande += options_streamlit()  # mode oidc : les secrets de connexion générés hors du dépôt
    processus = subprocess.Popen([*commande, "--server.headless", "true"], cwd=RACINE)
    signal.signal(signal.SIGTERM, lambda *_: processus.terminate())  # arrêté, le lanceur arrête Streamlit
    try:
        limite = time.monotonic() + 120
        while time.monotonic() < limite and processus.poll() is None:
            try:
                with urllib.request.urlopen(f"http://localhost:{args.port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        if processus.poll() is None:
            if mode == "local":
                print(f"\n  Esquisse est prêt. Équipe d'animation, ouvrez :\n\n    {adresse}\n")
                print("  Cette adresse donne tous les droits : ne la projetez pas, ne la partagez pas. Les tablettes")
                print("  entrent par le code QR de la page Projection.\n", flush=True)
            elif mode == "invitations":
                print(f"\n  Esquisse est prêt sur {adresse} : chacun entre par une invitation")
                print("  (python -m esquisse invitation --atelier ID --role animation|contribution|lecture).\n")
            else:
                print(f"\n  Esquisse est prêt : ouvrez {adresse}\n", flush=True)
            if not args.sans_navigateur:
                webbrowser.open(adresse)
        return processus.wait()
    except KeyboardInterrupt:
        processus.terminate()
        return processus.wait(10)


def _declarer_lancer(sous) -> None:
    p = _commande(
        sous,
        "lancer",
        _lancer,
        "lance l'application et imprime son adresse (avec le jeton d'animation en mode local)",
        "Lance Esquisse (streamlit run app.py). En mode local (ESQUISSE_ACCES=local, par défaut), tire un "
        "jeton d'animation neuf (fichier 0600 dans ESQUISSE_SECRETS) et imprime puis ouvre l'adresse qui le porte.",
    )
    _option_port(p)
    p.add_argument("--sans-navigateur", action="store_true", help="ne pas ouvrir le navigateur")


# -- options-streamlit ---------------------------------------------------------------------------


def _options_streamlit(args: argparse.Namespace) -> int:
    from esquisse.acces.oidc import options_streamlit

    print(" ".join(options_streamlit()))
    return 0


def _declarer_options_streamlit(sous) -> None:
    _commande(
        sous,
        "options-streamlit",
        _options_streamlit,
        "options de `streamlit run` pour le mode d'accès (ESQUISSE_ACCES) : secrets de connexion OIDC",
        "En mode oidc, écrit la section [auth] des secrets de Streamlit (fichier 0600 du dossier "
        "ESQUISSE_SECRETS) d'après les réglages ESQUISSE_OIDC_*, et affiche l'option --secrets.files qui la "
        "désigne. N'affiche rien dans les autres modes, ni si ESQUISSE_OIDC_CLIENT est vide (Streamlit lit "
        "alors le .streamlit/secrets.toml de l'exploitant).",
    )


# -- analyse de la ligne de commande -------------------------------------------------------------

DECLARATIONS = [
    _declarer_publier,
    _declarer_copier_atelier,
    _declarer_invitation,
    _declarer_lancer,
    _declarer_options_streamlit,
]


def analyseur() -> argparse.ArgumentParser:
    parseur = argparse.ArgumentParser(prog="python -m esquisse", description="Esquisse en ligne de commande.")
    sous = parseur.add_subparsers(dest="commande", required=True, metavar="COMMANDE")
    for declarer in DECLARATIONS:
        declarer(sous)
    return parseur


def main(argv: list[str] | None = None) -> int:
    args = analyseur().parse_args(argv)
    try:
        return args.executer(args)
    except EsquisseErreur as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
