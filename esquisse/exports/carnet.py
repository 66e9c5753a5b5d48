"""Le carnet de suivi d'une séance, en DOCX (modifiable dans LibreOffice et Word) et en PDF.

Contenu : le contexte (atelier, séance, territoire, hypothèses) et les participants ; le
relevé (points d'accord, points à approfondir, prochaines étapes) ; pour chaque hypothèse,
sa carte et le tableau de ses annotations (catégorie, titre, commentaire, auteur, communes
concernées, surface ou longueur) ; les évolutions depuis la séance précédente ; la feuille de
route de l'atelier, si elle a été commencée ; les sources.

Le contenu est d'abord réuni (:func:`preparer_carnet`), puis écrit par :func:`ecrire_docx`
(python-docx) et :func:`ecrire_pdf` (fpdf2, cartes vectorielles, polices DejaVu fournies
avec matplotlib) : les deux documents disent la même chose. La comparaison avec la séance
précédente s'appuie sur le moteur de différences (:mod:`esquisse.analyse.difference`), entité par
entité, par identifiant.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import matplotlib

from esquisse.analyse.annotations import Choix, References, choisir, mesure, references, tableau
from esquisse.analyse.attribution import Projection
from esquisse.analyse.difference import comparer_entites
from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.releve import RUBRIQUES, Releve, lire_releve
from esquisse.atelier.seances import Hypothese, Seance, hypothese, lister_hypotheses, lister_seances
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue
from esquisse.exports.export_carte import figure_carnet, image, sources_texte
from esquisse.noyau.dates import PARIS, aujourd_hui, date_fr, date_heure
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable
from esquisse.noyau.fichiers import remplacer_par_temporaire

Progression = Callable[[float, str], None]

FORMATS_CARNET = {"docx": "DOCX (LibreOffice, Word)", "pdf": "PDF"}
COMMUNES_AFFICHEES = 10
ELEMENTS_CITES = 15
COLONNES = ("N°", "Catégorie", "Titre", "Commentaire", "Auteur", "Communes concernées", "ha / km")
LARGEURS_MM = (9, 25, 29, 39, 20, 36, 12)  # 170 mm : la largeur utile d'une page A4 à marges de 20 mm


# -- évolutions depuis la séance précédente -----------------------------------------------------


@dataclass
class Evolution:
    """Ce qui a changé dans une hypothèse depuis sa référence (la version dont elle a été reprise)."""

    reference: str = ""  # ex. « version 3 de « A » (séance du 12 mars 2026) » ; vide : nouvelle hypothèse
    ajoutees: list[str] = field(default_factory=list)
    supprimees: list[str] = field(default_factory=list)
    modifiees: list[str] = field(default_factory=list)

    @property
    def inchangee(self) -> bool:
        return bool(self.reference) and not (self.ajoutees or self.supprimees or self.modifiees)


def _libelle(entite: dict, legende: tuple[Categorie, ...]) -> str:
    p = entite["properties"]
    return (
        f"« {p['titre']} »"
        if p.get("titre")
        else f"{categorie_ou_inconnue(legende, p.get('categorie')).nom} sans titre"
    )


def comparer(
    avant: dict[str, dict], apres: dict[str, dict], legende: tuple[Categorie, ...], projection: Projection | None = None
) -> Evolution:
    """Esquisses ajoutées, supprimées et modifiées (et ce qui a changé), d'après le moteur de différences."""
    ev = Evolution()
    for d in comparer_entites(avant, apres, projection):
        libelle = _libelle(d.entite, legende)
        if d.etat == "ajoutee":
            ev.ajoutees.append(libelle)
        elif d.etat == "supprimee":
            ev.supprimees.append(libelle)
        elif d.etat == "modifiee":
            ev.modifiees.append(f"{libelle} : {d.detail()}")
    return ev


def evolution(
    atelier: Atelier, h: Hypothese, entites: dict[str, dict], projection: Projection | None = None
) -> Evolution:
    """Les changements de ``h`` depuis la version d'où elle a été reprise ; vide si elle est nouvelle."""
    if not h.origine:
        return Evolution()
    try:
        s = next(s for s in lister_seances(atelier.dossier) if s.id == h.origine["seance"])
        origine = hypothese(s, h.origine["hypothese"])
    except (StopIteration, DonneeInvalide, LookupError):
        return Evolution(reference=f"« {h.origine.get('hypothese')} » (introuvable)")
    numero = h.origine.get("version")
    avant = origine.depot(atelier.id).entites(numero) if numero else {}
    ev = comparer(avant, entites, atelier.legende, projection)
    ev.reference = f"« {origine.titre} », version {numero or 0} (séance « {s.titre} » du {date_fr(s.date)})"
    return ev


# -- contenu ----------------------------------------------------------------------------------------


@dataclass
class PartieHypothese:
    hypothese: Hypothese
    choix: Choix | None
    tableau: gpd.GeoDataFrame | None
    svg: bytes = b""
    png: bytes = b""
    evolution: Evolution = field(default_factory=Evolution)


@dataclass
class Carnet:
    atelier: Atelier
    seance: Seance
    releve: Releve
    precedente: Seance | None
    parties: list[PartieHypothese]
    non_reprises: list[tuple[Hypothese, str]]  # hypothèses de la séance précédente, et leur statut
    refs: References
    genere_le: str
    feuille: fdr.FeuilleDeRoute = field(default_factory=fdr.FeuilleDeRoute)
    esquisses_feuille: dict[str, str] = field(default_factory=dict)  # id -> titre, dans l'hypothèse de référence
    prepare_par: str = ""  # la personne qui exporte le carnet

    @property
    def mention(self) -> str:
        par = f" pour {self.prepare_par}" if self.prepare_par else ""
        return f"Document préparé par Esquisse{par} le {self.genere_le}, à compléter et relire."

    @property
    def titre(self) -> str:
        return f"Carnet de suivi — {self.seance.titre}"

    @property
    def sous_titre(self) -> str:
        return f"{self.atelier.nom} · {self.seance.libelle_type} · {date_fr(self.seance.date)}"


def preparer_carnet(atelier: Atelier, seance_id: str, progression: Progression | None = None) -> Carnet:
    """Réunit tout le contenu du carnet de la séance ``seance_id`` (cartes comprises)."""
    avancer = progression or (lambda _p, _m: None)
    seances = lister_seances(atelier.dossier)
    rang = next((k for k, s in enumerate(seances) if s.id == seance_id), None)
    if rang is None:
        raise Introuvable(f"Séance introuvable : « {seance_id} ».")
    s = seances[rang]
    precedente = seances[rang - 1] if rang else None
    avancer(0.02, "Couches de référence…")
    refs = references(atelier)
    projection = refs.attribution.projection
    hyps = lister_hypotheses(s)
    parties = []
    for k, h in enumerate(hyps):
        avancer(0.05 + 0.85 * k / max(len(hyps), 1), f"Carte de l'hypothèse « {h.titre} »…")
        numero = h.depot(atelier.id).numero_courant()
        if not numero:
            parties.append(PartieHypothese(h, None, None, evolution=evolution(atelier, h, {}, projection)))
            continue
        c = choisir(atelier, s.id, h.id, numero)
        tab = tableau(c.version, atelier.legende, refs)
        fig = figure_carnet(atelier, tab, refs)
        # Textes en tracés : fidèles dans le PDF. Les métadonnées Dublin Core du SVG n'y servent pas.
        svg = re.sub(rb"<metadata>.*?</metadata>", b"", image(fig, "svg", textes_en_traces=True), flags=re.S)
        png = image(fig, "png", 200)
        parties.append(PartieHypothese(h, c, tab, svg, png, evolution(atelier, h, c.version.par_id(), projection)))
    reprises = {(h.origine or {}).get("hypothese") for h in hyps if h.origine}
    non_reprises = []
    if precedente:
        non_reprises = [(h, h.libelle_statut) for h in lister_hypotheses(precedente) if h.id not in reprises]
    avancer(0.92, "Mise en forme…")
    feuille = fdr.lire(atelier.dossier)
    disponibles = fdr.esquisses_disponibles(
        fdr.hypothese_de_reference(atelier.dossier, feuille), {c.id: c.nom for c in atelier.legende}
    )
    esquisses = {e.id: e.titre or e.categorie for e in disponibles}
    carnet = Carnet(atelier, s, lire_releve(s), precedente, parties, non_reprises, refs, aujourd_hui())
    carnet.feuille, carnet.esquisses_feuille = feuille, esquisses
    return carnet


# -- textes communs aux deux documents ----------------------------------------------------------------


def contexte(c: Carnet) -> list[str]:
    a = c.atelier
    lignes = []
    if a.theme:
        lignes.append(f"Thème : {a.theme}.")
    if a.region:
        lignes.append(f"Région : {a.region}.")
    if c.refs.perimetre is not None:
        p = c.refs.perimetre.iloc[0]
        lignes.append(
            f"Territoire de projet : {p['nom']} ({p['n_communes']} communes, {_milliers(p['population'])} habitants, "
            f"{_milliers(round(p['superficie_km2']))} km²)."
        )
    lignes.append(f"Séance : {c.seance.titre} — {c.seance.libelle_type}, le {date_fr(c.seance.date)}.")
    if c.parties:
        noms = ", ".join(f"« {p.hypothese.titre} » ({p.hypothese.libelle_statut.lower()})" for p in c.parties)
        lignes.append(f"Hypothèses travaillées : {noms}.")
    else:
        lignes.append("Aucune hypothèse n'a été créée pour cette séance.")
    return lignes


def _milliers(n) -> str:
    return f"{int(n):,}".replace(",", "\u202f")


def _communes(texte: str) -> str:
    noms = [n for n in texte.split(", ") if n]
    if len(noms) <= COMMUNES_AFFICHEES:
        return ", ".join(noms) or "—"
    return ", ".join(noms[:COMMUNES_AFFICHEES]) + f" et {len(noms) - COMMUNES_AFFICHEES} autres"


def lignes_tableau(tab: gpd.GeoDataFrame) -> list[tuple[str, ...]]:
    return [
        (
            str(ligne["n"]),
            ligne["categorie_nom"],
            ligne["titre"] or "—",
            ligne["commentaire"] or "",
            ligne["auteur"] or "",
            _communes(ligne["communes"]),
            mesure(ligne),
        )
        for _, ligne in tab.iterrows()
    ]


def version_texte(p: PartieHypothese) -> str:
    if p.choix is None:
        return "Aucune esquisse enregistrée pour cette hypothèse."
    m = p.choix.version.meta
    par = f", par {m.auteur}" if m.auteur else ""
    return f"Version {m.numero} du {date_heure(m.le)}{par} — {m.nb_entites} esquisse(s)."


def evolution_textes(c: Carnet, p: PartieHypothese) -> tuple[str, list[str]]:
    """Une phrase d'introduction et la liste des changements d'une hypothèse."""
    ev = p.evolution
    nb = p.choix.version.meta.nb_entites if p.choix else 0
    if not ev.reference:
        return f"« {p.hypothese.titre} » : nouvelle hypothèse ({nb} esquisse(s)).", []
    if ev.inchangee:
        return f"« {p.hypothese.titre} » : reprise de {ev.reference}, sans changement.", []
    elements = []
    for liste, quoi in ((ev.ajoutees, "ajoutée"), (ev.supprimees, "supprimée"), (ev.modifiees, "modifiée")):
        if not liste:
            continue
        cites = liste[:ELEMENTS_CITES]
        reste = f" ; et {len(liste) - len(cites)} autre(s)" if len(liste) > len(cites) else ""
        if quoi == "modifiée":
            elements.append(f"{len(liste)} esquisse(s) {quoi}(s) : " + " ; ".join(cites) + reste + ".")
        else:
            elements.append(f"{len(liste)} esquisse(s) {quoi}(s) : " + ", ".join(cites) + reste + ".")
    return f"« {p.hypothese.titre} » : reprise de {ev.reference}.", elements


def precedente_texte(c: Carnet) -> str:
    if c.precedente is None:
        return "C'est la première séance de l'atelier : il n'y a pas de séance précédente à comparer."
    return f"Séance précédente : « {c.precedente.titre} » ({c.precedente.libelle_type}, {date_fr(c.precedente.date)})."


def non_reprises_texte(c: Carnet) -> str:
    if not c.non_reprises:
        return ""
    noms = ", ".join(f"« {h.titre} » ({statut.lower()})" for h, statut in c.non_reprises)
    return f"Hypothèses de la séance précédente non reprises : {noms}."


def feuille_texte(c: Carnet) -> str:
    f = c.feuille
    quand = f" le {date_heure(f.modifie_le)}" if f.modifie_le else ""
    par = f" par {f.modifie_par}" if f.modifie_par else ""
    return (
        f"La feuille de route de l'atelier telle qu'elle est aujourd'hui : révision {f.revision}, "
        f"enregistrée{quand}{par} ; {len(f.orientations)} orientation(s), {len(f.actions)} action(s)."
    )


def releve_texte(c: Carnet) -> str:
    r = c.releve
    if r.vide:
        return "Le relevé de cette séance n'a pas encore été rempli dans Esquisse."
    par = f" par {r.modifie_par}" if r.modifie_par else ""
    return f"Relevé enregistré le {date_heure(r.modifie_le)}{par}."


# -- DOCX ------------------------------------------------------------------------------------------------


def ecrire_docx(c: Carnet, destination: Path) -> Path:
    """Le carnet en DOCX (A4, en français), écrit d'un coup ; renvoie ``destination``."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    _docx_langue(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for cote in ("left_margin", "right_margin"):
        setattr(section, cote, Mm(20))
    section.top_margin, section.bottom_margin = Mm(18), Mm(18)
    doc.styles["Normal"].font.size = Pt(10)
    proprietes = doc.core_properties
    proprietes.title = c.titre
    proprietes.subject = c.atelier.nom
    proprietes.author = "Esquisse"
    proprietes.language = "fr-FR"
    proprietes.created = datetime.now(PARIS).replace(tzinfo=None)
    _docx_pied(section, f"{c.titre} · {c.atelier.nom}")

    doc.add_heading(c.titre, 0)
    sous = doc.add_paragraph(c.sous_titre)
    sous.runs[0].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    doc.add_paragraph(c.mention).runs[0].italic = True

    doc.add_heading("Contexte", 1)
    if c.atelier.description:
        doc.add_paragraph(c.atelier.description)
    for ligne in contexte(c):
        doc.add_paragraph(ligne)
    doc.add_heading(RUBRIQUES["participants"], 2)
    _docx_liste(doc, c.releve.participants, "Non renseignés.")

    doc.add_heading("Relevé de la séance", 1)
    doc.add_paragraph(releve_texte(c)).runs[0].italic = True
    for cle in ("points_accord", "points_a_approfondir", "prochaines_etapes"):
        doc.add_heading(RUBRIQUES[cle], 2)
        _docx_liste(doc, getattr(c.releve, cle), "Aucun.")

    # Comme dans le PDF : chaque hypothèse commence une page, sa carte avec son titre.
    if c.parties:
        doc.add_page_break()
    doc.add_heading("Hypothèses", 1)
    if not c.parties:
        doc.add_paragraph("Aucune hypothèse pour cette séance.")
    for k, p in enumerate(c.parties):
        if k:
            doc.add_page_break()
        doc.add_heading(f"{p.hypothese.titre} — {p.hypothese.libelle_statut}", 2)
        if p.hypothese.description:
            doc.add_paragraph(p.hypothese.description)
        doc.add_paragraph(version_texte(p)).runs[0].italic = True
        if p.choix is None:
            continue
        doc.add_picture(io.BytesIO(p.png), width=Mm(170))
        doc.add_paragraph(f"Carte de l'hypothèse « {p.hypothese.titre} » : les numéros renvoient au tableau.").runs[
            0
        ].font.size = Pt(8)
        lignes = lignes_tableau(p.tableau)
        if lignes:
            _docx_tableau(doc, lignes)
        else:
            doc.add_paragraph("Cette version ne contient aucune esquisse.")

    # Les sources des cartes, juste après elles (comme dans le PDF).
    doc.add_heading("Sources", 1)
    doc.add_paragraph(sources_texte(c.atelier, ["communes", "epci", "perimetre"]))

    doc.add_heading("Évolutions depuis la séance précédente", 1)
    doc.add_paragraph(precedente_texte(c))
    for p in c.parties:
        intro, elements = evolution_textes(c, p)
        doc.add_paragraph(intro)
        for e in elements:
            doc.add_paragraph(e, style="List Bullet 2")
    if texte := non_reprises_texte(c):
        doc.add_paragraph(texte)

    if c.feuille.orientations:
        doc.add_heading("Feuille de route", 1)
        doc.add_paragraph(feuille_texte(c)).runs[0].italic = True
        for o in c.feuille.orientations:
            doc.add_heading(o.titre, 2)
            if o.description:
                doc.add_paragraph(o.description)
            _docx_liste(doc, [fdr.texte_action(a, c.esquisses_feuille) for a in o.actions], "Aucune action.")

    with remplacer_par_temporaire(destination) as temporaire:
        doc.save(temporaire)
    return destination


def _docx_liste(doc, elements: tuple[str, ...], vide: str) -> None:
    if not elements:
        doc.add_paragraph(vide).runs[0].italic = True
    for e in elements:
        doc.add_paragraph(e, style="List Bullet")


def _docx_tableau(doc, lignes: list[tuple[str, ...]]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    table = doc.add_table(rows=1, cols=len(COLONNES))
    table.style = "Table Grid"
    table.autofit = False
    entete = table.rows[0]
    # Ligne d'en-tête répétée en haut de chaque page.
    tr_pr = entete._tr.get_or_add_trPr()
    repetee = OxmlElement("w:tblHeader")
    repetee.set(qn("w:val"), "true")
    tr_pr.append(repetee)
    for cellule, titre in zip(entete.cells, COLONNES, strict=True):
        cellule.text = titre
        run = cellule.paragraphs[0].runs[0]
        run.bold = True
        run.font.size = Pt(8)
        fond = OxmlElement("w:shd")
        fond.set(qn("w:val"), "clear")
        fond.set(qn("w:fill"), "E8E8E8")
        cellule._tc.get_or_add_tcPr().append(fond)
    for valeurs in lignes:
        cellules = table.add_row().cells
        for cellule, valeur in zip(cellules, valeurs, strict=True):
            cellule.text = valeur
            for run in cellule.paragraphs[0].runs:
                run.font.size = Pt(8)
    # Largeurs dans la grille du tableau (lue par LibreOffice) et dans chaque cellule (lue par Word).
    for colonne, largeur in zip(table.columns, LARGEURS_MM, strict=True):
        colonne.width = Mm(largeur)
        for cellule in colonne.cells:
            cellule.width = Mm(largeur)


def _docx_langue(doc) -> None:
    """Langue française par défaut (correcteur orthographique de Word et LibreOffice)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_pr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    langue = r_pr.find(qn("w:lang"))
    if langue is None:
        langue = OxmlElement("w:lang")
        r_pr.append(langue)
    langue.set(qn("w:val"), "fr-FR")


def _docx_pied(section, texte: str) -> None:
    """Pied de page : le titre du carnet et le numéro de page (champ PAGE)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraphe = section.footer.paragraphs[0]
    run = paragraphe.add_run(f"{texte} · page ")
    run.font.size = Pt(8)
    for type_, contenu in (("begin", None), ("instr", " PAGE "), ("separate", None), ("end", None)):
        r = paragraphe.add_run()
        r.font.size = Pt(8)
        if type_ == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = contenu
            r._r.append(instruction)
        else:
            champ = OxmlElement("w:fldChar")
            champ.set(qn("w:fldCharType"), type_)
            r._r.append(champ)
            if type_ == "separate":
                r2 = OxmlElement("w:t")
                r2.text = "1"
                r._r.append(r2)


# -- PDF ----------------------------------------------------------------------------------------------------


def _polices() -> dict[str, Path]:
    dossier = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {
        "": dossier / "DejaVuSans.ttf",
        "B": dossier / "DejaVuSans-Bold.ttf",
        "I": dossier / "DejaVuSans-Oblique.ttf",
        "BI": dossier / "DejaVuSans-BoldOblique.ttf",
    }


HAUTEUR_TITRE = 13.5  # mm : un titre de niveau 1 et ses espaces, dans le PDF
LIGNES_FIN_MIN_MM = 40.0  # la dernière page d'un carnet porte au moins cette hauteur de texte


def ecrire_pdf(c: Carnet, destination: Path) -> Path:
    """Le carnet en PDF (A4), cartes vectorielles, écrit d'un coup ; renvoie ``destination``."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class Document(FPDF):
        def footer(self):
            self.set_y(-12)
            self.set_font("DejaVu", "", 7.5)
            self.set_text_color(110)
            self.cell(0, 5, f"{c.titre} · {c.atelier.nom}", align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"page {self.page_no()} / {{nb}}", align="R")

    def composer(couper_avant: int | None = None):
        """Le document ; ``couper_avant`` : le rang d'un titre à mettre en haut d'une nouvelle page."""
        titres: list[int] = []  # la page de chaque titre, dans l'ordre
        pdf = Document(orientation="P", unit="mm", format="A4")
        pdf.set_margins(20, 18, 20)
        pdf.set_auto_page_break(True, margin=18)
        for style, chemin in _polices().items():
            pdf.add_font("DejaVu", style, str(chemin))
        pdf.set_lang("fr-FR")
        pdf.set_title(c.titre)
        pdf.set_subject(c.atelier.nom)
        pdf.set_author("Esquisse")
        pdf.set_creator("Esquisse")
        pdf.alias_nb_pages()
        pdf.add_page()

        def reste() -> float:
            return pdf.h - pdf.b_margin - pdf.get_y()

        def titre(texte: str, niveau: int, suite: float | None = None) -> None:
            """``suite`` : la hauteur de ce qui suit, gardé avec le titre (sinon : au moins quelques lignes)."""
            taille = {0: 19, 1: 14, 2: 11.5}[niveau]
            titres.append(pdf.page_no())
            if niveau and (
                reste() < (27 if suite is None else HAUTEUR_TITRE + suite) or len(titres) - 1 == couper_avant
            ):
                pdf.add_page()
            pdf.ln(2 if niveau == 2 else 4)
            if niveau:
                pdf.start_section(texte, level=niveau - 1)
            pdf.set_font("DejaVu", "B", taille)
            pdf.set_text_color(*((31, 56, 100) if niveau else (20, 20, 20)))
            pdf.multi_cell(0, taille * 0.5, texte, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
            pdf.ln(1.5)

        def hauteur(texte: str, style: str = "", taille: float = 10) -> float:
            pdf.set_font("DejaVu", style, taille)
            return len(pdf.multi_cell(0, taille * 0.48, texte, dry_run=True, output="LINES")) * taille * 0.48 + 1.2

        def paragraphe(texte: str, style: str = "", taille: float = 10, couleur: int = 0) -> None:
            pdf.set_font("DejaVu", style, taille)
            pdf.set_text_color(couleur)
            pdf.multi_cell(0, taille * 0.48, texte, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
            pdf.ln(1.2)

        def liste(elements: tuple[str, ...] | list[str], vide: str = "", retrait: float = 4) -> None:
            if not elements and vide:
                paragraphe(vide, "I")
            pdf.set_font("DejaVu", "", 10)
            largeur = pdf.epw - retrait - 4
            for e in elements:
                # Un élément ne se coupe pas d'une page à l'autre : pas de ligne orpheline en haut de page.
                lignes = pdf.multi_cell(largeur, 4.8, e, dry_run=True, output="LINES")
                if len(lignes) * 4.8 <= pdf.h - pdf.t_margin - pdf.b_margin and len(lignes) * 4.8 > reste():
                    pdf.add_page()
                    pdf.set_font("DejaVu", "", 10)
                pdf.set_x(pdf.l_margin + retrait)
                pdf.cell(4, 4.8, "•")
                pdf.multi_cell(0, 4.8, e, align="L", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(0.8)

        titre(c.titre, 0)
        paragraphe(c.sous_titre, couleur=85)
        paragraphe(c.mention, "I", 9, 85)

        titre("Contexte", 1)
        if c.atelier.description:
            paragraphe(c.atelier.description)
        for ligne in contexte(c):
            paragraphe(ligne)
        titre(RUBRIQUES["participants"], 2)
        liste(c.releve.participants, "Non renseignés.")

        titre("Relevé de la séance", 1)
        paragraphe(releve_texte(c), "I", 9, 85)
        for cle in ("points_accord", "points_a_approfondir", "prochaines_etapes"):
            titre(RUBRIQUES[cle], 2)
            liste(getattr(c.releve, cle), "Aucun.")

        # Chaque hypothèse commence une page : sa carte et le début de son tableau restent ensemble.
        if c.parties:
            pdf.add_page()
        titre("Hypothèses", 1)
        if not c.parties:
            paragraphe("Aucune hypothèse pour cette séance.")
        for k, p in enumerate(c.parties):
            if k:
                pdf.add_page()
            titre(f"{p.hypothese.titre} — {p.hypothese.libelle_statut}", 2)
            if p.hypothese.description:
                paragraphe(p.hypothese.description)
            paragraphe(version_texte(p), "I", 9, 85)
            if p.choix is None:
                continue
            pdf.image(io.BytesIO(p.svg), x=pdf.l_margin, w=170)
            paragraphe(
                f"Carte de l'hypothèse « {p.hypothese.titre} » : les numéros renvoient au tableau.", "I", 7.5, 85
            )
            lignes = lignes_tableau(p.tableau)
            if not lignes:
                paragraphe("Cette version ne contient aucune esquisse.")
                continue
            pdf.set_font("DejaVu", "", 7.5)
            entete = FontFace(emphasis="BOLD", fill_color=(232, 232, 232))
            with pdf.table(
                col_widths=LARGEURS_MM,
                headings_style=entete,
                line_height=3.6,
                text_align="LEFT",
                borders_layout="HORIZONTAL_LINES",
                repeat_headings=1,
                padding=(0.7, 1.0),
            ) as table:
                table.row(COLONNES)
                for valeurs in lignes:
                    table.row(valeurs)
            pdf.ln(3)

        # Les sources des cartes, juste après elles : plutôt un corps plus petit qu'une page presque vide.
        sources = sources_texte(c.atelier, ["communes", "epci", "perimetre"])
        taille = next((t for t in (9, 8, 7) if HAUTEUR_TITRE + hauteur(sources, "", t) <= reste()), 9)
        titre("Sources", 1, suite=hauteur(sources, "", taille))
        paragraphe(sources, taille=taille)

        titre("Évolutions depuis la séance précédente", 1)
        paragraphe(precedente_texte(c))
        for p in c.parties:
            intro, elements = evolution_textes(c, p)
            paragraphe(intro, "B" if elements else "")
            liste(elements, retrait=6)
        if texte := non_reprises_texte(c):
            paragraphe(texte)

        if c.feuille.orientations:
            titre("Feuille de route", 1)
            paragraphe(feuille_texte(c), "I", 9, 85)
            for o in c.feuille.orientations:
                titre(o.titre, 2)
                if o.description:
                    paragraphe(o.description)
                liste([fdr.texte_action(a, c.esquisses_feuille) for a in o.actions], "Aucune action.")

        return pdf, titres

    pdf, titres = composer()
    # Pas de dernière page presque vide (quelques lignes orphelines) : le dernier titre de la
    # page précédente passe alors en haut de la dernière page, avec tout ce qui le suit.
    if pdf.page_no() > 1 and pdf.get_y() - pdf.t_margin < LIGNES_FIN_MIN_MM:
        avant = [k for k, page in enumerate(titres) if page == pdf.page_no() - 1 and k > 0]
        if avant:
            pdf, _ = composer(avant[-1])
    with remplacer_par_temporaire(destination) as temporaire:
        pdf.output(str(temporaire))
    return destination


# -- export ------------------------------------------------------------------------------------------------


def nom_carnet(atelier: Atelier, s: Seance, format: str) -> str:
    return f"carnet-de-suivi_{atelier.id}_{s.id}.{format}"


def exporter_carnet(
    atelier: Atelier,
    seance_id: str,
    formats: tuple[str, ...],
    dossier: Path,
    progression: Progression | None = None,
    prepare_par: str = "",
) -> dict[str, Path]:
    """Prépare le carnet de la séance et l'écrit dans chacun des ``formats`` ; renvoie les fichiers.

    ``prepare_par`` : la personne qui l'exporte, nommée dans le document."""
    if not formats:
        raise DonneeInvalide(f"Choisissez au moins un format de carnet : {', '.join(FORMATS_CARNET)}.")
    inconnus = [f for f in formats if f not in FORMATS_CARNET]
    if inconnus:
        raise DonneeInvalide(
            f"Format(s) de carnet inconnu(s) : {', '.join(inconnus)}. Formats admis : {', '.join(FORMATS_CARNET)}."
        )
    avancer = progression or (lambda _p, _m: None)
    carnet = preparer_carnet(atelier, seance_id, lambda part, message: avancer(part * 0.8, message))
    carnet.prepare_par = " ".join(prepare_par.split())
    fichiers = {}
    for k, format in enumerate(formats):
        avancer(0.8 + 0.2 * k / len(formats), f"Écriture du carnet {format.upper()}…")
        ecrire = ecrire_docx if format == "docx" else ecrire_pdf
        fichiers[format] = ecrire(carnet, dossier / nom_carnet(atelier, carnet.seance, format))
    avancer(1.0, "Carnet prêt.")
    return fichiers
