from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.common.languages import LANGUAGES
from homeshare.agreements.models import (
    HOUSE_RULE_LENGTH, HOUSE_RULE_TOPIC_LENGTH, MAX_HOUSE_RULES, FeePeriod, Term,
)
from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.matching.models import DEFAULT_NOTICE_DAYS, DEFAULT_TRIAL_NOTICE_DAYS
from homeshare.common.schemas import BoundedDate, Schema, StrictBoolean, StrictInteger, bounded_string
from homeshare.profiles.schemas import task_code

TERMS = ("hours_per_week", "hours_reason", "tasks", "monthly_contribution_pence", "start_on", "trial_length_days",
         "term", "term_ends_on", "review_on", "minimum_stay_months", "notice_days", "trial_notice_days",
         "nights_away_per_month", "days_off_per_week", "house_rules", "householder_fee", "sharer_fee",
         "householder_must_know", "sharer_must_know")
MAX_HOURS_PER_WEEK = 40
"""The most hours a week any agreement may set, whatever a scheme's cap and reason."""


class HouseRuleSchema(Schema):
    topic = bounded_string(HOUSE_RULE_TOPIC_LENGTH, required=True,
                           metadata={"description": "What the rule is about, e.g. `Guests` or `Kitchen`."})
    rule = bounded_string(HOUSE_RULE_LENGTH, required=True)


class FeeSchema(Schema):
    amount_pence = StrictInteger(required=True, validate=validate.Range(min=1, max=1_000_000),
                                 metadata={"description": "The amount, in pence."})
    period = ma.fields.String(required=True, validate=validate.OneOf([period.value for period in FeePeriod]),
                              metadata={"description": "What the amount is paid per; `one-off` is paid once."})


def _fee(side: str) -> ma.fields.Nested:
    return ma.fields.Nested(FeeSchema, allow_none=True, load_default=None, metadata={
        "description": f"The fee the {side} pays the scheme (recorded as agreed; no payment is taken), "
                       "or null for none."})


class AgreementTermsSchema(Schema):
    hours_per_week = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_HOURS_PER_WEEK), metadata={
        "description": "The sharer's hours of help a week. Above the scheme's `max_hours_per_week`, "
                       "`hours_reason` is required."})
    hours_reason = bounded_string(2000, allow_none=True, load_default=None, metadata={
        "description": "Why the hours exceed the scheme's `max_hours_per_week` (required then)."})
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
    trial_length_days = StrictInteger(
        load_default=None, validate=validate.Range(min=7, max=120), metadata={
            "description": "The trial's length in days (the scheme's `trial_length_days` unless given). The "
                           "trial ends this many days after it starts; the match holds its end date."})
    term = ma.fields.Enum(Term, by_value=True, load_default=Term.OPEN_ENDED, metadata={
        "description": "`open-ended` (until either side gives notice; the default) or `fixed` (to "
                       "`term_ends_on`)."})
    term_ends_on = BoundedDate(allow_none=True, load_default=None, metadata={
        "description": "The last day of a fixed term: required for a `fixed` term, refused for an open-ended one."})
    review_on = BoundedDate(allow_none=True, load_default=None, metadata={
        "description": "When both sides and the coordinator review the agreement, if set."})
    minimum_stay_months = StrictInteger(allow_none=True, load_default=None, validate=validate.Range(min=1, max=60),
                                        metadata={"description": "The least the sharer agrees to stay, in months."})
    notice_days = StrictInteger(load_default=DEFAULT_NOTICE_DAYS, validate=validate.Range(min=0, max=180), metadata={
        "description": "The notice either side gives once the match is active, in days (28 unless given)."})
    trial_notice_days = StrictInteger(
        load_default=DEFAULT_TRIAL_NOTICE_DAYS, validate=validate.Range(min=0, max=180),
        metadata={"description": "The notice either side gives during the trial, in days (7 unless given)."})
    nights_away_per_month = StrictInteger(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=31),
        metadata={"description": "The nights a month the sharer may spend away from the home."})
    days_off_per_week = StrictInteger(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=7),
        metadata={"description": "The sharer's days off a week, when no help is expected."})
    house_rules = ma.fields.List(
        ma.fields.Nested(HouseRuleSchema), load_default=list, validate=validate.Length(max=MAX_HOUSE_RULES),
        metadata={"description": "The house rules, each a topic and the rule, in the order they are shown."})
    householder_fee = _fee("householder")
    sharer_fee = _fee("sharer")
    householder_must_know = bounded_string(5000, allow_none=True, load_default=None,
                                           metadata={"description": "What the householder must know."})
    sharer_must_know = bounded_string(5000, allow_none=True, load_default=None,
                                      metadata={"description": "What the sharer must know."})


class AgreedHouseRuleSchema(HouseRuleSchema):
    """A house rule as a version holds it. (A class of its own, so that the description's
    response schema can say every field is always there.)"""


class AgreedFeeSchema(FeeSchema):
    """A fee to the scheme as a version holds it."""


class AgreementVersionSchema(AgreementTermsSchema):
    number = StrictInteger(dump_only=True)
    trial_length_days = StrictInteger(dump_only=True, metadata={"description": "The trial's length in days."})
    house_rules = ma.fields.List(ma.fields.Nested(AgreedHouseRuleSchema), dump_only=True, metadata={
        "description": "The house rules, each a topic and the rule, in the order they are shown."})
    householder_fee = ma.fields.Nested(AgreedFeeSchema, dump_only=True, allow_none=True, metadata={
        "description": "The fee the householder pays the scheme, or null for none."})
    sharer_fee = ma.fields.Nested(AgreedFeeSchema, dump_only=True, allow_none=True, metadata={
        "description": "The fee the sharer pays the scheme, or null for none."})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    householder_accepted_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    sharer_accepted_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    accepted_by_both = StrictBoolean(dump_only=True)
    on_behalf = on_behalf_list("The acceptances given for someone by someone else, oldest first.")


class AgreementSchema(Schema):
    match_id = ma.fields.UUID(dump_only=True)
    trial_ends_on = BoundedDate(dump_only=True, allow_none=True, metadata={
        "description": "The last day of the match's trial, as the match holds it; null before the trial starts."})
    current = ma.fields.Nested(AgreementVersionSchema, dump_only=True, allow_none=True)
    baseline = ma.fields.Nested(AgreementVersionSchema, dump_only=True, allow_none=True, metadata={
        "description": "The newest version both sides accepted: what the match is measured against."})
    versions = ma.fields.List(ma.fields.Nested(AgreementVersionSchema), dump_only=True)


class AcceptanceSchema(Schema):
    version = StrictInteger(required=True, validate=validate.Range(min=1),
                                metadata={"description": "The version number you read and accept."})
    on_behalf = on_behalf_field()


class AgreementPdfQuerySchema(Schema):
    version = ma.fields.Integer(strict=False, validate=validate.Range(min=1, max=100_000), metadata={
        "description": "The version to print (the current one unless given)."})
    language = ma.fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The language to print it in: `en` (English) or `cy` (Welsh). By default, the language of "
                       "whoever asks (their account's `language`)."})
