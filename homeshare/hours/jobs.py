"""The hours' due work, run by the scheduler (``homeshare.jobs``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from flask_babel import lazy_gettext as _l, lazy_ngettext

from homeshare.absences.service import days_away
from homeshare.common.clock import local_moment
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import DAYS_IN_A_WEEK, away_in_week, watched_matches, week_start_of
from homeshare.matching.models import SHARING_STATES, Match
from homeshare.notifications import kinds
from homeshare.notifications.service import Message
from homeshare.schemes.models import Scheme


def hours_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """On Sundays, sharers who logged nothing this week (unless someone of the match was away
    all week); and, to the coordinators, matches whose hours are flagged short, and matches
    whose last completed week was over the agreement (once per match and week)."""
    settings = scheme.effective_settings
    local = now.astimezone(ZoneInfo(scheme.timezone))
    monday = week_start_of(local.date())
    messages: list[Message] = []
    if local.weekday() == 6 and now >= local_moment(local.date(), settings["reminder_hour"], scheme.timezone):
        logged_this_week = sa.exists().where(HoursEntry.match_id == Match.id, HoursEntry.week_start == monday,
                                             HoursEntry.deleted_at.is_(None))
        live = sa.select(Match.id).where(Match.scheme_id == scheme.id, Match.state.in_(SHARING_STATES))
        away = days_away(live, monday, local.date())
        messages += [
            kinds.HOURS_MISSING.message(
                sharer_id, event=f"hours:{match_id}:{monday}", title=_l("Log this week's hours"),
                body=_l("You have not logged any hours this week. A minute now keeps the record fair to both of you."),
                data={"match_id": str(match_id)})
            for match_id, sharer_id in db.session.execute(
                sa.select(Match.id, Match.sharer_id).where(
                    Match.scheme_id == scheme.id, Match.state.in_(SHARING_STATES),
                    Match.trial_started_on <= local.date(), sa.not_(logged_this_week)))
            if away_in_week(monday, away.get(match_id, ()), None, None) < DAYS_IN_A_WEEK
        ]
    flagged, over_agreed = watched_matches(scheme)
    for item in flagged:
        week = item.weeks[0].week_start
        messages += [kinds.HOURS_SHORTFALL.message(
                         coordinator, event=f"shortfall:{item.match.id}:{week}", title=_l("Hours have fallen short"),
                         body=_l("A match has been below its agreed hours for %(count)s weeks.",
                                 count=len(item.weeks)),
                         data={"match_id": str(item.match.id)})
                     for coordinator in coordinators]
    for item in over_agreed:
        week = item.weeks[0]
        messages += [kinds.HOURS_OVER_AGREED.message(
                         coordinator, event=f"over:{item.match.id}:{week.week_start}",
                         title=_l("Hours above the agreement"),
                         body=_l("In the week of %(week)s, a match logged %(counted)s minutes where the agreement "
                                 "expects %(expected)s.", week=week.week_start.isoformat(),
                                 counted=week.counted_minutes, expected=week.expected_minutes),
                         data={"match_id": str(item.match.id), "week_start": week.week_start.isoformat()})
                     for coordinator in coordinators]
    return messages


def hours_to_confirm_reminders(scheme: Scheme, coordinators: list[uuid.UUID], now: datetime) -> list[Message]:
    """From the scheme's ``reminder_hour`` on Mondays, householders whose match has hours of an
    earlier week neither confirmed nor questioned: once per householder and week (their
    representatives get copies)."""
    local = now.astimezone(ZoneInfo(scheme.timezone))
    monday = week_start_of(local.date())
    if now < local_moment(monday, scheme.effective_settings["reminder_hour"], scheme.timezone):
        return []
    waiting: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    for householder_id, match_id, count in db.session.execute(
            sa.select(Match.householder_id, Match.id, sa.func.count(HoursEntry.id))
            .join(HoursEntry, HoursEntry.match_id == Match.id)
            .where(Match.scheme_id == scheme.id, Match.state.in_(SHARING_STATES),
                   HoursEntry.status == EntryStatus.LOGGED, HoursEntry.deleted_at.is_(None),
                   HoursEntry.week_start < monday)
            .group_by(Match.householder_id, Match.id).order_by(Match.id)):
        waiting.setdefault(householder_id, (match_id, count))
    return [kinds.HOURS_TO_CONFIRM.message(
        householder_id, event=f"hours-to-confirm:{monday}", title=_l("Hours are waiting for you"),
        body=lazy_ngettext("%(num)d hours entry is waiting for you to confirm or question.",
                           "%(num)d hours entries are waiting for you to confirm or question.", count),
        data={"match_id": str(match_id)}) for householder_id, (match_id, count) in waiting.items()]
