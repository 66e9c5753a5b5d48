"""Feuille de route d'un atelier : des orientations, et pour chacune des actions phasées.

Chaque action a un titre et une description, ses porteurs, son phasage (court, moyen ou long
terme, ou des dates), les outils et procédures qu'elle mobilise (PLUi, SCoT, contrat de
réciprocité…), un statut, et les esquisses de la carte auxquelles elle se rattache. Ces
esquisses sont désignées par leur identifiant dans une **hypothèse de référence**
(d'ordinaire l'hypothèse retenue) : les identifiants ne changent pas d'une version à
l'autre, ni quand l'hypothèse est reprise à la séance suivante.

Rangement : le document « feuille_de_route » de l'atelier, dans le magasin
(:mod:`esquisse.stockage.rangement`) : ``projets/<atelier>/feuille_de_route.json`` avec les
fichiers, une ligne de la base avec ``ESQUISSE_BASE``. Il est lu, validé et réécrit d'un seul
tenant. Chaque enregistrement incrémente une révision : un enregistrement fondé sur une
révision dépassée est refusé (:class:`~esquisse.noyau.erreurs.Concurrence`) plutôt que d'effacer
en silence le travail d'un autre poste.

Le tableau s'exporte en CSV (UTF-8, point-virgule, pour un tableur français) et en XLSX, et
se réimporte depuis ces deux formats.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import shapely
import shapely.geometry

from esquisse.atelier.seances import Hypothese, hypothese, lister_hypotheses, lister_seances, seance, slug
from esquisse.esquisses.geojson import verifier_id
from esquisse.esquisses.versions import Version, maintenant
from esquisse.noyau.dates import FUSEAU, date_fr, date_heure
from esquisse.noyau.erreurs import Concurrence, DonneeInvalide, SchemaInvalide
from esquisse.stockage.rangement import lire_document, modifier_document

GENRE = "feuille_de_route"
FICHIER = "feuille_de_route.json"  # sa place dans le dossier de l'atelier, avec le magasin de fichiers
FORMAT = 1

PHASAGES = {
    "court": "Court terme",
    "moyen": "Moyen terme",
    "long": "Long terme",
    "dates": "Dates précises",
}
STATUTS = {
    "a-engager": "À engager",
    "en-cours": "En cours",
    "realisee": "Réalisée",
    "suspendue": "Suspendue",
    "abandonnee": "Abandonnée",
}
STATUT_DEFAUT = "a-engager"
# Outils et procédures que l'on propose ; la liste reste libre.
OUTILS_SUGGERES = (
    "PLUi",
    "PLU",
    "SCoT",
    "Carte communale",
    "OAP",
    "Contrat de réciprocité",
    "CRTE (contrat pour la réussite de la transition écologique)",
    "Petites villes de demain",
    "ORT (opération de revitalisation de territoire)",
    "PAT (projet alimentaire territorial)",
    "PCAET",
    "PLH",
    "Plan de mobilité",
    "SAGE",
    "PPRI",
    "ZAP (zone agricole protégée)",
    "PAEN",
    "Atlas de la biodiversité communale",
    "Contrat de plan État-Région",
    "Fonds vert",
)
PORTEURS_SUGGERES = (
    "Communauté de communes",
    "Communes",
    "Département",
    "Région",
    "DDT",
    "DREAL",
    "Chambre d'agriculture",
    "SAFER",
    "Syndicat mixte du SCoT",
    "PETR",
)
MAX_ORIENTATIONS = 50
MAX_ACTIONS = 500
MAX_ELEMENTS = 30
LONGUEURS = {"titre": 200, "description": 4000, "element": 120}
SEPARATEUR = ";"
_ID_ORIENTATION = re.compile(r"^o[0-9]{1,6}$")
_ID_ACTION = re.compile(r"^a[0-9]{1,6}$")


@dataclass(frozen=True)
class Action:
    id: str
    titre: str
    description: str = ""
    entites: tuple[str, ...] = ()  # identifiants des esquisses liées (dans l'hypothèse de référence)
    porteurs: tuple[str, ...] = ()
    phasage: str = ""  # une clé de PHASAGES, ou « » (à préciser)
    debut: str = ""  # AAAA-MM-JJ
    fin: str = ""  # AAAA-MM-JJ
    outils: tuple[str, ...] = ()
    statut: str = STATUT_DEFAUT

    @property
    def libelle_phasage(self) -> str:
        if self.phasage == "dates" or (not self.phasage and self.debut):
            return periode_fr(self.debut, self.fin)
        texte = PHASAGES.get(self.phasage, "À préciser")
        if self.debut:
            texte += f" ({periode_fr(self.debut, self.fin)})"
        return texte

    @property
    def libelle_statut(self) -> str:
        return STATUTS.get(self.statut, self.statut)


@dataclass(frozen=True)
class Orientation:
    id: str
    titre: str
    description: str = ""
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Reference:
    """L'hypothèse dont les esquisses sont liées aux actions."""

    seance: str
    hypothese: str


@dataclass(frozen=True)
class FeuilleDeRoute:
    orientations: tuple[Orientation, ...] = ()
    reference: Reference | None = None
    revision: int = 0
    modifie_le: str = ""
    modifie_par: str = ""

    @property
    def actions(self) -> list[tuple[Orientation, Action]]:
        return [(o, a) for o in self.orientations for a in o.actions]

    def orientation(self, identifiant: str) -> Orientation | None:
        return next((o for o in self.orientations if o.id == identifiant), None)


# -- dates -------------------------------------------------------------------------------------


def periode_fr(debut: str, fin: str) -> str:
    if debut and fin:
        return f"du {date_fr(debut)} au {date_fr(fin)}"
    if debut:
        return f"à partir du {date_fr(debut)}"
    if fin:
        return f"jusqu'au {date_fr(fin)}"
    return ""


# -- validation --------------------------------------------------------------------------------


def _vide(valeur) -> bool:
    if valeur is None:
        return True
    if isinstance(valeur, float) and math.isnan(valeur):
        return True
    try:  # pandas.NA, pandas.NaT, numpy.nan… sans importer pandas ici
        if valeur != valeur:
            return True
    except (TypeError, ValueError):
        pass
    return type(valeur).__name__ in {"NAType", "NaTType"}


_CONTROLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _texte(valeur, champ: str, maximum: int, qui: str, obligatoire: bool = False) -> str:
    """Texte nettoyé : caractères de contrôle retirés (un tableur les refuse), fins de ligne unifiées ;
    espaces réduits à un seul, sauf dans une description (qui garde ses retours à la ligne)."""
    texte = "" if _vide(valeur) else str(valeur)
    texte = _CONTROLE.sub("", texte.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if champ != "description":
        texte = " ".join(texte.split())
    if obligatoire and not texte:
        raise DonneeInvalide(f"{qui} : le champ « {champ} » est obligatoire.")
    if len(texte) > maximum:
        raise DonneeInvalide(f"{qui} : le champ « {champ} » dépasse {maximum} caractères.")
    return texte


def _liste(valeur, champ: str, qui: str) -> tuple[str, ...]:
    """Une liste de textes : liste Python, tableau, ou texte séparé par des points-virgules."""
    if _vide(valeur):
        return ()
    if isinstance(valeur, str):
        elements = valeur.split(SEPARATEUR)
    else:
        try:
            elements = list(valeur)
        except TypeError:
            elements = [valeur]
    resultat: list[str] = []
    for brut in elements:
        if _vide(brut):
            continue
        texte = " ".join(_CONTROLE.sub("", str(brut)).split())
        if not texte:
            continue
        if SEPARATEUR in texte:
            raise DonneeInvalide(f"{qui} : « {texte} » ({champ}) ne peut pas contenir de point-virgule.")
        if len(texte) > LONGUEURS["element"]:
            raise DonneeInvalide(f"{qui} : « {texte[:40]}… » ({champ}) dépasse {LONGUEURS['element']} caractères.")
        if texte.casefold() not in {r.casefold() for r in resultat}:
            resultat.append(texte)
    if len(resultat) > MAX_ELEMENTS:
        raise DonneeInvalide(f"{qui} : trop d'éléments dans « {champ} » ({len(resultat)}, au plus {MAX_ELEMENTS}).")
    return tuple(resultat)


def _date(valeur, champ: str, qui: str) -> str:
    if _vide(valeur) or (isinstance(valeur, str) and not valeur.strip()):
        return ""
    if isinstance(valeur, datetime):
        return valeur.date().isoformat()
    if isinstance(valeur, date):
        return valeur.isoformat()
    if hasattr(valeur, "date") and callable(valeur.date):  # pandas.Timestamp
        return valeur.date().isoformat()
    texte = str(valeur).strip()
    for lire in (
        lambda t: date.fromisoformat(t[:10]),
        lambda t: datetime.strptime(t, "%d/%m/%Y").date(),
    ):
        try:
            return lire(texte).isoformat()
        except ValueError:
            continue
    raise DonneeInvalide(f"{qui} : date « {texte} » ({champ}) illisible ; formes admises : JJ/MM/AAAA ou AAAA-MM-JJ.")


def _choix(valeur, table: dict[str, str], champ: str, qui: str, defaut: str) -> str:
    """Une clé de ``table`` ; on accepte aussi son libellé, sans tenir compte des accents ni de la casse."""
    if _vide(valeur) or not str(valeur).strip():
        return defaut
    brut = str(valeur).strip()
    if brut in table:
        return brut
    for cle, libelle in table.items():
        if slug(brut) in {slug(cle), slug(libelle)}:
            return cle
    admis = ", ".join(table.values())
    raise DonneeInvalide(f"{qui} : {champ} « {brut} » inconnu ; valeurs admises : {admis}.")


def _entites(valeur, qui: str) -> tuple[str, ...]:
    ids = _liste(valeur, "esquisses liées", qui)
    for i in ids:
        try:
            verifier_id(i)
        except DonneeInvalide:
            raise DonneeInvalide(f"{qui} : identifiant d'esquisse invalide : « {i} ».") from None
    return ids


def valider_action(donnees: dict, identifiant: str) -> Action:
    titre_brut = donnees.get("titre")
    qui = f"Action « {str(titre_brut).strip()} »" if not _vide(titre_brut) and str(titre_brut).strip() else "Action"
    titre = _texte(titre_brut, "titre", LONGUEURS["titre"], qui, obligatoire=True)
    qui = f"Action « {titre} »"
    phasage = _choix(donnees.get("phasage"), PHASAGES, "phasage", qui, "")
    debut = _date(donnees.get("debut"), "début", qui)
    fin = _date(donnees.get("fin"), "fin", qui)
    if phasage == "dates" and not (debut or fin):
        raise DonneeInvalide(f"{qui} : phasage « Dates précises » sans date ; indiquez au moins le début ou la fin.")
    if not phasage and (debut or fin):
        phasage = "dates"
    if debut and fin and fin < debut:
        raise DonneeInvalide(f"{qui} : la fin ({date_fr(fin)}) précède le début ({date_fr(debut)}).")
    return Action(
        id=identifiant,
        titre=titre,
        description=_texte(donnees.get("description"), "description", LONGUEURS["description"], qui),
        entites=_entites(donnees.get("entites"), qui),
        porteurs=_liste(donnees.get("porteurs"), "porteurs", qui),
        phasage=phasage,
        debut=debut,
        fin=fin,
        outils=_liste(donnees.get("outils"), "outils et procédures", qui),
        statut=_choix(donnees.get("statut"), STATUTS, "statut", qui, STATUT_DEFAUT),
    )


def _verifier_ids(ids: list[str], motif: re.Pattern, quoi: str) -> None:
    vus: set[str] = set()
    for i in ids:
        if not motif.match(i):
            raise DonneeInvalide(f"Identifiant {quoi} invalide : « {i} ».")
        if i in vus:
            raise DonneeInvalide(f"Identifiant {quoi} en double : « {i} ».")
        vus.add(i)


def valider(donnees: dict) -> FeuilleDeRoute:
    """Une feuille de route valide depuis son contenu JSON ; lève ``DonneeInvalide`` sinon."""
    if not isinstance(donnees, dict):
        raise DonneeInvalide("La feuille de route doit être un objet JSON.")
    brutes = donnees.get("orientations") or []
    if not isinstance(brutes, list):
        raise DonneeInvalide("« orientations » doit être une liste.")
    if len(brutes) > MAX_ORIENTATIONS:
        raise DonneeInvalide(f"Trop d'orientations : {len(brutes)} (au plus {MAX_ORIENTATIONS}).")
    orientations = []
    titres: set[str] = set()
    for o in brutes:
        if not isinstance(o, dict):
            raise DonneeInvalide("Chaque orientation doit être un objet JSON.")
        titre = _texte(o.get("titre"), "titre", LONGUEURS["titre"], "Orientation", obligatoire=True)
        qui = f"Orientation « {titre} »"
        if titre.casefold() in titres:
            raise DonneeInvalide(f"Deux orientations portent le même titre : « {titre} ».")
        titres.add(titre.casefold())
        actions_brutes = o.get("actions") or []
        if not isinstance(actions_brutes, list):
            raise DonneeInvalide(f"{qui} : « actions » doit être une liste.")
        actions = tuple(valider_action(a, str(a.get("id") or "")) for a in actions_brutes if isinstance(a, dict))
        if len(actions) != len(actions_brutes):
            raise DonneeInvalide(f"{qui} : chaque action doit être un objet JSON.")
        description = _texte(o.get("description"), "description", LONGUEURS["description"], qui)
        orientations.append(Orientation(str(o.get("id") or ""), titre, description, actions))
    _verifier_ids([o.id for o in orientations], _ID_ORIENTATION, "d'orientation")
    toutes = [a for o in orientations for a in o.actions]
    if len(toutes) > MAX_ACTIONS:
        raise DonneeInvalide(f"Trop d'actions : {len(toutes)} (au plus {MAX_ACTIONS}).")
    _verifier_ids([a.id for a in toutes], _ID_ACTION, "d'action")
    reference = None
    if donnees.get("reference"):
        r = donnees["reference"]
        if not isinstance(r, dict) or not r.get("seance") or not r.get("hypothese"):
            raise DonneeInvalide("La référence doit désigner une séance et une hypothèse.")
        reference = Reference(str(r["seance"]), str(r["hypothese"]))
    revision = donnees.get("revision", 0)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise DonneeInvalide(f"Révision invalide : « {revision} ».")
    return FeuilleDeRoute(
        tuple(orientations),
        reference,
        revision,
        str(donnees.get("modifie_le") or ""),
        str(donnees.get("modifie_par") or ""),
    )


def vers_json(f: FeuilleDeRoute) -> dict:
    def action(a: Action) -> dict:
        d = {"id": a.id, "titre": a.titre}
        for cle in ("description", "phasage", "debut", "fin"):
            if getattr(a, cle):
                d[cle] = getattr(a, cle)
        for cle in ("entites", "porteurs", "outils"):
            if getattr(a, cle):
                d[cle] = list(getattr(a, cle))
        d["statut"] = a.statut
        return d

    return {
        "format": FORMAT,
        "revision": f.revision,
        "modifie_le": f.modifie_le,
        "modifie_par": f.modifie_par,
        "reference": {"seance": f.reference.seance, "hypothese": f.reference.hypothese} if f.reference else None,
        "orientations": [
            {"id": o.id, "titre": o.titre, "description": o.description, "actions": [action(a) for a in o.actions]}
            for o in f.orientations
        ],
    }


# -- lecture, enregistrement -------------------------------------------------------------------


def lire(dossier_atelier: Path) -> FeuilleDeRoute:
    """La feuille de route de l'atelier ; vide si elle n'existe pas encore."""
    document = lire_document(dossier_atelier, GENRE)
    return FeuilleDeRoute() if document is None else _lue(dossier_atelier, document.contenu)


def _lue(dossier_atelier: Path, donnees) -> FeuilleDeRoute:
    try:
        return valider(donnees)
    except DonneeInvalide as exc:
        raise SchemaInvalide(f"Feuille de route de « {dossier_atelier.name} » : {exc}") from exc


def enregistrer(
    dossier_atelier: Path, feuille: FeuilleDeRoute, auteur: str = "", revision: int | None = None
) -> FeuilleDeRoute:
    """Écrit ``feuille`` (validée) d'un seul tenant et renvoie la version enregistrée.

    ``revision`` est la révision d'où part la modification : si quelqu'un a enregistré entre-temps,
    rien n'est écrit et :class:`Concurrence` est levée.
    """
    auteur = " ".join(str(auteur or "").split())[:100]
    enregistree: list[FeuilleDeRoute] = []

    def changer(donnees: dict | list | None) -> dict:
        actuelle = FeuilleDeRoute() if donnees is None else _lue(dossier_atelier, donnees)
        if revision is not None and revision != actuelle.revision:
            par = f" par {actuelle.modifie_par}" if actuelle.modifie_par else ""
            raise Concurrence(
                f"La feuille de route a été enregistrée entre-temps{par} (révision {actuelle.revision}, "
                f"vous partiez de la révision {revision}) : rien n'a été écrit. Rechargez-la pour voir "
                "ses changements, puis refaites les vôtres."
            )
        nouvelle = replace(feuille, revision=actuelle.revision + 1, modifie_le=maintenant(), modifie_par=auteur)
        contenu = vers_json(nouvelle)
        valider(contenu)  # rien n'est écrit si le résultat est invalide
        enregistree[:] = [nouvelle]
        return contenu

    modifier_document(dossier_atelier, GENRE, changer)
    return enregistree[0]


# -- tableaux (st.data_editor) -------------------------------------------------------------------


def _prochain(prefixe: str, existants: set[str]) -> str:
    n = max((int(i[1:]) for i in existants if i[1:].isdigit()), default=0) + 1
    return f"{prefixe}{n}"


def tableau_orientations(f: FeuilleDeRoute) -> list[dict]:
    return [
        {"id": o.id, "titre": o.titre, "description": o.description, "actions": len(o.actions)} for o in f.orientations
    ]


def tableau_actions(f: FeuilleDeRoute) -> list[dict]:
    return [
        {
            "id": a.id,
            "orientation": o.id,
            "titre": a.titre,
            "description": a.description,
            "entites": list(a.entites),
            "porteurs": list(a.porteurs),
            "phasage": a.phasage or None,
            "debut": date.fromisoformat(a.debut) if a.debut else None,
            "fin": date.fromisoformat(a.fin) if a.fin else None,
            "outils": list(a.outils),
            "statut": a.statut,
        }
        for o, a in f.actions
    ]


def _ligne_vide(ligne: dict, cles) -> bool:
    for cle in cles:
        v = ligne.get(cle)
        if _vide(v):
            continue
        if isinstance(v, str) and not v.strip():
            continue
        if not isinstance(v, str) and hasattr(v, "__len__") and len(v) == 0:
            continue
        return False
    return True


def depuis_tableaux(orientations: list[dict], actions: list[dict], base: FeuilleDeRoute) -> FeuilleDeRoute:
    """La feuille de route décrite par les deux tableaux modifiés (orientations, actions).

    Les lignes entièrement vides sont ignorées ; une ligne nouvelle reçoit un identifiant.
    Une action sans orientation est rattachée à l'orientation unique s'il n'y en a qu'une.
    """
    ids_o = {o.id for o in base.orientations}
    lignes_o = []
    for ligne in orientations:
        if _ligne_vide(ligne, ("titre", "description")):
            continue
        identifiant = "" if _vide(ligne.get("id")) else str(ligne.get("id") or "")
        if not identifiant:
            identifiant = _prochain("o", ids_o)
        ids_o.add(identifiant)
        lignes_o.append((identifiant, ligne))
    connues = {i for i, _ in lignes_o}
    anciennes = {o.id: o.titre for o in base.orientations}
    ids_a = {a.id for _, a in base.actions}
    par_orientation: dict[str, list[dict]] = {i: [] for i, _ in lignes_o}
    for ligne in actions:
        if _ligne_vide(ligne, ("titre", "description", "entites", "porteurs", "outils", "debut", "fin")):
            continue
        titre = "" if _vide(ligne.get("titre")) else str(ligne.get("titre")).strip()
        qui = f"L'action « {titre} »" if titre else "Une action sans titre"
        orientation = "" if _vide(ligne.get("orientation")) else str(ligne.get("orientation"))
        if not orientation:
            if len(lignes_o) != 1:
                raise DonneeInvalide(f"{qui} n'a pas d'orientation : choisissez-la dans la colonne « Orientation ».")
            orientation = lignes_o[0][0]
        if orientation not in connues:
            nom = anciennes.get(orientation, orientation)
            raise DonneeInvalide(
                f"{qui} appartient à l'orientation « {nom} », retirée du tableau : "
                "rattachez-la à une autre orientation, ou retirez-la aussi."
            )
        identifiant = "" if _vide(ligne.get("id")) else str(ligne.get("id") or "")
        if not identifiant:
            identifiant = _prochain("a", ids_a)
        ids_a.add(identifiant)
        par_orientation[orientation].append({**ligne, "id": identifiant})
    contenu = {
        "reference": {"seance": base.reference.seance, "hypothese": base.reference.hypothese}
        if base.reference
        else None,
        "revision": base.revision,
        "orientations": [
            {
                "id": i,
                "titre": ligne.get("titre"),
                "description": ligne.get("description"),
                "actions": par_orientation[i],
            }
            for i, ligne in lignes_o
        ],
    }
    resultat = valider(contenu)
    return replace(resultat, modifie_le=base.modifie_le, modifie_par=base.modifie_par)


# -- hypothèse de référence et carte -------------------------------------------------------------


def reference_par_defaut(dossier_atelier: Path) -> Reference | None:
    """La dernière hypothèse retenue (par date de séance), sinon la dernière hypothèse créée."""
    retenues, toutes = [], []
    for s in lister_seances(dossier_atelier):
        for h in lister_hypotheses(s):
            toutes.append((s.date, h.cree_le, h))
            if h.statut == "retenue":
                retenues.append((s.date, (h.statuts[-1]["le"] if h.statuts else h.cree_le), h))
    choix = max(retenues, key=lambda x: x[:2], default=None) or max(toutes, key=lambda x: x[:2], default=None)
    return Reference(choix[2].seance, choix[2].id) if choix else None


def hypothese_de_reference(dossier_atelier: Path, f: FeuilleDeRoute) -> Hypothese | None:
    """L'hypothèse de référence de la feuille de route (celle enregistrée, sinon celle par défaut)."""
    reference = f.reference or reference_par_defaut(dossier_atelier)
    if reference is None:
        return None
    try:
        return hypothese(seance(dossier_atelier, reference.seance), reference.hypothese)
    except (DonneeInvalide, LookupError):
        return None


@dataclass(frozen=True)
class EsquisseLiee:
    """Une esquisse de l'hypothèse de référence, telle qu'on la choisit dans le tableau."""

    id: str
    titre: str
    categorie: str

    @property
    def libelle(self) -> str:
        return f"{self.titre} ({self.categorie})" if self.titre else f"{self.categorie} ({self.id})"


def esquisses_disponibles(h: Hypothese | None, noms_categories: dict[str, str]) -> list[EsquisseLiee]:
    """Les esquisses de la dernière version de ``h``, à lier aux actions."""
    if h is None:
        return []
    depot = h.depot()
    entites = depot.entites(depot.numero_courant())
    return [
        EsquisseLiee(
            i,
            e["properties"].get("titre", ""),
            noms_categories.get(e["properties"].get("categorie", ""), e["properties"].get("categorie", "")),
        )
        for i, e in entites.items()
    ]


def liens_manquants(f: FeuilleDeRoute, disponibles: set[str]) -> list[tuple[Action, str]]:
    """Actions liées à une esquisse absente de l'hypothèse de référence (supprimée, ou autre hypothèse)."""
    return [(a, i) for _, a in f.actions for i in a.entites if i not in disponibles]


@dataclass
class CarteFeuille:
    version: Version | None  # la version de référence réduite aux esquisses liées
    fiches: dict[str, str] = field(default_factory=dict)  # id d'esquisse -> actions, pour les infobulles
    nb_actions: int = 0

    def emprise(self, marge: float = 0.15, cote_min: float = 0.03) -> tuple[float, float, float, float] | None:
        """L'emprise (ouest, sud, est, nord, en degrés) des esquisses liées, avec une marge ; ``None`` sans esquisse.

        Une esquisse seule (un point, un pôle) reçoit une emprise d'au moins ``cote_min`` degrés
        (≈ 2 à 3 km) : la carte s'y centre sans zoomer jusqu'à la rue.
        """
        if self.version is None or not self.version.entites:
            return None
        geometries = [shapely.geometry.shape(e["geometry"]) for e in self.version.entites if e.get("geometry")]
        if not geometries:
            return None
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geometries))
        dx = max(x1 - x0, cote_min) * (0.5 + marge)
        dy = max(y1 - y0, cote_min) * (0.5 + marge)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return (cx - dx, max(cy - dy, -85.0), cx + dx, min(cy + dy, 85.0))


def carte(h: Hypothese | None, f: FeuilleDeRoute, orientation: str | None = None) -> CarteFeuille:
    """Les esquisses liées aux actions (toutes, ou celles d'une orientation), et leurs fiches."""
    actions = [(o, a) for o, a in f.actions if orientation in (None, o.id)]
    if h is None:
        return CarteFeuille(None, {}, len(actions))
    depot = h.depot()
    numero = depot.numero_courant()
    if not numero:
        return CarteFeuille(None, {}, len(actions))
    version = depot.lire(numero)
    par_entite: dict[str, list[str]] = {}
    for _, a in actions:
        for i in a.entites:
            par_entite.setdefault(i, []).append(f"{a.titre} [{a.libelle_statut} · {a.libelle_phasage}]")
    entites = tuple(e for e in version.entites if e["id"] in par_entite)
    meta = replace(version.meta, nb_entites=len(entites))
    fiches = {i: "Feuille de route : " + " ; ".join(titres) for i, titres in par_entite.items()}
    return CarteFeuille(Version(meta, entites), fiches, len(actions))


# -- export et import (CSV, XLSX) ------------------------------------------------------------------

COLONNES = (
    ("orientation", "Orientation"),
    ("orientation_description", "Description de l'orientation"),
    ("titre", "Action"),
    ("description", "Description de l'action"),
    ("porteurs", "Porteurs"),
    ("phasage", "Phasage"),
    ("debut", "Début"),
    ("fin", "Fin"),
    ("outils", "Outils et procédures"),
    ("statut", "Statut"),
    ("esquisses", "Esquisses liées"),
    ("entites", "Identifiants des esquisses"),
    ("orientation_id", "Identifiant de l'orientation"),
    ("id", "Identifiant de l'action"),
)
ENTETES = {cle: entete for cle, entete in COLONNES}
OBLIGATOIRES = ("orientation", "titre")
FEUILLE_XLSX = "Feuille de route"
MAX_LIGNES_IMPORT = MAX_ACTIONS + MAX_ORIENTATIONS


def lignes_export(f: FeuilleDeRoute, titres_esquisses: dict[str, str] | None = None) -> list[dict]:
    """Une ligne par action (et une par orientation sans action), aux clés de ``COLONNES``."""
    titres_esquisses = titres_esquisses or {}
    joindre = f" {SEPARATEUR} ".join
    lignes = []
    for o in f.orientations:
        commun = {"orientation": o.titre, "orientation_description": o.description, "orientation_id": o.id}
        if not o.actions:
            lignes.append({cle: "" for cle, _ in COLONNES} | commun)
        for a in o.actions:
            lignes.append(
                commun
                | {
                    "titre": a.titre,
                    "description": a.description,
                    "porteurs": joindre(a.porteurs),
                    "phasage": PHASAGES.get(a.phasage, ""),
                    "debut": a.debut,
                    "fin": a.fin,
                    "outils": joindre(a.outils),
                    "statut": STATUTS[a.statut],
                    "esquisses": joindre(titres_esquisses.get(i, i).replace(SEPARATEUR, ",") for i in a.entites),
                    "entites": joindre(a.entites),
                    "id": a.id,
                }
            )
    return lignes


# Un tableur prend une cellule qui commence par l'un de ces signes pour une formule : dans le CSV, on
# la fait précéder d'une apostrophe (retirée à l'import), pour qu'un titre ne soit jamais exécuté.
_DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "'")


def _cellule_csv(valeur: str) -> str:
    return "'" + valeur if valeur.startswith(_DEBUTS_DE_FORMULE) else valeur


def _depuis_cellule_csv(valeur):
    if isinstance(valeur, str) and valeur.startswith("'") and valeur[1:].startswith(_DEBUTS_DE_FORMULE):
        return valeur[1:]
    return valeur


def exporter_csv(f: FeuilleDeRoute, titres_esquisses: dict[str, str] | None = None) -> bytes:
    """CSV en UTF-8 avec BOM et point-virgule : il s'ouvre tel quel dans un tableur réglé en français."""
    sortie = io.StringIO(newline="")
    ecrivain = csv.writer(sortie, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    ecrivain.writerow([entete for _, entete in COLONNES])
    for ligne in lignes_export(f, titres_esquisses):
        ecrivain.writerow([_cellule_csv(ligne[cle]) for cle, _ in COLONNES])
    return sortie.getvalue().encode("utf-8-sig")


def exporter_xlsx(
    f: FeuilleDeRoute,
    titres_esquisses: dict[str, str] | None = None,
    atelier: str = "",
    reference: str = "",
) -> bytes:
    """Classeur XLSX : la feuille « Feuille de route » (une ligne par action) et « À propos »."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    classeur = Workbook()
    feuille = classeur.active
    feuille.title = FEUILLE_XLSX
    feuille.append([entete for _, entete in COLONNES])
    for cellule in feuille[1]:
        cellule.font = Font(bold=True, color="FFFFFF")
        cellule.fill = PatternFill("solid", fgColor="2F5D50")
        cellule.alignment = Alignment(vertical="center", wrap_text=True)
    for ligne in lignes_export(f, titres_esquisses):
        valeurs = []
        for cle, _ in COLONNES:
            v = ligne[cle]
            valeurs.append(date.fromisoformat(v) if cle in {"debut", "fin"} and v else (v or None))
        feuille.append(valeurs)
        for cellule in feuille[feuille.max_row]:
            if cellule.data_type == "f":  # « = » en tête : du texte saisi, jamais une formule
                cellule.data_type = "s"
    largeurs = {"orientation": 34, "orientation_description": 40, "titre": 40, "description": 50, "porteurs": 30}
    largeurs |= {"phasage": 16, "debut": 12, "fin": 12, "outils": 30, "statut": 13, "esquisses": 36, "entites": 24}
    for rang, (cle, _) in enumerate(COLONNES, start=1):
        lettre = get_column_letter(rang)
        feuille.column_dimensions[lettre].width = largeurs.get(cle, 14)
        for cellule in feuille[lettre][1:]:
            cellule.alignment = Alignment(vertical="top", wrap_text=True)
            if cle in {"debut", "fin"}:
                cellule.number_format = "DD/MM/YYYY"
    feuille.freeze_panes = "C2"
    feuille.auto_filter.ref = feuille.dimensions
    apropos = classeur.create_sheet("À propos")
    for cle, valeur in (
        ("Atelier", atelier),
        ("Hypothèse de référence", reference),
        ("Révision", f.revision),
        ("Enregistrée le", f"{date_heure(f.modifie_le)} ({FUSEAU})" if f.modifie_le else ""),
        ("Par", f.modifie_par),
        ("Exportée le", f"{date_heure(maintenant())} ({FUSEAU})"),
        ("Orientations", len(f.orientations)),
        ("Actions", len(f.actions)),
    ):
        apropos.append([cle, valeur])
        apropos.cell(apropos.max_row, 1).font = Font(bold=True)
    apropos.column_dimensions["A"].width = 24
    apropos.column_dimensions["B"].width = 70
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def depuis_lignes(lignes: list[dict], base: FeuilleDeRoute) -> FeuilleDeRoute:
    """La feuille de route décrite par des lignes de tableau (clés : en-têtes de ``COLONNES``).

    Les orientations sont regroupées par identifiant (sinon par titre), dans l'ordre de leur
    première ligne ; une ligne sans action décrit une orientation seule. La référence de ``base``
    est gardée.
    """
    par_entete = {entete.casefold(): cle for cle, entete in COLONNES}
    if not lignes:
        raise DonneeInvalide("Le tableau est vide : aucune ligne sous les en-têtes.")
    presentes = {par_entete[e.strip().casefold()] for e in lignes[0] if e and e.strip().casefold() in par_entete}
    manquantes = [ENTETES[c] for c in OBLIGATOIRES if c not in presentes]
    if manquantes:
        attendues = ", ".join(f"« {e} »" for _, e in COLONNES)
        raise DonneeInvalide(
            f"Colonne(s) manquante(s) : {', '.join(f'« {m} »' for m in manquantes)}. Colonnes reconnues : {attendues}."
        )
    if len(lignes) > MAX_LIGNES_IMPORT:
        raise DonneeInvalide(f"Trop de lignes : {len(lignes)} (au plus {MAX_LIGNES_IMPORT}).")
    orientations: dict[str, dict] = {}
    cles_titres: dict[str, str] = {}
    for numero, brute in enumerate(lignes, start=2):
        ligne = {
            par_entete[k.strip().casefold()]: v for k, v in brute.items() if k and k.strip().casefold() in par_entete
        }
        if _ligne_vide(ligne, [c for c, _ in COLONNES]):
            continue
        titre_o = _texte(ligne.get("orientation"), "Orientation", LONGUEURS["titre"], f"Ligne {numero}")
        if not titre_o:
            raise DonneeInvalide(f"Ligne {numero} : la colonne « Orientation » est vide.")
        id_o = _texte(ligne.get("orientation_id"), "Identifiant de l'orientation", 10, f"Ligne {numero}")
        cle = id_o or cles_titres.get(titre_o.casefold()) or f"titre:{titre_o.casefold()}"
        cles_titres.setdefault(titre_o.casefold(), cle)
        o = orientations.setdefault(cle, {"id": id_o, "titre": titre_o, "description": "", "actions": []})
        description_o = _texte(ligne.get("orientation_description"), "description", 4000, f"Ligne {numero}")
        o["description"] = o["description"] or description_o
        if _ligne_vide(ligne, ("titre", "description", "porteurs", "outils", "entites", "debut", "fin", "id")):
            continue
        if _vide(ligne.get("titre")) or not str(ligne.get("titre")).strip():
            raise DonneeInvalide(f"Ligne {numero} : la colonne « Action » est vide.")
        o["actions"].append(
            {
                "id": _texte(ligne.get("id"), "Identifiant de l'action", 10, f"Ligne {numero}"),
                **{k: ligne.get(k) for k in ("titre", "description", "porteurs", "phasage", "debut", "fin")},
                **{k: ligne.get(k) for k in ("outils", "statut", "entites")},
            }
        )
    if not orientations:
        raise DonneeInvalide("Le tableau est vide : aucune orientation sous les en-têtes.")
    # Les orientations sans identifiant en reçoivent un ; leurs actions les suivent.
    ids_o = {o["id"] for o in orientations.values() if o["id"]}
    for o in orientations.values():
        if not o["id"]:
            o["id"] = _prochain("o", ids_o)
            ids_o.add(o["id"])
    lignes_o = [{"id": o["id"], "titre": o["titre"], "description": o["description"]} for o in orientations.values()]
    lignes_a = [{**a, "orientation": o["id"]} for o in orientations.values() for a in o["actions"]]
    vide = replace(base, orientations=())
    return depuis_tableaux(lignes_o, lignes_a, vide)


def importer(octets: bytes, nom_fichier: str, base: FeuilleDeRoute) -> FeuilleDeRoute:
    """Lit un tableau CSV ou XLSX (tel qu'exporté, ou préparé dans un tableur)."""
    extension = Path(nom_fichier).suffix.lower()
    if extension == ".xlsx":
        return depuis_lignes(_lignes_xlsx(octets), base)
    if extension in {".csv", ".txt"}:
        return depuis_lignes(_lignes_csv(octets), base)
    raise DonneeInvalide(f"Format non pris en charge : « {extension or nom_fichier} » ; formats admis : CSV, XLSX.")


def _lignes_csv(octets: bytes) -> list[dict]:
    for codage in ("utf-8-sig", "cp1252"):
        try:
            texte = octets.decode(codage)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 décode presque tout
        raise DonneeInvalide("Fichier CSV illisible : codage inconnu (attendu : UTF-8).")
    premiere = texte.split("\n", 1)[0]
    separateur = max((";", ",", "\t"), key=premiere.count)
    lecteur = csv.DictReader(io.StringIO(texte, newline=""), delimiter=separateur)
    try:
        lignes = []
        for ligne in lecteur:
            lignes.append({k: _depuis_cellule_csv(v) for k, v in ligne.items() if k is not None})
            if len(lignes) > MAX_LIGNES_IMPORT:
                break
    except csv.Error as exc:
        raise DonneeInvalide(f"Fichier CSV illisible : {exc}.") from exc
    if not lignes and lecteur.fieldnames:
        return [dict.fromkeys(lecteur.fieldnames, "")]
    return lignes


def _lignes_xlsx(octets: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        classeur = load_workbook(io.BytesIO(octets), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML : des erreurs de types variés
        raise DonneeInvalide(f"Fichier XLSX illisible : {exc}") from exc
    try:
        feuille = classeur[FEUILLE_XLSX] if FEUILLE_XLSX in classeur.sheetnames else classeur.worksheets[0]
        rangees = feuille.iter_rows(values_only=True)
        entetes = next(rangees, None)
        if not entetes:
            raise DonneeInvalide("Le classeur est vide : aucune ligne d'en-têtes.")
        noms = [str(e).strip() if e is not None else "" for e in entetes]
        lignes = []
        for valeurs in rangees:
            lignes.append({n: v for n, v in zip(noms, valeurs, strict=False) if n})
            if len(lignes) > MAX_LIGNES_IMPORT:
                break
    finally:
        classeur.close()
    return lignes or [dict.fromkeys(noms, "")]


# -- lecture -----------------------------------------------------------------------------------


def resume(f: FeuilleDeRoute) -> dict[str, int]:
    """Nombre d'actions par statut (dans l'ordre de ``STATUTS``)."""
    compte = dict.fromkeys(STATUTS, 0)
    for _, a in f.actions:
        compte[a.statut] += 1
    return compte


def suggestions(f: FeuilleDeRoute, structures: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """Porteurs et outils à proposer : ceux déjà employés, les structures des participants, les suggestions."""

    def unir(*listes) -> list[str]:
        vus: dict[str, str] = {}
        for liste in listes:
            for x in liste:
                if x and x.casefold() not in vus:
                    vus[x.casefold()] = x
        return list(vus.values())

    porteurs = unir([p for _, a in f.actions for p in a.porteurs], structures, PORTEURS_SUGGERES)
    outils = unir([x for _, a in f.actions for x in a.outils], OUTILS_SUGGERES)
    return porteurs, outils


def texte_action(a: Action, titres_esquisses: dict[str, str] | None = None) -> str:
    """Une action en une phrase, pour un document (carnet de suivi) : titre, statut, phasage, porteurs…"""
    titres_esquisses = titres_esquisses or {}

    def phrase(texte: str) -> str:
        return texte if texte.endswith((".", "?", "!", "…")) else texte + "."

    parties = [phrase(f"{a.titre} — {a.libelle_statut.lower()}, {a.libelle_phasage[0].lower()}{a.libelle_phasage[1:]}")]
    if a.description:
        parties.append(phrase(" ".join(a.description.split())))
    if a.porteurs:
        parties.append(phrase(f"Porteurs : {', '.join(a.porteurs)}"))
    if a.outils:
        parties.append(phrase(f"Outils et procédures : {', '.join(a.outils)}"))
    if a.entites:
        parties.append(phrase(f"Sur la carte : {' ; '.join(titres_esquisses.get(i, i) for i in a.entites)}"))
    return " ".join(parties)
