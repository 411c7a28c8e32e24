"""Check-ins, reminders, escalation and the inbox, with a controlled clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.checkins.jobs import ensure_schedules
from homeshare.checkins.models import CheckIn, CheckInKind
from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.vetting.models import CheckKind, VettingCheck
from tests.helpers import assert_problem
from tests.matchdesk import TERMS, Desk

GOOD = {"wellbeing": 5, "match_going": 4, "help_happening": True}
LOW = {"wellbeing": 2, "match_going": 4, "help_happening": True, "comments": "Feeling low."}


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_trial(start_on="2027-03-01")
    return desk


def checkins(desk):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/checkins?per_page=100", headers=desk.coordinator.headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def answer(desk, session, checkin_id, body):
    return desk.client.put(f"/api/v1/matches/{desk.match_id}/checkins/{checkin_id}/answer", headers=session.headers,
                           json=body)


def inbox(desk, session, **query):
    response = desk.client.get("/api/v1/me/notifications", headers=session.headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json["items"]


def tick(app, now):
    with app.app_context():
        created = run_all(now)
        db.session.remove()
    return created


def test_the_trial_starts_the_schedule_from_the_schemes_cadence(desk):
    items = checkins(desk)
    firsts = [(c["kind"], c["due_on"], c["opens_on"]) for c in items[:7]]
    assert firsts == [("contact", "2027-03-04", "2027-03-01"), ("checkin", "2027-03-08", "2027-03-05"),
                      ("checkin", "2027-03-15", "2027-03-12"), ("checkin", "2027-03-22", "2027-03-19"),
                      ("checkin", "2027-03-26", "2027-03-23"),  # the trial's last week (it ends on 29 March)
                      ("checkin", "2027-04-29", "2027-04-26"), ("review", "2027-06-01", "2027-05-29")]
    monthly = [c["due_on"] for c in items if c["kind"] == "checkin" and c["due_on"] > "2027-04"]
    # Monthly from the trial's end, but not within a week of a review; every two months after six.
    assert monthly == ["2027-04-29", "2027-06-29", "2027-07-29", "2027-09-29", "2027-11-29", "2028-01-29"]
    reviews = [c["due_on"] for c in items if c["kind"] == "review"]
    assert reviews == ["2027-06-01", "2027-09-01"]  # 3 and 6 months; the next, at 12, is beyond the year
    assert max(c["due_on"] for c in items) <= "2028-02-20"  # a year ahead of today


def test_coordinators_add_and_move_check_ins_and_remaking_the_schedule_keeps_them(app, desk):
    first = checkins(desk)[1]
    url = f"/api/v1/matches/{desk.match_id}/checkins"
    moved = desk.client.patch(f"{url}/{first['id']}", headers=desk.coordinator.headers, json={"due_on": "2027-03-10"})
    assert moved.status_code == 200 and moved.json["due_on"] == "2027-03-10"
    added = desk.client.post(url, headers=desk.coordinator.headers, json={"kind": "review", "due_on": "2027-03-20"})
    assert added.status_code == 201
    before = len(checkins(desk))
    with app.app_context():
        ensure_schedules()
    after = checkins(desk)
    assert len(after) == before
    assert "2027-03-08" not in [c["due_on"] for c in after if c["kind"] == "checkin"]
    assert_problem(desk.client.post(url, headers=desk.householder.headers, json={"kind": "review", "due_on": "2027-03-20"}),
                   403)


def test_each_side_answers_separately_and_sees_only_its_own_answer(desk, clock):
    clock.set(datetime(2027, 3, 4, 12, 0, tzinfo=timezone.utc))  # the first contact's due day
    checkin_id = checkins(desk)[0]["id"]
    assert answer(desk, desk.householder, checkin_id, GOOD).status_code == 200
    assert answer(desk, desk.sharer, checkin_id, {**GOOD, "comments": "All well", "wants_call": True}).status_code == 200
    own = desk.client.get(f"/api/v1/me/matches/{desk.match_id}/checkins", headers=desk.householder.headers).json
    mine = own["items"][0]
    assert mine["your_answer"]["side"] == "householder" and "comments" in mine["your_answer"]
    assert (mine["due_on"], mine["opens_on"]) == ("2027-03-04", "2027-03-01")
    assert "All well" not in str(own)
    both = checkins(desk)[0]["answers"]
    assert [a["side"] for a in both] == ["householder", "sharer"] and both[1]["wants_call"] is True
    record = desk.client.post(f"/api/v1/matches/{desk.match_id}/checkins/{checkin_id}/contact",
                              headers=desk.coordinator.headers,
                              json={"kind": "call", "at": "2027-03-04T15:00:00+00:00", "notes": "Spoke to both."})
    assert record.status_code == 200 and record.json["contact_kind"] == "call"
    for bad in ({**GOOD, "wellbeing": 6}, {**GOOD, "wellbeing": "5"}, {"wellbeing": 3}, {**GOOD, "mood": "ok"}):
        assert_problem(answer(desk, desk.sharer, checkin_id, bad), 422)
    assert_problem(answer(desk, desk.coordinator, checkin_id, GOOD), 422, "validation-error")  # only for a person


@pytest.mark.parametrize("body, alerted", [(GOOD, False), (LOW, True), ({**GOOD, "match_going": 3}, True),
                                           ({**GOOD, "something_wrong": True}, True)])
def test_a_low_score_or_a_raised_flag_alerts_the_coordinators_at_once(client, make, desk, clock, body, alerted):
    clock.set(datetime(2027, 3, 4, 12, 0, tzinfo=timezone.utc))
    second = make.login(client, make.coordinator(desk.scheme))
    checkin_id = checkins(desk)[0]["id"]
    answer(desk, desk.sharer, checkin_id, body)
    answer(desk, desk.sharer, checkin_id, body)  # the same answer again alerts nobody twice
    for coordinator in (desk.coordinator, second):
        alerts = [n for n in inbox(desk, coordinator) if n["kind"] == "checkin_alert"]
        assert len(alerts) == (1 if alerted else 0)
    if alerted:
        assert alerts[0]["data"]["checkin_id"] == checkin_id
    assert [n for n in inbox(desk, desk.householder) if n["kind"] == "checkin_alert"] == []


def test_reminders_follow_the_local_morning_across_the_clock_change(app, client, make, clock):
    clock.set(datetime(2027, 3, 20, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_trial(start_on="2027-03-21")  # weekly check-in due Sunday 28 March, when clocks go forward
    due = next(c for c in checkins(desk) if c["due_on"] == "2027-03-28")
    at = lambda *args: datetime(*args, tzinfo=timezone.utc)  # noqa: E731

    assert not [n for n in inbox(desk, desk.sharer) if n["data"].get("checkin_id") == due["id"]]
    tick(app, at(2027, 3, 28, 7, 59))  # 08:59 BST: not yet
    assert not [n for n in inbox(desk, desk.sharer) if n["data"].get("checkin_id") == due["id"]]
    tick(app, at(2027, 3, 28, 8, 0))  # 09:00 BST
    tick(app, at(2027, 3, 28, 8, 30))
    for session in (desk.householder, desk.sharer):
        assert len([n for n in inbox(desk, session) if n["data"].get("checkin_id") == due["id"]]) == 1

    clock.set(at(2027, 3, 28, 8, 30))
    assert answer(desk, desk.householder, due["id"], GOOD).status_code == 200
    tick(app, at(2027, 3, 30, 8, 0))  # two days later: only the sharer, who has not answered
    assert len([n for n in inbox(desk, desk.householder) if n["data"].get("checkin_id") == due["id"]]) == 1
    assert len([n for n in inbox(desk, desk.sharer) if n["data"].get("checkin_id") == due["id"]]) == 2
    assert not [n for n in inbox(desk, desk.coordinator)
                if n["kind"] == "checkin_overdue" and n["data"]["checkin_id"] == due["id"]]

    tick(app, at(2027, 3, 31, 8, 0))  # three days' grace: overdue, the coordinator is told
    tick(app, at(2027, 3, 31, 9, 0))
    overdue = [n for n in inbox(desk, desk.coordinator, per_page=100)
               if n["kind"] == "checkin_overdue" and n["data"]["checkin_id"] == due["id"]]
    assert len(overdue) == 1
    escalated = next(c for c in checkins(desk) if c["id"] == due["id"])
    assert escalated["escalated_at"].startswith("2027-03-31T08:00")


def test_trial_ending_and_expiring_checks_and_quiet_weeks_are_reminded_once(app, client, make, clock):
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on="2027-03-01", terms={**TERMS, "start_on": "2027-03-01"})
    # The factory's background checks expire three years after it ran: bring one close.
    with app.app_context():
        db.session.execute(sa.update(VettingCheck).where(VettingCheck.kind == CheckKind.BACKGROUND,
                                                         VettingCheck.account_id == uuid.UUID(desk.sharer_person.id))
                           .values(expires_on=date(2027, 4, 20)))
        db.session.commit()
    sunday = datetime(2027, 3, 28, 9, 30, tzinfo=timezone.utc)  # 10:30 BST on a Sunday
    clock.set(sunday)
    for _ in range(2):
        tick(app, sunday)
    kinds = [n["kind"] for n in inbox(desk, desk.sharer, per_page=100)]
    assert kinds.count("check_expiring") == 1 and kinds.count("hours_missing") == 1
    coordinator_kinds = [n["kind"] for n in inbox(desk, desk.coordinator, per_page=100)]
    assert coordinator_kinds.count("check_expiring") == 1
    assert coordinator_kinds.count("hours_shortfall") == 1  # nothing logged for two completed weeks


def test_the_inbox_counts_unread_and_marks_read(app, client, make, desk, clock):
    clock.set(datetime(2027, 3, 4, 12, 0, tzinfo=timezone.utc))
    checkin_id = checkins(desk)[0]["id"]
    answer(desk, desk.sharer, checkin_id, LOW)
    answer(desk, desk.householder, checkin_id, {**GOOD, "something_wrong": True})
    assert client.get("/api/v1/me/notifications/unread-count", headers=desk.coordinator.headers).json == {"unread": 2}
    first = inbox(desk, desk.coordinator)[0]
    assert client.post(f"/api/v1/me/notifications/{first['id']}/read", headers=desk.coordinator.headers).json["read_at"]
    assert client.get("/api/v1/me/notifications/unread-count", headers=desk.coordinator.headers).json == {"unread": 1}
    assert len(inbox(desk, desk.coordinator, unread="true")) == 1
    assert_problem(client.post(f"/api/v1/me/notifications/{first['id']}/read", headers=desk.sharer.headers), 404)


def test_devices_register_once_and_unregister(client, make):
    session = make.login(client, make.sharer(make.scheme()))
    body = {"platform": "ios", "token": "apns-token-0123456789"}
    first = client.post("/api/v1/me/devices", headers=session.headers, json=body)
    again = client.post("/api/v1/me/devices", headers=session.headers, json=body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    assert_problem(client.post("/api/v1/me/devices", headers=session.headers, json={**body, "platform": "nokia"}), 422)
    other = make.login(client, make.householder(make.scheme()))
    assert_problem(client.delete(f"/api/v1/me/devices/{first.json['id']}", headers=other.headers), 404)
    assert client.delete(f"/api/v1/me/devices/{first.json['id']}", headers=session.headers).status_code == 204


def test_coordinators_are_asked_for_the_trial_review_once(app, desk):
    # The fixture's trial runs from 1 to 29 March 2027.
    tick(app, datetime(2027, 3, 21, 12, 0, tzinfo=timezone.utc))
    assert not [n for n in inbox(desk, desk.coordinator, per_page=100) if n["kind"] == "trial_ending"]
    for hour in (12, 13):
        tick(app, datetime(2027, 3, 22, hour, 0, tzinfo=timezone.utc))
    ending = [n for n in inbox(desk, desk.coordinator, per_page=100) if n["kind"] == "trial_ending"]
    assert len(ending) == 1 and ending[0]["data"]["match_id"] == desk.match_id


def test_a_check_in_opens_a_few_days_before_it_is_due(client, desk, clock):
    first = checkins(desk)[0]
    assert (first["kind"], first["due_on"], first["opens_on"]) == ("contact", "2027-03-04", "2027-03-01")
    clock.set(datetime(2027, 2, 28, 23, 59, tzinfo=timezone.utc))  # still 28 February in London
    early = answer(desk, desk.sharer, first["id"], LOW)
    assert_problem(early, 409, "checkin-not-open")
    assert "2027-03-01" in early.json["detail"]
    assert_problem(answer(desk, desk.householder, first["id"], GOOD), 409, "checkin-not-open")
    # Nothing stored: no answer, no alert.
    assert checkins(desk)[0]["answers"] == []
    assert [n for n in inbox(desk, desk.coordinator, per_page=100) if n["kind"] == "checkin_alert"] == []
    # The coordinator's own call is theirs to record whenever it happened.
    record = client.post(f"/api/v1/matches/{desk.match_id}/checkins/{first['id']}/contact",
                         headers=desk.coordinator.headers,
                         json={"kind": "call", "at": "2027-02-28T15:00:00+00:00", "notes": "Settling in."})
    assert record.status_code == 200 and record.json["opens_on"] == "2027-03-01"

    clock.set(datetime(2027, 3, 1, 0, 0, tzinfo=timezone.utc))  # the day it opens
    assert answer(desk, desk.sharer, first["id"], LOW).status_code == 200
    assert [a["side"] for a in checkins(desk)[0]["answers"]] == ["sharer"]
    # Answered late, too: it stays open.
    clock.set(datetime(2027, 3, 20, 12, 0, tzinfo=timezone.utc))
    assert answer(desk, desk.householder, first["id"], GOOD).status_code == 200


def test_the_opening_follows_a_moved_check_in_and_the_schemes_setting(client, desk, clock):
    second = checkins(desk)[1]  # due 8 March
    url = f"/api/v1/matches/{desk.match_id}/checkins/{second['id']}"
    moved = client.patch(url, headers=desk.coordinator.headers, json={"due_on": "2027-03-12"})
    assert (moved.json["due_on"], moved.json["opens_on"]) == ("2027-03-12", "2027-03-09")
    clock.set(datetime(2027, 3, 8, 12, 0, tzinfo=timezone.utc))
    assert_problem(answer(desk, desk.sharer, second["id"], GOOD), 409, "checkin-not-open")

    changed = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                           json={"settings": {"checkin_opens_days_before": 4}})
    assert changed.status_code == 200, changed.json
    own = client.get(f"/api/v1/me/matches/{desk.match_id}/checkins", headers=desk.sharer.headers).json["items"]
    assert next(c["opens_on"] for c in own if c["id"] == second["id"]) == "2027-03-08"
    assert answer(desk, desk.sharer, second["id"], GOOD).status_code == 200

    changed = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                           json={"settings": {"checkin_opens_days_before": 0}})
    assert changed.status_code == 200, changed.json
    assert all(c["opens_on"] == c["due_on"] for c in checkins(desk))
    for bad in (-1, 31):
        assert_problem(client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                                    json={"settings": {"checkin_opens_days_before": bad}}), 422)


def test_making_the_schedule_again_moves_no_check_in_planned_under_an_older_cadence(app, desk):
    """A live match planned under an older cadence keeps its check-ins: making the schedule
    again only adds the dates it does not have yet."""
    old_day = date(2027, 4, 28)  # where the old 30-day cadence put the first monthly check-in
    with app.app_context():
        db.session.add(CheckIn(id=uuid.uuid4(), match_id=uuid.UUID(desk.match_id), kind=CheckInKind.CHECKIN,
                               planned_on=old_day, due_on=old_day, created_at=datetime(2027, 2, 20, tzinfo=timezone.utc)))
        db.session.commit()
        db.session.remove()
    before = {(c["kind"], c["due_on"]) for c in checkins(desk)}
    with app.app_context():
        ensure_schedules()
        db.session.remove()
    after = {(c["kind"], c["due_on"]) for c in checkins(desk)}
    assert ("checkin", "2027-04-28") in after and ("checkin", "2027-04-29") in after
    assert before <= after
