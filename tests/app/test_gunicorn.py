"""The production server: gunicorn with the project's gunicorn.conf.py, as deployed."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from tests.helpers import PROJECT_ROOT



def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, dict, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@contextmanager
def gunicorn(app, tmp_path, **settings):
    """gunicorn with two workers on the test database and Redis; yields the server and its URL."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    environment = {
        **os.environ,
        # Production needs PostgreSQL; the SQLite run serves the embedded default.
        "HOMESHARE_ENV": "development" if url.startswith("sqlite") else "production",
        "HOMESHARE_DATABASE_URL": url, "HOMESHARE_SECRET_KEY": secrets.token_urlsafe(48),
        "HOMESHARE_INSTANCE_PATH": str(tmp_path), "HOMESHARE_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2", "HOMESHARE_LOG_FORMAT": "json",  # production's format, on both databases
        "HOMESHARE_RATELIMIT_STORAGE_URI": os.environ.get("HOMESHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        **settings,
    }
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=PROJECT_ROOT, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode()
            try:
                status, _, _ = _get(f"{base}/healthz")
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200
        yield server, base, environment
    finally:
        if server.returncode is None:
            server.send_signal(signal.SIGTERM)  # a graceful stop
            server.output, _ = server.communicate(timeout=60)


def test_gunicorn_serves_the_app_with_the_project_settings(app, tmp_path):
    with gunicorn(app, tmp_path) as (server, base, environment):
        status, _, body = _get(f"{base}/readyz")
        assert status == 200, body
        status, headers, body = _get(f"{base}/api/v1/me")
        assert status == 401 and body["type"] == "urn:homeshare:problem:unauthorized"
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Request-ID"] == body["request_id"]
        if environment["HOMESHARE_ENV"] == "production":
            assert headers["Strict-Transport-Security"].startswith("max-age=")
        workers: list[str] = []
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:  # the second may still be booting
            workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
            time.sleep(0.1)
        assert len(workers) == 2
    assert server.returncode == 0, server.output.decode()
    # Every line, gunicorn's own as well as the app's, is one JSON object.
    lines = [json.loads(line) for line in server.output.decode().splitlines()]
    assert any(entry["logger"] == "gunicorn.error" and "Booting worker" in entry["message"] for entry in lines)
    assert any(entry.get("path") == "/api/v1/me" and entry["status"] == 401 and entry["request_id"] != "-"
               for entry in lines)
    assert not any(entry["logger"] == "gunicorn.access" for entry in lines)  # it would log query strings


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_lockout_holds_for_wrong_passwords_sent_at_once_to_every_worker(app, tmp_path, make):
    """20 wrong passwords at once, across two workers sharing Redis: the attempt is counted
    before the password is checked, so no more than the limit (5) are checked (401) and
    every other is refused unchecked (429), even the right password sent afterwards."""
    person = make.householder(make.scheme(), email=f"lockout-{uuid.uuid4().hex[:12]}@example.org")
    throttles_off = {"HOMESHARE_LOGIN_RATE_LIMIT": "1000 per minute", "HOMESHARE_ACCOUNT_RATE_LIMIT": "1000 per minute",
                     "HOMESHARE_LOCKOUT_FAILURES": "5", "HOMESHARE_THREADS": "8"}
    with gunicorn(app, tmp_path, **throttles_off) as (server, base, _):
        login = f"{base}/api/v1/auth/login"
        _post(login, {"email": f"warm-up-{uuid.uuid4().hex[:8]}@example.org", "password": "x"})  # both workers ready
        start = threading.Barrier(20)

        def attempt(number: int) -> tuple[int, dict]:
            start.wait()
            return _post(login, {"email": person.email, "password": f"wrong guess {number}"})

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(attempt, range(20)))
        statuses = Counter(status for status, _ in answers)
        assert set(statuses) <= {401, 429} and 1 <= statuses[401] <= 5, statuses
        assert all(body["type"] == "urn:homeshare:problem:sign-in-locked" for status, body in answers if status == 429)
        status, body = _post(login, {"email": person.email, "password": person.password})
        assert status == 429 and body["type"] == "urn:homeshare:problem:sign-in-locked"


def _serve(tmp_path, name: str, port: int) -> subprocess.Popen:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environment = {
        **os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(home),  # where a control socket would go
        "HOMESHARE_ENV": "development", "HOMESHARE_LOG_FORMAT": "json",
        "HOMESHARE_DATABASE_URL": f"sqlite:///{tmp_path / name}.db", "HOMESHARE_INSTANCE_PATH": str(tmp_path / name),
        "HOMESHARE_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
    }
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=PROJECT_ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _until_serving(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.stdout.read().decode()
        try:
            assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
            return
        except (ConnectionError, urllib.error.URLError):
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


def test_two_instances_of_one_user_start_and_stop_independently(tmp_path):
    """gunicorn's control socket (one path per user by default, since 24) stays shut, so one
    instance stopping cannot take anything of another's with it."""
    ports = _free_port(), _free_port()
    first, second = (_serve(tmp_path, name, port) for name, port in zip(("first", "second"), ports))
    try:
        for server, port in zip((first, second), ports):
            _until_serving(server, port)
        first.send_signal(signal.SIGTERM)
        output, _ = first.communicate(timeout=60)
        assert first.returncode == 0, output.decode()
        assert _get(f"http://127.0.0.1:{ports[1]}/healthz")[0] == 200  # the other serves on
    finally:
        for server in (first, second):
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
        second_output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, second_output.decode()
    logged = [json.loads(line)["message"] for line in (output + second_output).decode().splitlines()]
    assert not any("Control socket" in message for message in logged)
    assert not [path for path in (tmp_path / "home").rglob("*") if path.name.endswith(".ctl")]
