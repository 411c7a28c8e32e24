"""A coordinator records the answers of a person who gives them in person, by phone or on paper:
every record says so, and the refusals hold."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.audit.models import AuditEvent
from homeshare.behalf import service as behalf
from homeshare.behalf.models import BehalfRecord, GivenAs, How, Scope
from homeshare.common.roles import Role
from homeshare.errors import Conflict, Forbidden, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import Match
from tests.helpers import assert_problem
from tests.matchdesk import Desk

NOW = datetime(2027, 2, 10, 12, 0, tzinfo=timezone.utc)
BY_PHONE = {"how": "by-phone", "given_at": "2027-02-10T09:30:00+00:00"}


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    return Desk(client, make, make.scheme(), householder_without_login=True)


def for_householder(desk, **extra):
    return {"on_behalf": {"person_id": desk.householder_person.id, **BY_PHONE, **extra}}


def for_sharer(desk):
    return {"on_behalf": {"person_id": desk.sharer_person.id, **BY_PHONE}}


def to_active(desk):
    """The whole match with the householder's answers recorded by her coordinator."""
    desk.propose()
    desk.ok("response", body={"decision": "accept", **for_householder(desk)})
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-01-20T14:00:00+00:00", "place": "Her kitchen"})
    desk.ok("trial", body={"start_on": "2027-01-04"})
    desk.agree()
    accepted = desk.post("agreement/acceptance", body={"version": 1, **for_householder(desk)})
    assert accepted.status_code == 200, accepted.json
    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    desk.review()


def test_a_householder_without_the_app_reaches_an_active_match_through_her_coordinator(desk):
    to_active(desk)
    detail = desk.detail()
    assert detail["state"] == "active" and detail["householder_response"] == "accepted"
    response_record, = detail["on_behalf"]
    assert response_record == {
        "action": "match.responded", "person_id": desk.householder_person.id, "side": "householder",
        "given_as": "on-behalf", "how": "by-phone", "given_at": "2027-02-10T09:30:00+00:00",
        "recorded_by_id": desk.coordinator.person.id, "recorded_at": "2027-02-10T12:00:00+00:00"}
    agreement = desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.sharer.headers).json
    acceptance, = agreement["current"]["on_behalf"]
    assert (acceptance["action"], acceptance["side"], acceptance["how"]) == (
        "agreement.accepted", "householder", "by-phone")
    assert agreement["current"]["householder_accepted_at"] is not None
    # The sharer's own answers were given by the sharer: nothing says otherwise.
    assert desk.own(desk.sharer)["on_behalf"] == []


def test_the_audit_trail_says_who_recorded_what_for_whom_and_how(app, desk):
    to_active(desk)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "behalf.recorded")
                                    .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
        recorded = [(str(e.actor_id), e.after["action"], e.after["person_id"], e.after["how"], e.after["given_as"])
                    for e in events]
        db.session.remove()
    coordinator, householder = desk.coordinator.person.id, desk.householder_person.id
    assert sorted(recorded) == sorted([(coordinator, "match.responded", householder, "by-phone", "on-behalf"),
                                       (coordinator, "agreement.accepted", householder, "by-phone", "on-behalf"),
                                       (coordinator, "match.trial_review_view_given", householder, "by-phone",
                                        "on-behalf")])


def test_a_check_in_answered_on_the_phone_is_marked_and_still_alerts(desk, client):
    to_active(desk)
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    url = f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/answer"
    answer = {"wellbeing": 2, "match_going": 4, "help_happening": True}
    response = client.put(url, headers=desk.coordinator.headers, json={**answer, **for_householder(desk)})
    assert response.status_code == 200, response.json
    assert response.json["side"] == "householder" and response.json["given_as"] == "on-behalf"
    assert response.json["on_behalf"][0]["how"] == "by-phone"
    listed = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json
    householder_answer = next(a for a in listed["items"][0]["answers"] if a["side"] == "householder")
    assert householder_answer["given_as"] == "on-behalf"
    alerts = client.get("/api/v1/me/notifications", headers=desk.coordinator.headers).json["items"]
    assert [n["kind"] for n in alerts] == ["checkin_alert"]
    # The sharer answers for himself: marked as his own.
    own = client.put(url, headers=desk.sharer.headers, json={"wellbeing": 5, "match_going": 5, "help_happening": True})
    assert own.json["given_as"] == "self" and own.json["on_behalf"] == []


def test_hours_logged_for_the_sharer_are_not_confirmed_for_the_householder_by_the_same_coordinator(desk, client, make):
    to_active(desk)
    client.put(f"/api/v1/people/{desk.sharer_person.id}/behalf-agreement", headers=desk.coordinator.headers,
               json={"agreed_on": "2027-02-01"})  # he reports his hours by phone
    entry = str(uuid.uuid4())
    logged = client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=desk.coordinator.headers, json={
        "worked_on": "2027-02-08", "minutes": 90, "task": "cooking", **for_sharer(desk)})
    assert logged.status_code == 201, logged.json
    assert logged.json["on_behalf"][0]["action"] == "hours.logged"
    again = client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=desk.coordinator.headers, json={
        "worked_on": "2027-02-08", "minutes": 90, "task": "cooking", **for_sharer(desk)})
    assert again.status_code == 200  # a repeat stores nothing more
    confirm = {"entry_ids": [entry], **for_householder(desk)}
    assert_problem(desk.post("hours/confirmation", body=confirm), 409, "both-sides")
    assert_problem(desk.post(f"hours/{entry}/dispute", body={"reason": "No", **for_householder(desk)}), 409,
                   "both-sides")
    # Another coordinator of the scheme may record the householder's confirmation.
    colleague = make.login(client, make.coordinator(desk.scheme))
    confirmed = desk.post("hours/confirmation", colleague, confirm)
    assert confirmed.status_code == 200, confirmed.json
    steps = [(r["action"], r["side"]) for r in confirmed.json["confirmed"][0]["on_behalf"]]
    assert sorted(steps) == [("hours.confirmed", "householder"), ("hours.logged", "sharer")]  # one clock tick
    entries = client.get(f"/api/v1/matches/{desk.match_id}/hours", headers=desk.sharer.headers).json
    assert entries["items"][0]["status"] == "confirmed" and len(entries["items"][0]["on_behalf"]) == 2


def test_one_coordinator_does_not_answer_a_proposal_for_both_sides(client, make, clock):
    clock.set(NOW)
    scheme = make.scheme()
    desk = Desk(client, make, scheme, householder_without_login=True)
    desk.sharer_person = make.without_login("sharer", scheme)
    desk.propose()
    desk.ok("response", body={"decision": "accept", **for_householder(desk)})
    assert_problem(desk.post("response", body={"decision": "accept", **for_sharer(desk)}), 409, "both-sides")
    assert desk.detail()["sharer_response"] is None


def test_a_person_with_the_app_is_answered_for_only_once_they_agreed(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.propose()
    body = {"decision": "accept", **for_householder(desk)}
    assert_problem(desk.post("response", body=body), 409, "not-acted-for")
    assert desk.detail()["householder_response"] is None
    url = f"/api/v1/people/{desk.householder_person.id}/behalf-agreement"
    agreed = client.put(url, headers=desk.coordinator.headers, json={"agreed_on": "2027-02-01"})
    assert agreed.json == {"person_id": desk.householder_person.id, "has_login": True,
                           "behalf_agreed_on": "2027-02-01", "may_be_acted_for": True}
    assert desk.post("response", body=body).status_code == 200
    withdrawn = client.put(url, headers=desk.coordinator.headers, json={"agreed_on": None})
    assert withdrawn.json["may_be_acted_for"] is False
    assert_problem(desk.post("response", body={"decision": "accept", **for_sharer(desk)}), 409, "not-acted-for")


@pytest.mark.parametrize(("change", "field"), [
    ({"how": None}, "how"),
    ({"given_at": None}, "given_at"),
    ({"given_at": "2027-02-11T09:00:00+00:00"}, "given_at"),  # tomorrow
    ({"person_id": None}, "person_id"),
])
def test_a_coordinator_says_whose_view_it_is_how_and_when(desk, change, field):
    desk.propose()
    on_behalf = {k: v for k, v in {"person_id": desk.householder_person.id, **BY_PHONE, **change}.items()
                 if v is not None}
    body = assert_problem(desk.post("response", body={"decision": "accept", "on_behalf": on_behalf}), 422,
                          "validation-error")
    assert field in body["errors"]["on_behalf"], body
    assert desk.detail()["householder_response"] is None


def test_bad_on_behalf_values_are_refused_without_change(desk):
    desk.propose()
    for bad in ({"person_id": "not-a-uuid", **BY_PHONE}, {"person_id": desk.householder_person.id, "how": "telepathy",
                                                          "given_at": BY_PHONE["given_at"]},
                "by phone", {"person_id": str(uuid.uuid4()), **BY_PHONE}):
        assert_problem(desk.post("response", body={"decision": "accept", "on_behalf": bad}), 422)
    assert_problem(desk.post("response", desk.sharer, {"decision": "accept", **for_sharer(desk)}), 422)
    assert desk.detail()["householder_response"] is None and desk.detail()["on_behalf"] == []


def test_another_schemes_coordinator_cannot_answer_for_anyone(desk, client, make):
    desk.propose()
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(desk.post("response", outsider, {"decision": "accept", **for_householder(desk)}), 404)
    assert desk.detail()["householder_response"] is None


# The rules, called directly ------------------------------------------------------------------------


@pytest.fixture
def proposed(app, desk):
    """The proposed match, read in an application context that lasts the test."""
    desk.propose()
    with app.app_context():
        yield db.session.get(Match, uuid.UUID(desk.match_id))
        db.session.remove()


def _account(person):
    return db.session.get(Account, uuid.UUID(person.id))


def test_answerer_rules(desk, proposed):
    match = proposed
    coordinator, householder, sharer = (_account(desk.coordinator.person), _account(desk.householder_person),
                                        _account(desk.sharer_person))
    own = behalf.answerer(sharer, match, on_behalf=None, scope=None)
    assert (own.side, own.given_as, own.person_id, own.for_someone) == ("sharer", GivenAs.SELF, sharer.id, False)
    with pytest.raises(Forbidden):  # confirming hours is the householder's
        behalf.answerer(sharer, match, on_behalf=None, scope=None, sides=("householder",))
    given = NOW - timedelta(hours=1)
    recorded = behalf.answerer(coordinator, match, scope=None,
                               on_behalf={"person_id": householder.id, "how": How.ON_PAPER, "given_at": given})
    assert (recorded.side, recorded.given_as, recorded.how, recorded.given_at) == (
        "householder", GivenAs.ON_BEHALF, How.ON_PAPER, given)
    with pytest.raises(ValidationFailed):  # the sharer is not the side this step belongs to
        behalf.answerer(coordinator, match, scope=None, sides=("householder",),
                        on_behalf={"person_id": sharer.id, "how": How.ON_PAPER, "given_at": given})
    with pytest.raises(Conflict):  # the sharer has the app and did not agree
        behalf.answerer(coordinator, match, scope=None,
                        on_behalf={"person_id": sharer.id, "how": How.ON_PAPER, "given_at": given})
    with pytest.raises(Forbidden):  # a step representatives may not take
        behalf.answerer(Account(role=Role.REPRESENTATIVE), match, on_behalf=None, scope=None)
    with pytest.raises(Forbidden):  # a representative of nobody in this match
        behalf.answerer(Account(id=uuid.uuid4(), role=Role.REPRESENTATIVE), match, on_behalf=None,
                        scope=Scope.ANSWER_CHECKINS)


def test_records_are_kept_only_when_done_for_someone(desk, proposed):
    match = proposed
    sharer, householder, coordinator = (_account(desk.sharer_person), _account(desk.householder_person),
                                        _account(desk.coordinator.person))
    own = behalf.answerer(sharer, match, on_behalf=None, scope=None)
    behalf.record(own, scheme_id=match.scheme_id, action="x.done", target_type="match", target_id=match.id)
    recorded = behalf.answerer(coordinator, match, scope=None, on_behalf={
        "person_id": householder.id, "how": How.IN_PERSON, "given_at": NOW})
    behalf.record(recorded, scheme_id=match.scheme_id, action="x.done", target_type="match", target_id=match.id)
    db.session.flush()
    rows = db.session.scalars(sa.select(BehalfRecord)).all()
    assert [(r.person_id, r.side, r.how) for r in rows] == [(householder.id, "householder", How.IN_PERSON)]
    # The same coordinator, the other side of the same decision: refused; another decision: fine.
    for_sharer_too = behalf.Answerer(actor=coordinator, person_id=sharer.id, side="sharer",
                                     given_as=GivenAs.ON_BEHALF, how=How.IN_PERSON, given_at=NOW)
    with pytest.raises(Conflict):
        behalf.refuse_both_sides(for_sharer_too, actions=["x.done"], target_type="match", target_ids=[match.id])
    behalf.refuse_both_sides(for_sharer_too, actions=["y.done"], target_type="match", target_ids=[match.id])
    behalf.refuse_both_sides(recorded, actions=["x.done"], target_type="match", target_ids=[match.id])
    behalf.refuse_both_sides(own, actions=["x.done"], target_type="match", target_ids=[match.id])
    db.session.rollback()
