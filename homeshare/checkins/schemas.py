from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.models import GivenAs
from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.checkins.models import CheckInKind
from homeshare.common.schemas import BoundedDate, BoundedDateTime, Schema, StrictBoolean, StrictInteger, bounded_string

_score = validate.Range(min=1, max=5)


class AnswerSchema(Schema):
    wellbeing = StrictInteger(required=True, validate=_score, metadata={"description": "1 (very low) to 5 (very good)."})
    match_going = StrictInteger(required=True, validate=_score, metadata={"description": "How the match is going, 1 to 5."})
    help_happening = StrictBoolean(required=True, metadata={"description": "Is the agreed help happening?"})
    wants_call = StrictBoolean(load_default=False, metadata={"description": "Would you like a call from your coordinator?"})
    something_wrong = StrictBoolean(load_default=False, metadata={"description": "Something is wrong: tell us now."})
    comments = bounded_string(2000, allow_none=True, load_default=None)
    asked_outside_agreement = StrictBoolean(load_default=False, metadata={
        "description": "The sharer's answer to \"Have you been asked to do anything outside the agreement?\" "
                       "(false unless given; a householder leaves it false). Yes alerts the coordinators."})
    outside_agreement_what = bounded_string(2000, allow_none=True, load_default=None, metadata={
        "description": "What the sharer was asked to do, when they say yes."})

    @ma.validates_schema
    def _what_with_yes(self, data, **kwargs):
        if data.get("outside_agreement_what") and not data.get("asked_outside_agreement"):
            raise ma.ValidationError("Only with asked_outside_agreement true.", "outside_agreement_what")


class AnswerRequestSchema(AnswerSchema):
    on_behalf = on_behalf_field()


class AnswerViewSchema(AnswerSchema):
    side = ma.fields.String()
    answered_at = ma.fields.AwareDateTime()
    given_as = ma.fields.Enum(GivenAs, by_value=True, metadata={
        "description": "`self`: the person in the app; `on-behalf`: a coordinator recorded their answer; "
                       "`proxy`: their representative answered."})
    on_behalf = on_behalf_list("Who answered for the person, how and when, oldest first.")


class NewCheckInSchema(Schema):
    kind = ma.fields.Enum(CheckInKind, by_value=True, required=True)
    due_on = BoundedDate(required=True)


class MoveCheckInSchema(Schema):
    due_on = BoundedDate(required=True)


class CoordinatorContactSchema(Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(["call", "visit"]))
    at = BoundedDateTime(required=True)
    notes = bounded_string(5000, allow_none=True, load_default=None)


class CheckInSchema(Schema):
    """A check-in as coordinators see it: both answers and their own contact."""

    id = ma.fields.UUID()
    match_id = ma.fields.UUID()
    kind = ma.fields.Enum(CheckInKind, by_value=True)
    due_on = ma.fields.Date()
    opens_on = ma.fields.Date(metadata={
        "description": "The first day the check-in can be answered: the scheme's `checkin_opens_days_before` "
                       "its due date."})
    planned_on = ma.fields.Date(allow_none=True)
    escalated_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "When it was found overdue."})
    answers = ma.fields.List(ma.fields.Nested(AnswerViewSchema))
    contact_kind = ma.fields.String(allow_none=True)
    contact_at = ma.fields.AwareDateTime(allow_none=True)
    contact_notes = ma.fields.String(allow_none=True)


class OwnCheckInSchema(Schema):
    """A check-in as one side sees it: its own answer only."""

    id = ma.fields.UUID()
    kind = ma.fields.Enum(CheckInKind, by_value=True)
    due_on = ma.fields.Date()
    opens_on = ma.fields.Date(metadata={
        "description": "The first day the check-in can be answered: the scheme's `checkin_opens_days_before` "
                       "its due date."})
    your_answer = ma.fields.Nested(AnswerViewSchema, allow_none=True)
