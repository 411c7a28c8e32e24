"""A scheme's settings: one schema holds every setting, its bounds and its default.

A scheme stores only the values it chose; reading fills in the defaults, so adding a
setting needs no data migration and a changed default reaches every scheme that kept it.

Defaults follow common Homeshare practice: sharers 18 or older, background checks
renewed every three years, a trial of four weeks,
a first contact three days after move-in, weekly check-ins during the trial and one in its
last week, monthly for six months after it and every two months from then on, and reviews at
three, six and twelve months and every twelve months after that.
"""

from __future__ import annotations

import functools
import json
import pickle
from typing import Any, Mapping

import marshmallow as ma
from marshmallow import validate

from homeshare.common.languages import ENGLISH, LANGUAGES
from homeshare.common.schemas import Schema, StrictBoolean, StrictInteger

_age = validate.Range(min=18, max=120)

QUESTIONNAIRE_INSTRUMENTS = ("swemwbs", "ucla3", "scheme_items")
"""The instruments a scheme may ask (declared in ``homeshare.questionnaires.instruments``)."""


class CheckinCadenceSchema(Schema):
    first_contact_days = StrictInteger(
        load_default=3, validate=validate.Range(min=1, max=30),
        metadata={"description": "Days after move-in of the first contact."},
    )
    trial_every_days = StrictInteger(
        load_default=7, validate=validate.Range(min=1, max=60),
        metadata={"description": "Days between check-ins during the trial."},
    )
    after_trial_every_months = StrictInteger(
        load_default=1, validate=validate.Range(min=1, max=6),
        metadata={"description": "Calendar months between check-ins after the trial, counted from its end."},
    )
    settled_after_months = StrictInteger(
        load_default=6, validate=validate.Range(min=0, max=60),
        metadata={"description": "Months after the trial's end from which check-ins follow "
                                 "settled_every_months instead."},
    )
    settled_every_months = StrictInteger(
        load_default=2, validate=validate.Range(min=1, max=12),
        metadata={"description": "Calendar months between check-ins once the match has settled."},
    )
    review_after_months = ma.fields.List(
        StrictInteger(validate=validate.Range(min=1, max=60)),
        load_default=lambda: [3, 6, 12], validate=validate.Length(max=12),
        metadata={"description": "Months after the trial started of the first reviews. A review replaces a "
                                 "check-in within 7 days of it."},
    )
    review_every_months = StrictInteger(
        load_default=12, validate=validate.Range(min=1, max=24),
        metadata={"description": "Months between reviews after the listed ones."},
    )


_weight = validate.Range(min=0, max=100)


class MatchingWeightsSchema(Schema):
    """How much each soft factor counts in a compatibility score (relative weights)."""

    distance = StrictInteger(load_default=25, validate=_weight, metadata={
        "description": "Closeness of the home to the sharer's place of study or work."})
    hours = StrictInteger(load_default=20, validate=_weight, metadata={
        "description": "Hours offered against hours wanted."})
    tasks = StrictInteger(load_default=20, validate=_weight, metadata={
        "description": "Share of the wanted tasks the sharer offers."})
    overnight = StrictInteger(load_default=10, validate=_weight, metadata={
        "description": "Presence at night where the householder wants it."})
    interests = StrictInteger(load_default=10, validate=_weight, metadata={
        "description": "Interests in common (three or more count fully)."})
    languages = StrictInteger(load_default=5, validate=_weight, metadata={
        "description": "A language in common."})
    lifestyle = StrictInteger(load_default=10, validate=_weight, metadata={
        "description": "Daily rhythm and wish for a quiet home."})

    @ma.validates_schema
    def _something_counts(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if len(data) == len(self.fields) and not any(data.values()):
            raise ma.ValidationError("At least one weight must be above zero.")


class SchemeSettingsSchema(Schema):
    min_householder_age = StrictInteger(
        load_default=18, validate=_age,
        metadata={"description": "Youngest age at which a householder may register."},
    )
    min_sharer_age = StrictInteger(
        load_default=18, validate=_age,
        metadata={"description": "Youngest age at which a sharer may register."},
    )
    max_sharer_age = StrictInteger(
        load_default=None, allow_none=True, validate=_age,
        metadata={"description": "Oldest age for a sharer, if the scheme sets one."},
    )
    trial_length_days = StrictInteger(
        load_default=28, validate=validate.Range(min=7, max=120),
        metadata={"description": "Length of the trial period of a match."},
    )
    max_open_offers = StrictInteger(
        load_default=3, validate=validate.Range(min=1, max=10),
        metadata={"description": "How many proposals and introductions a person may be in at once; "
                                 "starting one trial withdraws the others."},
    )
    trial_review_required = StrictBoolean(
        load_default=True,
        metadata={"description": "Whether a match becomes active only through its trial review's `activate` "
                                 "decision; when false, coordinators may also activate a match directly."},
    )
    householder_background_check = StrictBoolean(
        load_default=False,
        metadata={"description": "Whether householders also need an enhanced background check."},
    )
    background_check_renewal_years = StrictInteger(
        load_default=3, validate=validate.Range(min=1, max=10),
        metadata={"description": "Years a background check stays valid from its issue date."},
    )
    max_hours_per_week = StrictInteger(
        load_default=15, validate=validate.Range(min=1, max=40),
        metadata={"description": "The most hours a week an agreement sets without a reason: above it, the "
                                 "coordinator gives `hours_reason` (40 at most, whatever the reason)."},
    )
    hours_shortfall_percent = StrictInteger(
        load_default=80, validate=validate.Range(min=1, max=100),
        metadata={"description": "A week below this share of the agreed hours counts as short."},
    )
    hours_shortfall_weeks = StrictInteger(
        load_default=2, validate=validate.Range(min=1, max=12),
        metadata={"description": "Consecutive short weeks that flag a match for its coordinator."},
    )
    hours_over_agreed_percent = StrictInteger(
        load_default=50, validate=validate.Range(min=1, max=500),
        metadata={"description": "A week whose hours exceed the agreed hours (prorated for absences) by more "
                                 "than this share of them is flagged, and its coordinators told once."},
    )
    long_absence_alert_days = StrictInteger(
        load_default=28, validate=validate.Range(min=1, max=365),
        metadata={"description": "An absence longer than this many days alerts the coordinators once."},
    )
    checkin_low_score = StrictInteger(
        load_default=3, validate=validate.Range(min=1, max=5),
        metadata={"description": "A check-in score at or below this alerts the coordinators at once."},
    )
    checkin_grace_days = StrictInteger(
        load_default=3, validate=validate.Range(min=1, max=30),
        metadata={"description": "Days after a check-in is due before it is overdue and escalated."},
    )
    checkin_opens_days_before = StrictInteger(
        load_default=3, validate=validate.Range(min=0, max=30),
        metadata={"description": "Days before a check-in is due from which it can be answered."},
    )
    reminder_hour = StrictInteger(
        load_default=9, validate=validate.Range(min=6, max=21),
        metadata={"description": "Local hour at which reminders go out."},
    )
    enquiry_waiting_days = StrictInteger(
        load_default=14, validate=validate.Range(min=1, max=90),
        metadata={"description": "Days an open enquiry may stay in its stage before the dashboard lists it as "
                                 "waiting."},
    )
    rematch_within_days = StrictInteger(
        load_default=90, validate=validate.Range(min=1, max=730),
        metadata={"description": "Days after a match ends within which a new trial of one of its people counts "
                                 "as a rematch in the scheme's measures."},
    )
    invitation_days = StrictInteger(
        load_default=14, validate=validate.Range(min=1, max=60),
        metadata={"description": "Days an invitation to get a login stays valid."},
    )
    questionnaire_instruments = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(QUESTIONNAIRE_INSTRUMENTS)),
        load_default=lambda: list(QUESTIONNAIRE_INSTRUMENTS),
        validate=validate.Length(max=len(QUESTIONNAIRE_INSTRUMENTS)),
        metadata={"description": "The questionnaires' instruments the scheme asks, at approval and 3, 6 and 12 "
                                 "months into a match and at its end: `swemwbs` (register its use with Warwick "
                                 "Medical School first), `ucla3` (loneliness), `scheme_items` (satisfaction with "
                                 "the match, feeling safe at home). Empty: no questionnaires."},
    )
    default_language = ma.fields.String(
        load_default=ENGLISH, validate=validate.OneOf(LANGUAGES),
        metadata={"description": "The language new people of the scheme are written to in (`en` English, `cy` "
                                 "Welsh); each person may change theirs."},
    )
    checkin_cadence = ma.fields.Nested(
        CheckinCadenceSchema, load_default=lambda: CheckinCadenceSchema().load({})
    )

    matching_weights = ma.fields.Nested(
        MatchingWeightsSchema, load_default=lambda: MatchingWeightsSchema().load({})
    )

    @ma.validates_schema
    def _instruments_once(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        chosen = data.get("questionnaire_instruments") or []
        if len(set(chosen)) != len(chosen):
            raise ma.ValidationError("Name each instrument once.", "questionnaire_instruments")

    @ma.validates_schema
    def _ages_in_order(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        low, high = data.get("min_sharer_age"), data.get("max_sharer_age")
        if low is not None and high is not None and high < low:
            raise ma.ValidationError("Must not be below min_sharer_age.", "max_sharer_age")


class CheckinCadenceChangeSchema(CheckinCadenceSchema):
    """The cadence a request sets; the values it leaves out keep theirs. (A class of its own,
    so that the description's response schema can say every value is always there.)"""


class MatchingWeightsChangeSchema(MatchingWeightsSchema):
    """The weights a request sets; the ones it leaves out keep their values."""


class SchemeSettingsChangeSchema(SchemeSettingsSchema):
    """The settings a request sets; the ones it leaves out keep their values."""

    checkin_cadence = ma.fields.Nested(
        CheckinCadenceChangeSchema, load_default=lambda: CheckinCadenceSchema().load({})
    )
    matching_weights = ma.fields.Nested(
        MatchingWeightsChangeSchema, load_default=lambda: MatchingWeightsSchema().load({})
    )


NESTED_SETTINGS = ("checkin_cadence", "matching_weights")


def _current(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Stored choices in today's names. ``checkin_cadence.after_trial_every_days`` (days between
    check-ins after the trial, until calendar months replaced it) is read as the nearest whole
    number of months, at least one; it is rewritten when the scheme's settings are next changed."""
    result = dict(stored or {})
    cadence = result.get("checkin_cadence")
    if isinstance(cadence, Mapping) and "after_trial_every_days" in cadence:
        cadence = dict(cadence)
        days = cadence.pop("after_trial_every_days")
        if isinstance(days, int) and not isinstance(days, bool):
            cadence.setdefault("after_trial_every_months", min(6, max(1, round(days / 30))))
        result["checkin_cadence"] = cadence
    return result


def resolved_settings(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored choices with every default filled in (a copy of its own for each caller).

    Loading them through the schema took 0.7 ms, and a request may ask for a scheme's settings
    several times (the dashboard three times); they are loaded once for each stored value and
    kept pickled: each caller's copy is unpickled, in a quarter of the time ``copy.deepcopy``
    took (4 µs against 15)."""
    return pickle.loads(_resolved(json.dumps(stored or {}, sort_keys=True)))


@functools.lru_cache(maxsize=256)
def _resolved(stored: str) -> bytes:
    loaded = SchemeSettingsSchema().load(_current(json.loads(stored)), unknown=ma.EXCLUDE)
    return pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)


def merged_settings(stored: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a partial change to stored settings; returns what to store.

    Raises ``marshmallow.ValidationError`` when the result breaks a rule.
    """
    result = _current(stored)
    for key, value in changes.items():
        if key in NESTED_SETTINGS and isinstance(value, Mapping):
            result[key] = {**result.get(key, {}), **value}
        else:
            result[key] = value
    SchemeSettingsSchema().load(result)  # validates the whole, cross-field rules included
    return result
