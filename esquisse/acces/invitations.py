"""Invitations signées (tablettes, mur) et jeton d'animation de l'ordinateur de la salle.

- Le **secret** qui signe les invitations est tiré au hasard au premier lancement et rangé dans le
  dossier ``ESQUISSE_SECRETS`` (fichier ``secret``, mode 0600, jamais dans le dépôt).
- Une **invitation** vaut pour un atelier, un rôle (contribution ou lecture), une séance (ou toutes)
  et jusqu'à une date d'expiration. Elle voyage dans l'adresse (``?invitation=…``), signée avec
  itsdangerous et un sel propre à cet usage : un lien modifié, forgé ou signé pour un autre usage est
  refusé. Chaque invitation émise est notée dans le registre de l'atelier (dossier des secrets,
  ``invitations/<atelier>.json``), où l'équipe d'animation peut la révoquer.
- Le **jeton d'animation** est tiré au hasard à chaque lancement par ``python -m esquisse lancer``
  (fichier ``jeton-animation``, mode 0600) ; l'adresse imprimée le porte (``?jeton=…``), comme
  celle de Jupyter. Il se compare en temps constant.

Ce module ne connaît ni Streamlit ni l'adresse IP de qui se connecte.
"""

from __future__ import annotations

import hmac
import json
import os
import re
import secrets as aleatoire
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from esquisse.acces.politique import LIBELLES_ROLES, Acteur, Role
from esquisse.noyau.dates import date_heure
from esquisse.noyau.erreurs import AccesRefuse, DonneeInvalide, SchemaInvalide
from esquisse.noyau.fichiers import ecrire_json, traduire_erreurs_disque, verrou

FICHIER_SECRET = "secret"
FICHIER_JETON = "jeton-animation"
SEL_INVITATION = "esquisse.invitation.v1"  # un seul usage : inviter dans un atelier
ROLES_INVITES = (Role.CONTRIBUTION, Role.LECTURE)
# L'animation ne s'invite que depuis la ligne de commande (qui a déjà la main sur le serveur), pour le mode
# « invitations » où même l'équipe-projet entre par un lien.
ROLES_INVITABLES = (*ROLES_INVITES, Role.ANIMATION)
DUREE_PAR_DEFAUT = timedelta(hours=4)
DUREE_MAX = timedelta(days=90)
DEMANDER = "Demandez un nouveau lien à l'équipe d'animation."


class InvitationRefusee(AccesRefuse):
    """Le lien d'invitation ne peut pas servir (modifié, forgé, expiré, révoqué) : rien n'est écrit."""


# -- fichiers secrets ------------------------------------------------------------------------------


def _ecrire_prive(chemin: Path, contenu: str, remplacer: bool) -> bool:
    """Écrit ``contenu`` dans un fichier lisible par son seul propriétaire (0600) ; ``False`` s'il existait
    déjà et que ``remplacer`` est faux. Le dossier est créé en 0700."""
    with traduire_erreurs_disque(f"le dossier des secrets {chemin.parent}"):
        chemin.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not remplacer and chemin.exists():
            return False
        temporaire = chemin.with_name(f".{chemin.name}.{uuid.uuid4().hex[:8]}")
        fd = os.open(temporaire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(contenu)
                f.flush()
                os.fsync(f.fileno())
            if remplacer:
                os.replace(temporaire, chemin)
            else:
                try:
                    os.link(temporaire, chemin)  # deux processus au premier lancement : un seul secret gagne
                except FileExistsError:
                    return False
        finally:
            temporaire.unlink(missing_ok=True)
    return True


def _lire_prive(chemin: Path) -> str:
    with traduire_erreurs_disque(f"le fichier secret {chemin}"):
        return chemin.read_text(encoding="utf-8").strip()


def secret(dossier: Path) -> str:
    """Le secret de signature de cette installation, créé (0600) au premier appel."""
    chemin = dossier / FICHIER_SECRET
    _ecrire_prive(chemin, aleatoire.token_urlsafe(48), remplacer=False)
    with traduire_erreurs_disque(f"le fichier secret {chemin}"):
        if chemin.stat().st_mode & 0o077:  # recopié avec d'autres droits : il redevient privé
            os.chmod(chemin, 0o600)
    valeur = _lire_prive(chemin)
    if len(valeur) < 32:
        raise DonneeInvalide(f"Le fichier secret {chemin} est trop court : supprimez-le, Esquisse en tirera un neuf.")
    return valeur


def nouveau_jeton_animation(dossier: Path) -> str:
    """Tire un nouveau jeton d'animation (l'ancien cesse de valoir) et l'écrit en 0600."""
    jeton = aleatoire.token_urlsafe(32)
    _ecrire_prive(dossier / FICHIER_JETON, jeton, remplacer=True)
    return jeton


def jeton_animation_valide(dossier: Path, propose: str) -> bool:
    """Vrai si ``propose`` est le jeton d'animation du dernier lancement (comparaison en temps constant)."""
    chemin = dossier / FICHIER_JETON
    if not propose or not chemin.exists():
        return False
    attendu = _lire_prive(chemin)
    return bool(attendu) and hmac.compare_digest(attendu.encode(), propose.encode())


# -- durées ------------------------------------------------------------------------------------------

_UNITES = {"min": 60, "m": 60, "h": 3600, "j": 86400, "d": 86400}


def lire_duree(texte: str) -> timedelta:
    """« 30min », « 4h », « 2j » → durée ; refus en français au-delà de 90 jours ou si illisible."""
    m = re.fullmatch(r"\s*(\d+)\s*(min|m|h|j|d)\s*", str(texte or "").lower())
    if not m:
        raise DonneeInvalide(f"Durée illisible : « {texte} » (exemples : 30min, 4h, 2j).")
    duree = timedelta(seconds=int(m.group(1)) * _UNITES[m.group(2)])
    if duree <= timedelta(0) or duree > DUREE_MAX:
        raise DonneeInvalide(f"Durée « {texte} » refusée : entre une minute et {DUREE_MAX.days} jours.")
    return duree


# -- invitations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    id: str
    atelier: str
    role: Role
    seance: str  # "" : toutes les séances de l'atelier
    expire: str  # ISO 8601, UTC
    cree: str = ""
    revoquee: str = ""  # date de révocation (ISO), "" si elle vaut encore

    @property
    def echeance(self) -> datetime:
        return datetime.fromisoformat(self.expire)

    def valide(self, maintenant: datetime) -> bool:
        return not self.revoquee and self.echeance > maintenant

    def decrire(self, titre_seance: str = "") -> str:
        """« Contribution — séance « Atelier 2 » — jusqu'au 3 déc. 2026 à 18 h 00 »."""
        quoi = LIBELLES_ROLES[self.role]
        ou = f"séance « {titre_seance or self.seance} »" if self.seance else "toutes les séances"
        etat = f"révoquée le {date_heure(self.revoquee)}" if self.revoquee else f"jusqu'au {date_heure(self.expire)}"
        return f"{quoi} — {ou} — {etat}"


def _maintenant(maintenant: datetime | None) -> datetime:
    return (maintenant or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def _registre(secrets: Path, atelier: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}", atelier or "") or ".." in atelier:
        raise DonneeInvalide(f"Identifiant d'atelier invalide : « {atelier} ».")
    return secrets / "invitations" / f"{atelier}.json"


def invitations(secrets: Path, atelier: str) -> list[Invitation]:
    """Les invitations émises pour ``atelier``, les plus récentes d'abord."""
    chemin = _registre(secrets, atelier)
    if not chemin.exists():
        return []
    with traduire_erreurs_disque(f"le registre des invitations {chemin}"):
        texte = chemin.read_text(encoding="utf-8")
    try:
        liste = [Invitation(**{**b, "role": Role(b["role"])}) for b in json.loads(texte)]
    except (ValueError, TypeError, KeyError) as exc:
        raise SchemaInvalide(
            f"Le registre des invitations {chemin} est illisible ({exc}) : aucune invitation de cet atelier ne "
            "vaut tant qu'il n'est pas réparé ou supprimé (supprimé, toutes ses invitations sont annulées)."
        ) from None
    return sorted(liste, key=lambda i: i.cree, reverse=True)


def _verrou_registre(secrets: Path, atelier: str):
    """Le verrou du registre de l'atelier ; le dossier des secrets et celui des registres naissent en 0700."""
    secret(secrets)
    chemin = _registre(secrets, atelier)
    with traduire_erreurs_disque(f"le dossier des secrets {secrets}"):
        chemin.parent.mkdir(mode=0o700, exist_ok=True)
    return verrou(chemin.with_suffix(".verrou"))


def _ecrire_registre(secrets: Path, atelier: str, liste: list[Invitation]) -> None:
    chemin = _registre(secrets, atelier)
    ecrire_json(chemin, [{**asdict(i), "role": str(i.role)} for i in liste])
    os.chmod(chemin, 0o600)


def _serialiseur(secrets: Path) -> URLSafeSerializer:
    return URLSafeSerializer(secret(secrets), salt=SEL_INVITATION)


def _signer(secrets: Path, i: Invitation) -> str:
    return _serialiseur(secrets).dumps({"i": i.id, "a": i.atelier, "r": str(i.role), "s": i.seance, "e": i.expire})


def creer_invitation(
    secrets: Path,
    atelier: str,
    role: Role | str,
    seance: str = "",
    duree: timedelta = DUREE_PAR_DEFAUT,
    maintenant: datetime | None = None,
) -> tuple[Invitation, str]:
    """Émet une invitation, la note au registre de l'atelier ; renvoie l'invitation et son jeton signé."""
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role not in ROLES_INVITABLES:
        raise DonneeInvalide("Une invitation donne le rôle « contribution », « lecture » ou « animation ».")
    if duree <= timedelta(0) or duree > DUREE_MAX:
        raise DonneeInvalide(f"Durée d'invitation refusée : entre une minute et {DUREE_MAX.days} jours.")
    debut = _maintenant(maintenant)
    invitation = Invitation(
        id=uuid.uuid4().hex[:16],
        atelier=atelier,
        role=role,
        seance=seance or "",
        expire=(debut + duree).isoformat(),
        cree=debut.isoformat(),
    )
    with _verrou_registre(secrets, atelier):
        _ecrire_registre(secrets, atelier, [*invitations(secrets, atelier), invitation])
    return invitation, _signer(secrets, invitation)


def invitation_en_cours(
    secrets: Path,
    atelier: str,
    role: Role | str,
    seance: str = "",
    duree: timedelta = timedelta(hours=8),
    maintenant: datetime | None = None,
) -> str:
    """Le jeton d'une invitation encore valide au moins une heure pour ces atelier, rôle et séance, sinon
    d'une neuve : le code QR reste le même d'un affichage à l'autre, le registre ne grossit pas."""
    instant = _maintenant(maintenant)
    for i in invitations(secrets, atelier):
        if i.role == Role(role) and i.seance == (seance or "") and i.valide(instant + timedelta(hours=1)):
            return _signer(secrets, i)
    return creer_invitation(secrets, atelier, role, seance, duree, instant)[1]


def lire_invitation(secrets: Path, jeton: str, maintenant: datetime | None = None) -> Invitation:
    """L'invitation portée par ``jeton`` si elle vaut encore ; sinon :class:`InvitationRefusee`, en français."""
    try:
        donnees = _serialiseur(secrets).loads(jeton or "")
        ident, atelier, role, seance, expire = (donnees[k] for k in ("i", "a", "r", "s", "e"))
    except (BadSignature, KeyError, TypeError, ValueError):
        raise InvitationRefusee(
            "Ce lien d'invitation n'est pas valide : il a été modifié, recopié de travers, ou ne vient pas de "
            f"cet Esquisse. {DEMANDER}"
        ) from None
    connue = next((i for i in invitations(secrets, atelier) if i.id == ident), None)
    if connue is None or connue.role != role or connue.seance != seance or connue.expire != expire:
        raise InvitationRefusee(f"Ce lien d'invitation n'est plus enregistré sur cet Esquisse. {DEMANDER}")
    if connue.revoquee:
        raise InvitationRefusee(
            f"Ce lien d'invitation a été révoqué par l'équipe d'animation le {date_heure(connue.revoquee)}. {DEMANDER}"
        )
    if connue.echeance <= _maintenant(maintenant):
        raise InvitationRefusee(f"Ce lien d'invitation a expiré le {date_heure(connue.expire)}. {DEMANDER}")
    return connue


def revoquer(secrets: Path, atelier: str, ident: str, maintenant: datetime | None = None) -> Invitation:
    """Révoque l'invitation ``ident`` : ses liens cessent aussitôt de valoir, sur tous les appareils."""
    with _verrou_registre(secrets, atelier):
        liste = invitations(secrets, atelier)
        cible = next((i for i in liste if i.id == ident), None)
        if cible is None:
            raise DonneeInvalide(f"Aucune invitation « {ident} » dans cet atelier.")
        if cible.revoquee:
            return cible
        revoquee = Invitation(**{**asdict(cible), "revoquee": _maintenant(maintenant).isoformat()})
        _ecrire_registre(secrets, atelier, [revoquee if i.id == ident else i for i in liste])
    return revoquee


def acteur_invite(invitation: Invitation, nom: str, role_structure: str = "") -> Acteur:
    """La personne entrée par cette invitation, sous le nom choisi dans « Qui êtes-vous ? »."""
    return Acteur(
        nom=nom,
        role_structure=role_structure,
        roles={invitation.atelier: invitation.role},
        seances={invitation.atelier: frozenset({invitation.seance})} if invitation.seance else {},
        origine="invitation",
    )
