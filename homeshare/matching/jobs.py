"""The matches' due work, run by the scheduler (``homeshare.jobs``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.matching import service
from homeshare.matching.models import TRIAL_REVIEW_NOTICE_DAYS, Match, MatchState
from homeshare.notifications.service import Message
from homeshare.schemes.models import Scheme


def trial_ending_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Trials ending within the review notice: the coordinators, for the trial review."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    return [
        Message(coordinator, "trial_ending", "A trial ends soon: time for its review",
                f"The trial ends on {ends_on.isoformat()}.",
                f"trial-ending:{match_id}:{ends_on}:{coordinator}", {"match_id": str(match_id)})
        for match_id, ends_on in db.session.execute(
            sa.select(Match.id, Match.trial_ends_on).where(
                Match.scheme_id == scheme.id, Match.state == MatchState.TRIAL, Match.trial_ends_on >= today,
                Match.trial_ends_on <= today + timedelta(days=TRIAL_REVIEW_NOTICE_DAYS)))
        for coordinator in coordinators
    ]


def notice_endings(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Matches whose notice's last day has passed (in the scheme's time zone) end on that day,
    once whatever number of schedulers run; both people and the coordinators are told."""
    return service.notices_run_out(scheme, now, coordinators)
