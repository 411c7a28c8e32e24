"""Hostile or unlucky input and timing: never a 500, never a duplicate, never a half-change."""

from __future__ import annotations

import collections
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from homeshare.extensions import db
from homeshare.matching import service as matching
from homeshare.accounts import service as accounts
from tests.factories import PASSWORD
from tests.helpers import assert_problem, at_once
from tests.matchdesk import TERMS, Desk


def raw_post(client, url, text, headers=None):
    return client.post(url, data=text.encode("utf-8", "surrogatepass"), content_type="application/json",
                       headers=headers or {})


@pytest.mark.parametrize("text", [
    '{"email": "a@example.org", "password": "\\ud800"}',
    '{"email": "a@example.org", "password": "a\\u0000b"}',
    '{"email\\u0000": "a@example.org", "password": "x"}',
])
def test_unstorable_text_is_refused(client, text):
    assert_problem(raw_post(client, "/api/v1/auth/login", text), 400, "unstorable-text")


def test_unstorable_text_in_a_profile_changes_nothing(client, make):
    session = make.login(client, make.householder(make.scheme()))
    headers = {**session.headers, "If-Match": '"1"'}
    response = client.patch("/api/v1/me/profile", data='{"first_name": "a\\ud800"}', content_type="application/json",
                            headers=headers)
    assert_problem(response, 400, "unstorable-text")
    assert client.get("/api/v1/me/profile", headers=session.headers).headers["ETag"] == '"1"'


@pytest.mark.parametrize("text", ["[" * 50_000, '{"email": "a@example.org", "password": ' + "1" * 5000 + "}"])
def test_json_too_deep_or_too_long_is_malformed(client, text):
    assert_problem(raw_post(client, "/api/v1/auth/login", text), 400, "malformed-json")


def test_emails_are_checked_as_they_are_stored(client, make):
    scheme = make.scheme()
    body = {"scheme": scheme.slug, "email": "\ufdfa" * 20 + "@example.org", "password": PASSWORD, "role": "sharer"}
    assert "email" in assert_problem(client.post("/api/v1/auth/register", json=body), 422)["errors"]


@pytest.mark.parametrize("action, body, field", [
    ("trial", {"start_on": "9999-12-31"}, "start_on"),
    ("introduction", {"meeting_at": "0001-01-01T00:30:00+01:00", "place": "Cafe"}, "meeting_at"),
    ("introduction", {"meeting_at": "9999-12-31T23:00:00-05:00", "place": "Cafe"}, "meeting_at"),
    # Only the forms the description's patterns allow: YYYY-MM-DD for dates.
    ("trial", {"start_on": "20270104"}, "start_on"),
    ("trial", {"start_on": "2027-W01-1"}, "start_on"),
])
def test_dates_out_of_any_plan_are_refused(client, make, action, body, field):
    desk = Desk(client, make, make.scheme())
    desk.to_introduction() if action == "trial" else desk.to_proposed()
    if action == "introduction":
        desk.respond(desk.householder)
        desk.respond(desk.sharer)
    assert field in assert_problem(desk.post(action, body=body), 422)["errors"]


def test_a_match_cannot_move_on_once_a_person_is_no_longer_cleared(client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_proposed()
    desk.respond(desk.householder)
    desk.respond(desk.sharer)
    failed = client.put(f"/api/v1/people/{desk.sharer_person.id}/vetting/interview", headers=desk.coordinator.headers,
                        json={"status": "failed", "notes": "Concerns raised."})
    assert failed.status_code == 200
    response = desk.post("introduction", body={"meeting_at": "2027-01-10T10:00:00+00:00", "place": "Cafe"})
    assert_problem(response, 409, "person-not-cleared")
    assert desk.detail()["state"] == "proposed"

    other = Desk(client, make, make.scheme())
    other.to_introduction()
    client.post(f"/api/v1/accounts/{other.householder_person.id}/deactivate", headers=other.coordinator.headers)
    assert_problem(other.post("trial", body={"start_on": "2027-01-04"}), 409, "person-not-cleared")


def test_two_racing_steps_on_one_match_cannot_both_land(app, client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_proposed()
    desk.respond(desk.householder)
    desk.respond(desk.sharer)
    match_id = uuid.UUID(desk.match_id)
    with app.app_context():
        coordinator = accounts.get_account(uuid.UUID(desk.coordinator.person.id))
        stale = matching.get_match(match_id)  # the coordinator's view, read before the decline
        with app.app_context():  # meanwhile, in another request, the sharer changes their mind
            fresh = matching.get_match(match_id)
            fresh.sharer_response = None
            sharer = accounts.get_account(uuid.UUID(desk.sharer_person.id))
            matching.respond(actor=sharer, match=fresh, accept=False, reason="Changed my mind.", share_contact=False)
            db.session.remove()
        with pytest.raises(StaleDataError):
            matching.arrange_introduction(actor=coordinator, match=stale, meeting_at=stale.proposed_at, place="Cafe")
        db.session.rollback()
    detail = desk.detail()
    assert detail["state"] == "declined" and detail["introduction_at"] is None
    assert [e["action"] for e in detail["events"]][-1] == "decline"


def test_contact_consent_can_be_given_later(client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_proposed()
    desk.respond(desk.householder, share_contact_details=False)
    desk.respond(desk.sharer, share_contact_details=True)
    desk.respond(desk.householder, share_contact_details=True)
    desk.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Library"})
    assert desk.own(desk.householder)["other_party"]["contact"]["first_name"] == "Tomasz"


def burst(function, n=6):
    return collections.Counter(at_once(function, n))


def test_identical_requests_arriving_together_all_succeed_once(app, client, make):
    scheme = make.scheme()
    desk = Desk(client, make, scheme)
    person = make.householder(scheme)
    vetting = burst(lambda: app.test_client().put(f"/api/v1/people/{person.id}/vetting/identity",
                                                  headers=desk.coordinator.headers, json={"status": "pending"}).status_code)
    assert set(vetting) == {200}
    proposals = burst(lambda: app.test_client().post(
        f"/api/v1/schemes/{scheme.id}/matches", headers=desk.coordinator.headers,
        json={"householder_id": desk.householder_person.id, "sharer_id": desk.sharer_person.id}).status_code)
    assert proposals[201] == 1 and proposals[201] + proposals[200] == 6
    registrations = burst(lambda: app.test_client().post("/api/v1/auth/register", json={
        "scheme": scheme.slug, "email": "twice@example.org", "password": PASSWORD, "role": "sharer"}).status_code)
    assert registrations[202] == 6
    with app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM account WHERE email = 'twice@example.org'")).scalar_one() == 1
        db.session.remove()
    desk.match_id = client.get(f"/api/v1/schemes/{scheme.id}/matches", headers=desk.coordinator.headers).json[
        "items"][0]["id"]
    desk.respond(desk.householder)
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Library"})
    drafts = burst(lambda: app.test_client().put(f"/api/v1/matches/{desk.match_id}/agreement",
                                                 headers=desk.coordinator.headers, json=TERMS).status_code)
    assert drafts[201] == 1 and drafts[201] + drafts[200] == 6
    assert [v["number"] for v in desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement",
                                                 headers=desk.coordinator.headers).json["versions"]] == [1]


def test_background_check_expiry_keeps_to_the_renewal_interval(client, make):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    sharer = make.sharer(scheme)
    url = f"/api/v1/people/{sharer.id}/vetting/background"
    base = {"status": "passed", "certificate_number": "001234567890", "issued_on": "2026-01-10"}
    for expires_on in ("2040-01-01", "2026-01-10", "2025-12-01"):
        response = client.put(url, headers=coordinator.headers, json={**base, "expires_on": expires_on})
        assert "expires_on" in assert_problem(response, 422)["errors"]
    assert client.put(url, headers=coordinator.headers, json={**base, "expires_on": "2028-01-10"}).status_code == 200


def test_reordered_tasks_are_the_same_agreement_and_endings_follow_the_trial(client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_trial()
    desk.agree()
    again = client.put(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.coordinator.headers,
                       json={**TERMS, "tasks": list(reversed(TERMS["tasks"]))})
    assert again.status_code == 200 and again.json["current"]["number"] == 1
    response = desk.post("ending", body={"ended_by": "both", "reason": "x", "notice_given_days": 0,
                                         "end_on": "1999-01-01"})
    assert "end_on" in assert_problem(response, 422)["errors"]
    assert desk.detail()["state"] == "trial"


def test_concerns_are_about_householders_and_sharers_of_the_match_named(client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_introduction()
    colleague = make.coordinator(desk.scheme)
    stranger = make.ready("sharer", desk.scheme)
    body = {"category": "safeguarding", "severity": "urgent", "description": "x"}
    for about in ({"person_id": colleague.id}, {"match_id": desk.match_id, "person_id": stranger.id}):
        response = client.post("/api/v1/concerns", headers=desk.coordinator.headers, json={**body, **about})
        assert "person_id" in assert_problem(response, 422)["errors"]


def test_erasure_leaves_no_words_and_no_live_match_behind(app, client, make, clock):
    from datetime import datetime, timezone

    from homeshare.jobs.reminders import run_all

    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on="2027-03-01", terms={**TERMS, "start_on": "2027-03-01"})
    entry = str(uuid.uuid4())
    client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=desk.sharer.headers,
               json={"worked_on": "2027-03-30", "minutes": 60, "task": "cooking", "note": "Soup"})
    desk.post(f"hours/{entry}/dispute", desk.householder, {"reason": "She was at her sister's in Leeds."})
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    client.post(f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/contact", headers=desk.coordinator.headers,
                json={"kind": "call", "at": "2027-03-04T10:00:00+00:00", "notes": "She mentioned her diagnosis."})
    assert client.delete("/api/v1/me", headers=desk.householder.headers).status_code == 204
    detail = desk.detail()
    assert detail["state"] == "ended" and detail["end_reason"] == "account closed"
    # The steps keep their facts (which side, which day), never a reason or a place.
    assert all(set(e["details"] or {}) <= {"side", "start_on", "meeting_at"} for e in detail["events"])
    hours = client.get(f"/api/v1/matches/{desk.match_id}/hours", headers=desk.coordinator.headers).json["items"]
    assert hours[0]["dispute_reason"] is None and hours[0]["note"] is None
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    assert checkin["contact_notes"] is None
    with app.app_context():
        run_all(datetime(2027, 4, 20, 12, 0, tzinfo=timezone.utc))
        db.session.remove()
    inbox = client.get("/api/v1/me/notifications?per_page=100", headers=desk.sharer.headers).json["items"]
    assert not [n for n in inbox if n["kind"] == "checkin_due" and n["created_at"] >= "2027-04"]


def test_a_moved_check_in_is_reminded_on_its_new_day(app, client, make, clock):
    from datetime import datetime, timezone

    from homeshare.jobs.reminders import run_all

    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_trial(start_on="2027-03-01")
    first = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]

    def tick(*moment):
        with app.app_context():
            run_all(datetime(*moment, tzinfo=timezone.utc))
            db.session.remove()

    def reminders():
        inbox = client.get("/api/v1/me/notifications?per_page=100", headers=desk.sharer.headers).json["items"]
        return [n for n in inbox if n["kind"] == "checkin_due" and n["data"]["checkin_id"] == first["id"]]

    tick(2027, 3, 4, 12)
    assert len(reminders()) == 1
    client.patch(f"/api/v1/matches/{desk.match_id}/checkins/{first['id']}", headers=desk.coordinator.headers,
                 json={"due_on": "2027-03-11"})
    tick(2027, 3, 11, 12)
    assert len(reminders()) == 2


def test_an_admins_writes_appear_in_the_schemes_trail(client, make):
    scheme = make.scheme()
    admin = make.login(client, make.admin())
    client.patch(f"/api/v1/schemes/{scheme.id}", headers=admin.headers, json={"name": "By the admin"})
    events = client.get(f"/api/v1/schemes/{scheme.id}/audit", headers=admin.headers).json["items"]
    assert [(e["action"], e["actor_id"], e["after"]) for e in events] == [
        ("scheme.updated", admin.person.id, {"name": "By the admin"})]


def test_csv_cells_never_run_as_formulas(client, make):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    make.ready("sharer", scheme, first_name='=HYPERLINK("http://evil.example/","Tom")')
    text = client.get(f"/api/v1/schemes/{scheme.id}/exports/people.csv", headers=coordinator.headers).get_data(
        as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_identical_answers_devices_and_entries_arriving_together(app, client, make, clock):
    from datetime import datetime, timezone

    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_active(start_on="2027-03-01", terms={**TERMS, "start_on": "2027-03-01"})
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    answers = burst(lambda: app.test_client().put(
        f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/answer", headers=desk.sharer.headers,
        json={"wellbeing": 4, "match_going": 4, "help_happening": True}).status_code, 4)
    assert set(answers) == {200}
    devices = burst(lambda: app.test_client().post("/api/v1/me/devices", headers=desk.sharer.headers,
                                                   json={"platform": "ios", "token": "same-token-123"}).status_code, 4)
    assert devices[201] == 1 and devices[201] + devices[200] == 4
    client.put(f"/api/v1/matches/{desk.match_id}/hours/{uuid.uuid4()}", headers=desk.sharer.headers,
               json={"worked_on": "2027-03-30", "minutes": 600, "task": "cooking"})
    entry = str(uuid.uuid4())
    entries = burst(lambda: app.test_client().put(f"/api/v1/matches/{desk.match_id}/hours/{entry}",
                                                  headers=desk.sharer.headers,
                                                  json={"worked_on": "2027-03-30", "minutes": 720,
                                                        "task": "cooking"}).status_code, 4)
    assert entries[201] == 1 and entries[201] + entries[200] == 4


def test_a_retrying_phone_s_burst_of_the_same_write_leaves_one_effect(app, client, make, clock):
    """Accepting a proposal, answering a check-in, accepting the agreement and logging
    hours, each sent six times at once by a phone that retries: every copy succeeds and
    one effect is stored."""
    from datetime import datetime, timezone

    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_proposed()
    accepts = burst(lambda: app.test_client().post(
        f"/api/v1/matches/{desk.match_id}/response", headers=desk.householder.headers,
        json={"decision": "accept"}).status_code)
    assert set(accepts) == {200}
    events = [e["action"] for e in desk.detail()["events"]]
    assert events.count("accept") == 1, events

    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-02-21T14:00:00+00:00", "place": "Library"})
    desk.ok("trial", body={"start_on": "2027-02-22"})
    clock.set(datetime(2027, 2, 26, 12, 0, tzinfo=timezone.utc))
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    low = {"wellbeing": 2, "match_going": 4, "help_happening": True, "comments": "Feeling low."}
    answers = burst(lambda: app.test_client().put(
        f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}/answer", headers=desk.sharer.headers,
        json=low).status_code)
    assert set(answers) == {200}
    stored = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=desk.coordinator.headers).json["items"][0]
    assert [a["side"] for a in stored["answers"]] == ["sharer"]
    alerts = [n for n in client.get("/api/v1/me/notifications", headers=desk.coordinator.headers).json["items"]
              if n["kind"] == "checkin_alert"]
    assert len(alerts) == 1

    desk.agree({**TERMS, "start_on": "2027-02-22"})
    for session in (desk.householder, desk.sharer):
        accepted = burst(lambda: app.test_client().post(
            f"/api/v1/matches/{desk.match_id}/agreement/acceptance", headers=session.headers,
            json={"version": 1}).status_code)
        assert set(accepted) == {200}
    trail = client.get(f"/api/v1/schemes/{desk.scheme.id}/audit", headers=desk.coordinator.headers,
                       query_string={"action": "agreement.version_accepted"}).json
    assert sorted(e["after"]["side"] for e in trail["items"]) == ["householder", "sharer"]
    entry = str(uuid.uuid4())
    logged = burst(lambda: app.test_client().put(
        f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=desk.sharer.headers,
        json={"worked_on": "2027-02-25", "minutes": 90, "task": "cooking"}).status_code)
    assert logged[201] == 1 and logged[201] + logged[200] == 6
    hours = client.get(f"/api/v1/matches/{desk.match_id}/hours", headers=desk.coordinator.headers).json
    assert [item["id"] for item in hours["items"]] == [entry]


def test_patterns_hold_to_the_whole_value_and_moments_take_the_forms_apps_write(client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_proposed()
    desk.respond(desk.householder)
    desk.respond(desk.sharer)
    for meeting_at in ("2026-12-01T14:00Z", "2026-12-01 14:00:00+00:00", "2026-12-01T14:00:00.000000000Z"):  # one moment, three spellings
        response = desk.post("introduction", body={"meeting_at": meeting_at, "place": "Library"})
        assert response.status_code == 200, response.json
    assert "meeting_at" in assert_problem(desk.post("introduction", body={"meeting_at": "2026-12-01T14Z",
                                                                           "place": "Library"}), 422)["errors"]
    session = make.login(client, make.householder(desk.scheme))
    etag = client.get("/api/v1/me/profile", headers=session.headers).headers["ETag"]
    response = client.patch("/api/v1/me/profile", headers={**session.headers, "If-Match": etag},
                            json={"photo_url": "https://photos.example.org/me.jpg\n"})
    assert "photo_url" in assert_problem(response, 422)["errors"]
