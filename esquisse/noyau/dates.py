"""Dates lisibles, à l'heure de Paris : « 12 mars 2026 à 14 h 05 ».

Les dates sont enregistrées en UTC (ISO 8601) ; elles s'affichent et s'impriment à l'heure
de Paris, comme les vivent les participants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from esquisse.atelier.seances import _date_fr

PARIS = ZoneInfo("Europe/Paris")


def date_fr(iso: str) -> str:
    """« 12 mars 2026 » pour « 2026-03-12 »."""
    return _date_fr(iso)


def date_heure(iso: str) -> str:
    """« 12 mars 2026 à 14 h 05 » (heure de Paris) pour une date ISO en UTC."""
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso or "")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(PARIS)
    return f"{_date_fr(local.date().isoformat())} à {local.hour} h {local.minute:02d}"


def aujourd_hui() -> str:
    return _date_fr(datetime.now(PARIS).date().isoformat())
