from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.models import GivenAs, How, Relationship, Scope
from homeshare.common.pagination import PageQuerySchema
from homeshare.common.roles import Role
from homeshare.common.schemas import BoundedDate, BoundedDateTime, Schema, bounded_string

_PHONE = validate.Regexp(r"^\+?[0-9 ()-]{6,30}$", error="Not a phone number.")


class OnBehalfSchema(Schema):
    """Whose answer this is, when the caller is not that person."""

    person_id = ma.fields.UUID(metadata={"description": "The householder or sharer you answer for."})
    how = ma.fields.Enum(How, by_value=True, metadata={
        "description": "How the person gave you their view (coordinators; required for them)."})
    given_at = BoundedDateTime(metadata={
        "description": "When the person gave it (coordinators; required for them)."})


class ForPersonSchema(Schema):
    person_id = ma.fields.UUID(required=True, metadata={"description": "The person you represent."})


ON_BEHALF_FIELD_DESCRIPTION = (
    "For a coordinator recording the view of a person who gave it in person, by phone, on paper or "
    "through their representative: whose it is, how and when (required for coordinators). A "
    "representative may name the person (when they represent both sides); a householder or a sharer "
    "leaves it out.")


def on_behalf_field() -> ma.fields.Nested:
    return ma.fields.Nested(OnBehalfSchema, load_default=None, metadata={"description": ON_BEHALF_FIELD_DESCRIPTION})


class BehalfRecordSchema(Schema):
    """Something done for a person by someone else."""

    action = ma.fields.String(metadata={"description": "What was done, e.g. `agreement.accepted`."})
    person_id = ma.fields.UUID(metadata={"description": "For whom."})
    side = ma.fields.String(metadata={"description": "`householder` or `sharer`."})
    given_as = ma.fields.Enum(GivenAs, by_value=True, metadata={
        "description": "`on-behalf`: a coordinator recorded the person's view; `proxy`: their representative."})
    how = ma.fields.Enum(How, by_value=True, allow_none=True, metadata={
        "description": "How the person gave their view; null for a representative's own act."})
    given_at = ma.fields.AwareDateTime()
    recorded_by_id = ma.fields.UUID(allow_none=True, metadata={"description": "Who recorded it."})
    recorded_at = ma.fields.AwareDateTime(attribute="created_at")


def on_behalf_list(description: str = "What was done here for someone by someone else, oldest first.") -> ma.fields.List:
    return ma.fields.List(ma.fields.Nested(BehalfRecordSchema), dump_only=True, dump_default=list,
                          metadata={"description": description})


def _scope_value() -> ma.fields.String:
    """A scope as stored (its value)."""
    return ma.fields.String(validate=validate.OneOf([scope.value for scope in Scope]))


class NewRepresentativeSchema(Schema):
    full_name = bounded_string(200, required=True)
    phone = bounded_string(30, validate_also=_PHONE, allow_none=True, load_default=None)
    contact_email = ma.fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=254))


class LinkSchema(Schema):
    representation_id = ma.fields.UUID(metadata={
        "description": "An id the client chose, so that sending the same request again links no second time."})
    representative_id = ma.fields.UUID(metadata={
        "description": "An existing representative of the scheme (or give `representative`)."})
    representative = ma.fields.Nested(NewRepresentativeSchema, metadata={
        "description": "A new representative, without a login until invited (or give `representative_id`)."})
    relationship = ma.fields.Enum(Relationship, by_value=True, required=True, metadata={
        "description": "`attorney-property` and `attorney-health`: a lasting power of attorney for property "
                       "and financial affairs, or for health and welfare."})
    consent_on = BoundedDate(required=True, metadata={"description": "When the person consented."})
    consent_how = ma.fields.Enum(How, by_value=True, required=True, metadata={
        "description": "How the person consented: in person, by phone or on paper."})
    scopes = ma.fields.List(ma.fields.Enum(Scope, by_value=True), required=True,
                            validate=validate.Length(min=1, max=len(Scope)))


class LinkChangeSchema(Schema):
    relationship = ma.fields.Enum(Relationship, by_value=True)
    scopes = ma.fields.List(ma.fields.Enum(Scope, by_value=True), validate=validate.Length(min=1, max=len(Scope)))


class RepresentativeDetailsSchema(Schema):
    full_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    contact_email = ma.fields.String(allow_none=True)


class PersonNameSchema(Schema):
    id = ma.fields.UUID()
    role = ma.fields.Enum(Role, by_value=True)
    has_login = ma.fields.Boolean()


class LinkViewSchema(Schema):
    """A representative linked to the person they support."""

    id = ma.fields.UUID()
    person_id = ma.fields.UUID()
    representative_id = ma.fields.UUID()
    representative = ma.fields.Nested(RepresentativeDetailsSchema, attribute="representative_details",
                                      allow_none=True)
    representative_has_login = ma.fields.Boolean(attribute="representative.has_login")
    relationship = ma.fields.Enum(Relationship, by_value=True)
    consent_on = ma.fields.Date()
    consent_how = ma.fields.Enum(How, by_value=True)
    scopes = ma.fields.List(_scope_value())
    created_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "When the link was removed."})


class RepresentedSchema(Schema):
    """Someone you represent, and what they consented to."""

    representation_id = ma.fields.UUID(attribute="id")
    person = ma.fields.Nested(PersonNameSchema)
    first_name = ma.fields.String(allow_none=True)
    last_name = ma.fields.String(allow_none=True)
    relationship = ma.fields.Enum(Relationship, by_value=True)
    scopes = ma.fields.List(_scope_value())


class BehalfAgreementSchema(Schema):
    agreed_on = BoundedDate(required=True, allow_none=True, metadata={
        "description": "When the person agreed that their coordinator may answer for them; null withdraws it."})


class BehalfAgreementViewSchema(Schema):
    person_id = ma.fields.UUID(attribute="id")
    has_login = ma.fields.Boolean()
    behalf_agreed_on = ma.fields.Date(allow_none=True)
    may_be_acted_for = ma.fields.Boolean(metadata={
        "description": "Whether a coordinator may record this person's answers: they have no login, or agreed."})


class LinkListQuerySchema(PageQuerySchema):
    pass
