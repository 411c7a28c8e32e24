"""Hours tracking through HTTP: offline sync, the refusals, confirmation, weeks and shortfalls."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from tests.helpers import assert_problem, at_once
from tests.matchdesk import TERMS, Desk

TRIAL_START = "2027-03-01"  # a Monday
NOW = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)  # Wednesday 31 March, British Summer Time


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START})
    return desk


def entry_url(desk, entry_id=None):
    return f"/api/v1/matches/{desk.match_id}/hours/{entry_id or uuid.uuid4()}"


def log(desk, day, minutes=120, task="companionship", entry_id=None, session=None, **extra):
    body = {"worked_on": day, "minutes": minutes, "task": task, **extra}
    return desk.client.put(entry_url(desk, entry_id), headers=(session or desk.sharer).headers, json=body)


def logged(desk, day, minutes=120, **kwargs):
    response = log(desk, day, minutes, **kwargs)
    assert response.status_code == 201, response.json
    return response.json


def entries(desk, session=None, **query):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/hours", headers=(session or desk.coordinator).headers,
                               query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def weeks(desk, session=None, **query):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/hours/weeks",
                               headers=(session or desk.coordinator).headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


# Offline sync -------------------------------------------------------------------------------------


def test_the_same_entry_twice_is_stored_once(desk):
    entry_id = str(uuid.uuid4())
    first = log(desk, "2027-03-29", 90, entry_id=entry_id, note="Cooked together")
    again = log(desk, "2027-03-29", 90, entry_id=entry_id, note="Cooked together")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    assert first.json["status"] == "logged" and first.json["id"] == entry_id
    assert entries(desk)["pagination"]["total"] == 1


def test_reusing_an_id_for_other_content_is_a_conflict(desk):
    entry_id = str(uuid.uuid4())
    logged(desk, "2027-03-29", 90, entry_id=entry_id)
    assert_problem(log(desk, "2027-03-29", 60, entry_id=entry_id), 409, "entry-id-reused")
    assert_problem(log(desk, "2027-03-30", 90, entry_id=entry_id), 409, "entry-id-reused")
    assert [e["minutes"] for e in entries(desk)["items"]] == [90]


def test_concurrent_duplicate_puts_store_one_entry(app, desk):
    entry_id = str(uuid.uuid4())

    def attempt():
        response = app.test_client().put(entry_url(desk, entry_id), headers=desk.sharer.headers,
                                         json={"worked_on": "2027-03-29", "minutes": 45, "task": "cooking"})
        return response.status_code

    statuses = at_once(attempt, 4)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert entries(desk)["pagination"]["total"] == 1


# Refusals -----------------------------------------------------------------------------------------

REFUSALS = [
    ({"worked_on": "2027-04-01"}, "worked_on"),  # tomorrow
    ({"worked_on": "2027-02-28"}, "worked_on"),  # before the trial started
    ({"minutes": 0}, "minutes"),
    ({"minutes": -30}, "minutes"),
    ({"minutes": 721}, "minutes"),
    ({"minutes": "60"}, "minutes"),
    ({"minutes": 60.5}, "minutes"),
    ({"task": "gardening"}, "task"),  # a task, but not in the agreement
    ({"task": "medication"}, "task"),
    ({"note": "x" * 501}, "note"),
    ({"worked_on": "31/03/2027"}, "worked_on"),
    ({"colour": "blue"}, "colour"),
]


@pytest.mark.parametrize("change, field", REFUSALS)
def test_bad_entries_are_refused_with_the_field(desk, change, field):
    body = {"worked_on": "2027-03-30", "minutes": 60, "task": "cooking", **change}
    response = desk.client.put(entry_url(desk), headers=desk.sharer.headers, json=body)
    assert field in assert_problem(response, 422)["errors"]
    assert entries(desk)["pagination"]["total"] == 0


def test_no_more_than_24_hours_in_a_day(desk):
    logged(desk, "2027-03-30", 720)
    logged(desk, "2027-03-30", 700)
    problem = assert_problem(log(desk, "2027-03-30", 21), 422)
    assert "more than 24 hours" in problem["errors"]["minutes"][0]
    logged(desk, "2027-03-30", 20)


def test_only_the_matchs_sharer_logs(client, make, desk):
    assert_problem(log(desk, "2027-03-30", session=desk.householder), 403)
    # A coordinator logs only for the sharer, saying how and when the sharer reported it.
    body = assert_problem(log(desk, "2027-03-30", session=desk.coordinator), 422, "validation-error")
    assert "on_behalf" in body["errors"]
    stranger = make.login(client, make.ready("sharer", desk.scheme))
    assert_problem(log(desk, "2027-03-30", session=stranger), 404)
    outsider = make.login(client, make.ready("sharer", make.scheme()))
    assert_problem(log(desk, "2027-03-30", session=outsider), 404)
    assert entries(desk)["pagination"]["total"] == 0


def test_no_hours_before_the_trial_or_without_an_accepted_agreement(client, make, clock):
    clock.set(NOW)
    proposed = Desk(client, make, make.scheme())
    proposed.propose()
    assert_problem(log(proposed, "2027-03-30"), 409, "match-not-started")
    trial = Desk(client, make, make.scheme())
    trial.to_trial(start_on=TRIAL_START)
    assert_problem(log(trial, "2027-03-30"), 409, "no-agreement")


def test_an_ended_match_takes_late_entries_up_to_its_last_day(desk):
    desk.ok("ending", body={"ended_by": "both", "reason": "Finished studies.", "notice_given_days": 7,
                            "end_on": "2027-03-26"})
    logged(desk, "2027-03-26")
    assert "ended on 2027-03-26" in assert_problem(log(desk, "2027-03-27"), 422)["errors"]["worked_on"][0]


def test_the_future_is_judged_in_the_schemes_time_zone(desk, clock):
    # 23:30 UTC on Sunday 28 March 2027 is already 00:30 on Monday 29 March in London (BST).
    clock.set(datetime(2027, 3, 28, 23, 30, tzinfo=timezone.utc))
    logged(desk, "2027-03-29")
    assert_problem(log(desk, "2027-03-30"), 422)


# Editing, confirming, disputing -------------------------------------------------------------------


def test_sharer_edits_until_confirmed_then_only_a_coordinator_corrects(app, desk):
    entry = logged(desk, "2027-03-29", 60)
    url = entry_url(desk, entry["id"])
    changed = desk.client.patch(url, headers=desk.sharer.headers, json={"minutes": 75})
    assert changed.status_code == 200 and changed.json["minutes"] == 75

    confirmed = desk.post("hours/confirmation", desk.householder, {"entry_ids": [entry["id"]]})
    assert confirmed.status_code == 200 and confirmed.json["confirmed"][0]["status"] == "confirmed"
    assert_problem(desk.client.patch(url, headers=desk.sharer.headers, json={"minutes": 90}), 409, "entry-confirmed")
    assert_problem(desk.client.delete(url, headers=desk.sharer.headers), 409, "entry-confirmed")

    corrected = desk.client.patch(url, headers=desk.coordinator.headers, json={"minutes": 80, "note": "Per call"})
    assert corrected.status_code == 200 and corrected.json["minutes"] == 80
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "hours.entry_corrected")).one()
    assert event.before == {"minutes": 75, "note": None}
    assert event.after == {"minutes": 80, "note": "[personal data]"}
    assert str(event.actor_id) == desk.coordinator.person.id


def test_deleted_entries_stay_deleted(desk):
    entry = logged(desk, "2027-03-29", 60)
    url = entry_url(desk, entry["id"])
    assert desk.client.delete(url, headers=desk.sharer.headers).status_code == 204
    assert desk.client.delete(url, headers=desk.sharer.headers).status_code == 204
    stale_retry = log(desk, "2027-03-29", 60, entry_id=entry["id"])
    assert "deleted" in assert_problem(stale_retry, 409, "entry-id-reused")["detail"]
    assert entries(desk)["pagination"]["total"] == 0
    assert_problem(desk.client.patch(url, headers=desk.sharer.headers, json={"minutes": 5}), 404)


def test_confirming_a_week_and_disputing_an_entry(client, make, desk):
    monday = logged(desk, "2027-03-22", 60)
    sunday = logged(desk, "2027-03-28", 60)
    next_week = logged(desk, "2027-03-29", 60)
    doubtful = logged(desk, "2027-03-30", 300)

    week = desk.post("hours/confirmation", desk.householder, {"week_of": "2027-03-25"})
    assert sorted(e["id"] for e in week.json["confirmed"]) == sorted([monday["id"], sunday["id"]])
    again = desk.post("hours/confirmation", desk.householder, {"week_of": "2027-03-25"})
    assert [e["confirmed_at"] for e in again.json["confirmed"]] == [e["confirmed_at"] for e in week.json["confirmed"]]

    disputed = desk.post(f"hours/{doubtful['id']}/dispute", desk.householder, {"reason": "She was away that day."})
    assert disputed.status_code == 200 and disputed.json["status"] == "disputed"
    scheme_list = client.get(f"/api/v1/schemes/{desk.scheme.id}/hours/disputed", headers=desk.coordinator.headers).json
    assert [e["id"] for e in scheme_list["items"]] == [doubtful["id"]]
    assert scheme_list["items"][0]["dispute_reason"] == "She was away that day."
    assert_problem(desk.post(f"hours/{monday['id']}/dispute", desk.householder, {"reason": "No"}), 409,
                   "entry-confirmed")
    fixed = desk.client.patch(entry_url(desk, doubtful["id"]), headers=desk.sharer.headers, json={"minutes": 30})
    assert fixed.json["status"] == "logged" and fixed.json["dispute_reason"] is None

    assert_problem(desk.post("hours/confirmation", desk.sharer, {"entry_ids": [next_week["id"]]}), 403)
    assert_problem(desk.post("hours/confirmation", desk.coordinator, {"entry_ids": [next_week["id"]]}), 422,
                   "validation-error")  # only for the householder, saying how and when
    outsider = make.login(client, make.ready("householder", desk.scheme))
    assert_problem(desk.post("hours/confirmation", outsider, {"entry_ids": [next_week["id"]]}), 404)
    assert_problem(desk.post("hours/confirmation", desk.householder, {"entry_ids": [str(uuid.uuid4())]}), 422)
    assert_problem(desk.post("hours/confirmation", desk.householder, {}), 422)


# Weeks and shortfalls -----------------------------------------------------------------------------


def test_weeks_run_monday_to_sunday_across_the_clock_change(desk):
    logged(desk, "2027-03-28", 120)  # Sunday, the day clocks go forward
    logged(desk, "2027-03-29", 90)  # Monday: a new week
    disputed = logged(desk, "2027-03-29", 60)
    desk.post(f"hours/{disputed['id']}/dispute", desk.householder, {"reason": "Not that long."})
    desk.post("hours/confirmation", desk.householder, {"week_of": "2027-03-28"})
    summary = weeks(desk, session=desk.householder)
    assert summary["pagination"] == {"page": 1, "per_page": 20, "total": 5, "pages": 1}
    current, last, *_ = summary["items"]
    assert (current["week_start"], current["week_end"]) == ("2027-03-29", "2027-04-04")
    assert (current["logged_minutes"], current["disputed_minutes"], current["counted_minutes"]) == (150, 60, 90)
    assert current["completed"] is False and current["short"] is False
    assert (last["week_start"], last["week_end"]) == ("2027-03-22", "2027-03-28")
    assert (last["logged_minutes"], last["confirmed_minutes"]) == (120, 120)
    assert last["agreed_minutes"] == 600 and last["shortfall_minutes"] == 480 and last["short"] is True
    assert [w["week_start"] for w in summary["items"]] == ["2027-03-29", "2027-03-22", "2027-03-15", "2027-03-08",
                                                           "2027-03-01"]


def test_week_ranges_paginate_in_a_fixed_number_of_queries(desk, count_queries):
    for day in ("2027-03-02", "2027-03-09", "2027-03-16"):
        logged(desk, day)
    counts = []
    for query in ({"per_page": 1}, {"per_page": 50}, {"from": "2027-03-08", "to": "2027-03-21"}):
        with count_queries() as statements:
            summary = weeks(desk, **query)
        counts.append(len(statements))
    assert len(set(counts)) == 1 and counts[0] == 5
    assert [w["week_start"] for w in summary["items"]] == ["2027-03-15", "2027-03-08"]
    assert weeks(desk, per_page=2, page=3)["items"][0]["week_start"] == "2027-03-01"


@pytest.mark.parametrize("minutes_per_week, flagged", [(420, True), (479, True), (480, False), (600, False)])
def test_shortfall_is_flagged_after_two_short_weeks(client, desk, minutes_per_week, flagged):
    for day in ("2027-03-16", "2027-03-23"):  # the last two completed weeks
        logged(desk, day, minutes_per_week)
    shortfall = weeks(desk)["shortfall"]
    assert shortfall["flagged"] is flagged
    assert [w["week_start"] for w in shortfall["weeks"]] == (["2027-03-22", "2027-03-15"] if flagged else [])
    listed = client.get(f"/api/v1/schemes/{desk.scheme.id}/hours/shortfalls", headers=desk.coordinator.headers).json
    assert [m["match_id"] for m in listed["items"]] == ([desk.match_id] if flagged else [])


def test_shortfall_follows_the_schemes_settings(client, desk):
    for day in ("2027-03-16", "2027-03-23"):
        logged(desk, day, 420)
    assert weeks(desk)["shortfall"]["flagged"] is True
    response = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                            json={"settings": {"hours_shortfall_weeks": 3}})
    assert response.status_code == 200
    assert weeks(desk)["shortfall"]["flagged"] is True  # the third week back is empty: short too
    logged(desk, "2027-03-09", 600)
    assert weeks(desk)["shortfall"]["flagged"] is False
    client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                 json={"settings": {"hours_shortfall_weeks": 2, "hours_shortfall_percent": 70}})
    assert weeks(desk)["shortfall"]["flagged"] is False  # 420 of 600 is 70%


def test_disputed_minutes_do_not_count_towards_the_agreed_hours(desk):
    logged(desk, "2027-03-16", 600)
    doubtful = logged(desk, "2027-03-23", 600)
    assert weeks(desk)["shortfall"]["flagged"] is False
    desk.post(f"hours/{doubtful['id']}/dispute", desk.householder, {"reason": "Never happened."})
    week = weeks(desk)["items"][1]
    assert (week["week_start"], week["logged_minutes"], week["counted_minutes"], week["short"]) == (
        "2027-03-22", 600, 0, True)


# CSV ----------------------------------------------------------------------------------------------


def test_coordinators_download_entries_and_weeks_as_csv(client, desk):
    logged(desk, "2027-03-22", 60, task="cooking", note='Made "pierogi", together')
    logged(desk, "2027-03-29", 30)
    response = client.get(f"/api/v1/matches/{desk.match_id}/hours.csv", headers=desk.coordinator.headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["worked_on"], r["minutes"], r["task"]) for r in rows] == [("2027-03-22", "60", "cooking"),
                                                                         ("2027-03-29", "30", "companionship")]
    assert rows[0]["note"] == 'Made "pierogi", together'

    response = client.get(f"/api/v1/schemes/{desk.scheme.id}/hours/weeks.csv?from=2027-03-15&to=2027-03-31",
                          headers=desk.coordinator.headers)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["week_start"], r["logged_minutes"], r["short"]) for r in rows] == [
        ("2027-03-15", "0", "True"), ("2027-03-22", "60", "True"), ("2027-03-29", "30", "False")]
    assert_problem(client.get(f"/api/v1/matches/{desk.match_id}/hours.csv", headers=desk.sharer.headers), 403)
    assert_problem(client.get(f"/api/v1/schemes/{desk.scheme.id}/hours/weeks.csv", headers=desk.coordinator.headers),
                   422)
