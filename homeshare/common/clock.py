"""The one source of "now". Tests set ``app.config["HOMESHARE_CLOCK"]`` to control time."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    if has_app_context():
        clock = current_app.config.get("HOMESHARE_CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(timezone.utc)


def local_today(timezone_name: str) -> date:
    """Today's date where the scheme is (its IANA time zone)."""
    return utcnow().astimezone(ZoneInfo(timezone_name)).date()


def local_moment(day: date, hour: int, timezone_name: str) -> datetime:
    """``hour`` o'clock on ``day`` where the scheme is, as an instant (right across clock changes)."""
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone_name))
