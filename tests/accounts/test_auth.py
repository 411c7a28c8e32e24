"""Registration, sign-in, token rotation and revocation, through HTTP."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
from flask_jwt_extended import create_access_token

from homeshare.common import access
from tests.factories import PASSWORD
from tests.helpers import assert_problem, at_once


def register(client, target_scheme, **overrides):
    body = {"scheme": target_scheme.slug, "email": "ada@example.org", "password": PASSWORD, "role": "sharer"}
    body.update(overrides)
    return client.post("/api/v1/auth/register", json=body)


# Registration ----------------------------------------------------------------------------


def test_register_creates_account_in_scheme(client, make):
    scheme = make.scheme()
    response = register(client, scheme, email="  Ada@Example.ORG ", role="householder")
    assert response.status_code == 202
    assert "password" not in response.json

    login = client.post("/api/v1/auth/login", json={"email": "ADA@example.org", "password": PASSWORD})
    assert login.status_code == 200
    account = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"}).json
    assert account["email"] == "ada@example.org"
    assert account["role"] == "householder"
    assert account["scheme"]["slug"] == scheme.slug
    assert "password" not in account and "password_hash" not in account


def test_repeated_registration_creates_one_account(client, make):
    scheme = make.scheme()
    first = register(client, scheme)
    second = register(client, scheme)
    assert (first.status_code, second.status_code) == (202, 202)

    coordinator = make.login(client, make.coordinator(scheme))
    listed = client.get(f"/api/v1/schemes/{scheme.id}/accounts?role=sharer", headers=coordinator.headers)
    assert listed.json["pagination"]["total"] == 1


def test_a_taken_email_is_not_revealed_nor_its_password_guessable(client, make):
    scheme = make.scheme()
    assert register(client, scheme).status_code == 202
    wrong, right = register(client, scheme, password="another password"), register(client, scheme)
    other_role = register(client, scheme, role="householder")
    assert {wrong.status_code, right.status_code, other_role.status_code} == {202}
    assert wrong.json == right.json == other_role.json


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"role": "coordinator"}, "role"),
        ({"role": "admin"}, "role"),
        ({"role": "landlord"}, "role"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"email": 42}, "email"),
        ({"scheme": "no-such-scheme"}, "scheme"),
        ({"nickname": "Ada"}, "nickname"),
    ],
)
def test_registration_refuses_bad_input(client, make, overrides, field):
    scheme = make.scheme()
    body = assert_problem(register(client, scheme, **overrides), 422, "validation-error")
    assert field in body["errors"]
    coordinator = make.login(client, make.coordinator(scheme))
    listed = client.get(f"/api/v1/schemes/{scheme.id}/accounts", headers=coordinator.headers)
    assert listed.json["pagination"]["total"] == 1  # only the coordinator


# Sign-in ---------------------------------------------------------------------------------


def test_login_returns_tokens_and_me_shows_the_account(client, make):
    scheme = make.scheme()
    person = make.sharer(scheme)
    response = client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD})
    assert response.status_code == 200
    tokens = response.json
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["refresh_expires_in"] == 30 * 24 * 3600

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json["id"] == person.id
    assert me.json["role"] == "sharer"
    assert me.json["last_login_at"] is not None


def test_unknown_email_and_wrong_password_are_indistinguishable(client, make):
    scheme = make.scheme()
    person = make.householder(scheme)
    wrong_password = client.post("/api/v1/auth/login", json={"email": person.email, "password": "nope nope nope"})
    unknown_email = client.post("/api/v1/auth/login", json={"email": "ghost@example.org", "password": PASSWORD})
    bodies = []
    for response in (wrong_password, unknown_email):
        body = assert_problem(response, 401, "invalid-credentials")
        body.pop("request_id")
        bodies.append(body)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert bodies[0] == bodies[1]


def test_protected_routes_need_a_token(client, app):
    response = client.get("/api/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"}), 401, "invalid-token")
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)


def test_tampered_and_expired_tokens_are_refused(client, app, make):
    scheme = make.scheme()
    session = make.login(client, make.sharer(scheme))
    header, payload, signature = session.tokens["access_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401, "invalid-token")

    with app.app_context():
        expired = create_access_token(
            identity=session.person.id, expires_delta=timedelta(seconds=-1),
            additional_claims={"sid": "00000000-0000-0000-0000-000000000000"},
        )
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired}"}), 401, "token-expired")


def test_a_token_that_verified_once_is_still_refused_when_tampered_with_or_signed_out(client, make):
    """Each process keeps the tokens that verified, so as not to verify them on every request:
    what they keep must never let through a token the full check would refuse."""
    session = make.login(client, make.sharer(make.scheme()))
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    header, payload, signature = session.tokens["access_token"].split(".")
    for forged in (f"{header}.{payload}.{signature[:-4]}AAAA", f"{header}.{payload}X.{signature}"):
        assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}), 401, "invalid-token")

    assert client.post("/api/v1/auth/logout", headers=session.headers).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "token-revoked")


@pytest.fixture
def move_token_time(monkeypatch):
    """``move_token_time(instant)``: tokens are checked from then on as at ``instant`` (seconds
    since the epoch), the kept ones and PyJWT's alike. Tokens are made at the real time."""

    def move(instant: float) -> None:
        class Moved(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.fromtimestamp(instant, tz)

        monkeypatch.setattr(access, "time", SimpleNamespace(time=lambda: instant))
        monkeypatch.setattr(jwt.api_jwt, "datetime", Moved)

    return move


@pytest.mark.parametrize("leeway", [-30, 0, 30])
def test_a_kept_token_ends_when_the_full_check_would_end_it(client, app, make, monkeypatch, move_token_time,
                                                             leeway):
    """Whatever the leeway (a negative one ends tokens early): a token that verified and was
    kept is answered at every instant as PyJWT would answer it."""
    monkeypatch.setitem(app.config, "JWT_DECODE_LEEWAY", leeway)
    session = make.login(client, make.sharer(make.scheme()))
    claims = jwt.decode(session.tokens["access_token"], options={"verify_signature": False})
    move_token_time(claims["iat"] + 60)
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    move_token_time(claims["exp"] + leeway - 1)
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    move_token_time(claims["exp"] + leeway)
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "token-expired")


def test_only_tokens_with_an_expiry_and_plain_claims_are_kept():
    assert access._kept_between({"alg": "HS256"}, {"sub": "a", "iat": 100, "exp": 200}, 0) == (100, 200)
    assert access._kept_between({"alg": "HS256"}, {"sub": "a", "nbf": 150, "iat": 100, "exp": 200},
                                timedelta(seconds=5)) == (145, 205)
    assert access._kept_between({"alg": "HS256"}, {"sub": "a", "iat": 100}, 0) is None
    assert access._kept_between({"alg": "HS256"}, {"sub": "a", "exp": 200, "aud": ["x", "y"]}, 0) is None
    assert access._kept_between({"alg": "HS256", "crit": ["b64"]}, {"sub": "a", "exp": 200}, 0) is None


def test_the_tokens_a_process_keeps_are_bounded(client, app, make, monkeypatch):
    monkeypatch.setattr(access, "VERIFIED_TOKENS_KEPT", 2)
    person = make.householder(make.scheme())
    sessions = [make.login(client, person) for _ in range(3)]
    for session in sessions + sessions:
        assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    kept = app.extensions[access.VERIFIED_TOKENS]
    assert len(kept) == 2
    assert set(kept) == {session.tokens["access_token"] for session in sessions[1:]}



def test_a_configured_audience_is_checked_on_every_token(client, app, make, monkeypatch):
    session = make.login(client, make.sharer(make.scheme()))  # a token with no audience
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    monkeypatch.setitem(app.config, "JWT_DECODE_AUDIENCE", "homeshare")
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "invalid-token")
    monkeypatch.setitem(app.config, "JWT_ENCODE_AUDIENCE", "homeshare")
    assert client.get("/api/v1/me", headers=make.login(client, session.person).headers).status_code == 200


def test_a_kept_token_is_verified_again_once_the_verification_settings_change(client, app, make, monkeypatch):
    """A kept token is answered from what it was kept under only while every setting its
    verification is worked out from is the same. Once one changes, it is verified afresh (and
    refused): the audiences it may be for changed in place in the same list, or a new signing key."""
    monkeypatch.setitem(app.config, "JWT_ENCODE_AUDIENCE", "homeshare")
    monkeypatch.setitem(app.config, "JWT_DECODE_AUDIENCE", ["homeshare"])
    session = make.login(client, make.sharer(make.scheme()))
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    app.config["JWT_DECODE_AUDIENCE"][:] = ["elsewhere"]
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "invalid-token")

    app.config["JWT_DECODE_AUDIENCE"][:] = ["homeshare"]
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", "another signing key of the same length as the old")
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "invalid-token")


def test_a_token_verified_while_the_signing_key_changed_is_not_kept(client, app, make, monkeypatch):
    """A token that verified under the old key, while the key changed during its request, is
    not kept as if it had verified under the new one: the next request verifies it afresh."""
    session = make.login(client, make.sharer(make.scheme()))
    verify = access.pyjwt.decode_complete

    def verify_then_change_the_key(*args, **kwargs):
        decoded = verify(*args, **kwargs)
        app.config["JWT_SECRET_KEY"] = "another signing key of the same length as the old"
        return decoded

    monkeypatch.setitem(app.config, "JWT_SECRET_KEY", app.config["JWT_SECRET_KEY"])
    monkeypatch.setattr(access.pyjwt, "decode_complete", verify_then_change_the_key)
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    monkeypatch.setattr(access.pyjwt, "decode_complete", verify)
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "invalid-token")


def test_token_types_cannot_stand_in_for_each_other(client, make):
    session = make.login(client, make.sharer(make.scheme()))
    assert_problem(client.get("/api/v1/me", headers=session.refresh_headers), 401, "invalid-token")
    assert_problem(client.post("/api/v1/auth/refresh", headers=session.headers), 401, "invalid-token")


# Refresh rotation and reuse --------------------------------------------------------------


def test_refresh_rotates_the_refresh_token(client, make):
    session = make.login(client, make.sharer(make.scheme()))
    response = client.post("/api/v1/auth/refresh", headers=session.refresh_headers)
    assert response.status_code == 200
    rotated = response.json
    assert rotated["refresh_token"] != session.tokens["refresh_token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}).status_code == 200
    again = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {rotated['refresh_token']}"})
    assert again.status_code == 200


def test_reusing_a_retired_refresh_token_revokes_the_whole_family(client, make):
    person = make.sharer(make.scheme())
    session = make.login(client, person)
    other_device = make.login(client, person)
    rotated = client.post("/api/v1/auth/refresh", headers=session.refresh_headers).json

    # The retired token comes back (a thief, or a replay): the session is ended.
    assert_problem(client.post("/api/v1/auth/refresh", headers=session.refresh_headers), 401, "refresh-token-reused")
    newest_refresh = {"Authorization": f"Bearer {rotated['refresh_token']}"}
    newest_access = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert_problem(client.post("/api/v1/auth/refresh", headers=newest_refresh), 401, "token-revoked")
    assert_problem(client.get("/api/v1/me", headers=newest_access), 401, "token-revoked")
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "token-revoked")

    # Another device's session of the same person is untouched.
    assert client.get("/api/v1/me", headers=other_device.headers).status_code == 200


def test_concurrent_refreshes_with_one_token_let_exactly_one_through(app, make):
    client = app.test_client()
    session = make.login(client, make.sharer(make.scheme()))

    def attempt():
        return app.test_client().post("/api/v1/auth/refresh", headers=session.refresh_headers).status_code

    statuses = at_once(attempt, 4)
    assert statuses.count(200) == 1
    assert all(status in (200, 401) for status in statuses)
    # Whatever the interleaving, the token was presented more than once: the family is ended.
    assert client.get("/api/v1/me", headers=session.headers).status_code == 401


# Logout and password change --------------------------------------------------------------


def test_logout_revokes_the_session_and_only_that_session(client, make):
    person = make.householder(make.scheme())
    phone, tablet = make.login(client, person), make.login(client, person)
    response = client.post("/api/v1/auth/logout", headers=phone.headers)
    assert response.status_code == 204
    assert_problem(client.get("/api/v1/me", headers=phone.headers), 401, "token-revoked")
    assert_problem(client.post("/api/v1/auth/refresh", headers=phone.refresh_headers), 401, "token-revoked")
    assert client.get("/api/v1/me", headers=tablet.headers).status_code == 200


def test_password_change_revokes_every_session(client, make):
    person = make.sharer(make.scheme())
    phone, tablet = make.login(client, person), make.login(client, person)
    response = client.post(
        "/api/v1/auth/password", headers=phone.headers,
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 200
    for old in (phone, tablet):
        assert_problem(client.get("/api/v1/me", headers=old.headers), 401, "token-revoked")
        assert_problem(client.post("/api/v1/auth/refresh", headers=old.refresh_headers), 401, "token-revoked")
    fresh = {"Authorization": f"Bearer {response.json['access_token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200

    old_login = client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD})
    assert_problem(old_login, 401, "invalid-credentials")
    new_login = client.post("/api/v1/auth/login", json={"email": person.email, "password": "a brand new passphrase"})
    assert new_login.status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"current_password": "wrong password!", "new_password": "a brand new passphrase"}, "current_password"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"current_password": PASSWORD}, "new_password"),
    ],
)
def test_password_change_refusals_change_nothing(client, make, body, field):
    person = make.sharer(make.scheme())
    session = make.login(client, person)
    response = client.post("/api/v1/auth/password", headers=session.headers, json=body)
    assert field in assert_problem(response, 422, "validation-error")["errors"]
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}).status_code == 200


# Deactivation ----------------------------------------------------------------------------


def test_deactivation_cuts_off_tokens_at_once_and_reactivation_restores_sign_in(client, make):
    scheme = make.scheme()
    person = make.householder(scheme)
    session = make.login(client, person)
    coordinator = make.login(client, make.coordinator(scheme))

    response = client.post(f"/api/v1/accounts/{person.id}/deactivate", headers=coordinator.headers)
    assert response.status_code == 200 and response.json["is_active"] is False
    assert_problem(client.get("/api/v1/me", headers=session.headers), 401, "token-revoked")
    assert_problem(client.post("/api/v1/auth/refresh", headers=session.refresh_headers), 401, "token-revoked")
    login = client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD})
    assert_problem(login, 401, "invalid-credentials")

    assert client.post(f"/api/v1/accounts/{person.id}/reactivate", headers=coordinator.headers).status_code == 200
    assert client.post("/api/v1/auth/login", json={"email": person.email, "password": PASSWORD}).status_code == 200
    # The sessions that deactivation ended stay ended.
    assert client.get("/api/v1/me", headers=session.headers).status_code == 401


# The account read on every request --------------------------------------------------------------


def test_a_read_finds_the_account_its_session_and_scheme_in_one_statement(client, make, count_queries):
    scheme = make.scheme()
    coordinator = make.login(client, make.coordinator(scheme))
    with count_queries() as statements:
        me = client.get("/api/v1/me", headers=coordinator.headers)
    assert me.status_code == 200 and len(statements) == 1
    assert me.json["id"] == coordinator.person.id and me.json["has_login"] is True
    assert set(me.json["scheme"]) == {"id", "slug", "name", "timezone"}
    assert (me.json["scheme"]["id"], me.json["scheme"]["slug"]) == (scheme.id, scheme.slug)
    with count_queries() as statements:  # the gate finds the scheme the account's statement read
        assert client.get(f"/api/v1/schemes/{scheme.id}/accounts", headers=coordinator.headers).status_code == 200
    assert len(statements) == 2


def test_the_row_a_read_gets_holds_every_column_of_the_account_but_the_hash():
    from homeshare.accounts.models import SIGNED_IN_COLUMNS, Account

    assert set(SIGNED_IN_COLUMNS) == {column.key for column in Account.__table__.c} - {"password_hash"}
