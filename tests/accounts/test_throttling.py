"""Sign-in and registration throttling, and the lockout after repeated failed sign-ins."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager

import pytest
import redis
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.notifications.models import Notification
from tests import factories
from tests.conftest import make_app
from tests.helpers import assert_problem

REDIS_URL = os.environ.get("HOMESHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"


@contextmanager
def throttled_app(app, tmp_path, **settings):
    """A second app on the test database, with throttling on and the given settings."""
    config = {
        "RATELIMIT_ENABLED": True,
        "HOMESHARE_LOGIN_RATE_LIMIT": "1000 per minute",
        "HOMESHARE_REGISTER_RATE_LIMIT": "1000 per minute",
        "HOMESHARE_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "HOMESHARE_LOCKOUT_FAILURES": 1000,
    }
    config.update(settings)
    application = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / uuid.uuid4().hex, **config)
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def sign_in(client, email, password="wrong password", address="192.0.2.1"):
    return client.post(LOGIN, json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def unique_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:12]}@example.org"


def random_address() -> str:
    return "10." + ".".join(str(byte) for byte in uuid.uuid4().bytes[:3])


def retry_after(response) -> int:
    value = int(response.headers["Retry-After"])
    assert value > 0
    return value


def test_sign_in_is_throttled_per_client_address(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_LOGIN_RATE_LIMIT="3 per minute") as throttled:
        client = throttled.test_client()
        for _ in range(3):
            assert sign_in(client, unique_email()).status_code == 401
        refused = sign_in(client, unique_email())
        assert_problem(refused, 429, "too-many-requests")
        assert retry_after(refused) <= 60
        # Another address is counted on its own.
        assert sign_in(client, unique_email(), address="192.0.2.2").status_code == 401


def test_sign_in_is_throttled_per_account_whatever_the_address(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_ACCOUNT_RATE_LIMIT="2 per minute") as throttled:
        client = throttled.test_client()
        email = unique_email()
        assert sign_in(client, email, address="192.0.2.10").status_code == 401
        assert sign_in(client, email.upper(), address="192.0.2.11").status_code == 401
        fullwidth = email.replace("n", "\uff4e", 1)  # the same mailbox once normalised (NFKC)
        assert_problem(sign_in(client, fullwidth, address="192.0.2.12"), 429, "too-many-requests")
        assert sign_in(client, unique_email(), address="192.0.2.12").status_code == 401


def test_repeated_failures_lock_sign_in_even_with_the_right_password(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_LOCKOUT_FAILURES=3, HOMESHARE_LOCKOUT_MINUTES=15) as throttled:
        make = factories.Factories(throttled)
        scheme = make.scheme()
        person = make.householder(scheme)
        bystander = make.sharer(scheme)
        client = throttled.test_client()
        for _ in range(3):
            assert_problem(sign_in(client, person.email), 401, "invalid-credentials")
        locked = sign_in(client, person.email, password=person.password)
        body = assert_problem(locked, 429, "sign-in-locked")
        assert "access_token" not in body
        assert 14 * 60 < retry_after(locked) <= 15 * 60
        # Only that email is locked.
        assert sign_in(client, bystander.email, password=bystander.password).status_code == 200
        # An unknown email locks the same way, so the answer does not reveal who has an account.
        stranger = unique_email()
        for _ in range(3):
            assert_problem(sign_in(client, stranger), 401, "invalid-credentials")
        assert_problem(sign_in(client, stranger), 429, "sign-in-locked")


def test_a_successful_sign_in_clears_the_failures(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_LOCKOUT_FAILURES=3) as throttled:
        make = factories.Factories(throttled)
        person = make.householder(make.scheme())
        client = throttled.test_client()
        for _ in range(2):
            assert sign_in(client, person.email).status_code == 401
        assert sign_in(client, person.email, password=person.password).status_code == 200
        for _ in range(2):
            assert sign_in(client, person.email).status_code == 401
        assert sign_in(client, person.email, password=person.password).status_code == 200


def test_an_access_reset_by_the_coordinator_unlocks_sign_in(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_LOCKOUT_FAILURES=2) as throttled:
        make = factories.Factories(throttled)
        scheme = make.scheme()
        person = make.householder(scheme)
        coordinator = make.login(throttled.test_client(), make.coordinator(scheme))
        client = throttled.test_client()
        for _ in range(2):
            sign_in(client, person.email)
        assert_problem(sign_in(client, person.email, password=person.password), 429, "sign-in-locked")
        reset = client.post(f"/api/v1/accounts/{person.id}/access-reset", headers=coordinator.headers)
        assert reset.status_code == 200
        assert sign_in(client, person.email, password=reset.json["temporary_password"]).status_code == 200


def test_registration_is_throttled_per_client_address_and_refused_ones_store_nothing(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_REGISTER_RATE_LIMIT="2 per hour") as throttled:
        make = factories.Factories(throttled)
        scheme = make.scheme()
        client = throttled.test_client()

        def register(email, address="198.51.100.1"):
            return client.post(
                REGISTER,
                json={"scheme": scheme.slug, "email": email, "password": "a long enough password", "role": "sharer"},
                environ_base={"REMOTE_ADDR": address},
            )

        assert register("first@example.org").status_code == 202
        assert register("second@example.org").status_code == 202
        refused = register("third@example.org")
        assert_problem(refused, 429, "too-many-requests")
        assert retry_after(refused) <= 3600
        assert register("third@example.org", address="198.51.100.2").status_code == 202
        assert register("fourth@example.org").status_code == 429
        with throttled.app_context():
            from homeshare.accounts.service import find_by_email
            assert find_by_email("fourth@example.org") is None


def test_password_resets_are_throttled_per_client_address_and_per_email(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_REGISTER_RATE_LIMIT="2 per hour", HOMESHARE_LOGIN_RATE_LIMIT="2 per minute",
                       HOMESHARE_ACCOUNT_RATE_LIMIT="3 per minute") as throttled:
        client = throttled.test_client()

        def ask(email, address="198.51.100.7"):
            return client.post("/api/v1/auth/password-reset", json={"email": email}, environ_base={"REMOTE_ADDR": address})

        def confirm(email, address="198.51.100.7"):
            return client.post("/api/v1/auth/password-reset/confirmation", environ_base={"REMOTE_ADDR": address},
                               json={"email": email, "code": "123456", "new_password": "a brand new passphrase"})

        assert [ask(unique_email()).status_code for _ in range(2)] == [202, 202]
        refused = ask(unique_email())
        assert_problem(refused, 429, "too-many-requests")
        assert retry_after(refused) <= 3600
        assert [confirm(unique_email()).status_code for _ in range(2)] == [422, 422]
        assert_problem(confirm(unique_email()), 429, "too-many-requests")
        # Per email, from any address, each step on its own.
        email = unique_email()
        assert [ask(email, address=random_address()).status_code for _ in range(3)] == [202] * 3
        assert_problem(ask(email, address=random_address()), 429, "too-many-requests")
        assert [confirm(email, address=random_address()).status_code for _ in range(3)] == [422] * 3
        assert_problem(confirm(email, address=random_address()), 429, "too-many-requests")


def test_a_password_reset_opens_a_locked_sign_in(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_LOCKOUT_FAILURES=2) as throttled:
        make = factories.Factories(throttled)
        person = make.householder(make.scheme())
        client = throttled.test_client()
        for _ in range(2):
            sign_in(client, person.email)
        assert_problem(sign_in(client, person.email, password=person.password), 429, "sign-in-locked")
        assert client.post("/api/v1/auth/password-reset", json={"email": person.email}).status_code == 202
        with throttled.app_context():
            body = db.session.scalars(sa.select(Notification.body).where(Notification.kind == "password_reset")
                                      .order_by(Notification.created_at.desc())).first()
            db.session.remove()
        code = re.search(r"\b(\d{6})\b", body).group(1)
        done = client.post("/api/v1/auth/password-reset/confirmation",
                           json={"email": person.email, "code": code, "new_password": "a brand new passphrase"})
        assert done.status_code == 204
        assert sign_in(client, person.email, password="a brand new passphrase").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_LOGIN_RATE_LIMIT="1 per minute", HOMESHARE_TRUSTED_PROXIES=1) as throttled:
        client = throttled.test_client()

        def via_proxy(client_address):
            return client.post(
                LOGIN, json={"email": unique_email(), "password": "wrong password"},
                headers={"X-Forwarded-For": client_address}, environ_base={"REMOTE_ADDR": "10.0.0.1"},
            )

        assert via_proxy("203.0.113.1").status_code == 401
        assert via_proxy("203.0.113.2").status_code == 401
        assert via_proxy("203.0.113.1").status_code == 429


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


@pytest.fixture
def redis_url():
    problem = _redis_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required under CI but does not answer at {REDIS_URL}: {problem}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {problem}")
    return REDIS_URL


def test_with_redis_every_process_shares_the_counts(app, tmp_path, redis_url):
    settings = dict(
        HOMESHARE_RATELIMIT_STORAGE_URI=redis_url, HOMESHARE_LOGIN_RATE_LIMIT="2 per minute",
        HOMESHARE_LOCKOUT_FAILURES=2,
    )
    # Addresses and emails unique to this run, so that runs sharing the Redis do not meet.
    address = random_address()
    with throttled_app(app, tmp_path, **settings) as first, throttled_app(app, tmp_path, **settings) as second:
        one, other = first.test_client(), second.test_client()
        assert sign_in(one, unique_email(), address=address).status_code == 401
        assert sign_in(other, unique_email(), address=address).status_code == 401
        assert_problem(sign_in(one, unique_email(), address=address), 429, "too-many-requests")

        email = unique_email()
        assert sign_in(one, email, address=random_address()).status_code == 401
        assert sign_in(other, email, address=random_address()).status_code == 401
        assert_problem(sign_in(one, email, address=random_address()), 429, "sign-in-locked")


def test_when_the_counting_storage_is_down_sign_in_still_works(app, tmp_path):
    with throttled_app(app, tmp_path, HOMESHARE_RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0") as throttled:
        make = factories.Factories(throttled)
        person = make.householder(make.scheme())
        client = throttled.test_client()
        assert sign_in(client, person.email).status_code == 401
        assert sign_in(client, person.email, password=person.password).status_code == 200
