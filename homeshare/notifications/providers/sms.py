"""Text messages through Twilio's Messages API, for people without a smartphone.

Only to a person who said yes (``account.sms_opt_in``) and whose profile phone is a valid
mobile number (UK numbers without their country code); anyone else's delivery is done with
nothing sent, and why is recorded on it. A text is the notification's title and body, cut to
one segment (``SEGMENT_GSM7`` characters of the GSM alphabet, or ``SEGMENT_UCS2`` when a
character is outside it): never the notification's data, and so never a person's address.

Twilio's answers: 429 and 5xx (or no answer) are retried, no sooner than ``Retry-After``; 401
and 403 (the account's credentials) are logged as an error and retried; any other 4xx (21211,
a number Twilio will not text; 21610, a person who replied STOP) is not retried. Twilio takes
no idempotency key: a scheduler that dies while a text is in flight may send it twice.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping

from homeshare.common.phones import e164
from homeshare.notifications.providers.outcomes import Failure, Outcome, retry_after

log = logging.getLogger("homeshare.notifications")

SEGMENT_GSM7 = 160  # one SMS segment of the GSM 03.38 alphabet
SEGMENT_UCS2 = 70  # one segment once any character is outside it (UTF-16 code units)
TIMEOUT_SECONDS = 10

# GSM 03.38: the basic alphabet (one septet each) and its extension (two septets each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def mobile_number(phone: str | None) -> str | None:
    """The number as E.164 (``+447700900123``) when it is a valid mobile number, else None."""
    return e164(phone, mobile_only=True)


def text(title: str, body: str) -> str:
    """Title and body in one segment: cut with an ellipsis where they do not fit."""
    whole = " ".join(f"{title}: {body}".split()) if body else " ".join(title.split())
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in whole):
        return _cut(whole, SEGMENT_GSM7, "...", lambda c: 2 if c in GSM7_EXTENSION else 1)
    return _cut(whole, SEGMENT_UCS2, "…", lambda c: 2 if ord(c) > 0xFFFF else 1)


def _cut(whole: str, limit: int, ellipsis: str, cost) -> str:
    if sum(cost(c) for c in whole) <= limit:
        return whole
    room, kept = limit - sum(cost(c) for c in ellipsis), []
    for c in whole:
        room -= cost(c)
        if room < 0:
            break
        kept.append(c)
    return "".join(kept).rstrip() + ellipsis


def send(config: Mapping[str, Any], notification, account, phone: str | None) -> Outcome:
    if not account.sms_opt_in:
        return Outcome()  # they did not ask for texts
    number = mobile_number(phone)
    if number is None:
        log.info("no text for account %s: no mobile number in their profile", account.id)
        return Outcome(note="not sent: the profile has no valid mobile number")
    sid, sender = config["HOMESHARE_TWILIO_ACCOUNT_SID"], config["HOMESHARE_TWILIO_FROM"]
    form = {"To": number, "Body": text(notification.title, notification.body)}
    form["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
    credentials = base64.b64encode(f"{sid}:{config['HOMESHARE_TWILIO_AUTH_TOKEN']}".encode()).decode()
    request = urllib.request.Request(
        f"{config['HOMESHARE_TWILIO_BASE_URL'].rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
        data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {credentials}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310 (configured URL)
            return Outcome()
    except urllib.error.HTTPError as answer:
        status, wait, code = answer.code, retry_after(answer.headers.get("Retry-After")), _error_code(answer)
    except OSError as error:  # no answer: refused, reset, timed out
        raise Failure(f"Twilio unreachable: {error.__class__.__name__}") from None
    if status in (401, 403):
        log.error("Twilio refused the credentials (%s, code %s): check the account SID and auth token", status, code)
        raise Failure(f"Twilio answered {status} (code {code})")
    if status == 429 or status >= 500:
        raise Failure(f"Twilio answered {status} (code {code})", retry_after=wait)
    raise Failure(f"Twilio answered {status} (code {code})", final=True)


def _error_code(answer: urllib.error.HTTPError) -> str:
    """Twilio's error code (21211...), or empty."""
    try:
        return str(json.loads(answer.read().decode("utf-8", "replace")).get("code") or "")
    except (OSError, ValueError, AttributeError):
        return ""
