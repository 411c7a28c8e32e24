"""Security headers, and logs that never hold passwords, tokens or personal details."""

from __future__ import annotations

import json
import logging
import secrets

import flask
import pytest

from homeshare import create_app
from homeshare.common.requests import JsonFormatter
from homeshare.jobs import scheduler
from tests.helpers import assert_problem
from tests.matchdesk import Desk

ADDRESS_LINE = "17 Wisteria Gardens"
POSTCODE = "LS6 2QQ"
PHONE = "0113 496 0777"
DATE_OF_BIRTH = "1941-03-09"
CERTIFICATE = "009988776655"


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/healthz"), client.get("/api/v1/me"), client.get("/api/v1/nowhere")):
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers  # only in production, behind HTTPS
    docs = client.get("/api/v1/docs")  # its own policy: tests/app/test_docs_page.py
    assert docs.status_code == 200
    assert "'self'" in docs.headers["Content-Security-Policy"]


def test_no_request_opens_a_cookie_session(app, client, make):
    """The API keeps nothing in cookies: a session cookie sent along is not read, none is set,
    and within a request Flask's session is the null one, which refuses writes."""
    session = make.login(client, make.householder(make.scheme()))
    with app.test_request_context("/api/v1/me", headers={"Cookie": "session=eyJ4IjoxfQ.forged.sig"}):
        assert app.session_interface.is_null_session(flask.session)
        with pytest.raises(RuntimeError):
            flask.session["account_id"] = "someone"
    response = client.get("/api/v1/me", headers={**session.headers, "Cookie": "session=eyJ4IjoxfQ.forged.sig"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_production_asks_browsers_for_https_only(tmp_path):
    app = create_app({
        "HOMESHARE_ENV": "production", "HOMESHARE_INSTANCE_PATH": str(tmp_path),
        "HOMESHARE_RATELIMIT_STORAGE_URI": "redis://redis.invalid:6379/0",
        "SECRET_KEY": secrets.token_urlsafe(48), "SQLALCHEMY_DATABASE_URI": "postgresql://u@db.invalid/homeshare",
    })
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_json_logs_are_one_object_a_line_with_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="homeshare")
    response = client.get("/api/v1/nowhere?email=someone@example.org", headers={"X-Request-ID": "probe-12345678"})
    assert response.status_code == 404
    access = [r for r in caplog.records if r.name == "homeshare.access"]
    entry = json.loads(JsonFormatter().format(access[-1]))
    assert entry["request_id"] == "probe-12345678"
    assert entry["method"] == "GET" and entry["path"] == "/api/v1/nowhere" and entry["status"] == 404
    assert entry["level"] == "INFO" and entry["logger"] == "homeshare.access"
    assert "someone@example.org" not in json.dumps(entry)  # query strings are not logged


def _logged_text(records) -> str:
    formatter = JsonFormatter()
    lines = []
    for record in records:
        lines.append(record.getMessage())
        lines.append(formatter.format(record))
    return "\n".join(lines)


def test_logs_never_hold_passwords_tokens_or_personal_details(app, client, make, clock, caplog):
    """A whole life in the service, logged at the most verbose level the app has, and
    every line searched for what must never be in it."""
    caplog.set_level(logging.DEBUG, logger="homeshare")
    scheme = make.scheme()
    desk = Desk(client, make, scheme)
    secrets_seen: list[str] = [desk.householder.person.password]
    for session in (desk.coordinator, desk.householder, desk.sharer):
        secrets_seen += [session.tokens["access_token"], session.tokens["refresh_token"]]

    # Registration and sign-in, right and wrong.
    registration_password = "tulips in the window box"
    email = "edith.marsh@example.org"
    registered = client.post("/api/v1/auth/register", json={
        "scheme": scheme.slug, "email": email, "password": registration_password, "role": "householder"})
    assert registered.status_code == 202
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "wrong guess of a password"})
    assert_problem(wrong, 401)
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": registration_password}).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    registered_id = client.get("/api/v1/me", headers=headers).json["id"]
    secrets_seen += [registration_password, "wrong guess of a password", tokens["access_token"], tokens["refresh_token"]]

    # The profile: date of birth, address, phone; then an invalid date of birth.
    etag = client.get("/api/v1/me/profile", headers=headers).headers["ETag"]
    changed = client.patch("/api/v1/me/profile", headers={**headers, "If-Match": etag}, json={
        "date_of_birth": DATE_OF_BIRTH, "address_line1": ADDRESS_LINE, "postcode": POSTCODE, "phone": PHONE})
    assert changed.status_code == 200, changed.json
    assert_problem(client.patch("/api/v1/me/profile", headers={**headers, "If-Match": changed.headers["ETag"]},
                                json={"date_of_birth": "2031-02-30"}), 422)

    # A background check with its certificate number, recorded and read back.
    recorded = client.put(f"/api/v1/people/{desk.sharer_person.id}/vetting/background", headers=desk.coordinator.headers,
                          json={"status": "passed", "certificate_number": CERTIFICATE, "issued_on": clock.today().isoformat()})
    assert recorded.status_code == 200, recorded.json
    assert client.get(f"/api/v1/people/{desk.sharer_person.id}/vetting", headers=desk.coordinator.headers).status_code == 200

    # Tokens: a refresh, a replayed refresh token, a password change, an access reset.
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 200
    assert_problem(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}), 401)
    secrets_seen += [refreshed.json["access_token"], refreshed.json["refresh_token"]]
    new_password = "a brand new passphrase"
    changed_password = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {refreshed.json['access_token']}"},
                                   json={"current_password": registration_password, "new_password": new_password})
    assert changed_password.status_code in (200, 401)  # the replay above ended that session
    secrets_seen.append(new_password)
    reset = client.post(f"/api/v1/accounts/{registered_id}/access-reset", headers=desk.coordinator.headers)
    assert reset.status_code == 200
    secrets_seen.append(reset.json["temporary_password"])

    # A match through to its trial, with check-in answers, concerns and reminders sent.
    desk.to_trial(start_on=clock.today().isoformat())
    concern = client.post("/api/v1/concerns", headers=desk.householder.headers, json={
        "match_id": desk.match_id, "category": "safeguarding", "severity": "urgent",
        "description": f"He has been asking for my bank card; I live at {ADDRESS_LINE}."})
    assert concern.status_code == 201, concern.json
    clock.advance(days=10)
    assert scheduler.tick(app)["delivered"] > 0

    text = _logged_text(caplog.records)
    assert "homeshare.access" in text  # the capture saw the requests ...
    assert "notification" in text  # ... and the notifications sent
    for value in secrets_seen + [DATE_OF_BIRTH, ADDRESS_LINE, POSTCODE, PHONE, CERTIFICATE, "2031-02-30", email]:
        assert value not in text, f"{value!r} reached the logs"
    for token in [t for t in secrets_seen if t.count(".") == 2]:
        assert token.rsplit(".", 1)[1] not in text  # not even a token's signature
