"""One error shape for every error, and strict input."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import TEST_SECRET, make_app
from tests.helpers import assert_problem


def test_unknown_address_is_404(client):
    assert_problem(client.get("/api/v1/nowhere"), 404, "not-found")


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/v1/auth/login")
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_non_json_body_is_415(client):
    response = client.post("/api/v1/auth/login", data="email=a@b.c&password=x",
                           content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported-media-type")


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data='{"email": ', content_type="application/json")
    assert_problem(response, 400, "malformed-json")


def test_oversized_body_is_413(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "x" * limit})
    assert_problem(response, 413)


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, {"email", "password"}),
        ({"email": ["a@example.org"], "password": 5}, {"email", "password"}),
        ({"email": "a@example.org", "password": "pw", "remember": True}, {"remember"}),
        ({"email": "a" * 250 + "@example.org", "password": "pw"}, {"email"}),
    ],
)
def test_validation_errors_name_each_field(client, body, fields):
    response = client.post("/api/v1/auth/login", json=body)
    problem = assert_problem(response, 422, "validation-error")
    assert set(problem["errors"]) == fields


def test_body_that_is_not_an_object_is_422(client):
    problem = assert_problem(client.post("/api/v1/auth/login", json=["a", "b"]), 422, "validation-error")
    assert problem["errors"]


def test_a_change_sent_without_its_body_is_422_and_changes_nothing(client, make):
    scheme = make.scheme(name="Homeshare Leeds")
    coordinator = make.login(client, make.coordinator(scheme))
    url = f"/api/v1/schemes/{scheme.id}"
    problem = assert_problem(client.patch(url, headers=coordinator.headers), 422, "validation-error")
    assert problem["errors"] == {"json": ["A JSON request body is required."]}
    assert client.get(url, headers=coordinator.headers).json["name"] == "Homeshare Leeds"
    # A body the description says is optional may still be left out.
    person = make.householder(scheme)
    assert client.post(f"/api/v1/accounts/{person.id}/deactivate", headers=coordinator.headers).status_code == 200


def test_request_id_is_echoed_and_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="homeshare")
    response = client.get("/api/v1/nowhere", headers={"X-Request-ID": "lb-1234567890"})
    assert response.headers["X-Request-ID"] == "lb-1234567890"
    assert response.json["request_id"] == "lb-1234567890"
    assert any(getattr(record, "request_id", None) == "lb-1234567890" for record in caplog.records)


def test_ill_formed_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert response.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(response.headers["X-Request-ID"]) == 32


def test_unexpected_error_is_500_without_internals(tmp_path, caplog):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    problem = assert_problem(response, 500)
    assert "secret internal detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert any(record.levelno == logging.ERROR and record.request_id == problem["request_id"]
               for record in caplog.records if hasattr(record, "request_id"))


def test_unreachable_database_is_503_and_not_ready(tmp_path):
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=1", tmp_path)
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "whatever"})
    assert_problem(response, 503, "database-unavailable")
    assert response.headers["Retry-After"]
    ready = client.get("/readyz")
    assert_problem(ready, 503, "not-ready")
    assert client.get("/healthz").status_code == 200


def test_secret_key_is_not_in_any_response(client):
    for response in (client.get("/api/v1/openapi.json"), client.get("/api/v1/nowhere")):
        assert TEST_SECRET not in response.get_data(as_text=True)
