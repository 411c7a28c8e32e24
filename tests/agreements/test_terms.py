"""The agreement's terms: the trial's length (the match holds its end), the term, stays, nights
away and days off, house rules, fees, and the scheme's cap on weekly hours."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem
from tests.matchdesk import TERMS, Desk

FULL = {
    **TERMS, "trial_length_days": 35, "term": "fixed", "term_ends_on": "2027-12-31", "review_on": "2027-07-01",
    "minimum_stay_months": 6, "trial_notice_days": 7, "notice_days": 28, "nights_away_per_month": 4,
    "days_off_per_week": 1,
    "house_rules": [{"topic": "Guests", "rule": "No guests overnight without asking."},
                    {"topic": "Kitchen", "rule": "Wash up the same evening."}],
    "householder_fee": {"amount_pence": 2500, "period": "month"},
    "sharer_fee": {"amount_pence": 15000, "period": "one-off"},
}


@pytest.fixture
def desk(client, make):
    return Desk(client, make, make.scheme())


def put(desk, terms):
    return desk.client.put(f"/api/v1/matches/{desk.match_id}/agreement", headers=desk.coordinator.headers, json=terms)


def agreement(desk, session=None):
    response = desk.client.get(f"/api/v1/matches/{desk.match_id}/agreement",
                               headers=(session or desk.coordinator).headers)
    assert response.status_code == 200, response.json
    return response.json


def test_every_term_is_stored_and_shown(desk):
    desk.to_introduction()
    response = put(desk, FULL)
    assert response.status_code == 201, response.json
    current = agreement(desk, desk.sharer)["current"]
    for name, value in FULL.items():
        assert current[name] == value, name
    assert current["hours_reason"] is None


def test_terms_left_out_take_their_defaults(desk):
    desk.to_introduction()
    current = desk.agree({name: TERMS[name] for name in ("hours_per_week", "tasks", "start_on")})["current"]
    assert {name: current[name] for name in (
        "trial_length_days", "term", "term_ends_on", "review_on", "minimum_stay_months", "nights_away_per_month",
        "days_off_per_week", "house_rules", "householder_fee", "sharer_fee", "hours_reason")} == {
        "trial_length_days": 28, "term": "open-ended", "term_ends_on": None, "review_on": None,
        "minimum_stay_months": None, "nights_away_per_month": None, "days_off_per_week": None, "house_rules": [],
        "householder_fee": None, "sharer_fee": None, "hours_reason": None}


def test_the_trial_length_defaults_to_the_schemes(client, make):
    desk = Desk(client, make, make.scheme(settings={"trial_length_days": 42}))
    desk.to_introduction()
    terms = {name: value for name, value in TERMS.items() if name != "trial_length_days"}
    assert desk.agree(terms)["current"]["trial_length_days"] == 42


def test_the_match_holds_the_trials_end_and_the_agreement_shows_it(desk):
    desk.to_introduction()
    desk.agree()
    assert agreement(desk)["trial_ends_on"] is None  # before the trial
    desk.ok("trial", body={"start_on": "2027-01-04"})
    assert agreement(desk, desk.householder)["trial_ends_on"] == desk.detail()["trial_ends_on"] == "2027-02-01"
    # Read-only: the agreement's terms do not take an end date.
    problem = assert_problem(put(desk, {**TERMS, "trial_ends_on": "2027-03-01"}), 422)
    assert "trial_ends_on" in problem["errors"]


def test_the_trial_takes_the_length_both_sides_accepted(desk):
    desk.to_introduction()
    desk.agree({**TERMS, "trial_length_days": 42})
    assert desk.accept_agreement(desk.householder, 1).status_code == 200
    assert desk.accept_agreement(desk.sharer, 1).status_code == 200
    desk.agree({**TERMS, "trial_length_days": 14})  # drafted, not yet accepted: not what the trial takes
    trial = desk.ok("trial", body={"start_on": "2027-01-04"})
    assert trial["trial_ends_on"] == "2027-02-15"
    assert agreement(desk)["trial_ends_on"] == "2027-02-15"


def test_without_an_accepted_version_the_trial_takes_the_schemes_length(client, make):
    desk = Desk(client, make, make.scheme(settings={"trial_length_days": 21}))
    desk.to_introduction()
    desk.agree({**TERMS, "trial_length_days": 42})
    assert desk.ok("trial", body={"start_on": "2027-01-04"})["trial_ends_on"] == "2027-01-25"


@pytest.mark.parametrize("change, field", [
    ({"term": "fixed"}, "term_ends_on"),
    ({"term": "fixed", "term_ends_on": None}, "term_ends_on"),
    ({"term": "open-ended", "term_ends_on": "2027-12-31"}, "term_ends_on"),
    ({"term": "fixed", "term_ends_on": "2027-01-04"}, "term_ends_on"),
    ({"term": "for ever"}, "term"),
    ({"review_on": "2026-12-01"}, "review_on"),
    ({"trial_length_days": 6}, "trial_length_days"),
    ({"trial_length_days": 121}, "trial_length_days"),
    ({"minimum_stay_months": 0}, "minimum_stay_months"),
    ({"nights_away_per_month": 32}, "nights_away_per_month"),
    ({"nights_away_per_month": -1}, "nights_away_per_month"),
    ({"days_off_per_week": 8}, "days_off_per_week"),
    ({"house_rules": "No smoking."}, "house_rules"),
    ({"house_rules": [{"topic": "Smoking"}]}, "house_rules"),
    ({"house_rules": [{"topic": "Smoking", "rule": "   "}]}, "house_rules"),
    ({"house_rules": [{"topic": "x" * 101, "rule": "No smoking."}]}, "house_rules"),
    ({"house_rules": [{"topic": "Smoking", "rule": "x" * 5001}]}, "house_rules"),
    ({"house_rules": [{"topic": f"Rule {n}", "rule": "Yes."} for n in range(31)]}, "house_rules"),
    ({"house_rules": [{"topic": "Smoking", "rule": "No.", "kind": "strict"}]}, "house_rules"),
    ({"householder_fee": {"amount_pence": 2500, "period": "fortnight"}}, "householder_fee"),
    ({"householder_fee": {"amount_pence": 0, "period": "month"}}, "householder_fee"),
    ({"sharer_fee": {"amount_pence": 2500}}, "sharer_fee"),
    ({"sharer_fee": 2500}, "sharer_fee"),
    ({"hours_per_week": 16}, "hours_reason"),
    ({"hours_per_week": 16, "hours_reason": "  "}, "hours_reason"),
    ({"hours_per_week": 41, "hours_reason": "She needs more help after her fall."}, "hours_per_week"),
])
def test_bad_terms_are_refused_and_store_nothing(desk, change, field):
    desk.to_introduction()
    problem = assert_problem(put(desk, {**TERMS, **change}), 422)
    assert field in problem["errors"], problem
    assert agreement(desk)["versions"] == []


def test_hours_above_the_schemes_cap_need_a_reason(client, make):
    desk = Desk(client, make, make.scheme())
    desk.to_introduction()
    problem = assert_problem(put(desk, {**TERMS, "hours_per_week": 20}), 422)
    assert "15" in problem["errors"]["hours_reason"][0]
    reason = "Evenings and weekends while her daughter is abroad."
    current = desk.agree({**TERMS, "hours_per_week": 20, "hours_reason": reason})["current"]
    assert (current["hours_per_week"], current["hours_reason"]) == (20, reason)
    assert desk.agree({**TERMS, "hours_per_week": 15})["current"]["hours_reason"] is None  # at the cap: none needed


def test_a_scheme_sets_its_own_cap(client, make):
    desk = Desk(client, make, make.scheme(settings={"max_hours_per_week": 20}))
    desk.to_introduction()
    assert desk.agree({**TERMS, "hours_per_week": 20})["current"]["hours_per_week"] == 20
    assert "hours_reason" in assert_problem(put(desk, {**TERMS, "hours_per_week": 21}), 422)["errors"]


def test_the_current_terms_sent_again_stand_after_the_cap_is_lowered(client, make):
    desk = Desk(client, make, make.scheme(settings={"max_hours_per_week": 20}))
    desk.to_introduction()
    assert put(desk, {**TERMS, "hours_per_week": 18}).status_code == 201
    lowered = client.patch(f"/api/v1/schemes/{desk.scheme.id}", headers=desk.coordinator.headers,
                           json={"settings": {"max_hours_per_week": 15}})
    assert lowered.status_code == 200, lowered.json
    again = put(desk, {**TERMS, "hours_per_week": 18})
    assert again.status_code == 200 and [v["number"] for v in again.json["versions"]] == [1]
    assert "hours_reason" in assert_problem(put(desk, {**TERMS, "hours_per_week": 19}), 422)["errors"]


def test_the_same_terms_twice_make_one_version(desk):
    desk.to_introduction()
    assert put(desk, FULL).status_code == 201
    again = put(desk, {**FULL, "tasks": list(reversed(FULL["tasks"]))})
    assert again.status_code == 200
    assert [v["number"] for v in again.json["versions"]] == [1]


@pytest.mark.parametrize("change", [
    {"house_rules": list(reversed(FULL["house_rules"]))},  # the rules' order is part of them
    {"house_rules": [{"topic": "Guests", "rule": "Guests are welcome."}, FULL["house_rules"][1]]},
    {"householder_fee": {"amount_pence": 2500, "period": "week"}},
    {"sharer_fee": None},
    {"term": "open-ended", "term_ends_on": None},
    {"review_on": None},
    {"trial_length_days": 28},
    {"nights_away_per_month": 5},
    {"days_off_per_week": 2},
    {"minimum_stay_months": 12},
])
def test_a_changed_term_makes_a_new_version(desk, change):
    desk.to_introduction()
    assert put(desk, FULL).status_code == 201
    changed = put(desk, {**FULL, **change})
    assert changed.status_code == 201, changed.json
    assert [v["number"] for v in changed.json["versions"]] == [1, 2]
