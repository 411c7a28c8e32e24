"""A whole match in which the householder never has a login: her daughter enquires, her
coordinator answers for her when she gives her view in person or on the phone, and her daughter,
as her representative, accepts the agreement, confirms the hours and raises a concern."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from tests.helpers import assert_problem

MONDAY = datetime(2027, 1, 4, 10, 0, tzinfo=timezone.utc)
PROFILE = {
    "first_name": "Margaret", "last_name": "Hill", "date_of_birth": "1938-05-01", "phone": "0113 496 0000",
    "address_line1": "4 Cardigan Road", "town": "Leeds", "postcode": "LS6 1AA",
    "latitude": 53.82, "longitude": -1.577, "bio": "Retired nurse, fond of chess.",
    "interests": ["chess", "gardening"], "languages": ["English"], "smoker": False, "has_pets": False,
    "accepts_pets": True, "gender": "female",
    "householder": {"tasks_wanted": ["companionship", "cooking"], "hours_wanted_per_week": 8,
                    "nights_at_home_per_week": 0, "room_available_from": "2027-01-04"},
}
VETTING = {
    "identity": {"status": "passed"},
    "reference_1": {"status": "passed", "referee_name": "Dr Patel", "referee_relationship": "GP",
                    "referee_contact": "surgery@example.org", "reference_received": True,
                    "reference_satisfactory": True},
    "reference_2": {"status": "passed", "referee_name": "Jean Grey", "referee_relationship": "Neighbour",
                    "referee_contact": "0113 496 0101", "reference_received": True, "reference_satisfactory": True},
    "interview": {"status": "passed"},
    "home_visit": {"status": "passed"},
}
TERMS = {"hours_per_week": 8, "tasks": ["companionship", "cooking"], "monthly_contribution_pence": 0,
         "start_on": "2027-01-04", "trial_length_days": 28, "notice_days": 28}


def ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_a_householder_without_a_login_from_enquiry_to_an_active_match(client, make, clock):
    clock.set(MONDAY)
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme)).headers
    sharer = make.login(client, make.ready("sharer", scheme))

    # Her daughter fills in the scheme's website form.
    ok(client.post(f"/api/v1/schemes/by-slug/{scheme.slug}/enquiries", json={
        "name": "Margaret Hill", "contact": "anna.hill@example.org", "seeking": "householder",
        "message": "My mother has a spare room and would love the company."}), 202)
    enquiry, = ok(client.get(f"/api/v1/schemes/{scheme.id}/enquiries", headers=coordinator))["items"]
    assert (enquiry["source"], enquiry["stage"]) == ("website", "enquiry")
    for stage in ("application", "assessment", "approved"):
        ok(client.post(f"/api/v1/enquiries/{enquiry['id']}/stage", headers=coordinator, json={"stage": stage}))

    # She becomes a person of the scheme, without a login; her coordinator fills in her profile
    # at the assessment visit and records her vetting.
    person = ok(client.post(f"/api/v1/enquiries/{enquiry['id']}/person", headers=coordinator, json={}), 201)
    margaret = person["person_id"]
    profile_url = f"/api/v1/people/{margaret}/profile"
    etag = client.get(profile_url, headers=coordinator).headers["ETag"]
    profile = ok(client.patch(profile_url, headers={**coordinator, "If-Match": etag}, json=PROFILE))
    assert profile["completeness"]["ready_for_matching"], profile["completeness"]
    for kind, check in VETTING.items():
        ok(client.put(f"/api/v1/people/{margaret}/vetting/{kind}", headers=coordinator, json=check))
    listed = ok(client.get(f"/api/v1/schemes/{scheme.id}/people?role=householder", headers=coordinator))["items"]
    assert [(p["person_id"], p["has_login"], p["email"], p["vetting_status"]) for p in listed] == [
        (margaret, False, None, "cleared")]
    candidates = ok(client.get(f"/api/v1/people/{margaret}/candidates", headers=coordinator))["items"]
    assert [c["sharer"]["person_id"] for c in candidates] == [sharer.person.id]

    # The proposal, answered on her behalf: she said yes when the coordinator visited.
    match = ok(client.post(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator, json={
        "householder_id": margaret, "sharer_id": sharer.person.id}), 201)["id"]
    base = f"/api/v1/matches/{match}"
    yes = {"decision": "accept", "share_contact_details": True,
           "on_behalf": {"person_id": margaret, "how": "in-person", "given_at": "2027-01-04T09:30:00+00:00"}}
    ok(client.post(f"{base}/response", headers=coordinator, json=yes))
    ok(client.post(f"{base}/response", headers=sharer.headers, json={"decision": "accept",
                                                                    "share_contact_details": True}))
    ok(client.post(f"{base}/introduction", headers=coordinator,
                   json={"meeting_at": "2027-01-04T14:00:00+00:00", "place": "Her kitchen"}))
    ok(client.post(f"{base}/trial", headers=coordinator, json={"start_on": "2027-01-04"}))

    # Her daughter becomes her representative, with her consent, and claims a login.
    link = ok(client.post(f"/api/v1/people/{margaret}/representatives", headers=coordinator, json={
        "representative": {"full_name": "Anna Hill", "contact_email": "anna.hill@example.org"},
        "relationship": "family", "consent_on": "2027-01-04", "consent_how": "in-person",
        "scopes": ["see-match", "accept-agreement", "confirm-hours", "raise-concerns", "receive-notifications"]}),
        201)
    invitation = ok(client.post(f"/api/v1/accounts/{link['representative_id']}/invitations", headers=coordinator,
                                json={"channel": "email", "email": "anna.hill@example.org"}), 201)
    tokens = ok(client.post("/api/v1/auth/invitation", json={
        "code": invitation["code"], "email": "anna.hill@example.org", "password": "correct horse battery"}))
    anna = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert ok(client.get("/api/v1/me", headers=anna))["role"] == "representative"

    # The agreement: Anna accepts it for her mother, the sharer for himself; the trial goes well.
    ok(client.put(f"{base}/agreement", headers=coordinator, json=TERMS), 201)
    accepted = ok(client.post(f"{base}/agreement/acceptance", headers=anna, json={"version": 1}))
    ok(client.post(f"{base}/agreement/acceptance", headers=sharer.headers, json={"version": 1}))
    ok(client.put(f"{base}/trial-review/view", headers=coordinator, json={"view": "carry-on", "on_behalf": {
        "person_id": margaret, "how": "in-person", "given_at": "2027-01-04T10:00:00+00:00"}}))
    ok(client.put(f"{base}/trial-review/view", headers=sharer.headers, json={"view": "carry-on"}))
    ok(client.post(f"{base}/trial-review/decision", headers=coordinator, json={"decision": "activate"}))
    acceptance, = accepted["current"]["on_behalf"]
    assert (acceptance["given_as"], acceptance["person_id"], acceptance["recorded_by_id"]) == (
        "proxy", margaret, link["representative_id"])

    # A week of hours, logged by the sharer and confirmed by Anna the Monday after.
    clock.set(datetime(2027, 1, 11, 10, 0, tzinfo=timezone.utc))
    entry = str(uuid.uuid4())
    ok(client.put(f"{base}/hours/{entry}", headers=sharer.headers,
                  json={"worked_on": "2027-01-05", "minutes": 120, "task": "cooking"}), 201)
    confirmed = ok(client.post(f"{base}/hours/confirmation", headers=anna, json={"week_of": "2027-01-04"}))
    assert [(e["status"], e["on_behalf"][0]["given_as"]) for e in confirmed["confirmed"]] == [("confirmed", "proxy")]

    # A check-in answered by phone through the coordinator (Anna may not answer check-ins).
    checkin = ok(client.get(f"{base}/checkins", headers=coordinator))["items"][0]
    assert_problem(client.put(f"{base}/checkins/{checkin['id']}/answer", headers=anna,
                              json={"wellbeing": 4, "match_going": 4, "help_happening": True}), 404)
    answer = ok(client.put(f"{base}/checkins/{checkin['id']}/answer", headers=coordinator, json={
        "wellbeing": 4, "match_going": 5, "help_happening": True,
        "on_behalf": {"person_id": margaret, "how": "by-phone", "given_at": "2027-01-11T09:45:00+00:00"}}))
    assert (answer["side"], answer["given_as"]) == ("householder", "on-behalf")

    # A concern raised by Anna for her mother.
    concern = ok(client.post("/api/v1/concerns", headers=anna, json={
        "match_id": match, "category": "home", "severity": "low", "description": "The stair rail is loose."}), 201)
    assert [(r["given_as"], r["person_id"]) for r in concern["on_behalf"]] == [("proxy", margaret)]

    # The match as the coordinators see it, and Margaret still without a login.
    detail = ok(client.get(base, headers=coordinator))
    assert detail["state"] == "active" and detail["householder_id"] == margaret
    assert [(r["action"], r["how"]) for r in detail["on_behalf"]] == [("match.responded", "in-person")]
    assert ok(client.get(f"/api/v1/people/{margaret}/profile", headers=coordinator))["person_id"] == margaret
    assert [p["has_login"] for p in ok(client.get(f"/api/v1/schemes/{scheme.id}/people?role=householder",
                                                  headers=coordinator))["items"]] == [False]
    matches = ok(client.get(f"/api/v1/represented/{margaret}/matches", headers=anna))["items"]
    assert [(m["id"], m["state"], m["side"]) for m in matches] == [(match, "active", "householder")]
