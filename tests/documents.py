"""Lecture des documents exportés par de vrais outils : poppler (pdftoppm, pdftotext, pdfinfo), GDAL (ogrinfo).

Les tests ne croient pas Esquisse sur parole : ils relisent ses fichiers avec des lecteurs
indépendants, comme le ferait la DDT.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tests.outils import RACINE

CAPTURES = RACINE / "tests" / "captures"


def _outil(nom: str) -> str:
    chemin = shutil.which(nom)
    if chemin is None:
        raise RuntimeError(f"« {nom} » est introuvable : lancez `make test` (paquets poppler-utils et gdal-bin).")
    return chemin


def pages_pdf(chemin: Path) -> int:
    sortie = subprocess.run([_outil("pdfinfo"), str(chemin)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", sortie, re.M).group(1))


def taille_page_pdf(chemin: Path) -> tuple[float, float]:
    """Largeur et hauteur de la première page, en millimètres."""
    sortie = subprocess.run([_outil("pdfinfo"), str(chemin)], capture_output=True, text=True, check=True).stdout
    largeur, hauteur = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", sortie, re.M).groups()
    return float(largeur) * 25.4 / 72, float(hauteur) * 25.4 / 72


def texte_pdf(chemin: Path, page: int | None = None, disposition: bool = True) -> str:
    """Le texte du PDF ; ``disposition=False`` : par blocs (la légende à côté d'une carte reste d'un tenant)."""
    commande = [_outil("pdftotext"), *(["-layout"] if disposition else [])]
    if page:
        commande += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*commande, str(chemin), "-"], capture_output=True, text=True, check=True).stdout


def pdf_en_images(chemin: Path, dossier: Path, dpi: int = 60, pages: tuple[int, int] | None = None) -> list[Path]:
    """Les pages du PDF en PNG (pdftoppm), dans l'ordre ; copiées dans tests/captures/ pour qu'on les regarde."""
    dossier.mkdir(parents=True, exist_ok=True)
    prefixe = dossier / chemin.stem
    commande = [_outil("pdftoppm"), "-r", str(dpi), "-png"]
    if pages:
        commande += ["-f", str(pages[0]), "-l", str(pages[1])]
    subprocess.run([*commande, str(chemin), str(prefixe)], check=True)
    images = sorted(dossier.glob(f"{chemin.stem}-*.png"))
    CAPTURES.mkdir(parents=True, exist_ok=True)
    for image in images:
        shutil.copy(image, CAPTURES / f"pdf-{image.name}")
    return images


def pixels(image: Path | Image.Image) -> np.ndarray:
    im = Image.open(image) if isinstance(image, Path) else image
    return np.asarray(im.convert("RGB")).astype(int)


def part_non_blanche(rgb: np.ndarray) -> float:
    return float((rgb.min(axis=2) < 235).mean())


def rvb(couleur: str) -> np.ndarray:
    return np.array([int(couleur[i : i + 2], 16) for i in (1, 3, 5)])


def melange(couleur: str, opacite: float, fond: str = "#ffffff") -> str:
    """La couleur vue d'un aplat semi-transparent posé sur ``fond``."""
    r, v, b = (opacite * rvb(couleur) + (1 - opacite) * rvb(fond)).round().astype(int)
    return f"#{r:02x}{v:02x}{b:02x}"


def part_couleur(rgb: np.ndarray, couleur: str, tolerance: int = 40) -> float:
    """Part des pixels proches de ``couleur`` (« #rrggbb »)."""
    return float((np.abs(rgb - rvb(couleur)).sum(axis=2) < tolerance).mean())


@dataclass
class CoucheOgr:
    nom: str
    entites: int
    epsg: int | None
    geometrie: str


def couches_gpkg(chemin: Path) -> dict[str, CoucheOgr]:
    """Les couches d'un GeoPackage d'après ``ogrinfo`` (GDAL de Debian) : nombre d'entités, EPSG, géométrie."""
    sortie = subprocess.run(
        [_outil("ogrinfo"), "-ro", "-so", "-al", str(chemin)], capture_output=True, text=True, check=True
    ).stdout
    couches = {}
    for bloc in sortie.split("Layer name: ")[1:]:
        nom = bloc.splitlines()[0].strip()
        entites = int(re.search(r"^Feature Count: (\d+)", bloc, re.M).group(1))
        geometrie = re.search(r"^Geometry: (.+)$", bloc, re.M).group(1).strip()
        # Le dernier identifiant de la définition WKT2 (au premier niveau) est celui du système de coordonnées.
        ids = re.findall(r'^    ID\["EPSG",(\d+)\]\]', bloc, re.M)
        couches[nom] = CoucheOgr(nom, entites, int(ids[-1]) if ids else None, geometrie)
    return couches
