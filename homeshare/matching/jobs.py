"""The matches' due work, run by the scheduler (``homeshare.jobs``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from flask_babel import lazy_gettext as _l

from homeshare.common.clock import local_moment
from homeshare.extensions import db
from homeshare.matching import service
from homeshare.matching.models import TRIAL_REVIEW_NOTICE_DAYS, Match, MatchState, TrialReview, TrialReviewView
from homeshare.notifications import kinds
from homeshare.notifications.service import Message
from homeshare.schemes.models import Scheme


def trial_ending_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Trials ending within the review notice: the coordinators, for the trial review."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    return [
        kinds.TRIAL_ENDING.message(coordinator, event=f"trial-ending:{match_id}:{ends_on}",
                                   title=_l("A trial ends soon: time for its review"),
                                   body=_l("The trial ends on %(day)s.", day=ends_on.isoformat()),
                                   data={"match_id": str(match_id)})
        for match_id, ends_on in db.session.execute(
            sa.select(Match.id, Match.trial_ends_on).where(
                Match.scheme_id == scheme.id, Match.state == MatchState.TRIAL, Match.trial_ends_on >= today,
                Match.trial_ends_on <= today + timedelta(days=TRIAL_REVIEW_NOTICE_DAYS)))
        for coordinator in coordinators
    ]


def trial_review_view_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Trials ending within the review notice: each person who has not given their view at the
    round under way is asked for it, from the scheme's ``reminder_hour`` on the first day of the
    notice, once per person and round."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    ending = db.session.execute(sa.select(Match.id, Match.householder_id, Match.sharer_id, Match.trial_ends_on).where(
        Match.scheme_id == scheme.id, Match.state == MatchState.TRIAL, Match.trial_ends_on >= today,
        Match.trial_ends_on <= today + timedelta(days=TRIAL_REVIEW_NOTICE_DAYS))).all()
    if not ending:
        return []
    latest: dict[uuid.UUID, tuple[int, uuid.UUID]] = {}
    for match_id, number, review_id in db.session.execute(
            sa.select(TrialReview.match_id, TrialReview.round, TrialReview.id)
            .where(TrialReview.match_id.in_([row.id for row in ending])).order_by(TrialReview.round)):
        latest[match_id] = (number, review_id)
    given = {(review_id, side) for review_id, side in db.session.execute(
        sa.select(TrialReviewView.review_id, TrialReviewView.side).where(
            TrialReviewView.review_id.in_([review_id for _number, review_id in latest.values()])))} if latest else set()
    messages = []
    hour = scheme.effective_settings["reminder_hour"]
    for match_id, householder_id, sharer_id, ends_on in ending:
        if now < local_moment(ends_on - timedelta(days=TRIAL_REVIEW_NOTICE_DAYS), hour, scheme.timezone):
            continue
        number, review_id = latest.get(match_id, (1, None))
        for side, person in (("householder", householder_id), ("sharer", sharer_id)):
            if (review_id, side) in given:
                continue
            messages.append(kinds.TRIAL_REVIEW_VIEW_DUE.message(
                person, event=f"trial-review-view:{match_id}:{number}", title=_l("How is your trial going?"),
                body=_l("Your trial ends on %(day)s: tell your coordinator whether you would like to carry on.",
                        day=ends_on.isoformat()),
                data={"match_id": str(match_id)}))
    return messages


def notice_endings(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """Matches whose notice's last day has passed (in the scheme's time zone) end on that day,
    once whatever number of schedulers run; both people and the coordinators are told."""
    return service.notices_run_out(scheme, now, coordinators)
