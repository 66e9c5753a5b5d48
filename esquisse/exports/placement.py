"""Placer des étiquettes sur une carte matplotlib sans qu'elles se chevauchent.

Chaque étiquette candidate est mesurée par le moteur de rendu (la boîte réelle de son texte,
halo compris) et n'est gardée que si sa boîte reste dans la carte et ne touche aucune boîte
déjà occupée : étiquettes posées, repères de points, échelle, flèche du nord. Les tailles en
pixels suivent la résolution de la figure, et les positions aussi : une figure enregistrée à
une autre résolution garde les mêmes écarts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox

# Une position candidate : décalage (points typographiques) et alignement du texte.
Position = tuple[float, float, str, str]
CENTRE: tuple[Position, ...] = ((0, 0, "center", "center"),)


def positions_autour(ecart: float) -> tuple[Position, ...]:
    """À droite, à gauche, au-dessus, au-dessous d'un point, dans cet ordre."""
    return (
        (ecart, 0, "left", "center"),
        (-ecart, 0, "right", "center"),
        (0, ecart, "center", "bottom"),
        (0, -ecart, "center", "top"),
    )


def halo(artiste: Text, largeur: float, couleur: str = "white") -> Text:
    """Un lisere sous ``artiste`` : une copie de son texte, seulement tracée en contour.

    Un effet de tracé (``path_effects``) sur le texte lui-même le changerait en dessin dans
    un PDF ou un SVG ; la copie garde le texte lisible (``pdftotext``, logiciel de dessin).
    """
    copie = artiste.axes.annotate(
        artiste.get_text(),
        artiste.xy,
        xytext=artiste.xyann,
        textcoords=artiste.anncoords,
        ha=artiste.get_horizontalalignment(),
        va=artiste.get_verticalalignment(),
        fontproperties=artiste.get_fontproperties(),
        linespacing=artiste.get_linespacing(),
        color=couleur,
        zorder=artiste.get_zorder() - 0.5,
        annotation_clip=True,
        path_effects=[patheffects.Stroke(linewidth=largeur, foreground=couleur)],
    )
    return copie


class Placeur:
    """Les boîtes occupées d'une carte (``ax``), en pixels de la figure."""

    def __init__(self, ax, marge_px: float = 1.5):
        fig = ax.figure
        if not hasattr(fig.canvas, "get_renderer"):
            FigureCanvasAgg(fig)
        self.ax = ax
        self.renderer = fig.canvas.get_renderer()
        ax.apply_aspect()  # la position définitive de la carte (aspect égal)
        self.cadre = ax.get_window_extent(self.renderer)
        self.marge = marge_px * fig.dpi / 72
        self._boites = np.empty((0, 4))

    @property
    def boites(self) -> np.ndarray:
        """Les boîtes occupées (x0, y0, x1, y1), une par ligne."""
        return self._boites

    def occuper(self, boite: Bbox) -> None:
        self._boites = np.vstack([self._boites, [boite.x0, boite.y0, boite.x1, boite.y1]])

    def occuper_artiste(self, artiste) -> None:
        self.occuper(artiste.get_window_extent(self.renderer))

    def occuper_points(self, xs: Iterable[float], ys: Iterable[float], rayon_pt: float) -> None:
        """Les repères de points (en coordonnées de la carte), d'un rayon donné en points."""
        xy = np.column_stack([np.asarray(list(xs), float), np.asarray(list(ys), float)])
        if not len(xy):
            return
        pix = self.ax.transData.transform(xy)
        r = rayon_pt * self.ax.figure.dpi / 72
        self._boites = np.vstack([self._boites, np.column_stack([pix - r, pix + r])])

    def libre(self, boite: Bbox) -> bool:
        """La boîte est dans la carte et ne touche aucune boîte occupée."""
        c = self.cadre
        if boite.x0 < c.x0 or boite.y0 < c.y0 or boite.x1 > c.x1 or boite.y1 > c.y1:
            return False
        if not len(self._boites):
            return True
        m = self.marge
        b = self._boites
        chevauche = (
            (b[:, 0] < boite.x1 + m) & (b[:, 2] > boite.x0 - m) & (b[:, 1] < boite.y1 + m) & (b[:, 3] > boite.y0 - m)
        )
        return not bool(chevauche.any())

    def poser(
        self, x: float, y: float, texte: str, positions: Sequence[Position], lisere: float = 0, **style
    ) -> Text | None:
        """Pose ``texte`` près de (x, y) à la première position libre ; ``None`` s'il n'y en a aucune.

        ``lisere`` : largeur (points) d'un lisere blanc sous le texte.
        """
        for dx, dy, ha, va in positions:
            artiste = self.ax.annotate(
                texte, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **style
            )
            boite = artiste.get_window_extent(self.renderer)
            if self.libre(boite):
                self.occuper(boite)
                if lisere:
                    halo(artiste, lisere)
                return artiste
            artiste.remove()
        return None

    def forcer(self, x: float, y: float, texte: str, position: Position, lisere: float = 0, **style) -> Text:
        """Pose ``texte`` même si la place est prise (un numéro qui renvoie au tableau ne manque jamais)."""
        dx, dy, ha, va = position
        artiste = self.ax.annotate(
            texte, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, annotation_clip=True, **style
        )
        self.occuper_artiste(artiste)
        if lisere:
            halo(artiste, lisere)
        return artiste


def chevauchements(boites: Sequence[Bbox]) -> list[tuple[int, int]]:
    """Les paires de boîtes qui se chevauchent (pour les tests et les vérifications)."""
    paires = []
    for i, a in enumerate(boites):
        for j in range(i + 1, len(boites)):
            b = boites[j]
            if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1:
                paires.append((i, j))
    return paires
