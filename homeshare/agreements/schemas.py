from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.matching.models import DEFAULT_NOTICE_DAYS, DEFAULT_TRIAL_NOTICE_DAYS
from homeshare.common.schemas import BoundedDate, Schema, StrictBoolean, StrictInteger, bounded_string
from homeshare.profiles.schemas import task_code

TERMS = ("hours_per_week", "tasks", "monthly_contribution_pence", "start_on", "trial_ends_on",
         "notice_days", "trial_notice_days", "house_rules", "householder_must_know", "sharer_must_know")


class AgreementTermsSchema(Schema):
    hours_per_week = StrictInteger(required=True, validate=validate.Range(min=1, max=40))
    tasks = ma.fields.List(
        task_code(), required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Codes from GET /api/v1/tasks. Personal care is refused."},
    )
    monthly_contribution_pence = StrictInteger(
        load_default=0, validate=validate.Range(min=0, max=100_000),
        metadata={"description": "Any monthly contribution to household bills, in pence."},
    )
    start_on = BoundedDate(required=True)
    trial_ends_on = BoundedDate(required=True)
    notice_days = StrictInteger(load_default=DEFAULT_NOTICE_DAYS, validate=validate.Range(min=0, max=180), metadata={
        "description": "The notice either side gives once the match is active, in days (28 unless given)."})
    trial_notice_days = StrictInteger(
        load_default=DEFAULT_TRIAL_NOTICE_DAYS, validate=validate.Range(min=0, max=180),
        metadata={"description": "The notice either side gives during the trial, in days (7 unless given)."})
    house_rules = bounded_string(5000, allow_none=True, load_default=None)
    householder_must_know = bounded_string(5000, allow_none=True, load_default=None,
                                           metadata={"description": "What the householder must know."})
    sharer_must_know = bounded_string(5000, allow_none=True, load_default=None,
                                      metadata={"description": "What the sharer must know."})


class AgreementVersionSchema(AgreementTermsSchema):
    number = StrictInteger(dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    householder_accepted_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    sharer_accepted_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    accepted_by_both = StrictBoolean(dump_only=True)
    on_behalf = on_behalf_list("The acceptances given for someone by someone else, oldest first.")


class AgreementSchema(Schema):
    match_id = ma.fields.UUID(dump_only=True)
    current = ma.fields.Nested(AgreementVersionSchema, dump_only=True, allow_none=True)
    baseline = ma.fields.Nested(AgreementVersionSchema, dump_only=True, allow_none=True, metadata={
        "description": "The newest version both sides accepted: what the match is measured against."})
    versions = ma.fields.List(ma.fields.Nested(AgreementVersionSchema), dump_only=True)


class AcceptanceSchema(Schema):
    version = StrictInteger(required=True, validate=validate.Range(min=1),
                                metadata={"description": "The version number you read and accept."})
    on_behalf = on_behalf_field()
