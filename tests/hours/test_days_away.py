"""Hours and absences: the week expects the agreed hours prorated for the days away, shortfall
flags and reminders ignore those days, and weeks above the agreement are flagged (hours creep)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from homeshare.absences.models import Absence, AbsenceKind
from homeshare.common.clock import utcnow
from homeshare.extensions import db
from homeshare.hours import weeks
from homeshare.hours.weeks import away_in_week, prorated
from homeshare.jobs.reminders import run_all
from tests.hours.test_weeks import (LAST_WEEK, NOW, START, THIS_WEEK, WEEK_BEFORE, log_week, new_match, scheme_row,
                                    summary)
from tests.matchdesk import TERMS, Desk

# Direct: the rules --------------------------------------------------------------------------------


def test_a_week_expects_the_agreed_minutes_for_the_days_nobody_was_away():
    assert [prorated(600, days) for days in range(8)] == [600, 514, 429, 343, 257, 171, 86, 0]
    assert prorated(None, 3) is None
    assert prorated(60, 1) == 51  # 51.43 to the nearest minute
    assert prorated(600, 9) == 0


def test_days_away_are_counted_once_within_the_week_and_the_matchs_life():
    monday = date(2027, 3, 8)
    both = [(date(2027, 3, 9), date(2027, 3, 10)), (date(2027, 3, 10), date(2027, 3, 11))]  # overlap on the 10th
    assert away_in_week(monday, both, None, None) == 3
    spanning = [(date(2027, 3, 5), date(2027, 3, 9))]  # Friday to the next Tuesday
    assert away_in_week(date(2027, 3, 1), spanning, None, None) == 3
    assert away_in_week(monday, spanning, None, None) == 2
    assert away_in_week(monday, [(date(2027, 3, 1), date(2027, 3, 31))], None, None) == 7
    # Before the trial's first day and after the match's last, nobody counts as away.
    assert away_in_week(monday, spanning, date(2027, 3, 9), None) == 1
    assert away_in_week(monday, [(monday, monday + timedelta(days=6))], None, date(2027, 3, 10)) == 3


@pytest.fixture
def now(app, ctx):
    app.config["HOMESHARE_CLOCK"] = lambda: NOW


def away(match, first: date, last: date, who: str = "sharer") -> None:
    db.session.add(Absence(id=uuid.uuid4(), match_id=match.id, who=who, person_id=getattr(match, f"{who}_id"),
                           kind=AbsenceKind.HOLIDAY, first_day=first, last_day=last, created_at=utcnow(),
                           updated_at=utcnow()))
    db.session.commit()


def test_an_absence_spanning_two_weeks_prorates_each(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    away(match, WEEK_BEFORE + timedelta(days=4), LAST_WEEK + timedelta(days=1))  # Friday to the next Tuesday
    log_week(match, WEEK_BEFORE, 300)
    log_week(match, LAST_WEEK, 300)
    shown = {week.week_start: week for week in summary(match, scheme).weeks.items}
    before, last = shown[WEEK_BEFORE], shown[LAST_WEEK]
    assert (before.away_days, before.expected_minutes, before.agreed_minutes) == (3, 343, 600)
    assert (last.away_days, last.expected_minutes, last.shortfall_minutes) == (2, 429, 129)
    assert before.short is False and last.short is True  # 300 is 87% of 343 and 70% of 429
    assert shown[START].away_days == 0 and shown[START].expected_minutes == 600


def test_a_week_fully_away_expects_nothing_and_keeps_the_match_from_being_flagged(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    assert summary(match, scheme).flagged is True  # nothing logged in the last two weeks
    away(match, LAST_WEEK - timedelta(days=2), LAST_WEEK + timedelta(days=8), who="householder")
    week = next(week for week in summary(match, scheme).weeks.items if week.week_start == LAST_WEEK)
    assert (week.away_days, week.expected_minutes, week.short, week.shortfall_minutes) == (7, 0, False, 0)
    assert summary(match, scheme).flagged is False
    assert [item.match.id for item in weeks.flagged_matches(scheme)] == []
    log_week(match, LAST_WEEK, 120)
    week = next(week for week in summary(match, scheme).weeks.items if week.week_start == LAST_WEEK)
    assert week.over_agreed is False  # a week that expects nothing is never over the agreement


def test_days_away_before_the_matchs_start_do_not_count(now, make):
    scheme = scheme_row(make)
    started = WEEK_BEFORE + timedelta(days=3)  # a Thursday
    match = new_match(make, scheme, started=started)
    away(match, WEEK_BEFORE - timedelta(days=3), started + timedelta(days=1))  # across the start
    first = next(week for week in summary(match, scheme).weeks.items if week.week_start == WEEK_BEFORE)
    assert (first.away_days, first.expected_minutes) == (2, 429)  # Thursday and Friday only


def test_a_week_over_the_agreement_by_more_than_the_setting_is_flagged(now, make):
    scheme = scheme_row(make)
    match = new_match(make, scheme)
    log_week(match, LAST_WEEK, 900)
    log_week(match, WEEK_BEFORE, 901)
    shown = {week.week_start: week for week in summary(match, scheme).weeks.items}
    assert (shown[LAST_WEEK].over_agreed, shown[WEEK_BEFORE].over_agreed) == (False, True)
    assert [item.match.id for item in weeks.over_agreed_matches(scheme)] == []  # only the last completed week
    away(match, LAST_WEEK, LAST_WEEK + timedelta(days=1))  # two days away: 429 expected, 643 is the limit
    assert [(item.match.id, item.weeks[0].week_start) for item in weeks.over_agreed_matches(scheme)] == [
        (match.id, LAST_WEEK)]
    stricter = scheme_row(make, hours_over_agreed_percent=100)
    other = new_match(make, stricter)
    log_week(other, LAST_WEEK, 1200)
    assert weeks.over_agreed_matches(stricter) == []
    log_week(other, LAST_WEEK, 1)
    assert len(weeks.over_agreed_matches(stricter)) == 1
    this_week = next(week for week in summary(other, stricter).weeks.items if week.week_start == THIS_WEEK)
    assert this_week.over_agreed is False


# Through HTTP -------------------------------------------------------------------------------------

TRIAL_START = "2027-03-01"


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START, "trial_length_days": 28})
    return desk


def log(desk, day, minutes):
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=desk.sharer.headers,
                               json={"worked_on": day, "minutes": minutes, "task": "companionship"})
    assert response.status_code == 201, response.json


def away_http(desk, first, last, who="sharer", session=None):
    session = session or (desk.sharer if who == "sharer" else desk.householder)
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/absences/{uuid.uuid4()}", headers=session.headers,
                               json={"who": who, "kind": "holiday", "first_day": first, "last_day": last})
    assert response.status_code == 201, response.json


def week_view(desk, session=None):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/hours/weeks",
                               headers=(session or desk.coordinator).headers)
    assert response.status_code == 200, response.json
    return response.json


def inbox(desk, session, kind):
    response = desk.client.get("/api/v1/me/notifications", headers=session.headers, query_string={"per_page": 100})
    return [n for n in response.json["items"] if n["kind"] == kind]


def tick(app, moment):
    with app.app_context():
        run_all(moment)
        db.session.remove()


def test_the_week_views_show_the_days_away_and_the_prorated_expectation(client, desk):
    for day in ("2027-03-16", "2027-03-23"):
        log(desk, day, 420)
    assert week_view(desk)["shortfall"]["flagged"] is True
    away_http(desk, "2027-03-22", "2027-03-28")  # the last completed week, fully away
    away_http(desk, "2027-03-19", "2027-03-21", who="householder")  # three days of the week before
    summary = week_view(desk, desk.sharer)
    by_week = {week["week_start"]: week for week in summary["items"]}
    assert {key: by_week["2027-03-22"][key] for key in ("away_days", "expected_minutes", "short", "over_agreed")} == {
        "away_days": 7, "expected_minutes": 0, "short": False, "over_agreed": False}
    assert (by_week["2027-03-15"]["away_days"], by_week["2027-03-15"]["expected_minutes"]) == (3, 343)
    assert by_week["2027-03-15"]["agreed_minutes"] == 600 and by_week["2027-03-15"]["short"] is False
    assert summary["shortfall"]["flagged"] is False
    listed = client.get(f"/api/v1/schemes/{desk.scheme.id}/hours/shortfalls", headers=desk.coordinator.headers).json
    assert listed["items"] == []
    csv = client.get(f"/api/v1/schemes/{desk.scheme.id}/hours/weeks.csv", headers=desk.coordinator.headers,
                     query_string={"from": "2027-03-15", "to": "2027-03-28"}).get_data(as_text=True)
    header = csv.splitlines()[0].split(",")
    assert header[-3:] == ["away_days", "expected_minutes", "over_agreed"]


def test_the_week_views_stay_flat_with_absences(desk, count_queries):
    for first in ("2027-03-02", "2027-03-09", "2027-03-16"):
        away_http(desk, first, first)
    counts = []
    for query in ({"per_page": 1}, {"per_page": 50}, {"from": "2027-03-08", "to": "2027-03-21"}):
        with count_queries() as statements:
            response = desk.client.get(f"/api/v1/matches/{desk.match_id}/hours/weeks", headers=desk.coordinator.headers,
                                       query_string=query)
            assert response.status_code == 200
        counts.append(len(statements))
    assert len(set(counts)) == 1 and counts[0] == 5


def test_hours_over_the_agreement_alert_the_coordinators_once_per_match_and_week(app, client, make, desk, clock):
    second = make.login(client, make.coordinator(desk.scheme))
    log(desk, "2027-03-23", 350)
    log(desk, "2027-03-24", 350)  # 700 of 600: not more than half again
    tick(app, clock.now)
    assert inbox(desk, desk.coordinator, "hours_over_agreed") == []
    away_http(desk, "2027-03-27", "2027-03-28")  # two days away: 429 expected, so 700 is over
    assert next(w for w in week_view(desk)["items"] if w["week_start"] == "2027-03-22")["over_agreed"] is True
    tick(app, clock.now)
    tick(app, clock.now + timedelta(minutes=1))
    for coordinator in (desk.coordinator, second):
        alerts = inbox(desk, coordinator, "hours_over_agreed")
        assert len(alerts) == 1
        assert alerts[0]["data"] == {"match_id": desk.match_id, "week_start": "2027-03-22"}
    assert inbox(desk, desk.sharer, "hours_over_agreed") == inbox(desk, desk.householder, "hours_over_agreed") == []


@pytest.mark.parametrize("away_all_week, reminded", [(False, True), (True, False)])
def test_no_reminder_to_log_hours_in_a_week_someone_was_away_throughout(app, desk, clock, away_all_week, reminded):
    if away_all_week:
        away_http(desk, "2027-03-29", "2027-04-04", who="householder")
    else:
        away_http(desk, "2027-03-29", "2027-04-02", who="householder")  # five days: hours are still expected
    tick(app, datetime(2027, 4, 4, 9, 30, tzinfo=timezone.utc))  # Sunday 10:30 in Leeds
    assert len(inbox(desk, desk.sharer, "hours_missing")) == (1 if reminded else 0)
