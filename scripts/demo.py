"""Remplit les ateliers de démonstration : participants, séances, hypothèses, esquisses, relevés, feuille de route.

Les esquisses sont construites à partir des vraies communes des couches livrées (centres,
unions de communes, tracés entre bourgs), enregistrées par les fonctions du domaine, comme
si des participants les avaient dessinées : plusieurs versions, plusieurs auteurs. Les
hypothèses sont créées et changent de statut aux dates des séances (la chronologie de
l'atelier est ainsi réaliste) ; les actions de la feuille de route sont liées aux esquisses
de l'hypothèse retenue. Les personnes sont fictives.

    .venv/bin/python scripts/demo.py [--projets projets] [--remplacer]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import LineString, mapping

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.ateliers import charger_atelier, modifier_participants
from esquisse.atelier.releve import enregistrer_releve, lire_releve
from esquisse.atelier.seances import (
    DOSSIER_SEANCES,
    creer_hypothese,
    creer_seance,
    lister_hypotheses,
    modifier_hypothese,
    seance,
)
from esquisse.esquisses.versions import Changement, maintenant


def le(jour: str, heure: str = "10:00") -> str:
    """Horodatage d'un moment de séance (heure de Paris approchée en UTC)."""
    return f"{jour}T{heure}:00.000Z"


def participants(projets: Path, atelier: str, liste: list[tuple[str, str, str]]) -> None:
    modifier_participants(projets, atelier, [{"nom": n, "structure": s, "role": r} for n, s, r in liste])


def feuille_de_route(dossier: Path, reference, orientations: list[tuple[str, str, list[dict]]], auteur: str) -> None:
    """Écrit la feuille de route (identifiants o1…, a1… dans l'ordre), liée à l'hypothèse ``reference``."""
    contenu, n = [], 0
    for k, (titre, description, actions) in enumerate(orientations, start=1):
        lignes = []
        for action in actions:
            n += 1
            lignes.append({"id": f"a{n}", **action})
        contenu.append({"id": f"o{k}", "titre": titre, "description": description, "actions": lignes})
    feuille = fdr.valider(
        {"orientations": contenu, "reference": {"seance": reference.seance, "hypothese": reference.id}}
    )
    fdr.enregistrer(dossier, feuille, auteur)


class Esquisseur:
    """Fabrique d'esquisses à partir des communes d'un atelier (par leur nom)."""

    def __init__(self, communes: gpd.GeoDataFrame):
        self.communes = communes.set_index("nom")
        self.l93 = communes.to_crs(2154).set_index("nom")

    def centre(self, nom: str) -> tuple[float, float]:
        p = self.communes.loc[nom].geometry.representative_point()
        return (round(p.x, 6), round(p.y, 6))

    def point(self, nom: str, dx: float = 0, dy: float = 0) -> dict:
        x, y = self.centre(nom)
        return {"type": "Point", "coordinates": [x + dx, y + dy]}

    def ligne(self, *noms: str) -> dict:
        return mapping(LineString([self.centre(n) for n in noms]))

    def zone(self, *noms: str, marge_m: float = -300) -> dict:
        """Union de communes, resserrée de quelques centaines de mètres et simplifiée, comme un trait de feutre."""
        union = shapely.union_all([self.l93.loc[n].geometry for n in noms]).buffer(marge_m).simplify(400)
        if union.geom_type == "MultiPolygon":
            union = max(union.geoms, key=lambda g: g.area)
        return mapping(gpd.GeoSeries([union], crs=2154).to_crs(4326).iloc[0])


def entite(geometrie: dict, categorie: str, titre: str, commentaire: str, auteur: str, role: str) -> dict:
    le = maintenant()
    return {
        "type": "Feature",
        "geometry": geometrie,
        "properties": {
            "categorie": categorie,
            "titre": titre,
            "commentaire": commentaire,
            "auteur": auteur,
            "role": role,
            "cree_le": le,
            "modifie_le": le,
        },
    }


def enregistrer(h, atelier: str, auteur: str, role: str, message: str, ajouts: dict[str, dict], **modifs):
    depot = h.depot(atelier)
    numero = depot.numero_courant() or None
    changements = [Changement(i, None, e) for i, e in ajouts.items()]
    for i, props in modifs.items():
        e = depot.entites(numero)[i]
        changements.append(Changement(i, numero, {**e, "properties": {**e["properties"], **props}}))
    return depot.enregistrer(changements, auteur, role, message)


def bassee_montois(projets: Path) -> None:
    a = charger_atelier(projets, "bassee-montois")
    e = Esquisseur(a.couche("communes"))
    participants(
        projets,
        a.id,
        [
            ("Patrick Moreau", "Communauté de communes Bassée-Montois", "elu"),
            ("Jean Lefèvre", "Commune de Bray-sur-Seine", "elu"),
            ("Sylvie Roux", "Commune de Donnemarie-Dontilly", "elu"),
            ("Claire Martin", "Atelier Seine & Plateaux (mandataire)", "equipe-projet"),
            ("Thomas Nguyen", "Atelier Seine & Plateaux, paysagiste", "equipe-projet"),
            ("Isabelle Petit", "DRIEAT Île-de-France", "dreal"),
            ("Marc Durand", "DDT de Seine-et-Marne", "ddt"),
            ("Hugo Bernard", "Chambre d'agriculture de Seine-et-Marne", "partenaire"),
            ("Nadia Benali", "CAUE de Seine-et-Marne", "partenaire"),
        ],
    )
    creer_seance(a.dossier, "visite", "2025-09-18", "Visite de terrain de la Bassée")
    s1 = creer_seance(a.dossier, "atelier-1", "2025-10-16", "Atelier 1 à Bray-sur-Seine")
    intuitions = creer_hypothese(
        s1,
        "Premières intuitions",
        "Ce que les élus ont dit du territoire au lendemain de la visite.",
        "Claire Martin",
        "equipe-projet",
        atelier=a.id,
        le=le("2025-10-16", "08:30"),
    )
    enregistrer(
        intuitions,
        a.id,
        "Claire Martin",
        "equipe-projet",
        "Premières intuitions après la visite",
        {
            "bm-bray": entite(
                e.point("Bray-sur-Seine"),
                "pole",
                "Bray-sur-Seine, bourg-centre",
                "Commerces, collège, gare routière : le cœur du quotidien.",
                "Jean Lefèvre",
                "elu",
            ),
            "bm-donnemarie": entite(
                e.point("Donnemarie-Dontilly"),
                "pole",
                "Donnemarie-Dontilly",
                "Pôle du Montois, à conforter.",
                "Sylvie Roux",
                "elu",
            ),
            "bm-seine": entite(
                e.ligne(
                    "Marolles-sur-Seine",
                    "La Tombe",
                    "Gravon",
                    "Balloy",
                    "Bray-sur-Seine",
                    "Jaulnes",
                    "Grisy-sur-Seine",
                    "Noyen-sur-Seine",
                ),
                "continuite",
                "La Seine et ses noues",
                "Trame bleue à reconnecter, de Montereau à Nogent.",
                "Claire Martin",
                "equipe-projet",
            ),
            "bm-crues": entite(
                e.zone("Balloy", "Gravon", "Mousseaux-lès-Bray", "Jaulnes"),
                "risque",
                "Champ d'expansion des crues",
                "Zone inondable de la Bassée : pas d'urbanisation nouvelle.",
                "Marc Durand",
                "ddt",
            ),
        },
    )
    enregistrer(
        intuitions,
        a.id,
        "Jean Lefèvre",
        "elu",
        "Ajouts des élus du Montois",
        {
            "bm-plateau": entite(
                e.zone("Montigny-Lencoup", "Égligny", "Les Ormes-sur-Voulzie"),
                "preserver",
                "Le plateau agricole du Montois",
                "Grandes cultures et bosquets : garder l'horizon ouvert.",
                "Sylvie Roux",
                "elu",
            ),
            "bm-question-gare": entite(
                e.point("Longueville"),
                "question",
                "Quelle desserte pour la gare de Longueville ?",
                "Les habitants vont à Provins en voiture.",
                "Jean Lefèvre",
                "elu",
            ),
        },
    )
    modifier_hypothese(intuitions, "Claire Martin", statut="debattue", le=le("2025-10-16", "15:30"))

    creer_seance(a.dossier, "rencontre-intermediaire", "2025-11-27", "Rencontre avec les maires du Montois")
    s2 = creer_seance(a.dossier, "atelier-2", "2026-01-22", "Atelier 2 à Donnemarie-Dontilly")
    ha = creer_hypothese(
        s2,
        "A — La Bassée, vallée nourricière",
        "Faire de la vallée un atout : agriculture, eau, loisirs de nature.",
        "Claire Martin",
        "equipe-projet",
        reprise_de=intuitions,
        atelier=a.id,
        le=le("2026-01-22", "08:30"),
    )
    enregistrer(
        ha,
        a.id,
        "Claire Martin",
        "equipe-projet",
        "La vallée nourricière",
        {
            "bm-maraichage": entite(
                e.zone("Châtenay-sur-Seine", "Courcelles-en-Bassée"),
                "projet",
                "Ceinture maraîchère de la Bassée",
                "Installer des maraîchers sur les terres des anciennes gravières.",
                "Claire Martin",
                "equipe-projet",
            ),
            "bm-boucle-velo": entite(
                e.ligne(
                    "Montereau-Fault-Yonne", "Marolles-sur-Seine", "Châtenay-sur-Seine", "Balloy", "Bray-sur-Seine"
                ),
                "liaison",
                "Véloroute de la Seine",
                "Relier les étangs et les villages à vélo.",
                "Sylvie Roux",
                "elu",
            ),
        },
        **{"bm-seine": {"commentaire": "Trame bleue à reconnecter ; rouvrir les noues entre les étangs."}},
    )
    hb = creer_hypothese(
        s2,
        "B — Un territoire relié à l'Île-de-France",
        "Miser sur les gares et les axes vers Montereau, Provins et Nangis.",
        "Marc Durand",
        "ddt",
        atelier=a.id,
        le=le("2026-01-22", "08:45"),
    )
    enregistrer(
        hb,
        a.id,
        "Marc Durand",
        "ddt",
        "Les liaisons avec l'Île-de-France",
        {
            "bm-b-bray": entite(
                e.point("Bray-sur-Seine"), "pole", "Bray-sur-Seine, porte de la vallée", "", "Marc Durand", "ddt"
            ),
            "bm-b-axe": entite(
                e.ligne("Montereau-Fault-Yonne", "Courcelles-en-Bassée", "Saint-Sauveur-lès-Bray", "Bray-sur-Seine"),
                "axe",
                "Axe Montereau – Bray",
                "Renforcer la RD 411 et le car express.",
                "Marc Durand",
                "ddt",
            ),
            "bm-b-provins": entite(
                e.ligne("Bray-sur-Seine", "Les Ormes-sur-Voulzie", "Longueville", "Provins"),
                "liaison",
                "Rabattement vers la gare de Provins",
                "",
                "Jean Lefèvre",
                "elu",
            ),
            "bm-b-nangis": entite(
                e.ligne("Donnemarie-Dontilly", "Montigny-Lencoup", "Nangis"),
                "flux",
                "Vers la gare de Nangis (ligne P)",
                "Les actifs du Montois travaillent vers Melun et Paris.",
                "Sylvie Roux",
                "elu",
            ),
            "bm-b-frange": entite(
                e.ligne("Everly", "Chalmaison", "Longueville"),
                "limite",
                "Limite de l'urbanisation",
                "",
                "Marc Durand",
                "ddt",
            ),
            "bm-b-texte": entite(
                e.point("Égligny", dy=0.01), "texte", "Le Montois", "", "Claire Martin", "equipe-projet"
            ),
        },
    )
    modifier_hypothese(ha, "Claire Martin", statut="debattue", le=le("2026-01-22", "14:00"))
    modifier_hypothese(hb, "Claire Martin", statut="debattue", le=le("2026-01-22", "15:30"))
    # Partagée avec le cercle large (site publié) sans être retenue : la base de la stratégie.
    modifier_hypothese(ha, "Claire Martin", le=le("2026-01-22", "17:00"), partagee=True)

    s3 = creer_seance(a.dossier, "atelier-3", "2026-03-19", "Atelier 3 à Bray-sur-Seine")
    modifier_hypothese(hb, "Patrick Moreau", statut="abandonnee", le=le("2026-03-19", "11:00"))
    strategie = creer_hypothese(
        s3,
        "Stratégie — la vallée nourricière, reliée",
        "L'hypothèse A, enrichie des liaisons de l'hypothèse B vers les gares.",
        "Claire Martin",
        "equipe-projet",
        reprise_de=ha,
        atelier=a.id,
        le=le("2026-03-19", "08:30"),
    )
    enregistrer(
        strategie,
        a.id,
        "Thomas Nguyen",
        "equipe-projet",
        "Les liaisons de l'hypothèse B rejoignent la stratégie",
        {
            "bm-rabattement-provins": entite(
                e.ligne("Bray-sur-Seine", "Les Ormes-sur-Voulzie", "Longueville", "Provins"),
                "liaison",
                "Rabattement vers la gare de Provins",
                "Repris de l'hypothèse B : car express et parkings relais.",
                "Jean Lefèvre",
                "elu",
            ),
            "bm-frange": entite(
                e.ligne("Everly", "Chalmaison", "Longueville"),
                "limite",
                "Limite de l'urbanisation au nord",
                "",
                "Marc Durand",
                "ddt",
            ),
        },
    )
    modifier_hypothese(strategie, "Patrick Moreau", statut="debattue", le=le("2026-03-19", "14:00"))
    modifier_hypothese(strategie, "Patrick Moreau", statut="retenue", le=le("2026-03-19", "16:30"))
    creer_seance(a.dossier, "seminaire-final", "2026-06-25", "Séminaire final régional à Melun")
    creer_seance(a.dossier, "rencontre-intermediaire", "2027-01-21", "Point d'étape de la feuille de route")

    feuille_de_route(
        a.dossier,
        strategie,
        [
            (
                "Faire de la Bassée une vallée nourricière",
                "L'eau, les terres et les savoir-faire agricoles au service des habitants du territoire.",
                [
                    {
                        "titre": "Installer une ceinture maraîchère sur les anciennes gravières",
                        "description": "Repérer le foncier des gravières réhabilitées ; y installer cinq maraîchers.",
                        "entites": ["bm-maraichage"],
                        "porteurs": ["Communauté de communes Bassée-Montois", "Chambre d'agriculture", "SAFER"],
                        "phasage": "moyen",
                        "outils": ["PAT (projet alimentaire territorial)", "PLUi"],
                        "statut": "en-cours",
                    },
                    {
                        "titre": "Protéger le plateau agricole du Montois",
                        "description": "Classer les terres du plateau et garder ses horizons ouverts.",
                        "entites": ["bm-plateau"],
                        "porteurs": ["Communauté de communes Bassée-Montois", "DDT de Seine-et-Marne"],
                        "phasage": "court",
                        "outils": ["PLUi", "ZAP (zone agricole protégée)"],
                        "statut": "en-cours",
                    },
                ],
            ),
            (
                "Vivre avec l'eau",
                "La Seine et ses noues comme trame du territoire, et le risque d'inondation comme donnée de départ.",
                [
                    {
                        "titre": "Rouvrir les noues entre les étangs",
                        "entites": ["bm-seine"],
                        "porteurs": ["EPTB Seine Grands Lacs", "Communes riveraines"],
                        "phasage": "long",
                        "outils": ["SAGE", "Fonds vert"],
                        "statut": "a-engager",
                    },
                    {
                        "titre": "Ne pas urbaniser le champ d'expansion des crues",
                        "description": "Traduire la zone inondable dans le PLUi en cours d'élaboration.",
                        "entites": ["bm-crues"],
                        "porteurs": ["DDT de Seine-et-Marne", "Communauté de communes Bassée-Montois"],
                        "phasage": "dates",
                        "debut": "2026-09-01",
                        "fin": "2027-12-31",
                        "outils": ["PPRI", "PLUi"],
                        "statut": "en-cours",
                    },
                ],
            ),
            (
                "Relier les bourgs et les gares sans dépendre de la voiture",
                "Des liaisons douces dans la vallée, des rabattements vers les gares de Provins et de Nangis.",
                [
                    {
                        "titre": "Aménager la véloroute de la Seine",
                        "entites": ["bm-boucle-velo"],
                        "porteurs": ["Département de Seine-et-Marne", "Communauté de communes Bassée-Montois"],
                        "phasage": "dates",
                        "debut": "2027-03-01",
                        "fin": "2029-06-30",
                        "outils": ["Plan de mobilité", "Contrat de plan État-Région"],
                        "statut": "a-engager",
                    },
                    {
                        "titre": "Conforter Bray-sur-Seine et Donnemarie-Dontilly",
                        "description": "Commerces, services et logements dans les centres-bourgs.",
                        "entites": ["bm-bray", "bm-donnemarie"],
                        "porteurs": ["Commune de Bray-sur-Seine", "Commune de Donnemarie-Dontilly"],
                        "phasage": "moyen",
                        "outils": ["Petites villes de demain", "ORT (opération de revitalisation de territoire)"],
                        "statut": "en-cours",
                    },
                    {
                        "titre": "Rabattre les habitants vers la gare de Provins",
                        "entites": ["bm-rabattement-provins", "bm-question-gare"],
                        "porteurs": ["Île-de-France Mobilités", "Région Île-de-France"],
                        "phasage": "long",
                        "outils": ["Plan de mobilité"],
                        "statut": "a-engager",
                    },
                    {
                        "titre": "Tenir la limite de l'urbanisation au nord",
                        "entites": ["bm-frange"],
                        "porteurs": ["Communauté de communes Bassée-Montois"],
                        "phasage": "court",
                        "outils": ["PLUi", "OAP"],
                        "statut": "realisee",
                    },
                ],
            ),
        ],
        "Marc Durand",
    )


def gascogne_toulouse(projets: Path) -> None:
    a = charger_atelier(projets, "gascogne-toulouse")
    # Homonymes (Mauvezin 31 et 32…) : le Pays Portes de Gascogne est dans le Gers, on garde le Gers.
    e = Esquisseur(a.couche("communes").sort_values("dep", ascending=False).drop_duplicates("nom"))
    participants(
        projets,
        a.id,
        [
            ("Anne Castaing", "PETR Pays Portes de Gascogne", "elu"),
            ("Paul Daubas", "Commune de Samatan", "elu"),
            ("Élodie Fabre", "Toulouse Métropole", "elu"),
            ("Olivier Boucher", "Collectif Rural-Urbain (mandataire)", "equipe-projet"),
            ("Hélène Sarrat", "DREAL Occitanie", "dreal"),
            ("Laurent Ribes", "DDT du Gers", "ddt"),
            ("Marion Lacoste", "Chambre d'agriculture du Gers", "partenaire"),
        ],
    )
    s1 = creer_seance(a.dossier, "atelier-1", "2025-11-05", "Atelier 1 à L'Isle-Jourdain")
    h = creer_hypothese(
        s1,
        "Réciprocités alimentaires et mobilités",
        "Ce que la métropole et le Pays peuvent s'apporter : produits, emplois, déplacements, loisirs.",
        "Olivier Boucher",
        "equipe-projet",
        atelier=a.id,
        le=le("2025-11-05", "08:30"),
    )
    enregistrer(
        h,
        a.id,
        "Olivier Boucher",
        "equipe-projet",
        "Les liens entre le Pays et la métropole",
        {
            "gt-isle": entite(
                e.point("L'Isle-Jourdain"), "pole", "L'Isle-Jourdain, porte de la Gascogne", "", "Anne Castaing", "elu"
            ),
            "gt-gimont": entite(e.point("Gimont"), "pole", "Gimont", "", "Anne Castaing", "elu"),
            "gt-lectoure": entite(e.point("Lectoure"), "pole", "Lectoure", "", "Anne Castaing", "elu"),
            "gt-samatan": entite(
                e.point("Samatan"),
                "pole",
                "Samatan",
                "Marché au gras : une vitrine pour les Toulousains.",
                "Paul Daubas",
                "elu",
            ),
            "gt-flux-alim": entite(
                e.ligne("Gimont", "L'Isle-Jourdain", "Colomiers", "Toulouse"),
                "flux",
                "Circuits courts vers la métropole",
                "Approvisionner les cantines toulousaines en produits gersois.",
                "Paul Daubas",
                "elu",
            ),
            "gt-flux-loisirs": entite(
                e.ligne("Toulouse", "Léguevin", "Pujaudran", "Cologne", "Saint-Clar"),
                "flux",
                "Les Toulousains en week-end dans la Lomagne",
                "Tourisme vert : une réciprocité à organiser.",
                "Olivier Boucher",
                "equipe-projet",
            ),
            "gt-rail": entite(
                e.ligne("Auch", "Aubiet", "Gimont", "L'Isle-Jourdain", "Pujaudran", "Colomiers", "Toulouse"),
                "axe",
                "Ligne Auch – Toulouse",
                "Cadencer les trains et rouvrir la gare de Pujaudran ?",
                "Hélène Sarrat",
                "dreal",
            ),
            "gt-agri": entite(
                e.zone("Cologne"), "preserver", "Coteaux agricoles autour de Cologne", "", "Paul Daubas", "elu"
            ),
            "gt-question": entite(
                e.point("Fontenilles"),
                "question",
                "Où s'arrête la périurbanisation ?",
                "Pression foncière le long de la RN 124.",
                "Hélène Sarrat",
                "dreal",
            ),
        },
    )
    modifier_hypothese(h, "Olivier Boucher", statut="debattue", le=le("2025-11-05", "14:30"))
    modifier_hypothese(h, "Olivier Boucher", statut="retenue", le=le("2025-11-05", "17:00"))


def gascogne_toulouse_suite(projets: Path) -> None:
    """Séances 2 et 3 : deux hypothèses reprises de la séance 1 (mêmes identifiants), puis la stratégie validée.

    De quoi comparer deux hypothèses, deux versions, deux séances, et voir « ce qui a changé
    depuis la séance 1 » : zones agrandies, flèches ajoutées ou retirées, points déplacés.
    """
    a = charger_atelier(projets, "gascogne-toulouse")
    # Homonymes (Mauvezin 31 et 32…) : le Pays Portes de Gascogne est dans le Gers, on garde le Gers.
    e = Esquisseur(a.couche("communes").sort_values("dep", ascending=False).drop_duplicates("nom"))
    s1 = seance(a.dossier, "2025-11-05-atelier-1")
    (h1,) = lister_hypotheses(s1)
    s2 = creer_seance(a.dossier, "atelier-2", "2026-02-12", "Atelier 2 à Gimont")
    ha = creer_hypothese(
        s2,
        "A — Le Gers, garde-manger de la métropole",
        "Alimentation, paysages et tourisme : ce que le Pays offre à la métropole.",
        "Olivier Boucher",
        "equipe-projet",
        reprise_de=h1,
        atelier=a.id,
        le=le("2026-02-12", "08:30"),
    )
    hb = creer_hypothese(
        s2,
        "B — Mobilités partagées sur la RN 124",
        "Train, car express et covoiturage : le quotidien des actifs entre le Pays et la métropole.",
        "Hélène Sarrat",
        "dreal",
        reprise_de=h1,
        atelier=a.id,
        le=le("2026-02-12", "08:45"),
    )
    depot = ha.depot(a.id)
    agri = depot.entites(1)["gt-agri"]
    agrandie = e.zone("Cologne", "Sarrant", "Solomiac", "Touget", "Monfort", "Saint-Georges")
    depot.enregistrer(
        [
            Changement(
                "gt-agri",
                1,
                {
                    **agri,
                    "geometry": agrandie,
                    "properties": {**agri["properties"], "titre": "Coteaux agricoles de la Gimone"},
                },
            ),
            Changement(
                "gt-legumerie",
                None,
                entite(
                    e.zone("Gimont", marge_m=-1200),
                    "projet",
                    "Légumerie intercommunale de Gimont",
                    "Laver, éplucher, conditionner : la marche qui manque pour les cantines.",
                    "Anne Castaing",
                    "elu",
                ),
            ),
            Changement(
                "gt-flux-marche",
                None,
                entite(
                    e.ligne("Samatan", "Fontenilles", "Toulouse"),
                    "flux",
                    "Le marché au gras de Samatan",
                    "Une navette les jours de marché pour les Toulousains.",
                    "Paul Daubas",
                    "elu",
                ),
            ),
        ],
        "Olivier Boucher",
        "equipe-projet",
        "Le garde-manger de la métropole",
    )
    v2 = depot.entites(2)
    lectoure = v2["gt-lectoure"]
    depot.enregistrer(
        [
            Changement("gt-question", 2, None),
            Changement(
                "gt-lectoure",
                2,
                {
                    **lectoure,
                    "geometry": e.point("Lectoure", dx=0.02, dy=0.01),
                    "properties": {**lectoure["properties"], "titre": "Lectoure, porte de la Lomagne"},
                },
            ),
        ],
        "Hélène Sarrat",
        "dreal",
        "Relecture par l'État",
    )
    enregistrer(
        hb,
        a.id,
        "Hélène Sarrat",
        "dreal",
        "Les mobilités du quotidien",
        {
            "gt-car": entite(
                e.ligne("Gimont", "L'Isle-Jourdain", "Colomiers"),
                "liaison",
                "Car express Gimont – Colomiers",
                "Cadencement à la demi-heure aux heures de pointe.",
                "Hélène Sarrat",
                "dreal",
            ),
        },
        **{"gt-rail": {"titre": "Ligne Auch – Toulouse, colonne vertébrale des mobilités"}},
    )
    hb.depot(a.id).enregistrer([Changement("gt-flux-loisirs", 2, None)], "Hélène Sarrat", "dreal")
    modifier_hypothese(ha, "Anne Castaing", statut="debattue", le=le("2026-02-12", "14:00"))
    modifier_hypothese(hb, "Anne Castaing", statut="debattue", le=le("2026-02-12", "15:00"))
    modifier_hypothese(ha, "Anne Castaing", statut="retenue", le=le("2026-02-12", "16:30"))

    s3 = creer_seance(a.dossier, "atelier-3", "2026-04-09", "Atelier 3 à Auch")
    hf = creer_hypothese(
        s3,
        "Stratégie validée",
        "La base de la feuille de route du contrat de réciprocité.",
        "Olivier Boucher",
        "equipe-projet",
        reprise_de=ha,
        atelier=a.id,
        le=le("2026-04-09", "08:30"),
    )
    enregistrer(
        hf,
        a.id,
        "Paul Daubas",
        "elu",
        "La Save, fil vert entre le Pays et la métropole",
        {
            "gt-save": entite(
                e.ligne("Lombez", "Samatan", "L'Isle-Jourdain", "Montaigut-sur-Save"),
                "continuite",
                "Trame verte et bleue de la Save",
                "De Lombez aux portes de la métropole.",
                "Paul Daubas",
                "elu",
            ),
        },
    )
    modifier_hypothese(hf, "Olivier Boucher", statut="debattue", le=le("2026-04-09", "14:00"))
    modifier_hypothese(hf, "Anne Castaing", statut="retenue", le=le("2026-04-09", "16:30"))
    feuille_de_route(
        a.dossier,
        hf,
        [
            (
                "Nourrir la métropole avec les produits du Gers",
                "Des débouchés pour les agriculteurs gersois, une alimentation de qualité pour les Toulousains.",
                [
                    {
                        "titre": "Approvisionner les cantines toulousaines en circuits courts",
                        "entites": ["gt-flux-alim", "gt-gimont"],
                        "porteurs": [
                            "Toulouse Métropole",
                            "PETR Pays Portes de Gascogne",
                            "Chambre d'agriculture du Gers",
                        ],
                        "phasage": "dates",
                        "debut": "2026-09-01",
                        "fin": "2027-12-31",
                        "outils": ["Contrat de réciprocité", "PAT (projet alimentaire territorial)"],
                        "statut": "en-cours",
                    },
                    {
                        "titre": "Ouvrir la légumerie intercommunale de Gimont",
                        "description": "Laver, éplucher, conditionner : la marche qui manque pour les cantines.",
                        "entites": ["gt-legumerie"],
                        "porteurs": ["Communauté de communes de la Gascogne toulousaine", "Région Occitanie"],
                        "phasage": "dates",
                        "debut": "2027-01-01",
                        "fin": "2028-06-30",
                        "outils": ["Contrat de réciprocité", "Fonds vert"],
                        "statut": "a-engager",
                    },
                    {
                        "titre": "Faire du marché au gras de Samatan une vitrine pour les Toulousains",
                        "entites": ["gt-samatan", "gt-flux-marche"],
                        "porteurs": ["Commune de Samatan", "Office de tourisme"],
                        "phasage": "court",
                        "outils": ["Contrat de réciprocité"],
                        "statut": "realisee",
                    },
                ],
            ),
            (
                "Des déplacements partagés entre le Pays et la métropole",
                "",
                [
                    {
                        "titre": "Cadencer la ligne Auch – Toulouse",
                        "description": "Un train par demi-heure aux heures de pointe ; étudier la gare de Pujaudran.",
                        "entites": ["gt-rail", "gt-isle"],
                        "porteurs": ["Région Occitanie", "SNCF Réseau"],
                        "phasage": "long",
                        "outils": ["Contrat de plan État-Région"],
                        "statut": "a-engager",
                    },
                ],
            ),
            (
                "Accueillir les Toulousains sans étalement urbain",
                "",
                [
                    {
                        "titre": "Organiser le tourisme vert en Lomagne",
                        "entites": ["gt-flux-loisirs", "gt-lectoure"],
                        "porteurs": ["PETR Pays Portes de Gascogne", "Toulouse Métropole"],
                        "phasage": "moyen",
                        "outils": ["Contrat de réciprocité"],
                        "statut": "en-cours",
                    },
                    {
                        "titre": "Préserver les coteaux agricoles de la Gimone",
                        "entites": ["gt-agri"],
                        "porteurs": ["DDT du Gers", "Syndicat mixte du SCoT de Gascogne"],
                        "phasage": "court",
                        "outils": ["SCoT", "PLUi", "ZAP (zone agricole protégée)"],
                        "statut": "en-cours",
                    },
                    {
                        "titre": "Protéger la trame verte et bleue de la Save",
                        "entites": ["gt-save"],
                        "porteurs": ["Syndicat mixte du SCoT de Gascogne", "Toulouse Métropole"],
                        "phasage": "moyen",
                        "outils": ["SCoT", "PLUi"],
                        "statut": "a-engager",
                    },
                ],
            ),
        ],
        "Hélène Sarrat",
    )


# Relevés des séances passées, tels que la DDT les a rédigés pour le carnet de suivi.
RELEVES = {
    "bassee-montois": (
        "Marc Durand",
        {
            "2025-09-18-visite": {
                "participants": [
                    "Patrick Moreau — Communauté de communes Bassée-Montois (élu·e)",
                    "Jean Lefèvre — Commune de Bray-sur-Seine (élu·e)",
                    "Claire Martin — Atelier Seine & Plateaux (équipe-projet)",
                    "Thomas Nguyen — Atelier Seine & Plateaux, paysagiste (équipe-projet)",
                    "Marc Durand — DDT de Seine-et-Marne (DDT)",
                ],
                "points_accord": [
                    "La vallée de la Seine et ses gravières : une richesse plus qu'une contrainte.",
                    "Le quotidien se joue entre Bray-sur-Seine, Donnemarie-Dontilly, Provins et Montereau.",
                ],
                "points_a_approfondir": [
                    "Le risque d'inondation dans la Bassée : quelle place pour l'habitat et les activités ?",
                    "L'accès aux gares depuis les villages du plateau.",
                ],
                "prochaines_etapes": ["Atelier 1 à Bray-sur-Seine le 16 octobre : premières intuitions sur carte."],
            },
            "2025-10-16-atelier-1": {
                "participants": [
                    "Patrick Moreau — Communauté de communes Bassée-Montois (élu·e)",
                    "Jean Lefèvre — Commune de Bray-sur-Seine (élu·e)",
                    "Sylvie Roux — Commune de Donnemarie-Dontilly (élu·e)",
                    "Claire Martin — Atelier Seine & Plateaux (équipe-projet)",
                    "Thomas Nguyen — Atelier Seine & Plateaux, paysagiste (équipe-projet)",
                    "Isabelle Petit — DRIEAT Île-de-France (DREAL)",
                    "Marc Durand — DDT de Seine-et-Marne (DDT)",
                    "Hugo Bernard — Chambre d'agriculture de Seine-et-Marne (partenaire)",
                ],
                "points_accord": [
                    "Bray-sur-Seine et Donnemarie-Dontilly sont les deux centralités à conforter.",
                    "Les espaces agricoles de la vallée sont à préserver.",
                ],
                "points_a_approfondir": [
                    "Deux directions : la vallée nourricière, ou un territoire tourné vers l'Île-de-France.",
                    "Les liaisons entre les bourgs et les gares de Provins, Longueville et Montereau.",
                ],
                "prochaines_etapes": [
                    "L'équipe-projet formalise deux hypothèses contrastées pour l'atelier 2.",
                    "Rencontre avec les maires du Montois en novembre.",
                ],
            },
            "2025-11-27-rencontre-intermediaire": {
                "participants": [
                    "Patrick Moreau — Communauté de communes Bassée-Montois (élu·e)",
                    "Sylvie Roux — Commune de Donnemarie-Dontilly (élu·e)",
                    "Claire Martin — Atelier Seine & Plateaux (équipe-projet)",
                    "Marc Durand — DDT de Seine-et-Marne (DDT)",
                ],
                "points_accord": [
                    "Les maires du Montois ne veulent pas que le plateau soit oublié au profit de la vallée."
                ],
                "points_a_approfondir": ["Le rabattement vers la gare de Longueville depuis le Montois."],
                "prochaines_etapes": ["Atelier 2 à Donnemarie-Dontilly le 22 janvier."],
            },
            "2026-01-22-atelier-2": {
                "participants": [
                    "Patrick Moreau — Communauté de communes Bassée-Montois (élu·e)",
                    "Jean Lefèvre — Commune de Bray-sur-Seine (élu·e)",
                    "Sylvie Roux — Commune de Donnemarie-Dontilly (élu·e)",
                    "Claire Martin — Atelier Seine & Plateaux (équipe-projet)",
                    "Thomas Nguyen — Atelier Seine & Plateaux, paysagiste (équipe-projet)",
                    "Isabelle Petit — DRIEAT Île-de-France (DREAL)",
                    "Marc Durand — DDT de Seine-et-Marne (DDT)",
                    "Nadia Benali — CAUE de Seine-et-Marne (partenaire)",
                ],
                "points_accord": [
                    "L'hypothèse A (vallée nourricière) rassemble : agriculture, eau et loisirs de nature.",
                    "Les liaisons vers les gares de l'hypothèse B sont à garder.",
                ],
                "points_a_approfondir": [
                    "Comment relier la vallée aux gares sans étendre l'urbanisation le long des axes ?",
                    "Les secteurs inondables à ne pas ouvrir à l'habitat.",
                ],
                "prochaines_etapes": ["Atelier 3 : une stratégie qui croise A et B, à valider par les élus."],
            },
            "2026-03-19-atelier-3": {
                "participants": [
                    "Patrick Moreau — Communauté de communes Bassée-Montois (élu·e)",
                    "Jean Lefèvre — Commune de Bray-sur-Seine (élu·e)",
                    "Sylvie Roux — Commune de Donnemarie-Dontilly (élu·e)",
                    "Claire Martin — Atelier Seine & Plateaux (équipe-projet)",
                    "Isabelle Petit — DRIEAT Île-de-France (DREAL)",
                    "Marc Durand — DDT de Seine-et-Marne (DDT)",
                    "Hugo Bernard — Chambre d'agriculture de Seine-et-Marne (partenaire)",
                ],
                "points_accord": [
                    "La stratégie « la vallée nourricière, reliée » est retenue.",
                    "L'hypothèse B est abandonnée ; ses liaisons vers les gares sont reprises dans la stratégie.",
                ],
                "points_a_approfondir": ["Les porteurs et le calendrier de chaque action."],
                "prochaines_etapes": [
                    "Rédiger la feuille de route avec les porteurs pressentis.",
                    "Séminaire final régional à Melun en juin.",
                ],
            },
            "2026-06-25-seminaire-final": {
                "participants": [
                    "Patrick Moreau — Communauté de communes Bassée-Montois (élu·e)",
                    "Claire Martin — Atelier Seine & Plateaux (équipe-projet)",
                    "Isabelle Petit — DRIEAT Île-de-France (DREAL)",
                    "Marc Durand — DDT de Seine-et-Marne (DDT)",
                ],
                "points_accord": ["La feuille de route est partagée ; chaque action a un porteur."],
                "points_a_approfondir": ["L'inscription de la stratégie dans le futur PLUi."],
                "prochaines_etapes": ["Point d'étape de la feuille de route en janvier 2027."],
            },
        },
    ),
    "gascogne-toulouse": (
        "Laurent Ribes",
        {
            "2025-11-05-atelier-1": {
                "participants": [
                    "Anne Castaing — PETR Pays Portes de Gascogne (élu·e)",
                    "Paul Daubas — Commune de Samatan (élu·e)",
                    "Élodie Fabre — Toulouse Métropole (élu·e)",
                    "Olivier Boucher — Collectif Rural-Urbain (équipe-projet)",
                    "Hélène Sarrat — DREAL Occitanie (DREAL)",
                    "Laurent Ribes — DDT du Gers (DDT)",
                ],
                "points_accord": [
                    "Le contrat de réciprocité porte d'abord sur l'alimentation et les mobilités.",
                    "Les flux entre le Pays et la métropole vont dans les deux sens.",
                ],
                "points_a_approfondir": ["Les déplacements quotidiens sur la RN 124 et la ligne Auch–Toulouse."],
                "prochaines_etapes": ["Atelier 2 à Gimont : deux hypothèses, alimentation et mobilités."],
            },
            "2026-02-12-atelier-2": {
                "participants": [
                    "Anne Castaing — PETR Pays Portes de Gascogne (élu·e)",
                    "Paul Daubas — Commune de Samatan (élu·e)",
                    "Élodie Fabre — Toulouse Métropole (élu·e)",
                    "Olivier Boucher — Collectif Rural-Urbain (équipe-projet)",
                    "Laurent Ribes — DDT du Gers (DDT)",
                    "Marion Lacoste — Chambre d'agriculture du Gers (partenaire)",
                ],
                "points_accord": ["L'hypothèse A (le Gers, garde-manger de la métropole) est retenue."],
                "points_a_approfondir": [
                    "L'hypothèse B (mobilités partagées sur la RN 124) : qui porte le car express ?",
                    "La logistique des circuits courts vers les cantines de la métropole.",
                ],
                "prochaines_etapes": ["Atelier 3 à Auch : valider la stratégie du contrat."],
            },
            "2026-04-09-atelier-3": {
                "participants": [
                    "Anne Castaing — PETR Pays Portes de Gascogne (élu·e)",
                    "Élodie Fabre — Toulouse Métropole (élu·e)",
                    "Olivier Boucher — Collectif Rural-Urbain (équipe-projet)",
                    "Hélène Sarrat — DREAL Occitanie (DREAL)",
                    "Laurent Ribes — DDT du Gers (DDT)",
                ],
                "points_accord": ["La stratégie est validée : elle fonde la feuille de route du contrat."],
                "points_a_approfondir": ["Le financement des actions de mobilité."],
                "prochaines_etapes": ["Signature du contrat de réciprocité à l'automne."],
            },
        },
    ),
}


def releves(projets: Path) -> None:
    """Les relevés des séances passées ; un relevé déjà enregistré n'est jamais remplacé."""
    for atelier, (redacteur, par_seance) in RELEVES.items():
        a = charger_atelier(projets, atelier)
        for identifiant, rubriques in par_seance.items():
            s = seance(a.dossier, identifiant)
            if lire_releve(s).revision == 0:
                enregistrer_releve(s, rubriques, 0, redacteur)


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--projets", type=Path, default=Path(__file__).resolve().parents[1] / "projets")
    parseur.add_argument("--remplacer", action="store_true", help="efface d'abord les séances existantes")
    args = parseur.parse_args()
    for atelier in ("bassee-montois", "gascogne-toulouse"):
        dossier = args.projets / atelier / DOSSIER_SEANCES
        if dossier.exists():
            if not args.remplacer:
                raise SystemExit(f"{dossier} existe déjà : relancez avec --remplacer pour le recréer.")
            shutil.rmtree(dossier)
            shutil.rmtree(args.projets / atelier / "brouillons", ignore_errors=True)
            (args.projets / atelier / fdr.FICHIER).unlink(missing_ok=True)
    bassee_montois(args.projets)
    gascogne_toulouse(args.projets)
    gascogne_toulouse_suite(args.projets)
    releves(args.projets)
    print("Ateliers de démonstration remplis.")


if __name__ == "__main__":
    main()
