"""Throttling sign-in, registration and password resets, and locking sign-in after repeated failures.

flask-limiter counts requests in the storage named by ``HOMESHARE_RATELIMIT_STORAGE_URI``:
the process's memory by default (enough for one process), Redis when several processes
must share the counts (``redis://host:6379/0``). Two kinds of limit apply:

- **throttles**, by flask-limiter on the views: attempts per client address, and per
  account (the email in the body, whether or not such an account exists); a request for a
  password-reset code counts like a registration, a reset with the code like a sign-in;
- **lockout**: each sign-in for an email is counted before its password is checked; after
  ``HOMESHARE_LOCKOUT_FAILURES`` of them within ``HOMESHARE_LOCKOUT_MINUTES``, sign-in for
  that email is refused, even with the right password, until the oldest attempt is that
  old. A successful sign-in, a password reset by email or an access reset by a
  coordinator clears the count;
- **failed invitation claims**: a claim names no account until its code is found, so a code
  that matches no invitation is counted per client address; after
  ``HOMESHARE_LOCKOUT_FAILURES`` of them within ``HOMESHARE_LOCKOUT_MINUTES`` that address's
  claims are refused unchecked. With 60 bits a code, this bounds guessing far below any
  chance of a hit; a guesser with many addresses is held by the same arithmetic.

The scheme website's enquiry form is throttled the same way: per client address, and per
sender (the contact in the body, normalised: ``normalise_contact``).

Both answer 429 in the error shape with ``Retry-After``. Emails and contacts never reach the
storage: keys hold a keyed hash of them. When the storage does not answer, requests go through
(with an error in the log) rather than locking everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

import limits
from flask import Flask, current_app, request
from flask.globals import request_ctx
from flask_limiter import Limiter

from homeshare.accounts.emails import normalise_email
from homeshare.errors import ApiError

log = logging.getLogger("homeshare.throttling")

EXTENSION_KEY = "homeshare.limiter"
STORAGE_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
LOCKOUT_NAMESPACE = "sign-in-failures"
# The views throttled, with the setting holding their per-address limit.
THROTTLED_VIEWS = {
    "auth.Login": "HOMESHARE_LOGIN_RATE_LIMIT",
    "auth.Register": "HOMESHARE_REGISTER_RATE_LIMIT",
    "auth.PasswordReset": "HOMESHARE_REGISTER_RATE_LIMIT",
    "auth.PasswordResetConfirmation": "HOMESHARE_LOGIN_RATE_LIMIT",
    "auth.ClaimInvitation": "HOMESHARE_LOGIN_RATE_LIMIT",
    "enquiries.PublicEnquiries": "HOMESHARE_ENQUIRY_RATE_LIMIT",
}
# Views counted per sender by another field than the email, with the setting holding that
# limit (the others are counted per email with HOMESHARE_ACCOUNT_RATE_LIMIT).
PER_SENDER = {
    "enquiries.PublicEnquiries": ("contact", "HOMESHARE_ENQUIRY_CONTACT_RATE_LIMIT"),
}
CLAIM_FAILURES_NAMESPACE = "invitation-claim-failures"
# Where flask-limiter keeps its state for a request it looked at (on the request context).
LIMITER_STATE = "_limiter_request_context"


class TooManyAttempts(ApiError):
    status = 429
    kind = "sign-in-locked"

    def __init__(self, retry_after: int):
        super().__init__(
            "Too many failed sign-ins for this email. Wait before trying again, "
            "or ask your coordinator to reset your access.",
            headers={"Retry-After": str(retry_after)},
        )


def client_address() -> str:
    """The client's address (made trustworthy behind proxies by ``HOMESHARE_TRUSTED_PROXIES``)."""
    return request.remote_addr or "unknown"


def _email_in_body() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return _account_key(email if isinstance(email, str) else "")


def normalise_contact(contact: str) -> str:
    """A phone number or an email as the same person types it in different ways: no case, no
    spaces, dashes, dots or brackets."""
    return "".join(ch for ch in contact.casefold() if not ch.isspace() and ch not in "-().")


def _contact_in_body() -> str:
    """A keyed hash of the normalised contact in the body: counts per sender without storing it."""
    body = request.get_json(silent=True)
    contact = body.get("contact") if isinstance(body, dict) else None
    secret = current_app.config["SECRET_KEY"].encode()
    text = normalise_contact(contact if isinstance(contact, str) else "")
    return "contact:" + hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:32]


_SENDER_KEYS = {"contact": _contact_in_body}


def _account_key(email: str) -> str:
    """A keyed hash of the normalised email: counts per account without storing emails."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()
    return "account:" + digest[:32]


def init_throttling(app: Flask) -> None:
    """Make the app's limiter and put its limits on the sign-in and registration views.

    Call after the blueprints are registered. Each app has its own limiter (and so its
    own storage connection), like its own ``Api``.
    """
    limiter = Limiter(
        key_func=client_address,
        app=app,
        storage_uri=app.config["HOMESHARE_RATELIMIT_STORAGE_URI"],
        strategy="moving-window",
        # A Redis that does not answer must not hold requests for the kernel's connect timeout.
        storage_options=STORAGE_TIMEOUTS if app.config["HOMESHARE_RATELIMIT_STORAGE_URI"].startswith("redis") else {},
        key_prefix="homeshare",
        headers_enabled=True,
        swallow_errors=True,
        enabled=app.config.get("RATELIMIT_ENABLED", True),
    )
    app.extensions[EXTENSION_KEY] = limiter
    _only_on_throttled_views(app, limiter)
    per_account = app.config["HOMESHARE_ACCOUNT_RATE_LIMIT"]
    for endpoint, setting in THROTTLED_VIEWS.items():
        view = app.view_functions[endpoint]
        view = limiter.limit(app.config[setting], key_func=client_address)(view)
        if endpoint in PER_SENDER:
            field, sender_setting = PER_SENDER[endpoint]
            view = limiter.limit(app.config[sender_setting], key_func=_SENDER_KEYS[field], scope=endpoint)(view)
        else:
            view = limiter.limit(per_account, key_func=_email_in_body, scope=endpoint)(view)
        app.view_functions[endpoint] = view


def _only_on_throttled_views(app: Flask, limiter: Limiter) -> None:
    """Take the limiter off the path of the requests it does not throttle.

    ``init_app`` hooks the limiter into every request: a check before it (which finds no limit
    for an unthrottled view, having looked), the rate-limit headers after it, and a reset of
    its per-request state. Only the views above are throttled, and their decorators check
    their limits themselves. So the check before the request goes, and the other two run
    only for a request the limiter looked at (it keeps its state on the request context):
    about 0.075 ms less for every other request."""
    if not limiter.initialized:  # throttling off: no hooks were added
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    after, teardown = app.after_request_funcs[None], app.teardown_request_funcs[None]
    headers = next(hook for hook in after if getattr(hook, "args", None) == (limiter,))
    release = limiter._Limiter__release_context

    def add_headers(response):
        return headers(response) if hasattr(request_ctx, LIMITER_STATE) else response

    def release_state(error=None):
        if hasattr(request_ctx, LIMITER_STATE):
            release(error)

    after[after.index(headers)] = add_headers
    teardown[teardown.index(release)] = release_state


def _lockout(operation: str, email: str, failing: str):
    """Run ``operation`` of the limiter's strategy on this email's failures; None when
    throttling is off or the storage does not answer (then sign-in goes on: ``failing``
    says what was not done, in the log)."""
    limiter = current_app.extensions[EXTENSION_KEY]
    if not limiter.enabled:
        return None
    config = current_app.config
    item = limits.RateLimitItemPerMinute(config["HOMESHARE_LOCKOUT_FAILURES"], config["HOMESHARE_LOCKOUT_MINUTES"])
    try:
        return getattr(limiter.limiter, operation)(item, "homeshare", LOCKOUT_NAMESPACE, _account_key(email))
    except Exception:  # the storage is down: do not lock everyone out
        log.exception("rate-limit storage unavailable; %s", failing)
        return None


def count_attempt(email: str) -> None:
    """Count a sign-in attempt for this email, or refuse it (429) when the window is full.

    The count is taken before the password is checked, in one atomic step of the storage
    (a Lua script on Redis), so that attempts sent at once, to any number of processes,
    cannot all be checked before the first failure is counted: at most
    ``HOMESHARE_LOCKOUT_FAILURES`` passwords are checked in the window. A successful
    sign-in clears the count (``clear_failures``)."""
    counted = _lockout("hit", email, "sign-in attempt not counted")
    if counted is False:
        window = _lockout("get_window_stats", email, "sign-in lockout window not read")
        reset = window.reset_time if window is not None else time.time() + 60
        raise TooManyAttempts(retry_after=max(1, math.ceil(reset - time.time())))


def clear_failures(email: str) -> None:
    _lockout("clear", email, "sign-in failures not cleared")


class TooManyFailedClaims(ApiError):
    status = 429
    kind = "invitation-claims-locked"

    def __init__(self, retry_after: int):
        super().__init__(
            "Too many invitation codes that were not right were sent from here. Wait before trying "
            "again, and check the code with your coordinator.",
            headers={"Retry-After": str(retry_after)},
        )


def _claim_failures(operation: str, address: str, failing: str):
    limiter = current_app.extensions[EXTENSION_KEY]
    if not limiter.enabled:
        return None
    config = current_app.config
    item = limits.RateLimitItemPerMinute(config["HOMESHARE_LOCKOUT_FAILURES"], config["HOMESHARE_LOCKOUT_MINUTES"])
    try:
        return getattr(limiter.limiter, operation)(item, "homeshare", CLAIM_FAILURES_NAMESPACE, "address:" + address)
    except Exception:  # the storage is down: do not lock everyone out
        log.exception("rate-limit storage unavailable; %s", failing)
        return None


def refuse_claims_after_failures(address: str) -> None:
    """Refuse (429) an invitation claim from ``address`` when its failed claims fill the window.

    Only claims whose code matched no invitation are counted (``count_failed_claim``): a
    person who claims, or repeats their claim, is never held up by it. Claims sent at once
    may pass this check together, each then counted: the per-address throttle on the view
    bounds how many."""
    if _claim_failures("test", address, "failed claims not checked") is False:
        window = _claim_failures("get_window_stats", address, "failed claims window not read")
        reset = window.reset_time if window is not None else time.time() + 60
        raise TooManyFailedClaims(retry_after=max(1, math.ceil(reset - time.time())))


def count_failed_claim(address: str) -> None:
    """Count a claim from ``address`` whose code matched no invitation."""
    _claim_failures("hit", address, "failed claim not counted")
