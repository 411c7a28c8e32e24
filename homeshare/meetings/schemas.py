from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.models import GivenAs
from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.common.schemas import DATETIME_PATTERN, EARLIEST_DATE, LATEST_DATE, Schema, StrictBoolean, \
    StrictInteger, bounded_string
from homeshare.meetings.models import CarryOn, MeetingKind, MeetingStatus

# As DATETIME_PATTERN, with the offset optional: a time without one is the scheme's local time.
LOCAL_DATETIME_PATTERN = DATETIME_PATTERN[:-len("$")] + "?$"
assert LOCAL_DATETIME_PATTERN.endswith(")?$")


class LocalDateTime(ma.fields.String):
    """A moment written as RFC 3339 says (or as ISO 8601 allows apps to: a space for the ``T``, no
    seconds, up to nanoseconds), with or without its UTC offset: one without is read in the
    scheme's time zone (by the service). Described as a string with its pattern, since JSON
    Schema's ``date-time`` needs the offset."""

    _moment = ma.fields.DateTime()

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": LOCAL_DATETIME_PATTERN, **(kwargs.get("metadata") or {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(LOCAL_DATETIME_PATTERN, text):
            raise ma.ValidationError("Not a valid datetime.")
        try:
            result = self._moment.deserialize(text, attr, data)
        except ma.ValidationError:  # as written, but no such day (30 February)
            raise ma.ValidationError("No such day in the calendar.") from None
        if not EARLIEST_DATE.year < result.year < LATEST_DATE.year:
            raise ma.ValidationError(f"Must be between {EARLIEST_DATE.year + 1} and {LATEST_DATE.year - 1}.")
        return result


_LOCAL = ("An ISO 8601 date and time; without an offset it is read in the scheme's time zone "
          "(e.g. `2027-01-12T14:00:00`).")


class NewMeetingSchema(Schema):
    meeting_id = ma.fields.UUID(metadata={
        "description": "An id the client chose, so that sending the same request again plans no second meeting."})
    kind = ma.fields.Enum(MeetingKind, by_value=True, required=True)
    starts_at = LocalDateTime(required=True, metadata={"description": _LOCAL})
    ends_at = LocalDateTime(required=True, metadata={"description": f"After `starts_at`. {_LOCAL}"})
    place = bounded_string(200, required=True, metadata={"description": "Where: a short text."})
    coordinator_attends = StrictBoolean(load_default=False, metadata={
        "description": "Whether a coordinator will be there."})
    coordinator_notes = bounded_string(5000, allow_none=True, load_default=None, metadata={
        "description": "The coordinators' own notes: never shown to the householder, the sharer or a "
                       "representative."})


class MoveMeetingSchema(Schema):
    starts_at = LocalDateTime(required=True, metadata={"description": _LOCAL})
    ends_at = LocalDateTime(required=True, metadata={"description": f"After `starts_at`. {_LOCAL}"})
    place = bounded_string(200, metadata={"description": "A new place, if it changes too."})


class MeetingNotesSchema(Schema):
    notes = bounded_string(5000, required=True, allow_none=True, metadata={
        "description": "The coordinators' notes (null empties them)."})


class FeedbackSchema(Schema):
    how_it_went = StrictInteger(required=True, validate=validate.Range(min=1, max=5), metadata={
        "description": "How the meeting went, 1 (badly) to 5 (very well)."})
    carry_on = ma.fields.Enum(CarryOn, by_value=True, required=True, metadata={
        "description": "Would you like to carry on towards sharing a home?"})
    comments = bounded_string(2000, allow_none=True, load_default=None)


class FeedbackRequestSchema(FeedbackSchema):
    on_behalf = on_behalf_field()


class FeedbackViewSchema(FeedbackSchema):
    side = ma.fields.String(metadata={"description": "`householder` or `sharer`."})
    given_at = ma.fields.AwareDateTime()
    given_as = ma.fields.Enum(GivenAs, by_value=True, metadata={
        "description": "`self`: the person in the app; `on-behalf`: a coordinator recorded their view; "
                       "`proxy`: their representative gave it."})
    on_behalf = on_behalf_list("Who gave the feedback for the person, how and when, oldest first.")


class _MeetingBaseSchema(Schema):
    id = ma.fields.UUID()
    match_id = ma.fields.UUID()
    kind = ma.fields.Enum(MeetingKind, by_value=True)
    status = ma.fields.Enum(MeetingStatus, by_value=True, metadata={
        "description": "`moved`: planned again at another time (`previous_starts_at` is the start before)."})
    starts_at = ma.fields.AwareDateTime(attribute="local_starts_at", metadata={
        "description": "With the offset of the scheme's time zone."})
    ends_at = ma.fields.AwareDateTime(attribute="local_ends_at", metadata={
        "description": "With the offset of the scheme's time zone."})
    previous_starts_at = ma.fields.AwareDateTime(attribute="local_previous_starts_at", allow_none=True, metadata={
        "description": "The start before the last move; null until it is moved."})
    timezone = ma.fields.String(metadata={"description": "The scheme's time zone (IANA name)."})
    place = ma.fields.String(allow_none=True, metadata={"description": "Null once erased."})
    coordinator_attends = ma.fields.Boolean()
    sequence = ma.fields.Integer(metadata={"description": "Counts the moves and cancellations."})


class MeetingSchema(_MeetingBaseSchema):
    """A meeting as coordinators see it: both sides' feedback and their own notes."""

    coordinator_notes = ma.fields.String(allow_none=True)
    feedback = ma.fields.List(ma.fields.Nested(FeedbackViewSchema))
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class OwnMeetingSchema(_MeetingBaseSchema):
    """A meeting as one side sees it: its own feedback only, and no coordinator notes."""

    your_feedback = ma.fields.Nested(FeedbackViewSchema, allow_none=True)
