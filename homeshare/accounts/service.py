"""Account rules and transactions: registration, sign-in, sessions, activation."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from flask import current_app

from homeshare.accounts import passwords, throttling
from homeshare.accounts.emails import normalise_email
from homeshare.accounts.events import account_created
from homeshare.accounts.models import Account, AuthSession
from homeshare.common.roles import Role
from homeshare.accounts.tokens import issue_tokens
from homeshare.common.clock import utcnow
from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, Unauthorized, ValidationFailed
from homeshare.extensions import db
from homeshare.schemes.models import Scheme
from homeshare.schemes.service import find_by_slug

INVALID_CREDENTIALS = "The email or password is not right."


@dataclass
class Created:
    account: Account
    created: bool


def find_by_email(email: str) -> Account | None:
    return db.session.scalars(sa.select(Account).where(Account.email == normalise_email(email))).first()


def _create_account(
    *, email: str, password: str, role: Role, scheme: Scheme | None, commit: bool = True
) -> Created:
    """Create an account, or return the existing one when a client repeats the same request.

    A repeat (same email, password, role and scheme) is answered with the account it
    created the first time, even when the two requests arrive together, so a retrying
    phone never sees a confusing conflict. Any other use of a taken email is a conflict.
    """
    email = normalise_email(email)
    existing = find_by_email(email)
    if existing is not None:
        return _repeat_or_conflict(existing, password=password, role=role, scheme=scheme)
    account = Account(
        email=email,
        password_hash=passwords.hash_password(password),
        role=role,
        scheme=scheme,
        password_changed_at=utcnow(),
    )
    db.session.add(account)
    account_created.send(account)
    if commit:
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            existing = find_by_email(email)
            if existing is None:
                raise
            return _repeat_or_conflict(existing, password=password, role=role, scheme=scheme)
    return Created(account, created=True)


def _repeat_or_conflict(existing: Account, *, password: str, role: Role, scheme: Scheme | None) -> Created:
    same_request = (
        existing.role is role
        and existing.scheme_id == (scheme.id if scheme else None)
        and passwords.verify_password(existing.password_hash, password)
    )
    if same_request:
        return Created(existing, created=False)
    raise Conflict("An account with this email already exists.", kind="email-taken")


def register(*, scheme_slug: str, email: str, password: str, role: Role) -> Created:
    """A householder or sharer joins a scheme by its slug."""
    scheme = find_by_slug(scheme_slug)
    if scheme is None:
        raise ValidationFailed({"scheme": ["No scheme with this slug."]})
    return _create_account(email=email, password=password, role=role, scheme=scheme)


def create_coordinator(*, scheme: Scheme, email: str, password: str, commit: bool = True) -> Created:
    return _create_account(
        email=email, password=password, role=Role.COORDINATOR, scheme=scheme, commit=commit
    )


def create_admin(*, email: str, password: str) -> Created:
    return _create_account(email=email, password=password, role=Role.ADMIN, scheme=None)


def get_account(account_id: uuid.UUID) -> Account | None:
    return db.session.get(Account, account_id)


def list_accounts(
    *, scheme_id: uuid.UUID, role: Role | None, is_active: bool | None, page: int, per_page: int
) -> Page[Account]:
    statement = sa.select(Account).where(Account.scheme_id == scheme_id)
    if role is not None:
        statement = statement.where(Account.role == role)
    if is_active is not None:
        statement = statement.where(Account.is_active.is_(is_active))
    return paginate(statement.order_by(Account.created_at, Account.id), page=page, per_page=per_page)


# Sessions and tokens ---------------------------------------------------------------------


def _new_refresh_jti() -> str:
    return uuid.uuid4().hex


def _start_session(account: Account) -> dict[str, Any]:
    now = utcnow()
    session = AuthSession(
        id=uuid.uuid4(),
        account_id=account.id,
        refresh_jti=_new_refresh_jti(),
        created_at=now,
        expires_at=now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
    )
    db.session.add(session)
    tokens = issue_tokens(account, session_id=session.id, refresh_jti=session.refresh_jti)
    db.session.commit()
    return tokens


def log_in(*, email: str, password: str) -> dict[str, Any]:
    """Tokens for a new session. Unknown email, wrong password and a deactivated account
    all get the same answer after the same work, so the answer reveals nothing."""
    throttling.count_attempt(email)  # before the password is checked: see count_attempt
    account = find_by_email(email)
    valid = passwords.verify_password(account.password_hash if account else None, password)
    if account is None or not valid or not account.is_active:
        raise Unauthorized(INVALID_CREDENTIALS, kind="invalid-credentials")
    throttling.clear_failures(email)
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash_password(password)
    account.last_login_at = utcnow()
    return _start_session(account)


def _revoke_sessions(where: sa.ColumnElement[bool], reason: str) -> int:
    result = db.session.execute(
        sa.update(AuthSession)
        .where(where, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return result.rowcount


def refresh(*, account: Account, session_id: uuid.UUID, presented_jti: str) -> dict[str, Any]:
    """Rotate the session's refresh token.

    A compare-and-swap on the session's newest token id: exactly one of any number of
    concurrent uses of a token wins, on SQLite and PostgreSQL alike. A token that is
    not the newest is a replay (a stolen copy, or a client that lost the newer one):
    the whole session is revoked and must sign in again.
    """
    new_jti = _new_refresh_jti()
    now = utcnow()
    rotated = db.session.execute(
        sa.update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.refresh_jti == presented_jti,
            AuthSession.revoked_at.is_(None),
        )
        .values(
            refresh_jti=new_jti,
            refreshed_at=now,
            expires_at=now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        )
    ).rowcount
    if rotated != 1:
        _revoke_sessions(AuthSession.id == session_id, "refresh-reuse")
        db.session.commit()
        raise Unauthorized(
            "This refresh token was already used. The session has been ended for safety: sign in again.",
            kind="refresh-token-reused",
        )
    tokens = issue_tokens(account, session_id=session_id, refresh_jti=new_jti)
    db.session.commit()
    return tokens


def log_out(*, session_id: uuid.UUID) -> None:
    _revoke_sessions(AuthSession.id == session_id, "logout")
    db.session.commit()


def change_password(*, account: Account, current_password: str, new_password: str) -> dict[str, Any]:
    """Replace the password, end every session of the account, and start a new one here."""
    if not passwords.verify_password(account.password_hash, current_password):
        raise ValidationFailed({"current_password": ["This is not your current password."]})
    if current_password == new_password:
        raise ValidationFailed({"new_password": ["Choose a password different from the current one."]})
    account.password_hash = passwords.hash_password(new_password)
    account.password_changed_at = utcnow()
    _revoke_sessions(AuthSession.account_id == account.id, "password-change")
    return _start_session(account)


def set_active(*, actor: Account, account: Account, active: bool, reason: str | None = None) -> Account:
    """Deactivating ends every session of the account at once and records that the person
    left (and why, if said); reactivating takes them back. Nobody changes their own."""
    if account.id == actor.id:
        raise Conflict("You cannot change the activation of your own account.", kind="own-account")
    if account.is_active == active:
        return account
    account.is_active = active
    if active:
        account.left_at = account.left_reason = None
    else:
        account.left_at, account.left_reason = utcnow(), reason
        _revoke_sessions(AuthSession.account_id == account.id, "deactivated")
    db.session.commit()
    return account


def reset_access(*, actor: Account, account: Account) -> str:
    """End every session of the account and give it a one-time temporary password, which the
    coordinator passes on; the person should change it (``POST /auth/password``) at once.
    Nobody resets their own: they change their password instead."""
    if account.id == actor.id:
        raise Conflict("Change your own password with POST /auth/password.", kind="own-account")
    temporary = secrets.token_urlsafe(12)
    account.password_hash = passwords.hash_password(temporary)
    account.password_changed_at = utcnow()
    _revoke_sessions(AuthSession.account_id == account.id, "access-reset")
    db.session.commit()
    throttling.clear_failures(account.email)
    return temporary
