from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.absences.models import AbsenceKind
from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.common.schemas import BoundedDate, Schema, bounded_string

SIDES = ("householder", "sharer")


class AbsenceContentSchema(Schema):
    kind = ma.fields.Enum(AbsenceKind, by_value=True, required=True)
    first_day = BoundedDate(required=True, metadata={"description": "The first day away (included)."})
    last_day = BoundedDate(required=True, metadata={"description": "The last day away (included)."})
    note = bounded_string(1000, allow_none=True, load_default=None)


class AbsenceRequestSchema(AbsenceContentSchema):
    who = ma.fields.String(required=True, validate=validate.OneOf(SIDES), metadata={
        "description": "Who is away: the match's `householder` or `sharer`. A householder or a sharer records "
                       "their own absence."})
    on_behalf = on_behalf_field()


class AbsenceChangeSchema(Schema):
    kind = ma.fields.Enum(AbsenceKind, by_value=True)
    first_day = BoundedDate()
    last_day = BoundedDate()
    note = bounded_string(1000, allow_none=True)
    on_behalf = on_behalf_field()


class AbsenceSchema(Schema):
    id = ma.fields.UUID()
    match_id = ma.fields.UUID()
    who = ma.fields.String(metadata={"description": "`householder` or `sharer`."})
    person_id = ma.fields.UUID()
    kind = ma.fields.Enum(AbsenceKind, by_value=True)
    first_day = ma.fields.Date()
    last_day = ma.fields.Date()
    days = ma.fields.Integer(metadata={"description": "How many days, the first and last included."})
    note = ma.fields.String(allow_none=True)
    recorded_by_id = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    on_behalf = on_behalf_list("Recorded or changed for the person by someone else: who, how and when.")
