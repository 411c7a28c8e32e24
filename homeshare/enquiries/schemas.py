"""Request and response bodies of the enquiry endpoints."""

from __future__ import annotations

import marshmallow as ma

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import BoundedDate, Schema, bounded_string
from homeshare.enquiries.models import ClosedReason, Seeking, Source, Stage, allowed_next

_NAME = {"description": "The person the enquiry is about."}
_CONTACT = {"description": "How to reach them or whoever enquired: a phone number, an email, in words."}
_CONTACT_NAME = {"description": "Who enquired, when not the person themselves (\"Anna, daughter\")."}
_SEEKING = {"description": "The role the person would take."}
_ERASED = "null once the person the enquiry became was erased."


class EnquiryCreateSchema(Schema):
    name = bounded_string(200, required=True, metadata=_NAME)
    contact = bounded_string(200, required=True, metadata=_CONTACT)
    contact_name = bounded_string(200, allow_none=True, metadata=_CONTACT_NAME)
    seeking = ma.fields.Enum(Seeking, by_value=True, required=True, metadata=_SEEKING)
    source = ma.fields.Enum(Source, by_value=True, required=True, metadata={"description": "How it reached the scheme."})
    notes = bounded_string(5000, allow_none=True)
    owner_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "The coordinator of the scheme who owns it; you, unless given (null: nobody yet)."})
    enquiry_on = BoundedDate(metadata={
        "description": "The day it came in: today in the scheme's time zone unless given; not in the future."})


class EnquiryChangeSchema(Schema):
    name = bounded_string(200, metadata=_NAME)
    contact = bounded_string(200, metadata=_CONTACT)
    contact_name = bounded_string(200, allow_none=True, metadata=_CONTACT_NAME)
    seeking = ma.fields.Enum(Seeking, by_value=True, metadata=_SEEKING)
    source = ma.fields.Enum(Source, by_value=True)
    notes = bounded_string(5000, allow_none=True)
    owner_id = ma.fields.UUID(allow_none=True, metadata={
        "description": "A coordinator of the scheme, or null for nobody."})


class StageChangeSchema(Schema):
    stage = ma.fields.Enum(Stage, by_value=True, required=True)
    on = BoundedDate(metadata={
        "description": "The day it reached the stage: today in the scheme's time zone unless given; not in the "
                       "future, nor before the day of the stage it is in."})
    closed_reason = ma.fields.Enum(ClosedReason, by_value=True, metadata={
        "description": "Why it closed: given when, and only when, `stage` is `closed`."})


class EnquirySchema(Schema):
    id = ma.fields.UUID()
    scheme_id = ma.fields.UUID()
    name = ma.fields.String(allow_none=True, metadata={"description": f"{_NAME['description']} {_ERASED}"})
    contact = ma.fields.String(allow_none=True, metadata={"description": _ERASED})
    contact_name = ma.fields.String(allow_none=True)
    seeking = ma.fields.Enum(Seeking, by_value=True)
    source = ma.fields.Enum(Source, by_value=True)
    notes = ma.fields.String(allow_none=True)
    owner_id = ma.fields.UUID(allow_none=True)
    stage = ma.fields.Enum(Stage, by_value=True)
    closed_reason = ma.fields.Enum(ClosedReason, by_value=True, allow_none=True)
    enquiry_on = ma.fields.Date()
    application_on = ma.fields.Date(allow_none=True)
    assessment_on = ma.fields.Date(allow_none=True)
    approved_on = ma.fields.Date(allow_none=True)
    closed_on = ma.fields.Date(allow_none=True)
    next_stages = ma.fields.Method("_next_stages", metadata={
        "description": "The stages it may move to now.",
        "type": "array", "items": {"type": "string", "enum": [stage.value for stage in Stage]}})
    person_id = ma.fields.UUID(allow_none=True, metadata={"description": "The person it became, once converted."})
    person_erased = ma.fields.Boolean(metadata={"description": "The person it became was erased."})
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()

    def _next_stages(self, enquiry) -> list[str]:
        return [stage.value for stage in allowed_next(enquiry.stage)]


class EnquiryQuerySchema(PageQuerySchema):
    stage = ma.fields.Enum(Stage, by_value=True)
    owner_id = ma.fields.UUID()
    waiting = ma.fields.Boolean(load_default=False, metadata={
        "description": "Only the open ones that stayed in their stage longer than the scheme's "
                       "`enquiry_waiting_days`."})


class PublicEnquirySchema(Schema):
    name = bounded_string(200, required=True, metadata={"description": "Your name, or the person's you ask for."})
    contact = bounded_string(200, required=True, metadata={"description": "A phone number or an email to reach you."})
    seeking = ma.fields.Enum(Seeking, by_value=True, required=True, metadata={
        "description": "`householder`: someone with a room who would like help and company; `sharer`: someone "
                       "who would give help for a room."})
    message = bounded_string(5000, metadata={"description": "Anything you would like to tell the scheme."})
    website = bounded_string(200, min_length=0, metadata={
        "description": "Leave empty: a form hides this field from people."})


class ConversionSchema(Schema):
    first_name = bounded_string(100, metadata={"description": "Default: the enquiry's name up to its last word."})
    last_name = bounded_string(100, metadata={"description": "Default: the last word of the enquiry's name."})
