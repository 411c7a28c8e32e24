"""Faults: the database going away under the API, and a scheduler killed mid-batch.

The database faults run on PostgreSQL, through a TCP gate between the app and the server
that the test opens and cuts like a network failure or a server restart would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.jobs import scheduler
from homeshare.notifications import service as notifications
from homeshare.notifications.models import Delivery, Notification
from homeshare.common import drivers
from tests import factories
from tests.conftest import TEST_SECRET, make_app
from tests.helpers import PROJECT_ROOT, PushGateway, assert_problem



class Gate:
    """A TCP relay to PostgreSQL. ``cut()`` drops every connection and refuses new ones
    (they are accepted and closed at once, like a server going down); ``open()`` relays again."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_open = True
        self.live: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.is_open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.live += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.is_open = False
        with self.lock:
            live, self.live = self.live, []
        for end in live:
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def gated(app, tmp_path):
    """A second app on the test's PostgreSQL schema, reaching it through a Gate."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        pytest.skip("the database going away is tested on PostgreSQL")
    address = urlsplit(url)
    gate = Gate(address.hostname, address.port or 5432)
    application = make_app(url.replace(f"@{address.netloc.split('@')[1]}", f"@127.0.0.1:{gate.port}", 1), tmp_path)
    try:
        yield application, gate
    finally:
        gate.close()
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def signed_in(application):
    """A householder signed in through ``application``, whose ``GET /me`` answers."""
    make = factories.Factories(application)
    person = make.householder(make.scheme())
    client = application.test_client()
    session = make.login(client, person)
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200
    return client, person, session


def test_requests_get_503_while_the_database_is_away_and_succeed_once_it_is_back(gated):
    application, gate = gated
    client, person, session = signed_in(application)

    gate.cut()
    for _ in range(3):
        away = client.get("/api/v1/me", headers=session.headers)
        assert_problem(away, 503, "database-unavailable")
        assert int(away.headers["Retry-After"]) > 0
    assert_problem(client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password}),
                   503, "database-unavailable")
    assert_problem(client.get("/readyz"), 503, "not-ready")
    assert client.get("/healthz").status_code == 200

    gate.open()  # the same app, no restart: its pool checks connections before use
    assert client.get("/readyz").status_code == 200
    back = client.get("/api/v1/me", headers=session.headers)
    assert back.status_code == 200 and back.json["email"] == person.email


def test_after_a_restart_one_request_fails_whether_it_reads_or_writes(gated):
    # Reads and writes have pools of their own; the connections of both died with the server.
    application, gate = gated
    client, person, session = signed_in(application)
    gate.cut()
    gate.open()  # back at once: the connections were used less than 10 s ago, so none is pinged
    assert_problem(client.get("/api/v1/me", headers=session.headers), 503, "database-unavailable")
    signing_in = client.post("/api/v1/auth/login", json={"email": person.email, "password": person.password})
    assert signing_in.status_code == 200, signing_in.json
    assert client.get("/api/v1/me", headers=session.headers).status_code == 200


def test_a_write_cut_off_midway_leaves_nothing_behind(app, gated):
    """Registration writes an account and its profile in one transaction; the connection
    dies after the first of them. Nothing of it remains, and the phone's retry succeeds."""
    application, gate = gated
    scheme = factories.Factories(application).scheme()
    body = {"scheme": scheme.slug, "email": "cut.off@example.org", "password": "a long enough password",
            "role": "sharer"}

    def cut_after_account_insert(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO ACCOUNT"):
            gate.cut()

    with application.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", cut_after_account_insert)
    try:
        client = application.test_client()
        assert_problem(client.post("/api/v1/auth/register", json=body), 503, "database-unavailable")
    finally:
        sa.event.remove(engine, "after_cursor_execute", cut_after_account_insert)

    with app.app_context():  # straight to the database, not through the gate
        stored = db.session.execute(sa.text("SELECT count(*) FROM account WHERE email = :email"),
                                    {"email": body["email"]}).scalar_one()
        db.session.remove()
    assert stored == 0

    gate.open()
    retried = client.post("/api/v1/auth/register", json=body)
    assert retried.status_code == 202, retried.json
    with app.app_context():
        profiles = db.session.execute(sa.text(
            "SELECT count(*) FROM profile JOIN account ON account.id = profile.account_id WHERE account.email = :email"),
            {"email": body["email"]}).scalar_one()
        db.session.remove()
    assert profiles == 1


class Gateway(PushGateway):
    """A push gateway that, like real ones, sends each Idempotency-Key to the phone once.

    The ``hold_at``-th request is held open, so a scheduler can be killed mid-batch."""

    def __init__(self, hold_at: int):
        self.hold_at = hold_at
        self.to_phone: list[str] = []
        self._to_phone = threading.Lock()
        self.holding = threading.Event()
        self.release = threading.Event()
        super().__init__()

    @property
    def requests(self) -> list[str]:
        return [key for key, _ in self.received]

    def arrived(self, key: str, arrival: int) -> None:
        with self._to_phone:
            if key not in self.to_phone:
                self.to_phone.append(key)
        if arrival == self.hold_at:
            self.holding.set()
            self.release.wait(30)

    def close(self) -> None:
        self.release.set()
        super().close()


@contextmanager
def push_gateway(app, hold_at):
    gateway = Gateway(hold_at)
    saved = app.config.get("HOMESHARE_PUSH_WEBHOOK_URL")
    app.config["HOMESHARE_PUSH_WEBHOOK_URL"] = gateway.url
    try:
        yield gateway
    finally:
        app.config["HOMESHARE_PUSH_WEBHOOK_URL"] = saved
        gateway.close()


def test_a_scheduler_killed_mid_batch_loses_nothing_and_the_phone_gets_each_once(app, make, clock, tmp_path):
    person = make.sharer(make.scheme())
    client = app.test_client()
    session = make.login(client, person)
    assert client.post("/api/v1/me/devices", headers=session.headers,
                       json={"platform": "android", "token": "device-token-1"}).status_code in (200, 201)
    with push_gateway(app, hold_at=3) as gateway:
        with app.app_context():  # each gets a log and a push delivery
            notifications.notify([notifications.Message(uuid.UUID(person.id), "meeting_planned", f"Reminder {n}", "Body",
                                                        f"killed-batch:{n}") for n in range(6)])
            db.session.commit()
            db.session.remove()
        environment = {
            **os.environ, "FLASK_APP": "wsgi", "HOMESHARE_ENV": "development", "HOMESHARE_SECRET_KEY": TEST_SECRET,
            "HOMESHARE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "HOMESHARE_INSTANCE_PATH": str(tmp_path), "HOMESHARE_PUSH_WEBHOOK_URL": gateway.url,
        }
        process = subprocess.Popen([sys.executable, "-m", "flask", "homeshare", "tick"], cwd=PROJECT_ROOT,
                                   env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            while not gateway.holding.wait(0.1):
                assert process.poll() is None, process.stdout.read().decode()
            process.send_signal(signal.SIGKILL)  # mid-claim: the claim's pushes went out together, one held
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
        gateway.release.set()
        assert process.returncode == -signal.SIGKILL
        handed_over = list(gateway.requests)
        assert 3 <= len(handed_over) <= 6  # none of them recorded as sent by the dead process

        # A scheduler restarted after the dead one's lease ran out finishes the work.
        clock.advance(seconds=notifications.LEASE.total_seconds() + 60)
        scheduler.deliveries(app)

    with app.app_context():
        keys = db.session.scalars(sa.select(Notification.dedupe_key).where(
            Notification.dedupe_key.like("killed-batch:%"))).all()
        rows = db.session.execute(sa.select(Delivery.id, Delivery.channel, Delivery.status)).all()
        db.session.remove()
    assert sorted(keys) == [f"killed-batch:{n}" for n in range(6)]  # nothing created twice
    push = [row for row in rows if row.channel == "push"]
    assert len(push) == 6 and {row.status.value for row in rows} == {"sent"}  # nothing lost
    # Each delivery reached the phone once; the only repeats are of what the killed
    # scheduler had handed over without recording it, under the same Idempotency-Key.
    assert sorted(gateway.to_phone) == sorted(str(row.id) for row in push)
    repeats = [key for key, times in Counter(gateway.requests).items() if times > 1]
    assert set(repeats) <= set(handed_over)


def test_connections_idle_through_a_database_restart_are_replaced_unnoticed(gated, monkeypatch):
    application, gate = gated
    client, person, session = signed_in(application)
    gate.cut()  # the server restarts while the pool's connections sit idle ...
    gate.open()
    monkeypatch.setattr(drivers, "IDLE_PING_SECONDS", 0.0)  # ... for longer than the idle limit
    for _ in range(3):
        assert client.get("/api/v1/me", headers=session.headers).status_code == 200
