"""Encart de situation des cartes imprimées : le territoire dans sa région et ses départements.

Les départements viennent de ``couches/france/departements.geojson`` (communes du COG 2026
réunies par département et simplifiées, voir ``couches/SOURCES.md``). Les départements du
territoire sont ceux de ses communes (colonne ``dep``) ou, pour une couche importée qui ne la
porte pas, ceux qu'il touche ; la région est celle de la plupart d'entre eux.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

import geopandas as gpd
import shapely
from matplotlib import patheffects
from matplotlib.colors import to_rgba

from esquisse.atelier.ateliers import DOSSIER_CATALOGUE
from esquisse.referentiel.cog import REGIONS

FICHIER_DEPARTEMENTS = DOSSIER_CATALOGUE / "france" / "departements.geojson"
ROUGE = "#c0392b"


@functools.lru_cache(maxsize=4)
def departements(epsg: int) -> gpd.GeoDataFrame:
    """Les départements de France, dans la projection ``epsg``."""
    return gpd.read_file(FICHIER_DEPARTEMENTS).to_crs(epsg)


@dataclass(frozen=True)
class Situation:
    region: str  # nom de la région
    deps: gpd.GeoDataFrame  # les départements à dessiner (ceux de la région et ceux du territoire)
    codes_territoire: frozenset[str]  # les départements où est le territoire
    contour: object  # la géométrie du territoire


def situation(refs) -> Situation | None:
    """Où est le territoire ; ``None`` si le fichier des départements manque ou ne le contient pas."""
    if not FICHIER_DEPARTEMENTS.is_file():
        return None
    deps = departements(refs.epsg)
    if refs.perimetre is not None:
        contour = refs.perimetre.union_all()
    else:
        contour = next(iter(refs.couches.values())).union_all()
    communes = refs.communes
    codes: set[str] = set()
    if communes is not None and "dep" in communes.columns:
        dedans = communes[communes.intersects(contour.buffer(-50))] if refs.perimetre is not None else communes
        codes = {str(c) for c in dedans["dep"].dropna()}
    if not codes:
        codes = set(deps.loc[deps.intersects(shapely.buffer(contour, -50)), "dep"])
    if not codes:
        return None
    regions = Counter(deps.loc[deps["dep"].isin(codes), "reg"])
    if not regions:
        return None
    reg = regions.most_common(1)[0][0]
    choisis = deps[(deps["reg"] == reg) | deps["dep"].isin(codes)]
    return Situation(REGIONS.get(reg, reg), choisis, frozenset(codes), contour)


def dessiner_situation(fig, boite_mm, taille, refs, cadre, k: float = 1.0) -> bool:
    """L'encart dans la boîte (x, y, largeur, hauteur) en mm ; ``False`` s'il n'y a rien à situer."""
    sit = situation(refs)
    if sit is None:
        return False
    x, y, w, h = boite_mm
    largeur, hauteur = taille
    titre_h = 5 * k
    ax = fig.add_axes((x / largeur, y / hauteur, w / largeur, (h - titre_h) / hauteur))
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for cote in ax.spines.values():
        cote.set_linewidth(0.5 * k)
        cote.set_edgecolor("#888")
    dans = sit.deps["dep"].isin(sit.codes_territoire)
    sit.deps[~dans].plot(ax=ax, facecolor="#f4f4f4", edgecolor="#9a9a9a", linewidth=0.35 * k)
    sit.deps[dans].plot(ax=ax, facecolor="#e2e2e2", edgecolor="#666", linewidth=0.5 * k)
    gpd.GeoSeries([sit.contour], crs=refs.epsg).plot(
        ax=ax, facecolor=to_rgba(ROUGE, 0.55), edgecolor=ROUGE, linewidth=0.6 * k
    )
    x0, y0, x1, y1 = cadre
    ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="#1d1d1d", linewidth=0.5 * k, linestyle=(0, (2, 1.5)))
    for _, d in sit.deps[dans].iterrows():
        p = d.geometry.representative_point()
        ax.text(
            p.x,
            p.y,
            d["nom"],
            fontsize=5 * k,
            ha="center",
            va="center",
            color="#333",
            path_effects=_halo(k),
        )
    ax.xaxis.label.set_visible(False)  # geopandas nomme les axes d'après la projection
    ax.yaxis.label.set_visible(False)
    bx0, by0, bx1, by1 = sit.deps.total_bounds
    marge = 0.04 * max(bx1 - bx0, by1 - by0)
    ax.set_xlim(bx0 - marge, bx1 + marge)
    ax.set_ylim(by0 - marge, by1 + marge)
    fig.text(
        x / largeur,
        (y + h) / hauteur,
        f"Situation : région {sit.region}",
        fontsize=7 * k,
        fontweight="bold",
        va="top",
        color="#444",
    )
    return True


def _halo(k: float):
    return [patheffects.withStroke(linewidth=1.6 * k, foreground="white")]
