"""Matches end with notice: given by either person (or a coordinator for them, or for the
scheme), shortened by a coordinator, withdrawn only by both people, and ended by the scheduler
once its last day has passed. A match in notice is live. Then exit feedback and rematches."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.matching import jobs, service
from homeshare.matching.models import Match, MatchState, TRANSITIONS, state_diagram
from homeshare.notifications.models import Notification
from homeshare.schemes.models import Scheme
from tests.helpers import PROJECT_ROOT, assert_problem
from tests.matchdesk import TERMS, Desk

NOW = datetime(2027, 2, 10, 12, 0, tzinfo=timezone.utc)  # London is on UTC in February
TODAY = date(2027, 2, 10)
BY_PHONE = {"how": "by-phone", "given_at": "2027-02-10T09:30:00+00:00"}
MOVING = "sharer-moved-for-work-or-study"


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    return Desk(client, make, make.scheme())


def give(desk, session=None, reason=MOVING, **extra):
    return desk.post("notice", session, {"reason": reason, **extra})


def step(match, action):
    found = [event for event in match["events"] if event["action"] == action]
    assert len(found) == 1, match["events"]
    return found[0]


def for_person(person, **extra):
    return {"on_behalf": {"person_id": person.id, **BY_PHONE, **extra}}


def notifications(desk, session, kind):
    response = desk.client.get("/api/v1/me/notifications?per_page=100", headers=session.headers)
    assert response.status_code == 200, response.json
    return [item for item in response.json["items"] if item["kind"] == kind]


def told(desk, kind):
    """How many notifications of ``kind`` each of the three got."""
    return {name: len(notifications(desk, getattr(desk, name), kind))
            for name in ("householder", "sharer", "coordinator") if getattr(desk, name) is not None}


def agree_to_behalf(desk, *people):
    for person in people:
        response = desk.client.put(f"/api/v1/people/{person.id}/behalf-agreement",
                                   headers=desk.coordinator.headers, json={"agreed_on": "2027-02-01"})
        assert response.status_code == 200, response.json


def tick(app, now):
    with app.app_context():
        created = run_all(now)
        db.session.remove()
    return created


# Giving notice -----------------------------------------------------------------------------------


def test_the_sharer_gives_notice_and_the_others_are_told_once(desk):
    desk.to_active()  # the agreement's notice_days: 7
    body = give(desk, desk.sharer, comment="I got a job in Leeds.")
    assert body.status_code == 200, body.json
    match = body.json
    assert match["state"] == "notice" and "give_notice" not in match["allowed_transitions"]
    assert match["notice"] == {"given_by": "sharer", "reason": MOVING, "comment": "I got a job in Leeds.",
                               "given_on": "2027-02-10", "last_day": "2027-02-17", "withdrawal_agreed_by": []}
    # (The clock stands still in these tests: steps are found by action, not by position.)
    assert step(match, "give_notice")["details"] == {"given_by": "sharer", "reason_code": MOVING, "notice_days": 7,
                                              "given_on": "2027-02-10", "last_day": "2027-02-17"}
    own = desk.own(desk.householder)
    assert own["state"] == "notice" and "comment" not in own["notice"]
    assert own["notice"]["last_day"] == "2027-02-17" and "2027-02-17" in own["next_step"]
    assert told(desk, "notice_given") == {"householder": 1, "sharer": 0, "coordinator": 1}

    again = give(desk, desk.sharer, comment="I got a job in Leeds.")
    assert again.status_code == 200 and again.json["notice"] == match["notice"]
    assert len(desk.detail()["events"]) == len(match["events"])
    assert told(desk, "notice_given") == {"householder": 1, "sharer": 0, "coordinator": 1}
    # The comment is the person's words: the audit trail keeps the facts only.
    trail = desk.client.get(f"/api/v1/schemes/{desk.scheme.id}/audit?action=match.notice_given",
                            headers=desk.coordinator.headers)
    assert trail.status_code == 200 and trail.json["items"]
    assert "Leeds" not in trail.get_data(as_text=True)
    assert trail.json["items"][0]["after"]["reason"] == MOVING


def test_the_householder_gives_notice_in_the_trial_by_the_agreements_trial_notice(desk):
    desk.to_trial()
    desk.agree({**TERMS, "trial_notice_days": 10})
    for session in (desk.householder, desk.sharer):
        assert desk.accept_agreement(session, 1).status_code == 200
    match = give(desk, desk.householder, "householder-health-changed").json
    assert (match["notice"]["given_by"], match["notice"]["last_day"]) == ("householder", "2027-02-20")
    assert told(desk, "notice_given") == {"householder": 0, "sharer": 1, "coordinator": 1}


def test_without_an_accepted_agreement_a_trial_owes_7_days(desk):
    desk.to_trial()
    desk.agree()  # drafted, not accepted: the defaults hold
    assert give(desk, desk.sharer).json["notice"]["last_day"] == "2027-02-17"


def test_an_agreement_without_notice_days_owes_28_once_active(desk):
    terms = {name: value for name, value in TERMS.items() if name != "notice_days"}
    desk.to_active(terms=terms)
    agreement = desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.sharer.headers).json
    assert (agreement["current"]["notice_days"], agreement["current"]["trial_notice_days"]) == (28, 7)
    assert give(desk, desk.householder, "householder-moved-to-care").json["notice"]["last_day"] == "2027-03-10"


def test_the_last_day_counts_from_today_in_the_schemes_time_zone(client, make, clock):
    clock.set(NOW)  # 01:00 on 11 February in Auckland
    desk = Desk(client, make, make.scheme(timezone="Pacific/Auckland"))
    desk.to_active()
    notice = give(desk, desk.sharer).json["notice"]
    assert (notice["given_on"], notice["last_day"]) == ("2027-02-11", "2027-02-18")


def test_a_coordinator_records_the_notice_of_a_householder_without_a_login(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme(), householder_without_login=True)
    householder = desk.householder_person
    desk.propose()
    desk.ok("response", body={"decision": "accept", **for_person(householder)})
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-01-02T14:00:00+00:00", "place": "Her kitchen"})
    desk.ok("trial", body={"start_on": "2027-01-04"})
    desk.agree()
    assert desk.post("agreement/acceptance", body={"version": 1, **for_person(householder)}).status_code == 200
    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    desk.review()

    match = give(desk, reason="householder-moved-to-care", **for_person(householder)).json
    assert match["notice"]["given_by"] == "householder"
    done = [item for item in match["on_behalf"] if item["action"] == "match.notice_given"]
    assert len(done) == 1 and (done[0]["given_as"], done[0]["how"], done[0]["person_id"]) == (
        "on-behalf", "by-phone", householder.id)
    assert told(desk, "notice_given") == {"sharer": 1, "coordinator": 1}


def test_a_coordinator_gives_the_schemes_notice_and_both_people_are_told(desk):
    desk.to_active()
    match = give(desk, reason="scheme-ended", comment="The scheme closes in March.").json
    assert match["notice"]["given_by"] == "scheme" and match["on_behalf"] == []
    assert told(desk, "notice_given") == {"householder": 1, "sharer": 1, "coordinator": 1}


@pytest.mark.parametrize("state", ["proposed", "introduction", "ended", "withdrawn", "declined"])
def test_notice_on_a_match_not_in_its_trial_or_active_is_refused_and_nothing_stored(desk, state):
    getattr(desk, f"to_{state}")()
    before = desk.detail()
    session = desk.sharer if state != "withdrawn" else desk.householder
    problem = assert_problem(give(desk, session), 409)
    assert problem["state"] == state and "give_notice" not in problem["allowed_transitions"]
    assert desk.detail() == before
    assert told(desk, "notice_given") == {"householder": 0, "sharer": 0, "coordinator": 0}


def test_bad_requests_are_refused_with_4xx_and_nothing_stored(desk):
    desk.to_active()
    before = desk.detail()
    for body, field in (({"reason": "bored"}, "reason"), ({}, "reason"),
                        ({"reason": MOVING, "comment": 12}, "comment"),
                        ({"reason": MOVING, "surprise": True}, "surprise")):
        problem = assert_problem(desk.post("notice", desk.sharer, body), 422, "validation-error")
        assert field in problem["errors"], problem
    # A person answers for themselves; a coordinator names a person of the match.
    assert_problem(give(desk, desk.sharer, **for_person(desk.sharer_person)), 422, "validation-error")
    stranger = {"on_behalf": {"person_id": str(uuid.uuid4()), **BY_PHONE}}
    assert_problem(give(desk, **stranger), 422, "validation-error")
    # The sharer has the app and never agreed that the coordinator answers for them.
    assert_problem(give(desk, **for_person(desk.sharer_person)), 409, "not-acted-for")
    assert desk.detail() == before


def test_a_second_different_notice_is_refused_while_one_runs(desk):
    desk.to_notice()
    before = desk.detail()
    problem = assert_problem(give(desk, desk.householder, "relationship-broke-down"), 409, "notice-already-given")
    assert problem["state"] == "notice" and set(problem["allowed_transitions"]) == {"shorten_notice", "end"}
    assert desk.detail() == before


# Shortening --------------------------------------------------------------------------------------


def test_a_coordinator_shortens_the_notice_within_its_bounds(desk):
    desk.to_notice()  # last day 2027-02-17
    for last_day in ("2027-02-09", "2027-02-18"):
        problem = assert_problem(desk.post("notice/shortening", body={"last_day": last_day, "reason": "Sooner."}),
                                 422, "validation-error")
        assert "last_day" in problem["errors"]
    assert_problem(desk.post("notice/shortening", desk.sharer, {"last_day": "2027-02-12", "reason": "x"}), 403)
    match = desk.ok("notice/shortening", body={"last_day": "2027-02-12", "reason": "A room came up sooner."})
    assert match["notice"]["last_day"] == "2027-02-12"
    assert step(match, "shorten_notice")["details"] == {"last_day": "2027-02-12", "shortened_from": "2027-02-17",
                                                        "reason": "A room came up sooner."}
    events = len(match["events"])
    assert len(desk.ok("notice/shortening", body={"last_day": "2027-02-12", "reason": "Again."})["events"]) == events
    # Today itself is allowed: the match ends once today has passed.
    assert desk.ok("notice/shortening", body={"last_day": "2027-02-10", "reason": "Today."})["notice"][
        "last_day"] == "2027-02-10"
    assert told(desk, "notice_shortened") == {"householder": 2, "sharer": 2, "coordinator": 2}


def test_shortening_without_a_notice_is_refused(desk):
    desk.to_active()
    problem = assert_problem(desk.post("notice/shortening", body={"last_day": "2027-02-12", "reason": "x"}), 409)
    assert problem["state"] == "active" and "give_notice" in problem["allowed_transitions"]


# Withdrawal --------------------------------------------------------------------------------------


def test_withdrawing_the_notice_needs_both_people(desk):
    desk.to_notice()
    match = desk.ok("notice/withdrawal", desk.householder, {})
    assert match["state"] == "notice" and match["notice"]["withdrawal_agreed_by"] == ["householder"]
    assert "would like to carry on" in desk.own(desk.sharer)["next_step"]
    events = len(desk.ok("notice/withdrawal", desk.householder, {})["events"])  # the same again: nothing new
    assert len(desk.detail()["events"]) == events
    assert told(desk, "notice_withdrawn") == {"householder": 0, "sharer": 0, "coordinator": 0}

    match = desk.ok("notice/withdrawal", desk.sharer, {})
    assert match["state"] == "active" and match["notice"] is None
    actions = [event["action"] for event in match["events"]]
    assert actions.count("agree_to_withdraw_notice") == 2 and actions.count("give_notice") == 1
    assert step(match, "resume_active")["details"]["reason_code"] == MOVING
    assert told(desk, "notice_withdrawn") == {"householder": 1, "sharer": 1, "coordinator": 1}
    # Withdrawn, it can be given again, and withdrawing without one is refused.
    assert_problem(desk.post("notice/withdrawal", desk.sharer, {}), 409, "no-notice")
    assert give(desk, desk.householder, "householder-health-changed").json["notice"]["withdrawal_agreed_by"] == []


def test_a_withdrawn_notice_returns_a_trial_to_its_trial(desk):
    desk.to_trial()
    give(desk, desk.sharer)
    desk.ok("notice/withdrawal", desk.sharer, {})
    assert desk.ok("notice/withdrawal", desk.householder, {})["state"] == "trial"


def test_one_coordinator_does_not_agree_to_withdraw_for_both_people(desk, client, make):
    desk.to_notice()
    agree_to_behalf(desk, desk.householder_person, desk.sharer_person)
    desk.ok("notice/withdrawal", body=for_person(desk.householder_person))
    assert_problem(desk.post("notice/withdrawal", body=for_person(desk.sharer_person)), 409, "both-sides")
    assert desk.detail()["state"] == "notice"
    other = make.login(client, make.coordinator(desk.scheme))
    assert desk.ok("notice/withdrawal", other, for_person(desk.sharer_person))["state"] == "active"


# The scheduler -----------------------------------------------------------------------------------


def test_the_scheduler_ends_the_match_once_after_its_last_day(app, desk):
    desk.to_notice()  # last day 2027-02-17
    tick(app, datetime(2027, 2, 17, 23, 30, tzinfo=timezone.utc))
    assert desk.detail()["state"] == "notice"  # still its last day in London
    tick(app, datetime(2027, 2, 18, 0, 30, tzinfo=timezone.utc))
    match = desk.detail()
    assert (match["state"], match["ended_on"], match["ended_by"], match["end_reason_code"], match["end_reason"]) == (
        "ended", "2027-02-17", "sharer", MOVING, MOVING)
    assert match["notice_given_days"] == 7 and match["notice"] is None
    assert step(match, "notice_runs_out")["actor_id"] is None
    tick(app, datetime(2027, 2, 18, 0, 31, tzinfo=timezone.utc))
    with app.app_context():  # the job itself, twice more
        scheme = db.session.get(Scheme, uuid.UUID(desk.scheme.id))
        for _ in range(2):
            assert jobs.notice_endings(scheme, [], datetime(2027, 2, 19, tzinfo=timezone.utc)) == []
        db.session.commit()
        db.session.remove()
    assert len(desk.detail()["events"]) == len(match["events"])
    assert told(desk, "match_ended") == {"householder": 1, "sharer": 1, "coordinator": 1}


def test_a_coordinator_still_ends_a_match_at_once_from_its_notice(desk):
    desk.to_notice()
    match = desk.ok("ending", body={"ended_by": "sharer", "reason": "Left early.", "notice_given_days": 2,
                                    "end_on": "2027-02-12"})
    assert (match["state"], match["end_reason_code"]) == ("ended", MOVING)


def test_the_last_day_rule_at_its_edges(app, desk):
    # The day given is the scheme's local day, whatever the hour in UTC.
    london = "Europe/London"
    assert service.notice_period(datetime(2027, 6, 30, 23, 30, tzinfo=timezone.utc), london, 7) == (
        date(2027, 7, 1), date(2027, 7, 8))  # British Summer Time: already 1 July
    assert service.notice_period(datetime(2027, 1, 31, 23, 30, tzinfo=timezone.utc), london, 28) == (
        date(2027, 1, 31), date(2027, 2, 28))
    assert service.notice_period(datetime(2027, 3, 28, 0, 30, tzinfo=timezone.utc), london, 0) == (
        date(2027, 3, 28), date(2027, 3, 28))  # the night the clocks go forward; no notice at all
    desk.to_notice()
    with app.app_context():
        scheme = db.session.get(Scheme, uuid.UUID(desk.scheme.id))
        # On its last day nothing ends, up to the last second of it.
        assert service.notices_run_out(scheme, datetime(2027, 2, 17, 23, 59, 59, tzinfo=timezone.utc)) == []
        assert db.session.get(Match, uuid.UUID(desk.match_id)).state is MatchState.NOTICE
        # The first moment after it, it ends: both people and the coordinators named are told.
        coordinator = uuid.UUID(desk.coordinator.person.id)
        messages = service.notices_run_out(scheme, datetime(2027, 2, 18, tzinfo=timezone.utc), [coordinator])
        assert {message.account_id for message in messages} == {
            uuid.UUID(desk.householder_person.id), uuid.UUID(desk.sharer_person.id), coordinator}
        assert len({message.dedupe_key for message in messages}) == 3
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        assert (match.state, match.ended_on) == (MatchState.ENDED, date(2027, 2, 17))
        assert service.run_out_notice(match, now=datetime(2027, 2, 18, tzinfo=timezone.utc)) == []
        db.session.commit()
        db.session.remove()


# A match in notice is live -----------------------------------------------------------------------


def test_a_match_in_notice_is_still_live(desk, make):
    desk.to_active(start_on="2027-01-04")
    give(desk, desk.householder, "householder-moved-to-care")
    listed = desk.client.get(f"/api/v1/schemes/{desk.scheme.id}/matches?state=notice",
                             headers=desk.coordinator.headers).json["items"]
    assert [item["id"] for item in listed] == [desk.match_id]
    other = desk.client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                             json={"householder_id": desk.householder_person.id,
                                   "sharer_id": make.ready("sharer", desk.scheme).id})
    assert_problem(other, 409, "already-matched")
    # Hours are still logged and confirmed, and check-ins answered.
    entry = desk.client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=desk.sharer.headers,
                            json={"worked_on": "2027-02-09", "minutes": 60, "task": "cooking"})
    assert entry.status_code == 201, entry.json
    assert desk.post("hours/confirmation", desk.householder, {"entry_ids": [entry.json["id"]]}).status_code == 200
    checkins = desk.client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers)
    checkin = checkins.json["items"][0]["id"]
    answered = desk.client.put(f"/api/v1/matches/{desk.match_id}/checkins/{checkin}/answer",
                               headers=desk.sharer.headers,
                               json={"wellbeing": 4, "match_going": 3, "help_happening": True})
    assert answered.status_code == 200, answered.json
    # Activation is not a way out of notice.
    problem = assert_problem(desk.post("activation"), 409)
    assert problem["state"] == "notice"


# Exit feedback -----------------------------------------------------------------------------------


def feedback(desk, session, **body):
    return desk.client.put(f"/api/v1/matches/{desk.match_id}/exit-feedback", headers=session.headers,
                           json={"would_homeshare_again": True, "scheme_support": 4, **body})


def test_exit_feedback_per_side_once_the_match_is_ending(app, desk):
    desk.to_active()
    assert_problem(feedback(desk, desk.sharer), 409, "not-ending")
    give(desk, desk.sharer)
    first = feedback(desk, desk.householder, comment="Lovely young man.")
    assert first.status_code == 201, first.json
    assert first.json["side"] == "householder" and first.json["comment"] == "Lovely young man."
    assert feedback(desk, desk.householder, comment="Lovely young man.").status_code == 200  # unchanged
    replaced = feedback(desk, desk.householder, would_homeshare_again=False, scheme_support=2)
    assert replaced.status_code == 200 and replaced.json["comment"] is None and replaced.json["scheme_support"] == 2
    assert_problem(feedback(desk, desk.sharer, scheme_support=6), 422, "validation-error")
    # The sharer has the app and has not agreed that the coordinator answers for them.
    assert_problem(feedback(desk, desk.coordinator, **for_person(desk.sharer_person)), 409, "not-acted-for")
    assert_problem(feedback(desk, desk.coordinator), 422, "validation-error")  # for whom?
    tick(app, datetime(2027, 2, 18, 1, tzinfo=timezone.utc))  # ended: feedback is still welcome
    assert feedback(desk, desk.sharer, comment="Thanks to the team.").status_code == 201

    assert desk.own(desk.sharer)["exit_feedback"]["comment"] == "Thanks to the team."
    assert desk.own(desk.householder)["exit_feedback"]["would_homeshare_again"] is False
    both = desk.detail()["exit_feedback"]
    assert [(item["side"], item["scheme_support"]) for item in both] == [("householder", 2), ("sharer", 4)]


def test_a_coordinator_records_exit_feedback_for_a_person(desk):
    desk.to_notice()
    agree_to_behalf(desk, desk.householder_person)
    response = feedback(desk, desk.coordinator, **for_person(desk.householder_person))
    assert response.status_code == 201, response.json
    assert response.json["side"] == "householder"
    assert any(item["action"] == "match.exit_feedback_given" for item in desk.detail()["on_behalf"])


# Rematch -----------------------------------------------------------------------------------------


def test_a_rematch_names_the_match_it_follows(desk, client, make):
    desk.to_notice()
    live = desk.match_id
    newcomer = make.ready("sharer", desk.scheme).id

    def propose(follows):
        return client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                           json={"householder_id": make.ready("householder", desk.scheme).id,
                                 "sharer_id": newcomer, "follows_match_id": follows})

    other_scheme = Desk(client, make, make.scheme())
    other_scheme.to_withdrawn()
    for follows in (live, str(uuid.uuid4()), other_scheme.match_id):  # live, unknown, another scheme's
        problem = assert_problem(propose(follows), 422, "validation-error")
        assert "follows_match_id" in problem["errors"]
    desk.ok("ending", body={"ended_by": "sharer", "reason": "Moved.", "notice_given_days": 7,
                            "end_on": "2027-02-17"})
    # Ended, but sharing nobody with the new pair.
    assert_problem(propose(live), 422, "validation-error")
    rematch = client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                          json={"householder_id": desk.householder_person.id, "sharer_id": newcomer,
                                "follows_match_id": live})
    assert rematch.status_code == 201, rematch.json
    assert rematch.json["follows_match_id"] == live
    assert desk.detail()["follows_match_id"] is None


# Measures ----------------------------------------------------------------------------------------


def test_measures_count_endings_by_reason_and_notice_as_live(app, client, make, clock):
    clock.set(NOW)
    scheme = make.scheme()
    by_notice, at_once, running = (Desk(client, make, scheme) for _ in range(3))
    by_notice.to_notice()
    at_once.to_ended()  # ended by a coordinator on 30 September, with a free-text reason only: "other"
    running.to_active()

    def matches(coordinator=by_notice.coordinator):
        response = client.get(f"/api/v1/schemes/{scheme.id}/measures?from=2027-01-01&to=2027-12-31",
                              headers=coordinator.headers)
        assert response.status_code == 200, response.json
        return response.json["matches"]

    assert matches()["live_now"] == 2  # the one in notice and the active one
    tick(app, datetime(2027, 2, 18, 1, tzinfo=timezone.utc))
    clock.set(datetime(2027, 2, 18, 12, tzinfo=timezone.utc))
    found = matches()  # the notice has ended; the coordinator's recorded end is still to come
    assert found["ended_by_reason"] == {MOVING: 1} and found["ended"] == 1
    clock.set(datetime(2027, 10, 1, 12, tzinfo=timezone.utc))
    found = matches(make.login(client, by_notice.coordinator.person))
    assert found["ended_by_reason"] == {MOVING: 1, "other": 1}
    assert found["live_now"] == 1 and found["ended"] == 2


# The diagram in the docs -------------------------------------------------------------------------


def test_the_api_guide_shows_the_state_machine_as_it_is():
    guide = (PROJECT_ROOT / "docs" / "api-guide.md").read_text()
    assert f"```mermaid\n{state_diagram()}```" in guide, (
        "docs/api-guide.md's match state diagram is stale: paste homeshare.matching.models.state_diagram()")
    for state, actions in TRANSITIONS.items():
        for action, target in actions.items():
            assert f"{state.value} --> {target.value}: {action}" in state_diagram()
