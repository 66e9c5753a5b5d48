"""Rejoindre la séance depuis une tablette : adresse locale, lien et code QR."""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import segno
from streamlit.testing.v1 import AppTest

from esquisse.carte import partage
from tests.conftest import RACINE


def test_adresses_locales_joignables_depuis_le_reseau():
    for a in partage.adresses_locales():
        ip = ipaddress.IPv4Address(a)  # une adresse IPv4 valide…
        assert not ip.is_loopback and not ip.is_link_local  # … que d'autres appareils peuvent joindre


def test_sans_reseau_aucune_adresse(monkeypatch):
    class SansReseau:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, adresse):
            raise OSError("Network is unreachable")

    monkeypatch.setattr(partage.socket, "socket", SansReseau)
    assert partage.adresses_locales() == []
    assert partage.invitations(8501, "a", "s", "h") == []


def test_reseau_local_sans_internet(monkeypatch):
    """Partage de connexion sans Internet : seule la route du réseau privé existe."""

    class ReseauPrive:
        def __init__(self, *args, **kwargs):
            self.source = None

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, adresse):
            if not adresse[0].startswith("10."):
                raise OSError("Network is unreachable")
            self.source = "10.42.0.1"

        def getsockname(self):
            return (self.source, 40000)

    monkeypatch.setattr(partage.socket, "socket", ReseauPrive)
    assert partage.adresses_locales() == ["10.42.0.1"]


def test_lien_de_la_page_tablette_sur_l_hypothese():
    lien = partage.lien_tablette("192.168.1.20", 8501, "bassee-montois", "2026-03-19-atelier-3", "strategie & co")
    morceaux = urlsplit(lien)
    assert (morceaux.scheme, morceaux.netloc, morceaux.path) == ("http", "192.168.1.20:8501", "/tablette")
    assert parse_qs(morceaux.query) == {
        "atelier": ["bassee-montois"],
        "seance": ["2026-03-19-atelier-3"],
        "hypothese": ["strategie & co"],  # encodé dans l'adresse, relu tel quel
    }


def test_code_qr_en_svg_du_lien():
    lien = partage.lien_tablette("192.168.1.20", 8501, "bassee-montois", "2026-03-19-atelier-3", "strategie")
    svg = partage.code_qr_svg(lien)
    racine = ET.fromstring(svg)  # un SVG bien formé…
    assert racine.tag.endswith("svg") and int(racine.get("width")) >= 200  # … assez grand pour un appareil photo
    # Le dessin est exactement celui du code QR de ce lien (niveau de correction M, marge de 4 modules).
    attendu = segno.make(lien, error="m", micro=False)
    assert attendu.symbol_size(scale=6, border=4) == (int(racine.get("width")), int(racine.get("height")))
    assert svg == attendu.svg_inline(scale=6, border=4, dark="#000", light="#fff")
    assert partage.code_qr_svg(lien + "x") != svg


def test_la_carte_donne_le_lien_des_tablettes(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=60)
    at.switch_page("pages/carte.py")
    at.query_params.update(atelier="bassee-montois", seance="2026-03-19-atelier-3")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    (panneau,) = [e for e in at.sidebar.expander if e.label == "Ouvrir sur les tablettes"]
    if partage.adresses_locales():
        liens = [urlsplit(c.value) for c in panneau.code]
        assert liens and all(lien.path == "/tablette" for lien in liens)
        assert parse_qs(liens[0].query)["seance"] == ["2026-03-19-atelier-3"]
        assert len(panneau.get("image")) == len(liens)  # un code QR par adresse
    else:
        assert "aucun réseau" in panneau.info[0].value
