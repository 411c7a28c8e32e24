from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import FullMatch, BoundedDate, Schema, StrictBoolean, bounded_string
from homeshare.vetting.models import CheckKind, CheckStatus, VettingStatus


def _text(max_length: int, **kwargs) -> ma.fields.String:
    return bounded_string(max_length, allow_none=True, **kwargs)


class CheckUpdateSchema(Schema):
    """The whole record of one check; what is left out is cleared (PUT semantics)."""

    status = ma.fields.Enum(CheckStatus, by_value=True, required=True)
    waived_reason = _text(500, metadata={"description": "Required when the status is `waived`."})
    expires_on = BoundedDate(allow_none=True, metadata={
        "description": "From this date the check no longer counts. Background checks default to "
                       "their issue date plus the scheme's renewal interval."})
    notes = _text(5000, metadata={"description": "Coordinators only; never shown to the person."})
    certificate_number = _text(40, validate_also=FullMatch(r"^[A-Za-z0-9 -]{4,40}$"),
                               metadata={"description": "Background checks only."})
    issued_on = BoundedDate(allow_none=True, metadata={"description": "Background checks only."})
    referee_name = _text(200, metadata={"description": "References only."})
    referee_relationship = _text(100, metadata={"description": "References only."})
    referee_contact = _text(200, metadata={"description": "References only."})
    reference_received = StrictBoolean(allow_none=True, metadata={"description": "References only."})
    reference_satisfactory = StrictBoolean(allow_none=True, metadata={"description": "References only."})


class CheckSchema(CheckUpdateSchema):
    """A check as coordinators see it."""

    kind = ma.fields.Enum(CheckKind, by_value=True, dump_only=True)
    expired = StrictBoolean(dump_only=True)
    recorded_by = ma.fields.UUID(attribute="recorded_by_id", dump_only=True, allow_none=True)
    recorded_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)


class OwnCheckSchema(Schema):
    """A check as the person sees it: progress, no notes, no referees' details."""

    kind = ma.fields.Enum(CheckKind, by_value=True, dump_only=True)
    status = ma.fields.Enum(CheckStatus, by_value=True, dump_only=True)
    expires_on = BoundedDate(dump_only=True, allow_none=True)
    expired = StrictBoolean(dump_only=True)
    issued_on = BoundedDate(dump_only=True, allow_none=True)
    certificate_number = ma.fields.Function(
        lambda check: mask(check.certificate_number), dump_only=True, allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "Only the last four characters show."},
    )


def mask(value: str | None) -> str | None:
    if not value:
        return None
    return "*" * max(len(value) - 4, 0) + value[-4:]


class ChecklistSchema(Schema):
    person_id = ma.fields.UUID(dump_only=True)
    role = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(VettingStatus, by_value=True, dump_only=True,
                            metadata={"description": "Derived from the checks; only `cleared` people can be matched."})
    outstanding = ma.fields.List(ma.fields.Enum(CheckKind, by_value=True), dump_only=True,
                                 metadata={"description": "Checks not yet passed or waived, or expired."})
    checks = ma.fields.List(ma.fields.Nested(CheckSchema), dump_only=True)


class OwnChecklistSchema(ChecklistSchema):
    checks = ma.fields.List(ma.fields.Nested(OwnCheckSchema), dump_only=True)
