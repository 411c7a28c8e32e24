from __future__ import annotations

import os
import socket
import time
import uuid

import pytest
import redis

from homeshare.extensions import db
from tests.conftest import make_app

REDIS_URL = os.environ.get("HOMESHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    """The test Redis; a skip where it does not answer, a failure under CI."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required under CI but does not answer at {REDIS_URL}: {error}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {error}")
    return REDIS_URL


def test_liveness(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readiness_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


# The rate-limit storage's state, for the operator --------------------------------------------------

def _ready_with_storage(app, tmp_path, storage_uri):
    application = make_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / uuid.uuid4().hex,
                           HOMESHARE_RATELIMIT_STORAGE_URI=storage_uri, RATELIMIT_ENABLED=True)
    with application.app_context():
        try:
            return application.test_client().get("/readyz")
        finally:
            db.session.remove()
            db.engine.dispose()


def test_readiness_reports_a_redis_that_does_not_answer_and_stays_ready(app, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    response = _ready_with_storage(app, tmp_path, f"redis://127.0.0.1:{port}/0")
    assert response.status_code == 200  # the service serves on without it
    assert response.json == {"status": "ok", "database": "ok", "rate_limit_storage": "unavailable"}
    assert time.monotonic() - started < 10  # the storage's short timeouts, not the kernel's


def test_readiness_reports_a_redis_that_answers(app, tmp_path, redis_url):
    response = _ready_with_storage(app, tmp_path, redis_url)
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "rate_limit_storage": "ok"}


def test_readiness_says_nothing_of_a_storage_in_memory(client):
    assert "rate_limit_storage" not in client.get("/readyz").json
