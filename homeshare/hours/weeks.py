"""Weekly sums of hours and shortfall flags: the rules that say whether a match's agreed
hours were given.

A week runs Monday to Sunday in the scheme's time zone. Hours count towards the agreement
unless disputed. What a week expects is the agreed hours in force that week, prorated for the
days either person of the match was away (an absence, see ``homeshare.absences``): a week with
2 of its 7 days away expects 5/7 of the agreed minutes, to the nearest minute; a week fully
away expects nothing. Days away count only while the match runs (from its trial's start to its
end). A completed week is short when what counts is below the scheme's
``hours_shortfall_percent`` of what it expects (a week that expects nothing is never short); a
live match is flagged when its last ``hours_shortfall_weeks`` completed weeks were all short.
A week is over the agreement when what counts exceeds what it expects by more than the
scheme's ``hours_over_agreed_percent`` of it (hours creep; a week that expects nothing is never
over).
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from homeshare.absences.models import Absence
from homeshare.absences.service import days_away
from homeshare.agreements.models import AgreementVersion
from homeshare.common.clock import local_today
from homeshare.common.db import UTCDateTime, Unindexed
from homeshare.common.pagination import Page
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.matching.models import SHARING_STATES, Match
from homeshare.schemes.models import Scheme


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())



@dataclass
class Week:
    match_id: uuid.UUID
    week_start: date
    week_end: date
    logged_minutes: int
    confirmed_minutes: int
    disputed_minutes: int
    agreed_minutes: int | None
    completed: bool
    short: bool
    away_days: int = 0
    expected_minutes: int | None = None
    over_agreed: bool = False

    def __post_init__(self) -> None:
        if self.expected_minutes is None and not self.away_days:
            self.expected_minutes = self.agreed_minutes  # nobody away: the week expects the agreed hours

    @property
    def counted_minutes(self) -> int:
        """What counts towards the agreed hours: everything logged except disputed entries."""
        return self.logged_minutes - self.disputed_minutes

    @property
    def shortfall_minutes(self) -> int | None:
        if self.expected_minutes is None:
            return None
        return max(self.expected_minutes - self.counted_minutes, 0)


DAYS_IN_A_WEEK = 7


def away_in_week(monday: date, absences: Iterable[tuple[date, date]], started: date | None,
                 ended: date | None) -> int:
    """How many days of the week of ``monday`` someone of the match was away: days covered by
    any of ``absences`` (first and last day included; overlaps of the two people count once),
    counted only from ``started`` (the trial's first day) to ``ended`` (the match's last day)."""
    lo, hi = monday, monday + timedelta(days=DAYS_IN_A_WEEK - 1)
    if started is not None:
        lo = max(lo, started)
    if ended is not None:
        hi = min(hi, ended)
    days: set[date] = set()
    for first, last in absences:
        day = max(first, lo)
        while day <= min(last, hi):
            days.add(day)
            day += timedelta(days=1)
    return len(days)


def prorated(agreed_minutes: int | None, away_days: int) -> int | None:
    """The minutes a week expects: the agreed minutes for the days nobody was away, to the
    nearest minute (a seventh is never exactly half a minute away from a whole one)."""
    if agreed_minutes is None:
        return None
    present = DAYS_IN_A_WEEK - min(away_days, DAYS_IN_A_WEEK)
    return (agreed_minutes * present * 2 + DAYS_IN_A_WEEK) // (DAYS_IN_A_WEEK * 2)


class Agreed:
    """The agreed hours in force in any week: the newest version both sides had accepted
    by the week's end (or the first accepted version, for weeks before any acceptance)."""

    def __init__(self, versions: Iterable[Any], timezone: str):
        """``versions``: agreement versions, or rows of their numbers, hours and acceptances."""
        zone = ZoneInfo(timezone)
        accepted = [
            (max(v.householder_accepted_at, v.sharer_accepted_at).astimezone(zone).date(), v.number, v.hours_per_week)
            for v in versions if v.householder_accepted_at is not None and v.sharer_accepted_at is not None
        ]
        self.accepted = sorted(accepted)

    def minutes_for(self, week_end: date) -> int | None:
        if not self.accepted:
            return None
        in_force = [hours for day, _, hours in self.accepted if day <= week_end]
        return (in_force[-1] if in_force else self.accepted[0][2]) * 60


def agreed_versions(match_ids: Sequence[uuid.UUID] | sa.Select) -> dict[uuid.UUID, list[sa.Row]]:
    """The accepted agreement versions of each match (``match_ids``: ids, or a select of them),
    as rows holding what ``Agreed`` reads."""
    found: dict[uuid.UUID, list[sa.Row]] = defaultdict(list)
    statement = (sa.select(AgreementVersion.match_id, AgreementVersion.number, AgreementVersion.hours_per_week,
                           AgreementVersion.householder_accepted_at, AgreementVersion.sharer_accepted_at)
                 .where(AgreementVersion.match_id.in_(match_ids), AgreementVersion.householder_accepted_at.is_not(None),
                        AgreementVersion.sharer_accepted_at.is_not(None)))
    for version in db.session.execute(statement):
        found[version.match_id].append(version)
    return found


def _sums(match_ids: Sequence[uuid.UUID] | sa.Select, first: date,
          last: date) -> dict[tuple[uuid.UUID, date], tuple[int, int, int]]:
    """(logged, confirmed, disputed) minutes by match and week, in one aggregate query
    (``match_ids``: ids, or a select of them)."""

    def minutes_when(status: EntryStatus):
        return sa.func.coalesce(sa.func.sum(sa.case((HoursEntry.status == status, HoursEntry.minutes), else_=0)), 0)

    statement = (
        sa.select(HoursEntry.match_id, HoursEntry.week_start, sa.func.sum(HoursEntry.minutes),
                  minutes_when(EntryStatus.CONFIRMED), minutes_when(EntryStatus.DISPUTED))
        .where(HoursEntry.match_id.in_(match_ids), HoursEntry.deleted_at.is_(None),
               HoursEntry.week_start >= first, HoursEntry.week_start <= last)
        .group_by(HoursEntry.match_id, HoursEntry.week_start)
    )
    return {(row[0], row[1]): (int(row[2]), int(row[3]), int(row[4])) for row in db.session.execute(statement)}


def _span(match: Match, today: date) -> tuple[date, date] | None:
    """The Mondays of the first and last weeks of a match's logged life so far."""
    if match.trial_started_on is None:
        return None
    end = min(today, match.ended_on) if match.ended_on else today
    if end < match.trial_started_on:
        return None
    return week_start_of(match.trial_started_on), week_start_of(end)


NO_ABSENCES: Mapping[uuid.UUID, list[tuple[date, date]]] = {}
DEFAULT_OVER_PERCENT = 50


def _week(match: Match, monday: date, sums: Mapping, agreed: Agreed, today: date, share: int,
          away: Mapping[uuid.UUID, list[tuple[date, date]]] = NO_ABSENCES,
          over_percent: int = DEFAULT_OVER_PERCENT) -> Week:
    """One week of a match: ``share`` is the scheme's ``hours_shortfall_percent``,
    ``over_percent`` its ``hours_over_agreed_percent``, ``away`` the days away by match."""
    logged, confirmed, disputed = sums.get((match.id, monday), (0, 0, 0))
    sunday = monday + timedelta(days=6)
    agreed_minutes = agreed.minutes_for(sunday)
    away_days = away_in_week(monday, away.get(match.id, ()), match.trial_started_on, match.ended_on)
    expected = prorated(agreed_minutes, away_days)
    completed = sunday < today
    counted = logged - disputed
    short = bool(completed and expected and counted * 100 < expected * share)
    over = bool(expected and counted * 100 > expected * (100 + over_percent))
    return Week(match.id, monday, sunday, logged, confirmed, disputed, agreed_minutes, completed, short,
                away_days, expected, over)


@dataclass
class Summary:
    weeks: Page[Week]
    flagged: bool
    short_weeks: list[Week]

    @property
    def shortfall(self) -> dict[str, Any]:
        return {"flagged": self.flagged, "weeks": self.short_weeks}


def weekly_summary(*, match: Match, scheme: Scheme, first: date | None, last: date | None,
                   page: int, per_page: int) -> Summary:
    """A match's weeks, newest first, with the shortfall flag: a fixed number of queries."""
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    agreed = Agreed(agreed_versions([match.id])[match.id], scheme.timezone)
    span = _span(match, today)
    if span is None:  # not started, or ended before it started: no weeks, nothing to flag
        return Summary(Page([], page, per_page, 0), False, [])
    lo = max(span[0], week_start_of(first)) if first else span[0]
    hi = min(span[1], week_start_of(last)) if last else span[1]
    mondays = [hi - timedelta(weeks=n) for n in range(((hi - lo).days // 7) + 1)] if hi >= lo else []
    shown = mondays[(page - 1) * per_page: page * per_page]
    # One statement sums the weeks shown and the completed weeks the shortfall flag looks at.
    last_completed = week_start_of(today) - timedelta(weeks=1)
    bounds = [last_completed - timedelta(weeks=settings["hours_shortfall_weeks"] - 1), last_completed, *shown[-1:],
              *shown[:1]]
    sums = _sums([match.id], min(bounds), max(bounds))
    away = days_away([match.id], min(bounds), max(bounds) + timedelta(days=6))
    flagged, short_weeks = _shortfall(match, agreed, today, settings, sums, away)
    weeks = [_week(match, monday, sums, agreed, today, settings["hours_shortfall_percent"], away,
                   settings["hours_over_agreed_percent"]) for monday in shown]
    return Summary(Page(weeks, page, per_page, len(mondays)), flagged, short_weeks)


def _shortfall(match: Match, agreed: Agreed, today: date, settings: Mapping[str, Any],
               sums: Mapping, away: Mapping = NO_ABSENCES) -> tuple[bool, list[Week]]:
    """Whether the last N completed weeks of a match whose sharer lives in the home were all
    short, and those weeks; ``sums`` and ``away`` must cover those weeks (see ``_sums`` and
    ``absences.service.days_away``)."""
    span = _span(match, today)
    weeks_needed = settings["hours_shortfall_weeks"]
    if span is None or match.state not in SHARING_STATES:
        return False, []
    last_completed = week_start_of(today) - timedelta(weeks=1)
    mondays = [last_completed - timedelta(weeks=n) for n in range(weeks_needed)]
    if mondays[-1] < span[0]:
        return False, []
    weeks = [_week(match, monday, sums, agreed, today, settings["hours_shortfall_percent"], away,
                   settings["hours_over_agreed_percent"]) for monday in mondays]
    flagged = all(week.short for week in weeks)
    return flagged, (weeks if flagged else [])


# What the weekly sums and shortfall flags read of a match (an object or a row of these).
MATCH_FIELDS = (Match.id, Match.householder_id, Match.sharer_id, Match.state, Match.trial_started_on, Match.ended_on)


@dataclass
class FlaggedMatch:
    match: sa.Row  # of MATCH_FIELDS
    weeks: list[Week]


def scheme_shortfalls(*, scheme: Scheme, page: int, per_page: int) -> Page[FlaggedMatch]:
    """One page of ``flagged_matches``."""
    flagged = flagged_matches(scheme)
    return Page(flagged[(page - 1) * per_page: page * per_page], page, per_page, len(flagged))


def flagged_matches(scheme: Scheme) -> list[FlaggedMatch]:
    """Every match of the scheme whose sharer lives in the home and whose hours are flagged
    short (see ``watched_matches``)."""
    return watched_matches(scheme)[0]


def over_agreed_matches(scheme: Scheme) -> list[FlaggedMatch]:
    """Every match of the scheme whose sharer lives in the home and whose last completed week
    was over the agreement (hours creep), each with that week (see ``watched_matches``)."""
    return watched_matches(scheme)[1]


def watched_matches(scheme: Scheme) -> tuple[list[FlaggedMatch], list[FlaggedMatch]]:
    """The matches of the scheme whose sharer lives in the home that are flagged short, and
    those whose last completed week was over the agreement, in four statements.

    Matches and versions are read as rows of the fields the flags need: a scheme has
    hundreds of live matches, and loading them as objects took most of the time. Versions,
    sums and days away are read for every match of the scheme, selected by a subquery (cheaper
    than hundreds of ids as parameters): a match read as live that ends in between is still
    judged on its hours.
    """
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    matches = db.session.execute(
        sa.select(*MATCH_FIELDS).where(Match.scheme_id == scheme.id, Match.state.in_(SHARING_STATES))
        .order_by(Match.trial_started_on, Match.id)).all()
    last_completed = week_start_of(today) - timedelta(weeks=1)
    earliest = last_completed - timedelta(weeks=settings["hours_shortfall_weeks"] - 1)
    of_scheme = sa.select(Match.id).where(Match.scheme_id == scheme.id)
    versions, sums = agreed_versions(of_scheme), _sums(of_scheme, earliest, last_completed)
    away = days_away(of_scheme, earliest, last_completed + timedelta(days=6))
    flagged, over = [], []
    for match in matches:
        agreed = Agreed(versions[match.id], scheme.timezone)
        is_short, weeks = _shortfall(match, agreed, today, settings, sums, away)
        if is_short:
            flagged.append(FlaggedMatch(match, weeks))
        span = _span(match, today)
        if span is not None and span[0] <= last_completed:
            week = _week(match, last_completed, sums, agreed, today, settings["hours_shortfall_percent"], away,
                         settings["hours_over_agreed_percent"])
            if week.over_agreed:
                over.append(FlaggedMatch(match, [week]))
    return flagged, over



# A version's number and hours in one integer (hours per week are at most 40), so that the
# newest version in force comes with its hours out of one grouped scan.
_NUMBER_SCALE = 1000


@dataclass
class WatchedStatements:
    """The two hours flags of ``watched_matches`` as selects, for lists counted and cut in SQL:
    ``short`` gives (match id, short weeks), ``over`` (match id, week start, counted and
    expected minutes); both are ordered by ``order``, as ``watched_matches`` orders them, and
    executed with ``params``."""

    short: sa.Select
    over: sa.Select
    order: list
    params: dict[str, Any] = field(default_factory=dict)


def watched_statements(scheme: Scheme) -> WatchedStatements:
    """The rule of ``watched_matches`` written in SQL, over the weeks it judges alone.

    Every match is judged on the same weeks (the last ``hours_shortfall_weeks`` completed
    ones), so each week's sums, days away and agreed hours are columns of one row per match:
    the minutes counted by week in one grouped read of the entries of those weeks, the days
    away by day in one of the absences touching them, the versions in force in one of the
    accepted versions. A version is in force from the day its later acceptance falls on in the
    scheme's time zone: accepted before the first instant of the next Monday there. Only the
    current version can be accepted, so accepted versions follow their numbers in time, and
    the newest one in force is the highest number accepted by then (the first accepted is the
    lowest). Rows are shared by both flags (a common table expression).

    The statements depend only on the number of weeks judged, and take the scheme, its days
    and settings as parameters: they are built once (building them cost more than running
    them).
    """
    settings, today = scheme.effective_settings, local_today(scheme.timezone)
    zone = ZoneInfo(scheme.timezone)
    weeks_needed = settings["hours_shortfall_weeks"]
    last_completed = week_start_of(today) - timedelta(weeks=1)
    earliest = last_completed - timedelta(weeks=weeks_needed - 1)
    params: dict[str, Any] = {"watched_scheme": scheme.id, "watched_share": settings["hours_shortfall_percent"],
                              "watched_over": 100 + settings["hours_over_agreed_percent"],
                              "watched_earliest": earliest, "watched_last": last_completed,
                              "watched_started_by": earliest + timedelta(days=DAYS_IN_A_WEEK - 1),
                              "watched_started_last": last_completed + timedelta(days=DAYS_IN_A_WEEK - 1)}
    for n in range(weeks_needed):
        monday = last_completed - timedelta(weeks=n)
        after = monday + timedelta(days=DAYS_IN_A_WEEK)
        params[f"watched_monday_{n}"] = monday
        params[f"watched_end_{n}"] = datetime(after.year, after.month, after.day, tzinfo=zone)
    for n in range(DAYS_IN_A_WEEK * weeks_needed):
        params[f"watched_day_{n}"] = earliest + timedelta(days=n)
    return replace(watched_template(weeks_needed), params=params)


@functools.lru_cache(maxsize=None)
def watched_template(weeks_needed: int) -> WatchedStatements:
    """``watched_statements`` for ``weeks_needed`` weeks judged, with its values left as
    parameters (week ``n`` is ``n`` weeks before the last completed one)."""

    def value(name: str, kind) -> sa.BindParameter:
        return sa.bindparam(f"watched_{name}", type_=kind)

    scheme_id, earliest, last = value("scheme", sa.Uuid()), value("earliest", sa.Date()), value("last", sa.Date())
    mondays = [value(f"monday_{n}", sa.Date()) for n in range(weeks_needed)]
    ends = [value(f"end_{n}", UTCDateTime()) for n in range(weeks_needed)]
    days = [value(f"day_{n}", sa.Date()) for n in range(DAYS_IN_A_WEEK * weeks_needed)]  # oldest first
    of_scheme = sa.select(Match.id).where(Match.scheme_id == scheme_id)

    counted = sa.case((HoursEntry.status == EntryStatus.DISPUTED, 0), else_=HoursEntry.minutes)
    sums = (sa.select(HoursEntry.match_id, *(
        sa.func.sum(sa.case((HoursEntry.week_start == monday, counted), else_=0)).label(f"counted_{n}")
        for n, monday in enumerate(mondays)))
        .where(HoursEntry.week_start >= earliest, HoursEntry.week_start <= last,
               HoursEntry.deleted_at.is_(None), Unindexed(HoursEntry.match_id).in_(of_scheme))
        .group_by(HoursEntry.match_id).subquery("sums"))

    away = (sa.select(Absence.match_id, *(
        sa.func.max(sa.case((sa.and_(Absence.first_day <= day, Absence.last_day >= day), 1), else_=0)).label(f"d{n}")
        for n, day in enumerate(days)))
        .where(Absence.match_id.in_(of_scheme), Absence.cancelled_at.is_(None), Absence.last_day >= earliest,
               Absence.first_day <= days[-1])
        .group_by(Absence.match_id).subquery("away"))

    keyed = AgreementVersion.number * _NUMBER_SCALE + AgreementVersion.hours_per_week
    versions = (sa.select(AgreementVersion.match_id, sa.func.min(keyed).label("first"), *(
        sa.func.max(sa.case((sa.and_(AgreementVersion.householder_accepted_at < end,
                                     AgreementVersion.sharer_accepted_at < end), keyed))).label(f"agreed_{n}")
        for n, end in enumerate(ends)))
        .where(AgreementVersion.match_id.in_(of_scheme), AgreementVersion.householder_accepted_at.is_not(None),
               AgreementVersion.sharer_accepted_at.is_not(None))
        .group_by(AgreementVersion.match_id).subquery("versions"))

    def away_days(n: int):
        """Days away in week ``n`` while the match runs."""
        terms = []
        for i in range(DAYS_IN_A_WEEK * (weeks_needed - 1 - n), DAYS_IN_A_WEEK * (weeks_needed - n)):
            runs = sa.and_(Match.trial_started_on <= days[i],
                           sa.or_(Match.ended_on.is_(None), Match.ended_on >= days[i]))
            terms.append(sa.case((runs, sa.func.coalesce(away.c[f"d{i}"], 0)), else_=0))
        return sum(terms[1:], terms[0])

    columns = [Match.id.label("match_id"), Match.trial_started_on.label("started")]
    for n in range(weeks_needed):
        agreed = sa.func.coalesce(versions.c[f"agreed_{n}"], versions.c.first) % _NUMBER_SCALE
        columns += [sa.func.coalesce(sums.c[f"counted_{n}"], 0).label(f"counted_{n}"),
                    agreed.label(f"agreed_{n}"), away_days(n).label(f"away_{n}")]
    runs = sa.and_(Match.trial_started_on.is_not(None),
                   sa.or_(Match.ended_on.is_(None), Match.ended_on >= Match.trial_started_on))
    weekly = (sa.select(*columns).select_from(Match)
              .outerjoin(sums, sums.c.match_id == Match.id).outerjoin(away, away.c.match_id == Match.id)
              .outerjoin(versions, versions.c.match_id == Match.id)
              .where(Match.scheme_id == scheme_id, Match.state.in_(SHARING_STATES), runs,
                     Match.trial_started_on <= value("started_last", sa.Date()))
              .cte("weekly"))

    def expected(n: int):
        """``prorated``: the agreed minutes for the days nobody was away, to the nearest minute."""
        present = DAYS_IN_A_WEEK - weekly.c[f"away_{n}"]
        return (weekly.c[f"agreed_{n}"] * 60 * present * 2 + DAYS_IN_A_WEEK) // (DAYS_IN_A_WEEK * 2)

    share, over = value("share", sa.Integer()), value("over", sa.Integer())
    short = [sa.and_(expected(n) > 0, weekly.c[f"counted_{n}"] * 100 < expected(n) * share)
             for n in range(weeks_needed)]
    return WatchedStatements(
        short=sa.select(weekly.c.match_id, sa.literal(weeks_needed, sa.Integer)).where(
            weekly.c.started <= value("started_by", sa.Date()), *short),
        over=sa.select(weekly.c.match_id, last, weekly.c.counted_0, expected(0)).where(
            expected(0) > 0, weekly.c.counted_0 * 100 > expected(0) * over),
        order=[weekly.c.started, weekly.c.match_id],
    )

WEEK_COLUMNS = ("match_id", "week_start", "week_end", "logged_minutes", "confirmed_minutes", "disputed_minutes",
                "agreed_minutes", "shortfall_minutes", "completed", "short", "away_days", "expected_minutes",
                "over_agreed")


def week_rows(*, scheme: Scheme, first: date, last: date) -> Iterator[tuple]:
    """Every week of every match of the scheme that overlaps [first, last], read as the rows
    are streamed (what they need of ``scheme`` is read now, while it is bound to the request)."""
    return _week_rows(scheme.id, scheme.timezone, scheme.effective_settings, first, last)


def _week_rows(scheme_id: uuid.UUID, timezone: str, settings: Mapping[str, Any], first: date,
               last: date) -> Iterator[tuple]:
    today = local_today(timezone)
    started = sa.select(Match.id).where(Match.scheme_id == scheme_id, Match.trial_started_on.is_not(None))
    matches = db.session.execute(
        sa.select(*MATCH_FIELDS).where(Match.scheme_id == scheme_id, Match.trial_started_on.is_not(None))
        .order_by(Match.trial_started_on, Match.id)).all()
    lo, hi = week_start_of(first), week_start_of(last)
    versions, sums = agreed_versions(started), _sums(started, lo, hi)
    away = days_away(started, lo, hi + timedelta(days=6))
    for match in matches:
        span = _span(match, today)
        if span is None:
            continue
        agreed = Agreed(versions[match.id], timezone)
        monday = max(span[0], lo)
        while monday <= min(span[1], hi):
            week = _week(match, monday, sums, agreed, today, settings["hours_shortfall_percent"], away,
                   settings["hours_over_agreed_percent"])
            yield (match.id, week.week_start, week.week_end, week.logged_minutes, week.confirmed_minutes,
                   week.disputed_minutes, week.agreed_minutes, week.shortfall_minutes, week.completed, week.short,
                   week.away_days, week.expected_minutes, week.over_agreed)
            monday += timedelta(weeks=1)
