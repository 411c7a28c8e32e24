"""What the people in a match are told: each event once per person, however often its request is repeated."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.notifications.models import Notification
from tests.matchdesk import TERMS, Desk

NOW = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)
TRIAL_START = "2027-03-01"


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    return Desk(client, make, make.scheme())


def told(app, kind):
    """Who was told of ``kind``, and how many times each."""
    with app.app_context():
        found = Counter(str(account) for account in db.session.scalars(
            sa.select(Notification.account_id).where(Notification.kind == kind)))
        db.session.remove()
    return found


def both(desk):
    return Counter({desk.householder_person.id: 1, desk.sharer_person.id: 1})


def test_a_proposal_tells_both_people_once(app, desk):
    desk.propose()
    again = desk.client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                             json={"householder_id": desk.householder_person.id, "sharer_id": desk.sharer_person.id})
    assert again.status_code == 200, again.json
    assert told(app, "match_proposed") == both(desk)
    inbox = desk.client.get("/api/v1/me/notifications", headers=desk.sharer.headers).json["items"]
    assert [item["target"] for item in inbox if item["kind"] == "match_proposed"] == \
        [{"type": "match", "id": desk.match_id}]


def test_a_trial_started_tells_both_people_once(app, desk):
    desk.to_trial(start_on=TRIAL_START)
    again = desk.post("trial", body={"start_on": TRIAL_START})
    assert again.status_code == 200, again.json
    assert told(app, "trial_started") == both(desk)


def test_the_sharer_is_told_once_of_hours_confirmed_and_questioned(app, desk):
    desk.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START})
    entries = []
    for day in ("2027-03-22", "2027-03-23", "2027-03-30"):
        response = desk.client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}",
                                   headers=desk.sharer.headers, json={"worked_on": day, "minutes": 60,
                                                                      "task": "companionship"})
        assert response.status_code == 201, response.json
        entries.append(response.json)
    for _ in range(2):
        assert desk.post("hours/confirmation", desk.householder, {"week_of": "2027-03-25"}).status_code == 200
    assert told(app, "hours_confirmed") == Counter({desk.sharer_person.id: 1})
    inbox = desk.client.get("/api/v1/me/notifications", headers=desk.sharer.headers).json["items"]
    assert [item["target"] for item in inbox if item["kind"] == "hours_confirmed"] == \
        [{"type": "hours-week", "id": f"{desk.match_id}:2027-03-22"}]
    for _ in range(2):
        response = desk.post(f"hours/{entries[2]['id']}/dispute", desk.householder, {"reason": "She was away."})
        assert response.status_code == 200, response.json
    assert told(app, "hours_disputed") == Counter({desk.sharer_person.id: 1})
    # Nobody else hears of the householder's own steps.
    assert told(app, "hours_confirmed")[desk.householder_person.id] == 0


def test_the_person_who_raised_a_concern_is_told_once_it_is_acknowledged_and_resolved(app, desk):
    desk.to_trial(start_on=TRIAL_START)
    concern = desk.client.post("/api/v1/concerns", headers=desk.householder.headers, json={
        "match_id": desk.match_id, "category": "home", "severity": "low", "description": "The stair rail is loose."})
    assert concern.status_code == 201, concern.json
    url = f"/api/v1/concerns/{concern.json['id']}"
    for _ in range(2):
        assert desk.client.post(f"{url}/acknowledgement", headers=desk.coordinator.headers).status_code == 200
    for _ in range(2):
        assert desk.client.post(f"{url}/resolution", headers=desk.coordinator.headers,
                                json={"outcome": "The rail was fixed."}).status_code == 200
    householder = Counter({desk.householder_person.id: 1})
    assert told(app, "concern_acknowledged") == householder and told(app, "concern_resolved") == householder
    inbox = desk.client.get("/api/v1/me/notifications", headers=desk.householder.headers).json["items"]
    assert {item["kind"]: item["target"] for item in inbox if item["kind"].startswith("concern_")} == {
        "concern_acknowledged": {"type": "concern", "id": concern.json["id"]},
        "concern_resolved": {"type": "concern", "id": concern.json["id"]}}


def test_a_new_agreement_version_asks_both_people_once(app, desk):
    desk.to_trial(start_on=TRIAL_START)
    desk.agree()
    desk.agree()  # the same terms again: no new version
    assert told(app, "agreement_to_accept") == both(desk)
    assert desk.accept_agreement(desk.householder, 1).status_code == 200
    desk.agree({**TERMS, "notice_days": TERMS.get("notice_days", 28) + 1})
    assert told(app, "agreement_to_accept") == both(desk) + both(desk)  # version 2: both again
    inbox = desk.client.get("/api/v1/me/notifications", headers=desk.sharer.headers).json["items"]
    assert {item["target"]["type"] for item in inbox if item["kind"] == "agreement_to_accept"} == {"agreement"}


def test_the_householder_is_reminded_weekly_of_hours_to_confirm(app, desk, clock):
    desk.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START})
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=desk.sharer.headers,
                               json={"worked_on": "2027-03-30", "minutes": 60, "task": "companionship"})
    assert response.status_code == 201, response.json
    with app.app_context():
        run_all(datetime(2027, 4, 4, 18, 0, tzinfo=timezone.utc))  # Sunday: the week is not over
        assert told(app, "hours_to_confirm") == Counter()
        run_all(datetime(2027, 4, 5, 6, 0, tzinfo=timezone.utc))  # Monday, before the reminder hour
        assert told(app, "hours_to_confirm") == Counter()
        for hour in (12, 20):
            run_all(datetime(2027, 4, 5, hour, 0, tzinfo=timezone.utc))
        assert told(app, "hours_to_confirm") == Counter({desk.householder_person.id: 1})
        run_all(datetime(2027, 4, 12, 12, 0, tzinfo=timezone.utc))  # a week on, still waiting
        assert told(app, "hours_to_confirm") == Counter({desk.householder_person.id: 2})
        db.session.remove()
    assert desk.post("hours/confirmation", desk.householder, {"week_of": "2027-03-30"}).status_code == 200
    with app.app_context():
        run_all(datetime(2027, 4, 19, 12, 0, tzinfo=timezone.utc))
        db.session.remove()
    assert told(app, "hours_to_confirm") == Counter({desk.householder_person.id: 2})
