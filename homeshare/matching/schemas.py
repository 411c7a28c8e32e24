from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.behalf.service import attach
from homeshare.common.roles import Role
from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import BoundedDate, BoundedDateTime, Schema, StrictBoolean, StrictFloat, StrictInteger, bounded_string
from homeshare.matching.models import EndedBy, MatchState, Response
from homeshare.matching.models import allowed_actions


class ProposalSchema(Schema):
    householder_id = ma.fields.UUID(required=True)
    sharer_id = ma.fields.UUID(required=True)


class MatchResponseSchema(Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(["accept", "decline"]))
    reason = bounded_string(1000, allow_none=True, load_default=None,
                            metadata={"description": "Why, if declining (optional)."})
    share_contact_details = StrictBoolean(load_default=False, metadata={
        "description": "Agree to share name, phone and email from the introduction on (both must agree)."})
    on_behalf = on_behalf_field()


class IntroductionSchema(Schema):
    meeting_at = BoundedDateTime(required=True)
    place = bounded_string(300, required=True)


class TrialSchema(Schema):
    start_on = BoundedDate(required=True)


class EndSchema(Schema):
    ended_by = ma.fields.Enum(EndedBy, by_value=True, required=True, metadata={
        "description": "Who ended it: the householder, the sharer, both, or the scheme."})
    reason = bounded_string(1000, required=True)
    notice_given_days = StrictInteger(required=True, validate=validate.Range(min=0, max=365))
    end_on = BoundedDate(required=True)


class WithdrawSchema(Schema):
    reason = bounded_string(1000, required=True)


class MatchListQuerySchema(PageQuerySchema):
    state = ma.fields.Enum(MatchState, by_value=True)


class CandidatePersonSchema(Schema):
    person_id = ma.fields.UUID()
    first_name = ma.fields.String(allow_none=True)
    last_name = ma.fields.String(allow_none=True)
    preferred_name = ma.fields.String(allow_none=True)
    postcode = ma.fields.String(allow_none=True)


class SuggestionSchema(Schema):
    householder = ma.fields.Nested(CandidatePersonSchema)
    sharer = ma.fields.Nested(CandidatePersonSchema)
    score = StrictInteger(metadata={"description": "Compatibility from 0 to 100."})
    distance_km = StrictFloat(allow_none=True, metadata={
        "description": "From the home to the sharer's place of study or work."})
    reasons = ma.fields.List(ma.fields.String())
    warnings = ma.fields.List(ma.fields.String())


class PoolSuggestionSchema(Schema):
    pairs = ma.fields.List(ma.fields.Nested(SuggestionSchema))
    total_score = StrictInteger()
    householders_waiting = StrictInteger()
    sharers_waiting = StrictInteger()
    unpaired_householders = StrictInteger()
    unpaired_sharers = StrictInteger()


class MatchEventSchema(Schema):
    action = ma.fields.String()
    from_state = ma.fields.Enum(MatchState, by_value=True, allow_none=True)
    to_state = ma.fields.Enum(MatchState, by_value=True)
    actor_id = ma.fields.UUID(allow_none=True)
    occurred_at = ma.fields.AwareDateTime()
    details = ma.fields.Dict(allow_none=True)


class MatchSchema(Schema):
    """A match as its scheme's coordinators see it."""

    id = ma.fields.UUID()
    scheme_id = ma.fields.UUID()
    householder_id = ma.fields.UUID()
    sharer_id = ma.fields.UUID()
    state = ma.fields.Enum(MatchState, by_value=True)
    allowed_transitions = ma.fields.Method("_allowed", metadata={"type": "array", "items": {"type": "string"}})
    score = StrictInteger(allow_none=True, metadata={"description": "Compatibility when proposed."})
    proposed_by_id = ma.fields.UUID(allow_none=True)
    proposed_at = ma.fields.AwareDateTime()
    householder_response = ma.fields.Enum(Response, by_value=True, allow_none=True)
    householder_responded_at = ma.fields.AwareDateTime(allow_none=True)
    householder_decline_reason = ma.fields.String(allow_none=True)
    sharer_response = ma.fields.Enum(Response, by_value=True, allow_none=True)
    sharer_responded_at = ma.fields.AwareDateTime(allow_none=True)
    sharer_decline_reason = ma.fields.String(allow_none=True)
    introduction_at = ma.fields.AwareDateTime(allow_none=True)
    introduction_place = ma.fields.String(allow_none=True)
    trial_started_on = BoundedDate(allow_none=True)
    trial_ends_on = BoundedDate(allow_none=True)
    activated_at = ma.fields.AwareDateTime(allow_none=True)
    ended_on = BoundedDate(allow_none=True)
    ended_by = ma.fields.Enum(EndedBy, by_value=True, allow_none=True)
    end_reason = ma.fields.String(allow_none=True)
    notice_given_days = StrictInteger(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)

    def _allowed(self, match):
        return allowed_actions(match.state)


class MatchDetailSchema(MatchSchema):
    events = ma.fields.List(ma.fields.Nested(MatchEventSchema))
    on_behalf = on_behalf_list("The responses given for someone by someone else, oldest first.")

    @ma.pre_dump
    def _done_for_someone(self, match, **_kwargs):
        if not hasattr(match, "on_behalf"):
            attach([match], "match")
        return match


class ContactSchema(Schema):
    first_name = ma.fields.String(allow_none=True)
    last_name = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)


class OtherPartySchema(Schema):
    """What one side sees of the other: no address, date of birth, phone or vetting."""

    role = ma.fields.Enum(Role, by_value=True)
    preferred_name = ma.fields.String(allow_none=True)
    district = ma.fields.String(allow_none=True, metadata={"description": "The outward part of the postcode."})
    bio = ma.fields.String(allow_none=True)
    interests = ma.fields.List(ma.fields.String())
    languages = ma.fields.List(ma.fields.String())
    smoker = StrictBoolean(allow_none=True)
    has_pets = StrictBoolean(allow_none=True)
    accepts_pets = StrictBoolean(allow_none=True)
    dietary_needs = ma.fields.String(allow_none=True)
    daily_rhythm = ma.fields.String(allow_none=True)
    quiet_home = StrictBoolean(allow_none=True)
    tasks = ma.fields.List(ma.fields.String(), metadata={"description": "Tasks wanted or offered."})
    hours_per_week = StrictInteger(allow_none=True, metadata={"description": "Hours wanted or offered."})
    photo_url = ma.fields.String(allow_none=True)
    contact = ma.fields.Nested(ContactSchema, allow_none=True, metadata={
        "description": "From the introduction on, when both sides agreed to share contact details."})


class OwnMatchSchema(Schema):
    """A match as one of its two people sees it."""

    id = ma.fields.UUID(attribute="match.id")
    state = ma.fields.Enum(MatchState, by_value=True, attribute="match.state")
    side = ma.fields.String(metadata={"description": "`householder` or `sharer`: your side."})
    your_response = ma.fields.Enum(Response, by_value=True, allow_none=True)
    other_party = ma.fields.Nested(OtherPartySchema)
    next_step = ma.fields.String(allow_none=True, metadata={"description": "What is expected of you next."})
    on_behalf = on_behalf_list("Your responses given for you by your coordinator or representative, oldest first.")
    proposed_at = ma.fields.AwareDateTime(attribute="match.proposed_at")
    introduction_at = ma.fields.AwareDateTime(attribute="match.introduction_at", allow_none=True)
    introduction_place = ma.fields.String(attribute="match.introduction_place", allow_none=True)
    trial_started_on = BoundedDate(attribute="match.trial_started_on", allow_none=True)
    trial_ends_on = BoundedDate(attribute="match.trial_ends_on", allow_none=True)
    ended_on = BoundedDate(attribute="match.ended_on", allow_none=True)
