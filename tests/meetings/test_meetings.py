"""Meetings of a match in its introduction: planning, moving, cancelling, marking held, feedback,
notifications and the day-before reminder, with a controlled clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.models import Match
from homeshare.meetings import service
from homeshare.meetings.models import MeetingKind, MeetingStatus
from homeshare.jobs.reminders import run_all
from homeshare.meetings.models import Meeting, MeetingFeedback
from homeshare.notifications.models import Notification
from tests.helpers import assert_problem, at_once
from tests.matchdesk import Desk

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)  # a Sunday, in winter: London is on UTC
VISIT = {"kind": "visit", "starts_at": "2027-01-12T14:00:00", "ends_at": "2027-01-12T16:00:00",
         "place": "The householder's home", "coordinator_attends": True, "coordinator_notes": "Peggy is nervous."}
NOTES = "Peggy is nervous."


@pytest.fixture
def desk(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.to_introduction()
    return desk


def plan(desk, body=None, session=None):
    return desk.client.post(f"/api/v1/matches/{desk.match_id}/meetings", headers=(session or desk.coordinator).headers,
                            json=body or VISIT)


def planned(desk, body=None):
    response = plan(desk, body)
    assert response.status_code == 201, response.json
    return response.json


def step(desk, meeting_id, action, session=None, method="post", body=None):
    url = f"/api/v1/meetings/{meeting_id}" + (f"/{action}" if action else "")
    return desk.client.open(url, method=method, headers=(session or desk.coordinator).headers, json=body)


def count(app, model):
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
    return found


def notifications(app, kind):
    with app.app_context():
        rows = db.session.execute(sa.select(Notification.account_id, Notification.dedupe_key)
                                  .where(Notification.kind == kind)).all()
        db.session.remove()
    return rows


def test_a_coordinator_plans_a_meeting_in_local_time_and_both_people_are_told(app, desk):
    meeting = planned(desk, {**VISIT, "starts_at": "2027-07-12T14:00:00", "ends_at": "2027-07-12T16:00"})
    # A naive time is the scheme's (London, in summer: UTC+1); answers carry the zone's offset.
    assert meeting["starts_at"] == "2027-07-12T14:00:00+01:00" and meeting["ends_at"] == "2027-07-12T16:00:00+01:00"
    assert meeting["timezone"] == "Europe/London"
    assert (meeting["status"], meeting["sequence"], meeting["previous_starts_at"]) == ("planned", 0, None)
    assert meeting["coordinator_notes"] == NOTES and meeting["feedback"] == []
    told = notifications(app, "meeting_planned")
    assert {str(account) for account, _key in told} == {desk.householder_person.id, desk.sharer_person.id}
    # With an offset, the instant is kept and shown in the scheme's zone.
    other = planned(desk, {**VISIT, "kind": "shared-meal", "starts_at": "2027-01-15T18:00:00Z",
                           "ends_at": "2027-01-15T20:00:00+00:00"})
    assert other["starts_at"] == "2027-01-15T18:00:00+00:00"


def test_planning_is_safe_to_repeat(app, desk):
    chosen = str(uuid.uuid4())
    first = planned(desk, {**VISIT, "meeting_id": chosen})
    again = plan(desk, {**VISIT, "meeting_id": chosen})
    assert again.status_code == 200 and again.json["id"] == first["id"] == chosen
    # The same kind at the same start, without an id: the one planned before.
    assert plan(desk, VISIT).status_code == 200 and plan(desk, VISIT).json["id"] == chosen
    results = at_once(lambda: plan(desk, {**VISIT, "meeting_id": str(uuid.UUID(int=7)),
                                          "starts_at": "2027-01-13T10:00:00", "ends_at": "2027-01-13T11:00:00"}).status_code, 3)
    assert sorted(results) == [200, 200, 201]
    assert count(app, Meeting) == 2
    assert len(notifications(app, "meeting_planned")) == 4  # two meetings, two people, once each


def test_a_move_at_the_moment_of_a_cancellation_never_undoes_it(app, desk):
    for _ in range(3):
        meeting = planned(desk, {**VISIT, "meeting_id": str(uuid.uuid4())})
        url, headers = f"/api/v1/meetings/{meeting['id']}", desk.coordinator.headers
        calls = iter([
            lambda client: client.patch(url, headers=headers, json={"starts_at": "2027-01-14T14:00:00",
                                                                    "ends_at": "2027-01-14T16:00:00"}),
            lambda client: client.post(f"{url}/cancellation", headers=headers),
        ])
        answers = at_once(lambda: next(calls)(app.test_client()).status_code, 2)
        assert 200 in answers and set(answers) <= {200, 409}
        assert step(desk, meeting["id"], None, method="get").json["status"] == "cancelled"


@pytest.mark.parametrize("state", ["proposed", "trial", "ended", "withdrawn"])
def test_meetings_are_planned_only_in_the_introduction(app, client, make, clock, state):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    getattr(desk, f"to_{state}")()
    assert_problem(plan(desk), 409, "match-not-in-introduction")
    assert count(app, Meeting) == 0


@pytest.mark.parametrize("body, field", [
    ({**VISIT, "ends_at": "2027-01-12T14:00:00"}, "ends_at"),
    ({**VISIT, "ends_at": "2027-01-12T13:00:00"}, "ends_at"),
    ({**VISIT, "kind": "party"}, "kind"),
    ({**VISIT, "starts_at": "12/01/2027 14:00"}, "starts_at"),
    ({**VISIT, "place": " "}, "place"),
])
def test_bad_plans_are_refused_and_nothing_is_stored(app, desk, body, field):
    body = assert_problem(plan(desk, body), 422, "validation-error")
    assert field in body["errors"]
    assert count(app, Meeting) == 0


def test_people_do_not_plan_meetings(app, desk):
    assert_problem(plan(desk, session=desk.householder), 403)
    assert count(app, Meeting) == 0


def test_moving_keeps_the_previous_start_and_tells_both_people_once_per_move(app, desk):
    meeting = planned(desk)
    moved = step(desk, meeting["id"], None, method="patch",
                 body={"starts_at": "2027-01-14T10:00:00", "ends_at": "2027-01-14T12:00:00"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["status"], moved.json["sequence"]) == ("moved", 1)
    assert moved.json["previous_starts_at"] == "2027-01-12T14:00:00+00:00"
    assert moved.json["starts_at"] == "2027-01-14T10:00:00+00:00"
    # The same move again changes nothing and tells nobody again.
    again = step(desk, meeting["id"], None, method="patch",
                 body={"starts_at": "2027-01-14T10:00:00", "ends_at": "2027-01-14T12:00:00"})
    assert again.json["sequence"] == 1
    assert len(notifications(app, "meeting_moved")) == 2
    moved_again = step(desk, meeting["id"], None, method="patch",
                       body={"starts_at": "2027-01-15T10:00:00", "ends_at": "2027-01-15T12:00:00", "place": "Cafe"})
    assert (moved_again.json["sequence"], moved_again.json["place"]) == (2, "Cafe")
    assert moved_again.json["previous_starts_at"] == "2027-01-14T10:00:00+00:00"
    assert len(notifications(app, "meeting_moved")) == 4


def test_cancelling_tells_both_people_once_and_a_cancelled_meeting_stays_cancelled(app, desk):
    meeting = planned(desk)
    cancelled = step(desk, meeting["id"], "cancellation")
    assert (cancelled.json["status"], cancelled.json["sequence"]) == ("cancelled", 1)
    assert step(desk, meeting["id"], "cancellation").json["sequence"] == 1  # again: nothing changes
    assert len(notifications(app, "meeting_cancelled")) == 2
    assert_problem(step(desk, meeting["id"], None, method="patch",
                        body={"starts_at": "2027-01-14T10:00:00", "ends_at": "2027-01-14T12:00:00"}),
                   409, "meeting-not-upcoming")
    assert_problem(step(desk, meeting["id"], "held"), 409, "meeting-not-upcoming")
    with app.app_context():
        stored = db.session.get(Meeting, uuid.UUID(meeting["id"]))
        assert (stored.status.value, stored.sequence, stored.previous_starts_at) == ("cancelled", 1, None)
        db.session.remove()


def test_a_meeting_is_marked_held_once_its_start_has_passed(app, desk, clock):
    meeting = planned(desk)
    assert_problem(step(desk, meeting["id"], "held"), 409, "meeting-not-started")
    clock.set(datetime(2027, 1, 12, 14, 5, tzinfo=timezone.utc))
    held = step(desk, meeting["id"], "held")
    assert held.status_code == 200 and held.json["status"] == "held"
    assert step(desk, meeting["id"], "held").status_code == 200
    assert_problem(step(desk, meeting["id"], "cancellation"), 409, "meeting-not-upcoming")
    assert_problem(step(desk, meeting["id"], None, method="patch",
                        body={"starts_at": "2027-01-14T10:00:00", "ends_at": "2027-01-14T12:00:00"}),
                   409, "meeting-not-upcoming")


def test_moving_needs_the_match_in_its_introduction(app, desk):
    meeting = planned(desk)
    desk.ok("trial", body={"start_on": "2027-01-18"})
    assert_problem(step(desk, meeting["id"], None, method="patch",
                        body={"starts_at": "2027-01-14T10:00:00", "ends_at": "2027-01-14T12:00:00"}),
                   409, "match-not-in-introduction")
    # Cancelling a meeting left over is still possible.
    assert step(desk, meeting["id"], "cancellation").json["status"] == "cancelled"


FEEDBACK = {"how_it_went": 4, "carry_on": "yes", "comments": "Lovely afternoon."}


def test_each_side_gives_feedback_on_a_held_meeting_and_sees_only_its_own(app, desk, clock, make):
    meeting = planned(desk)
    assert_problem(step(desk, meeting["id"], "feedback", desk.sharer, "put", FEEDBACK), 409, "meeting-not-held")
    assert count(app, MeetingFeedback) == 0
    clock.set(datetime(2027, 1, 12, 17, 0, tzinfo=timezone.utc))
    step(desk, meeting["id"], "held")
    given = step(desk, meeting["id"], "feedback", desk.sharer, "put", FEEDBACK)
    assert given.status_code == 200, given.json
    assert (given.json["side"], given.json["given_as"], given.json["on_behalf"]) == ("sharer", "self", [])
    changed = step(desk, meeting["id"], "feedback", desk.sharer, "put", {**FEEDBACK, "carry_on": "not-sure"})
    assert changed.json["carry_on"] == "not-sure" and count(app, MeetingFeedback) == 1
    # The householder's representative (who answers check-ins for her) gives hers.
    representative = make.login(desk.client, make.representative(desk.scheme, desk.householder_person,
                                                                  scopes=("answer-checkins",)))
    proxy = step(desk, meeting["id"], "feedback", representative, "put", {"how_it_went": 3, "carry_on": "no"})
    assert (proxy.json["side"], proxy.json["given_as"]) == ("householder", "proxy")
    own = desk.client.get(f"/api/v1/me/meetings/{meeting['id']}", headers=desk.sharer.headers).json
    assert own["your_feedback"]["carry_on"] == "not-sure" and "coordinator_notes" not in own
    theirs = desk.client.get(f"/api/v1/me/meetings/{meeting['id']}", headers=representative.headers).json
    assert theirs["your_feedback"]["given_as"] == "proxy"
    full = step(desk, meeting["id"], None, method="get").json
    assert [item["side"] for item in full["feedback"]] == ["householder", "sharer"]
    # The person's export holds their feedback, whoever gave it for them, and no coordinator notes.
    export = desk.client.get("/api/v1/me/export", headers=desk.householder.headers)
    assert [(item["meeting_id"], item["given_as"]) for item in export.json["meeting_feedback"]] == [
        (meeting["id"], "proxy")]
    assert NOTES not in export.get_data(as_text=True)
    # A representative who may only see the match does not give feedback.
    watcher = make.login(desk.client, make.representative(desk.scheme, desk.sharer_person, scopes=("see-match",)))
    assert_problem(step(desk, meeting["id"], "feedback", watcher, "put", FEEDBACK), 404)


def test_a_coordinator_records_a_persons_feedback_for_them(app, client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme(), householder_without_login=True)
    desk.propose()
    on_behalf = {"person_id": desk.householder_person.id, "how": "by-phone", "given_at": "2027-01-10T11:00:00+00:00"}
    desk.respond(desk.coordinator, share_contact_details=True, on_behalf=on_behalf)
    desk.respond(desk.sharer, share_contact_details=True)
    desk.ok("introduction", body={"meeting_at": "2027-01-11T14:00:00+00:00", "place": "Library"})
    meeting = planned(desk, {**VISIT, "starts_at": "2027-01-10T09:00:00", "ends_at": "2027-01-10T10:00:00"})
    step(desk, meeting["id"], "held")
    assert_problem(step(desk, meeting["id"], "feedback", body=FEEDBACK, method="put"), 422, "validation-error")
    recorded = step(desk, meeting["id"], "feedback", method="put", body={**FEEDBACK, "on_behalf": on_behalf})
    assert recorded.status_code == 200, recorded.json
    assert (recorded.json["given_as"], recorded.json["side"]) == ("on-behalf", "householder")
    assert recorded.json["on_behalf"][0]["how"] == "by-phone"
    again = step(desk, meeting["id"], "feedback", method="put", body={**FEEDBACK, "on_behalf": on_behalf})
    assert again.status_code == 200 and len(again.json["on_behalf"]) == 1  # the same record, not a second one


def test_coordinator_notes_never_reach_the_people_or_their_representatives(app, desk, make):
    meeting = planned(desk)
    assert step(desk, meeting["id"], "notes", method="put", body={"notes": "Call the daughter first."}).json[
        "coordinator_notes"] == "Call the daughter first."
    representative = make.login(desk.client, make.representative(desk.scheme, desk.householder_person))
    for session in (desk.householder, desk.sharer, representative):
        for url in (f"/api/v1/me/matches/{desk.match_id}/meetings", f"/api/v1/me/meetings/{meeting['id']}"):
            response = desk.client.get(url, headers=session.headers)
            assert response.status_code == 200, response.json
            text = response.get_data(as_text=True)
            assert "Call the daughter" not in text and NOTES not in text and "coordinator_notes" not in text
        assert_problem(desk.client.get(f"/api/v1/meetings/{meeting['id']}", headers=session.headers), 403)
    with app.app_context():
        bodies = db.session.scalars(sa.select(Notification.body)).all()
        db.session.remove()
    assert not [body for body in bodies if "daughter" in body or "nervous" in body]


def test_people_outside_the_match_do_not_reach_its_meetings(app, desk, make):
    meeting = planned(desk)
    stranger = make.login(desk.client, make.ready("sharer", desk.scheme))
    assert_problem(desk.client.get(f"/api/v1/me/meetings/{meeting['id']}", headers=stranger.headers), 404)
    assert_problem(desk.client.get(f"/api/v1/me/matches/{desk.match_id}/meetings", headers=stranger.headers), 404)
    elsewhere = make.login(desk.client, make.coordinator(make.scheme()))
    assert_problem(step(desk, meeting["id"], "cancellation", elsewhere), 404)
    assert_problem(step(desk, str(uuid.uuid4()), "cancellation"), 404)


def test_the_day_before_reminds_both_people_once_in_the_schemes_morning(app, desk, clock):
    planned(desk)  # Tuesday 12 January, 14:00
    with app.app_context():
        assert run_all(datetime(2027, 1, 11, 8, 59, tzinfo=timezone.utc)) == 0  # before the reminder hour
        db.session.remove()
    for _ in range(2):  # the tick twice: once only
        with app.app_context():
            run_all(datetime(2027, 1, 11, 9, 0, tzinfo=timezone.utc))
            run_all(datetime(2027, 1, 11, 9, 1, tzinfo=timezone.utc))
            db.session.remove()
    reminded = notifications(app, "meeting_tomorrow")
    assert sorted(str(account) for account, _key in reminded) == sorted(
        [desk.householder_person.id, desk.sharer_person.id])
    # On the day itself, no reminder "for tomorrow".
    with app.app_context():
        run_all(datetime(2027, 1, 12, 9, 0, tzinfo=timezone.utc))
        db.session.remove()
    assert len(notifications(app, "meeting_tomorrow")) == 2


def test_a_cancelled_meeting_is_not_reminded_and_a_moved_one_is_on_its_new_eve(app, desk, clock):
    cancelled = planned(desk)
    step(desk, cancelled["id"], "cancellation")
    moved = planned(desk, {**VISIT, "kind": "shared-meal"})
    step(desk, moved["id"], None, method="patch",
         body={"starts_at": "2027-01-14T18:00:00", "ends_at": "2027-01-14T20:00:00"})
    with app.app_context():
        run_all(datetime(2027, 1, 11, 10, 0, tzinfo=timezone.utc))
        db.session.remove()
    assert notifications(app, "meeting_tomorrow") == []
    with app.app_context():
        run_all(datetime(2027, 1, 13, 10, 0, tzinfo=timezone.utc))
        run_all(datetime(2027, 1, 13, 10, 1, tzinfo=timezone.utc))
        db.session.remove()
    assert len(notifications(app, "meeting_tomorrow")) == 2


def test_representatives_get_copies_of_what_the_people_are_told(app, desk, make):
    representative = make.representative(desk.scheme, desk.householder_person)
    planned(desk)
    told = {str(account) for account, _key in notifications(app, "meeting_planned")}
    assert representative.id in told and len(told) == 3


def test_the_meetings_list_stays_flat_as_it_grows(app, desk, clock, count_queries):
    for day in range(12, 20):
        meeting = planned(desk, {**VISIT, "starts_at": f"2027-01-{day}T10:00:00", "ends_at": f"2027-01-{day}T11:00:00"})
        if day < 15:
            clock.set(datetime(2027, 1, day, 12, 0, tzinfo=timezone.utc))
            step(desk, meeting["id"], "held")
            step(desk, meeting["id"], "feedback", desk.sharer, "put", FEEDBACK)
            step(desk, meeting["id"], "feedback", desk.householder, "put", FEEDBACK)
    counts = []
    for per_page in (2, 8):
        for url, session in ((f"/api/v1/matches/{desk.match_id}/meetings", desk.coordinator),
                             (f"/api/v1/me/matches/{desk.match_id}/meetings", desk.sharer)):
            with count_queries() as statements:
                response = desk.client.get(url, headers=session.headers, query_string={"per_page": per_page})
            assert response.status_code == 200 and len(response.json["items"]) == per_page
            counts.append(len(statements))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


def test_a_meeting_is_read_in_four_statements(desk, clock, make, count_queries):
    """The account, the meeting with its match (who reaches it), its feedback, and what was given
    for someone: the gate's reads serve the view, nothing is read twice."""
    meeting = planned(desk)
    clock.set(datetime(2027, 1, 12, 17, 0, tzinfo=timezone.utc))
    step(desk, meeting["id"], "held")
    step(desk, meeting["id"], "feedback", desk.sharer, "put", FEEDBACK)
    step(desk, meeting["id"], "feedback", desk.householder, "put", {"how_it_went": 3, "carry_on": "no"})
    seen = {}
    for name, url, session in (("full", f"/api/v1/meetings/{meeting['id']}", desk.coordinator),
                               ("own", f"/api/v1/me/meetings/{meeting['id']}", desk.sharer)):
        with count_queries() as statements:
            response = desk.client.get(url, headers=session.headers)
        assert response.status_code == 200, response.json
        seen[name] = (response.json, len(statements))
    assert [item["carry_on"] for item in seen["full"][0]["feedback"]] == ["no", "yes"] and seen["full"][1] == 4
    assert seen["own"][0]["your_feedback"]["carry_on"] == "yes" and seen["own"][1] == 4


def test_a_time_without_an_offset_is_the_schemes_own_across_the_clock_change(app, client, make, clock):
    """Rule edge cases, through the service: a scheme in New York, a meeting the night the clocks
    go forward there, and a meeting held exactly at its start."""
    clock.set(datetime(2027, 3, 10, 12, 0, tzinfo=timezone.utc))
    desk = Desk(client, make, make.scheme(timezone="America/New_York"))
    desk.to_introduction()
    with app.app_context():
        coordinator = db.session.get(Account, uuid.UUID(desk.coordinator.person.id))
        match = db.session.get(Match, uuid.UUID(desk.match_id))
        meeting, created = service.plan(actor=coordinator, match=match, values={
            "kind": MeetingKind.OVERNIGHT_STAY, "starts_at": datetime(2027, 3, 13, 20, 0),
            "ends_at": datetime(2027, 3, 14, 9, 0), "place": "Brooklyn", "coordinator_attends": False})
        assert created
        # EST (UTC-5) in the evening, EDT (UTC-4) the next morning.
        assert meeting.starts_at == datetime(2027, 3, 14, 1, 0, tzinfo=timezone.utc)
        assert meeting.ends_at == datetime(2027, 3, 14, 13, 0, tzinfo=timezone.utc)
        assert (meeting.local_starts_at.utcoffset(), meeting.local_ends_at.utcoffset()) == (
            timedelta(hours=-5), timedelta(hours=-4))
        with pytest.raises(Conflict):
            service.mark_held(actor=coordinator, meeting=meeting)
        db.session.rollback()
        clock.set(datetime(2027, 3, 14, 1, 0, tzinfo=timezone.utc))
        assert service.mark_held(actor=coordinator, meeting=meeting).status is MeetingStatus.HELD
        with pytest.raises(ValidationFailed):
            service.plan(actor=coordinator, match=match, values={
                "kind": MeetingKind.VISIT, "starts_at": datetime(2027, 3, 13, 20, 0),
                "ends_at": datetime(2027, 3, 14, 1, 0, tzinfo=timezone.utc), "place": "x",
                "coordinator_attends": False})
        db.session.remove()
    assert count(app, Meeting) == 1


@pytest.mark.parametrize("scopes, sees", [(("see-match",), True), (("answer-checkins",), True),
                                          (("confirm-hours", "raise-concerns"), False)])
def test_a_representative_sees_the_meetings_within_their_scope(app, desk, make, scopes, sees):
    meeting = planned(desk)
    representative = make.login(desk.client, make.representative(desk.scheme, desk.sharer_person, scopes=scopes))
    listed = desk.client.get(f"/api/v1/me/matches/{desk.match_id}/meetings", headers=representative.headers)
    one = desk.client.get(f"/api/v1/me/meetings/{meeting['id']}", headers=representative.headers)
    if sees:
        assert [item["id"] for item in listed.json["items"]] == [meeting["id"]] and one.status_code == 200
        assert one.json["your_feedback"] is None and "coordinator_notes" not in one.json
    else:
        assert_problem(listed, 404)
        assert_problem(one, 404)
