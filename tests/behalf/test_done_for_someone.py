"""What was done for a person shows where the person's data is read: their export (made by
them or, without the app, by their coordinator), the scheme's CSV exports and the measures."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from tests import factories
from tests.behalf.test_people_without_login import Office
from tests.helpers import assert_problem
from tests.matchdesk import TERMS

TRIAL_START = "2027-03-01"  # a Monday
NOW = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)
GOOD = {"wellbeing": 4, "match_going": 4, "help_happening": True}


class Household:
    """An active match between a householder without the app, whose daughter represents her,
    and a sharer with the app who agreed that the coordinator may answer for him too."""

    def __init__(self, client, make, clock):
        clock.set(NOW)
        self.client, self.clock = client, clock
        self.scheme = make.scheme()
        self.office = Office(client, make, self.scheme)
        self.coordinator = self.office.coordinator
        self.householder_id = self.office.ready("householder")
        self.sharer_person = make.ready("sharer", self.scheme)
        self.sharer = make.login(client, self.sharer_person)
        self.representative = make.login(client, make.representative(self.scheme, of=factories.Person(
            id=self.householder_id, email="no-email", role="householder", scheme_id=self.scheme.id)))
        agreed = client.put(f"/api/v1/people/{self.sharer_person.id}/behalf-agreement",
                            headers=self.coordinator.headers, json={"agreed_on": "2027-02-01"})
        assert agreed.status_code == 200, agreed.json

        proposed = client.post(f"/api/v1/schemes/{self.scheme.id}/matches", headers=self.coordinator.headers,
                               json={"householder_id": self.householder_id, "sharer_id": self.sharer_person.id})
        assert proposed.status_code == 201, proposed.json
        self.match_id = proposed.json["id"]
        self.ok("response", self.coordinator, {"decision": "accept", "share_contact_details": True,
                                               **self.for_householder("in-person")})
        self.ok("response", self.sharer, {"decision": "accept", "share_contact_details": True})
        self.ok("introduction", self.coordinator, {"meeting_at": "2027-02-10T14:00:00+00:00", "place": "Library"})
        self.ok("trial", self.coordinator, {"start_on": TRIAL_START})
        agreement = client.put(f"/api/v1/matches/{self.match_id}/agreement", headers=self.coordinator.headers,
                               json={**TERMS, "start_on": TRIAL_START})
        assert agreement.status_code in (200, 201), agreement.json
        self.ok("agreement/acceptance", self.representative, {"version": 1})
        self.ok("agreement/acceptance", self.sharer, {"version": 1})
        self.ok("trial-review/decision", self.coordinator, {"decision": "activate"})

    def on_behalf(self, person_id, how="by-phone"):
        given_at = (self.clock.now - timedelta(hours=2)).isoformat()
        return {"on_behalf": {"person_id": person_id, "how": how, "given_at": given_at}}

    def for_householder(self, how="by-phone"):
        return self.on_behalf(self.householder_id, how)

    def for_sharer(self, how="by-phone"):
        return self.on_behalf(self.sharer_person.id, how)

    def ok(self, action, session, body=None):
        response = self.client.post(f"/api/v1/matches/{self.match_id}/{action}", headers=session.headers, json=body)
        assert response.status_code == 200, response.json
        return response.json

    def checkins(self) -> list[dict]:
        response = self.client.get(f"/api/v1/matches/{self.match_id}/checkins?per_page=100",
                                   headers=self.coordinator.headers)
        assert response.status_code == 200, response.json
        return [item for item in response.json["items"] if item["kind"] == "checkin"]

    def answer(self, checkin_id, session, extra=None):
        response = self.client.put(f"/api/v1/matches/{self.match_id}/checkins/{checkin_id}/answer",
                                   headers=session.headers, json={**GOOD, **(extra or {})})
        assert response.status_code == 200, response.json
        return response.json

    def log(self, session, day, extra=None, entry_id=None):
        entry_id = entry_id or str(uuid.uuid4())
        response = self.client.put(f"/api/v1/matches/{self.match_id}/hours/{entry_id}", headers=session.headers,
                                   json={"worked_on": day, "minutes": 90, "task": "cooking", **(extra or {})})
        assert response.status_code == 201, response.json
        return entry_id

    def confirm(self, session, entry_id, extra=None):
        return self.ok("hours/confirmation", session, {"entry_ids": [entry_id], **(extra or {})})

    def dispute(self, session, entry_id, extra=None):
        response = self.client.post(f"/api/v1/matches/{self.match_id}/hours/{entry_id}/dispute",
                                    headers=session.headers, json={"reason": "Not that day.", **(extra or {})})
        assert response.status_code == 200, response.json
        return response.json

    def csv(self, url) -> list[dict]:
        response = self.client.get(url, headers=self.coordinator.headers)
        assert response.status_code == 200 and response.is_streamed, response.get_data(as_text=True)
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def home(client, make, clock):
    return Household(client, make, clock)


def answered_three_ways(home) -> list[dict]:
    """The householder's answers recorded by her coordinator and given by her daughter; the
    sharer's own, and one his coordinator recorded from a phone call."""
    first, second, third = home.checkins()[:3]
    home.answer(first["id"], home.coordinator, home.for_householder())
    home.answer(first["id"], home.sharer)
    home.answer(second["id"], home.representative)
    home.answer(second["id"], home.sharer)
    home.answer(third["id"], home.coordinator, home.for_sharer())
    return [first, second, third]


def test_the_coordinator_exports_the_data_of_a_person_without_the_app(app, client, make, home):
    answered_three_ways(home)
    entry = home.log(home.sharer, "2027-03-29")
    home.confirm(home.representative, entry)

    response = client.get(f"/api/v1/people/{home.householder_id}/export", headers=home.coordinator.headers)
    assert response.status_code == 200, response.json
    data = response.json
    assert data["account"]["id"] == home.householder_id
    assert (data["account"]["email"], data["account"]["has_login"], data["account"]["origin"]) == (
        None, False, "coordinator")
    assert data["profile"]["first_name"] == "Margaret"
    assert [match["id"] for match in data["matches"]] == [home.match_id]
    done = sorted((item["action"], item["given_as"], item["how"] or "", item["recorded_by_id"])
                  for item in data["done_on_behalf"])  # all at one moment of the test's clock
    assert done == sorted([
        ("match.responded", "on-behalf", "in-person", home.coordinator.person.id),
        ("agreement.accepted", "proxy", "", home.representative.person.id),
        ("checkin.answered", "on-behalf", "by-phone", home.coordinator.person.id),
        ("checkin.answered", "proxy", "", home.representative.person.id),
        ("hours.confirmed", "proxy", "", home.representative.person.id),
    ])
    assert all(item["person_id"] == home.householder_id and item["given_at"] for item in data["done_on_behalf"])
    assert {item["target_type"] for item in data["done_on_behalf"]} == {
        "match", "agreement_version", "checkin_answer", "hours_entry"}
    assert sorted(answer["given_as"] for answer in data["checkin_answers"]) == ["on-behalf", "proxy"]
    assert [link["representative_id"] for link in data["representatives"]] == [home.representative.person.id]
    assert data["representatives"][0]["scopes"] and data["representatives"][0]["ended_at"] is None

    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "privacy.export")).all()
        assert [(str(e.actor_id), str(e.target_id)) for e in events] == [(home.coordinator.person.id,
                                                                         home.householder_id)]
        db.session.remove()

    mine = client.get("/api/v1/me/export", headers=home.sharer.headers)
    assert mine.status_code == 200, mine.json
    assert [(item["action"], item["given_as"]) for item in mine.json["done_on_behalf"]] == [
        ("checkin.answered", "on-behalf")]
    assert mine.json["representatives"] == [] and mine.json["account"]["has_login"] is True


def test_only_the_persons_coordinators_export_their_data(client, make, home):
    url = f"/api/v1/people/{home.householder_id}/export"
    assert_problem(client.get(url, headers=make.login(client, make.coordinator(make.scheme())).headers), 404)
    for session in (home.sharer, home.representative):
        assert_problem(client.get(url, headers=session.headers), 403)
    assert_problem(client.get(url), 401)
    assert_problem(client.get(f"/api/v1/people/{uuid.uuid4()}/export", headers=home.coordinator.headers), 404)


def test_the_check_in_export_says_whose_hand_each_answer_came_by(client, home, count_queries):
    first, second, third = answered_three_ways(home)
    url = f"/api/v1/schemes/{home.scheme.id}/exports/checkins.csv"
    rows = home.csv(url)
    by = {(row["checkin_id"], row["side"]): row for row in rows}
    coordinator, representative = home.coordinator.person.id, home.representative.person.id
    assert [(by[(first["id"], side)]["given_as"], by[(first["id"], side)]["recorded_by_id"],
             by[(first["id"], side)]["given_how"]) for side in ("householder", "sharer")] == [
        ("on-behalf", coordinator, "by-phone"), ("self", "", "")]
    assert (by[(second["id"], "householder")]["given_as"], by[(second["id"], "householder")]["recorded_by_id"]) == (
        "proxy", representative)
    assert (by[(third["id"], "sharer")]["given_as"], by[(third["id"], "sharer")]["recorded_by_id"]) == (
        "on-behalf", coordinator)
    # An answer given again by someone else names the latest hand only.
    home.clock.advance(minutes=5)
    home.answer(first["id"], home.representative, {"wellbeing": 3})
    again = {(row["checkin_id"], row["side"]): row for row in home.csv(url)}[(first["id"], "householder")]
    assert (again["given_as"], again["recorded_by_id"], again["given_how"]) == ("proxy", representative, "")

    with count_queries() as few:
        home.csv(url)
    # More answers, to check ones that are open today: the coordinator adds five check-ins due now.
    for _ in range(5):
        added = client.post(f"/api/v1/matches/{home.match_id}/checkins", headers=home.coordinator.headers,
                            json={"kind": "checkin", "due_on": NOW.date().isoformat()})
        assert added.status_code == 201, added.json
    for checkin in [c for c in home.checkins() if c["planned_on"] is None]:
        home.answer(checkin["id"], home.coordinator, home.for_householder())
        home.answer(checkin["id"], home.representative)  # the same side again, by another hand
        home.answer(checkin["id"], home.sharer)
    with count_queries() as many:
        home.csv(url)
    assert len(few) == len(many)


def test_the_hours_export_says_which_steps_were_taken_for_someone(client, home, count_queries):
    for_him = home.log(home.coordinator, "2027-03-29", home.for_sharer())
    home.confirm(home.representative, for_him)
    his_own = home.log(home.sharer, "2027-03-30")
    home.dispute(home.coordinator, his_own, home.for_householder())
    plain = home.log(home.sharer, "2027-03-28")
    url = f"/api/v1/matches/{home.match_id}/hours.csv"
    rows = {row["entry_id"]: row for row in home.csv(url)}
    assert rows[for_him]["on_behalf"] == "logged:on-behalf;confirmed:proxy"
    assert rows[his_own]["on_behalf"] == "disputed:on-behalf"
    assert rows[plain]["on_behalf"] == ""

    with count_queries() as few:
        home.csv(url)
    for day in range(20, 27):
        home.confirm(home.representative, home.log(home.coordinator, f"2027-03-{day}", home.for_sharer()))
    with count_queries() as many:
        assert len(home.csv(url)) == 10
    assert len(few) == len(many)


def test_the_people_export_says_who_has_a_login(home):
    rows = {row["person_id"]: row for row in home.csv(f"/api/v1/schemes/{home.scheme.id}/exports/people.csv")}
    assert (rows[home.householder_id]["has_login"], rows[home.sharer_person.id]["has_login"]) == ("False", "True")
    assert home.representative.person.id not in rows  # representatives are not the scheme's people


def test_check_in_measures_count_answers_by_whose_hand_they_came(client, home):
    answered_three_ways(home)
    response = client.get(f"/api/v1/schemes/{home.scheme.id}/measures", headers=home.coordinator.headers,
                          query_string={"from": "2027-03-01", "to": "2027-03-31"})
    assert response.status_code == 200, response.json
    checkins = response.json["checkins"]
    assert checkins["answers"] == 5
    assert checkins["answers_by_hand"] == {
        "householder": {"self": 0, "on_behalf": 1, "proxy": 1},
        "sharer": {"self": 2, "on_behalf": 1, "proxy": 0},
    }
    flat = client.get(f"/api/v1/schemes/{home.scheme.id}/measures.csv?from=2027-03-01&to=2027-03-31",
                      headers=home.coordinator.headers).get_data(as_text=True)
    rows = {row["measure"]: row["value"] for row in csv.DictReader(io.StringIO(flat))}
    assert rows["checkins.answers_by_hand.householder.on_behalf"] == "1"
    assert rows["checkins.answers_by_hand.sharer.self"] == "2"


def test_an_answer_for_someone_waits_for_the_check_in_to_open_too(client, home):
    later = next(c for c in home.checkins() if c["opens_on"] > NOW.date().isoformat())
    url = f"/api/v1/matches/{home.match_id}/checkins/{later['id']}/answer"
    for session, extra in ((home.coordinator, home.for_householder()), (home.representative, {})):
        assert_problem(client.put(url, headers=session.headers, json={**GOOD, **extra}), 409, "checkin-not-open")
    assert next(c for c in home.checkins() if c["id"] == later["id"])["answers"] == []
