"""Les opérations qui écrivent, telles que les pages les mènent : chacune prend d'abord l'acteur.

Chaque fonction, dans cet ordre : vérifie les droits de l'acteur (:func:`verifier`, refus en
français, :class:`AccesRefuse`, **avant** toute lecture qui pourrait écrire), appelle la fonction du
domaine (l'auteur des versions, restaurations, relevés et de la feuille de route est l'acteur,
jamais une saisie libre), puis note l'action au journal de l'atelier
(:mod:`esquisse.acces.journal`). Masquer un bouton n'est qu'une politesse : la garde est ici.

Les règles propres à la contribution : elle n'écrit que dans une séance ouverte (non archivée)
que lui confie son invitation, et ne retouche que ses propres esquisses, sauf si l'animation a
permis la contribution libre dans l'atelier.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from esquisse.acces import journal
from esquisse.acces.politique import TOUS_LES_ATELIERS, Acteur, Role, verifier
from esquisse.atelier import ateliers, feuille_de_route, releve, seances, vues
from esquisse.atelier.ateliers import Atelier
from esquisse.atelier.seances import Hypothese, Seance
from esquisse.esquisses import brouillons
from esquisse.esquisses.edition import Annotation, DessinLocal, construire_changements
from esquisse.esquisses.versions import Changement, Enregistrement, MetaVersion, maintenant
from esquisse.noyau.erreurs import AccesRefuse

# -- ce que voit l'acteur ----------------------------------------------------------------------


def role(acteur: Acteur | None, atelier: str) -> Role | None:
    return acteur.role(atelier) if acteur is not None else None


def hypotheses_visibles(acteur: Acteur | None, atelier: str, hypotheses: Iterable[Hypothese]) -> list[Hypothese]:
    """Les hypothèses que l'acteur peut voir : toutes, sauf pour la lecture, qui ne voit que celles
    que l'animation a partagées (retenues ou marquées « partagée ») ; rien sans rôle."""
    r = role(acteur, atelier)
    if r is None:
        return []
    if r is Role.LECTURE:
        return [h for h in hypotheses if h.publiable]
    return list(hypotheses)


def verifier_lecture(acteur: Acteur | None, atelier: str, h: Hypothese | None = None) -> None:
    """Refuse de montrer l'atelier (ou l'hypothèse ``h``, non partagée) à qui ne peut pas le voir."""
    verifier(acteur, "atelier.lire", atelier)
    if h is not None and not hypotheses_visibles(acteur, atelier, [h]):
        raise AccesRefuse("Cette hypothèse n'est pas encore partagée par l'animation : elle n'est pas visible ici.")


def peut_dessiner(acteur: Acteur | None, atelier: Atelier, s: Seance) -> bool:
    """Vrai si l'acteur peut dessiner dans la séance ``s`` (la page montre alors les outils)."""
    try:
        _verifier_seance(acteur, "esquisse.dessiner", atelier, s.id, s)
    except AccesRefuse:
        return False
    return True


def _verifier_seance(acteur: Acteur | None, action: str, atelier: Atelier, seance_id: str, s: Seance | None = None):
    """Le rôle et la séance confiée d'abord ; puis, hors animation, la séance doit être ouverte."""
    verifier(acteur, action, atelier.id, seance_id)
    if role(acteur, atelier.id) is Role.ANIMATION:
        return
    s = s or seances.seance(atelier.dossier, seance_id)
    if s.archivee:
        raise AccesRefuse(
            f"La séance « {s.titre} » est archivée : seule l'animation peut encore y écrire. Rien n'a été modifié."
        )


# -- l'atelier ---------------------------------------------------------------------------------


def creer_atelier(acteur: Acteur | None, dossier_projets: Path, nom: str, **valeurs) -> Atelier:
    """Créer un atelier demande d'animer tous les ateliers (la personne qui a lancé Esquisse)."""
    verifier(acteur, "atelier.creer", TOUS_LES_ATELIERS)
    atelier = ateliers.creer_atelier(dossier_projets, nom, **valeurs)
    journal.noter(atelier.dossier, acteur, "atelier.creer", atelier.id, atelier.nom)
    return atelier


def _modifier(acteur, action: str, dossier_projets: Path, atelier_id: str, objet: str, faire: Callable[[], Atelier]):
    verifier(acteur, action, atelier_id)
    resultat = faire()
    journal.noter(dossier_projets / atelier_id, acteur, action, atelier_id, objet)
    return resultat


def modifier_fiche(acteur: Acteur | None, dossier_projets: Path, atelier_id: str, **valeurs) -> Atelier:
    return _modifier(
        acteur,
        "atelier.modifier",
        dossier_projets,
        atelier_id,
        ", ".join(sorted(valeurs)),
        lambda: ateliers.modifier_fiche(dossier_projets, atelier_id, **valeurs),
    )


def modifier_couches(
    acteur: Acteur | None, dossier_projets: Path, atelier_id: str, couches: dict, retirer_perimetre: bool = False
) -> Atelier:
    return _modifier(
        acteur,
        "couches.modifier",
        dossier_projets,
        atelier_id,
        ", ".join(sorted(couches)),
        lambda: ateliers.modifier_couches(dossier_projets, atelier_id, couches, retirer_perimetre=retirer_perimetre),
    )


def modifier_participants(acteur: Acteur | None, dossier_projets: Path, atelier_id: str, participants) -> Atelier:
    return _modifier(
        acteur,
        "membres.modifier",
        dossier_projets,
        atelier_id,
        f"{len(participants)} participant(s)",
        lambda: ateliers.modifier_participants(dossier_projets, atelier_id, participants),
    )


def permettre_contribution_libre(acteur: Acteur | None, dossier_projets: Path, atelier_id: str, libre: bool) -> Atelier:
    """L'animation permet (ou non) aux contributeurs de retoucher les esquisses des autres."""

    def appliquer(donnees: dict) -> None:
        if libre:
            donnees["contribution_libre"] = True
        else:
            donnees.pop("contribution_libre", None)

    return _modifier(
        acteur,
        "membres.modifier",
        dossier_projets,
        atelier_id,
        "contribution libre" if libre else "contribution à ses propres esquisses",
        lambda: ateliers.modifier_atelier(dossier_projets, atelier_id, appliquer),
    )


def modifier_legende(
    acteur: Acteur | None, dossier_projets: Path, atelier_id: str, modification: Callable[[dict], None]
) -> Atelier:
    return _modifier(
        acteur,
        "legende.modifier",
        dossier_projets,
        atelier_id,
        "légende",
        lambda: ateliers.modifier_atelier(dossier_projets, atelier_id, modification),
    )


def enregistrer_perimetre(acteur: Acteur | None, dossier_projets: Path, atelier_id: str, nom: str, codes) -> Atelier:
    from esquisse.referentiel import perimetres

    return _modifier(
        acteur,
        "territoire.modifier",
        dossier_projets,
        atelier_id,
        nom,
        lambda: perimetres.enregistrer_perimetre(dossier_projets, atelier_id, nom, codes),
    )


def importer_couche(acteur: Acteur | None, dossier_projets: Path, atelier_id: str, source, nom: str, options, **kw):
    from esquisse.imports import importation

    return _modifier(
        acteur,
        "couches.modifier",
        dossier_projets,
        atelier_id,
        f"import de « {nom} »",
        lambda: importation.importer(dossier_projets, atelier_id, source, nom, options, **kw),
    )


def enregistrer_derivee(
    acteur: Acteur | None, dossier_projets: Path, atelier_id: str, gdf, rapport, dossier_cache=None
):
    from esquisse.imports import derivation

    return _modifier(
        acteur,
        "couches.modifier",
        dossier_projets,
        atelier_id,
        "couche dérivée",
        lambda: derivation.enregistrer_derivee(dossier_projets, atelier_id, gdf, rapport, dossier_cache),
    )


# -- séances et hypothèses ---------------------------------------------------------------------


def creer_seance(acteur: Acteur | None, atelier: Atelier, type_: str, date_iso: str, titre: str = "") -> Seance:
    verifier(acteur, "seance.creer", atelier.id)
    s = seances.creer_seance(atelier.dossier, type_, date_iso, titre)
    journal.noter(atelier.dossier, acteur, "seance.creer", atelier.id, f"séance {s.id}")
    return s


def modifier_seance(acteur: Acteur | None, atelier: Atelier, seance_id: str, **valeurs) -> Seance:
    verifier(acteur, "seance.modifier", atelier.id)
    s = seances.modifier_seance(atelier.dossier, seance_id, **valeurs)
    journal.noter(atelier.dossier, acteur, "seance.modifier", atelier.id, f"séance {s.id}")
    return s


def archiver_seance(acteur: Acteur | None, atelier: Atelier, seance_id: str, archivee: bool = True) -> Seance:
    verifier(acteur, "seance.archiver", atelier.id)
    s = seances.archiver_seance(atelier.dossier, seance_id, archivee, par=acteur.nom)
    quoi = "archivée" if archivee else "rétablie"
    journal.noter(atelier.dossier, acteur, "seance.archiver", atelier.id, f"séance {s.id} {quoi}")
    return s


def creer_hypothese(
    acteur: Acteur | None,
    atelier: Atelier,
    s: Seance,
    titre: str,
    description: str = "",
    reprise_de: Hypothese | None = None,
    version: int | None = None,
) -> Hypothese:
    verifier(acteur, "hypothese.creer", atelier.id)
    h = seances.creer_hypothese(
        s,
        titre,
        description,
        acteur.nom,
        acteur.role_structure,
        reprise_de=reprise_de,
        version=version,
        atelier=atelier.id,
    )
    journal.noter(atelier.dossier, acteur, "hypothese.creer", atelier.id, f"hypothèse {h.seance}/{h.id}")
    return h


def modifier_hypothese(acteur: Acteur | None, atelier: Atelier, h: Hypothese, **valeurs) -> Hypothese:
    """Titre, description, statut ou partage (``partagee``) ; chaque changement porte le nom de l'acteur."""
    verifier(acteur, "hypothese.modifier", atelier.id)
    nouvelle = seances.modifier_hypothese(h, acteur.nom, **valeurs)
    quoi = ", ".join(f"{k} = {v}" for k, v in sorted(valeurs.items()))
    journal.noter(atelier.dossier, acteur, "hypothese.modifier", atelier.id, f"hypothèse {h.seance}/{h.id} : {quoi}")
    return nouvelle


# -- esquisses ---------------------------------------------------------------------------------


def _verifier_proprietaire(acteur: Acteur, atelier: Atelier, h: Hypothese, changements: list[Changement]) -> None:
    """La contribution ne touche qu'à ses propres esquisses, sauf contribution libre."""
    if role(acteur, atelier.id) is Role.ANIMATION or atelier.contribution_libre:
        return
    depot = h.depot(atelier.id)
    actuelles = depot.entites(depot.numero_courant())
    for c in changements:
        existante = actuelles.get(c.id)
        if existante is None:
            continue  # une esquisse nouvelle est la sienne
        auteur = (existante.get("properties") or {}).get("auteur", "")
        if auteur != acteur.nom:
            titre = (existante.get("properties") or {}).get("titre") or c.id
            try:
                verifier(acteur, "esquisse.modifier_autrui", atelier.id)
            except AccesRefuse as exc:
                raise AccesRefuse(f"« {titre} » est l'esquisse de {auteur or 'quelqu’un d’autre'}. {exc}") from None


def enregistrer_changements(
    acteur: Acteur | None, atelier: Atelier, h: Hypothese, changements: list[Changement], message: str = ""
) -> Enregistrement:
    """Écrit une version de ``h`` signée de l'acteur, après les contrôles (rôle, séance, propriété)."""
    _verifier_seance(acteur, "esquisse.dessiner", atelier, h.seance)
    _verifier_proprietaire(acteur, atelier, h, changements)
    resultat = h.depot(atelier.id).enregistrer(changements, acteur.nom, acteur.role_structure, message=message)
    if resultat.version is not None:
        objet = f"hypothèse {h.seance}/{h.id}, version {resultat.version.numero}"
        journal.noter(atelier.dossier, acteur, "esquisse.dessiner", atelier.id, objet)
    return resultat


def enregistrer_dessins(
    acteur: Acteur | None,
    atelier: Atelier,
    h: Hypothese,
    dessins: list[DessinLocal],
    annotations: dict[str, Annotation],
    message: str = "",
) -> tuple[list[Changement], Enregistrement] | None:
    """Les dessins et annotations reçus de la carte, enregistrés au nom de l'acteur : les changements
    et l'enregistrement ; ``None`` si rien n'est à enregistrer. Le refus vient avant toute lecture :
    une valeur forgée ne change rien."""
    _verifier_seance(acteur, "esquisse.dessiner", atelier, h.seance)
    depot = h.depot(atelier.id)
    changements = construire_changements(
        dessins, annotations, depot, atelier.legende, acteur.nom, acteur.role_structure, maintenant()
    )
    if not changements:
        return None
    return changements, enregistrer_changements(acteur, atelier, h, changements, message)


def restaurer_version(acteur: Acteur | None, atelier: Atelier, h: Hypothese, numero: int) -> MetaVersion:
    verifier(acteur, "version.restaurer", atelier.id)
    meta = h.depot(atelier.id).restaurer(numero, acteur.nom, acteur.role_structure)
    objet = f"hypothèse {h.seance}/{h.id}, version {numero} → {meta.numero}"
    journal.noter(atelier.dossier, acteur, "version.restaurer", atelier.id, objet)
    return meta


def garder_brouillon(
    acteur: Acteur | None,
    atelier: Atelier,
    h: Hypothese,
    poste: str,
    dessins: list[DessinLocal],
    annotations: dict[str, Annotation],
) -> None:
    """La copie de secours des dessins en attente (pas au journal : elle suit chaque trait)."""
    _verifier_seance(acteur, "brouillon.ecrire", atelier, h.seance)
    brouillons.ecrire(atelier.dossier, h, poste, acteur.nom, acteur.role_structure, dessins, annotations)


def reprendre_brouillon(acteur: Acteur | None, atelier: Atelier, h: Hypothese, b: brouillons.Brouillon):
    """Reprendre les dessins laissés par un poste fermé (ils passent à ce poste)."""
    _verifier_seance(acteur, "brouillon.ecrire", atelier, h.seance)
    return brouillons.reprendre(b)


def ecarter_brouillon(acteur: Acteur | None, atelier: Atelier, h: Hypothese, b: brouillons.Brouillon) -> None:
    """Mettre de côté les dessins laissés par un poste fermé (jamais effacés)."""
    _verifier_seance(acteur, "brouillon.ecrire", atelier, h.seance)
    brouillons.ecarter(b)


def ajouter_vue(acteur: Acteur | None, atelier: Atelier, h: Hypothese, nom: str, emprise) -> vues.Vue:
    verifier(acteur, "vues.modifier", atelier.id)
    vue = vues.ajouter(h, nom, emprise)
    journal.noter(atelier.dossier, acteur, "vues.modifier", atelier.id, f"vue « {vue.nom} » gardée")
    return vue


def retirer_vue(acteur: Acteur | None, atelier: Atelier, h: Hypothese, vue_id: str) -> None:
    verifier(acteur, "vues.modifier", atelier.id)
    vues.supprimer(h, vue_id)
    journal.noter(atelier.dossier, acteur, "vues.modifier", atelier.id, f"vue {vue_id} retirée")


# -- feuille de route, relevé ------------------------------------------------------------------


def enregistrer_feuille(acteur: Acteur | None, atelier: Atelier, feuille, revision: int | None = None):
    verifier(acteur, "feuille.modifier", atelier.id)
    enregistree = feuille_de_route.enregistrer(atelier.dossier, feuille, acteur.nom, revision=revision)
    journal.noter(atelier.dossier, acteur, "feuille.modifier", atelier.id, "feuille de route")
    return enregistree


def enregistrer_releve(acteur: Acteur | None, atelier: Atelier, s: Seance, rubriques, revision_lue: int):
    verifier(acteur, "releve.modifier", atelier.id)
    nouveau = releve.enregistrer_releve(s, rubriques, revision_lue, acteur.nom)
    journal.noter(atelier.dossier, acteur, "releve.modifier", atelier.id, f"relevé de la séance {s.id}")
    return nouveau


# -- exports, sauvegardes, publication ---------------------------------------------------------


def _exporter(acteur, action: str, atelier: Atelier, objet: str, faire: Callable[[], object]):
    verifier(acteur, action, atelier.id)
    resultat = faire()
    journal.noter(atelier.dossier, acteur, action, atelier.id, objet)
    return resultat


def exporter_carte(acteur: Acteur | None, atelier: Atelier, choix, mp, dossier: Path, progression=None):
    from esquisse.exports.export_carte import exporter_carte as exporter

    objet = f"carte {choix.seance.id}/{choix.hypothese.id} ({mp.format})"
    signee = replace(mp, exportee_par=acteur.nom if acteur is not None else "")
    return _exporter(
        acteur, "export.produire", atelier, objet, lambda: exporter(atelier, choix, signee, dossier, progression)
    )


def exporter_sig(acteur: Acteur | None, atelier: Atelier, choix, format_sig: str, dossier: Path, progression=None):
    from esquisse.exports.export_sig import exporter_sig as exporter

    objet = f"fichier SIG ({format_sig}, {len(choix)} hypothèse(s))"
    return _exporter(
        acteur, "export.produire", atelier, objet, lambda: exporter(atelier, choix, format_sig, dossier, progression)
    )


def exporter_carnet(acteur: Acteur | None, atelier: Atelier, seance_id: str, formats, dossier: Path, progression=None):
    from esquisse.exports.carnet import exporter_carnet as exporter

    objet = f"carnet de la séance {seance_id} ({', '.join(formats)})"
    return _exporter(
        acteur,
        "export.produire",
        atelier,
        objet,
        lambda: exporter(
            atelier, seance_id, tuple(formats), dossier, progression, acteur.nom if acteur is not None else ""
        ),
    )


def exporter_sauvegarde(acteur: Acteur | None, atelier: Atelier, destination: Path, progression=None) -> Path:
    from esquisse.exports.sauvegarde import exporter_archive

    return _exporter(
        acteur,
        "sauvegarde.exporter",
        atelier,
        "sauvegarde de l'atelier",
        lambda: exporter_archive(atelier, destination, progression),
    )


def importer_sauvegarde(
    acteur: Acteur | None,
    source,
    dossier_projets: Path,
    identifiant: str | None = None,
    taille_max: int = 2_000_000_000,
    nom: str | None = None,
    progression=None,
):
    """Importer une sauvegarde crée un atelier : il faut animer tous les ateliers."""
    from esquisse.exports.sauvegarde import importer_archive

    verifier(acteur, "sauvegarde.importer", TOUS_LES_ATELIERS)
    resultat = importer_archive(source, dossier_projets, identifiant, taille_max, nom, progression)
    journal.noter(
        dossier_projets / resultat.atelier.id, acteur, "sauvegarde.importer", resultat.atelier.id, "sauvegarde"
    )
    return resultat


def publier(
    acteur: Acteur | None,
    atelier: Atelier,
    dossier_projets: Path,
    dossier_cache: Path,
    destination: Path,
    date_publication: str | None = None,
    progression=None,
) -> Path:
    from esquisse.exports.publication import publier_zip

    return _exporter(
        acteur,
        "publication.publier",
        atelier,
        "site publié",
        lambda: publier_zip(atelier, dossier_projets, dossier_cache, destination, date_publication, progression),
    )
