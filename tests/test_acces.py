"""La politique d'accès, appliquée par la couche de services : chaque action qui écrit × chaque rôle.

Sur les deux magasins : les fichiers, et PostgreSQL + PostGIS (``ESQUISSE_BASE``). Avec PostGIS, les
versions des hypothèses, les relevés, la feuille de route, les brouillons et le journal sont dans la
base ; les autres documents (atelier, séances, hypothèses, vues) restent des fichiers ici.
Un refus est vérifié sur l'arbre entier des fichiers (octet par octet, dossiers vides
compris) et sur toutes les lignes de la base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from esquisse.acces import journal, services
from esquisse.acces.membres import acteur_membre, ateliers_visibles, membres_de, roles_par_courriel
from esquisse.acces.politique import ACTIONS, TOUS_LES_ATELIERS, Acteur, Role
from esquisse.analyse.annotations import choisir
from esquisse.atelier import feuille_de_route, releve, vues
from esquisse.atelier.ateliers import charger_atelier, lister_ateliers
from esquisse.atelier.seances import hypothese, lister_hypotheses, lister_seances, seance
from esquisse.esquisses.edition import Annotation, DessinLocal, lire_dessins
from esquisse.exports.sauvegarde import exporter_archive
from esquisse.noyau.erreurs import AccesRefuse, DonneeInvalide
from esquisse.noyau.reglages import reglage

A = "bassee-montois"
S = "2026-01-22-atelier-2"  # la séance de l'invitation de la contributrice
H = "a-la-bassee-vallee-nourriciere"
AUTRE_S = "2026-03-19-atelier-3"
TABLES = ("hypotheses", "versions", "entites", "documents", "brouillons", "brouillons_ecartes", "journal")

ANIMATION = Acteur("Anne Animatrice", "ddt", roles={TOUS_LES_ATELIERS: Role.ANIMATION}, origine="local")
CONTRIBUTION = Acteur(
    "Claire Contributrice", "elu", roles={A: Role.CONTRIBUTION}, seances={A: frozenset({S})}, origine="invitation"
)
LECTURE = Acteur("Léo Lecteur", "partenaire", roles={A: Role.LECTURE}, origine="invitation")
ETRANGER = Acteur("Éric d'ailleurs", "ddt", roles={"gascogne-toulouse": Role.ANIMATION}, origine="oidc")
# « personne » : aucun acteur, ou l'animateur d'un autre atelier.
ACTEURS = {"personne": None, "autre-atelier": ETRANGER, "lecture": LECTURE, "contribution": CONTRIBUTION}
ACTEURS["animation"] = ANIMATION


@dataclass
class Contexte:
    racine: Path
    projets: Path
    base: str | None

    @property
    def atelier(self):
        return charger_atelier(self.projets, A)

    @property
    def h(self):
        return hypothese(seance(self.atelier.dossier, S), H)

    def etat(self) -> dict:
        """Tout ce qui est écrit : chaque fichier et dossier sous la racine, chaque ligne de la base."""
        arbre = {
            str(p.relative_to(self.racine)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(self.racine.rglob("*"))
        }
        lignes = {}
        if self.base:
            with psycopg.connect(self.base) as conn:
                for table in TABLES:
                    lignes[table] = conn.execute(f"SELECT t::text FROM {table} t ORDER BY 1").fetchall()
        return {"fichiers": arbre, "base": lignes}


@pytest.fixture(params=["fichiers", "postgis"])
def contexte(request, projets, tmp_path, monkeypatch) -> Contexte:
    base = None
    if request.param == "postgis":
        from esquisse.stockage.copie import copier
        from esquisse.stockage.disque import StockageFichiers
        from esquisse.stockage.postgis import StockagePostgis

        base = request.getfixturevalue("base_postgres")
        cible = StockagePostgis(base)
        copier(A, StockageFichiers(projets), cible)
        cible.fermer()
        monkeypatch.setenv("ESQUISSE_BASE", base)
    (tmp_path / "exports").mkdir()
    archive = exporter_archive(charger_atelier(projets, A), tmp_path / "archive-bassee.zip")
    assert archive.is_file()
    return Contexte(tmp_path, projets, base)


def _entite_d_autrui(ctx: Contexte) -> tuple[str, int]:
    depot = ctx.h.depot(A)
    numero = depot.numero_courant()
    for i, e in depot.entites(numero).items():
        if e["properties"].get("auteur") not in {a.nom for a in ACTEURS.values() if a}:
            return i, numero
    raise AssertionError("la démonstration devrait avoir des esquisses d'autres personnes")


def _deplacer(ctx: Contexte, identifiant: str, numero: int) -> DessinLocal:
    geometrie = ctx.h.depot(A).entites(numero)[identifiant]["geometry"]
    return DessinLocal(identifiant, numero, 1, geometrie=_decaler(geometrie))


def _decaler(geometrie: dict) -> dict:
    def bouger(c):
        return [round(c[0] + 0.001, 6), c[1]] if isinstance(c[0], float | int) else [bouger(x) for x in c]

    return {"type": geometrie["type"], "coordinates": bouger(geometrie["coordinates"])}


def _nouveau_point(qui: str) -> DessinLocal:
    return DessinLocal(f"point-{qui}", None, 1, geometrie={"type": "Point", "coordinates": [3.24, 48.42]})


def _releve(ctx: Contexte, qui: str):
    s = seance(ctx.atelier.dossier, S)
    lu = releve.lire_releve(s)
    rubriques = {r: list(getattr(lu, r)) for r in releve.RUBRIQUES}
    rubriques["points_accord"].append(f"Accord noté par {qui}")
    return services.enregistrer_releve(ACTEURS[qui], ctx.atelier, s, rubriques, lu.revision)


def _feuille(ctx: Contexte, qui: str):
    lue = feuille_de_route.lire(ctx.atelier.dossier)
    return services.enregistrer_feuille(ACTEURS[qui], ctx.atelier, lue, revision=lue.revision)


def _participants(ctx: Contexte, qui: str):
    lignes = [
        {"nom": p.nom, "structure": p.structure, "role": p.role, "acces": p.acces, "courriel": p.courriel}
        for p in ctx.atelier.participants
    ]
    lignes.append({"nom": f"Invitée de {qui}", "role": "partenaire", "acces": "lecture"})
    return services.modifier_participants(ACTEURS[qui], ctx.projets, A, lignes)


def _legende(ctx: Contexte, qui: str):
    def renommer(donnees: dict) -> None:
        from esquisse.esquisses.legende import legende_json

        legende = legende_json(ctx.atelier.legende)
        legende[0]["nom"] = f"{legende[0]['nom']} ({qui})"
        donnees["legende"] = legende

    return services.modifier_legende(ACTEURS[qui], ctx.projets, A, renommer)


def _vue(ctx: Contexte, qui: str):
    return services.ajouter_vue(ACTEURS[qui], ctx.atelier, ctx.h, f"Vue de {qui}", [3.1, 48.3, 3.4, 48.5])


def _retirer_vue(ctx: Contexte, qui: str):
    vue = vues.ajouter(ctx.h, f"À retirer ({qui})", [3.1, 48.3, 3.4, 48.5]) if qui == "animation" else None
    cible = vue.id if vue else "vue-inexistante"
    return services.retirer_vue(ACTEURS[qui], ctx.atelier, ctx.h, cible)


def _modifier_autrui(ctx: Contexte, qui: str):
    identifiant, numero = _entite_d_autrui(ctx)
    dessin = _deplacer(ctx, identifiant, numero)
    return services.enregistrer_dessins(ACTEURS[qui], ctx.atelier, ctx.h, [dessin], {})


def _exporter_carnet(ctx: Contexte, qui: str):
    return services.exporter_carnet(ACTEURS[qui], ctx.atelier, S, ("docx",), ctx.racine / "exports")


def _publier(ctx: Contexte, qui: str):
    return services.publier(
        ACTEURS[qui], ctx.atelier, ctx.projets, reglage("ESQUISSE_CACHE"), ctx.racine / "exports" / "site.zip"
    )


# (action de la politique, ce que fait le cas, rôles qui réussissent) — écrits ici à la main, pas
# relus dans la table de la politique : le test dit ce que la politique doit être.
CAS = {
    "atelier.creer": (
        lambda ctx, qui: services.creer_atelier(ACTEURS[qui], ctx.projets, f"Atelier créé par {qui}"),
        {"animation"},
    ),
    "atelier.modifier": (
        lambda ctx, qui: services.modifier_fiche(ACTEURS[qui], ctx.projets, A, theme=f"Thème de {qui}"),
        {"animation"},
    ),
    "membres.modifier": (_participants, {"animation"}),
    "membres.contribution_libre": (
        lambda ctx, qui: services.permettre_contribution_libre(ACTEURS[qui], ctx.projets, A, True),
        {"animation"},
    ),
    "legende.modifier": (_legende, {"animation"}),
    "couches.modifier": (
        lambda ctx, qui: services.modifier_couches(ACTEURS[qui], ctx.projets, A, ctx.atelier.couches | {"scot": None}),
        {"animation"},
    ),
    "territoire.modifier": (
        lambda ctx, qui: services.enregistrer_perimetre(
            ACTEURS[qui], ctx.projets, A, f"Territoire de {qui}", ctx.atelier.perimetre.communes[:5]
        ),
        {"animation"},
    ),
    "seance.creer": (
        lambda ctx, qui: services.creer_seance(ACTEURS[qui], ctx.atelier, "visite", "2027-03-04", f"Séance de {qui}"),
        {"animation"},
    ),
    "seance.modifier": (
        lambda ctx, qui: services.modifier_seance(ACTEURS[qui], ctx.atelier, S, titre=f"Atelier 2 ({qui})"),
        {"animation"},
    ),
    "seance.archiver": (
        lambda ctx, qui: services.archiver_seance(ACTEURS[qui], ctx.atelier, AUTRE_S, True),
        {"animation"},
    ),
    "hypothese.creer": (
        lambda ctx, qui: services.creer_hypothese(
            ACTEURS[qui], ctx.atelier, seance(ctx.atelier.dossier, S), f"Hypothèse de {qui}"
        ),
        {"animation"},
    ),
    "hypothese.modifier": (
        lambda ctx, qui: services.modifier_hypothese(ACTEURS[qui], ctx.atelier, ctx.h, statut="retenue"),
        {"animation"},
    ),
    "esquisse.dessiner": (
        lambda ctx, qui: services.enregistrer_dessins(ACTEURS[qui], ctx.atelier, ctx.h, [_nouveau_point(qui)], {}),
        {"animation", "contribution"},
    ),
    "esquisse.modifier_autrui": (_modifier_autrui, {"animation"}),
    "version.restaurer": (
        lambda ctx, qui: services.restaurer_version(ACTEURS[qui], ctx.atelier, ctx.h, 1),
        {"animation"},
    ),
    "brouillon.ecrire": (
        lambda ctx, qui: services.garder_brouillon(
            ACTEURS[qui], ctx.atelier, ctx.h, f"poste-{qui}", [_nouveau_point(qui)], {}
        ),
        {"animation", "contribution"},
    ),
    "vues.modifier": (_vue, {"animation"}),
    "vues.retirer": (_retirer_vue, {"animation"}),
    "feuille.modifier": (_feuille, {"animation"}),
    "releve.modifier": (_releve, {"animation"}),
    "export.produire": (
        lambda ctx, qui: services.exporter_sig(
            ACTEURS[qui], ctx.atelier, [choisir(ctx.atelier, S, H)], "geojson", ctx.racine / "exports"
        ),
        {"animation"},
    ),
    "export.carnet": (_exporter_carnet, {"animation"}),
    "sauvegarde.exporter": (
        lambda ctx, qui: services.exporter_sauvegarde(ACTEURS[qui], ctx.atelier, ctx.racine / "exports" / "s.zip"),
        {"animation"},
    ),
    "sauvegarde.importer": (
        lambda ctx, qui: services.importer_sauvegarde(
            ACTEURS[qui], ctx.racine / "archive-bassee.zip", ctx.projets, "copie-bassee"
        ),
        {"animation"},
    ),
    "publication.publier": (_publier, {"animation"}),
}


def test_chaque_action_de_la_politique_a_son_cas():
    """Toutes les actions qui écrivent sont au tableau (sauf les invitations, servies par leur module)."""
    couvertes = {cle.split(".")[0] + "." + cle.split(".")[1] for cle in CAS}
    attendues = set(ACTIONS) - {"atelier.lire", "invitation.gerer"}
    assert attendues <= couvertes, attendues - couvertes


def _lignes_du_journal(ctx: Contexte) -> int:
    return len(journal.lire(ctx.projets / A)[0])


@pytest.mark.parametrize("cas", list(CAS))
def test_action_par_role(contexte, cas):
    """Refusé : ``AccesRefuse`` en français, et rien d'écrit ; permis : réussi et noté au journal."""
    faire, permis = CAS[cas]
    # Les refus d'abord (ils ne changent rien), puis les rôles permis, du plus restreint au plus large.
    for qui in ACTEURS:
        if qui in permis:
            continue
        avant = contexte.etat()
        with pytest.raises(AccesRefuse) as refus:
            faire(contexte, qui)
        message = str(refus.value)
        assert "Rien n'a été modifié" in message or "n'est pas" in message, message
        assert any(mot in message for mot in ("rôle", "membre", "séance", "esquisse de")), message
        assert contexte.etat() == avant, f"{cas} refusé à {qui} a pourtant écrit"
    for qui in ACTEURS:
        if qui not in permis:
            continue
        avant = contexte.etat()
        lignes = _lignes_du_journal(contexte)
        faire(contexte, qui)
        apres = contexte.etat()
        assert apres != avant, f"{cas} permis à {qui} n'a rien écrit"
        if contexte.base and cas in ("esquisse.dessiner", "esquisse.modifier_autrui", "version.restaurer"):
            assert apres["base"]["versions"] != avant["base"]["versions"], "la version va dans la base"
        entrees, _ = journal.lire(contexte.projets / A)
        if cas not in ("atelier.creer", "sauvegarde.importer", "brouillon.ecrire"):
            assert len(entrees) == lignes + 1 and entrees[0].qui == ACTEURS[qui].nom, entrees[:2]


def test_version_signee_par_l_acteur(contexte):
    """L'auteur d'une version, d'une restauration et d'un relevé est l'acteur, jamais « Anonyme »."""
    _, r = services.enregistrer_dessins(CONTRIBUTION, contexte.atelier, contexte.h, [_nouveau_point("c")], {})
    meta = contexte.h.depot(A).derniere()
    assert r.version.numero == meta.numero and (meta.auteur, meta.role) == ("Claire Contributrice", "elu")
    entite = contexte.h.depot(A).entites(meta.numero)["point-c"]
    assert entite["properties"]["auteur"] == "Claire Contributrice"
    restauree = services.restaurer_version(ANIMATION, contexte.atelier, contexte.h, 1)
    assert (restauree.auteur, restauree.role) == ("Anne Animatrice", "ddt")
    assert _releve(contexte, "animation").modifie_par == "Anne Animatrice"
    entrees, illisibles = journal.lire(contexte.projets / A)
    assert illisibles == 0
    assert [(e.qui, e.action, e.role) for e in entrees[:3]] == [
        ("Anne Animatrice", "releve.modifier", "animation"),
        ("Anne Animatrice", "version.restaurer", "animation"),
        ("Claire Contributrice", "esquisse.dessiner", "contribution"),
    ]


def test_contribution_limitee_a_ses_esquisses_et_a_sa_seance(contexte):
    ctx = contexte
    # Sa propre esquisse : elle peut la retoucher.
    services.enregistrer_dessins(CONTRIBUTION, ctx.atelier, ctx.h, [_nouveau_point("c")], {})
    numero = ctx.h.depot(A).numero_courant()
    services.enregistrer_dessins(CONTRIBUTION, ctx.atelier, ctx.h, [], {"point-c": Annotation(numero, titre="Halte")})
    assert ctx.h.depot(A).entites(ctx.h.depot(A).numero_courant())["point-c"]["properties"]["titre"] == "Halte"
    # Celle d'un autre : refusé, nommément.
    identifiant, numero = _entite_d_autrui(ctx)
    avant = ctx.etat()
    with pytest.raises(AccesRefuse, match=r"est l'esquisse de .*Contribution"):
        services.enregistrer_dessins(CONTRIBUTION, ctx.atelier, ctx.h, [_deplacer(ctx, identifiant, numero)], {})
    assert ctx.etat() == avant
    # Une séance que son invitation ne couvre pas : refusé.
    autre = lister_hypotheses(seance(ctx.atelier.dossier, AUTRE_S))[0]
    with pytest.raises(AccesRefuse, match="invitation ne vaut pas pour cette séance"):
        services.enregistrer_dessins(CONTRIBUTION, ctx.atelier, autre, [_nouveau_point("c2")], {})
    assert ctx.etat() == avant
    # L'animation permet la contribution libre : la retouche passe.
    services.permettre_contribution_libre(ANIMATION, ctx.projets, A, True)
    assert ctx.atelier.contribution_libre
    services.enregistrer_dessins(CONTRIBUTION, ctx.atelier, ctx.h, [_deplacer(ctx, identifiant, numero)], {})
    # Séance archivée : plus rien, même en contribution libre ; l'animation, si.
    services.archiver_seance(ANIMATION, ctx.atelier, S, True)
    avant = ctx.etat()
    with pytest.raises(AccesRefuse, match="est archivée"):
        services.enregistrer_dessins(CONTRIBUTION, ctx.atelier, ctx.h, [_nouveau_point("c3")], {})
    with pytest.raises(AccesRefuse, match="est archivée"):
        services.garder_brouillon(CONTRIBUTION, ctx.atelier, ctx.h, "poste", [_nouveau_point("c3")], {})
    assert ctx.etat() == avant
    services.enregistrer_dessins(ANIMATION, ctx.atelier, ctx.h, [_nouveau_point("a3")], {})


def test_valeur_forgee_d_un_lecteur_ne_change_rien(contexte):
    """Le chemin d'enregistrement de la carte (valeur du composant → dessins → service) : un lecteur
    qui forge ``all_drawings`` (nouvelle esquisse, suppression, déplacement) est refusé, rien n'est écrit."""
    ctx = contexte
    identifiant, numero = _entite_d_autrui(ctx)
    entite = ctx.h.depot(A).entites(numero)[identifiant]
    forgee = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [3.24, 48.42]},
            "properties": {"esq_id": "forgee-1", "esq_local": 1},
        },
        {
            "type": "Feature",
            "geometry": _decaler(entite["geometry"]),
            "properties": {"esq_id": identifiant, "esq_base": numero, "esq_local": 2},
        },
    ]
    dessins = lire_dessins(forgee).dessins
    assert {d.id for d in dessins} == {"forgee-1", identifiant}, "la valeur forgée est bien lue comme des dessins"
    avant = ctx.etat()
    for acteur in (LECTURE, None, ETRANGER):
        with pytest.raises(AccesRefuse):
            services.enregistrer_dessins(acteur, ctx.atelier, ctx.h, dessins, {identifiant: Annotation(numero, "x")})
        with pytest.raises(AccesRefuse):
            services.garder_brouillon(acteur, ctx.atelier, ctx.h, "poste-forge", dessins, {})
    assert ctx.etat() == avant


def test_lecture_ne_voit_que_le_partage(projets):
    atelier = charger_atelier(projets, A)
    toutes = [h for s in lister_seances(atelier.dossier, archivees=True) for h in lister_hypotheses(s)]
    vues_lecture = services.hypotheses_visibles(LECTURE, A, toutes)
    assert {h.id for h in vues_lecture} == {h.id for h in toutes if h.statut == "retenue" or h.partagee}
    assert {h.id for h in vues_lecture} == {H, "strategie-la-vallee-nourriciere-reliee"}
    assert services.hypotheses_visibles(CONTRIBUTION, A, toutes) == toutes
    assert services.hypotheses_visibles(ETRANGER, A, toutes) == []
    cachee = next(h for h in toutes if not h.publiable)
    with pytest.raises(AccesRefuse, match="pas encore partagée"):
        services.verifier_lecture(LECTURE, A, cachee)
    with pytest.raises(AccesRefuse, match="pas membre"):
        services.verifier_lecture(ETRANGER, A)


def test_membres_roles_et_courriels(projets):
    services.modifier_participants(
        ANIMATION,
        projets,
        A,
        [
            {"nom": "Claire Contributrice", "role": "elu", "acces": "contribution", "courriel": "Claire@Exemple.FR"},
            {"nom": "Léo Lecteur", "role": "partenaire", "acces": "Lecture", "courriel": "leo@exemple.fr"},
            {"nom": "Sans accès", "role": "elu"},
        ],
    )
    services.modifier_participants(
        ANIMATION,
        projets,
        "gascogne-toulouse",
        [{"nom": "Claire C.", "role": "ddt", "acces": "animation", "courriel": "claire@exemple.fr"}],
    )
    atelier = charger_atelier(projets, A)
    assert [(p.nom, p.acces, p.courriel) for p in membres_de(atelier)] == [
        ("Claire Contributrice", "contribution", "claire@exemple.fr"),
        ("Léo Lecteur", "lecture", "leo@exemple.fr"),
    ]
    assert roles_par_courriel(projets, " CLAIRE@exemple.fr ") == {
        A: Role.CONTRIBUTION,
        "gascogne-toulouse": Role.ANIMATION,
    }
    assert roles_par_courriel(projets, "inconnu@exemple.fr") == {}
    lecteur = acteur_membre(atelier, membres_de(atelier)[1], "oidc")
    assert [a.id for a in ateliers_visibles(lecteur, lister_ateliers(projets))] == [A]
    assert len(ateliers_visibles(ANIMATION, lister_ateliers(projets))) == 2
    assert ateliers_visibles(None, lister_ateliers(projets)) == []
    for mauvais, attendu in (
        ({"nom": "X", "role": "elu", "acces": "admin"}, "accès « admin » inconnu"),
        ({"nom": "X", "role": "elu", "courriel": "pas-un-courriel"}, "courriel « pas-un-courriel » mal formé"),
    ):
        with pytest.raises(DonneeInvalide, match=attendu):
            services.modifier_participants(ANIMATION, projets, A, [mauvais])
    with pytest.raises(DonneeInvalide, match="Courriel en double"):
        services.modifier_participants(
            ANIMATION,
            projets,
            A,
            [{"nom": "X", "role": "elu", "courriel": "a@b.fr"}, {"nom": "Y", "role": "elu", "courriel": "A@b.fr"}],
        )


def test_journal_ajout_seulement_ligne_abimee_sautee(projets):
    dossier = projets / A
    services.modifier_fiche(ANIMATION, projets, A, theme="Un")
    premier = (dossier / journal.FICHIER_JOURNAL).read_bytes()
    # Un arrêt brutal au milieu d'un ajout laisse une ligne tronquée : elle est comptée, pas lue.
    with open(dossier / journal.FICHIER_JOURNAL, "ab") as f:
        f.write(b'{"le": "2026-')
        f.write(b"\n")
    services.modifier_fiche(ANIMATION, projets, A, theme="Deux")
    contenu = (dossier / journal.FICHIER_JOURNAL).read_bytes()
    assert contenu.startswith(premier), "les lignes déjà écrites ne sont jamais réécrites"
    entrees, illisibles = journal.lire(dossier)
    assert illisibles == 1 and [e.objet for e in entrees] == ["theme", "theme"]
    assert entrees[0].le > entrees[1].le and entrees[0].origine == "local"
