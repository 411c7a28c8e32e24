"""The match lifecycle, what each side sees, and the agreement, through HTTP."""

from __future__ import annotations

import threading

import pytest

from tests.helpers import assert_problem
from tests.matchdesk import TERMS, Desk

@pytest.fixture
def desk(client, make):
    return Desk(client, make, make.scheme())


def test_the_whole_life_of_a_match(desk):
    proposal = desk.propose()
    assert proposal["state"] == "proposed" and proposal["allowed_transitions"] == ["accept", "decline", "introduce",
                                                                                     "withdraw"]
    assert proposal["score"] > 50
    assert desk.own(desk.householder)["next_step"].startswith("Say whether you would like to meet")
    desk.respond(desk.householder, share_contact_details=True)
    assert desk.own(desk.householder)["next_step"] == "Wait for the sharer to answer."
    desk.respond(desk.sharer, share_contact_details=True)
    assert desk.own(desk.sharer)["next_step"] == "Wait for your coordinator to arrange the introduction."

    introduced = desk.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Headingley library"})
    assert introduced["state"] == "introduction"
    trial = desk.ok("trial", body={"start_on": "2027-01-04"})
    assert (trial["state"], trial["trial_ends_on"]) == ("trial", "2027-02-01")  # 28 days, the default

    desk.agree()
    assert desk.own(desk.sharer)["next_step"] == "Read and accept version 1 of the agreement."
    assert desk.accept_agreement(desk.householder, 1).status_code == 200
    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    assert desk.own(desk.sharer)["next_step"].startswith("Trial until 2027-02-01")
    active = desk.review()
    assert active["state"] == "active" and active["activated_at"]
    ended = desk.ok("ending", body={"ended_by": "householder", "reason": "Moving into care.",
                                    "notice_given_days": 28, "end_on": "2027-11-30"})
    assert (ended["state"], ended["ended_by"], ended["notice_given_days"]) == ("ended", "householder", 28)
    assert ended["allowed_transitions"] == []

    events = desk.detail()["events"]
    assert [(e["action"], e["to_state"]) for e in events] == [
        ("propose", "proposed"), ("accept", "proposed"), ("accept", "proposed"), ("introduce", "introduction"),
        ("start_trial", "trial"), ("activate", "active"), ("end", "ended"),
    ]
    coordinator_id = desk.coordinator.person.id
    assert [e["actor_id"] for e in events] == [coordinator_id, desk.householder_person.id, desk.sharer_person.id,
                                               coordinator_id, coordinator_id, coordinator_id, coordinator_id]
    assert all(e["occurred_at"] for e in events)
    assert events[-1]["details"]["reason"] == "Moving into care."


# Every state, and what each action does from it: "ok" or the 409 it gets.
ACTIONS = {
    "accept": ("response", "householder", {"decision": "accept"}),
    "decline": ("response", "householder", {"decision": "decline"}),
    "introduce": ("introduction", "coordinator", {"meeting_at": "2027-03-01T10:00:00+00:00", "place": "Cafe"}),
    "start_trial": ("trial", "coordinator", {"start_on": "2027-03-08"}),
    "activate": ("activation", "coordinator", None),
    "end": ("ending", "coordinator", {"ended_by": "both", "reason": "Agreed to part.", "notice_given_days": 7,
                                      "end_on": "2027-04-01"}),
    "withdraw": ("withdrawal", "coordinator", {"reason": "Changed plans."}),
    "give_notice": ("notice", "coordinator", {"reason": "scheme-ended"}),
    "shorten_notice": ("notice/shortening", "coordinator", {"last_day": "2099-01-01", "reason": "Sooner."}),
}
ALLOWED = {
    "proposed": {"accept", "decline", "introduce", "withdraw"},
    "introduction": {"start_trial", "withdraw"},
    "trial": {"activate", "give_notice", "end"},
    "active": {"give_notice", "end"},
    "notice": {"end", "shorten_notice", "agree_to_withdraw_notice"},
    "ended": set(),
    "declined": set(),
    "withdrawn": set(),
}


# Requests that repeat what already happened are answered with the match as it is.
REPLAYS = {("introduction", "accept"), ("trial", "accept"), ("active", "accept"), ("ended", "accept"),
           ("active", "activate"), ("notice", "accept")}


@pytest.mark.parametrize("state, action", [(s, a) for s in ALLOWED for a in ACTIONS])
def test_every_transition_from_every_state(client, make, state, action):
    desk = Desk(client, make, make.scheme())
    getattr(desk, f"to_{state}")()
    path, who, body = ACTIONS[action]
    response = desk.post(path, getattr(desk, who), body)
    expected_ok = action in ALLOWED[state] or (state, action) in REPLAYS
    if state == "proposed" and action == "introduce":
        expected_ok = False  # neither side has accepted yet
    if state == "trial" and action == "activate":
        expected_ok = False  # no agreement accepted yet
    if state == "notice" and action == "shorten_notice":
        expected_ok = False  # a last day after the notice's own is refused (422), see test_notice.py
        assert_problem(response, 422, "validation-error")
        return
    if expected_ok:
        assert response.status_code == 200, response.json
    else:
        problem = assert_problem(response, 409)
        assert problem["state"] == state
        assert set(problem["allowed_transitions"]) <= ALLOWED[state]
        assert desk.detail()["state"] == state


def test_repeated_requests_change_nothing(desk):
    desk.to_introduction()
    events = len(desk.detail()["events"])
    desk.respond(desk.householder, share_contact_details=True)
    desk.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Headingley library"})
    assert len(desk.detail()["events"]) == events
    again = desk.client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                             json={"householder_id": desk.householder_person.id, "sharer_id": desk.sharer_person.id})
    assert_problem(again, 409, "already-matched")


def test_a_proposal_is_repeated_safely_while_open(desk):
    first = desk.propose()
    again = desk.client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                             json={"householder_id": desk.householder_person.id, "sharer_id": desk.sharer_person.id})
    assert again.status_code == 200 and again.json["id"] == first["id"]


def test_introduction_waits_for_both_acceptances_and_a_decline_closes_the_match(desk):
    desk.propose()
    desk.respond(desk.householder)
    problem = assert_problem(desk.post("introduction", body={"meeting_at": "2027-01-01T10:00:00+00:00",
                                                             "place": "Cafe"}), 409, "awaiting-acceptance")
    assert problem["allowed_transitions"] == ["withdraw"]
    declined = desk.respond(desk.sharer, "decline", reason="Too far.")
    assert declined["state"] == "declined"
    assert desk.detail()["sharer_decline_reason"] == "Too far."
    assert_problem(desk.post("response", desk.householder, {"decision": "decline"}), 409, "illegal-transition")


def test_a_person_is_in_one_live_match_at_a_time(client, make, desk):
    desk.to_active()
    other_householder = make.ready("householder", desk.scheme)
    response = client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                           json={"householder_id": other_householder.id, "sharer_id": desk.sharer_person.id})
    assert_problem(response, 409, "already-matched")
    desk.ok("ending", body={"ended_by": "scheme", "reason": "Safeguarding.", "notice_given_days": 0,
                            "end_on": "2027-05-01"})
    again = client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers,
                        json={"householder_id": other_householder.id, "sharer_id": desk.sharer_person.id})
    assert again.status_code == 201


def test_concurrent_proposals_for_one_sharer_stop_at_the_offer_limit(app, make):
    scheme = make.scheme()
    client = app.test_client()
    coordinator = make.login(client, make.coordinator(scheme))
    sharer = make.ready("sharer", scheme)
    householders = [make.ready("householder", scheme) for _ in range(4)]
    barrier = threading.Barrier(len(householders))
    statuses: list[int] = []

    def attempt(householder):
        barrier.wait()
        response = app.test_client().post(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers,
                                          json={"householder_id": householder.id, "sharer_id": sharer.id})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(h,)) for h in householders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Up to the scheme's max_open_offers (3) at once, however the requests race.
    assert sorted(statuses) == [201, 201, 201, 409]
    listed = client.get(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers).json
    assert listed["pagination"]["total"] == 3


@pytest.mark.parametrize("field, value", [
    ("householder_id", "sharer"), ("sharer_id", "householder"), ("sharer_id", "uncleared"), ("sharer_id", "elsewhere"),
])
def test_proposals_need_the_right_cleared_people_of_the_scheme(client, make, desk, field, value):
    people = {
        "sharer": desk.sharer_person, "householder": desk.householder_person,
        "uncleared": make.ready("sharer", desk.scheme, cleared=False),
        "elsewhere": make.ready("sharer", make.scheme()),
    }
    body = {"householder_id": desk.householder_person.id, "sharer_id": desk.sharer_person.id, field: people[value].id}
    response = client.post(f"/api/v1/schemes/{desk.scheme.id}/matches", headers=desk.coordinator.headers, json=body)
    assert field in assert_problem(response, 422)["errors"]


# What each side sees ------------------------------------------------------------------------------


def test_each_side_sees_a_limited_profile_and_contacts_only_when_both_agree(client, make):
    desk = Desk(client, make, make.scheme())
    desk.propose()
    seen = desk.own(desk.householder)["other_party"]
    assert seen["preferred_name"] == "Tom" and seen["district"] == "LS6"
    assert seen["interests"] == ["chess", "cycling"] and seen["hours_per_week"] == 10
    assert seen["contact"] is None
    text = client.get(f"/api/v1/me/matches/{desk.match_id}", headers=desk.householder.headers).get_data(as_text=True)
    for private in ("Hyde Park Road", "07700 900001", "2001-09-09", "Nowak", "001122334455", "cleared"):
        assert private not in text

    desk.respond(desk.householder, share_contact_details=True)
    desk.respond(desk.sharer, share_contact_details=False)
    desk.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Library"})
    assert desk.own(desk.householder)["other_party"]["contact"] is None

    both = Desk(client, make, make.scheme())
    both.to_introduction()
    contact = both.own(both.householder)["other_party"]["contact"]
    assert contact == {"first_name": "Tomasz", "last_name": "Nowak", "phone": "07700 900001",
                       "email": both.sharer_person.email}
    assert both.own(both.sharer)["other_party"]["contact"]["first_name"] == "Margaret"


def test_matches_are_out_of_reach_of_everyone_else(client, make, desk):
    desk.propose()
    outsider_coordinator = make.login(client, make.coordinator(make.scheme()))
    stranger = make.login(client, make.ready("householder", desk.scheme))
    assert_problem(client.get(f"/api/v1/matches/{desk.match_id}", headers=outsider_coordinator.headers), 404)
    assert_problem(client.get(f"/api/v1/me/matches/{desk.match_id}", headers=stranger.headers), 404)
    assert_problem(desk.post("response", stranger, {"decision": "accept"}), 404)
    assert_problem(client.get(f"/api/v1/matches/{desk.match_id}", headers=desk.householder.headers), 403)
    assert_problem(desk.post("withdrawal", desk.householder, {"reason": "No."}), 403)
    assert_problem(client.get(f"/api/v1/matches/{desk.match_id}/agreement", headers=stranger.headers), 404)
    assert desk.detail()["state"] == "proposed"


def test_own_match_list_has_the_live_match_first_in_fixed_queries(client, make, count_queries):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    sharer_person = make.ready("sharer", scheme)
    sharer = make.login(client, sharer_person)
    for _ in range(3):
        householder = make.ready("householder", scheme)
        response = client.post(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers,
                               json={"householder_id": householder.id, "sharer_id": sharer_person.id})
        client.post(f"/api/v1/matches/{response.json['id']}/withdrawal", headers=coordinator.headers,
                    json={"reason": "Try another."})
    live = client.post(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers,
                       json={"householder_id": make.ready("householder", scheme).id, "sharer_id": sharer_person.id})
    counts = []
    for per_page in (1, 10):
        with count_queries() as statements:
            listed = client.get(f"/api/v1/me/matches?per_page={per_page}", headers=sharer.headers)
        counts.append(len(statements))
    assert counts[0] == counts[1] == 4
    items = listed.json["items"]
    assert [item["state"] for item in items] == ["proposed", "withdrawn", "withdrawn", "withdrawn"]
    assert items[0]["id"] == live.json["id"] and items[0]["side"] == "sharer"


def own_in_statements(client, count_queries, desk, session):
    """``session``'s view of the desk's match, and the statements it took."""
    with count_queries() as statements:
        response = client.get(f"/api/v1/me/matches/{desk.match_id}", headers=session.headers)
    assert response.status_code == 200, response.json
    return response.json, len(statements)


def test_an_own_match_is_read_in_four_statements_whatever_hangs_off_it(client, make, count_queries):
    """The account, the match, its other person with the agreement version waiting and the exit
    feedback, and what was done for the person: the same four statements in every stage."""
    desk = Desk(client, make, make.scheme())
    agreed = client.put(f"/api/v1/people/{desk.sharer_person.id}/behalf-agreement", headers=desk.coordinator.headers,
                        json={"agreed_on": "2026-11-01"})
    assert agreed.status_code == 200, agreed.json
    desk.propose()
    seen, count = own_in_statements(client, count_queries, desk, desk.sharer)
    assert count == 4 and seen["on_behalf"] == [] and seen["next_step"].startswith("Say whether")

    desk.respond(desk.coordinator, share_contact_details=True, on_behalf={
        "person_id": desk.sharer_person.id, "how": "by-phone", "given_at": "2026-11-30T10:00:00+00:00"})
    desk.respond(desk.householder, share_contact_details=True)
    desk.ok("introduction", body={"meeting_at": "2026-12-01T14:00:00+00:00", "place": "Library"})
    desk.ok("trial", body={"start_on": "2027-01-04"})
    desk.agree()
    assert desk.accept_agreement(desk.householder, 1).status_code == 200
    seen, count = own_in_statements(client, count_queries, desk, desk.sharer)
    assert count == 4 and seen["next_step"] == "Read and accept version 1 of the agreement."
    assert [(item["action"], item["how"]) for item in seen["on_behalf"]] == [("match.responded", "by-phone")]
    assert seen["other_party"]["contact"]["first_name"] == "Margaret"
    seen, count = own_in_statements(client, count_queries, desk, desk.householder)
    assert count == 4 and seen["next_step"].startswith("Trial until") and seen["on_behalf"] == []

    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    desk.review()
    desk.agree({**TERMS, "hours_per_week": 12})
    assert desk.accept_agreement(desk.sharer, 2).status_code == 200
    seen, count = own_in_statements(client, count_queries, desk, desk.householder)
    assert count == 4 and seen["next_step"] == "Read and accept version 2 of the agreement."

    desk.ok("notice", desk.sharer, {"reason": "sharer-moved-for-work-or-study"})
    given = client.put(f"/api/v1/matches/{desk.match_id}/exit-feedback", headers=desk.householder.headers,
                       json={"would_homeshare_again": True, "scheme_support": 4, "comment": "Lovely young man."})
    assert given.status_code == 201, given.json
    seen, count = own_in_statements(client, count_queries, desk, desk.householder)
    assert count == 4 and seen["state"] == "notice" and seen["exit_feedback"]["comment"] == "Lovely young man."
    seen, count = own_in_statements(client, count_queries, desk, desk.sharer)
    assert count == 4 and seen["exit_feedback"] is None  # only one's own feedback


def test_a_match_in_full_is_read_in_four_statements(client, make, count_queries):
    """The account, the match, its history with the exit feedback, and what was done for someone."""
    desk = Desk(client, make, make.scheme())
    desk.to_notice()
    for session, support in ((desk.householder, 4), (desk.sharer, 2)):
        given = client.put(f"/api/v1/matches/{desk.match_id}/exit-feedback", headers=session.headers,
                           json={"would_homeshare_again": True, "scheme_support": support})
        assert given.status_code == 201, given.json
    with count_queries() as statements:
        full = desk.detail()
    assert len(statements) == 4
    assert [item["scheme_support"] for item in full["exit_feedback"]] == [4, 2]
    assert [event["action"] for event in full["events"]][-2:] == ["activate", "give_notice"]
    assert len(full["events"]) == len({(event["action"], event["occurred_at"], event["actor_id"])
                                       for event in full["events"]})  # each once, not once per feedback


# The agreement ----------------------------------------------------------------------------------


def test_agreement_versions_must_be_accepted_again_after_a_change(desk):
    desk.to_trial()
    agreement = desk.agree()
    assert agreement["current"]["number"] == 1 and agreement["baseline"] is None
    assert_problem(desk.decide("activate"), 409, "agreement-not-accepted")
    desk.accept_agreement(desk.householder, 1)
    desk.accept_agreement(desk.sharer, 1)
    assert desk.agree()["current"]["number"] == 1  # the same terms: no new version

    changed = desk.agree({**TERMS, "hours_per_week": 12})
    assert changed["current"]["number"] == 2
    assert changed["current"]["householder_accepted_at"] is None
    assert changed["baseline"]["number"] == 1 and changed["baseline"]["hours_per_week"] == 10
    assert_problem(desk.decide("activate"), 409, "agreement-not-accepted")
    stale = desk.accept_agreement(desk.householder, 1)
    assert_problem(stale, 409, "agreement-version-superseded")
    accepted = desk.accept_agreement(desk.householder, 2)
    assert accepted.status_code == 200
    assert accepted.json["current"]["householder_accepted_at"]
    again = desk.accept_agreement(desk.householder, 2)
    assert again.json["current"]["householder_accepted_at"] == accepted.json["current"]["householder_accepted_at"]
    final = desk.accept_agreement(desk.sharer, 2).json
    assert final["baseline"]["number"] == 2 and final["baseline"]["hours_per_week"] == 12
    assert [v["number"] for v in final["versions"]] == [1, 2]
    assert desk.review()["state"] == "active"


@pytest.mark.parametrize("change, field", [
    ({"tasks": ["cooking", "medication"]}, "tasks"),
    ({"tasks": []}, "tasks"),
    ({"trial_ends_on": "2027-01-01"}, "trial_ends_on"),
    ({"hours_per_week": 0}, "hours_per_week"),
    ({"monthly_contribution_pence": 12.5}, "monthly_contribution_pence"),
    ({"notice_days": -1}, "notice_days"),
    ({"rent": 400}, "rent"),
])
def test_bad_agreement_terms_are_refused(desk, change, field):
    desk.to_introduction()
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.coordinator.headers,
                               json={**TERMS, **change})
    problem = assert_problem(response, 422)
    assert field in problem["errors"]
    if field == "tasks" and change["tasks"]:
        assert "personal care" in " ".join(problem["errors"]["tasks"])
    agreement = desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.sharer.headers).json
    assert agreement["versions"] == []


def test_only_coordinators_draft_and_only_the_two_sides_accept(desk):
    desk.to_introduction()
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.householder.headers,
                               json=TERMS)
    assert_problem(response, 403)
    desk.agree()
    assert_problem(desk.accept_agreement(desk.coordinator, 1), 422, "validation-error")  # only for a person
    seen = desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.sharer.headers).json
    assert seen["current"]["house_rules"] == TERMS["house_rules"]


def test_no_agreement_before_the_introduction(desk):
    desk.propose()
    response = desk.client.put(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.coordinator.headers,
                               json=TERMS)
    assert_problem(response, 409, "agreement-not-open")
