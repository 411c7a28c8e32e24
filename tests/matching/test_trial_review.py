"""The trial review: each side's view, the coordinator's decision, and activation waiting on it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.behalf.models import BehalfRecord
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.checkins.service import replan_schedule
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.matching import reviews
from homeshare.matching.models import Match, TrialDecision, TrialReview, TrialReviewView, TrialView
from homeshare.schemes.models import Scheme
from tests.helpers import assert_problem, at_once
from tests.matchdesk import Desk

REVIEW = "/api/v1/matches/{}/trial-review"
OWN = "/api/v1/me/matches/{}/trial-review"


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 1, 25, 12, 0, tzinfo=timezone.utc))  # the trial runs 2027-01-04 to 2027-02-01
    return Desk(client, make, make.scheme())


@pytest.fixture
def agreed(desk):
    """A match in its trial whose agreement both sides accepted."""
    desk.to_trial()
    desk.agree()
    for session in (desk.householder, desk.sharer):
        assert desk.accept_agreement(session, 1).status_code == 200
    return desk


def stored(app, model):
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
    return count


def review(desk):
    response = desk.client.get(REVIEW.format(desk.match_id), headers=desk.coordinator.headers)
    assert response.status_code == 200, response.json
    return response.json


def own(desk, session):
    response = desk.client.get(OWN.format(desk.match_id), headers=session.headers)
    assert response.status_code == 200, response.json
    return response.json


def notifications(desk, session, kind):
    response = desk.client.get("/api/v1/me/notifications?per_page=100", headers=session.headers)
    return [item for item in response.json["items"] if item["kind"] == kind]


def put_view(desk, session, **body):
    return desk.client.put(f"{REVIEW.format(desk.match_id)}/view", headers=session.headers, json=body)


def test_each_side_gives_its_view_and_the_decision_makes_the_match_active(agreed):
    desk = agreed
    first = review(desk)
    assert first["state"] == "trial" and first["rounds"] == [
        {"round": 1, "trial_ends_on": "2027-02-01", "views": [], "decision": None}]
    mine = desk.view(desk.householder, "not-sure", comment="Tom is lovely but rarely home in the evenings.")
    assert (mine["round"], mine["side"], mine["view"], mine["given_as"], mine["on_behalf"]) == (
        1, "householder", "not-sure", "self", [])
    again = desk.view(desk.householder, "not-sure", comment="Tom is lovely but rarely home in the evenings.")
    assert again["given_at"] == mine["given_at"]  # the same view again changes nothing
    changed = desk.view(desk.householder, "carry-on", comment="We talked; evenings are better now.")
    assert changed["view"] == "carry-on"
    desk.view(desk.sharer, "carry-on")

    both = review(desk)["rounds"][0]
    assert [(v["side"], v["view"]) for v in both["views"]] == [("householder", "carry-on"), ("sharer", "carry-on")]
    householder_sees = own(desk, desk.householder)
    assert householder_sees["side"] == "householder"
    assert householder_sees["rounds"][0]["your_view"]["comment"] == "We talked; evenings are better now."
    assert own(desk, desk.sharer)["rounds"][0]["your_view"]["comment"] is None  # only their own

    decided = desk.decide("activate", comment="Both happy.")
    assert decided.status_code == 200, decided.json
    assert decided.json["state"] == "active"
    assert decided.json["rounds"][0]["decision"]["decision"] == "activate"
    assert desk.detail()["state"] == "active" and desk.detail()["activated_at"]
    seen = own(desk, desk.sharer)["rounds"][0]["decision"]
    assert seen["decision"] == "activate" and "comment" not in seen and "decided_by_id" not in seen
    for session in (desk.householder, desk.sharer):
        assert len(notifications(desk, session, "trial_review_decided")) == 1
    # The same decision again changes nothing, and tells nobody twice.
    assert desk.decide("activate", comment="Both happy.").status_code == 200
    assert len(notifications(desk, desk.sharer, "trial_review_decided")) == 1
    # Once decided, views are closed: the match is not in its trial any more.
    assert_problem(put_view(desk, desk.sharer, view="stop"), 409, "not-in-trial")


def test_activation_waits_for_the_review_where_the_scheme_requires_it(app, agreed):
    desk = agreed
    problem = assert_problem(desk.post("activation"), 409, "trial-review-needed")
    assert problem["state"] == "trial" and "give_notice" in problem["allowed_transitions"]
    assert desk.detail()["state"] == "trial"
    desk.view(desk.householder)  # a view is not a decision
    assert_problem(desk.post("activation"), 409, "trial-review-needed")
    assert stored(app, TrialReview) == 1 and desk.detail()["state"] == "trial"

    changed = desk.client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                                json={"settings": {"trial_review_required": False}})
    assert changed.status_code == 200, changed.json
    assert changed.json["settings"]["trial_review_required"] is False
    assert desk.ok("activation")["state"] == "active"


def test_a_decision_the_activation_rules_refuse_stores_nothing(app, desk):
    desk.to_trial()
    desk.agree()  # nobody accepted it
    assert_problem(desk.decide("activate"), 409, "agreement-not-accepted")
    assert stored(app, TrialReview) == 0
    assert desk.detail()["state"] == "trial"
    assert notifications(desk, desk.sharer, "trial_review_decided") == []


def checkin_dates(desk):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/checkins?per_page=100",
                               headers=desk.coordinator.headers)
    return {(item["kind"], item["due_on"]) for item in response.json["items"]}


def test_an_extension_moves_the_end_plans_the_check_ins_again_and_opens_a_new_round(app, desk):
    desk.to_trial()
    desk.view(desk.householder, "not-sure")
    before = checkin_dates(desk)
    assert {("checkin", "2027-01-29"), ("checkin", "2027-03-01")} <= before  # the last week; a month after the end
    for bad in ("2027-02-01", "2027-01-20", "2027-01-25"):  # not after the current end (or today)
        assert_problem(desk.decide("extend", trial_ends_on=bad), 422, "validation-error")
    assert_problem(desk.decide("extend"), 422, "validation-error")  # no new end
    assert_problem(desk.decide("extend", trial_ends_on="2027-02-15", reason="other"), 422, "validation-error")
    assert review(desk)["rounds"][0]["decision"] is None and desk.detail()["trial_ends_on"] == "2027-02-01"

    extended = desk.decide("extend", trial_ends_on="2027-02-15", comment="Two more weeks of evenings to try.")
    assert extended.status_code == 200, extended.json
    body = extended.json
    assert (body["state"], body["trial_ends_on"]) == ("trial", "2027-02-15")
    assert [(r["round"], r["trial_ends_on"]) for r in body["rounds"]] == [(1, "2027-02-01"), (2, "2027-02-15")]
    assert body["rounds"][0]["decision"]["trial_ends_on"] == "2027-02-15"
    assert body["rounds"][1]["decision"] is None and body["rounds"][1]["views"] == []
    after = checkin_dates(desk)
    assert not {("checkin", "2027-01-29"), ("checkin", "2027-03-01")} & after
    assert {("checkin", "2027-02-01"), ("checkin", "2027-02-12"), ("checkin", "2027-03-15")} <= after
    assert {item for item in before if item[1] <= "2027-01-25"} <= after  # the past stays
    # The same extension again changes nothing.
    assert desk.decide("extend", trial_ends_on="2027-02-15",
                       comment="Two more weeks of evenings to try.").json["rounds"] == body["rounds"]
    assert stored(app, TrialReview) == 2
    # The new round takes views afresh, and a later decision.
    desk.view(desk.householder, "carry-on")
    desk.view(desk.sharer, "carry-on")
    assert [len(r["views"]) for r in review(desk)["rounds"]] == [1, 2]
    assert own(desk, desk.householder)["rounds"][0]["decision"]["decision"] == "extend"
    assert len(notifications(desk, desk.householder, "trial_review_decided")) == 1


def test_a_stop_gives_the_schemes_notice_with_its_reason(desk):
    desk.to_trial()
    desk.view(desk.sharer, "stop", comment="I cannot do the evenings.")
    assert_problem(desk.decide("stop"), 422, "validation-error")  # no reason
    stopped = desk.decide("stop", reason="disagreement-about-hours-or-expectations", comment="Evenings did not work.")
    assert stopped.status_code == 200, stopped.json
    notice = desk.detail()["notice"]
    assert (notice["given_by"], notice["reason"], notice["comment"]) == (
        "scheme", "disagreement-about-hours-or-expectations", "Evenings did not work.")
    assert notice["last_day"] == "2027-02-01"  # the trial's notice, 7 days without an agreement
    assert stopped.json["state"] == "notice"
    assert desk.decide("stop", reason="disagreement-about-hours-or-expectations",
                       comment="Evenings did not work.").status_code == 200
    assert_problem(desk.decide("activate"), 409, "not-in-trial")
    for session in (desk.householder, desk.sharer):
        assert len(notifications(desk, session, "trial_review_decided")) == 1


def test_a_trial_resumed_after_a_withdrawn_stop_is_reviewed_in_a_new_round(desk):
    desk.to_trial()
    desk.view(desk.sharer, "stop", comment="I cannot do the evenings.")
    assert desk.decide("stop", reason="disagreement-about-hours-or-expectations").status_code == 200
    for session in (desk.householder, desk.sharer):
        desk.ok("notice/withdrawal", session, {})
    assert desk.detail()["state"] == "trial"
    desk.view(desk.sharer, "carry-on", comment="We found a way with the evenings.")
    rounds = review(desk)["rounds"]
    assert [(r["round"], r["decision"] and r["decision"]["decision"]) for r in rounds] == [(1, "stop"), (2, None)]
    assert [(v["side"], v["view"]) for v in rounds[0]["views"]] == [("sharer", "stop")]  # history kept
    assert [(v["side"], v["view"]) for v in rounds[1]["views"]] == [("sharer", "carry-on")]


@pytest.mark.parametrize("state", ["proposed", "introduction", "active"])
def test_views_and_decisions_only_during_the_trial(app, client, make, state):
    desk = Desk(client, make, make.scheme())
    getattr(desk, f"to_{state}")()
    reviews_before, views_before = stored(app, TrialReview), stored(app, TrialReviewView)
    assert_problem(put_view(desk, desk.householder, view="carry-on"), 409, "not-in-trial")
    assert_problem(desk.decide("extend", trial_ends_on="2099-01-01"), 409, "not-in-trial")
    assert (stored(app, TrialReview), stored(app, TrialReviewView)) == (reviews_before, views_before)
    if state != "active":  # never in a trial: nothing to review
        assert_problem(client.get(REVIEW.format(desk.match_id), headers=desk.coordinator.headers), 404)
        assert_problem(client.get(OWN.format(desk.match_id), headers=desk.sharer.headers), 404)


def test_only_a_coordinator_decides_and_bad_views_are_refused(app, desk):
    desk.to_trial()
    for session in (desk.householder, desk.sharer):
        assert_problem(desk.post("trial-review/decision", session, {"decision": "activate"}), 403)
    assert_problem(put_view(desk, desk.householder, view="maybe"), 422, "validation-error")
    assert_problem(put_view(desk, desk.coordinator, view="carry-on"), 422, "validation-error")  # whose?
    assert_problem(put_view(desk, desk.householder, view="carry-on", on_behalf={
        "person_id": desk.sharer_person.id}), 422, "validation-error")
    assert (stored(app, TrialReview), stored(app, TrialReviewView)) == (0, 0)
    assert desk.detail()["state"] == "trial"


def test_a_representative_gives_the_persons_view_within_their_scope(app, client, make, desk):
    desk.to_trial()
    son = make.login(client, make.representative(desk.scheme, desk.householder_person, scopes=("answer-checkins",)))
    given = put_view(desk, son, view="carry-on", comment="Mum says it is going well.")
    assert given.status_code == 200, given.json
    assert (given.json["side"], given.json["given_as"]) == ("householder", "proxy")
    record, = given.json["on_behalf"]
    assert record["recorded_by_id"] == son.person.id and record["action"] == "match.trial_review_view_given"
    assert own(desk, son)["rounds"][0]["your_view"]["given_as"] == "proxy"
    assert own(desk, desk.householder)["rounds"][0]["your_view"]["view"] == "carry-on"

    friend = make.login(client, make.representative(desk.scheme, desk.sharer_person, scopes=("see-match",)))
    assert_problem(put_view(desk, friend, view="stop"), 404)
    assert_problem(client.get(OWN.format(desk.match_id), headers=friend.headers), 404)
    assert_problem(desk.post("trial-review/decision", son, {"decision": "activate"}), 403)
    assert stored(app, TrialReviewView) == 1


def without_the_app(client, make):
    """A match in its trial whose householder has no login: her coordinator answers for her."""
    desk = Desk(client, make, make.scheme(), householder_without_login=True)
    desk.propose()
    desk.ok("response", body={"decision": "accept", "on_behalf": {
        "person_id": desk.householder_person.id, "how": "in-person", "given_at": "2027-01-02T10:00:00+00:00"}})
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-01-03T14:00:00+00:00", "place": "Her kitchen"})
    desk.ok("trial", body={"start_on": "2027-01-04"})
    return desk


def test_a_coordinator_records_the_view_of_a_householder_without_the_app(client, make, clock):
    clock.set(datetime(2027, 1, 25, 12, 0, tzinfo=timezone.utc))
    desk = without_the_app(client, make)
    recorded = desk.view_for(desk.householder_person, "carry-on", comment="Said on the phone: all good.")
    assert (recorded["side"], recorded["given_as"]) == ("householder", "on-behalf")
    assert recorded["on_behalf"][0]["how"] == "by-phone"
    views = review(desk)["rounds"][0]["views"]
    assert views[0]["on_behalf"][0]["person_id"] == desk.householder_person.id


def test_people_are_asked_for_their_view_a_week_before_the_trial_ends_once_per_round(app, desk, clock):
    desk.to_trial()  # ends 2027-02-01
    with app.app_context():
        run_all(datetime(2027, 1, 24, 9, 0, tzinfo=timezone.utc))  # eight days before: not yet
        run_all(datetime(2027, 1, 25, 8, 0, tzinfo=timezone.utc))  # seven days before, before the reminder hour
        db.session.remove()
    assert notifications(desk, desk.sharer, "trial_review_view_due") == []
    desk.view(desk.householder)
    for day in (25, 26):
        with app.app_context():
            run_all(datetime(2027, 1, day, 9, 0, tzinfo=timezone.utc))
            db.session.remove()
    assert len(notifications(desk, desk.sharer, "trial_review_view_due")) == 1
    assert notifications(desk, desk.householder, "trial_review_view_due") == []  # already gave it
    desk.decide("extend", trial_ends_on="2027-02-20")
    with app.app_context():
        run_all(datetime(2027, 2, 14, 9, 0, tzinfo=timezone.utc))
        db.session.remove()
    assert len(notifications(desk, desk.sharer, "trial_review_view_due")) == 2  # the new round asks again
    assert len(notifications(desk, desk.householder, "trial_review_view_due")) == 1


def test_the_persons_export_lists_their_views(desk):
    desk.to_trial()
    desk.view(desk.sharer, "not-sure", comment="Early days.")
    exported = desk.client.get("/api/v1/me/export", headers=desk.sharer.headers)
    assert exported.status_code == 200, exported.json
    view, = exported.json["trial_review_views"]
    assert (view["match_id"], view["round"], view["view"], view["comment"]) == (
        desk.match_id, 1, "not-sure", "Early days.")
    assert desk.client.get("/api/v1/me/export", headers=desk.householder.headers).json["trial_review_views"] == []


def test_both_sides_at_once_open_one_round_and_the_same_view_twice_stores_one(app, desk):
    desk.to_trial()
    url = f"{REVIEW.format(desk.match_id)}/view"
    sessions = [desk.householder, desk.sharer, desk.sharer]

    def give():
        session = sessions.pop()
        return app.test_client().put(url, headers=session.headers, json={"view": "carry-on"}).status_code

    assert at_once(give, 3) == [200, 200, 200]
    assert (stored(app, TrialReview), stored(app, TrialReviewView)) == (1, 2)


# The rules, called directly ----------------------------------------------------------------------


def test_the_same_extension_repeated_is_answered_by_the_round_it_decided(app, desk):
    desk.to_trial()
    with app.app_context():
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        actor = db.session.get(Account, uuid.UUID(desk.coordinator.person.id))
        reviews.decide(actor=actor, match=match, decision=TrialDecision.EXTEND, trial_ends_on=date(2027, 2, 15))
        reviews.decide(actor=actor, match=match, decision=TrialDecision.EXTEND, trial_ends_on=date(2027, 2, 15))
        assert [r.round for r in reviews.rounds_of(match)] == [1, 2]
        # Another extension is a new decision, on the round now under way.
        reviews.decide(actor=actor, match=match, decision=TrialDecision.EXTEND, trial_ends_on=date(2027, 2, 22))
        assert [(r.round, r.decision) for r in reviews.rounds_of(match)] == [
            (1, TrialDecision.EXTEND), (2, TrialDecision.EXTEND), (3, None)]
        with pytest.raises(ValidationFailed):  # not after the end as it now stands
            reviews.decide(actor=actor, match=match, decision=TrialDecision.EXTEND, trial_ends_on=date(2027, 2, 20))
        assert match.trial_ends_on == date(2027, 2, 22)
        db.session.remove()


def test_a_view_from_someone_outside_the_match_is_refused(app, client, make, desk):
    desk.to_trial()
    stranger = make.ready("sharer", desk.scheme)
    with app.app_context():
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        with pytest.raises(Exception):
            reviews.give_view(actor=db.session.get(Account, uuid.UUID(stranger.id)), match=match,
                              view=TrialView.STOP, comment=None)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TrialReviewView)) == 0
        db.session.remove()


def test_activation_needs_an_activate_decision_not_another(app, agreed):
    desk = agreed
    with app.app_context():
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        actor = db.session.get(Account, uuid.UUID(desk.coordinator.person.id))
        reviews.decide(actor=actor, match=match, decision=TrialDecision.EXTEND, trial_ends_on=date(2027, 2, 15))
        with pytest.raises(Conflict) as refused:
            reviews.refuse_activation_without_review(match)
        assert refused.value.kind == "trial-review-needed"
        scheme = db.session.get(Scheme, match.scheme_id)
        scheme.settings = {**(scheme.settings or {}), "trial_review_required": False}
        db.session.commit()
        reviews.refuse_activation_without_review(match)  # off: nothing asked
        db.session.remove()


def test_planning_again_keeps_what_was_answered_moved_or_past(app, desk):
    desk.to_trial()
    with app.app_context():
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        scheme = db.session.get(Scheme, match.scheme_id)
        later = db.session.scalars(sa.select(CheckIn).where(CheckIn.match_id == match.id,
                                                            CheckIn.planned_on == date(2027, 3, 1))).one()
        moved = db.session.scalars(sa.select(CheckIn).where(CheckIn.match_id == match.id,
                                                            CheckIn.planned_on > date(2027, 3, 1))
                                   .order_by(CheckIn.planned_on)).first()
        moved.due_on = date(2027, 4, 20)
        db.session.add(CheckInAnswer(checkin_id=later.id, match_id=match.id, side="sharer", account_id=match.sharer_id, wellbeing=4,
                                     match_going=4, help_happening=True, wants_call=False, something_wrong=False,
                                     answered_at=datetime(2027, 1, 25, tzinfo=timezone.utc)))
        untouched = db.session.scalars(sa.select(CheckIn.id).where(
            CheckIn.match_id == match.id, CheckIn.planned_on > date(2027, 3, 1),
            CheckIn.id != moved.id)).all()
        match.trial_ends_on = date(2027, 2, 15)
        replan_schedule(match, scheme=scheme, today=date(2027, 1, 25))
        db.session.commit()
        left = set(db.session.scalars(sa.select(CheckIn.id).where(CheckIn.match_id == match.id)))
        assert {later.id, moved.id} <= left
        assert not set(untouched) <= left  # planned from the old end, nobody touched them: planned again
        days = set(db.session.scalars(sa.select(CheckIn.planned_on).where(CheckIn.match_id == match.id)))
        assert date(2027, 3, 15) in days  # a month after the new end
        db.session.remove()


def test_what_was_given_for_someone_is_recorded_beside_the_view(app, client, make, clock):
    clock.set(datetime(2027, 1, 25, 12, 0, tzinfo=timezone.utc))
    desk = without_the_app(client, make)
    view = desk.view_for(desk.householder_person)
    with app.app_context():
        record = db.session.scalars(sa.select(BehalfRecord).where(
            BehalfRecord.target_type == "trial_review_view")).one()
        assert str(record.person_id) == desk.householder_person.id
        assert record.recorded_by_id == uuid.UUID(desk.coordinator.person.id)
        db.session.remove()
    assert view["given_as"] == "on-behalf"
