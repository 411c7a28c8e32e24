"""People see how to reach their scheme and who their coordinator is; the scheme's coordinators set both."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.audit.service import PERSONAL_MARK as PERSONAL
from homeshare.conversations.models import NamedCoordinator
from homeshare.extensions import db
from tests.helpers import assert_problem

CONTACT = {"phone": "+44 113 496 0000", "email": "office@leeds-homeshare.example", "office_hours":
           "Monday to Friday, 9am to 5pm", "emergency": "Call 999 first, then our out-of-hours line 0113 496 0999."}


def test_coordinators_set_the_contact_details_and_people_see_them(office):
    client = office.client
    before = office.ok(client.get("/api/v1/me/coordinator", headers=office.householder.headers))
    assert before["contact"] == dict.fromkeys(CONTACT) and before["coordinator"] is None
    assert before["scheme"]["id"] == office.scheme.id
    scheme = office.ok(client.patch(f"/api/v1/schemes/{office.scheme.id}", headers=office.coordinator.headers,
                                    json={"contact": CONTACT}))
    assert scheme["contact"] == CONTACT
    # Only the parts sent change; null clears one.
    scheme = office.ok(client.patch(f"/api/v1/schemes/{office.scheme.id}", headers=office.coordinator.headers,
                                    json={"contact": {"office_hours": None}}))
    assert scheme["contact"] == {**CONTACT, "office_hours": None}
    for session in (office.householder, office.sharer):
        seen = office.ok(client.get("/api/v1/me/coordinator", headers=session.headers))
        assert seen["contact"] == {**CONTACT, "office_hours": None}
    with office.make.app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "scheme.updated")).all()
        assert sorted((event.before["contact"]["phone"] or "", event.after["contact"]["office_hours"] or "")
                      for event in events) == [("", CONTACT["office_hours"]), (CONTACT["phone"], "")]


def test_contact_details_are_validated_and_nothing_is_stored_on_refusal(office):
    url = f"/api/v1/schemes/{office.scheme.id}"
    for contact in ({"phone": "call us"}, {"email": "not an email"}, {"office_hours": "x" * 501},
                    {"emergency": "  "}, {"fax": "0113"}):
        assert_problem(office.client.patch(url, headers=office.coordinator.headers, json={"contact": contact}), 422)
    seen = office.ok(office.client.get(url, headers=office.coordinator.headers))
    assert seen["contact"] == dict.fromkeys(CONTACT)
    assert_problem(office.client.patch(url, headers=office.outsider.headers, json={"contact": CONTACT}), 404)
    assert_problem(office.client.patch(url, headers=office.householder.headers, json={"contact": CONTACT}), 403)


def test_a_coordinator_names_the_persons_coordinator_and_the_person_and_representative_see_them(office):
    client, person = office.client, office.householder.person
    named = office.ok(client.put(f"/api/v1/people/{person.id}/coordinator", headers=office.coordinator.headers,
                                 json={"coordinator_id": office.colleague.person.id}))
    assert named["coordinator"] == {"id": office.colleague.person.id, "email": office.colleague.person.email,
                                    "display_name": None, "work_phone": None}
    assert office.ok(client.get("/api/v1/me/coordinator", headers=office.householder.headers))["coordinator"][
        "id"] == office.colleague.person.id
    # The sharer has none.
    assert office.ok(client.get("/api/v1/me/coordinator", headers=office.sharer.headers))["coordinator"] is None
    # Any representative of hers sees it, whatever their scope; no one else.
    for session in (office.daughter, office.son):
        seen = office.ok(client.get(f"/api/v1/represented/{person.id}/coordinator", headers=session.headers))
        assert seen["coordinator"]["id"] == office.colleague.person.id
    assert_problem(client.get(f"/api/v1/represented/{office.sharer.person.id}/coordinator",
                              headers=office.daughter.headers), 404)
    # Named again the same: no second event; null names none.
    office.ok(client.put(f"/api/v1/people/{person.id}/coordinator", headers=office.coordinator.headers,
                         json={"coordinator_id": office.colleague.person.id}))
    cleared = office.ok(client.put(f"/api/v1/people/{person.id}/coordinator", headers=office.coordinator.headers,
                                   json={"coordinator_id": None}))
    assert cleared["coordinator"] is None
    with office.make.app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "coordinator.named")).all()
        assert sorted((e.before["coordinator_id"] or "", e.after["coordinator_id"] or "") for e in events) == sorted(
            [("", office.colleague.person.id), (office.colleague.person.id, "")])


def test_only_a_coordinator_of_the_persons_scheme_is_named_and_only_by_one(office):
    client, person = office.client, office.householder.person
    url = f"/api/v1/people/{person.id}/coordinator"
    for someone in (office.outsider.person.id, office.sharer.person.id, office.daughter.person.id,
                    "00000000-0000-4000-8000-000000000000"):
        problem = assert_problem(client.put(url, headers=office.coordinator.headers, json={"coordinator_id": someone}),
                                 422)
        assert "coordinator_id" in problem["errors"]
    assert_problem(client.put(url, headers=office.outsider.headers,
                              json={"coordinator_id": office.outsider.person.id}), 404)
    assert_problem(client.put(url, headers=office.householder.headers,
                              json={"coordinator_id": office.coordinator.person.id}), 403)
    # A representative is not a person with a coordinator of their own.
    assert_problem(client.put(f"/api/v1/people/{office.daughter.person.id}/coordinator",
                              headers=office.coordinator.headers,
                              json={"coordinator_id": office.coordinator.person.id}), 404)
    with office.make.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(NamedCoordinator)) == 0


def test_a_coordinator_gives_their_name_and_work_phone_and_their_people_see_them(office):
    client, person = office.client, office.householder.person
    office.ok(client.put(f"/api/v1/people/{person.id}/coordinator", headers=office.coordinator.headers,
                         json={"coordinator_id": office.colleague.person.id}))
    for _ in range(2):  # the same again changes nothing
        mine = office.ok(client.patch("/api/v1/me", headers=office.colleague.headers,
                                      json={"display_name": "  Siân Roberts ", "work_phone": "029 2087 2087"}))
        assert (mine["display_name"], mine["work_phone"]) == ("Siân Roberts", "+442920872087")
    expected = {"id": office.colleague.person.id, "email": office.colleague.person.email,
                "display_name": "Siân Roberts", "work_phone": "+442920872087"}
    seen = office.ok(client.get("/api/v1/me/coordinator", headers=office.householder.headers))
    assert seen["coordinator"] == expected
    seen = office.ok(client.get(f"/api/v1/represented/{person.id}/coordinator", headers=office.daughter.headers))
    assert seen["coordinator"] == expected
    with office.make.app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "account.changed")).all()
        assert [(e.actor_id, e.after) for e in events] == [
            (uuid.UUID(office.colleague.person.id), {"display_name": PERSONAL, "work_phone": PERSONAL})]


def test_an_admin_sets_a_coordinators_details_and_nobody_else_may(office, make):
    client, url = office.client, f"/api/v1/accounts/{office.colleague.person.id}"
    admin = make.login(client, make.admin())
    changed = office.ok(client.patch(url, headers=admin.headers,
                                     json={"display_name": "Siân Roberts", "work_phone": "+44 29 2087 2087"}))
    assert changed["work_phone"] == "+442920872087"
    # Another coordinator, a person, another scheme's coordinator: refused, nothing stored.
    body = {"work_phone": "0113 496 0000"}
    assert_problem(client.patch(url, headers=office.coordinator.headers, json=body), 403)
    assert_problem(client.patch(url, headers=office.sharer.headers, json=body), 403)
    assert_problem(client.patch(url, headers=office.outsider.headers, json=body), 404)
    # A person has no name or phone of this kind: 422, through either route.
    assert_problem(client.patch("/api/v1/me", headers=office.sharer.headers, json=body), 422)
    assert_problem(client.patch(f"/api/v1/accounts/{office.sharer.person.id}", headers=office.coordinator.headers,
                                json=body), 422)
    assert office.ok(client.get("/api/v1/me", headers=office.sharer.headers))["work_phone"] is None
    seen = office.ok(client.get("/api/v1/me", headers=office.colleague.headers))
    assert (seen["display_name"], seen["work_phone"]) == ("Siân Roberts", "+442920872087")


def test_a_bad_phone_or_name_is_refused_and_nothing_is_stored(office):
    client = office.client
    for body in ({"work_phone": "12345"}, {"work_phone": "call me"}, {"work_phone": "0" * 31},
                 {"display_name": "  "}, {"display_name": "x" * 101}, {"display_name": "Siân", "work_phone": "999"}):
        assert_problem(client.patch("/api/v1/me", headers=office.coordinator.headers, json=body), 422)
    seen = office.ok(client.get("/api/v1/me", headers=office.coordinator.headers))
    assert (seen["display_name"], seen["work_phone"]) == (None, None)
    # null clears.
    office.ok(client.patch("/api/v1/me", headers=office.coordinator.headers, json={"work_phone": "029 2087 2087"}))
    cleared = office.ok(client.patch("/api/v1/me", headers=office.coordinator.headers, json={"work_phone": None}))
    assert cleared["work_phone"] is None
