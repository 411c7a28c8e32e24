from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.accounts.models import InvitationChannel, LeaveReason, Origin
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.accounts.emails import normalise_email
from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema
from homeshare.schemes.schemas import PHONE_PATTERN, SchemeSummarySchema
from homeshare.common.schemas import FullMatch, TrimmedString, bounded_string
from homeshare.common.languages import LANGUAGES
from homeshare.common.phones import e164

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128


class EmailAddress(ma.fields.Email):
    """An email address in its one stored spelling (see ``normalise_email``), checked after
    normalising, so what is validated is what is stored."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = normalise_email(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _email(**kwargs) -> ma.fields.Email:
    return EmailAddress(validate=validate.Length(max=254), **kwargs)


def _new_password(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        load_only=True,
        validate=validate.Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH),
        metadata={"description": f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters."},
        **kwargs,
    )


def _given_password(**kwargs) -> ma.fields.String:
    return ma.fields.String(load_only=True, validate=validate.Length(min=1, max=PASSWORD_MAX_LENGTH), **kwargs)


class RegisterSchema(Schema):
    scheme = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=50),
        metadata={"description": "Slug of the scheme to join."},
    )
    email = _email(required=True)
    password = _new_password(required=True)
    role = ma.fields.String(required=True, validate=validate.OneOf([r.value for r in MEMBER_ROLES]))


class AcceptedSchema(Schema):
    message = ma.fields.String(required=True, dump_only=True, metadata={
        "description": "What happens next, to show the person."})


def _code() -> ma.fields.String:
    return ma.fields.String(
        required=True, load_only=True,
        validate=[validate.Length(equal=6), validate.Regexp(r"^[0-9]{6}$", error="Six digits.")],
        metadata={"description": "The six digits sent by email.", "example": "482917"},
    )


class CodeSchema(Schema):
    code = _code()


class PasswordResetRequestSchema(Schema):
    email = _email(required=True)


class PasswordResetSchema(Schema):
    email = _email(required=True)
    code = _code()
    new_password = _new_password(required=True)


class LoginSchema(Schema):
    email = _email(required=True)
    password = _given_password(required=True)


class PasswordChangeSchema(Schema):
    current_password = _given_password(required=True)
    new_password = _new_password(required=True)


class CoordinatorCreateSchema(Schema):
    email = _email(required=True)
    password = _new_password(required=True)


class TokenPairSchema(Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(
        required=True,
        metadata={"description": "Send as a bearer token to /auth/refresh; usable once."},
    )
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "Seconds the access token lasts."})
    refresh_expires_in = ma.fields.Integer(
        required=True, metadata={"description": "Seconds the refresh token lasts."}
    )


class AccountSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    email = ma.fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The login; null for a person or representative a coordinator added who has none yet."})
    has_login = ma.fields.Boolean(dump_only=True)
    origin = ma.fields.Enum(Origin, by_value=True, dump_only=True)
    role = ma.fields.Enum(Role, by_value=True, dump_only=True)
    is_active = ma.fields.Boolean(dump_only=True)
    scheme = ma.fields.Nested(SchemeSummarySchema, dump_only=True, allow_none=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    last_login_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True)
    email_verified_at = ma.fields.AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When the owner proved the email address is theirs; null until then, and "
                       "until then they are not proposed for a match."})
    sms_opt_in = ma.fields.Boolean(dump_only=True, metadata={
        "description": "Whether notifications also go by text message (`PUT /me/sms`)."})
    language = ma.fields.String(dump_only=True, metadata={
        "description": "The language the person is written to in: notifications, emails, text messages and the "
                       "printed agreement (`en` English, `cy` Welsh). API error messages are always English."})
    display_name = ma.fields.String(dump_only=True, allow_none=True, metadata={
        "description": "A coordinator's name as their people see it; null for everyone else, and until set."})
    work_phone = ma.fields.String(dump_only=True, allow_none=True, metadata={
        "description": "A coordinator's work phone (E.164), shown to their people; null for everyone else, and "
                       "until set."})


PHONE_SHAPE = FullMatch(PHONE_PATTERN, error="A phone number: digits, spaces, brackets and hyphens, with an optional "
                                             "leading +.")


class PhoneNumber(TrimmedString):
    """A phone number, checked with the numbering plan and kept as E.164; UK numbers may leave
    out the country code. The description states its shape; the numbering plan is checked here."""

    def __init__(self, **kwargs):
        super().__init__(validate=[validate.Length(min=1, max=30), PHONE_SHAPE], sent_max_length=30, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = e164(PHONE_SHAPE(super()._deserialize(value, attr, data, **kwargs)))
        if number is None:
            raise ma.ValidationError("No such phone number in the numbering plan: give a UK number, or another "
                                     "with + and its country code.")
        return number


class AccountChangeSchema(Schema):
    """The parts of an account to change; the ones left out keep their values."""

    language = ma.fields.String(validate=validate.OneOf(LANGUAGES), metadata={
        "description": "`en` (English) or `cy` (Welsh): what the person is written to in."})
    display_name = bounded_string(100, allow_none=True, metadata={
        "description": "Coordinators' accounts only: the name their people see; null clears it."})
    work_phone = PhoneNumber(allow_none=True, metadata={
        "description": "Coordinators' accounts only: their work phone, kept as E.164 (`+442920123456`); UK numbers "
                       "may leave out the country code; null clears it.", "example": "029 2012 3456"})


class SmsOptInSchema(Schema):
    sms_opt_in = ma.fields.Boolean(required=True, metadata={
        "description": "Notifications by text message too, to the profile's mobile number: the person's own "
                       "yes (a coordinator's, for a person without a login). No by default."})


class SmsOptInStateSchema(Schema):
    sms_opt_in = ma.fields.Boolean(metadata={"description": "Whether notifications also go by text message."})


class AccountListQuerySchema(PageQuerySchema):
    role = ma.fields.Enum(Role, by_value=True)
    is_active = ma.fields.Boolean()


class DeactivationSchema(Schema):
    reason_code = ma.fields.Enum(LeaveReason, by_value=True, allow_none=True, load_default=None, metadata={
        "description": "Why a householder or sharer is leaving, as the scheme's measures count it: "
                       "`failed-vetting` and `ineligible` (the scheme's decision, never counted as dropping out), "
                       "`found-other-housing`, `changed-mind`, `health`, `moved-away`, `died`, "
                       "`no-suitable-match`, `other`. Left out, it counts as `other`."})
    reason = bounded_string(200, allow_none=True, load_default=None, metadata={
        "description": "The coordinator's note on why the person is leaving, if known."})


class AccessResetSchema(Schema):
    temporary_password = ma.fields.String(metadata={"description": "Shown once; pass it on to the person."})


class InvitationCreateSchema(Schema):
    channel = ma.fields.Enum(InvitationChannel, by_value=True, required=True, metadata={
        "description": "How you hand the code over: `email` (it is also emailed to `email`), `phone` (you read "
                       "it out) or `letter` (you print it)."})
    email = _email(metadata={
        "description": "Where to email the code: required when `channel` is `email`, and only then. Claimed "
                       "with this address, the address counts as verified."})


class InvitationSchema(Schema):
    invitation_id = ma.fields.UUID(dump_only=True, attribute="invitation.id")
    code = ma.fields.String(dump_only=True, metadata={
        "description": "The code, shown this once (only a hash is kept): hand it over by phone, letter or "
                       "email. Twelve characters in groups of four; typed in any case, with or without "
                       "the dashes.", "example": "K7QM-4WXT-HN2P"})
    channel = ma.fields.Enum(InvitationChannel, by_value=True, dump_only=True, attribute="invitation.channel")
    expires_at = ma.fields.AwareDateTime(dump_only=True, attribute="invitation.expires_at")


class InvitationClaimSchema(Schema):
    code = ma.fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The invitation code, in any case, with or without dashes or spaces.",
        "example": "K7QM-4WXT-HN2P"})
    email = _email(required=True, metadata={"description": "The email address to sign in with from now on."})
    password = _new_password(required=True)
