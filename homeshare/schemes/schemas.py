from __future__ import annotations

import marshmallow as ma

from homeshare.common.schemas import FullMatch, Schema, bounded_string
from homeshare.schemes.models import DEFAULT_TIMEZONE
from homeshare.schemes.settings import SchemeSettingsChangeSchema, SchemeSettingsSchema
from homeshare.schemes.timezones import validate_timezone

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$"


class SchemeSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    slug = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    timezone = ma.fields.String(dump_only=True)
    settings = ma.fields.Nested(
        SchemeSettingsSchema, attribute="effective_settings",
        metadata={"description": "Every setting, with defaults filled in."},
    )
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
