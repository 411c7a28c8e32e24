"""Request and response bodies of the console endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.common.pagination import PageQuerySchema
from homeshare.common.schemas import Schema
from homeshare.matching.models import TRIAL_REVIEW_NOTICE_DAYS
from homeshare.vetting.service import EXPIRY_WARNING_DAYS


class SectionSchema(Schema):
    count = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Dict())


class ConcernSectionSchema(SectionSchema):
    by_severity = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class DashboardSchema(Schema):
    applicants_by_vetting_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    checks_expiring = ma.fields.Nested(SectionSchema, metadata={"description": f"Valid checks expiring within {EXPIRY_WARNING_DAYS} days."})
    proposals_awaiting_answer = ma.fields.Nested(SectionSchema)
    introductions = ma.fields.Nested(SectionSchema)
    trials_ending = ma.fields.Nested(SectionSchema, metadata={
        "description": f"Trials in their last {TRIAL_REVIEW_NOTICE_DAYS} days, or past their end, awaiting review; "
                       "each with `review_views_given`, how many of the two sides gave their view at its trial "
                       "review's round under way (0 to 2)."})
    notices_running = ma.fields.Nested(SectionSchema, metadata={
        "description": "Matches in notice, the soonest last day first: `match_id`, `householder_id`, `sharer_id`, "
                       "`last_day`, `reason`, `given_by`. Both people will need a new match or a way out."})
    overdue_checkins = ma.fields.Nested(SectionSchema)
    low_checkin_scores = ma.fields.Nested(SectionSchema, metadata={"description": "In the last 30 days."})
    hours_shortfalls = ma.fields.Nested(SectionSchema)
    hours_over_agreed = ma.fields.Nested(SectionSchema, metadata={
        "description": "Live matches whose last completed week's hours exceeded what the week expected by more than "
                       "the scheme's `hours_over_agreed_percent`: `match_id`, `week_start`, `counted_minutes`, "
                       "`expected_minutes`."})
    open_concerns = ma.fields.Nested(ConcernSectionSchema)
    enquiries_waiting = ma.fields.Nested(SectionSchema, metadata={
        "description": "Open enquiries (enquiry, application, assessment) still in the stage they reached more "
                       "than the scheme's `enquiry_waiting_days` ago, longest waiting first: `enquiry_id`, `stage`, "
                       "`since` (the day it reached that stage), `owner_id`, `seeking`."})


class AttentionItemSchema(Schema):
    id = ma.fields.UUID(metadata={"description": "The check-in (overdue)."})
    checkin_id = ma.fields.UUID(metadata={"description": "The check-in (low score)."})
    match_id = ma.fields.UUID()
    due_on = ma.fields.Date()
    escalated_at = ma.fields.AwareDateTime()
    side = ma.fields.String()
    wellbeing = ma.fields.Integer()
    match_going = ma.fields.Integer()
    something_wrong = ma.fields.Boolean()
    answered_at = ma.fields.AwareDateTime()


class AttentionQuerySchema(PageQuerySchema):
    needs = ma.fields.String(required=True, validate=validate.OneOf(["overdue", "low_score"]))
