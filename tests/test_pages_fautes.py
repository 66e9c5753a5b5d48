"""Pannes et entrées hostiles vues des pages (AppTest) : un message en français, jamais de traceback,
et les données identiques à l'octet près quand rien ne devait changer."""

from __future__ import annotations

import errno

import pytest
from streamlit.testing.v1 import AppTest

from esquisse.atelier import vues
from esquisse.atelier.ateliers import charger_atelier, creer_atelier
from esquisse.atelier.seances import (
    STATUTS,
    archiver_seance,
    creer_hypothese,
    creer_seance,
    lister_hypotheses,
    lister_seances,
    modifier_hypothese,
)
from esquisse.esquisses.fusion import Conflit
from esquisse.esquisses.versions import Changement
from esquisse.noyau import fichiers
from tests.fabriques import entite, instantane
from tests.outils import DisqueEnPanne, executer_page, preparer_page
from ui.textes import md

DELAI = 60
NOM_HOSTILE = "**Gras** <img src=x onerror=alert(1)> [piège](javascript:alert(1)) # titre `code` $x$"


@pytest.fixture(autouse=True)
def donnees(projets, monkeypatch):
    monkeypatch.setenv("ESQUISSE_PROJETS", str(projets))


def lancer(script: str, **parametres) -> AppTest:
    return relancer(preparer_page(script, DELAI, **parametres))


relancer = executer_page  # une page déjà préparée, exécutée de nouveau


def textes(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_accueil_un_atelier_abime_n_en_cache_aucun_autre(projets):
    (projets / "gascogne-toulouse" / "atelier.json").write_bytes(b'{"nom": "Portes de Gasc')
    avant = instantane(projets)
    at = lancer("app.py")
    (avertissement,) = at.warning
    assert "« gascogne\\-toulouse » ne peut pas être ouvert" in avertissement.value
    assert "illisible" in avertissement.value and "n'est pas modifié" in avertissement.value
    assert md("Bassée-Montois — mieux vivre dans le périurbain") in textes(at.markdown)
    assert [b.label for b in at.button if b.label == "Ouvrir la carte"] == ["Ouvrir la carte"]
    assert instantane(projets) == avant


def test_accueil_un_atelier_abime_dans_la_base(projets, base_postgres, tmp_path, monkeypatch):
    """Avec la base, l'avertissement nomme l'atelier de la base, pas un dossier local."""
    from esquisse.stockage.choix import ouvrir
    from esquisse.stockage.copie import copier
    from esquisse.stockage.disque import StockageFichiers
    from esquisse.stockage.interfaces import RefDocument

    base, fichiers = ouvrir(base_postgres), StockageFichiers(projets)
    for identifiant in fichiers.documents.ateliers():
        copier(identifiant, fichiers, base)
    ref = RefDocument("gascogne-toulouse", "atelier")
    base.documents.ecrire(ref, {"format": 1}, base.documents.lire(ref).revision)  # sans « nom »
    (tmp_path / "cache").mkdir()
    monkeypatch.setenv("ESQUISSE_PROJETS", str(tmp_path / "cache"))
    monkeypatch.setenv("ESQUISSE_BASE", base_postgres)
    at = lancer("app.py")
    (avertissement,) = at.warning
    assert avertissement.value.startswith(
        "L'atelier « gascogne\\-toulouse » de la base de données ne peut pas être ouvert : "
    )
    assert "nom" in avertissement.value and "dossier" not in avertissement.value
    assert avertissement.value.endswith("Les autres ateliers restent disponibles ; il n'est pas modifié.")
    assert [b.label for b in at.button if b.label == "Ouvrir la carte"] == ["Ouvrir la carte"]


def test_couches_nom_d_atelier_hostile_echappe(projets):
    atelier = creer_atelier(projets, NOM_HOSTILE)
    at = lancer("pages/couches.py", atelier=atelier.id)
    titre = at.subheader[0].value
    assert titre == f"Couches · {md(NOM_HOSTILE)}"
    for brut in ("**Gras**", "[piège](", "`code`", "$x$"):
        assert brut not in titre, brut


@pytest.mark.parametrize("script", ["pages/seances.py", "pages/carte.py", "pages/atelier.py", "pages/territoire.py"])
def test_autres_titres_avec_le_nom_hostile_echappes(projets, script):
    atelier = creer_atelier(projets, NOM_HOSTILE)
    at = lancer(script, atelier=atelier.id)
    assert md(NOM_HOSTILE) in at.subheader[0].value and "**Gras**" not in at.subheader[0].value


@pytest.fixture
def visite(projets):
    dossier = projets / "bassee-montois"
    return next(s for s in lister_seances(dossier) if lister_hypotheses(s))


def test_seances_disque_plein_archiver_et_statut_en_francais(projets, visite, monkeypatch):
    h = lister_hypotheses(visite)[0]
    autre = next(s for s in STATUTS if s != h.statut)
    # Rodage, comme sur un atelier en service : les verrous de la séance et de l'hypothèse existent.
    archiver_seance(visite.dossier.parent.parent, visite.id, False, "Test")
    modifier_hypothese(h, "Test", statut=h.statut)
    at = lancer("pages/seances.py", atelier="bassee-montois")
    avant = instantane(projets)
    with monkeypatch.context() as panne:
        panne.setattr(fichiers, "os", DisqueEnPanne(errno.ENOSPC))
        at.button(key=f"archiver-{visite.id}").click()
        relancer(at)
        assert "Séance non archivée : Le disque est plein" in textes(at.error)
        at.selectbox(key=f"statut-{visite.id}-{h.id}").set_value(autre)
        relancer(at)
        assert "Statut non modifié : Le disque est plein" in textes(at.error)
    assert instantane(projets) == avant
    at.button(key=f"archiver-{visite.id}").click()
    relancer(at)
    assert visite.id not in [s.id for s in lister_seances(projets / "bassee-montois")]


@pytest.fixture
def hyp(projets):
    s = creer_seance(projets / "bassee-montois", "atelier-2", "2026-05-04", "Séance de test")
    h = creer_hypothese(s, "Hypothèse de test")
    # Une première version, comme sur une hypothèse en cours : son verrou existe.
    h.depot("bassee-montois").enregistrer([Changement("zone-0", None, entite(0))], "Test", "elu")
    return h


def dessin(i: str, local: int = 1) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[3.2, 48.4], [3.25, 48.4], [3.25, 48.45], [3.2, 48.4]]]},
        "properties": {"esq_id": i, "esq_base": None, "esq_local": local, "esq_categorie": "projet"},
    }


def test_carte_disque_plein_rien_n_est_accuse(projets, hyp, monkeypatch):
    """Disque plein à l'enregistrement : message en français, le dessin reste à enregistrer (pas d'accusé,
    le navigateur le garde), la carte reste affichée, rien n'est écrit."""
    at = lancer("pages/carte.py", atelier="bassee-montois", seance=hyp.seance, hypothese=hyp.id)
    cle = f"carte-edition-bassee-montois-{hyp.seance}-{hyp.id}"
    at.session_state[cle] = {"all_drawings": [dessin("zone-1")], "last_active_drawing": dessin("zone-1")}
    relancer(at)
    assert at.button(key="enregistrer").label == "Enregistrer (1)"
    avant = instantane(projets)
    with monkeypatch.context() as panne:
        panne.setattr(fichiers, "os", DisqueEnPanne(errno.ENOSPC))
        at.button(key="enregistrer").click()
        relancer(at)
    erreur = textes(at.error)
    assert "Rien n'a été enregistré : Le disque est plein" in erreur
    assert "Vos dessins restent dans ce navigateur" in erreur
    assert "Copie de secours" not in textes(at.warning)  # le brouillon, inchangé, n'avait pas à l'être
    assert any(type(e).__name__ == "UnknownElement" for e in at.main), "la carte a disparu"
    assert instantane(projets) == avant
    assert hyp.depot("bassee-montois").numero_courant() == 1
    relancer(at)  # au passage suivant, le dessin attend toujours : il n'a pas été accusé
    assert at.button(key="enregistrer").label == "Enregistrer (1)", "le dessin a été accusé sans être écrit"
    # L'enregistrement réussi, une fois le disque libéré, passe par un fragment (que seul Chromium
    # exécute) : voir tests/navigateur/test_disque_plein.py.


def test_carte_vues_abimees_signalees_et_gardees(projets, hyp):
    vues.ajouter(hyp, "Zoom sur la gare", [3.2, 48.4, 3.3, 48.45])
    chemin = hyp.dossier / vues.FICHIER
    chemin.write_bytes(b'[{"id": "zoom"')
    avant = instantane(projets)
    at = lancer("pages/carte.py", atelier="bassee-montois", seance=hyp.seance, hypothese=hyp.id)
    (avertissement,) = at.warning
    assert avertissement.value.startswith("Le fichier des vues « ") and md(str(chemin)) in avertissement.value
    assert "est illisible" in avertissement.value and "n'est pas modifié" in avertissement.value
    assert any(type(e).__name__ == "UnknownElement" for e in at.main), "la carte a disparu"
    assert instantane(projets) == avant


def test_carte_retirer_une_vue_disque_plein(projets, hyp, monkeypatch):
    vue = vues.ajouter(hyp, "Zoom sur la gare", [3.2, 48.4, 3.3, 48.45])
    at = lancer("pages/carte.py", atelier="bassee-montois", seance=hyp.seance, hypothese=hyp.id)
    avant = instantane(projets)
    with monkeypatch.context() as panne:
        panne.setattr(fichiers, "os", DisqueEnPanne(errno.EIO))
        at.button(key=f"retirer-vue-{vue.id}").click()
        relancer(at)
    assert "Vue non retirée : Erreur d'entrée" in textes(at.error)
    assert instantane(projets) == avant
    assert charger_atelier(projets, "bassee-montois").id == "bassee-montois"


PAGES_DE_SEANCES = ["pages/seances.py", "pages/carte.py", "pages/historique.py", "pages/chronologie.py"]


@pytest.mark.parametrize("script", PAGES_DE_SEANCES)
def test_une_seance_abimee_signalee_les_autres_utilisables(projets, script):
    dossier = projets / "bassee-montois"
    seances = lister_seances(dossier)
    abimee = seances[-1]
    (abimee.dossier / "seance.json").write_bytes(b'{"titre": "Seminaire')
    avant = instantane(projets)
    at = lancer(script, atelier="bassee-montois")
    assert f"La séance « {md(abimee.id)} » est cachée" in textes(at.warning)
    assert "illisible" in textes(at.warning)
    assert instantane(projets) == avant


def test_carte_conflit_tranche_sur_disque_plein_reste_propose(projets, hyp, monkeypatch):
    """« Appliquer ma version » sur un disque plein : erreur en français, le conflit (et la version locale
    qu'il porte) reste proposé ; avant, il était retiré même quand rien n'avait été écrit."""
    at = lancer("pages/carte.py", atelier="bassee-montois", seance=hyp.seance, hypothese=hyp.id)
    etat = at.session_state[f"edition::bassee-montois::{hyp.seance}::{hyp.id}"]
    locale = {**entite(0), "properties": {"titre": "Ma version", "categorie": "projet"}}
    distante = {**entite(0), "properties": {"titre": "Leur version", "categorie": "projet"}}
    etat.conflits.append(Conflit("zone-0", "modifiee_des_deux_cotes", locale, distante, distante, ("titre",)))
    relancer(at)
    assert "Conflit sur « Ma version »" in textes(at.warning)
    avant = instantane(projets)
    with monkeypatch.context() as panne:
        panne.setattr(fichiers, "os", DisqueEnPanne(errno.ENOSPC))
        at.button(key="conflit-mien-0").click()
        relancer(at)
    assert "Rien n'a été enregistré : Le disque est plein" in textes(at.error)
    assert instantane(projets) == avant
    relancer(at)
    assert "Conflit sur « Ma version »" in textes(at.warning), "le conflit a été retiré sans rien écrire"
    assert at.button(key="conflit-mien-0").label == "Appliquer ma version"
