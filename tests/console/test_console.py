"""Concerns, the audit trail, the dashboard, exports, access resets, and people's data rights."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import psycopg._queries
import pytest
import sqlalchemy as sa

from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from tests.conftest import make_app
from tests.factories import PASSWORD
from tests.helpers import assert_problem
from tests.matchdesk import TERMS, Desk


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on="2027-03-01", terms={**TERMS, "start_on": "2027-03-01"})
    return desk


def raise_concern(desk, session, **body):
    return desk.client.post("/api/v1/concerns", headers=session.headers,
                            json={"category": "safeguarding", "severity": "medium", "description": "Worried.", **body})


def inbox(client, session):
    return client.get("/api/v1/me/notifications?per_page=100", headers=session.headers).json["items"]


# Concerns ----------------------------------------------------------------------------------------


def test_urgent_concerns_alert_every_coordinator_at_once(client, make, desk):
    second = make.login(client, make.coordinator(desk.scheme))
    urgent = raise_concern(desk, desk.householder, match_id=desk.match_id, severity="urgent")
    assert urgent.status_code == 201 and urgent.json["status"] == "open"
    raise_concern(desk, desk.householder, match_id=desk.match_id, severity="low")
    for coordinator in (desk.coordinator, second):
        alerts = [n for n in inbox(client, coordinator) if n["kind"] == "urgent_concern"]
        assert [n["data"]["concern_id"] for n in alerts] == [urgent.json["id"]]
    assert all(n["kind"] != "urgent_concern" for n in inbox(client, desk.sharer))


def test_who_sees_what_of_a_concern(client, make, desk):
    concern = raise_concern(desk, desk.sharer, person_id=desk.householder_person.id, category="money").json
    url = f"/api/v1/concerns/{concern['id']}"
    note = client.post(f"{url}/notes", headers=desk.coordinator.headers, json={"body": "Called the daughter."})
    assert note.status_code == 201
    assert client.post(f"{url}/acknowledgement", headers=desk.coordinator.headers).json["status"] == "acknowledged"
    resolved = client.post(f"{url}/resolution", headers=desk.coordinator.headers, json={"outcome": "Repaid."})
    assert resolved.json["status"] == "resolved"

    own = client.get("/api/v1/me/concerns", headers=desk.sharer.headers).json["items"]
    assert [(c["id"], c["status"], c["outcome"]) for c in own] == [(concern["id"], "resolved", "Repaid.")]
    assert "Called the daughter" not in str(own) and "raised_by_id" not in own[0]
    assert client.get("/api/v1/me/concerns", headers=desk.householder.headers).json["items"] == []
    for session in (desk.householder, desk.sharer):
        assert_problem(client.get(url, headers=session.headers), 403)
    assert_problem(client.get(url, headers=make.login(client, make.coordinator(make.scheme())).headers), 404)
    detail = client.get(url, headers=desk.coordinator.headers).json
    assert [n["body"] for n in detail["notes"]] == ["Called the daughter."]
    assert_problem(client.post(f"{url}/resolution", headers=desk.coordinator.headers, json={"outcome": "Other"}), 409)
    listed = client.get(f"/api/v1/schemes/{desk.scheme.id}/concerns?status=resolved", headers=desk.coordinator.headers)
    assert [c["id"] for c in listed.json["items"]] == [concern["id"]]


def test_concerns_only_about_ones_own_matches(client, make, desk):
    stranger = make.ready("sharer", desk.scheme)
    other = Desk(client, make, desk.scheme)
    other.propose()
    assert "person_id" in assert_problem(raise_concern(desk, desk.householder, person_id=stranger.id), 422)["errors"]
    assert "match_id" in assert_problem(raise_concern(desk, desk.householder, match_id=other.match_id), 422)["errors"]
    assert_problem(raise_concern(desk, desk.householder, severity="apocalyptic", match_id=desk.match_id), 422)
    assert_problem(raise_concern(desk, desk.householder), 422)
    assert client.get(f"/api/v1/schemes/{desk.scheme.id}/concerns", headers=desk.coordinator.headers).json[
        "pagination"]["total"] == 0


# The audit trail ---------------------------------------------------------------------------------


def trail(client, desk, **query):
    response = client.get(f"/api/v1/schemes/{desk.scheme.id}/audit", headers=desk.coordinator.headers,
                          query_string={"per_page": 100, **query})
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_coordinator_writes_and_sensitive_reads_are_in_the_trail(client, make, desk):
    person = make.householder(desk.scheme)
    client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers, json={"name": "Renamed"})
    client.post(f"/api/v1/accounts/{person.id}/deactivate", headers=desk.coordinator.headers)
    client.put(f"/api/v1/people/{person.id}/vetting/identity", headers=desk.coordinator.headers,
               json={"status": "pending"})
    client.get(f"/api/v1/people/{person.id}/vetting", headers=desk.coordinator.headers)
    client.get(f"/api/v1/schemes/{desk.scheme.id}/exports/people.csv", headers=desk.coordinator.headers).get_data()
    actions = [event["action"] for event in trail(client, desk)]
    for expected in ("scheme.updated", "account.deactivated", "vetting.check_recorded",
                     "vetting.read", "export.people", "agreement.version_drafted", "match.activated",
                     "match.accepted", "agreement.version_accepted"):
        assert expected in actions, (expected, actions)
    one = trail(client, desk, action="vetting.check_recorded")
    assert len(one) == 1 and one[0]["target_id"] == f"{person.id}/identity" and one[0]["request_id"]
    assert all(e["actor_id"] == desk.coordinator.person.id for e in trail(client, desk, actor_id=desk.coordinator.person.id))
    assert trail(client, desk, **{"from": "2150-01-01T00:00:00+00:00"}) == []
    assert_problem(client.get(f"/api/v1/schemes/{desk.scheme.id}/audit", headers=desk.householder.headers), 403)
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.get(f"/api/v1/schemes/{desk.scheme.id}/audit", headers=outsider.headers), 404)


def test_no_endpoint_changes_the_trail(app):
    audit_rules = [rule for rule in app.url_map.iter_rules() if "audit" in rule.rule]
    assert audit_rules and all(rule.methods - {"HEAD", "OPTIONS"} == {"GET"} for rule in audit_rules)


def test_the_app_works_with_a_database_user_that_cannot_change_the_trail(app, make, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("database privileges are a PostgreSQL matter")
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    role = f"hs_app_{uuid.uuid4().hex[:8]}"
    schema = url.query["options"].split("=", 1)[1]
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False).split("?")[0]
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE ROLE "{role}" LOGIN')
        connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        connection.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
        connection.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{schema}".audit_event FROM "{role}"')
    try:
        limited = make_app(url.set(username=role).render_as_string(hide_password=False), tmp_path)
        client = limited.test_client()
        from tests.factories import Factories

        desk = Desk(client, Factories(limited), Factories(limited).scheme())
        desk.to_active()
        person = Factories(limited).householder(desk.scheme)
        client.put(f"/api/v1/people/{person.id}/vetting/identity", headers=desk.coordinator.headers,
                   json={"status": "passed"})
        assert client.delete(f"/api/v1/people/{person.id}", headers=desk.coordinator.headers).status_code == 204
        with limited.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) > 5
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'REASSIGN OWNED BY "{role}" TO postgres')
            connection.execute(f'DROP OWNED BY "{role}"')
            connection.execute(f'DROP ROLE "{role}"')


# Dashboard and exports --------------------------------------------------------------------------


def test_the_dashboard_answers_what_needs_a_coordinator_in_fixed_queries(client, make, desk, count_queries):
    url = f"/api/v1/schemes/{desk.scheme.id}/dashboard"
    raise_concern(desk, desk.sharer, match_id=desk.match_id, severity="urgent")
    waiting = Desk(client, make, desk.scheme)
    waiting.propose()
    with count_queries() as small:
        board = client.get(url, headers=desk.coordinator.headers).json
    assert board["proposals_awaiting_answer"]["count"] == 1
    assert board["proposals_awaiting_answer"]["items"][0]["match_id"] == waiting.match_id
    assert board["open_concerns"]["by_severity"] == {"urgent": 1}
    assert board["applicants_by_vetting_status"]["cleared"] == 4
    assert board["hours_shortfalls"]["count"] == 1  # nothing logged in the active match
    for _ in range(3):
        Desk(client, make, desk.scheme).to_introduction()
        make.householder(desk.scheme)
    with count_queries() as large:
        board = client.get(url, headers=desk.coordinator.headers).json
    assert board["introductions"]["count"] == 3 and len(board["introductions"]["items"]) == 3
    assert len(small) == len(large)
    assert len(large) <= 8, "\n".join(large)
    assert_problem(client.get(url, headers=desk.householder.headers), 403)


def test_the_driver_keeps_the_dashboards_statement_converted_between_requests(app, client, desk, monkeypatch):
    """psycopg converts a statement's placeholders once and keeps the result, the dashboard's
    long statement included (``homeshare.common.drivers``): the second request converts none."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the conversion of placeholders is psycopg's")
    url = f"/api/v1/schemes/{desk.scheme.id}/dashboard"
    assert client.get(url, headers=desk.coordinator.headers).status_code == 200
    converted = []
    uncached = psycopg._queries._query2pg_nocache
    monkeypatch.setattr(psycopg._queries, "_query2pg_nocache",
                        lambda query, *args: converted.append(len(query)) or uncached(query, *args))
    assert client.get(url, headers=desk.coordinator.headers).status_code == 200
    assert converted == []


def test_each_dashboard_list_counts_every_item_and_shows_the_first_five_in_order(client, make, desk, clock):
    today = clock.today()
    sharers = [make.ready("sharer", desk.scheme) for _ in range(7)]
    for n, sharer in enumerate(sharers):
        expires_on = today + timedelta(days=20 - n)
        body = {"status": "passed", "certificate_number": "001234567890",
                "issued_on": (today - timedelta(days=30)).isoformat(), "expires_on": expires_on.isoformat()}
        response = client.put(f"/api/v1/people/{sharer.id}/vetting/background", headers=desk.coordinator.headers,
                              json=body)
        assert response.status_code == 200, response.json
    board = client.get(f"/api/v1/schemes/{desk.scheme.id}/dashboard", headers=desk.coordinator.headers).json
    expiring = board["checks_expiring"]
    assert expiring["count"] == 7
    assert [item["person_id"] for item in expiring["items"]] == [sharer.id for sharer in sharers[::-1][:5]]
    assert [item["expires_on"] for item in expiring["items"]] == [
        (today + timedelta(days=14 + n)).isoformat() for n in range(5)]
    assert board["applicants_by_vetting_status"] == {"cleared": 9}
    assert board["open_concerns"] == {"by_severity": {}, "count": 0, "items": []}


def test_the_dashboard_lists_notices_soonest_last_day_first(client, make, desk, clock):
    url = f"/api/v1/schemes/{desk.scheme.id}/dashboard"
    assert client.get(url, headers=desk.coordinator.headers).json["notices_running"] == {"count": 0, "items": []}
    later = Desk(client, make, desk.scheme)
    later.to_notice()  # the sharer's 28 days
    sooner = Desk(client, make, desk.scheme)
    sooner.to_active()
    sooner.ok("notice", sooner.householder, {"reason": "householder-health-changed"})
    sooner.ok("notice/shortening", body={"last_day": (clock.today() + timedelta(days=5)).isoformat(),
                                         "reason": "The householder moves to her daughter's next week."})
    board = client.get(url, headers=desk.coordinator.headers).json["notices_running"]
    assert board["count"] == 2
    assert [(i["match_id"], i["given_by"], i["reason"]) for i in board["items"]] == [
        (sooner.match_id, "householder", "householder-health-changed"),
        (later.match_id, "sharer", "sharer-moved-for-work-or-study")]
    assert board["items"][0]["last_day"] == (clock.today() + timedelta(days=5)).isoformat()


def test_the_dashboard_counts_the_matches_whose_last_week_was_over_the_agreement(client, desk, count_queries):
    url = f"/api/v1/schemes/{desk.scheme.id}/dashboard"
    with count_queries() as before:
        assert client.get(url, headers=desk.coordinator.headers).json["hours_over_agreed"] == {"count": 0, "items": []}
    for day in ("2027-03-23", "2027-03-24"):  # 960 minutes where 600 are agreed
        response = client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=desk.sharer.headers,
                              json={"worked_on": day, "minutes": 480, "task": "companionship"})
        assert response.status_code == 201, response.json
    with count_queries() as after:
        over = client.get(url, headers=desk.coordinator.headers).json["hours_over_agreed"]
    assert over == {"count": 1, "items": [{"match_id": desk.match_id, "week_start": "2027-03-22",
                                           "counted_minutes": 960, "expected_minutes": 600}]}
    assert len(before) == len(after)


def test_the_trials_ending_show_how_many_sides_gave_their_view(client, make, desk):
    trial = Desk(client, make, desk.scheme)
    trial.to_trial(start_on="2027-03-08")  # ends on 5 April
    url = f"/api/v1/schemes/{desk.scheme.id}/dashboard"
    item, = client.get(url, headers=desk.coordinator.headers).json["trials_ending"]["items"]
    assert (item["match_id"], item["review_views_given"]) == (trial.match_id, 0)
    trial.view(trial.sharer, "not-sure")
    trial.view(trial.householder)
    trial.view(trial.householder, "stop")  # changed, still one view of that side
    item, = client.get(url, headers=desk.coordinator.headers).json["trials_ending"]["items"]
    assert item["review_views_given"] == 2
    trial.decide("extend", trial_ends_on="2027-04-06")  # a new round: nothing said yet
    item, = client.get(url, headers=desk.coordinator.headers).json["trials_ending"]["items"]
    assert (item["trial_ends_on"], item["review_views_given"]) == ("2027-04-06", 0)


def test_the_dashboard_shows_the_schemes_worrying_answers_of_the_last_thirty_days_newest_first(
        client, make, desk, clock):
    other = Desk(client, make, make.scheme())
    other.to_active(start_on="2027-03-01", terms={**TERMS, "start_on": "2027-03-01"})

    def checkins(of):
        items = client.get(f"/api/v1/matches/{of.match_id}/checkins?per_page=100",
                           headers=of.coordinator.headers).json["items"]
        return sorted(items, key=lambda item: (item["due_on"], item["id"]))

    def answer(of, checkin, session, **scores):
        response = client.put(f"/api/v1/matches/{of.match_id}/checkins/{checkin['id']}/answer",
                              headers=session.headers, json={"wellbeing": 5, "match_going": 5, "help_happening": True, **scores})
        assert response.status_code in (200, 201), response.json

    first = checkins(desk)[0]
    answer(desk, first, desk.sharer, wellbeing=1)  # worrying, but 31 days old when the board is read
    later = next(item for item in checkins(desk) if item["due_on"] >= "2027-05-01")
    clock.set(datetime.fromisoformat(later["due_on"]).replace(hour=12, tzinfo=timezone.utc))
    for side in (desk, other):  # a month on: signed in again
        side.coordinator, side.sharer = make.login(client, side.coordinator.person), make.login(client, side.sharer.person)
        side.householder = make.login(client, side.householder.person)
    answer(desk, later, desk.sharer, match_going=2)
    clock.advance(minutes=1)
    answer(desk, later, desk.householder, something_wrong=True)
    clock.advance(minutes=1)
    answer(other, next(item for item in checkins(other) if item["due_on"] == later["due_on"]), other.sharer,
           wellbeing=1)  # another scheme's
    board = client.get(f"/api/v1/schemes/{desk.scheme.id}/dashboard", headers=desk.coordinator.headers).json
    low = board["low_checkin_scores"]
    assert low["count"] == 2
    assert [(item["checkin_id"], item["match_id"], item["side"], item["something_wrong"]) for item in low["items"]] == [
        (later["id"], desk.match_id, "householder", True), (later["id"], desk.match_id, "sharer", False)]
    listed = client.get(f"/api/v1/schemes/{desk.scheme.id}/checkins?needs=low_score",
                        headers=desk.coordinator.headers).json
    assert [(item["checkin_id"], item["side"]) for item in listed["items"]] == [
        (later["id"], "householder"), (later["id"], "sharer")]


def test_each_scheme_gets_its_own_dashboard_from_the_same_statement(client, make, clock):
    """The dashboard's statement is built once: the scheme, its day (in its time zone) and its
    settings are its parameters, and no scheme's values are left in it for the next."""
    clock.set(datetime(2027, 3, 30, 12, 0, tzinfo=timezone.utc))
    london = Desk(client, make, make.scheme(timezone="Europe/London", settings={"checkin_low_score": 1}))
    auckland = Desk(client, make, make.scheme(timezone="Pacific/Auckland", settings={"checkin_low_score": 3}))
    expiring = {}
    for desk in (london, auckland):
        desk.to_active(start_on="2027-03-01", terms={**TERMS, "start_on": "2027-03-01"})
        checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins",
                             headers=desk.coordinator.headers).json["items"][0]
        response = client.put(f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/answer",
                              headers=desk.sharer.headers, json={"wellbeing": 2, "match_going": 4,
                                                                 "help_happening": True})
        assert response.status_code in (200, 201), response.json
        for expires_on in ("2027-04-01", "2027-05-01"):
            sharer = make.ready("sharer", desk.scheme)
            response = client.put(f"/api/v1/people/{sharer.id}/vetting/background", headers=desk.coordinator.headers,
                                  json={"status": "passed", "certificate_number": "001234567890",
                                        "issued_on": "2027-03-01", "expires_on": expires_on})
            assert response.status_code == 200, response.json
            expiring[sharer.id] = expires_on

    def board(desk):
        desk.coordinator = make.login(client, desk.coordinator.person)
        response = client.get(f"/api/v1/schemes/{desk.scheme.id}/dashboard", headers=desk.coordinator.headers)
        assert response.status_code == 200, response.json
        return response.json

    def checks(of):
        return [(expiring[item["person_id"]], item["expires_on"]) for item in of["checks_expiring"]["items"]]

    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))  # 31 March in London, 1 April in Auckland
    for _ in range(2):  # either order, and again: each reading its own values
        in_london, in_auckland = board(london), board(auckland)
        assert checks(in_london) == [("2027-04-01", "2027-04-01")]
        assert checks(in_auckland) == [("2027-05-01", "2027-05-01")]
        assert in_london["applicants_by_vetting_status"] == {"cleared": 4}
        assert in_auckland["applicants_by_vetting_status"] == {"cleared": 3, "expired": 1}
        assert in_london["low_checkin_scores"]["count"] == 0  # 2 is above its threshold of 1
        assert [item["wellbeing"] for item in in_auckland["low_checkin_scores"]["items"]] == [2]
        assert in_auckland["low_checkin_scores"]["items"][0]["match_id"] == auckland.match_id
        assert in_london["proposals_awaiting_answer"]["count"] == in_auckland["proposals_awaiting_answer"]["count"] == 0
        assert board(auckland) == in_auckland and board(london) == in_london
    clock.set(datetime(2027, 4, 1, 12, 0, tzinfo=timezone.utc))  # the next day in London
    in_london = board(london)
    assert checks(in_london) == [("2027-05-01", "2027-05-01")]
    assert in_london["applicants_by_vetting_status"] == {"cleared": 3, "expired": 1}
    assert checks(board(auckland)) == [("2027-05-01", "2027-05-01")]


def test_low_scores_and_overdue_check_ins_have_their_own_lists(client, desk):
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    client.put(f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/answer", headers=desk.sharer.headers,
               json={"wellbeing": 1, "match_going": 2, "help_happening": False})
    url = f"/api/v1/schemes/{desk.scheme.id}/checkins"
    low = client.get(f"{url}?needs=low_score", headers=desk.coordinator.headers).json
    assert [(i["checkin_id"], i["wellbeing"]) for i in low["items"]] == [(checkin["id"], 1)]
    assert_problem(client.get(f"{url}?needs=everything", headers=desk.coordinator.headers), 422)


def read_csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_exports_stream_without_sensitive_fields(client, desk):
    people = read_csv(client.get(f"/api/v1/schemes/{desk.scheme.id}/exports/people.csv", headers=desk.coordinator.headers))
    assert {p["person_id"] for p in people} >= {desk.householder_person.id, desk.sharer_person.id}
    text = str(people)
    for secret in ("1944-05-01", "Cardigan Road", "0113 496 0000", desk.sharer_person.email, "LS6 1AA"):
        assert secret not in text
    assert {p["postcode_district"] for p in people if p["role"] != "coordinator"} == {"LS6"}
    matches = read_csv(client.get(f"/api/v1/schemes/{desk.scheme.id}/exports/matches.csv",
                                  headers=desk.coordinator.headers))
    assert [(m["match_id"], m["state"]) for m in matches] == [(desk.match_id, "active")]
    checkins = read_csv(client.get(f"/api/v1/schemes/{desk.scheme.id}/exports/checkins.csv",
                                   headers=desk.coordinator.headers))
    assert checkins and {c["match_id"] for c in checkins} == {desk.match_id}
    assert_problem(client.get(f"/api/v1/schemes/{desk.scheme.id}/exports/people.csv", headers=desk.sharer.headers), 403)


# Accounts ----------------------------------------------------------------------------------------


def test_a_coordinator_resets_a_persons_access(client, make, desk):
    response = client.post(f"/api/v1/accounts/{desk.sharer_person.id}/access-reset", headers=desk.coordinator.headers)
    temporary = response.json["temporary_password"]
    assert_problem(client.get("/api/v1/me", headers=desk.sharer.headers), 401)
    assert_problem(client.post("/api/v1/auth/login", json={"email": desk.sharer_person.email, "password": PASSWORD}), 401)
    assert client.post("/api/v1/auth/login", json={"email": desk.sharer_person.email, "password": temporary}).status_code == 200
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.post(f"/api/v1/accounts/{desk.sharer_person.id}/access-reset", headers=outsider.headers), 404)


# Data rights -------------------------------------------------------------------------------------


def test_people_get_a_copy_of_everything_held_about_them(client, desk):
    client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=desk.sharer.headers,
               json={"worked_on": "2027-03-30", "minutes": 60, "task": "cooking", "note": "Soup"})
    raise_concern(desk, desk.sharer, match_id=desk.match_id)
    response = client.get("/api/v1/me/export", headers=desk.sharer.headers)
    assert response.status_code == 200
    data = response.json
    assert data["account"]["email"] == desk.sharer_person.email
    assert data["profile"]["first_name"] == "Tomasz"
    assert data["vetting"]["status"] == "cleared"
    assert "notes" not in str(data["vetting"])
    assert [m["id"] for m in data["matches"]] == [desk.match_id]
    assert [a["number"] for a in data["agreements"]] == [1]
    assert [h["note"] for h in data["hours"]] == ["Soup"]
    assert len(data["concerns_raised"]) == 1
    assert any(e["action"] == "privacy.export" for e in trail(client, desk))


def test_erasure_leaves_exactly_what_the_rules_say(app, client, make, desk):
    entry_id = str(uuid.uuid4())
    client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry_id}", headers=desk.sharer.headers,
               json={"worked_on": "2027-03-30", "minutes": 60, "task": "cooking", "note": "Made soup with Peggy"})
    about = raise_concern(desk, desk.householder, person_id=desk.sharer_person.id, severity="urgent").json
    raised = raise_concern(desk, desk.sharer, match_id=desk.match_id).json

    assert client.delete("/api/v1/me", headers=desk.sharer.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=desk.sharer.headers), 401)
    login = client.post("/api/v1/auth/login", json={"email": desk.sharer_person.email, "password": PASSWORD})
    assert_problem(login, 401)

    profile = client.get(f"/api/v1/people/{desk.sharer_person.id}/profile", headers=desk.coordinator.headers).json
    assert profile["first_name"] is None and profile["phone"] is None and profile["interests"] == []
    vetting = client.get(f"/api/v1/people/{desk.sharer_person.id}/vetting", headers=desk.coordinator.headers).json
    assert {c["status"] for c in vetting["checks"]} == {"not_started"}
    # The householder keeps the match and the hours, without the sharer's words.
    assert client.get(f"/api/v1/me/matches/{desk.match_id}", headers=desk.householder.headers).status_code == 200
    hours = client.get(f"/api/v1/matches/{desk.match_id}/hours", headers=desk.householder.headers).json["items"]
    assert [(h["id"], h["minutes"], h["note"]) for h in hours] == [(entry_id, 60, None)]
    # Safeguarding records stay, detached and marked.
    concerns = {c["id"]: c for c in client.get(f"/api/v1/schemes/{desk.scheme.id}/concerns",
                                                  headers=desk.coordinator.headers).json["items"]}
    assert (concerns[about["id"]]["about_id"], concerns[about["id"]]["subject_erased"]) == (None, True)
    assert (concerns[raised["id"]]["raised_by_id"], concerns[raised["id"]]["raiser_erased"]) == (None, True)
    with app.app_context():
        email = db.session.execute(sa.text("SELECT email FROM account WHERE erased_at IS NOT NULL")).scalar()
        assert email.endswith("@erased.invalid")
    text = client.get(f"/api/v1/schemes/{desk.scheme.id}/audit?per_page=100", headers=desk.coordinator.headers)
    assert "Tomasz" not in text.get_data(as_text=True) and "001122334455" not in text.get_data(as_text=True)
    assert client.delete("/api/v1/me", headers=desk.sharer.headers).status_code == 401


def test_coordinators_erase_on_request_and_only_in_their_scheme(client, make, desk):
    outsider = make.login(client, make.coordinator(make.scheme()))
    assert_problem(client.delete(f"/api/v1/people/{desk.householder_person.id}", headers=outsider.headers), 404)
    assert_problem(client.delete(f"/api/v1/people/{desk.householder_person.id}", headers=desk.sharer.headers), 403)
    assert client.delete(f"/api/v1/people/{desk.householder_person.id}", headers=desk.coordinator.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=desk.householder.headers), 401)
    assert any(e["action"] == "privacy.erasure" for e in trail(client, desk))
