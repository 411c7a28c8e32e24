"""The calendar feed: a secret link per person, read back with icalendar."""

from __future__ import annotations

import logging

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa

from homeshare.calendars.models import CalendarFeed
from homeshare.extensions import db
from tests.helpers import assert_problem, at_once
from tests.matchdesk import Desk

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)
NOTES = "Worried about the stairs at night."
VISIT = {"kind": "visit", "starts_at": "2027-01-12T14:00:00", "ends_at": "2027-01-12T16:00:00",
         "place": "4 Cardigan Road", "coordinator_attends": True, "coordinator_notes": NOTES}
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.to_introduction()
    return desk


def link(desk, session):
    response = desk.client.post("/api/v1/me/calendar", headers=session.headers)
    assert response.status_code == 201, response.json
    return response.json["url"]


def feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return response.get_data(as_text=True), icalendar.Calendar.from_ical(response.get_data())


def events(calendar):
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def plan(desk, body):
    response = desk.client.post(f"/api/v1/matches/{desk.match_id}/meetings", headers=desk.coordinator.headers,
                                json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_a_person_subscribes_to_their_meetings_with_times_in_the_schemes_zone(app, client, desk):
    summer = plan(desk, {**VISIT, "starts_at": "2027-07-12T14:00:00", "ends_at": "2027-07-12T16:00:00"})
    winter = plan(desk, {**VISIT, "kind": "shared-meal", "coordinator_attends": False})
    url = link(desk, desk.sharer)
    assert url.startswith("http://localhost/api/v1/calendar/") and url.endswith(".ics")
    text, calendar = feed(client, url.removeprefix("http://localhost"))
    found = events(calendar)
    assert set(found) == {f"meeting-{summer['id']}@homeshare", f"meeting-{winter['id']}@homeshare"}
    event = found[f"meeting-{summer['id']}@homeshare"]
    start = event.decoded("dtstart")
    assert start == datetime(2027, 7, 12, 14, 0, tzinfo=LONDON) and start.utcoffset() == timedelta(hours=1)
    assert str(event["dtstart"].params["TZID"]) == "Europe/London"
    assert event.decoded("dtend") == datetime(2027, 7, 12, 15, 0, tzinfo=timezone.utc)
    assert (str(event["status"]), event.decoded("sequence"), str(event["location"])) == ("CONFIRMED", 0,
                                                                                          "4 Cardigan Road")
    assert "coordinator will be there" in str(event["description"])
    assert calendar.walk("VTIMEZONE") and str(calendar.walk("VTIMEZONE")[0]["tzid"]) == "Europe/London"
    # The coordinators' notes are in no event, nor anywhere in the feed.
    assert NOTES not in text and "stairs" not in text
    # The householder's own link shows the same meetings.
    _text, theirs = feed(client, link(desk, desk.householder).removeprefix("http://localhost"))
    assert set(events(theirs)) == set(found)


def test_a_moved_meeting_keeps_its_uid_with_a_higher_sequence_and_a_cancelled_one_says_so(app, client, desk):
    moved = plan(desk, VISIT)
    cancelled = plan(desk, {**VISIT, "kind": "overnight-stay", "starts_at": "2027-01-16T18:00:00",
                            "ends_at": "2027-01-17T10:00:00"})
    url = link(desk, desk.householder).removeprefix("http://localhost")
    assert desk.client.patch(f"/api/v1/meetings/{moved['id']}", headers=desk.coordinator.headers, json={
        "starts_at": "2027-01-13T15:30:00", "ends_at": "2027-01-13T17:00:00"}).status_code == 200
    assert desk.client.post(f"/api/v1/meetings/{cancelled['id']}/cancellation",
                            headers=desk.coordinator.headers).status_code == 200
    _text, calendar = feed(client, url)
    found = events(calendar)
    event = found[f"meeting-{moved['id']}@homeshare"]
    assert event.decoded("sequence") == 1 and event.decoded("dtstart") == datetime(2027, 1, 13, 15, 30, tzinfo=LONDON)
    gone = found[f"meeting-{cancelled['id']}@homeshare"]
    assert (str(gone["status"]), gone.decoded("sequence")) == ("CANCELLED", 1)


def test_meetings_to_come_of_a_withdrawn_match_show_as_cancelled(app, client, desk):
    meeting = plan(desk, VISIT)
    url = link(desk, desk.sharer).removeprefix("http://localhost")
    desk.ok("withdrawal", body={"reason": "The householder went into hospital."})
    _text, calendar = feed(client, url)
    assert str(events(calendar)[f"meeting-{meeting['id']}@homeshare"]["status"]) == "CANCELLED"


def test_open_check_ins_are_all_day_events_until_answered(app, client, make, clock):
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme())
    desk.to_trial(start_on="2027-03-01")
    url = link(desk, desk.sharer).removeprefix("http://localhost")
    _text, calendar = feed(client, url)
    checkins = [event for uid, event in events(calendar).items() if uid.startswith("checkin-")]
    first = min(checkins, key=lambda event: event.decoded("dtstart"))
    assert first.decoded("dtstart") == date(2027, 3, 4) and first.decoded("dtend") == date(2027, 3, 5)
    assert "2027-03-01" in str(first["description"])
    checkin_id = str(first["uid"]).removeprefix("checkin-").removesuffix("@homeshare")
    clock.set(datetime(2027, 3, 2, 12, 0, tzinfo=timezone.utc))
    answered = client.put(f"/api/v1/matches/{desk.match_id}/checkins/{checkin_id}/answer", headers=desk.sharer.headers,
                          json={"wellbeing": 4, "match_going": 4, "help_happening": True})
    assert answered.status_code == 200, answered.json
    _text, calendar = feed(client, url)
    assert f"checkin-{checkin_id}@homeshare" not in events(calendar)
    # The householder has not answered it: it stays in hers.
    _text, hers = feed(client, link(desk, desk.householder).removeprefix("http://localhost"))
    assert f"checkin-{checkin_id}@homeshare" in events(hers)


def test_a_new_link_voids_the_old_one_at_once_and_removing_it_voids_it(app, client, desk):
    old = link(desk, desk.sharer).removeprefix("http://localhost")
    new = link(desk, desk.sharer).removeprefix("http://localhost")
    assert old != new
    assert_problem(client.get(old), 404, "not-found")
    feed(client, new)
    with app.app_context():
        stored = db.session.scalars(sa.select(CalendarFeed.secret_hash)).all()
        db.session.remove()
    secret = new.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(stored) == 1 and secret not in stored[0]  # only a hash is kept
    assert desk.client.delete("/api/v1/me/calendar", headers=desk.sharer.headers).status_code == 204
    assert desk.client.delete("/api/v1/me/calendar", headers=desk.sharer.headers).status_code == 204
    assert_problem(client.get(new), 404, "not-found")


def test_the_secret_stays_out_of_the_access_log(client, desk, caplog):
    caplog.set_level(logging.INFO, logger="homeshare")
    url = link(desk, desk.sharer).removeprefix("http://localhost")
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    feed(client, url)
    access = [record for record in caplog.records if record.name == "homeshare.access"]
    assert [record.path for record in access][-1] == "/api/v1/calendar/[secret].ics"
    assert not any(secret in record.getMessage() or secret in record.path for record in access)


def test_the_first_link_asked_for_twice_at_once_gives_two_links_of_which_the_last_holds(app, desk):
    answers = at_once(lambda: app.test_client().post("/api/v1/me/calendar", headers=desk.sharer.headers), 2)
    assert sorted(answer.status_code for answer in answers) == [201, 201]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 1
        db.session.remove()


def test_an_unknown_secret_or_a_closed_account_is_not_found(app, client, desk):
    assert_problem(client.get("/api/v1/calendar/not-a-secret.ics"), 404, "not-found")
    url = link(desk, desk.sharer).removeprefix("http://localhost")
    assert desk.client.post(f"/api/v1/accounts/{desk.sharer_person.id}/deactivate", headers=desk.coordinator.headers,
                            json={}).status_code == 200
    assert_problem(client.get(url), 404, "not-found")


def test_only_householders_and_sharers_have_a_calendar_link(app, client, desk, make):
    representative = make.login(client, make.representative(desk.scheme, desk.householder_person))
    for session in (desk.coordinator, representative):
        assert_problem(client.post("/api/v1/me/calendar", headers=session.headers), 403)
    assert_problem(client.post("/api/v1/me/calendar"), 401)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0
        db.session.remove()
