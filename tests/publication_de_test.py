"""Ateliers à publier, dans une copie de ``projets/`` : ce qui ne doit jamais sortir, et des textes piégés.

Tout est écrit par les fonctions du domaine (hypothèses, versions, brouillons, feuille de route),
comme le ferait l'application.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from esquisse.atelier import feuille_de_route as fdr
from esquisse.atelier.ateliers import charger_atelier, modifier_atelier
from esquisse.atelier.seances import creer_hypothese, hypothese, lister_hypotheses, lister_seances, modifier_hypothese
from esquisse.esquisses.brouillons import ecrire as ecrire_brouillon
from esquisse.esquisses.edition import Annotation, DessinLocal
from esquisse.esquisses.versions import Changement

ATELIER = "gascogne-toulouse"
# Textes uniques qui ne doivent apparaître nulle part dans le site publié.
SECRETS = {
    "hypothese": "Hypothèse-confidentielle-7f3a",
    "description": "Description-confidentielle-91bc",
    "esquisse": "Esquisse-confidentielle-c2d4",
    "commentaire": "Commentaire-confidentiel-5e6f",
    "brouillon": "Brouillon-confidentiel-0a1b",
    "courriel": "secret.contact@exemple.fr",
    "telephone": "06 12 34 56 78",
}
# Sans point-virgule : les porteurs d'une action n'en admettent pas (séparateur du CSV).
PIEGES = (
    '<img src=x onerror="window.__xss=1,alert(1)">',
    "</script><script>window.__xss=2,alert(2)</script>",
    '"><svg onload=window.__xss=3,alert(3)>',
)


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def _zone(lon: float, lat: float, d: float = 0.03) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
    }


def ajouter_secrets(projets: Path) -> Path:
    """Une hypothèse débattue (non partagée) avec ses esquisses, un brouillon, un contact : rien ne doit sortir."""
    atelier = charger_atelier(projets, ATELIER)
    s = lister_seances(atelier.dossier)[1]
    h = creer_hypothese(
        s, SECRETS["hypothese"], SECRETS["description"], "Anne Castaing", "equipe-projet", atelier=ATELIER
    )
    entite = {
        "type": "Feature",
        "id": "secret-1",
        "geometry": _zone(0.9, 43.6),
        "properties": {"categorie": "projet", "titre": SECRETS["esquisse"], "commentaire": SECRETS["commentaire"]},
    }
    h.depot(ATELIER).enregistrer([Changement("secret-1", None, entite)], "Anne Castaing", "equipe-projet")
    modifier_hypothese(h, "Anne Castaing", statut="debattue")
    retenue = next(x for x in lister_hypotheses(s) if x.statut == "retenue")
    ecrire_brouillon(
        atelier.dossier,
        retenue,
        "poste-1",
        "Anne Castaing",
        "equipe-projet",
        [DessinLocal("b-1", None, 1, geometrie=_point(1.0, 43.7), categorie="pole")],
        {"b-1": Annotation(titre=SECRETS["brouillon"])},
    )

    def contact(donnees: dict) -> None:  # des champs en trop dans atelier.json : jamais lus
        donnees["participants"][0]["courriel"] = SECRETS["courriel"]
        donnees["participants"][0]["telephone"] = SECRETS["telephone"]

    modifier_atelier(projets, ATELIER, contact)
    return atelier.dossier


def pieger(projets: Path, piege: str) -> None:
    """Le piège ``piege`` dans chaque texte saisi de l'atelier : fiche, participants, séances,
    hypothèses publiées et leurs esquisses, feuille de route."""
    atelier = charger_atelier(projets, ATELIER)

    def fiche(donnees: dict) -> None:
        donnees["nom"] = f"Atelier {piege}"
        donnees["theme"] = f"Thème {piege}"
        donnees["description"] = f"Description {piege}"
        for k, p in enumerate(donnees["participants"][:3]):
            p["nom"] = f"{piege} {k + 1}"
            p["structure"] = f"Structure {piege}"

    modifier_atelier(projets, ATELIER, fiche)
    for s in lister_seances(atelier.dossier):
        donnees = json.loads((s.dossier / "seance.json").read_text(encoding="utf-8"))
        donnees["titre"] = f"{s.titre} {piege}"[:120]
        (s.dossier / "seance.json").write_text(json.dumps(donnees, ensure_ascii=False), encoding="utf-8")
        for h in lister_hypotheses(s):
            if not h.publiable:
                continue
            modifier_hypothese(h, "Anne Castaing", titre=f"{h.titre[:60]} {piege}", description=f"Pourquoi {piege}")
            h = hypothese(s, h.id)
            depot = h.depot(ATELIER)
            numero = depot.numero_courant()
            changements = []
            for e in depot.lire(numero).entites:
                p = dict(e["properties"], titre=f"{e['properties'].get('titre', '')[:40]} {piege}")
                p["commentaire"] = f"Commentaire {piege}"
                changements.append(Changement(e["id"], numero, {**e, "properties": p}))
            depot.enregistrer(changements, "Anne Castaing", "equipe-projet")
    f = fdr.lire(atelier.dossier)
    orientations = tuple(
        replace(
            o,
            titre=f"{o.titre[:60]} {piege}",
            description=f"Orientation {piege}",
            actions=tuple(
                replace(
                    a, titre=f"{a.titre[:60]} {piege}", description=f"Action {piege}", porteurs=(f"Porteur {piege}",)
                )
                for a in o.actions
            ),
        )
        for o in f.orientations
    )
    fdr.enregistrer(atelier.dossier, replace(f, orientations=orientations), "Anne Castaing", f.revision)


def titres_publies(projets: Path) -> list[str]:
    """Les titres des esquisses des hypothèses retenues ou partagées (dernière version)."""
    atelier = charger_atelier(projets, ATELIER)
    titres = []
    for s in lister_seances(atelier.dossier):
        for h in lister_hypotheses(s):
            if h.publiable:
                depot = h.depot()
                titres += [e["properties"].get("titre", "") for e in depot.lire(depot.numero_courant()).entites]
    return [t for t in titres if t]


def octets_du_dossier(dossier: Path) -> bytes:
    return b"\n".join(f.read_bytes() for f in sorted(dossier.rglob("*")) if f.is_file())
