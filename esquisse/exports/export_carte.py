"""Carte imprimable d'une hypothèse : PDF et SVG vectoriels, PNG haute définition ; A4 ou A3.

La mise en page réunit un titre ; l'atelier, la séance, l'hypothèse, la version et sa date ;
la carte en projection métrique (Lambert-93 en métropole) sur les couches de référence ; une
légende des seules catégories employées, aux styles de la légende de l'atelier, et des
repères ; une échelle graphique et numérique, une flèche du nord (nord géographique, pas
celui du quadrillage) ; les sources et licences. Aucun fond de carte : l'export fonctionne
hors ligne.

Les figures sont des ``matplotlib.figure.Figure`` autonomes (jamais l'état global de pyplot) :
plusieurs sessions peuvent exporter en même temps.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # serveur sans écran

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle
from matplotlib.transforms import Bbox
from matplotlib_scalebar.scalebar import ScaleBar
from pyproj import Transformer

from esquisse.analyse.annotations import Choix, References, mesure, references, tableau
from esquisse.atelier.ateliers import Atelier
from esquisse.carte.affichage import PRESENTATIONS
from esquisse.esquisses.legende import Categorie
from esquisse.exports.placement import CENTRE, Placeur, halo, positions_autour
from esquisse.exports.situation import dessiner_situation
from esquisse.noyau.dates import aujourd_hui, date_fr, date_heure
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import remplacer_par_temporaire
from esquisse.referentiel.couches import AVERTISSEMENT_SCOT

Progression = Callable[[float, str], None]

FORMATS = {"pdf": "PDF (vectoriel)", "svg": "SVG (vectoriel)", "png": "PNG (image)"}
PAPIERS = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = {"paysage": "Paysage", "portrait": "Portrait"}
DPI_ADMIS = (200, 300)
COUCHES_CARTE = {
    "communes": "Communes",
    "epci": "EPCI",
    "scot": "SCoT (dérivés des adhésions)",
    "territoires": "Territoires du contrat de réciprocité",
    "perimetre": "Territoire de projet",
}
COUCHES_DEFAUT = ("communes", "epci", "perimetre")
# Échelles « rondes » proposées, de la commune au grand territoire.
ECHELLES = (5_000, 10_000, 15_000, 20_000, 25_000, 50_000, 75_000, 100_000, 150_000, 200_000, 250_000, 300_000)
ECHELLES += (400_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000)
MM = 1 / 25.4  # pouce
PT_MM = 25.4 / 72  # un point typographique en mm
TRAITS_MPL = {"continu": "-", "tirets": (0, (5, 3)), "pointilles": (0, (1, 2)), "fleche": "-"}


@dataclass(frozen=True)
class MiseEnPage:
    """Le format d'une carte exportée ; une valeur inconnue lève :class:`DonneeInvalide`."""

    format: str = "pdf"
    papier: str = "A4"
    orientation: str = "paysage"
    dpi: int = 200
    couches: tuple[str, ...] = COUCHES_DEFAUT
    numeros: bool = True
    # Cadrage sur une vue nommée (lon min, lat min, lon max, lat max en WGS84) ; sinon le territoire entier.
    emprise: tuple[float, float, float, float] | None = None
    exportee_par: str = ""  # la personne qui exporte (donnée par sa connexion ou son invitation)

    def __post_init__(self):
        for valeur, admises, nom in (
            (self.format, FORMATS, "Format"),
            (self.papier, PAPIERS, "Taille de papier"),
            (self.orientation, ORIENTATIONS, "Orientation"),
        ):
            if valeur not in admises:
                raise DonneeInvalide(f"{nom} inconnu(e) : « {valeur} ». Valeurs admises : {', '.join(admises)}.")
        if self.dpi not in DPI_ADMIS:
            admis = ", ".join(str(d) for d in DPI_ADMIS)
            raise DonneeInvalide(f"Résolution de {self.dpi} dpi non proposée ; résolutions admises : {admis} dpi.")
        inconnues = [c for c in self.couches if c not in COUCHES_CARTE]
        if inconnues:
            raise DonneeInvalide(
                f"Couche(s) inconnue(s) : {', '.join(inconnues)}. Couches admises : {', '.join(COUCHES_CARTE)}."
            )

    @property
    def taille_mm(self) -> tuple[float, float]:
        petit, grand = PAPIERS[self.papier]
        return (grand, petit) if self.orientation == "paysage" else (petit, grand)

    @property
    def facteur(self) -> float:
        """Agrandissement des textes et des traits par rapport à l'A4."""
        return 1.0 if self.papier == "A4" else 2**0.5


# -- emprise et échelle ---------------------------------------------------------------------------


def emprise_utile(tab: gpd.GeoDataFrame, refs: References) -> tuple[float, float, float, float]:
    """Le territoire de projet (ou toutes les communes) et toutes les esquisses."""
    if refs.perimetre is not None:
        bornes = [refs.perimetre.total_bounds]
    else:
        bornes = [next(iter(refs.couches.values())).total_bounds]
    if len(tab):
        bornes.append(tab.total_bounds)
    b = np.array(bornes)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def emprise_demandee(mp: MiseEnPage, refs: References) -> tuple[float, float, float, float] | None:
    """L'emprise d'une vue nommée, projetée comme les couches de la carte."""
    if mp.emprise is None:
        return None
    x0, y0, x1, y1 = mp.emprise
    boite = gpd.GeoSeries([shapely.box(x0, y0, x1, y1)], crs=4326).to_crs(refs.epsg)
    return tuple(float(v) for v in boite.total_bounds)


def cadrer(
    emprise: tuple[float, float, float, float], largeur_mm: float, hauteur_mm: float, marge: float = 0.04
) -> tuple[tuple[float, float, float, float], int]:
    """L'emprise de la carte, centrée sur ``emprise``, à la plus petite échelle ronde où tout tient."""
    x0, y0, x1, y1 = emprise
    dx, dy = max(x1 - x0, 1.0) * (1 + 2 * marge), max(y1 - y0, 1.0) * (1 + 2 * marge)
    voulue = max(dx / (largeur_mm / 1000), dy / (hauteur_mm / 1000))
    echelle = next((e for e in ECHELLES if e >= voulue), int(np.ceil(voulue / 1e6) * 1e6))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    demi_l, demi_h = largeur_mm / 1000 * echelle / 2, hauteur_mm / 1000 * echelle / 2
    return (cx - demi_l, cy - demi_h, cx + demi_l, cy + demi_h), echelle


def echelle_texte(echelle: int) -> str:
    return f"1/{echelle:,}".replace(",", "\u202f")


# -- styles -----------------------------------------------------------------------------------------


def _epaisseur(c: Categorie, k: float) -> float:
    return max(0.6, c.epaisseur * 0.45) * k


def _style_reference(genre: str, k: float) -> dict:
    """Style d'impression d'une couche de référence, tiré de sa présentation à l'écran."""
    style = PRESENTATIONS[genre].style
    rempli = style.get("fill", True) and "fillColor" in style
    largeur = {"communes": 0.25, "epci": 0.9, "scot": 0.8, "territoires": 1.0, "perimetre": 1.5}[genre] * k
    return {
        "facecolor": to_rgba(style["fillColor"], min(0.9, style.get("fillOpacity", 0.2) * 1.4)) if rempli else "none",
        "edgecolor": to_rgba(style["color"], style.get("opacity", 1.0)),
        "linewidth": largeur,
        "linestyle": (0, (4, 3)) if style.get("dashArray") else "-",
    }


def _nom_couche(genre: str, refs: References) -> str:
    if genre == "perimetre" and refs.perimetre is not None:
        return f"Territoire de projet : {refs.perimetre['nom'].iloc[0]}"
    return COUCHES_CARTE[genre]


def couches_dessinees(mp: MiseEnPage, refs: References) -> list[str]:
    presentes = set(refs.couches) | ({"perimetre"} if refs.perimetre is not None else set())
    ordre = ("communes", "territoires", "scot", "epci", "perimetre")
    return [g for g in ordre if g in mp.couches and g in presentes]


# -- la carte -------------------------------------------------------------------------------------


def _position_numero(geom) -> tuple[float, float]:
    if geom.geom_type in {"LineString", "MultiLineString"}:
        p = shapely.line_interpolate_point(shapely.line_merge(geom), 0.5, normalized=True)
        if p.is_empty:
            p = geom.representative_point()
    elif geom.geom_type == "Point":
        p = geom
    else:
        p = geom.representative_point()
    return p.x, p.y


def _derniers_points(geom) -> tuple[tuple[float, float], tuple[float, float]] | None:
    lignes = list(getattr(geom, "geoms", [geom]))
    coords = np.asarray(lignes[-1].coords)
    if len(coords) < 2:
        return None
    fin = coords[-1]
    for precedent in coords[-2::-1]:
        if np.hypot(*(fin - precedent)) > 0:
            return (float(precedent[0]), float(precedent[1])), (float(fin[0]), float(fin[1]))
    return None


def dessiner_carte(
    ax,
    tab: gpd.GeoDataFrame,
    refs: References,
    legende: tuple[Categorie, ...],
    couches: list[str],
    cadre: tuple[float, float, float, float],
    k: float = 1.0,
) -> list:
    """Dessine les couches de référence puis les esquisses de ``tab`` dans ``ax``.

    Renvoie les étiquettes libres dessinées (catégorie « texte »), que les autres étiquettes évitent.
    """
    x0, y0, x1, y1 = cadre
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for cote in ax.spines.values():
        cote.set_linewidth(0.6 * k)
    ax.set_facecolor("white")
    # geopandas nomme les axes d'après la projection : une carte imprimée n'en a pas besoin.
    ax.xaxis.label.set_visible(False)
    ax.yaxis.label.set_visible(False)
    for z, genre in enumerate(couches, start=1):
        gdf = refs.perimetre if genre == "perimetre" else refs.couches[genre]
        visibles = gdf.cx[x0:x1, y0:y1]
        if len(visibles):
            visibles.plot(ax=ax, zorder=z, **_style_reference(genre, k))
    ordre = {c.id: i for i, c in enumerate(legende)}
    categories = tab.attrs.get("categories", {})
    textes = []  # les étiquettes libres (catégorie « texte ») : des obstacles pour les autres
    z = 10
    for genre in ("zone", "ligne", "point"):
        sous = tab[tab["genre"] == genre]
        for cat_id in sorted(sous["categorie"].unique(), key=lambda i: ordre.get(i, len(ordre))):
            c = categories[cat_id]
            groupe = sous[sous["categorie"] == cat_id]
            z += 1
            if genre == "zone":
                groupe.plot(
                    ax=ax,
                    facecolor=to_rgba(c.couleur, 0.28),
                    edgecolor=c.couleur,
                    linewidth=_epaisseur(c, k),
                    linestyle=TRAITS_MPL[c.trait],
                    zorder=z,
                )
            elif genre == "ligne":
                groupe.plot(
                    ax=ax,
                    color=c.couleur,
                    linewidth=_epaisseur(c, k),
                    linestyle=TRAITS_MPL[c.trait],
                    zorder=z,
                    capstyle="round",
                )
                if c.trait == "fleche":
                    for geom in groupe.geometry:
                        extremite = _derniers_points(geom)
                        if extremite:
                            ax.add_patch(_pointe(extremite, c.couleur, _epaisseur(c, k), z))
            elif c.geometrie == "texte":
                for geom, titre in zip(groupe.geometry, groupe["titre"], strict=True):
                    etiquette = ax.annotate(
                        titre or "…",
                        (geom.x, geom.y),
                        xytext=(0, 0),
                        textcoords="offset points",
                        color=c.couleur,
                        fontsize=8 * k,
                        fontweight="bold",
                        fontstyle="italic",
                        ha="center",
                        va="center",
                        zorder=z + 100,
                        annotation_clip=True,
                    )
                    halo(etiquette, 2.2)
                    textes.append(etiquette)
            else:
                taille = (5.5 + 1.5 * c.epaisseur) * k
                ax.scatter(
                    groupe.geometry.x,
                    groupe.geometry.y,
                    s=taille**2,
                    c=c.couleur,
                    edgecolors="white",
                    linewidths=0.9 * k,
                    zorder=z + 50,
                )
    return textes


# -- les étiquettes : titres des esquisses, noms des communes --------------------------------------

TITRE_MAX = 32  # caractères par ligne d'un titre sur la carte (deux lignes au plus)
COMMUNES_MAX_A4 = 36  # noms de communes sur une carte A4 (A3 : deux fois plus de place)


def _texte_titre(n: int | None, titre: str) -> str:
    lignes = textwrap.wrap(titre, TITRE_MAX, max_lines=2, placeholder="…")
    if n is not None:
        lignes = [f"{n}. {lignes[0]}" if lignes else str(n), *lignes[1:]]
    return "\n".join(lignes)


def _ancrages(geom, genre: str, nombreux: bool = False) -> list[tuple[float, float]]:
    """Les points où accrocher l'étiquette d'une esquisse, du meilleur au moins bon.

    ``nombreux`` : d'autres points encore (le long d'une ligne ou du contour d'une zone), pour
    trouver une place au moins au numéro.
    """
    fractions = (0.5, 0.3, 0.7) + ((0.15, 0.85, 0.05, 0.95, 0.4, 0.6) if nombreux else ())
    if genre == "ligne":
        ligne = shapely.line_merge(geom)
        points = [shapely.line_interpolate_point(ligne, f, normalized=True) for f in fractions]
        points = [p for p in points if not p.is_empty and p.geom_type == "Point"] or [geom.representative_point()]
    elif genre == "point":
        points = [geom if geom.geom_type == "Point" else geom.representative_point()]
    else:
        points = [geom.representative_point()]
        centre = geom.centroid
        if geom.contains(centre):
            points.append(centre)
        if nombreux:
            contour = geom.boundary
            points += [shapely.line_interpolate_point(contour, f / 8, normalized=True) for f in range(8)]
            points = [p for p in points if not p.is_empty and p.geom_type == "Point"]
    return [(p.x, p.y) for p in points]


def etiqueter_carte(
    ax,
    tab: gpd.GeoDataFrame,
    refs: References,
    couches: list[str],
    k: float = 1.0,
    numeros: bool = True,
    obstacles: list | None = None,
    reserve_mm: tuple[float, float] = (0.0, 0.0),
    communes_max: int = COMMUNES_MAX_A4,
) -> Placeur:
    """Pose les titres des esquisses, puis les noms des principales communes, sans chevauchement.

    Chaque esquisse reçoit « n. titre » là où il tient ; sinon son seul numéro (toujours posé,
    il renvoie au tableau des annotations). Les communes viennent ensuite, par population
    décroissante, là où la place reste libre : elles ne couvrent jamais une étiquette
    d'esquisse. ``obstacles`` : des artistes (flèche du nord…) ; ``reserve_mm`` : largeur et
    hauteur du coin bas gauche gardé pour l'échelle.
    """
    placeur = Placeur(ax)
    for artiste in obstacles or ():
        placeur.occuper_artiste(artiste)
    if reserve_mm[0] and reserve_mm[1]:
        c = placeur.cadre
        px = ax.figure.dpi / 25.4
        placeur.occuper(Bbox.from_bounds(c.x0, c.y0, reserve_mm[0] * px, reserve_mm[1] * px))
    categories = tab.attrs.get("categories", {})

    def rayon(cat_id) -> float:  # rayon du repère d'un point, en points typographiques
        return (5.5 + 1.5 * categories[cat_id].epaisseur) * k / 2

    points = tab[(tab["genre"] == "point") & tab["categorie"].map(lambda c: categories[c].geometrie != "texte")]
    for cat_id, groupe in points.groupby("categorie"):
        placeur.occuper_points(groupe.geometry.x, groupe.geometry.y, rayon(cat_id))
    style_esquisse = {
        "fontsize": 6.3 * k,
        "fontweight": "bold",
        "color": "#1d1d1d",
        "zorder": 400,
        "lisere": 2.2,
        "linespacing": 1.05,
    }
    for geom, n, genre, cat_id, titre in zip(
        tab.geometry, tab["n"], tab["genre"], tab["categorie"], tab["titre"], strict=True
    ):
        if categories[cat_id].geometrie == "texte" or geom is None or geom.is_empty:
            continue  # une étiquette libre se lit d'elle-même
        ancrages = _ancrages(geom, genre)
        if genre == "point":
            positions = positions_autour(rayon(cat_id) + 2.5 * k)
        else:
            positions = (*CENTRE, *positions_autour(3 * k))
        pose = None
        if titre.strip():
            texte = _texte_titre(n if numeros else None, titre.strip())
            for x, y in ancrages:
                pose = placeur.poser(x, y, texte, positions, **style_esquisse)
                if pose is not None:
                    break
        if pose is None and numeros:
            for x, y in _ancrages(geom, genre, nombreux=True):
                pose = placeur.poser(x, y, str(n), positions, **style_esquisse)
                if pose is not None:
                    break
            if pose is None:  # aucune place : le numéro est posé quand même, il renvoie au tableau
                x, y = ancrages[0]
                placeur.forcer(x, y, str(n), positions[0], **style_esquisse)
    if "communes" in couches and refs.communes is not None:
        _etiqueter_communes(placeur, refs.communes, k, int(communes_max * k**2))
    return placeur


def _etiqueter_communes(placeur: Placeur, communes: gpd.GeoDataFrame, k: float, maximum: int) -> None:
    x0, x1 = placeur.ax.get_xlim()
    y0, y1 = placeur.ax.get_ylim()
    visibles = communes.cx[x0:x1, y0:y1]
    if not len(visibles) or "nom" not in visibles.columns:
        return
    population = visibles["population"] if "population" in visibles.columns else None
    if population is not None:
        visibles = visibles.assign(_pop=population.fillna(0)).sort_values("_pop", ascending=False, kind="stable")
    ancres = shapely.point_on_surface(visibles.geometry.values)
    poses = 0
    for nom, ancre in zip(visibles["nom"], ancres, strict=True):
        if poses >= maximum:
            break
        grande = poses < max(4, maximum // 6)
        artiste = placeur.poser(
            ancre.x,
            ancre.y,
            str(nom),
            (*CENTRE, (0, 3 * k, "center", "bottom"), (0, -3 * k, "center", "top")),
            fontsize=(6.6 if grande else 5.6) * k,
            color="#3a3a3a" if grande else "#595959",
            fontstyle="italic",
            zorder=300,
            lisere=2.2,
        )
        poses += artiste is not None


def _pointe(extremite, couleur: str, largeur: float, z: int) -> FancyArrowPatch:
    (xa, ya), (xb, yb) = extremite
    return FancyArrowPatch(
        (xa, ya),
        (xb, yb),
        arrowstyle="-|>,head_length=1.1,head_width=0.6",
        mutation_scale=3.5 + largeur * 2.2,
        color=couleur,
        linewidth=0,
        zorder=z + 1,
        shrinkA=0,
        shrinkB=0,
    )


def angle_nord(refs: References, cadre: tuple[float, float, float, float]) -> float:
    """Angle (degrés, sens horaire) entre le nord du quadrillage et le nord géographique au centre."""
    cx, cy = (cadre[0] + cadre[2]) / 2, (cadre[1] + cadre[3]) / 2
    vers_geo = Transformer.from_crs(refs.epsg, 4326, always_xy=True)
    vers_carte = Transformer.from_crs(4326, refs.epsg, always_xy=True)
    lon, lat = vers_geo.transform(cx, cy)
    nx, ny = vers_carte.transform(lon, lat + 0.05)
    return float(np.degrees(np.arctan2(nx - cx, ny - cy)))


def dessiner_nord(fig: Figure, boite_mm: tuple[float, float, float, float], taille: tuple[float, float], angle: float):
    """Flèche du nord dans un carré (x, y, côté, _) en mm depuis le coin bas gauche de la page."""
    x, y, cote, _ = boite_mm
    largeur, hauteur = taille
    ax = fig.add_axes((x / largeur, y / hauteur, cote / largeur, cote / hauteur))
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    a = np.radians(angle)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])

    def tourner(points):
        return np.asarray(points) @ rot.T

    ax.add_patch(
        Polygon(tourner([(0, 1.1), (-0.45, -0.8), (0, -0.4)]), closed=True, fc="#1d1d1d", ec="#1d1d1d", lw=0.6)
    )
    ax.add_patch(Polygon(tourner([(0, 1.1), (0.45, -0.8), (0, -0.4)]), closed=True, fc="white", ec="#1d1d1d", lw=0.6))
    tx, ty = tourner([(0, 1.45)])[0]
    ax.text(tx, ty, "N", ha="center", va="center", fontsize=8, fontweight="bold", color="#1d1d1d")
    return ax


def ajouter_echelle(ax, echelle: int, k: float) -> None:
    barre = ScaleBar(
        1,
        "m",
        location="lower left",
        length_fraction=0.22,
        width_fraction=0.008,
        box_alpha=0.85,
        border_pad=0.6,
        sep=2,
        font_properties={"size": 7 * k},
        label=f"Échelle {echelle_texte(echelle)}",
        label_loc="top",
        scale_formatter=lambda valeur, unite: f"{valeur} {unite}",
    )
    ax.add_artist(barre)


# -- la légende -----------------------------------------------------------------------------------


@dataclass
class EntreeLegende:
    libelle: str
    dessin: Callable | None  # (ax, x, y, largeur, hauteur) en mm, y vers le bas ; None : une simple note


@dataclass
class SectionLegende:
    titre: str
    entrees: list[EntreeLegende] = field(default_factory=list)


def _symbole_categorie(c: Categorie, genres: set[str], k: float) -> Callable:
    def dessiner(ax, x, y, w, h):
        zone = "zone" in genres
        ligne = "ligne" in genres
        if c.geometrie == "texte":
            ax.text(
                x + w / 2,
                y + h / 2,
                "Abc",
                color=c.couleur,
                fontsize=7 * k,
                fontweight="bold",
                style="italic",
                ha="center",
                va="center",
            )
        elif c.geometrie == "point" or genres == {"point"}:
            ax.add_line(
                Line2D(
                    [x + w / 2],
                    [y + h / 2],
                    marker="o",
                    markersize=(5.5 + 1.5 * c.epaisseur) * k * 0.8,
                    color=c.couleur,
                    markeredgecolor="white",
                    markeredgewidth=0.8 * k,
                )
            )
        elif zone and not ligne:
            ax.add_patch(
                Rectangle(
                    (x, y),
                    w,
                    h,
                    facecolor=to_rgba(c.couleur, 0.28),
                    edgecolor=c.couleur,
                    linewidth=_epaisseur(c, k),
                    linestyle=TRAITS_MPL[c.trait],
                )
            )
        else:
            fin = x + (w * 0.45 if zone else w)
            ax.add_line(
                Line2D(
                    [x, fin],
                    [y + h / 2, y + h / 2],
                    color=c.couleur,
                    linewidth=_epaisseur(c, k),
                    linestyle=TRAITS_MPL[c.trait],
                    solid_capstyle="butt",
                )
            )
            if c.trait == "fleche":
                ax.add_patch(_pointe(((x + w * 0.5, y + h / 2), (fin, y + h / 2)), c.couleur, _epaisseur(c, k), 5))
            if zone:
                ax.add_patch(
                    Rectangle(
                        (x + w * 0.55, y),
                        w * 0.45,
                        h,
                        facecolor=to_rgba(c.couleur, 0.28),
                        edgecolor=c.couleur,
                        linewidth=_epaisseur(c, k),
                    )
                )

    return dessiner


def _symbole_reference(genre: str, k: float) -> Callable:
    style = _style_reference(genre, k)

    def dessiner(ax, x, y, w, h):
        if style["facecolor"] != "none":
            ax.add_patch(Rectangle((x, y), w, h, **style))
        else:
            ax.add_line(
                Line2D(
                    [x, x + w],
                    [y + h / 2, y + h / 2],
                    color=style["edgecolor"],
                    linewidth=style["linewidth"] * 1.3,
                    linestyle=style["linestyle"],
                )
            )

    return dessiner


def sections_legende(tab: gpd.GeoDataFrame, legende, refs: References, couches: list[str], k: float):
    categories = tab.attrs.get("categories", {})
    ordre = [c.id for c in legende] + [i for i in categories if i not in {c.id for c in legende}]
    esquisses = SectionLegende("Esquisses")
    for cat_id in ordre:
        lignes = tab[tab["categorie"] == cat_id]
        if not len(lignes):
            continue
        c = categories[cat_id]
        esquisses.entrees.append(
            EntreeLegende(f"{c.nom} ({len(lignes)})", _symbole_categorie(c, set(lignes["genre"]), k))
        )
    if not esquisses.entrees:
        esquisses.entrees.append(EntreeLegende("Aucune esquisse dans cette version.", None))
    reperes = SectionLegende("Repères")
    for genre in reversed(couches):
        reperes.entrees.append(EntreeLegende(_nom_couche(genre, refs), _symbole_reference(genre, k)))
    return [s for s in (esquisses, reperes) if s.entrees]


def dessiner_legende(
    fig: Figure,
    boite_mm: tuple[float, float, float, float],
    taille: tuple[float, float],
    sections: list[SectionLegende],
    k: float,
    colonnes: int = 1,
    titre: str = "Légende",
) -> None:
    """La légende dans la boîte (x, y, largeur, hauteur) en mm depuis le coin bas gauche de la page.

    La taille du texte diminue si les entrées ne tiennent pas.
    """
    x, y, w, h = boite_mm
    largeur, hauteur = taille
    ax = fig.add_axes((x / largeur, y / hauteur, w / largeur, h / hauteur))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.axis("off")
    largeur_col = w / colonnes
    symbole_w = 9 * k
    for police in np.arange(8 * k, 4.4, -0.4):
        interligne = police * PT_MM * 1.28
        car = max(12, int((largeur_col - symbole_w - 3) / (police * PT_MM * 0.55)))
        blocs = []
        for s in sections:
            blocs.append(("titre", s.titre, [s.titre], None))
            for e in s.entrees:
                blocs.append(("entree", e.libelle, textwrap.wrap(e.libelle, car) or [""], e.dessin))
        hauteurs = [
            (interligne * 1.6 if genre == "titre" else max(len(lignes) * interligne, 4.2 * k) + interligne * 0.35)
            for genre, _, lignes, _ in blocs
        ]
        disponible = h - interligne * 2.2
        colonnes_remplies = _repartir(hauteurs, disponible, colonnes)
        if colonnes_remplies is not None:
            break
    ax.text(0, 0, titre, fontsize=(police + 2), fontweight="bold", va="top")
    cy = interligne * 2.2
    colonne = 0
    for (genre, _texte, lignes, dessin), haut, col in zip(blocs, hauteurs, colonnes_remplies or [], strict=False):
        if col != colonne:
            colonne, cy = col, interligne * 2.2
        cx = col * largeur_col
        if genre == "titre":
            ax.text(cx, cy + interligne * 0.4, lignes[0], fontsize=police, fontweight="bold", va="top", color="#444")
        else:
            decalage = 0.0
            if dessin is not None:
                sh = 4.2 * k * 0.8
                dessin(ax, cx, cy + (min(haut, interligne * 1.6) - sh) / 2, symbole_w * 0.85, sh)
                decalage = symbole_w + 1.5
            ax.text(cx + decalage, cy, "\n".join(lignes), fontsize=police, va="top", linespacing=1.15)
        cy += haut


def _repartir(hauteurs: list[float], disponible: float, colonnes: int) -> list[int] | None:
    """La colonne de chaque bloc, remplies l'une après l'autre ; ``None`` si cela ne tient pas."""
    resultat, col, utilise = [], 0, 0.0
    for haut in hauteurs:
        if utilise + haut > disponible and utilise > 0:
            col, utilise = col + 1, 0.0
            if col >= colonnes:
                return None
        resultat.append(col)
        utilise += haut
    return resultat


# -- la page ------------------------------------------------------------------------------------------


def sources_texte(atelier: Atelier, couches: list[str]) -> str:
    sources = list(atelier.sources) or ([atelier.attribution] if atelier.attribution else [])
    lignes = ["Sources : " + " ; ".join(sources) + "." if sources else "Sources : non renseignées pour cet atelier."]
    lignes.append("Esquisses : contributions des participants à l'atelier, enregistrées dans Esquisse.")
    if "scot" in couches:
        lignes.append(AVERTISSEMENT_SCOT)
    return " ".join(lignes)


def figure_carte(atelier: Atelier, choix: Choix, mp: MiseEnPage, refs: References | None = None) -> Figure:
    """La page de la carte : titre, carte étiquetée, légende, encart de situation, échelle, nord, sources."""
    refs = refs or references(atelier)
    return _figure_carte(atelier, choix, mp, refs, tableau(choix.version, atelier.legende, refs))


def _figure_carte(atelier: Atelier, choix: Choix, mp: MiseEnPage, refs: References, tab) -> Figure:
    largeur, hauteur = mp.taille_mm
    k = mp.facteur
    fig = Figure(figsize=(largeur * MM, hauteur * MM))
    marge = 10 * k
    haut_titre = 24 * k
    bas_pied = 13 * k
    if mp.orientation == "paysage":
        legende_w = 68 * k
        carte = (
            marge,
            marge + bas_pied,
            largeur - 2 * marge - legende_w - 5 * k,
            hauteur - 2 * marge - haut_titre - bas_pied,
        )
        encart_h = 52 * k
        boite_encart = (largeur - marge - legende_w, carte[1], legende_w, encart_h)
        boite_legende = (
            largeur - marge - legende_w,
            carte[1] + encart_h + 4 * k,
            legende_w,
            carte[3] - encart_h - 4 * k,
        )
        colonnes = 1
    else:
        legende_h = 62 * k
        carte_y = marge + bas_pied + legende_h + 4 * k
        carte = (marge, carte_y, largeur - 2 * marge, hauteur - carte_y - marge - haut_titre)
        encart_w = 56 * k
        boite_encart = (largeur - marge - encart_w, marge + bas_pied, encart_w, legende_h)
        boite_legende = (marge, marge + bas_pied, largeur - 2 * marge - encart_w - 5 * k, legende_h)
        colonnes = 2
    cadre, echelle = cadrer(emprise_demandee(mp, refs) or emprise_utile(tab, refs), carte[2], carte[3])
    couches = couches_dessinees(mp, refs)
    ax = fig.add_axes((carte[0] / largeur, carte[1] / hauteur, carte[2] / largeur, carte[3] / hauteur))
    textes = dessiner_carte(ax, tab, refs, atelier.legende, couches, cadre, k)
    ajouter_echelle(ax, echelle, k)
    cote = 13 * k
    nord = dessiner_nord(
        fig,
        (carte[0] + carte[2] - cote - 2 * k, carte[1] + carte[3] - cote - 2 * k, cote, cote),
        (largeur, hauteur),
        angle_nord(refs, cadre),
    )
    etiqueter_carte(ax, tab, refs, couches, k, mp.numeros, [*textes, nord], (carte[2] * 0.27, 13 * k))
    if not dessiner_situation(fig, boite_encart, (largeur, hauteur), refs, cadre, k):
        # rien à situer (couche sans départements connus) : la légende reprend la place
        x, _y, w, h = boite_legende
        boite_legende = (
            x,
            boite_encart[1],
            w + (boite_encart[2] + 5 * k if colonnes == 2 else 0),
            h + (boite_encart[3] + 4 * k if colonnes == 1 else 0),
        )
    dessiner_legende(
        fig, boite_legende, (largeur, hauteur), sections_legende(tab, atelier.legende, refs, couches, k), k, colonnes
    )
    _titre(fig, atelier, choix, (largeur, hauteur), marge, k, mp.exportee_par)
    renvoi = None
    if mp.numeros and len(tab):
        renvoi = "page 2" if mp.format == "pdf" else "export PDF ou CSV"
    _pied(fig, atelier, couches, refs, (largeur, hauteur), marge, bas_pied, k, renvoi)
    return fig


def figure_carnet(
    atelier: Atelier, tab: gpd.GeoDataFrame, refs: References, largeur: float = 170.0, hauteur: float = 118.0
) -> Figure:
    """La carte d'une hypothèse pour le carnet de suivi : carte, légende, échelle et nord, sans titre.

    Le titre, les sources et le tableau des annotations sont dans le document lui-même.
    """
    fig = Figure(figsize=(largeur * MM, hauteur * MM))
    legende_w = 58.0
    carte = (0.5, 0.5, largeur - legende_w - 4, hauteur - 1)
    cadre, echelle = cadrer(emprise_utile(tab, refs), carte[2], carte[3])
    couches = couches_dessinees(MiseEnPage(), refs)
    ax = fig.add_axes((carte[0] / largeur, carte[1] / hauteur, carte[2] / largeur, carte[3] / hauteur))
    textes = dessiner_carte(ax, tab, refs, atelier.legende, couches, cadre, 0.85)
    ajouter_echelle(ax, echelle, 0.85)
    cote = 11.0
    nord = dessiner_nord(
        fig,
        (carte[0] + carte[2] - cote - 1.5, carte[3] - cote - 1.5, cote, cote),
        (largeur, hauteur),
        angle_nord(refs, cadre),
    )
    etiqueter_carte(ax, tab, refs, couches, 0.85, True, [*textes, nord], (carte[2] * 0.27, 11), communes_max=24)
    sections = sections_legende(tab, atelier.legende, refs, couches, 0.85)
    dessiner_legende(fig, (largeur - legende_w, 0.5, legende_w, hauteur - 1), (largeur, hauteur), sections, 0.85)
    return fig


# -- le tableau des annotations, pages suivantes du PDF -------------------------------------------

COLONNES_TABLEAU = (  # (titre, part de la largeur)
    ("N°", 0.04),
    ("Catégorie", 0.15),
    ("Titre", 0.22),
    ("Commentaire", 0.25),
    ("Communes touchées", 0.24),
    ("Mesure", 0.10),
)


def _cellules(ligne) -> list[str]:
    return [
        str(ligne["n"]),
        ligne["categorie_nom"],
        ligne["titre"] or "—",
        ligne["commentaire"] or "",
        ligne["communes"] or "—",
        mesure(ligne),
    ]


def figures_tableau(atelier: Atelier, choix: Choix, tab: gpd.GeoDataFrame, mp: MiseEnPage) -> list[Figure]:
    """Le tableau des annotations sur autant de pages qu'il faut, au format de la carte."""
    largeur, hauteur = mp.taille_mm
    k = mp.facteur
    marge = 10 * k
    police = 7 * k
    interligne = police * PT_MM * 1.3
    utile_w = largeur - 2 * marge
    car = [max(4, int(utile_w * part / (police * PT_MM * 0.5))) for _, part in COLONNES_TABLEAU]
    lignes = []
    for _, ligne in tab.iterrows():
        cellules = [
            textwrap.wrap(t, c, max_lines=6, placeholder="…") or [""]
            for t, c in zip(_cellules(ligne), car, strict=True)
        ]
        lignes.append((cellules, max(len(c) for c in cellules) * interligne + 1.6 * k))
    haut_entete = 22 * k
    disponible = hauteur - 2 * marge - haut_entete
    pages, courante, utilise = [], [], 0.0
    for cellules, haut in lignes:
        if courante and utilise + haut > disponible:
            pages.append(courante)
            courante, utilise = [], 0.0
        courante.append((cellules, haut))
        utilise += haut
    if courante:
        pages.append(courante)
    h = choix.hypothese
    figures = []
    for i, page in enumerate(pages, start=1):
        fig = Figure(figsize=(largeur * MM, hauteur * MM))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, largeur)
        ax.set_ylim(hauteur, 0)
        ax.axis("off")
        ax.text(marge, marge, f"Tableau des annotations — {h.titre}", fontsize=12 * k, fontweight="bold", va="top")
        sous_titre = f"{atelier.nom} · version {choix.numero} du {date_heure(choix.version.meta.le)}"
        ax.text(marge, marge + 7 * k, sous_titre, fontsize=8 * k, va="top", color="#555")
        ax.text(
            largeur - marge, marge, f"page {i + 1}/{len(pages) + 1}", fontsize=7 * k, va="top", ha="right", color="#777"
        )
        y = marge + 14 * k
        x = marge
        for titre, part in COLONNES_TABLEAU:
            ax.text(x, y, titre, fontsize=police, fontweight="bold", va="top")
            x += utile_w * part
        y += interligne + 1.5 * k
        ax.plot([marge, largeur - marge], [y - 0.8 * k, y - 0.8 * k], color="#1d1d1d", linewidth=0.6 * k)
        for rang, (cellules, haut) in enumerate(page):
            if rang % 2:
                ax.add_patch(Rectangle((marge, y - 0.6 * k), utile_w, haut, facecolor="#f2f2f2", edgecolor="none"))
            x = marge
            for texte, (_, part) in zip(cellules, COLONNES_TABLEAU, strict=True):
                ax.text(x, y, "\n".join(texte), fontsize=police, va="top", linespacing=1.15)
                x += utile_w * part
            y += haut
        figures.append(fig)
    return figures


def _titre(fig: Figure, atelier: Atelier, choix: Choix, taille, marge: float, k: float, par: str = "") -> None:
    largeur, hauteur = taille
    h, s, meta = choix.hypothese, choix.seance, choix.version.meta
    haut = hauteur - marge
    fig.text(
        marge / largeur,
        haut / hauteur,
        h.titre,
        fontsize=15 * k,
        fontweight="bold",
        va="top",
        color="#1d1d1d",
        wrap=False,
    )
    fig.text(marge / largeur, (haut - 8 * k) / hauteur, atelier.nom, fontsize=9.5 * k, va="top", color="#333")
    version = f"version {meta.numero} du {date_heure(meta.le)}" + (f" ({meta.auteur})" if meta.auteur else "")
    details = f"Séance : {s.titre}, {date_fr(s.date)} · Hypothèse {h.libelle_statut.lower()} · {version}"
    fig.text(marge / largeur, (haut - 14 * k) / hauteur, details, fontsize=8 * k, va="top", color="#555")
    fig.text(
        (largeur - marge) / largeur,
        haut / hauteur,
        "Atelier des territoires",
        fontsize=8 * k,
        va="top",
        ha="right",
        color="#777",
    )
    fig.text(
        (largeur - marge) / largeur,
        (haut - 4.5 * k) / hauteur,
        f"Carte exportée le {aujourd_hui()}" + (f" par {par}" if par else ""),
        fontsize=7 * k,
        va="top",
        ha="right",
        color="#777",
    )


def _pied(fig: Figure, atelier, couches, refs: References, taille, marge, bas_pied, k, renvoi: str | None) -> None:
    largeur, hauteur = taille
    texte = sources_texte(atelier, couches)
    projection = "RGF93 v1 / Lambert-93" if refs.epsg == 2154 else "projection légale locale"
    texte += f" Projection : {projection} (EPSG:{refs.epsg}). Fond de carte : aucun."
    if renvoi:
        texte += f" Les numéros renvoient au tableau des annotations ({renvoi})."
    car = int((largeur - 2 * marge) / (6 * k * PT_MM * 0.58))
    fig.text(
        marge / largeur,
        (marge + bas_pied - 2 * k) / hauteur,
        "\n".join(textwrap.wrap(texte, car)),
        fontsize=6 * k,
        va="top",
        color="#444",
        linespacing=1.3,
    )


# -- export ------------------------------------------------------------------------------------------


def enregistrer_figure(fig: Figure, chemin: Path, format: str, dpi: int = 200, suite: list[Figure] = ()) -> Path:
    """Écrit la figure d'un coup (fichier temporaire puis renommage) : jamais de fichier partiel.

    ``suite`` : les pages suivantes d'un PDF (le tableau des annotations).
    """
    with remplacer_par_temporaire(chemin) as temporaire, _reglages_export():
        if format == "pdf" and suite:
            with PdfPages(temporaire, metadata=_metadonnees(format)) as pdf:
                for page in (fig, *suite):
                    pdf.savefig(page, dpi=dpi)
        else:
            fig.savefig(temporaire, format=format, dpi=dpi, metadata=_metadonnees(format))
    return chemin


def image(fig: Figure, format: str, dpi: int = 200, textes_en_traces: bool = False) -> bytes:
    """La figure en mémoire. ``textes_en_traces`` : un SVG sans police à fournir (pour l'incorporer ailleurs)."""
    tampon = io.BytesIO()
    with _reglages_export(textes_en_traces):
        fig.savefig(tampon, format=format, dpi=dpi, metadata=_metadonnees(format))
    return tampon.getvalue()


def _metadonnees(format: str) -> dict:
    if format == "pdf":
        return {"Creator": "Esquisse", "Producer": "Esquisse (matplotlib)"}
    if format == "svg":
        return {"Creator": "Esquisse"}
    return {"Software": "Esquisse"}


# Les réglages de matplotlib (rcParams) sont globaux : deux exports simultanés (deux sessions)
# ne doivent pas changer ceux de l'autre pendant son écriture.
_VERROU_REGLAGES = threading.Lock()


@contextlib.contextmanager
def _reglages_export(textes_en_traces: bool = False):
    # Polices TrueType incorporées (PDF) et texte resté texte (SVG) : modifiables dans un logiciel de dessin.
    svg = "path" if textes_en_traces else "none"
    with _VERROU_REGLAGES, matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": svg, "svg.hashsalt": "esquisse"}):
        yield


def nom_fichier(atelier: Atelier, choix: Choix, mp: MiseEnPage) -> str:
    return (
        f"{atelier.id}_{choix.seance.id}_{choix.hypothese.id}_v{choix.numero}_{mp.papier}-{mp.orientation}.{mp.format}"
    )


@dataclass(frozen=True)
class CarteExportee:
    chemin: Path
    apercu: bytes  # PNG basse définition, pour l'écran


def exporter_carte(
    atelier: Atelier, choix: Choix, mp: MiseEnPage, dossier: Path, progression: Progression | None = None
) -> CarteExportee:
    """Écrit la carte de ``choix`` dans ``dossier`` au format ``mp`` ; renvoie le fichier et un aperçu."""
    avancer = progression or (lambda _part, _message: None)
    avancer(0.05, "Lecture des couches de référence…")
    refs = references(atelier)
    avancer(0.25, "Mise en page de la carte…")
    tab = tableau(choix.version, atelier.legende, refs)
    fig = _figure_carte(atelier, choix, mp, refs, tab)
    suite = figures_tableau(atelier, choix, tab, mp) if mp.format == "pdf" and mp.numeros else []
    avancer(0.55, f"Écriture du fichier {mp.format.upper()}…")
    chemin = enregistrer_figure(fig, dossier / nom_fichier(atelier, choix, mp), mp.format, mp.dpi, suite)
    avancer(0.9, "Aperçu…")
    apercu = image(fig, "png", 90)
    avancer(1.0, "Carte prête.")
    return CarteExportee(chemin, apercu)
