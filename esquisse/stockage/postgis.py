"""Le magasin PostgreSQL + PostGIS, choisi par le réglage ``ESQUISSE_BASE`` (une URL ``postgresql://``).

Plusieurs processus de l'application (derrière un mandataire, sessions collantes) partagent
ainsi leurs ateliers. Le schéma est créé et mis à jour par l'application (table
``schema_version``, migrations numérotées de :data:`MIGRATIONS`).

**Versions.** Une ligne de ``versions`` par version, jamais modifiée : la clé primaire
(hypothèse, numéro) réserve le numéro. L'insertion de cette ligne est la première écriture
de la transaction d'enregistrement : si un autre processus a pris le numéro, elle échoue
(violation d'unicité), la transaction est annulée, et l'enregistrement recommence : relecture
de la dernière version, fusion à trois voies (:mod:`esquisse.stockage.enregistrement`), nouvel
essai. Un processus tué au milieu laisse une transaction annulée, jamais une version partielle.
Les enregistrements d'une hypothèse font aussi la queue derrière un verrou consultatif de
transaction : une économie (pas de fusion refaite pour rien), pas la garantie.

**Entités.** Table ``entites`` : une ligne par état d'une entité, valable des versions
``depuis`` (comprise) à ``jusqua`` (exclue, vide tant qu'elle est vivante), avec sa géométrie
PostGIS (EPSG:4326, index GIST) et son GeoJSON d'origine, au caractère près (type ``json``).
Un enregistrement ne touche que les entités changées : il ferme leur ligne vivante (``jusqua``)
et en ajoute une nouvelle. Son coût suit le nombre d'entités changées, pas la taille de
l'hypothèse. L'ordre des entités (``rang``) est celui du magasin de fichiers : une entité
modifiée garde sa place, les ajouts viennent à la fin.

**Empreinte.** Une version copiée depuis les fichiers garde l'empreinte de son fichier. Une
version née ici porte ``chaine:`` suivi du SHA-256 de l'empreinte parente et du changement : une
chaîne, calculée sans relire toute l'hypothèse.

**Rafraîchissement.** Chaque enregistrement envoie ``NOTIFY esquisse_versions`` dans sa
transaction (charge : identifiant d'hypothèse et numéro). Chaque processus a une seule
connexion ``LISTEN`` (un fil) qui réveille, en mémoire, les sessions en attente
(:meth:`DepotPostgis.attendre_changement`) : aucune session n'interroge la base en boucle.

**QGIS.** Pour chaque atelier, le schéma ``qgis`` a trois vues (polygones, lignes, points) :
la dernière version de chaque hypothèse, avec géométrie, catégorie, titre, commentaire, auteur
et numéro de version.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable

import psycopg
from psycopg import sql
from psycopg.errors import UniqueViolation
from psycopg.types.json import Json
from psycopg_pool import ConnectionPool, PoolTimeout

from esquisse.esquisses.geojson import normaliser_entite
from esquisse.esquisses.versions import Changement, Enregistrement, MetaVersion, Version, maintenant
from esquisse.noyau.erreurs import BaseInjoignable, Concurrence, DonneeInvalide, EcritureImpossible, Introuvable
from esquisse.stockage.disque import verifier_chemin_depose
from esquisse.stockage.enregistrement import (
    PREFIXE_EMPREINTE_CHAINEE,
    Delta,
    appliquer_delta,
    fusionner_changements,
    preparer,
    resume_changements,
    verifier_bases,
)
from esquisse.stockage.interfaces import (
    GENRES_DOCUMENTS,
    LIBELLES_GENRES,
    BrouillonStocke,
    Changer,
    Document,
    RefDocument,
    RefHypothese,
    message_concurrence,
)

CANAL = "esquisse_versions"
ATTENTE_CONNEXION = 5.0  # secondes d'attente d'une connexion avant le message « la base ne répond pas »
APRES_PANNE = 30.0  # secondes de connexions directes après une panne, le temps que le pool se reconnecte
VERSIONS_EN_MEMOIRE = 64
RANGS_PAR_VERSION = 1_000_000  # rang d'une entité ajoutée : numéro × RANGS_PAR_VERSION + position
SCHEMA_QGIS = "qgis"
# Familles de géométries des vues QGIS : suffixe de la vue, types GeoJSON, type PostGIS (multi).
FAMILLES = (
    ("polygones", ("ST_Polygon", "ST_MultiPolygon"), "MultiPolygon"),
    ("lignes", ("ST_LineString", "ST_MultiLineString"), "MultiLineString"),
    ("points", ("ST_Point",), "Point"),
)

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE hypotheses (
            id bigserial PRIMARY KEY,
            atelier text NOT NULL,
            seance text NOT NULL,
            hypothese text NOT NULL,
            UNIQUE (atelier, seance, hypothese)
        );
        CREATE TABLE versions (
            hypothese bigint NOT NULL REFERENCES hypotheses (id),
            numero integer NOT NULL CHECK (numero >= 1),
            parent integer,
            le text NOT NULL,
            auteur text NOT NULL,
            role text NOT NULL,
            message text NOT NULL,
            nb_entites integer NOT NULL,
            empreinte text NOT NULL,
            restauree_de integer,
            contexte json NOT NULL,
            PRIMARY KEY (hypothese, numero),
            CHECK (parent IS NULL AND numero = 1 OR parent = numero - 1)
        );
        CREATE TABLE entites (
            hypothese bigint NOT NULL,
            entite text NOT NULL,
            depuis integer NOT NULL,
            jusqua integer,
            rang bigint NOT NULL,
            contenu json NOT NULL,
            geom geometry(Geometry, 4326),
            PRIMARY KEY (hypothese, entite, depuis),
            FOREIGN KEY (hypothese, depuis) REFERENCES versions (hypothese, numero),
            CHECK (jusqua IS NULL OR jusqua > depuis)
        );
        CREATE INDEX entites_vivantes ON entites (hypothese, rang) WHERE jusqua IS NULL;
        CREATE INDEX entites_par_version ON entites (hypothese, depuis);
        CREATE INDEX entites_geom ON entites USING GIST (geom);
        CREATE TABLE documents (
            atelier text NOT NULL,
            genre text NOT NULL,
            seance text NOT NULL DEFAULT '',
            hypothese text NOT NULL DEFAULT '',
            contenu json NOT NULL,
            revision bigint NOT NULL,
            modifie_le timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (atelier, genre, seance, hypothese)
        );
        CREATE TABLE brouillons (
            atelier text NOT NULL,
            seance text NOT NULL,
            hypothese text NOT NULL,
            poste text NOT NULL,
            contenu json NOT NULL,
            signe_de_vie timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (atelier, seance, hypothese, poste)
        );
        CREATE TABLE brouillons_ecartes (
            id bigserial PRIMARY KEY,
            atelier text NOT NULL,
            seance text NOT NULL,
            hypothese text NOT NULL,
            poste text NOT NULL,
            contenu json NOT NULL,
            ecarte_le timestamptz NOT NULL DEFAULT now()
        );
        CREATE SCHEMA IF NOT EXISTS qgis;
        """,
    ),
    (
        2,
        """
        CREATE TABLE journal (
            id bigserial PRIMARY KEY,
            atelier text NOT NULL,
            ligne json NOT NULL
        );
        CREATE INDEX journal_par_atelier ON journal (atelier, id);
        CREATE TABLE fichiers_atelier (
            atelier text NOT NULL,
            chemin text NOT NULL,
            contenu bytea NOT NULL,
            depose_le timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (atelier, chemin)
        );
        """,
    ),
)
VERSION_SCHEMA = MIGRATIONS[-1][0]
_VERROU_MIGRATIONS = 7_105_117  # clé de pg_advisory_xact_lock : une seule migration à la fois
_CLASSE_VERROU_HYPOTHESE = 7_105_118  # première clé du verrou consultatif d'une hypothèse


def _message_injoignable(exc: Exception) -> str:
    return (
        "La base de données ne répond pas : rien n'a été écrit, vos dessins attendent dans le navigateur. "
        f"Réessayez dans un instant. ({type(exc).__name__})"
    )


def _est_une_panne(exc: psycopg.OperationalError) -> bool:
    """La connexion elle-même a échoué ou a été coupée (pas d'état SQL, classe 08, serveur arrêté 57P0x)."""
    etat = exc.sqlstate or ""
    return not etat or etat.startswith("08") or etat in ("57P01", "57P02", "57P03")


def _erreur_du_serveur(exc: psycopg.OperationalError) -> EcritureImpossible | None:
    """Disque plein ou ressources épuisées côté serveur (classe 53) : dit en français, rien n'est écrit."""
    if not (exc.sqlstate or "").startswith("53"):
        return None
    erreur = EcritureImpossible(
        "Le serveur de la base de données manque de place ou de ressources : rien n'a été écrit, vos dessins "
        "attendent dans le navigateur. Prévenez la personne qui gère le serveur."
    )
    erreur.cause = "Le serveur de la base de données manque de place"
    return erreur


def migrer(conn: psycopg.Connection) -> int:
    """Crée ou met à jour le schéma ; renvoie sa version. Plusieurs processus peuvent l'appeler ensemble."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_VERROU_MIGRATIONS,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            "version integer PRIMARY KEY, appliquee_le timestamptz NOT NULL DEFAULT now())"
        )
        actuelle = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if actuelle > VERSION_SCHEMA:
            raise DonneeInvalide(
                f"La base est au schéma {actuelle}, plus récent que celui de cette version d'Esquisse "
                f"({VERSION_SCHEMA}) : mettez Esquisse à jour."
            )
        for numero, texte in MIGRATIONS:
            if numero > actuelle:
                conn.execute(texte)
                conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (numero,))
    return max(actuelle, VERSION_SCHEMA)


def _meta(ligne) -> MetaVersion:
    numero, parent, le, auteur, role, message, nb_entites, empreinte, restauree_de = ligne
    return MetaVersion(numero, parent, le, auteur, role, message, nb_entites, empreinte, restauree_de)


_COLONNES_META = "numero, parent, le, auteur, role, message, nb_entites, empreinte, restauree_de"


def _geometrie(entite: dict) -> str | None:
    g = entite.get("geometry")
    return json.dumps(g) if g else None


class Ecouteur:
    """La connexion ``LISTEN`` d'un processus : un fil qui reçoit les notifications et réveille
    les sessions qui attendent une nouvelle version d'une hypothèse."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._condition = threading.Condition()
        self._derniers: dict[int, int] = {}  # identifiant d'hypothèse → dernier numéro connu
        self._semes: dict[int, int] = {}  # hypothèse → génération où son numéro a été lu en base
        self._generation = 0  # augmente à chaque (re)connexion : les attentes relisent la base
        self._pret = threading.Event()
        self._arret = threading.Event()
        self._fil = threading.Thread(target=self._ecouter, name="esquisse-listen", daemon=True)
        self._fil.start()

    def _ecouter(self) -> None:
        while not self._arret.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CANAL)))
                    with self._condition:
                        self._generation += 1
                        self._condition.notify_all()
                    self._pret.set()
                    while not self._arret.is_set():
                        for n in conn.notifies(timeout=1.0):
                            self._recevoir(n.payload)
            except psycopg.OperationalError:
                self._pret.clear()
                self._arret.wait(1.0)  # base injoignable : nouvelle tentative dans une seconde

    def _recevoir(self, charge: str) -> None:
        hypothese, _, numero = charge.partition(":")
        with self._condition:
            h, n = int(hypothese), int(numero)
            if n > self._derniers.get(h, 0):
                self._derniers[h] = n
            self._condition.notify_all()

    def attendre(self, hypothese: int, depuis: int, delai: float, relire) -> int:
        """Attend un numéro > ``depuis`` pour ``hypothese`` et renvoie le dernier connu.

        ``relire()`` donne le numéro en base : il n'est appelé que la première fois qu'on demande
        cette hypothèse, et après une reconnexion de l'écoute (des notifications ont pu manquer).
        Ensuite, tout se passe en mémoire : avec ``delai`` nul, la réponse est immédiate.
        """
        # Écoute active avant de relire (sinon, la lecture sera refaite après la connexion de l'écoute).
        self._pret.wait(timeout=min(delai, ATTENTE_CONNEXION))
        with self._condition:
            generation = self._generation
            a_relire = self._semes.get(hypothese) != generation
        if a_relire:
            lu = relire()
            with self._condition:
                self._derniers[hypothese] = max(lu, self._derniers.get(hypothese, 0))
                self._semes[hypothese] = generation
        with self._condition:
            self._condition.wait_for(
                lambda: self._derniers.get(hypothese, 0) > depuis or self._generation != generation,
                timeout=delai,
            )
            if self._generation != generation and self._derniers.get(hypothese, 0) <= depuis:
                self._semes.pop(hypothese, None)
            return self._derniers.get(hypothese, 0)

    def arreter(self) -> None:
        self._arret.set()
        self._fil.join(timeout=5)


class StockagePostgis:
    """Le magasin PostgreSQL + PostGIS : un pool de connexions et un écouteur par processus."""

    def __init__(self, dsn: str, taille_pool: int = 8):
        self.dsn = dsn
        try:
            with psycopg.connect(dsn, connect_timeout=int(ATTENTE_CONNEXION)) as conn:
                migrer(conn)
        except psycopg.OperationalError as exc:
            raise BaseInjoignable(_message_injoignable(exc)) from exc
        self.pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=taille_pool,
            open=True,
            name="esquisse",
            check=ConnectionPool.check_connection,
            timeout=ATTENTE_CONNEXION,
        )
        self._ecouteur: Ecouteur | None = None
        self._directes_jusqua = 0.0  # voir connexion()
        self._fil = threading.local()  # .conn : la connexion d'une transaction() en cours dans ce fil
        self._verrou_ecouteur = threading.Lock()
        self._ids: dict[RefHypothese, int] = {}
        self._ateliers_vus: set[str] = set()
        # Versions lues, jamais modifiées en base : (hypothèse, numéro) → Version.
        self.lectures: OrderedDict[tuple[int, int], Version] = OrderedDict()
        self.verrou_lectures = threading.Lock()
        self.documents = DocumentsPostgis(self)
        self.brouillons = BrouillonsPostgis(self)
        self.journal = JournalPostgis(self)
        self.fichiers = FichiersAtelierPostgis(self)
        weakref.finalize(self, StockagePostgis._fermer, self.pool)

    def __repr__(self) -> str:
        return f"StockagePostgis({psycopg.conninfo.conninfo_to_dict(self.dsn).get('dbname', '')})"

    @property
    def description(self) -> str:
        """Le magasin, nommé en français dans les messages."""
        return f"la base de données « {psycopg.conninfo.conninfo_to_dict(self.dsn).get('dbname', '')} »"

    @contextlib.contextmanager
    def connexion(self):
        """Une connexion du pool, validée à la sortie du bloc (annulée s'il échoue).

        Une base injoignable donne :class:`BaseInjoignable` (message en français). Après une panne,
        et pendant :data:`APRES_PANNE` secondes, on passe par des connexions directes : refusées
        aussitôt tant que la base est arrêtée (pas d'attente du pool à chaque lecture), acceptées
        dès qu'elle est revenue, pendant que le pool se reconnecte à son rythme.
        """
        en_cours = getattr(self._fil, "conn", None)
        if en_cours is not None:  # dans une transaction() : même connexion, validée à la fin de celle-ci
            yield en_cours
            return
        conn = None
        if time.monotonic() >= self._directes_jusqua:
            try:
                conn = self.pool.getconn()
            except PoolTimeout:
                conn = None
        try:
            if conn is None:
                with psycopg.connect(self.dsn, connect_timeout=int(ATTENTE_CONNEXION)) as directe:
                    yield directe
                return
            try:
                yield conn
                conn.commit()
            except BaseException:
                with contextlib.suppress(psycopg.Error):
                    conn.rollback()
                raise
            finally:
                self.pool.putconn(conn)
        except psycopg.OperationalError as exc:
            if not _est_une_panne(exc):
                erreur = _erreur_du_serveur(exc)
                if erreur is None:
                    raise
                raise erreur from exc
            self._directes_jusqua = time.monotonic() + APRES_PANNE
            raise BaseInjoignable(_message_injoignable(exc)) from exc

    @contextlib.contextmanager
    def transaction(self):
        """Toutes les écritures du bloc, dans ce fil, en une seule transaction : tout ou rien.

        Sert à copier un atelier (``copier-atelier``, import d'une archive) : une panne au milieu
        n'en laisse aucune partie dans la base.
        """
        if getattr(self._fil, "conn", None) is not None:
            yield
            return
        with self.connexion() as conn:
            self._fil.conn = conn
            try:
                yield
            except BaseException:
                # Identifiants d'hypothèses créés dans la transaction annulée : à relire.
                self._ids.clear()
                self._ateliers_vus.clear()
                raise
            finally:
                self._fil.conn = None

    def verifier(self) -> None:
        """La base répond-elle ? Sinon :class:`BaseInjoignable`."""
        with self.connexion() as conn:
            conn.execute("SELECT 1")

    @property
    def ecouteur(self) -> Ecouteur:
        with self._verrou_ecouteur:
            if self._ecouteur is None:
                self._ecouteur = Ecouteur(self.dsn)
            return self._ecouteur

    def versions(self, h: RefHypothese) -> DepotPostgis:
        return DepotPostgis(self, h)

    def hypotheses(self, atelier: str) -> list[RefHypothese]:
        with self.connexion() as conn:
            lignes = conn.execute(
                "SELECT atelier, seance, hypothese FROM hypotheses h WHERE atelier = %s "
                "AND EXISTS (SELECT 1 FROM versions v WHERE v.hypothese = h.id) ORDER BY seance, hypothese",
                (atelier,),
            ).fetchall()
        return [RefHypothese(*ligne) for ligne in lignes]

    def identifiant(self, h: RefHypothese, creer: bool) -> int | None:
        """Identifiant interne de l'hypothèse (créé à sa première version, avec les vues QGIS de l'atelier)."""
        if h in self._ids:
            return self._ids[h]
        with self.connexion() as conn:
            ligne = conn.execute(
                "SELECT id FROM hypotheses WHERE atelier = %s AND seance = %s AND hypothese = %s",
                (h.atelier, h.seance, h.hypothese),
            ).fetchone()
            if ligne is None and creer:
                conn.execute(
                    "INSERT INTO hypotheses (atelier, seance, hypothese) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (h.atelier, h.seance, h.hypothese),
                )
                ligne = conn.execute(
                    "SELECT id FROM hypotheses WHERE atelier = %s AND seance = %s AND hypothese = %s",
                    (h.atelier, h.seance, h.hypothese),
                ).fetchone()
        if ligne is None:
            return None
        if h.atelier not in self._ateliers_vus:
            self.creer_vues_qgis(h.atelier)
            self._ateliers_vus.add(h.atelier)
        self._ids[h] = ligne[0]
        return ligne[0]

    def creer_vues_qgis(self, atelier: str) -> list[str]:
        """Les vues de l'atelier pour QGIS (une par famille de géométries) ; renvoie leurs noms."""
        noms = []
        with self.connexion() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_VERROU_MIGRATIONS + 1,))
            for suffixe, types, type_postgis in FAMILLES:
                nom = f"{atelier}_{suffixe}"
                geom = "ST_Multi(e.geom)" if type_postgis.startswith("Multi") else "e.geom"
                conn.execute(
                    sql.SQL(
                        "CREATE OR REPLACE VIEW {schema}.{vue} AS "
                        "SELECT row_number() OVER (ORDER BY h.seance, h.hypothese, e.rang) AS fid, "
                        "h.seance, h.hypothese, e.entite, "
                        "(SELECT max(v.numero) FROM versions v WHERE v.hypothese = h.id) AS version, "
                        "e.contenu -> 'properties' ->> 'categorie' AS categorie, "
                        "e.contenu -> 'properties' ->> 'titre' AS titre, "
                        "e.contenu -> 'properties' ->> 'commentaire' AS commentaire, "
                        "e.contenu -> 'properties' ->> 'auteur' AS auteur, "
                        "({geom})::geometry({type}, 4326) AS geom "
                        "FROM entites e JOIN hypotheses h ON h.id = e.hypothese "
                        "WHERE e.jusqua IS NULL AND h.atelier = {atelier} AND ST_GeometryType(e.geom) IN ({types})"
                    ).format(
                        schema=sql.Identifier(SCHEMA_QGIS),
                        vue=sql.Identifier(nom),
                        geom=sql.SQL(geom),
                        type=sql.SQL(type_postgis),
                        atelier=sql.Literal(atelier),
                        types=sql.SQL(", ").join(sql.Literal(t) for t in types),
                    )
                )
                noms.append(f"{SCHEMA_QGIS}.{nom}")
        return noms

    @staticmethod
    def _fermer(pool: ConnectionPool) -> None:
        pool.close()

    def fermer(self) -> None:
        if self._ecouteur is not None:
            self._ecouteur.arreter()
        self.pool.close()


class DepotPostgis:
    """Les versions d'une hypothèse dans PostGIS (même contrat que :class:`esquisse.esquisses.versions.Depot`)."""

    def __init__(self, stockage: StockagePostgis, h: RefHypothese):
        self.stockage = stockage
        self.ref = h
        self.contexte = h.contexte

    def _id(self, creer: bool = False) -> int | None:
        return self.stockage.identifiant(self.ref, creer)

    # -- lecture ---------------------------------------------------------------------------

    def historique(self) -> list[MetaVersion]:
        hid = self._id()
        if hid is None:
            return []
        with self.stockage.connexion() as conn:
            lignes = conn.execute(
                f"SELECT {_COLONNES_META} FROM versions WHERE hypothese = %s ORDER BY numero", (hid,)
            ).fetchall()
        return [_meta(ligne) for ligne in lignes]

    def derniere(self) -> MetaVersion | None:
        hid = self._id()
        if hid is None:
            return None
        with self.stockage.connexion() as conn:
            ligne = conn.execute(
                f"SELECT {_COLONNES_META} FROM versions WHERE hypothese = %s ORDER BY numero DESC LIMIT 1", (hid,)
            ).fetchone()
        return _meta(ligne) if ligne else None

    def numero_courant(self) -> int:
        hid = self._id()
        if hid is None:
            return 0
        with self.stockage.connexion() as conn:
            return _courant(conn, hid)

    def lire(self, numero: int) -> Version:
        hid = self._id()
        cle = (hid, numero)
        with self.stockage.verrou_lectures:
            if cle in self.stockage.lectures:
                self.stockage.lectures.move_to_end(cle)
                return self.stockage.lectures[cle]
        version = self._lire(hid, numero)
        with self.stockage.verrou_lectures:
            self.stockage.lectures[cle] = version
            while len(self.stockage.lectures) > VERSIONS_EN_MEMOIRE:
                self.stockage.lectures.popitem(last=False)
        return version

    def _lire(self, hid: int | None, numero: int) -> Version:
        with self.stockage.connexion() as conn:
            ligne = (
                conn.execute(
                    f"SELECT {_COLONNES_META}, contexte FROM versions WHERE hypothese = %s AND numero = %s",
                    (hid, numero),
                ).fetchone()
                if hid is not None
                else None
            )
            if ligne is None:
                raise Introuvable(f"La version {numero} n'existe pas.")
            entites = conn.execute(
                "SELECT contenu FROM entites WHERE hypothese = %s AND depuis <= %s "
                "AND (jusqua IS NULL OR jusqua > %s) ORDER BY rang",
                (hid, numero, numero),
            ).fetchall()
        return Version(_meta(ligne[:-1]), tuple(e[0] for e in entites), ligne[-1])

    def entites(self, numero: int | None) -> dict[str, dict]:
        if not numero:
            return {}
        return self.lire(numero).par_id()

    def attendre_changement(self, depuis: int, delai: float) -> int:
        hid = self._id()
        if hid is None:
            hid = self._id(creer=True)
        return self.stockage.ecouteur.attendre(hid, depuis, delai, self.numero_courant)

    # -- écriture --------------------------------------------------------------------------

    def enregistrer(
        self, changements: Iterable[Changement], auteur: str, role: str = "", message: str = ""
    ) -> Enregistrement:
        changements = preparer(changements)
        hid = self._id(creer=True)
        ids = [c.id for c in changements]
        while True:
            try:
                with self.stockage.connexion() as conn, conn.transaction():
                    _file_d_attente(conn, hid)
                    courant, nb = _courant_et_taille(conn, hid)
                    verifier_bases(changements, courant)
                    distante = {
                        e: (contenu, rang)
                        for e, contenu, rang in conn.execute(
                            "SELECT entite, contenu, rang FROM entites "
                            "WHERE hypothese = %s AND jusqua IS NULL AND entite = ANY(%s)",
                            (hid, ids),
                        )
                    }
                    avec_base = [(c.id, c.base) for c in changements if c.base is not None]
                    base = {
                        e: contenu
                        for e, contenu in conn.execute(
                            "SELECT e.entite, e.contenu FROM entites e "
                            "JOIN unnest(%s::text[], %s::int[]) AS b(entite, base) ON b.entite = e.entite "
                            "WHERE e.hypothese = %s AND e.depuis <= b.base AND (e.jusqua IS NULL OR e.jusqua > b.base)",
                            ([i for i, _ in avec_base], [n for _, n in avec_base], hid),
                        )
                    }
                    delta = fusionner_changements(changements, {i: c for i, (c, _) in distante.items()}, base)
                    if delta.vide:
                        return Enregistrement(None, delta.conflits)
                    message_ = message or resume_changements(delta.ajoutees, delta.modifiees, delta.supprimees)
                    meta = self._ecrire(
                        conn,
                        hid,
                        courant,
                        nb + delta.ajoutees - delta.supprimees,
                        auteur,
                        role,
                        message_,
                        delta,
                        {i: r for i, (_, r) in distante.items()},
                    )
                return Enregistrement(meta, delta.conflits, delta.ajoutees, delta.modifiees, delta.supprimees)
            except UniqueViolation:
                continue  # numéro pris entre-temps : relecture, nouvelle fusion, nouvel essai

    def _ecrire(
        self,
        conn: psycopg.Connection,
        hid: int,
        courant: int,
        nb_entites: int,
        auteur: str,
        role: str,
        message: str,
        delta: Delta,
        rangs: dict[str, int],
        restauree_de: int | None = None,
        le: str = "",
        empreinte: str = "",
        contexte: dict | None = None,
        positions: dict[str, int] | None = None,
    ) -> MetaVersion:
        """Dans la transaction : réserve le numéro suivant, puis écrit les seules entités changées."""
        numero = courant + 1
        parent = courant or None
        le = le or maintenant()
        if not empreinte:
            precedente = (
                conn.execute(
                    "SELECT empreinte FROM versions WHERE hypothese = %s AND numero = %s", (hid, courant)
                ).fetchone()[0]
                if courant
                else ""
            )
            chaine = json.dumps([precedente, numero, auteur, role, message, le, delta.entites], ensure_ascii=False)
            empreinte = PREFIXE_EMPREINTE_CHAINEE + hashlib.sha256(chaine.encode("utf-8")).hexdigest()
        # Première écriture : réserve le numéro (échoue si un autre processus l'a pris).
        conn.execute(
            "INSERT INTO versions (hypothese, numero, parent, le, auteur, role, message, nb_entites, empreinte, "
            "restauree_de, contexte) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                hid,
                numero,
                parent,
                le,
                auteur,
                role,
                message,
                nb_entites,
                empreinte,
                restauree_de,
                Json(self.contexte if contexte is None else contexte),
            ),
        )
        if delta.entites:
            conn.execute(
                "UPDATE entites SET jusqua = %s WHERE hypothese = %s AND jusqua IS NULL AND entite = ANY(%s)",
                (numero, hid, list(delta.entites)),
            )
        nouvelles = [(i, e) for i, e in delta.entites.items() if e is not None]
        if nouvelles:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO entites (hypothese, entite, depuis, rang, contenu, geom) "
                    "VALUES (%s, %s, %s, %s, %s, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))",
                    [
                        (
                            hid,
                            i,
                            numero,
                            (positions or {}).get(i, rangs.get(i, numero * RANGS_PAR_VERSION + k)),
                            Json(e),
                            _geometrie(e),
                        )
                        for k, (i, e) in enumerate(nouvelles)
                    ],
                )
        conn.execute("SELECT pg_notify(%s, %s)", (CANAL, f"{hid}:{numero}"))
        return MetaVersion(numero, parent, le, auteur, role, message, nb_entites, empreinte, restauree_de)

    def _ecrire_liste(
        self,
        entites: list[dict],
        auteur: str,
        role: str,
        message: str,
        attendu: int | None,
        restauree_de: int | None = None,
        le: str = "",
        empreinte: str = "",
        contexte: dict | None = None,
    ) -> MetaVersion | None:
        """Écrit une version donnée en entier (initialisation, restauration, copie) : seules les
        entités qui diffèrent sont écrites ; si l'ordre change, toutes reprennent leur place.

        ``attendu`` : le numéro que doit porter la version (``None`` : le suivant, quel qu'il soit).
        Renvoie ``None`` si ce numéro est déjà pris."""
        hid = self._id(creer=True)
        while True:
            try:
                with self.stockage.connexion() as conn, conn.transaction():
                    _file_d_attente(conn, hid)
                    courant, _ = _courant_et_taille(conn, hid)
                    if attendu is not None and courant + 1 != attendu:
                        if attendu <= courant:
                            return None
                        raise DonneeInvalide(f"La version {attendu} ne peut pas suivre la version {courant}.")
                    vivantes = conn.execute(
                        "SELECT entite, contenu, rang FROM entites WHERE hypothese = %s AND jusqua IS NULL "
                        "ORDER BY rang",
                        (hid,),
                    ).fetchall()
                    actuelles = {i: c for i, c, _ in vivantes}
                    voulues = {e["id"]: e for e in entites}
                    delta = Delta()
                    for i, e in voulues.items():
                        if actuelles.get(i) != e:
                            delta.entites[i] = e
                    for i in actuelles:
                        if i not in voulues:
                            delta.entites[i] = None
                    rangs = {i: r for i, _, r in vivantes}
                    positions = None
                    if appliquer_delta([c for _, c, _ in vivantes], delta) != entites:
                        # Ordre différent : chaque entité est réécrite à sa place.
                        positions = {e["id"]: (courant + 1) * RANGS_PAR_VERSION + k for k, e in enumerate(entites)}
                        delta.entites.update(voulues)
                    return self._ecrire(
                        conn,
                        hid,
                        courant,
                        len(entites),
                        auteur,
                        role,
                        message,
                        delta,
                        rangs,
                        restauree_de,
                        le,
                        empreinte,
                        contexte,
                        positions,
                    )
            except UniqueViolation:
                if attendu is not None:
                    return None
                continue

    def restaurer(self, numero: int, auteur: str, role: str = "") -> MetaVersion:
        ancienne = self.lire(numero)
        return self._ecrire_liste(
            list(ancienne.entites), auteur, role, f"Restauration de la version {numero}", None, restauree_de=numero
        )

    def initialiser(self, entites: Iterable[dict], auteur: str, role: str, message: str) -> MetaVersion:
        entites = [normaliser_entite(e) for e in entites]
        meta = self._ecrire_liste(entites, auteur, role, message, 1)
        if meta is None:
            raise DonneeInvalide("Cette hypothèse a déjà des versions.")
        return meta

    def ajouter(self, meta: MetaVersion, entites: Iterable[dict], contexte: dict) -> bool:
        ecrite = self._ecrire_liste(
            list(entites),
            meta.auteur,
            meta.role,
            meta.message,
            meta.numero,
            meta.restauree_de,
            meta.le,
            meta.empreinte,
            contexte,
        )
        return ecrite is not None


def _file_d_attente(conn: psycopg.Connection, hid: int) -> None:
    """Les enregistrements d'une hypothèse font la queue (verrou consultatif, libéré à la fin de la
    transaction) : sans elle, à vingt en même temps, chacun referait sa fusion pour rien.

    Ce n'est qu'une économie : ce qui garantit qu'aucune version n'est remplacée reste la clé
    (hypothèse, numéro) ; un autre écrivain qui ne fait pas la queue provoque une violation
    d'unicité, et l'enregistrement recommence.
    """
    conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_CLASSE_VERROU_HYPOTHESE, hid % 2_147_483_647))


def _courant(conn: psycopg.Connection, hid: int) -> int:
    return conn.execute("SELECT coalesce(max(numero), 0) FROM versions WHERE hypothese = %s", (hid,)).fetchone()[0]


def _courant_et_taille(conn: psycopg.Connection, hid: int) -> tuple[int, int]:
    ligne = conn.execute(
        "SELECT numero, nb_entites FROM versions WHERE hypothese = %s ORDER BY numero DESC LIMIT 1", (hid,)
    ).fetchone()
    return (ligne[0], ligne[1]) if ligne else (0, 0)


class DocumentsPostgis:
    def __init__(self, stockage: StockagePostgis):
        self.stockage = stockage

    @staticmethod
    def _cle(ref: RefDocument) -> tuple[str, str, str, str]:
        if ref.genre not in GENRES_DOCUMENTS:
            raise DonneeInvalide(f"Genre de document inconnu : {ref.genre}. Genres : {', '.join(GENRES_DOCUMENTS)}.")
        return (ref.atelier, ref.genre, ref.seance, ref.hypothese)

    def lire(self, ref: RefDocument) -> Document | None:
        with self.stockage.connexion() as conn:
            ligne = conn.execute(
                "SELECT contenu, revision FROM documents WHERE atelier = %s AND genre = %s AND seance = %s "
                "AND hypothese = %s",
                self._cle(ref),
            ).fetchone()
        return Document(ligne[0], ligne[1]) if ligne else None

    def lister(self, atelier: str, genre: str | None = None) -> list[RefDocument]:
        with self.stockage.connexion() as conn:
            lignes = conn.execute(
                "SELECT atelier, genre, seance, hypothese FROM documents WHERE atelier = %s "
                "AND (%s::text IS NULL OR genre = %s) ORDER BY genre, seance, hypothese",
                (atelier, genre, genre),
            ).fetchall()
        return [RefDocument(*ligne) for ligne in lignes]

    def ateliers(self) -> list[str]:
        return sorted(self.revisions_ateliers())

    def revisions_ateliers(self) -> dict[str, int]:
        with self.stockage.connexion() as conn:
            lignes = conn.execute("SELECT atelier, revision FROM documents WHERE genre = 'atelier'").fetchall()
        return dict(lignes)

    def ecrire(self, ref: RefDocument, contenu: dict | list, revision_lue: int) -> Document:
        cle = self._cle(ref)
        with self.stockage.connexion() as conn:
            if revision_lue == 0:
                ligne = conn.execute(
                    "INSERT INTO documents (atelier, genre, seance, hypothese, contenu, revision) "
                    "VALUES (%s, %s, %s, %s, %s, 1) ON CONFLICT DO NOTHING RETURNING revision",
                    (*cle, Json(contenu)),
                ).fetchone()
            else:
                ligne = conn.execute(
                    "UPDATE documents SET contenu = %s, revision = revision + 1, modifie_le = now() "
                    "WHERE atelier = %s AND genre = %s AND seance = %s AND hypothese = %s AND revision = %s "
                    "RETURNING revision",
                    (Json(contenu), *cle, revision_lue),
                ).fetchone()
        if ligne is None:
            raise Concurrence(message_concurrence(LIBELLES_GENRES[ref.genre]))
        return Document(contenu, ligne[0])

    def modifier(self, ref: RefDocument, changer: Changer) -> Document | None:
        cle = self._cle(ref)
        condition = "atelier = %s AND genre = %s AND seance = %s AND hypothese = %s"
        for _ in range(2):  # une seconde fois si le document a été créé par un autre entre-temps
            with self.stockage.connexion() as conn, conn.transaction():
                ligne = conn.execute(
                    f"SELECT contenu, revision FROM documents WHERE {condition} FOR UPDATE", cle
                ).fetchone()
                lu = Document(ligne[0], ligne[1]) if ligne else None
                nouveau = changer(copy.deepcopy(lu.contenu) if lu else None)
                if nouveau is None or (lu is not None and nouveau == lu.contenu):
                    return lu
                if lu is not None:
                    conn.execute(
                        "UPDATE documents SET contenu = %s, revision = revision + 1, modifie_le = now() "
                        f"WHERE {condition}",
                        (Json(nouveau), *cle),
                    )
                    return Document(nouveau, lu.revision + 1)
                cree = conn.execute(
                    "INSERT INTO documents (atelier, genre, seance, hypothese, contenu, revision) "
                    "VALUES (%s, %s, %s, %s, %s, 1) ON CONFLICT DO NOTHING RETURNING revision",
                    (*cle, Json(nouveau)),
                ).fetchone()
                if cree is not None:
                    return Document(nouveau, 1)
        raise Concurrence(message_concurrence(LIBELLES_GENRES[ref.genre]))


class BrouillonsPostgis:
    def __init__(self, stockage: StockagePostgis):
        self.stockage = stockage

    def ecrire(self, h: RefHypothese, poste: str, contenu: dict) -> None:
        with self.stockage.connexion() as conn:
            conn.execute(
                "INSERT INTO brouillons (atelier, seance, hypothese, poste, contenu) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (atelier, seance, hypothese, poste) "
                "DO UPDATE SET contenu = excluded.contenu, signe_de_vie = now()",
                (h.atelier, h.seance, h.hypothese, poste, Json(contenu)),
            )

    def signe_de_vie(self, h: RefHypothese, poste: str) -> None:
        with self.stockage.connexion() as conn:
            conn.execute(
                "UPDATE brouillons SET signe_de_vie = now() WHERE atelier = %s AND seance = %s AND hypothese = %s "
                "AND poste = %s",
                (h.atelier, h.seance, h.hypothese, poste),
            )

    def lister(self, h: RefHypothese) -> list[BrouillonStocke]:
        with self.stockage.connexion() as conn:
            lignes = conn.execute(
                "SELECT poste, contenu, greatest(0, extract(epoch FROM clock_timestamp() - signe_de_vie))::float "
                "FROM brouillons WHERE atelier = %s AND seance = %s AND hypothese = %s ORDER BY poste",
                (h.atelier, h.seance, h.hypothese),
            ).fetchall()
        return [BrouillonStocke(p, c, a) for p, c, a in lignes]

    def retirer(self, h: RefHypothese, poste: str) -> None:
        with self.stockage.connexion() as conn:
            conn.execute(
                "DELETE FROM brouillons WHERE atelier = %s AND seance = %s AND hypothese = %s AND poste = %s",
                (h.atelier, h.seance, h.hypothese, poste),
            )

    def ecarter(self, h: RefHypothese, poste: str) -> None:
        with self.stockage.connexion() as conn:
            conn.execute(
                "WITH retire AS (DELETE FROM brouillons WHERE atelier = %s AND seance = %s AND hypothese = %s "
                "AND poste = %s RETURNING atelier, seance, hypothese, poste, contenu) "
                "INSERT INTO brouillons_ecartes (atelier, seance, hypothese, poste, contenu) SELECT * FROM retire",
                (h.atelier, h.seance, h.hypothese, poste),
            )


class JournalPostgis:
    def __init__(self, stockage: StockagePostgis):
        self.stockage = stockage

    def ajouter(self, atelier: str, ligne: dict) -> None:
        with self.stockage.connexion() as conn:
            conn.execute("INSERT INTO journal (atelier, ligne) VALUES (%s, %s)", (atelier, Json(ligne)))

    def lire(self, atelier: str) -> tuple[list[dict], int]:
        with self.stockage.connexion() as conn:
            lignes = conn.execute("SELECT ligne FROM journal WHERE atelier = %s ORDER BY id", (atelier,)).fetchall()
        lues = [ligne[0] for ligne in lignes]
        return [ligne for ligne in lues if isinstance(ligne, dict)], sum(not isinstance(x, dict) for x in lues)


class FichiersAtelierPostgis:
    def __init__(self, stockage: StockagePostgis):
        self.stockage = stockage

    def deposer(self, atelier: str, chemin: str, contenu: bytes) -> bool:
        with self.stockage.connexion() as conn:
            ligne = conn.execute(
                "INSERT INTO fichiers_atelier (atelier, chemin, contenu) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING RETURNING 1",
                (atelier, verifier_chemin_depose(chemin), contenu),
            ).fetchone()
        return ligne is not None

    def lire(self, atelier: str, chemin: str) -> bytes | None:
        with self.stockage.connexion() as conn:
            ligne = conn.execute(
                "SELECT contenu FROM fichiers_atelier WHERE atelier = %s AND chemin = %s",
                (atelier, verifier_chemin_depose(chemin)),
            ).fetchone()
        return bytes(ligne[0]) if ligne else None

    def lister(self, atelier: str) -> list[str]:
        with self.stockage.connexion() as conn:
            lignes = conn.execute(
                "SELECT chemin FROM fichiers_atelier WHERE atelier = %s ORDER BY chemin", (atelier,)
            ).fetchall()
        return [ligne[0] for ligne in lignes]
