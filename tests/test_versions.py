"""Versions immuables : enregistrement, historique, restauration, concurrence, arrêt brutal."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from esquisse.esquisses.versions import FICHIER_HISTORIQUE, Changement, Depot
from esquisse.noyau.erreurs import DonneeInvalide, Introuvable
from tests.outils import RACINE

CARRE_HORAIRE = {"type": "Polygon", "coordinates": [[[2, 48], [2, 48.1], [2.1, 48.1], [2.1, 48], [2, 48]]]}


def nouvelle(i: str, titre: str = "zone", geometrie: dict | None = None) -> Changement:
    return Changement(
        i,
        None,
        {
            "type": "Feature",
            "geometry": geometrie or CARRE_HORAIRE,
            "properties": {"titre": titre, "categorie": "projet"},
        },
    )


def modifiee(depot: Depot, base: int, i: str, **props) -> Changement:
    e = depot.entites(base)[i]
    return Changement(i, base, {**e, "properties": {**e["properties"], **props}})


@pytest.fixture
def depot(tmp_path) -> Depot:
    return Depot(tmp_path / "hyp", {"atelier": "a", "seance": "s", "hypothese": "h"})


def test_premiere_version_rfc7946(depot):
    r = depot.enregistrer([nouvelle("z1")], auteur="Marie", role="elu", message="Première esquisse")
    assert r.version.numero == 1 and r.version.parent is None and r.ajoutees == 1
    fichier = depot.dossier / "versions" / "v000001.geojson"
    donnees = json.loads(fichier.read_text(encoding="utf-8"))
    assert donnees["type"] == "FeatureCollection"
    assert "crs" not in donnees
    assert donnees["esquisse"]["version"] == 1 and donnees["esquisse"]["auteur"] == "Marie"
    assert donnees["esquisse"]["message"] == "Première esquisse"
    (f,) = donnees["features"]
    assert f["id"] == "z1" and f["properties"]["titre"] == "zone"
    anneau = shapely.get_exterior_ring(shape(f["geometry"]))
    assert anneau.is_ccw, "anneau extérieur selon la règle de la main droite (sens trigonométrique)"
    assert hashlib.sha256(fichier.read_bytes()).hexdigest() == r.version.empreinte


def test_versions_successives_et_historique(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    depot.enregistrer([modifiee(depot, 1, "a", titre="renommée")], "Paul")
    depot.enregistrer([Changement("a", 2, None)], "Paul")
    hist = depot.historique()
    assert [(m.numero, m.parent) for m in hist] == [(1, None), (2, 1), (3, 2)]
    assert [m.message for m in hist] == ["1 esquisse ajoutée", "1 esquisse modifiée", "1 esquisse supprimée"]
    assert depot.lire(2).par_id()["a"]["properties"]["titre"] == "renommée"
    assert depot.entites(3) == {}


def test_aucun_changement_aucune_version(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    e = depot.entites(1)["a"]
    r = depot.enregistrer([Changement("a", 1, e)], "Marie")
    assert r.version is None
    assert depot.numero_courant() == 1


def test_base_perimee_fusionnee(depot):
    depot.enregistrer([nouvelle("a"), nouvelle("b")], "Marie")
    # Deux tablettes partent de la version 1.
    r1 = depot.enregistrer([nouvelle("c"), modifiee(depot, 1, "a", titre="par Paul")], "Paul")
    r2 = depot.enregistrer([nouvelle("d"), modifiee(depot, 1, "b", titre="par Léa")], "Léa")
    assert r1.version.numero == 2 and r2.version.numero == 3
    assert not r2.conflits
    finale = depot.entites(3)
    assert set(finale) == {"a", "b", "c", "d"}
    assert finale["a"]["properties"]["titre"] == "par Paul"
    assert finale["b"]["properties"]["titre"] == "par Léa"


def test_conflit_rapporte_rien_perdu(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    depot.enregistrer([modifiee(depot, 1, "a", titre="Paul")], "Paul")
    r = depot.enregistrer([modifiee(depot, 1, "a", titre="Léa")], "Léa")
    (c,) = r.conflits
    assert c.id == "a" and c.champs == ("titre",)
    assert c.locale["properties"]["titre"] == "Léa"
    assert depot.entites(depot.numero_courant())["a"]["properties"]["titre"] == "Paul"


def test_suppression_contre_modification(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    depot.enregistrer([Changement("a", 1, None)], "Paul")
    r = depot.enregistrer([modifiee(depot, 1, "a", titre="gardée")], "Léa")
    assert r.conflits[0].nature == "modifiee_ici_supprimee_ailleurs"
    assert depot.entites(3)["a"]["properties"]["titre"] == "gardée"


def test_restauration_cree_une_nouvelle_version(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    depot.enregistrer([Changement("a", 1, None), nouvelle("b")], "Paul")
    meta = depot.restaurer(1, "Marie", "ddt")
    assert meta.numero == 3 and meta.parent == 2 and meta.restauree_de == 1
    assert set(depot.entites(3)) == {"a"}
    assert [m.numero for m in depot.historique()] == [1, 2, 3]
    assert depot.lire(2).par_id().keys() == {"b"}


def test_version_inconnue(depot):
    with pytest.raises(Introuvable, match="La version 4 n'existe pas"):
        depot.lire(4)
    depot.enregistrer([nouvelle("a")], "Marie")
    with pytest.raises(DonneeInvalide, match="Version de base inconnue"):
        depot.enregistrer([Changement("a", 9, None)], "Marie")


def test_entite_invalide_refusee_sans_rien_ecrire(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    avant = sorted(p.name for p in depot.dossier.rglob("*"))
    with pytest.raises(DonneeInvalide):
        depot.enregistrer([nouvelle("b", geometrie={"type": "Point", "coordinates": [500, 0]})], "Marie")
    with pytest.raises(DonneeInvalide):
        depot.enregistrer([nouvelle("../x")], "Marie")
    assert sorted(p.name for p in depot.dossier.rglob("*")) == avant


def test_zone_qui_se_recoupe_reparee(depot):
    noeud = {"type": "Polygon", "coordinates": [[[2, 48], [2.1, 48.1], [2.1, 48], [2, 48.1], [2, 48]]]}
    depot.enregistrer([nouvelle("a", geometrie=noeud)], "Marie")
    g = shape(depot.entites(1)["a"]["geometry"])
    assert g.is_valid and g.area > 0


def test_historique_sans_lire_les_versions(depot, monkeypatch):
    for k in range(5):
        depot.enregistrer([nouvelle(f"e{k}")], "Marie")
    lus = []
    original = Path.read_bytes

    def espion(self):
        lus.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", espion)
    assert len(depot.historique()) == 5
    assert lus == [FICHIER_HISTORIQUE]


def test_ligne_d_historique_interrompue_reparee(depot):
    depot.enregistrer([nouvelle("a")], "Marie")
    depot.enregistrer([nouvelle("b")], "Marie")
    historique = depot.dossier / FICHIER_HISTORIQUE
    contenu = historique.read_bytes()
    # Arrêt brutal pendant l'écriture de la 2e ligne : elle est tronquée.
    historique.write_bytes(contenu[: len(contenu) - 20])
    assert [m.numero for m in depot.historique()] == [1, 2]  # la version 2 est relue depuis son fichier
    depot.enregistrer([nouvelle("c")], "Marie")
    lignes = historique.read_text(encoding="utf-8").splitlines()
    assert [json.loads(ligne)["numero"] for ligne in lignes] == [1, 2, 3]


def test_concurrence_dix_processus(tmp_path):
    """10 processus enregistrent 20 fois chacun, en même temps, dans la même hypothèse."""
    dossier = tmp_path / "hyp"
    depot = Depot(dossier)
    depot.enregistrer([nouvelle("commune", "départ")], "init")
    processus, sorties = [], []
    for p in range(10):
        sortie = tmp_path / f"sortie-{p}.json"
        sorties.append(sortie)
        processus.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.travailleur_versions", str(dossier), f"p{p}", "20", str(sortie)],
                cwd=RACINE,
            )
        )
    for proc in processus:
        assert proc.wait(120) == 0
    journaux = [e for s in sorties for e in json.loads(s.read_text())]
    assert len(journaux) == 200

    historique = depot.historique()
    # Historique complet et linéaire : 1 + 200 versions, chacune fille de la précédente.
    assert [m.numero for m in historique] == list(range(1, 202))
    assert all(m.parent == m.numero - 1 for m in historique[1:])
    assert sorted(e["version"] for e in journaux) == list(range(2, 202))
    # Aucun fichier de version remplacé : chaque fichier correspond encore à l'empreinte indexée.
    for m in historique:
        contenu = (dossier / m.fichier).read_bytes()
        assert hashlib.sha256(contenu).hexdigest() == m.empreinte
    # Chaque entité de chaque enregistrement est dans la dernière version, ou rapportée en conflit.
    derniere = depot.entites(historique[-1].numero)
    for e in journaux:
        assert e["ajoutee"] in derniere or e["ajoutee"] in e["conflits"]
    assert "commune" in derniere
    assert len(list((dossier / "versions").iterdir())) == 201


def test_arret_brutal_ne_laisse_aucune_version_partielle(tmp_path):
    """Des enregistrements tués (SIGKILL) à des moments au hasard laissent un dépôt lisible et complet."""
    dossier = tmp_path / "hyp"
    depot = Depot(dossier)
    aleatoire = random.Random(7)
    tues = 0
    restes = 0  # arrêts tombés au milieu d'une écriture (fichier temporaire ou index en retard)
    for tour in range(12):
        commande = [sys.executable, "-m", "tests.travailleur_versions", str(dossier), f"k{tour}", "50"]
        proc = subprocess.Popen([*commande, str(tmp_path / "o.json"), "--lourd"], cwd=RACINE)
        time.sleep(aleatoire.uniform(0.8, 1.8))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            tues += 1
        proc.wait()
        index = (dossier / FICHIER_HISTORIQUE).read_bytes() if (dossier / FICHIER_HISTORIQUE).exists() else b""
        fichiers = sorted((dossier / "versions").glob("v*.geojson"))
        if list(dossier.rglob(".tmp-*")) or index.count(b"\n") != len(fichiers) or not index.endswith(b"\n"):
            restes += 1
        # Le dépôt reste lisible : versions numérotées sans trou, et aucune n'est tronquée.
        historique = depot.historique()
        assert [m.numero for m in historique] == list(range(1, len(historique) + 1))
        assert len(fichiers) == len(historique)
        for m in historique[-3:]:
            assert len(depot.lire(m.numero).entites) == m.nb_entites
    assert tues >= 6
    for f in (dossier / "versions").glob("v*.geojson"):
        json.loads(f.read_bytes())  # jamais de fichier de version tronqué
    print(f"{tues} arrêts brutaux, dont {restes} au milieu d'une écriture")
    # Et l'on peut toujours enregistrer : les restes (temporaires, ligne tronquée) sont nettoyés.
    r = depot.enregistrer([nouvelle("apres")], "Marie")
    assert r.version.numero == len(depot.historique())
    assert not list(dossier.rglob(".tmp-*"))
    lignes = (dossier / FICHIER_HISTORIQUE).read_text(encoding="utf-8").splitlines()
    assert len(lignes) == r.version.numero
    for m in depot.historique():
        assert hashlib.sha256((dossier / m.fichier).read_bytes()).hexdigest() == m.empreinte


@pytest.mark.parametrize("point", ["avant-lien", "apres-lien", "index-partiel"])
def test_arret_brutal_a_chaque_point_critique(tmp_path, point):
    dossier = tmp_path / "hyp"
    commande = [sys.executable, "-m", "tests.travailleur_versions", str(dossier), "k", "3", str(tmp_path / "o.json")]
    proc = subprocess.run([*commande, "--tuer-a", point], cwd=RACINE, check=False)
    assert proc.returncode == -signal.SIGKILL
    depot = Depot(dossier)
    # La version en cours d'écriture n'existe pas (avant le lien) ou existe entière (après).
    attendues = 2 if point == "avant-lien" else 3
    assert [m.numero for m in depot.historique()] == list(range(1, attendues + 1))
    assert len(depot.lire(attendues).entites) == attendues
    restes = list(dossier.rglob(".tmp-*"))
    assert bool(restes) == (point == "avant-lien")
    # L'enregistrement suivant répare : temporaires supprimés, index complet et bien formé.
    r = depot.enregistrer([nouvelle("apres")], "Marie")
    assert r.version.numero == attendues + 1
    assert not list(dossier.rglob(".tmp-*"))
    lignes = (dossier / FICHIER_HISTORIQUE).read_text(encoding="utf-8").splitlines()
    assert [json.loads(ligne)["numero"] for ligne in lignes] == list(range(1, attendues + 2))
