"""Schemes: created by admins, run by their own coordinators only."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.schemes.models import Scheme
from homeshare.schemes.settings import resolved_settings
from tests.helpers import assert_problem


@pytest.fixture
def admin(client, make):
    return make.login(client, make.admin())


def test_admin_creates_a_scheme_with_documented_defaults(client, admin):
    response = client.post("/api/v1/schemes", headers=admin.headers, json={"slug": "leeds", "name": "Homeshare Leeds"})
    assert response.status_code == 201
    scheme = response.json
    assert scheme["slug"] == "leeds"
    assert scheme["timezone"] == "Europe/London"
    settings = scheme["settings"]
    assert settings["min_sharer_age"] == 18
    assert settings["min_householder_age"] == 18
    assert settings["max_sharer_age"] is None
    assert settings["trial_length_days"] == 28
    assert settings["checkin_cadence"] == {
        "first_contact_days": 3, "trial_every_days": 7, "after_trial_every_months": 1,
        "settled_after_months": 6, "settled_every_months": 2,
        "review_after_months": [3, 6, 12], "review_every_months": 12,
    }
    assert settings["checkin_opens_days_before"] == 3


def test_scheme_creation_with_chosen_settings(client, admin):
    response = client.post("/api/v1/schemes", headers=admin.headers, json={
        "slug": "bristol", "name": "Bristol", "timezone": "Europe/Dublin",
        "settings": {"min_sharer_age": 23, "max_sharer_age": 55, "checkin_cadence": {"trial_every_days": 14}},
    })
    assert response.status_code == 201
    settings = response.json["settings"]
    assert (settings["min_sharer_age"], settings["max_sharer_age"]) == (23, 55)
    assert settings["checkin_cadence"]["trial_every_days"] == 14
    assert settings["checkin_cadence"]["first_contact_days"] == 3
    assert response.json["timezone"] == "Europe/Dublin"


def test_duplicate_slug_is_a_conflict(client, admin):
    body = {"slug": "leeds", "name": "Leeds"}
    assert client.post("/api/v1/schemes", headers=admin.headers, json=body).status_code == 201
    assert_problem(client.post("/api/v1/schemes", headers=admin.headers, json=body), 409, "scheme-exists")
    listed = client.get("/api/v1/schemes", headers=admin.headers).json
    assert listed["pagination"]["total"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"slug": "Leeds City", "name": "Leeds"}, "slug"),
        ({"slug": "ab", "name": "Leeds"}, "slug"),
        ({"slug": "leeds", "name": ""}, "name"),
        ({"slug": "leeds", "name": "x" * 201}, "name"),
        ({"slug": "leeds", "name": "Leeds", "timezone": "Mars/Olympus"}, "timezone"),
        ({"slug": "leeds", "name": "Leeds", "settings": {"min_sharer_age": 12}}, "settings"),
        ({"slug": "leeds", "name": "Leeds", "settings": {"min_sharer_age": "old"}}, "settings"),
        ({"slug": "leeds", "name": "Leeds", "settings": {"colour": "blue"}}, "settings"),
        ({"slug": "leeds", "name": "Leeds", "settings": {"min_sharer_age": 30, "max_sharer_age": 25}}, "settings"),
    ],
)
def test_scheme_creation_refuses_bad_input(client, admin, body, field):
    problem = assert_problem(client.post("/api/v1/schemes", headers=admin.headers, json=body), 422)
    assert field in problem["errors"]
    assert client.get("/api/v1/schemes", headers=admin.headers).json["pagination"]["total"] == 0


def test_only_admins_create_or_list_schemes(client, make):
    scheme = make.scheme()
    for person in (make.coordinator(scheme), make.householder(scheme), make.sharer(scheme)):
        session = make.login(client, person)
        assert_problem(client.get("/api/v1/schemes", headers=session.headers), 403, "forbidden")
        response = client.post("/api/v1/schemes", headers=session.headers, json={"slug": "mine", "name": "Mine"})
        assert_problem(response, 403, "forbidden")
    assert_problem(client.post("/api/v1/schemes", json={"slug": "anon", "name": "Anon"}), 401)


def test_coordinator_reads_and_changes_own_scheme_settings(client, make):
    scheme = make.scheme(settings={"min_sharer_age": 21})
    coordinator = make.login(client, make.coordinator(scheme))
    url = f"/api/v1/schemes/{scheme.id}"
    assert client.get(url, headers=coordinator.headers).json["settings"]["min_sharer_age"] == 21

    response = client.patch(url, headers=coordinator.headers, json={
        "name": "Renamed", "settings": {"trial_length_days": 35, "checkin_cadence": {"after_trial_every_months": 2}},
    })
    assert response.status_code == 200
    body = client.get(url, headers=coordinator.headers).json
    assert body["name"] == "Renamed"
    assert body["settings"]["trial_length_days"] == 35
    assert body["settings"]["min_sharer_age"] == 21  # untouched settings keep their values
    assert body["settings"]["checkin_cadence"]["after_trial_every_months"] == 2
    assert body["settings"]["checkin_cadence"]["trial_every_days"] == 7


def test_invalid_settings_change_leaves_the_scheme_as_it_was(client, make):
    scheme = make.scheme(settings={"min_sharer_age": 25})
    coordinator = make.login(client, make.coordinator(scheme))
    url = f"/api/v1/schemes/{scheme.id}"
    before = client.get(url, headers=coordinator.headers).json
    for body in ({"name": "New", "settings": {"max_sharer_age": 20}},
                 {"timezone": "Nowhere/City"}, {"slug": "renamed"}, {"settings": {"trial_length_days": -1}}):
        assert_problem(client.patch(url, headers=coordinator.headers, json=body), 422, "validation-error")
    assert client.get(url, headers=coordinator.headers).json == before


def test_schemes_are_out_of_reach_of_other_schemes_and_of_members(client, make):
    home, other = make.scheme(), make.scheme()
    outsider = make.login(client, make.coordinator(other))
    url = f"/api/v1/schemes/{home.id}"
    assert_problem(client.get(url, headers=outsider.headers), 404, "not-found")
    assert_problem(client.patch(url, headers=outsider.headers, json={"name": "Taken"}), 404, "not-found")
    member = make.login(client, make.householder(home))
    assert_problem(client.get(url, headers=member.headers), 403, "forbidden")
    assert_problem(client.get("/api/v1/schemes/not-a-uuid", headers=outsider.headers), 404)


def test_admin_reaches_any_scheme(client, make, admin):
    scheme = make.scheme()
    response = client.patch(f"/api/v1/schemes/{scheme.id}", headers=admin.headers, json={"timezone": "Europe/Belfast"})
    assert response.status_code == 200
    assert response.json["timezone"] == "Europe/Belfast"


def test_scheme_list_is_paginated_in_a_fixed_number_of_queries(client, make, admin, count_queries):
    for _ in range(7):
        make.scheme()
    counts = []
    for per_page in (2, 50):
        with count_queries() as statements:
            response = client.get(f"/api/v1/schemes?per_page={per_page}", headers=admin.headers)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2  # account check; the page with the total on each row
    assert "OVER ()" in statements[-1]
    page = client.get("/api/v1/schemes?per_page=3&page=3", headers=admin.headers).json
    assert page["pagination"] == {"page": 3, "per_page": 3, "total": 7, "pages": 3}
    assert len(page["items"]) == 1


def test_an_empty_page_past_the_end_still_reports_the_total(client, make, admin, count_queries):
    for _ in range(5):
        make.scheme()
    with count_queries() as statements:
        page = client.get("/api/v1/schemes?per_page=2&page=4", headers=admin.headers).json
    assert page == {"items": [], "pagination": {"page": 4, "per_page": 2, "total": 5, "pages": 3}}
    assert len(statements) == 3  # account check, the empty page, and the count it could not carry
    last = client.get("/api/v1/schemes?per_page=2&page=3", headers=admin.headers).json
    assert len(last["items"]) == 1 and last["pagination"]["total"] == 5
    for query in ("per_page=0", "per_page=101", "page=0", "page=abc", "sort=name"):
        assert_problem(client.get(f"/api/v1/schemes?{query}", headers=admin.headers), 422)


def test_a_stored_cadence_in_days_after_the_trial_reads_as_months(app, client, make):
    """``after_trial_every_days`` was replaced by calendar months: a scheme that stored it keeps
    loading, read as the nearest whole number of months (at least one, at most six), and the
    next change of its settings stores the new name."""
    assert [resolved_settings({"checkin_cadence": {"after_trial_every_days": days}})["checkin_cadence"]
            ["after_trial_every_months"] for days in (7, 30, 45, 60, 100, 180)] == [1, 1, 2, 2, 3, 6]
    kept = resolved_settings({"checkin_cadence": {"after_trial_every_days": 60, "after_trial_every_months": 4}})
    assert kept["checkin_cadence"]["after_trial_every_months"] == 4
    assert "after_trial_every_days" not in kept["checkin_cadence"]

    scheme = make.scheme()
    with app.app_context():
        db.session.execute(sa.update(Scheme).where(Scheme.id == uuid.UUID(scheme.id)).values(
            settings={"checkin_cadence": {"after_trial_every_days": 60, "trial_every_days": 14}}))
        db.session.commit()
        db.session.remove()
    coordinator = make.login(client, make.coordinator(scheme))
    url = f"/api/v1/schemes/{scheme.id}"
    cadence = client.get(url, headers=coordinator.headers).json["settings"]["checkin_cadence"]
    assert (cadence["after_trial_every_months"], cadence["trial_every_days"]) == (2, 14)
    assert "after_trial_every_days" not in cadence
    changed = client.patch(url, headers=coordinator.headers, json={"settings": {"checkin_cadence": {"first_contact_days": 2}}})
    assert changed.status_code == 200, changed.json
    with app.app_context():
        stored = db.session.get(Scheme, uuid.UUID(scheme.id)).settings
        db.session.remove()
    assert stored["checkin_cadence"] == {"after_trial_every_months": 2, "trial_every_days": 14, "first_contact_days": 2}
    # Requests use today's names only.
    assert_problem(client.patch(url, headers=coordinator.headers,
                                json={"settings": {"checkin_cadence": {"after_trial_every_days": 30}}}), 422)


def test_each_caller_of_the_resolved_settings_gets_a_copy_of_its_own():
    """Settings are loaded once for each stored value; a caller that changes what it was given,
    nested values included, changes nothing another caller reads."""
    stored = {"max_open_offers": 2, "matching_weights": {"distance": 3}}
    first = resolved_settings(stored)
    first["max_open_offers"] = 9
    first["matching_weights"]["distance"] = 9
    first["checkin_cadence"].clear()
    second = resolved_settings(dict(stored))
    assert second["max_open_offers"] == 2 and second["matching_weights"]["distance"] == 3
    assert second["checkin_cadence"] and second == resolved_settings(stored)
    assert second["matching_weights"] is not resolved_settings(stored)["matching_weights"]
