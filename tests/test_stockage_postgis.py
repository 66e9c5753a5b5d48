"""Ce qui n'existe qu'avec PostGIS : schéma versionné, vues QGIS lues par ogrinfo, coût d'un
enregistrement, notification dans la transaction, base qui tombe en pleine séance."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import psycopg
import pytest

from esquisse.esquisses.versions import Changement
from esquisse.noyau.erreurs import DonneeInvalide
from esquisse.stockage.interfaces import RefHypothese
from esquisse.stockage.postgis import CANAL, MIGRATIONS, VERSION_SCHEMA, BaseInjoignable, StockagePostgis, migrer
from tests.postgres import demarrer_grappe
from tests.test_stockage import CARRE, POINT, TRAIT, nouvelle

H1 = RefHypothese("vallee", "seance-1", "hyp-a")
H2 = RefHypothese("vallee", "seance-1", "hyp-b")


@pytest.fixture
def magasin(base_postgres):
    m = StockagePostgis(base_postgres)
    yield m
    m.fermer()


def test_schema_cree_et_versionne(magasin):
    with psycopg.connect(magasin.dsn) as conn:
        appliquees = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
        assert appliquees == [numero for numero, _ in MIGRATIONS] and appliquees[-1] == VERSION_SCHEMA
        assert migrer(conn) == VERSION_SCHEMA, "une seconde migration ne fait rien"
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
        index = {r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'entites'")}
        assert any("USING gist (geom)" in i for i in index), index
        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (VERSION_SCHEMA + 1,))
        conn.commit()
    with pytest.raises(DonneeInvalide, match="plus récent que celui de cette version d'Esquisse"):
        StockagePostgis(magasin.dsn)


def test_versions_jamais_modifiees_et_cout_proportionnel_aux_changements(magasin):
    """1 000 entités ; en modifier une écrit une ligne d'entité et en ferme une, rien d'autre."""
    depot = magasin.versions(H1)
    depot.enregistrer([nouvelle(f"z{k}", f"zone {k}") for k in range(1000)], "Marie")
    e = depot.entites(1)["z500"]
    r = depot.enregistrer([Changement("z500", 1, {**e, "properties": {**e["properties"], "titre": "nouveau"}})], "P")
    assert r.version.numero == 2 and r.modifiees == 1 and r.version.nb_entites == 1000
    with psycopg.connect(magasin.dsn) as conn:
        ecrites = conn.execute("SELECT entite FROM entites WHERE depuis = 2").fetchall()
        fermees = conn.execute("SELECT entite FROM entites WHERE jusqua = 2").fetchall()
        assert ecrites == [("z500",)] and fermees == [("z500",)]
        assert conn.execute("SELECT count(*) FROM entites").fetchone()[0] == 1001
        # Une version réservée ne se remplace pas : la clé (hypothèse, numéro) l'interdit.
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "INSERT INTO versions SELECT hypothese, numero, parent, le, 'intrus', role, message, nb_entites, "
                "empreinte, restauree_de, contexte FROM versions WHERE numero = 2"
            )
    assert [e["id"] for e in depot.lire(2).entites][499:502] == ["z499", "z500", "z501"]
    assert depot.lire(1).par_id()["z500"]["properties"]["titre"] == "zone 500"


def test_notification_dans_la_transaction(magasin):
    depot = magasin.versions(H1)
    depot.enregistrer([nouvelle("z1")], "Marie")
    hid = magasin.identifiant(H1, creer=False)
    with psycopg.connect(magasin.dsn, autocommit=True) as ecoute:
        ecoute.execute(f"LISTEN {CANAL}")
        depot.enregistrer([nouvelle("z2")], "Marie")
        (n,) = list(ecoute.notifies(timeout=10, stop_after=1))
    assert n.payload == f"{hid}:2", "charge minimale : identifiants seulement"


def _ogrinfo(dsn_pg: str, *args: str) -> str:
    return subprocess.run(["ogrinfo", "-ro", dsn_pg, *args], capture_output=True, text=True, check=True).stdout


def test_vues_qgis_lues_par_ogrinfo(magasin, grappe_postgres):
    """Chaque atelier a ses vues : dernière version de chaque hypothèse, géométrie typée en EPSG:4326."""
    a = magasin.versions(H1)
    a.enregistrer([nouvelle("z1", "zone humide"), nouvelle("t1", "voie verte", TRAIT)], "Marie")
    e = a.entites(1)["z1"]
    proprietes = {**e["properties"], "titre": "zone humide élargie", "commentaire": "à voir", "auteur": "Marie"}
    a.enregistrer([Changement("z1", 1, {**e, "properties": proprietes})], "Marie")
    magasin.versions(H2).enregistrer([nouvelle("p1", "puits", POINT), nouvelle("z9", "friche", CARRE)], "Paul")
    base = magasin.dsn.rsplit("/", 1)[1]
    dsn = f"PG:host=127.0.0.1 port={grappe_postgres.port} user=esquisse dbname={base}"
    couches = _ogrinfo(dsn, "-q")
    for suffixe, type_ in (("polygones", "Multi Polygon"), ("lignes", "Multi Line String"), ("points", "Point")):
        assert f"qgis.vallee_{suffixe} ({type_})" in couches, couches
    resume = _ogrinfo(dsn, "-so", "qgis.vallee_polygones")
    assert "Geometry: Multi Polygon" in resume and "Feature Count: 2" in resume
    assert 'ID["EPSG",4326]' in resume
    for champ in ("categorie: String", "titre: String", "commentaire: String", "auteur: String", "version: Integer"):
        assert champ in resume, resume
    detail = _ogrinfo(dsn, "qgis.vallee_polygones", "-where", "entite = 'z1'")
    assert "titre (String) = zone humide élargie" in detail and "version (Integer) = 2" in detail
    assert "commentaire (String) = à voir" in detail and "MULTIPOLYGON" in detail
    points = _ogrinfo(dsn, "-so", "qgis.vallee_points")
    assert "Feature Count: 1" in points


def test_base_qui_tombe_message_puis_reprise(tmp_path):
    """Base arrêtée en pleine séance : message en français, rien d'écrit ; relancée : on reprend."""
    grappe = demarrer_grappe(rapide=False)  # fsync et validation synchrone : une panne ne perd rien
    try:
        m = StockagePostgis(grappe.creer_base("panne"))
        depot = m.versions(H1)
        depot.enregistrer([nouvelle("z1")], "Marie")
        avant = depot.lire(1)
        grappe.suspendre()
        with pytest.raises(BaseInjoignable, match="La base de données ne répond pas : rien n'a été écrit"):
            depot.enregistrer([nouvelle("z2")], "Marie")
        grappe.relancer()
        r = depot.enregistrer([nouvelle("z2")], "Marie")
        assert r.version.numero == 2 and depot.lire(1) == avant
        m.fermer()
    finally:
        grappe.arreter()
    with pytest.raises(BaseInjoignable, match="ne répond pas"):
        StockagePostgis(grappe.dsn("panne"))


def test_application_sur_esquisse_base(projets, base_postgres, monkeypatch):
    """Avec ESQUISSE_BASE, les versions des hypothèses vont dans la base, pas dans les fichiers."""
    from esquisse.analyse.attribution import fiches_version
    from esquisse.atelier.ateliers import lister_ateliers
    from esquisse.atelier.seances import lister_hypotheses, lister_seances
    from esquisse.stockage.postgis import DepotPostgis

    atelier = lister_ateliers(projets)[0]
    s, h = next((s, hs[0]) for s in lister_seances(atelier.dossier, archivees=True) if (hs := lister_hypotheses(s)))
    fichiers_avant = sorted(p.name for p in h.dossier.rglob("*"))
    monkeypatch.setenv("ESQUISSE_BASE", base_postgres)
    depot = h.depot(atelier.id)
    assert isinstance(depot, DepotPostgis) and depot.ref == RefHypothese(atelier.id, s.id, h.id)
    assert isinstance(h.depot(), DepotPostgis) and h.depot().ref == depot.ref, "atelier lu dans le chemin"
    r = depot.enregistrer([nouvelle("z1", "zone de projet")], "Marie", "elu")
    assert r.version.numero == 1
    fiches = fiches_version(atelier, depot, 1)
    assert set(fiches) == {"z1"} and fiches["z1"]
    assert sorted(p.name for p in h.dossier.rglob("*")) == fichiers_avant, "aucun fichier écrit"
    monkeypatch.delenv("ESQUISSE_BASE")
    assert type(h.depot(atelier.id)).__name__ == "Depot"


def test_ecouteur_lit_la_base_une_fois_puis_en_memoire(magasin):
    depot = magasin.versions(H1)
    depot.enregistrer([nouvelle("z1")], "Marie")
    hid = magasin.identifiant(H1, creer=False)
    lectures = []

    def relire() -> int:
        lectures.append(1)
        return depot.numero_courant()

    ecouteur = magasin.ecouteur
    assert ecouteur.attendre(hid, 0, 5, relire) == 1 and len(lectures) == 1, "déjà plus récent : tout de suite"
    assert ecouteur.attendre(hid, 1, 0, relire) == 1 and len(lectures) == 1, "en mémoire"
    depot.enregistrer([nouvelle("z2")], "Paul")
    assert ecouteur.attendre(hid, 1, 30, relire) == 2 and len(lectures) == 1, "réveillé par NOTIFY"


def test_vingt_processus_cinquante_enregistrements(magasin, tmp_path):
    """20 processus × 50 enregistrements sur une même base : aucune entité perdue, aucune version remplacée."""
    from tests.test_stockage import lancer_travailleur, verifier_integrite
    from tests.travailleur_stockage import REF

    depot = magasin.versions(REF)
    depot.enregistrer([nouvelle("commune", "partagée")], "initial")
    processus = [lancer_travailleur(magasin, tmp_path, f"p{k}", 50) for k in range(20)]
    for p, _ in processus:
        assert p.wait(timeout=900) == 0
    journaux = [json.loads(sortie.read_text()) for _, sortie in processus]
    ecrites = [e["version"] for j in journaux for e in j]
    assert None not in ecrites and len(set(ecrites)) == len(ecrites) == 1000
    metas = verifier_integrite(depot)
    assert len(metas) == 1001
    finale = depot.entites(1001)
    assert {e["ajoutee"] for j in journaux for e in j} <= set(finale) and len(finale) == 1001


def test_numero_pris_entre_temps_fusion_puis_nouvel_essai(magasin):
    """Un autre écrivain réserve le numéro suivant pendant l'enregistrement : la violation d'unicité
    fait relire, fusionner et écrire sous le numéro d'après ; rien n'est remplacé."""
    depot = magasin.versions(H1)
    depot.enregistrer([nouvelle("z1"), nouvelle("z2")], "Marie")
    hid = magasin.identifiant(H1, creer=False)
    intrus = psycopg.connect(magasin.dsn)
    # Version 2 écrite à la main, sans faire la queue, et pas encore validée.
    intrus.execute(
        "INSERT INTO versions SELECT hypothese, 2, 1, le, 'intrus', role, 'à la main', nb_entites, 'x', NULL, "
        "contexte FROM versions WHERE hypothese = %s AND numero = 1",
        (hid,),
    )
    resultat = []
    fil = threading.Thread(
        target=lambda: resultat.append(depot.enregistrer([Changement("z2", 1, None), nouvelle("z3")], "Paul"))
    )
    fil.start()
    with psycopg.connect(magasin.dsn, autocommit=True) as regard:
        limite = time.monotonic() + 60
        # Attendre que l'enregistrement bute sur la ligne non validée de l'intrus.
        while not regard.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
        ).fetchone()[0]:
            assert time.monotonic() < limite and fil.is_alive()
            time.sleep(0.02)
    intrus.execute("UPDATE entites SET jusqua = 2 WHERE hypothese = %s AND entite = 'z1'", (hid,))
    intrus.execute(
        "INSERT INTO entites SELECT hypothese, entite, 2, NULL, rang, "
        "json_build_object('type', 'Feature', 'id', entite, 'geometry', contenu -> 'geometry', "
        "'properties', json_build_object('titre', 'de l''intrus', 'categorie', 'projet')), geom "
        "FROM entites WHERE hypothese = %s AND entite = 'z1' AND depuis = 1",
        (hid,),
    )
    intrus.commit()
    intrus.close()
    fil.join(timeout=60)
    (r,) = resultat
    assert r.version.numero == 3 and r.version.parent == 2
    assert [m.auteur for m in depot.historique()] == ["Marie", "intrus", "Paul"]
    finale = depot.entites(3)
    assert finale["z1"]["properties"]["titre"] == "de l'intrus", "le changement de l'autre est gardé"
    assert set(finale) == {"z1", "z3"}


def test_erreur_d_une_requete_n_est_pas_une_panne(magasin):
    """Une requête annulée par le serveur reste ce qu'elle est : ni « la base ne répond pas », ni
    connexions directes pendant trente secondes."""
    with pytest.raises(psycopg.errors.QueryCanceled), magasin.connexion() as conn:
        conn.execute("SET LOCAL statement_timeout = 50")
        conn.execute("SELECT pg_sleep(2)")
    depot = magasin.versions(H1)
    assert depot.enregistrer([nouvelle("z1")], "Marie").version.numero == 1
