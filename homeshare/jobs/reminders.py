"""Who should be reminded of what, now. Each function adds notifications (once per key)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.extensions import db
from homeshare.hours import weeks as hours
from homeshare.hours.models import HoursEntry
from homeshare.matching.models import Match, MatchState
from homeshare.notifications.service import Message, coordinators_of, notify
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import CheckStatus, VettingCheck

SECOND_REMINDER_AFTER_DAYS = 2
EXPIRY_WARNING_DAYS = 30
TRIAL_ENDING_DAYS = 7
LIVE = (MatchState.TRIAL, MatchState.ACTIVE)


def local_moment(day: date, hour: int, timezone: str) -> datetime:
    """``hour`` o'clock on ``day`` where the scheme is, as an instant (right across clock changes)."""
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone))


def _take_scheme(scheme: Scheme) -> bool:
    """On PostgreSQL, let one tick at a time work through a scheme's reminders (a lock held
    to the end of its transaction); the others move on to other schemes. Correctness does
    not depend on it (reminder keys are unique): it only spares duplicate work."""
    if db.engine.dialect.name != "postgresql":
        return True
    key = scheme.id.int & (2**63 - 1)
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(key))))


def run_all(now: datetime) -> int:
    """Every reminder that is due at ``now``, for every scheme; commits. Returns how many are new."""
    created = 0
    for scheme in db.session.scalars(sa.select(Scheme).order_by(Scheme.id)).all():
        if not _take_scheme(scheme):
            db.session.commit()
            continue
        coordinators = coordinators_of(scheme.id)
        for producer in (checkin_reminders, hours_reminders, expiring_checks, trials_ending):
            created += notify(producer(scheme, coordinators, now), now=now)
        db.session.commit()
    return created


def checkin_reminders(scheme: Scheme, coordinators: list, now: datetime) -> Iterator[Message]:
    """Each side that has not answered: on the due day, and again two days later; after the
    grace period the check-in is overdue and the coordinators are told."""
    settings, zone = scheme.effective_settings, ZoneInfo(scheme.timezone)
    hour, grace = settings["reminder_hour"], settings["checkin_grace_days"]
    today = now.astimezone(zone).date()

    def answered(side: str):
        return sa.exists().where(CheckInAnswer.checkin_id == CheckIn.id, CheckInAnswer.side == side)

    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.due_on, CheckIn.escalated_at, Match.id, Match.householder_id, Match.sharer_id,
                  answered("householder"), answered("sharer"))
        .join(Match, Match.id == CheckIn.match_id)
        .where(Match.scheme_id == scheme.id, Match.state.in_(LIVE),
               CheckIn.due_on <= today, CheckIn.due_on >= today - timedelta(days=grace + 30))
    ).all()
    overdue = []
    for checkin_id, due_on, escalated_at, match_id, householder_id, sharer_id, householder_done, sharer_done in rows:
        data = {"match_id": str(match_id), "checkin_id": str(checkin_id)}
        waiting = [p for p, done in ((householder_id, householder_done), (sharer_id, sharer_done)) if not done]
        for step, offset in (("due", 0), ("again", SECOND_REMINDER_AFTER_DAYS)):
            if now >= local_moment(due_on + timedelta(days=offset), hour, scheme.timezone):
                for person in waiting:
                    yield Message(person, "checkin_due", "Time for your check-in",
                                  f"Please tell us how things are going (check-in due {due_on.isoformat()}).",
                                  f"checkin:{checkin_id}:{due_on}:{step}:{person}", data)
        if waiting and now >= local_moment(due_on + timedelta(days=grace), hour, scheme.timezone):
            overdue.append(checkin_id)
            for coordinator in coordinators:
                yield Message(coordinator, "checkin_overdue", "A check-in is overdue",
                              f"The check-in due {due_on.isoformat()} is still unanswered by "
                              f"{len(waiting)} of the 2 people.", f"checkin:{checkin_id}:{due_on}:overdue:{coordinator}", data)
    if overdue:
        db.session.execute(sa.update(CheckIn).where(CheckIn.id.in_(overdue), CheckIn.escalated_at.is_(None))
                           .values(escalated_at=now))


def hours_reminders(scheme: Scheme, coordinators: list, now: datetime) -> Iterator[Message]:
    """On Sundays, sharers who logged nothing this week; and live matches flagged short."""
    settings = scheme.effective_settings
    local = now.astimezone(ZoneInfo(scheme.timezone))
    monday = hours.week_start_of(local.date())
    if local.weekday() == 6 and now >= local_moment(local.date(), settings["reminder_hour"], scheme.timezone):
        logged_this_week = sa.exists().where(HoursEntry.match_id == Match.id, HoursEntry.week_start == monday,
                                             HoursEntry.deleted_at.is_(None))
        for match_id, sharer_id in db.session.execute(
            sa.select(Match.id, Match.sharer_id).where(Match.scheme_id == scheme.id, Match.state.in_(LIVE),
                                                       Match.trial_started_on <= local.date(),
                                                       sa.not_(logged_this_week))
        ):
            yield Message(sharer_id, "hours_missing", "Log this week's hours",
                          "You have not logged any hours this week. A minute now keeps the record fair to both of you.",
                          f"hours:{match_id}:{monday}", {"match_id": str(match_id)})
    flagged = hours.scheme_shortfalls(scheme=scheme, page=1, per_page=10**9).items
    for item in flagged:
        week = item.weeks[0].week_start
        for coordinator in coordinators:
            yield Message(coordinator, "hours_shortfall", "Hours have fallen short",
                          f"A match has been below its agreed hours for {len(item.weeks)} weeks.",
                          f"shortfall:{item.match.id}:{week}:{coordinator}", {"match_id": str(item.match.id)})


def expiring_checks(scheme: Scheme, coordinators: list, now: datetime) -> Iterator[Message]:
    """Valid checks that expire within 30 days: the person and the coordinators."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    for check_id, account_id, kind, expires_on in db.session.execute(
        sa.select(VettingCheck.id, VettingCheck.account_id, VettingCheck.kind, VettingCheck.expires_on)
        .join(Account, Account.id == VettingCheck.account_id)
        .where(Account.scheme_id == scheme.id, Account.is_active.is_(True),
               VettingCheck.status.in_((CheckStatus.PASSED, CheckStatus.WAIVED)),
               VettingCheck.expires_on > today, VettingCheck.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS))
    ):
        label = kind.value.replace("_", " ")
        data: dict[str, Any] = {"person_id": str(account_id), "check": kind.value, "expires_on": expires_on.isoformat()}
        for recipient in (account_id, *coordinators):
            yield Message(recipient, "check_expiring", f"A {label} check expires soon",
                          f"The {label} check expires on {expires_on.isoformat()}; it needs renewing to stay cleared.",
                          f"expiry:{check_id}:{expires_on}:{recipient}", data)


def trials_ending(scheme: Scheme, coordinators: list, now: datetime) -> Iterator[Message]:
    """Trials ending within 7 days: the coordinators, for the trial review."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    for match_id, ends_on in db.session.execute(
        sa.select(Match.id, Match.trial_ends_on).where(
            Match.scheme_id == scheme.id, Match.state == MatchState.TRIAL,
            Match.trial_ends_on >= today, Match.trial_ends_on <= today + timedelta(days=TRIAL_ENDING_DAYS))
    ):
        for coordinator in coordinators:
            yield Message(coordinator, "trial_ending", "A trial ends soon: time for its review",
                          f"The trial ends on {ends_on.isoformat()}.",
                          f"trial-ending:{match_id}:{ends_on}:{coordinator}", {"match_id": str(match_id)})
