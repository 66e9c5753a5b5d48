"""Séances, hypothèses et versions de test, créées par les fonctions du domaine dans une copie de ``projets/``.

Les esquisses sont tirées au hasard (graine fixe) dans les communes du territoire de projet :
points, étiquettes, lignes (dont des flèches et des tirets) et zones, avec des textes
accentués et des caractères spéciaux pour éprouver l'échappement des documents.
"""

from __future__ import annotations

import random

import shapely
from shapely.geometry import LineString, Point, mapping

from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.seances import Hypothese, Seance, creer_hypothese, creer_seance
from esquisse.esquisses.versions import Changement
from esquisse.referentiel.territoire import perimetre

AUTEURS = (("Marie Dupont", "elu"), ("Paul Martin", "ddt"), ("Léa Bernard", "equipe-projet"))
MOTS = ("l'eau", "la gare", "le bourg", "les coteaux", "la vallée", "les « circuits courts »", "le marché & la halle")


def _polygones(atelier: Atelier):
    communes = atelier.couche("communes")
    if atelier.perimetre:
        communes = communes[communes["code_insee"].isin(atelier.perimetre.communes)]
    return list(communes.geometry.values)


def entites_au_hasard(atelier: Atelier, n: int, graine: int = 1, prefixe: str = "e") -> list[dict]:
    """``n`` esquisses valides, dans les communes du territoire de projet, toutes catégories confondues."""
    alea = random.Random(graine)
    polygones = _polygones(atelier)
    categories = list(atelier.legende)

    def point():
        return alea.choice(polygones).representative_point()

    entites = []
    for i in range(n):
        c = categories[i % len(categories)]
        genre = c.geometrie if c.geometrie != "ligne_ou_zone" else alea.choice(("ligne", "zone"))
        if genre in {"point", "texte"}:
            geom = point()
        elif genre == "ligne":
            geom = LineString([g.representative_point() for g in alea.sample(polygones, alea.randint(2, 4))])
        else:
            centre = point()
            geom = shapely.buffer(centre, alea.uniform(0.008, 0.03), quad_segs=4)
        auteur, role = alea.choice(AUTEURS)
        titre = f"{c.nom.split(' ')[0]} {i + 1} : {alea.choice(MOTS)}"
        entites.append(
            {
                "type": "Feature",
                "id": f"{prefixe}{i + 1:04d}",
                "geometry": mapping(geom),
                "properties": {
                    "categorie": c.id,
                    "titre": titre,
                    "commentaire": f"Relier {alea.choice(MOTS)} et {alea.choice(MOTS)} <b>sans</b> détour."
                    if i % 3
                    else "",
                    "auteur": auteur,
                    "role": role,
                    "cree_le": "2026-03-12T09:30:00.000Z",
                    "modifie_le": "2026-03-12T09:30:00.000Z",
                },
            }
        )
    return entites


def enregistrer(h: Hypothese, atelier: Atelier, entites: list[dict], auteur=AUTEURS[0]) -> int:
    """Enregistre ``entites`` comme nouvelles esquisses ; renvoie le numéro de version."""
    r = h.depot(atelier.id).enregistrer([Changement(e["id"], None, e) for e in entites], *auteur)
    return r.version.numero


def seance_avec_hypotheses(
    atelier: Atelier,
    hypotheses: dict[str, int],
    type_: str = "atelier-2",
    date: str = "2026-03-12",
    titre: str = "",
    graine: int = 1,
) -> tuple[Seance, list[Hypothese]]:
    """Une séance et ses hypothèses (titre → nombre d'esquisses), enregistrées en deux versions chacune.

    Une hypothèse à 0 esquisse n'a aucune version ; à 1 esquisse, une seule version.
    """
    s = creer_seance(atelier.dossier, type_, date, titre)
    hyps = []
    for k, (titre_h, n) in enumerate(hypotheses.items()):
        h = creer_hypothese(s, titre_h, f"Description de « {titre_h} ».", *AUTEURS[1], atelier=atelier.id)
        entites = entites_au_hasard(atelier, n, graine + k, prefixe=f"h{k}e")
        moitie = max(1, n // 2)
        if entites[:moitie]:
            enregistrer(h, atelier, entites[:moitie])
        if entites[moitie:]:
            enregistrer(h, atelier, entites[moitie:], AUTEURS[2])
        hyps.append(h)
    return s, hyps


def perimetre_wgs84(atelier: Atelier):
    return perimetre(atelier.couche("communes"), atelier.perimetre.communes, atelier.perimetre.nom)


def point_interieur(atelier: Atelier) -> Point:
    return _polygones(atelier)[0].representative_point()
