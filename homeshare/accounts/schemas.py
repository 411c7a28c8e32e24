from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.accounts.models import InvitationChannel, LeaveReason, Origin
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.accounts.emails import normalise_email
from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema
from homeshare.schemes.schemas import SchemeSummarySchema
from homeshare.common.schemas import bounded_string

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
