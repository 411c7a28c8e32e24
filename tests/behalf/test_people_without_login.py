"""People without a login work as people with the app do: added, listed, corrected, vetted,
ranked, proposed, paired, exported and erased, through the HTTP API, by their coordinator."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest

from tests.factories import HOUSEHOLDER_PROFILE, SHARER_PROFILE
from tests.helpers import assert_problem

HOUSEHOLDER_DETAILS = ("room_available_from", "tasks_wanted", "hours_wanted_per_week", "nights_at_home_per_week")
SHARER_DETAILS = ("tasks_offered", "hours_offered_per_week", "move_in_on", "stay_months", "max_distance_km",
                  "base_name", "base_latitude", "base_longitude", "occupation")
HOUSEHOLDER_KINDS = ["identity", "reference_1", "reference_2", "interview", "home_visit"]
SHARER_KINDS = ["identity", "background", "reference_1", "reference_2", "right_to_rent", "interview"]


def body_for(role: str, person_id: str | None = None, **overrides) -> dict:
    """A whole profile as a coordinator enters it from a paper form."""
    today = date.today()
    if role == "householder":
        flat = {**HOUSEHOLDER_PROFILE, "room_available_from": today.isoformat(), "date_of_birth": "1941-03-02"}
        nested = HOUSEHOLDER_DETAILS
    else:
        flat = {**SHARER_PROFILE, "move_in_on": (today + timedelta(days=14)).isoformat(), "date_of_birth": "2002-01-05"}
        nested = SHARER_DETAILS
    flat.pop("location_source")
    flat.update(overrides)
    body = {name: value for name, value in flat.items() if name not in nested}
    body[role] = {name: flat[name] for name in nested}
    body["role"] = role
    if person_id:
        body["person_id"] = person_id
    return body


def passing(kind: str, today: date) -> dict:
    if kind == "background":
        return {"status": "passed", "certificate_number": "001234567890",
                "issued_on": (today - timedelta(days=30)).isoformat()}
    if kind.startswith("reference"):
        return {"status": "passed", "referee_name": "Jo Bloggs", "referee_relationship": "Neighbour",
                "referee_contact": "by post", "reference_received": True, "reference_satisfactory": True}
    return {"status": "passed"}


class Office:
    """A coordinator at work on people who never use the app."""

    def __init__(self, client, make, scheme):
        self.client, self.make, self.scheme = client, make, scheme
        self.coordinator = make.login(client, make.coordinator(scheme))

    @property
    def headers(self):
        return self.coordinator.headers

    def add(self, role: str, person_id: str | None = None, **overrides):
        return self.client.post(f"/api/v1/schemes/{self.scheme.id}/people", headers=self.headers,
                                json=body_for(role, person_id, **overrides))

    def added(self, role: str, **overrides) -> str:
        response = self.add(role, **overrides)
        assert response.status_code == 201, response.json
        return response.json["person_id"]

    def clear(self, person_id: str, role: str) -> dict:
        today = date.today()
        checklist = None
        for kind in HOUSEHOLDER_KINDS if role == "householder" else SHARER_KINDS:
            response = self.client.put(f"/api/v1/people/{person_id}/vetting/{kind}", headers=self.headers,
                                       json=passing(kind, today))
            assert response.status_code == 200, response.json
            checklist = response.json
        return checklist

    def ready(self, role: str, **overrides) -> str:
        person_id = self.added(role, **overrides)
        assert self.clear(person_id, role)["status"] == "cleared"
        return person_id

    def people(self, **query) -> dict:
        response = self.client.get(f"/api/v1/schemes/{self.scheme.id}/people", headers=self.headers,
                                   query_string={"per_page": 100, **query})
        assert response.status_code == 200, response.json
        return {item["person_id"]: item for item in response.json["items"]}

    def csv(self, path: str) -> list[dict]:
        response = self.client.get(f"/api/v1/schemes/{self.scheme.id}/exports/{path}", headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def scheme(make):
    return make.scheme()


@pytest.fixture
def office(client, make, scheme):
    return Office(client, make, scheme)


@pytest.mark.parametrize("role", ["householder", "sharer"])
def test_a_person_is_added_once_and_listed_without_a_login(office, role):
    person_id = str(uuid.uuid4())
    first = office.add(role, person_id)
    again = office.add(role, person_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["person_id"] == again.json["person_id"] == person_id
    assert first.headers["ETag"] == again.headers["ETag"]
    listed = office.people()
    assert list(listed) == [person_id]
    assert listed[person_id]["email"] is None
    assert listed[person_id]["has_login"] is False
    assert listed[person_id]["role"] == role
    assert (listed[person_id]["first_name"], listed[person_id]["is_active"]) == (body_for(role)["first_name"], True)


def test_bad_input_is_refused_and_never_a_server_error(client, office):
    url = f"/api/v1/schemes/{office.scheme.id}/people"
    for bad in ({}, {"role": "coordinator"}, {"role": "householder", "email": "x@example.org"},
                {"role": "householder", "password": "correct horse battery"},
                {"role": "householder", "person_id": "not-a-uuid"},
                {"role": "householder", "first_name": "x" * 101},
                {"role": "sharer", "householder": {"hours_wanted_per_week": 5}},
                {"role": "householder", "date_of_birth": "1941-02-30"}):
        response = client.post(url, headers=office.headers, json=bad)
        assert response.status_code in (400, 422), (bad, response.json)
        assert_problem(response, response.status_code)
    malformed = client.post(url, headers={**office.headers, "Content-Type": "application/json"}, data="{role: ")
    assert_problem(malformed, 400)
    assert office.people() == {}


def test_an_id_used_by_someone_else_is_a_conflict(make, office):
    householder = office.added("householder")
    assert_problem(office.add("sharer", householder), 409, "id-reused")
    other_scheme = make.scheme()
    elsewhere = make.householder(other_scheme)
    assert_problem(office.add("householder", elsewhere.id), 409, "id-reused")
    assert list(office.people()) == [householder]


def test_only_the_schemes_coordinators_add_people(client, make, office):
    url = f"/api/v1/schemes/{office.scheme.id}/people"
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.post(url, headers=outsider.headers, json=body_for("householder")), 404)
    members = (make.householder(office.scheme), make.sharer(office.scheme))
    for member in members:
        assert_problem(client.post(url, headers=make.login(client, member).headers, json=body_for("sharer")), 403)
    assert_problem(client.post(url, json=body_for("sharer")), 401)
    assert set(office.people()) == {member.id for member in members}


def test_the_coordinator_reads_and_corrects_the_profile_with_its_etag(client, office):
    person_id = office.added("householder", phone="0113 496 0001")
    url = f"/api/v1/people/{person_id}/profile"
    read = client.get(url, headers=office.headers)
    assert read.status_code == 200 and read.json["phone"] == "0113 496 0001"
    assert_problem(client.patch(url, headers=office.headers, json={"phone": "0113 496 0002"}), 428)
    stale = client.patch(url, headers={**office.headers, "If-Match": '"999"'}, json={"phone": "0113 496 0002"})
    assert_problem(stale, 412)
    changed = client.patch(url, headers={**office.headers, "If-Match": read.headers["ETag"]},
                           json={"phone": "0113 496 0002", "householder": {"hours_wanted_per_week": 6}})
    assert changed.status_code == 200, changed.json
    assert changed.json["phone"] == "0113 496 0002"
    assert changed.json["householder"]["hours_wanted_per_week"] == 6
    assert changed.headers["ETag"] != read.headers["ETag"]


def test_vetted_complete_people_are_ranked_proposed_and_paired(client, office):
    householder = office.ready("householder")
    sharer = office.ready("sharer")
    not_cleared = office.added("sharer")

    checklist = client.get(f"/api/v1/people/{sharer}/vetting", headers=office.headers).json
    assert (checklist["status"], checklist["outstanding"]) == ("cleared", [])
    candidates = client.get(f"/api/v1/people/{householder}/candidates", headers=office.headers)
    assert candidates.status_code == 200, candidates.json
    assert [item["sharer"]["person_id"] for item in candidates.json["items"]] == [sharer]
    assert not_cleared not in str(candidates.json)

    suggestion = client.get(f"/api/v1/schemes/{office.scheme.id}/pool-suggestion", headers=office.headers).json
    assert [(p["householder"]["person_id"], p["sharer"]["person_id"]) for p in suggestion["pairs"]] == [
        (householder, sharer)]

    proposed = client.post(f"/api/v1/schemes/{office.scheme.id}/matches", headers=office.headers,
                           json={"householder_id": householder, "sharer_id": sharer})
    assert proposed.status_code == 201, proposed.json
    detail = client.get(f"/api/v1/matches/{proposed.json['id']}", headers=office.headers)
    assert detail.status_code == 200 and detail.json["state"] == "proposed"


def test_a_login_less_person_beside_people_with_the_app(client, make, office):
    """Mixed pairs work too: a householder without the app with a sharer who has it."""
    householder = office.ready("householder")
    sharer = make.ready("sharer", office.scheme)
    candidates = client.get(f"/api/v1/people/{householder}/candidates", headers=office.headers).json
    assert [item["sharer"]["person_id"] for item in candidates["items"]] == [sharer.id]
    back = client.get(f"/api/v1/people/{sharer.id}/candidates", headers=office.headers).json
    assert [item["householder"]["person_id"] for item in back["items"]] == [householder]


def test_the_scheme_exports_list_them(client, office):
    householder = office.ready("householder")
    sharer = office.added("sharer")
    rows = {row["person_id"]: row for row in office.csv("people.csv")}
    assert set(rows) == {householder, sharer}
    assert rows[householder]["has_login"] == "False" and rows[householder]["role"] == "householder"
    assert rows[householder]["vetting_status"] == "cleared"
    assert rows[sharer]["has_login"] == "False"
    proposed = client.post(f"/api/v1/schemes/{office.scheme.id}/matches", headers=office.headers,
                           json={"householder_id": householder, "sharer_id": office.ready("sharer", first_name="Ola")})
    assert proposed.status_code == 201, proposed.json
    matches = office.csv("matches.csv")
    assert [row["householder_id"] for row in matches] == [householder]


def test_the_coordinator_erases_a_person_without_a_login(client, office):
    householder = office.ready("householder")
    sharer = office.ready("sharer")
    match = client.post(f"/api/v1/schemes/{office.scheme.id}/matches", headers=office.headers,
                        json={"householder_id": householder, "sharer_id": sharer}).json
    response = client.delete(f"/api/v1/people/{householder}", headers=office.headers)
    assert response.status_code == 204, response.get_data(as_text=True)
    again = client.delete(f"/api/v1/people/{householder}", headers=office.headers)
    assert again.status_code == 204
    listed = office.people()
    assert listed[householder]["is_active"] is False
    assert listed[householder]["first_name"] is None and listed[householder]["email"] is None
    assert listed[householder]["has_login"] is False
    profile = client.get(f"/api/v1/people/{householder}/profile", headers=office.headers).json
    assert profile["phone"] is None and profile["address_line1"] is None
    assert client.get(f"/api/v1/matches/{match['id']}", headers=office.headers).json["state"] == "withdrawn"
    assert householder not in {row["person_id"] for row in office.csv("people.csv")}


def test_there_is_no_access_to_reset_for_a_person_without_a_login(client, office):
    """A temporary password without an email to sign in with would open nothing, and would
    make the person look as if they had the app."""
    person_id = office.added("householder")
    assert_problem(client.post(f"/api/v1/accounts/{person_id}/access-reset", headers=office.headers), 409, "no-login")
    assert office.people()[person_id]["has_login"] is False
    deactivated = client.post(f"/api/v1/accounts/{person_id}/deactivate", headers=office.headers,
                              json={"reason": "Moved to her daughter's."})
    assert deactivated.status_code == 200, deactivated.json
    assert client.post(f"/api/v1/accounts/{person_id}/reactivate", headers=office.headers).status_code == 200
    assert office.people()[person_id]["is_active"] is True
