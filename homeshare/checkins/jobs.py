"""The check-ins' due work, run by the scheduler (``homeshare.jobs``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from flask_babel import lazy_gettext as _l

from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.checkins.service import ensure_schedule
from homeshare.common.clock import local_moment
from homeshare.extensions import db
from homeshare.matching.models import SHARING_STATES, Match
from homeshare.notifications import kinds
from homeshare.notifications.kinds import Text
from homeshare.notifications.service import Message
from homeshare.schemes.models import Scheme

SECOND_REMINDER_AFTER_DAYS = 2
"""A side that has not answered a check-in is reminded on the due day and again this much later."""


def ensure_schedules() -> None:
    """Extend the schedule of every match whose sharer lives in the home; commits."""
    schemes = {s.id: s for s in db.session.scalars(sa.select(Scheme))}
    for match in db.session.scalars(sa.select(Match).where(Match.state.in_(SHARING_STATES))):
        ensure_schedule(match, schemes[match.scheme_id])
    db.session.commit()


def checkin_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Each side that has not answered: on the due day, and again two days later; after the
    grace period the check-in is overdue, the coordinators are told, and it is marked escalated
    (in the caller's transaction)."""
    settings, zone = scheme.effective_settings, ZoneInfo(scheme.timezone)
    hour, grace = settings["reminder_hour"], settings["checkin_grace_days"]
    today = now.astimezone(zone).date()

    def answered(side: str):
        return sa.exists().where(CheckInAnswer.checkin_id == CheckIn.id, CheckInAnswer.side == side)

    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.due_on, Match.id, Match.householder_id, Match.sharer_id,
                  answered("householder"), answered("sharer"))
        .join(Match, Match.id == CheckIn.match_id)
        .where(Match.scheme_id == scheme.id, Match.state.in_(SHARING_STATES),
               CheckIn.due_on <= today, CheckIn.due_on >= today - timedelta(days=grace + 30))
    ).all()
    messages: list[Message] = []
    overdue = []
    # The texts of each due day, made once for all its check-ins (``notify`` writes each once).
    title = _l("Time for your check-in")
    bodies: dict[date, Text] = {}
    for checkin_id, due_on, match_id, householder_id, sharer_id, householder_done, sharer_done in rows:
        data = {"match_id": str(match_id), "checkin_id": str(checkin_id)}
        waiting = [p for p, done in ((householder_id, householder_done), (sharer_id, sharer_done)) if not done]
        body = bodies.get(due_on)
        if body is None:
            body = bodies[due_on] = _l("Please tell us how things are going (check-in due %(day)s).",
                                       day=due_on.isoformat())
        for step, offset in (("due", 0), ("again", SECOND_REMINDER_AFTER_DAYS)):
            if now >= local_moment(due_on + timedelta(days=offset), hour, scheme.timezone):
                messages += [kinds.CHECKIN_DUE.message(
                    person, event=f"checkin:{checkin_id}:{due_on}:{step}", title=title, body=body, data=data)
                    for person in waiting]
        if waiting and now >= local_moment(due_on + timedelta(days=grace), hour, scheme.timezone):
            overdue.append(checkin_id)
            messages += [kinds.CHECKIN_OVERDUE.message(
                coordinator, event=f"checkin:{checkin_id}:{due_on}:overdue", title=_l("A check-in is overdue"),
                body=_l("The check-in due %(day)s is still unanswered by %(count)s of the 2 people.",
                        day=due_on.isoformat(), count=len(waiting)),
                data=data) for coordinator in coordinators]
    if overdue:
        db.session.execute(sa.update(CheckIn).where(CheckIn.id.in_(overdue), CheckIn.escalated_at.is_(None))
                           .values(escalated_at=now))
    return messages
