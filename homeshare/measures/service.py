"""Scheme quality measures, computed live and exactly. docs/api-guide.md, "Quality
measures", defines each one; this module is their one implementation.

Eight statements whatever the scheme's size: SQL gives one row per person (their
milestones, grouped from checks and matches), per match, per due check-in, per answer,
per match-week of hours (grouped), per agreement version and per enquiry (with the first
match of the person it became), and a count of concerns; shares, averages and medians are
then taken over those rows.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.behalf.models import GivenAs
from homeshare.common.roles import Role
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.checkins.schedule import plus_months
from homeshare.common.clock import local_today
from homeshare.concerns.models import Concern
from homeshare.enquiries.models import Enquiry
from homeshare.extensions import db
from homeshare.hours.models import HoursEntry
from homeshare.hours.weeks import Agreed, agreed_versions, week_start_of
from homeshare.matching.models import OPEN_STATES, SHARING_STATES, Match
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import CheckStatus, VettingCheck
from homeshare.vetting.rules import required_checks, vetting_status_expression

ROLES = (Role.HOUSEHOLDER, Role.SHARER)
MATCHED_WITHIN_MONTHS = 4
LASTED_MONTHS = 6
DAYS_PER_MONTH = 30.44


@dataclass
class Person:
    id: Any
    role: str
    registered_on: date
    left_on: date | None
    left_reason: str | None
    cleared_on: date | None
    first_proposed_on: date | None
    first_trial_on: date | None
    in_live_match: bool
    cleared_now: bool


def _local(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def _people(scheme: Scheme, today: date) -> list[Person]:
    zone = ZoneInfo(scheme.timezone)
    settings = scheme.effective_settings
    done = VettingCheck.status.in_((CheckStatus.PASSED, CheckStatus.WAIVED))
    cleared_at = sa.case(*(
        (Account.role == role, sa.select(sa.func.max(VettingCheck.recorded_at)).where(
            VettingCheck.account_id == Account.id, done, VettingCheck.kind.in_(required_checks(role, settings)))
         .correlate(Account).scalar_subquery())
        for role in ROLES))
    complete = sa.case(*(
        (Account.role == role, sa.select(sa.func.count()).where(
            VettingCheck.account_id == Account.id, done, VettingCheck.kind.in_(required_checks(role, settings)))
         .correlate(Account).scalar_subquery() == len(required_checks(role, settings)))
        for role in ROLES), else_=sa.false())
    mine = sa.or_(Match.householder_id == Account.id, Match.sharer_id == Account.id)
    rows = db.session.execute(
        sa.select(Account.id, Account.role, Account.created_at, Account.left_at, Account.left_reason, cleared_at,
                  sa.type_coerce(complete, sa.Boolean),
                  sa.select(sa.func.min(Match.proposed_at)).where(mine).correlate(Account).scalar_subquery(),
                  sa.select(sa.func.min(Match.trial_started_on)).where(mine).correlate(Account).scalar_subquery(),
                  sa.exists().where(mine, Match.state.in_(OPEN_STATES)).correlate(Account),
                  vetting_status_expression(settings, today))
        .where(Account.scheme_id == scheme.id, Account.role.in_(ROLES))
    ).all()
    return [
        Person(id=row[0], role=row[1].value, registered_on=_local(row[2], zone), left_on=_local(row[3], zone),
               left_reason=row[4], cleared_on=_local(row[5], zone) if row[6] else None,
               first_proposed_on=_local(row[7], zone), first_trial_on=row[8], in_live_match=bool(row[9]),
               cleared_now=row[10] == "cleared")
        for row in rows
    ]


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def _by_role(people: list[Person], measure) -> dict[str, Any]:
    return {"all": measure(people), **{role.value: measure([p for p in people if p.role == role.value])
                                       for role in ROLES}}


def _registration(cohort: list[Person], today: date) -> dict[str, Any]:
    closed = [p for p in cohort if plus_months(p.registered_on, MATCHED_WITHIN_MONTHS) <= today]
    matched = [p for p in closed
               if p.first_trial_on and p.first_trial_on <= plus_months(p.registered_on, MATCHED_WITHIN_MONTHS)]

    def days(milestone: str):
        return _median((getattr(p, milestone) - p.registered_on).days for p in cohort if getattr(p, milestone))

    return {
        "registered": len(cohort), "window_closed": len(closed), "matched_within_4_months": len(matched),
        "share_matched_within_4_months": _share(len(matched), len(closed)),
        "median_days_to_cleared": days("cleared_on"), "median_days_to_first_proposal": days("first_proposed_on"),
        "median_days_to_trial": days("first_trial_on"),
    }


def _leavers(leavers: list[Person]) -> dict[str, Any]:
    unmatched = [p for p in leavers if p.first_trial_on is None]
    return {"left": len(leavers), "left_never_matched": len(unmatched),
            "share_left_never_matched": _share(len(unmatched), len(leavers)),
            "reasons": dict(Counter(p.left_reason or "not given" for p in unmatched))}


def _waiting(waiting: list[Person], today: date) -> dict[str, Any]:
    return {"waiting": len(waiting),
            "median_days_waiting": _median((today - (p.cleared_on or p.registered_on)).days for p in waiting)}


def compute(scheme: Scheme, first: date, last: date) -> dict[str, Any]:
    """Every measure for ``scheme`` over [first, last] (dates in the scheme's time zone)."""
    today = min(last, local_today(scheme.timezone))
    people = _people(scheme, today)
    in_period = lambda day: day is not None and first <= day <= last  # noqa: E731

    matches = db.session.execute(
        sa.select(Match.id, Match.state, Match.trial_started_on, Match.ended_on, Match.ended_by, Match.end_reason_code)
        .where(Match.scheme_id == scheme.id)).all()
    ended = [m for m in matches if m.trial_started_on and in_period(m.ended_on)]
    lengths = [(m.ended_on - m.trial_started_on).days for m in ended]
    lasted = [m for m in ended if m.ended_on > plus_months(m.trial_started_on, LASTED_MONTHS)]

    started = {m.id: m for m in matches if m.trial_started_on}
    match_months = sum(max(0, (min(m.ended_on or today, today, last) - max(m.trial_started_on, first)).days + 1)
                       for m in started.values()) / DAYS_PER_MONTH
    concerns = db.session.scalar(sa.select(sa.func.count()).select_from(Concern).where(
        Concern.scheme_id == scheme.id, Concern.created_at >= _start_of(first, scheme),
        Concern.created_at < _start_of(last + timedelta(days=1), scheme))) or 0

    due = db.session.execute(
        sa.select(CheckIn.id, CheckIn.due_on, CheckIn.match_id).join(Match, Match.id == CheckIn.match_id)
        .where(Match.scheme_id == scheme.id, CheckIn.due_on >= first, CheckIn.due_on <= today,
               Match.trial_started_on.is_not(None), CheckIn.due_on >= Match.trial_started_on,
               sa.or_(Match.ended_on.is_(None), CheckIn.due_on <= Match.ended_on))).all()
    answers = db.session.execute(
        sa.select(CheckInAnswer.side, CheckInAnswer.wellbeing, CheckInAnswer.match_going, CheckIn.due_on,
                  Match.trial_started_on, CheckInAnswer.given_as)
        .join(CheckIn, CheckIn.id == CheckInAnswer.checkin_id).join(Match, Match.id == CheckIn.match_id)
        .where(CheckIn.id.in_([row.id for row in due]))).all() if due else []

    return {
        "scheme_id": str(scheme.id), "from": first.isoformat(), "to": last.isoformat(),
        "registration": _by_role([p for p in people if in_period(p.registered_on)],
                                 lambda cohort: _registration(cohort, today)),
        "matches": {
            "ended": len(ended), "lasted_over_6_months": len(lasted),
            "share_lasted_over_6_months": _share(len(lasted), len(ended)),
            "average_length_days": round(statistics.mean(lengths), 1) if lengths else None,
            "median_length_days": _median(lengths),
            "live_now": sum(1 for m in matches if m.state in SHARING_STATES),
            "ended_by": dict(Counter(m.ended_by.value for m in ended if m.ended_by)),
            # By the structured reason; an ending recorded before there was one counts as "other".
            "ended_by_reason": dict(Counter(m.end_reason_code.value if m.end_reason_code else "other"
                                            for m in ended)),
        },
        "leaving": _by_role([p for p in people if in_period(p.left_on)], _leavers),
        "waiting": _by_role([p for p in people if p.cleared_now and not p.in_live_match and p.left_on is None],
                            lambda group: _waiting(group, today)),
        "checkins": {
            "due": len(due), "answers": len(answers),
            "answer_rate": _share(len(answers), 2 * len(due)),
            "wellbeing": _distribution(answers, "wellbeing"), "match_going": _distribution(answers, "match_going"),
            "wellbeing_by_month": _by_month(answers),
            "answers_by_hand": _by_hand(answers),
        },
        "hours": _hours(scheme, started, first, today),
        "concerns": {"raised": concerns, "match_months": round(match_months, 2),
                     "per_match_month": round(concerns / match_months, 4) if match_months else None},
        "enquiries": _enquiries(scheme, in_period),
    }


def _enquiries(scheme: Scheme, in_period) -> dict[str, Any]:
    """Enquiries received in the period by source; days from enquiry to approval (approved in
    the period) and to the first match proposed to the person it became (proposed in the period)."""
    zone = ZoneInfo(scheme.timezone)
    theirs = sa.or_(Match.householder_id == Enquiry.person_id, Match.sharer_id == Enquiry.person_id)
    rows = db.session.execute(
        sa.select(Enquiry.source, Enquiry.enquiry_on, Enquiry.approved_on,
                  sa.select(sa.func.min(Match.proposed_at)).where(theirs).correlate(Enquiry).scalar_subquery())
        .where(Enquiry.scheme_id == scheme.id)).all()
    received = [row for row in rows if in_period(row[1])]
    approved = [(row[2] - row[1]).days for row in rows if in_period(row[2])]
    matched = [(day - row[1]).days for row in rows if in_period(day := _local(row[3], zone))]
    return {"received": len(received), "by_source": dict(Counter(row[0].value for row in received)),
            "approved": len(approved), "median_days_to_approval": _median(approved),
            "first_matched": len(matched), "median_days_to_first_match": _median(matched)}


def _start_of(day: date, scheme: Scheme) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(scheme.timezone))


def _distribution(answers, field: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {"householder": {}, "sharer": {}}
    for answer in answers:
        scores = found[answer.side]
        value = str(getattr(answer, field))
        scores[value] = scores.get(value, 0) + 1
    return {side: {str(n): scores.get(str(n), 0) for n in range(1, 6)} for side, scores in found.items()}


BY_HAND = {GivenAs.SELF: "self", GivenAs.ON_BEHALF: "on_behalf", GivenAs.PROXY: "proxy"}


def _by_hand(answers) -> dict[str, dict[str, int]]:
    """The answers counted in ``answers`` (those to check-ins due in the period), by side and by
    whose hand they came: the person's own, a coordinator's record of the person's view, or their
    representative's."""
    found = {side: dict.fromkeys(BY_HAND.values(), 0) for side in ("householder", "sharer")}
    for answer in answers:
        found[answer.side][BY_HAND[answer.given_as]] += 1
    return found


def _by_month(answers) -> dict[str, dict[str, float]]:
    """Average wellbeing by whole months since the trial started, for each side."""
    sums: dict[str, dict[int, list[int]]] = {"householder": defaultdict(list), "sharer": defaultdict(list)}
    for answer in answers:
        month = 0
        while plus_months(answer.trial_started_on, month + 1) <= answer.due_on:
            month += 1
        sums[answer.side][month].append(answer.wellbeing)
    return {side: {str(month): round(statistics.mean(values), 2) for month, values in sorted(by.items())}
            for side, by in sums.items()}


def _hours(scheme: Scheme, started: dict, first: date, today: date) -> dict[str, Any]:
    """Completed weeks (Monday to Sunday, within the period) of matches with an accepted
    agreement, and how many of them met the agreed hours (disputed minutes not counted)."""
    last_week = week_start_of(today) - timedelta(weeks=1)
    if not started or last_week < week_start_of(first):
        return {"weeks": 0, "weeks_meeting_agreed_hours": 0, "share_weeks_meeting_agreed_hours": None}
    ids = list(started)
    sums = {(row[0], row[1]): int(row[2]) for row in db.session.execute(
        sa.select(HoursEntry.match_id, HoursEntry.week_start,
                  sa.func.sum(sa.case((HoursEntry.status != "disputed", HoursEntry.minutes), else_=0)))
        .where(HoursEntry.match_id.in_(ids), HoursEntry.deleted_at.is_(None),
               HoursEntry.week_start >= week_start_of(first), HoursEntry.week_start <= last_week)
        .group_by(HoursEntry.match_id, HoursEntry.week_start))}
    versions = agreed_versions(ids)
    weeks = met = 0
    for match_id, match in started.items():
        agreed = Agreed(versions[match_id], scheme.timezone)
        monday = max(week_start_of(first), week_start_of(match.trial_started_on))
        end = min(last_week, week_start_of(match.ended_on) - timedelta(weeks=1) if match.ended_on else last_week)
        while monday <= end:
            minutes = agreed.minutes_for(monday + timedelta(days=6))
            if minutes:
                weeks += 1
                met += sums.get((match_id, monday), 0) >= minutes
            monday += timedelta(weeks=1)
    return {"weeks": weeks, "weeks_meeting_agreed_hours": met, "share_weeks_meeting_agreed_hours": _share(met, weeks)}


def rows_for_csv(measures: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """The measures flattened to (measure, value) pairs, for the CSV download."""

    def walk(prefix: str, value: Any):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(f"{prefix}.{key}" if prefix else key, item)
        else:
            yield prefix, "" if value is None else value

    yield from walk("", measures)
