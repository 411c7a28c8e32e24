"""Questionnaires through HTTP: when they are due, who answers them, who sees the scores."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import icalendar
import pytest
import sqlalchemy as sa

from homeshare.behalf.models import BehalfRecord
from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.questionnaires.models import Occasion, Questionnaire
from homeshare.questionnaires.service import ensure_all_due
from tests.helpers import assert_problem, at_once
from tests.matchdesk import Desk

SWEMWBS = ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "own_mind"]
ON_BEHALF = {"how": "by-phone", "given_at": "2027-02-19T10:00:00+00:00"}


def answers(swemwbs=(3,) * 7, ucla=(2, 2, 1), lonely=4, safe=4, satisfaction=None):
    scheme_items = {"safe_at_home": safe, **({"match_satisfaction": satisfaction} if satisfaction else {})}
    return {"swemwbs": dict(zip(SWEMWBS, swemwbs)),
            "ucla3": {"companionship": ucla[0], "left_out": ucla[1], "isolated": ucla[2], "lonely": lonely},
            "scheme_items": scheme_items}


def schedule(app):
    with app.app_context():
        ensure_all_due()
        db.session.remove()


def stored(app):
    with app.app_context():
        rows = db.session.execute(sa.select(Questionnaire.person_id, Questionnaire.key, Questionnaire.answered_at)
                                  .order_by(Questionnaire.key, Questionnaire.person_id)).all()
        db.session.remove()
    return [(str(person), key, answered is not None) for person, key, answered in rows]


def own(client, session):
    response = client.get("/api/v1/me/questionnaires", headers=session.headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def post(client, session, questionnaire_id, body):
    return client.post(f"/api/v1/questionnaires/{questionnaire_id}/answers", headers=session.headers, json=body)


def later(desk, make, clock, moment):
    """Move the clock (months, at times) and sign everyone in again, as tokens expire meanwhile."""
    clock.set(moment)
    desk.coordinator = make.login(desk.client, desk.coordinator.person)
    desk.householder = make.login(desk.client, desk.householder_person)
    desk.sharer = make.login(desk.client, desk.sharer_person)


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    return Desk(client, make, make.scheme())


def test_a_baseline_is_due_once_at_approval_for_each_cleared_person(app, client, make, desk):
    waiting = make.ready("sharer", desk.scheme, cleared=False)
    schedule(app)
    schedule(app)  # repeated ticks add nothing twice
    people = {desk.householder_person.id, desk.sharer_person.id}
    assert sorted(stored(app)) == sorted((person, "baseline", False) for person in people)
    assert waiting.id not in {person for person, _, _ in stored(app)}

    [baseline] = own(client, desk.householder)
    assert (baseline["occasion"], baseline["status"], baseline["due_on"], baseline["opens_on"]) == (
        "baseline", "open", "2027-02-20", "2027-02-20")
    assert (baseline["match_id"], baseline["answers"], baseline["scores"], baseline["given_as"]) == (
        None, None, [], None)
    asked = {instrument["id"]: [item["id"] for item in instrument["items"]] for instrument in baseline["instruments"]}
    assert asked == {"swemwbs": SWEMWBS, "ucla3": ["companionship", "left_out", "isolated", "lonely"],
                     "scheme_items": ["safe_at_home"]}  # no match yet: nothing about one
    assert baseline["instruments"][0]["items"][0]["choices"][0] == {"value": 1, "label": "None of the time"}
    assert "Warwick" in baseline["instruments"][0]["licence"]


def test_the_person_answers_once_and_a_repeat_returns_the_stored_answers(app, client, desk):
    schedule(app)
    [baseline] = own(client, desk.sharer)
    first = post(client, desk.sharer, baseline["id"], {"answers": answers(swemwbs=(4, 4, 4, 4, 4, 4, 3))})
    assert first.status_code == 201, first.json
    assert (first.json["status"], first.json["given_as"]) == ("answered", "self")
    assert {s["score"]: s["value"] for s in first.json["scores"]} == {
        "swemwbs": 24.11, "ucla3": 5.0, "lonely": 4.0, "safe_at_home": 4.0}
    again = post(client, desk.sharer, baseline["id"], {"answers": answers(swemwbs=(4, 4, 4, 4, 4, 4, 3))})
    assert again.status_code == 200 and again.json == first.json
    assert_problem(post(client, desk.sharer, baseline["id"], {"answers": answers()}), 409, "questionnaire-answered")
    assert own(client, desk.sharer) == [first.json]


@pytest.mark.parametrize("change", [
    lambda a: a["swemwbs"].pop("relaxed"),  # an item missing
    lambda a: a["swemwbs"].update(relaxed=6),  # a value off the scale
    lambda a: a["ucla3"].update(lonely=0),
    lambda a: a.pop("ucla3"),  # an instrument missing
    lambda a: a.update(phq9={"mood": 1}),  # an instrument not asked
    lambda a: a["scheme_items"].update(match_satisfaction=3),  # about a match, at the baseline
])
def test_bad_answers_are_refused_in_the_one_error_shape_and_store_nothing(app, client, desk, change):
    schedule(app)
    [baseline] = own(client, desk.sharer)
    body = answers()
    change(body)
    problem = assert_problem(post(client, desk.sharer, baseline["id"], {"answers": body}), 422)
    assert "answers" in problem["errors"]
    assert own(client, desk.sharer) == [baseline]


def test_a_coordinator_records_a_persons_answers_on_their_behalf(app, client, make, desk):
    person = make.without_login("householder", desk.scheme)
    schedule(app)
    with app.app_context():
        questionnaire_id = db.session.scalar(sa.select(Questionnaire.id).where(
            Questionnaire.person_id == uuid.UUID(person.id)))
        db.session.remove()
    assert_problem(post(client, desk.coordinator, questionnaire_id, {"answers": answers()}), 422)
    recorded = post(client, desk.coordinator, questionnaire_id,
                    {"answers": answers(), "on_behalf": {"person_id": person.id, **ON_BEHALF}})
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["given_as"] == "on-behalf"
    assert [(r["given_as"], r["how"], r["recorded_by_id"]) for r in recorded.json["on_behalf"]] == [
        ("on-behalf", "by-phone", desk.coordinator.person.id)]
    listed = client.get(f"/api/v1/people/{person.id}/questionnaires", headers=desk.coordinator.headers)
    assert listed.status_code == 200 and listed.json["items"] == [recorded.json]
    with app.app_context():
        assert db.session.scalar(sa.select(BehalfRecord.action).where(
            BehalfRecord.target_id == questionnaire_id)) == "questionnaire.answered"
        db.session.remove()


def test_a_representative_answers_within_their_scope_and_sees_the_scores(app, client, make, desk):
    schedule(app)
    [baseline] = own(client, desk.householder)
    daughter = make.login(client, make.representative(desk.scheme, desk.householder_person))
    narrow = make.login(client, make.representative(desk.scheme, desk.householder_person, scopes=["see-match"]))
    assert_problem(post(client, narrow, baseline["id"], {"answers": answers()}), 404)
    assert_problem(client.get(f"/api/v1/represented/{desk.householder_person.id}/questionnaires",
                              headers=narrow.headers), 404)
    answered = post(client, daughter, baseline["id"], {"answers": answers()})
    assert answered.status_code == 201, answered.json
    assert answered.json["given_as"] == "proxy"
    seen = client.get(f"/api/v1/represented/{desk.householder_person.id}/questionnaires", headers=daughter.headers)
    assert seen.status_code == 200 and seen.json["items"] == [answered.json]
    assert own(client, desk.householder) == [answered.json]


def test_nobody_else_reaches_a_persons_questionnaires(app, client, make, desk):
    schedule(app)
    [baseline] = own(client, desk.householder)
    other_scheme = make.scheme()
    outsider = make.login(client, make.coordinator(other_scheme))
    assert_problem(post(client, desk.sharer, baseline["id"], {"answers": answers()}), 404)
    assert_problem(post(client, outsider, baseline["id"], {"answers": answers(), "on_behalf": {
        "person_id": desk.householder_person.id, **ON_BEHALF}}), 404)
    assert_problem(client.get(f"/api/v1/people/{desk.householder_person.id}/questionnaires",
                              headers=outsider.headers), 404)
    assert_problem(client.get(f"/api/v1/people/{desk.householder_person.id}/questionnaires",
                              headers=desk.sharer.headers), 403)
    assert own(client, desk.householder) == [baseline]


def test_follow_ups_are_due_three_six_and_twelve_months_into_a_match_and_at_its_end(app, client, make, clock, desk):
    schedule(app)
    desk.to_active(start_on="2027-03-01")
    later(desk, make, clock, datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc))
    schedule(app)
    [closed] = own(client, desk.sharer)  # the trial started before the baseline was answered
    assert closed["status"] == "closed"
    assert_problem(post(client, desk.sharer, closed["id"], {"answers": answers()}), 409, "questionnaire-closed")

    later(desk, make, clock, datetime(2027, 5, 28, 12, 0, tzinfo=timezone.utc))  # four days before 1 June: not open yet
    schedule(app)
    assert [q["occasion"] for q in own(client, desk.sharer)] == ["baseline"]
    later(desk, make, clock, datetime(2027, 5, 29, 12, 0, tzinfo=timezone.utc))  # it opens three days before
    schedule(app)
    schedule(app)
    follow_up = own(client, desk.sharer)[0]
    assert (follow_up["occasion"], follow_up["due_on"], follow_up["opens_on"], follow_up["status"],
            follow_up["match_id"]) == ("months-3", "2027-06-01", "2027-05-29", "open", desk.match_id)
    assert [item["id"] for item in follow_up["instruments"][2]["items"]] == ["match_satisfaction", "safe_at_home"]
    assert post(client, desk.sharer, follow_up["id"], {"answers": answers(satisfaction=5)}).status_code == 201

    later(desk, make, clock, datetime(2027, 9, 1, 12, 0, tzinfo=timezone.utc))
    schedule(app)
    assert [q["occasion"] for q in own(client, desk.householder)] == ["months-6", "months-3", "baseline"]
    later(desk, make, clock, datetime(2027, 12, 1, 12, 0, tzinfo=timezone.utc))
    desk.ok("ending", body={"ended_by": "sharer", "reason": "Moving for work.", "notice_given_days": 30,
                            "end_on": "2027-12-01"})
    later(desk, make, clock, datetime(2028, 1, 15, 12, 0, tzinfo=timezone.utc))  # ended: no twelve-month one
    schedule(app)
    occasions = [(q["occasion"], q["due_on"]) for q in own(client, desk.householder)]
    assert occasions == [("end", "2027-12-01"), ("months-6", "2027-09-01"), ("months-3", "2027-06-01"),
                         ("baseline", "2027-02-20")]
    assert len(stored(app)) == 8


def test_the_tick_reminds_the_person_once_with_a_target_of_its_own(app, client, clock, desk):
    schedule(app)
    [baseline] = own(client, desk.sharer)
    assert post(client, desk.householder, own(client, desk.householder)[0]["id"],
                {"answers": answers()}).status_code == 201
    for day in (21, 21, 22):  # the reminder hour has passed; then again, and the next day
        clock.set(datetime(2027, 2, day, 10, 0, tzinfo=timezone.utc))
        with app.app_context():
            run_all(clock.now)
            db.session.remove()
    inbox = client.get("/api/v1/me/notifications", headers=desk.sharer.headers).json["items"]
    due = [n for n in inbox if n["kind"] == "questionnaire_due"]
    assert len(due) == 1
    assert due[0]["target"] == {"type": "questionnaire", "id": baseline["id"]}
    householder_inbox = client.get("/api/v1/me/notifications", headers=desk.householder.headers).json["items"]
    assert [n for n in householder_inbox if n["kind"] == "questionnaire_due"] == []  # answered: not reminded


def test_a_scheme_chooses_its_instruments(app, client, desk):
    chosen = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                          json={"settings": {"questionnaire_instruments": ["ucla3"]}})
    assert chosen.status_code == 200, chosen.json
    schedule(app)
    [baseline] = own(client, desk.sharer)
    assert [instrument["id"] for instrument in baseline["instruments"]] == ["ucla3"]
    body = {"answers": {"ucla3": answers()["ucla3"]}}
    assert post(client, desk.sharer, baseline["id"], body).status_code == 201
    for bad in (["ucla3", "ucla3"], ["phq9"]):
        assert_problem(client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                                    json={"settings": {"questionnaire_instruments": bad}}), 422)


def test_a_scheme_without_instruments_asks_no_questionnaires(app, client, desk):
    chosen = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                          json={"settings": {"questionnaire_instruments": []}})
    assert chosen.status_code == 200, chosen.json
    schedule(app)
    assert stored(app) == []


def test_answers_are_in_the_persons_export_and_erased_with_them(app, client, desk):
    schedule(app)
    [baseline] = own(client, desk.sharer)
    answered = post(client, desk.sharer, baseline["id"], {"answers": answers()}).json
    exported = client.get("/api/v1/me/export", headers=desk.sharer.headers)
    assert exported.status_code == 200 and exported.json["questionnaires"] == [answered]
    assert client.delete("/api/v1/me", headers=desk.sharer.headers).status_code == 204
    assert desk.sharer_person.id not in {person for person, _, _ in stored(app)}
    assert desk.householder_person.id in {person for person, _, _ in stored(app)}


def calendar_events(client, session):
    url = client.post("/api/v1/me/calendar", headers=session.headers).json["url"].removeprefix("http://localhost")
    found = icalendar.Calendar.from_ical(client.get(url).get_data())
    return {str(event["uid"]): event.decoded("dtstart") for event in found.walk("VEVENT")
            if str(event["uid"]).startswith("questionnaire-")}


def test_questionnaires_to_answer_join_the_persons_calendar_with_the_check_ins(app, client, make, clock, desk):
    schedule(app)
    [baseline] = own(client, desk.sharer)
    assert calendar_events(client, desk.householder) == {"questionnaire-baseline@homeshare": date(2027, 2, 20)}
    assert post(client, desk.sharer, baseline["id"], {"answers": answers()}).status_code == 201
    assert calendar_events(client, desk.sharer) == {}  # answered
    desk.to_trial(start_on="2027-03-01")
    planned = {f"questionnaire-{desk.match_id}-months-{n}@homeshare": day for n, day in (
        (3, date(2027, 6, 1)), (6, date(2027, 9, 1)), (12, date(2028, 3, 1)))}
    # The baseline is open until the trial starts; the match's to come.
    assert calendar_events(client, desk.householder) == {"questionnaire-baseline@homeshare": date(2027, 2, 20),
                                                         **planned}
    later(desk, make, clock, datetime(2027, 5, 30, 12, 0, tzinfo=timezone.utc))
    schedule(app)
    assert calendar_events(client, desk.sharer) == planned  # the same events once added
    follow_up = own(client, desk.sharer)[0]
    assert post(client, desk.sharer, follow_up["id"], {"answers": answers(satisfaction=4)}).status_code == 201
    assert set(calendar_events(client, desk.sharer)) == set(planned) - {
        f"questionnaire-{desk.match_id}-months-3@homeshare"}


def test_the_same_answers_sent_twice_at_once_are_stored_once(app, client, desk):
    schedule(app)
    [baseline] = own(client, desk.sharer)

    def send():
        return post(app.test_client(), desk.sharer, baseline["id"], {"answers": answers()}).status_code

    assert sorted(at_once(send, 3)) == [200, 200, 201]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire).where(
            Questionnaire.answered_at.is_not(None))) == 1
        db.session.remove()


def test_a_persons_list_takes_the_same_statements_however_many_questionnaires(app, client, make, clock, desk,
                                                                              count_queries):
    schedule(app)
    with count_queries() as few:
        assert len(own(client, desk.sharer)) == 1
    with app.app_context():
        sharer = uuid.UUID(desk.sharer_person.id)
        db.session.add_all(Questionnaire(
            scheme_id=uuid.UUID(desk.scheme.id), person_id=sharer, role="sharer", occasion=Occasion.END,
            key=f"{uuid.uuid4()}:end", due_on=date(2027, 2, 1), instruments=["scheme_items"],
            created_at=clock.now) for _ in range(5))
        db.session.commit()
        db.session.remove()
    with count_queries() as many:
        assert len(own(client, desk.sharer)) == 6
    assert len(few) == len(many)


def test_a_match_whose_notice_ends_before_three_months_asks_only_its_end(app, client, make, clock, desk):
    schedule(app)
    desk.to_active(start_on="2027-03-01")
    later(desk, make, clock, datetime(2027, 5, 20, 12, 0, tzinfo=timezone.utc))
    notice = desk.ok("notice", desk.sharer, {"reason": "sharer-moved-for-work-or-study"})
    last_day = notice["notice"]["last_day"]
    assert last_day < "2027-06-01"  # the notice runs out before the three months
    assert calendar_events(client, desk.sharer) == {}  # no follow-up after the match's last day
    later(desk, make, clock, datetime(2027, 5, 29, 12, 0, tzinfo=timezone.utc))  # the three months' one would open
    schedule(app)
    assert [q["occasion"] for q in own(client, desk.sharer)] == ["baseline"]
    with app.app_context():
        run_all(clock.now)  # the notice has run out: the match ends on its last day
        db.session.remove()
    schedule(app)
    assert [(q["occasion"], q["due_on"]) for q in own(client, desk.householder)] == [
        ("end", last_day), ("baseline", "2027-02-20")]


def test_a_baseline_stays_open_until_the_first_trial_starts_not_when_it_is_set(app, client, make, clock, desk):
    desk.to_trial(start_on="2027-03-01")  # set on 20 February for 1 March, before the first tick
    schedule(app)
    [baseline] = own(client, desk.sharer)
    assert (baseline["occasion"], baseline["status"]) == ("baseline", "open")
    later(desk, make, clock, datetime(2027, 2, 28, 12, 0, tzinfo=timezone.utc))
    assert post(client, desk.sharer, baseline["id"], {"answers": answers()}).status_code == 201
    # The householder's is still open, in their calendar until the trial starts.
    assert own(client, desk.householder)[0]["status"] == "open"
    later(desk, make, clock, datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc))  # the trial starts
    [closed] = own(client, desk.householder)
    assert closed["status"] == "closed"
    assert_problem(post(client, desk.householder, closed["id"], {"answers": answers()}), 409, "questionnaire-closed")


def test_an_instrument_the_scheme_drops_is_no_longer_asked_in_questionnaires_not_yet_answered(app, client, desk):
    schedule(app)
    [sharers] = own(client, desk.sharer)
    assert post(client, desk.sharer, sharers["id"], {"answers": answers()}).status_code == 201
    dropped = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                           json={"settings": {"questionnaire_instruments": ["ucla3"]}})
    assert dropped.status_code == 200, dropped.json
    [baseline] = own(client, desk.householder)
    assert [instrument["id"] for instrument in baseline["instruments"]] == ["ucla3"]
    assert_problem(post(client, desk.householder, baseline["id"], {"answers": answers()}), 422)  # not asked now
    # Answered ones keep what was asked and answered.
    assert [instrument["id"] for instrument in own(client, desk.sharer)[0]["instruments"]] == [
        "swemwbs", "ucla3", "scheme_items"]
    none = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                        json={"settings": {"questionnaire_instruments": []}})
    assert none.status_code == 200, none.json
    [closed] = own(client, desk.householder)
    assert (closed["status"], closed["instruments"]) == ("closed", [])
    assert_problem(post(client, desk.householder, closed["id"], {"answers": {}}), 409, "questionnaire-closed")
    assert calendar_events(client, desk.householder) == {}
    client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                 json={"settings": {"questionnaire_instruments": ["ucla3"]}})
    body = {"answers": {"ucla3": answers()["ucla3"]}}
    answered = post(client, desk.householder, baseline["id"], body)
    assert answered.status_code == 201, answered.json
    assert {s["score"] for s in answered.json["scores"]} == {"ucla3", "lonely"}


def test_a_follow_up_open_when_its_match_ends_before_its_day_closes(app, client, make, clock, desk):
    schedule(app)
    desk.to_active(start_on="2027-03-01")
    later(desk, make, clock, datetime(2027, 5, 29, 12, 0, tzinfo=timezone.utc))
    schedule(app)
    [follow_up, _baseline] = own(client, desk.sharer)
    assert (follow_up["occasion"], follow_up["status"]) == ("months-3", "open")
    desk.ok("ending", body={"ended_by": "sharer", "reason": "Moving for work.", "notice_given_days": 0,
                            "end_on": "2027-05-29"})
    schedule(app)
    found = {q["occasion"]: q for q in own(client, desk.sharer)}
    assert (found["months-3"]["status"], found["end"]["status"]) == ("closed", "open")
    # In the calendar, the end one only.
    assert list(calendar_events(client, desk.sharer)) == [f"questionnaire-{desk.match_id}-end@homeshare"]
    assert_problem(post(client, desk.sharer, follow_up["id"], {"answers": answers(satisfaction=4)}), 409,
                   "questionnaire-closed")
