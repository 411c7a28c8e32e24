"""Who reaches a meeting: whoever reaches its match (``matching.access``)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from homeshare.behalf.models import Scope
from homeshare.common.access import PathObject
from homeshare.errors import NotFound
from homeshare.extensions import db
from homeshare.matching.access import reach_match
from homeshare.meetings.models import Meeting


def reach_meeting(account, meeting_id: uuid.UUID, scopes: tuple[Scope, ...] = ()) -> Meeting:
    """The meeting, for the coordinators of its match's scheme, the match's two people, and their
    representatives whose consent covers ``scopes``; NotFound for anyone else. The match comes
    in the meeting's statement, and stays with it for the view."""
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id).options(joinedload(Meeting.match)))
    if meeting is not None:
        try:
            reach_match(account, meeting.match_id, scopes)
        except NotFound:
            pass
        else:
            return meeting
    raise NotFound("No such meeting.")


MEETING = PathObject("meeting_id", "meeting", reach_meeting, scoped=True)
