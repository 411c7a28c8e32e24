from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from homeshare.common.roles import Role
from homeshare.common.schemas import (
    FullMatch,
    BoundedDate, Schema, StrictBoolean, StrictFloat, StrictInteger, TrimmedString, bounded_string,
)
from homeshare.places.service import normalise_postcode
from homeshare.profiles.vocabulary import DAILY_RHYTHMS, GENDERS, OCCUPATIONS, TASK_CODE_LIST
from homeshare.common.roles import MEMBER_ROLES
from homeshare.common.pagination import PageQuerySchema
from homeshare.vetting.models import VettingStatus

_PHONE = FullMatch(r"^\+?[0-9 ()-]{6,20}$", error="Use digits, spaces, brackets, hyphens and a leading +.")


# An https address of a picture: a host name with a dot, then printable characters only.
PHOTO_URL = r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:[0-9]{1,5})?([/?#][!-~]*)?$"

# A UK postcode as people type it: either case, spaces anywhere (the API description says so).
POSTCODE_INPUT = r"^ *[A-Za-z] *([A-Za-z] *)?[0-9] *([A-Za-z0-9] *)?[0-9] *[A-Za-z] *[A-Za-z] *$"


class Postcode(ma.fields.String):
    """A UK postcode, stored in its canonical spelling (``SW1A 1AA``)."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "metadata": {"pattern": POSTCODE_INPUT, **(kwargs.get("metadata") or {})}})

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        postcode = normalise_postcode(raw) if re.fullmatch(POSTCODE_INPUT, raw) else None
        if postcode is None:
            raise ma.ValidationError("Not a UK postcode, such as SW1A 1AA.")
        return postcode


class Word(TrimmedString):
    """A short free-text item (an interest, a language) with its spaces tidied."""

    def tidy(self, text: str) -> str:
        return " ".join(text.split())


def _words(max_items: int, max_length: int = 40, **kwargs) -> ma.fields.List:
    return ma.fields.List(Word(validate=validate.Length(min=1, max=max_length), sent_max_length=max_length,
                               not_blank=True),
                          validate=validate.Length(max=max_items), **kwargs)


def task_code(description: str = "A code from GET /api/v1/tasks.", **kwargs) -> ma.fields.String:
    """A task code. The description lists the codes; the services check them, so that personal
    care is refused with the reason rather than as merely unknown."""
    return ma.fields.String(validate=validate.Length(min=1, max=40),
                            metadata={"description": description, "enum": list(TASK_CODE_LIST)}, **kwargs)


def _tasks(**kwargs) -> ma.fields.List:
    return ma.fields.List(
        task_code(),
        validate=validate.Length(max=20),
        metadata={"description": "Codes from GET /api/v1/tasks. Personal care is refused."},
        **kwargs,
    )


class HouseholderDetailsSchema(Schema):
    room_furnished = StrictBoolean(allow_none=True)
    room_own_bathroom = StrictBoolean(allow_none=True)
    room_step_free = StrictBoolean(allow_none=True)
    room_available_from = BoundedDate(allow_none=True)
    tasks_wanted = _tasks()
    hours_wanted_per_week = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=40))
    nights_at_home_per_week = StrictInteger(allow_none=True, validate=validate.Range(min=0, max=7))
    things_to_know = bounded_string(2000, allow_none=True, metadata={
        "description": "What a sharer must know, e.g. a cat in the house, a hearing impairment."})


class SharerDetailsSchema(Schema):
    tasks_offered = _tasks()
    hours_offered_per_week = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=40))
    move_in_on = BoundedDate(allow_none=True)
    stay_months = StrictInteger(allow_none=True, validate=validate.Range(min=1, max=120),
                                    metadata={"description": "How long the sharer wants to stay."})
    max_distance_km = StrictFloat(allow_none=True, validate=validate.Range(min=0.5, max=200),
                                      metadata={"description": "Furthest from the place of study or work."})
    base_name = bounded_string(200, metadata={"description": "Place of study or work."}, allow_none=True)
    base_latitude = StrictFloat(allow_none=True, validate=validate.Range(min=-90, max=90))
    base_longitude = StrictFloat(allow_none=True, validate=validate.Range(min=-180, max=180))
    occupation = ma.fields.String(allow_none=True, validate=validate.OneOf(OCCUPATIONS))


class ProfileFieldsSchema(Schema):
    """The fields a householder or a sharer fills in (all optional in a change)."""

    first_name = bounded_string(100, allow_none=True)
    last_name = bounded_string(100, allow_none=True)
    preferred_name = bounded_string(100, allow_none=True)
    date_of_birth = BoundedDate(allow_none=True)
    phone = bounded_string(30, validate_also=_PHONE, allow_none=True)
    address_line1 = bounded_string(200, allow_none=True)
    address_line2 = bounded_string(200, allow_none=True)
    town = bounded_string(100, allow_none=True)
    postcode = Postcode(allow_none=True, validate=validate.Length(max=10))
    latitude = StrictFloat(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = StrictFloat(allow_none=True, validate=validate.Range(min=-180, max=180))
    bio = bounded_string(2000, allow_none=True)
    interests = _words(20)
    languages = _words(10)
    smoker = StrictBoolean(allow_none=True)
    has_pets = StrictBoolean(allow_none=True, metadata={"description": "Keeps pets at home."})
    accepts_pets = StrictBoolean(allow_none=True, metadata={"description": "Is happy to live with pets."})
    dietary_needs = bounded_string(200, allow_none=True)
    daily_rhythm = ma.fields.String(allow_none=True, validate=validate.OneOf(DAILY_RHYTHMS))
    quiet_home = StrictBoolean(allow_none=True, metadata={"description": "Wants or keeps a quiet home."})
    gender = ma.fields.String(allow_none=True, validate=validate.OneOf(GENDERS))
    gender_preference = ma.fields.List(
        ma.fields.String(validate=validate.OneOf(GENDERS)), validate=validate.Length(max=len(GENDERS)),
        metadata={"description": "Genders acceptable in the other person; empty for no preference."},
    )
    photo_url = ma.fields.String(
        allow_none=True,
        validate=[validate.Length(min=1, max=500), FullMatch(PHOTO_URL, error="Not an https URL.")],
        metadata={"format": "uri", "pattern": PHOTO_URL},
    )


class HouseholderDetailsChangeSchema(HouseholderDetailsSchema):
    """A householder's details in a change: only the fields sent change. (A class of its own,
    so that the description's response schema can say every field is always there.)"""


class SharerDetailsChangeSchema(SharerDetailsSchema):
    """A sharer's details in a change: only the fields sent change."""


class ProfileUpdateSchema(ProfileFieldsSchema):
    householder = ma.fields.Nested(HouseholderDetailsChangeSchema, metadata={"description": "Householders only."})
    sharer = ma.fields.Nested(SharerDetailsChangeSchema, metadata={"description": "Sharers only."})


class NewPersonSchema(ProfileUpdateSchema):
    role = ma.fields.String(required=True, validate=validate.OneOf([role.value for role in MEMBER_ROLES]))
    person_id = ma.fields.UUID(metadata={
        "description": "An id the client chose, so that sending the same request again adds no second person."})


class CompletenessSchema(Schema):
    ready_for_vetting = StrictBoolean(required=True)
    missing_for_vetting = ma.fields.List(ma.fields.String(), required=True)
    ready_for_matching = StrictBoolean(required=True)
    missing_for_matching = ma.fields.List(ma.fields.String(), required=True)


class ProfileSchema(ProfileFieldsSchema):
    person_id = ma.fields.UUID(attribute="account_id", dump_only=True)
    role = ma.fields.Enum(Role, by_value=True, dump_only=True)
    location_source = ma.fields.String(
        dump_only=True, allow_none=True,
        metadata={"description": "`app` when given by the app, `postcode` when taken from the postcode district."},
    )
    householder = ma.fields.Nested(
        HouseholderDetailsSchema, attribute="householder_details", allow_none=True,
        metadata={"description": "A householder's details; null for a sharer."},
    )
    sharer = ma.fields.Nested(
        SharerDetailsSchema, attribute="sharer_details", allow_none=True,
        metadata={"description": "A sharer's details; null for a householder."},
    )
    completeness = ma.fields.Nested(CompletenessSchema, dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class TaskSchema(Schema):
    code = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    description = ma.fields.String(required=True)


class PeopleQuerySchema(PageQuerySchema):
    role = ma.fields.String(validate=validate.OneOf([role.value for role in MEMBER_ROLES]))
    vetting_status = ma.fields.Enum(VettingStatus, by_value=True)
    expiring_within_days = ma.fields.Integer(
        validate=validate.Range(min=0, max=366),
        metadata={"description": "Only people with a valid check expiring within this many days."},
    )
    ready_for_vetting = ma.fields.Boolean()
    ready_for_matching = ma.fields.Boolean()


class PersonSummarySchema(Schema):
    person_id = ma.fields.UUID(attribute="profile.account_id")
    role = ma.fields.Enum(Role, by_value=True, attribute="profile.role")
    email = ma.fields.String(attribute="profile.account.email", allow_none=True, metadata={
        "description": "Their login; null for a person without one (added by a coordinator)."})
    has_login = ma.fields.Boolean(attribute="profile.account.has_login")
    is_active = ma.fields.Boolean(attribute="profile.account.is_active")
    first_name = ma.fields.String(attribute="profile.first_name", allow_none=True)
    last_name = ma.fields.String(attribute="profile.last_name", allow_none=True)
    preferred_name = ma.fields.String(attribute="profile.preferred_name", allow_none=True)
    postcode = ma.fields.String(attribute="profile.postcode", allow_none=True)
    vetting_status = ma.fields.Enum(VettingStatus, by_value=True)
    next_expiry_on = ma.fields.Date(allow_none=True, metadata={"description": "When a valid check next expires."})
    ready_for_vetting = ma.fields.Boolean()
    ready_for_matching = ma.fields.Boolean()
