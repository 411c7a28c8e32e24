"""The outbox as the channel tests drive it: a notification stored at a moment, the scheduler's
delivery pass, and the one delivery on a channel as it stands."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.notifications import service as notifications
from homeshare.notifications.models import Delivery


def stored(app, account_id: str, *, kind: str, title: str, body: str, key: str, data, now: datetime) -> None:
    with app.app_context():
        notifications.notify([notifications.Message(uuid.UUID(account_id), kind, title, body, key, data)], now=now)
        db.session.commit()
        db.session.remove()


def deliver(app, now: datetime) -> int:
    with app.app_context():
        sent = notifications.deliver_due(now=now)
        db.session.remove()
    return sent


def delivery_on(app, channel: str) -> Delivery:
    with app.app_context():
        row = db.session.scalars(sa.select(Delivery).where(Delivery.channel == channel)).one()
        db.session.expunge(row)
        db.session.remove()
    return row
