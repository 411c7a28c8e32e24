"""Staff writes appear in the trail under their own names, about the record they changed."""

from __future__ import annotations

import pytest

from tests.matchdesk import Desk


@pytest.fixture
def desk(client, make):
    desk = Desk(client, make, make.scheme())
    desk.propose()
    return desk


def trail(client, desk, **query):
    response = client.get(f"/api/v1/schemes/{desk.scheme.id}/audit", headers=desk.coordinator.headers,
                          query_string={"per_page": 100, **query})
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_concern_steps_are_recorded_by_name_about_the_concern(client, desk):
    concern = client.post("/api/v1/concerns", headers=desk.householder.headers, json={
        "category": "home", "severity": "medium", "match_id": desk.match_id, "description": "Damp."}).json
    url = f"/api/v1/concerns/{concern['id']}"
    for _ in range(2):  # the second time changes nothing, and records nothing
        assert client.post(f"{url}/acknowledgement", headers=desk.coordinator.headers).status_code == 200
    assert client.post(f"{url}/notes", headers=desk.coordinator.headers, json={"body": "Landlord called."}).status_code == 201
    for _ in range(2):
        assert client.post(f"{url}/resolution", headers=desk.coordinator.headers,
                           json={"outcome": "Fixed."}).status_code == 200
    events = trail(client, desk, target_type="concern")
    # Raised by the householder: not in the trail, which would name them (erasure detaches them).
    assert [(e["action"], e["target_id"], e["actor_id"]) for e in reversed(events)] == [
        ("concern.acknowledged", concern["id"], desk.coordinator.person.id),
        ("concern.note_added", concern["id"], desk.coordinator.person.id),
        ("concern.resolved", concern["id"], desk.coordinator.person.id),
    ]
    by_action = {e["action"]: e for e in events}
    assert set(by_action["concern.note_added"]["after"]) == {"note_id"} and "Landlord" not in str(events)
    assert by_action["concern.acknowledged"]["after"] == {"status": "acknowledged"}
    assert by_action["concern.resolved"]["after"] == {"outcome": "[personal data]", "status": "resolved"}
    assert trail(client, desk, target_type="concern", target_id=concern["id"]) == events
    assert trail(client, desk, target_type="request") == []


def test_account_and_scheme_writes_are_recorded_by_name(client, make, desk):
    created = client.post(f"/api/v1/schemes/{desk.scheme.id}/coordinators", headers=desk.coordinator.headers,
                          json={"email": "second.coordinator@example.org", "password": "a long enough password"})
    assert created.status_code == 201, created.json
    person = desk.sharer_person.id
    client.post(f"/api/v1/accounts/{person}/deactivate", headers=desk.coordinator.headers, json={"reason": "Moved."})
    client.post(f"/api/v1/accounts/{person}/reactivate", headers=desk.coordinator.headers)
    client.post(f"/api/v1/accounts/{person}/access-reset", headers=desk.coordinator.headers)
    client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                 json={"settings": {"trial_length_days": 42}})
    client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                 json={"settings": {"trial_length_days": 42}})  # no change: nothing to record
    events = [(e["action"], e["target_type"], e["target_id"]) for e in reversed(trail(client, desk))]
    assert events[-5:] == [
        ("coordinator.created", "account", created.json["id"]),
        ("account.deactivated", "account", person),
        ("account.reactivated", "account", person),
        ("account.access_reset", "account", person),
        ("scheme.updated", "scheme", desk.scheme.id),
    ]
    by_action = {e["action"]: e for e in trail(client, desk)}
    assert by_action["account.deactivated"]["after"] == {"is_active": False, "left_reason": "[personal data]"}
    assert by_action["scheme.updated"]["before"]["settings"].get("trial_length_days") != 42
    assert by_action["scheme.updated"]["after"]["settings"]["trial_length_days"] == 42
    assert "temporary_password" not in str(by_action["account.access_reset"])
    assert trail(client, desk, target_type="request") == []


def test_a_coordinators_check_in_changes_are_recorded_about_the_check_in(client, desk):
    url = f"/api/v1/matches/{desk.match_id}/checkins"
    added = client.post(url, headers=desk.coordinator.headers, json={"kind": "checkin", "due_on": "2027-04-02"})
    assert added.status_code == 201, added.json
    checkin = added.json["id"]
    client.patch(f"{url}/{checkin}", headers=desk.coordinator.headers, json={"due_on": "2027-04-03"})
    client.post(f"{url}/{checkin}/contact", headers=desk.coordinator.headers,
                json={"kind": "call", "at": "2027-04-03T10:00:00+00:00", "notes": "Spoke to both."})
    events = trail(client, desk, target_type="checkin", target_id=checkin)
    assert [(e["action"], e["after"]) for e in reversed(events)] == [
        ("checkin.added", {"kind": "checkin", "due_on": "2027-04-02"}),
        ("checkin.moved", {"due_on": "2027-04-03"}),
        ("checkin.contact_recorded", {"contact_at": "2027-04-03T10:00:00+00:00", "contact_kind": "call",
                                      "notes": "[personal data]"}),
    ]
    assert trail(client, desk, target_type="request") == []


def test_a_concern_a_coordinator_raises_is_recorded_without_its_words(client, desk):
    raised = client.post("/api/v1/concerns", headers=desk.coordinator.headers, json={
        "category": "safeguarding", "severity": "urgent", "match_id": desk.match_id, "description": "Bruises seen."})
    assert raised.status_code == 201, raised.json
    events = trail(client, desk, target_type="concern")
    assert [(e["action"], e["target_id"], e["after"]) for e in events] == [
        ("concern.raised", raised.json["id"],
         {"category": "safeguarding", "description": "[personal data]", "severity": "urgent"})]
