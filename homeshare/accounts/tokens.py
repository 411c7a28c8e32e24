"""JWT wiring: token contents, the per-request account check, and error bodies.

Access tokens carry ``sub`` (account id), ``sid`` (the session), ``role`` and ``scheme``.
Role and scheme are for the client's convenience only: every request loads the account
and its session in one statement and refuses the token when the session was revoked,
has expired, or the account was deactivated.
"""

from __future__ import annotations

import functools
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from flask_jwt_extended import create_access_token, create_refresh_token

from homeshare.accounts.models import Account, AuthSession
from homeshare.common.clock import utcnow
from homeshare.errors import problem_response
from homeshare.extensions import db, jwt


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


@functools.cache
def _live_account() -> sa.Select:
    """The account of a live session. Built once, with bound parameters: every request runs
    it, and building it anew (and its cache key) cost about 0.4 ms a request."""
    return (
        sa.select(Account)
        .join(AuthSession, AuthSession.account_id == Account.id)
        .where(
            Account.id == sa.bindparam("account_id"),
            AuthSession.id == sa.bindparam("session_id"),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > sa.bindparam("now"),
            Account.is_active.is_(True),
        )
    )


@jwt.user_lookup_loader
def _load_account(_header: dict, payload: dict) -> Account | None:
    account_id, session_id = _as_uuid(payload.get("sub")), _as_uuid(payload.get("sid"))
    if account_id is None or session_id is None:
        return None
    parameters = {"account_id": account_id, "session_id": session_id, "now": utcnow()}
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
