"""The one authorisation gate: ``requires``.

Every view that needs a signed-in caller is wrapped by ``requires(*roles)``. In this order:

1. the token: a valid access token (or refresh token, with ``refresh=True``) whose session and
   account are still live (flask-jwt-extended's loaders in ``homeshare.accounts.tokens``);
2. the role: one of ``roles`` when any are given (403 otherwise);
3. the path: every object the path names (``scheme_id``, ``account_id``, ``person_id``,
   ``match_id``, ``concern_id``, ``enquiry_id``, ``conversation_id``) is loaded and checked once, before the
   request's body or query string is read, and handed to the view in place of its id
   (``match`` for ``match_id``). A caller
   outside their reach gets 404 whatever they send, so the API never confirms that another
   scheme's records exist;
4. the audit context: the request id, and for a coordinator's or admin's write what it is about,
   go on the database session the services use (``homeshare.common.db.AUDIT_CONTEXT``), so that
   auditing needs nothing from the request: when the session is made, if it is not yet (a view
   that reads nothing through the session makes none, ``homeshare.extensions.with_the_session``).

Each domain says how its objects are reached with a ``PathObject`` (``<domain>/access.py``); the
app factory hands them all to the gate (``register_path_objects``). Views do no checks of their own.
"""

from __future__ import annotations

import copy
import math
import operator
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any, Callable

import jwt as pyjwt
from flask import Flask, current_app, g, request
from flask_jwt_extended import get_current_user
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.exceptions import JWTDecodeError
from flask_jwt_extended.internal_utils import (
    custom_verification_for_token, verify_token_not_blocklisted, verify_token_type,
)
from flask_jwt_extended.view_decorators import _decode_jwt_from_headers, _load_user

from homeshare.common.db import AUDIT_CONTEXT, AuditContext
from homeshare.common.roles import STAFF_ROLES, Role
from homeshare.errors import Forbidden
from homeshare.extensions import PAST_THE_GATE, documents_bearer_auth, documents_errors, with_the_session

PATH_OBJECTS = "homeshare.path_objects"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class PathObject:
    """How an object named in a path is reached.

    ``reach(account, id)`` returns the object when ``account`` may reach it and raises
    ``NotFound`` otherwise (also when there is no such object). The view receives it as
    ``argument``. ``scheme_of(object)`` is the scheme it belongs to, for the audit trail. A
    ``scoped`` object is reached by representatives too, within the scope the view names:
    ``reach(account, id, scopes)``.
    """

    parameter: str
    argument: str
    reach: Callable[..., Any]
    scheme_of: Callable[[Any], Any] = lambda found: found.scheme_id
    scoped: bool = False


def register_path_objects(app: Flask, *objects: PathObject) -> None:
    app.extensions[PATH_OBJECTS] = {found.parameter: found for found in objects}


def requires(*roles: Role, refresh: bool = False, scopes: tuple[Any, ...] = ()):
    """Guard a view (see the module's docstring). With ``refresh=True`` the view takes a
    refresh token instead of an access token. ``scopes``: what a representative's consent
    must cover for them to reach the view's objects (any of them)."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            verify_token(refresh=refresh)
            account = current_account()
            if roles and account.role not in roles:
                raise Forbidden("Your role does not allow this.")
            kwargs, schemes = _reach_path_objects(account, kwargs, scopes)
            _set_audit_context(account, schemes)
            # Looked up now: the Blueprint may put its own checks in front of the view here.
            return current_app.ensure_sync(getattr(wrapper, PAST_THE_GATE))(*args, **kwargs)

        setattr(wrapper, PAST_THE_GATE, func)
        documents_bearer_auth(wrapper)
        documents_errors(*((401, 403) if roles else (401,)))(wrapper)
        return wrapper

    return decorator


def verify_token(refresh: bool = False) -> None:
    """flask-jwt-extended's ``verify_jwt_in_request`` for a token in the Authorization header,
    with the token parsed once: the library parses each token four times (twice unverified, to
    find its key and its header, twice verified), and PyJWT checks every character of it each
    time (about 0.1 ms a request). The same checks in the same order, the same exceptions (the
    library's error handlers answer them), and the same state on ``g``, for ``get_jwt`` and
    ``get_current_user``. A token that verified is not parsed again (``_verified``)."""
    if request.method in jwt_config.exempt_methods:
        return
    encoded, _csrf = _decode_jwt_from_headers()
    header, data = _verified(encoded)
    verify_token_type(data, refresh)
    verify_token_not_blocklisted(header, data)
    custom_verification_for_token(header, data)
    context = g._get_current_object()  # type: ignore[attr-defined]
    context._jwt_extended_jwt_user = _load_user(header, data)
    context._jwt_extended_jwt_header = header
    context._jwt_extended_jwt = data
    context._jwt_extended_jwt_location = "headers"


VERIFIED_TOKENS = "homeshare.verified_tokens"
VERIFIED_TOKENS_KEPT = 1024
_KEEPING = threading.Lock()  # held to add a token and drop the oldest; lookups take none


@dataclass(frozen=True)
class _Verified:
    """A token that verified under the configuration ``settings``: its header and claims, and the instants
    (seconds since the epoch) from which and until which its claims allow it."""

    settings: tuple
    header: dict
    data: dict
    valid_from: float
    valid_until: float


# What flask-jwt-extended works out the verification settings from (its config): a token kept
# under the same values of all of these verified under the same settings. Read in one call.
_VERIFICATION_CONFIG = operator.itemgetter(
    "JWT_ALGORITHM", "JWT_DECODE_ALGORITHMS", "JWT_SECRET_KEY", "SECRET_KEY", "JWT_PUBLIC_KEY",
    "JWT_DECODE_AUDIENCE", "JWT_DECODE_ISSUER", "JWT_DECODE_LEEWAY", "JWT_VERIFY_SUB", "JWT_IDENTITY_CLAIM",
)


def _verified(encoded: str) -> tuple[dict, dict]:
    """The header and claims of ``encoded``, verified (PyJWT: signature, expiry, audience,
    issuer). A client sends the same access token on every request until it expires, and
    verifying it cost about 50 µs each time (a twentieth of ``GET /me``'s CPU), so each process
    keeps the tokens that verified (``VERIFIED_TOKENS_KEPT`` at most, per app, about 2 KB each;
    past that the oldest are dropped, and verified again if they come back). The signature of
    the same text under the same settings cannot change: a token found there, kept under the
    same configuration (``_VERIFICATION_CONFIG``), has only its time checked again, against
    PyJWT's own bounds (``_kept_between``), and one outside them is verified afresh, for PyJWT to
    answer. Revocation, the session and the account are checked on every request after this,
    whether the token was found here or not."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    configured = _VERIFICATION_CONFIG(app.config)
    kept: dict[str, _Verified] = app.extensions.setdefault(VERIFIED_TOKENS, {})
    found = kept.get(encoded)
    if found is not None and found.settings == configured and found.valid_from <= time.time() < found.valid_until:
        return dict(found.header), dict(found.data)
    # Copied (a list changed in place later must not change what a token is kept under), and
    # read before the settings are worked out from it: a token is kept only if the configuration
    # is the same once it verified (not if it changed meanwhile, or the library completed a list
    # in it: the next request keeps it then).
    configured = copy.deepcopy(configured)
    settings = {"key": jwt_config.decode_key, "algorithms": jwt_config.decode_algorithms,
                "audience": jwt_config.decode_audience, "issuer": jwt_config.decode_issuer,
                "leeway": jwt_config.leeway}
    # An audience is checked when one is configured (JWT_DECODE_AUDIENCE), as the library does.
    options = {"verify_aud": jwt_config.decode_audience is not None, "verify_sub": jwt_config.verify_sub}
    try:
        decoded = pyjwt.decode_complete(encoded, options=options, **settings)
    except pyjwt.ExpiredSignatureError as error:
        # The answer to an expired token says whether it was a refresh token.
        expired = pyjwt.decode_complete(encoded, options={**options, "verify_exp": False}, **settings)
        error.jwt_header, error.jwt_data = expired["header"], _with_defaults(expired["payload"])  # type: ignore[attr-defined]
        raise
    header, data = decoded["header"], _with_defaults(decoded["payload"])
    bounds = _kept_between(header, data, settings["leeway"])
    if bounds is not None and bounds[0] <= time.time() < bounds[1] and _VERIFICATION_CONFIG(app.config) == configured:
        with _KEEPING:
            kept.pop(encoded, None)
            while kept and len(kept) >= VERIFIED_TOKENS_KEPT:
                kept.pop(next(iter(kept)))  # the oldest
            kept[encoded] = _Verified(configured, dict(header), dict(data), *bounds)
    return header, data


_PLAIN = (str, int, float, bool, type(None))


def _kept_between(header: dict, claims: dict, leeway: float | timedelta) -> tuple[float, float] | None:
    """The instants (seconds since the epoch) between which PyJWT accepts a token it verified
    once: from its ``nbf`` and ``iat`` less the leeway, until its ``exp`` plus the leeway (a
    negative leeway ends tokens early). None for a token not to keep: one without an expiry, or
    whose header or claims hold anything but plain values (a copy of each is handed to every
    request, and no request may change what another reads)."""
    if "exp" not in claims or not all(isinstance(value, _PLAIN) for value in (*header.values(), *claims.values())):
        return None
    slack = leeway.total_seconds() if isinstance(leeway, timedelta) else float(leeway)
    since = max((int(claims[name]) for name in ("nbf", "iat") if name in claims), default=None)
    return (-math.inf if since is None else since - slack), int(claims["exp"]) + slack



def _with_defaults(data: dict) -> dict:
    """The claims as flask-jwt-extended completes them."""
    if jwt_config.identity_claim_key not in data:
        raise JWTDecodeError(f"Missing claim: {jwt_config.identity_claim_key}")
    data.setdefault("type", "access")
    data.setdefault("fresh", False)
    data.setdefault("jti", None)
    return data


def current_account():
    """The signed-in account itself (not a proxy to it, which would look it up again on
    every attribute read: fifteen times to serialise an account). In a request that changes
    nothing (GET, HEAD) it is a plain row with the account's fields (``SignedInAccount``); in
    one that may change data, the ORM object (``homeshare.accounts.tokens``)."""
    return get_current_user()


def _reach_path_objects(account, view_args: dict[str, Any], scopes: tuple[Any, ...]) -> tuple[dict[str, Any], list[Any]]:
    """The view's arguments, with each path object in place of its id; and the schemes of those."""
    objects = current_app.extensions[PATH_OBJECTS]
    arguments: dict[str, Any] = {}
    schemes: list[Any] = []
    for name, value in view_args.items():
        path_object = objects.get(name)
        if path_object is None:
            arguments[name] = value
        else:
            found = (path_object.reach(account, value, scopes) if path_object.scoped
                     else path_object.reach(account, value))
            arguments[path_object.argument] = found
            schemes.append(path_object.scheme_of(found))
    return arguments, schemes


def _set_audit_context(account, schemes: list[Any]) -> None:
    """What the audit trail files this request's writes under, given to the request's session
    when it is made (a read that makes none, ``GET /me``, works none of it out)."""
    with_the_session(lambda session: session.info.__setitem__(AUDIT_CONTEXT, _audit_context(account, schemes)))


def _audit_context(account, schemes: list[Any]) -> AuditContext:
    current = request._get_current_object()  # type: ignore[attr-defined]
    staff_write = account.role in STAFF_ROLES and current.method in WRITE_METHODS
    # An admin belongs to no scheme: the audit trail files the write under the one it is about.
    scheme_id = account.scheme_id or next((scheme for scheme in schemes if scheme is not None), None)
    return AuditContext(
        request_id=g.get("request_id"),
        staff_write=staff_write,
        actor_id=account.id,
        scheme_id=scheme_id,
        action=f"{current.method} {current.endpoint}"[:60],
        target_id=",".join(str(value) for value in (current.view_args or {}).values())[:80] or "-",
    )
