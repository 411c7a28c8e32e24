"""Notification preferences: channels per kind, urgent alerts always on, and quiet hours."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.notifications import kinds
from homeshare.notifications.models import Delivery, Notification, NotificationPreference, QuietHours
from homeshare.notifications.service import notify, quiet_end
from tests.helpers import assert_problem

URL = "/api/v1/me/notification-preferences"
WINTER = datetime(2027, 1, 12, 23, 30, tzinfo=timezone.utc)  # London is on GMT


@pytest.fixture
def channels(app):
    """Email and push configured (nothing is sent: deliveries are only created)."""
    saved = {key: app.config.get(key) for key in ("HOMESHARE_SMTP_URL", "HOMESHARE_PUSH_WEBHOOK_URL")}
    app.config.update(HOMESHARE_SMTP_URL="smtp://127.0.0.1:1", HOMESHARE_PUSH_WEBHOOK_URL="http://127.0.0.1:1/push")
    yield
    app.config.update(saved)


@pytest.fixture
def people(client, make):
    scheme = make.scheme()
    householder, sharer = make.ready("householder", scheme), make.ready("sharer", scheme)
    coordinator = make.coordinator(scheme)
    return {"householder": (householder, make.login(client, householder)),
            "sharer": (sharer, make.login(client, sharer)),
            "coordinator": (coordinator, make.login(client, coordinator))}


def send(app, kind, people, now, event="event"):
    with app.app_context():
        notify([kind.message(uuid.UUID(person.id), event=event, title="T", body="B", data={"meeting_id": "m"})
                for person in people], now=now)
        db.session.commit()
        db.session.remove()


def deliveries(app, person):
    with app.app_context():
        found = {channel: due for channel, due in db.session.execute(
            sa.select(Delivery.channel, Delivery.next_attempt_at).join(Notification)
            .where(Notification.account_id == uuid.UUID(person.id)))}
        db.session.remove()
    return found


def stored(app):
    with app.app_context():
        found = (db.session.scalar(sa.select(sa.func.count()).select_from(NotificationPreference)),
                 db.session.scalar(sa.select(sa.func.count()).select_from(QuietHours)))
        db.session.remove()
    return found


def test_each_person_sees_the_kinds_that_reach_them_with_their_defaults(client, people):
    mine = client.get(URL, headers=people["householder"][1].headers)
    assert mine.status_code == 200, mine.json
    by_kind = {item["kind"]: item for item in mine.json["kinds"]}
    assert {"match_proposed", "meeting_planned", "hours_to_confirm", "conversation_message"} <= set(by_kind)
    assert not {"urgent_concern", "enquiry_received", "email_verification", "hours_confirmed"} & set(by_kind)
    assert by_kind["meeting_planned"] == {"kind": "meeting_planned", "target": "meeting", "urgent": False,
                                          "changeable": True, "channels": {"push": True, "email": True, "sms": True}}
    assert by_kind["checkin_due"]["channels"] == {"push": True, "email": False, "sms": False}
    assert mine.json["quiet_hours"] is None
    staff = {item["kind"]: item for item in client.get(URL, headers=people["coordinator"][1].headers).json["kinds"]}
    assert staff["urgent_concern"]["changeable"] is False and staff["urgent_concern"]["urgent"] is True
    assert staff["urgent_concern"]["channels"] == {"push": True, "email": True, "sms": True}


def test_a_channel_turned_off_gets_no_delivery_and_the_same_change_again_changes_nothing(app, client, people,
                                                                                      channels):
    (householder, session), (sharer, _) = people["householder"], people["sharer"]
    change = {"kinds": [{"kind": "meeting_planned", "push": False}, {"kind": "checkin_due", "email": True}]}
    for _ in range(2):
        response = client.patch(URL, headers=session.headers, json=change)
        assert response.status_code == 200, response.json
    by_kind = {item["kind"]: item["channels"] for item in response.json["kinds"]}
    assert by_kind["meeting_planned"] == {"push": False, "email": True, "sms": True}
    assert by_kind["checkin_due"] == {"push": True, "email": True, "sms": False}
    assert stored(app) == (2, 0)
    send(app, kinds.MEETING_PLANNED, [householder, sharer], WINTER)
    assert set(deliveries(app, householder)) == {"log", "email"}
    assert set(deliveries(app, sharer)) == {"log", "email", "push"}


def test_notify_reads_everyone_s_choices_at_once(app, make, count_queries, channels):
    scheme = make.scheme()
    few = [make.ready("sharer", scheme) for _ in range(2)]
    many = [make.ready("sharer", scheme) for _ in range(6)]
    counts = []
    for group, event in ((few, "few"), (many, "many")):
        with app.app_context(), count_queries() as statements:
            notify([kinds.CHECKIN_DUE.message(uuid.UUID(p.id), event=event, title="T", body="B") for p in group])
            db.session.commit()
            db.session.remove()
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("change, field", [
    ({"kinds": [{"kind": "no_such_kind", "push": False}]}, "kinds.0.kind"),
    ({"kinds": [{"kind": "urgent_concern", "push": False}]}, "kinds.0.kind"),  # not one of a householder's
    ({"kinds": [{"kind": "email_verification", "email": False}]}, "kinds.0.kind"),  # account emails go by email
    ({"kinds": [{"kind": "checkin_due", "fax": True}]}, None),
    ({"kinds": [{"kind": "checkin_due", "push": False}, {"kind": "nope"}]}, "kinds.1.kind"),
    ({"quiet_hours": {"starts_at": "22:00", "ends_at": "22:00"}}, "quiet_hours.ends_at"),
    ({"quiet_hours": {"starts_at": "25:00", "ends_at": "07:00"}}, None),
])
def test_a_change_that_is_not_allowed_is_refused_and_nothing_is_stored(app, client, people, change, field):
    response = client.patch(URL, headers=people["householder"][1].headers, json=change)
    assert_problem(response, 422, "validation-error")
    if field:
        assert field in response.json["errors"]
    assert stored(app) == (0, 0)


def test_a_persons_choices_and_quiet_hours_are_in_their_export(client, people):
    session = people["sharer"][1]
    assert client.get("/api/v1/me/export", headers=session.headers).json["quiet_hours"] is None
    response = client.patch(URL, headers=session.headers, json={
        "kinds": [{"kind": "meeting_planned", "push": False}],
        "quiet_hours": {"starts_at": "22:00", "ends_at": "07:00"}})
    assert response.status_code == 200, response.json
    export = client.get("/api/v1/me/export", headers=session.headers).json
    assert export["notification_choices"] == [{"kind": "meeting_planned", "channel": "push", "enabled": False}]
    assert export["quiet_hours"] == {"starts_at": "22:00", "ends_at": "07:00"}


def test_urgent_safeguarding_alerts_cannot_be_turned_off(app, client, people):
    session = people["coordinator"][1]
    assert_problem(client.patch(URL, headers=session.headers,
                                json={"kinds": [{"kind": "urgent_concern", "sms": False}]}), 422, "validation-error")
    assert stored(app) == (0, 0)
    same = client.patch(URL, headers=session.headers, json={"kinds": [{"kind": "urgent_concern", "push": True}]})
    assert same.status_code == 200 and stored(app) == (0, 0)


def test_quiet_hours_delay_pushes_but_not_emails_nor_urgent_alerts(app, client, people, channels):
    (householder, session), (coordinator, staff) = people["householder"], people["coordinator"]
    for who in (session, staff):
        response = client.patch(URL, headers=who.headers, json={"quiet_hours": {"starts_at": "22:00",
                                                                                 "ends_at": "07:00"}})
        assert response.status_code == 200, response.json
    assert response.json["quiet_hours"] == {"starts_at": "22:00", "ends_at": "07:00"}
    send(app, kinds.MEETING_PLANNED, [householder], WINTER)
    found = deliveries(app, householder)
    assert found["email"] == WINTER and found["log"] == WINTER
    assert found["push"] == datetime(2027, 1, 13, 7, 0, tzinfo=timezone.utc)  # the end of the night, locally
    send(app, kinds.URGENT_CONCERN, [coordinator], WINTER)
    assert deliveries(app, coordinator)["push"] == WINTER
    # Cleared: pushed at once again.
    assert client.patch(URL, headers=session.headers, json={"quiet_hours": None}).json["quiet_hours"] is None
    assert stored(app) == (0, 1)


def test_quiet_hours_end_in_local_time_across_midnight_and_the_clock_change():
    london = ZoneInfo("Europe/London")
    night = (time(22, 0), time(7, 0))
    # The night the clocks go forward (28 March 2027, 01:00 UTC): 07:00 BST is 06:00 UTC.
    assert quiet_end(datetime(2027, 3, 27, 23, 0, tzinfo=timezone.utc), *night, london) == \
        datetime(2027, 3, 28, 6, 0, tzinfo=timezone.utc)
    assert quiet_end(datetime(2027, 3, 28, 3, 0, tzinfo=timezone.utc), *night, london) == \
        datetime(2027, 3, 28, 6, 0, tzinfo=timezone.utc)
    assert quiet_end(datetime(2027, 1, 12, 21, 59, tzinfo=timezone.utc), *night, london) is None
    assert quiet_end(datetime(2027, 1, 13, 7, 0, tzinfo=timezone.utc), *night, london) is None
    # Within one day: 13:00-15:00 local, in summer.
    assert quiet_end(datetime(2027, 7, 1, 12, 30, tzinfo=timezone.utc), time(13, 0), time(15, 0), london) == \
        datetime(2027, 7, 1, 14, 0, tzinfo=timezone.utc)
