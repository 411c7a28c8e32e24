"""Notification delivery: real SMTP and webhook peers, retries, dead letters, crashes, races."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from homeshare.extensions import db
from homeshare.jobs.reminders import run_all
from homeshare.notifications import service as notifications
from homeshare.notifications.models import Delivery, Notification
from homeshare.accounts import service as accounts
from homeshare.common.roles import Role
from homeshare.schemes import service as schemes
from tests.helpers import PROJECT_ROOT, PushGateway, at_once

T0 = datetime(2027, 5, 3, 10, 0, tzinfo=timezone.utc)


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def peers(app):
    webhook, mailbox = PushGateway(), Mailbox()
    with socket.socket() as probe:  # a free port for the SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config.get(key) for key in ("HOMESHARE_SMTP_URL", "HOMESHARE_PUSH_WEBHOOK_URL",
                                                  "HOMESHARE_DELIVERY_MAX_ATTEMPTS")}
    app.config.update(HOMESHARE_SMTP_URL=f"smtp://127.0.0.1:{port}",
                      HOMESHARE_PUSH_WEBHOOK_URL=webhook.url, HOMESHARE_DELIVERY_MAX_ATTEMPTS=3)
    yield webhook, mailbox
    app.config.update(saved)
    controller.stop()
    webhook.close()


def notify(app, account_ids, count=1, prefix="test", now=T0):
    with app.app_context():
        created = notifications.notify(
            (notifications.Message(uuid.UUID(account_id), "meeting_planned", f"Hello {n}", "Body", f"{prefix}:{account_id}:{n}")
             for account_id in account_ids for n in range(count)), now=now)
        db.session.commit()
        db.session.remove()
    return created


def deliver(app, now):
    with app.app_context():
        sent = notifications.deliver_due(now=now)
        db.session.remove()
    return sent


def statuses(app):
    with app.app_context():
        rows = db.session.execute(sa.select(Delivery.channel, Delivery.status, Delivery.attempts)).all()
        db.session.remove()
    return sorted((channel, status.value, attempts) for channel, status, attempts in rows)


def test_each_channel_delivers_once_through_real_peers(app, client, make, peers):
    webhook, mailbox = peers
    someone = make.sharer(make.scheme())
    session = make.login(client, someone)
    client.post("/api/v1/me/devices", headers=session.headers, json={"platform": "android", "token": "fcm-token-abcdef"})
    assert notify(app, [someone.id]) == 1
    assert notify(app, [someone.id]) == 0  # the same key again creates nothing
    assert deliver(app, T0) == 3
    assert deliver(app, T0 + timedelta(minutes=1)) == 0
    assert statuses(app) == [("email", "sent", 1), ("log", "sent", 1), ("push", "sent", 1)]
    assert [m.rcpt_tos for m in mailbox.messages] == [[someone.email]]
    assert len(webhook.received) == 1
    key, body = webhook.received[0]
    assert body["devices"] == [{"platform": "android", "token": "fcm-token-abcdef"}] and body["title"] == "Hello 0"
    assert uuid.UUID(key)


def test_a_failing_provider_is_retried_with_backoff_then_dead_lettered(app, make, peers):
    webhook, _ = peers
    webhook.status = 500
    someone = make.sharer(make.scheme())
    with app.app_context():
        db.session.add(notifications.Device(account_id=uuid.UUID(someone.id), platform="ios", token="apns-1234567890",
                                            created_at=T0))
        db.session.commit()
    notify(app, [someone.id])
    deliver(app, T0)
    assert statuses(app) == [("email", "sent", 1), ("log", "sent", 1), ("push", "pending", 1)]
    assert deliver(app, T0 + timedelta(seconds=59)) == 0  # backoff: 60 s
    deliver(app, T0 + timedelta(seconds=60))
    assert statuses(app)[2] == ("push", "pending", 2)
    assert deliver(app, T0 + timedelta(seconds=60 + 119)) == 0  # then 120 s
    deliver(app, T0 + timedelta(seconds=60 + 120))
    assert statuses(app)[2] == ("push", "dead", 3)
    deliver(app, T0 + timedelta(days=1))
    assert len(webhook.received) == 3
    with app.app_context():
        dead = db.session.scalars(sa.select(Delivery).where(Delivery.channel == "push")).one()
        assert "HTTPError" in dead.last_error


def test_a_scheduler_that_dies_after_claiming_loses_nothing(app, make):
    someone = make.sharer(make.scheme())
    notify(app, [someone.id], count=3)
    with app.app_context():
        _, claimed = notifications._claim(T0, 100)  # claimed, then the process dies
        db.session.remove()
    assert len(claimed) == 3
    assert deliver(app, T0 + timedelta(minutes=1)) == 0  # still leased
    assert deliver(app, T0 + notifications.LEASE + timedelta(seconds=1)) == 3
    assert [s for _, s, _ in statuses(app)] == ["sent"] * 3


def test_concurrent_schedulers_deliver_everything_exactly_once(app, make, peers):
    webhook, _ = peers
    app.config["HOMESHARE_SMTP_URL"] = None
    people = [make.sharer(make.scheme()) for _ in range(3)]
    with app.app_context():
        for p in people:
            db.session.add(notifications.Device(account_id=uuid.UUID(p.id), platform="ios", token=f"tok-{p.id}",
                                                created_at=T0))
        db.session.commit()
    notify(app, [p.id for p in people], count=40)

    def scheduler():
        with app.app_context():
            try:
                return notifications.deliver_due(now=T0, batch=7)
            finally:
                db.session.remove()

    sent = at_once(scheduler, 4)
    assert sum(sent) == 240  # 120 notifications x (log + push)
    keys = Counter(key for key, _ in webhook.received)
    assert len(keys) == 120 and set(keys.values()) == {1}
    assert {s for _, s, _ in statuses(app)} == {"sent"}


def test_concurrent_reminder_ticks_create_each_reminder_once(app, client, make, clock):
    from tests.matchdesk import Desk

    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    for _ in range(2):
        Desk(client, make, make.scheme()).to_trial(start_on="2027-03-01")
    now = datetime(2027, 3, 20, 12, 0, tzinfo=timezone.utc)

    def tick():
        with app.app_context():
            run_all(now)
            db.session.remove()

    at_once(tick, 4)
    with app.app_context():
        keys = db.session.scalars(sa.select(Notification.dedupe_key)).all()
        deliveries = db.session.scalar(sa.select(sa.func.count()).select_from(Delivery))
    assert keys and len(keys) == len(set(keys))
    assert deliveries == len(keys)  # one log delivery each
    assert any(":due:" in key for key in keys) and any(":overdue:" in key for key in keys)


def test_a_claim_is_the_sends_in_flight_sent_at_once_and_settled_together(app, make, monkeypatch):
    """Each claim is no larger than the sends under way at once, and none of its outcomes is
    recorded before all of them returned: a process killed at any moment repeats at most one
    claim. Sends that wait on another system (push) go out together, each in a thread of its
    own; log lines are written one after the other by the claiming thread."""
    import homeshare.notifications.providers as providers

    monkeypatch.setitem(app.config, "HOMESHARE_PUSH_WEBHOOK_URL", "http://127.0.0.1:9/never-called")
    people = [make.sharer(make.scheme()) for _ in range(3)]
    notify(app, [p.id for p in people], count=10)  # 30 log deliveries and 30 pushes
    lock, under_way, seen, threads = threading.Lock(), [0], [], set()

    def slow_send(channel, config, *, delivery_id, **kwargs):
        with lock:
            under_way[0] += 1
            threads.add((channel, threading.current_thread() is threading.main_thread()))
        time.sleep(0.05)
        with app.app_context():
            counts = dict(db.session.execute(sa.select(Delivery.status, sa.func.count()).group_by(Delivery.status)).all())
            db.session.remove()
        with lock:
            seen.append((channel, under_way[0], counts.get(notifications.DeliveryStatus.SENDING, 0),
                         counts.get(notifications.DeliveryStatus.SENT, 0)))
            under_way[0] -= 1

    monkeypatch.setattr(providers, "send", slow_send)
    with app.app_context():
        assert notifications.deliver_due(now=T0, batch=7) == 60
        db.session.remove()
    assert len(seen) == 60
    assert max(at_once for channel, at_once, _, _ in seen if channel == "push") > 1  # sent together
    assert threads == {("log", True), ("push", False)}
    assert all(at_once <= 7 and sending <= 7 for _, at_once, sending, _ in seen)  # claims of at most 7
    assert {sent % 7 for _, _, _, sent in seen} == {0}  # a claim's outcomes are recorded together
    assert [s for _, s, _ in statuses(app)] == ["sent"] * 60


def test_repeated_ticks_create_nothing_twice(app, client, make, clock):
    from tests.matchdesk import Desk

    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
    for _ in range(2):
        Desk(client, make, make.scheme()).to_trial(start_on="2027-03-01")
    now = datetime(2027, 3, 20, 12, 0, tzinfo=timezone.utc)

    def counted():
        with app.app_context():
            found = (db.session.scalar(sa.select(sa.func.count()).select_from(Notification)),
                     db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)))
            db.session.remove()
        return found

    before = counted()
    with app.app_context():
        created = run_all(now)
        db.session.remove()
    first = counted()
    assert created == first[0] - before[0] > 0
    assert first[1] - before[1] == created  # one log delivery each
    with app.app_context():
        assert run_all(now) == 0
        assert run_all(now + timedelta(minutes=1)) == 0
        db.session.remove()
    assert counted() == first


# A scheduler process killed mid-batch ------------------------------------------------------------

SCHEDULER = """
import json, os, sys
from homeshare import create_app
from homeshare.jobs.scheduler import deliveries

app = create_app(json.loads(os.environ["HOMESHARE_TEST_APP_CONFIG"]))
while deliveries(app):  # the scheduler's delivery job, until nothing is due
    pass
"""


class SlowGateway(PushGateway):
    """A push gateway that takes a while to answer; ``reached`` is set once ``kill_at``
    pushes have arrived, while the last of them still waits for its answer."""

    def __init__(self, delay: float):
        self.delay, self.kill_at, self.reached = delay, None, threading.Event()
        super().__init__()

    def arrived(self, key: str, arrival: int) -> None:
        if self.kill_at is not None and arrival >= self.kill_at:
            self.reached.set()
        time.sleep(self.delay)


def test_a_scheduler_killed_mid_claim_repeats_only_the_sends_in_flight(app, make, tmp_path, monkeypatch):
    """Real scheduler processes, SIGKILLed while pushes are in flight, then started again
    until everything is sent: only the sends of the claim in flight at each kill (at most
    ``IN_FLIGHT``) are sent twice."""
    gateway = SlowGateway(delay=0.02)
    monkeypatch.setitem(app.config, "HOMESHARE_PUSH_WEBHOOK_URL", gateway.url)  # deliveries on push too
    people = [make.sharer(make.scheme()) for _ in range(3)]
    with app.app_context():
        for p in people:
            db.session.add(notifications.Device(account_id=uuid.UUID(p.id), platform="ios", token=f"tok-{p.id}",
                                                created_at=T0))
        db.session.commit()
        db.session.remove()
    # 180 pushes (and 180 log lines), due now for the scheduler's real clock
    notify(app, [p.id for p in people], count=60, now=datetime.now(timezone.utc) - timedelta(minutes=1))
    config = {"HOMESHARE_ENV": "testing", "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "SECRET_KEY": app.config["SECRET_KEY"], "HOMESHARE_INSTANCE_PATH": str(tmp_path),
              "HOMESHARE_PUSH_WEBHOOK_URL": gateway.url, "HOMESHARE_LOG_LEVEL": "WARNING"}
    environment = dict(os.environ, HOMESHARE_TEST_APP_CONFIG=json.dumps(config))

    def scheduler():
        return subprocess.Popen([sys.executable, "-c", SCHEDULER], cwd=PROJECT_ROOT, env=environment,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def lapse_leases():
        # As if the dead process's lease had run out (LEASE, 5 minutes) while we waited.
        with app.app_context():
            db.session.execute(sa.update(Delivery).where(Delivery.status == "sending")
                               .values(claimed_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
            db.session.commit()
            db.session.remove()

    kills = 0
    try:
        for kill_at in (10, 45, 90, 140):
            gateway.reached.clear()
            gateway.kill_at = kill_at
            process = scheduler()
            if not gateway.reached.wait(60):
                process.kill()
                pytest.fail(f"{len(gateway.received)} pushes; {process.communicate()[1].decode()}")
            process.send_signal(signal.SIGKILL)  # while the kill_at-th push waits for its answer
            process.wait(10)
            assert process.returncode == -signal.SIGKILL
            kills += 1
            lapse_leases()
        gateway.kill_at = None
        process = scheduler()
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
    finally:
        gateway.close()

    per_key = Counter(key for key, _ in gateway.received)
    repeated = {key: n for key, n in per_key.items() if n > 1}
    print(f"pushes: {len(gateway.received)} for {len(per_key)} keys; repeated after {kills} kills: "
          f"{sorted(repeated.values())}")
    assert len(per_key) == 180
    assert set(per_key.values()) <= {1, 2}  # each kill repeats one claim at most
    assert sum(n - 1 for n in repeated.values()) <= kills * notifications.IN_FLIGHT
    assert {s for _, s, _ in statuses(app)} == {"sent"}


def test_a_person_without_a_login_gets_no_email_and_no_retries(app, make, peers):
    """They have no address: the email delivery is done with nothing sent (their coordinator
    tells them), never retried into a dead letter."""
    _, mailbox = peers
    scheme = make.scheme()
    with app.app_context():
        person = accounts.add_without_login(scheme=schemes.get_scheme(uuid.UUID(scheme.id)), role=Role.HOUSEHOLDER)
        person_id = str(person.id)
        db.session.commit()
        db.session.remove()
    notify(app, [person_id])
    deliver(app, T0)
    assert statuses(app) == [("email", "sent", 1), ("log", "sent", 1), ("push", "sent", 1)]
    assert mailbox.messages == []
