"""A tick's reminders are thousands of the same few texts: each is written once for each
language, and every recipient still reads their own language and their own values."""

from __future__ import annotations

import uuid
from decimal import Decimal
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.common.languages import rendered
from homeshare.extensions import db
from homeshare.notifications import service as notifications
from homeshare.notifications.models import Delivery, DeliveryStatus, Notification
from tests.conftest import prepared_statements_beside

T0 = datetime(2027, 5, 3, 10, 0, tzinfo=timezone.utc)


def test_each_text_is_written_once_a_language_and_read_in_each_recipients_own(app, make, monkeypatch):
    scheme = make.scheme()
    people = [uuid.UUID(make.sharer(scheme).id) for _ in range(6)]
    welsh = set(people[:3])
    writes = []

    def counted(text, language):
        writes.append(language)
        return rendered(text, language)

    monkeypatch.setattr(notifications, "rendered", counted)
    days = (date(2027, 5, 3), date(2027, 5, 5))
    with app.app_context():
        db.session.execute(sa.update(Account).where(Account.id.in_(welsh)).values(language="cy"))
        messages = [
            notifications.Message(person, "checkin_due", _l("Time for your check-in"),
                                  _l("Please tell us how things are going (check-in due %(day)s).", day=day.isoformat()),
                                  f"writing:{person}:{day}")
            for person in people for day in days]
        assert notifications.notify(messages, now=T0) == 12
        db.session.commit()
        stored = {row.dedupe_key: (row.title, row.body) for row in db.session.scalars(sa.select(Notification))}
        db.session.remove()
    # One title and two bodies, in each of two languages.
    assert len(writes) == 6 and sorted(writes) == ["cy"] * 3 + ["en"] * 3
    with app.app_context():
        for person in people:
            language = "cy" if person in welsh else "en"
            for day in days:
                assert stored[f"writing:{person}:{day}"] == (
                    rendered(_l("Time for your check-in"), language),
                    rendered(_l("Please tell us how things are going (check-in due %(day)s).", day=day.isoformat()),
                             language))
        assert rendered(_l("Time for your check-in"), "cy") != "Time for your check-in"  # Welsh really written


def test_texts_alike_but_for_a_values_type_are_written_apart(app, make):
    """``1`` and ``True`` are equal in Python, and written differently."""
    someone = uuid.UUID(make.sharer(make.scheme()).id)
    with app.app_context():
        notifications.notify([
            notifications.Message(someone, "checkin_due", "Title", _l("%(count)s", count=value), f"values:{n}")
            for n, value in enumerate((1, True, 1.5, [1]))], now=T0)
        db.session.commit()
        bodies = dict(db.session.execute(sa.select(Notification.dedupe_key, Notification.body)).all())
        db.session.remove()
    assert bodies == {"values:0": "1", "values:1": "True", "values:2": "1.5", "values:3": "[1]"}


def test_texts_with_values_equal_in_python_but_read_differently_are_written_apart(app, make):
    """A Decimal's places, an instant's zone, the sign of a zero and a tuple of booleans all
    read differently from values Python holds equal to them."""
    someone = uuid.UUID(make.sharer(make.scheme()).id)
    london = T0.astimezone(ZoneInfo("Europe/London"))
    pairs = ((Decimal("5"), Decimal("5.00")), (T0, london), (0.0, -0.0), ((1, 0), (True, False)))
    with app.app_context():
        notifications.notify([
            notifications.Message(someone, "checkin_due", "Title", _l("%(value)s", value=value), f"values:{n}:{m}")
            for n, pair in enumerate(pairs) for m, value in enumerate(pair)], now=T0)
        db.session.commit()
        bodies = dict(db.session.execute(sa.select(Notification.dedupe_key, Notification.body)).all())
        db.session.remove()
    assert bodies == {f"values:{n}:{m}": str(value) for n, pair in enumerate(pairs) for m, value in enumerate(pair)}
    assert bodies["values:1:0"] != bodies["values:1:1"]


def test_what_a_notification_holds_is_stored_as_given(app, make):
    """Every column type a set-based insert sends (ids, instants, enums, JSON, text of any kind)."""
    someone = uuid.UUID(make.sharer(make.scheme()).id)
    data = {"match_id": str(uuid.uuid4()), "nested": {"list": [1, 2.5, None, True], "quote": "\"'\\"}}
    with app.app_context():
        notifications.notify([notifications.Message(
            someone, "meeting_planned", "Cwrdd â’r tŷ \"heddiw\" 🏠", "Line one\nline two\t'quoted'", "stored:1",
            data, "invited@example.org")], now=T0)
        db.session.commit()
        notification = db.session.scalars(sa.select(Notification)).one()
        delivery = db.session.scalars(sa.select(Delivery)).one()
        db.session.remove()
    assert (notification.account_id, notification.kind, notification.title, notification.body, notification.data,
            notification.dedupe_key, notification.to_address, notification.created_at) == (
        someone, "meeting_planned", "Cwrdd â’r tŷ \"heddiw\" 🏠", "Line one\nline two\t'quoted'", data, "stored:1",
        "invited@example.org", T0)
    assert (delivery.notification_id, delivery.channel, delivery.status, delivery.attempts,
            delivery.next_attempt_at) == (notification.id, "log", DeliveryStatus.PENDING, 0, T0)


def test_claims_take_the_earliest_due_first_and_new_work_before_lapsed_leases_due_with_it(app, make):
    """A lapsed lease (its process died sending) is claimed again in its turn by due time; of
    those due at the same moment, the deliveries never tried go first."""
    someone = uuid.UUID(make.sharer(make.scheme()).id)

    def notify(name, now):
        notifications.notify([notifications.Message(someone, "meeting_planned", "T", "B", name)], now=now)
        db.session.commit()

    with app.app_context():
        notify("dead:1", T0)
        notify("dead:2", T0)
        _, dead = notifications._claim(T0, 2)  # claimed, then the process dies
        notify("earlier", T0 - timedelta(hours=1))
        notify("same-moment", T0)
        notify("later", T0 + timedelta(minutes=1))
        after_lease = T0 + notifications.LEASE + timedelta(seconds=1)
        keys = dict(db.session.execute(sa.select(Delivery.id, Notification.dedupe_key)
                                       .join(Notification, Notification.id == Delivery.notification_id)).all())
        claims = [{keys[c.id] for c in notifications._claim(after_lease, 2)[1]} for _ in range(3)]
        db.session.remove()
    assert {keys[c.id] for c in dead} == {"dead:1", "dead:2"}
    assert claims == [{"earlier", "same-moment"}, {"dead:1", "dead:2"}, {"later"}]


def test_a_claim_is_planned_for_its_own_values_every_time_and_never_prepared(app, make):
    """Planned once for any statuses, a claim could not use the partial index of unsettled
    deliveries and would scan every delivery ever made: it is sent unprepared each time."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("statements are prepared on PostgreSQL only")
    someone = uuid.UUID(make.sharer(make.scheme()).id)
    with app.app_context(), prepared_statements_beside(app, lambda statement: "UPDATE delivery" in statement) as prepared:
        # One pooled connection, so that every statement below runs on it (a run of deliver_due
        # leaves two in the pool, its claims' and the session's, used in turn afterwards).
        db.engine.dispose()
        for n in range(8):  # the driver prepares a statement on its fifth run
            notifications.notify([notifications.Message(someone, "meeting_planned", "T", "B", f"claim:{n}")], now=T0)
            db.session.commit()
            assert len(notifications._claim(T0, 1)[1]) == 1
        db.session.remove()
    assert prepared  # the statements run as often beside it are
    assert not any("UPDATE delivery" in statement for statement in prepared)
