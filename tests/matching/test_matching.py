"""Candidates, pool suggestions and the match lifecycle, through HTTP."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.extensions import db
from homeshare.matching import scoring, service

from tests.conftest import prepared_statements_beside
from tests.helpers import assert_problem
from tests.matchdesk import Desk


def candidates(client, coordinator, person, **query):
    response = client.get(f"/api/v1/people/{person.id}/candidates", headers=coordinator.headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def propose(client, coordinator, scheme, householder, sharer):
    return client.post(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers,
                       json={"householder_id": householder.id, "sharer_id": sharer.id})


# Ranking ----------------------------------------------------------------------------------------


def test_candidates_are_ranked_with_reasons_and_warnings(client, make, scheme, coordinator):
    householder = make.ready("householder", scheme, has_pets=True)
    close = make.ready("sharer", scheme, accepts_pets=None, interests=["Gardening", "chess", "baking"])
    farther = make.ready("sharer", scheme, base_latitude=53.86, base_longitude=-1.60, hours_offered_per_week=6,
                         languages=["English"], interests=[], max_distance_km=15)
    ranked = candidates(client, coordinator, householder)
    assert ranked["pagination"]["total"] == 2
    first, second = ranked["items"]
    assert (first["sharer"]["person_id"], second["sharer"]["person_id"]) == (close.id, farther.id)
    assert first["score"] > second["score"]
    assert 0 <= second["score"] <= first["score"] <= 100
    assert first["householder"]["person_id"] == householder.id
    reasons = first["reasons"]
    assert any(r.endswith("km from Leeds General Infirmary") for r in reasons), reasons
    assert "offers 10 of the 8 hours wanted" in reasons
    assert "offers 2 of the 2 tasks wanted" in reasons
    assert "both enjoy gardening and chess" in reasons
    assert "shares English and Polish" in reasons
    assert "householder keeps pets; sharer has not said pets are fine" in first["warnings"]
    assert "offers fewer hours than wanted" in second["warnings"]
    assert first["distance_km"] == pytest.approx(2.6, abs=0.1)  # 2.06 km north, 1.58 km east


def test_ranking_works_from_the_sharer_side(client, make, scheme, coordinator):
    sharer = make.ready("sharer", scheme)
    near = make.ready("householder", scheme)
    far = make.ready("householder", scheme, latitude=53.87, longitude=-1.62, interests=[])
    ranked = candidates(client, coordinator, sharer)["items"]
    assert [item["householder"]["person_id"] for item in ranked] == [near.id, far.id]


HARD_FILTERS = {
    "not cleared": ("sharer", {"cleared": False}),
    "deactivated": ("sharer", {"deactivate": True}),
    "dates do not overlap": ("householder", {"room_available_from": date.today() + timedelta(days=800)}),
    "beyond the sharer's maximum distance": ("sharer", {"max_distance_km": 1}),
    "smoker with non-smoker": ("sharer", {"smoker": True}),
    "householder's pets, sharer refuses pets": ("sharer", {"accepts_pets": False, "_householder": {"has_pets": True}}),
    "sharer's pets, householder refuses pets": ("sharer", {"has_pets": True, "_householder": {"accepts_pets": False}}),
    "householder's gender preference": ("sharer", {"_householder": {"gender_preference": ["female"]}}),
    "sharer's gender preference": ("sharer", {"gender_preference": ["male"]}),
}


@pytest.mark.parametrize("case", list(HARD_FILTERS))
def test_every_hard_filter_removes_a_candidate(app, client, make, scheme, coordinator, case):
    side, overrides = HARD_FILTERS[case]
    overrides = dict(overrides)
    householder_overrides = overrides.pop("_householder", {})
    cleared = overrides.pop("cleared", True)
    deactivate = overrides.pop("deactivate", False)
    if side == "householder":
        householder_overrides.update(overrides)
        overrides = {}
    householder = make.ready("householder", scheme, **householder_overrides)
    filtered = make.ready("sharer", scheme, cleared=cleared, **overrides)
    if deactivate:
        client.post(f"/api/v1/accounts/{filtered.id}/deactivate", headers=coordinator.headers)
    ranked = candidates(client, coordinator, householder)["items"]
    assert filtered.id not in [item["sharer"]["person_id"] for item in ranked]
    if side == "sharer" and not householder_overrides:
        control = make.ready("sharer", scheme)
        assert [item["sharer"]["person_id"] for item in candidates(client, coordinator, householder)["items"]] == [
            control.id]


def test_an_unknown_gender_passes_a_preference_with_a_warning(client, make, scheme, coordinator):
    householder = make.ready("householder", scheme, gender_preference=["female"])
    unknown = make.ready("sharer", scheme, gender=None)
    ranked = candidates(client, coordinator, householder)["items"]
    assert [item["sharer"]["person_id"] for item in ranked] == [unknown.id]
    assert "gender preference not checked: the sharer has not said" in ranked[0]["warnings"]


def test_interests_match_whatever_their_case_or_spacing(client, make, scheme, coordinator):
    householder = make.ready("householder", scheme, interests=["Échecs", "Ελληνική κουζίνα", "board games"])
    alike = make.ready("sharer", scheme, interests=["échecs", "ελληνική κουζίνα", "board games"])
    other = make.ready("sharer", scheme, interests=["football"])
    ranked = {item["sharer"]["person_id"]: item for item in candidates(client, coordinator, householder)["items"]}
    weights = 25 + 20 + 20 + 10 + 10 + 5 + 10
    assert ranked[alike.id]["score"] - ranked[other.id]["score"] == round(100 * 10 / weights)
    assert "both enjoy Échecs, Ελληνική κουζίνα and board games" in ranked[alike.id]["reasons"]


def test_people_with_thin_profiles_are_not_candidates(client, make, scheme, coordinator):
    householder = make.ready("householder", scheme)
    thin = make.ready("sharer", scheme, first_name=None, date_of_birth=None)
    assert candidates(client, coordinator, householder)["items"] == []
    response = propose(client, coordinator, scheme, householder, thin)
    problem = assert_problem(response, 422)
    assert "first_name" in problem["errors"]["sharer_id"][0]


def test_people_in_a_live_match_or_another_scheme_are_not_candidates(client, make, scheme, coordinator):
    householder, offered_by = make.ready("householder", scheme), make.ready("householder", scheme)
    offered, free = make.ready("sharer", scheme), make.ready("sharer", scheme)
    make.ready("sharer", make.scheme())
    Desk(client, make, scheme).to_trial()  # its sharer lives in a home now
    # An open proposal is not a live match: the sharer may have more offers (up to the limit).
    assert propose(client, coordinator, scheme, offered_by, offered).status_code == 201
    ranked = candidates(client, coordinator, householder)["items"]
    assert {item["sharer"]["person_id"] for item in ranked} == {free.id, offered.id}


def test_candidate_ranking_is_for_the_persons_own_coordinators(client, make, scheme):
    householder = make.ready("householder", scheme)
    url = f"/api/v1/people/{householder.id}/candidates"
    assert_problem(client.get(url, headers=make.login(client, make.coordinator(make.scheme())).headers), 404)
    assert_problem(client.get(url, headers=make.login(client, householder).headers), 403)


def test_candidate_ranking_costs_a_fixed_number_of_queries(client, make, scheme, coordinator, count_queries):
    householder = make.ready("householder", scheme)
    counts = []
    for _ in range(2):
        with count_queries() as statements:
            candidates(client, coordinator, householder)
        counts.append(len(statements))
        for _ in range(5):
            make.ready("sharer", scheme)
    assert counts[0] == counts[1] == 5


# Pool suggestion ---------------------------------------------------------------------------------


def test_pool_suggestion_is_optimal_where_greedy_is_not(client, make, scheme, coordinator):
    # Sharer A suits both householders best; B suits only the first (and only moderately).
    # Greedy gives A to the first householder and leaves the second with nobody; the
    # optimum gives the first B and the second A.
    first = make.ready("householder", scheme)
    second = make.ready("householder", scheme, latitude=53.7800, longitude=-1.5400, interests=["cycling"])
    a = make.ready("sharer", scheme, base_latitude=53.7950, base_longitude=-1.5500, interests=["chess", "cycling"])
    b = make.ready("sharer", scheme, base_latitude=53.8300, base_longitude=-1.5950, max_distance_km=4,
                   interests=["gardening"], languages=["English"])
    scores = {}
    for householder in (first, second):
        for item in candidates(client, coordinator, householder)["items"]:
            scores[(householder.id, item["sharer"]["person_id"])] = item["score"]
    assert (second.id, b.id) not in scores  # beyond b's maximum distance
    assert scores[(first.id, a.id)] > scores[(first.id, b.id)]

    best = max(
        (sum(scores[pair] for pair in pairing if pair in scores), pairing)
        for pairing in ([(first.id, a.id), (second.id, b.id)], [(first.id, b.id), (second.id, a.id)])
    )
    response = client.get(f"/api/v1/schemes/{scheme.id}/pool-suggestion", headers=coordinator.headers)
    assert response.status_code == 200
    suggestion = response.json
    pairs = {(p["householder"]["person_id"], p["sharer"]["person_id"]) for p in suggestion["pairs"]}
    assert pairs == {(first.id, b.id), (second.id, a.id)}
    assert suggestion["total_score"] == best[0]
    assert (suggestion["householders_waiting"], suggestion["sharers_waiting"]) == (2, 2)
    assert all(pair["reasons"] for pair in suggestion["pairs"])
    # Nothing was committed.
    assert client.get(f"/api/v1/schemes/{scheme.id}/matches", headers=coordinator.headers).json["items"] == []


def test_pool_suggestion_matches_brute_force_on_a_three_by_three_pool(client, make, scheme, coordinator):
    householders = [make.ready("householder", scheme, latitude=53.80 + 0.01 * i, interests=[["chess"], [], ["cycling"]][i])
                    for i in range(3)]
    sharers = [make.ready("sharer", scheme, base_latitude=53.80 + 0.015 * i, hours_offered_per_week=6 + 2 * i)
               for i in range(3)]
    scores = {(h.id, item["sharer"]["person_id"]): item["score"]
              for h in householders for item in candidates(client, coordinator, h)["items"]}
    brute = max(sum(scores.get((h.id, s.id), 0) for h, s in zip(householders, perm))
                for perm in itertools.permutations(sharers))
    suggestion = client.get(f"/api/v1/schemes/{scheme.id}/pool-suggestion", headers=coordinator.headers).json
    assert suggestion["total_score"] == brute


def test_pool_suggestion_is_for_the_schemes_coordinators(client, make, scheme):
    url = f"/api/v1/schemes/{scheme.id}/pool-suggestion"
    assert_problem(client.get(url, headers=make.login(client, make.coordinator(make.scheme())).headers), 404)
    assert_problem(client.get(url, headers=make.login(client, make.householder(scheme)).headers), 403)


@pytest.mark.parametrize("role", ["householder", "sharer"])
def test_the_ranking_is_the_whole_populations_scoring_whatever_it_leaves_unfetched(app, client, make, scheme,
                                                                                    coordinator, role):
    """Candidates the hard filters rule out are not fetched (``_may_suit``): the ranking is
    still exactly the scoring of everyone available, pair by pair."""
    rng = random.Random(5)
    other = "sharer" if role == "householder" else "householder"

    def varied() -> dict:
        return {"smoker": rng.choice([True, False, None]), "has_pets": rng.choice([True, False, None]),
                "accepts_pets": rng.choice([True, False, None]),
                "latitude": rng.choice([53.7, 53.8, 53.9, 54.1, None]), "longitude": -1.55,
                "base_latitude": rng.choice([53.72, 53.8, 53.85, 54.3, None]), "base_longitude": -1.56,
                "max_distance_km": rng.choice([2, 5, 10, 30, None])}

    people = [make.ready(other, scheme, **varied()) for _ in range(30)]
    assert people
    for n in range(6):
        person = make.ready(role, scheme, **varied())
        ranked = candidates(client, coordinator, person, per_page=100)
        with app.app_context():
            account = db.session.get(Account, uuid.UUID(person.id))
            me = service.candidate_of(account)
            everyone = service.available_people(account.scheme, Role(other), excluding=account.id)
            weights = account.scheme.effective_settings["matching_weights"]
            pairs = scoring.evaluate(me, everyone, weights) if role == "householder" else scoring.evaluate(everyone, me, weights)
            feasible = pairs.feasible[0] if role == "householder" else pairs.feasible[:, 0]
            score = pairs.score[0] if role == "householder" else pairs.score[:, 0]
            kept = np.flatnonzero(feasible)
            expected = [(str(everyone.person_id(i)), int(score[i])) for i in kept[np.argsort(-score[kept], kind="stable")]]
            db.session.remove()
        assert [(item[other]["person_id"], item["score"]) for item in ranked["items"]] == expected
        assert ranked["pagination"]["total"] == len(expected)


def test_the_candidates_statement_is_planned_for_each_ranking_and_never_prepared(app, client, make, scheme,
                                                                                   coordinator):
    # Its best plan depends on the scheme's size and the person ranked: PostgreSQL must not
    # plan it once for all rankings (homeshare.common.drivers), as it may a prepared statement.
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("statements are prepared on PostgreSQL only")
    householder = make.ready("householder", scheme)
    make.ready("sharer", scheme)
    with prepared_statements_beside(app, lambda statement: "scoring_features" in statement
                                    and "ORDER BY" in statement) as prepared:
        for _ in range(8):  # the driver prepares a statement on its fifth run
            assert candidates(client, coordinator, householder)["pagination"]["total"] == 1
    # The person ranked, read by id, is prepared like the account lookup of every request; the candidates are not.
    assert any("scoring_features" in statement and "ORDER BY" not in statement for statement in prepared)
    assert not any("scoring_features" in statement and "ORDER BY" in statement for statement in prepared)


def test_postgresql_keeps_statistics_on_the_edges_of_a_sharers_reach_as_the_ranking_writes_them(app):
    # Without them PostgreSQL guesses a third for each edge, takes the sharers in reach for a
    # few hundred of thousands, and plans the candidates as probes of two indexes each.
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("statistics on expressions are PostgreSQL's")
    constant = f"({service.KM_PER_DEGREE_AT_LEAST!r})::double precision"
    with app.app_context():
        kept = dict(db.session.execute(sa.text(
            "SELECT stxname, (pg_get_statisticsobjdef_expressions(oid))[1] FROM pg_statistic_ext "
            "WHERE stxrelid = 'profile'::regclass")).all())
        db.session.remove()
    assert kept == {"st_profile_reach_south": f"(base_latitude - (max_distance_km / {constant}))",
                    "st_profile_reach_north": f"(base_latitude + (max_distance_km / {constant}))"}
    for edge, sign in ((service.REACH_SOUTH, "-"), (service.REACH_NORTH, "+")):
        compiled = edge.compile(dialect=postgresql.dialect())
        [(name, value)] = compiled.params.items()
        assert str(compiled) == f"profile.base_latitude {sign} profile.max_distance_km / CAST(%({name})s AS FLOAT)"
        assert value == service.KM_PER_DEGREE_AT_LEAST
