"""Caches partagés : les fichiers d'affichage des couches sont élagués, les analyses d'import tiennent
sous plusieurs sessions à la fois."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from esquisse.atelier.ateliers import charger_atelier, modifier_atelier
from esquisse.carte.affichage import DOSSIER_STATIQUE, elaguer_cache
from esquisse.carte.construction import parametres_atelier
from esquisse.imports import sources
from esquisse.imports.importation import analyser
from tests.fabriques import communes_livrees, geojson_sans_crs


@pytest.fixture
def cache():
    """Un dossier de cache à part, sous le dossier statique (les adresses des couches en dépendent)."""
    (DOSSIER_STATIQUE / "cache").mkdir(parents=True, exist_ok=True)
    dossier = Path(tempfile.mkdtemp(prefix="test-elagage-", dir=DOSSIER_STATIQUE / "cache"))
    yield dossier
    shutil.rmtree(dossier)


def vieillir(chemin: Path, secondes: float) -> None:
    t = time.time() - secondes
    os.utime(chemin, (t, t))


def test_cache_elague_seulement_ce_qui_ne_sert_plus_et_qui_est_ancien(projets, cache):
    bassee = charger_atelier(projets, "bassee-montois")
    gascogne = charger_atelier(projets, "gascogne-toulouse")
    utilises = set()
    for atelier in (bassee, gascogne):
        for c in parametres_atelier(atelier, cache).couches:
            utilises |= {DOSSIER_STATIQUE / x for x in (c.chemin, c.chemin_detail) if x}
    dossier = cache / "couches"
    assert utilises <= set(dossier.iterdir())
    # Le territoire de projet de Gascogne change : son ancien fichier ne sert plus.
    c = parametres_atelier(gascogne, cache).couches[-1]
    ancien_perimetre = {DOSSIER_STATIQUE / x for x in (c.chemin, c.chemin_detail) if x}
    modifier_atelier(projets, gascogne.id, lambda d: d["perimetre"].update(nom="Autre nom"))
    nouveau = parametres_atelier(charger_atelier(projets, gascogne.id), cache).couches[-1]
    assert DOSSIER_STATIQUE / nouveau.chemin not in ancien_perimetre
    # Un fichier temporaire abandonné, et un fichier étranger (jamais touché).
    abandonne = dossier / ".tmp-abandonne"
    abandonne.write_bytes(b"x")
    etranger = dossier / "LISEZMOI.txt"
    etranger.write_text("à garder")
    for f in dossier.iterdir():
        vieillir(f, 3600)  # tout a une heure

    recent = dossier / ("f" * 20 + ".json.gz")  # inutilisé mais tout juste écrit : peut être en lecture
    recent.write_bytes(b"x")
    avant = set(dossier.iterdir())

    retires = set(elaguer_cache(projets, cache, age_min=600))
    assert retires == ancien_perimetre | {abandonne}
    assert set(dossier.iterdir()) == avant - retires
    assert utilises - ancien_perimetre <= set(dossier.iterdir()), "un fichier encore utilisé a été retiré"
    assert DOSSIER_STATIQUE / nouveau.chemin in set(dossier.iterdir())
    assert recent.exists() and etranger.read_text() == "à garder"
    # Rien de plus au second passage ; un fichier ancien et inutilisé finit par partir.
    assert elaguer_cache(projets, cache, age_min=600) == []
    vieillir(recent, 3600)
    assert elaguer_cache(projets, cache, age_min=600) == [recent]


def test_territoire_revenu_a_l_identique_apres_elagage(projets, cache):
    """A → B → A : le fichier de A, élagué entre-temps, est refait (le cache en mémoire ne le croit pas là)."""
    gascogne = charger_atelier(projets, "gascogne-toulouse")
    nom = gascogne.perimetre.nom
    premier = parametres_atelier(gascogne, cache).couches[-1]
    modifier_atelier(projets, gascogne.id, lambda d: d["perimetre"].update(nom="Autre nom"))
    parametres_atelier(charger_atelier(projets, gascogne.id), cache)
    vieillir(DOSSIER_STATIQUE / premier.chemin, 3600)
    assert DOSSIER_STATIQUE / premier.chemin in elaguer_cache(projets, cache, age_min=600)
    modifier_atelier(projets, gascogne.id, lambda d: d["perimetre"].update(nom=nom))
    revenu = parametres_atelier(charger_atelier(projets, gascogne.id), cache).couches[-1]
    assert revenu.chemin == premier.chemin and (DOSSIER_STATIQUE / revenu.chemin).is_file()


def test_un_atelier_illisible_n_empeche_pas_l_elagage(projets, cache):
    parametres_atelier(charger_atelier(projets, "bassee-montois"), cache)
    (projets / "gascogne-toulouse" / "atelier.json").write_bytes(b"{")
    utilises = set((cache / "couches").iterdir())
    for f in utilises:
        vieillir(f, 3600)
    assert elaguer_cache(projets, cache, age_min=600) == []
    assert set((cache / "couches").iterdir()) == utilises


class DictQuiCede(dict):
    """Un dict qui laisse la main aux autres fils juste après chaque écriture : les courses deviennent sûres."""

    def __setitem__(self, cle, valeur):
        super().__setitem__(cle, valeur)
        time.sleep(0.002)

    def pop(self, *args):
        valeur = super().pop(*args)
        time.sleep(0.002)
        return valeur


def test_analyses_partagees_entre_sessions_sous_verrou(tmp_path, monkeypatch):
    """Huit sessions analysent en même temps des fichiers différents, dans un petit cache : sans verrou, une
    analyse tout juste rangée était retirée par une autre session avant d'être rendue (KeyError)."""
    monkeypatch.setattr(sources, "_ANALYSES", DictQuiCede())
    monkeypatch.setattr(sources, "_ANALYSES_MAX", 2)
    communes = communes_livrees()
    fichiers = [geojson_sans_crs(communes.iloc[: 5 + k], tmp_path / f"couche-{k}.geojson") for k in range(6)]
    erreurs: list[BaseException] = []
    depart = threading.Barrier(8)

    def session(rang: int) -> None:
        try:
            depart.wait()
            for k in range(2 * len(fichiers)):
                f = fichiers[(k + rang) % len(fichiers)]
                analyse = analyser(f, f.name)
                assert analyse.couches[0].nb_entites == 5 + int(f.stem.split("-")[1])
                assert len(sources._ANALYSES) <= 2
        except BaseException as exc:  # remonté au fil principal
            erreurs.append(exc)

    fils = [threading.Thread(target=session, args=(r,)) for r in range(8)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert not erreurs, erreurs
    assert 0 < len(sources._ANALYSES) <= 2
