"""Rejoindre la séance depuis une tablette : l'adresse de cet ordinateur sur le réseau local, et son code QR.

En séance, Esquisse tourne sur l'ordinateur de l'équipe-projet ; les tablettes, reliées au même
Wi-Fi (ou au partage de connexion de l'ordinateur), ouvrent la page Tablette à son adresse
locale. ``localhost`` ne convient pas : sur une tablette, il désigne la tablette elle-même.
Aucune requête ne sort sur le réseau pour trouver l'adresse.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlencode

import segno

# Destinations sondées : « connecter » une socket UDP n'envoie aucun paquet, mais le système
# choisit l'interface par laquelle il sortirait, dont on lit l'adresse. Une destination par plage
# privée : sans accès à Internet (partage de connexion, Wi-Fi de la mairie), la route du réseau
# local suffit. Aucune résolution de nom : rien ne peut attendre un DNS injoignable.
_SONDES = (("192.0.2.1", 9), ("10.255.255.254", 9), ("172.31.255.254", 9), ("192.168.255.254", 9))


@dataclass(frozen=True)
class Invitation:
    adresse: str  # http://192.168.1.20:8501/tablette?atelier=…
    qr_svg: str  # le même lien en code QR (SVG)


def _utilisable(adresse: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(adresse)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def adresses_locales() -> list[str]:
    """Les adresses IPv4 de cet ordinateur joignables par d'autres appareils du réseau local.

    La première est celle de l'interface par laquelle le système sortirait vers Internet (le
    Wi-Fi, le plus souvent), puis celles des réseaux privés. Liste vide quand l'ordinateur n'est
    relié à aucun réseau.
    """
    trouvees: list[str] = []
    for sonde in _SONDES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(sonde)
                trouvees.append(s.getsockname()[0])
        except OSError:
            continue
    resultat: list[str] = []
    for a in trouvees:
        if _utilisable(a) and a not in resultat:
            resultat.append(a)
    return resultat


def lien_tablette(
    hote: str, port: int, atelier: str, seance: str, hypothese: str, invitation: str = "", page: str = "tablette"
) -> str:
    """L'adresse de la page Tablette (ou ``page``), ouverte sur cette hypothèse ; ``invitation`` est le jeton
    signé qui fait entrer l'appareil (voir :mod:`esquisse.acces.invitations`)."""
    parametres = {"atelier": atelier, "seance": seance, "hypothese": hypothese}
    if invitation:
        parametres["invitation"] = invitation
    return f"http://{hote}:{int(port)}/{page}?{urlencode(parametres)}"


@functools.lru_cache(maxsize=64)  # le même lien revient à chaque réexécution de la page
def code_qr_svg(texte: str) -> str:
    """Le code QR de ``texte`` en SVG, noir sur blanc, avec sa marge, lisible à l'écran comme au mur."""
    return segno.make(texte, error="m", micro=False).svg_inline(scale=6, border=4, dark="#000", light="#fff")


def invitations(port: int, atelier: str, seance: str, hypothese: str, invitation: str = "") -> list[Invitation]:
    """Pour chaque adresse locale, le lien de la page Tablette et son code QR."""
    return [
        Invitation(lien, code_qr_svg(lien))
        for lien in (lien_tablette(a, port, atelier, seance, hypothese, invitation) for a in adresses_locales())
    ]
