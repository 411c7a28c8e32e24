"""The stored vetting status is never behind: a check recorded, the scheme's checklist changed
and a check expiring show at once, through HTTP, in the people list, the person's checklist,
the ranking and the dashboard; the daily job then stores what time alone changed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.jobs.scheduler import lapse_all
from homeshare.vetting.models import VettingStanding
from tests.vetting.test_vetting import BACKGROUND, PASSED


@pytest.fixture
def scheme(make):
    return make.scheme()


@pytest.fixture
def coordinator(client, make, scheme):
    return make.login(client, make.coordinator(scheme))


@pytest.fixture
def people(make, scheme, clock):
    return make.ready("householder", scheme), make.ready("sharer", scheme)


def seen(client, coordinator, scheme, person, other) -> dict:
    """The person's status as each reader shows it, and whether the other's ranking has them."""
    headers = coordinator.headers
    listed = client.get(f"/api/v1/schemes/{scheme.id}/people", headers=headers, query_string={"per_page": 100}).json
    dashboard = client.get(f"/api/v1/schemes/{scheme.id}/dashboard", headers=headers).json
    ranked = client.get(f"/api/v1/people/{other.id}/candidates", headers=headers).json
    return {
        "list": next(item["vetting_status"] for item in listed["items"] if item["person_id"] == person.id),
        "checklist": client.get(f"/api/v1/people/{person.id}/vetting", headers=headers).json["status"],
        "dashboard": dashboard["applicants_by_vetting_status"],
        "candidate": any(person.id in (item["householder"]["person_id"], item["sharer"]["person_id"])
                         for item in ranked["items"]),
    }


def everywhere(status: str, candidate: bool, others: dict[str, int]) -> dict:
    return {"list": status, "checklist": status, "candidate": candidate,
            "dashboard": {**others, status: others.get(status, 0) + 1}}


def stored(app, person) -> tuple:
    with app.app_context():
        row = db.session.get(VettingStanding, uuid.UUID(person.id))
        result = (row.status.value, row.lapses_on) if row else None
        db.session.remove()
    return result


def test_a_check_recorded_shows_at_once_everywhere(client, coordinator, scheme, people):
    householder, sharer = people
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("cleared", True, {"cleared": 1})
    url = f"/api/v1/people/{sharer.id}/vetting/identity"
    assert client.put(url, headers=coordinator.headers, json={"status": "failed"}).status_code == 200
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("rejected", False, {"cleared": 1})
    assert client.put(url, headers=coordinator.headers, json={"status": "pending"}).status_code == 200
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("in_progress", False, {"cleared": 1})
    assert client.put(url, headers=coordinator.headers, json=PASSED).status_code == 200
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("cleared", True, {"cleared": 1})


def test_a_change_to_the_schemes_checklist_shows_at_once_everywhere(client, coordinator, scheme, people):
    householder, sharer = people
    url = f"/api/v1/schemes/{scheme.id}"
    background = {"settings": {"householder_background_check": True}}
    assert client.patch(url, headers=coordinator.headers, json=background).status_code == 200
    assert seen(client, coordinator, scheme, householder, sharer) == everywhere("in_progress", False, {"cleared": 1})
    today = client.get(f"/api/v1/people/{householder.id}/vetting", headers=coordinator.headers).json
    assert "background" in today["outstanding"]
    other = {"settings": {"checkin_low_score": 3}}  # not the checklist: nothing to work out again
    assert client.patch(url, headers=coordinator.headers, json=other).status_code == 200
    assert seen(client, coordinator, scheme, householder, sharer)["list"] == "in_progress"
    off = {"settings": {"householder_background_check": False}}
    assert client.patch(url, headers=coordinator.headers, json=off).status_code == 200
    assert seen(client, coordinator, scheme, householder, sharer) == everywhere("cleared", True, {"cleared": 1})


def test_a_check_expiring_shows_on_its_day_and_the_daily_job_stores_it(app, client, coordinator, scheme, people,
                                                                       clock, make):
    householder, sharer = people
    today = clock.today()
    expires_on = today + timedelta(days=2)
    body = {**BACKGROUND, "issued_on": (today - timedelta(days=30)).isoformat(), "expires_on": expires_on.isoformat()}
    assert client.put(f"/api/v1/people/{sharer.id}/vetting/background", headers=coordinator.headers,
                      json=body).status_code == 200
    assert stored(app, sharer) == ("cleared", expires_on)
    clock.advance(days=1)
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("cleared", True, {"cleared": 1})
    clock.advance(days=1)
    # Its expiry day: expired everywhere before the daily job has run.
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("expired", False, {"cleared": 1})
    assert stored(app, sharer) == ("cleared", expires_on)
    with app.app_context():
        assert lapse_all(clock.now) == 1  # only the person whose status changed today
        assert lapse_all(clock.now) == 0
        db.session.remove()
    assert stored(app, sharer) == ("expired", None)
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("expired", False, {"cleared": 1})
    # Renewed: cleared again at once.
    renewed = {**body, "issued_on": today.isoformat(), "expires_on": (today + timedelta(days=365)).isoformat()}
    assert client.put(f"/api/v1/people/{sharer.id}/vetting/background", headers=coordinator.headers,
                      json=renewed).status_code == 200
    assert seen(client, coordinator, scheme, sharer, householder) == everywhere("cleared", True, {"cleared": 1})


def test_an_erased_person_has_no_status_left(app, client, coordinator, scheme, people, make):
    householder, sharer = people
    response = client.delete(f"/api/v1/people/{sharer.id}", headers=coordinator.headers)
    assert response.status_code == 204, response.json
    assert stored(app, sharer) == ("not_started", None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(VettingStanding)) == 2
        db.session.remove()
