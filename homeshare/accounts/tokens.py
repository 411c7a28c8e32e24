"""JWT wiring: token contents, the per-request account check, and error bodies.

Access tokens carry ``sub`` (account id), ``sid`` (the session), ``role`` and ``scheme``.
Role and scheme are for the client's convenience only: every request loads the account
and its session in one statement and refuses the token when the session was revoked,
has expired, or the account was deactivated. A request that changes nothing (GET, HEAD) reads
the account as a plain row (``SignedInAccount``); one that may change data gets the ORM object.
"""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from typing import Any, Sequence

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_jwt_extended import create_access_token, create_refresh_token

from homeshare.accounts.models import SIGNED_IN_COLUMNS, Account, AuthSession, SignedInAccount
from homeshare.common.clock import utcnow
from homeshare.common.db import keep_loaded
from homeshare.errors import problem_response
from homeshare.extensions import SAFE_METHODS, db, jwt, reading_connection
from homeshare.schemes.models import Scheme


def configure_jwt(app: Flask) -> None:
    app.config.update(
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ALGORITHM="HS256",
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=app.config["HOMESHARE_ACCESS_TOKEN_MINUTES"]),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(days=app.config["HOMESHARE_REFRESH_TOKEN_DAYS"]),
        JWT_ERROR_MESSAGE_KEY="detail",
    )
    jwt.init_app(app)


def issue_tokens(account: Account, *, session_id: uuid.UUID, refresh_jti: str) -> dict[str, Any]:
    """A new access token and the session's current refresh token."""
    claims = {"sid": str(session_id), "role": account.role.value,
              "scheme": str(account.scheme_id) if account.scheme_id else None}
    access = create_access_token(identity=str(account.id), additional_claims=claims)
    refresh = create_refresh_token(
        identity=str(account.id), additional_claims={"sid": str(session_id), "jti": refresh_jti}
    )
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": jwt_settings_seconds("JWT_ACCESS_TOKEN_EXPIRES"),
        "refresh_expires_in": jwt_settings_seconds("JWT_REFRESH_TOKEN_EXPIRES"),
    }


def jwt_settings_seconds(key: str) -> int:
    return int(current_app.config[key].total_seconds())


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _live_session_of(statement: sa.Select) -> sa.Select:
    return statement.join(AuthSession, AuthSession.account_id == Account.id).where(
        Account.id == sa.bindparam("account_id"),
        AuthSession.id == sa.bindparam("session_id"),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > sa.bindparam("now"),
        Account.is_active.is_(True),
    )


@functools.cache
def _live_account() -> sa.Select:
    """The account of a live session. Built once, with bound parameters: every request runs
    it, and building it anew (and its cache key) cost about 0.4 ms a request."""
    return _live_session_of(sa.select(Account))


@functools.cache
def _live_account_row() -> sa.Select:
    """The same, as the plain row of a ``SignedInAccount``: the account's columns, whether it
    has a login, and its scheme's (one statement: the ORM joins the scheme too)."""
    account, scheme = Account.__table__.c, Scheme.__table__.c
    return _live_session_of(
        sa.select(*(account[name] for name in SIGNED_IN_COLUMNS),
                  sa.type_coerce(account.password_hash.is_not(None), sa.Boolean), *scheme)
        .select_from(Account.__table__)
        .outerjoin(Scheme.__table__, scheme.id == account.scheme_id)
    )

_SCHEME_AT = len(SIGNED_IN_COLUMNS) + 1
_SCHEME_ATTRIBUTES = tuple(Scheme.__mapper__.get_property_by_column(column).key for column in Scheme.__table__.c)
_SCHEME_ID_AT = _SCHEME_ATTRIBUTES.index("id")


def _scheme_of(values: Sequence[Any]) -> Scheme | None:
    """The account's scheme, put in the session as the ORM's joined load put it there: the
    gate and the views find it there without a statement."""
    if values[_SCHEME_ID_AT] is None:
        return None
    return keep_loaded(Scheme, dict(zip(_SCHEME_ATTRIBUTES, values)))


@jwt.user_lookup_loader
def _load_account(_header: dict, payload: dict) -> Account | SignedInAccount | None:
    """The account of the token's live session: a ``SignedInAccount`` for a request that
    changes nothing, the ``Account`` itself for one that may."""
    account_id, session_id = _as_uuid(payload.get("sub")), _as_uuid(payload.get("sid"))
    if account_id is None or session_id is None:
        return None
    parameters = {"account_id": account_id, "session_id": session_id, "now": utcnow()}
    if request.method in SAFE_METHODS:
        # Past the session: a view that reads nothing more (GET /me) then makes none.
        row = reading_connection().execute(_live_account_row(), parameters).first()
        account = row and SignedInAccount(*row[:_SCHEME_AT], scheme=_scheme_of(row[_SCHEME_AT:]))
    else:
        account = db.session.scalars(_live_account(), parameters).first()
    if account is not None:
        g.auth_session_id = session_id
    return account


def _unauthorized(detail: str, kind: str = "unauthorized"):
    return problem_response(401, detail, kind=kind, headers={"WWW-Authenticate": "Bearer"})


@jwt.user_lookup_error_loader
def _account_gone(_header: dict, _payload: dict):
    return _unauthorized("This token is no longer valid: sign in again.", "token-revoked")


@jwt.revoked_token_loader
def _revoked(_header: dict, _payload: dict):
    return _unauthorized("This token is no longer valid: sign in again.", "token-revoked")


@jwt.expired_token_loader
def _expired(_header: dict, payload: dict):
    if payload.get("type") == "refresh":
        return _unauthorized("The refresh token has expired: sign in again.", "token-expired")
    return _unauthorized("The access token has expired: refresh it.", "token-expired")


@jwt.invalid_token_loader
def _invalid(_reason: str):
    return _unauthorized("The token is not valid here.", "invalid-token")


@jwt.unauthorized_loader
def _missing(_reason: str):
    return _unauthorized("This needs a bearer token in the Authorization header.")


@jwt.needs_fresh_token_loader
def _not_fresh(_header: dict, _payload: dict):
    return _unauthorized("This needs a fresh sign-in.", "fresh-token-required")
