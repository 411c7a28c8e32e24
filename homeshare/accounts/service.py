"""Account rules and transactions: registration, email codes, sign-in, sessions, activation,
and invitations to get a login."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from homeshare.accounts import codes, passwords, throttling
from homeshare.accounts.emails import normalise_email
from homeshare.accounts.events import account_created, email_to_owner
from homeshare.accounts.models import (Account, AuthSession, CodePurpose, Invitation, InvitationChannel, LeaveReason,
                                       Origin)
from homeshare.common.roles import Role
from homeshare.accounts.tokens import issue_tokens
from homeshare.audit import service as audit
from homeshare.common.clock import utcnow
from homeshare.common.languages import ENGLISH, written_time
from homeshare.common.pagination import Page, paginate
from homeshare.errors import ApiError, Conflict, Forbidden, Gone, Unauthorized, ValidationFailed
from homeshare.extensions import db
from homeshare.schemes.models import Scheme
from homeshare.schemes.service import find_by_slug

INVALID_CREDENTIALS = "The email or password is not right."
REGISTERED_MESSAGE = (
    "Check your email. If you are new, we sent a code to confirm the address: sign in and enter it. "
    "If you already have an account, we sent you a reminder instead."
)
CODE_SENT_MESSAGE = "We sent a new code to your email address."
RESET_REQUESTED_MESSAGE = "If this email has an account, we sent it a code to choose a new password."
REGISTRATION_ATTEMPT_TITLE = _l("Someone tried to register with your email")
REGISTRATION_ATTEMPT_BODY = _l(
    "Someone tried to register a Homeshare account with this email address, which already has one. "
    "If it was you, sign in with your password, or reset it from the sign-in screen if you have "
    "forgotten it. If it was not you, you need do nothing: your account has not changed."
)
# Each purpose's kind, and its subject and text for a code.
CODE_EMAILS = {
    CodePurpose.VERIFY_EMAIL: ("email_verification", lambda code: (
        _l("Your Homeshare code: %(code)s", code=code),
        _l("Your code to confirm this email address is %(code)s. Enter it in the Homeshare app; it works once, "
           "for 24 hours. If you did not register with Homeshare, ignore this email.", code=code))),
    CodePurpose.RESET_PASSWORD: ("password_reset", lambda code: (
        _l("Your Homeshare password reset code: %(code)s", code=code),
        _l("Your code to choose a new Homeshare password is %(code)s. It works once, for 30 minutes. If you did "
           "not ask to reset your password, ignore this email: your password has not changed.", code=code))),
}
VERIFICATION_REFUSED = {
    "wrong": "This code is not right.",
    "exhausted": "This code was tried too often: ask for a new one.",
    "expired": "This code is no longer valid: ask for a new one.",
    "used": "This code is no longer valid: ask for a new one.",
}
RESET_REFUSED = "This code is not right for this email, or no longer valid: ask for a new one."


class CodeSentRecently(ApiError):
    status = 429
    kind = "code-sent-recently"

    def __init__(self, retry_after: int):
        super().__init__("A code was sent a moment ago. Wait before asking for another.",
                         headers={"Retry-After": str(retry_after)})


@dataclass
class Created:
    account: Account
    created: bool


def find_by_email(email: str) -> Account | None:
    return db.session.scalars(sa.select(Account).where(Account.email == normalise_email(email))).first()


def _create_account(
    *, email: str, password: str, role: Role, scheme: Scheme | None, commit: bool = True
) -> Created:
    """Create an account for staff or the CLI, or return the existing one when the same
    request is repeated.

    A repeat (same email, password, role and scheme) is answered with the account it
    created the first time, even when the two requests arrive together, so a retrying
    client never sees a confusing conflict. Any other use of a taken email is a conflict
    (staff may know who has an account). The address counts as verified: staff typed it.
    """
    email = normalise_email(email)
    existing = find_by_email(email)
    if existing is not None:
        return _repeat_or_conflict(existing, password=password, role=role, scheme=scheme)
    now = utcnow()
    account = Account(
        email=email,
        password_hash=passwords.hash_password(password),
        role=role,
        scheme=scheme,
        origin=Origin.STAFF,
        password_changed_at=now,
        email_verified_at=now,
        language=_default_language(scheme),
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
    if _same_registration(existing, password=password, role=role, scheme=scheme):
        return Created(existing, created=False)
    raise Conflict("An account with this email already exists.", kind="email-taken")


def _same_registration(existing: Account, *, password: str, role: Role, scheme: Scheme | None) -> bool:
    # The password is checked first and always: one argon2 run, like making a new account.
    right_password = passwords.verify_password(existing.password_hash, password)
    return right_password and existing.role is role and existing.scheme_id == (scheme.id if scheme else None)


def register(
    *, scheme_slug: str, email: str, password: str, role: Role, email_verified: bool = False
) -> Created:
    """A householder or sharer joins a scheme by its slug; the caller's answer must not
    depend on the result (it would tell who has an account).

    A new account gets a code by email to verify the address. When the email already has
    an account, nothing is created: a repeat of the same registration (same password, role
    and scheme, from a phone that lost the answer) does nothing more, and anything else
    tells the owner by email that someone tried to register with their address (once a
    day). ``email_verified`` is for trusted seeding only (the demo), which knows the
    addresses.
    """
    scheme = find_by_slug(scheme_slug)
    if scheme is None:
        raise ValidationFailed({"scheme": ["No scheme with this slug."]})
    email = normalise_email(email)
    existing = find_by_email(email)
    if existing is None:
        now = utcnow()
        account = Account(
            id=uuid.uuid4(), email=email, password_hash=passwords.hash_password(password), role=role,
            scheme=scheme, password_changed_at=now, email_verified_at=now if email_verified else None,
            language=_default_language(scheme),
        )
        try:
            db.session.add(account)
            db.session.flush()
            account_created.send(account)
            if not email_verified:
                _send_code(account, CodePurpose.VERIFY_EMAIL)
            db.session.commit()
            return Created(account, created=True)
        except IntegrityError:  # the same email, registered at the same moment
            db.session.rollback()
            existing = find_by_email(email)
            if existing is None:
                raise
    if not _same_registration(existing, password=password, role=role, scheme=scheme):
        _email(existing, kind="registration_attempt", title=REGISTRATION_ATTEMPT_TITLE,
               body=REGISTRATION_ATTEMPT_BODY, dedupe_key=f"registration-attempt:{existing.id}:{utcnow().date()}")
        db.session.commit()
    return Created(existing, created=False)


def _default_language(scheme: Scheme | None) -> str:
    """What a new account of ``scheme`` is written to in: the scheme's ``default_language``."""
    return scheme.effective_settings["default_language"] if scheme is not None else ENGLISH


def create_coordinator(*, scheme: Scheme, email: str, password: str, commit: bool = True) -> Created:
    return _create_account(
        email=email, password=password, role=Role.COORDINATOR, scheme=scheme, commit=commit
    )


def create_admin(*, email: str, password: str) -> Created:
    return _create_account(email=email, password=password, role=Role.ADMIN, scheme=None)


def add_without_login(*, scheme: Scheme, role: Role, account_id: uuid.UUID | None = None) -> Account:
    """A householder, sharer or representative a coordinator adds: no email and no password
    until they claim an invitation. The caller commits."""
    if role not in (Role.HOUSEHOLDER, Role.SHARER, Role.REPRESENTATIVE):
        raise ValueError(f"{role.value} accounts are not added without a login")
    account = Account(id=account_id or uuid.uuid4(), email=None, password_hash=None, role=role, scheme=scheme,
                      origin=Origin.COORDINATOR, language=_default_language(scheme))
    db.session.add(account)
    db.session.flush()
    account_created.send(account)
    return account


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


# Why someone left is a coordinator's words about them: the trail says that it was given.
DEACTIVATED = audit.declare("account.deactivated", plain=("is_active",))
REACTIVATED = audit.declare("account.reactivated", plain=("is_active",))


def set_active(*, actor: Account, account: Account, active: bool, reason: str | None = None,
               reason_code: LeaveReason | None = None) -> Account:
    """Deactivating ends every session of the account at once and records that the person
    left (and why, if said: a code from the closed vocabulary and a note); reactivating takes
    them back. Nobody changes their own."""
    if account.id == actor.id:
        raise Conflict("You cannot change the activation of your own account.", kind="own-account")
    if account.is_active == active:
        return account
    account.is_active = active
    if active:
        account.left_at = account.left_reason = account.left_reason_code = None
    else:
        account.left_at, account.left_reason, account.left_reason_code = utcnow(), reason, reason_code
        _revoke_sessions(AuthSession.account_id == account.id, "deactivated")
    audit.record(actor_id=actor.id, scheme_id=account.scheme_id,
                 action=REACTIVATED if active else DEACTIVATED, target_type="account", target_id=account.id,
                 after={"is_active": active} if active else {"is_active": active, "left_reason": reason})
    db.session.commit()
    return account


SMS_OPT_IN_SET = audit.declare("account.sms_opt_in_set", plain=("sms_opt_in",))


def set_sms_opt_in(*, actor: Account, account: Account, opt_in: bool) -> Account:
    """Text messages on or off. The person's own say; a coordinator says it only for a person
    without a login, who cannot. Saying the same again changes nothing."""
    if actor.id != account.id and account.has_login:
        raise Conflict("This person has a login: they say for themselves whether they get text messages.",
                       kind="has-login")
    if account.sms_opt_in != opt_in:
        audit.record(actor_id=actor.id, scheme_id=account.scheme_id, action=SMS_OPT_IN_SET, target_type="account",
                     target_id=account.id, before={"sms_opt_in": account.sms_opt_in}, after={"sms_opt_in": opt_in})
        account.sms_opt_in = opt_in
        db.session.commit()
    return account


ACCOUNT_CHANGED = audit.declare("account.changed", plain=("language",))
COORDINATOR_FIELDS = ("display_name", "work_phone")


def change_account(*, actor: Account, account: Account, changes: Mapping[str, Any]) -> Account:
    """Change an account's language, and a coordinator's name and work phone (checked by the
    schema: E.164). Anyone changes their own; a coordinator a person's language (of their scheme,
    as ``reach_account`` found it), never another coordinator's account; an admin any. Nothing is
    stored unless every change is allowed; the same change again records nothing. Audited."""
    if actor.id != account.id and account.role is Role.COORDINATOR and actor.role is not Role.ADMIN:
        raise Forbidden("A coordinator's name and phone are theirs to set, or an admin's.")
    refused = [name for name in COORDINATOR_FIELDS if name in changes and account.role is not Role.COORDINATOR]
    if refused:
        raise ValidationFailed({name: ["Only a coordinator's account has a name and work phone."] for name in refused})
    before = {name: getattr(account, name) for name in changes}
    if before != dict(changes):
        for name, value in changes.items():
            setattr(account, name, value)
        audit.record(actor_id=actor.id, scheme_id=account.scheme_id, action=ACCOUNT_CHANGED, target_type="account",
                     target_id=account.id, before=before, after=dict(changes))
        db.session.commit()
    return account


def reset_access(*, actor: Account, account: Account) -> str:
    """End every session of the account and give it a one-time temporary password, which the
    coordinator passes on; the person should change it (``POST /auth/password``) at once.
    Nobody resets their own: they change their password instead."""
    if account.id == actor.id:
        raise Conflict("Change your own password with POST /auth/password.", kind="own-account")
    if account.email is None:  # a password without an email to sign in with would open nothing
        raise Conflict("This person has no login: there is no access to reset.", kind="no-login")
    temporary = secrets.token_urlsafe(12)
    account.password_hash = passwords.hash_password(temporary)
    account.password_changed_at = utcnow()
    _revoke_sessions(AuthSession.account_id == account.id, "access-reset")
    audit.record(actor_id=actor.id, scheme_id=account.scheme_id, action="account.access_reset",
                 target_type="account", target_id=account.id)
    db.session.commit()
    throttling.clear_failures(account.email)
    return temporary


# Codes by email: verifying the address, resetting a forgotten password -----------------------


def _email(account: Account, *, kind: str, title: object, body: object, dedupe_key: str) -> None:
    email_to_owner.send(account, kind=kind, title=title, body=body, dedupe_key=dedupe_key)


def _send_code(account: Account, purpose: CodePurpose) -> codes.Issued:
    """Make a new code (unless one was made a moment ago) and email it; the caller commits."""
    issued = codes.issue(account, purpose)
    if issued.code is not None:
        kind, words = CODE_EMAILS[purpose]
        title, body = words(issued.code)
        _email(account, kind=kind, title=title, body=body,
               dedupe_key=f"{purpose.value}:{account.id}:{uuid.uuid4().hex}")
    return issued


def verify_email(*, account: Account, code: str) -> Account:
    """Prove the address with the code sent to it. Verified already (a repeat): unchanged."""
    if account.email_verified_at is not None:
        return account
    try:
        codes.use(account, CodePurpose.VERIFY_EMAIL, code)
    except codes.CodeRefused as refused:
        raise ValidationFailed({"code": [VERIFICATION_REFUSED[refused.reason]]}) from None
    account.email_verified_at = utcnow()
    db.session.commit()
    return account


def resend_verification(*, account: Account) -> None:
    """A new code to verify the address, replacing the last; at most one a minute."""
    if account.email_verified_at is not None:
        raise Conflict("Your email address is verified already.", kind="email-already-verified")
    issued = _send_code(account, CodePurpose.VERIFY_EMAIL)
    if issued.code is None:
        db.session.rollback()
        raise CodeSentRecently(issued.retry_after)
    db.session.commit()


def request_password_reset(*, email: str) -> None:
    """Email a code to reset the password, when the email has an active account; the caller's
    answer is the same either way. At most one code a minute per account (asking sooner
    sends nothing, silently)."""
    account = find_by_email(email)
    if account is None or not account.is_active:
        return
    _send_code(account, CodePurpose.RESET_PASSWORD)
    db.session.commit()


def reset_password(*, email: str, code: str, new_password: str) -> None:
    """Set a new password with the code sent to the email: it ends every session of the
    account, opens a locked sign-in, and proves the address. Every refusal is the same,
    whether or not the email has an account. The same request repeated after it worked
    (same code, same password) answers the same, and changes nothing more."""
    refused = ValidationFailed({"code": [RESET_REFUSED]})
    account = find_by_email(email)
    if account is None or not account.is_active:
        raise refused
    try:
        codes.use(account, CodePurpose.RESET_PASSWORD, code)
    except codes.CodeRefused as error:
        if error.reason == "used" and passwords.verify_password(account.password_hash, new_password):
            return  # a repeat of the reset that set this password, with its code
        raise refused from None
    now = utcnow()
    account.password_hash = passwords.hash_password(new_password)
    account.password_changed_at = now
    account.email_verified_at = account.email_verified_at or now
    _revoke_sessions(AuthSession.account_id == account.id, "password-reset")
    db.session.commit()
    throttling.clear_failures(account.email)


# Invitations: a person a coordinator added gets a login ----------------------------------------

INVITABLE_ROLES = (Role.HOUSEHOLDER, Role.SHARER, Role.REPRESENTATIVE)
INVITED = audit.declare("invitation.created", plain=("invitation_id", "channel", "expires_at"))
CLAIMED = audit.declare("invitation.claimed", plain=("invitation_id", "channel", "email_verified"))
INVITATION_EMAIL = lambda code, expires: (  # noqa: E731
    _l("Your Homeshare invitation code: %(code)s", code=code),
    _l("Your coordinator invited you to use the Homeshare app. In the app, choose \"I have an invitation\" and "
       "enter the code %(code)s with this email address and a password of your choice. The code works once, "
       "until %(expires)s. If you were not expecting this, ignore this email.", code=code, expires=expires),
)
INVITATION_NOT_VALID = "This is not an invitation code. Check it with your coordinator, letter by letter."
INVITATION_GONE = {
    "invitation-used": "This invitation was used already: sign in with the email and password chosen then, "
                       "or ask your coordinator for a new invitation.",
    "invitation-expired": "This invitation has expired: ask your coordinator for a new one.",
    "invitation-replaced": "This invitation was replaced by a newer one: use the code of the newest, or ask "
                           "your coordinator.",
    "invitation-withdrawn": "This account was closed, so its invitation no longer works: ask your coordinator.",
}


class InvitationNotValid(ValidationFailed):
    kind = "invitation-not-valid"

    def __init__(self):
        super().__init__({"code": [INVITATION_NOT_VALID]}, detail=INVITATION_NOT_VALID)


def _gone(kind: str) -> Gone:
    return Gone(INVITATION_GONE[kind], kind=kind)


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    code: str  # as shown, ABCD-EFGH-JKLM: in this answer only


def invite(*, actor: Account, account: Account, channel: InvitationChannel, email: str | None) -> Invited:
    """A new invitation for a householder, sharer or representative who has no login, voiding
    their earlier live ones. The code is returned once, for the coordinator to hand over; with
    ``channel`` email it is also emailed to ``email``. Valid for the scheme's
    ``invitation_days``."""
    if account.role not in INVITABLE_ROLES:
        raise Conflict("Only householders, sharers and representatives are invited; staff accounts are made "
                       "with a login.", kind="not-invitable")
    if account.erased_at is not None or not account.is_active:
        raise Conflict("This account is closed: reactivate it before inviting.", kind="account-inactive")
    if account.has_login:
        raise Conflict("This account has a login already: its owner signs in, or resets their password.",
                       kind="has-login")
    if (channel is InvitationChannel.EMAIL) != (email is not None):
        raise ValidationFailed({"email": ["Required when the channel is email, and only then."]})
    now = utcnow()
    db.session.execute(sa.update(Invitation).where(
        Invitation.account_id == account.id, Invitation.used_at.is_(None), Invitation.voided_at.is_(None),
    ).values(voided_at=now))
    code = codes.new_invitation_code()
    days = account.scheme.effective_settings["invitation_days"]
    invitation = Invitation(
        id=uuid.uuid4(), account_id=account.id, code_hash=codes.invitation_hash(codes.normalise_invitation_code(code)),
        channel=channel, sent_to=normalise_email(email) if email is not None else None, created_by_id=actor.id,
        created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(invitation)
    db.session.flush()
    if invitation.sent_to is not None:
        title, body = INVITATION_EMAIL(code, _day(invitation.expires_at, account))
        email_to_owner.send(account, kind="invitation", title=title, body=body,
                            dedupe_key=f"invitation:{invitation.id}", to_address=invitation.sent_to)
    audit.record(actor_id=actor.id, scheme_id=account.scheme_id, action=INVITED, target_type="account",
                 target_id=account.id, after={"invitation_id": invitation.id, "channel": channel.value,
                                              "expires_at": invitation.expires_at})
    db.session.commit()
    return Invited(invitation=invitation, code=code)


def _day(moment: datetime, account: Account) -> LazyString:
    """``moment`` as people read it, in the scheme's time zone and the reader's language:
    16 December 2026, 14:05."""
    return written_time(moment.astimezone(ZoneInfo(account.scheme.timezone)))


def claim_invitation(*, code: str, email: str, password: str, address: str) -> dict[str, Any]:
    """Give the invited account its login (email and password) and sign it in: the tokens of a
    new session. The account, its profile and its matches stay the same.

    ``address`` is the client's: codes that match no invitation are counted per address
    (there is no account to count them on), and after too many further claims from it are
    refused (429). An email the invitation was sent to counts as verified; any other gets a
    code to verify it. Repeating the claim that worked (same code, email and password, while
    the invitation would still be valid) signs in again rather than failing: a phone that lost
    the answer retries.
    """
    throttling.refuse_claims_after_failures(address)
    return _claim(code=code, email=normalise_email(email), password=password, address=address, retry=True)


def _claim(*, code: str, email: str, password: str, address: str, retry: bool) -> dict[str, Any]:
    normalised = codes.normalise_invitation_code(code)
    invitation = None
    if normalised is not None:
        invitation = db.session.scalars(sa.select(Invitation).where(
            Invitation.code_hash == codes.invitation_hash(normalised)
        ).execution_options(populate_existing=True)).first()
    if invitation is None:
        throttling.count_failed_claim(address)
        db.session.rollback()
        raise InvitationNotValid()
    account = db.session.get(Account, invitation.account_id, populate_existing=True)
    now = utcnow()
    if invitation.used_at is not None:
        return _repeat_claim(invitation, account, email=email, password=password, now=now)
    if account.erased_at is not None or not account.is_active:
        raise _gone("invitation-withdrawn")
    if invitation.voided_at is not None:
        raise _gone("invitation-replaced")
    if invitation.expires_at <= now:
        raise _gone("invitation-expired")
    if account.has_login:
        if retry:  # a claim at the same moment landed between reading the invitation and the account
            db.session.rollback()
            return _claim(code=code, email=email, password=password, address=address, retry=False)
        raise _gone("invitation-used")
    taken = find_by_email(email)
    if taken is not None and taken.id != account.id:
        raise Conflict("Another account has this email address: choose another, or sign in to that account.",
                       kind="email-taken")
    password_hash = passwords.hash_password(password)
    used = db.session.execute(sa.update(Invitation).where(
        Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.voided_at.is_(None),
        Invitation.expires_at > now,
    ).values(used_at=now)).rowcount
    if used != 1:  # claimed, voided or expired by a request at the same moment: answer as it left it
        db.session.rollback()
        if not retry:
            raise _gone("invitation-used")
        return _claim(code=code, email=email, password=password, address=address, retry=False)
    verified = invitation.sent_to is not None and invitation.sent_to == email
    account.email, account.password_hash, account.password_changed_at = email, password_hash, now
    account.email_verified_at = now if verified else None
    account.last_login_at = now
    try:
        db.session.flush()
    except IntegrityError:  # the same email taken at the same moment by another account
        db.session.rollback()
        raise Conflict("Another account has this email address: choose another, or sign in to that account.",
                       kind="email-taken") from None
    if not verified:
        _send_code(account, CodePurpose.VERIFY_EMAIL)
    audit.record(actor_id=account.id, scheme_id=account.scheme_id, action=CLAIMED, target_type="account",
                 target_id=account.id, after={"invitation_id": invitation.id, "channel": invitation.channel.value,
                                              "email_verified": verified})
    return _start_session(account)


def _repeat_claim(invitation: Invitation, account: Account, *, email: str, password: str,
                  now: datetime) -> dict[str, Any]:
    """A used invitation's claim, sent again: the same email and password sign in again while
    the invitation would still be valid; anything else is told that it was used. The attempt
    counts as a sign-in for that email (the lockout), so a used code is no way round it."""
    if invitation.expires_at <= now or account.email != email:
        raise _gone("invitation-used")
    throttling.count_attempt(email)
    if not account.is_active or not passwords.verify_password(account.password_hash, password):
        raise _gone("invitation-used")
    throttling.clear_failures(email)
    account.last_login_at = now
    return _start_session(account)
