from __future__ import annotations

import marshmallow as ma

from homeshare.behalf.schemas import ForPersonSchema, on_behalf_list
from homeshare.behalf.service import attach
from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema, bounded_string
from homeshare.concerns.models import Category, ConcernStatus, Severity


class RaiseSchema(Schema):
    match_id = ma.fields.UUID(allow_none=True, load_default=None)
    person_id = ma.fields.UUID(allow_none=True, load_default=None, metadata={"description": "Who it is about."})
    category = ma.fields.Enum(Category, by_value=True, required=True)
    severity = ma.fields.Enum(Severity, by_value=True, required=True)
    description = bounded_string(5000, required=True)
    on_behalf = ma.fields.Nested(ForPersonSchema, load_default=None, metadata={
        "description": "For a representative: the person you raise it for (needed when the match does not say)."})

    @ma.validates_schema
    def _about_something(self, data, **kwargs):
        if data.get("match_id") is None and data.get("person_id") is None:
            raise ma.ValidationError("Say which match or which person this is about.", "match_id")


class ResolveSchema(Schema):
    outcome = bounded_string(5000, required=True)


class NoteSchema(Schema):
    body = bounded_string(5000, required=True)


class NoteViewSchema(NoteSchema):
    author_id = ma.fields.UUID(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class OwnConcernSchema(Schema):
    """A concern as the person who raised it sees it: status and outcome, no internal notes."""

    id = ma.fields.UUID()
    match_id = ma.fields.UUID(allow_none=True)
    category = ma.fields.Enum(Category, by_value=True)
    severity = ma.fields.Enum(Severity, by_value=True)
    description = ma.fields.String()
    status = ma.fields.Enum(ConcernStatus, by_value=True)
    outcome = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    on_behalf = on_behalf_list("Raised for a person by their representative: for whom and by whom.")

    @ma.pre_dump
    def _done_for_someone(self, concern, **_kwargs):
        if not hasattr(concern, "on_behalf"):  # lists attach theirs in one statement
            attach([concern], "concern")
        return concern


class ConcernSchema(OwnConcernSchema):
    """A concern as its scheme's coordinators see it."""

    about_id = ma.fields.UUID(allow_none=True)
    raised_by_id = ma.fields.UUID(allow_none=True)
    raised_by_role = ma.fields.String()
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    subject_erased = ma.fields.Boolean()
    raiser_erased = ma.fields.Boolean()


class ConcernDetailSchema(ConcernSchema):
    notes = ma.fields.List(ma.fields.Nested(NoteViewSchema))


class ConcernQuerySchema(PageQuerySchema):
    status = ma.fields.Enum(ConcernStatus, by_value=True)
    severity = ma.fields.Enum(Severity, by_value=True)
    category = ma.fields.Enum(Category, by_value=True)
