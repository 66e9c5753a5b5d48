"""Dates lisibles, à l'heure de Paris : « 12 mars 2026 à 14 h 05 ».

Les dates sont enregistrées en UTC (ISO 8601) ; elles s'affichent et s'impriment à l'heure
de Paris, comme les vivent les participants : l'historique, les exports, le carnet et les
pages passent tous par :func:`date_heure`. Le fuseau est nommé une fois par écran ou par
document (:data:`FUSEAU`), pas à chaque date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
FUSEAU = "heure de Paris"
MOIS = ("janv.", "févr.", "mars", "avril", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def jour_fr(d: date | datetime) -> str:
    """« 12 mars 2026 » ; un instant daté (avec fuseau) est d'abord ramené à l'heure de Paris."""
    if isinstance(d, datetime) and d.tzinfo is not None:
        d = d.astimezone(PARIS)
    return f"{d.day} {MOIS[d.month - 1]} {d.year}"


def date_fr(iso: str) -> str:
    """« 12 mars 2026 » pour « 2026-03-12 » ; une valeur illisible est rendue telle quelle."""
    try:
        d = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    return jour_fr(d)


def instant(iso: str) -> datetime | None:
    """L'instant à l'heure de Paris d'une date ISO (UTC si elle ne dit pas son fuseau) ; ``None`` si illisible."""
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def date_heure(iso: str) -> str:
    """« 12 mars 2026 à 14 h 05 » (heure de Paris) pour une date ISO en UTC."""
    local = instant(iso)
    if local is None:
        return str(iso or "")
    return f"{jour_fr(local.date())} à {local.hour} h {local.minute:02d}"


def aujourd_hui() -> str:
    return jour_fr(datetime.now(PARIS).date())
