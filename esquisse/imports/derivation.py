"""Couches dérivées des communes : EPCI, SCoT ou territoires obtenus par fusion de communes.

Deux façons de dire quelle commune va dans quel groupement :

- un **attribut** de la couche des communes (par exemple ``epci_siren``, ou ``SIREN_EPCI``
  importé d'ADMIN EXPRESS) ;
- une **table d'appartenance** CSV « commune → groupement », une ligne par commune et par
  groupement (une commune peut appartenir à plusieurs groupements, par exemple à deux
  structures porteuses de SCoT), comme ``commune_epci_scot_membership_fr.csv.gz``.

Chaque groupement devient l'union des contours de ses communes, avec son nombre de communes
et sa population. La couche obtenue passe par la même validation et le même enregistrement
qu'une couche importée (:func:`esquisse.imports.importation.enregistrer_couche`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from esquisse.atelier.ateliers import charger_atelier
from esquisse.imports.correspondances import SYNONYMES, SYNONYMES_GENRE, normaliser, proposer_correspondances
from esquisse.imports.importation import enregistrer_couche, preparer_affichage
from esquisse.imports.sources import lire_csv_brut, ouvrir, taille_max_octets
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable
from esquisse.noyau.texte import exemples as _exemples
from esquisse.noyau.texte import nombre as _nombre
from esquisse.noyau.texte import sans_accents as _sans_accents
from esquisse.referentiel.couches import SCHEMAS, valider

GENRES_DERIVABLES = ("epci", "scot", "territoires")
# Colonnes de sortie de chaque genre : (code, nom).
COLONNES_SORTIE = {
    "epci": ("epci_siren", "epci_nom"),
    "scot": ("scot_porteur_siren", "scot_porteur_nom"),
    "territoires": ("code", "nom"),
}
# Colonne du type de groupement (CC, CA, SMF, PETR…), reprise quand la source la donne.
COLONNE_TYPE = {"epci": "epci_type", "scot": "scot_porteur_type"}


@dataclass
class RapportDerivation:
    genre: str
    methode: str
    nb_groupements: int = 0
    nb_communes: int = 0
    communes_sans_groupement: list[str] = field(default_factory=list)
    codes_inconnus: list[str] = field(default_factory=list)  # communes de la table absentes de la couche
    tronques: list[str] = field(default_factory=list)  # groupements dont une partie des communes manque
    remarques: list[str] = field(default_factory=list)
    reference: str = ""

    def lignes(self) -> list[str]:
        libelle = SCHEMAS[self.genre].libelle
        lignes = [
            f"{_nombre(self.nb_groupements)} groupement(s) « {libelle} » formé(s) à partir de "
            f"{_nombre(self.nb_communes)} commune(s) ({self.methode})."
        ]
        if self.communes_sans_groupement:
            lignes.append(
                f"{_nombre(len(self.communes_sans_groupement))} commune(s) sans groupement, laissée(s) de côté : "
                f"{_exemples(self.communes_sans_groupement)}."
            )
        if self.codes_inconnus:
            lignes.append(
                f"{_nombre(len(self.codes_inconnus))} commune(s) de la table absente(s) de la couche des communes "
                f"(normal si la table couvre un territoire plus grand) : {_exemples(self.codes_inconnus)}."
            )
        if self.tronques:
            lignes.append(
                f"{_nombre(len(self.tronques))} groupement(s) débordent de la couche des communes : seule la partie "
                f"couverte est dessinée ({_exemples(self.tronques)})."
            )
        return lignes + self.remarques


def _fusionner(
    communes: gpd.GeoDataFrame,
    appartenances: pd.DataFrame,
    genre: str,
    attendues: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """Une entité par groupement : union des communes de ``appartenances`` (colonnes code_insee, code, nom)."""
    col_code, col_nom = COLONNES_SORTIE[genre]
    geometries = communes.set_index("code_insee").geometry
    population = (
        pd.to_numeric(communes.set_index("code_insee")["population"], errors="coerce").fillna(0)
        if "population" in communes.columns
        else pd.Series(0, index=geometries.index)
    )
    lignes = []
    for code, groupe in appartenances.groupby("code", sort=True):
        membres = groupe["code_insee"].drop_duplicates()
        union = shapely.union_all(geometries.loc[membres].to_numpy())
        if not shapely.is_valid(union):
            union = shapely.make_valid(union)
        noms = groupe["nom"].dropna()
        types = groupe["type"].dropna() if "type" in groupe else ()
        lignes.append(
            {
                col_code: code,
                col_nom: str(noms.iloc[0]) if len(noms) else str(code),
                **({COLONNE_TYPE[genre]: str(types.iloc[0]) if len(types) else None} if genre in COLONNE_TYPE else {}),
                "n_communes": len(membres),
                "population": int(population.loc[membres].sum()),
                "geometry": union,
            }
        )
    gdf = gpd.GeoDataFrame(lignes, geometry="geometry", crs=communes.crs)
    if genre == "territoires":
        gdf = gdf.drop(columns=["code"])
    return gdf


def _verifier_genre(genre: str) -> None:
    if genre not in GENRES_DERIVABLES:
        raise DonneeInvalide(
            f"On ne peut dériver que des couches {', '.join(GENRES_DERIVABLES)} ; genre demandé : « {genre} »."
        )


def deriver_par_attribut(
    communes: gpd.GeoDataFrame, genre: str, colonne_code: str, colonne_nom: str | None = None
) -> tuple[gpd.GeoDataFrame, RapportDerivation]:
    """Fusionne les communes qui partagent la même valeur de ``colonne_code``."""
    _verifier_genre(genre)
    for colonne in (colonne_code, colonne_nom):
        if colonne and colonne not in communes.columns:
            presentes = [c for c in communes.columns if c != communes.geometry.name]
            raise DonneeInvalide(
                f"La couche des communes n'a pas de colonne « {colonne} ». Colonnes présentes : "
                f"{_exemples(presentes, 30)}."
            )
    genre_code = "siren" if genre in {"epci", "scot"} else "texte"
    codes = normaliser(communes[colonne_code], genre_code, colonne_code)
    colonne_type = COLONNE_TYPE.get(genre)
    appartenances = pd.DataFrame(
        {
            "code_insee": communes["code_insee"].astype(str).to_numpy(),
            "code": codes.to_numpy(),
            "nom": communes[colonne_nom].to_numpy() if colonne_nom else None,
            "type": communes[colonne_type].to_numpy() if colonne_type in communes.columns else None,
        }
    )
    sans = appartenances["code"].isna()
    if sans.all():
        raise DonneeInvalide(f"La colonne « {colonne_code} » est vide pour toutes les communes : rien à fusionner.")
    rapport = RapportDerivation(genre, f"par la colonne « {colonne_code} » de la couche des communes")
    rapport.communes_sans_groupement = sorted(appartenances.loc[sans, "code_insee"])
    if not colonne_nom or appartenances.loc[~sans, "nom"].isna().all():
        rapport.remarques.append(
            "Sans colonne de nom, chaque groupement porte son code : une table d'appartenance avec les noms "
            "(ou la couche des EPCI d'ADMIN EXPRESS, importée telle quelle) donne des infobulles plus parlantes."
        )
    gdf = _fusionner(communes, appartenances[~sans], genre)
    gdf = valider(gdf, genre, f"dérivée de la colonne « {colonne_code} »")
    rapport.nb_groupements = len(gdf)
    rapport.nb_communes = int((~sans).sum())
    return gdf, rapport


@dataclass(frozen=True)
class TableAppartenance:
    nom_fichier: str
    table: pd.DataFrame = field(repr=False, compare=False)
    colonnes: tuple[str, ...]
    nb_lignes: int

    def proposer(self, genre: str) -> dict[str, str | None]:
        """Colonnes proposées : code de la commune, code et nom du groupement."""
        par_nom = {_sans_accents(c): c for c in self.colonnes}

        def premiere(*noms: str) -> str | None:
            return next((par_nom[n] for n in noms if n in par_nom), None)

        commune = proposer_correspondances(self.colonnes, "communes").get("code_insee")
        commune = commune or self._colonne_de_codes_insee()
        if genre == "territoires":
            return {"commune": commune, "code": premiere("territoire", "groupement", "code_groupement"), "nom": None}
        col_code, col_nom = COLONNES_SORTIE[genre]
        # Dans une table d'appartenance, « nom » est le nom de la commune : seuls les noms explicites comptent.
        code = premiere(col_code, *SYNONYMES.get(col_code, ()), *SYNONYMES_GENRE.get(genre, {}).get(col_code, ()))
        return {"commune": commune, "code": code, "nom": premiere(col_nom, *SYNONYMES.get(col_nom, ()))}

    def _colonne_de_codes_insee(self) -> str | None:
        """La première colonne dont les valeurs ressemblent à des codes INSEE de communes."""
        for colonne in self.colonnes:
            valeurs = self.table[colonne].astype(str).str.strip()
            valeurs = valeurs[valeurs != ""].head(50)
            if len(valeurs) and valeurs.str.fullmatch(r"\d{5}|2[AB]\d{3}").mean() >= 0.9:
                return colonne
        return None


def lire_table(source: Path | bytes, nom: str, taille_max: int | None = None) -> TableAppartenance:
    """Lit une table d'appartenance CSV (éventuellement .csv.gz), sans rien écrire."""
    taille_max = taille_max or taille_max_octets()
    with ouvrir(source, nom, taille_max) as (fmt, jeux):
        if fmt != "CSV":
            raise DonneeInvalide(
                f"Une table d'appartenance est un fichier CSV (commune → groupement) ; « {nom} » est un {fmt}."
            )
        table = lire_csv_brut(jeux[0].chemin, jeux[0].relatif)
    return TableAppartenance(Path(nom).name, table, tuple(str(c) for c in table.columns), len(table))


def deriver_par_table(
    communes: gpd.GeoDataFrame,
    genre: str,
    table: TableAppartenance,
    colonne_commune: str,
    colonne_code: str,
    colonne_nom: str | None = None,
) -> tuple[gpd.GeoDataFrame, RapportDerivation]:
    """Fusionne les communes d'après une table « commune → groupement »."""
    _verifier_genre(genre)
    for role, colonne in (("commune", colonne_commune), ("groupement", colonne_code), ("nom", colonne_nom)):
        if colonne and colonne not in table.colonnes:
            raise DonneeInvalide(
                f"La table « {table.nom_fichier} » n'a pas de colonne « {colonne} » ({role}). Colonnes présentes : "
                f"{_exemples(table.colonnes, 30)}."
            )
    genre_code = "siren" if genre in {"epci", "scot"} else "texte"
    colonne_type = COLONNE_TYPE.get(genre) if COLONNE_TYPE.get(genre) in table.colonnes else None
    appartenances = pd.DataFrame(
        {
            "code_insee": normaliser(table.table[colonne_commune], "code_insee", colonne_commune).to_numpy(),
            "code": normaliser(table.table[colonne_code], genre_code, colonne_code).to_numpy(),
            "nom": table.table[colonne_nom].replace("", None).to_numpy() if colonne_nom else None,
            "type": table.table[colonne_type].replace("", None).to_numpy() if colonne_type else None,
        }
    ).dropna(subset=["code_insee", "code"])
    if appartenances.empty:
        raise DonneeInvalide(
            f"La table « {table.nom_fichier} » n'a aucune ligne avec une commune et un groupement "
            f"(colonnes « {colonne_commune} » et « {colonne_code} »)."
        )
    connues = set(communes["code_insee"].astype(str))
    dans_couche = appartenances["code_insee"].isin(connues)
    rapport = RapportDerivation(genre, f"table « {table.nom_fichier} », colonne « {colonne_code} »")
    rapport.codes_inconnus = sorted(set(appartenances.loc[~dans_couche, "code_insee"]))
    retenues = appartenances[dans_couche]
    if retenues.empty:
        exemples = _exemples(sorted(set(appartenances["code_insee"]))[:5], 5)
        raise DonneeInvalide(
            f"Aucune commune de la table « {table.nom_fichier} » n'est dans la couche des communes de l'atelier "
            f"(codes de la table, par exemple : {exemples})."
        )
    # Groupements qui ont aussi des communes hors de la couche : leur contour est tronqué.
    hors = appartenances.loc[~dans_couche, "code"]
    tronques = sorted(set(retenues["code"]) & set(hors))
    noms = retenues.drop_duplicates("code").set_index("code")["nom"]
    rapport.tronques = [str(noms.get(c) or c) for c in tronques]
    rapport.communes_sans_groupement = sorted(connues - set(retenues["code_insee"]))
    gdf = _fusionner(communes, retenues, genre)
    gdf = valider(gdf, genre, f"dérivée de « {table.nom_fichier} »")
    rapport.nb_groupements = len(gdf)
    rapport.nb_communes = int(retenues["code_insee"].nunique())
    return gdf, rapport


def enregistrer_derivee(
    dossier_projets: Path,
    atelier_id: str,
    gdf: gpd.GeoDataFrame,
    rapport: RapportDerivation,
    dossier_cache: Path | None = None,
) -> RapportDerivation:
    """Enregistre la couche dérivée dans l'atelier (elle remplace la couche du même genre).

    Avec ``dossier_cache``, l'affichage de la carte est préparé dans la foulée.
    """
    description = {
        "derivee_des_communes": True,
        "methode": rapport.methode,
        "entites": len(gdf),
        "rapport": rapport.lignes(),
    }
    rapport.reference = enregistrer_couche(dossier_projets, atelier_id, rapport.genre, gdf, description)
    if dossier_cache is not None:
        rapport.remarques.extend(preparer_affichage(dossier_projets, atelier_id, dossier_cache))
    return rapport


def communes_de_l_atelier(dossier_projets: Path, atelier_id: str) -> gpd.GeoDataFrame:
    atelier = charger_atelier(dossier_projets, atelier_id)
    if "communes" not in atelier.couches:
        raise Introuvable(
            f"L'atelier « {atelier.nom} » n'a pas encore de couche de communes : importez-la d'abord, les EPCI et "
            "SCoT en sont dérivés."
        )
    return atelier.couche("communes")


__all__ = [
    "GENRES_DERIVABLES",
    "RapportDerivation",
    "TableAppartenance",
    "communes_de_l_atelier",
    "deriver_par_attribut",
    "deriver_par_table",
    "enregistrer_derivee",
    "lire_table",
]
