"""Comparer les sites d'un même thème : l'hypothèse retenue de chaque atelier, en vignette et en chiffres.

Une région mène au moins trois ateliers sur un même thème pour pouvoir les comparer (au
séminaire final). Les ateliers se regroupent par leur ``theme`` (``atelier.json``), comparé
sans tenir compte des accents, de la casse ni des espaces en trop.

Pour chaque site : son hypothèse retenue la plus récente (voir
:func:`esquisse.analyse.etats.hypothese_retenue`), une vignette (petite carte SVG dessinée en
projection métrique : territoire de projet, communes, esquisses aux couleurs de la
légende) et des indicateurs.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from esquisse.analyse.attribution import Attribution, Referentiel, attribuer, cle_tri, geometries, nombre, referentiel
from esquisse.analyse.etats import hypothese_retenue
from esquisse.atelier.ateliers import Atelier, lister_ateliers
from esquisse.atelier.seances import Hypothese, Seance, lister_hypotheses, lister_seances
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue

LARGEUR_VIGNETTE = 420
HAUTEUR_VIGNETTE = 300


def cle_theme(theme: str) -> str:
    return re.sub(r"\s+", " ", cle_tri(theme or "")).strip()


def _ateliers(dossier_projets: Path, admis: Callable[[str], bool] | None) -> list[Atelier]:
    return [a for a in lister_ateliers(dossier_projets) if admis is None or admis(a.id)]


def themes(dossier_projets: Path, admis: Callable[[str], bool] | None = None) -> list[str]:
    """Les thèmes des ateliers (ceux dont ``admis`` accepte l'identifiant), sans doublon, chacun dans sa
    graphie la plus employée."""
    graphies: dict[str, Counter] = {}
    for a in _ateliers(dossier_projets, admis):
        texte = re.sub(r"\s+", " ", a.theme).strip()
        if texte:
            graphies.setdefault(cle_theme(texte), Counter())[texte] += 1
    choisies = [min(c, key=lambda g: (-c[g], g)) for c in graphies.values()]
    return sorted(choisies, key=cle_tri)


@dataclass(frozen=True)
class Site:
    atelier: Atelier
    seance: Seance | None
    hypothese: Hypothese | None
    numero: int
    vignette: str  # SVG autonome, sans texte saisi par un utilisateur
    indicateurs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ComparaisonSites:
    theme: str
    sites: tuple[Site, ...]

    def tableau(self) -> pd.DataFrame:
        """Une ligne par indicateur, une colonne par site (nommée d'après l'atelier)."""
        colonnes = {s.atelier.nom: {k: v for k, v in s.indicateurs.items() if k != "Atelier"} for s in self.sites}
        tableau = pd.DataFrame(colonnes)
        # Textes et nombres mêlés : tout en texte, pour un affichage homogène (« — » si sans objet).
        return tableau.map(lambda v: "—" if v is None else (nombre(v) if isinstance(v, float) else str(v)))


# -- vignette --------------------------------------------------------------------------------


def _chemin(geom, x0: float, y1: float, echelle: float) -> str:
    """Données ``d`` d'un chemin SVG pour une ligne ou un polygone (coordonnées projetées)."""
    morceaux = []

    def anneau(coords, fermer: bool) -> None:
        pts = np.asarray(coords)[:, :2]
        xs = (pts[:, 0] - x0) * echelle
        ys = (y1 - pts[:, 1]) * echelle
        morceaux.append(
            "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)) + ("Z" if fermer else "")
        )

    for partie in getattr(geom, "geoms", [geom]):
        if partie.geom_type == "Polygon":
            anneau(partie.exterior.coords, True)
            for trou in partie.interiors:
                anneau(trou.coords, True)
        elif partie.geom_type == "LineString":
            anneau(partie.coords, False)
    return "".join(morceaux)


@functools.lru_cache(maxsize=16)
def _fond(ref: Referentiel, codes: tuple[str, ...]):
    """Communes (simplifiées) et contour du territoire de projet, en projection métrique."""
    if ref.vide:
        return None, None
    index = {c.code: k for k, c in enumerate(ref.commune)}
    choisies = [index[c] for c in codes if c in index]
    perimetre = shapely.union_all(ref.communes[choisies]) if choisies else None
    return ref.communes, perimetre


def vignette(
    ref: Referentiel,
    entites: tuple[dict, ...],
    legende: tuple[Categorie, ...],
    perimetre: tuple[str, ...] = (),
    nom: str = "vignette",
    largeur: int = LARGEUR_VIGNETTE,
    hauteur: int = HAUTEUR_VIGNETTE,
) -> str:
    """Petite carte SVG : communes, territoire de projet (contour rouge), esquisses en couleurs.

    ``nom`` (un identifiant ASCII) préfixe les identifiants internes du SVG : plusieurs
    vignettes vivent dans la même page.
    """
    communes, contour = _fond(ref, tuple(perimetre))
    geoms = ref.projection.vers_metrique(geometries(entites)) if entites else np.array([], dtype=object)
    cadre = [g for g in (contour,) if g is not None] + list(geoms)
    if not cadre and communes is not None:
        cadre = [shapely.box(*shapely.total_bounds(communes))]
    if not cadre:
        return ""
    x0, y0, x1, y1 = shapely.total_bounds(np.array(cadre, dtype=object))
    marge = max(x1 - x0, y1 - y0, 1000) * 0.06
    x0, y0, x1, y1 = x0 - marge, y0 - marge, x1 + marge, y1 + marge
    echelle = min(largeur / (x1 - x0), hauteur / (y1 - y0))
    w, h = (x1 - x0) * echelle, (y1 - y0) * echelle
    parties = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" width="100%" '
        f'style="max-width:{largeur}px;background:#eef2f4;border:1px solid #cfd8dc;border-radius:4px" '
        'role="img" aria-label="Vignette de l\'hypothèse retenue">',
    ]
    fleches = sorted({c.couleur for c in legende if c.trait == "fleche"})
    if fleches:
        parties.append("<defs>")
        for couleur in fleches:
            parties.append(
                f'<marker id="{nom}-fleche-{couleur[1:]}" viewBox="0 0 10 10" refX="6" refY="5" markerWidth="4" '
                f'markerHeight="4" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="{couleur}"/></marker>'
            )
        parties.append("</defs>")
    pixel = 1 / echelle  # un pixel de la vignette, en mètres : plus fin ne se verrait pas
    if communes is not None:
        visibles = shapely.simplify(communes[shapely.intersects(communes, shapely.box(x0, y0, x1, y1))], pixel)
        d = "".join(_chemin(g, x0, y1, echelle) for g in visibles)
        parties.append(f'<path d="{d}" fill="#f4f1e8" stroke="#9e9e9e" stroke-width="0.4"/>')
    if contour is not None:
        d = _chemin(contour.simplify(pixel), x0, y1, echelle)
        parties.append(f'<path d="{d}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    rangs = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1, "Point": 2}
    for k in sorted(range(len(entites)), key=lambda k: rangs.get(geoms[k].geom_type, 2)):
        c = categorie_ou_inconnue(legende, entites[k]["properties"].get("categorie"))
        g = geoms[k]
        if g.geom_type == "Point":
            cx, cy = (g.x - x0) * echelle, (y1 - g.y) * echelle
            parties.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{c.couleur}" stroke="#fff" stroke-width="1.5"/>'
            )
            continue
        tirets = {"tirets": ' stroke-dasharray="8 6"', "pointilles": ' stroke-dasharray="1 5"'}.get(c.trait, "")
        fleche = (
            f' marker-end="url(#{nom}-fleche-{c.couleur[1:]})"'
            if c.trait == "fleche" and g.geom_type.endswith("LineString")
            else ""
        )
        remplissage = f'fill="{c.couleur}" fill-opacity="0.3"' if g.geom_type.endswith("Polygon") else 'fill="none"'
        epaisseur = max(1.5, c.epaisseur * 0.6)
        parties.append(
            f'<path d="{_chemin(g, x0, y1, echelle)}" {remplissage} stroke="{c.couleur}" '
            f'stroke-width="{epaisseur:.1f}" stroke-linecap="round" stroke-linejoin="round"{tirets}{fleche}/>'
        )
    parties.append("</svg>")
    return "".join(parties)


# -- indicateurs -----------------------------------------------------------------------------


def indicateurs(
    atelier: Atelier,
    seance: Seance | None,
    h: Hypothese | None,
    numero: int,
    entites: tuple[dict, ...],
    attributions: dict[str, Attribution],
) -> dict:
    seances = lister_seances(atelier.dossier)
    communes = {t for a in attributions.values() for t in a.communes}
    perimetre = set(atelier.perimetre.communes) if atelier.perimetre else set()
    dans_perimetre = {t.code for t in communes} & perimetre
    categories = {categorie_ou_inconnue(atelier.legende, e["properties"].get("categorie")).nom for e in entites}
    return {
        "Atelier": atelier.nom,
        "Région": atelier.region,
        "Séances": len(seances),
        "Hypothèses": sum(len(lister_hypotheses(s)) for s in seances),
        "Hypothèse retenue": f"{h.titre} ({seance.libelle}, version {numero})" if h and seance else "aucune",
        "Esquisses": len(entites),
        "Catégories employées": len(categories),
        "Zones (ha)": round(sum(a.surface_ha or 0 for a in attributions.values()), 1),
        "Lignes (km)": round(sum(a.longueur_km or 0 for a in attributions.values()), 1),
        "Communes touchées": len(communes),
        "Part du territoire de projet touchée (%)": (
            round(100 * len(dans_perimetre) / len(perimetre), 1) if perimetre else None
        ),
        "EPCI touchés": len({t for a in attributions.values() for t in a.epci}),
        "À cheval sur plusieurs EPCI ou SCoT": sum(a.a_cheval for a in attributions.values()),
        "Liens entre territoires": sum(a.relie_des_territoires for a in attributions.values()),
    }


def site(atelier: Atelier) -> Site:
    choix = hypothese_retenue(atelier)
    ref = referentiel(atelier)
    s, h, numero, entites = None, None, 0, ()
    if choix:
        s, h = choix
        depot = h.depot(atelier.id)
        numero = depot.numero_courant()
        entites = depot.lire(numero).entites if numero else ()
    attributions = attribuer(ref, entites)
    perimetre = atelier.perimetre.communes if atelier.perimetre else ()
    return Site(
        atelier,
        s,
        h,
        numero,
        vignette(ref, entites, atelier.legende, perimetre, nom=atelier.id),
        indicateurs(atelier, s, h, numero, entites, attributions),
    )


def comparer_sites(dossier_projets: Path, theme: str, admis: Callable[[str], bool] | None = None) -> ComparaisonSites:
    """Les ateliers du thème ``theme`` (ceux dont ``admis`` accepte l'identifiant), chacun avec son
    hypothèse retenue, sa vignette et ses indicateurs."""
    cle = cle_theme(theme)
    ateliers = [a for a in _ateliers(dossier_projets, admis) if cle_theme(a.theme) == cle]
    return ComparaisonSites(theme, tuple(site(a) for a in ateliers))
