"""Vetting through HTTP: coordinators record checks, the status is derived, people see progress."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from tests.helpers import assert_problem

PASSED = {"status": "passed"}
BACKGROUND = {"status": "passed", "certificate_number": "001234567890", "issued_on": None, "notes": "Clear."}
REFERENCE = {"status": "passed", "referee_name": "Jo Bloggs", "referee_relationship": "Tutor",
             "referee_contact": "jo@example.org", "reference_received": True, "reference_satisfactory": True}
SHARER_KINDS = ["identity", "background", "reference_1", "reference_2", "right_to_rent", "interview"]
HOUSEHOLDER_KINDS = ["identity", "reference_1", "reference_2", "interview", "home_visit"]


def passing(kind: str, today: date) -> dict:
    if kind == "background":
        return {**BACKGROUND, "issued_on": (today - timedelta(days=30)).isoformat()}
    if kind.startswith("reference"):
        return dict(REFERENCE)
    return dict(PASSED)


class Desk:
    """A coordinator at work on one person."""

    def __init__(self, client, session, person):
        self.client, self.session, self.person = client, session, person

    def put(self, kind: str, body: dict):
        return self.client.put(f"/api/v1/people/{self.person.id}/vetting/{kind}", headers=self.session.headers, json=body)

    def record(self, kind: str, body: dict) -> dict:
        response = self.put(kind, body)
        assert response.status_code == 200, response.json
        return response.json

    def checklist(self) -> dict:
        response = self.client.get(f"/api/v1/people/{self.person.id}/vetting", headers=self.session.headers)
        assert response.status_code == 200, response.json
        return response.json

    def status(self) -> str:
        return self.checklist()["status"]


@pytest.fixture
def scheme(make):
    return make.scheme()


@pytest.fixture
def coordinator(client, make, scheme):
    return make.login(client, make.coordinator(scheme))


@pytest.fixture
def sharer_desk(client, make, scheme, coordinator):
    return Desk(client, coordinator, make.sharer(scheme))


def test_the_full_path_to_cleared_for_a_sharer(client, make, sharer_desk, clock):
    today = clock.today()
    checklist = sharer_desk.checklist()
    assert [check["kind"] for check in checklist["checks"]] == SHARER_KINDS
    assert checklist["status"] == "not_started"
    assert checklist["outstanding"] == SHARER_KINDS

    statuses = []
    for kind in SHARER_KINDS:
        statuses.append(sharer_desk.record(kind, passing(kind, today))["status"])
    assert statuses == ["in_progress"] * 5 + ["cleared"]
    final = sharer_desk.checklist()
    assert final["outstanding"] == []
    background = next(check for check in final["checks"] if check["kind"] == "background")
    issued = today - timedelta(days=30)
    assert background["expires_on"] == issued.replace(year=issued.year + 3).isoformat()
    assert background["recorded_by"] == sharer_desk.session.person.id

    people = client.get(f"/api/v1/schemes/{sharer_desk.person.scheme_id}/people?vetting_status=cleared",
                        headers=sharer_desk.session.headers).json
    assert [item["person_id"] for item in people["items"]] == [sharer_desk.person.id]


def test_householders_have_their_own_checklist(client, make, coordinator, clock):
    plain = make.scheme()
    strict = make.scheme(settings={"householder_background_check": True})
    assert Desk(client, make.login(client, make.coordinator(plain)), make.householder(plain)).checklist()[
        "outstanding"] == HOUSEHOLDER_KINDS
    strict_desk = Desk(client, make.login(client, make.coordinator(strict)), make.householder(strict))
    assert [c["kind"] for c in strict_desk.checklist()["checks"]] == ["identity", "background", *HOUSEHOLDER_KINDS[1:]]
    problem = assert_problem(Desk(client, make.login(client, make.coordinator(plain)),
                                  make.householder(plain)).put("right_to_rent", PASSED), 422)
    assert "kind" in problem["errors"]


# Each case: the states of the sharer's six checks (in SHARER_KINDS order), and the outcome.
# "expired" means passed with an expiry date of today; "expiring" passed, expiring tomorrow.
STATUS_CASES = [
    (["-"] * 6, "not_started"),
    (["not_started"] * 6, "not_started"),
    (["pending", "-", "-", "-", "-", "-"], "in_progress"),
    (["passed", "passed", "passed", "passed", "passed", "pending"], "in_progress"),
    (["passed"] * 6, "cleared"),
    (["passed", "passed", "waived", "passed", "passed", "passed"], "cleared"),
    (["waived"] * 6, "cleared"),
    (["passed", "failed", "passed", "passed", "passed", "passed"], "rejected"),
    (["failed", "-", "-", "-", "-", "-"], "rejected"),
    (["failed", "expired", "passed", "passed", "passed", "passed"], "rejected"),
    (["passed", "expired", "passed", "passed", "passed", "passed"], "expired"),
    (["passed", "expired", "-", "-", "-", "-"], "expired"),
    (["passed", "expiring", "passed", "passed", "passed", "passed"], "cleared"),
    (["expired", "pending", "passed", "passed", "passed", "passed"], "expired"),
]


@pytest.mark.parametrize("states, expected", STATUS_CASES)
def test_status_is_derived_from_every_combination_that_matters(client, make, sharer_desk, clock, states, expected):
    today = clock.today()
    for kind, state in zip(SHARER_KINDS, states):
        if state == "-":
            continue
        body = passing(kind, today) if state in ("passed", "expired", "expiring") else {"status": state}
        if state == "waived":
            body = {"status": "waived", "waived_reason": "Seen by the partner scheme last month."}
        if state == "expired":
            body["expires_on"] = today.isoformat()
        if state == "expiring":
            body["expires_on"] = (today + timedelta(days=1)).isoformat()
        sharer_desk.record(kind, body)
    checklist = sharer_desk.checklist()
    assert checklist["status"] == expected
    listed = client.get(f"/api/v1/schemes/{sharer_desk.person.scheme_id}/people?vetting_status={expected}",
                        headers=sharer_desk.session.headers).json
    assert [item["person_id"] for item in listed["items"]] == [sharer_desk.person.id]
    board = client.get(f"/api/v1/schemes/{sharer_desk.person.scheme_id}/dashboard",
                       headers=sharer_desk.session.headers).json
    assert board["applicants_by_vetting_status"] == {expected: 1}  # counted in one grouped pass
    assert make.login(client, sharer_desk.person) and client.get(
        "/api/v1/me/vetting", headers=make.login(client, sharer_desk.person).headers).json["status"] == expected


def test_expiry_turns_a_cleared_person_expired_as_time_passes(client, sharer_desk, clock):
    today = clock.today()
    for kind in SHARER_KINDS:
        body = passing(kind, today)
        if kind == "background":
            body["issued_on"] = (today - timedelta(days=3 * 365 - 20)).isoformat()
        sharer_desk.record(kind, body)
    assert sharer_desk.status() == "cleared"
    url = f"/api/v1/schemes/{sharer_desk.person.scheme_id}/people"
    headers = sharer_desk.session.headers
    soon = client.get(f"{url}?expiring_within_days=30", headers=headers).json["items"]
    assert [item["person_id"] for item in soon] == [sharer_desk.person.id]
    assert client.get(f"{url}?expiring_within_days=10", headers=headers).json["items"] == []

    # Past the certificate's expiry, and well inside the coordinator's 30-day session, which
    # began a fraction of a second before the clock was put in.
    clock.advance(days=25)
    assert sharer_desk.status() == "expired"
    assert sharer_desk.checklist()["outstanding"] == ["background"]
    assert client.get(f"{url}?vetting_status=expired", headers=headers).json["pagination"]["total"] == 1
    assert client.get(f"{url}?vetting_status=cleared", headers=headers).json["pagination"]["total"] == 0

    renewed = {**BACKGROUND, "issued_on": clock.today().isoformat(), "certificate_number": "009999999999"}
    assert sharer_desk.record("background", renewed)["status"] == "cleared"


@pytest.mark.parametrize("kind, body, field", [
    ("identity", {"status": "waived"}, "waived_reason"),
    ("identity", {"status": "passed", "waived_reason": "no"}, "waived_reason"),
    ("identity", {"status": "passed", "certificate_number": "12345678"}, "certificate_number"),
    ("identity", {"status": "passed", "referee_name": "Jo"}, "referee_name"),
    ("background", {"status": "passed"}, "certificate_number"),
    ("background", {"status": "passed", "certificate_number": "1234567890"}, "issued_on"),
    ("background", {"status": "passed", "certificate_number": "12<script>", "issued_on": "2026-01-01"},
     "certificate_number"),
    ("background", {"status": "pending", "issued_on": "2999-01-01"}, "issued_on"),
    ("reference_1", {"status": "passed", "referee_name": "Jo", "reference_received": True}, "reference_satisfactory"),
    ("reference_2", {"status": "passed", "reference_received": True, "reference_satisfactory": True}, "referee_name"),
    ("interview", {"status": "approved"}, "status"),
    ("interview", {}, "status"),
    ("interview", {"status": "passed", "score": 5}, "score"),
    ("interview", {"status": "passed", "expires_on": "soon"}, "expires_on"),
])
def test_bad_check_records_are_refused_and_change_nothing(sharer_desk, kind, body, field):
    before = sharer_desk.checklist()
    problem = assert_problem(sharer_desk.put(kind, body), 422, "validation-error")
    assert field in problem["errors"]
    assert sharer_desk.checklist() == before


def test_unknown_check_kind_is_404(sharer_desk):
    assert_problem(sharer_desk.put("horoscope", PASSED), 404)


def test_only_the_persons_own_coordinators_see_or_change_vetting(client, make, scheme, sharer_desk):
    person = sharer_desk.person
    url = f"/api/v1/people/{person.id}/vetting"
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.get(url, headers=outsider.headers), 404)
    assert_problem(client.put(f"{url}/identity", headers=outsider.headers, json=PASSED), 404)
    own = make.login(client, person)
    assert_problem(client.put(f"{url}/identity", headers=own.headers, json=PASSED), 403)
    assert_problem(client.get(url, headers=own.headers), 403)
    householder = make.login(client, make.householder(scheme))
    assert_problem(client.get(url, headers=householder.headers), 403)
    admin = make.login(client, make.admin())
    assert_problem(client.get(url, headers=admin.headers), 403)
    assert_problem(client.get("/api/v1/me/vetting", headers=sharer_desk.session.headers), 403)
    assert sharer_desk.status() == "not_started"


def test_people_see_their_progress_without_notes_referees_or_full_certificate(client, make, sharer_desk, clock):
    sharer_desk.record("background", {**BACKGROUND, "issued_on": clock.today().isoformat(),
                                      "notes": "Spoke to the police liaison."})
    sharer_desk.record("reference_1", {**REFERENCE, "notes": "Referee hesitated about punctuality."})
    own = client.get("/api/v1/me/vetting", headers=make.login(client, sharer_desk.person).headers)
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    for secret in ("police liaison", "punctuality", "Jo Bloggs", "jo@example.org", "001234567890"):
        assert secret not in text
    checks = {check["kind"]: check for check in own.json["checks"]}
    assert checks["background"]["certificate_number"] == "********7890"
    assert checks["background"]["status"] == "passed"
    assert checks["reference_1"]["status"] == "passed"
    assert set(checks["reference_1"]) == {"kind", "status", "expires_on", "expired", "issued_on", "certificate_number"}
    assert own.json["outstanding"] == ["identity", "reference_2", "right_to_rent", "interview"]


def test_every_change_is_audited_and_repeats_change_nothing(app, sharer_desk):
    sharer_desk.record("identity", {"status": "pending", "notes": "Passport seen, awaiting check."})
    sharer_desk.record("identity", {"status": "passed"})
    first = sharer_desk.checklist()
    sharer_desk.record("identity", {"status": "passed"})
    assert sharer_desk.checklist() == first
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "vetting.check_recorded")
                                    .order_by(AuditEvent.occurred_at)).all()
        reads = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "vetting.read"))
    assert len(events) == 2 and reads == 2  # two reads of the checklist, each recorded
    assert events[0].before is None and events[0].after == {"notes": "[personal data]", "status": "pending"}
    assert events[1].before == {"notes": "[personal data]", "status": "pending"}
    assert events[1].after == {"notes": None, "status": "passed"}
    assert all(str(e.actor_id) == sharer_desk.session.person.id for e in events)
    assert all(e.target_id == f"{sharer_desk.person.id}/identity" for e in events)


def test_a_checklist_is_read_in_one_statement_after_the_account(client, make, sharer_desk, clock, count_queries):
    """The status and the recorded checks come in one statement, with no check recorded or with
    several; the coordinator's read adds the person and its audit record."""
    person = make.login(client, sharer_desk.person)
    for recorded in ((), ("identity", "right_to_rent")):
        for kind in recorded:
            sharer_desk.record(kind, passing(kind, clock.today()))
        with count_queries() as statements:
            full = sharer_desk.checklist()
        with count_queries() as own_statements:
            own = client.get("/api/v1/me/vetting", headers=person.headers)
        assert own.status_code == 200, own.json
        assert [check["kind"] for check in full["checks"] if check["status"] == "passed"] == list(recorded)
        assert full["status"] == own.json["status"] == ("in_progress" if recorded else "not_started")
        assert len(statements) == 4 and statements[-1].lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")
        assert len(own_statements) == 2


def test_certificate_numbers_never_reach_the_logs(sharer_desk, clock, caplog):
    sharer_desk.record("background", {**BACKGROUND, "issued_on": clock.today().isoformat()})
    sharer_desk.put("background", {**BACKGROUND, "issued_on": "2999-01-01"})
    assert "001234567890" not in "\n".join(record.getMessage() for record in caplog.records)
