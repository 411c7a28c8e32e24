from __future__ import annotations


from flask.views import MethodView

from homeshare.console.schemas import AttentionItemSchema, AttentionQuerySchema, DashboardSchema

from homeshare.audit.service import record_export
from homeshare.common.access import current_account, requires
from homeshare.common.roles import Role
from homeshare.common.csvstream import CSV_CONTENT, csv_response
from homeshare.common.pagination import page_of
from homeshare.console import service
from homeshare.extensions import Blueprint, documents_errors
from homeshare.schemes.models import Scheme

blp = Blueprint("console", __name__, url_prefix="/api/v1/schemes", description="The coordinators' console.")

@blp.route("/<uuid:scheme_id>/dashboard")
class Dashboard(MethodView):
    @blp.doc(operationId="getDashboard")
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
    @blp.doc(operationId="listCheckinsNeedingAttention")
    @requires(Role.COORDINATOR)
    @blp.arguments(AttentionQuerySchema, location="query")
    @blp.response(200, page_of(AttentionItemSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Overdue check-ins, or worrying answers of the last 30 days, in your scheme

        For the scheme's coordinators: `needs=overdue` for check-ins past their grace days,
        `needs=low_score` for worrying answers of the last 30 days.
        """
        return service.checkins_needing_attention(scheme=scheme, overdue=query["needs"] == "overdue",
                                                  low_score=query["needs"] == "low_score", page=query["page"],
                                                  per_page=query["per_page"])


def _export(scheme: Scheme, kind: str, header, rows):
    record_export(actor_id=current_account().id, scheme_id=scheme.id, kind=kind)
    return csv_response(f"{scheme.slug}-{kind}.csv", header, rows(scheme))


@blp.route("/<uuid:scheme_id>/exports/people.csv")
class PeopleExport(MethodView):
    @blp.doc(operationId="exportPeopleCsv")
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "People, without sensitive fields, as CSV.", **CSV_CONTENT}})
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """Download your scheme's people (no dates of birth, addresses, phones or vetting details)

        For the scheme's coordinators: one row per householder or sharer with their vetting
        status. Leaves out what a list does not need.
        """
        return _export(scheme, "people", service.PEOPLE_COLUMNS, service.people_rows)


@blp.route("/<uuid:scheme_id>/exports/matches.csv")
class MatchesExport(MethodView):
    @blp.doc(operationId="exportMatchesCsv")
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "Matches as CSV.", **CSV_CONTENT}})
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """Download your scheme's matches

        For the scheme's coordinators: one row per match with its state and dates.
        """
        return _export(scheme, "matches", service.MATCH_COLUMNS, service.match_rows)


@blp.route("/<uuid:scheme_id>/exports/checkins.csv")
class CheckinsExport(MethodView):
    @blp.doc(operationId="exportCheckinsCsv")
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "Check-ins and their answers (no comments) as CSV.", **CSV_CONTENT}})
    @documents_errors(404)
    def get(self, scheme: Scheme):
        """Download your scheme's check-ins and their scores

        For the scheme's coordinators: one row per check-in with its due day, state and the
        scores of both answers.
        """
        return _export(scheme, "checkins", service.CHECKIN_COLUMNS, service.checkin_rows)
