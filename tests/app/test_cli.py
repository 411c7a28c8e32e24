"""Operator commands work from scripts, without a terminal."""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import PROJECT_ROOT, assert_problem


def run(app, *args, env=None):
    return app.test_cli_runner().invoke(args=["homeshare", *args], env=env)


def test_create_scheme_with_first_coordinator(app, client):
    result = run(app, "create-scheme", "--slug", "york", "--name", "Homeshare York",
                 "--coordinator-email", "Lead@York.example.org", "--coordinator-password", "a long password")
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "lead@york.example.org", "password": "a long password"})
    assert login.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"}).json
    assert me["role"] == "coordinator" and me["scheme"]["slug"] == "york"


def test_create_scheme_takes_the_password_from_the_environment(app, client):
    result = run(app, "create-scheme", "--slug", "hull", "--name", "Hull", "--coordinator-email", "c@hull.example.org",
                 env={"HOMESHARE_COORDINATOR_PASSWORD": "from the environment"})
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "c@hull.example.org", "password": "from the environment"})
    assert login.status_code == 200


def test_create_scheme_failures_leave_nothing_behind(app, client, make):
    make.scheme(slug="york")
    taken = run(app, "create-scheme", "--slug", "york", "--name", "Again",
                "--coordinator-email", "x@example.org", "--coordinator-password", "a long password")
    assert taken.exit_code != 0 and "already exists" in taken.output
    weak = run(app, "create-scheme", "--slug", "leeds", "--name", "Leeds",
               "--coordinator-email", "y@example.org", "--coordinator-password", "short")
    assert weak.exit_code != 0 and "password" in weak.output
    existing = make.coordinator(make.scheme(slug="hull"))
    clash = run(app, "create-scheme", "--slug", "bath", "--name", "Bath",
                "--coordinator-email", existing.email, "--coordinator-password", "a long password")
    assert clash.exit_code != 0
    admin = make.login(client, make.admin())
    slugs = {item["slug"] for item in client.get("/api/v1/schemes", headers=admin.headers).json["items"]}
    assert slugs == {"york", "hull"}  # neither leeds nor bath half-created
    for email in ("x@example.org", "y@example.org"):
        assert_problem(client.post("/api/v1/auth/login", json={"email": email, "password": "a long password"}), 401)


def test_create_admin(app, client):
    result = run(app, "create-admin", "--email", "ops@example.org", "--password", "an admin password")
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"email": "ops@example.org", "password": "an admin password"})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['access_token']}"}).json
    assert me["role"] == "admin" and me["scheme"] is None


def _signed_in(client, email):
    tokens = client.post("/api/v1/auth/login", json={"email": email, "password": "homeshare-demo"})
    assert tokens.status_code == 200, email
    return {"Authorization": f"Bearer {tokens.json['access_token']}"}


def _demo_counts(client, headers, scheme_id, match_id):
    def total(path):
        return client.get(f"/api/v1/{path}", headers=headers).json["pagination"]["total"]
    scheme = f"schemes/{scheme_id}"
    return {"accounts": total(f"{scheme}/accounts"), "matches": total(f"{scheme}/matches"),
            "concerns": total(f"{scheme}/concerns"), "disputed": total(f"{scheme}/hours/disputed"),
            "hours": total(f"matches/{match_id}/hours"), "checkins": total(f"matches/{match_id}/checkins")}


def test_seed_demo_makes_a_scheme_with_every_state_and_is_repeatable(app, client):
    assert run(app, "load-districts").exit_code == 0  # as the migrations do on a real database
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "a match in every state" in first.output
    for role in ("admin", "coordinator", "householder", "sharer", "representative"):
        assert f"{role}@demo.homeshare.test" in first.output
        _signed_in(client, f"{role}@demo.homeshare.test")
    headers = _signed_in(client, "coordinator@demo.homeshare.test")
    scheme_id = client.get("/api/v1/me", headers=headers).json["scheme"]["id"]
    scheme = f"/api/v1/schemes/{scheme_id}"

    people = client.get(f"{scheme}/people?per_page=100", headers=headers).json["items"]
    members = [p for p in people if p["role"] != "coordinator"]
    assert len(members) == 18 and {p["role"] for p in members} == {"householder", "sharer"}
    assert [p["first_name"] for p in members if not p["has_login"]] == ["Dorothy"]
    represented = client.get("/api/v1/me/represented",
                             headers=_signed_in(client, "representative@demo.homeshare.test")).json["items"]
    assert [(r["first_name"], r["relationship"]) for r in represented] == [("Dorothy", "attorney-health")]
    assert {p["vetting_status"] for p in members} == {"cleared", "in_progress", "rejected", "expired"}
    for person in members:
        profile = client.get(f"/api/v1/people/{person['person_id']}/profile", headers=headers).json
        assert profile["location_source"] == "postcode" and 53.6 < profile["latitude"] < 54.0, profile["postcode"]

    states = {}
    for state in ("proposed", "introduction", "trial", "active", "notice", "ended", "declined", "withdrawn"):
        listed = client.get(f"{scheme}/matches?state={state}", headers=headers).json["items"]
        assert len(listed) == 1, state
        states[state] = listed[0]["id"]
    for state in ("trial", "active", "notice"):
        weeks = client.get(f"/api/v1/matches/{states[state]}/hours/weeks", headers=headers).json["items"]
        assert len([w for w in weeks if w["logged_minutes"]]) >= 3, state
        answered = [c for c in client.get(f"/api/v1/matches/{states[state]}/checkins?per_page=100",
                                          headers=headers).json["items"] if c["answers"]]
        assert len(answered) >= 2, state
    for state in ("active", "ended"):  # made active through the trial review
        rounds = client.get(f"/api/v1/matches/{states[state]}/trial-review", headers=headers).json["rounds"]
        assert [(len(r["views"]), r["decision"]["decision"]) for r in rounds] == [(2, "activate")], state
    assert client.get(f"{scheme}/hours/shortfalls", headers=headers).json["pagination"]["total"] == 1
    concerns = client.get(f"{scheme}/concerns", headers=headers).json["items"]
    assert [(c["category"], c["status"]) for c in concerns] == [("hours", "acknowledged")]
    dashboard = client.get(f"{scheme}/dashboard", headers=headers)
    assert dashboard.status_code == 200
    assert [i["match_id"] for i in dashboard.json["notices_running"]["items"]] == [states["notice"]]

    before = _demo_counts(client, headers, scheme_id, states["active"])
    second = run(app, "seed-demo")
    assert second.exit_code == 0 and "already seeded" in second.output, second.output
    assert _demo_counts(client, headers, scheme_id, states["active"]) == before
    assert before["accounts"] == 20 and before["disputed"] == 3  # 18 people, a representative and the coordinator


def test_seed_demo_refuses_production(app):
    app.config["HOMESHARE_ENV"] = "production"
    try:
        result = run(app, "seed-demo")
    finally:
        app.config["HOMESHARE_ENV"] = "testing"
    assert result.exit_code != 0 and "not in production" in result.output


def test_serve_says_how_to_make_the_first_scheme_until_there_is_one(app, make, monkeypatch):
    served = []
    monkeypatch.setattr("werkzeug.serving.run_simple", lambda host, port, *_a, **_k: served.append((host, port)))
    fresh = run(app, "serve", "--port", "8081")
    assert fresh.exit_code == 0, fresh.output
    assert served == [("127.0.0.1", 8081)] and "http://127.0.0.1:8081/api/v1" in fresh.output
    assert "homeshare create-admin" in fresh.output and "homeshare create-scheme" in fresh.output
    make.scheme()
    assert "create-scheme" not in run(app, "serve").output


def _scheduler_on_an_empty_database(tmp_path) -> subprocess.Popen:
    """``flask homeshare scheduler`` logging JSON, on a SQLite database without tables (every job
    fails), its output on ``stdout``."""
    (tmp_path / "empty.db").touch()
    environment = {**os.environ, "FLASK_APP": "wsgi", "HOMESHARE_ENV": "development", "HOMESHARE_LOG_FORMAT": "json",
                   "HOMESHARE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
                   "HOMESHARE_INSTANCE_PATH": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "flask", "homeshare", "scheduler"], cwd=PROJECT_ROOT,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_the_scheduler_logs_a_failed_job_as_one_json_line(tmp_path):
    """``flask homeshare scheduler`` in the JSON log format: APScheduler's report of a job that
    raised (here on a database without tables) is one JSON object, its traceback in a field."""
    scheduler = _scheduler_on_an_empty_database(tmp_path)
    lines: list[bytes] = []
    try:
        deadline = time.monotonic() + 60
        while not any(b"raised an exception" in line for line in lines):  # the first job runs at once
            assert time.monotonic() < deadline and scheduler.poll() is None, b"".join(lines).decode()
            lines.append(scheduler.stdout.readline())
    finally:
        scheduler.send_signal(signal.SIGINT)  # the scheduler's Ctrl+C
        rest, _ = scheduler.communicate(timeout=30)
    output = [line for line in b"".join(lines).decode().splitlines() + rest.decode().splitlines() if line.strip()]
    assert not [line for line in output if not line.startswith("{")], output
    entries = [json.loads(line) for line in output]
    failed = [entry for entry in entries if entry["logger"].startswith("apscheduler") and entry["level"] == "ERROR"]
    assert failed and "Traceback" in failed[0]["exception"] and "no such table" in failed[0]["exception"]
    assert any(entry["message"] == "scheduler running" for entry in entries)
    assert entries[-1]["message"] == "scheduler stopped"


def test_ctrl_c_stops_the_scheduler_whatever_it_is_doing(tmp_path):
    """Ctrl+C as the first jobs are handed to their threads, and again as their failures are
    reported: the scheduler stops each time (APScheduler catches every exception where it hands
    a job over or tells a listener, and once caught a Ctrl+C there the scheduler ran on)."""
    for moment in (b"scheduler running", b"raised an exception"):
        scheduler = _scheduler_on_an_empty_database(tmp_path)
        try:
            deadline = time.monotonic() + 60
            line = b""
            while moment not in line:
                assert time.monotonic() < deadline and scheduler.poll() is None
                line = scheduler.stdout.readline()
            scheduler.send_signal(signal.SIGINT)
            rest, _ = scheduler.communicate(timeout=30)
        finally:
            scheduler.kill()
        assert scheduler.returncode == 0
        assert json.loads(rest.decode().strip().splitlines()[-1])["message"] == "scheduler stopped"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or not hasattr(ctypes.CDLL(None), "tgkill"),
                    reason="signals one thread of the scheduler by its id (Linux)")
def test_ctrl_c_stops_the_scheduler_whichever_of_its_threads_takes_it(tmp_path):
    """The kernel hands a process's Ctrl+C to any of its threads that does not block it: taken by
    one that is not the main one, it still stops the scheduler."""
    scheduler = _scheduler_on_an_empty_database(tmp_path)
    try:
        deadline = time.monotonic() + 60
        line = b""
        while b"raised an exception" not in line:  # the job threads are up by then
            assert time.monotonic() < deadline and scheduler.poll() is None
            line = scheduler.stdout.readline()
        others = sorted(int(task.name) for task in Path(f"/proc/{scheduler.pid}/task").iterdir()
                        if int(task.name) != scheduler.pid)
        assert others
        assert ctypes.CDLL(None, use_errno=True).tgkill(scheduler.pid, others[-1], signal.SIGINT) == 0
        rest, _ = scheduler.communicate(timeout=30)
    finally:
        scheduler.kill()
    assert scheduler.returncode == 0
    assert json.loads(rest.decode().strip().splitlines()[-1])["message"] == "scheduler stopped"

