"""Meeting rules and transactions: coordinators plan, move, cancel and mark meetings held; each
side gives feedback on a meeting held; both people are told of each change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from flask_babel import lazy_gettext as _l

from homeshare.common.languages import lowered, written_time
from homeshare.accounts.models import Account
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.behalf.service import Answerer
from homeshare.common.clock import utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import Match, MatchState
from homeshare.meetings.models import UPCOMING_STATUSES, Meeting, MeetingFeedback, MeetingKind, MeetingStatus
from homeshare.notifications import kinds
from homeshare.notifications.service import notify
from homeshare.schemes.models import Scheme

SEE_SCOPES = (Scope.SEE_MATCH, Scope.ANSWER_CHECKINS)
"""A representative who may see the match, or answer for the person, sees its meetings."""
FEEDBACK_SCOPE = Scope.ANSWER_CHECKINS
"""A representative who answers check-ins for the person gives their feedback on meetings too."""

KIND_NAMES = {
    MeetingKind.INTRODUCTION: _l("Introduction"), MeetingKind.VISIT: _l("Visit"),
    MeetingKind.SHARED_MEAL: _l("Shared meal"), MeetingKind.OVERNIGHT_STAY: _l("Overnight stay"),
    MeetingKind.FINAL_MEETING: _l("Final meeting"), MeetingKind.OTHER: _l("Meeting"),
}
TITLES = {
    "planned": lambda name: _l("%(meeting)s planned", meeting=name),
    "moved": lambda name: _l("%(meeting)s moved", meeting=name),
    "cancelled": lambda name: _l("%(meeting)s cancelled", meeting=name),
}

# A coordinator's steps, as the audit trail names them; the place and the notes are words about
# the people, kept out of the trail.
PLANNED = audit.declare("meeting.planned", plain=("kind", "starts_at", "ends_at", "coordinator_attends", "status"))
MOVED = audit.declare("meeting.moved", plain=("starts_at", "ends_at", "status", "sequence"))
CANCELLED = audit.declare("meeting.cancelled", plain=("status", "sequence"))
HELD = audit.declare("meeting.held", plain=("status",))
NOTES_WRITTEN = audit.declare("meeting.notes_written", plain=())
FEEDBACK_GIVEN = "meeting.feedback_given"


def zone_of(scheme_id: uuid.UUID) -> ZoneInfo:
    return ZoneInfo(db.session.get(Scheme, scheme_id).timezone)


def _shown(meetings: Sequence[Meeting], zone: ZoneInfo) -> Sequence[Meeting]:
    """The meetings with their feedback's behalf records, and the zone their times are shown in."""
    behalf.attach([item for meeting in meetings for item in meeting.feedback], "meeting_feedback")
    for meeting in meetings:
        meeting.zone = zone
    return meetings


def meeting_view(meeting: Meeting) -> Meeting:
    """One meeting, fresh from the database, with its feedback."""
    found = db.session.scalars(sa.select(Meeting).where(Meeting.id == meeting.id)
                               .options(selectinload(Meeting.feedback))
                               .execution_options(populate_existing=True)).one()
    return _shown([found], zone_of(found.scheme_id))[0]


def meeting_as_read(meeting: Meeting) -> Meeting:
    """The meeting as the gate read it in this request, with its feedback: a read needs no fresh
    copy (a change does, see ``meeting_view``), so the feedback is the only statement."""
    set_committed_value(meeting, "feedback", list(db.session.scalars(
        sa.select(MeetingFeedback).where(MeetingFeedback.meeting_id == meeting.id).order_by(MeetingFeedback.side))))
    return _shown([meeting], zone_of(meeting.scheme_id))[0]


def meetings_of(match: Match, *, page: int, per_page: int) -> Page[Meeting]:
    """A page of the match's meetings, soonest first, with their feedback and what was given for
    someone (four statements and the count, whatever the page size)."""
    statement = (sa.select(Meeting).where(Meeting.match_id == match.id).options(selectinload(Meeting.feedback))
                 .order_by(Meeting.starts_at, Meeting.id))
    result = paginate(statement, page=page, per_page=per_page)
    _shown(result.items, zone_of(match.scheme_id))
    return result


def own_meetings(actor: Account, match: Match, *, page: int, per_page: int) -> tuple[str, Page[Meeting]]:
    """The side whose meetings ``actor`` reads (their own, or the person's they represent), and a page of them."""
    return behalf.side_seen_by(actor, match, SEE_SCOPES), meetings_of(match, page=page, per_page=per_page)


def own_meeting(actor: Account, meeting: Meeting) -> tuple[str, Meeting]:
    return behalf.side_seen_by(actor, meeting.match, SEE_SCOPES), meeting_as_read(meeting)


# Planning ------------------------------------------------------------------------------------------


def _in_introduction(match: Match) -> None:
    if match.state is not MatchState.INTRODUCTION:
        raise Conflict(f"Meetings are planned while a match is in its introduction; this match is "
                       f"{match.state.value}.", kind="match-not-in-introduction")


def _times(values: Mapping[str, Any], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The start and end as instants: a time sent without an offset is the scheme's local time."""
    starts_at, ends_at = ((value if value.tzinfo is not None else value.replace(tzinfo=zone))
                          for value in (values["starts_at"], values["ends_at"]))
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": ["Must be after starts_at."]})
    return starts_at, ends_at


def _tell(match: Match, meeting: Meeting, event: str, zone: ZoneInfo) -> None:
    """Both people (and so their representatives) hear of it, once per meeting, event and version."""
    start = meeting.starts_at.astimezone(zone)
    when = _l("%(day)s at %(time)s", day=written_time(start, "EEEE d MMMM y"), time=f"{start:%H:%M}")
    name, title = KIND_NAMES[meeting.kind], TITLES[event](KIND_NAMES[meeting.kind])
    # Fixed wording and times only: the place may be someone's address, which their erasure blanks.
    body = _l("%(meeting)s on %(when)s. The details are in the app.", meeting=name, when=when)
    if meeting.status is MeetingStatus.CANCELLED:
        body = _l("Cancelled: %(meeting)s on %(when)s.", meeting=lowered(name), when=when)
    data = {"match_id": str(match.id), "meeting_id": str(meeting.id)}
    kind = {"planned": kinds.MEETING_PLANNED, "moved": kinds.MEETING_MOVED, "cancelled": kinds.MEETING_CANCELLED}[event]
    notify(kind.message(person, event=f"meeting:{meeting.id}:{event}:{meeting.sequence}", title=title, body=body,
                        data=data) for person in (match.householder_id, match.sharer_id))


def _record(actor: Account, meeting: Meeting, action: str, before: dict[str, Any] | None,
            after: dict[str, Any]) -> None:
    audit.record(actor_id=actor.id, scheme_id=meeting.scheme_id, action=action, target_type="meeting",
                 target_id=meeting.id, before=before, after=after)


def _same_plan(meeting: Meeting, match: Match, kind: MeetingKind, starts_at: datetime) -> bool:
    return meeting.match_id == match.id and meeting.kind is kind and meeting.starts_at == starts_at


def plan(*, actor: Account, match: Match, values: Mapping[str, Any]) -> tuple[Meeting, bool]:
    """Plan a meeting of a match in its introduction, and tell both people. Safe to repeat: the
    same ``meeting_id``, or the same kind at the same start while it is not cancelled, returns
    the meeting planned before. Returns the meeting and whether it was planned now."""
    meeting_id = values.get("meeting_id")
    if meeting_id is not None:
        existing = db.session.get(Meeting, meeting_id)
        if existing is not None:
            if existing.match_id == match.id:
                return meeting_view(existing), False
            raise Conflict("This id is already used; choose another.", kind="id-reused")
    _in_introduction(match)
    zone = zone_of(match.scheme_id)
    starts_at, ends_at = _times(values, zone)
    same = db.session.scalars(sa.select(Meeting).where(
        Meeting.match_id == match.id, Meeting.kind == values["kind"], Meeting.starts_at == starts_at,
        Meeting.status != MeetingStatus.CANCELLED)).first()
    if same is not None:
        return meeting_view(same), False
    now = utcnow()
    meeting = Meeting(id=meeting_id or uuid.uuid4(), match_id=match.id, scheme_id=match.scheme_id,
                      kind=values["kind"], starts_at=starts_at, ends_at=ends_at, place=values["place"],
                      coordinator_attends=values["coordinator_attends"], status=MeetingStatus.PLANNED, sequence=0,
                      coordinator_notes=values.get("coordinator_notes"), created_by_id=actor.id, created_at=now,
                      updated_at=now)
    db.session.add(meeting)
    _record(actor, meeting, PLANNED, None, {
        "kind": meeting.kind.value, "starts_at": starts_at, "ends_at": ends_at, "place": meeting.place,
        "coordinator_attends": meeting.coordinator_attends, "status": meeting.status.value,
        "notes": meeting.coordinator_notes})
    try:
        db.session.flush()
        _tell(match, meeting, "planned", zone)
        db.session.commit()
    except IntegrityError:  # the same meeting_id sent twice at once: the other request planned it
        db.session.rollback()
        if meeting_id is None:
            raise
        return plan(actor=actor, match=match, values=values)
    return meeting_view(meeting), True


def _upcoming(meeting: Meeting, step: str) -> None:
    if meeting.status not in UPCOMING_STATUSES:
        raise Conflict(f"Only a planned or moved meeting can be {step}; this one is {meeting.status.value}.",
                       kind="meeting-not-upcoming")


def move(*, actor: Account, meeting: Meeting, values: Mapping[str, Any]) -> Meeting:
    """Plan the meeting again at another time (and place), and tell both people. The same time
    and place again changes nothing."""
    match = db.session.get(Match, meeting.match_id)
    _upcoming(meeting, "moved")
    _in_introduction(match)
    zone = zone_of(match.scheme_id)
    starts_at, ends_at = _times(values, zone)
    place = values.get("place") or meeting.place
    if (starts_at, ends_at, place) == (meeting.starts_at, meeting.ends_at, meeting.place):
        return meeting_view(meeting)
    before = {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "place": meeting.place,
              "status": meeting.status.value, "sequence": meeting.sequence}
    changes = {"starts_at": starts_at, "ends_at": ends_at, "place": place, "sequence": meeting.sequence + 1,
               "updated_at": utcnow()}
    if starts_at != meeting.starts_at or ends_at != meeting.ends_at:
        changes.update(previous_starts_at=meeting.starts_at, status=MeetingStatus.MOVED)
    # Conditional, so that a cancellation or another move at the same moment is not undone.
    changed = db.session.execute(
        sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.status.in_(UPCOMING_STATUSES),
                                 Meeting.sequence == meeting.sequence).values(**changes)).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict("The meeting was changed meanwhile; read it again.", kind="concurrent-change")
    db.session.refresh(meeting)
    _record(actor, meeting, MOVED, before, {"starts_at": starts_at, "ends_at": ends_at, "place": place,
                                            "status": meeting.status.value, "sequence": meeting.sequence})
    _tell(match, meeting, "moved", zone)
    db.session.commit()
    return meeting_view(meeting)


def cancel(*, actor: Account, meeting: Meeting, attempt: int = 1) -> Meeting:
    """Cancel a planned or moved meeting, and tell both people; cancelling again changes nothing.
    A move that lands first is cancelled in turn."""
    if meeting.status is MeetingStatus.CANCELLED:
        return meeting_view(meeting)
    _upcoming(meeting, "cancelled")
    match = db.session.get(Match, meeting.match_id)
    before = {"status": meeting.status.value, "sequence": meeting.sequence}
    # Conditional, so that two cancellations at once tell the people once.
    changed = db.session.execute(
        sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.status.in_(UPCOMING_STATUSES),
                                 Meeting.sequence == meeting.sequence)
        .values(status=MeetingStatus.CANCELLED, sequence=meeting.sequence + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not changed:  # cancelled or moved by a request at the same moment: act on it as it is now
        db.session.rollback()
        db.session.refresh(meeting)
        if attempt == 3:
            raise Conflict("The meeting was changed meanwhile; read it again.", kind="concurrent-change")
        return cancel(actor=actor, meeting=meeting, attempt=attempt + 1)
    db.session.refresh(meeting)
    _record(actor, meeting, CANCELLED, before, {"status": meeting.status.value, "sequence": meeting.sequence})
    _tell(match, meeting, "cancelled", zone_of(match.scheme_id))
    db.session.commit()
    return meeting_view(meeting)


def mark_held(*, actor: Account, meeting: Meeting) -> Meeting:
    """Record that a planned or moved meeting took place, once its start has passed; again
    changes nothing."""
    if meeting.status is MeetingStatus.HELD:
        return meeting_view(meeting)
    _upcoming(meeting, "marked held")
    if meeting.starts_at > utcnow():
        raise Conflict("This meeting has not started yet; mark it held once it has.", kind="meeting-not-started")
    _record(actor, meeting, HELD, {"status": meeting.status.value}, {"status": MeetingStatus.HELD.value})
    meeting.status, meeting.updated_at = MeetingStatus.HELD, utcnow()
    db.session.commit()
    return meeting_view(meeting)


def set_notes(*, actor: Account, meeting: Meeting, notes: str | None) -> Meeting:
    """The coordinators' notes on the meeting (never shown to the people or their representatives)."""
    if meeting.coordinator_notes != notes:
        _record(actor, meeting, NOTES_WRITTEN, {"notes": meeting.coordinator_notes}, {"notes": notes})
        meeting.coordinator_notes, meeting.updated_at = notes, utcnow()
        db.session.commit()
    return meeting_view(meeting)


# Feedback ------------------------------------------------------------------------------------------


def give_feedback(*, actor: Account, meeting: Meeting, values: Mapping[str, Any],
                  on_behalf: Mapping[str, Any] | None = None) -> MeetingFeedback:
    """Record (or replace) one side's feedback on a meeting held: the person's own, their
    representative's (who answers check-ins for them), or a coordinator's record of what the
    person said (``on_behalf``)."""
    match = db.session.get(Match, meeting.match_id)
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=FEEDBACK_SCOPE)
    if meeting.status is not MeetingStatus.HELD:
        raise Conflict(f"Feedback is given on a meeting once it was held; this one is {meeting.status.value}.",
                       kind="meeting-not-held")
    return _feedback(answerer, match, meeting, values)


def _feedback(answerer: Answerer, match: Match, meeting: Meeting, values: Mapping[str, Any],
              retried: bool = False) -> MeetingFeedback:
    existing = db.session.scalars(sa.select(MeetingFeedback).where(
        MeetingFeedback.meeting_id == meeting.id, MeetingFeedback.side == answerer.side)).first()
    if existing is not None and existing.given_as == answerer.given_as and all(
            getattr(existing, name) == value for name, value in values.items()):
        return behalf.attach([existing], "meeting_feedback")[0]  # the same feedback again changes nothing
    record = existing or MeetingFeedback(id=uuid.uuid4(), meeting_id=meeting.id, side=answerer.side,
                                         account_id=answerer.person_id)
    for name, value in values.items():
        setattr(record, name, value)
    record.given_at, record.given_as = utcnow(), answerer.given_as
    try:
        db.session.add(record)
        behalf.record(answerer, scheme_id=match.scheme_id, action=FEEDBACK_GIVEN, target_type="meeting_feedback",
                      target_id=record.id)
        db.session.commit()
    except IntegrityError:  # this side's feedback arrived twice at once: apply it to the stored one
        db.session.rollback()
        if retried:
            raise
        return _feedback(answerer, match, meeting, values, retried=True)
    return behalf.attach([record], "meeting_feedback")[0]
