"""Comparer deux hypothèses, deux versions, deux séances ; « depuis la séance N » ; territoires touchés.

Les séances, hypothèses et versions sont créées dans une copie de ``projets/`` par les fonctions
du domaine (le script de démonstration), puis relues : rien ne doit être écrit en comparant.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from esquisse.analyse.comparaison import comparer, depuis_seance, rapport_territoires, seance_actuelle
from esquisse.analyse.etats import Choix, hypothese_finale, lire_etat
from esquisse.atelier.ateliers import charger_atelier
from esquisse.atelier.seances import (
    creer_hypothese,
    creer_seance,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
)
from esquisse.esquisses.versions import Changement
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable
from tests.demonstration import recreer_gascogne


@pytest.fixture
def atelier(projets):
    recreer_gascogne(projets)
    return charger_atelier(projets, "gascogne-toulouse")


def empreintes(dossier: Path) -> dict[str, str]:
    return {
        str(p.relative_to(dossier)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(dossier.rglob("*"))
        if p.is_file()
    }


def ids(atelier, seance_titre):
    s = next(s for s in lister_seances(atelier.dossier) if s.titre == seance_titre)
    return s, {h.titre[:1]: h for h in lister_hypotheses(s)}


def test_deux_hypotheses_d_une_seance(atelier):
    s, hyps = ids(atelier, "Atelier 2 à Gimont")
    a, b = hyps["A"], hyps["B"]
    avant = empreintes(atelier.dossier)
    c = comparer(atelier, Choix(s.id, a.id), Choix(s.id, b.id))
    assert empreintes(atelier.dossier) == avant, "comparer ne doit rien écrire"
    etats = {d.id: d.etat for d in c.differences}
    # Reprises de la même hypothèse de la séance 1 : mêmes identifiants, comparables entité par entité.
    assert etats["gt-car"] == "ajoutee"  # seulement dans B
    assert {etats[i] for i in ("gt-legumerie", "gt-flux-marche", "gt-flux-loisirs")} == {"supprimee"}
    assert {etats[i] for i in ("gt-agri", "gt-rail", "gt-lectoure")} == {"modifiee"}
    assert etats["gt-question"] == "ajoutee"  # retirée de A (version 3), toujours dans B
    assert etats["gt-isle"] == "inchangee"
    zone = next(d for d in c.differences if d.id == "gt-agri")
    # B garde la petite zone de la séance 1 : de A à B, presque tout est perdu.
    assert zone.surface_perdue_ha > 1000 and zone.surface_gagnee_ha < zone.surface_perdue_ha / 100
    assert c.surface_perdue_ha == pytest.approx(zone.surface_perdue_ha)
    rail = next(d for d in c.differences if d.id == "gt-rail")
    assert rail.forme == "" and rail.champs == ("titre",)
    tableau = c.tableau_differences()
    assert set(tableau["Changement"]) == {"Ajoutée", "Supprimée", "Modifiée"}
    assert "Légumerie intercommunale de Gimont" in set(tableau["Esquisse"])
    assert c.a.libelle.startswith("« A — Le Gers") and "version 3, la dernière" in c.a.libelle


def test_deux_versions_d_une_hypothese(atelier):
    s, hyps = ids(atelier, "Atelier 2 à Gimont")
    a = hyps["A"]
    c = comparer(atelier, Choix(s.id, a.id, 1), Choix(s.id, a.id, 2))
    compte = c.compte
    assert (compte["ajoutee"], compte["supprimee"], compte["modifiee"]) == (2, 0, 1)
    categories = {ligne.categorie.id: ligne for ligne in c.categories}
    assert categories["flux"].ajoutees == 1 and categories["flux"].apres == categories["flux"].avant + 1
    assert categories["preserver"].modifiees == 1
    assert categories["preserver"].ha_apres > 10 * categories["preserver"].ha_avant  # la zone a été agrandie
    assert categories["projet"].ha_apres > 0 and categories["projet"].ha_avant == 0
    # La zone agrandie et la navette de Samatan touchent de nouvelles communes, aucune n'est quittée.
    communes = c.evolutions[0]
    assert {"Monfort", "Tournefeuille"} <= {t.nom for t in communes.nouveaux} and communes.quittes == ()
    assert "version 1 sur 3" in c.a.libelle and "version 2 sur 3" in c.b.libelle
    evolutions = c.tableau_evolutions()
    assert list(evolutions["Niveau"]) == ["Communes", "EPCI", "SCoT"]
    assert "Monfort (32269)" in evolutions.loc[0, "Nouvellement touchés"]


def test_etat_identique(atelier):
    s, hyps = ids(atelier, "Atelier 2 à Gimont")
    c = comparer(atelier, Choix(s.id, hyps["A"].id), Choix(s.id, hyps["A"].id))
    assert c.identiques and c.resume.startswith("Aucun changement")
    assert c.tableau_differences().empty


def test_depuis_la_seance_1(atelier):
    s1 = lister_seances(atelier.dossier)[0]
    c = depuis_seance(atelier, s1.id)
    assert c.a.explication == "hypothèse retenue" and c.a.hypothese.titre == "Réciprocités alimentaires et mobilités"
    assert c.b.hypothese.titre == "Stratégie validée" and c.b.seance.titre == "Atelier 3 à Auch"
    etats = {d.id: d.etat for d in c.differences}
    assert etats["gt-save"] == "ajoutee" and etats["gt-question"] == "supprimee"
    assert etats["gt-agri"] == "modifiee" and etats["gt-isle"] == "inchangee"
    lectoure = next(d for d in c.differences if d.id == "gt-lectoure")
    assert lectoure.forme == "deplacee" and lectoure.champs == ("titre",)
    assert 1500 < lectoure.deplacement_m < 2500  # 0,02° de longitude et 0,01° de latitude
    carte = c.carte_differences()
    assert carte["mode"] == "differences"
    roles = {(f["id"], f["properties"].get("role")) for f in carte["entites"]}
    assert ("gt-agri", "gagnee") in roles and ("gt-agri", "ancienne") in roles
    assert {f["properties"]["etat"] for f in carte["entites"]} == {"ajoutee", "supprimee", "modifiee", "inchangee"}


def test_depuis_la_derniere_seance_refuse(atelier):
    derniere = lister_seances(atelier.dossier)[-1]
    with pytest.raises(DonneeInvalide, match="Aucune séance postérieure à « Atelier 3 à Auch » n'a encore d'esquisse"):
        depuis_seance(atelier, derniere.id)


def test_une_seance_encore_vide_n_est_pas_l_etat_actuel(atelier):
    """Une séance créée ce matin, sans esquisse : « depuis la séance 1 » va jusqu'à la dernière qui en a."""
    s1 = lister_seances(atelier.dossier)[0]
    vide = creer_seance(atelier.dossier, "seminaire-final", "2026-11-20", "Séminaire final")
    creer_hypothese(vide, "À dessiner")
    assert seance_actuelle(atelier).titre == "Atelier 3 à Auch"
    c = depuis_seance(atelier, s1.id)
    assert c.b.seance.titre == "Atelier 3 à Auch" and c.compte["supprimee"] == 1
    with pytest.raises(DonneeInvalide, match="Aucune séance postérieure"):
        depuis_seance(atelier, vide.id)
    with pytest.raises(Introuvable, match="Séance introuvable : « 2030-01-01-visite »"):
        depuis_seance(atelier, "2030-01-01-visite")


def test_version_inexistante_message_francais(atelier):
    s, hyps = ids(atelier, "Atelier 2 à Gimont")
    with pytest.raises(Introuvable, match=r"n'a pas de version 9 \(versions existantes : 1 à 3\)"):
        comparer(atelier, Choix(s.id, hyps["A"].id, 9), Choix(s.id, hyps["A"].id))
    with pytest.raises(Introuvable):
        comparer(atelier, Choix(s.id, "inexistante"), Choix(s.id, hyps["A"].id))


def test_etat_final_d_une_seance(atelier):
    s = creer_seance(atelier.dossier, "rencontre-intermediaire", "2026-11-02", "Rencontre à Samatan")
    assert hypothese_finale(s) == (None, "aucune hypothèse dans cette séance")
    assert lire_etat(atelier, Choix(s.id)).entites == ()
    seule = creer_hypothese(s, "Seule")
    assert hypothese_finale(s)[1] == "seule hypothèse de la séance"
    autre = creer_hypothese(s, "Autre")
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.0, 43.6]}, "properties": {}}
    autre.depot(atelier.id).enregistrer([Changement("x", None, point)], "Léa")
    h, pourquoi = hypothese_finale(s)
    assert h.id == autre.id and pourquoi == "aucune hypothèse retenue : la dernière enregistrée"
    modifier_hypothese(seule, "Léa", statut="retenue")
    h, pourquoi = hypothese_finale(s)
    assert h.id == seule.id and pourquoi == "hypothèse retenue"
    etat = lire_etat(atelier, Choix(s.id))
    assert etat.libelle.startswith("État final de « Rencontre à Samatan » (hypothèse retenue)")
    assert etat.numero == 0 and "aucune version" in etat.libelle


def test_rapport_territoires_liens_et_a_cheval(atelier):
    s = lister_seances(atelier.dossier)[-1]
    h = lister_hypotheses(s)[0]
    r = rapport_territoires(atelier, Choix(s.id, h.id))
    liens = r.tableau_liens()
    marche = liens[liens["Esquisse"] == "Le marché au gras de Samatan"].iloc[0]
    assert marche["De"] == "Samatan (CC du Saves)" and marche["Sens"] == "→"
    assert marche["Vers"] == "Toulouse (Toulouse Métropole)"
    assert marche["Catégorie"] == "Lien / flux de réciprocité"
    assert marche["Commentaire"] == "Une navette les jours de marché pour les Toulousains."
    axe = liens[liens["Esquisse"] == "Ligne Auch – Toulouse"].iloc[0]
    assert axe["Sens"] == "↔"  # un axe n'a pas de sens
    assert "Circuits courts vers la métropole" in set(r.tableau_a_cheval()["Esquisse"])
    assert set(r.reliant) <= set(r.a_cheval)  # relier deux EPCI, c'est s'étendre sur plusieurs
    carte = r.carte()
    assert carte["mode"] == "territoires"
    accents = {f["id"] for f in carte["entites"] if f["properties"].get("accent")}
    assert accents == set(r.a_cheval) | set(r.reliant)
    assert all(f["properties"].get("fiche") for f in carte["entites"])
    tableau = r.tableau()
    assert len(tableau) == len(r.etat.entites)
    assert tableau.loc[tableau["Esquisse"] == "Samatan", "Communes"].item() == "Samatan (32410)"
    chiffres = r.chiffres()
    assert chiffres["Esquisses"] == str(len(r.etat.entites)) and chiffres["Zones"].endswith(" ha")


def test_texte_utilisateur_intact_dans_les_donnees_de_carte(atelier):
    """Le texte saisi voyage tel quel (il est échappé à l'affichage, par textContent) : rien n'est interprété."""
    s, hyps = ids(atelier, "Atelier 2 à Gimont")
    depot = hyps["A"].depot(atelier.id)
    piege = '<img src=x onerror="alert(1)"> & </script>'
    e = depot.entites(3)["gt-isle"]
    depot.enregistrer([Changement("gt-isle", 3, {**e, "properties": {**e["properties"], "titre": piege}})], "Léa")
    c = comparer(atelier, Choix(s.id, hyps["A"].id, 3), Choix(s.id, hyps["A"].id, 4))
    (f,) = [f for f in c.carte_b()["entites"] if f["id"] == "gt-isle"]
    assert f["properties"]["titre"] == piege
