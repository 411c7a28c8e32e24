"""Absences through HTTP: who records them, the refusals, repeats, changes and cancelling, and
what follows (check-ins move, long absences alert, hours expected are prorated)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from homeshare.absences.models import Absence
from homeshare.audit.models import AuditEvent
from homeshare.checkins.service import ensure_schedule
from homeshare.extensions import db
from homeshare.matching.models import Match
from homeshare.schemes.models import Scheme
from homeshare.jobs.reminders import run_all
from tests.helpers import assert_problem, at_once
from tests.matchdesk import TERMS, Desk

TRIAL_START = "2027-03-01"  # a Monday
NOW = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)  # Wednesday 31 March
HOLIDAY = {"who": "sharer", "kind": "holiday", "first_day": "2027-04-05", "last_day": "2027-04-09",
           "note": "Walking in the Dales."}


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START, "trial_length_days": 28})
    return desk


def url(desk, absence_id=None):
    base = f"/api/v1/matches/{desk.match_id}/absences"
    return f"{base}/{absence_id}" if absence_id else base


def put(desk, session, body, absence_id=None):
    return desk.client.put(url(desk, absence_id or uuid.uuid4()), headers=session.headers, json=body)


def recorded(desk, session, body, absence_id=None):
    response = put(desk, session, body, absence_id)
    assert response.status_code == 201, response.json
    return response.json


def listed(desk, session=None, **query):
    response = desk.client.get(url(desk), headers=(session or desk.coordinator).headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Absence))
        db.session.remove()
    return count


def inbox(desk, session, kind):
    response = desk.client.get("/api/v1/me/notifications", headers=session.headers, query_string={"per_page": 100})
    assert response.status_code == 200, response.json
    return [n for n in response.json["items"] if n["kind"] == kind]


def tick(app, now):
    with app.app_context():
        created = run_all(now)
        db.session.remove()
    return created


def given_by_phone():
    return (NOW - timedelta(hours=1)).isoformat()


# Recording, seeing, repeating ----------------------------------------------------------------------


def test_a_person_records_their_own_absence_and_both_people_see_it(desk):
    absence_id = str(uuid.uuid4())
    first = put(desk, desk.sharer, HOLIDAY, absence_id)
    again = put(desk, desk.sharer, HOLIDAY, absence_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json == again.json
    body = first.json
    assert (body["id"], body["who"], body["kind"], body["days"]) == (absence_id, "sharer", "holiday", 5)
    assert body["person_id"] == desk.sharer_person.id and body["on_behalf"] == []
    for session in (desk.householder, desk.sharer, desk.coordinator):
        assert [a["id"] for a in listed(desk, session)["items"]] == [absence_id]
    assert listed(desk)["pagination"]["total"] == 1


def test_the_same_id_for_another_absence_is_refused(app, desk):
    absence_id = str(uuid.uuid4())
    recorded(desk, desk.sharer, HOLIDAY, absence_id)
    assert_problem(put(desk, desk.sharer, {**HOLIDAY, "last_day": "2027-04-10"}, absence_id), 409, "absence-id-reused")
    assert listed(desk)["items"][0]["last_day"] == "2027-04-09" and stored(app) == 1


def test_the_same_absence_sent_at_once_is_stored_once(app, desk):
    absence_id = str(uuid.uuid4())

    def attempt():
        return app.test_client().put(url(desk, absence_id), headers=desk.sharer.headers, json=HOLIDAY).status_code

    assert sorted(at_once(attempt, 4)) == [200, 200, 200, 201]
    assert stored(app) == 1


def test_overlapping_absences_sent_at_once_store_one(app, desk):
    def attempt():
        return app.test_client().put(url(desk, uuid.uuid4()), headers=desk.sharer.headers, json=HOLIDAY).status_code

    assert sorted(at_once(attempt, 3)) == [201, 409, 409]
    assert stored(app) == 1


def test_kinds_follow_the_projects_spelling(desk):
    for number, kind in enumerate(("holiday", "hospital-stay", "visiting-family", "other")):
        day = f"2027-05-{10 + 2 * number:02d}"
        recorded(desk, desk.householder, {"who": "householder", "kind": kind, "first_day": day, "last_day": day})
    assert_problem(put(desk, desk.householder, {**HOLIDAY, "who": "householder", "kind": "hospital_stay"}), 422)
    assert [a["kind"] for a in listed(desk)["items"]] == ["holiday", "hospital-stay", "visiting-family", "other"]


# Refusals: each a 4xx in the one shape, nothing stored -----------------------------------------------


def test_an_absence_overlapping_another_of_the_same_person_is_refused(app, desk):
    recorded(desk, desk.sharer, HOLIDAY)
    for first, last in (("2027-04-09", "2027-04-12"), ("2027-04-01", "2027-04-05"), ("2027-04-06", "2027-04-07"),
                        ("2027-04-01", "2027-04-20")):
        body = assert_problem(put(desk, desk.sharer, {**HOLIDAY, "first_day": first, "last_day": last}), 409,
                              "absence-overlaps")
        assert "2027-04-05" in body["detail"]
    assert stored(app) == 1
    # The other person may be away the same days; and the same person the days either side.
    recorded(desk, desk.householder, {**HOLIDAY, "who": "householder"})
    recorded(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-10", "last_day": "2027-04-10"})
    recorded(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-04", "last_day": "2027-04-04"})
    assert stored(app) == 4


def test_the_last_day_before_the_first_is_refused(app, desk):
    body = assert_problem(put(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-09", "last_day": "2027-04-05"}),
                          422, "validation-error")
    assert "last_day" in body["errors"]
    body = assert_problem(put(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-02-01", "last_day": "2027-02-05"}),
                          422, "validation-error")  # wholly before the trial started
    assert "last_day" in body["errors"]
    assert stored(app) == 0


@pytest.mark.parametrize("state", ["proposed", "introduction", "ended"])
def test_a_match_that_is_not_live_takes_no_absence(app, client, make, clock, state):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    getattr(desk, f"to_{state}")()
    assert_problem(put(desk, desk.coordinator, HOLIDAY), 409, "match-not-live")
    assert_problem(put(desk, desk.householder, {**HOLIDAY, "who": "householder"}), 409, "match-not-live")
    assert stored(app) == 0


def test_a_person_records_only_their_own_absence(app, desk):
    assert_problem(put(desk, desk.householder, HOLIDAY), 403)
    assert_problem(put(desk, desk.sharer, {**HOLIDAY, "who": "householder"}), 403)
    assert_problem(put(desk, desk.sharer, {**HOLIDAY, "who": "lodger"}), 422)
    assert stored(app) == 0


def test_a_person_does_not_change_or_cancel_the_other_persons_absence(app, desk):
    absence = recorded(desk, desk.sharer, HOLIDAY)
    assert_problem(desk.client.patch(url(desk, absence["id"]), headers=desk.householder.headers,
                                     json={"last_day": "2027-04-10"}), 403)
    assert_problem(desk.client.delete(url(desk, absence["id"]), headers=desk.householder.headers), 403)
    assert listed(desk)["items"][0]["last_day"] == "2027-04-09"


# Coordinators and representatives -----------------------------------------------------------------


def test_a_coordinator_records_either_persons_absence_directly_or_for_them(app, client, make, desk):
    recorded(desk, desk.coordinator, HOLIDAY)
    for person in (desk.householder_person, desk.sharer_person):
        client.put(f"/api/v1/people/{person.id}/behalf-agreement", headers=desk.coordinator.headers,
                   json={"agreed_on": "2027-03-01"})
    stay = {"who": "householder", "kind": "hospital-stay", "first_day": "2027-04-01", "last_day": "2027-04-03",
            "on_behalf": {"person_id": desk.householder_person.id, "how": "by-phone", "given_at": given_by_phone()}}
    absence = recorded(desk, desk.coordinator, stay)
    assert absence["person_id"] == desk.householder_person.id
    assert [(r["given_as"], r["how"], r["action"]) for r in absence["on_behalf"]] == [
        ("on-behalf", "by-phone", "absence.recorded")]
    # The person named must be the one away.
    wrong = {**stay, "first_day": "2027-05-01", "last_day": "2027-05-02", "on_behalf": {**stay["on_behalf"],
                                                                                         "person_id": desk.sharer_person.id}}
    assert_problem(put(desk, desk.coordinator, wrong), 422, "validation-error")
    assert stored(app) == 2


def test_a_representative_who_may_answer_check_ins_records_the_persons_absence(app, client, make, desk):
    daughter = make.login(client, make.representative(desk.scheme, desk.householder_person))
    absence = recorded(desk, daughter, {**HOLIDAY, "who": "householder"})
    assert [(r["given_as"], r["recorded_by_id"]) for r in absence["on_behalf"]] == [("proxy", daughter.person.id)]
    assert_problem(put(desk, daughter, {**HOLIDAY, "first_day": "2027-05-01", "last_day": "2027-05-01"}), 403)
    viewer = make.login(client, make.representative(desk.scheme, desk.householder_person, scopes=("see-match",)))
    assert [a["id"] for a in listed(desk, viewer)["items"]] == [absence["id"]]
    assert_problem(put(desk, viewer, {**HOLIDAY, "who": "householder", "first_day": "2027-05-01",
                                      "last_day": "2027-05-01"}), 404)
    assert stored(app) == 1


# Changing and cancelling ----------------------------------------------------------------------------


def test_an_absence_is_changed_and_cancelled_and_both_are_audited(app, desk):
    absence = recorded(desk, desk.sharer, HOLIDAY)
    other = recorded(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-20", "last_day": "2027-04-22"})
    changed = desk.client.patch(url(desk, absence["id"]), headers=desk.sharer.headers,
                                json={"last_day": "2027-04-12", "kind": "visiting-family"})
    assert changed.status_code == 200, changed.json
    assert (changed.json["last_day"], changed.json["kind"], changed.json["days"]) == ("2027-04-12", "visiting-family", 8)
    assert_problem(desk.client.patch(url(desk, absence["id"]), headers=desk.sharer.headers,
                                     json={"last_day": "2027-04-20"}), 409, "absence-overlaps")
    assert_problem(desk.client.patch(url(desk, absence["id"]), headers=desk.sharer.headers,
                                     json={"last_day": "2027-04-01"}), 422, "validation-error")
    assert listed(desk)["items"][0]["last_day"] == "2027-04-12"
    assert desk.client.delete(url(desk, other["id"]), headers=desk.coordinator.headers).status_code == 204
    assert desk.client.delete(url(desk, other["id"]), headers=desk.coordinator.headers).status_code == 204
    assert [a["id"] for a in listed(desk)["items"]] == [absence["id"]]
    assert_problem(desk.client.patch(url(desk, other["id"]), headers=desk.sharer.headers, json={"note": None}), 404)
    # Its days are free again.
    recorded(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-21", "last_day": "2027-04-21"})
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "absence")
                                     .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
        changes = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "absence.changed")).all()
        assert changes[0].after == {"kind": "visiting-family", "last_day": "2027-04-12"}
        made = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "absence.recorded")).all()
        assert {event.after["note"] for event in made} == {"[personal data]"}
        assert sorted(event.after["first_day"] for event in made) == ["2027-04-05", "2027-04-20", "2027-04-21"]
        db.session.remove()
    assert sorted(actions) == sorted(["absence.recorded"] * 3 + ["absence.changed", "absence.cancelled"])


def test_an_absence_of_another_match_is_not_found(client, make, desk, clock):
    absence = recorded(desk, desk.sharer, HOLIDAY)
    other = Desk(client, make, desk.scheme)
    other.to_active(start_on=TRIAL_START, terms={**TERMS, "start_on": TRIAL_START, "trial_length_days": 28})
    assert_problem(client.patch(f"/api/v1/matches/{other.match_id}/absences/{absence['id']}",
                                headers=other.coordinator.headers, json={"note": None}), 404)
    assert_problem(client.delete(f"/api/v1/matches/{other.match_id}/absences/{absence['id']}",
                                 headers=other.coordinator.headers), 404)
    assert_problem(put(other, other.sharer, HOLIDAY, absence["id"]), 409, "absence-id-reused")


def test_the_list_reads_a_fixed_number_of_statements(desk, count_queries):
    counts = []
    for number in range(4):
        day = f"2027-05-{10 + number:02d}"
        recorded(desk, desk.sharer, {**HOLIDAY, "first_day": day, "last_day": day})
        with count_queries() as statements:
            assert len(listed(desk, per_page=50)["items"]) == number + 1
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts


# What follows: check-ins move, long absences alert ------------------------------------------------


def checkins(desk):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers,
                               query_string={"per_page": 100})
    assert response.status_code == 200, response.json
    return {c["id"]: c for c in response.json["items"]}


def test_open_check_ins_due_inside_an_absence_move_to_the_day_after_it(desk):
    before = checkins(desk)
    planned = next(c for c in before.values() if c["due_on"] == "2027-04-29")
    answered = next(c for c in before.values() if c["due_on"] == "2027-03-26")
    waiting = next(c for c in before.values() if c["due_on"] == "2027-03-22")
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/checkins/{answered['id']}/answer",
                               headers=desk.householder.headers,
                               json={"wellbeing": 4, "match_going": 4, "help_happening": True})
    assert response.status_code == 200, response.json
    recorded(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-26", "last_day": "2027-05-02"})
    recorded(desk, desk.householder, {"who": "householder", "kind": "hospital-stay", "first_day": "2027-03-20",
                                      "last_day": "2027-03-27"})
    after = checkins(desk)
    assert (after[planned["id"]]["due_on"], after[planned["id"]]["planned_on"]) == ("2027-05-03", "2027-04-29")
    assert after[waiting["id"]]["due_on"] == "2027-03-28"
    assert after[answered["id"]]["due_on"] == "2027-03-26"  # answered by one side: it stays
    moved = [c for c in after.values() if c["due_on"] != before[c["id"]]["due_on"]]
    assert sorted(c["id"] for c in moved) == sorted([planned["id"], waiting["id"]])


def test_check_ins_planned_later_into_an_absence_are_due_the_day_after_it(app, desk):
    """The schedule reaches further each day: a check-in it plans into an absence recorded
    before is due when the person is back, as one moved out of it is."""
    latest = max(date.fromisoformat(c["planned_on"]) for c in checkins(desk).values())
    away = {**HOLIDAY, "first_day": (latest + timedelta(days=1)).isoformat(),
            "last_day": (latest + timedelta(days=70)).isoformat()}
    recorded(desk, desk.sharer, away)
    with app.app_context():
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        ensure_schedule(match, db.session.get(Scheme, match.scheme_id), today=date(2027, 6, 30))
        db.session.commit()
        db.session.remove()
    later = [c for c in checkins(desk).values() if date.fromisoformat(c["planned_on"]) > latest]
    inside = [c for c in later if away["first_day"] <= c["planned_on"] <= away["last_day"]]
    assert inside and all(c["due_on"] == (latest + timedelta(days=71)).isoformat() for c in inside)
    assert not [c for c in later if away["first_day"] <= c["due_on"] <= away["last_day"]]


def test_changing_an_absence_moves_the_check_ins_its_new_days_cover(desk):
    planned = next(c for c in checkins(desk).values() if c["due_on"] == "2027-04-29")
    absence = recorded(desk, desk.sharer, {**HOLIDAY, "first_day": "2027-04-20", "last_day": "2027-04-25"})
    assert checkins(desk)[planned["id"]]["due_on"] == "2027-04-29"
    desk.client.patch(url(desk, absence["id"]), headers=desk.sharer.headers, json={"last_day": "2027-04-30"})
    assert checkins(desk)[planned["id"]]["due_on"] == "2027-05-01"


@pytest.mark.parametrize("last_day, alerted", [("2027-05-02", False), ("2027-05-03", True)])
def test_an_absence_longer_than_the_schemes_setting_alerts_the_coordinators_once(client, make, desk, last_day,
                                                                                  alerted):
    second = make.login(client, make.coordinator(desk.scheme))
    absence = recorded(desk, desk.householder, {"who": "householder", "kind": "hospital-stay",
                                                "first_day": "2027-04-05", "last_day": last_day})
    assert absence["days"] == (29 if alerted else 28)
    desk.client.patch(url(desk, absence["id"]), headers=desk.householder.headers, json={"last_day": "2027-05-20"})
    for coordinator in (desk.coordinator, second):
        alerts = inbox(desk, coordinator, "long_absence")
        assert len(alerts) == 1  # the change made it long if it was not: still one each
        assert alerts[0]["data"]["absence_id"] == absence["id"]
    assert inbox(desk, desk.householder, "long_absence") == []


def test_the_long_absence_threshold_comes_from_the_schemes_settings(client, desk):
    response = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                            json={"settings": {"long_absence_alert_days": 4}})
    assert response.status_code == 200, response.json
    recorded(desk, desk.sharer, HOLIDAY)  # five days
    assert len(inbox(desk, desk.coordinator, "long_absence")) == 1
