"""The weekly sums and shortfall flags, called directly in an application context.

Matches, agreement versions and entries are written straight to the database, so that one
scheme can hold several matches at different points of their lives. "Now" is Wednesday
10 March 2027 in Leeds: the week of Monday 8 March is under way, the last completed week
began on Monday 1 March.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from homeshare.agreements.models import AgreementVersion
from homeshare.common.clock import utcnow
from homeshare.extensions import db
from homeshare.hours import weeks
from homeshare.hours.models import EntryStatus, HoursEntry
from homeshare.hours.weeks import Agreed, Week, scheme_shortfalls, week_rows, weekly_summary
from homeshare.matching.models import Match, MatchState
from homeshare.schemes.models import Scheme
from homeshare.schemes.settings import resolved_settings

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=timezone.utc)
TODAY = date(2027, 3, 10)
THIS_WEEK = date(2027, 3, 8)
LAST_WEEK = date(2027, 3, 1)
WEEK_BEFORE = date(2027, 2, 22)
START = date(2027, 2, 1)  # a Monday: the trial's first week
SETTINGS = resolved_settings({})  # 80 % of the agreed hours, two weeks in a row


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def now(app, ctx):
    app.config["HOMESHARE_CLOCK"] = lambda: NOW


def scheme_row(make, **settings) -> Scheme:
    return db.session.get(Scheme, uuid.UUID(make.scheme(settings=settings).id))


def new_match(make, scheme: Scheme, *, started: date | None = START, state=MatchState.ACTIVE,
              ended_on: date | None = None, hours=((10, START - timedelta(days=7)),),
              match_id: uuid.UUID | None = None) -> Match:
    """A match of two new people; ``hours``: (hours per week, day both sides had accepted) per version."""
    slug = SimpleNamespace(id=str(scheme.id), slug=scheme.slug)
    householder, sharer = make.householder(slug), make.sharer(slug)
    match = Match(id=match_id or uuid.uuid4(), scheme_id=scheme.id, householder_id=uuid.UUID(householder.id), sharer_id=uuid.UUID(sharer.id),
                  state=state, proposed_at=at(START - timedelta(days=30)), trial_started_on=started, ended_on=ended_on)
    db.session.add(match)
    db.session.flush()
    for number, (per_week, accepted) in enumerate(hours, start=1):
        db.session.add(AgreementVersion(
            match_id=match.id, number=number, hours_per_week=per_week, tasks=["companionship"],
            monthly_contribution_pence=0, start_on=START, trial_length_days=28, notice_days=7,
            created_at=at(START - timedelta(days=20)), householder_accepted_at=accepted and at(accepted, 9),
            sharer_accepted_at=accepted and at(accepted, 10)))
    db.session.commit()
    return match


def log(match: Match, day: date, minutes: int, status=EntryStatus.LOGGED, deleted: bool = False) -> None:
    db.session.add(HoursEntry(
        id=uuid.uuid4(), match_id=match.id, sharer_id=match.sharer_id, worked_on=day, week_start=weeks.week_start_of(day),
        minutes=minutes, task="companionship", status=status, created_at=utcnow(), updated_at=utcnow(),
        deleted_at=utcnow() if deleted else None))
    db.session.commit()


def log_week(match: Match, monday: date, minutes: int, **kwargs) -> None:
    """``minutes`` in one week, in entries of at most 12 hours on the Tuesday onwards."""
    day = monday + timedelta(days=1)
    while minutes > 0:
        log(match, day, min(minutes, 720), **kwargs)
        minutes -= 720
        day += timedelta(days=1)


def summary(match: Match, scheme: Scheme, first=None, last=None, page=1, per_page=50):
    return weekly_summary(match=match, scheme=scheme, first=first, last=last, page=page, per_page=per_page)


def fake_match(**fields) -> SimpleNamespace:
    return SimpleNamespace(**{"id": uuid.uuid4(), "state": MatchState.ACTIVE, "trial_started_on": START,
                              "ended_on": None, **fields})


def version(number: int, hours: int, householder: datetime | None, sharer: datetime | None) -> SimpleNamespace:
    return SimpleNamespace(number=number, hours_per_week=hours, householder_accepted_at=householder,
                           sharer_accepted_at=sharer)


# Weeks and the agreement in force ----------------------------------------------------------------


def test_weeks_start_on_monday():
    assert weeks.week_start_of(date(2027, 3, 8)) == date(2027, 3, 8)
    assert weeks.week_start_of(date(2027, 3, 10)) == date(2027, 3, 8)
    assert weeks.week_start_of(date(2027, 3, 14)) == date(2027, 3, 8)
    assert weeks.week_start_of(date(2027, 3, 15)) == date(2027, 3, 15)


def test_no_accepted_version_means_no_agreed_hours():
    assert Agreed([], "Europe/London").minutes_for(TODAY) is None
    half_accepted = [version(1, 10, at(START), None), version(2, 12, None, at(START))]
    agreed = Agreed(half_accepted, "Europe/London")
    assert agreed.accepted == []
    assert agreed.minutes_for(TODAY) is None


def test_a_version_is_in_force_from_the_later_acceptance_in_the_schemes_time_zone():
    # Both accept version 2 by 23:30 UTC on Sunday 21 February, already Monday in Auckland.
    versions = [version(1, 10, at(START), at(START)),
                version(2, 6, datetime(2027, 2, 14, 9, tzinfo=timezone.utc),
                        datetime(2027, 2, 21, 23, 30, tzinfo=timezone.utc))]
    london, auckland = Agreed(versions, "Europe/London"), Agreed(versions, "Pacific/Auckland")
    assert london.accepted == [(START, 1, 10), (date(2027, 2, 21), 2, 6)]
    assert london.minutes_for(date(2027, 2, 20)) == 600
    assert london.minutes_for(date(2027, 2, 21)) == 360  # in force on the day it was accepted
    assert auckland.minutes_for(date(2027, 2, 21)) == 600
    assert auckland.minutes_for(date(2027, 2, 22)) == 360


def test_weeks_before_any_acceptance_use_the_first_accepted_version():
    versions = [version(3, 4, at(date(2027, 4, 1)), at(date(2027, 4, 1))),
                version(2, 8, at(date(2027, 3, 1)), at(date(2027, 3, 2))),
                version(1, 10, None, at(date(2027, 1, 1)))]  # never accepted by the householder
    agreed = Agreed(versions, "Europe/London")
    assert agreed.minutes_for(date(2027, 2, 7)) == 480
    assert agreed.minutes_for(date(2027, 3, 1)) == 480
    assert agreed.minutes_for(date(2027, 3, 31)) == 480
    assert agreed.minutes_for(date(2027, 4, 4)) == 240


def test_versions_accepted_on_the_same_day_follow_their_numbers():
    versions = [version(2, 7, at(START, 15), at(START, 16)), version(1, 10, at(START, 9), at(START, 10))]
    assert Agreed(versions, "Europe/London").minutes_for(START) == 420


def test_a_week_counts_what_is_logged_less_what_is_disputed():
    week = Week(uuid.uuid4(), LAST_WEEK, LAST_WEEK + timedelta(days=6), logged_minutes=500, confirmed_minutes=200,
                disputed_minutes=120, agreed_minutes=600, completed=True, short=True)
    assert week.counted_minutes == 380
    assert week.shortfall_minutes == 220
    assert Week(uuid.uuid4(), LAST_WEEK, LAST_WEEK, 700, 0, 0, 600, True, False).shortfall_minutes == 0
    assert Week(uuid.uuid4(), LAST_WEEK, LAST_WEEK, 700, 0, 0, None, True, False).shortfall_minutes is None


@pytest.mark.parametrize(("logged", "disputed", "short"), [
    (480, 0, False),  # exactly 80 % of 10 hours: not short
    (479, 0, True),
    (600, 121, True),  # 479 count
    (600, 120, False),
    (0, 0, True),
])
def test_a_completed_week_is_short_below_the_percent_of_the_agreed_hours(logged, disputed, short):
    match = fake_match()
    agreed = Agreed([version(1, 10, at(START), at(START))], "Europe/London")
    week = weeks._week(match, LAST_WEEK, {(match.id, LAST_WEEK): (logged, 50, disputed)}, agreed, TODAY, 80)
    assert (week.match_id, week.week_start, week.week_end) == (match.id, LAST_WEEK, date(2027, 3, 7))
    assert (week.logged_minutes, week.confirmed_minutes, week.disputed_minutes) == (logged, 50, disputed)
    assert week.agreed_minutes == 600
    assert week.completed is True
    assert week.short is short


def test_the_current_week_and_weeks_without_agreed_hours_are_never_short():
    match = fake_match()
    agreed = Agreed([version(1, 10, at(START), at(START))], "Europe/London")
    current = weeks._week(match, THIS_WEEK, {}, agreed, TODAY, 80)
    assert (current.completed, current.short) == (False, False)
    assert (current.logged_minutes, current.confirmed_minutes, current.disputed_minutes) == (0, 0, 0)
    # The week ending today is not over yet either.
    ending_today = weeks._week(match, THIS_WEEK, {}, agreed, date(2027, 3, 14), 80)
    assert (ending_today.completed, ending_today.short) == (False, False)
    over = weeks._week(match, THIS_WEEK, {}, agreed, date(2027, 3, 15), 80)
    assert (over.completed, over.short) == (True, True)
    no_agreement = weeks._week(match, LAST_WEEK, {}, Agreed([], "Europe/London"), TODAY, 80)
    assert (no_agreement.completed, no_agreement.agreed_minutes, no_agreement.short) == (True, None, False)
    no_hours = weeks._week(match, LAST_WEEK, {}, Agreed([version(1, 0, at(START), at(START))], "UTC"), TODAY, 80)
    assert (no_hours.agreed_minutes, no_hours.short) == (0, False)


# The shortfall flag of one match -----------------------------------------------------------------


def short_sums(match, mondays, minutes=60) -> dict:
    return {(match.id, monday): (minutes, 0, 0) for monday in mondays}


AGREED = Agreed([version(1, 10, at(START), at(START))], "Europe/London")


def test_flagged_when_the_last_completed_weeks_were_all_short():
    match = fake_match()
    flagged, short = weeks._shortfall(match, AGREED, TODAY, SETTINGS, short_sums(match, [WEEK_BEFORE, LAST_WEEK]))
    assert flagged is True
    assert [week.week_start for week in short] == [LAST_WEEK, WEEK_BEFORE]
    assert all(week.short for week in short)
    # The current week does not count, however little is logged in it.
    sums = {**short_sums(match, [WEEK_BEFORE]), (match.id, LAST_WEEK): (480, 0, 0)}
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums) == (False, [])


def test_the_number_of_weeks_comes_from_the_settings():
    match = fake_match()
    three = resolved_settings({"hours_shortfall_weeks": 3})
    sums = {**short_sums(match, [WEEK_BEFORE, LAST_WEEK]), (match.id, WEEK_BEFORE - timedelta(weeks=1)): (480, 0, 0)}
    assert weeks._shortfall(match, AGREED, TODAY, three, sums) == (False, [])
    sums = short_sums(match, [WEEK_BEFORE - timedelta(weeks=1), WEEK_BEFORE, LAST_WEEK])
    flagged, short = weeks._shortfall(match, AGREED, TODAY, three, sums)
    assert flagged and len(short) == 3
    one = resolved_settings({"hours_shortfall_weeks": 1})
    assert [w.week_start for w in weeks._shortfall(match, AGREED, TODAY, one, short_sums(match, [LAST_WEEK]))[1]] == [
        LAST_WEEK]


def test_the_percent_comes_from_the_settings():
    match = fake_match()
    sums = short_sums(match, [WEEK_BEFORE, LAST_WEEK], minutes=300)  # half of 10 hours
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums)[0] is True
    assert weeks._shortfall(match, AGREED, TODAY, resolved_settings({"hours_shortfall_percent": 50}), sums) == (
        False, [])


@pytest.mark.parametrize("state", [MatchState.ENDED, MatchState.PROPOSED, MatchState.INTRODUCTION,
                                   MatchState.WITHDRAWN])
def test_only_trial_and_active_matches_are_flagged(state):
    match = fake_match(state=state)
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, short_sums(match, [WEEK_BEFORE, LAST_WEEK])) == (False, [])


def test_a_trial_match_is_flagged_too():
    match = fake_match(state=MatchState.TRIAL)
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, short_sums(match, [WEEK_BEFORE, LAST_WEEK]))[0] is True


def test_not_flagged_before_enough_weeks_have_passed():
    sums_for = lambda match: short_sums(match, [WEEK_BEFORE, LAST_WEEK])  # noqa: E731
    # Started on the Monday of the week before last: two completed weeks, both short.
    match = fake_match(trial_started_on=WEEK_BEFORE)
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums_for(match))[0] is True
    # Started a day later (the same week): still two completed weeks.
    match = fake_match(trial_started_on=WEEK_BEFORE + timedelta(days=6))
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums_for(match))[0] is True
    # Started last week: one completed week only.
    match = fake_match(trial_started_on=LAST_WEEK)
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums_for(match)) == (False, [])
    # Not started, or starting in the future.
    for started in (None, TODAY + timedelta(days=1)):
        match = fake_match(trial_started_on=started)
        assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums_for(match)) == (False, [])


def test_span_of_a_match():
    assert weeks._span(fake_match(trial_started_on=None), TODAY) is None
    assert weeks._span(fake_match(), TODAY) == (START, THIS_WEEK)
    assert weeks._span(fake_match(trial_started_on=TODAY), TODAY) == (THIS_WEEK, THIS_WEEK)
    assert weeks._span(fake_match(trial_started_on=TODAY + timedelta(days=1)), TODAY) is None
    assert weeks._span(fake_match(ended_on=date(2027, 2, 17)), TODAY) == (START, date(2027, 2, 15))
    assert weeks._span(fake_match(ended_on=date(2027, 4, 17)), TODAY) == (START, THIS_WEEK)
    assert weeks._span(fake_match(trial_started_on=date(2027, 2, 3), ended_on=date(2027, 2, 2)), TODAY) is None


# Through the database ----------------------------------------------------------------------------


def test_weekly_summary_sums_each_week_newest_first(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    other = new_match(make, scheme)
    log(match, date(2027, 2, 2), 300)
    log(match, date(2027, 2, 7), 200, EntryStatus.CONFIRMED)  # Sunday: the same week
    log(match, date(2027, 2, 8), 100, EntryStatus.DISPUTED)
    log(match, date(2027, 2, 9), 240, EntryStatus.CONFIRMED)
    log(match, date(2027, 2, 9), 700, deleted=True)
    log(other, date(2027, 2, 2), 600)
    result = summary(match, scheme)
    assert result.weeks.total == 6
    assert [week.week_start for week in result.weeks.items] == [
        THIS_WEEK, LAST_WEEK, WEEK_BEFORE, date(2027, 2, 15), date(2027, 2, 8), START]
    first, second = result.weeks.items[-1], result.weeks.items[-2]
    assert (first.logged_minutes, first.confirmed_minutes, first.disputed_minutes) == (500, 200, 0)
    assert (second.logged_minutes, second.confirmed_minutes, second.disputed_minutes) == (340, 240, 100)
    assert second.counted_minutes == 240
    assert [week.short for week in result.weeks.items] == [False, True, True, True, True, False]
    assert result.flagged is True
    assert [week.week_start for week in result.short_weeks] == [LAST_WEEK, WEEK_BEFORE]
    assert result.shortfall == {"flagged": True, "weeks": result.short_weeks}


def test_weekly_summary_pages_and_ranges(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    log_week(match, LAST_WEEK, 600)
    log_week(match, WEEK_BEFORE, 600)
    log_week(match, START, 60)
    page = summary(match, scheme, page=2, per_page=2)
    assert [week.week_start for week in page.weeks.items] == [WEEK_BEFORE, date(2027, 2, 15)]
    assert (page.weeks.page, page.weeks.per_page, page.weeks.total) == (2, 2, 6)
    assert page.weeks.items[0].logged_minutes == 600
    # The flag does not depend on the page shown.
    assert page.flagged is False and page.short_weeks == []
    last = summary(match, scheme, page=3, per_page=2)
    assert [(w.week_start, w.logged_minutes, w.short) for w in last.weeks.items] == [
        (date(2027, 2, 8), 0, True), (START, 60, True)]
    ranged = summary(match, scheme, first=date(2027, 2, 10), last=date(2027, 2, 28))
    assert [week.week_start for week in ranged.weeks.items] == [WEEK_BEFORE, date(2027, 2, 15), date(2027, 2, 8)]
    assert ranged.weeks.total == 3
    # A range wider than the match's life is cut to it.
    wide = summary(match, scheme, first=date(2026, 1, 1), last=date(2028, 1, 1))
    assert wide.weeks.total == 6
    assert [w.week_start for w in wide.weeks.items][::5] == [THIS_WEEK, START]
    assert summary(match, scheme, first=date(2027, 2, 22), last=date(2027, 2, 22)).weeks.total == 1
    empty = summary(match, scheme, first=date(2027, 3, 1), last=date(2027, 2, 1))
    assert (empty.weeks.items, empty.weeks.total) == ([], 0)


def test_weekly_summary_reads_the_weeks_the_flag_needs_beyond_the_page_shown(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    log_week(match, START, 600)
    for monday in (WEEK_BEFORE, LAST_WEEK):
        log_week(match, monday, 60)
    shown = summary(match, scheme, first=START, last=START)
    assert [(w.week_start, w.logged_minutes, w.short) for w in shown.weeks.items] == [(START, 600, False)]
    assert shown.flagged is True
    assert [w.logged_minutes for w in shown.short_weeks] == [60, 60]


def test_weekly_summary_after_a_second_agreement_version(now, make):
    scheme = scheme_row(make)
    # Ten hours a week, then four hours from Wednesday 17 February.
    match = new_match(make, scheme, hours=((10, START - timedelta(days=7)), (4, date(2027, 2, 17))))
    for monday in (START, date(2027, 2, 8), date(2027, 2, 15), WEEK_BEFORE, LAST_WEEK):
        log_week(match, monday, 240)
    result = summary(match, scheme)
    by_week = {week.week_start: week for week in result.weeks.items}
    assert [by_week[m].agreed_minutes for m in (START, date(2027, 2, 8), date(2027, 2, 15), LAST_WEEK)] == [
        600, 600, 240, 240]
    assert [by_week[m].short for m in (START, date(2027, 2, 8), date(2027, 2, 15), LAST_WEEK)] == [
        True, True, False, False]
    assert by_week[START].shortfall_minutes == 360
    assert result.flagged is False


def test_weeks_before_the_first_acceptance_use_the_first_accepted_version(now, make):
    scheme = scheme_row(make)
    # Five hours accepted on Saturday 20 February, seven on Wednesday 3 March; nine never.
    match = new_match(make, scheme, hours=((5, date(2027, 2, 20)), (7, date(2027, 3, 3)), (9, None)))
    result = summary(match, scheme)
    assert [week.agreed_minutes for week in result.weeks.items] == [420, 420, 300, 300, 300, 300]


def test_an_ended_match_is_never_flagged(now, make):
    scheme = scheme_row(make)
    ended = new_match(make, scheme, state=MatchState.ENDED, ended_on=date(2027, 3, 9))
    result = summary(ended, scheme)
    assert result.weeks.total == 6
    assert all(week.short for week in result.weeks.items[1:])
    assert (result.flagged, result.short_weeks) == (False, [])
    stopped_early = new_match(make, scheme, state=MatchState.ENDED, ended_on=date(2027, 2, 10))
    assert [w.week_start for w in summary(stopped_early, scheme).weeks.items] == [date(2027, 2, 8), START]


def test_a_match_not_yet_started_has_no_weeks(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme, started=None, state=MatchState.INTRODUCTION)
    result = summary(match, scheme, page=1, per_page=5)
    assert (result.weeks.items, result.weeks.page, result.weeks.per_page, result.weeks.total) == ([], 1, 5, 0)
    assert (result.flagged, result.short_weeks) == (False, [])


def test_shortfall_judges_the_last_completed_weeks_on_the_sums_given(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    for monday in (WEEK_BEFORE, LAST_WEEK):
        log_week(match, monday, 479)
    log_week(match, THIS_WEEK, 60)

    def sums():
        return weeks._sums([match.id], WEEK_BEFORE, THIS_WEEK)

    flagged, short = weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums())
    assert flagged is True
    assert [(w.week_start, w.logged_minutes) for w in short] == [(LAST_WEEK, 479), (WEEK_BEFORE, 479)]
    log(match, LAST_WEEK, 1)
    assert weeks._shortfall(match, AGREED, TODAY, SETTINGS, sums()) == (False, [])


def shortfall_scheme(make):
    """A scheme with six matches, three of them short for the last two weeks."""
    scheme = scheme_row(make)
    made = {
        "short": new_match(make, scheme, started=date(2027, 1, 4)),
        "short_trial": new_match(make, scheme, started=date(2027, 1, 18), state=MatchState.TRIAL),
        "short_too": new_match(make, scheme, started=date(2027, 1, 25)),
        "fine": new_match(make, scheme, started=date(2027, 1, 11)),
        "ended": new_match(make, scheme, started=date(2027, 1, 5), state=MatchState.ENDED,
                           ended_on=date(2027, 3, 9)),
        "short_once": new_match(make, scheme, started=date(2027, 1, 6)),
    }
    for monday in (WEEK_BEFORE, LAST_WEEK):
        log_week(made["fine"], monday, 480)
        log_week(made["short_too"], monday, 479)
    log_week(made["short_once"], LAST_WEEK, 600)
    # Disputed minutes do not count: 600 logged, 200 of them disputed.
    log_week(made["short_trial"], LAST_WEEK, 400)
    log(made["short_trial"], LAST_WEEK + timedelta(days=3), 200, EntryStatus.DISPUTED)
    elsewhere = scheme_row(make)
    new_match(make, elsewhere)
    return scheme, made


def test_scheme_shortfalls_lists_the_live_short_matches_oldest_first(now, make):
    scheme, made = shortfall_scheme(make)
    page = scheme_shortfalls(scheme=scheme, page=1, per_page=20)
    assert page.total == 3
    assert [item.match.id for item in page.items] == [made["short"].id, made["short_trial"].id, made["short_too"].id]
    trial = page.items[1]
    assert [(w.week_start, w.logged_minutes, w.disputed_minutes, w.short) for w in trial.weeks] == [
        (LAST_WEEK, 600, 200, True), (WEEK_BEFORE, 0, 0, True)]
    assert trial.match.state is MatchState.TRIAL


def test_scheme_shortfalls_paginate(now, make):
    scheme, made = shortfall_scheme(make)
    first = scheme_shortfalls(scheme=scheme, page=1, per_page=2)
    second = scheme_shortfalls(scheme=scheme, page=2, per_page=2)
    assert [item.match.id for item in first.items] == [made["short"].id, made["short_trial"].id]
    assert [item.match.id for item in second.items] == [made["short_too"].id]
    assert (first.total, second.total, second.page, second.per_page) == (3, 3, 2, 2)
    assert scheme_shortfalls(scheme=scheme, page=3, per_page=2).items == []


def test_scheme_shortfalls_follow_the_schemes_settings(now, make):
    scheme, made = shortfall_scheme(make)
    scheme.settings = {"hours_shortfall_weeks": 1, "hours_shortfall_percent": 70}
    db.session.commit()
    page = scheme_shortfalls(scheme=scheme, page=1, per_page=20)
    # One short week is enough; 479 of 600 minutes is above 70 %, 400 is below.
    assert [item.match.id for item in page.items] == [made["short"].id, made["short_trial"].id]
    assert [len(item.weeks) for item in page.items] == [1, 1]


def test_week_rows_cover_every_started_match_in_the_range(now, make):
    scheme, made = shortfall_scheme(make)
    new_match(make, scheme, started=None, state=MatchState.PROPOSED)
    rows = list(week_rows(scheme=scheme, first=date(2027, 2, 24), last=date(2027, 3, 14)))
    assert len(rows[0]) == len(weeks.WEEK_COLUMNS) == 13
    by_match: dict = {}
    for row in rows:
        by_match.setdefault(row[0], []).append(dict(zip(weeks.WEEK_COLUMNS, row)))
    order = ["short", "ended", "short_once", "fine", "short_trial", "short_too"]
    assert list(by_match) == [made[name].id for name in order]
    fine = by_match[made["fine"].id]
    assert [row["week_start"] for row in fine] == [WEEK_BEFORE, LAST_WEEK, THIS_WEEK]
    assert [(row["logged_minutes"], row["agreed_minutes"], row["shortfall_minutes"], row["completed"], row["short"])
            for row in fine] == [(480, 600, 120, True, False), (480, 600, 120, True, False),
                                 (0, 600, 600, False, False)]
    assert fine[0]["week_end"] == date(2027, 2, 28)
    trial = by_match[made["short_trial"].id][1]
    assert (trial["logged_minutes"], trial["confirmed_minutes"], trial["disputed_minutes"]) == (600, 0, 200)
    ended = by_match[made["ended"].id]
    assert [row["week_start"] for row in ended] == [WEEK_BEFORE, LAST_WEEK, THIS_WEEK]
    late = list(week_rows(scheme=scheme, first=date(2027, 1, 4), last=date(2027, 1, 10)))
    assert [row[0] for row in late] == [made["short"].id, made["ended"].id, made["short_once"].id]
    assert {row[1] for row in late} == {date(2027, 1, 4)}


def test_week_rows_stop_at_the_end_of_a_match(now, make):
    scheme = scheme_row(make)
    ended = new_match(make, scheme, state=MatchState.ENDED, ended_on=date(2027, 2, 10))
    new_match(make, scheme, started=TODAY + timedelta(days=5), state=MatchState.TRIAL)
    rows = list(week_rows(scheme=scheme, first=START, last=TODAY))
    assert [(row[0], row[1]) for row in rows] == [(ended.id, START), (ended.id, date(2027, 2, 8))]


def test_a_match_starting_later_has_no_weeks_yet(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme, started=TODAY + timedelta(days=5), state=MatchState.TRIAL)
    result = summary(match, scheme)
    assert (result.weeks.items, result.weeks.total, result.flagged) == ([], 0, False)


def test_weekly_summary_of_the_current_week_alone_still_flags_on_the_completed_weeks(now, make):
    scheme = scheme_row(make)
    fine_then_short = new_match(make, scheme)
    log_week(fine_then_short, WEEK_BEFORE, 600)
    log_week(fine_then_short, LAST_WEEK, 60)
    shown = summary(fine_then_short, scheme, first=THIS_WEEK, last=TODAY)
    assert [week.week_start for week in shown.weeks.items] == [THIS_WEEK]
    assert (shown.flagged, shown.short_weeks) == (False, [])
    short = new_match(make, scheme)
    log_week(short, WEEK_BEFORE, 60)
    log_week(short, LAST_WEEK, 60)
    assert summary(short, scheme, first=THIS_WEEK, last=TODAY).flagged is True


def test_the_shortfall_flags_read_every_week_they_judge(now, make):
    # Three weeks judged: a full week three weeks ago keeps the match from being flagged, so
    # a sum that reads only the last two weeks would flag it.
    scheme = scheme_row(make, hours_shortfall_weeks=3)
    match = new_match(make, scheme)
    log_week(match, WEEK_BEFORE - timedelta(weeks=1), 600)
    assert summary(match, scheme).flagged is False
    assert scheme_shortfalls(scheme=scheme, page=1, per_page=20).total == 0
    other = new_match(make, scheme)
    for monday in (WEEK_BEFORE - timedelta(weeks=1), WEEK_BEFORE, LAST_WEEK):
        log_week(other, monday, 60)
    assert [item.match.id for item in scheme_shortfalls(scheme=scheme, page=1, per_page=20).items] == [other.id]


def test_the_rules_cost_a_fixed_number_of_statements(now, make, count_queries):
    scheme, _ = shortfall_scheme(make)
    match = new_match(make, scheme)
    db.session.refresh(scheme)
    db.session.refresh(match)
    with count_queries() as statements:
        summary(match, scheme, page=1, per_page=3)
    assert len(statements) == 3  # agreed versions, sums, days away
    with count_queries() as statements:
        assert scheme_shortfalls(scheme=scheme, page=1, per_page=20).total == 4  # the new match is short too
    assert len(statements) == 4  # live matches, versions, sums, days away


def test_matches_starting_the_same_day_come_in_the_order_of_their_ids(now, make):
    scheme = scheme_row(make)
    high, low = uuid.UUID(int=2**127 + 5), uuid.UUID(int=2**127 + 1)
    new_match(make, scheme, match_id=high)
    new_match(make, scheme, match_id=low)
    assert [item.match.id for item in scheme_shortfalls(scheme=scheme, page=1, per_page=5).items] == [low, high]
    rows = list(week_rows(scheme=scheme, first=LAST_WEEK, last=LAST_WEEK))
    assert [row[0] for row in rows] == [low, high]
