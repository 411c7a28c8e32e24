"""Notification kinds: each declared once, with the screen the app opens for it."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.notifications import kinds
from homeshare.notifications.models import Notification
from homeshare.notifications.service import Message, notify
from tests.matchdesk import Desk

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)


def test_a_kind_never_declared_is_refused_and_nothing_is_stored(app, make):
    person = make.ready("householder", make.scheme())
    with app.app_context():
        with pytest.raises(ValueError, match="never declared"):
            notify([Message(uuid.UUID(person.id), "checkin_due", "Hi", "Body", "ok:1"),
                    Message(uuid.UUID(person.id), "no_such_kind", "Hi", "Body", "bad:1")])
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
        db.session.remove()


def test_a_kind_is_declared_once_and_names_a_known_screen():
    with pytest.raises(ValueError, match="declared twice"):
        kinds.declare("checkin_due", target="checkin", audience="householder, sharer")
    with pytest.raises(ValueError):
        kinds.declare("never_used", target="nowhere", audience="nobody")
    assert "never_used" not in kinds.declared()
    assert kinds.CONVERSATION_MESSAGE.target_of({"conversation_id": "c1"}) == {"type": "conversation", "id": "c1"}
    assert kinds.URGENT_CONCERN.urgent and not kinds.CHECKIN_DUE.urgent


def test_a_declaration_keys_each_message_by_event_and_recipient():
    person = uuid.uuid4()
    message = kinds.MEETING_PLANNED.message(person, event="meeting:m:planned:0", title="T", body="B",
                                            data={"meeting_id": "m"})
    assert (message.kind, message.dedupe_key) == ("meeting_planned", f"meeting:m:planned:0:{person}")
    # The first per-match reminder kept its key without the recipient: nothing is sent twice after an upgrade.
    assert kinds.HOURS_MISSING.message(person, event="hours:x:2027-01-04", title="T", body="B").dedupe_key == \
        "hours:x:2027-01-04"
    assert kinds.HOURS_OVER_AGREED.target_of({"match_id": "x", "week_start": "2027-01-04"}) == \
        {"type": "hours-week", "id": "x:2027-01-04"}


def test_the_inbox_gives_the_screen_each_notification_opens(client, make, clock):
    clock.set(NOW)
    desk = Desk(client, make, make.scheme())
    desk.to_introduction()
    response = client.post(f"/api/v1/matches/{desk.match_id}/meetings", headers=desk.coordinator.headers, json={
        "kind": "visit", "starts_at": "2027-01-12T14:00:00", "ends_at": "2027-01-12T16:00:00",
        "place": "The householder's home", "coordinator_attends": True})
    assert response.status_code == 201, response.json
    items = client.get("/api/v1/me/notifications", headers=desk.sharer.headers).json["items"]
    planned = [item for item in items if item["kind"] == "meeting_planned"]
    assert [item["target"] for item in planned] == [{"type": "meeting", "id": response.json["id"]}]
    assert all("target" in item for item in items)
