"""Construction de la carte folium, sans réseau.

La carte de base ne dépend que de ses paramètres : mêmes paramètres, même code généré.
Elle est donc mise en cache, et streamlit-folium ne la renvoie pas au navigateur tant
qu'elle ne change pas. Les couches de référence n'y figurent que par l'adresse de leur
fichier préparé (voir :mod:`esquisse.carte.affichage`). Leaflet et ses extensions viennent du
dossier statique de l'application (installés depuis le registre npm), jamais d'un CDN.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path

import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from esquisse.atelier.ateliers import GENRES_COUCHES, Atelier
from esquisse.carte.affichage import (
    DOSSIER_STATIQUE,
    CoucheAffichee,
    empreinte_fichier,
    preparer_couche,
    sources_affichage,
)
from esquisse.carte.fonds import FOND_DEFAUT, FONDS
from esquisse.referentiel.couches import charger_couche
from esquisse.referentiel.territoire import perimetre

PREFIXE_STATIQUE = "/app/static"
ASSETS_TIERS = {
    "leaflet": ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"),
    "leaflet-draw": ("vendor/leaflet-draw/leaflet.draw.js", "vendor/leaflet-draw/leaflet.draw.css"),
}


@dataclass(frozen=True)
class ParametresCarte:
    couches: tuple[CoucheAffichee, ...]
    emprise: tuple[float, float, float, float]  # lon min, lat min, lon max, lat max
    attribution: str = ""
    prefixe: str = PREFIXE_STATIQUE
    zoom_etiquettes: int = 11
    controle_replie: bool = False
    # Esquisses : "" (aucune), « edition » (outils de dessin), « tablette » (palette tactile),
    # « projection » (lecture seule, légende en grand), « lecture » (lecture seule).
    dessin: str = ""


class CouchesEsquisse(JSCSSMixin):
    """Appelle Esquisse.initialiser : couches de référence, fonds, étiquettes."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Esquisse.initialiser({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict, prefixe: str):
        super().__init__()
        self._name = "CouchesEsquisse"
        self.config = config
        # Liens propres à l'instance : jamais de modification au niveau de la classe.
        self.default_js = [("esquisse_carte", f"{prefixe}/esquisse/carte.js")]
        self.default_css = [("esquisse_carte_css", f"{prefixe}/esquisse/carte.css")]


class DessinEsquisse(JSCSSMixin):
    """Outils de dessin (Leaflet.draw, main levée, texte) et copie de travail des esquisses."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            // streamlit-folium lit window.drawnItems ; sans ce nom dans le script, il le remplacerait par [].
            window.drawnItems = Esquisse.dessin.initialiser({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    MODES = ("edition", "tablette", "projection", "lecture")

    def __init__(self, prefixe: str, mode: str = "edition"):
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f"Mode de carte inconnu : « {mode} » ; modes admis : {', '.join(self.MODES)}.")
        self._name = "DessinEsquisse"
        self.config = {"mode": mode}
        js, css = ASSETS_TIERS["leaflet-draw"]
        self.default_js = [
            ("leaflet_draw", f"{prefixe}/{js}"),
            ("esquisse_dessin", f"{prefixe}/esquisse/dessin.js"),
        ]
        self.default_css = [
            ("leaflet_draw_css", f"{prefixe}/{css}"),
            ("esquisse_dessin_css", f"{prefixe}/esquisse/dessin.css"),
        ]


class SynchroEsquisse(MacroElement):
    """Transmet à la carte l'état des esquisses (version enregistrée, accusés, styles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Esquisse.dessin.synchroniser({{ this.etat|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, etat: dict):
        super().__init__()
        self._name = "SynchroEsquisse"
        self.etat = etat


def groupe_esquisses(etat: dict) -> folium.FeatureGroup:
    """Le contenu dynamique de la carte, à passer à ``st_folium(feature_group_to_add=...)``.

    Seul ce groupe change quand une version est enregistrée : la carte de base, elle, ne
    change pas et n'est pas recréée (les dessins en cours et la vue sont conservés).
    """
    groupe = folium.FeatureGroup(name="Esquisses", control=False)
    SynchroEsquisse(etat).add_to(groupe)
    _ids_stables(groupe)
    return groupe


def _config_js(p: ParametresCarte) -> dict:
    return {
        "prefixe": p.prefixe,
        "zoom_etiquettes": p.zoom_etiquettes,
        "controle_replie": p.controle_replie,
        "attribution": p.attribution,
        "emprise": list(p.emprise),
        "fond_defaut": FOND_DEFAUT,
        "fonds": [
            {"id": f.id, "nom": f.nom, "url": f.url, "attribution": f.attribution, "zoom_max": f.zoom_max}
            for f in FONDS
        ],
        "couches": [
            {
                "id": c.id,
                "nom": c.presentation.nom,
                "chemin": c.chemin,
                "chemin_detail": c.chemin_detail,
                "zoom_detail": c.zoom_detail,
                "style": c.presentation.style,
                "visible": c.presentation.visible,
                "champs": [{"nom": ch.nom, "libelle": ch.libelle, "format": ch.format} for ch in c.presentation.champs],
                "etiquette": c.presentation.etiquette,
                "avertissement": c.presentation.avertissement,
            }
            for c in p.couches
        ],
    }


def _ids_stables(racine: Element) -> None:
    """Remplace les identifiants aléatoires de folium par des identifiants stables."""
    compteur = 0

    def visiter(el: Element) -> None:
        nonlocal compteur
        el._id = f"e{compteur}"
        compteur += 1
        for enfant in list(el._children.values()):
            visiter(enfant)

    visiter(racine)


def carte_vide(prefixe: str = PREFIXE_STATIQUE) -> folium.Map:
    """Une carte Leaflet sans couche ni fond : la base de comparaison des mesures."""
    carte = folium.Map(location=(46.6, 2.4), zoom_start=6, tiles=None, control_scale=True)
    js, css = ASSETS_TIERS["leaflet"]
    carte.default_js = [("leaflet", f"{prefixe}/{js}")]
    carte.default_css = [("leaflet_css", f"{prefixe}/{css}")]
    _ids_stables(carte.get_root())
    return carte


@functools.lru_cache(maxsize=16)
def _carte_en_cache(p: ParametresCarte) -> folium.Map:
    x0, y0, x1, y1 = p.emprise
    carte = folium.Map(
        location=((y0 + y1) / 2, (x0 + x1) / 2),
        zoom_start=9,
        tiles=None,
        zoom_snap=0.25,
        zoom_delta=0.5,
        wheel_px_per_zoom_level=120,
    )
    js, css = ASSETS_TIERS["leaflet"]
    carte.default_js = [("leaflet", f"{p.prefixe}/{js}")]
    carte.default_css = [("leaflet_css", f"{p.prefixe}/{css}")]
    CouchesEsquisse(_config_js(p), p.prefixe).add_to(carte)
    if p.dessin:
        DessinEsquisse(p.prefixe, p.dessin).add_to(carte)
    figure = carte.get_root()
    assert isinstance(figure, Figure)
    _ids_stables(figure)
    return carte


def construire_carte(p: ParametresCarte) -> folium.Map:
    """Carte de base pour ``p``. Chaque appel reçoit sa propre copie (streamlit-folium la modifie)."""
    return copy.deepcopy(_carte_en_cache(p))


@functools.lru_cache(maxsize=16)
def _perimetre_prepare(communes: tuple[str, int, int], codes: tuple[str, ...], nom: str, dossier_cache: Path):
    gdf = perimetre(charger_couche(communes[0], "communes"), codes, nom)
    return preparer_couche("perimetre", gdf, (communes, codes, nom), dossier_cache)


def parametres_atelier(
    atelier: Atelier,
    dossier_cache: Path,
    prefixe: str = PREFIXE_STATIQUE,
    zoom_etiquettes: int = 11,
    dessin: str = "",
) -> ParametresCarte:
    """Paramètres de la carte d'un atelier : ses couches préparées, son périmètre, son emprise.

    Lève :class:`~esquisse.noyau.erreurs.SchemaInvalide` si une couche est illisible ou mal formée.
    """
    couches = []
    sources = sources_affichage(atelier)
    for genre in GENRES_COUCHES:
        if genre not in atelier.couches:
            continue
        # Une couche dont le fichier manque lève ici, en français (``atelier.couche``).
        gdf = atelier.couche(genre)
        source = sources.get(genre) or empreinte_fichier(atelier.chemin_couche(genre))
        couches.append(preparer_couche(genre, gdf, source, dossier_cache))
    emprise = couches[0].emprise if couches else (-5.2, 41.3, 9.6, 51.1)
    if "perimetre" in sources:
        couche = _perimetre_prepare(*sources["perimetre"], dossier_cache)
        if not (DOSSIER_STATIQUE / couche.chemin).exists():  # retiré du cache (``elaguer_cache``) : on le refait
            _perimetre_prepare.cache_clear()
            couche = _perimetre_prepare(*sources["perimetre"], dossier_cache)
        couches.append(couche)
        emprise = couche.emprise
    return ParametresCarte(
        controle_replie=dessin in ("tablette", "projection", "lecture"),
        couches=tuple(couches),
        emprise=emprise,
        attribution=atelier.attribution,
        prefixe=prefixe,
        zoom_etiquettes=zoom_etiquettes,
        dessin=dessin,
    )
