"""Personal is the default in the audit trail: only fields an action declares plain keep their
values. Every action recorded with values is walked through the API with words in every free
text, and the trail is searched for them."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.audit import service as audit
from homeshare.audit.models import AuditEvent
from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from tests.matchdesk import TERMS, Desk

WORDS = {
    "decline": "Grumbleton", "house_rules": "Larkspurrow", "householder_must_know": "Bramblecot",
    "sharer_must_know": "Cindervale", "bio": "Quibblewick", "first_name": "Ermintrude", "note": "Snorkelby",
    "corrected_note": "Wibbleham", "notes": "Zephyrine", "referee_name": "Mumblecore", "outcome": "Thistlewaite",
    "concern_note": "Gorsemoor", "left_reason": "Quarrendon", "place": "Plimsoll", "withdrawal": "Fizzlewick",
    "ending": "Pumpernickle", "contact_notes": "Crumpetta", "full_name": "Hortensia", "phone": "0113 496 0999",
    "enquiry_name": "Fennimore Gale", "enquiry_contact": "0113 496 0888", "enquiry_notes": "Inglenook",
    "form_name": "Jessamy Larkin", "form_message": "Kittiwake",
    "invited": "Hollyhocke",
    "notice_comment": "Quillfeather", "exit_comment": "Gallowglass", "shortening": "Hobnailer",
    "house_rule_topic": "Marigoldry", "hours_reason": "Tumblethwaite",
    "absence_note": "Tumbleweedy", "changed_absence_note": "Marrowfat",
    "view_comment": "Bumbershoot", "decision_comment": "Tatterdemal",
    "meeting_place": "Tumbledown", "moved_place": "Wrenfield", "meeting_notes": "Marrowby",
    "meeting_notes_later": "Nettlecombe",
    "conversation_subject": "Wolfsbane", "message": "Gooseberrix",
    "coordinator_name": "Gwenhwyfar", "work_phone": "+442920872087",
}


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    return Desk(client, make, make.scheme())


def walk_every_audited_action(client, make, desk: Desk) -> None:
    coordinator = desk.coordinator
    declined = Desk(client, make, desk.scheme)
    declined.coordinator = coordinator
    declined.propose()
    declined.respond(declined.sharer, "decline", reason=WORDS["decline"])                     # match.declined
    withdrawn = Desk(client, make, desk.scheme)
    withdrawn.coordinator = coordinator
    withdrawn.propose()                                                                      # match.proposed
    withdrawn.ok("withdrawal", body={"reason": WORDS["withdrawal"]})                          # match.withdrawn
    desk.propose()
    desk.respond(desk.householder)                                                           # match.accepted
    desk.respond(desk.sharer)
    desk.ok("introduction", body={"meeting_at": "2027-02-20T14:00:00+00:00",                 # match.introduced
                                  "place": WORDS["place"]})
    meetings = f"/api/v1/matches/{desk.match_id}/meetings"
    meeting = ok(client.post(meetings, headers=coordinator.headers, json={                     # meeting.planned
        "kind": "visit", "starts_at": "2027-02-24T10:00:00", "ends_at": "2027-02-24T12:00:00",
        "place": WORDS["meeting_place"], "coordinator_notes": WORDS["meeting_notes"]}), 201)
    meeting_url = f"/api/v1/meetings/{meeting['id']}"
    ok(client.patch(meeting_url, headers=coordinator.headers, json={                           # meeting.moved
        "starts_at": "2027-02-25T10:00:00", "ends_at": "2027-02-25T12:00:00", "place": WORDS["moved_place"]}))
    ok(client.post(f"{meeting_url}/held", headers=coordinator.headers))                       # meeting.held
    ok(client.put(f"{meeting_url}/notes", headers=coordinator.headers,                        # meeting.notes_written
                  json={"notes": WORDS["meeting_notes_later"]}))
    other = ok(client.post(meetings, headers=coordinator.headers, json={
        "kind": "shared-meal", "starts_at": "2027-04-02T18:00:00", "ends_at": "2027-04-02T20:00:00",
        "place": WORDS["meeting_place"]}), 201)
    ok(client.post(f"/api/v1/meetings/{other['id']}/cancellation", headers=coordinator.headers))  # meeting.cancelled
    desk.ok("trial", body={"start_on": "2027-03-01"})                                        # match.trial_started
    desk.agree({**TERMS, "start_on": "2027-03-01", "house_rules": [
        {"topic": WORDS["house_rule_topic"], "rule": WORDS["house_rules"]}], "hours_per_week": 20,
        "hours_reason": WORDS["hours_reason"], "term": "fixed", "term_ends_on": "2028-02-29",
        "review_on": "2027-09-01", "minimum_stay_months": 6, "nights_away_per_month": 4, "days_off_per_week": 1,
        "householder_fee": {"amount_pence": 2500, "period": "month"}, "sharer_fee": None,
        **{name: WORDS[name] for name in ("householder_must_know", "sharer_must_know")}})
    for session in (desk.householder, desk.sharer):                                          # agreement.version_*
        assert desk.accept_agreement(session, 1).status_code == 200
    desk.view(desk.householder, comment=WORDS["view_comment"])
    desk.view(desk.sharer)
    desk.ok("trial-review/decision", body={"decision": "activate",                           # match.trial_review_decided
                                           "comment": WORDS["decision_comment"]})            # match.activated
    checkins = f"/api/v1/matches/{desk.match_id}/checkins"
    added = ok(client.post(checkins, headers=coordinator.headers,                            # checkin.added
                           json={"kind": "checkin", "due_on": "2027-04-02"}), 201)
    ok(client.patch(f"{checkins}/{added['id']}", headers=coordinator.headers,                # checkin.moved
                    json={"due_on": "2027-04-03"}))
    ok(client.post(f"{checkins}/{added['id']}/contact", headers=coordinator.headers,         # checkin.contact_recorded
                   json={"kind": "visit", "at": "2027-04-03T10:00:00+00:00", "notes": WORDS["contact_notes"]}))
    url = f"/api/v1/people/{desk.householder_person.id}/profile"
    etag = client.get(url, headers=coordinator.headers).headers["ETag"]
    ok(client.patch(url, headers={**coordinator.headers, "If-Match": etag},                  # profile.corrected
                    json={"bio": WORDS["bio"], "first_name": WORDS["first_name"],
                          "householder": {"hours_wanted_per_week": 9}}))
    entries = [str(uuid.uuid4()), str(uuid.uuid4())]
    for entry in entries:
        ok(client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=desk.sharer.headers,
                      json={"worked_on": "2027-03-30", "minutes": 60, "task": "cooking", "note": WORDS["note"]}), 201)
    ok(client.patch(f"/api/v1/matches/{desk.match_id}/hours/{entries[0]}", headers=coordinator.headers,
                    json={"minutes": 90, "note": WORDS["corrected_note"]}))                  # hours.entry_corrected
    assert client.delete(f"/api/v1/matches/{desk.match_id}/hours/{entries[1]}",
                         headers=coordinator.headers).status_code == 204                     # hours.entry_deleted
    absence = f"/api/v1/matches/{desk.match_id}/absences/{uuid.uuid4()}"
    ok(client.put(absence, headers=desk.sharer.headers, json={                                 # absence.recorded
        "who": "sharer", "kind": "holiday", "first_day": "2027-04-05", "last_day": "2027-04-07",
        "note": WORDS["absence_note"]}), 201)
    ok(client.patch(absence, headers=coordinator.headers,                                      # absence.changed
                    json={"last_day": "2027-04-08", "note": WORDS["changed_absence_note"]}))
    assert client.delete(absence, headers=coordinator.headers).status_code == 204              # absence.cancelled
    ok(client.put(f"/api/v1/people/{desk.sharer_person.id}/vetting/reference_1",               # vetting.check_recorded
                  headers=coordinator.headers, json={"status": "pending", "notes": WORDS["notes"],
                                                     "referee_name": WORDS["referee_name"]}))
    concern = ok(client.post("/api/v1/concerns", headers=coordinator.headers, json={                # concern.raised
        "category": "money", "severity": "low", "match_id": desk.match_id, "description": "Worried."}), 201)
    concern_url = f"/api/v1/concerns/{concern['id']}"
    ok(client.post(f"{concern_url}/acknowledgement", headers=coordinator.headers))          # concern.acknowledged
    ok(client.post(f"{concern_url}/notes", headers=coordinator.headers,                     # concern.note_added
                   json={"body": WORDS["concern_note"]}), 201)
    ok(client.post(f"{concern_url}/resolution", headers=coordinator.headers,                # concern.resolved
                   json={"outcome": WORDS["outcome"]}))
    ok(client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=coordinator.headers,      # scheme.updated
                    json={"name": "Leeds Homeshare", "settings": {"checkin_low_score": 3},
                          "contact": {"phone": "0113 496 0000", "office_hours": "Weekdays, 9 to 5"}}))
    colleague = make.coordinator(desk.scheme)
    ok(client.put(f"/api/v1/people/{desk.sharer_person.id}/coordinator",                   # coordinator.named
                  headers=coordinator.headers, json={"coordinator_id": colleague.id}))
    thread = ok(client.post("/api/v1/me/conversations", headers=desk.sharer.headers,
                            json={"subject": WORDS["conversation_subject"], "body": WORDS["message"]}), 201)
    ok(client.put(f"/api/v1/conversations/{thread['id']}/assignment",                       # conversation.assigned
                  headers=coordinator.headers, json={"assigned_coordinator_id": desk.coordinator.person.id}))
    person = make.householder(desk.scheme)
    ok(client.post(f"/api/v1/accounts/{person.id}/deactivate", headers=coordinator.headers,  # account.deactivated
                   json={"reason": WORDS["left_reason"]}))
    ok(client.post(f"/api/v1/accounts/{person.id}/reactivate", headers=coordinator.headers))  # account.reactivated
    ok(client.put("/api/v1/me/sms", headers=desk.sharer.headers, json={"sms_opt_in": True}))  # account.sms_opt_in_set
    ok(client.patch("/api/v1/me", headers=coordinator.headers, json={                     # account.changed
        "language": "cy", "display_name": WORDS["coordinator_name"], "work_phone": "029 2087 2087"}))
    person_url = f"/api/v1/people/{desk.householder_person.id}"
    ok(client.put(f"{person_url}/behalf-agreement", headers=coordinator.headers,            # behalf.agreement_changed
                  json={"agreed_on": "2027-03-30"}))
    ok(client.put(f"/api/v1/matches/{desk.match_id}/checkins/{added['id']}/answer",         # behalf.recorded
                  headers=coordinator.headers, json={
                      "wellbeing": 4, "match_going": 4, "help_happening": True,
                      "on_behalf": {"person_id": desk.householder_person.id, "how": "by-phone",
                                    "given_at": "2027-03-30T10:00:00+00:00"}}))
    link = ok(client.post(f"{person_url}/representatives", headers=coordinator.headers, json={  # representative.linked
        "representative": {"full_name": WORDS["full_name"], "phone": WORDS["phone"]}, "relationship": "family",
        "consent_on": "2027-03-30", "consent_how": "in-person", "scopes": ["see-match"]}), 201)
    ok(client.patch(f"/api/v1/representations/{link['id']}", headers=coordinator.headers,  # representative.changed
                    json={"scopes": ["see-match", "confirm-hours"]}))
    assert client.delete(f"/api/v1/representations/{link['id']}",                           # representative.removed
                         headers=coordinator.headers).status_code == 204
    newcomer = ok(client.post(f"/api/v1/schemes/{desk.scheme.id}/people", headers=coordinator.headers,
                           json={"role": "householder", "first_name": "Edith"}), 201)
    invitation = ok(client.post(f"/api/v1/accounts/{newcomer['person_id']}/invitations",        # invitation.created
                                headers=coordinator.headers,
                                json={"channel": "email", "email": f"{WORDS['invited']}@example.org"}), 201)
    ok(client.post("/api/v1/auth/invitation", json={"code": invitation["code"],               # invitation.claimed
                                                    "email": f"{WORDS['invited']}@example.org",
                                                    "password": "correct horse battery"}))
    desk.ok("ending", body={"ended_by": "both", "reason": WORDS["ending"], "notice_given_days": 0,  # match.ended
                            "end_on": "2027-04-30"})
    enquiry = ok(client.post(f"/api/v1/schemes/{desk.scheme.id}/enquiries", headers=coordinator.headers, json={  # enquiry.recorded
        "name": WORDS["enquiry_name"], "contact": WORDS["enquiry_contact"], "notes": WORDS["enquiry_notes"],
        "seeking": "householder", "source": "council"}), 201)
    enquiry_url = f"/api/v1/enquiries/{enquiry['id']}"
    ok(client.patch(enquiry_url, headers=coordinator.headers,                                # enquiry.updated
                    json={"notes": f"{WORDS['enquiry_notes']}, again", "source": "gp-or-health"}))
    ok(client.post(f"{enquiry_url}/stage", headers=coordinator.headers, json={"stage": "application"}))  # enquiry.stage_moved
    ok(client.post(f"{enquiry_url}/person", headers=coordinator.headers, json={}), 201)    # enquiry.converted
    ok(client.post(f"/api/v1/schemes/by-slug/{desk.scheme.slug}/enquiries", json={         # enquiry.received
        "name": WORDS["form_name"], "contact": "someone@example.org", "seeking": "sharer",
        "message": WORDS["form_message"]}), 202)
    noticed = Desk(client, make, desk.scheme)
    noticed.coordinator = coordinator
    noticed.to_active()
    noticed.ok("notice", noticed.sharer, {"reason": "other",                                 # match.notice_given
                                          "comment": WORDS["notice_comment"]})
    ok(client.put(f"/api/v1/matches/{noticed.match_id}/exit-feedback",                       # match.exit_feedback_given
                  headers=noticed.householder.headers,
                  json={"would_homeshare_again": True, "scheme_support": 5, "comment": WORDS["exit_comment"]}), 201)
    noticed.ok("notice/shortening", body={"last_day": "2027-04-05",                          # match.notice_shortened
                                          "reason": WORDS["shortening"]})
    noticed.ok("notice/withdrawal", noticed.householder, {})                                 # match.notice_withdrawal_agreed
    noticed.ok("notice/withdrawal", noticed.sharer, {})                                      # match.notice_withdrawn
    noticed.ok("notice", noticed.householder, {"reason": "householder-moved-to-care"})
    with client.application.app_context():                                                   # match.notice_ran_out
        run_all(datetime(2027, 4, 8, 1, 0, tzinfo=timezone.utc))
        db.session.remove()


def test_every_action_recorded_with_values_keeps_only_its_plain_fields(app, client, make, desk):
    walk_every_audited_action(client, make, desk)
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            sa.or_(AuditEvent.before.is_not(None), AuditEvent.after.is_not(None)))).all()
        db.session.remove()
    declared = audit.declared()
    walked = {event.action for event in events if event.before or event.after}
    assert walked == set(declared), f"walk these too: {set(declared) - walked}"
    for event in events:
        if not (event.before or event.after):  # JSON null, on SQLite
            continue
        plain = declared[event.action]
        for values in (event.before or {}, event.after or {}):
            for field, value in values.items():
                assert field in plain or value in (None, audit.PERSONAL_MARK), (event.action, field, value)
    text = client.get(f"/api/v1/schemes/{desk.scheme.id}/audit?per_page=100", headers=desk.coordinator.headers)
    assert text.status_code == 200
    assert not [word for word in WORDS.values() if word in text.get_data(as_text=True)]
    drafted, = [e for e in events if e.action == "agreement.version_drafted" and str(e.target_id) == desk.match_id]
    assert drafted.after["hours_per_week"] == 20 and drafted.after["tasks"] == ["companionship", "cooking"]
    assert drafted.after["house_rules"] == drafted.after["sharer_must_know"] == audit.PERSONAL_MARK
    assert drafted.after["hours_reason"] == audit.PERSONAL_MARK
    # The terms themselves stay plain: they are the scheme's record of what was agreed.
    assert {name: drafted.after[name] for name in (
        "trial_length_days", "term", "term_ends_on", "review_on", "minimum_stay_months", "nights_away_per_month",
        "days_off_per_week", "householder_fee", "sharer_fee")} == {
        "trial_length_days": 28, "term": "fixed", "term_ends_on": "2028-02-29", "review_on": "2027-09-01",
        "minimum_stay_months": 6, "nights_away_per_month": 4, "days_off_per_week": 1,
        "householder_fee": {"amount_pence": 2500, "period": "month"}, "sharer_fee": None}
    corrected = [e for e in events if e.action == "profile.corrected"][0]
    # Personal by default is not only words: a number about a person stays out too.
    assert corrected.after == {"bio": audit.PERSONAL_MARK, "first_name": audit.PERSONAL_MARK,
                               "hours_wanted_per_week": audit.PERSONAL_MARK}
    contact = [e for e in events if e.action == "checkin.contact_recorded"][0]
    assert contact.after == {"contact_at": "2027-04-03T10:00:00+00:00", "contact_kind": "visit",
                             "notes": audit.PERSONAL_MARK}
    planned = [e for e in events if e.action == "meeting.planned" and e.after["kind"] == "visit"][0]
    assert planned.after == {"kind": "visit", "starts_at": "2027-02-24T10:00:00+00:00",
                             "ends_at": "2027-02-24T12:00:00+00:00", "place": audit.PERSONAL_MARK,
                             "coordinator_attends": False, "status": "planned", "notes": audit.PERSONAL_MARK}
    moved = [e for e in events if e.action == "meeting.moved"][0]
    assert (moved.before["place"], moved.after["status"], moved.after["sequence"]) == (
        audit.PERSONAL_MARK, "moved", 1)
    resolved = [e for e in events if e.action == "concern.resolved"][0]
    assert resolved.before == {"outcome": None, "status": "acknowledged"}
    assert resolved.after == {"outcome": audit.PERSONAL_MARK, "status": "resolved"}


def test_an_action_recorded_with_values_must_be_declared(ctx):
    with pytest.raises(LookupError, match="declare"):
        audit.record(actor_id=None, scheme_id=None, action="something.new", target_type="thing", target_id="1",
                     after={"said": "words"})
    db.session.rollback()
    action = audit.declare("test.thing_changed", plain=("count",))
    try:
        event = audit.record(actor_id=None, scheme_id=None, action=action, target_type="thing", target_id="1",
                             before={"count": 1, "words": "old", "when": None, "flag": True},
                             after={"count": 2, "words": "new", "when": datetime(2027, 1, 1, tzinfo=timezone.utc),
                                    "flag": True})
        assert event.before == {"count": 1, "words": audit.PERSONAL_MARK, "when": None}
        assert event.after == {"count": 2, "words": audit.PERSONAL_MARK, "when": audit.PERSONAL_MARK}
    finally:
        db.session.rollback()
        audit._PLAIN.pop(action)
