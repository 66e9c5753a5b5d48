"""Les deux magasins (fichiers, PostGIS) sous les mêmes tests : versions, fusion, concurrence,
arrêt brutal, documents à révision, brouillons, attente d'un changement."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from esquisse.esquisses.versions import Changement
from esquisse.noyau.erreurs import Concurrence, DonneeInvalide, EsquisseErreur, Introuvable, SchemaInvalide
from esquisse.stockage.disque import StockageFichiers
from esquisse.stockage.interfaces import (
    Brouillons,
    DepotVersions,
    Documents,
    FichiersAtelier,
    Journal,
    RefDocument,
    RefHypothese,
    Stockage,
)
from tests.outils import RACINE
from tests.travailleur_stockage import REF

CARRE = {"type": "Polygon", "coordinates": [[[2, 48], [2.1, 48], [2.1, 48.1], [2, 48.1], [2, 48]]]}
TRAIT = {"type": "LineString", "coordinates": [[2, 48], [2.2, 48.1]]}
POINT = {"type": "Point", "coordinates": [2.05, 48.05]}
H = RefHypothese("atelier-test", "seance-1", "hyp-1")


def nouvelle(i: str, titre: str = "zone", geometrie: dict | None = None) -> Changement:
    return Changement(
        i,
        None,
        {"type": "Feature", "geometry": geometrie or CARRE, "properties": {"titre": titre, "categorie": "projet"}},
    )


def modifiee(depot, base: int, i: str, **props) -> Changement:
    e = depot.entites(base)[i]
    return Changement(i, base, {**e, "properties": {**e["properties"], **props}})


def source(magasin) -> str:
    return str(magasin.racine) if isinstance(magasin, StockageFichiers) else magasin.dsn


def test_contrats(stockage):
    assert isinstance(stockage, Stockage)
    assert isinstance(stockage.versions(H), DepotVersions)
    assert isinstance(stockage.documents, Documents)
    assert isinstance(stockage.brouillons, Brouillons)
    assert isinstance(stockage.journal, Journal)
    assert isinstance(stockage.fichiers, FichiersAtelier)


def test_versions_successives(stockage):
    depot = stockage.versions(H)
    assert depot.numero_courant() == 0 and depot.historique() == [] and depot.derniere() is None
    r1 = depot.enregistrer([nouvelle("z1"), nouvelle("t1", "trait", TRAIT)], "Marie", "elu", "Premières esquisses")
    assert (r1.version.numero, r1.version.parent, r1.ajoutees) == (1, None, 2)
    r2 = depot.enregistrer([modifiee(depot, 1, "z1", titre="zone humide"), nouvelle("p1", "puits", POINT)], "Paul")
    assert (r2.version.numero, r2.version.parent, r2.modifiees, r2.ajoutees) == (2, 1, 1, 1)
    assert r2.version.message == "1 esquisse ajoutée, 1 esquisse modifiée"
    r3 = depot.enregistrer([Changement("t1", 2, None)], "Paul")
    assert r3.supprimees == 1 and r3.version.nb_entites == 2
    assert [m.numero for m in depot.historique()] == [1, 2, 3]
    assert [m.auteur for m in depot.historique()] == ["Marie", "Paul", "Paul"]
    assert [e["id"] for e in depot.lire(2).entites] == ["z1", "t1", "p1"], "modifiée à sa place, ajouts à la fin"
    assert [e["id"] for e in depot.lire(3).entites] == ["z1", "p1"]
    assert depot.lire(1).par_id()["z1"]["properties"]["titre"] == "zone"
    assert depot.lire(3).par_id()["z1"]["properties"]["titre"] == "zone humide"
    assert depot.derniere().numero == 3 and depot.historique()[0].empreinte
    assert stockage.hypotheses("atelier-test") == [H]
    with pytest.raises(Introuvable, match="La version 9 n'existe pas"):
        depot.lire(9)


def test_aucun_changement_aucune_version(stockage):
    depot = stockage.versions(H)
    depot.enregistrer([nouvelle("z1")], "Marie")
    r = depot.enregistrer([Changement("z1", 1, depot.entites(1)["z1"])], "Marie")
    assert r.version is None and depot.numero_courant() == 1


def test_base_perimee_fusionnee_et_conflit_rapporte(stockage):
    depot = stockage.versions(H)
    depot.enregistrer([nouvelle("z1"), nouvelle("z2")], "Marie")
    depot.enregistrer([modifiee(depot, 1, "z1", titre="de Paul")], "Paul")  # v2
    # Léa part de la version 1 : ses changements sont fusionnés avec la version 2.
    r = depot.enregistrer([modifiee(depot, 1, "z2", titre="de Léa"), nouvelle("z3")], "Léa")
    assert r.version.numero == 3 and not r.conflits
    par_id = depot.entites(3)
    assert par_id["z1"]["properties"]["titre"] == "de Paul" and par_id["z2"]["properties"]["titre"] == "de Léa"
    # Même champ changé des deux côtés : la version enregistrée est gardée, le conflit rapporté.
    r = depot.enregistrer([modifiee(depot, 1, "z1", titre="de Jean")], "Jean")
    assert [c.id for c in r.conflits] == ["z1"] and r.version is None
    assert depot.entites(3)["z1"]["properties"]["titre"] == "de Paul"
    # Suppression contre modification : l'entité modifiée est conservée.
    r = depot.enregistrer([Changement("z1", 1, None)], "Jean")
    assert r.conflits[0].nature == "supprimee_ici_modifiee_ailleurs" and "z1" in depot.entites(depot.numero_courant())


def test_base_inconnue_refusee_sans_rien_ecrire(stockage):
    depot = stockage.versions(H)
    depot.enregistrer([nouvelle("z1")], "Marie")
    with pytest.raises(DonneeInvalide, match="Version de base inconnue"):
        depot.enregistrer([Changement("z1", 7, None)], "Marie")
    with pytest.raises(DonneeInvalide, match="deux fois"):
        depot.enregistrer([nouvelle("z2"), nouvelle("z2")], "Marie")
    assert depot.numero_courant() == 1


def test_restauration_et_initialisation(stockage):
    depot = stockage.versions(H)
    meta = depot.initialiser(
        [nouvelle("a").entite | {"id": "a"}, nouvelle("b").entite | {"id": "b"}], "M", "elu", "Reprise"
    )
    assert meta.numero == 1 and meta.message == "Reprise"
    with pytest.raises(DonneeInvalide, match="déjà des versions"):
        depot.initialiser([], "M", "elu", "encore")
    depot.enregistrer([Changement("a", 1, None), nouvelle("c")], "M")
    restauree = depot.restaurer(1, "Paul", "ddt")
    assert (restauree.numero, restauree.restauree_de) == (3, 1)
    assert [e["id"] for e in depot.lire(3).entites] == ["a", "b"], "même contenu, même ordre que la version 1"
    assert depot.lire(3).entites == depot.lire(1).entites


def test_memes_versions_dans_les_deux_magasins(tmp_path, base_postgres):
    """Une même suite d'opérations donne, version par version, les mêmes entités dans le même ordre."""
    from esquisse.stockage.postgis import StockagePostgis

    pg = StockagePostgis(base_postgres)
    try:
        depots = [StockageFichiers(tmp_path).versions(H), pg.versions(H)]
        for depot in depots:
            depot.enregistrer([nouvelle(f"z{k}", f"zone {k}") for k in range(5)], "Marie")
            depot.enregistrer([modifiee(depot, 1, "z3", titre="trois"), Changement("z1", 1, None), nouvelle("n")], "P")
            depot.enregistrer([modifiee(depot, 1, "z0", categorie="etude"), Changement("n", 2, None)], "Léa")
            depot.restaurer(1, "Jean")
            depot.enregistrer([modifiee(depot, 4, "z4", titre="quatre")], "Jean")
        fichiers, postgis = depots
        assert [m.nb_entites for m in fichiers.historique()] == [m.nb_entites for m in postgis.historique()]
        for n in range(1, 6):
            assert fichiers.lire(n).entites == postgis.lire(n).entites, f"version {n}"
    finally:
        pg.fermer()


def lancer_travailleur(
    magasin, tmp_path: Path, nom: str, nombre: int, lourd: bool = False
) -> tuple[subprocess.Popen, Path]:
    sortie = tmp_path / f"{nom}.json"
    args = [sys.executable, "-m", "tests.travailleur_stockage", source(magasin), nom, str(nombre), str(sortie)]
    return subprocess.Popen([*args, *(["--lourd"] if lourd else [])], cwd=RACINE), sortie


def verifier_integrite(depot) -> list:
    """Numéros contigus, chaque version lisible et complète, chaque parent le numéro précédent."""
    metas = depot.historique()
    assert [m.numero for m in metas] == list(range(1, len(metas) + 1))
    for m in metas:
        assert m.parent == (m.numero - 1 or None)
        assert len(depot.lire(m.numero).entites) == m.nb_entites
    return metas


def test_concurrence_plusieurs_processus(stockage, tmp_path):
    """Six processus enregistrent ensemble : aucune version remplacée, aucune entité perdue."""
    depot = stockage.versions(REF)
    depot.enregistrer([nouvelle("commune", "partagée")], "initial")
    processus = [lancer_travailleur(stockage, tmp_path, f"p{k}", 12) for k in range(6)]
    for p, _ in processus:
        assert p.wait(timeout=300) == 0
    journaux = [json.loads(sortie.read_text()) for _, sortie in processus]
    ecrites = [e["version"] for j in journaux for e in j]
    assert None not in ecrites and len(set(ecrites)) == len(ecrites) == 72, "chaque enregistrement a sa version"
    metas = verifier_integrite(depot)
    assert len(metas) == 73
    finale = depot.entites(metas[-1].numero)
    assert {e["ajoutee"] for j in journaux for e in j} <= set(finale), "aucune entité ajoutée n'est perdue"
    for j in journaux:
        for e in j:
            assert e["ajoutee"] in depot.entites(e["version"]), "la version écrite contient son ajout"


def test_arret_brutal_pendant_les_enregistrements(stockage, tmp_path):
    """Un processus tué (SIGKILL) en plein enregistrement ne laisse aucune version partielle."""
    depot = stockage.versions(REF)
    depot.enregistrer([nouvelle("commune", "partagée")], "initial")
    processus, sortie = lancer_travailleur(stockage, tmp_path, "tue", 400, lourd=True)
    compagnon, sortie_compagnon = lancer_travailleur(stockage, tmp_path, "compagnon", 15, lourd=True)
    limite = time.monotonic() + 120
    while not (sortie.exists() and len(json.loads(sortie.read_text())) >= 5):
        assert processus.poll() is None and time.monotonic() < limite
        time.sleep(0.05)
    os.kill(processus.pid, signal.SIGKILL)
    processus.wait(timeout=30)
    assert compagnon.wait(timeout=300) == 0
    journal = json.loads(sortie.read_text())
    metas = verifier_integrite(depot)
    for e in journal + json.loads(sortie_compagnon.read_text()):
        assert e["ajoutee"] in depot.entites(e["version"])
    r = depot.enregistrer([nouvelle("apres")], "Marie")
    assert r.version.numero == len(metas) + 1
    verifier_integrite(depot)


def test_documents_comparer_puis_echanger(stockage):
    docs = stockage.documents
    ref = RefDocument("atelier-test", "releve", seance="seance-1")
    assert docs.lire(ref) is None
    d1 = docs.ecrire(ref, {"presents": ["Marie"], "revision": 1}, 0)
    assert docs.lire(ref) == d1
    with pytest.raises(Concurrence, match="Le relevé a été modifié"):
        docs.ecrire(ref, {"presents": ["Jean"]}, 0)  # création alors qu'il existe
    d2 = docs.ecrire(ref, {"presents": ["Marie", "Paul"]}, d1.revision)
    assert d2.revision != d1.revision
    with pytest.raises(Concurrence, match="rien n'a été écrit") as refus:
        docs.ecrire(ref, {"presents": ["Léa"]}, d1.revision)  # révision dépassée
    assert "Rechargez" in str(refus.value)
    assert docs.lire(ref).contenu == {"presents": ["Marie", "Paul"]}
    vues = RefDocument.de_hypothese("vues", H)
    docs.ecrire(vues, [{"id": "centre", "nom": "Centre", "emprise": [2, 48, 2.1, 48.1]}], 0)
    assert docs.lire(vues).contenu[0]["nom"] == "Centre"
    with pytest.raises(DonneeInvalide, match="Genre de document inconnu"):
        docs.lire(RefDocument("atelier-test", "journal"))


def test_documents_ecritures_concurrentes(stockage):
    """Huit fils écrivent à partir de la même révision : un seul réussit."""
    ref = RefDocument("atelier-test", "feuille_de_route")
    lu = stockage.documents.ecrire(ref, {"orientations": []}, 0)
    reussites, refus = [], []
    depart = threading.Barrier(8)

    def ecrire(k: int) -> None:
        depart.wait()
        try:
            reussites.append(stockage.documents.ecrire(ref, {"orientations": [k]}, lu.revision))
        except Concurrence:
            refus.append(k)

    fils = [threading.Thread(target=ecrire, args=(k,)) for k in range(8)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert len(reussites) == 1 and len(refus) == 7
    assert stockage.documents.lire(ref).contenu == reussites[0].contenu


def test_documents_modifier_d_un_tenant(stockage):
    """Lire, changer, écrire sans qu'un autre écrive entre-temps : huit fils ajoutent chacun un élément."""
    docs = stockage.documents
    ref = RefDocument("atelier-test", "vues", seance="seance-1", hypothese="hyp-1")
    assert docs.modifier(ref, lambda actuel: None) is None, "rien à écrire : rien n'est créé"
    assert docs.lister("atelier-test") == []
    cree = docs.modifier(ref, lambda actuel: (actuel or []) + ["départ"])
    assert cree.contenu == ["départ"] and docs.lire(ref) == cree
    depart = threading.Barrier(8)

    def ajouter(k: int) -> None:
        depart.wait()
        docs.modifier(ref, lambda actuel: [*actuel, k])

    fils = [threading.Thread(target=ajouter, args=(k,)) for k in range(8)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    final = docs.lire(ref)
    assert final.contenu[0] == "départ" and sorted(final.contenu[1:]) == list(range(8))

    def refuser(actuel):
        actuel.append("jamais écrit")
        raise DonneeInvalide("refusé")

    with pytest.raises(DonneeInvalide):
        docs.modifier(ref, refuser)
    assert docs.lire(ref) == final, "un changement refusé n'écrit rien"
    assert docs.modifier(ref, lambda actuel: actuel) == final, "rien de changé : même révision"


def test_ateliers_et_documents_par_genre(stockage):
    docs = stockage.documents
    assert docs.ateliers() == []
    docs.ecrire(RefDocument("b-atelier", "atelier"), {"nom": "B"}, 0)
    docs.ecrire(RefDocument("a-atelier", "atelier"), {"nom": "A"}, 0)
    docs.ecrire(RefDocument("a-atelier", "seance", "s1"), {"titre": "S1"}, 0)
    docs.ecrire(RefDocument("a-atelier", "seance", "s2"), {"titre": "S2"}, 0)
    docs.ecrire(RefDocument("a-atelier", "releve", "s1"), {"presents": []}, 0)
    docs.ecrire(RefDocument("sans-fiche", "seance", "s1"), {"titre": "orpheline"}, 0)
    assert docs.ateliers() == ["a-atelier", "b-atelier"]
    avant = docs.revisions_ateliers()
    assert set(avant) == {"a-atelier", "b-atelier"}
    assert avant["a-atelier"] == docs.lire(RefDocument("a-atelier", "atelier")).revision
    docs.modifier(RefDocument("b-atelier", "atelier"), lambda fiche: {**fiche, "nom": "B bis"})
    apres = docs.revisions_ateliers()
    assert apres["b-atelier"] != avant["b-atelier"] and apres["a-atelier"] == avant["a-atelier"]
    assert [r.seance for r in docs.lister("a-atelier", "seance")] == ["s1", "s2"]
    assert len(docs.lister("a-atelier")) == 4


def test_journal_ajout_seulement(stockage):
    j = stockage.journal
    assert j.lire("atelier-test") == ([], 0)
    j.ajouter("atelier-test", {"le": "2026-12-03T10:00:00+00:00", "qui": "Marie", "action": "creer-seance"})
    j.ajouter("atelier-test", {"le": "2026-12-03T10:05:00+00:00", "qui": "Élise", "action": "enregistrer"})
    j.ajouter("autre", {"le": "2026-12-03T10:06:00+00:00", "qui": "Paul", "action": "enregistrer"})
    lignes, illisibles = j.lire("atelier-test")
    assert [ligne["qui"] for ligne in lignes] == ["Marie", "Élise"] and illisibles == 0


def test_fichiers_deposes_jamais_remplaces(stockage):
    f = stockage.fichiers
    assert f.lister("atelier-test") == [] and f.lire("atelier-test", "couches/zones.geojson") is None
    assert f.deposer("atelier-test", "couches/zones.geojson", b'{"type": "FeatureCollection", "features": []}')
    assert not f.deposer("atelier-test", "couches/zones.geojson", b"autre contenu"), "jamais remplacé"
    assert f.lire("atelier-test", "couches/zones.geojson").startswith(b'{"type": "FeatureCollection"')
    assert f.lister("atelier-test") == ["couches/zones.geojson"]
    for hostile in ("../atelier.json", "couches/../../x", "/etc/passwd", "couches/.cache", "atelier.json"):
        with pytest.raises(DonneeInvalide, match="Chemin de fichier refusé"):
            f.deposer("atelier-test", hostile, b"x")


def test_brouillons_et_presence(stockage):
    b = stockage.brouillons
    assert b.lister(H) == []
    b.ecrire(H, "poste-a", {"auteur": "Marie", "dessins": [{"id": "x"}], "annotations": {}})
    b.ecrire(H, "poste-b", {"auteur": "Paul", "dessins": [], "annotations": {"z1": {"titre": "t"}}})
    (a, bb) = b.lister(H)
    assert (a.poste, a.contenu["auteur"], bb.poste) == ("poste-a", "Marie", "poste-b")
    assert 0 <= a.age < 60
    b.signe_de_vie(H, "poste-a")
    b.ecrire(H, "poste-a", {"auteur": "Marie", "dessins": [{"id": "x"}, {"id": "y"}], "annotations": {}})
    assert len(b.lister(H)[0].contenu["dessins"]) == 2
    assert b.lister(RefHypothese("atelier-test", "seance-1", "autre")) == []
    b.retirer(H, "poste-b")
    assert [x.poste for x in b.lister(H)] == ["poste-a"]
    b.ecarter(H, "poste-a")
    assert b.lister(H) == []


def test_attendre_changement(stockage, tmp_path):
    """Une session qui attend est réveillée par l'enregistrement d'un autre processus."""
    depot = stockage.versions(REF)
    depot.enregistrer([nouvelle("commune", "partagée")], "initial")
    assert depot.attendre_changement(0, 5) == 1, "déjà plus récent : réponse immédiate"
    assert depot.attendre_changement(1, 0.2) == 1, "rien de nouveau : réponse au bout du délai"
    resultat = []
    attente = threading.Thread(target=lambda: resultat.append(depot.attendre_changement(1, 60)))
    attente.start()
    processus, _ = lancer_travailleur(stockage, tmp_path, "autre", 1)
    assert processus.wait(timeout=120) == 0
    attente.join(timeout=60)
    assert resultat == [2]


def test_magasin_fichiers_lit_les_ateliers_existants(projets):
    """Les dossiers ``projets/`` d'aujourd'hui se lisent tels quels par le magasin de fichiers."""
    from esquisse.atelier.ateliers import lister_ateliers
    from esquisse.atelier.seances import hypothese, lister_hypotheses, lister_seances

    magasin = StockageFichiers(projets)
    atelier = lister_ateliers(projets)[0]
    refs = magasin.hypotheses(atelier.id)
    assert refs
    for s in lister_seances(atelier.dossier, archivees=True):
        for h in lister_hypotheses(s):
            ref = RefHypothese(atelier.id, s.id, h.id)
            depot = h.depot(atelier.id)
            if depot.numero_courant():
                assert ref in refs
                assert magasin.versions(ref).lire(depot.numero_courant()) == depot.lire(depot.numero_courant())
    doc = magasin.documents.lire(RefDocument(atelier.id, "atelier"))
    assert doc.contenu["nom"] == atelier.nom
    # Une écriture par le magasin garde le format : le module du domaine relit le fichier.
    s, h = next((s, hs[0]) for s in lister_seances(atelier.dossier, archivees=True) if (hs := lister_hypotheses(s)))
    ref = RefDocument(atelier.id, "hypothese", s.id, h.id)
    lu = magasin.documents.lire(ref)
    magasin.documents.ecrire(ref, {**lu.contenu, "titre": "Titre changé"}, lu.revision)
    assert hypothese(s, h.id).titre == "Titre changé"


def test_fichier_illisible_pour_le_systeme_dit_en_francais(projets):
    """Un dossier à la place de ``feuille_de_route.json`` ou de ``releve.json`` : une erreur du domaine
    (pas une exception du système), et rien n'est écrit par-dessus."""
    from esquisse.atelier import feuille_de_route as fdr
    from esquisse.atelier.releve import lire_releve
    from esquisse.atelier.seances import lister_seances

    atelier = projets / "bassee-montois"
    (atelier / "feuille_de_route.json").unlink()
    (atelier / "feuille_de_route.json").mkdir()
    with pytest.raises(SchemaInvalide, match=r"feuille_de_route\.json est illisible"):
        fdr.lire(atelier)
    seance = lister_seances(atelier)[0]
    (seance.dossier / "releve.json").unlink(missing_ok=True)
    (seance.dossier / "releve.json").mkdir()
    with pytest.raises(EsquisseErreur, match="illisible"):
        lire_releve(seance)
    assert (seance.dossier / "releve.json").is_dir()
