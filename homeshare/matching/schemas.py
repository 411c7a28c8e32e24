from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.behalf.service import attach
from homeshare.common.roles import Role
from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import BoundedDate, BoundedDateTime, Schema, StrictBoolean, StrictFloat, StrictInteger, bounded_string
from homeshare.behalf.models import GivenAs
from homeshare.matching.models import EndedBy, EndReason, MatchState, NoticeGiver, Response, TrialDecision, TrialView
from homeshare.matching.models import allowed_actions


class ProposalSchema(Schema):
    householder_id = ma.fields.UUID(required=True)
    sharer_id = ma.fields.UUID(required=True)
    follows_match_id = ma.fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "A rematch: the ended or withdrawn match of the scheme, with the householder or the sharer "
                       "in it, that this one follows."})


REASON_DESCRIPTION = (
    "Why: `householder-moved-to-care` (into care or hospital), `householder-health-changed`, `householder-died`, "
    "`sharer-moved-for-work-or-study`, `sharer-circumstances-changed`, `relationship-broke-down`, "
    "`disagreement-about-hours-or-expectations`, `safeguarding`, `scheme-ended`, `other`.")


class NoticeRequestSchema(Schema):
    reason = ma.fields.Enum(EndReason, by_value=True, required=True, metadata={"description": REASON_DESCRIPTION})
    comment = bounded_string(2000, allow_none=True, load_default=None, metadata={
        "description": "In the person's own words (optional); coordinators see it."})
    on_behalf = on_behalf_field()


class ShorteningSchema(Schema):
    last_day = BoundedDate(required=True, metadata={
        "description": "The new last day: not before today, not after the current last day."})
    reason = bounded_string(1000, required=True)


class NoticeWithdrawalSchema(Schema):
    on_behalf = on_behalf_field()


class ExitFeedbackRequestSchema(Schema):
    would_homeshare_again = StrictBoolean(required=True)
    scheme_support = StrictInteger(required=True, validate=validate.Range(min=1, max=5), metadata={
        "description": "How well the scheme supported you, from 1 (poorly) to 5 (very well)."})
    comment = bounded_string(2000, allow_none=True, load_default=None)
    on_behalf = on_behalf_field()


class ExitFeedbackSchema(Schema):
    side = ma.fields.String(metadata={"description": "`householder` or `sharer`."})
    would_homeshare_again = StrictBoolean()
    scheme_support = StrictInteger()
    comment = ma.fields.String(allow_none=True)
    updated_at = ma.fields.AwareDateTime()


class NoticeSchema(Schema):
    """The notice running on a match."""

    given_by = ma.fields.Enum(NoticeGiver, by_value=True, metadata={
        "description": "`householder`, `sharer` (themselves or through someone: see `on_behalf`) or `scheme`."})
    reason = ma.fields.Enum(EndReason, by_value=True)
    comment = ma.fields.String(allow_none=True)
    given_on = BoundedDate()
    last_day = BoundedDate(metadata={"description": "The sharer's last day in the home; the match ends after it."})
    withdrawal_agreed_by = ma.fields.List(ma.fields.String(), metadata={
        "description": "The sides who agreed to withdraw the notice; when both have, it is withdrawn."})


class OwnNoticeSchema(NoticeSchema):
    class Meta:
        exclude = ("comment",)


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
    reason_code = ma.fields.Enum(EndReason, by_value=True, load_default=None, allow_none=True, metadata={
        "description": "The reason from the notice's vocabulary, for the measures (the notice's, if one ran)."})
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
    end_reason_code = ma.fields.Enum(EndReason, by_value=True, allow_none=True, metadata={
        "description": "Why it ended, from the notice's reasons (null for endings recorded before them)."})
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    notice = ma.fields.Nested(NoticeSchema, allow_none=True, metadata={"description": "While the match is in notice."})
    follows_match_id = ma.fields.UUID(allow_none=True, metadata={"description": "The match this one follows."})

    def _allowed(self, match):
        return allowed_actions(match.state)


class MatchDetailSchema(MatchSchema):
    events = ma.fields.List(ma.fields.Nested(MatchEventSchema))
    exit_feedback = ma.fields.List(ma.fields.Nested(ExitFeedbackSchema), metadata={
        "description": "Each side's exit feedback, once given."})
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
    notice = ma.fields.Nested(OwnNoticeSchema, allow_none=True, metadata={"description": "While the match is in notice."})
    exit_feedback = ma.fields.Nested(ExitFeedbackSchema, allow_none=True, metadata={
        "description": "Your exit feedback, once given."})


# The trial review ------------------------------------------------------------------------------

VIEW_DESCRIPTION = "How the trial went: `carry-on`, `not-sure` or `stop`."


class TrialViewRequestSchema(Schema):
    view = ma.fields.Enum(TrialView, by_value=True, required=True, metadata={"description": VIEW_DESCRIPTION})
    comment = bounded_string(2000, allow_none=True, load_default=None, metadata={
        "description": "In the person's own words (optional); they and the coordinators see it."})
    on_behalf = on_behalf_field()


class TrialViewSchema(Schema):
    """One side's view at a round of the trial review."""

    round = StrictInteger(metadata={"description": "The round of the review it belongs to, from 1."})
    side = ma.fields.String(metadata={"description": "`householder` or `sharer`."})
    view = ma.fields.Enum(TrialView, by_value=True, metadata={"description": VIEW_DESCRIPTION})
    comment = ma.fields.String(allow_none=True)
    given_at = ma.fields.AwareDateTime()
    given_as = ma.fields.Enum(GivenAs, by_value=True, metadata={
        "description": "`self`: the person in the app; `on-behalf`: a coordinator recorded their view; "
                       "`proxy`: their representative gave it."})
    on_behalf = on_behalf_list("Who gave the view for the person, how and when, oldest first.")


class TrialDecisionRequestSchema(Schema):
    decision = ma.fields.Enum(TrialDecision, by_value=True, required=True, metadata={
        "description": "`activate`: the match becomes active; `extend`: the trial goes on until `trial_ends_on` "
                       "and a new round opens; `stop`: the scheme gives notice, with `reason`."})
    trial_ends_on = BoundedDate(load_default=None, allow_none=True, metadata={
        "description": "For `extend` (required there): the trial's new last day, after today and after its "
                       "current end."})
    reason = ma.fields.Enum(EndReason, by_value=True, load_default=None, allow_none=True, metadata={
        "description": "For `stop` (required there): the notice's reason. " + REASON_DESCRIPTION})
    comment = bounded_string(2000, allow_none=True, load_default=None, metadata={
        "description": "Why (optional); for `stop`, the notice's comment too. Coordinators see it."})


class TrialDecisionSchema(Schema):
    """The coordinator's decision at a round of the trial review."""

    decision = ma.fields.Enum(TrialDecision, by_value=True)
    decided_at = ma.fields.AwareDateTime()
    decided_by_id = ma.fields.UUID(allow_none=True)
    trial_ends_on = BoundedDate(allow_none=True, metadata={"description": "For `extend`: the trial's new end."})
    reason = ma.fields.Enum(EndReason, by_value=True, allow_none=True, metadata={
        "description": "For `stop`: the notice's reason."})
    comment = ma.fields.String(allow_none=True)


class OwnTrialDecisionSchema(TrialDecisionSchema):
    class Meta:
        exclude = ("decided_by_id", "comment")


class TrialReviewRoundSchema(Schema):
    round = StrictInteger(metadata={"description": "From 1; each extension of the trial opens the next."})
    trial_ends_on = BoundedDate(metadata={"description": "The trial's end this round reviews."})
    views = ma.fields.List(ma.fields.Nested(TrialViewSchema), metadata={"description": "The views given, by side."})
    decision = ma.fields.Nested(TrialDecisionSchema, allow_none=True, metadata={"description": "Once decided."})


class TrialReviewSchema(Schema):
    """A match's trial review as its scheme's coordinators see it."""

    match_id = ma.fields.UUID()
    state = ma.fields.Enum(MatchState, by_value=True, metadata={"description": "The match's state."})
    trial_ends_on = BoundedDate(allow_none=True, metadata={"description": "The trial's end as it stands."})
    rounds = ma.fields.List(ma.fields.Nested(TrialReviewRoundSchema), metadata={
        "description": "First to last; the last is the one under way while the match is in its trial."})


class OwnTrialReviewRoundSchema(Schema):
    round = StrictInteger(metadata={"description": "From 1; each extension of the trial opens the next."})
    trial_ends_on = BoundedDate(metadata={"description": "The trial's end this round reviews."})
    your_view = ma.fields.Nested(TrialViewSchema, allow_none=True, metadata={"description": "Once given."})
    decision = ma.fields.Nested(OwnTrialDecisionSchema, allow_none=True, metadata={"description": "Once decided."})


class OwnTrialReviewSchema(Schema):
    """A match's trial review as one of its people sees it: their own view and the decisions."""

    match_id = ma.fields.UUID()
    side = ma.fields.String(metadata={"description": "`householder` or `sharer`: the side whose view you see."})
    state = ma.fields.Enum(MatchState, by_value=True, metadata={"description": "The match's state."})
    trial_ends_on = BoundedDate(allow_none=True, metadata={"description": "The trial's end as it stands."})
    rounds = ma.fields.List(ma.fields.Nested(OwnTrialReviewRoundSchema), metadata={
        "description": "First to last; the last is the one under way while the match is in its trial."})
