"""A person may weigh several offers at once (proposals and introductions, up to the scheme's
``max_open_offers``), but lives in one match at most: starting a trial withdraws the other
offers of both its people ("matched elsewhere"), and two trials for one person at once let
exactly one through."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from homeshare.matching import service
from tests.helpers import assert_problem, at_once
from tests.matchdesk import Desk

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=timezone.utc)
INTRODUCTION = {"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Headingley library"}
TRIAL = {"start_on": "2027-01-04"}


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    return Desk(client, make, make.scheme())


def propose(desk, householder, sharer):
    return desk.client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                            json={"householder_id": householder.id, "sharer_id": sharer.id})


def proposed(desk, householder, sharer) -> str:
    response = propose(desk, householder, sharer)
    assert response.status_code == 201, response.json
    return response.json["id"]


def detail(desk, match_id):
    response = desk.client.get(f"/api/v1/matches/{match_id}", headers=desk.coordinator.headers)
    assert response.status_code == 200, response.json
    return response.json


def act(desk, match_id, action, session=None, body=None):
    return desk.client.post(f"/api/v1/matches/{match_id}/{action}", headers=(session or desk.coordinator).headers,
                            json=body)


def introduce(desk, match_id, householder, sharer):
    for session in (householder, sharer):
        assert act(desk, match_id, "response", session, {"decision": "accept"}).status_code == 200
    assert act(desk, match_id, "introduction", body=INTRODUCTION).status_code == 200


def total(desk):
    response = desk.client.get(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers)
    return response.json["pagination"]["total"]


def withdrawn_told(desk, session):
    response = desk.client.get("/api/v1/me/notifications?per_page=100", headers=session.headers)
    assert response.status_code == 200, response.json
    return [item["data"]["match_id"] for item in response.json["items"] if item["kind"] == "match_withdrawn"]


# The limit ------------------------------------------------------------------------------------------


def test_three_offers_at_once_and_the_fourth_is_refused(desk, make):
    householder = desk.householder_person
    desk.propose()
    desk.respond(desk.householder)
    desk.respond(desk.sharer)
    desk.ok("introduction", body=INTRODUCTION)  # an introduction counts as an offer too
    others = [proposed(desk, householder, make.ready("sharer", desk.scheme)) for _ in range(2)]
    problem = assert_problem(propose(desk, householder, make.ready("sharer", desk.scheme)), 409, "too-many-offers")
    assert problem["people"] == ["householder_id"] and problem["max_open_offers"] == 3
    assert total(desk) == 3  # nothing stored
    # The same on the sharer's side.
    sharer = make.ready("sharer", desk.scheme)
    for _ in range(3):
        proposed(desk, make.ready("householder", desk.scheme), sharer)
    problem = assert_problem(propose(desk, make.ready("householder", desk.scheme), sharer), 409, "too-many-offers")
    assert problem["people"] == ["sharer_id"]
    # Withdrawing one makes room.
    assert act(desk, others[0], "withdrawal", body={"reason": "Changed her mind."}).status_code == 200
    assert propose(desk, householder, make.ready("sharer", desk.scheme)).status_code == 201


def test_a_proposal_repeated_at_the_limit_still_answers_with_itself(desk, make):
    householder = desk.householder_person
    first = desk.propose()
    for _ in range(2):
        proposed(desk, householder, make.ready("sharer", desk.scheme))
    again = propose(desk, householder, desk.sharer_person)
    assert again.status_code == 200 and again.json["id"] == first["id"]


def test_the_scheme_sets_the_limit(desk, make):
    url = f"/api/v1/schemes/{desk.scheme.id}"
    assert desk.client.get(url, headers=desk.coordinator.headers).json["settings"]["max_open_offers"] == 3
    for bad in (0, 11, "2", 2.5, True, None):
        response = desk.client.patch(url, headers=desk.coordinator.headers, json={"settings": {"max_open_offers": bad}})
        assert_problem(response, 422, "validation-error")
    response = desk.client.patch(url, headers=desk.coordinator.headers, json={"settings": {"max_open_offers": 1}})
    assert response.status_code == 200, response.json
    desk.propose()
    assert_problem(propose(desk, desk.householder_person, make.ready("sharer", desk.scheme)), 409, "too-many-offers")


def test_a_person_in_a_live_match_gets_no_new_offer(desk, make):
    desk.to_trial()
    newcomer = make.ready("sharer", desk.scheme)
    problem = assert_problem(propose(desk, desk.householder_person, newcomer), 409, "already-matched")
    assert problem["people"] == ["householder_id"]
    problem = assert_problem(propose(desk, make.ready("householder", desk.scheme), desk.sharer_person), 409,
                             "already-matched")
    assert problem["people"] == ["sharer_id"]
    assert total(desk) == 1
    assert propose(desk, make.ready("householder", desk.scheme), newcomer).status_code == 201


def test_candidates_leave_out_people_at_the_limit_and_people_in_a_live_match(desk, make):
    desk.to_trial()  # the desk's householder lives with her sharer
    sharer = make.ready("sharer", desk.scheme)
    at_limit, with_two, free = (make.ready("householder", desk.scheme) for _ in range(3))
    for _ in range(3):
        proposed(desk, at_limit, make.ready("sharer", desk.scheme))
    for _ in range(2):
        proposed(desk, with_two, make.ready("sharer", desk.scheme))
    response = desk.client.get(f"/api/v1/people/{sharer.id}/candidates?per_page=100", headers=desk.coordinator.headers)
    assert response.status_code == 200, response.json
    assert {item["householder"]["person_id"] for item in response.json["items"]} == {with_two.id, free.id}


# Starting a trial ---------------------------------------------------------------------------------


def test_starting_a_trial_withdraws_both_peoples_other_offers_and_tells_each_once(app, desk, make):
    client, householder, sharer = desk.client, desk.householder_person, desk.sharer_person
    desk.to_introduction()
    sharer2, sharer3 = (make.login(client, make.ready("sharer", desk.scheme)) for _ in range(2))
    householder2 = make.login(client, make.ready("householder", desk.scheme))
    to_sharer2 = proposed(desk, householder, sharer2.person)
    to_sharer3 = proposed(desk, householder, sharer3.person)
    introduce(desk, to_sharer3, desk.householder, sharer3)
    from_householder2 = proposed(desk, householder2.person, sharer)
    unrelated = Desk(client, make, desk.scheme)
    unrelated.propose()

    started = desk.ok("trial", body=TRIAL)
    assert started["state"] == "trial"
    for match_id in (to_sharer2, to_sharer3, from_householder2):
        match = detail(desk, match_id)
        assert (match["state"], match["end_reason"]) == ("withdrawn", "matched elsewhere")
        withdrawals = [event for event in match["events"] if event["action"] == "withdraw"]
        assert [(event["to_state"], event["actor_id"]) for event in withdrawals] == [
            ("withdrawn", desk.coordinator.person.id)]
    assert detail(desk, unrelated.match_id)["state"] == "proposed"
    with app.app_context():  # audited as a coordinator's withdrawal
        audited = db.session.scalars(sa.select(AuditEvent.target_id).where(AuditEvent.action == "match.withdrawn")).all()
        assert {str(target) for target in audited} == {to_sharer2, to_sharer3, from_householder2}
        db.session.remove()

    def told():
        return {"sharer2": withdrawn_told(desk, sharer2), "sharer3": withdrawn_told(desk, sharer3),
                "householder2": withdrawn_told(desk, householder2),
                "householder": withdrawn_told(desk, desk.householder), "sharer": withdrawn_told(desk, desk.sharer),
                "coordinator": sorted(withdrawn_told(desk, desk.coordinator))}

    expected = {"sharer2": [to_sharer2], "sharer3": [to_sharer3], "householder2": [from_householder2],
                "householder": [], "sharer": [],
                "coordinator": sorted([to_sharer2, to_sharer3, from_householder2])}
    assert told() == expected
    assert desk.ok("trial", body=TRIAL)["state"] == "trial"  # the same request again: nothing new
    assert told() == expected
    # A withdrawn offer cannot start its trial: its refusal says why.
    problem = assert_problem(act(desk, to_sharer3, "trial", body=TRIAL), 409, "matched-elsewhere")
    assert problem["state"] == "withdrawn"


def test_two_trials_at_once_for_one_householder_let_exactly_one_through(app, desk, make):
    householder = desk.householder_person
    desk.to_introduction()
    other = make.login(desk.client, make.ready("sharer", desk.scheme))
    second = proposed(desk, householder, other.person)
    introduce(desk, second, desk.householder, other)
    matches = [desk.match_id, second]

    def attempt(match_id):
        def start():
            response = app.test_client().post(f"/api/v1/matches/{match_id}/trial", headers=desk.coordinator.headers,
                                              json=TRIAL)
            return match_id, response.status_code, response.json
        return start

    calls = iter(matches)
    results = at_once(lambda: attempt(next(calls))(), 2)
    assert sorted(status for _, status, _ in results) == [200, 409]
    won = next(match_id for match_id, status, _ in results if status == 200)
    lost, _, problem = next(result for result in results if result[1] == 409)
    # The second waits for the first, then finds its match withdrawn; were it to reach the
    # unique index instead, that is refused too (already-matched).
    assert problem["type"] in ("urn:homeshare:problem:matched-elsewhere", "urn:homeshare:problem:already-matched")
    assert detail(desk, won)["state"] == "trial"
    refused = detail(desk, lost)
    assert (refused["state"], refused["end_reason"]) == ("withdrawn", "matched elsewhere")
    assert "start_trial" not in [event["action"] for event in refused["events"]]


def test_the_database_refuses_a_second_live_match_when_the_check_misses_it(desk, make, monkeypatch):
    """The partial unique indexes are the last word: with the service's own check blinded, the
    second trial meets the index and is refused (409), nothing stored."""
    householder = desk.householder_person
    desk.to_introduction()
    other = make.login(desk.client, make.ready("sharer", desk.scheme))
    second = proposed(desk, householder, other.person)
    introduce(desk, second, desk.householder, other)
    desk.ok("trial", body=TRIAL)
    # Put the withdrawn introduction back, as a racing writer could have left it.
    with desk.client.application.app_context():
        db.session.execute(sa.text("UPDATE match SET state = 'introduction', end_reason = NULL WHERE id = :id")
                           .bindparams(sa.bindparam("id", value=uuid.UUID(second), type_=sa.Uuid())))
        db.session.commit()
        db.session.remove()
    monkeypatch.setattr(service, "LIVE_STATES", ())
    events = len(detail(desk, second)["events"])
    assert_problem(act(desk, second, "trial", body=TRIAL), 409, "already-matched")
    assert detail(desk, second)["state"] == "introduction"
    assert len(detail(desk, second)["events"]) == events


# Bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"householder_id": "nobody", "sharer_id": "nobody"}, {"householder_id": None}, {}, [], "x",
    {"householder_id": str(uuid.uuid4()), "sharer_id": str(uuid.uuid4()), "extra": 1},
])
def test_bad_proposals_are_refused_never_500(desk, body):
    response = desk.client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                                json=body)
    assert response.status_code in (400, 422), response.json


@pytest.mark.parametrize("body", [{}, {"start_on": "tomorrow"}, {"start_on": 20270104}, {"start_on": None}, []])
def test_bad_trials_are_refused_never_500(desk, body):
    desk.to_introduction()
    response = desk.post("trial", body=body)
    assert response.status_code in (400, 422), response.json
    assert desk.detail()["state"] == "introduction"
