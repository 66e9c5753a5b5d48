"""Mesures dans le vrai navigateur : temps jusqu'à la carte prête et octets reçus."""

from __future__ import annotations

import base64
import shutil
import statistics
import tempfile
import time
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


def mesurer_chargement(navigateur, url: str, largeur=1920, hauteur=1080, delai_ms: int = 60000) -> Mesure:
    """Charge ``url`` dans un contexte neuf (cache vide) et mesure jusqu'à la carte prête."""
    contexte, reseau = contexte_hors_ligne(navigateur, largeur=largeur, hauteur=hauteur)
    page = contexte.new_page()
    cdp = contexte.new_cdp_session(page)
    cdp.send("Network.enable")
    octets = {"http": 0, "ws": 0, "couches": 0}
    urls = {}

    def requete(ev):
        urls[ev["requestId"]] = ev["request"]["url"]

    def fin(ev):
        octets["http"] += int(ev.get("encodedDataLength", 0))
        if "/app/static/cache/" in urls.get(ev["requestId"], ""):
            octets["couches"] += int(ev.get("encodedDataLength", 0))

    def trame(ev):
        r = ev["response"]
        donnees = r.get("payloadData", "")
        # Trames binaires (opcode 2) : le contenu arrive encodé en base64.
        octets["ws"] += len(base64.b64decode(donnees)) if r.get("opcode") == 2 else len(donnees.encode())

    cdp.on("Network.requestWillBeSent", requete)
    cdp.on("Network.loadingFinished", fin)
    cdp.on("Network.webSocketFrameReceived", trame)
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
    return Mesure(duree, octets["http"] + octets["ws"], octets["ws"], octets["couches"])


def mediane(mesures: list[Mesure]) -> Mesure:
    return Mesure(
        statistics.median(m.secondes for m in mesures),
        int(statistics.median(m.octets_total for m in mesures)),
        int(statistics.median(m.octets_websocket for m in mesures)),
        int(statistics.median(m.octets_couches for m in mesures)),
    )


def ko(octets: int) -> str:
    return f"{octets / 1024:,.0f} Ko".replace(",", " ")
