"""Chronologie d'un atelier : ses séances, ses hypothèses et le parcours de leur statut.

Chaque hypothèse garde la liste datée de ses changements de statut (proposée → débattue →
retenue / abandonnée) : on en tire des **périodes** (un statut, de tel moment à tel autre) et
un **journal** d'événements. :func:`graphique` en fait une frise (Vega-Lite, par Altair) :
une ligne par hypothèse, colorée selon son statut, les séances en repères verticaux.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from esquisse.atelier.seances import STATUTS, Hypothese, Seance, lister_hypotheses, lister_seances
from esquisse.noyau.dates import MOIS, jour_fr

COULEURS_STATUTS = {
    "proposee": "#90a4ae",
    "debattue": "#f0a030",
    "retenue": "#2e7d32",
    "abandonnee": "#c62828",
}
LIGNE_SEANCES = "Séances"


def _instant(valeur: str) -> datetime | None:
    """Un horodatage ISO 8601 (« …Z ») ou une date (« AAAA-MM-JJ », à midi UTC) ; ``None`` si illisible."""
    if not valeur:
        return None
    try:
        if len(valeur) == 10:
            return datetime.combine(date.fromisoformat(valeur), time(12), tzinfo=UTC)
        d = datetime.fromisoformat(valeur)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Periode:
    """Une hypothèse restée dans un statut, de ``debut`` à ``fin``."""

    seance: str
    hypothese: str
    ligne: str  # libellé de la ligne de la frise
    statut: str
    debut: datetime
    fin: datetime
    par: str = ""
    en_cours: bool = False  # le statut dure encore


@dataclass(frozen=True)
class Evenement:
    le: datetime
    genre: str  # seance, hypothese, statut
    titre: str
    detail: str = ""
    par: str = ""
    statut: str = ""
    a_venir: bool = False


@dataclass
class Chronologie:
    seances: list[Seance] = field(default_factory=list)
    lignes: list[str] = field(default_factory=list)  # une par hypothèse, dans l'ordre de création
    periodes: list[Periode] = field(default_factory=list)
    evenements: list[Evenement] = field(default_factory=list)
    maintenant: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def vide(self) -> bool:
        return not self.seances


def _ligne(h: Hypothese, s: Seance, prises: set[str]) -> str:
    ligne = f"{h.titre} · {s.titre}"
    n = 2
    while ligne in prises:
        ligne, n = f"{h.titre} · {s.titre} ({n})", n + 1
    return ligne


def chronologie(dossier_atelier: Path, maintenant: datetime | None = None) -> Chronologie:
    """Séances, hypothèses et changements de statut de l'atelier, dans l'ordre du temps."""
    maintenant = maintenant or datetime.now(UTC)
    c = Chronologie(maintenant=maintenant)
    c.seances = lister_seances(dossier_atelier)
    titres_seances = {s.id: s.titre for s in c.seances}
    hypotheses: list[tuple[Seance, Hypothese]] = [(s, h) for s in c.seances for h in lister_hypotheses(s)]
    for numero, s in enumerate(c.seances, start=1):
        quand = _instant(s.date)
        if quand is None:
            continue
        a_venir = quand.date() > maintenant.date()
        c.evenements.append(Evenement(quand, "seance", f"Séance {numero} : {s.titre}", s.libelle_type, a_venir=a_venir))
    prises: set[str] = set()
    titres_hypotheses = {(s.id, h.id): h.titre for s, h in hypotheses}
    for s, h in sorted(hypotheses, key=lambda x: (x[1].cree_le, x[0].date)):
        ligne = _ligne(h, s, prises)
        prises.add(ligne)
        c.lignes.append(ligne)
        statuts = [x for x in h.statuts if _instant(x.get("le", "")) is not None]
        if not statuts:  # hypothèse sans historique de statut : une seule période, depuis la séance
            debut = _instant(h.cree_le) or _instant(s.date) or maintenant
            statuts = [{"statut": h.statut, "le": debut.isoformat(), "par": ""}]
        for i, x in enumerate(statuts):
            debut = _instant(x["le"])
            suivant = _instant(statuts[i + 1]["le"]) if i + 1 < len(statuts) else None
            c.periodes.append(
                Periode(
                    s.id,
                    h.id,
                    ligne,
                    x.get("statut", ""),
                    debut,
                    max(suivant or maintenant, debut),
                    x.get("par", ""),
                    en_cours=suivant is None,
                )
            )
            libelle = STATUTS.get(x.get("statut", ""), x.get("statut", ""))
            if i == 0:
                detail = f"Séance : {s.titre}"
                if h.origine:
                    origine = titres_hypotheses.get((h.origine.get("seance"), h.origine.get("hypothese")))
                    seance_origine = titres_seances.get(h.origine.get("seance"), h.origine.get("seance"))
                    detail += f" · reprise de « {origine or h.origine.get('hypothese')} » ({seance_origine})"
                titre = f"Hypothèse « {h.titre} » {libelle.lower()}"
                c.evenements.append(Evenement(debut, "hypothese", titre, detail, x.get("par", ""), x.get("statut", "")))
            else:
                titre = f"« {h.titre} » : {libelle.lower()}"
                detail = f"Séance : {s.titre}"
                c.evenements.append(Evenement(debut, "statut", titre, detail, x.get("par", ""), x.get("statut", "")))
    # Dans une même journée, la séance d'abord, puis ce qui s'y est passé.
    c.evenements.sort(key=lambda e: (e.le.date(), e.genre != "seance", e.le))
    return c


def tableau_journal(c: Chronologie) -> list[dict]:
    """Le journal, du plus récent au plus ancien, prêt pour un tableau."""
    genres = {"seance": "Séance", "hypothese": "Hypothèse", "statut": "Statut"}
    return [
        {
            "Date": jour_fr(e.le) + (" (à venir)" if e.a_venir else ""),
            "Événement": e.titre,
            "Genre": genres.get(e.genre, e.genre),
            "Détail": e.detail,
            "Par": e.par,
        }
        for e in reversed(c.evenements)
    ]


LOCALE_FR = {
    "dateTime": "%A %e %B %Y à %X",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["", ""],
    "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    "months": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "shortMonths": list(MOIS),
}


def numeros_seances(c: Chronologie) -> dict[str, int]:
    """Numéro de chaque séance (1, 2, 3…) dans l'ordre du calendrier, tel qu'affiché sur la frise."""
    return {s.id: i for i, s in enumerate(c.seances, start=1)}


def liste_seances(c: Chronologie) -> list[str]:
    """« 1 · 18 sept. 2025 — Visite de terrain » : la clé des numéros de la frise."""
    return [
        f"{i} · {jour_fr(_instant(s.date))} — {s.titre}" if _instant(s.date) else f"{i} · {s.titre}"
        for i, s in enumerate(c.seances, start=1)
    ]


def graphique(c: Chronologie):
    """La frise de l'atelier (un graphique Altair).

    En haut, les séances : des pastilles numérotées (pleines si passées, claires si à venir),
    prolongées par un repère vertical. Dessous, une ligne par hypothèse : une barre par période,
    colorée selon le statut, et le nom de l'hypothèse au-dessus de sa barre. Un trait rouge
    marque aujourd'hui. Les noms sont dans le graphique (et non sur un axe) pour laisser toute
    la largeur au temps, même sur un écran de 1024 pixels.
    """
    import altair as alt
    import pandas as pd

    def iso(d: datetime) -> str:
        return d.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    numeros = numeros_seances(c)
    seances = pd.DataFrame(
        [
            {
                "date": iso(_instant(s.date)),
                "ligne": LIGNE_SEANCES,
                "numero": str(numeros[s.id]),
                "titre": s.titre,
                "type": s.libelle_type,
                "quand": jour_fr(_instant(s.date)) + (" (à venir)" if _instant(s.date) > c.maintenant else ""),
                "a_venir": _instant(s.date) > c.maintenant,
            }
            for s in c.seances
            if _instant(s.date) is not None
        ],
        columns=["date", "ligne", "numero", "titre", "type", "quand", "a_venir"],
    )
    periodes = pd.DataFrame(
        [
            {
                "debut": iso(p.debut),
                "fin": iso(p.fin),
                "ligne": p.ligne,
                "statut": STATUTS.get(p.statut, p.statut),
                "depuis": jour_fr(p.debut),
                "jusqua": "aujourd'hui" if p.en_cours else jour_fr(p.fin),
                "par": p.par or "—",
            }
            for p in c.periodes
        ],
        columns=["debut", "fin", "ligne", "statut", "depuis", "jusqua", "par"],
    )
    dates = [_instant(s.date) for s in c.seances if _instant(s.date)] + [p.debut for p in c.periodes]
    dates += [c.maintenant]
    marge = max((max(dates) - min(dates)) / 30, pd.Timedelta(days=10).to_pytimedelta())
    debut_frise, fin_frise = min(dates) - marge, max(dates) + marge
    domaine = [iso(debut_frise), iso(fin_frise)]
    milieu = debut_frise + (fin_frise - debut_frise) / 2
    # Le nom de chaque hypothèse, au-dessus de sa barre : aligné sur le début de la barre, ou sur
    # sa fin quand la barre commence dans la seconde moitié de la frise (il ne déborde jamais).
    noms = []
    for ligne in c.lignes:
        ses_periodes = [p for p in c.periodes if p.ligne == ligne]
        premier = min(p.debut for p in ses_periodes)
        dernier = max(p.fin for p in ses_periodes)
        a_gauche = premier <= milieu
        noms.append({"date": iso(premier if a_gauche else dernier), "ligne": ligne, "gauche": a_gauche})
    noms = pd.DataFrame(noms, columns=["date", "ligne", "gauche"])
    ordre = [LIGNE_SEANCES, *c.lignes]

    def axe(champ: str = "date") -> alt.X:
        return alt.X(
            f"{champ}:T",
            title=None,
            scale=alt.Scale(domain=domaine),
            axis=alt.Axis(
                format="%b %Y", labelFontSize=13, grid=True, labelOverlap=True, labelFlush=True, tickCount="month"
            ),
        )

    x = axe()
    y = alt.Y("ligne:N", sort=ordre, scale=alt.Scale(domain=ordre), axis=None)
    libelles = list(STATUTS.values())
    couleur = alt.Color(
        "statut:N",
        title="Statut des hypothèses",
        scale=alt.Scale(domain=libelles, range=[COULEURS_STATUTS[k] for k in STATUTS]),
        legend=alt.Legend(
            orient="top", labelFontSize=13, titleFontSize=13, symbolType="square", direction="horizontal"
        ),
    )
    infobulle_seance = [
        alt.Tooltip("numero:N", title="Séance n°"),
        alt.Tooltip("titre:N", title="Séance"),
        alt.Tooltip("type:N", title="Type"),
        alt.Tooltip("quand:N", title="Date"),
    ]
    reperes = alt.Chart(seances).mark_rule(strokeDash=[4, 4], color="#90a4ae").encode(x=x)
    barres = (
        alt.Chart(periodes)
        .mark_bar(height=16, cornerRadius=3)
        .encode(
            x=axe("debut"),
            x2="fin:T",
            y=y,
            color=couleur,
            tooltip=[
                alt.Tooltip("ligne:N", title="Hypothèse"),
                alt.Tooltip("statut:N", title="Statut"),
                alt.Tooltip("depuis:N", title="Depuis le"),
                alt.Tooltip("jusqua:N", title="Jusqu'au"),
                alt.Tooltip("par:N", title="Par"),
            ],
        )
    )
    noms_gauche = (
        alt.Chart(noms)
        .transform_filter("datum.gauche")
        .mark_text(align="left", baseline="bottom", dy=-10, fontSize=13, color="#263238", limit=520)
        .encode(x=x, y=y, text="ligne:N")
    )
    noms_droite = (
        alt.Chart(noms)
        .transform_filter("!datum.gauche")
        .mark_text(align="right", baseline="bottom", dy=-10, fontSize=13, color="#263238", limit=520)
        .encode(x=x, y=y, text="ligne:N")
    )
    pastilles = (
        alt.Chart(seances)
        .mark_circle(size=520, opacity=1, stroke="#ffffff", strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            color=alt.condition("datum.a_venir", alt.value("#90a4ae"), alt.value("#37474f")),
            tooltip=infobulle_seance,
        )
    )
    numeros_texte = (
        alt.Chart(seances)
        .mark_text(fontSize=12, fontWeight="bold", color="#ffffff")
        .encode(x=x, y=y, text="numero:N", tooltip=infobulle_seance)
    )
    jour = pd.DataFrame({"date": [iso(c.maintenant)], "texte": ["aujourd'hui"]})
    aujourdhui = alt.Chart(jour).mark_rule(color="#c62828", strokeWidth=2).encode(x=x)
    texte_aujourdhui = (
        alt.Chart(jour)
        .mark_text(align="right", baseline="top", dx=-4, dy=2, color="#c62828", fontSize=12, fontWeight="bold")
        .encode(x=x, y=alt.value(0), text="texte:N")
    )
    hauteur = 56 * len(ordre)  # hauteur du tracé seul : la légende et l'axe s'y ajoutent (« fit-x »)
    return (
        alt.layer(reperes, aujourdhui, barres, noms_gauche, noms_droite, pastilles, numeros_texte, texte_aujourdhui)
        .properties(height=hauteur, width="container", autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
        .configure(locale=alt.Locale(time=alt.TimeLocale(**LOCALE_FR)))
        .configure_view(stroke=None)
    )
