"""Comparer deux états d'un atelier, et dire quels territoires touchent ses esquisses.

Chaque page appelle une seule de ces fonctions, qui renvoie tout ce qu'elle montre :

- :func:`comparer` : deux hypothèses, deux versions d'une hypothèse, ou les états finaux de
  deux séances (voir :mod:`esquisse.analyse.etats`) ;
- :func:`depuis_seance` : « ce qui a changé depuis la séance N », en un clic (jusqu'à la
  dernière séance qui a des esquisses) ;
- :func:`rapport_territoires` : les territoires que touche chaque esquisse d'un état, les
  esquisses à cheval sur plusieurs EPCI ou SCoT, et les liens entre territoires.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from esquisse.analyse.attribution import (
    Attribution,
    Referentiel,
    attribuer,
    fiche,
    nombre,
    referentiel,
    tableau_attributions,
)
from esquisse.analyse.difference import (
    Difference,
    Evolution,
    LigneCategorie,
    comparer_entites,
    compter,
    evolutions,
    par_categorie,
    resume,
)
from esquisse.analyse.etats import Choix, Etat, hypothese_finale, lire_etat
from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.seances import Seance, lister_seances
from esquisse.carte.lecture import donnees_differences, donnees_esquisses
from esquisse.esquisses.legende import Categorie, categorie_ou_inconnue
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable


def _fiches(entites, attributions: Mapping[str, Attribution], legende) -> dict[str, str]:
    return {
        e["id"]: fiche(attributions[e["id"]], categorie_ou_inconnue(legende, e["properties"].get("categorie")))
        for e in entites
    }


def titre_etat(lettre: str, titre: str) -> str:
    """« A · Avant-projet », mais « A — Le rural… » quand le titre commence déjà par la lettre (« A · A — … »)."""
    if re.match(rf"^{re.escape(lettre)}\s*[—–-]\s", titre):
        return titre
    return f"{lettre} · {titre}"


@dataclass(frozen=True)
class Comparaison:
    """Tout ce que montre la page « Comparer » : les deux états, leurs différences, les bilans."""

    a: Etat
    b: Etat
    legende: tuple[Categorie, ...]
    differences: tuple[Difference, ...]
    attributions_a: Mapping[str, Attribution]
    attributions_b: Mapping[str, Attribution]
    categories: tuple[LigneCategorie, ...]
    evolutions: tuple[Evolution, ...]

    @property
    def compte(self) -> dict[str, int]:
        return compter(self.differences)

    @property
    def identiques(self) -> bool:
        c = self.compte
        return not (c["ajoutee"] or c["supprimee"] or c["modifiee"])

    @property
    def resume(self) -> str:
        if not self.differences:
            return "Aucune esquisse de part et d'autre."
        if self.identiques:
            return f"Aucun changement : les {len(self.differences)} esquisses sont identiques."
        return resume(self.compte)

    @property
    def surface_gagnee_ha(self) -> float:
        return sum(d.surface_gagnee_ha for d in self.differences)

    @property
    def surface_perdue_ha(self) -> float:
        return sum(d.surface_perdue_ha for d in self.differences)

    def tableau_categories(self) -> pd.DataFrame:
        """Bilan par catégorie : nombres, hectares et kilomètres dans A et dans B, et les changements."""
        lignes = [
            {
                "Catégorie": c.categorie.nom,
                "Nb A": c.avant,
                "Nb B": c.apres,
                "Ajoutées": c.ajoutees,
                "Supprimées": c.supprimees,
                "Modifiées": c.modifiees,
                "Inchangées": c.inchangees,
                "ha A": round(c.ha_avant, 1),
                "ha B": round(c.ha_apres, 1),
                "km A": round(c.km_avant, 1),
                "km B": round(c.km_apres, 1),
            }
            for c in self.categories
        ]
        colonnes = ["Catégorie", "Nb A", "Nb B", "Ajoutées", "Supprimées", "Modifiées", "Inchangées"]
        return pd.DataFrame(lignes, columns=[*colonnes, "ha A", "ha B", "km A", "km B"])

    def tableau_evolutions(self) -> pd.DataFrame:
        """Communes, EPCI et SCoT : combien A et B en touchent, lesquels sont nouveaux, lesquels ne le sont plus."""
        lignes = [
            {
                "Niveau": e.niveau,
                "Touchés par A": e.avant,
                "Touchés par B": e.apres,
                "Nouvellement touchés": ", ".join(map(str, e.nouveaux)) or "—",
                "Ne sont plus touchés": ", ".join(map(str, e.quittes)) or "—",
            }
            for e in self.evolutions
        ]
        colonnes = ["Niveau", "Touchés par A", "Touchés par B", "Nouvellement touchés", "Ne sont plus touchés"]
        return pd.DataFrame(lignes, columns=colonnes)

    def tableau_differences(self, avec_inchangees: bool = False) -> pd.DataFrame:
        """Une ligne par esquisse ajoutée, supprimée ou modifiée (et inchangée si demandé)."""
        ordre = {"modifiee": 0, "ajoutee": 1, "supprimee": 2, "inchangee": 3}
        lignes = []
        for d in sorted(self.differences, key=lambda d: ordre[d.etat]):
            if d.etat == "inchangee" and not avec_inchangees:
                continue
            p = d.entite["properties"]
            c = categorie_ou_inconnue(self.legende, p.get("categorie"))
            avant, apres = self.attributions_a.get(d.id), self.attributions_b.get(d.id)
            communes_a = set(avant.communes) if avant else set()
            communes_b = set(apres.communes) if apres else set()
            lignes.append(
                {
                    "Esquisse": p.get("titre") or c.nom,
                    "Catégorie": c.nom,
                    "Changement": d.libelle_etat,
                    "Détail": d.detail(),
                    "Communes en plus": ", ".join(t.nom for t in sorted(communes_b - communes_a, key=str)),
                    "Communes en moins": ", ".join(t.nom for t in sorted(communes_a - communes_b, key=str)),
                }
            )
        colonnes = ["Esquisse", "Catégorie", "Changement", "Détail", "Communes en plus", "Communes en moins"]
        return pd.DataFrame(lignes, columns=colonnes)

    def carte_a(self) -> dict:
        return donnees_esquisses(
            titre_etat("A", self.a.titre_court),
            self.a.entites,
            self.legende,
            _fiches(self.a.entites, self.attributions_a, self.legende),
        )

    def carte_b(self) -> dict:
        return donnees_esquisses(
            titre_etat("B", self.b.titre_court),
            self.b.entites,
            self.legende,
            _fiches(self.b.entites, self.attributions_b, self.legende),
        )

    def carte_differences(self) -> dict:
        return donnees_differences(
            f"De A ({self.a.titre_court}) à B ({self.b.titre_court})",
            self.differences,
            self.legende,
            _fiches(self.a.entites, self.attributions_a, self.legende),
            _fiches(self.b.entites, self.attributions_b, self.legende),
        )


def comparer_etats(a: Etat, b: Etat, ref: Referentiel, legende: tuple[Categorie, ...]) -> Comparaison:
    """Compare deux états déjà lus (fonction pure : aucun fichier)."""
    attributions_a = attribuer(ref, a.entites)
    attributions_b = attribuer(ref, b.entites)
    differences = comparer_entites(a.par_id(), b.par_id(), ref.projection)
    return Comparaison(
        a=a,
        b=b,
        legende=legende,
        differences=tuple(differences),
        attributions_a=attributions_a,
        attributions_b=attributions_b,
        categories=tuple(par_categorie(differences, attributions_a, attributions_b, legende)),
        evolutions=tuple(evolutions(attributions_a, attributions_b)),
    )


def comparer(atelier: Atelier, choix_a: Choix, choix_b: Choix) -> Comparaison:
    """Compare deux états de l'atelier (A, puis B) ; lève une :class:`EsquisseErreur` en français."""
    return comparer_etats(
        lire_etat(atelier, choix_a), lire_etat(atelier, choix_b), referentiel(atelier), atelier.legende
    )


def seance_actuelle(atelier: Atelier) -> Seance | None:
    """La dernière séance qui a déjà des esquisses : l'« état actuel » de l'atelier.

    Une séance tout juste créée, encore sans hypothèse ni version, ne compte pas : comparer à
    elle ferait croire que tout a été supprimé.
    """
    for s in reversed(lister_seances(atelier.dossier)):
        h, _ = hypothese_finale(s)
        if h is not None and h.depot(atelier.id).numero_courant():
            return s
    return None


def depuis_seance(atelier: Atelier, seance_id: str) -> Comparaison:
    """Ce qui a changé depuis la séance ``seance_id`` : son état final, comparé à l'état actuel.

    L'état actuel est l'état final de :func:`seance_actuelle`.
    """
    seances = lister_seances(atelier.dossier)
    ids = [s.id for s in seances]
    if seance_id not in ids:
        raise Introuvable(f"Séance introuvable : « {seance_id} ».")
    actuelle = seance_actuelle(atelier)
    if actuelle is None or ids.index(seance_id) >= ids.index(actuelle.id):
        raise DonneeInvalide(
            f"Aucune séance postérieure à « {seances[ids.index(seance_id)].titre} » n'a encore d'esquisse : "
            "rien n'a pu changer depuis. Choisissez une séance antérieure."
        )
    return comparer(atelier, Choix(seance_id), Choix(actuelle.id))


# -- territoires touchés et inter-territorialité ---------------------------------------------


@dataclass(frozen=True)
class RapportTerritoires:
    """Les territoires que touchent les esquisses d'un état."""

    etat: Etat
    legende: tuple[Categorie, ...]
    attributions: Mapping[str, Attribution]

    def _categorie(self, e: dict) -> Categorie:
        return categorie_ou_inconnue(self.legende, e["properties"].get("categorie"))

    @property
    def a_cheval(self) -> list[str]:
        """Esquisses qui s'étendent sur plusieurs EPCI ou plusieurs SCoT."""
        return [i for i, a in self.attributions.items() if a.a_cheval]

    @property
    def reliant(self) -> list[str]:
        """Lignes et flèches dont les deux bouts sont dans des territoires différents."""
        return [i for i, a in self.attributions.items() if a.relie_des_territoires]

    def chiffres(self) -> dict[str, str]:
        touches = {
            n: {t for a in self.attributions.values() for t in getattr(a, n)} for n in ("communes", "epci", "scot")
        }
        surface = sum(a.surface_ha or 0 for a in self.attributions.values())
        longueur = sum(a.longueur_km or 0 for a in self.attributions.values())
        return {
            "Esquisses": str(len(self.etat.entites)),
            "Communes touchées": str(len(touches["communes"])),
            "EPCI touchés": str(len(touches["epci"])),
            "SCoT touchés": str(len(touches["scot"])),
            "Zones": f"{nombre(surface)} ha",
            "Lignes": f"{nombre(longueur)} km",
        }

    def tableau(self) -> pd.DataFrame:
        return tableau_attributions(self.etat.entites, self.attributions, self.legende)

    def tableau_a_cheval(self) -> pd.DataFrame:
        lignes = []
        for e in self.etat.entites:
            a = self.attributions[e["id"]]
            if not a.a_cheval:
                continue
            c = self._categorie(e)
            lignes.append(
                {
                    "Esquisse": e["properties"].get("titre") or c.nom,
                    "Catégorie": c.nom,
                    "EPCI": ", ".join(t.nom for t in a.epci),
                    "SCoT (porteur)": ", ".join(t.nom for t in a.scot),
                    "Nb communes": len(a.communes),
                }
            )
        return pd.DataFrame(lignes, columns=["Esquisse", "Catégorie", "EPCI", "SCoT (porteur)", "Nb communes"])

    def tableau_liens(self) -> pd.DataFrame:
        """De où à où, catégorie, commentaire : les lignes et flèches qui relient des territoires différents."""
        lignes = []
        for e in self.etat.entites:
            a = self.attributions[e["id"]]
            if not a.relie_des_territoires:
                continue
            c = self._categorie(e)
            p = e["properties"]
            lignes.append(
                {
                    "De": str(a.depart),
                    "Sens": "→" if c.trait == "fleche" else "↔",
                    "Vers": str(a.arrivee),
                    "Catégorie": c.nom,
                    "Esquisse": p.get("titre") or "",
                    "Commentaire": p.get("commentaire") or "",
                    "Longueur (km)": round(a.longueur_km or 0, 1),
                }
            )
        return pd.DataFrame(
            lignes, columns=["De", "Sens", "Vers", "Catégorie", "Esquisse", "Commentaire", "Longueur (km)"]
        )

    def carte(self) -> dict:
        fiches = _fiches(self.etat.entites, self.attributions, self.legende)
        accents = set(self.a_cheval) | set(self.reliant)
        return donnees_esquisses(self.etat.titre_court, self.etat.entites, self.legende, fiches, accents)


def rapport_territoires(atelier: Atelier, choix: Choix) -> RapportTerritoires:
    etat = lire_etat(atelier, choix)
    return RapportTerritoires(etat, atelier.legende, attribuer(referentiel(atelier), etat.entites))
