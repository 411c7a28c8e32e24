"""A family member, friend or attorney acts for the person they support, within the scope the
person consented to, and loses it the moment a coordinator narrows or removes it."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from homeshare.extensions import db
from homeshare.notifications.service import Message, notify
from tests.helpers import assert_problem
from tests.matchdesk import Desk

NOW = datetime(2027, 2, 10, 12, 0, tzinfo=timezone.utc)
EVERY_SCOPE = ["see-match", "accept-agreement", "confirm-hours", "answer-checkins", "raise-concerns",
               "receive-notifications"]


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme(), householder_without_login=True)
    desk.propose()
    on_behalf = {"person_id": desk.householder_person.id, "how": "in-person", "given_at": "2027-02-09T10:00:00+00:00"}
    desk.ok("response", body={"decision": "accept", "on_behalf": on_behalf})
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-01-20T14:00:00+00:00", "place": "Her kitchen"})
    desk.ok("trial", body={"start_on": "2027-01-04"})
    desk.agree()
    return desk


def link(desk, **values):
    body = {"representative": {"full_name": "Anna Hill", "phone": "07700 900123",
                               "contact_email": "anna@example.org"},
            "relationship": "attorney-health", "consent_on": "2027-02-01", "consent_how": "on-paper",
            "scopes": EVERY_SCOPE, **values}
    return desk.client.post(f"/api/v1/people/{desk.householder_person.id}/representatives",
                            headers=desk.coordinator.headers, json=body)


@pytest.fixture
def daughter(desk, client, make):
    """The householder's daughter, with every scope and a login."""
    return make.login(client, make.representative(desk.scheme, desk.householder_person))


def agreement(desk, session):
    return desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement", headers=session.headers)


def test_linking_a_representative_keeps_consent_and_scope_and_is_safe_to_repeat(desk, client):
    link_id = str(uuid.uuid4())
    made = link(desk, representation_id=link_id)
    assert made.status_code == 201, made.json
    assert made.json["representative"] == {"full_name": "Anna Hill", "phone": "07700 900123",
                                           "contact_email": "anna@example.org"}
    assert (made.json["relationship"], made.json["consent_on"], made.json["consent_how"]) == (
        "attorney-health", "2027-02-01", "on-paper")
    assert made.json["scopes"] == sorted(EVERY_SCOPE) and made.json["representative_has_login"] is False
    again = link(desk, representation_id=link_id)
    assert again.status_code == 200 and again.json["id"] == made.json["id"] == link_id
    listed = client.get(f"/api/v1/people/{desk.householder_person.id}/representatives",
                        headers=desk.coordinator.headers).json
    assert [item["id"] for item in listed["items"]] == [link_id]
    # The same representative for the same person again: change the scope instead.
    same = client.post(f"/api/v1/people/{desk.householder_person.id}/representatives", headers=desk.coordinator.headers,
                       json={"representative_id": made.json["representative_id"], "relationship": "family",
                             "consent_on": "2027-02-01", "consent_how": "in-person", "scopes": ["see-match"]})
    assert_problem(same, 409, "already-linked")


@pytest.mark.parametrize("change", [
    {"scopes": []}, {"scopes": ["see-everything"]}, {"scopes": "see-match"}, {"relationship": "neighbour"},
    {"consent_how": "representative"}, {"consent_on": "yesterday"}, {"representative": None},
    {"representative_id": str(uuid.uuid4()), "representative": None},
    {"representative_id": str(uuid.uuid4())}, {"representative": {"full_name": ""}},
])
def test_a_bad_link_is_refused_and_nothing_is_stored(desk, client, change):
    body = {k: v for k, v in change.items() if v is not None}
    response = link(desk, **body) if "representative" not in change or change["representative"] is not None else (
        client.post(f"/api/v1/people/{desk.householder_person.id}/representatives", headers=desk.coordinator.headers,
                    json={"relationship": "family", "consent_on": "2027-02-01", "consent_how": "in-person",
                          "scopes": ["see-match"], **body}))
    assert_problem(response, 422)
    listed = client.get(f"/api/v1/people/{desk.householder_person.id}/representatives",
                        headers=desk.coordinator.headers).json
    assert listed["items"] == []


def test_another_schemes_coordinator_and_members_cannot_link(desk, client, make):
    outsider = make.login(client, make.coordinator(make.scheme()))
    url = f"/api/v1/people/{desk.householder_person.id}/representatives"
    body = {"representative": {"full_name": "Anna Hill"}, "relationship": "family", "consent_on": "2027-02-01",
            "consent_how": "in-person", "scopes": ["see-match"]}
    assert_problem(client.post(url, headers=outsider.headers, json=body), 404)
    assert_problem(client.post(url, headers=desk.sharer.headers, json=body), 403)


def test_a_representative_sees_the_people_they_represent_and_their_matches(desk, client, daughter, make):
    represented = client.get("/api/v1/me/represented", headers=daughter.headers).json["items"]
    assert [(r["person"]["id"], r["person"]["has_login"], r["first_name"], r["scopes"]) for r in represented] == [
        (desk.householder_person.id, False, "Margaret", sorted(EVERY_SCOPE))]
    matches = client.get(f"/api/v1/represented/{desk.householder_person.id}/matches", headers=daughter.headers).json
    assert [(m["id"], m["side"], m["state"]) for m in matches["items"]] == [(desk.match_id, "householder", "trial")]
    assert agreement(desk, daughter).status_code == 200
    # Nobody else's: another person of the scheme, another match, the coordinators' views.
    stranger = make.householder(desk.scheme)
    assert_problem(client.get(f"/api/v1/represented/{stranger.id}/matches", headers=daughter.headers), 404)
    assert_problem(client.get(f"/api/v1/matches/{desk.match_id}", headers=daughter.headers), 403)
    assert_problem(client.get(f"/api/v1/people/{desk.householder_person.id}/profile", headers=daughter.headers), 403)
    other = Desk(client, make, desk.scheme)
    other.propose()
    assert_problem(client.get(f"/api/v1/matches/{other.match_id}/agreement", headers=daughter.headers), 404)


def test_what_a_representative_does_is_recorded_as_done_by_them_for_the_person(desk, client, daughter):
    accepted = desk.post("agreement/acceptance", daughter, {"version": 1})
    assert accepted.status_code == 200, accepted.json
    record, = accepted.json["current"]["on_behalf"]
    assert (record["given_as"], record["side"], record["person_id"], record["recorded_by_id"], record["how"]) == (
        "proxy", "householder", desk.householder_person.id, daughter.person.id, None)
    assert accepted.json["current"]["householder_accepted_at"] is not None
    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    desk.review()
    checkin = client.get(f"/api/v1/me/matches/{desk.match_id}/checkins", headers=daughter.headers).json["items"][0]
    answered = client.put(f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/answer",
                          headers=daughter.headers, json={"wellbeing": 4, "match_going": 5, "help_happening": True})
    assert answered.status_code == 200 and answered.json["given_as"] == "proxy"
    mine = client.get(f"/api/v1/me/matches/{desk.match_id}/checkins", headers=daughter.headers).json["items"][0]
    assert mine["your_answer"]["given_as"] == "proxy"
    entry = str(uuid.uuid4())
    client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=desk.sharer.headers,
               json={"worked_on": "2027-02-08", "minutes": 60, "task": "cooking"})
    confirmed = desk.post("hours/confirmation", daughter, {"week_of": "2027-02-08"})
    assert confirmed.status_code == 200, confirmed.json
    assert [(r["action"], r["given_as"]) for r in confirmed.json["confirmed"][0]["on_behalf"]] == [
        ("hours.confirmed", "proxy")]
    # Steps that are not a representative's: logging the sharer's hours, answering a proposal.
    assert_problem(client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=daughter.headers,
                              json={"worked_on": "2027-02-08", "minutes": 60, "task": "cooking"}), 403)
    assert_problem(desk.post("response", daughter, {"decision": "accept"}), 403)


def test_narrowing_or_removing_a_representative_holds_at_their_next_request(desk, client, daughter):
    links = client.get(f"/api/v1/people/{desk.householder_person.id}/representatives",
                       headers=desk.coordinator.headers).json["items"]
    link_url = f"/api/v1/representations/{links[0]['id']}"
    assert client.get(f"/api/v1/me/matches/{desk.match_id}/checkins", headers=daughter.headers).status_code == 200
    narrowed = client.patch(link_url, headers=desk.coordinator.headers, json={"scopes": ["see-match"]})
    assert narrowed.status_code == 200 and narrowed.json["scopes"] == ["see-match"]
    # The same token, the very next request.
    assert_problem(client.get(f"/api/v1/me/matches/{desk.match_id}/checkins", headers=daughter.headers), 404)
    assert_problem(desk.post("agreement/acceptance", daughter, {"version": 1}), 404)
    assert agreement(desk, daughter).status_code == 200
    assert agreement(desk, desk.sharer).json["current"]["householder_accepted_at"] is None
    assert client.delete(link_url, headers=desk.coordinator.headers).status_code == 204
    assert_problem(agreement(desk, daughter), 404)
    assert client.get("/api/v1/me/represented", headers=daughter.headers).json["items"] == []
    kept = client.get(f"/api/v1/people/{desk.householder_person.id}/representatives",
                      headers=desk.coordinator.headers).json["items"]
    assert kept[0]["ended_at"] is not None
    assert_problem(client.patch(link_url, headers=desk.coordinator.headers, json={"scopes": EVERY_SCOPE}), 409,
                   "representation-ended")
    assert client.delete(link_url, headers=desk.coordinator.headers).status_code == 204  # again: no change


def test_a_representative_raises_concerns_for_the_person_but_never_sees_one_about_themselves(desk, client, daughter):
    raised = client.post("/api/v1/concerns", headers=daughter.headers, json={
        "match_id": desk.match_id, "category": "wellbeing", "severity": "medium",
        "description": "Mum sounds lonely in the evenings."})
    assert raised.status_code == 201, raised.json
    assert [(r["given_as"], r["person_id"]) for r in raised.json["on_behalf"]] == [
        ("proxy", desk.householder_person.id)]
    about_her = client.post("/api/v1/concerns", headers=desk.coordinator.headers, json={
        "person_id": daughter.person.id, "category": "safeguarding", "severity": "urgent",
        "description": "Pressing her mother to change her will."})
    assert about_her.status_code == 201, about_her.json
    mine = client.get("/api/v1/me/concerns", headers=daughter.headers).json["items"]
    assert [c["id"] for c in mine] == [raised.json["id"]]
    assert_problem(client.get(f"/api/v1/concerns/{about_her.json['id']}", headers=daughter.headers), 403)
    listed = client.get(f"/api/v1/schemes/{desk.scheme.id}/concerns", headers=desk.coordinator.headers).json["items"]
    assert {c["id"]: c["raised_by_role"] for c in listed}[raised.json["id"]] == "representative"
    # Only for someone they represent, and only with that scope.
    assert_problem(client.post("/api/v1/concerns", headers=daughter.headers, json={
        "person_id": desk.sharer_person.id, "category": "home", "severity": "low", "description": "Noise."}), 422)


def test_a_representative_who_receives_notifications_gets_a_copy_of_the_persons(app, desk, client, make, daughter):
    quiet = make.login(client, make.representative(desk.scheme, desk.householder_person, scopes=["see-match"]))
    with app.app_context():
        notify([Message(account_id=uuid.UUID(desk.householder_person.id), kind="checkin_due",
                        title="A check-in is due", body="Tell us how things are going.", dedupe_key="due:1")])
        notify([Message(account_id=uuid.UUID(desk.householder_person.id), kind="checkin_due",
                        title="A check-in is due", body="Tell us how things are going.", dedupe_key="due:1")])
        db.session.commit()
        db.session.remove()
    inbox = client.get("/api/v1/me/notifications", headers=daughter.headers).json["items"]
    assert [(n["kind"], n["data"]["for_person_id"]) for n in inbox] == [("checkin_due", desk.householder_person.id)]
    assert client.get("/api/v1/me/notifications", headers=quiet.headers).json["items"] == []
