"""Which fields a person must still fill in before they can be vetted, then matched.

The field lists below are the one definition; ``completeness`` applies them to a loaded
profile and ``ready_expression`` to rows in SQL (for filtered lists).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from homeshare.accounts.models import Account

FOR_VETTING = ("first_name", "last_name", "date_of_birth", "phone", "address_line1", "town", "postcode")
FOR_MATCHING_COMMON = (
    "location", "bio", "interests", "languages", "smoker", "has_pets", "accepts_pets", "gender",
)
FOR_MATCHING_BY_ROLE = {
    "householder": (
        "tasks_wanted", "hours_wanted_per_week", "nights_at_home_per_week", "room_available_from",
    ),
    "sharer": (
        "tasks_offered", "hours_offered_per_week", "move_in_on", "stay_months", "max_distance_km",
        "base_location", "occupation",
    ),
}


def _is_missing(profile: Any, field: str) -> bool:
    if field == "location":
        return profile.latitude is None or profile.longitude is None
    if field == "base_location":
        return profile.base_latitude is None or profile.base_longitude is None
    value = getattr(profile, field)
    return value is None or value == [] or value == ""


def completeness(profile: Any) -> dict[str, Any]:
    role = profile.role.value
    missing_for_vetting = [f for f in FOR_VETTING if _is_missing(profile, f)]
    for_matching = FOR_VETTING + FOR_MATCHING_COMMON + FOR_MATCHING_BY_ROLE[role]
    missing_for_matching = [f for f in for_matching if _is_missing(profile, f)]
    return {
        "ready_for_vetting": not missing_for_vetting,
        "missing_for_vetting": missing_for_vetting,
        "ready_for_matching": not missing_for_matching,
        "missing_for_matching": missing_for_matching,
    }


def _missing_sql(model: Any, field: str) -> sa.ColumnElement[bool]:
    if field in ("location", "base_location"):
        prefix = "" if field == "location" else "base_"
        return sa.or_(getattr(model, f"{prefix}latitude").is_(None), getattr(model, f"{prefix}longitude").is_(None))
    column = getattr(model, field)
    if isinstance(column.type, sa.JSON):
        return sa.or_(column.is_(None), sa.func.json_array_length(column) == 0)
    if isinstance(column.type, sa.String):
        return sa.or_(column.is_(None), column == "")
    return column.is_(None)


def _complete_sql(model: Any, fields: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return sa.not_(sa.or_(*(_missing_sql(model, field) for field in fields)))


def ready_expression(model: Any, purpose: str) -> sa.ColumnElement[bool]:
    """The same rule as ``completeness`` as SQL over ``model`` joined to ``Account``."""
    if purpose == "vetting":
        expression = _complete_sql(model, FOR_VETTING)
    else:
        expression = sa.and_(
            _complete_sql(model, FOR_VETTING + FOR_MATCHING_COMMON),
            sa.or_(*(
                sa.and_(Account.role == role, _complete_sql(model, fields))
                for role, fields in FOR_MATCHING_BY_ROLE.items()
            )),
        )
    return sa.type_coerce(expression, sa.Boolean)
