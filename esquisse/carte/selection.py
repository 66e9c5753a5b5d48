"""Carte de choix des communes : la carte de l'atelier, plus le script de sélection.

La carte de base reste déterministe et en cache (voir :mod:`esquisse.carte.construction`) : elle n'est
envoyée au navigateur qu'une fois. La sélection courante voyage à part, dans le groupe
d'entités dynamique de streamlit-folium (``feature_group_to_add``), sous la forme d'une
simple liste de codes INSEE : aucune géométrie n'est renvoyée quand on clique une commune.
"""

from __future__ import annotations

import copy
import functools

import folium
from folium.elements import JSCSSMixin
from jinja2 import Template

from esquisse.carte.construction import ParametresCarte, _ids_stables, construire_carte

# Ce que la page demande à streamlit-folium de renvoyer : le clic sur une commune, seul.
OBJETS_RENVOYES = ["last_object_clicked_tooltip"]


class SelectionCommunes(JSCSSMixin):
    """Charge selection.js et branche le clic sur les communes."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Esquisse.activerSelection({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, prefixe: str):
        super().__init__()
        self._name = "SelectionCommunes"
        self.default_js = [("esquisse_selection", f"{prefixe}/esquisse/selection.js")]
        self.default_css = []


class AppliquerSelection(folium.MacroElement):
    """Transmet au navigateur la liste des communes choisies."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Esquisse.selectionner({{ this.codes|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, codes):
        super().__init__()
        self._name = "AppliquerSelection"
        self.codes = sorted(codes)


@functools.lru_cache(maxsize=8)
def _carte_selection(p: ParametresCarte) -> folium.Map:
    carte = construire_carte(p)
    SelectionCommunes(p.prefixe).add_to(carte)
    _ids_stables(carte.get_root())
    return carte


def carte_selection(p: ParametresCarte) -> folium.Map:
    """Carte de l'atelier où un clic sur une commune l'ajoute ou la retire (copie propre à l'appel)."""
    return copy.deepcopy(_carte_selection(p))


def groupe_selection(codes) -> folium.FeatureGroup:
    """Le groupe dynamique qui porte la sélection courante (à passer à ``feature_group_to_add``)."""
    groupe = folium.FeatureGroup(name="Sélection", control=False)
    AppliquerSelection(codes).add_to(groupe)
    return groupe
