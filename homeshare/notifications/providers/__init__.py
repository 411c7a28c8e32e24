"""Delivery providers: ``log`` (always), ``email`` over SMTP, ``push`` through Firebase Cloud
Messaging or a webhook gateway (one of them: settings refuse both), and ``sms`` through Twilio,
each used when configured.

A provider returns an ``Outcome`` (or nothing) when done, and raises to signal a failure: a
``Failure`` says how (wait at least ``retry_after`` seconds; ``final``: do not retry), any other
error is retried with the outbox's backoff."""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from email.message import EmailMessage
from typing import Any, Mapping, Sequence
from urllib.parse import urlparse

from homeshare.notifications.providers import fcm, sms
from homeshare.notifications.providers.outcomes import Failure, Outcome

__all__ = ["Failure", "Outcome", "channels", "send"]

log = logging.getLogger("homeshare.notifications")


def channels(config: Mapping[str, Any]) -> list[str]:
    found = ["log"]
    if config.get("HOMESHARE_SMTP_URL"):
        found.append("email")
    if config.get("HOMESHARE_FCM_PROJECT_ID") or config.get("HOMESHARE_PUSH_WEBHOOK_URL"):
        found.append("push")
    if config.get("HOMESHARE_TWILIO_ACCOUNT_SID"):
        found.append("sms")
    return found


def send(channel: str, config: Mapping[str, Any], *, delivery_id, notification, account,
         devices: Sequence, phone: str | None = None) -> Outcome | None:
    """Send one delivery. ``devices``: the account's phones (push); ``phone``: its profile's
    phone number (sms)."""
    if channel == "log":
        # Ids and kinds only: titles and bodies may name people.
        log.info("notification %s (%s) for account %s", notification.id, notification.kind, account.id)
    elif channel == "email":
        _email(config, delivery_id, notification, account)
    elif channel == "push" and config.get("HOMESHARE_FCM_PROJECT_ID"):
        return fcm.send(config, delivery_id, notification, devices)
    elif channel == "push":
        _push(config, delivery_id, notification, devices)
    elif channel == "sms":
        return sms.send(config, notification, account, phone)
    else:
        raise ValueError(f"unknown channel {channel}")


def _email(config, delivery_id, notification, account) -> None:
    address = notification.to_address or account.email
    if address is None:
        return  # a person without a login has no address, unless invited at one: their coordinator tells them
    url = urlparse(config["HOMESHARE_SMTP_URL"])
    message = EmailMessage()
    message["From"] = config["HOMESHARE_MAIL_FROM"]
    message["To"] = address
    message["Subject"] = notification.title
    message["Message-ID"] = f"<{delivery_id}@homeshare>"
    message.set_content(notification.body)
    with smtplib.SMTP(url.hostname, url.port or 25, timeout=10) as smtp:
        if url.username:
            smtp.login(url.username, url.password or "")
        smtp.send_message(message)


def _push(config, delivery_id, notification, devices) -> None:
    if not devices:
        return  # nobody to push to: nothing left to do
    payload = {
        "notification_id": str(notification.id), "kind": notification.kind, "title": notification.title,
        "body": notification.body, "data": notification.data,
        "devices": [{"platform": d.platform.value, "token": d.token} for d in devices],
    }
    request = urllib.request.Request(
        config["HOMESHARE_PUSH_WEBHOOK_URL"], data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": str(delivery_id)},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (configured URL)
        if response.status >= 300:
            raise RuntimeError(f"push gateway answered {response.status}")
