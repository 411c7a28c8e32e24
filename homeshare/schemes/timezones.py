from __future__ import annotations

import zoneinfo
from functools import lru_cache

import marshmallow as ma


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _known():
        raise ma.ValidationError("Not a known IANA time zone, such as Europe/London.")
