"""Fusion à trois voies des entités d'une hypothèse, par identifiant d'entité.

Fonctions pures, sans fichier ni horloge. Les règles :

- ce qu'un seul côté a changé (ajout, modification, suppression) est appliqué ;
- ce que les deux côtés ont ajouté est gardé ;
- une entité modifiée des deux côtés est fusionnée champ par champ (la géométrie est un
  champ, chaque propriété en est un) ; un même champ changé différemment des deux côtés est
  un conflit : la version distante (déjà enregistrée) est retenue et la version locale est
  rapportée ;
- une suppression d'un côté contre une modification de l'autre est un conflit : l'entité
  modifiée est conservée (rien n'est perdu sans que personne ne l'ait vu), et le conflit est
  rapporté.

Rien n'est donc écarté en silence : chaque entité locale est dans le résultat ou dans un conflit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Nature des conflits, avec leur explication pour l'utilisateur.
NATURES = {
    "modifiee_des_deux_cotes": "modifiée ici et, en même temps, par quelqu'un d'autre",
    "modifiee_ici_supprimee_ailleurs": "modifiée ici mais supprimée par quelqu'un d'autre : elle est conservée",
    "supprimee_ici_modifiee_ailleurs": "supprimée ici mais modifiée par quelqu'un d'autre : elle est conservée",
    "ajoutee_des_deux_cotes": "ajoutée des deux côtés avec le même identifiant",
}
# Champs d'horodatage : on garde le plus récent, ils ne font jamais conflit.
HORODATAGES = ("modifie_le",)


@dataclass(frozen=True)
class Conflit:
    id: str
    nature: str
    locale: dict | None
    distante: dict | None
    retenue: dict | None
    champs: tuple[str, ...] = ()

    @property
    def explication(self) -> str:
        return NATURES[self.nature]


@dataclass
class Fusion:
    entites: dict[str, dict] = field(default_factory=dict)
    conflits: list[Conflit] = field(default_factory=list)


def _champs(entite: dict) -> dict:
    champs = {"geometry": entite.get("geometry")}
    champs.update({f"properties.{k}": v for k, v in (entite.get("properties") or {}).items()})
    return champs


def _depuis_champs(identifiant: str, champs: dict) -> dict:
    proprietes = {k.removeprefix("properties."): v for k, v in champs.items() if k.startswith("properties.")}
    return {"type": "Feature", "id": identifiant, "geometry": champs["geometry"], "properties": proprietes}


def _fusionner_entite(identifiant: str, base: dict, locale: dict, distante: dict) -> tuple[dict, tuple[str, ...]]:
    """Fusion champ par champ d'une entité modifiée des deux côtés ; renvoie aussi les champs en conflit."""
    b, m, t = _champs(base), _champs(locale), _champs(distante)
    absent = object()
    resultat: dict = {}
    conflits: list[str] = []
    for cle in sorted(set(b) | set(m) | set(t)):
        vb, vm, vt = b.get(cle, absent), m.get(cle, absent), t.get(cle, absent)
        if cle.removeprefix("properties.") in HORODATAGES:
            valeurs = [v for v in (vm, vt) if v is not absent and v is not None]
            choisie = max(valeurs) if valeurs else absent
        elif vm in (vt, vb):
            choisie = vt
        elif vt == vb:
            choisie = vm
        else:
            choisie = vt
            conflits.append(cle.removeprefix("properties."))
        if choisie is not absent:
            resultat[cle] = choisie
    return _depuis_champs(identifiant, resultat), tuple(conflits)


def fusionner(base: Mapping[str, dict], locale: Mapping[str, dict], distante: Mapping[str, dict]) -> Fusion:
    """Fusionne ``locale`` et ``distante``, toutes deux issues de ``base`` (dictionnaires id → entité).

    L'ordre du résultat suit ``distante``, puis les ajouts locaux dans leur ordre.
    """
    fusion = Fusion()
    ordre = list(distante) + [i for i in locale if i not in distante]
    ordre += [i for i in base if i not in distante and i not in locale]
    for i in ordre:
        b, m, t = base.get(i), locale.get(i), distante.get(i)
        if b is None:
            if m is not None and t is not None and m != t:
                fusion.entites[i] = t
                fusion.conflits.append(Conflit(i, "ajoutee_des_deux_cotes", m, t, t))
            elif t is not None or m is not None:
                fusion.entites[i] = t if t is not None else m
        elif m is None and t is None:
            continue  # supprimée des deux côtés
        elif m is None:
            if t != b:
                fusion.entites[i] = t
                fusion.conflits.append(Conflit(i, "supprimee_ici_modifiee_ailleurs", None, t, t))
        elif t is None:
            if m != b:
                fusion.entites[i] = m
                fusion.conflits.append(Conflit(i, "modifiee_ici_supprimee_ailleurs", m, None, m))
        elif m in (b, t):
            fusion.entites[i] = t
        elif t == b:
            fusion.entites[i] = m
        else:
            retenue, champs = _fusionner_entite(i, b, m, t)
            fusion.entites[i] = retenue
            if champs:
                fusion.conflits.append(Conflit(i, "modifiee_des_deux_cotes", m, t, retenue, champs))
    return fusion
