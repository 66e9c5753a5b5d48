"""Carte imprimable : relue par poppler (pdfinfo, pdftotext, pdftoppm), regardée dans tests/captures/."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from matplotlib.artist import Artist
from PIL import Image

from esquisse.analyse.annotations import choisir, references, tableau
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import lister_hypotheses, lister_seances
from esquisse.esquisses.legende import categorie
from esquisse.esquisses.versions import Changement
from esquisse.exports.export_carte import (
    MiseEnPage,
    angle_nord,
    cadrer,
    enregistrer_figure,
    exporter_carte,
    figure_carte,
)
from esquisse.exports.export_geopdf import exporter_geopdf
from esquisse.exports.placement import chevauchements
from esquisse.noyau.erreurs import DonneeInvalide
from tests.conftest import RACINE
from tests.documents import (
    CAPTURES,
    melange,
    pages_pdf,
    part_couleur,
    part_non_blanche,
    pdf_en_images,
    pixels,
    taille_page_pdf,
    texte_pdf,
)
from tests.esquisses_de_test import seance_avec_hypotheses


@pytest.fixture(scope="module")
def gascogne(tmp_path_factory):
    """L'atelier Gascogne ↔ Toulouse (1 044 communes) et une hypothèse de 200 esquisses."""
    projets = tmp_path_factory.mktemp("carte") / "projets"
    shutil.copytree(RACINE / "projets", projets)
    atelier = charger_atelier(projets, "gascogne-toulouse")
    s, (h,) = seance_avec_hypotheses(atelier, {"A — Le rural nourricier": 200})
    return atelier, choisir(atelier, s.id, h.id)


def test_pdf_a4_paysage_lu_par_poppler(gascogne, tmp_path):
    atelier, choix = gascogne
    resultat = exporter_carte(atelier, choix, MiseEnPage(), tmp_path)
    pdf = resultat.chemin
    assert pdf.suffix == ".pdf" and pdf.parent == tmp_path
    # La carte, puis le tableau des annotations auquel renvoient ses numéros (200 esquisses : plusieurs pages).
    assert pages_pdf(pdf) >= 2
    largeur, hauteur = taille_page_pdf(pdf)
    assert (round(largeur), round(hauteur)) == (297, 210)

    # Vectoriel : le texte se lit dans le PDF. Titre, cartouche, légende, échelle, sources.
    texte = " ".join(texte_pdf(pdf, page=1, disposition=False).split())
    assert "A — Le rural nourricier" in texte
    assert "Portes de Gascogne ↔ Toulouse Métropole" in texte
    assert f"version {choix.numero} du" in texte
    assert "Légende" in texte and "Esquisses" in texte and "Repères" in texte
    tab = tableau(choix.version, atelier.legende, references(atelier))
    for cat_id, nombre in tab["categorie"].value_counts().items():
        assert f"{categorie(atelier.legende, cat_id).nom} ({nombre})" in texte
    assert "Territoire de projet : Pays Portes de Gascogne et Toulouse Métropole" in texte
    assert "Échelle 1/" in texte and " km" in texte
    assert "IGN – ADMIN EXPRESS COG" in texte and "Licence Ouverte" in texte
    assert "EPSG:2154" in texte

    (image,) = pdf_en_images(pdf, tmp_path / "png", dpi=60, pages=(1, 1))
    rgb = pixels(image)
    h, w, _ = rgb.shape
    carte = rgb[int(h * 0.2) : int(h * 0.85), int(w * 0.05) : int(w * 0.7)]
    legende = rgb[int(h * 0.2) : int(h * 0.85), int(w * 0.75) :]
    assert part_non_blanche(carte) > 0.2, "la zone de la carte est presque blanche"
    # Les esquisses sont peintes de leurs couleurs, sur les communes et le périmètre : les lignes
    # en couleur pleine, les zones en aplat semi-transparent posé sur le fond beige des communes.
    for cat_id in ("axe", "flux"):
        assert part_couleur(carte, categorie(atelier.legende, cat_id).couleur) > 0.001, cat_id
    fond_communes = melange("#f4f1e8", 0.49)
    for cat_id in ("preserver", "projet"):
        aplat = melange(categorie(atelier.legende, cat_id).couleur, 0.28, fond_communes)
        assert part_couleur(carte, aplat, 30) > 0.001, cat_id
    assert part_couleur(carte, "#c0392b") > 0.001, "le territoire de projet n'est pas dessiné"
    assert 0.03 < part_non_blanche(legende) < 0.5, "légende absente ou illisible"


def test_formats_et_tailles(gascogne, tmp_path):
    atelier, choix = gascogne
    png = exporter_carte(atelier, choix, MiseEnPage(format="png", orientation="portrait"), tmp_path).chemin
    with Image.open(png) as im:
        # A4 portrait à 200 dpi : 1654 × 2339 pixels, et la résolution est inscrite dans le fichier.
        assert abs(im.size[0] - 1654) <= 2 and abs(im.size[1] - 2339) <= 2
        assert round(im.info["dpi"][0]) == 200
        rgb = pixels(im)
    CAPTURES.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, CAPTURES / "export-carte-a4-portrait.png")
    assert part_non_blanche(rgb) > 0.08
    assert part_couleur(rgb, categorie(atelier.legende, "axe").couleur) > 0.0005
    png300 = exporter_carte(atelier, choix, MiseEnPage(format="png", papier="A3", dpi=300), tmp_path).chemin
    with Image.open(png300) as im:
        assert abs(im.size[0] - 4961) <= 2 and abs(im.size[1] - 3508) <= 2

    svg = exporter_carte(atelier, choix, MiseEnPage(format="svg", papier="A3"), tmp_path).chemin
    racine = ET.parse(svg).getroot()
    assert racine.attrib["width"].startswith("1190") and racine.attrib["height"].startswith("841")  # A3 en points
    textes = " ".join(t.text or "" for t in racine.iter("{http://www.w3.org/2000/svg}text"))
    assert "Légende" in textes and "A — Le rural nourricier" in textes  # le texte reste du texte

    a3 = exporter_carte(atelier, choix, MiseEnPage(papier="A3", orientation="portrait"), tmp_path).chemin
    assert tuple(round(x) for x in taille_page_pdf(a3)) == (297, 420)
    assert len({p.name for p in tmp_path.iterdir()}) == 4, "un fichier par format et par taille"


def test_legende_des_seules_categories_employees(gascogne, tmp_path):
    atelier, choix = gascogne
    entites = [e for e in choix.version.entites if e["properties"]["categorie"] in {"pole", "risque"}]
    petite = replace(choix, version=replace(choix.version, entites=tuple(entites)))
    pdf = exporter_carte(atelier, petite, MiseEnPage(couches=("communes",)), tmp_path).chemin
    texte = " ".join(texte_pdf(pdf).split())
    assert "Pôle / centralité" in texte and "Risque (ex. inondation)" in texte
    assert "Axe de développement" not in texte and "Texte libre" not in texte
    # Seule la couche choisie est dans les repères (le pied de page, lui, cite toutes les sources).
    reperes = texte.split("Repères", 1)[1].split("Sources :", 1)[0]
    assert "Communes" in reperes and "EPCI" not in reperes and "Territoire de projet" not in reperes


def test_hypothese_vide_et_couches_facultatives(tmp_path, projets):
    atelier = charger_atelier(projets, "bassee-montois")
    s, (h,) = seance_avec_hypotheses(atelier, {"Vide": 1})
    depot = h.depot(atelier.id)
    (i,) = depot.entites(depot.numero_courant())
    depot.enregistrer([Changement(i, depot.numero_courant(), None)], "Marie")
    choix = choisir(atelier, s.id, h.id)
    assert not choix.version.entites
    mp = MiseEnPage(couches=("communes", "epci", "scot", "perimetre"))
    pdf = exporter_carte(atelier, choix, mp, tmp_path).chemin
    texte = " ".join(texte_pdf(pdf).split())
    assert "Aucune esquisse dans cette version." in texte
    assert "SCoT (dérivés des adhésions)" in texte
    assert "ce ne sont pas les périmètres officiels" in texte  # l'avertissement suit la couche SCoT
    (image,) = pdf_en_images(pdf, tmp_path / "png")
    assert part_couleur(pixels(image), "#c0392b") > 0.001


def test_echelle_ronde_et_nord_geographique(gascogne):
    atelier, _ = gascogne
    refs = references(atelier)
    (x0, y0, x1, y1), echelle = cadrer((500_000, 6_200_000, 600_000, 6_300_000), 200, 150)
    assert echelle == 750_000  # 100 km (+ marges) sur 20 cm : 1/750 000, la première échelle ronde qui convient
    assert (x1 - x0) == pytest.approx(0.2 * echelle) and (y1 - y0) == pytest.approx(0.15 * echelle)
    # Dans le Gers (0,5° E), à l'ouest du méridien central de Lambert-93 (3° E), les méridiens
    # convergent vers le sommet du cône : le nord géographique penche à droite du quadrillage,
    # d'environ (3 − 0,5) × sin 46,5° ≈ 1,8°.
    angle = angle_nord(refs, (480_000, 6_250_000, 520_000, 6_290_000))
    assert 1.5 < angle < 2.1
    assert abs(angle_nord(refs, (690_000, 6_200_000, 710_000, 6_220_000))) < 0.05


@pytest.mark.parametrize(
    ("valeurs", "message"),
    [
        ({"format": "jpg"}, "Format inconnu(e) : « jpg ». Valeurs admises : pdf, svg, png."),
        ({"papier": "A5"}, "Taille de papier inconnu(e) : « A5 ». Valeurs admises : A4, A3."),
        ({"orientation": "carre"}, "Orientation inconnu(e) : « carre »"),
        ({"dpi": 72}, "Résolution de 72 dpi non proposée ; résolutions admises : 200, 300 dpi."),
        ({"couches": ("routes",)}, "Couche(s) inconnue(s) : routes."),
    ],
)
def test_mise_en_page_invalide(valeurs, message):
    with pytest.raises(DonneeInvalide) as exc:
        MiseEnPage(**valeurs)
    assert message in str(exc.value)


def test_version_inconnue(gascogne):
    atelier, choix = gascogne
    with pytest.raises(
        DonneeInvalide, match=r"Version « 9 » inconnue pour l'hypothèse « A — Le rural nourricier » : versions de 1 à 2"
    ):
        choisir(atelier, choix.seance.id, choix.hypothese.id, 9)


class Panne(Artist):
    """Un élément qui échoue au moment d'être dessiné : une panne au milieu de l'écriture du fichier."""

    def draw(self, renderer):
        raise RuntimeError("panne pendant l'écriture")


def test_echec_pendant_l_ecriture_ne_laisse_rien(gascogne, tmp_path):
    atelier, choix = gascogne
    fig = figure_carte(atelier, choix, MiseEnPage())
    ancien = tmp_path / "carte.pdf"
    enregistrer_figure(fig, ancien, "pdf")
    avant = ancien.read_bytes()
    fig.axes[0].add_artist(Panne())
    with pytest.raises(RuntimeError, match="panne"):
        enregistrer_figure(fig, ancien, "pdf")
    # L'export précédent est intact, et rien d'autre n'a été laissé dans le dossier.
    assert ancien.read_bytes() == avant
    assert [p.name for p in tmp_path.iterdir()] == ["carte.pdf"]


def test_cadrage_sur_une_vue_nommee(gascogne, tmp_path):
    """Une vue gardée sur la carte (un zoom) sert de cadrage : l'échelle imprimée est bien plus fine."""
    atelier, choix = gascogne
    entier = exporter_carte(atelier, choix, MiseEnPage(), tmp_path / "entier")
    zoom_l_isle = (1.03, 43.58, 1.14, 43.65)  # L'Isle-Jourdain et ses abords
    zoom = exporter_carte(atelier, choix, MiseEnPage(emprise=zoom_l_isle), tmp_path / "zoom")

    def echelle(pdf) -> int:
        chiffres = re.search(r"Échelle 1/(\d{1,3}(?:[ \u202f\u00a0]\d{3})*)", texte_pdf(pdf)).group(1)
        return int(re.sub(r"\D", "", chiffres))

    assert echelle(zoom.chemin) <= 100_000 < 500_000 <= echelle(entier.chemin)


def _premiere_hypothese(atelier):
    for s in lister_seances(atelier.dossier):
        for h in lister_hypotheses(s):
            if h.depot(atelier.id).numero_courant():
                return choisir(atelier, s.id, h.id)
    raise AssertionError("aucune hypothèse enregistrée dans l'atelier de démonstration")


@pytest.mark.parametrize("atelier_id", ["gascogne-toulouse", "bassee-montois"])
def test_carte_autonome_communes_titres_tableau_situation(projets, tmp_path, atelier_id):
    """La feuille se lit seule : noms de communes, titres des esquisses, tableau, encart de situation."""
    atelier = charger_atelier(projets, atelier_id)
    choix = _premiere_hypothese(atelier)
    refs = references(atelier)
    tab = tableau(choix.version, atelier.legende, refs)
    assert len(tab) >= 3 and all(tab["titre"].str.strip() != "")
    pdf = exporter_carte(atelier, choix, MiseEnPage(), tmp_path).chemin
    assert pages_pdf(pdf) == 2, "la carte, puis le tableau des annotations"

    carte = " ".join(texte_pdf(pdf, page=1).split())
    noms = set(refs.communes["nom"])
    lus = {n for n in noms if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", carte)}
    assert len(lus) >= 10, f"trop peu de communes nommées sur la carte : {sorted(lus)}"
    region = {"gascogne-toulouse": "Occitanie", "bassee-montois": "Île-de-France"}[atelier_id]
    assert f"Situation : région {region}" in carte
    assert "Les numéros renvoient au tableau des annotations (page 2)" in carte

    tableau_page = " ".join(texte_pdf(pdf, page=2).split())
    assert "Tableau des annotations" in tableau_page and "Communes touchées" in tableau_page
    for titre in tab["titre"]:
        assert " ".join(titre.split()) in tableau_page, titre
    # Les titres qui tiennent sont aussi sur la carte, à côté de leur numéro.
    sur_la_carte = [t for n, t in zip(tab["n"], tab["titre"], strict=True) if f"{n}. {t.split()[0]}" in carte]
    assert len(sur_la_carte) >= len(tab) // 2, sur_la_carte

    images = pdf_en_images(pdf, tmp_path / "png", dpi=60)
    for i, image in enumerate(images, start=1):
        shutil.copy(image, CAPTURES / f"export-carte-{atelier_id}-page{i}.png")


def test_etiquettes_sans_chevauchement(projets):
    """Boîtes réelles des textes de la carte (moteur de rendu) : aucune ne touche une autre."""
    atelier = charger_atelier(projets, "gascogne-toulouse")
    choix = _premiere_hypothese(atelier)
    fig = figure_carte(atelier, choix, MiseEnPage())
    ax = fig.axes[0]
    rendu = fig.canvas.get_renderer()
    # Les liserés blancs (copies tracées sous chaque texte, avec un effet de tracé) ne comptent pas.
    textes = [t for t in ax.texts if t.get_visible() and t.get_text().strip() and not t.get_path_effects()]
    boites = [t.get_window_extent(rendu) for t in textes]
    communes = [t for t in ax.texts if t.get_fontstyle() == "italic" and t.get_zorder() == 300]
    assert len(communes) >= 10
    assert len(boites) > len(communes), "les esquisses ont leurs étiquettes"
    assert chevauchements(boites) == []
    cadre = ax.get_window_extent(rendu)
    assert all(cadre.x0 <= b.x0 and b.x1 <= cadre.x1 and cadre.y0 <= b.y0 and b.y1 <= cadre.y1 for b in boites)


def test_deux_cents_esquisses_toutes_au_tableau(gascogne, tmp_path):
    atelier, choix = gascogne
    pdf = exporter_carte(atelier, choix, MiseEnPage(), tmp_path).chemin
    texte = " ".join(texte_pdf(pdf).split())
    tab = tableau(choix.version, atelier.legende, references(atelier))
    for titre in set(tab["titre"]):
        assert " ".join(titre.split()) in texte, titre
    assert f"page {pages_pdf(pdf)}/{pages_pdf(pdf)}" in texte


def test_geopdf_en_couches_lu_par_pdfinfo_et_ogrinfo(projets, tmp_path):
    """GeoPDF : géoréférencé en Lambert-93, un calque par couche de référence et par catégorie."""
    atelier = charger_atelier(projets, "gascogne-toulouse")
    choix = _premiere_hypothese(atelier)
    dossier = tmp_path / "exports"
    pdf = exporter_geopdf(atelier, choix, dossier)
    assert [p.name for p in dossier.iterdir()] == [pdf.name], "aucun fichier de travail ne reste"
    infos = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Creator:         Esquisse" in infos and choix.hypothese.titre in infos
    sortie = subprocess.run(["ogrinfo", "-ro", str(pdf)], capture_output=True, text=True, check=True).stdout
    calques = re.findall(r"^\d+: (.+?)(?: \([A-Za-z ]+\))?$", sortie, re.M)
    tab = tableau(choix.version, atelier.legende, references(atelier))
    attendus = {f"Esquisses — {categorie(atelier.legende, c).nom}" for c in set(tab["categorie"])}
    assert attendus <= set(calques), calques
    assert {"Communes", "EPCI", "Territoire de projet"} <= set(calques)
    # Géoréférencé : la page porte une emprise en Lambert-93 (mètres) autour du territoire.
    details = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(pdf)], capture_output=True, text=True, check=True)
    assert "Lambert-93" in details.stdout or "2154" in details.stdout
    esquisses = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(pdf), f"Esquisses — {categorie(atelier.legende, 'pole').nom}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for titre in tab[tab["categorie"] == "pole"]["titre"]:
        assert titre in esquisses  # les attributs des esquisses suivent dans le PDF
    (image,) = pdf_en_images(pdf, tmp_path / "png", dpi=40)
    assert part_non_blanche(pixels(image)) > 0.2
    shutil.copy(image, CAPTURES / "export-geopdf.png")


def test_la_carte_nomme_qui_l_exporte(gascogne, tmp_path):
    """Par le service (la garde d'accès), l'en-tête de la carte nomme la personne qui exporte."""
    from esquisse.acces import services
    from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role

    atelier, choix = gascogne
    claire = Acteur("Claire Dubois", "ddt", roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="oidc")
    pdf = services.exporter_carte(claire, atelier, choix, MiseEnPage(), tmp_path).chemin
    assert "par Claire Dubois" in " ".join(texte_pdf(pdf).split())
    sans_nom = exporter_carte(atelier, choix, MiseEnPage(), tmp_path / "sans").chemin
    assert "exportée le" in texte_pdf(sans_nom) and "par Claire" not in texte_pdf(sans_nom)
