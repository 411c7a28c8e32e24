from __future__ import annotations

import uuid

from flask.views import MethodView

from homeshare.behalf.models import Scope
from homeshare.common.access import current_account, requires
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.checkins import service
from homeshare.checkins.schemas import (
    AnswerRequestSchema,
    AnswerViewSchema,
    CheckInSchema,
    CoordinatorContactSchema,
    MoveCheckInSchema,
    NewCheckInSchema,
    OwnCheckInSchema,
)
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.extensions import Blueprint, documents_errors
from homeshare.matching.models import Match

blp = Blueprint("checkins", __name__, url_prefix="/api/v1", description="Check-ins of matches.")


def _own(checkin, side: str) -> dict:
    mine = next((a for a in checkin.answers if a.side == side), None)
    return {"id": checkin.id, "kind": checkin.kind, "due_on": checkin.due_on, "opens_on": checkin.opens_on,
            "your_answer": mine}


@blp.route("/matches/<uuid:match_id>/checkins")
class CheckIns(MethodView):
    @blp.doc(operationId="listMatchCheckins")
    @requires(Role.COORDINATOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(CheckInSchema))
    @documents_errors(404)
    def get(self, query, match: Match):
        """A match's check-ins, soonest first, with both answers (coordinators)

        Every check-in planned or done for the match, each with the householder's and the
        sharer's answers.
        """
        return service.checkins_of(match, page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="addCheckin")
    @requires(Role.COORDINATOR)
    @blp.arguments(NewCheckInSchema)
    @blp.response(201, CheckInSchema)
    @documents_errors(404, 409)
    def post(self, data, match: Match):
        """Add a check-in to a live match (coordinators)

        An extra check-in on top of the ones the scheme's cadence plans. 409 once the match's
        check-ins are closed.
        """
        return service.add_checkin(actor=current_account(), match=match, kind=data["kind"], due_on=data["due_on"]), 201


@blp.route("/me/matches/<uuid:match_id>/checkins")
class OwnCheckIns(MethodView):
    @blp.doc(operationId="listMyCheckins")
    @requires(*MEMBER_ROLES, Role.REPRESENTATIVE, scopes=(Scope.ANSWER_CHECKINS,))
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(OwnCheckInSchema))
    @documents_errors(404)
    def get(self, query, match: Match):
        """Your check-ins in a match, soonest first, with your own answers

        The check-ins of one of your matches, with your own answers only. A representative who
        may answer check-ins sees those of the person they represent.
        """
        side, page = service.own_checkins(current_account(), match, page=query["page"], per_page=query["per_page"])
        page.items = [_own(checkin, side) for checkin in page.items]
        return page


@blp.route("/matches/<uuid:match_id>/checkins/<uuid:checkin_id>")
class CheckInDetail(MethodView):
    @blp.doc(operationId="rescheduleCheckin")
    @requires(Role.COORDINATOR)
    @blp.arguments(MoveCheckInSchema)
    @blp.response(200, CheckInSchema)
    @documents_errors(404, 409)
    def patch(self, data, match: Match, checkin_id: uuid.UUID):
        """Move a check-in to another day (coordinators)

        Changes the day the check-in is due. 409 once the match's check-ins are closed.
        """
        return service.move_checkin(actor=current_account(), match=match, checkin=service.checkin_in(match, checkin_id),
                                    due_on=data["due_on"])


@blp.route("/matches/<uuid:match_id>/checkins/<uuid:checkin_id>/answer")
class Answer(MethodView):
    @blp.doc(operationId="answerCheckin")
    @requires(*MEMBER_ROLES, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=(Scope.ANSWER_CHECKINS,))
    @blp.arguments(AnswerRequestSchema)
    @blp.response(200, AnswerViewSchema)
    @documents_errors(404, 409)
    def put(self, data, match: Match, checkin_id: uuid.UUID):
        """Answer a check-in (or change the answer); worrying answers alert the coordinators at once

        The householder or the sharer answers for themselves, a representative whose scope allows
        it for the person they represent, and a coordinator records the answers a person gave by
        phone or in person (`on_behalf`). Answering again replaces the answer. A score at or below
        the scheme's threshold alerts its coordinators at once. 409 `checkin-not-open` before the
        check-in opens (`opens_on`, a few days before it is due).
        """
        values = {name: value for name, value in data.items() if name != "on_behalf"}
        return service.answer(actor=current_account(), match=match, checkin=service.checkin_in(match, checkin_id),
                              values=values, on_behalf=data["on_behalf"])


@blp.route("/matches/<uuid:match_id>/checkins/<uuid:checkin_id>/contact")
class Contact(MethodView):
    @blp.doc(operationId="recordCheckinContact")
    @requires(Role.COORDINATOR)
    @blp.arguments(CoordinatorContactSchema)
    @blp.response(200, CheckInSchema)
    @documents_errors(404)
    def post(self, data, match: Match, checkin_id: uuid.UUID):
        """Record your own call or visit for a check-in (coordinators)

        A coordinator's own call or visit counts as the check-in done, with their note.
        """
        return service.record_contact(actor=current_account(), match=match,
                                      checkin=service.checkin_in(match, checkin_id), kind=data["kind"],
                                      at=data["at"], notes=data["notes"])
