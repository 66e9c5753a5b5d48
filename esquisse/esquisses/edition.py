"""Édition d'une hypothèse depuis le navigateur : changements locaux, annotations, état à renvoyer.

Le navigateur n'envoie que ses changements locaux (voir ``static/esquisse/dessin.js``) :
chaque dessin porte son identifiant, sa version de base, un compteur local et, s'il est
supprimé, une marque de suppression. Les annotations (catégorie, titre, commentaire) sont
saisies côté Python. Ce module les réunit en :class:`~esquisse.esquisses.versions.Changement`, et
prépare l'état que la carte doit afficher.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from esquisse.esquisses.geojson import ROLES, normaliser_geometrie, verifier_id
from esquisse.esquisses.legende import Categorie, categorie, legende_json
from esquisse.esquisses.versions import Changement, Depot, Version
from esquisse.noyau.erreurs import DonneeInvalide


@dataclass(frozen=True)
class DessinLocal:
    """Un changement local reçu du navigateur."""

    id: str
    base: int | None
    local: int
    supprime: bool = False
    geometrie: dict | None = None
    categorie: str | None = None  # catégorie choisie au moment du dessin
    genre: str | None = None  # point, texte, ligne, zone


@dataclass(frozen=True)
class Annotation:
    """Ce que l'on a saisi pour une entité : tout champ ``None`` reste inchangé."""

    base: int | None = None  # version d'où part l'édition (entité déjà enregistrée)
    categorie: str | None = None
    titre: str | None = None
    commentaire: str | None = None


@dataclass
class Lecture:
    dessins: list[DessinLocal] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)


def _entier(valeur) -> int | None:
    if valeur is None:
        return None
    if isinstance(valeur, bool) or not isinstance(valeur, (int, float)) or valeur != int(valeur):
        raise DonneeInvalide(f"Nombre entier attendu, reçu « {valeur} ».")
    return int(valeur)


def lire_dessins(brut) -> Lecture:
    """Les changements locaux envoyés par la carte (``all_drawings`` de streamlit-folium).

    Un dessin mal formé est écarté avec un message, sans empêcher la lecture des autres.
    """
    lecture = Lecture()
    vus: set[str] = set()
    for f in brut or []:
        try:
            props = f.get("properties") or {}
            identifiant = verifier_id(props.get("esq_id") or f.get("id"))
            if identifiant in vus:
                continue
            vus.add(identifiant)
            base = _entier(props.get("esq_base"))
            local = _entier(props.get("esq_local")) or 0
            if props.get("esq_supprime"):
                # Sans base, c'est un dessin jamais enregistré… à moins que ce poste ne vienne de
                # l'enregistrer : ``rebaser`` tranche, avec ce que le poste a écrit.
                lecture.dessins.append(DessinLocal(identifiant, base, local, supprime=True))
                continue
            geometrie = normaliser_geometrie(f.get("geometry"))
            lecture.dessins.append(
                DessinLocal(
                    identifiant,
                    base,
                    local,
                    geometrie=geometrie,
                    categorie=props.get("esq_categorie") or None,
                    genre=props.get("esq_genre") or None,
                )
            )
        except (DonneeInvalide, AttributeError, TypeError) as exc:
            lecture.erreurs.append(f"Un dessin n'a pas pu être lu : {exc}")
    return lecture


def rebaser(dessins: list[DessinLocal], enregistres: dict[str, int]) -> list[DessinLocal]:
    """Les dessins, chacun rapporté à la dernière version que ce poste a écrite pour lui.

    La carte n'apprend la nouvelle base d'une esquisse qu'en recevant l'accusé de son
    enregistrement. Une retouche faite dans l'intervalle (quelques dixièmes de seconde) part
    encore de l'ancienne base, ou d'aucune pour un dessin tout neuf. Or le dessin local contient
    déjà ce que ce poste a enregistré : sa vraie base est la version écrite par ce poste
    (``enregistres`` : identifiant -> numéro). Sans cela, la retouche passerait pour un second
    ajout, ou pour une modification concurrente de soi-même, et finirait en conflit.
    Une suppression sans base d'un dessin jamais enregistré n'a rien à supprimer : elle est écartée.
    """
    resultat = []
    for d in dessins:
        base = enregistres.get(d.id)
        if base is not None and (d.base is None or d.base < base):
            d = replace(d, base=base)
        if d.supprime and d.base is None:
            continue
        resultat.append(d)
    return resultat


def en_attente(dessins: list[DessinLocal], acquittes: dict[str, int]) -> list[DessinLocal]:
    """Dessins pas encore enregistrés : ceux dont le compteur local n'a pas été acquitté."""
    return [d for d in dessins if acquittes.get(d.id) != d.local]


def categories_compatibles(legende: tuple[Categorie, ...], type_geojson: str, genre: str | None = None):
    """Catégories de la légende applicables à une géométrie (les textes sont des points à part)."""
    if genre == "texte":
        return [c for c in legende if c.geometrie == "texte"]
    admises = [c for c in legende if type_geojson in c.types_geojson() and c.geometrie != "texte"]
    # Les catégories propres à ce genre de géométrie d'abord, les catégories mixtes ensuite.
    return sorted(admises, key=lambda c: c.geometrie == "ligne_ou_zone")


def _verifier_categorie(legende, identifiant: str, geometrie: dict, titre: str) -> str:
    c = categorie(legende, identifiant)
    if geometrie["type"] not in c.types_geojson():
        genres = {"Point": "un point", "LineString": "une ligne", "MultiLineString": "une ligne"}
        nature = genres.get(geometrie["type"], "une zone")
        raise DonneeInvalide(
            f"« {titre or c.nom} » est {nature} : la catégorie « {c.nom} » s'applique à : "
            f"{c.geometrie.replace('_ou_', ' ou ')}."
        )
    return c.id


def construire_changements(
    dessins: list[DessinLocal],
    annotations: dict[str, Annotation],
    depot: Depot,
    legende: tuple[Categorie, ...],
    auteur: str,
    role: str,
    le: str,
) -> list[Changement]:
    """Réunit dessins et annotations en changements à enregistrer (lève ``DonneeInvalide``)."""
    if role and role not in ROLES:
        raise DonneeInvalide(f"Rôle inconnu : « {role} ».")
    changements: list[Changement] = []
    traites: set[str] = set()
    for d in dessins:
        traites.add(d.id)
        if d.supprime:
            if d.base is not None:  # un dessin jamais enregistré n'a rien à supprimer
                changements.append(Changement(d.id, d.base, None))
            continue
        precedente = depot.entites(d.base).get(d.id) if d.base else None
        props = dict(precedente["properties"]) if precedente else {}
        a = annotations.get(d.id, Annotation())
        choisie = a.categorie or props.get("categorie") or d.categorie
        if not choisie:
            compatibles = categories_compatibles(legende, d.geometrie["type"], d.genre)
            if not compatibles:
                raise DonneeInvalide("Aucune catégorie de la légende ne convient à ce dessin.")
            choisie = compatibles[0].id
        _appliquer(props, a)
        props["categorie"] = _verifier_categorie(legende, choisie, d.geometrie, props.get("titre", ""))
        if precedente is None:
            props.update(auteur=auteur, role=role, cree_le=le)
        props["modifie_le"] = le
        changements.append(Changement(d.id, d.base, {"type": "Feature", "geometry": d.geometrie, "properties": props}))
    for identifiant, a in annotations.items():
        if identifiant in traites or a.base is None:
            continue
        precedente = depot.entites(a.base).get(identifiant)
        if precedente is None:
            continue  # entité supprimée depuis : l'annotation n'a plus d'objet
        geometrie = precedente["geometry"]
        props = dict(precedente["properties"])
        _appliquer(props, a)
        if a.categorie:
            props["categorie"] = _verifier_categorie(legende, a.categorie, geometrie, props.get("titre", ""))
        if props == precedente["properties"]:
            continue
        props["modifie_le"] = le
        entite = {"type": "Feature", "geometry": geometrie, "properties": props}
        changements.append(Changement(identifiant, a.base, entite))
    return changements


def _appliquer(props: dict, a: Annotation) -> None:
    for cle in ("titre", "commentaire"):
        valeur = getattr(a, cle)
        if valeur is None:
            continue
        valeur = valeur.strip()
        if valeur:
            props[cle] = valeur
        else:
            props.pop(cle, None)


def etat_navigateur(
    version: Version | None,
    legende: tuple[Categorie, ...],
    categorie_courante: str | None = None,
    annotations: dict[str, Annotation] | None = None,
    acquittes: dict[str, int] | None = None,
    abandonner: list[str] | None = None,
    restaurer: list[DessinLocal] | None = None,
    fiches: dict[str, str] | None = None,
) -> dict:
    """Ce que la carte doit montrer : la version enregistrée et l'état local de cette session.

    ``fiches`` ajoute à une entité un texte d'information (par exemple les territoires qu'elle touche).
    """
    entites = []
    for e in version.entites if version else ():
        props = dict(e["properties"])
        if props.get("role") in ROLES:
            props["role_libelle"] = ROLES[props["role"]]
        if fiches and e["id"] in fiches:
            props["territoires"] = fiches[e["id"]]
        entites.append({"type": "Feature", "id": e["id"], "geometry": e["geometry"], "properties": props})
    return {
        "version": version.meta.numero if version else 0,
        "entites": entites,
        "legende": legende_json(legende),
        "categorie": categorie_courante,
        "en_attente": {
            i: {k: v for k, v in (("categorie", a.categorie), ("titre", a.titre)) if v}
            for i, a in (annotations or {}).items()
        },
        "acquittes": dict(acquittes or {}),
        "abandonner": list(abandonner or []),
        "restaurer": [
            {
                "type": "Feature",
                "id": d.id,
                "geometry": d.geometrie,
                "properties": {
                    "esq_base": d.base,
                    "esq_local": d.local,
                    "esq_categorie": d.categorie,
                    "esq_genre": d.genre,
                    "esq_supprime": d.supprime,
                },
            }
            for d in restaurer or []
        ],
    }
