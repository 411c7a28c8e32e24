"""Load under gunicorn: the service as production runs it, driven by wrk, against a bare Flask ceiling.

    apt-get install -y wrk                         # the load generator (Debian's package)
    .venv/bin/python -m bench.load                 # about 5 minutes; --duration N seconds a phase
    .venv/bin/python -m bench.load --profile "GET /me"   # pyinstrument, in process (the bench extra)
    .venv/bin/python -m bench.load --cpu                 # CPU time a request, in process

Also: ``--people``, ``--only NAME``, ``--workers`` and ``--threads`` (other gunicorn settings).

1. Seeds one scheme on a throw-away PostgreSQL schema: thousands of cleared householders
   and sharers on UK postcode districts, matches in every state, a year of hours entries
   and check-ins (answered, unanswered, overdue, worrying), inboxes, concerns, and signed-in
   sessions whose access tokens the requests carry (made as a sign-in makes them, without
   paying argon2 for each).
2. Serves the service (``gunicorn wsgi:app``, ``HOMESHARE_ENV=production``, PostgreSQL, a
   real secret, production argon2 parameters) and a bare Flask app (``bench.bare:app``)
   with the same gunicorn settings: 2 workers (one per core: the work is Python, which runs
   one thread at a time per process) of 4 threads each (so a worker keeps its core busy
   while a thread waits on PostgreSQL, and keeps connections alive).
3. For each endpoint, from separate processes: wrk at full speed (closed loop, 16
   connections) gives the most requests per second; then ``bench.openloop`` sends requests
   on a fixed schedule at half that rate and gives p50 and p99 latency counted from when
   each request was due. The bare ceiling is measured first and again last; throughput is
   given as a share of their mean. The bare app also answers after one primary-key read over
   plain psycopg: the least a database-backed endpoint pays, for reference.
4. SQL statements per request are counted in process (the test client against the same
   database, a ``before_cursor_execute`` listener, the same requests; BEGIN
   and ROLLBACK are not statements there); worker memory is read
   from ``/proc/<pid>/status`` (VmHWM, the peak, and VmRSS) of each gunicorn worker.
5. Sign-in (argon2id at production cost) is measured on its own, last, since each hash
   takes tens of MiB and milliseconds by design.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time as clock_time, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from bench.harness import bench_app, fresh_database, scheme_with_coordinator, settle_tables
from bench.population import DISTRICTS_CSV, seed_people

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = Path(__file__).resolve().parent / "wrk" / "requests.lua"
WORKERS, THREADS = 2, 4  # the defaults; --workers and --threads to compare others
CONNECTIONS = 16
LOGIN_CONNECTIONS = 4
PASSWORD = "benchmark password"
SINGLE, LIST, WRITE = "single-object read", "list", "idempotent write"
# Issue 22's targets: GET /me's in-process CPU a request, as a multiple of the bare view's; its
# throughput under gunicorn, as a share of the one-read reference; the p99 at half rate of the
# ranking and the dashboard; every worker's memory after the run.
CPU_TARGETS = {"GET /me": 7}
SHARE_TARGETS = {"GET /me": 1 / 3}
P99_TARGETS_MS = {"GET /people/{id}/candidates": 50, "GET /schemes/{id}/dashboard": 50}
UNTHROTTLED = "1000000 per minute"
REDIS_URL = os.environ.get("HOMESHARE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")  # production needs one
MEMORY_TARGET_MB = 150
QUIET_IDLE, QUIET_WAIT_SECONDS = 0.9, 30


@dataclass
class Endpoint:
    name: str
    kind: str
    lines: list[str] = field(default_factory=list)


# --- seeding -------------------------------------------------------------------------


def seed(app, people: int, rng: random.Random) -> dict:
    """The scheme, its people and their history; returns what the requests need."""
    from homeshare.accounts.models import Account, AuthSession
    from homeshare.common.roles import Role
    from homeshare.agreements.models import AgreementVersion
    from homeshare.checkins.models import CheckIn, CheckInAnswer, CheckInKind
    from homeshare.concerns.models import Category, Concern, ConcernStatus, Severity
    from homeshare.extensions import db
    from homeshare.hours.models import EntryStatus, HoursEntry
    from homeshare.hours.weeks import week_start_of
    from homeshare.matching.models import EndedBy, Match, MatchState, Response
    from homeshare.notifications.models import Notification
    from homeshare.accounts import service as accounts
    from homeshare.accounts.tokens import issue_tokens

    utc = timezone.utc
    now = datetime.now(utc)
    today = date.today()
    scheme = scheme_with_coordinator("load")
    coordinators = [db.session.scalar(sa.select(Account.id).where(Account.role == Role.COORDINATOR))]
    for n in range(1, 4):
        coordinators.append(accounts.create_coordinator(
            scheme=scheme, email=f"coordinator{n}@load.example.org", password="a long password").account.id)
    ids = seed_people(scheme, householders=people // 2, sharers=people // 2, seed=11)
    householders, sharers = ids["householder"], ids["sharer"]

    # Live matches pair the first people one to one; the rest of the people wait.
    live_counts = [(MatchState.ACTIVE, people * 14 // 100), (MatchState.TRIAL, people * 3 // 100),
                   (MatchState.INTRODUCTION, people * 12 // 1000), (MatchState.PROPOSED, people * 24 // 1000)]
    ended_counts = [(MatchState.ENDED, people * 6 // 100), (MatchState.DECLINED, people * 16 // 1000),
                    (MatchState.WITHDRAWN, people * 12 // 1000)]
    matches, versions, entries, checkins, answers = [], [], [], [], []
    live = {}
    pair = 0

    def add_match(householder, sharer, state, trial_start=None, ended=None):
        match_id = uuid.uuid4()
        proposed = (trial_start or today) - timedelta(days=rng.randint(15, 40))
        answered = None if state in (MatchState.PROPOSED, MatchState.DECLINED) else Response.ACCEPTED
        matches.append({
            "id": match_id, "scheme_id": scheme.id, "householder_id": householder, "sharer_id": sharer,
            "state": state, "proposed_by_id": coordinators[0],
            "proposed_at": datetime.combine(proposed, clock_time(10), tzinfo=utc),
            "householder_response": answered, "sharer_response": answered,
            "householder_shares_contact": True, "sharer_shares_contact": True,
            "trial_started_on": trial_start, "trial_ends_on": trial_start + timedelta(days=28) if trial_start else None,
            "ended_on": ended, "ended_by": rng.choice(list(EndedBy)) if state is MatchState.ENDED else None,
            "closed_at": datetime.combine(ended, clock_time(10), tzinfo=utc) if ended else None,
        })
        return match_id

    def history(match_id, householder, sharer, trial_start, last_day):
        accepted = datetime.combine(trial_start, clock_time(10), tzinfo=utc)
        versions.append({"id": uuid.uuid4(), "match_id": match_id, "number": 1, "hours_per_week": 10,
                         "tasks": ["companionship", "cooking", "gardening"], "monthly_contribution_pence": 0,
                         "start_on": trial_start, "trial_length_days": 28,
                         "notice_days": 28, "created_at": accepted, "created_by_id": coordinators[0],
                         "householder_accepted_at": accepted, "sharer_accepted_at": accepted})
        made = []
        week = week_start_of(trial_start)
        while week <= last_day:
            for _ in range(2):
                day = week + timedelta(days=rng.randint(0, 6))
                if trial_start <= day <= last_day:
                    entry = {"id": uuid.uuid4(), "match_id": match_id, "sharer_id": sharer, "worked_on": day,
                             "week_start": week, "minutes": rng.choice([90, 120, 180, 240, 300]),
                             "task": rng.choice(["companionship", "cooking", "gardening"]), "note": None,
                             "status": rng.choice([EntryStatus.LOGGED, EntryStatus.CONFIRMED, EntryStatus.CONFIRMED,
                                                   EntryStatus.CONFIRMED, EntryStatus.DISPUTED]),
                             "created_at": accepted, "updated_at": accepted}
                    entries.append(entry)
                    made.append(entry)
            week += timedelta(weeks=1)
        # A first contact, weekly in the trial, monthly after, for a year ahead.
        due_days = [(CheckInKind.CONTACT, trial_start + timedelta(days=3))]
        due_days += [(CheckInKind.CHECKIN, trial_start + timedelta(days=d)) for d in (7, 14, 21, 28)]
        due_days += [(CheckInKind.CHECKIN, trial_start + timedelta(days=28 + 30 * m)) for m in range(1, 24)]
        for kind, due in due_days:
            if due > today + timedelta(days=365):
                break
            checkin_id = uuid.uuid4()
            past = due < today - timedelta(days=3)
            unanswered = past and rng.random() < 0.04
            checkins.append({"id": checkin_id, "match_id": match_id, "kind": kind, "planned_on": due, "due_on": due,
                             "created_at": accepted,
                             "escalated_at": datetime.combine(due + timedelta(days=3), clock_time(9), tzinfo=utc)
                             if unanswered else None})
            if past and not unanswered:
                for side, account_id in (("householder", householder), ("sharer", sharer)):
                    worrying = rng.random() < 0.05
                    answers.append({"id": uuid.uuid4(), "checkin_id": checkin_id, "match_id": match_id, "side": side,
                                    "account_id": account_id, "wellbeing": 2 if worrying else rng.randint(3, 5),
                                    "match_going": rng.randint(3, 5), "help_happening": True,
                                    "wants_call": worrying, "something_wrong": False, "comments": None,
                                    "answered_at": datetime.combine(due, clock_time(18), tzinfo=utc)})
        return made

    for state, count in live_counts:
        for _ in range(count):
            householder, sharer = householders[pair], sharers[pair]
            pair += 1
            trial_start = None
            if state is MatchState.ACTIVE:
                trial_start = today - timedelta(days=rng.randint(60, 365))
            elif state is MatchState.TRIAL:
                trial_start = today - timedelta(days=rng.randint(1, 27))
            match_id = add_match(householder, sharer, state, trial_start)
            made = history(match_id, householder, sharer, trial_start, today) if trial_start else []
            live[match_id] = {"householder": householder, "sharer": sharer, "state": state, "entries": made}
    for state, count in ended_counts:
        for _ in range(count):
            householder, sharer = rng.choice(householders), rng.choice(sharers)
            trial_start = ended = None
            if state is MatchState.ENDED:
                trial_start = today - timedelta(days=rng.randint(200, 700))
                ended = trial_start + timedelta(days=rng.randint(40, 190))
            match_id = add_match(householder, sharer, state, trial_start, ended)
            if trial_start:
                history(match_id, householder, sharer, trial_start, ended)

    people_in_matches = [p for m in live.values() for p in (m["householder"], m["sharer"])]
    notifications = []
    for account_id in people_in_matches + coordinators:
        for n in range(25):
            created = now - timedelta(days=n * 14, hours=rng.randint(0, 12))
            notifications.append({"id": uuid.uuid4(), "account_id": account_id, "kind": "checkin_reminder",
                                  "title": "A check-in is due", "body": "Please answer today's check-in.",
                                  "data": {"n": n}, "dedupe_key": f"load:{account_id}:{n}", "created_at": created,
                                  "read_at": None if n < 3 else created + timedelta(hours=5)})
    concerns = []
    for match_id, match in list(live.items())[: max(10, len(live) // 25)]:
        status = rng.choice([ConcernStatus.OPEN, ConcernStatus.ACKNOWLEDGED, ConcernStatus.RESOLVED])
        concerns.append({"id": uuid.uuid4(), "scheme_id": scheme.id, "match_id": match_id,
                         "about_id": match["sharer"], "raised_by_id": match["householder"],
                         "raised_by_role": "householder", "category": rng.choice(list(Category)),
                         "severity": rng.choice(list(Severity)), "description": "Raised for the load benchmark.",
                         "status": status, "created_at": now - timedelta(days=rng.randint(0, 60)),
                         "resolved_at": now if status is ConcernStatus.RESOLVED else None})
    for model, rows in ((Match, matches), (AgreementVersion, versions), (HoursEntry, entries), (CheckIn, checkins),
                        (CheckInAnswer, answers), (Notification, notifications), (Concern, concerns)):
        for first in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[first:first + 5000])
    db.session.commit()

    # Signed-in sessions, as a sign-in makes them, and their access tokens.
    sessions, tokens = [], {}

    def sign_in(account_id, role):
        session_id = uuid.uuid4()
        jti = secrets.token_urlsafe(24)
        sessions.append({"id": session_id, "account_id": account_id, "refresh_jti": jti, "created_at": now,
                         "expires_at": now + timedelta(days=30)})
        account = SimpleNamespace(id=account_id, role=role, scheme_id=scheme.id)
        tokens[account_id] = issue_tokens(account, session_id=session_id, refresh_jti=jti)["access_token"]

    active = [m for m in live.values() if m["state"] is MatchState.ACTIVE]
    waiting_householders = householders[pair:]
    members = [(m["householder"], Role.HOUSEHOLDER) for m in active[:250]] + \
              [(m["sharer"], Role.SHARER) for m in active[:250]] + \
              [(h, Role.HOUSEHOLDER) for h in waiting_householders[:100]]
    for account_id, role in members + [(c, Role.COORDINATOR) for c in coordinators]:
        sign_in(account_id, role)
    db.session.execute(sa.insert(AuthSession), sessions)

    # Accounts that sign in, with a hash made at the production cost.
    login_accounts = waiting_householders[-8:]
    production_hash = production_hasher().hash(PASSWORD)
    db.session.execute(sa.update(Account).where(Account.id.in_(login_accounts)).values(password_hash=production_hash))
    login_emails = db.session.scalars(sa.select(Account.email).where(Account.id.in_(login_accounts))).all()
    settle_tables()

    active_ids = [match_id for match_id, m in live.items() if m["state"] is MatchState.ACTIVE]
    return {
        "scheme_id": scheme.id, "coordinators": coordinators, "tokens": tokens, "members": [a for a, _ in members],
        "active": [(match_id, live[match_id]) for match_id in active_ids[:250]],
        "waiting_householders": waiting_householders[:100], "login_emails": login_emails,
        "sizes": {"householders": len(householders), "sharers": len(sharers), "matches": len(matches),
                  "live": len(live), "hours_entries": len(entries), "checkins": len(checkins),
                  "answers": len(answers), "notifications": len(notifications), "concerns": len(concerns)},
    }


def production_hasher():
    from argon2 import PasswordHasher, Type

    from homeshare.config import SETTINGS

    default = {setting.env: setting.default for setting in SETTINGS}
    return PasswordHasher(time_cost=default["HOMESHARE_PASSWORD_TIME_COST"],
                          memory_cost=default["HOMESHARE_PASSWORD_MEMORY_KIB"],
                          parallelism=default["HOMESHARE_PASSWORD_PARALLELISM"], type=Type.ID)


def endpoints(seeded: dict) -> tuple[list[Endpoint], Endpoint]:
    tokens = seeded["tokens"]
    api = "/api/v1"
    coordinator_tokens = [tokens[c] for c in seeded["coordinators"]]
    me = Endpoint("GET /me", SINGLE)
    profile = Endpoint("GET /me/profile", SINGLE)
    inbox = Endpoint("GET /me/notifications", LIST)
    for account_id in seeded["members"]:
        me.lines.append(f"GET\t{api}/me\t{tokens[account_id]}\t")
        profile.lines.append(f"GET\t{api}/me/profile\t{tokens[account_id]}\t")
        inbox.lines.append(f"GET\t{api}/me/notifications\t{tokens[account_id]}\t")
    put = Endpoint("PUT /matches/{id}/hours/{entry} (repeat)", WRITE)
    weeks = Endpoint("GET /matches/{id}/hours/weeks", LIST)
    one_match = Endpoint("GET /me/matches/{id}", SINGLE)
    for match_id, match in seeded["active"]:
        one_match.lines.append(f"GET\t{api}/me/matches/{match_id}\t{tokens[match['householder']]}\t")
        entry = match["entries"][-1]
        body = json.dumps({"worked_on": entry["worked_on"].isoformat(), "minutes": entry["minutes"],
                           "task": entry["task"], "note": None})
        put.lines.append(f"PUT\t{api}/matches/{match_id}/hours/{entry['id']}\t{tokens[match['sharer']]}\t{body}")
        side = random.Random(str(match_id)).choice(["householder", "sharer"])
        weeks.lines.append(f"GET\t{api}/matches/{match_id}/hours/weeks\t{tokens[match[side]]}\t")
    candidates = Endpoint("GET /people/{id}/candidates", LIST)
    for n, householder in enumerate(seeded["waiting_householders"]):
        token = coordinator_tokens[n % len(coordinator_tokens)]
        candidates.lines.append(f"GET\t{api}/people/{householder}/candidates\t{token}\t")
    dashboard = Endpoint("GET /schemes/{id}/dashboard", LIST)
    dashboard.lines = [f"GET\t{api}/schemes/{seeded['scheme_id']}/dashboard\t{token}\t" for token in coordinator_tokens]
    login = Endpoint("POST /auth/login", "sign-in")
    login.lines = [f"POST\t{api}/auth/login\t\t" + json.dumps({"email": email, "password": PASSWORD})
                   for email in seeded["login_emails"]]
    return [me, profile, one_match, candidates, put, weeks, inbox, dashboard], login


# --- statements per request ------------------------------------------------------------


def production_app(url: str, secret: str, instance: str):
    """The service as the gunicorn workers build it, in this process; its log lines are
    formatted as in production, then dropped."""
    import logging

    from homeshare import create_app

    app = create_app({"HOMESHARE_ENV": "production", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                      "HOMESHARE_RATELIMIT_STORAGE_URI": REDIS_URL,
                      "HOMESHARE_INSTANCE_PATH": instance})
    logger = logging.getLogger("homeshare")
    logger.propagate = False
    for handler in logger.handlers:
        handler.setStream(open(os.devnull, "w"))
    return app


def send(client, line: str):
    method, path, token, body = line.split("\t", 3)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.open(path, method=method, headers=headers, data=body or None,
                           content_type="application/json" if body else None)
    assert response.status_code < 400, (path, response.status_code, response.get_data(as_text=True))
    return response


def count_statements(app, every: list[Endpoint]) -> dict[str, float]:
    """Mean SQL statements of each endpoint's first requests, run in process on the same database."""
    from homeshare.common.drivers import every_engine

    client = app.test_client()
    statements: list[str] = []
    engines = every_engine(app)
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    for engine in engines:
        sa.event.listen(engine, "before_cursor_execute", listener)
    counts = {}
    try:
        for endpoint in every:
            per_request = []
            for line in endpoint.lines[:3]:
                statements.clear()
                send(client, line)
                per_request.append(len(statements))
            counts[endpoint.name] = statistics.mean(per_request)
    finally:
        for engine in engines:
            sa.event.remove(engine, "before_cursor_execute", listener)
    return counts


def profile(app, endpoint: Endpoint, requests: int, show_all: bool) -> None:
    """Where one endpoint's time goes: ``requests`` of its requests in process, under pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: .venv/bin/pip install -e '.[bench]'") from None
    client = app.test_client()
    for line in endpoint.lines[:20]:
        send(client, line)
    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    with profiler:
        for n in range(requests):
            send(client, endpoint.lines[n % len(endpoint.lines)])
    elapsed = time.perf_counter() - started
    print(f"{endpoint.name}: {requests} requests in process, {elapsed / requests * 1000:.2f} ms each")
    print(profiler.output_text(unicode=True, color=False, show_all=show_all))


def cpu_per_request(app, url: str, every: list[Endpoint], requests: int, rounds: int = 10) -> None:
    """CPU time of one request in process (this thread's, so waits on PostgreSQL do not count),
    for the bare views and the endpoints. The passes are interleaved: each round runs one pass of
    every endpoint in turn, so that a change in the machine's load falls on all of them alike,
    and each endpoint's figure is its best pass (passes of about a second: on a drifting machine
    the best of ten short passes varies less from run to run than the best of five long ones).
    The long-lived objects are kept out of garbage collection, as in a worker. With the
    statements of each request."""
    from bench import bare

    os.environ["HOMESHARE_DATABASE_URL"] = url
    clients = [(bare.app.test_client(), Endpoint("bare Flask", "", ["GET\t/bare\t\t"])),
               (bare.app.test_client(), Endpoint("bare Flask and one PostgreSQL read", "", ["GET\t/bare/account\t\t"]))]
    clients += [(app.test_client(), endpoint) for endpoint in every]
    statements = count_statements(app, every)
    counts = {}
    for client, endpoint in clients:
        started = time.perf_counter()
        for n in range(20):  # warm-up, and how many requests fit in about a second
            send(client, endpoint.lines[n % len(endpoint.lines)])
        counts[endpoint.name] = max(20, min(requests, int(1 / ((time.perf_counter() - started) / 20))))
    # As wsgi.py does in each worker: what lives as long as the process (here the seeding's
    # leftovers too) is kept out of the garbage collections the requests cause.
    gc.collect()
    gc.freeze()
    measured = {endpoint.name: math.inf for _, endpoint in clients}
    for _ in range(rounds):
        for client, endpoint in clients:
            count = counts[endpoint.name]
            started = time.thread_time()
            for n in range(count):
                send(client, endpoint.lines[n % len(endpoint.lines)])
            measured[endpoint.name] = min(measured[endpoint.name], (time.thread_time() - started) / count * 1000)
    bare_cpu = measured["bare Flask"]
    print(f"CPU time a request in process (test client included), the best of {rounds} interleaved passes; "
          f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())} after")
    print()
    print("| endpoint | kind | CPU a request (in process) | times the bare view's | target | SQL statements |")
    print("| --- | --- | --- | --- | --- | --- |")
    kinds = {endpoint.name: endpoint.kind for _, endpoint in clients}
    for name, cpu in measured.items():
        target = CPU_TARGETS.get(name)
        verdict = "" if target is None else f"at most {target:g}: " + ("met" if cpu / bare_cpu <= target else "**missed**")
        count = "" if name not in statements else f"{statements[name]:g}"
        print(f"| {name} | {kinds[name]} | {cpu:.2f} ms | {cpu / bare_cpu:.1f} | {verdict} | {count} |")


# --- servers and load --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn master serving ``target``, with its workers."""

    def __init__(self, target: str, env: dict[str, str], log: Path, workers: int, threads: int):
        self.workers_wanted = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
             "--workers", str(workers), "--threads", str(threads),
             "--max-requests", "0",  # no recycling of workers in the middle of a measurement
             "--worker-class", "gthread" if threads > 1 else "sync", "--bind", f"127.0.0.1:{self.port}", target],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped: see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200 and len(self.workers()) == self.workers_wanted:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer at {self.url}{path}: see {self.log.name}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def memory(self) -> list[dict[str, float]]:
        found = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            values = {key: int(re.search(rf"^{key}:\s+(\d+) kB", status, re.M).group(1)) / 1024
                      for key in ("VmHWM", "VmRSS")}
            found.append({"pid": pid, **values})
        return found

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk(url: str, requests_file: Path, seconds: float, connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{round(seconds)}s", "--timeout", "10s", "-s", str(LUA), url,
               "--", str(requests_file)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[key] for key in ("connect", "read", "write", "status", "timeout"))
    return result


def open_loop(url: str, requests_file: Path, rate: float, seconds: float) -> dict:
    command = [sys.executable, "-m", "bench.openloop", "--url", url, "--requests", str(requests_file),
               "--rate", f"{rate:.1f}", "--duration", str(seconds)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    line = next(line for line in output.splitlines() if line.startswith("OPENLOOP_JSON "))
    return json.loads(line.removeprefix("OPENLOOP_JSON "))


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of the machine, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)


def wait_until_quiet(most_seconds: float = QUIET_WAIT_SECONDS) -> bool:
    """Wait until the machine's cores are at least ``QUIET_IDLE`` idle over half a second:
    requests still queued from the last phase, and the database's background work, would
    otherwise be measured with the next. False if that did not happen in ``most_seconds``."""
    deadline = time.monotonic() + most_seconds
    idle, total = _cpu_times()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now_idle, now_total = _cpu_times()
        if now_total > total and (now_idle - idle) / (now_total - total) >= QUIET_IDLE:
            return True
        idle, total = now_idle, now_total
    return False


def measure(url: str, requests_file: Path, seconds: float, connections: int = CONNECTIONS) -> dict:
    if not wait_until_quiet():
        print(f"note: the machine was still busy after {QUIET_WAIT_SECONDS} s; measuring anyway", flush=True)
    wrk(url, requests_file, 2, connections)  # warm-up: connections, caches, the first requests' imports
    most = wrk(url, requests_file, seconds, connections)
    wait_until_quiet()
    steady = open_loop(url, requests_file, max(1.0, most["rate"] / 2), seconds)
    return {"max": most, "steady": steady}


def write_requests(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / (re.sub(r"[^a-z]+", "-", name.lower()).strip("-") + ".tsv")
    path.write_text("\n".join(lines) + "\n")
    return path


# --- the run ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5_000, help="householders and sharers, half each")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each phase (full speed, fixed rate)")
    parser.add_argument("--only", help="measure only the endpoints whose name contains this")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers (default: one per core)")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per worker (1: sync workers)")
    parser.add_argument("--profile", metavar="NAME", help="instead of the load: profile the endpoint whose name "
                        "contains NAME in process with pyinstrument (needs the bench extra)")
    parser.add_argument("--profile-requests", type=int, default=500)
    parser.add_argument("--cpu", action="store_true", help="instead of the load: CPU time a request of each "
                        "endpoint (and of the bare views) in process")
    parser.add_argument("--cpu-requests", type=int, default=1000)
    parser.add_argument("--profile-all", action="store_true", help="show the libraries' frames too")
    args = parser.parse_args()
    started = time.monotonic()
    heading = (f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}")
    print(f"# {heading}", flush=True)
    secret = secrets.token_urlsafe(48)
    with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as instance:
        folder = Path(instance)
        # Tokens outlive the run (15 minutes in production); the servers only check their signature and expiry.
        app = bench_app(url, instance, SECRET_KEY=secret, HOMESHARE_ACCESS_TOKEN_MINUTES=120)
        with app.app_context():
            from homeshare.extensions import db

            seeded = seed(app, args.people, random.Random(23))
            server_version = db.session.scalar(sa.text("SHOW server_version"))
            db.session.remove()
        print(f"seeded in {time.monotonic() - started:.0f} s: {seeded['sizes']}"
              f" (districts from {DISTRICTS_CSV.name})", flush=True)
        measured, login = endpoints(seeded)
        if args.only:
            measured = [e for e in measured if args.only in e.name]
        app = production_app(url, secret, instance)
        if args.cpu:
            cpu_per_request(app, url, measured, args.cpu_requests)
            return
        if args.profile:
            chosen = [e for e in measured + [login] if args.profile in e.name]
            if not chosen:
                raise SystemExit(f"no endpoint's name contains {args.profile!r}")
            profile(app, chosen[0], args.profile_requests, args.profile_all)
            return
        if shutil.which("wrk") is None:
            raise SystemExit("bench.load needs wrk, the HTTP load generator: apt-get install -y wrk "
                             "(Debian and Ubuntu; brew install wrk on macOS)")
        statements = count_statements(app, measured + [login])
        print("SQL statements per request:", statements, flush=True)

        env = {**os.environ, "HOMESHARE_ENV": "production", "HOMESHARE_SECRET_KEY": secret,
               "HOMESHARE_DATABASE_URL": url, "HOMESHARE_INSTANCE_PATH": instance, "PYTHONUNBUFFERED": "1",
               "HOMESHARE_RATELIMIT_STORAGE_URI": REDIS_URL,
               # Every request comes from one address: the sign-in throttles would answer 429.
               **{name: UNTHROTTLED for name in ("HOMESHARE_LOGIN_RATE_LIMIT", "HOMESHARE_ACCOUNT_RATE_LIMIT")}}
        for name in ("HOMESHARE_PASSWORD_TIME_COST", "HOMESHARE_PASSWORD_MEMORY_KIB", "HOMESHARE_PASSWORD_PARALLELISM",
                     "HOMESHARE_LOG_LEVEL"):
            env.pop(name, None)
        service = Server("wsgi:app", env, folder / "service.log", args.workers, args.threads)
        bare = Server("bench.bare:app", env, folder / "bare.log", args.workers, args.threads)
        try:
            service.wait("/healthz")
            bare.wait("/bare")
            bare_file = write_requests(folder, "bare", ["GET\t/bare\t\t"])
            results = {}
            ceiling = [measure(bare.url, bare_file, args.duration)]
            print(f"bare Flask: {ceiling[0]['max']['rate']:.0f} requests/s", flush=True)
            one_read = measure(bare.url, write_requests(folder, "bare account", ["GET\t/bare/account\t\t"]),
                               args.duration)
            print(f"bare Flask and one PostgreSQL read: {one_read['max']['rate']:.0f} requests/s", flush=True)
            for endpoint in measured:
                results[endpoint.name] = measure(service.url, write_requests(folder, endpoint.name, endpoint.lines),
                                                 args.duration)
                print(f"{endpoint.name}: {results[endpoint.name]['max']['rate']:.0f} requests/s, "
                      f"p99 {results[endpoint.name]['steady']['p99_ms']} ms at half", flush=True)
            ceiling.append(measure(bare.url, bare_file, args.duration))
            print(f"bare Flask again: {ceiling[1]['max']['rate']:.0f} requests/s", flush=True)
            memory_before_login = service.memory()
            signing_in = measure(service.url, write_requests(folder, login.name, login.lines), args.duration,
                                 LOGIN_CONNECTIONS)
            memory_after = service.memory()
            load = os.getloadavg()
        finally:
            service.stop()
            bare.stop()
        errors_in_log = sum(1 for line in (folder / "service.log").read_text().splitlines()
                            if " ERROR " in line or "Traceback" in line)
    report(heading, args, seeded["sizes"], server_version, measured, results, ceiling, one_read, statements, login,
           signing_in, memory_before_login, memory_after, load, errors_in_log, time.monotonic() - started)


def report(heading, args, sizes, server_version, measured, results, ceiling, one_read, statements, login,
           signing_in, memory_before_login, memory_after, load, errors_in_log, elapsed) -> None:
    top = statistics.mean(c["max"]["rate"] for c in ceiling)
    print()
    print(f"{heading}, PostgreSQL {server_version}, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
          f"(1 / 5 / 15 min) at the end, {elapsed / 60:.1f} min in all")
    print(f"`.venv/bin/python -m bench.load --people {args.people} --duration {args.duration:g}`; gunicorn "
          f"{args.workers} workers x {args.threads} threads ({'gthread' if args.threads > 1 else 'sync'}); "
          f"wrk -t2 -c{CONNECTIONS}; fixed rate = half the "
          f"endpoint's maximum, open loop")
    print(f"seeded: {sizes}")
    print()
    print("| endpoint | kind | requests/s (max) | share of bare Flask | share of the one-read reference "
          "| p50 / p99 at half rate | errors | SQL statements |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = [("bare Flask (ceiling)", "", {"max": {"rate": top, "errors": sum(c["max"]["errors"] for c in ceiling)},
             "steady": ceiling[0]["steady"]}, None),
            ("bare Flask and one PostgreSQL read (reference)", "", one_read, 1)]
    rows += [(e.name, e.kind, results[e.name], statements[e.name]) for e in measured]
    for name, kind, result, count in rows:
        most, steady = result["max"], result["steady"]
        of_read, p99 = "", steady["p99_ms"]
        if result is not rows[0][2]:
            share = most["rate"] / one_read["max"]["rate"]
            of_read = f"{share:.2f}" + _verdict(share >= SHARE_TARGETS[name] if name in SHARE_TARGETS else None,
                                                f"at least {SHARE_TARGETS.get(name, 0):.2f}")
        p99_verdict = _verdict(p99 < P99_TARGETS_MS[name] if name in P99_TARGETS_MS else None,
                               f"p99 under {P99_TARGETS_MS.get(name, 0)} ms")
        errors = most["errors"] + steady["errors"]
        print(f"| {name} | {kind} | {most['rate']:,.0f} | {most['rate'] / top:.2f} | {of_read} | "
              f"{steady['p50_ms']:.1f} / {p99:.1f} ms at {steady['rate']:,.0f}/s{p99_verdict} | {errors} | "
              f"{'' if count is None else f'{count:g}'} |")
    print()
    print(f"bare Flask: {ceiling[0]['max']['rate']:,.0f} requests/s first, {ceiling[1]['max']['rate']:,.0f} last")
    for name, _, result, _ in rows:
        steady = result["steady"]
        if steady["schedule_lag_ms"] > 100:
            print(f"note: the fixed-rate generator fell {steady['schedule_lag_ms']:.0f} ms behind its schedule for "
                  f"{name} (it reached {steady['reached_rate']:,.0f}/s); those latencies include its own delay")
    hasher = production_hasher()
    most, steady = signing_in["max"], signing_in["steady"]
    print(f"sign-in (argon2id, time_cost {hasher.time_cost}, memory {hasher.memory_cost} KiB, parallelism "
          f"{hasher.parallelism}): {most['rate']:.1f} sign-ins/s at most (wrk -c{LOGIN_CONNECTIONS}), "
          f"p50 {steady['p50_ms']:.0f} ms / p99 {steady['p99_ms']:.0f} ms at {steady['rate']:.1f}/s, "
          f"{most['errors'] + steady['errors']} errors, {statements[login.name]:g} SQL statements "
          f"(sign-in throttles raised to {UNTHROTTLED}: the load comes from one address)")
    print()
    print("| worker | peak before sign-ins (VmHWM) | peak after the run | resident after the run (VmRSS) |")
    print("| --- | --- | --- | --- |")
    before = {m["pid"]: m for m in memory_before_login}
    for n, after in enumerate(memory_after, 1):
        print(f"| {n} | {before.get(after['pid'], {}).get('VmHWM', 0):.0f} MB | {after['VmHWM']:.0f} MB | "
              f"{after['VmRSS']:.0f} MB{_verdict(after['VmRSS'] < MEMORY_TARGET_MB, f'under {MEMORY_TARGET_MB} MB')} |")
    print()
    print(f"server errors logged: {errors_in_log}")


def _verdict(met: bool | None, target: str) -> str:
    """`` (target: met)`` or `` (target: **missed**)``; nothing where there is no target."""
    if met is None:
        return ""
    return f" ({target}: {'met' if met else '**missed**'})"


if __name__ == "__main__":
    main()
