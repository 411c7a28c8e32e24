"""Erasure erases: every text column of every table is classified, and after a person's
erasure no column but those a named retention rule keeps holds a word written by or about them."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.enquiries.models import Enquiry
from homeshare.behalf.models import Representative
from homeshare.extensions import db
from homeshare.privacy.service import ERASED, NOT_PERSONAL, RETAINED
from tests.helpers import assert_problem
from tests.matchdesk import TERMS, Desk

CLASSIFIED = {"erased": ERASED, "kept by a retention rule": RETAINED, "holding no personal data": NOT_PERSONAL}


def text_columns() -> list[str]:
    return [f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, (sa.String, sa.Text, sa.JSON))
            or isinstance(getattr(column.type, "impl", None), (sa.String, sa.Text, sa.JSON))]


def test_every_text_column_is_erased_kept_by_a_named_rule_or_holds_nothing_personal(ctx):
    columns = text_columns()
    assert len(columns) > 50
    for column in columns:
        homes = [name for name, columns_of in CLASSIFIED.items() if column in columns_of]
        assert len(homes) == 1, f"{column} must be in exactly one of ERASED, RETAINED, NOT_PERSONAL " \
                                f"(homeshare/privacy/service.py), not {homes or 'none'}"
    for name, columns_of in CLASSIFIED.items():
        assert set(columns_of) <= set(columns), f"{name}: no such text columns {set(columns_of) - set(columns)}"
        assert all(isinstance(why, str) and why.strip() for why in columns_of.values()), name


# Words written by or about the sharer, each somewhere else; none may survive the erasure but
# in the safeguarding records (RETAINED).
SHARER_PROFILE_WORDS = ["Tomasz", "Nowak", "Hyde Park Road", "07700 900001", "Nursing student",
                        "Leeds General Infirmary", "cycling"]
WORDS = {
    "profile correction": "Quibblewick", "vetting notes": "Zephyrine", "device": "Wobblethorpe",
    "householder declines": "Grumbleton", "withdrawal": "Fizzlewick", "introduction place": "Plimsoll",
    "house rules v1": "Larkspurrow", "householder must know v1": "Bramblecot", "sharer must know v1": "Cindervale",
    "house rules v2": "Ottermere", "householder must know v2": "Pennyroyle", "sharer must know v2": "Quillfeather",
    "hours note": "Snorkelby", "dispute": "Wibbleham", "householder's comment": "Crumpetta",
    "sharer's comment": "Dandelionne", "contact notes": "Mumblecore", "ending": "Pumpernickle",
    "outside the agreement": "Gooseberrix", "sharer's absence": "Tiddlywink", "householder's absence": "Brambleford",
    "left reason": "Quarrendon", "referee": "Hollowmere", "referee contact": "Rookwardine",
    "enquiry name": "Fennimore", "enquiry contact": "Gildersleeve", "enquiry contact name": "Harrowgate",
    "enquiry notes": "Inglenook", "hours reason v2": "Tumblethwaite",
    "notice comment": "Wolfsbane", "householder's exit comment": "Gallowglass", "sharer's exit comment": "Hobnailer",
    "conversation subject": "Marzipandle", "sharer's message": "Nettlecombe", "representative's message": "Oakenshaw",
    "coordinator's reply": "Puddingstone",
    "householder's view": "Bumbershoot", "sharer's view": "Tatterdemal", "trial decision": "Widdershins",
    "meeting place": "Tumbledown", "meeting notes": "Marrowby", "householder's meeting comment": "Nettlecombe",
    "sharer's meeting comment": "Ravenscar",
}
KEPT = {"concern": "Brackenfold", "outcome": "Thistlewaite", "concern note": "Gorsemoor"}


def rows_holding(words: list[str]) -> dict[str, list[str]]:
    """Every text column's values that hold one of ``words``, by column."""
    found: dict[str, list[str]] = {}
    for column in text_columns():
        table, name = column.split(".")
        for (value,) in db.session.execute(sa.text(f'SELECT "{name}" FROM "{table}"')):
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            hits = [word for word in words if word.lower() in (text or "").lower()]
            if hits:
                found.setdefault(column, []).extend(hits)
    return found


@pytest.fixture
def desk(client, make, clock):
    clock.set(datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc))
    return Desk(client, make, make.scheme())


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def live_through_everything(client, make, desk: Desk, erased_by: str) -> str:
    """The sharer goes through a scheme's life, and every free text gets a word written.
    Returns the id of the match that ran; ``desk.match_id`` is a proposal left open."""
    coordinator, householder, sharer = desk.coordinator, desk.householder, desk.sharer
    sharer_id = desk.sharer_person.id
    profile_url = f"/api/v1/people/{sharer_id}/profile"
    etag = client.get(profile_url, headers=coordinator.headers).headers["ETag"]
    ok(client.patch(profile_url, headers={**coordinator.headers, "If-Match": etag},
                    json={"bio": f"Nursing student, corrected: {WORDS['profile correction']}"}))
    ok(client.put(f"/api/v1/people/{sharer_id}/vetting/identity", headers=coordinator.headers,
                  json={"status": "passed", "notes": f"Passport seen, {WORDS['vetting notes']}"}))
    ok(client.put(f"/api/v1/people/{sharer_id}/vetting/reference_1", headers=coordinator.headers,
                  json={"status": "passed", "referee_name": f"Dr {WORDS['referee']}", "referee_relationship": "tutor",
                        "referee_contact": f"{WORDS['referee contact']}@example.org", "reference_received": True,
                        "reference_satisfactory": True}))
    ok(client.post("/api/v1/me/devices", headers=sharer.headers,
                   json={"platform": "android", "token": f"token-{WORDS['device']}"}), 201)
    # The enquiry the sharer came from.
    enquiry = ok(client.post(f"/api/v1/schemes/{desk.scheme.id}/enquiries", headers=coordinator.headers, json={
        "name": f"Tomasz {WORDS['enquiry name']}", "contact": f"{WORDS['enquiry contact']}@example.org",
        "contact_name": f"{WORDS['enquiry contact name']}, tutor", "notes": WORDS["enquiry notes"],
        "seeking": "sharer", "source": "website", "enquiry_on": "2027-01-05"}), 201)
    with client.application.app_context():
        db.session.execute(sa.update(Enquiry).where(Enquiry.id == uuid.UUID(enquiry["id"]))
                           .values(person_id=uuid.UUID(sharer_id)))
        db.session.commit()
        db.session.remove()
    # A proposal the householder declines, one the coordinator withdraws.
    desk.propose()
    desk.respond(householder, "decline", reason=f"Not him: {WORDS['householder declines']}")
    desk.propose()
    desk.respond(sharer)
    desk.ok("withdrawal", body={"reason": f"Withdrawn: {WORDS['withdrawal']}"})
    # The match that ran: introduction, two versions of the agreement, hours, check-ins, a concern.
    desk.propose()
    desk.respond(householder)
    desk.respond(sharer)
    desk.ok("introduction", body={"meeting_at": "2027-02-20T14:00:00+00:00",
                                  "place": f"Cafe {WORDS['introduction place']}"})
    meeting = ok(client.post(f"/api/v1/matches/{desk.match_id}/meetings", headers=coordinator.headers, json={
        "kind": "visit", "starts_at": "2027-02-24T10:00:00", "ends_at": "2027-02-24T12:00:00",
        "place": f"Flat 2, {WORDS['meeting place']} House", "coordinator_notes": WORDS["meeting notes"]}), 201)
    ok(client.post(f"/api/v1/meetings/{meeting['id']}/held", headers=coordinator.headers))
    for session, word in ((householder, WORDS["householder's meeting comment"]),
                          (sharer, WORDS["sharer's meeting comment"])):
        ok(client.put(f"/api/v1/meetings/{meeting['id']}/feedback", headers=session.headers,
                      json={"how_it_went": 4, "carry_on": "yes", "comments": word}))
    desk.ok("trial", body={"start_on": "2027-03-01"})
    terms = {**TERMS, "start_on": "2027-03-01"}
    desk.agree({**terms, "house_rules": [{"topic": WORDS["house rules v1"], "rule": "Shoes off indoors."}],
                "householder_must_know": WORDS["householder must know v1"],
                "sharer_must_know": WORDS["sharer must know v1"]})
    desk.agree({**terms, "house_rules": [{"topic": "Guests", "rule": WORDS["house rules v2"]}],
                "householder_must_know": WORDS["householder must know v2"],
                "sharer_must_know": WORDS["sharer must know v2"],
                "hours_per_week": 20, "hours_reason": f"Needs more help: {WORDS['hours reason v2']}"})
    for session in (householder, sharer):
        assert desk.accept_agreement(session, 2).status_code == 200
    for session, word in ((householder, WORDS["householder's view"]), (sharer, WORDS["sharer's view"])):
        ok(client.put(f"/api/v1/matches/{desk.match_id}/trial-review/view", headers=session.headers,
                      json={"view": "carry-on", "comment": word}))
    desk.ok("trial-review/decision", body={"decision": "activate", "comment": WORDS["trial decision"]})
    entry = str(uuid.uuid4())
    ok(client.put(f"/api/v1/matches/{desk.match_id}/hours/{entry}", headers=sharer.headers,
                  json={"worked_on": "2027-03-30", "minutes": 60, "task": "cooking", "note": WORDS["hours note"]}), 201)
    ok(desk.post(f"hours/{entry}/dispute", householder, {"reason": WORDS["dispute"]}))
    checkin = client.get(f"/api/v1/matches/{desk.match_id}/checkins", headers=coordinator.headers).json["items"][0]
    checkin_url = f"/api/v1/matches/{desk.match_id}/checkins/{checkin['id']}"
    for session, word in ((householder, WORDS["householder's comment"]), (sharer, WORDS["sharer's comment"])):
        ok(client.put(f"{checkin_url}/answer", headers=session.headers,
                      json={"wellbeing": 4, "match_going": 4, "help_happening": True, "comments": word}))
    ok(client.put(f"{checkin_url}/answer", headers=sharer.headers, json={
        "wellbeing": 4, "match_going": 4, "help_happening": True, "comments": WORDS["sharer's comment"],
        "asked_outside_agreement": True, "outside_agreement_what": WORDS["outside the agreement"]}))
    for session, who, word in ((sharer, "sharer", WORDS["sharer's absence"]),
                               (householder, "householder", WORDS["householder's absence"])):
        ok(client.put(f"/api/v1/matches/{desk.match_id}/absences/{uuid.uuid4()}", headers=session.headers, json={
            "who": who, "kind": "holiday", "first_day": "2027-04-10", "last_day": "2027-04-12", "note": word}), 201)
    ok(client.post(f"{checkin_url}/contact", headers=coordinator.headers,
                   json={"kind": "call", "at": "2027-03-04T10:00:00+00:00", "notes": WORDS["contact notes"]}))
    concern = ok(client.post("/api/v1/concerns", headers=householder.headers, json={
        "category": "money", "severity": "medium", "person_id": sharer_id, "description": KEPT["concern"]}), 201)
    concern_url = f"/api/v1/concerns/{concern['id']}"
    ok(client.post(f"{concern_url}/notes", headers=coordinator.headers, json={"body": KEPT["concern note"]}), 201)
    ok(client.post(f"{concern_url}/resolution", headers=coordinator.headers, json={"outcome": KEPT["outcome"]}))
    # The sharer gives notice in their own words; both leave exit feedback; the coordinator ends it at once.
    desk.ok("notice", sharer, {"reason": "sharer-moved-for-work-or-study", "comment": WORDS["notice comment"]})
    for session, word in ((householder, WORDS["householder's exit comment"]), (sharer, WORDS["sharer's exit comment"])):
        ok(client.put(f"/api/v1/matches/{desk.match_id}/exit-feedback", headers=session.headers,
                      json={"would_homeshare_again": True, "scheme_support": 4, "comment": word}), 201)
    desk.ok("ending", body={"ended_by": "sharer", "reason": f"Ended: {WORDS['ending']}", "notice_given_days": 30,
                            "end_on": "2027-04-30"})
    ran = desk.match_id
    # A conversation with the coordinators: the sharer's words, a representative's for him, the reply.
    thread = ok(client.post("/api/v1/me/conversations", headers=sharer.headers, json={
        "subject": f"About {WORDS['conversation subject']}", "body": WORDS["sharer's message"]}), 201)
    representative = make.login(client, make.representative(desk.scheme, desk.sharer_person))
    with client.application.app_context():  # her own name, not one made of his email
        db.session.execute(sa.update(Representative).where(Representative.account_id == uuid.UUID(
            representative.person.id)).values(full_name="Anna Bell"))
        db.session.commit()
        db.session.remove()
    ok(client.post(f"/api/v1/conversations/{thread['id']}/messages", headers=representative.headers,
                   json={"body": WORDS["representative's message"]}), 201)
    ok(client.post(f"/api/v1/conversations/{thread['id']}/messages", headers=coordinator.headers,
                   json={"body": WORDS["coordinator's reply"]}), 201)
    desk.propose()  # left open: the erasure withdraws it
    if erased_by == "coordinator":
        ok(client.post(f"/api/v1/accounts/{sharer_id}/deactivate", headers=coordinator.headers,
                       json={"reason": f"Left: {WORDS['left reason']}"}))
    return ran


@pytest.mark.parametrize("erased_by", ["themselves", "coordinator"])
def test_after_erasure_no_column_but_the_retained_ones_holds_a_word_by_or_about_the_person(
        app, client, make, desk, erased_by):
    ran = live_through_everything(client, make, desk, erased_by)
    words = [*WORDS.values(), *SHARER_PROFILE_WORDS, desk.sharer_person.email]
    if erased_by == "themselves":
        words.remove(WORDS["left reason"])
    with app.app_context():
        before = rows_holding(words)
        assert set(before) >= {"profile.bio", "vetting_check.notes", "vetting_check.referee_name",
                               "vetting_check.referee_contact", "device.token", "match.householder_decline_reason",
                               "match.end_reason", "match.introduction_place", "match_event.details",
                               "agreement_version.house_rules", "checkin_answer.comments", "checkin.contact_notes",
                               "hours_entry.note", "hours_entry.dispute_reason", "account.email",
                               "enquiry.name", "enquiry.contact", "enquiry.contact_name", "enquiry.notes",
                               "match.notice_comment", "exit_feedback.comment", "absence.note",
                               "checkin_answer.outside_agreement_what", "trial_review_view.comment",
                               "trial_review.decision_comment", "meeting.place",
                               "meeting.coordinator_notes", "meeting_feedback.comments",
                               "conversation.subject", "conversation_message.body"}, before
        db.session.remove()

    if erased_by == "themselves":
        assert client.delete("/api/v1/me", headers=desk.sharer.headers).status_code == 204
    else:
        assert client.delete(f"/api/v1/people/{desk.sharer_person.id}", headers=desk.coordinator.headers).status_code == 204

    with app.app_context():
        # Nothing outside the retained columns holds their words, or the retained words either.
        assert rows_holding(words + list(KEPT.values())).keys() <= set(RETAINED) and not rows_holding(words)
        kept = rows_holding(list(KEPT.values()))
        assert set(kept) == set(RETAINED) and sorted(sum(kept.values(), [])) == sorted(KEPT.values())
        db.session.remove()

    # What the others read says the same.
    views = [client.get(url, headers=session.headers) for url, session in (
        (f"/api/v1/matches/{ran}", desk.coordinator),
        ("/api/v1/me/matches?per_page=100", desk.householder),
        (f"/api/v1/matches/{ran}/agreement", desk.householder),
        (f"/api/v1/matches/{ran}/hours", desk.householder),
        (f"/api/v1/matches/{ran}/checkins", desk.coordinator),
        (f"/api/v1/matches/{ran}/absences", desk.coordinator),
        (f"/api/v1/schemes/{desk.scheme.id}/matches?per_page=100", desk.coordinator),
        (f"/api/v1/schemes/{desk.scheme.id}/audit?per_page=100", desk.coordinator),
        ("/api/v1/me/export", desk.householder),
        (f"/api/v1/people/{desk.sharer_person.id}/profile", desk.coordinator),
        (f"/api/v1/matches/{ran}/trial-review", desk.coordinator),
        (f"/api/v1/matches/{ran}/meetings", desk.coordinator),
        (f"/api/v1/me/matches/{ran}/meetings", desk.householder),
        (f"/api/v1/schemes/{desk.scheme.id}/conversations", desk.coordinator),
    )]
    for view in views:
        assert view.status_code == 200, view.json
        text = view.get_data(as_text=True).lower()
        assert not [word for word in words if word.lower() in text], view.request.path
    # The concern the householder raised stays in their own export, and out of the trail.
    assert KEPT["concern"] in views[8].get_data(as_text=True)
    assert not [word for word in KEPT.values() if word in views[7].get_data(as_text=True)]
    detail = views[0].json
    assert detail["state"] == "ended" and detail["end_reason"] is None and detail["ended_by"] == "sharer"
    steps = {event["action"]: event["details"] for event in detail["events"]}
    assert steps["end"] == {"ended_by": "sharer", "notice_given_days": 30, "end_on": "2027-04-30"}
    assert steps["introduce"] == {"meeting_at": "2027-02-20T14:00:00+00:00"}
    agreement = views[2].json
    assert [v["number"] for v in agreement["versions"]] == [1, 2] and agreement["versions"][1]["hours_per_week"] == 20
    concern = client.get(f"/api/v1/schemes/{desk.scheme.id}/concerns", headers=desk.coordinator.headers).json["items"][0]
    assert (concern["description"], concern["subject_erased"]) == (KEPT["concern"], True)
    # The proposal left open was withdrawn, and says so in the service's own words.
    left_open = client.get(f"/api/v1/matches/{desk.match_id}", headers=desk.coordinator.headers).json
    assert (left_open["state"], left_open["end_reason"]) == ("withdrawn", "account closed")
    assert_problem(client.get("/api/v1/me", headers=desk.sharer.headers), 401)
    # The conversation stays, marked and without its words, and takes no new message.
    thread = views[13].json["items"][0]
    assert (thread["subject"], thread["person_erased"], thread["messages"]) == (None, True, 3)
    messages = client.get(f"/api/v1/conversations/{thread['id']}/messages", headers=desk.coordinator.headers).json
    assert [(m["written_as"], m["body"]) for m in messages["items"]] == [
        ("coordinator", None), ("representative", None), ("self", None)]
    assert_problem(client.post(f"/api/v1/conversations/{thread['id']}/messages", headers=desk.coordinator.headers,
                               json={"body": "Are you there?"}), 409, "person-erased")
