"""Scheme quality measures, computed live and exactly. docs/api-guide.md, "Quality
measures", defines each one; this module is their one implementation.

Eleven statements whatever the scheme's size: SQL gives one row per person (their
milestones, grouped from checks and matches), per match, per agreement version, per
absence, per due check-in, per answer, per match-week of hours (grouped), per enquiry
(with the first match of the person it became) and per answered questionnaire, and a count
of concerns; shares, averages,
medians and the survival estimate are then taken over those rows (``gather`` reads them
once, so that the funder's report draws its counts and charts from the same rows).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from homeshare.absences.service import days_away
from homeshare.accounts.models import NOT_DROPPING_OUT, Account, LeaveReason
from homeshare.agreements.models import AgreementVersion, Term
from homeshare.behalf.models import GivenAs
from homeshare.common.roles import Role
from homeshare.common.db import planned_each_time
from homeshare.checkins.models import CheckIn, CheckInAnswer, CheckInKind
from homeshare.checkins.schedule import plus_months
from homeshare.common.clock import local_today
from homeshare.concerns.models import Concern
from homeshare.enquiries.models import Enquiry
from homeshare.extensions import db
from homeshare.hours.models import HoursEntry
from homeshare.hours.weeks import Agreed, away_in_week, prorated, week_start_of
from homeshare.matching.models import OPEN_STATES, SHARING_STATES, Match
from homeshare.questionnaires.instruments import INSTRUMENTS
from homeshare.questionnaires.outcomes import answered, outcomes
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
    left_reason: LeaveReason
    cleared_on: date | None
    first_proposed_on: date | None
    first_trial_on: date | None
    in_live_match: bool
    cleared_now: bool



def _over_the_scheme(statement: Any) -> Any:
    """Run a statement over a whole scheme and period: planned for its own parameters every
    time, since schemes differ in size by orders of magnitude (``planned_each_time``)."""
    return db.session.execute(planned_each_time(statement))

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
    rows = _over_the_scheme(
        sa.select(Account.id, Account.role, Account.created_at, Account.left_at, Account.left_reason_code, cleared_at,
                  sa.type_coerce(complete, sa.Boolean),
                  sa.select(sa.func.min(Match.proposed_at)).where(mine).correlate(Account).scalar_subquery(),
                  # A trial set for a day still to come has not matched them yet.
                  sa.select(sa.func.min(Match.trial_started_on)).where(
                      mine, Match.trial_started_on <= local_today(scheme.timezone))
                  .correlate(Account).scalar_subquery(),
                  sa.exists().where(mine, Match.state.in_(OPEN_STATES)).correlate(Account),
                  vetting_status_expression(settings, today))
        .where(Account.scheme_id == scheme.id, Account.role.in_(ROLES))
    ).all()
    return [
        Person(id=row[0], role=row[1].value, registered_on=_local(row[2], zone), left_on=_local(row[3], zone),
               left_reason=row[4] or LeaveReason.OTHER, cleared_on=_local(row[5], zone) if row[6] else None,
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
            "reasons": dict(Counter(p.left_reason.value for p in unmatched))}


def _dropped_out(people: list[Person], in_period) -> dict[str, Any]:
    """Homeshare UK's "dropped out without a match": people who left in the period without
    ever reaching a trial, for reasons other than failing vetting or being ineligible, over
    the people registered in the period."""
    dropped = [p for p in people if in_period(p.left_on) and p.first_trial_on is None
               and p.left_reason not in NOT_DROPPING_OUT]
    registered = sum(1 for p in people if in_period(p.registered_on))
    return {"dropped_out_without_match": len(dropped), "registered": registered,
            "share_dropped_out_without_match": _share(len(dropped), registered)}


def _waiting(waiting: list[Person], today: date) -> dict[str, Any]:
    return {"waiting": len(waiting),
            "median_days_waiting": _median((today - (p.cleared_on or p.registered_on)).days for p in waiting)}


@dataclass
class Facts:
    """Every row the measures of one scheme and period are taken from, read once."""

    scheme: Scheme
    first: date
    last: date
    today: date
    people: list[Person]
    matches: list[Any]
    versions: dict[Any, list[Any]]
    absences: dict[Any, list[tuple[date, date]]]
    due: list[Any]
    answers: list[Any]
    concerns: int
    hour_sums: dict[tuple[Any, date], int]
    enquiries: list[Any]
    questionnaires: list[Any]

    def in_period(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last


def gather(scheme: Scheme, first: date, last: date) -> Facts:
    """Read the rows every measure of ``scheme`` over [first, last] is taken from (eleven
    statements whatever the scheme's size)."""
    today = min(last, local_today(scheme.timezone))
    people = _people(scheme, today)
    theirs = sa.select(Match.id).where(Match.scheme_id == scheme.id)
    matches = _over_the_scheme(
        sa.select(Match.id, Match.state, Match.householder_id, Match.sharer_id, Match.proposed_at,
                  Match.trial_started_on, Match.activated_at, Match.ended_on, Match.ended_by, Match.end_reason_code)
        .where(Match.scheme_id == scheme.id)).all()
    versions: dict[Any, list[Any]] = defaultdict(list)
    for version in _over_the_scheme(
            sa.select(AgreementVersion.match_id, AgreementVersion.number, AgreementVersion.hours_per_week,
                      AgreementVersion.householder_accepted_at, AgreementVersion.sharer_accepted_at,
                      AgreementVersion.term, AgreementVersion.term_ends_on, AgreementVersion.minimum_stay_months)
            .where(AgreementVersion.match_id.in_(theirs), AgreementVersion.householder_accepted_at.is_not(None),
                   AgreementVersion.sharer_accepted_at.is_not(None))):
        versions[version.match_id].append(version)
    absences = days_away(theirs, week_start_of(first), today)
    concerns = db.session.scalar(sa.select(sa.func.count()).select_from(Concern).where(
        Concern.scheme_id == scheme.id, Concern.created_at >= _start_of(first, scheme),
        Concern.created_at < _start_of(last + timedelta(days=1), scheme))) or 0
    # Only the questionnaires sent to people: not the coordinator's first contact nor reviews.
    counted = (Match.scheme_id == scheme.id, CheckIn.kind == CheckInKind.CHECKIN, CheckIn.due_on >= first,
               CheckIn.due_on <= today, Match.trial_started_on.is_not(None), CheckIn.due_on >= Match.trial_started_on,
               sa.or_(Match.ended_on.is_(None), CheckIn.due_on <= Match.ended_on))
    due = _over_the_scheme(
        sa.select(CheckIn.id, CheckIn.due_on, CheckIn.match_id).join(Match, Match.id == CheckIn.match_id)
        .where(*counted)).all()
    answers = _over_the_scheme(
        sa.select(CheckInAnswer.side, CheckInAnswer.wellbeing, CheckInAnswer.match_going, CheckIn.due_on,
                  Match.trial_started_on, CheckInAnswer.given_as)
        .join(CheckIn, CheckIn.id == CheckInAnswer.checkin_id).join(Match, Match.id == CheckIn.match_id)
        .where(*counted)).all()
    last_week = week_start_of(today) - timedelta(weeks=1)
    hour_sums = {(row[0], row[1]): int(row[2]) for row in _over_the_scheme(
        sa.select(HoursEntry.match_id, HoursEntry.week_start,
                  sa.func.sum(sa.case((HoursEntry.status != "disputed", HoursEntry.minutes), else_=0)))
        .where(HoursEntry.match_id.in_(theirs), HoursEntry.deleted_at.is_(None),
               HoursEntry.week_start >= week_start_of(first), HoursEntry.week_start <= last_week)
        .group_by(HoursEntry.match_id, HoursEntry.week_start))}
    return Facts(scheme=scheme, first=first, last=last, today=today, people=people, matches=matches,
                 versions=versions, absences=absences, due=due, answers=answers, concerns=concerns,
                 hour_sums=hour_sums, enquiries=_enquiry_rows(scheme), questionnaires=answered(scheme))


def compute(scheme: Scheme, first: date, last: date) -> dict[str, Any]:
    """Every measure for ``scheme`` over [first, last] (dates in the scheme's time zone)."""
    return measures_of(gather(scheme, first, last))


def measures_of(facts: Facts) -> dict[str, Any]:
    """Every measure, from the rows ``gather`` read."""
    first, last, today, people, in_period = facts.first, facts.last, facts.today, facts.people, facts.in_period
    matches = facts.matches
    started = {m.id: m for m in matches if m.trial_started_on}
    # Ended by today: a coordinator may record an end on a day still to come.
    ended = [m for m in started.values() if in_period(m.ended_on) and m.ended_on <= today]
    lengths = [(m.ended_on - m.trial_started_on).days for m in ended]
    match_months = sum(max(0, (min(m.ended_on or today, today, last) - max(m.trial_started_on, first)).days + 1)
                       for m in started.values()) / DAYS_PER_MONTH
    answers = facts.answers
    settings = facts.scheme.effective_settings
    return {
        "scheme_id": str(facts.scheme.id), "from": first.isoformat(), "to": last.isoformat(),
        "registration": _by_role([p for p in people if in_period(p.registered_on)],
                                 lambda cohort: _registration(cohort, today)),
        "matches": {
            "ended": len(ended),
            **_lasting(started.values(), first, today),
            "average_length_days": round(statistics.mean(lengths), 1) if lengths else None,
            "median_length_days": _median(lengths),
            **_running_lengths(started.values(), first, today),
            **_agreed_period(ended, facts.versions),
            "live_now": sum(1 for m in matches if m.state in SHARING_STATES),
            "ended_by": dict(Counter(m.ended_by.value for m in ended if m.ended_by)),
            # By the structured reason; an ending recorded before there was one counts as "other".
            "ended_by_reason": dict(Counter(m.end_reason_code.value if m.end_reason_code else "other"
                                            for m in ended)),
        },
        "rematching": _rematching(ended, started.values(), today, settings["rematch_within_days"]),
        "leaving": _by_role([p for p in people if in_period(p.left_on)], _leavers),
        "dropping_out": _by_role(people, lambda group: _dropped_out(group, in_period)),
        "waiting": _by_role([p for p in people if p.cleared_now and not p.in_live_match and p.left_on is None],
                            lambda group: _waiting(group, today)),
        "checkins": {
            "due": len(facts.due), "answers": len(answers),
            "answer_rate": _share(len(answers), 2 * len(facts.due)),
            "wellbeing": _distribution(answers, "wellbeing"), "match_going": _distribution(answers, "match_going"),
            "wellbeing_by_month": _by_month(answers),
            "answers_by_hand": _by_hand(answers),
        },
        "hours": _hours(facts, started),
        "concerns": {"raised": facts.concerns, "match_months": round(match_months, 2),
                     "per_match_month": round(facts.concerns / match_months, 4) if match_months else None},
        "enquiries": _enquiries(facts.scheme, facts.enquiries, in_period),
        "outcomes": _outcomes(facts),
    }


OUTCOME_FIGURES = ("people", "mean_change", "ci_low", "ci_high", "improved", "worse", "baseline_mean",
                   "follow_up_mean", "baseline_share", "follow_up_share")


def _outcomes(facts: Facts) -> dict[str, Any]:
    """Change from baseline per score and role (``questionnaires.outcomes`` defines it), for
    the instruments the scheme asks now and any it has answers to: score -> role -> figures,
    shares from 0 to 1, changes and means to two decimals."""
    chosen = set(facts.scheme.effective_settings["questionnaire_instruments"])
    found: dict[str, Any] = {}
    names = {found.id: found.name for instrument in INSTRUMENTS.values() for found in instrument.scores}
    results = outcomes(facts.scheme, facts.first, facts.last, rows=facts.questionnaires)
    shown = chosen | {result.instrument for result in results if result.people}
    for result in results:
        if result.instrument not in shown:
            continue
        score = found.setdefault(result.score, {
            "name": names[result.score], "instrument": result.instrument, "direction": result.direction,
            "meaningful_change": result.meaningful_change,
            **({"share_of": result.share_label} if result.share_label else {})})
        figures = {name: getattr(result, name) for name in OUTCOME_FIGURES}
        score[result.role] = {name: (round(value, 4) if name in ("improved", "worse") or name.endswith("_share")
                                     else round(value, 2)) if isinstance(value, float) else value
                              for name, value in figures.items()
                              if not (name.endswith("_share") and result.share_label is None)}
    return found


def _lasting(started: Iterable[Any], first: date, today: date) -> dict[str, Any]:
    """Homeshare UK's "matches lasting over six months": of the matches whose trial started at
    least six months before the period's last day (``today``, for a period not over yet: a live
    match younger than six months has not lasted them) and which had not ended before the period,
    those that lasted six months or more (ended on or after the day six months on, or still
    running then, live ones included)."""
    cohort = [m for m in started if plus_months(m.trial_started_on, LASTED_MONTHS) <= today
              and (m.ended_on is None or m.ended_on >= first)]
    lasted = [m for m in cohort if m.ended_on is None or m.ended_on >= plus_months(m.trial_started_on, LASTED_MONTHS)]
    return {"started_6_months_before_end": len(cohort), "lasted_6_months": len(lasted),
            "share_lasted_6_months": _share(len(lasted), len(cohort))}


def _running_lengths(started: Iterable[Any], first: date, today: date) -> dict[str, Any]:
    """Lengths of the matches running at some time in the period (trial started by today, not
    ended before the period), live ones counted as still running: their median so far, and the
    Kaplan-Meier median (live matches censored today)."""
    running = [(((m.ended_on if m.ended_on and m.ended_on <= today else today) - m.trial_started_on).days,
                m.ended_on is not None and m.ended_on <= today)
               for m in started if m.trial_started_on <= today and (m.ended_on is None or m.ended_on >= first)]
    return {"running_in_period": len(running), "still_running": sum(1 for _days, ended in running if not ended),
            "median_length_days_live_included": _median(days for days, _ended in running),
            "kaplan_meier_median_length_days": kaplan_meier_median(running)}


def kaplan_meier_median(observations: Iterable[tuple[int, bool]]) -> int | None:
    """The Kaplan-Meier estimate of the median length: the first length at which the estimated
    share still running falls to a half or below. ``observations``: (days, ended) pairs, a
    match not ended being censored at its days. None when the estimate never reaches a half."""
    observations = sorted(observations)
    at_risk, surviving, index = len(observations), 1.0, 0
    while index < len(observations):
        days = observations[index][0]
        tied = [ended for length, ended in observations[index:] if length == days]
        events = sum(tied)
        if events:
            surviving *= 1 - events / at_risk
            if surviving <= 0.5 + 1e-12:
                return days
        at_risk -= len(tied)
        index += len(tied)
    return None


def _agreed_end(versions: list[Any], trial_started_on: date) -> date | None:
    """The last day the match's newest version both sides accepted set: a fixed term's end, or
    the trial's start plus the minimum stay; None when it set neither."""
    if not versions:
        return None
    newest = max(versions, key=lambda version: version.number)
    if newest.term == Term.FIXED and newest.term_ends_on:
        return newest.term_ends_on
    if newest.minimum_stay_months:
        return plus_months(trial_started_on, newest.minimum_stay_months)
    return None


def _agreed_period(ended: list[Any], versions: dict[Any, list[Any]]) -> dict[str, Any]:
    """Of the matches that ended in the period with an agreed period (a fixed term, or a
    minimum stay), those that ended on or after its last day."""
    agreed = [(m, end) for m in ended if (end := _agreed_end(versions.get(m.id, []), m.trial_started_on))]
    lasted = sum(1 for m, end in agreed if m.ended_on >= end)
    return {"ended_with_agreed_period": len(agreed), "lasted_agreed_period": lasted,
            "share_lasted_agreed_period": _share(lasted, len(agreed))}


def _rematching(ended: list[Any], started: Iterable[Any], today: date, within: int) -> dict[str, Any]:
    """The people of the matches that ended in the period whose window (the end plus the
    scheme's ``rematch_within_days``) has closed by today, and those of them whose next trial
    started within it."""
    trials: dict[Any, list[date]] = defaultdict(list)
    for m in started:
        trials[m.householder_id].append(m.trial_started_on)
        trials[m.sharer_id].append(m.trial_started_on)
    found = {}
    for role in ROLES:
        closed = [m for m in ended if m.ended_on + timedelta(days=within) <= today]
        rematched = [m for m in closed if any(
            m.ended_on <= day <= m.ended_on + timedelta(days=within) and day > m.trial_started_on
            for day in trials[getattr(m, f"{role.value}_id")])]
        found[role.value] = {"window_closed": len(closed), "rematched": len(rematched),
                             "share_rematched": _share(len(rematched), len(closed))}
    both_closed = sum(found[role.value]["window_closed"] for role in ROLES)
    both = sum(found[role.value]["rematched"] for role in ROLES)
    return {"within_days": within,
            "all": {"window_closed": both_closed, "rematched": both, "share_rematched": _share(both, both_closed)},
            **found}


def _enquiry_rows(scheme: Scheme) -> list[Any]:
    theirs = sa.or_(Match.householder_id == Enquiry.person_id, Match.sharer_id == Enquiry.person_id)
    return _over_the_scheme(
        sa.select(Enquiry.source, Enquiry.enquiry_on, Enquiry.approved_on,
                  sa.select(sa.func.min(Match.proposed_at)).where(theirs).correlate(Enquiry).scalar_subquery())
        .where(Enquiry.scheme_id == scheme.id)).all()


def _enquiries(scheme: Scheme, rows: list[Any], in_period) -> dict[str, Any]:
    """Enquiries received in the period by source; days from enquiry to approval (approved in
    the period) and to the first match proposed to the person it became (proposed in the period)."""
    zone = ZoneInfo(scheme.timezone)
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
        started, due = answer.trial_started_on, answer.due_on
        month = (due.year - started.year) * 12 + due.month - started.month
        if plus_months(started, month) > due:
            month -= 1
        sums[answer.side][month].append(answer.wellbeing)
    return {side: {str(month): round(statistics.mean(values), 2) for month, values in sorted(by.items())}
            for side, by in sums.items()}


def _hours(facts: Facts, started: dict) -> dict[str, Any]:
    """Completed weeks (Monday to Sunday, within the period) of matches with an accepted
    agreement, and how many of them met the hours expected (disputed minutes not counted). A
    week expects the agreed hours prorated for the days someone of the match was away (as
    ``homeshare.hours.weeks`` does); a week wholly covered by absences is left out."""
    first, today = facts.first, facts.today
    last_week = week_start_of(today) - timedelta(weeks=1)
    weeks = met = away = 0
    for match_id, match in started.items() if last_week >= week_start_of(first) else ():
        if match_id not in facts.versions:
            continue  # no accepted agreement: nothing to measure against
        agreed = Agreed(facts.versions[match_id], facts.scheme.timezone)
        absences = facts.absences.get(match_id)
        monday = max(week_start_of(first), week_start_of(match.trial_started_on))
        end = min(last_week, week_start_of(match.ended_on) - timedelta(weeks=1) if match.ended_on else last_week)
        while monday <= end:
            minutes = agreed.minutes_for(monday + timedelta(days=6))
            if minutes:
                expected = prorated(minutes, away_in_week(monday, absences, match.trial_started_on, match.ended_on)
                                    ) if absences else minutes
                if expected:
                    weeks += 1
                    met += facts.hour_sums.get((match_id, monday), 0) >= expected
                else:
                    away += 1
            monday += timedelta(weeks=1)
    return {"weeks": weeks, "weeks_meeting_agreed_hours": met, "share_weeks_meeting_agreed_hours": _share(met, weeks),
            "weeks_away_left_out": away}


def rows_for_csv(measures: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """The measures flattened to (measure, value) pairs, for the CSV download."""

    def walk(prefix: str, value: Any):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from walk(f"{prefix}.{key}" if prefix else key, item)
        else:
            yield prefix, "" if value is None else value

    yield from walk("", measures)
