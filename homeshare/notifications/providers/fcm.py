"""Push through Firebase Cloud Messaging's HTTP v1 API: one request per device token.

The service account's OAuth2 access token is kept (per process, per credentials file) until
shortly before it expires (google-auth refreshes it a few minutes early), so a batch of sends
fetches at most one. FCM's answers, per its documented error codes:

- ``UNREGISTERED`` (404), or ``INVALID_ARGUMENT`` (400) about the token: the app was removed or
  the token is not one; the device is forgotten, and the delivery is not failed for it;
- ``QUOTA_EXCEEDED`` (429), ``UNAVAILABLE`` (503), ``INTERNAL`` (500) and any other 5xx, or no
  answer: retried, no sooner than the ``Retry-After`` FCM gives;
- 401 and 403 (the credentials, or a project that is not ours): logged as an error and retried;
- any other 400 (a message FCM refuses): not retried.

A retry sends to every device again, those reached included: each message collapses on its
notification's id (``collapse_key`` and tag on Android, ``apns-collapse-id`` on iOS), so a
repeat replaces the one shown rather than adding another, and carries the delivery's id in
``data`` for an app that wants to drop repeats.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from homeshare.notifications.models import URGENT_KINDS
from homeshare.notifications.providers.outcomes import Failure, Outcome, retry_after

if TYPE_CHECKING:
    from google.oauth2 import service_account

log = logging.getLogger("homeshare.notifications")

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
# FCM refuses messages over 4 KB: the inbox holds the whole body, the push a glimpse of it.
PUSH_BODY_LIMIT = 1000
GONE_CODES = frozenset({"UNREGISTERED"})
TIMEOUT_SECONDS = 10

_credentials: dict[str, service_account.Credentials] = {}
_credentials_lock = threading.Lock()


def access_token(config: Mapping[str, Any]) -> str:
    """A valid access token for the configured service account, fetched only when the kept one
    is missing or about to expire."""
    # Imported here: google-auth is for the process that sends (the scheduler), not every API worker.
    import google.auth.transport.requests
    from google.oauth2 import service_account

    path = config["HOMESHARE_FCM_CREDENTIALS_FILE"]
    with _credentials_lock:
        credentials = _credentials.get(path)
        if credentials is None:
            credentials = service_account.Credentials.from_service_account_file(path, scopes=[SCOPE])
            _credentials[path] = credentials
        if not credentials.valid:
            credentials.refresh(google.auth.transport.requests.Request())
        return credentials.token


def forget_token(config: Mapping[str, Any]) -> None:
    """Drop the kept token (FCM refused it): the next send fetches another."""
    with _credentials_lock:
        _credentials.pop(config["HOMESHARE_FCM_CREDENTIALS_FILE"], None)


def message(notification, device_token: str, delivery_id) -> dict[str, Any]:
    """The FCM v1 ``message`` for one device."""
    collapse = str(notification.id)
    urgent = notification.kind in URGENT_KINDS
    body = notification.body if len(notification.body) <= PUSH_BODY_LIMIT else \
        notification.body[:PUSH_BODY_LIMIT - 1] + "…"
    data = {str(key): _text(value) for key, value in (notification.data or {}).items()}
    data.update(kind=notification.kind, notification_id=collapse, delivery_id=str(delivery_id))
    return {
        "token": device_token,
        "notification": {"title": notification.title, "body": body},
        "data": data,
        "android": {"priority": "high" if urgent else "normal", "collapse_key": collapse,
                    "notification": {"tag": collapse}},
        "apns": {"headers": {"apns-priority": "10" if urgent else "5", "apns-collapse-id": collapse},
                 "payload": {"aps": {"sound": "default"}}},
    }


def _text(value: Any) -> str:
    """FCM's ``data`` holds strings only."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def send(config: Mapping[str, Any], delivery_id, notification, devices: Sequence) -> Outcome:
    if not devices:
        return Outcome()  # nobody to push to: nothing left to do
    from google.auth.exceptions import GoogleAuthError

    try:
        token = access_token(config)
    except (GoogleAuthError, OSError, ValueError) as error:
        log.error("FCM: no access token from the service account: %s", error.__class__.__name__)
        raise Failure(f"no FCM access token: {error.__class__.__name__}: {error}") from None
    url = f"{config['HOMESHARE_FCM_ENDPOINT'].rstrip('/')}/v1/projects/{config['HOMESHARE_FCM_PROJECT_ID']}/messages:send"
    gone: list[str] = []
    retry: list[Failure] = []
    refused: list[Failure] = []
    for device in devices:
        try:
            _post(url, token, {"message": message(notification, device.token, delivery_id)}, config)
        except _Gone:
            gone.append(device.token)
        except Failure as failure:
            (refused if failure.final else retry).append(failure)
            if failure.retry_after is not None and not failure.final:
                break  # FCM asked us to slow down: the rest wait for the retry too
    if retry:
        waits = [f.retry_after for f in retry if f.retry_after is not None]
        raise Failure("; ".join(str(f) for f in retry), retry_after=max(waits) if waits else None, gone=tuple(gone))
    if refused:
        raise Failure("; ".join(str(f) for f in refused), final=True, gone=tuple(gone))
    return Outcome(gone=tuple(gone))


class _Gone(Exception):
    """FCM no longer knows the token."""


def _post(url: str, token: str, body: dict[str, Any], config: Mapping[str, Any]) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310 (configured URL)
            return
    except urllib.error.HTTPError as answer:
        status, wait = answer.code, retry_after(answer.headers.get("Retry-After"))
        code, text = _error_code(answer)
    except OSError as error:  # no answer: refused, reset, timed out
        raise Failure(f"FCM unreachable: {error.__class__.__name__}") from None
    if status == 404 and code in GONE_CODES or status == 400 and _about_the_token(code, text):
        raise _Gone()
    if status in (401, 403):
        log.error("FCM refused the credentials (%s %s): check the service account and project", status, code)
        if status == 401:
            forget_token(config)  # the next attempt signs in afresh
        raise Failure(f"FCM answered {status} {code}")
    if status == 429 or status >= 500:
        raise Failure(f"FCM answered {status} {code}", retry_after=wait)
    raise Failure(f"FCM answered {status} {code}: {text[:200]}", final=True)


def _error_code(answer: urllib.error.HTTPError) -> tuple[str, str]:
    """FCM's ``errorCode`` (else the status) and the error as text."""
    try:
        text = answer.read().decode("utf-8", "replace")
        error = json.loads(text).get("error", {})
    except (OSError, ValueError, AttributeError):
        return "", ""
    if not isinstance(error, dict):
        return "", text
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"]), text
    return str(error.get("status") or ""), text


def _about_the_token(code: str, text: str) -> bool:
    """A 400 ``INVALID_ARGUMENT`` that names the registration token (its field violation is
    ``message.token``, or its message speaks of the token), not one about the message itself."""
    return code == "INVALID_ARGUMENT" and ("message.token" in text or "registration token" in text.lower())
