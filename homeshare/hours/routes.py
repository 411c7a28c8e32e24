from __future__ import annotations

import uuid

from flask.views import MethodView

from homeshare.audit.service import record_export
from homeshare.behalf.models import Scope
from homeshare.common.access import current_account, requires
from homeshare.common.roles import EVERYONE_IN_A_MATCH, Role
from homeshare.common.csvstream import CSV_CONTENT, csv_response
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.extensions import Blueprint, documents_errors
from homeshare.hours import service, weeks
from homeshare.hours.models import EntryStatus
from homeshare.hours.schemas import (
    ConfirmationSchema,
    ConfirmedSchema,
    CsvRangeQuerySchema,
    DisputeSchema,
    EntryChangeSchema,
    EntryRequestSchema,
    EntryQuerySchema,
    EntrySchema,
    FlaggedMatchSchema,
    RangeQuerySchema,
    WeeklySummarySchema,
)
from homeshare.matching.models import Match
from homeshare.schemes.models import Scheme
from homeshare.schemes.service import get_scheme

blp = Blueprint("hours", __name__, url_prefix="/api/v1", description="Agreed hours: logging, confirming, weekly sums.")

@blp.route("/matches/<uuid:match_id>/hours")
class Entries(MethodView):
    @blp.doc(operationId="listHoursEntries")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(Scope.SEE_MATCH, Scope.CONFIRM_HOURS))
    @blp.arguments(EntryQuerySchema, location="query")
    @blp.response(200, page_of(EntrySchema))
    @documents_errors(404)
    def get(self, query, match: Match):
        """A match's hours entries, newest first (its two people and coordinators)

        For the match's two people and its coordinators, a page at a time, with each entry's
        status (logged, confirmed, disputed).
        """
        return service.list_entries(scope=service.in_match(match), status=query.get("status"),
                                    first=query.get("from_"), last=query.get("to"),
                                    page=query["page"], per_page=query["per_page"])


@blp.route("/matches/<uuid:match_id>/hours/<uuid:entry_id>")
class Entry(MethodView):
    @blp.doc(operationId="logHours")
    @requires(Role.SHARER, Role.COORDINATOR)
    @blp.arguments(EntryRequestSchema)
    @blp.response(201, EntrySchema, description="The entry was stored.")
    @blp.alt_response(200, schema=EntrySchema, description="The same entry again: nothing changed.", success=True)
    @documents_errors(404, 409)
    def put(self, values, match: Match, entry_id: uuid.UUID):
        """Log hours with an id the app chose (the match's sharer, or a coordinator for them)

        Safe to repeat: the same entry again answers 200 with what is stored; the same id
        with different content is 409 (change an entry with PATCH). A coordinator records the
        hours a sharer reported by phone or on paper (`on_behalf`).
        """
        entry, created = service.put_entry(actor=current_account(), on_behalf=values["on_behalf"], match=match, scheme=get_scheme(match.scheme_id),
                                           entry_id=entry_id, values=values)
        return entry, 201 if created else 200

    @blp.doc(operationId="updateHoursEntry")
    @requires(Role.SHARER, Role.COORDINATOR)
    @blp.arguments(EntryChangeSchema)
    @blp.response(200, EntrySchema)
    @documents_errors(404, 409)
    def patch(self, changes, match: Match, entry_id: uuid.UUID):
        """Change an entry: the sharer until it is confirmed, a coordinator always (audited)

        Changes the day, minutes, task or note: the sharer while the entry is not confirmed; a
        coordinator at any time, audited.
        """
        side = match.side_of(current_account().id) or "coordinator"
        return service.edit_entry(actor=current_account(), side=side, match=match, scheme=get_scheme(match.scheme_id),
                                  entry=service.get_entry(match, entry_id), changes=changes)

    @blp.doc(operationId="deleteHoursEntry")
    @requires(Role.SHARER, Role.COORDINATOR)
    @blp.response(204)
    @documents_errors(404, 409)
    def delete(self, match: Match, entry_id: uuid.UUID):
        """Delete an entry: the sharer until it is confirmed, a coordinator always (audited)

        Removes the entry: the sharer while it is not confirmed; a coordinator at any time,
        audited.
        """
        side = match.side_of(current_account().id) or "coordinator"
        service.delete_entry(actor=current_account(), side=side, match=match, entry_id=entry_id)


@blp.route("/matches/<uuid:match_id>/hours/confirmation")
class Confirmation(MethodView):
    @blp.doc(operationId="confirmHours")
    @requires(Role.HOUSEHOLDER, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=(Scope.CONFIRM_HOURS,))
    @blp.arguments(ConfirmationSchema)
    @blp.response(200, ConfirmedSchema)
    @documents_errors(404, 409)
    def post(self, data, match: Match):
        """Confirm entries, by id or a whole week (the match's householder, or someone for them)

        The householder confirms entries the sharer logged, either by their ids or every logged
        entry of a week; so may their representative whose scope allows it, or a coordinator
        recording what the householder said (`on_behalf`), but never the coordinator who logged
        those hours for the sharer (409). Confirmed entries can no longer be changed by the sharer.
        """
        entries = service.confirm(actor=current_account(), match=match, entry_ids=data.get("entry_ids"),
                                  week_of=data.get("week_of"), on_behalf=data["on_behalf"])
        return {"confirmed": entries}


@blp.route("/matches/<uuid:match_id>/hours/<uuid:entry_id>/dispute")
class Dispute(MethodView):
    @blp.doc(operationId="disputeHoursEntry")
    @requires(Role.HOUSEHOLDER, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=(Scope.CONFIRM_HOURS,))
    @blp.arguments(DisputeSchema)
    @blp.response(200, EntrySchema)
    @documents_errors(404, 409)
    def post(self, data, match: Match, entry_id: uuid.UUID):
        """Dispute an entry, saying why (the match's householder, or someone for them)

        The householder (or their representative, or a coordinator recording what the
        householder said) says the entry is wrong and why, for the match's coordinators to settle.
        """
        return service.dispute(actor=current_account(), on_behalf=data["on_behalf"], match=match, entry=service.get_entry(match, entry_id), reason=data["reason"])


@blp.route("/matches/<uuid:match_id>/hours/weeks")
class Weeks(MethodView):
    @blp.doc(operationId="listWeeklyHours")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(Scope.SEE_MATCH, Scope.CONFIRM_HOURS))
    @blp.arguments(RangeQuerySchema, location="query")
    @blp.response(200, WeeklySummarySchema)
    @documents_errors(404)
    def get(self, query, match: Match):
        """Weekly sums, Monday to Sunday in the scheme's time zone, newest first, with the shortfall flag

        Each week's logged, confirmed and disputed minutes, compared with the hours the
        agreement sets.
        """
        return weeks.weekly_summary(match=match, scheme=get_scheme(match.scheme_id), first=query.get("from_"),
                                      last=query.get("to"), page=query["page"], per_page=query["per_page"])


@blp.route("/matches/<uuid:match_id>/hours.csv")
class EntriesCsv(MethodView):
    @blp.doc(operationId="exportHoursEntriesCsv")
    @requires(Role.COORDINATOR)
    @blp.doc(responses={"200": {"description": "The match's entries as CSV.", **CSV_CONTENT}})
    @documents_errors(404)
    def get(self, match: Match):
        """Download a match's hours entries as CSV (coordinators)

        The same entries as the list, one row each, for a spreadsheet.
        """
        record_export(actor_id=current_account().id, scheme_id=match.scheme_id, kind="hours-entries")
        return csv_response(f"hours-{match.id}.csv", service.ENTRY_COLUMNS, service.entry_rows(match))


@blp.route("/schemes/<uuid:scheme_id>/hours/weeks.csv")
class SchemeWeeksCsv(MethodView):
    @blp.doc(operationId="exportWeeklyHoursCsv")
    @requires(Role.COORDINATOR)
    @blp.arguments(CsvRangeQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "Every match's weeks in the range, as CSV.", **CSV_CONTENT}})
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Download the weekly sums of every match of your scheme as CSV

        For the scheme's coordinators: one row per match and week.
        """
        record_export(actor_id=current_account().id, scheme_id=scheme.id, kind="hours-weeks")
        rows = weeks.week_rows(scheme=scheme, first=query["from_"], last=query["to"])
        return csv_response(f"hours-weeks-{query['from_']}-{query['to']}.csv", weeks.WEEK_COLUMNS, rows)


@blp.route("/schemes/<uuid:scheme_id>/hours/shortfalls")
class Shortfalls(MethodView):
    @blp.doc(operationId="listHoursShortfalls")
    @requires(Role.COORDINATOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(FlaggedMatchSchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Your scheme's live matches below their agreed hours for the set number of weeks

        For the scheme's coordinators: matches whose confirmed hours fell below the scheme's
        share of the agreed hours for its number of weeks in a row.
        """
        return weeks.scheme_shortfalls(scheme=scheme, page=query["page"], per_page=query["per_page"])


@blp.route("/schemes/<uuid:scheme_id>/hours/disputed")
class Disputed(MethodView):
    @blp.doc(operationId="listDisputedHours")
    @requires(Role.COORDINATOR)
    @blp.arguments(RangeQuerySchema, location="query")
    @blp.response(200, page_of(EntrySchema))
    @documents_errors(404)
    def get(self, query, scheme: Scheme):
        """Disputed entries across your scheme, newest first

        For the scheme's coordinators: the entries a householder disputed, to settle them.
        """
        return service.list_entries(scope=service.in_scheme(scheme.id), status=EntryStatus.DISPUTED,
                                    first=query.get("from_"),
                                    last=query.get("to"), page=query["page"], per_page=query["per_page"])
