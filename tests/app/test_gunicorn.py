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


def test_gunicorn_serves_the_app_with_the_project_settings(app, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    port = _free_port()
    environment = {
        **os.environ,
        # Production needs PostgreSQL; the SQLite run serves the embedded default.
        "HOMESHARE_ENV": "development" if url.startswith("sqlite") else "production",
        "HOMESHARE_DATABASE_URL": url, "HOMESHARE_SECRET_KEY": secrets.token_urlsafe(48),
        "HOMESHARE_INSTANCE_PATH": str(tmp_path), "HOMESHARE_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "HOMESHARE_RATELIMIT_STORAGE_URI": os.environ.get("HOMESHARE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=PROJECT_ROOT, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
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
        status, _, body = _get(f"{base}/readyz")
        assert status == 200, body
        status, headers, body = _get(f"{base}/api/v1/me")
        assert status == 401 and body["type"] == "urn:homeshare:problem:unauthorized"
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Request-ID"] == body["request_id"]
        if environment["HOMESHARE_ENV"] == "production":
            assert headers["Strict-Transport-Security"].startswith("max-age=")
        workers: list[str] = []
        while len(workers) < 2 and time.monotonic() < deadline:  # the second may still be booting
            workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
            time.sleep(0.1)
        assert len(workers) == 2
    finally:
        server.send_signal(signal.SIGTERM)  # a graceful stop
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output.decode()
    logged = output.decode()
    assert "Booting worker" in logged
    if environment["HOMESHARE_ENV"] == "production":  # JSON log lines, with the request id
        access = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
        assert any(entry.get("path") == "/api/v1/me" and entry["status"] == 401 for entry in access)
