from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.common.pagination import PageQuerySchema, PaginationSchema
from homeshare.common.schemas import BoundedDate, Schema, StrictInteger, bounded_string
from homeshare.hours.models import EntryStatus
from homeshare.profiles.schemas import task_code


class EntryContentSchema(Schema):
    worked_on = BoundedDate(required=True, metadata={"description": "The day, in the scheme's time zone."})
    minutes = StrictInteger(required=True, validate=validate.Range(min=1, max=720, error="From 1 to 720 minutes."))
    task = task_code("One of the agreement's tasks (codes from GET /api/v1/tasks).", required=True)
    note = bounded_string(500, allow_none=True, load_default=None)


class EntryRequestSchema(EntryContentSchema):
    on_behalf = on_behalf_field()


class EntryChangeSchema(Schema):
    worked_on = BoundedDate()
    minutes = StrictInteger(validate=validate.Range(min=1, max=720, error="From 1 to 720 minutes."))
    task = task_code("One of the agreement's tasks (codes from GET /api/v1/tasks).")
    note = bounded_string(500, allow_none=True)


class EntrySchema(Schema):
    id = ma.fields.UUID()
    match_id = ma.fields.UUID()
    worked_on = BoundedDate()
    minutes = ma.fields.Integer()
    task = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    status = ma.fields.Enum(EntryStatus, by_value=True)
    dispute_reason = ma.fields.String(allow_none=True)
    confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    disputed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    on_behalf = on_behalf_list("Logged, confirmed or disputed for someone by someone else: who, how and when.")


class EntryQuerySchema(PageQuerySchema):
    status = ma.fields.Enum(EntryStatus, by_value=True)
    from_ = BoundedDate(data_key="from")
    to = BoundedDate()


class ConfirmationSchema(Schema):
    entry_ids = ma.fields.List(ma.fields.UUID(), validate=validate.Length(min=1, max=200))
    week_of = BoundedDate(metadata={"description": "Any day of the week to confirm whole."})

    @ma.validates_schema
    def _one_of(self, data, **kwargs):
        if ("entry_ids" in data) == ("week_of" in data):
            raise ma.ValidationError("Send entry_ids or week_of (one of them).", "entry_ids")

    on_behalf = on_behalf_field()


class ConfirmedSchema(Schema):
    confirmed = ma.fields.List(ma.fields.Nested(EntrySchema))


class DisputeSchema(Schema):
    reason = bounded_string(1000, required=True)
    on_behalf = on_behalf_field()


class RangeQuerySchema(PageQuerySchema):
    from_ = BoundedDate(data_key="from")
    to = BoundedDate()


class CsvRangeQuerySchema(Schema):
    from_ = BoundedDate(data_key="from", required=True)
    to = BoundedDate(required=True)


class WeekSchema(Schema):
    week_start = BoundedDate(metadata={"description": "Monday."})
    week_end = BoundedDate(metadata={"description": "Sunday."})
    logged_minutes = ma.fields.Integer()
    confirmed_minutes = ma.fields.Integer()
    disputed_minutes = ma.fields.Integer()
    agreed_minutes = ma.fields.Integer(allow_none=True, metadata={
        "description": "The agreed weekly hours in force that week, in minutes; null before any agreement."})
    away_days = ma.fields.Integer(metadata={
        "description": "Days of the week (0 to 7) either person was away, by their absences, while the match ran."})
    expected_minutes = ma.fields.Integer(allow_none=True, metadata={
        "description": "The agreed minutes prorated for the days away (to the nearest minute); 0 for a week "
                       "fully away."})
    counted_minutes = ma.fields.Integer(metadata={"description": "Logged minus disputed."})
    shortfall_minutes = ma.fields.Integer(allow_none=True, metadata={
        "description": "How far what counts is below what the week expects."})
    completed = ma.fields.Boolean(metadata={"description": "The week is over."})
    short = ma.fields.Boolean(metadata={
        "description": "Completed and below the scheme's share of what the week expects."})
    over_agreed = ma.fields.Boolean(metadata={
        "description": "What counts exceeds what the week expects by more than the scheme's "
                       "`hours_over_agreed_percent` (hours creep)."})


class ShortfallSchema(Schema):
    flagged = ma.fields.Boolean(metadata={
        "description": "The last completed weeks (the scheme's number) were all short."})
    weeks = ma.fields.List(ma.fields.Nested(WeekSchema), metadata={"description": "Those short weeks."})


class WeeklySummarySchema(Schema):
    items = ma.fields.List(ma.fields.Nested(WeekSchema), attribute="weeks.items")
    pagination = ma.fields.Nested(PaginationSchema, attribute="weeks.pagination")
    shortfall = ma.fields.Nested(ShortfallSchema)


class FlaggedMatchSchema(Schema):
    match_id = ma.fields.UUID(attribute="match.id")
    householder_id = ma.fields.UUID(attribute="match.householder_id")
    sharer_id = ma.fields.UUID(attribute="match.sharer_id")
    weeks = ma.fields.List(ma.fields.Nested(WeekSchema))
