"""Coordinators manage the accounts of their own scheme only."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.helpers import assert_problem


def test_coordinator_creates_a_coordinator_in_own_scheme(client, make):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    body = {"email": "second@example.org", "password": PASSWORD}
    url = f"/api/v1/schemes/{scheme.id}/coordinators"
    response = client.post(url, headers=coordinator.headers, json=body)
    assert response.status_code == 201
    assert response.json["role"] == "coordinator"
    assert response.json["scheme"]["id"] == scheme.id
    repeat = client.post(url, headers=coordinator.headers, json=body)
    assert repeat.status_code == 200 and repeat.json["id"] == response.json["id"]
    login = client.post("/api/v1/auth/login", json=body)
    assert login.status_code == 200


def test_coordinators_are_created_by_staff_of_that_scheme_only(client, make):
    home, other = make.scheme(), make.scheme()
    url = f"/api/v1/schemes/{home.id}/coordinators"
    body = {"email": "intruder@example.org", "password": PASSWORD}
    outsider = make.login(client, make.coordinator(other))
    assert_problem(client.post(url, headers=outsider.headers, json=body), 404)
    for person in (make.householder(home), make.sharer(home)):
        assert_problem(client.post(url, headers=make.login(client, person).headers, json=body), 403)
    admin = make.login(client, make.admin())
    assert client.post(url, headers=admin.headers, json=body).status_code == 201


def test_account_list_filters_and_stays_in_scheme(client, make, count_queries):
    home, other = make.scheme(), make.scheme()
    coordinator = make.login(client, make.coordinator(home))
    householders = [make.householder(home) for _ in range(3)]
    make.sharer(home)
    make.householder(other)
    url = f"/api/v1/schemes/{home.id}/accounts"

    response = client.get(f"{url}?role=householder", headers=coordinator.headers)
    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == {p.id for p in householders}
    assert all(item["scheme"]["id"] == home.id for item in response.json["items"])

    counts = []
    for per_page in (1, 100):
        with count_queries() as statements:
            assert client.get(f"{url}?per_page={per_page}", headers=coordinator.headers).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2  # the account; the page with its total

    client.post(f"/api/v1/accounts/{householders[0].id}/deactivate", headers=coordinator.headers)
    inactive = client.get(f"{url}?is_active=false", headers=coordinator.headers).json
    assert [item["id"] for item in inactive["items"]] == [householders[0].id]
    assert_problem(client.get(f"{url}?role=landlord", headers=coordinator.headers), 422)
    outsider = make.login(client, make.coordinator(other))
    assert_problem(client.get(url, headers=outsider.headers), 404)


def test_activation_is_limited_to_own_scheme(client, make):
    home, other = make.scheme(), make.scheme()
    person = make.sharer(home)
    me = make.coordinator(home)
    coordinator = make.login(client, me)
    outsider = make.login(client, make.coordinator(other))
    member = make.login(client, make.householder(home))
    url = f"/api/v1/accounts/{person.id}/deactivate"
    assert_problem(client.post(url, headers=outsider.headers), 404)
    assert_problem(client.post(url, headers=member.headers), 403)
    assert_problem(client.post(f"/api/v1/accounts/{me.id}/deactivate", headers=coordinator.headers), 409, "own-account")
    assert_problem(
        client.post("/api/v1/accounts/00000000-0000-0000-0000-000000000000/deactivate", headers=coordinator.headers),
        404,
    )
    # None of the refusals changed anything.
    assert client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}).status_code == 200
    assert client.get("/api/v1/me", headers=coordinator.headers).status_code == 200
