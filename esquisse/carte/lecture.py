"""Cartes en lecture seule : les esquisses d'un état, les différences entre deux états, les territoires.

Ces cartes reprennent la carte de base de l'atelier (:mod:`esquisse.carte.construction` : couches de
référence, fonds, étiquettes) et y ajoutent ``static/esquisse/lecture.js``, qui dessine
les esquisses sans outil de dessin. Leur contenu (quelques dizaines à quelques centaines
d'entités) est écrit dans le code de la carte : il ne change que lorsqu'on choisit
d'autres états.

La carte double (deux cartes côte à côte, synchronisées) est un ``folium.plugins.DualMap``,
que streamlit-folium sait afficher ; son extension Leaflet.Sync vient du registre npm,
comme Leaflet, et est servie par l'application.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import folium
from branca.element import Figure
from folium.elements import JSCSSMixin
from folium.plugins import DualMap
from jinja2 import Template

from esquisse.analyse.difference import COULEURS_ETATS, ETATS, Difference
from esquisse.carte.construction import (
    ASSETS_TIERS,
    CouchesEsquisse,
    ParametresCarte,
    _config_js,
    _ids_stables,
    construire_carte,
)
from esquisse.esquisses.legende import Categorie, legende_json

LEAFLET_SYNC = "vendor/leaflet.sync/L.Map.Sync.js"
PROPRIETES_AFFICHEES = ("categorie", "titre", "commentaire")


class LectureEsquisse(JSCSSMixin):
    """Dessine des esquisses en lecture seule (``Esquisse.lecture.afficher``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Esquisse.lecture.afficher({{ this._parent.get_name() }}, {{ this.donnees|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, donnees: dict, prefixe: str):
        super().__init__()
        self._name = "LectureEsquisse"
        self.donnees = donnees
        self.default_js = [("esquisse_lecture", f"{prefixe}/esquisse/lecture.js")]
        self.default_css = [("esquisse_lecture_css", f"{prefixe}/esquisse/lecture.css")]


def carte_lecture(p: ParametresCarte, donnees: dict) -> folium.Map:
    """La carte de base de l'atelier, avec des esquisses en lecture seule (contrôle des couches replié)."""
    p = replace(p, controle_replie=True, dessin="")
    carte = construire_carte(p)
    LectureEsquisse(donnees, p.prefixe).add_to(carte)
    _ids_stables(carte.get_root())
    return carte


def carte_double(p: ParametresCarte, gauche: dict, droite: dict) -> DualMap:
    """Deux cartes côte à côte, synchronisées : déplacer ou zoomer l'une déplace l'autre."""
    p = replace(p, controle_replie=True, dessin="")
    x0, y0, x1, y1 = p.emprise
    double = DualMap(
        location=((y0 + y1) / 2, (x0 + x1) / 2),
        zoom_start=9,
        tiles=None,
        zoom_snap=0.25,
        zoom_delta=0.5,
        wheel_px_per_zoom_level=120,
    )
    js, css = ASSETS_TIERS["leaflet"]
    # Liens propres à chaque instance, jamais au niveau de la classe (ils fuiraient vers les autres cartes).
    double.default_js = [("leaflet_sync", f"{p.prefixe}/{LEAFLET_SYNC}")]
    for carte, donnees in ((double.m1, gauche), (double.m2, droite)):
        carte.default_js = [("leaflet", f"{p.prefixe}/{js}")]
        carte.default_css = [("leaflet_css", f"{p.prefixe}/{css}")]
        CouchesEsquisse(_config_js(p), p.prefixe).add_to(carte)
        LectureEsquisse(donnees, p.prefixe).add_to(carte)
    figure = double.get_root()
    assert isinstance(figure, Figure)
    _ids_stables(figure)
    return double


# -- contenu des cartes ----------------------------------------------------------------------


def _affichee(e: dict, geometrie: dict | None = None, **proprietes) -> dict:
    props = {k: e["properties"][k] for k in PROPRIETES_AFFICHEES if e["properties"].get(k)}
    props.update({k: v for k, v in proprietes.items() if v not in (None, "", False)})
    return {"type": "Feature", "id": e["id"], "geometry": geometrie or e["geometry"], "properties": props}


def donnees_esquisses(
    titre: str,
    entites: Iterable[dict],
    legende: tuple[Categorie, ...],
    fiches: Mapping[str, str] | None = None,
    accents: Iterable[str] = (),
) -> dict:
    """Une carte d'esquisses ; ``accents`` : identifiants à mettre en évidence (les autres s'estompent)."""
    fiches = fiches or {}
    accents = set(accents)
    return {
        "mode": "territoires" if accents else "esquisses",
        "titre": titre,
        "legende": legende_json(legende),
        "entites": [_affichee(e, fiche=fiches.get(e["id"]), accent=e["id"] in accents) for e in entites],
    }


def donnees_differences(
    titre: str,
    differences: Iterable[Difference],
    legende: tuple[Categorie, ...],
    fiches_avant: Mapping[str, str] | None = None,
    fiches_apres: Mapping[str, str] | None = None,
) -> dict:
    """La superposition colorée par état : ajoutée, supprimée, modifiée, inchangée.

    Une entité modifiée est dessinée à sa nouvelle place ; son ancienne forme est en gris
    tireté, et pour une zone la surface gagnée et la surface perdue sont colorées à part.
    """
    fiches_avant, fiches_apres = fiches_avant or {}, fiches_apres or {}
    fonds, fantomes, entites = [], [], []
    for d in differences:
        e = d.entite
        fiche = (fiches_apres if d.apres is not None else fiches_avant).get(d.id)
        entites.append(_affichee(e, etat=d.etat, detail=d.detail(), fiche=fiche))
        if d.etat == "modifiee" and d.forme:
            fantomes.append(_affichee(d.avant, role="ancienne", etat=d.etat))
            for role, geometrie in (("gagnee", d.gagnee), ("perdue", d.perdue)):
                if geometrie:
                    fonds.append(_affichee(e, geometrie, role=role, etat=d.etat))
    return {
        "mode": "differences",
        "titre": titre,
        "legende": legende_json(legende),
        "etats": [{"cle": k, "nom": ETATS[k], "couleur": COULEURS_ETATS[k]} for k in ETATS],
        "entites": fonds + fantomes + entites,
    }
