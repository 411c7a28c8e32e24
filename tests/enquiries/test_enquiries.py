"""Enquiries: recording, listing, stages forward only with their days, and retries."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.audit.models import AuditEvent
from homeshare.enquiries import service
from homeshare.enquiries.models import ClosedReason, Enquiry, Stage
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from tests.helpers import assert_problem, at_once

NOW = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)
ENQUIRY = {"name": "Margaret Hill", "contact": "0113 496 0000", "contact_name": "Anna, daughter",
           "seeking": "householder", "source": "family-or-friend", "notes": "Lives alone since her husband died."}


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    return scheme, coordinator


def record(client, scheme, session, status=201, **body):
    response = client.post(f"/api/v1/schemes/{scheme.id}/enquiries", headers=session.headers,
                           json={**ENQUIRY, **body})
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def move(client, session, enquiry_id, **body):
    return client.post(f"/api/v1/enquiries/{enquiry_id}/stage", headers=session.headers, json=body)


def test_a_coordinator_records_an_enquiry_they_then_own(client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    assert enquiry["owner_id"] == coordinator.person.id
    assert enquiry["stage"] == "enquiry" and enquiry["enquiry_on"] == "2027-03-31"
    assert enquiry["next_stages"] == ["application", "assessment", "approved", "closed"]
    assert enquiry["application_on"] is None and enquiry["person_id"] is None
    assert client.get(f"/api/v1/enquiries/{enquiry['id']}", headers=coordinator.headers).json == enquiry


def test_recording_is_audited_without_personal_words(app, client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enquiry.recorded")).one()
        assert event.target_id == enquiry["id"]
        assert event.after["source"] == "family-or-friend" and event.after["seeking"] == "householder"
        assert event.after["name"] == event.after["contact"] == event.after["notes"] == "[personal data]"


def test_the_same_enquiry_again_within_ten_minutes_is_a_retry(client, desk, clock):
    scheme, coordinator = desk
    first = record(client, scheme, coordinator)
    again = record(client, scheme, coordinator, status=200)
    assert again["id"] == first["id"]
    clock.advance(minutes=11)
    later = record(client, scheme, coordinator, status=201, enquiry_on="2027-03-31")
    assert later["id"] != first["id"]
    other = record(client, scheme, coordinator, status=201, seeking="sharer")
    assert other["id"] not in (first["id"], later["id"])


def test_the_owner_must_be_a_coordinator_of_the_scheme(client, make, desk):
    scheme, coordinator = desk
    colleague = make.coordinator(scheme)
    elsewhere = make.coordinator(make.scheme())
    householder = make.householder(scheme)
    assert record(client, scheme, coordinator, owner_id=colleague.id)["owner_id"] == colleague.id
    assert record(client, scheme, coordinator, owner_id=None, name="Nobody Yet")["owner_id"] is None
    for wrong in (elsewhere.id, householder.id, str(uuid.uuid4())):
        response = client.post(f"/api/v1/schemes/{scheme.id}/enquiries", headers=coordinator.headers,
                               json={**ENQUIRY, "owner_id": wrong})
        assert "owner_id" in assert_problem(response, 422, "validation-error")["errors"]


def test_bad_input_is_refused_with_4xx(client, desk):
    scheme, coordinator = desk
    url = f"/api/v1/schemes/{scheme.id}/enquiries"
    for body in ({**ENQUIRY, "seeking": "landlord"}, {**ENQUIRY, "source": "newspaper"}, {**ENQUIRY, "name": " "},
                 {**ENQUIRY, "contact": "x" * 201}, {**ENQUIRY, "enquiry_on": "2027-04-01"},
                 {**ENQUIRY, "enquiry_on": "31/03/2027"}, {**ENQUIRY, "stage": "approved"},
                 {key: value for key, value in ENQUIRY.items() if key != "contact"}, [ENQUIRY], "text"):
        assert_problem(client.post(url, headers=coordinator.headers, json=body), 422)
    enquiry = record(client, scheme, coordinator)
    for body in ({"stage": "done"}, {"stage": "closed"}, {"stage": "application", "closed_reason": "died"},
                 {"stage": "closed", "closed_reason": "bored"}, {"stage": "application", "on": "2027-04-01"},
                 {"stage": "application", "on": "2027-03-30"}, {}):
        assert_problem(move(client, coordinator, enquiry["id"], **body), 422)
    assert_problem(client.patch(f"/api/v1/enquiries/{enquiry['id']}", headers=coordinator.headers,
                                json={"name": None}), 422)
    assert_problem(client.get(f"{url}?stage=finished", headers=coordinator.headers), 422)
    assert_problem(client.get(f"/api/v1/enquiries/{uuid.uuid4()}", headers=coordinator.headers), 404)


def test_stages_move_forward_only_each_with_its_day(client, desk, clock):
    scheme, coordinator = desk
    clock.set(datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc))
    enquiry = record(client, scheme, coordinator, enquiry_on="2027-02-20")
    clock.set(NOW)
    moved = move(client, coordinator, enquiry["id"], stage="application", on="2027-03-02")
    assert moved.status_code == 200 and moved.json["application_on"] == "2027-03-02"
    assert moved.json["next_stages"] == ["assessment", "approved", "closed"]
    # Before the application's day: refused, naming the day.
    refused = assert_problem(move(client, coordinator, enquiry["id"], stage="assessment", on="2027-03-01"), 422)
    assert "2027-03-02" in refused["errors"]["on"][0]
    assessed = move(client, coordinator, enquiry["id"], stage="assessment").json  # today by default
    assert assessed["assessment_on"] == "2027-03-31"
    assert_problem(move(client, coordinator, enquiry["id"], stage="application"), 409, "enquiry-stage")
    approved = move(client, coordinator, enquiry["id"], stage="approved").json
    assert approved["stage"] == "approved" and approved["approved_on"] == "2027-03-31"
    assert approved["next_stages"] == []
    assert_problem(move(client, coordinator, enquiry["id"], stage="closed", closed_reason="other"), 409)
    # A retry of the last step changes nothing.
    again = move(client, coordinator, enquiry["id"], stage="approved")
    assert again.status_code == 200 and again.json == approved


def test_closing_needs_a_reason_and_is_final(client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    missing = assert_problem(move(client, coordinator, enquiry["id"], stage="closed"), 422)
    assert list(missing["errors"]) == ["closed_reason"]
    closed = move(client, coordinator, enquiry["id"], stage="closed", closed_reason="no-reply").json
    assert closed["closed_reason"] == "no-reply" and closed["closed_on"] == "2027-03-31"
    assert move(client, coordinator, enquiry["id"], stage="closed", closed_reason="no-reply").status_code == 200
    assert_problem(move(client, coordinator, enquiry["id"], stage="closed", closed_reason="died"), 409,
                   "enquiry-stage-reached")
    assert_problem(move(client, coordinator, enquiry["id"], stage="application"), 409, "enquiry-stage")


def test_the_stage_rules_called_directly(app, client, desk, clock):
    scheme, coordinator = desk
    enquiry_id = record(client, scheme, coordinator, enquiry_on="2027-03-10")["id"]
    with app.app_context():
        actor = db.session.get(Account, uuid.UUID(coordinator.person.id))
        enquiry = db.session.get(Enquiry, uuid.UUID(enquiry_id))
        with pytest.raises(ValidationFailed):  # before the enquiry came in
            service.move(actor=actor, enquiry=enquiry, stage=Stage.ASSESSMENT, on=date(2027, 3, 9), closed_reason=None)
        # The same day as the stage before is fine; a stage may be skipped.
        service.move(actor=actor, enquiry=enquiry, stage=Stage.ASSESSMENT, on=date(2027, 3, 10), closed_reason=None)
        assert enquiry.application_on is None and enquiry.assessment_on == date(2027, 3, 10)
        # The same stage again: nothing, whatever day it is now, unless another day is named.
        clock.advance(days=3)
        assert service.move(actor=actor, enquiry=enquiry, stage=Stage.ASSESSMENT, on=None,
                            closed_reason=None).assessment_on == date(2027, 3, 10)
        with pytest.raises(Conflict):
            service.move(actor=actor, enquiry=enquiry, stage=Stage.ASSESSMENT, on=date(2027, 3, 11), closed_reason=None)
        with pytest.raises(ValidationFailed):  # tomorrow where the scheme is
            service.move(actor=actor, enquiry=enquiry, stage=Stage.CLOSED, on=date(2027, 4, 4),
                         closed_reason=ClosedReason.MOVED_AWAY)
        service.move(actor=actor, enquiry=enquiry, stage=Stage.CLOSED, on=None, closed_reason=ClosedReason.MOVED_AWAY)
        assert enquiry.closed_on == date(2027, 4, 3) and enquiry.stage is Stage.CLOSED
        db.session.remove()


def test_changes_keep_what_is_not_sent_and_are_audited(app, client, make, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    colleague = make.coordinator(scheme)
    url = f"/api/v1/enquiries/{enquiry['id']}"
    changed = client.patch(url, headers=coordinator.headers,
                           json={"owner_id": colleague.id, "notes": None, "source": "gp-or-health"})
    assert changed.status_code == 200, changed.json
    assert changed.json["owner_id"] == colleague.id and changed.json["notes"] is None
    assert changed.json["source"] == "gp-or-health" and changed.json["name"] == ENQUIRY["name"]
    assert_problem(client.patch(url, headers=coordinator.headers, json={"owner_id": make.sharer(scheme).id}), 422)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enquiry.updated")).one()
        assert event.before == {"notes": "[personal data]", "owner_id": coordinator.person.id,
                                "source": "family-or-friend"}
        assert event.after == {"notes": None, "owner_id": colleague.id, "source": "gp-or-health"}


def test_lists_filter_by_stage_owner_and_waiting_newest_first(client, make, desk, clock):
    scheme, coordinator = desk
    colleague = make.login(client, make.coordinator(scheme))
    clock.set(datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc))
    old = record(client, scheme, coordinator, name="Old Enquiry")
    clock.set(NOW)
    moved = record(client, scheme, coordinator, name="Moved On", enquiry_on="2027-03-02")
    move(client, coordinator, moved["id"], stage="application", on="2027-03-30")
    theirs = record(client, scheme, colleague, name="Theirs")
    url = f"/api/v1/schemes/{scheme.id}/enquiries"

    def names(query=""):
        body = client.get(f"{url}{query}", headers=coordinator.headers).json
        return [item["name"] for item in body["items"]]

    assert names() == ["Theirs", "Moved On", "Old Enquiry"]
    assert names("?stage=application") == ["Moved On"]
    assert names(f"?owner_id={colleague.person.id}") == ["Theirs"]
    assert names("?waiting=true") == ["Old Enquiry"]  # 30 days in its stage; the default is 14
    page = client.get(f"{url}?per_page=2&page=2", headers=coordinator.headers).json
    assert page["pagination"] == {"page": 2, "per_page": 2, "total": 3, "pages": 2}
    assert [item["id"] for item in page["items"]] == [old["id"]]


def test_another_schemes_coordinator_sees_nothing(client, make, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    outsider = make.login(client, make.coordinator(make.scheme()))
    householder = make.login(client, make.householder(scheme))
    for method, url, body in (("get", f"/api/v1/enquiries/{enquiry['id']}", None),
                              ("patch", f"/api/v1/enquiries/{enquiry['id']}", {"notes": "x"}),
                              ("post", f"/api/v1/enquiries/{enquiry['id']}/stage", {"stage": "application"}),
                              ("get", f"/api/v1/schemes/{scheme.id}/enquiries", None),
                              ("post", f"/api/v1/schemes/{scheme.id}/enquiries", ENQUIRY)):
        assert_problem(getattr(client, method)(url, headers=outsider.headers, json=body), 404)
        assert_problem(getattr(client, method)(url, headers=householder.headers, json=body), 403)
        assert_problem(getattr(client, method)(url, json=body), 401)
    assert client.get(f"/api/v1/enquiries/{enquiry['id']}", headers=coordinator.headers).json["notes"] == ENQUIRY["notes"]


def test_an_enquiry_becomes_a_person_with_no_login_once(app, client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator, name="Margaret Rose Hill")
    url = f"/api/v1/enquiries/{enquiry['id']}/person"
    added = client.post(url, headers=coordinator.headers, json={})
    assert added.status_code == 201, added.json
    assert added.headers["ETag"]
    person = added.json
    assert (person["first_name"], person["last_name"], person["phone"]) == ("Margaret Rose", "Hill", "0113 496 0000")
    again = client.post(url, headers=coordinator.headers, json={"first_name": "Peggy"})
    assert again.status_code == 200 and again.json["person_id"] == person["person_id"]
    assert again.json["first_name"] == "Margaret Rose"
    converted = client.get(f"/api/v1/enquiries/{enquiry['id']}", headers=coordinator.headers).json
    assert converted["person_id"] == person["person_id"]
    people = client.get(f"/api/v1/schemes/{scheme.id}/people?role=householder", headers=coordinator.headers).json
    assert [p["person_id"] for p in people["items"]] == [person["person_id"]]
    profile = client.get(f"/api/v1/people/{person['person_id']}/profile", headers=coordinator.headers)
    assert profile.status_code == 200 and profile.json["last_name"] == "Hill"
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "enquiry.converted")).one()
        assert event.after == {"person_id": person["person_id"]}


def test_a_conversion_takes_names_given_and_leaves_out_a_contact_that_is_no_phone(client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator, name="Sam", contact="sam@example.org", seeking="sharer")
    url = f"/api/v1/enquiries/{enquiry['id']}/person"
    assert_problem(client.post(url, headers=coordinator.headers, json={"first_name": "x" * 101}), 422)
    assert_problem(client.post(url, headers=coordinator.headers, json={"email": "sam@example.org"}), 422)
    added = client.post(url, headers=coordinator.headers, json={"last_name": "Okafor"})
    assert added.status_code == 201, added.json
    assert (added.json["first_name"], added.json["last_name"], added.json["phone"]) == ("Sam", "Okafor", None)
    people = client.get(f"/api/v1/schemes/{scheme.id}/people?role=sharer", headers=coordinator.headers).json
    assert [p["person_id"] for p in people["items"]] == [added.json["person_id"]]


def test_converting_twice_at_once_adds_one_person(app, client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    url = f"/api/v1/enquiries/{enquiry['id']}/person"
    answers = at_once(lambda: app.test_client().post(url, headers=coordinator.headers, json={}), 4)
    assert sorted(answer.status_code for answer in answers) in ([200, 200, 200, 201], [200, 200, 201, 201]), [a.json for a in answers]
    assert len({answer.json["person_id"] for answer in answers}) == 1
    people = client.get(f"/api/v1/schemes/{scheme.id}/people", headers=coordinator.headers).json
    assert people["pagination"]["total"] == 1


def test_erasing_the_person_empties_the_words_of_their_enquiry_and_keeps_its_stages(client, desk):
    scheme, coordinator = desk
    enquiry = record(client, scheme, coordinator)
    move(client, coordinator, enquiry["id"], stage="approved")
    person = client.post(f"/api/v1/enquiries/{enquiry['id']}/person", headers=coordinator.headers, json={}).json
    assert client.delete(f"/api/v1/people/{person['person_id']}", headers=coordinator.headers).status_code == 204
    after = client.get(f"/api/v1/enquiries/{enquiry['id']}", headers=coordinator.headers).json
    assert (after["name"], after["contact"], after["contact_name"], after["notes"]) == (None, None, None, None)
    assert after["person_erased"] is True and after["person_id"] == person["person_id"]
    assert (after["stage"], after["source"], after["enquiry_on"]) == ("approved", "family-or-friend", "2027-03-31")
    listed = client.get(f"/api/v1/schemes/{scheme.id}/enquiries", headers=coordinator.headers).get_data(as_text=True)
    assert ENQUIRY["name"] not in listed and ENQUIRY["contact"] not in listed
    again = client.post(f"/api/v1/enquiries/{enquiry['id']}/person", headers=coordinator.headers, json={})
    assert again.status_code == 200 and again.json["person_id"] == person["person_id"]
