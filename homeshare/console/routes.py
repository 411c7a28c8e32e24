from __future__ import annotations


import marshmallow as ma
from marshmallow import validate
from flask.views import MethodView

from homeshare.audit.service import record_export
from homeshare.common.access import current_account, requires
from homeshare.common.roles import Role
from homeshare.common.csvstream import csv_response
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.schemas import Schema
from homeshare.console import service
from homeshare.extensions import Blueprint, documents_errors
from homeshare.schemes.models import Scheme

blp = Blueprint("console", __name__, url_prefix="/api/v1/schemes", description="The coordinators' console.")

CSV = {"content": {"text/csv": {"schema": {"type": "string"}}}}


class SectionSchema(Schema):
    count = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Dict())


class ConcernSectionSchema(SectionSchema):
    by_severity = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class DashboardSchema(Schema):
    applicants_by_vetting_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    checks_expiring = ma.fields.Nested(SectionSchema, metadata={"description": "Valid checks expiring within 30 days."})
    proposals_awaiting_answer = ma.fields.Nested(SectionSchema)
    introductions = ma.fields.Nested(SectionSchema)
    trials_ending = ma.fields.Nested(SectionSchema, metadata={"description": "Trials ending within 14 days."})
    overdue_checkins = ma.fields.Nested(SectionSchema)
    low_checkin_scores = ma.fields.Nested(SectionSchema, metadata={"description": "In the last 30 days."})
    hours_shortfalls = ma.fields.Nested(SectionSchema)
    open_concerns = ma.fields.Nested(ConcernSectionSchema)


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


@blp.route("/<uuid:scheme_id>/dashboard")
class Dashboard(MethodView):
    @requires(Role.COORDINATOR)
    @blp.response(200, DashboardSchema)
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """What needs you today: counts and the first items of each list

        Each list is also available on its own: people (by vetting status, expiring checks),
        matches (by state), check-ins needing attention, hours shortfalls, concerns.
        """
        return service.dashboard(scheme)


@blp.route("/<uuid:scheme_id>/checkins")
class Attention(MethodView):
    @requires(Role.COORDINATOR)
    @blp.arguments(AttentionQuerySchema, location="query")
    @blp.response(200, page_of(AttentionItemSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Overdue check-ins, or worrying answers of the last 30 days, in your scheme"""
        return service.checkins_needing_attention(scheme=scheme, overdue=query["needs"] == "overdue",
                                                  low_score=query["needs"] == "low_score", page=query["page"],
                                                  per_page=query["per_page"])


def _export(scheme: Scheme, kind: str, header, rows):
    record_export(actor_id=current_account().id, scheme_id=scheme.id, kind=kind)
    return csv_response(f"{scheme.slug}-{kind}.csv", header, rows(scheme))


@blp.route("/<uuid:scheme_id>/exports/people.csv")
class PeopleExport(MethodView):
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "People, without sensitive fields, as CSV.", **CSV}})
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """Download your scheme's people (no dates of birth, addresses, phones or vetting details)"""
        return _export(scheme, "people", service.PEOPLE_COLUMNS, service.people_rows)


@blp.route("/<uuid:scheme_id>/exports/matches.csv")
class MatchesExport(MethodView):
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "Matches as CSV.", **CSV}})
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """Download your scheme's matches"""
        return _export(scheme, "matches", service.MATCH_COLUMNS, service.match_rows)


@blp.route("/<uuid:scheme_id>/exports/checkins.csv")
class CheckinsExport(MethodView):
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "Check-ins and their answers (no comments) as CSV.", **CSV}})
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """Download your scheme's check-ins and their scores"""
        return _export(scheme, "checkins", service.CHECKIN_COLUMNS, service.checkin_rows)
