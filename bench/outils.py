"""Mesures dans le vrai navigateur : temps jusqu'à la carte prête et octets reçus."""

from __future__ import annotations

import base64
import shutil
import statistics
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.outils import IFRAME_CARTE, RACINE, contexte_hors_ligne

APP_CARTE_VIDE = """
import streamlit as st
from streamlit_folium import st_folium
from esquisse.carte.construction import carte_vide

st.set_page_config(page_title="Carte vide", layout="wide")
st.subheader("Carte vide (référence des mesures)")
st_folium(carte_vide(), key="carte", height=720, use_container_width=True, returned_objects=[])
"""

# Prête : Leaflet a créé la carte et, pour une carte d'Esquisse, toutes ses couches sont chargées.
CARTE_PRETE = "() => !!(window.map && window.map._loaded && (!window.Esquisse || window.Esquisse.pret))"


def dossier_app_vide() -> Path:
    """Une application minimale (carte Leaflet seule), servie comme Esquisse : la base de comparaison."""
    dossier = Path(tempfile.mkdtemp(prefix="esquisse-bench-"))
    (dossier / "app_vide.py").write_text(APP_CARTE_VIDE, encoding="utf-8")
    shutil.copytree(RACINE / ".streamlit", dossier / ".streamlit")
    shutil.copytree(RACINE / "static" / "vendor", dossier / "static" / "vendor")
    return dossier


@dataclass
class Mesure:
    secondes: float
    octets_total: int
    octets_websocket: int
    octets_couches: int


class Compteur:
    """Octets reçus par une page, mesurés par le protocole de débogage de Chromium : HTTP (dont les couches
    de référence, servies sous ``/app/static/cache/``) et trames WebSocket, avec leur poids compressé estimé."""

    def __init__(self, contexte, page):
        self.http = self.ws = self.couches = self.ws_compresse = 0
        self._urls = {}
        cdp = contexte.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", lambda e: self._urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", self._fin)
        cdp.on("Network.webSocketFrameReceived", self._trame)

    def _fin(self, e):
        n = int(e.get("encodedDataLength", 0))
        self.http += n
        if "/app/static/cache/" in self._urls.get(e["requestId"], ""):
            self.couches += n

    def _trame(self, e):
        r = e["response"]
        donnees = r.get("payloadData", "")
        # Trames binaires (opcode 2) : le contenu arrive encodé en base64.
        octets = base64.b64decode(donnees) if r.get("opcode") == 2 else donnees.encode()
        self.ws += len(octets)
        # Chromium rapporte les trames décompressées : on estime leur poids compressé (deflate).
        compresseur = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.ws_compresse += len(compresseur.compress(octets) + compresseur.flush())

    def remise_a_zero(self):
        self.http = self.ws = self.couches = self.ws_compresse = 0


def mesurer_chargement(navigateur, url: str, largeur=1920, hauteur=1080, delai_ms: int = 60000) -> Mesure:
    """Charge ``url`` dans un contexte neuf (cache vide) et mesure jusqu'à la carte prête."""
    contexte, reseau = contexte_hors_ligne(navigateur, largeur=largeur, hauteur=hauteur)
    page = contexte.new_page()
    compteur = Compteur(contexte, page)
    debut = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(IFRAME_CARTE, timeout=delai_ms)
    cadre = next(f for f in page.frames if "streamlit_folium" in f.url)
    cadre.wait_for_function(CARTE_PRETE, polling=10, timeout=delai_ms)
    duree = time.perf_counter() - debut
    page.wait_for_timeout(300)  # laisser arriver les dernières trames
    contexte.close()
    if reseau.bloquees:
        raise RuntimeError(f"requêtes hors ligne inattendues : {reseau.bloquees[:3]}")
    return Mesure(duree, compteur.http + compteur.ws, compteur.ws, compteur.couches)


def mediane(mesures: list[Mesure]) -> Mesure:
    return Mesure(
        statistics.median(m.secondes for m in mesures),
        int(statistics.median(m.octets_total for m in mesures)),
        int(statistics.median(m.octets_websocket for m in mesures)),
        int(statistics.median(m.octets_couches for m in mesures)),
    )


def ko(octets: int) -> str:
    return f"{octets / 1024:,.0f} Ko".replace(",", " ")
