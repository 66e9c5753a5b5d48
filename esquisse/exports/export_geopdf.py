"""GeoPDF en couches : la carte d'une hypothèse, géoréférencée (Lambert-93), dont chaque couche
de référence et chaque catégorie d'esquisse est un calque que l'on allume ou éteint dans le
lecteur PDF (Acrobat, QGIS, Avenza…).

Le PDF est écrit par le pilote PDF de GDAL (``ogr2ogr -f PDF``, paquet Debian ``gdal-bin``) :
les couches sont d'abord rangées dans un GeoPackage temporaire, chacune avec le style de la
légende de l'atelier en « chaîne de style OGR » (PEN, BRUSH, SYMBOL), puis décrites par un
fichier VRT qui donne à chaque calque son nom et son style. Légende, échelle et flèche du nord
ne sont pas dans ce PDF (c'est la carte à imprimer qui les porte) ; sa date est à l'heure de
Paris.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import pyogrio
from matplotlib.colors import to_hex

from esquisse.analyse.annotations import Choix, mesure, references, tableau
from esquisse.atelier.ateliers import Atelier
from esquisse.carte.affichage import PRESENTATIONS
from esquisse.esquisses.legende import Categorie
from esquisse.exports.export_carte import COUCHES_CARTE, MiseEnPage, couches_dessinees, emprise_utile
from esquisse.noyau.dates import FUSEAU, date_heure
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import remplacer_par_temporaire

TIRETS = {"tirets": ',p:"8px 5px"', "pointilles": ',p:"2px 3px"'}


def disponible() -> bool:
    """Le GeoPDF demande ``ogr2ogr`` (GDAL de Debian, paquet ``gdal-bin``)."""
    return shutil.which("ogr2ogr") is not None


def style_categorie(c: Categorie, genre: str) -> str:
    """La chaîne de style OGR d'une esquisse, d'après la légende de l'atelier."""
    couleur = to_hex(c.couleur)
    largeur = max(1.0, c.epaisseur * 0.8)
    if genre == "zone":
        return f"PEN(c:{couleur},w:{largeur:.1f}px{TIRETS.get(c.trait, '')});BRUSH(fc:{couleur}48)"
    if genre == "ligne":
        return f"PEN(c:{couleur},w:{largeur * 2.5:.1f}px{TIRETS.get(c.trait, '')})"
    return f'SYMBOL(c:{couleur},id:"ogr-sym-3",s:{6 + 1.5 * c.epaisseur:.0f})'


def style_reference(genre: str) -> str:
    style = PRESENTATIONS[genre].style
    couleur = to_hex(style["color"])
    largeur = {"communes": 0.5, "epci": 1.5, "scot": 1.2, "territoires": 1.5, "perimetre": 2.5}[genre]
    tirets = ',p:"6px 4px"' if style.get("dashArray") else ""
    fond = "#f4f1e8ff" if genre == "communes" else "#ffffff00"  # sans BRUSH, GDAL remplit de gris
    return f"PEN(c:{couleur},w:{largeur}px{tirets});BRUSH(fc:{fond})"


def _calques(atelier: Atelier, choix: Choix):
    """Les calques, du dessous au-dessus : couches de référence, puis une par catégorie et géométrie."""
    refs = references(atelier)
    tab = tableau(choix.version, atelier.legende, refs)
    calques = []
    for genre in couches_dessinees(MiseEnPage(couches=tuple(COUCHES_CARTE)), refs):
        gdf = refs.perimetre if genre == "perimetre" else refs.couches[genre]
        nom = gdf["nom"].astype(str) if "nom" in gdf.columns else gdf.index.astype(str)
        calques.append(
            (
                COUCHES_CARTE[genre],
                gpd.GeoDataFrame(
                    {"nom": nom.values, "ogr_style": style_reference(genre)}, geometry=gdf.geometry.values, crs=gdf.crs
                ),
            )
        )
    categories = tab.attrs.get("categories", {})
    autres = tuple(c for i, c in categories.items() if i not in {x.id for x in atelier.legende})
    for c in atelier.legende + autres:
        de_la_categorie = tab[tab["categorie"] == c.id]
        genres = [g for g in ("zone", "ligne", "point") if (de_la_categorie["genre"] == g).any()]
        for genre in genres:
            sous = de_la_categorie[de_la_categorie["genre"] == genre]
            donnees = {
                "n": sous["n"].astype("int32").values,
                "titre": sous["titre"].values,
                "commentaire": sous["commentaire"].values,
                "communes": sous["communes"].values,
                "mesure": [mesure(ligne) for _, ligne in sous.iterrows()],
                "ogr_style": style_categorie(c, genre),
            }
            # Une catégorie dessinée en zones et en lignes donne deux calques, nommés chacun.
            suffixe = {"zone": " (zones)", "ligne": " (lignes)", "point": " (points)"}[genre] if len(genres) > 1 else ""
            calques.append(
                (f"Esquisses — {c.nom}{suffixe}", gpd.GeoDataFrame(donnees, geometry=sous.geometry.values, crs=tab.crs))
            )
    return calques, emprise_utile(tab, refs)


def _vrt(gpkg: Path, noms: list[str]) -> str:
    couches = "".join(
        f"<OGRVRTLayer name={quoteattr(nom)}><SrcDataSource>{escape(str(gpkg))}</SrcDataSource>"
        f"<SrcLayer>{escape(f'c{k}')}</SrcLayer><Style>ogr_style</Style></OGRVRTLayer>"
        for k, nom in enumerate(noms)
    )
    return f"<OGRVRTDataSource>{couches}</OGRVRTDataSource>"


def nom_geopdf(atelier: Atelier, choix: Choix) -> str:
    return f"{atelier.id}_{choix.seance.id}_{choix.hypothese.id}_v{choix.numero}_geopdf.pdf"


def exporter_geopdf(atelier: Atelier, choix: Choix, dossier: Path, progression=None) -> Path:
    """Écrit le GeoPDF en couches de ``choix`` dans ``dossier`` ; renvoie le fichier écrit (jamais partiel)."""
    avancer = progression or (lambda _part, _message: None)
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        raise DonneeInvalide(
            "GeoPDF indisponible : l'outil ogr2ogr de GDAL manque sur ce serveur (paquet Debian gdal-bin)."
        )
    avancer(0.1, "Couches de référence et esquisses…")
    calques, emprise = _calques(atelier, choix)
    destination = dossier / nom_geopdf(atelier, choix)
    dossier.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dossier, prefix=".geopdf-") as tmp:
        gpkg = Path(tmp) / "calques.gpkg"
        for k, (_nom, gdf) in enumerate(calques):
            pyogrio.write_dataframe(
                gdf,
                gpkg,
                layer=f"c{k}",
                driver="GPKG",
                append=k > 0,
                promote_to_multi=True,
                dataset_options=None if k else {"VERSION": "1.2"},
            )
        vrt = Path(tmp) / "calques.vrt"
        vrt.write_text(_vrt(gpkg, [nom for nom, _ in calques]), encoding="utf-8")
        x0, y0, x1, y1 = emprise
        marge = 0.04 * max(x1 - x0, y1 - y0)
        h, meta = choix.hypothese, choix.version.meta
        sortie = Path(tmp) / "carte.pdf"
        commande = [
            ogr2ogr,
            "-f",
            "PDF",
            str(sortie),
            str(vrt),
            "-spat",
            *(str(v) for v in (x0 - marge, y0 - marge, x1 + marge, y1 + marge)),
            "-clipsrc",
            "spat_extent",
            "-dsco",
            "OGR_DISPLAY_FIELD=titre",
            "-dsco",
            "OGR_DISPLAY_LAYER_NAMES=" + ",".join(nom.replace(",", " ") for nom, _ in calques),
            "-dsco",
            f"TITLE={h.titre} — {atelier.nom}",
            "-dsco",
            f"SUBJECT=Séance {choix.seance.titre}, version {meta.numero} du {date_heure(meta.le)} ({FUSEAU})",
            "-dsco",
            "CREATOR=Esquisse",
            "-dsco",
            "MARGIN=20",
        ]
        avancer(0.5, "Écriture du PDF par GDAL…")
        resultat = subprocess.run(commande, capture_output=True, text=True, check=False)
        if resultat.returncode != 0 or not sortie.is_file():
            raise DonneeInvalide(f"GeoPDF non écrit : GDAL a refusé ({resultat.stderr.strip()[:300]}).")
        with remplacer_par_temporaire(destination) as temporaire:
            shutil.copyfile(sortie, temporaire)
    avancer(1.0, "GeoPDF prêt.")
    return destination
