"""Séances de démonstration de l'atelier « Portes de Gascogne ↔ Toulouse Métropole ».

Trois séances, des hypothèses reprises d'une séance à l'autre (mêmes identifiants
d'entités) et plusieurs versions : de quoi montrer la comparaison, « ce qui a changé depuis
la séance N » et les liens entre territoires. Tout est écrit par les fonctions du domaine
(séances, hypothèses, versions immuables), exactement comme depuis l'application.

    .venv/bin/python scripts/demo_gascogne.py [projets/gascogne-toulouse]

Le script refuse d'écrire dans un atelier qui a déjà des séances.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from esquisse.seances import creer_hypothese, creer_seance, lister_seances, modifier_hypothese
from esquisse.versions import Changement

ATELIER = "gascogne-toulouse"
EQUIPE = ("Équipe-projet", "equipe-projet")
DDT = ("DDT du Gers", "ddt")
ELU = ("Maire de Gimont", "elu")


def _point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def _ligne(*points):
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def _zone(*points):
    anneau = [list(p) for p in points]
    return {"type": "Polygon", "coordinates": [[*anneau, anneau[0]]]}


def _entite(geometrie, categorie, titre, commentaire="", auteur=EQUIPE):
    props = {"categorie": categorie, "titre": titre, "auteur": auteur[0], "role": auteur[1]}
    if commentaire:
        props["commentaire"] = commentaire
    return {"type": "Feature", "geometry": geometrie, "properties": props}


SEANCE_1 = {
    "pole-auch": _entite(_point(0.5857, 43.6465), "pole", "Auch, préfecture"),
    "pole-isle": _entite(_point(1.0822, 43.6133), "pole", "L'Isle-Jourdain, porte de la métropole"),
    "pole-toulouse": _entite(_point(1.4437, 43.6045), "pole", "Toulouse, cœur de la métropole"),
    "axe-rn124": _entite(
        _ligne((0.5857, 43.6465), (0.8755, 43.6266), (1.0822, 43.6133), (1.2395, 43.5927), (1.3356, 43.6112)),
        "axe",
        "RN124 Auch – Toulouse",
        "L'axe qui porte les navettes quotidiennes.",
    ),
    "flux-alimentation": _entite(
        _ligne((0.8833, 43.6184), (1.10, 43.64), (1.3766, 43.6409)),
        "flux",
        "Circuits courts vers les cantines",
        "Légumes et volailles du Gers pour la restauration collective de la métropole.",
        ELU,
    ),
    "preserver-save": _entite(
        _zone((0.96, 43.56), (1.06, 43.55), (1.12, 43.59), (1.10, 43.66), (1.00, 43.67), (0.95, 43.62)),
        "preserver",
        "Coteaux agricoles de la Save",
    ),
    "question-foncier": _entite(_point(1.1697, 43.5938), "question", "Quelle limite à l'étalement vers Pujaudran ?"),
}


def _renomme(entite, titre):
    return {**entite, "properties": {**entite["properties"], "titre": titre}}


def creer_demo(dossier_atelier: Path) -> None:
    if lister_seances(dossier_atelier):
        raise SystemExit(f"{dossier_atelier} a déjà des séances : rien n'est écrit.")

    # Séance 1 : connaissance du territoire, premières intuitions.
    s1 = creer_seance(dossier_atelier, "atelier-1", "2026-03-12", "Atelier 1 à L'Isle-Jourdain")
    h1 = creer_hypothese(s1, "Premières intuitions", "Ce que le territoire donne et reçoit.", *EQUIPE, atelier=ATELIER)
    d1 = h1.depot(ATELIER)
    d1.enregistrer(
        [Changement(i, None, e) for i, e in SEANCE_1.items()], *EQUIPE, message="Esquisse de la visite de terrain"
    )
    modifier_hypothese(h1, EQUIPE[0], statut="retenue")

    # Séance 2 : deux hypothèses reprises de la séance 1.
    s2 = creer_seance(dossier_atelier, "atelier-2", "2026-06-18", "Atelier 2 à Gimont")
    a = creer_hypothese(
        s2,
        "A — Le Gers, garde-manger de la métropole",
        "Alimentation et paysages.",
        *EQUIPE,
        reprise_de=h1,
        atelier=ATELIER,
    )
    b = creer_hypothese(
        s2,
        "B — Mobilités partagées sur la RN124",
        "Rabattement et covoiturage.",
        *EQUIPE,
        reprise_de=h1,
        atelier=ATELIER,
    )
    da, db = a.depot(ATELIER), b.depot(ATELIER)
    v1 = da.entites(1)
    agrandie = _zone((0.93, 43.54), (1.07, 43.52), (1.15, 43.58), (1.13, 43.68), (1.00, 43.70), (0.92, 43.63))
    da.enregistrer(
        [
            Changement("preserver-save", 1, {**v1["preserver-save"], "geometry": agrandie}),
            Changement(
                "flux-tourisme",
                None,
                _entite(
                    _ligne((1.4221, 43.6019), (1.05, 43.80), (0.6423, 43.9437)),
                    "flux",
                    "Week-ends des Toulousains en Lomagne",
                    "Tourisme vert et patrimoine : Lectoure, Fleurance.",
                    ELU,
                ),
            ),
            Changement(
                "projet-cantine",
                None,
                _entite(
                    _zone((0.872, 43.610), (0.892, 43.610), (0.892, 43.624), (0.872, 43.624)),
                    "projet",
                    "Légumerie intercommunale de Gimont",
                    auteur=ELU,
                ),
            ),
        ],
        *ELU,
    )
    v2 = da.entites(2)
    decale = _ligne((0.9238, 43.4913), (1.15, 43.56), (1.3766, 43.6409))
    da.enregistrer(
        [
            Changement("flux-alimentation", 2, {**v2["flux-alimentation"], "geometry": decale}),
            Changement("question-foncier", 2, None),
            Changement(
                "pole-isle",
                2,
                {**v2["pole-isle"], "properties": {**v2["pole-isle"]["properties"], "commentaire": "Gare et marché."}},
            ),
        ],
        *DDT,
    )
    w1 = db.entites(1)
    db.enregistrer(
        [
            Changement(
                "liaison-car",
                None,
                _entite(
                    _ligne((0.8833, 43.6184), (1.0841, 43.616), (1.3261, 43.6147)),
                    "liaison",
                    "Car express Gimont – Colomiers",
                    "Cadencement à la demi-heure aux heures de pointe.",
                ),
            ),
            Changement("axe-rn124", 1, _renomme(w1["axe-rn124"], "RN124, axe des mobilités partagées")),
        ],
        *EQUIPE,
    )
    modifier_hypothese(a, DDT[0], statut="retenue")
    modifier_hypothese(b, DDT[0], statut="debattue")

    # Séance 3 : la stratégie validée, reprise de l'hypothèse A.
    s3 = creer_seance(dossier_atelier, "atelier-3", "2026-10-08", "Atelier 3 à Auch")
    f = creer_hypothese(s3, "Stratégie validée", "Feuille de route à rédiger.", *EQUIPE, reprise_de=a, atelier=ATELIER)
    df = f.depot(ATELIER)
    df.enregistrer(
        [
            Changement(
                "continuite-save",
                None,
                _entite(
                    _ligne((0.90, 43.45), (0.98, 43.55), (1.05, 43.62), (1.12, 43.70), (1.20, 43.78)),
                    "continuite",
                    "Trame verte et bleue de la Save",
                ),
            ),
        ],
        *DDT,
    )
    modifier_hypothese(f, DDT[0], statut="retenue")


if __name__ == "__main__":
    cible = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "projets" / ATELIER
    creer_demo(cible)
    print(f"Séances de démonstration créées dans {cible}.")
