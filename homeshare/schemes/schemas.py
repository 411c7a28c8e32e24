from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.common.schemas import FullMatch, Schema, bounded_string
from homeshare.schemes.models import DEFAULT_TIMEZONE
from homeshare.schemes.settings import SchemeSettingsChangeSchema, SchemeSettingsSchema
from homeshare.schemes.timezones import validate_timezone

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$"


PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{4,28}$"


class SchemeContactSchema(Schema):
    """How a scheme's people reach it; each part null until its coordinators set it."""

    phone = ma.fields.String(allow_none=True, metadata={"description": "The scheme's phone number, as given."})
    email = ma.fields.String(allow_none=True)
    office_hours = ma.fields.String(allow_none=True, metadata={
        "description": "When the office answers, in words (\"Monday to Friday, 9am to 5pm\")."})
    emergency = ma.fields.String(allow_none=True, metadata={
        "description": "What to do in an emergency or out of hours, in words."})


class SchemeContactChangeSchema(Schema):
    phone = bounded_string(30, allow_none=True, validate_also=FullMatch(
        PHONE_PATTERN, error="A phone number: digits, spaces, brackets and hyphens, with an optional leading +."))
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    office_hours = bounded_string(500, allow_none=True)
    emergency = bounded_string(1000, allow_none=True)


class SchemeSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    slug = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    timezone = ma.fields.String(dump_only=True)
    settings = ma.fields.Nested(
        SchemeSettingsSchema, attribute="effective_settings",
        metadata={"description": "Every setting, with defaults filled in."},
    )
    contact = ma.fields.Nested(SchemeContactSchema, dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)


class SchemeSummarySchema(Schema):
    """What every member of a scheme may see about it."""

    id = ma.fields.UUID(dump_only=True)
    slug = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    timezone = ma.fields.String(dump_only=True)


class SchemeCreateSchema(Schema):
    slug = ma.fields.String(
        required=True,
        validate=FullMatch(SLUG_PATTERN, error="Use 3 to 50 lowercase letters, digits and hyphens."),
    )
    name = bounded_string(200, required=True)
    timezone = ma.fields.String(load_default=DEFAULT_TIMEZONE, validate=validate_timezone)
    settings = ma.fields.Nested(SchemeSettingsChangeSchema(partial=True), load_default=dict)


class SchemeUpdateSchema(Schema):
    name = bounded_string(200)
    timezone = ma.fields.String(validate=validate_timezone)
    settings = ma.fields.Nested(
        SchemeSettingsChangeSchema(partial=True),
        metadata={"description": "Only the settings to change; the others keep their values."},
    )
    contact = ma.fields.Nested(SchemeContactChangeSchema(partial=True), metadata={
        "description": "Only the parts of the contact details to change; null clears one."})
