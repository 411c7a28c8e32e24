"""The meetings' due work, run by the scheduler (``homeshare.jobs``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from flask_babel import lazy_gettext as _l

from homeshare.common.clock import local_moment
from homeshare.extensions import db
from homeshare.matching.models import OPEN_STATES, Match
from homeshare.meetings.models import UPCOMING_STATUSES, Meeting
from homeshare.meetings.service import KIND_NAMES
from homeshare.notifications import kinds
from homeshare.notifications.service import Message
from homeshare.schemes.models import Scheme


def meeting_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Both people of a planned or moved meeting, the day before it (in the scheme's time zone),
    from the scheme's reminder hour: once per meeting, version and person."""
    zone = ZoneInfo(scheme.timezone)
    today = now.astimezone(zone).date()
    if now < local_moment(today, scheme.effective_settings["reminder_hour"], scheme.timezone):
        return []
    rows = db.session.execute(
        sa.select(Meeting.id, Meeting.kind, Meeting.starts_at, Meeting.sequence, Match.id,
                  Match.householder_id, Match.sharer_id)
        .join(Match, Match.id == Meeting.match_id)
        .where(Meeting.scheme_id == scheme.id, Meeting.status.in_(UPCOMING_STATUSES), Match.state.in_(OPEN_STATES),
               Meeting.starts_at > now, Meeting.starts_at < now + timedelta(days=2))
    ).all()
    messages: list[Message] = []
    for meeting_id, kind, starts_at, sequence, match_id, householder_id, sharer_id in rows:
        start = starts_at.astimezone(zone)
        if start.date() != today + timedelta(days=1):
            continue
        body = _l("%(meeting)s tomorrow at %(time)s. The details are in the app.", meeting=KIND_NAMES[kind],
                  time=f"{start:%H:%M}")
        data = {"match_id": str(match_id), "meeting_id": str(meeting_id)}
        messages += [kinds.MEETING_TOMORROW.message(person, event=f"meeting:{meeting_id}:reminder:{sequence}",
                                                    title=_l("Your meeting is tomorrow"), body=body, data=data)
                     for person in (householder_id, sharer_id)]
    return messages
