"""Publier l'atelier : un site statique, autonome et hors ligne, de ce qui a été partagé.

Le site est un dossier (ou un zip) qui s'ouvre depuis une clé USB (``file://``) ou n'importe
quel serveur web, sans réseau ni application derrière : ``index.html`` et une page par séance,
la feuille de route et la comparaison des sites ; Leaflet et le code des cartes y sont copiés,
et les données sont des fichiers JavaScript qui affectent une variable globale (un navigateur
refuse ``fetch()`` en ``file://``).

**Ce qui est publié : ce que le cercle large peut voir.** Seules les hypothèses retenues ou
marquées « partagées » (:attr:`esquisse.atelier.seances.Hypothese.publiable`) sont lues ; les autres,
les brouillons, les relevés de séance et les coordonnées des membres ne le sont jamais. Le
commentaire d'une esquisse est public : il s'affiche déjà sur la carte projetée en séance.

Tout est rangé de façon stable (clés triées, ordre des séances et de la légende) et rien n'est
daté sauf la publication elle-même, dont la date vient du contenu ou de l'appelant : publier
deux fois le même contenu donne les mêmes octets. Le site est écrit à part, puis renommé d'un
coup : jamais de site à moitié écrit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jinja2

from esquisse.analyse.annotations import mesure, references, tableau
from esquisse.analyse.attribution import fiches, referentiel
from esquisse.analyse.comparaison import comparer_etats
from esquisse.analyse.etats import Choix, hypothese_finale, lire_etat
from esquisse.analyse.sites import comparer_sites
from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.feuille_de_route import carte as carte_feuille
from esquisse.atelier.feuille_de_route import hypothese_de_reference
from esquisse.atelier.feuille_de_route import lire as lire_feuille
from esquisse.atelier.seances import Hypothese, Seance, lister_hypotheses, lister_seances
from esquisse.carte.affichage import DOSSIER_STATIQUE, lire_affichage
from esquisse.carte.construction import parametres_atelier
from esquisse.carte.lecture import donnees_esquisses
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue
from esquisse.noyau.dates import date_fr
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.noyau.fichiers import PREFIXE_TEMPORAIRE, remplacer_par_temporaire
from esquisse.noyau.texte import exemples
from esquisse.referentiel.couches import AVERTISSEMENT_SCOT

Progression = Callable[[float, str], None]

FORMAT = 1
MANIFESTE = "esquisse-publication.json"
GABARITS = Path(__file__).resolve().parent / "gabarits" / "publication"
# Fichiers copiés tels quels dans le site : Leaflet (registre npm, voir le Makefile) et le code
# des cartes d'Esquisse, le même que dans l'application (styles des catégories, lecture seule).
COPIES = {
    "vendor/leaflet/leaflet.js": DOSSIER_STATIQUE / "vendor" / "leaflet" / "leaflet.js",
    "vendor/leaflet/leaflet.css": DOSSIER_STATIQUE / "vendor" / "leaflet" / "leaflet.css",
    "vendor/leaflet/LICENSE": DOSSIER_STATIQUE / "vendor" / "leaflet" / "LICENSE",
    "esquisse/carte.js": DOSSIER_STATIQUE / "esquisse" / "carte.js",
    "esquisse/carte.css": DOSSIER_STATIQUE / "esquisse" / "carte.css",
    "esquisse/lecture.js": DOSSIER_STATIQUE / "esquisse" / "lecture.js",
    "esquisse/lecture.css": DOSSIER_STATIQUE / "esquisse" / "lecture.css",
    "esquisse/publication.js": DOSSIER_STATIQUE / "esquisse" / "publication.js",
    "esquisse/publication.css": DOSSIER_STATIQUE / "esquisse" / "publication.css",
}
COUCHES_PUBLIEES = ("communes", "epci", "perimetre")
COMMUNES_CITEES = 12
SOURCES_LOGICIELS = (
    "Cartes : Leaflet 1.9 (licence BSD à 2 clauses, texte dans vendor/leaflet/LICENSE), copié dans ce site ; "
    "aucun fond de carte en ligne.",
    "Site produit par Esquisse, logiciel libre d'atelier des territoires.",
)


def _rien(_part: float, _message: str) -> None:
    return None


# -- ce que l'on publie --------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneAnnotation:
    n: int
    categorie: Categorie
    titre: str
    commentaire: str
    mesure: str
    communes: str
    n_communes: int
    epci: str


@dataclass(frozen=True)
class HypothesePubliee:
    hypothese: Hypothese
    numero: int
    le: str  # date (AAAA-MM-JJ) de la version publiée
    lignes: tuple[LigneAnnotation, ...]
    categories: tuple[Categorie, ...]  # les catégories employées, dans l'ordre de la légende
    carte: dict  # données de lecture.js (esquisses, légende, fiches)

    @property
    def ancre(self) -> str:
        return f"hypothese-{self.hypothese.id}"


@dataclass(frozen=True)
class Changement:
    """Ce qui a changé entre l'état publié de la séance précédente et celui de cette séance."""

    depuis: Seance
    avant: str  # titre de l'hypothèse publiée de la séance précédente
    apres: str
    resume: str
    differences: tuple[dict, ...]
    evolutions: tuple[dict, ...]
    carte: dict


@dataclass(frozen=True)
class SeancePubliee:
    seance: Seance
    hypotheses: tuple[HypothesePubliee, ...] = ()
    changement: Changement | None = None

    @property
    def page(self) -> str:
        return f"seance-{self.seance.id}.html" if self.hypotheses else ""


@dataclass(frozen=True)
class ActionPubliee:
    orientation: str
    titre: str
    description: str
    statut: str
    phasage: str
    porteurs: tuple[str, ...]
    outils: tuple[str, ...]
    esquisses: tuple[tuple[str, str], ...]  # (identifiant, titre) des esquisses liées publiées


@dataclass(frozen=True)
class FeuillePubliee:
    orientations: tuple[tuple[str, str, tuple[ActionPubliee, ...]], ...]  # (titre, description, actions)
    reference: str  # « titre de l'hypothèse (séance) », vide si elle n'est pas publiée
    carte: dict | None
    categories: tuple[Categorie, ...] = ()


@dataclass(frozen=True)
class SitePublie:
    nom: str
    region: str
    vignette: str  # SVG produit par esquisse.analyse.sites (aucun texte saisi)
    hypothese: str


@dataclass(frozen=True)
class ComparaisonPubliee:
    theme: str
    sites: tuple[SitePublie, ...]
    indicateurs: tuple[tuple[str, tuple[str, ...]], ...]  # (indicateur, valeur par site)


@dataclass(frozen=True)
class Publication:
    atelier: Atelier
    date: str  # AAAA-MM-JJ
    participants: tuple[tuple[str, tuple[str, ...]], ...]  # (structure, noms)
    seances: tuple[SeancePubliee, ...]
    territoire: dict  # emprise et nom du territoire de projet, chiffres
    couches: dict  # couches de référence allégées, embarquées dans donnees/couches.js
    feuille: FeuillePubliee | None
    sites: ComparaisonPubliee | None
    sources: tuple[str, ...] = field(default=())


def _date_iso(texte: str) -> str:
    return str(texte or "")[:10]


def verifier_date(texte: str) -> str:
    """« AAAA-MM-JJ » contrôlée, ou :class:`DonneeInvalide` en français."""
    try:
        return date.fromisoformat(str(texte)).isoformat()
    except ValueError:
        raise DonneeInvalide(f"Date de publication invalide : « {texte} » (attendu : AAAA-MM-JJ).") from None


def _etat_publie(s: Seance) -> Hypothese | None:
    """L'hypothèse qui représente la séance au cercle large : son état final s'il est publié
    (l'hypothèse retenue), sinon la dernière hypothèse partagée qui a des esquisses."""
    h, _ = hypothese_finale(s)
    if h is not None and h.publiable and h.depot().numero_courant():
        return h
    partagees = [x for x in lister_hypotheses(s) if x.publiable and x.depot().numero_courant()]
    return partagees[-1] if partagees else None


def _categories(legende: tuple[Categorie, ...], entites) -> tuple[Categorie, ...]:
    employees = {e["properties"].get("categorie") for e in entites}
    connues = [c for c in legende if c.id in employees]
    inconnues = sorted(employees - {c.id for c in legende}, key=str)
    return tuple(connues) + tuple(categorie_ou_inconnue(legende, i) for i in inconnues)


def _hypothese_publiee(atelier: Atelier, h: Hypothese, ref, refs) -> HypothesePubliee:
    depot = h.depot(atelier.id)
    numero = depot.numero_courant()
    version = depot.lire(numero)
    tab = tableau(version, atelier.legende, refs)
    categories = tab.attrs["categories"]
    lignes = tuple(
        LigneAnnotation(
            int(ligne["n"]),
            categories[ligne["categorie"]],
            ligne["titre"],
            ligne["commentaire"],
            mesure(ligne),
            exemples(ligne["communes"].split(", "), COMMUNES_CITEES) if ligne["communes"] else "—",
            int(ligne["n_communes"]),
            ligne["epci"] or "—",
        )
        for _, ligne in tab.iterrows()
    )
    numeros = dict(zip(tab["id"], tab["n"].astype(int), strict=True))
    carte = donnees_esquisses("", version.entites, atelier.legende, fiches(ref, version.entites, atelier.legende))
    for f in carte["entites"]:
        f["properties"]["n"] = int(numeros[f["id"]])
    return HypothesePubliee(
        h, numero, _date_iso(version.meta.le), lignes, _categories(atelier.legende, version.entites), carte
    )


def _changement(atelier: Atelier, avant: tuple[Seance, Hypothese], apres: tuple[Seance, Hypothese], ref) -> Changement:
    a = lire_etat(atelier, Choix(avant[0].id, avant[1].id))
    b = lire_etat(atelier, Choix(apres[0].id, apres[1].id))
    c = comparer_etats(a, b, ref, atelier.legende)
    carte = c.carte_differences()
    carte["titre"] = ""
    return Changement(
        avant[0],
        avant[1].titre,
        apres[1].titre,
        c.resume,
        tuple(c.tableau_differences().to_dict("records")),
        tuple(c.tableau_evolutions().to_dict("records")),
        carte,
    )


def _participants(atelier: Atelier) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Noms par structure (jamais d'adresse ni de téléphone : l'atelier n'en publie aucun)."""
    par_structure: dict[str, list[str]] = {}
    for p in atelier.participants:
        par_structure.setdefault(p.structure or "Sans structure indiquée", []).append(p.nom)
    return tuple(
        (structure, tuple(sorted(noms, key=str.casefold)))
        for structure, noms in sorted(par_structure.items(), key=lambda x: x[0].casefold())
    )


def _couches(atelier: Atelier, dossier_cache: Path) -> tuple[dict, tuple[float, float, float, float]]:
    """Les couches de référence telles que l'application les prépare pour le navigateur (allégées,
    simplifiées selon leur étendue), sans leur niveau de détail : le site reste léger."""
    p = parametres_atelier(atelier, dossier_cache)
    couches = {}
    for c in p.couches:
        if c.id not in COUCHES_PUBLIEES:
            continue
        donnees = lire_affichage(DOSSIER_STATIQUE / c.chemin)
        for f in donnees["features"]:
            f["properties"].pop("_etiquette", None)  # les noms des communes ne sont pas affichés sur le site
        couches[c.id] = {
            "nom": c.presentation.nom,
            "style": c.presentation.style,
            "champs": [{"nom": ch.nom, "libelle": ch.libelle, "format": ch.format} for ch in c.presentation.champs],
            "donnees": donnees,
        }
    return couches, p.emprise


def _feuille(atelier: Atelier) -> FeuillePubliee | None:
    f = lire_feuille(atelier.dossier)
    if not f.orientations:
        return None
    h = hypothese_de_reference(atelier.dossier, f)
    titres: dict[str, str] = {}
    carte = None
    reference = ""
    categories: tuple[Categorie, ...] = ()
    if h is not None and h.publiable and h.depot().numero_courant():
        liees = carte_feuille(h, f)
        depot = h.depot(atelier.id)
        version = depot.lire(depot.numero_courant())
        titres = {e["id"]: e["properties"].get("titre") or "" for e in version.entites}
        ids = {e["id"] for e in liees.version.entites} if liees.version else set()
        carte = donnees_esquisses("", version.entites, atelier.legende, liees.fiches, accents=ids)
        categories = _categories(atelier.legende, version.entites)
        reference = h.titre
    orientations = tuple(
        (
            o.titre,
            o.description,
            tuple(
                ActionPubliee(
                    o.titre,
                    a.titre,
                    a.description,
                    a.libelle_statut,
                    a.libelle_phasage,
                    a.porteurs,
                    a.outils,
                    tuple((i, titres[i] or "(sans titre)") for i in a.entites if i in titres),
                )
                for a in o.actions
            ),
        )
        for o in f.orientations
    )
    return FeuillePubliee(orientations, reference, carte, categories)


def _sites(atelier: Atelier, dossier_projets: Path) -> ComparaisonPubliee | None:
    """Les sites du même thème (l'hypothèse retenue de chacun : publiable par définition)."""
    if not atelier.theme.strip():
        return None
    comparaison = comparer_sites(dossier_projets, atelier.theme)
    if len(comparaison.sites) < 2:
        return None
    tab = comparaison.tableau()
    sites = tuple(
        SitePublie(
            s.atelier.nom,
            s.atelier.region,
            s.vignette,
            f"{s.hypothese.titre} ({s.seance.libelle})" if s.hypothese and s.seance else "aucune hypothèse retenue",
        )
        for s in comparaison.sites
    )
    indicateurs = tuple(
        (str(nom), tuple(str(v) for v in ligne)) for nom, ligne in zip(tab.index, tab.values.tolist(), strict=True)
    )
    return ComparaisonPubliee(comparaison.theme, sites, indicateurs)


def rassembler(
    atelier: Atelier,
    dossier_projets: Path,
    dossier_cache: Path,
    date_publication: str | None = None,
    progression: Progression | None = None,
) -> Publication:
    """Tout ce que le site publie, lu par les fonctions du domaine ; rien n'est écrit (sauf les
    couches préparées pour l'affichage, dans le cache de l'application)."""
    avancer = progression or _rien
    jour_demande = verifier_date(date_publication) if date_publication else ""
    if not atelier.couches:
        raise DonneeInvalide(
            f"L'atelier « {atelier.nom} » n'a aucune couche de référence : ajoutez-en (page Couches) avant de le "
            "publier, ses cartes et ses tableaux en ont besoin."
        )
    avancer(0.02, "Couches de référence…")
    couches, emprise = _couches(atelier, dossier_cache)
    ref = referentiel(atelier)
    refs = references(atelier)
    seances = lister_seances(atelier.dossier)
    publiees: list[SeancePubliee] = []
    precedent: tuple[Seance, Hypothese] | None = None
    dates = []
    for k, s in enumerate(seances):
        avancer(0.1 + 0.6 * k / max(len(seances), 1), f"Séance « {s.titre} »…")
        hyps = [h for h in lister_hypotheses(s) if h.publiable and h.depot().numero_courant()]
        hyps_publiees = tuple(_hypothese_publiee(atelier, h, ref, refs) for h in hyps)
        dates += [h.le for h in hyps_publiees]
        changement = None
        etat = _etat_publie(s)
        if etat is not None:
            if precedent is not None:
                changement = _changement(atelier, precedent, (s, etat), ref)
            precedent = (s, etat)
        publiees.append(SeancePubliee(s, hyps_publiees, changement))
    avancer(0.75, "Feuille de route…")
    feuille = _feuille(atelier)
    modifiee = lire_feuille(atelier.dossier).modifie_le
    if feuille is not None and modifiee:
        dates.append(_date_iso(modifiee))
    avancer(0.8, "Comparaison des sites…")
    sites = _sites(atelier, dossier_projets)
    if jour_demande:
        jour = jour_demande
    else:
        jour = max((d for d in dates if d), default="")
        if not jour:
            raise DonneeInvalide(
                f"L'atelier « {atelier.nom} » n'a encore rien de publié qui soit daté (aucune hypothèse retenue ou "
                "partagée enregistrée) : indiquez la date de publication."
            )
        jour = verifier_date(jour)
    p = atelier.perimetre
    territoire = {
        "emprise": [round(v, 5) for v in emprise],
        "nom": p.nom if p else "",
        "n_communes": len(p.communes) if p else 0,
    }
    sources = tuple(atelier.sources) + ((AVERTISSEMENT_SCOT,) if "scot" in atelier.couches else ()) + SOURCES_LOGICIELS
    return Publication(
        atelier,
        jour,
        _participants(atelier),
        tuple(publiees),
        territoire,
        couches,
        feuille,
        sites,
        sources,
    )


# -- écriture du site ----------------------------------------------------------------------------


def _environnement() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(GABARITS),
        autoescape=True,  # tout texte saisi est échappé ; seules les vignettes SVG du domaine sont marquées sûres
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_fr"] = date_fr
    return env


def _script_donnees(nom: str, donnees) -> bytes:
    """``window.<nom> = {...};`` : des données lisibles en ``file://`` (où ``fetch`` est refusé).

    Clés triées pour des octets stables ; ``<`` écrit ``\\u003c`` pour qu'aucun texte ne puisse
    fermer une balise si le fichier était un jour incorporé à une page.
    """
    texte = json.dumps(donnees, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    texte = texte.replace("<", "\\u003c")
    return f"window.{nom} = {texte};\n".encode()


def _pages(pub: Publication) -> list[tuple[str, str, str]]:
    """(fichier, titre de navigation, gabarit) de chaque page du site."""
    pages = [("index.html", "L'atelier", "index.html")]
    pages += [(s.page, s.seance.titre, "seance.html") for s in pub.seances if s.page]
    if pub.feuille:
        pages.append(("feuille-de-route.html", "Feuille de route", "feuille.html"))
    if pub.sites:
        pages.append(("sites.html", "Comparer les sites", "sites.html"))
    return pages


def _cartes(pub: Publication, gabarit: str, sp: SeancePubliee | None) -> dict[str, dict | None]:
    """Les cartes d'une page (identifiant → esquisses à dessiner, ``None`` : le territoire seul)."""
    if gabarit == "index.html":
        return {"carte-territoire": None}
    if gabarit == "seance.html" and sp is not None:
        cartes: dict[str, dict | None] = {f"carte-{hp.hypothese.id}": hp.carte for hp in sp.hypotheses}
        if sp.changement is not None:
            cartes["carte-changement"] = sp.changement.carte
        return cartes
    if gabarit == "feuille.html" and pub.feuille and pub.feuille.carte:
        return {"carte-feuille": pub.feuille.carte}
    return {}


def fichiers_site(pub: Publication) -> dict[str, bytes]:
    """Le contenu de chaque fichier du site (chemin relatif → octets), manifeste compris."""
    env = _environnement()
    pages = _pages(pub)
    navigation = [(f, t) for f, t, _ in pages]
    fichiers: dict[str, bytes] = {}
    for relatif, source in COPIES.items():
        fichiers[relatif] = source.read_bytes()
    images = DOSSIER_STATIQUE / "vendor" / "leaflet" / "images"
    for image in sorted(images.glob("*.png")):
        fichiers[f"vendor/leaflet/images/{image.name}"] = image.read_bytes()
    fichiers["donnees/couches.js"] = _script_donnees("ESQUISSE_COUCHES", pub.couches)
    commun = {"pub": pub, "atelier": pub.atelier, "navigation": navigation}
    for fichier, titre, gabarit in pages:
        sp = next((s for s in pub.seances if s.page == fichier), None)
        donnees = f"donnees/{fichier.removesuffix('.html')}.js"
        contexte = {**commun, "page": fichier, "titre_page": titre, "sp": sp, "script_donnees": donnees}
        fichiers[fichier] = env.get_template(gabarit).render(contexte).encode("utf-8")
        cartes = _cartes(pub, gabarit, sp)
        fichiers[donnees] = _script_donnees("ESQUISSE_PAGE", {"cartes": cartes, "territoire": pub.territoire})
    manifeste = {
        "format": FORMAT,
        "atelier": pub.atelier.id,
        "nom": pub.atelier.nom,
        "date_publication": pub.date,
        "fichiers": {c: hashlib.sha256(o).hexdigest() for c, o in sorted(fichiers.items())},
    }
    fichiers[MANIFESTE] = (json.dumps(manifeste, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    return fichiers


def publication_de(dossier: Path) -> str | None:
    """L'identifiant de l'atelier publié dans ``dossier``, ou ``None`` si ce n'est pas une publication d'Esquisse."""
    try:
        donnees = json.loads((dossier / MANIFESTE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(donnees, dict) or donnees.get("format") != FORMAT or "fichiers" not in donnees:
        return None
    return str(donnees.get("atelier") or "")


def _verifier_cible(cible: Path, atelier: str) -> None:
    """Un dossier absent ou vide, ou une publication précédente du même atelier (remplacée) ; sinon refus."""
    if cible.exists() and not cible.is_dir():
        raise DonneeInvalide(f"« {cible} » existe et n'est pas un dossier : choisissez un autre emplacement.")
    if not cible.is_dir() or not any(cible.iterdir()):
        return
    publie = publication_de(cible)
    if publie is None:
        raise DonneeInvalide(
            f"Le dossier « {cible} » n'est pas vide et ne contient pas une publication d'Esquisse : "
            "il n'est pas remplacé. Choisissez un dossier vide ou nouveau, ou celui d'une publication précédente "
            "de cet atelier (qui, elle, est remplacée d'un coup)."
        )
    if publie != atelier:
        raise DonneeInvalide(
            f"Le dossier « {cible} » contient la publication d'un autre atelier (« {publie} ») : "
            "il n'est pas remplacé. Choisissez un autre dossier."
        )


def _synchroniser(dossier: Path) -> None:
    fd = os.open(dossier, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ecrire_site(fichiers: dict[str, bytes], cible: Path, atelier: str) -> Path:
    """Écrit le site dans un dossier temporaire voisin, puis le met à la place de ``cible`` d'un coup.

    ``cible`` doit être absent, vide, ou une publication précédente de l'atelier ``atelier``
    (remplacée) ; tout autre dossier est refusé sans rien toucher.
    """
    cible = cible.resolve()
    _verifier_cible(cible, atelier)
    cible.parent.mkdir(parents=True, exist_ok=True)
    temporaire = Path(tempfile.mkdtemp(prefix=PREFIXE_TEMPORAIRE + "publication-", dir=cible.parent))
    ancien = None
    try:
        for relatif, contenu in sorted(fichiers.items()):
            chemin = temporaire / relatif
            chemin.parent.mkdir(parents=True, exist_ok=True)
            with open(chemin, "wb") as f:
                f.write(contenu)
                f.flush()
                os.fsync(f.fileno())
        temporaire.chmod(0o755)
        _verifier_cible(cible, atelier)  # encore vrai au moment de remplacer
        if cible.exists():
            if any(cible.iterdir()):
                ancien = Path(tempfile.mkdtemp(prefix=PREFIXE_TEMPORAIRE + "ancienne-", dir=cible.parent))
                os.rename(cible, ancien / "site")
            else:
                cible.rmdir()
        os.rename(temporaire, cible)
        _synchroniser(cible.parent)
    except BaseException:
        shutil.rmtree(temporaire, ignore_errors=True)
        if ancien is not None and (ancien / "site").exists() and not cible.exists():
            os.rename(ancien / "site", cible)
        raise
    finally:
        if ancien is not None:
            shutil.rmtree(ancien, ignore_errors=True)
    return cible


def ecrire_zip(fichiers: dict[str, bytes], destination: Path, racine: str) -> Path:
    """Le site en un zip reproductible (ordre, dates et droits fixes), sous ``racine/`` ; écrit à part puis renommé."""
    with (
        remplacer_par_temporaire(destination) as temporaire,
        zipfile.ZipFile(temporaire, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
    ):
        for relatif, contenu in sorted(fichiers.items()):
            info = zipfile.ZipInfo(f"{racine}/{relatif}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.create_system = 3
            zf.writestr(info, contenu)
    return destination


def publier(
    atelier: Atelier,
    dossier_projets: Path,
    dossier_cache: Path,
    cible: Path,
    date_publication: str | None = None,
    progression: Progression | None = None,
) -> Path:
    """Publie l'atelier dans le dossier ``cible`` (voir :func:`ecrire_site`) ; renvoie son chemin."""
    avancer = progression or _rien
    _verifier_cible(cible.resolve(), atelier.id)
    pub = rassembler(atelier, dossier_projets, dossier_cache, date_publication, avancer)
    avancer(0.9, "Écriture du site…")
    chemin = ecrire_site(fichiers_site(pub), cible, atelier.id)
    avancer(1.0, "Site publié.")
    return chemin


def publier_zip(
    atelier: Atelier,
    dossier_projets: Path,
    dossier_cache: Path,
    destination: Path,
    date_publication: str | None = None,
    progression: Progression | None = None,
) -> Path:
    """Publie l'atelier en un zip (à télécharger) : le site sous ``publication-<atelier>/``."""
    avancer = progression or _rien
    pub = rassembler(atelier, dossier_projets, dossier_cache, date_publication, avancer)
    avancer(0.9, "Écriture de l'archive…")
    chemin = ecrire_zip(fichiers_site(pub), destination, f"publication-{atelier.id}")
    avancer(1.0, "Site publié.")
    return chemin
