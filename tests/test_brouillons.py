"""Brouillons : les dessins non enregistrés d'un poste survivent à sa fermeture."""

from __future__ import annotations

import os
import time

from esquisse.atelier.seances import creer_hypothese, creer_seance
from esquisse.esquisses import brouillons
from esquisse.esquisses.edition import Annotation, DessinLocal

ZONE = {"type": "Polygon", "coordinates": [[[3, 48.4], [3.1, 48.4], [3.1, 48.5], [3, 48.4]]]}


def test_cycle_d_un_brouillon(projets):
    dossier = projets / "bassee-montois"
    h = creer_hypothese(creer_seance(dossier, "atelier-1", "2026-03-12"), "A")
    dessins = [DessinLocal("e1", None, 1, geometrie=ZONE, categorie="projet", genre="zone")]
    brouillons.ecrire(dossier, h, "poste1", "Marie", "elu", dessins, {"e1": Annotation(titre="Gare")})
    # Tant que le poste vit, personne d'autre ne voit son brouillon.
    assert brouillons.abandonnes(dossier, h, "poste2") == []
    (fichier,) = (dossier / "brouillons").iterdir()
    vieux = time.time() - 120
    os.utime(fichier, (vieux, vieux))
    assert brouillons.abandonnes(dossier, h, "poste1") == []  # jamais son propre brouillon
    (b,) = brouillons.abandonnes(dossier, h, "poste2")
    assert b.auteur == "Marie" and b.dessins == tuple(dessins) and b.annotations["e1"].titre == "Gare"
    brouillons.signe_de_vie(dossier, h, "poste1")
    assert brouillons.abandonnes(dossier, h, "poste2") == []
    os.utime(fichier, (vieux, vieux))
    brouillons.ecarter(brouillons.abandonnes(dossier, h, "poste2")[0])
    assert not fichier.exists() and (dossier / "brouillons" / "ecartes" / fichier.name).exists()


def test_sans_dessin_le_brouillon_disparait(projets):
    dossier = projets / "bassee-montois"
    h = creer_hypothese(creer_seance(dossier, "atelier-1", "2026-03-12"), "A")
    brouillons.ecrire(dossier, h, "p", "M", "elu", [DessinLocal("e1", None, 1, geometrie=ZONE)], {})
    brouillons.ecrire(dossier, h, "p", "M", "elu", [], {"e1": Annotation()})
    assert list((dossier / "brouillons").iterdir()) == []


def test_brouillon_illisible_laisse_en_place(projets):
    dossier = projets / "bassee-montois"
    h = creer_hypothese(creer_seance(dossier, "atelier-1", "2026-03-12"), "A")
    (dossier / "brouillons").mkdir()
    casse = dossier / "brouillons" / f"{h.seance}--{h.id}--x.json"
    casse.write_text("{", encoding="utf-8")
    os.utime(casse, (0, 0))
    assert brouillons.abandonnes(dossier, h, "p") == []
    assert casse.exists()
