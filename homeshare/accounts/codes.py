"""Short codes sent by email: to prove an address is the account's, and to reset a password.

Six digits, made by ``secrets``; only an HMAC-SHA256 of the code (keyed with the secret key,
bound to the account and the purpose) is stored. An account has at most one live code per
purpose: a new one replaces it. A code is good once, until it expires, and for
``MAX_TRIES`` tries; a new one is made at most once every ``RESEND_AFTER``. Every step is a
conditional update, so requests at once cannot use a code twice or try it more often.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from homeshare.accounts.models import Account, AccountCode, CodePurpose
from homeshare.common.clock import utcnow
from homeshare.extensions import db

LIFETIME = {CodePurpose.VERIFY_EMAIL: timedelta(hours=24), CodePurpose.RESET_PASSWORD: timedelta(minutes=30)}
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Issued:
    code: str | None  # None: a code was made too recently, none was made now
    retry_after: int = 0


def _hash(account_id, purpose: CodePurpose, code: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"{purpose.value}:{account_id}:{code}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def issue(account: Account, purpose: CodePurpose, *, now: datetime | None = None) -> Issued:
    """A new code for the account, replacing its live one, unless one was made less than
    ``RESEND_AFTER`` ago. The caller sends it and commits."""
    now = now or utcnow()
    code = f"{secrets.randbelow(10**6):06d}"
    values = {"code_hash": _hash(account.id, purpose, code), "created_at": now,
              "expires_at": now + LIFETIME[purpose], "tries": 0, "used_at": None}
    mine = (AccountCode.account_id == account.id, AccountCode.purpose == purpose)
    replaced = db.session.execute(
        sa.update(AccountCode).where(*mine, AccountCode.created_at <= now - RESEND_AFTER).values(**values)
    ).rowcount
    if replaced == 0:
        existing = db.session.scalars(
            sa.select(AccountCode).where(*mine).execution_options(populate_existing=True)).first()
        if existing is not None:  # made too recently
            wait = existing.created_at + RESEND_AFTER - now
            return Issued(code=None, retry_after=max(1, int(wait.total_seconds()) + 1))
        try:
            with db.session.begin_nested():
                db.session.add(AccountCode(account_id=account.id, purpose=purpose, **values))
        except IntegrityError:  # made at the same moment by another request
            return Issued(code=None, retry_after=int(RESEND_AFTER.total_seconds()))
    return Issued(code=code)


class CodeRefused(Exception):
    """Why a code was not accepted: ``wrong``, ``exhausted`` (too many tries), ``expired`` (or
    none was made, or it was replaced), or ``used``: this very code was used already."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def use(account: Account, purpose: CodePurpose, code: str, *, now: datetime | None = None) -> None:
    """Accept ``code`` once, or raise ``CodeRefused``. A try is counted (and committed)
    before the code is compared, so tries at once cannot exceed ``MAX_TRIES``."""
    now = now or utcnow()
    row = db.session.scalars(sa.select(AccountCode).where(
        AccountCode.account_id == account.id, AccountCode.purpose == purpose,
    ).execution_options(populate_existing=True)).first()
    if row is not None and row.used_at is not None and row.expires_at > now:
        same = hmac.compare_digest(row.code_hash, _hash(account.id, purpose, code))
        raise CodeRefused("used" if same else "expired")
    if row is None or row.expires_at <= now:
        raise CodeRefused("expired")
    code_hash = row.code_hash
    counted = db.session.execute(
        sa.update(AccountCode)
        .where(AccountCode.id == row.id, AccountCode.code_hash == code_hash, AccountCode.used_at.is_(None),
               AccountCode.tries < MAX_TRIES)
        .values(tries=AccountCode.tries + 1)
    ).rowcount
    db.session.commit()
    if counted != 1:
        raise CodeRefused("exhausted")
    if not hmac.compare_digest(code_hash, _hash(account.id, purpose, code)):
        raise CodeRefused("wrong")
    used = db.session.execute(
        sa.update(AccountCode)
        .where(AccountCode.id == row.id, AccountCode.code_hash == code_hash, AccountCode.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if used != 1:  # used by a request at the same moment
        raise CodeRefused("expired")
