"""Archive d'atelier : aller-retour sans perte, et import sûr face à des archives hostiles ou abîmées."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from esquisse.atelier.ateliers import charger_atelier, lister_ateliers, modifier_atelier
from esquisse.atelier.releve import enregistrer_releve
from esquisse.atelier.seances import creer_hypothese, lister_hypotheses, lister_seances, modifier_hypothese
from esquisse.esquisses.versions import Changement
from esquisse.exports.sauvegarde import MANIFESTE, exporter_archive, fichiers_atelier, importer_archive, lire_archive
from esquisse.noyau.erreurs import DonneeInvalide
from tests.esquisses_de_test import seance_avec_hypotheses
from tests.outils import RACINE


def arbre(dossier: Path) -> dict[str, bytes]:
    """Tous les fichiers d'un dossier (hors verrous), par chemin relatif."""
    return {
        p.relative_to(dossier).as_posix(): p.read_bytes()
        for p in sorted(dossier.rglob("*"))
        if p.is_file() and not p.name.startswith(".verrou")
    }


def etat(projets: Path) -> dict[str, bytes]:
    return {p.relative_to(projets).as_posix(): p.read_bytes() for p in sorted(projets.rglob("*")) if p.is_file()}


@pytest.fixture
def atelier_rempli(projets):
    """Bassée-Montois avec deux séances, des hypothèses reprises, restaurées, un relevé et une couche importée."""
    atelier = charger_atelier(projets, "bassee-montois")
    _, (a, b) = seance_avec_hypotheses(atelier, {"A — La vallée": 25, "B — Le plateau": 8}, "atelier-1", "2026-01-20")
    modifier_hypothese(b, "Paul", statut="abandonnee")
    a.depot(atelier.id).restaurer(1, "Paul", "ddt")
    s2, _ = seance_avec_hypotheses(atelier, {"C — Les coteaux": 12}, "atelier-2", "2026-03-12", graine=5)
    creer_hypothese(s2, "A' — La vallée, suite", reprise_de=a, atelier=atelier.id)
    enregistrer_releve(s2, {"participants": ["Marie Dupont — maire"], "points_accord": ["Relier les gares"]}, 0, "Paul")
    (atelier.dossier / "couches").mkdir()
    shutil.copy(atelier.chemin_couche("communes"), atelier.dossier / "couches" / "communes.geojson")
    modifier_atelier(projets, atelier.id, lambda d: d["couches"].update(communes="atelier:couches/communes.geojson"))
    return charger_atelier(projets, atelier.id)


def test_aller_retour_sans_perte(atelier_rempli, tmp_path):
    atelier = atelier_rempli
    archive = exporter_archive(atelier, tmp_path / "sauvegarde.zip")
    manifeste = lire_archive(archive)
    assert manifeste.atelier == "bassee-montois" and manifeste.nom == atelier.nom
    assert len(manifeste.fichiers) == len(arbre(atelier.dossier))

    ailleurs = tmp_path / "autre-machine" / "projets"
    resultat = importer_archive(archive, ailleurs)
    assert resultat.atelier.id == "bassee-montois" and resultat.avertissements == ()
    # Fichiers identiques, octet pour octet : versions, historiques, séances, relevé, couche importée.
    assert arbre(ailleurs / "bassee-montois") == arbre(atelier.dossier)
    # Historiques identiques, relus par le domaine.
    for s_avant, s_apres in zip(lister_seances(atelier.dossier), lister_seances(resultat.atelier.dossier), strict=True):
        assert (s_avant.id, s_avant.titre, s_avant.date) == (s_apres.id, s_apres.titre, s_apres.date)
        for h_avant, h_apres in zip(lister_hypotheses(s_avant), lister_hypotheses(s_apres), strict=True):
            assert (h_avant.id, h_avant.statut, h_avant.origine) == (h_apres.id, h_apres.statut, h_apres.origine)
            d_avant, d_apres = h_avant.depot(atelier.id), h_apres.depot(atelier.id)
            assert d_avant.historique() == d_apres.historique()
            for m in d_avant.historique():
                assert d_avant.lire(m.numero) == d_apres.lire(m.numero)
    assert resultat.atelier.couche("communes").equals(atelier.couche("communes"))
    assert not list(ailleurs.glob(".tmp-*"))


def test_un_atelier_existant_n_est_jamais_remplace(atelier_rempli, projets, tmp_path):
    archive = exporter_archive(atelier_rempli, tmp_path / "sauvegarde.zip")
    avant = etat(projets)
    with pytest.raises(DonneeInvalide) as exc:
        importer_archive(archive, projets)
    assert "Un atelier existe déjà sous l'identifiant « bassee-montois » : il n'est pas remplacé" in str(exc.value)
    assert "par exemple « bassee-montois-2 »" in str(exc.value)
    assert etat(projets) == avant
    # Sous un autre identifiant, il s'installe à côté.
    resultat = importer_archive(archive, projets, "bassee-montois-2")
    assert arbre(projets / "bassee-montois-2") == arbre(projets / "bassee-montois")
    assert {a.id for a in lister_ateliers(projets)} == {"bassee-montois", "bassee-montois-2", "gascogne-toulouse"}
    assert resultat.atelier.nom == atelier_rempli.nom


def test_archive_depuis_un_flux(atelier_rempli, tmp_path):
    """Le fichier téléversé arrive en mémoire : l'import le lit sans passer par le disque."""
    contenu = exporter_archive(atelier_rempli, tmp_path / "a.zip").read_bytes()
    resultat = importer_archive(io.BytesIO(contenu), tmp_path / "ailleurs", nom="envoi.zip")
    assert resultat.fichiers == len(arbre(atelier_rempli.dossier))


def test_couche_du_catalogue_absente_signalee(projets, tmp_path):
    atelier = charger_atelier(projets, "gascogne-toulouse")
    modifier_atelier(projets, atelier.id, lambda d: d["couches"].update(scot="catalogue:ailleurs/scot.geojson"))
    archive = exporter_archive(charger_atelier(projets, atelier.id), tmp_path / "g.zip")
    resultat = importer_archive(archive, tmp_path / "ailleurs")
    (avertissement,) = resultat.avertissements
    assert "La couche « scot » (catalogue:ailleurs/scot.geojson) n'existe pas sur cette installation" in avertissement


# -- archives hostiles ou abîmées ---------------------------------------------------------------------


@pytest.fixture
def valide(projets, tmp_path) -> Path:
    atelier = charger_atelier(projets, "bassee-montois")
    seance_avec_hypotheses(atelier, {"A": 4})
    return exporter_archive(charger_atelier(projets, "bassee-montois"), tmp_path / "valide.zip")


def reecrire(source: Path, cible: Path, modifier) -> Path:
    """Copie l'archive ``source`` dans ``cible`` en passant chaque membre et le manifeste par ``modifier``.

    ``modifier(membres, manifeste)`` reçoit la liste des (ZipInfo, contenu) et le manifeste (dict), et les
    modifie en place.
    """
    with zipfile.ZipFile(source) as zf:
        membres = [(info, zf.read(info)) for info in zf.infolist() if info.filename != MANIFESTE]
        manifeste = json.loads(zf.read(MANIFESTE))
    modifier(membres, manifeste)
    with zipfile.ZipFile(cible, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, contenu in membres:
            zf.writestr(info, contenu)
        if manifeste is not None:
            zf.writestr(MANIFESTE, json.dumps(manifeste))
    return cible


def ajouter(nom: str, contenu: bytes = b"x", dans_le_manifeste: bool = True, mode: int = stat.S_IFREG | 0o644):
    def modifier(membres, manifeste):
        info = zipfile.ZipInfo(nom)
        info.external_attr = mode << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        membres.append((info, contenu))
        if dans_le_manifeste:
            chemin = nom.split("/", 1)[1] if nom.startswith("bassee-montois/") else nom
            manifeste["fichiers"].append(
                {"chemin": chemin, "taille": len(contenu), "sha256": hashlib.sha256(contenu).hexdigest()}
            )

    return modifier


def _alterer_contenu(membres, manifeste):
    i = next(k for k, (info, _) in enumerate(membres) if info.filename.endswith(".geojson"))
    info, contenu = membres[i]
    k = len(contenu) // 2
    membres[i] = (info, contenu[:k] + bytes([contenu[k] ^ 1]) + contenu[k + 1 :])  # même taille, un bit changé


def _retirer_manifeste(membres, manifeste):
    manifeste.clear()
    manifeste["format"] = 99


def _atelier_invalide(membres, manifeste):
    i = next(k for k, (info, _) in enumerate(membres) if info.filename.endswith("/atelier.json"))
    contenu = b'{"nom": ""}'
    membres[i] = (membres[i][0], contenu)
    f = next(f for f in manifeste["fichiers"] if f["chemin"] == "atelier.json")
    f.update(taille=len(contenu), sha256=hashlib.sha256(contenu).hexdigest())


def _retirer_un_fichier(membres, manifeste):
    del membres[-1]


def _bombe(membres, manifeste):
    ajouter("bassee-montois/seances/bombe.bin", b"\0" * 30_000_000)(membres, manifeste)


def _et(*modifications):
    def modifier(membres, manifeste):
        for m in modifications:
            m(membres, manifeste)

    return modifier


CAS_HOSTILES = {
    "remonte-hors-du-dossier": (ajouter("../evil.txt", dans_le_manifeste=False), "sort de son dossier"),
    "chemin-absolu": (ajouter("/etc/evil.txt", dans_le_manifeste=False), "chemin absolu"),
    "manifeste-qui-remonte": (ajouter("bassee-montois/../../evil.txt"), "sort de son dossier"),
    "lien-symbolique": (
        ajouter("bassee-montois/lien", b"/etc/passwd", mode=stat.S_IFLNK | 0o777),
        "lien symbolique",
    ),
    "fichier-hors-manifeste": (
        ajouter("bassee-montois/intrus.txt", dans_le_manifeste=False),
        "absent de son manifeste",
    ),
    "hors-du-dossier-de-l-atelier": (ajouter("autre-atelier/x.txt", dans_le_manifeste=False), "hors du dossier"),
    "contenu-altere": (_alterer_contenu, "ne correspond pas à l'empreinte de son manifeste"),
    "format-inconnu": (_retirer_manifeste, "au format « 99 »"),
    "atelier-invalide": (_atelier_invalide, "contient un atelier invalide"),
    "fichier-manquant": (_retirer_un_fichier, "est incomplète"),
    "bombe-de-decompression": (_bombe, "fois plus gros que sa taille compressée"),
    # « a » et « a/b.txt » : FileExistsError brute avant ; dans les deux ordres.
    "fichier-puis-dossier": (
        _et(ajouter("bassee-montois/notes"), ajouter("bassee-montois/notes/b.txt")),
        "contient « notes » à la fois comme fichier et comme dossier (« notes/b.txt »)",
    ),
    "dossier-puis-fichier": (
        _et(ajouter("bassee-montois/notes/b.txt"), ajouter("bassee-montois/notes")),
        "contient « notes » à la fois comme fichier et comme dossier (« notes/b.txt »)",
    ),
}


@pytest.mark.parametrize("cas", CAS_HOSTILES)
def test_archive_hostile_refusee_sans_rien_ecrire(valide, projets, tmp_path, cas):
    modifier, message = CAS_HOSTILES[cas]
    hostile = reecrire(valide, tmp_path / f"{cas}.zip", modifier)
    avant = etat(projets)
    with pytest.raises(DonneeInvalide) as exc:
        importer_archive(hostile, projets, "nouvel-atelier")
    assert message in str(exc.value)
    assert etat(projets) == avant, "l'import refusé a laissé des fichiers"
    assert not (tmp_path / "evil.txt").exists() and not Path("/etc/evil.txt").exists()


def test_taille_maximale(valide, projets):
    taille = lire_archive(valide).taille
    with pytest.raises(DonneeInvalide, match=r"au-delà de la limite .* \(réglage ESQUISSE_ARCHIVE_MAX_MO\)"):
        importer_archive(valide, projets, "nouvel-atelier", taille_max=taille - 1)
    assert not (projets / "nouvel-atelier").exists()
    assert importer_archive(valide, projets, "nouvel-atelier", taille_max=taille).fichiers > 0


def test_en_tete_qui_ment_sur_la_taille(valide, projets, tmp_path):
    """Un membre dont l'en-tête (et le manifeste) annoncent moins d'octets qu'il n'en contient : refusé."""
    with zipfile.ZipFile(valide) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith("historique.jsonl"))
    moitie = info.file_size // 2

    def manifeste_menteur(membres, manifeste):
        chemin = info.filename.split("/", 1)[1]
        next(f for f in manifeste["fichiers"] if f["chemin"] == chemin)["taille"] = moitie

    brut = bytearray(reecrire(valide, tmp_path / "etape.zip", manifeste_menteur).read_bytes())
    # Répertoire central : l'entrée du membre (signature PK\1\2, nom à l'octet 46) ; taille à l'octet 24.
    position = 0
    while True:
        position = brut.find(b"PK\x01\x02", position)
        assert position >= 0, "entrée du répertoire central introuvable"
        longueur = int.from_bytes(brut[position + 28 : position + 30], "little")
        if bytes(brut[position + 46 : position + 46 + longueur]) == info.filename.encode():
            break
        position += 4
    brut[position + 24 : position + 28] = moitie.to_bytes(4, "little")
    menteuse = tmp_path / "menteuse.zip"
    menteuse.write_bytes(bytes(brut))
    avant = etat(projets)
    with pytest.raises(DonneeInvalide, match="abîmée"):
        importer_archive(menteuse, projets, "nouvel-atelier")
    assert etat(projets) == avant


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"ceci n'est pas un zip", "n'est pas une archive zip lisible"),
        (None, "n'est pas une archive zip lisible"),  # archive tronquée
        ("sans-manifeste", "le fichier esquisse-archive.json manque"),
    ],
)
def test_archive_illisible(valide, projets, tmp_path, contenu, message):
    chemin = tmp_path / "illisible.zip"
    if contenu is None:
        chemin.write_bytes(valide.read_bytes()[: valide.stat().st_size // 2])
    elif contenu == "sans-manifeste":
        with zipfile.ZipFile(chemin, "w") as zf:
            zf.writestr("bassee-montois/atelier.json", "{}")
    else:
        chemin.write_bytes(contenu)
    avant = etat(projets)
    with pytest.raises(DonneeInvalide, match=message):
        importer_archive(chemin, projets)
    assert etat(projets) == avant


def test_identifiant_invalide(valide, projets):
    with pytest.raises(DonneeInvalide, match=r"Identifiant invalide : « \.\./dehors »"):
        importer_archive(valide, projets, "../dehors")


# -- les deux magasins ----------------------------------------------------------------------------------


def _zip(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != MANIFESTE}


def test_aller_retour_dans_chaque_magasin(projets_magasin, tmp_path):
    """Fichiers ou base : l'atelier de démonstration, avec une couche importée et son journal, sort en
    archive de même forme (et, pour les versions, aux mêmes octets) que depuis les fichiers, puis revient
    sous un autre identifiant : mêmes versions (numéros, empreintes, entités), documents, couche, journal."""
    from esquisse.imports.importation import enregistrer_couche
    from esquisse.stockage.interfaces import RefDocument
    from esquisse.stockage.rangement import magasin

    source, copie = "bassee-montois", "bassee-montois-copie"
    atelier = charger_atelier(projets_magasin, source)
    reference = enregistrer_couche(projets_magasin, source, "epci", atelier.couche("epci"), {"fichier": "epci.gpkg"})
    m = magasin(projets_magasin)
    m.journal.ajouter(source, {"le": "2026-03-12T10:00:00Z", "qui": "Paul", "action": "seance.creer"})
    # Une version née dans ce magasin (dans la base : empreinte chaînée), après celles de la démonstration.
    nee_ici = m.hypotheses(source)[0]
    zone = {"type": "Polygon", "coordinates": [[[3.2, 48.4], [3.3, 48.4], [3.3, 48.45], [3.2, 48.4]]]}
    entite = {"type": "Feature", "geometry": zone, "properties": {"categorie": "projet", "titre": "Ajout"}}
    numero = m.versions(nee_ici).enregistrer([Changement("ajout-1", None, entite)], "Paul", "ddt").version.numero
    atelier = charger_atelier(projets_magasin, source)

    archive = exporter_archive(atelier, tmp_path / "sauvegarde.zip")
    contenu = _zip(archive)
    # La même forme que l'archive du même atelier rangé en fichiers, et les mêmes octets pour les versions.
    dossier_demo = RACINE / "projets" / source
    demo = {f"{source}/{r}": (dossier_demo / r).read_bytes() for r in fichiers_atelier(dossier_demo)}
    couche = f"{source}/{reference.removeprefix('atelier:')}"
    dossier_nee = f"{source}/seances/{nee_ici.seance}/hypotheses/{nee_ici.hypothese}"
    nouvelle = f"{dossier_nee}/versions/v{numero:06d}.geojson"
    assert set(contenu) == set(demo) | {couche, f"{source}/journal.jsonl", nouvelle}
    versions = [n for n in demo if "/versions/" in n or n.endswith("historique.jsonl")]
    assert versions and all(contenu[n] == demo[n] for n in versions if n != f"{dossier_nee}/historique.jsonl")
    assert contenu[f"{dossier_nee}/historique.jsonl"].startswith(demo[f"{dossier_nee}/historique.jsonl"])
    assert contenu[couche] == m.fichiers.lire(source, reference.removeprefix("atelier:"))

    avant = {r: m.documents.lire(r).contenu for r in m.documents.lister(source)}
    resultat = importer_archive(archive, projets_magasin, copie)
    assert resultat.atelier.id == copie and resultat.atelier.couches["epci"] == reference
    with pytest.raises(DonneeInvalide, match="il n'est pas remplacé"):
        importer_archive(archive, projets_magasin, copie)

    assert {RefDocument(copie, r.genre, r.seance, r.hypothese) for r in avant} == set(m.documents.lister(copie))
    for r, contenu_avant in avant.items():
        assert m.documents.lire(RefDocument(copie, r.genre, r.seance, r.hypothese)).contenu == contenu_avant
    hypotheses = m.hypotheses(source)
    assert hypotheses and [(h.seance, h.hypothese) for h in m.hypotheses(copie)] == [
        (h.seance, h.hypothese) for h in hypotheses
    ]
    for h in hypotheses:
        d_avant, d_apres = m.versions(h), m.versions(type(h)(copie, h.seance, h.hypothese))
        for avant_, apres in zip(d_avant.historique(), d_apres.historique(), strict=True):
            if avant_.empreinte.startswith("chaine:"):
                # Née dans la base : l'archive la porte en fichier, dont l'empreinte est celle des octets.
                fichier = contenu[f"{source}/seances/{h.seance}/hypotheses/{h.hypothese}/{avant_.fichier}"]
                assert apres == replace(avant_, empreinte=hashlib.sha256(fichier).hexdigest())
            else:
                assert apres == avant_
            assert d_apres.lire(avant_.numero).entites == d_avant.lire(avant_.numero).entites
    assert (
        d_apres.historique()
        and m.versions(type(nee_ici)(copie, nee_ici.seance, nee_ici.hypothese))
        .lire(numero)
        .par_id()["ajout-1"]["properties"]["titre"]
        == "Ajout"
    )
    assert m.fichiers.lister(copie) == m.fichiers.lister(source)
    assert resultat.atelier.couche("epci").equals(atelier.couche("epci"))
    assert m.journal.lire(copie) == m.journal.lire(source)
    assert not list(projets_magasin.glob(".tmp-*"))
