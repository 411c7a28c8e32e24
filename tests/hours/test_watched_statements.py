"""The hours flags written in SQL (``weeks.watched_statements``, which the dashboard counts)
give what the rule in Python (``weeks.watched_matches``, which the shortfall list and the
coordinators' alerts use) gives, on varied matches.

"Now" is Wednesday 7 April 2027 at noon UTC: the weeks judged take in the change to summer
time in Europe (28 March) and the end of it in New Zealand (4 April), so acceptances near
midnight fall on either side of a week's end depending on the scheme's time zone.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from homeshare.absences.models import Absence, AbsenceKind
from homeshare.agreements.models import AgreementVersion
from homeshare.common.clock import local_today
from homeshare.extensions import db
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import watched_matches, watched_statements, week_start_of
from homeshare.matching.models import Match, MatchState
from homeshare.schemes.models import Scheme

NOW = datetime(2027, 4, 7, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def now(app, ctx):
    app.config["HOMESHARE_CLOCK"] = lambda: NOW


def scheme_in(make, zone: str, **settings) -> Scheme:
    return db.session.get(Scheme, uuid.UUID(make.scheme(timezone=zone, settings=settings).id))


def flags_in_python(scheme: Scheme) -> tuple[list, list]:
    short, over = watched_matches(scheme)
    return ([(item.match.id, len(item.weeks)) for item in short],
            [(item.match.id, item.weeks[0].week_start, item.weeks[0].counted_minutes, item.weeks[0].expected_minutes)
             for item in over])


def flags_in_sql(scheme: Scheme) -> tuple[list, list]:
    statements = watched_statements(scheme)
    short = db.session.execute(statements.short.order_by(*statements.order), statements.params)
    over = db.session.execute(statements.over.order_by(*statements.order), statements.params)
    return [(row[0], row[1]) for row in short], [tuple(row) for row in over]


class Matches:
    """Matches written straight to the database, with what the flags read of them."""

    def __init__(self, make, scheme: Scheme):
        self.make, self.scheme = make, scheme
        self.zone = ZoneInfo(scheme.timezone)

    def add(self, *, state=MatchState.ACTIVE, started: date | None, ended_on: date | None = None,
            versions=(), absences=(), entries=()) -> Match:
        """``versions``: (hours per week, the later acceptance or None when one side has not
        accepted); ``absences``: (first day, last day, cancelled); ``entries``: (day, minutes,
        status, deleted)."""
        slug = SimpleNamespace(id=str(self.scheme.id), slug=self.scheme.slug)
        householder, sharer = self.make.householder(slug), self.make.sharer(slug)
        match = Match(id=uuid.uuid4(), scheme_id=self.scheme.id, householder_id=uuid.UUID(householder.id),
                      sharer_id=uuid.UUID(sharer.id), state=state, proposed_at=NOW - timedelta(days=200),
                      trial_started_on=started, ended_on=ended_on)
        db.session.add(match)
        db.session.flush()
        for number, (hours, accepted) in enumerate(versions, start=1):
            db.session.add(AgreementVersion(
                match_id=match.id, number=number, hours_per_week=hours, tasks=["companionship"],
                monthly_contribution_pence=0, start_on=started or date(2027, 1, 4), trial_length_days=28,
                notice_days=7, created_at=NOW - timedelta(days=200),
                householder_accepted_at=accepted and accepted - timedelta(minutes=3), sharer_accepted_at=accepted))
        for first, last, cancelled in absences:
            db.session.add(Absence(
                id=uuid.uuid4(), match_id=match.id, who="sharer", person_id=match.sharer_id,
                kind=AbsenceKind.HOLIDAY, first_day=first, last_day=last, created_at=NOW, updated_at=NOW,
                cancelled_at=NOW if cancelled else None))
        for day, minutes, status, deleted in entries:
            db.session.add(HoursEntry(
                id=uuid.uuid4(), match_id=match.id, sharer_id=match.sharer_id, worked_on=day,
                week_start=week_start_of(day), minutes=minutes, task="companionship", status=status,
                created_at=NOW, updated_at=NOW, deleted_at=NOW if deleted else None))
        db.session.commit()
        return match

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)


def week_of(minutes: int, monday: date, *, disputed: int = 0, deleted: int = 0) -> list[tuple]:
    """Entries of ``minutes`` in the week of ``monday`` (at most 12 hours a day, from the
    Tuesday), plus ``disputed`` and ``deleted`` minutes that do not count."""
    entries, day = [], monday + timedelta(days=1)
    for amount, status, gone in ((minutes, EntryStatus.LOGGED, False), (disputed, EntryStatus.DISPUTED, False),
                                 (deleted, EntryStatus.CONFIRMED, True)):
        while amount > 0:
            entries.append((day, min(amount, 720), status, gone))
            amount -= 720
            day = monday + timedelta(days=(day - monday).days % 6 + 1)
    return entries


def edge_cases(matches: Matches, weeks_needed: int) -> None:
    """Matches at each edge of the rule, from the scheme's own weeks."""
    today = local_today(matches.scheme.timezone)
    last = week_start_of(today) - timedelta(weeks=1)
    judged = [last - timedelta(weeks=n) for n in range(weeks_needed)]
    earliest = judged[-1]
    long_ago = matches.local(earliest - timedelta(days=60), 10)
    ten = [(10, long_ago)]

    def every_week(minutes, **kwargs):
        return [entry for monday in judged for entry in week_of(minutes, monday, **kwargs)]

    add = matches.add
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(479))  # just short
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(480))  # exactly 80 %: not short
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(900))  # exactly 150 %: not over
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(901))  # just over
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(300, disputed=600, deleted=900))
    add(started=earliest - timedelta(days=30), versions=[(10, long_ago), (20, None)], entries=every_week(500))
    add(started=earliest - timedelta(days=30), versions=[(5, None)], entries=every_week(0))  # nothing agreed
    add(started=earliest - timedelta(days=30), versions=(), entries=every_week(0))
    add(state=MatchState.TRIAL, started=earliest + timedelta(days=2), versions=ten)  # mid-week start
    add(state=MatchState.TRIAL, started=earliest + timedelta(days=6), versions=ten)  # the first week's Sunday
    add(state=MatchState.TRIAL, started=earliest + timedelta(days=7), versions=ten,  # a week too late to flag
        entries=week_of(2000, last))
    add(state=MatchState.TRIAL, started=last + timedelta(days=6), versions=ten, entries=week_of(2000, last))
    add(state=MatchState.TRIAL, started=last + timedelta(days=7), versions=ten)  # this week
    add(state=MatchState.NOTICE, started=earliest - timedelta(days=90), ended_on=today + timedelta(days=10),
        versions=ten)
    add(state=MatchState.NOTICE, started=earliest - timedelta(days=90), ended_on=earliest + timedelta(days=3),
        versions=ten, entries=every_week(2000))  # its notice ended mid-week: the days after are not away
    add(state=MatchState.ENDED, started=earliest - timedelta(days=90), ended_on=today, versions=ten)
    add(state=MatchState.PROPOSED, started=None, versions=ten)
    add(state=MatchState.ACTIVE, started=earliest, ended_on=earliest - timedelta(days=1), versions=ten)
    # In each week judged, an hour a week agreed from a version accepted a few minutes either
    # side of the week's end there, between versions of ten hours: before the end, that week
    # is neither short nor within the agreement; after it, it is short like the others.
    for monday in judged:
        end = matches.local(monday + timedelta(days=7), 0)
        for offset in (-5, 5):
            add(started=earliest - timedelta(days=30), entries=every_week(100), versions=[
                (10, long_ago), (1, end + timedelta(minutes=offset)), (10, end + timedelta(days=1))])
    # Two days away each week: 600 agreed minutes expect 429 (428.57 to the nearest minute).
    two_days = [(monday + timedelta(days=2), monday + timedelta(days=3), False) for monday in judged]
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(343), absences=two_days)  # short
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(344), absences=two_days)
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(643), absences=two_days)
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(644), absences=two_days)  # over
    # Away: the whole week, two overlapping absences, days before the trial, a cancelled one.
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(0),
        absences=[(earliest - timedelta(days=3), last + timedelta(days=10), False)])
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(400),
        absences=[(earliest + timedelta(days=1), earliest + timedelta(days=3), False),
                  (earliest + timedelta(days=2), earliest + timedelta(days=4), False),
                  (last + timedelta(days=5), last + timedelta(days=9), False)])
    add(state=MatchState.TRIAL, started=earliest + timedelta(days=3), versions=ten, entries=every_week(300),
        absences=[(earliest - timedelta(days=2), earliest + timedelta(days=4), False)])
    add(started=earliest - timedelta(days=30), versions=ten, entries=every_week(300),
        absences=[(earliest, last + timedelta(days=6), True)])


def random_matches(matches: Matches, rng: random.Random, count: int) -> None:
    today = local_today(matches.scheme.timezone)
    mondays = [week_start_of(today) - timedelta(weeks=n) for n in range(6)]
    for _ in range(count):
        state = rng.choice([MatchState.TRIAL, MatchState.ACTIVE, MatchState.ACTIVE, MatchState.NOTICE,
                            MatchState.ENDED, MatchState.INTRODUCTION])
        started = (None if state is MatchState.INTRODUCTION
                   else today - timedelta(days=rng.choice([rng.randint(-3, 50), rng.randint(50, 300)])))
        ended_on = (today + timedelta(days=rng.randint(-30, 30))
                    if state in (MatchState.NOTICE, MatchState.ENDED) else None)
        versions, moment = [], matches.local(today - timedelta(days=rng.randint(30, 120)), rng.randint(0, 23))
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
            moment += timedelta(days=rng.randint(0, 12), minutes=rng.randint(0, 24 * 60))
            if moment >= NOW:
                break
            versions.append((rng.randint(1, 40), moment))
        if versions and rng.random() < 0.2:  # the newest not accepted by both yet
            versions[-1] = (versions[-1][0], None)
        absences = []
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            first = today - timedelta(days=rng.randint(-5, 40))
            absences.append((first, first + timedelta(days=rng.randint(0, 12)), rng.random() < 0.2))
        entries = []
        for monday in mondays:
            agreed = rng.choice(versions)[0] * 60 if versions else 600
            minutes = round(agreed * rng.choice([0, 0.3, 0.79, 0.8, 0.81, 1, 1.2, 1.5, 1.6, 2]))
            entries += week_of(minutes, monday, disputed=rng.choice([0, 0, 60, 400]),
                               deleted=rng.choice([0, 0, 120]))
        matches.add(state=state, started=started, ended_on=ended_on, versions=versions, absences=absences,
                    entries=entries)


@pytest.mark.parametrize("zone, settings", [
    ("Europe/London", {}),
    ("Pacific/Auckland", {"hours_shortfall_weeks": 3, "hours_shortfall_percent": 100,
                          "hours_over_agreed_percent": 10}),
    ("America/Los_Angeles", {"hours_shortfall_weeks": 1, "hours_shortfall_percent": 50,
                             "hours_over_agreed_percent": 100}),
])
def test_the_flags_in_sql_are_the_rules_flags(now, make, zone, settings):
    scheme = scheme_in(make, zone, **settings)
    matches = Matches(make, scheme)
    edge_cases(matches, scheme.effective_settings["hours_shortfall_weeks"])
    random_matches(matches, random.Random(zone), 40)
    elsewhere = Matches(make, scheme_in(make, zone, **settings))
    random_matches(elsewhere, random.Random(1), 5)
    short, over = flags_in_python(scheme)
    assert len(short) >= 5 and len(over) >= 5  # the comparison is not between two empty lists
    assert flags_in_sql(scheme) == (short, over)
