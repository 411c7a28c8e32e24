from __future__ import annotations

import uuid

from flask.views import MethodView

from homeshare.absences import service
from homeshare.absences.schemas import AbsenceChangeSchema, AbsenceRequestSchema, AbsenceSchema
from homeshare.behalf.models import Scope
from homeshare.common.access import current_account, requires
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.roles import EVERYONE_IN_A_MATCH, Role
from homeshare.extensions import Blueprint, documents_errors
from homeshare.matching.models import Match

blp = Blueprint("absences", __name__, url_prefix="/api/v1",
                description="Absences: the days a householder or a sharer is away.")


@blp.route("/matches/<uuid:match_id>/absences")
class Absences(MethodView):
    @blp.doc(operationId="listAbsences")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(Scope.SEE_MATCH, service.SCOPE))
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(AbsenceSchema))
    @documents_errors(404)
    def get(self, query, match: Match):
        """A match's absences, soonest first (both people, their representatives, coordinators)

        Every absence of either person of the match that is not cancelled. The weekly hours
        expected of the match are prorated for the days away.
        """
        return service.absences_of(match, page=query["page"], per_page=query["per_page"])


@blp.route("/matches/<uuid:match_id>/absences/<uuid:absence_id>")
class Absence(MethodView):
    @blp.doc(operationId="recordAbsence")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(service.SCOPE,))
    @blp.arguments(AbsenceRequestSchema)
    @blp.response(201, AbsenceSchema, description="The absence was recorded.")
    @blp.alt_response(200, schema=AbsenceSchema, description="The same absence again: nothing changed.",
                      success=True)
    @documents_errors(404, 409)
    def put(self, values, match: Match, absence_id: uuid.UUID):
        """Record an absence with an id the client chose (either person for themselves, or someone for them)

        A householder or a sharer records their own absence (403 for the other person's); a
        representative who may answer check-ins records the person's; a coordinator records
        either person's, as the scheme's own record or as the person's scribe (`on_behalf`).
        Safe to repeat: the same absence again answers 200; the same id with other content is
        409 `absence-id-reused`. Refused: days overlapping another absence of the same person
        (409 `absence-overlaps`), a match not in its trial, active or in notice (409
        `match-not-live`), a last day before the first (422). Open check-ins due inside the
        absence move to the day after it; an absence longer than the scheme's
        `long_absence_alert_days` alerts the coordinators.
        """
        absence, created = service.record_absence(actor=current_account(), match=match, absence_id=absence_id,
                                                  values=values, on_behalf=values["on_behalf"])
        return absence, 201 if created else 200

    @blp.doc(operationId="changeAbsence")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(service.SCOPE,))
    @blp.arguments(AbsenceChangeSchema)
    @blp.response(200, AbsenceSchema)
    @documents_errors(404, 409)
    def patch(self, changes, match: Match, absence_id: uuid.UUID):
        """Change an absence's kind, days or note (whoever may record that person's absences)

        The same rules as recording it. Open check-ins due inside the new days move to the day
        after them.
        """
        return service.change_absence(actor=current_account(), match=match,
                                      absence=service.absence_in(match, absence_id), changes=changes,
                                      on_behalf=changes.get("on_behalf"))

    @blp.doc(operationId="cancelAbsence")
    @requires(*EVERYONE_IN_A_MATCH, Role.REPRESENTATIVE, scopes=(service.SCOPE,))
    @blp.response(204)
    @documents_errors(404, 409)
    def delete(self, match: Match, absence_id: uuid.UUID):
        """Cancel an absence (the person, their representative, or a coordinator)

        A cancelled absence no longer counts; cancelling it again changes nothing. Check-ins it
        moved stay where they are.
        """
        service.cancel_absence(actor=current_account(), match=match, absence_id=absence_id)
