"""Fonds de carte proposés. Aucun n'est nécessaire : la carte fonctionne sans tuiles."""

from __future__ import annotations

from dataclasses import dataclass

_GEOPF = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&STYLE=normal"
    "&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)


@dataclass(frozen=True)
class Fond:
    id: str
    nom: str
    url: str | None = None
    attribution: str = ""
    zoom_max: int = 19


FONDS: tuple[Fond, ...] = (
    Fond("aucun", "Aucun fond (hors ligne)"),
    Fond(
        "osm",
        "OpenStreetMap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© les contributeurs d'OpenStreetMap",
        19,
    ),
    Fond(
        "plan-ign",
        "Plan IGN",
        _GEOPF + "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&FORMAT=image/png",
        "© IGN – Géoplateforme",
        19,
    ),
    Fond(
        "photos-ign",
        "Photographies aériennes IGN",
        _GEOPF + "&LAYER=ORTHOIMAGERY.ORTHOPHOTOS&FORMAT=image/jpeg",
        "© IGN – Géoplateforme",
        19,
    ),
)
FOND_DEFAUT = "aucun"
