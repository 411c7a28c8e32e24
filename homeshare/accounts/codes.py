"""Short codes sent by email: to prove an address is the account's, and to reset a password;
and the longer codes of invitations to get a login (at the end).

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
import unicodedata
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


# Invitation codes ----------------------------------------------------------------------------
# Handed over by a coordinator, read out on the phone or typed from a letter, and looked up by
# the code alone (the claimant has no account yet): so they carry their own strength, 12
# characters of an alphabet of 32 (60 bits), without the look-alikes 0, O, 1 and I, shown in
# groups of four. Only an HMAC-SHA256 of the normalised code, keyed with the secret key, is stored.

INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITATION_LENGTH = 12
INVITATION_GROUP = 4
# What people type between the groups: spaces of any kind, hyphens and dashes, dots.
_SEPARATORS = frozenset(" \t\r\n\u00a0\u2009\u202f-\u2010\u2011\u2012\u2013\u2014\u2212._")


def new_invitation_code() -> str:
    """A fresh code as it is shown: ``ABCD-EFGH-JKLM``."""
    raw = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(INVITATION_LENGTH))
    return "-".join(raw[i:i + INVITATION_GROUP] for i in range(0, INVITATION_LENGTH, INVITATION_GROUP))


def normalise_invitation_code(typed: str) -> str | None:
    """The code as stored (12 capitals, no separators) from what someone typed, in any case,
    with or without dashes or spaces; None when it cannot be a code (wrong length, or a
    character the alphabet does not have)."""
    if not isinstance(typed, str) or len(typed) > 64:
        return None
    text = unicodedata.normalize("NFKC", typed).upper()
    code = "".join(character for character in text if character not in _SEPARATORS)
    if len(code) != INVITATION_LENGTH or any(character not in INVITATION_ALPHABET for character in code):
        return None
    return code


def invitation_hash(code: str) -> str:
    """The keyed hash stored for a normalised code (see ``normalise_invitation_code``)."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"invitation:{code}".encode(), hashlib.sha256).hexdigest()
