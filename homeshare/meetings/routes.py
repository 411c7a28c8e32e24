from __future__ import annotations

from flask.views import MethodView

from homeshare.common.access import current_account, requires
from homeshare.common.pagination import PageQuerySchema, page_of
from homeshare.common.roles import MEMBER_ROLES, Role
from homeshare.extensions import Blueprint, documents_errors
from homeshare.matching.models import Match
from homeshare.meetings import service
from homeshare.meetings.models import Meeting
from homeshare.meetings.schemas import (
    FeedbackRequestSchema,
    FeedbackViewSchema,
    MeetingNotesSchema,
    MeetingSchema,
    MoveMeetingSchema,
    NewMeetingSchema,
    OwnMeetingSchema,
)
from homeshare.meetings.service import FEEDBACK_SCOPE, SEE_SCOPES

blp = Blueprint("meetings", __name__, url_prefix="/api/v1",
                description="Meetings of a match in its introduction: visits, a shared meal, an overnight stay.")

_SHOWN = ("id", "match_id", "kind", "status", "local_starts_at", "local_ends_at", "local_previous_starts_at",
          "timezone", "place", "coordinator_attends", "sequence")


def _own(meeting: Meeting, side: str) -> dict:
    """What one side sees of a meeting: its own feedback, never the coordinators' notes."""
    return {**{name: getattr(meeting, name) for name in _SHOWN},
            "your_feedback": next((item for item in meeting.feedback if item.side == side), None)}


@blp.route("/matches/<uuid:match_id>/meetings")
class MatchMeetings(MethodView):
    @blp.doc(operationId="listMatchMeetings")
    @requires(Role.COORDINATOR)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(MeetingSchema))
    @documents_errors(404)
    def get(self, query, match: Match):
        """A match's meetings, soonest first, with both sides' feedback (coordinators)

        Every meeting planned for the match, whatever its status, with the coordinators' notes.
        """
        return service.meetings_of(match, page=query["page"], per_page=query["per_page"])

    @blp.doc(operationId="planMeeting")
    @requires(Role.COORDINATOR)
    @blp.arguments(NewMeetingSchema)
    @blp.response(201, MeetingSchema, description="Planned; both people are told.")
    @blp.alt_response(200, schema=MeetingSchema, success=True,
                      description="The same meeting was planned before (the same `meeting_id`, or the same kind at "
                                  "the same start): it.")
    @documents_errors(404, 409)
    def post(self, data, match: Match):
        """Plan a meeting of a match in its introduction (coordinators)

        Times without an offset are the scheme's local time. Both people (and their representatives
        who receive their notifications) are told. 409 `match-not-in-introduction` for a match in
        any other state. Sending the same request again plans nothing new.
        """
        meeting, created = service.plan(actor=current_account(), match=match, values=data)
        return meeting, 201 if created else 200


@blp.route("/meetings/<uuid:meeting_id>")
class MeetingDetail(MethodView):
    @blp.doc(operationId="getMeeting")
    @requires(Role.COORDINATOR)
    @blp.response(200, MeetingSchema)
    @documents_errors(404)
    def get(self, meeting: Meeting):
        """A meeting, with both sides' feedback and the coordinators' notes (coordinators)

        Its kind, times (with the offset of the scheme's time zone), place, status, the start
        before its last move, and the feedback each side gave once it was held.
        """
        return service.meeting_as_read(meeting)

    @blp.doc(operationId="moveMeeting")
    @requires(Role.COORDINATOR)
    @blp.arguments(MoveMeetingSchema)
    @blp.response(200, MeetingSchema)
    @documents_errors(404, 409)
    def patch(self, data, meeting: Meeting):
        """Move a planned meeting to another time, or place (coordinators)

        The meeting becomes `moved`, keeping the start before in `previous_starts_at`, and both
        people are told. 409 `meeting-not-upcoming` once it was held or cancelled, and
        `match-not-in-introduction` once the match left its introduction. The same time and place
        again changes nothing.
        """
        return service.move(actor=current_account(), meeting=meeting, values=data)


@blp.route("/meetings/<uuid:meeting_id>/cancellation")
class MeetingCancellation(MethodView):
    @blp.doc(operationId="cancelMeeting")
    @requires(Role.COORDINATOR)
    @blp.response(200, MeetingSchema)
    @documents_errors(404, 409)
    def post(self, meeting: Meeting):
        """Cancel a planned or moved meeting (coordinators)

        Both people are told. Cancelling again changes nothing; 409 `meeting-not-upcoming` for a
        meeting that was held.
        """
        return service.cancel(actor=current_account(), meeting=meeting)


@blp.route("/meetings/<uuid:meeting_id>/held")
class MeetingHeld(MethodView):
    @blp.doc(operationId="markMeetingHeld")
    @requires(Role.COORDINATOR)
    @blp.response(200, MeetingSchema)
    @documents_errors(404, 409)
    def post(self, meeting: Meeting):
        """Record that a meeting took place (coordinators)

        Once its start has passed (409 `meeting-not-started` before); then each side may give its
        feedback. Marking it again changes nothing; 409 `meeting-not-upcoming` for a cancelled one.
        """
        return service.mark_held(actor=current_account(), meeting=meeting)


@blp.route("/meetings/<uuid:meeting_id>/notes")
class MeetingNotes(MethodView):
    @blp.doc(operationId="setMeetingNotes")
    @requires(Role.COORDINATOR)
    @blp.arguments(MeetingNotesSchema)
    @blp.response(200, MeetingSchema)
    @documents_errors(404)
    def put(self, data, meeting: Meeting):
        """Write the coordinators' notes on a meeting (coordinators)

        Never shown to the householder, the sharer or a representative, nor in their calendars.
        """
        return service.set_notes(actor=current_account(), meeting=meeting, notes=data["notes"])


@blp.route("/meetings/<uuid:meeting_id>/feedback")
class FeedbackOnMeeting(MethodView):
    @blp.doc(operationId="giveMeetingFeedback")
    @requires(*MEMBER_ROLES, Role.COORDINATOR, Role.REPRESENTATIVE, scopes=(FEEDBACK_SCOPE,))
    @blp.arguments(FeedbackRequestSchema)
    @blp.response(200, FeedbackViewSchema)
    @documents_errors(404, 409)
    def put(self, data, meeting: Meeting):
        """Give feedback on a meeting that was held (or change it)

        How it went (1 to 5), whether you would like to carry on, and a comment. The householder
        or the sharer gives their own; a representative who answers check-ins for the person gives
        theirs; a coordinator records what a person said by phone or in person (`on_behalf`).
        Giving it again replaces it. 409 `meeting-not-held` until the meeting is marked held.
        """
        values = {name: value for name, value in data.items() if name != "on_behalf"}
        return service.give_feedback(actor=current_account(), meeting=meeting, values=values,
                                     on_behalf=data["on_behalf"])


@blp.route("/me/matches/<uuid:match_id>/meetings")
class OwnMeetings(MethodView):
    @blp.doc(operationId="listMyMeetings")
    @requires(*MEMBER_ROLES, Role.REPRESENTATIVE, scopes=SEE_SCOPES)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, page_of(OwnMeetingSchema))
    @documents_errors(404)
    def get(self, query, match: Match):
        """Your meetings in a match, soonest first, with your own feedback

        A representative who may see the match or answer check-ins sees those of the person they
        represent.
        """
        side, page = service.own_meetings(current_account(), match, page=query["page"], per_page=query["per_page"])
        page.items = [_own(meeting, side) for meeting in page.items]
        return page


@blp.route("/me/meetings/<uuid:meeting_id>")
class OwnMeeting(MethodView):
    @blp.doc(operationId="getMyMeeting")
    @requires(*MEMBER_ROLES, Role.REPRESENTATIVE, scopes=SEE_SCOPES)
    @blp.response(200, OwnMeetingSchema)
    @documents_errors(404)
    def get(self, meeting: Meeting):
        """One of your meetings, with your own feedback

        A meeting of one of your matches (or of the person you represent, for a representative
        who may see the match or answer check-ins): its kind, times, place, status and the
        feedback you gave. Never the coordinators' notes.
        """
        side, found = service.own_meeting(current_account(), meeting)
        return _own(found, side)
