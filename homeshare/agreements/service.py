"""Agreement rules: coordinators draft versions, each side accepts a specific one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.agreements.models import AgreementVersion, Term
from homeshare.agreements.printing import Printable, render
from homeshare.agreements.schemas import TERMS
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.models import Scope
from homeshare.behalf.service import refuse_both_sides
from homeshare.common.clock import utcnow
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.matching.events import PartyStep
from homeshare.matching.models import ACQUAINTED_STATES, OPEN_STATES, Match, refusal
from homeshare.notifications import kinds
from homeshare.notifications.service import notify
from homeshare.profiles.models import Profile
from homeshare.profiles.vocabulary import check_tasks
from homeshare.schemes.models import Scheme


@dataclass
class Agreement:
    match_id: Any
    trial_ends_on: Any = None  # the match's: the one place the trial's end is held
    versions: list[AgreementVersion] = field(default_factory=list)

    @property
    def current(self) -> AgreementVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def baseline(self) -> AgreementVersion | None:
        return next((v for v in reversed(self.versions) if v.accepted_by_both), None)


def agreement_of(match: Match) -> Agreement:
    """The versions of ``match``'s agreement, each with what was accepted for someone (two statements)."""
    versions = db.session.scalars(
        sa.select(AgreementVersion).where(AgreementVersion.match_id == match.id).order_by(AgreementVersion.number)
    ).all()
    return Agreement(match_id=match.id, trial_ends_on=match.trial_ends_on,
                     versions=list(behalf.attach(versions, "agreement_version")))


def _validated(terms: Mapping[str, Any], settings: Mapping[str, Any],
               current: AgreementVersion | None) -> dict[str, Any]:
    """The terms with the scheme's defaults filled in, or 422 naming each term that breaks a rule.
    The scheme's hours cap applies to new terms: the current version sent again stays valid
    after the cap was lowered."""
    values = {name: terms.get(name) for name in TERMS}
    values["term"] = Term(values["term"] or Term.OPEN_ENDED)
    values["house_rules"] = [dict(rule) for rule in values["house_rules"] or []]
    if values["trial_length_days"] is None:
        values["trial_length_days"] = settings["trial_length_days"]
    errors: dict[str, list[str]] = {}
    values["tasks"], messages = check_tasks(values["tasks"])
    if messages:
        errors["tasks"] = messages
    if values["term"] is Term.FIXED and values["term_ends_on"] is None:
        errors["term_ends_on"] = ["Required for a fixed term."]
    elif values["term"] is Term.OPEN_ENDED and values["term_ends_on"] is not None:
        errors["term_ends_on"] = ["Only a fixed term has an end date; leave it out for an open-ended one."]
    for name in ("term_ends_on", "review_on"):
        if name not in errors and values[name] is not None and values[name] <= values["start_on"]:
            errors[name] = ["Must be after start_on."]
    cap = settings["max_hours_per_week"]
    if (values["hours_per_week"] > cap and not values["hours_reason"]
            and (errors or current is None or not _same_terms(current, values))):
        errors["hours_reason"] = [f"Required: {values['hours_per_week']} hours a week is above this scheme's "
                                  f"{cap} (max_hours_per_week); say why."]
    if errors:
        raise ValidationFailed(errors)
    return values


def _same_terms(version: AgreementVersion, values: Mapping[str, Any]) -> bool:
    """The same terms, whatever the order the tasks are listed in (house rules keep their order)."""
    return all(
        (set(getattr(version, name)) == set(values[name])) if name == "tasks" else getattr(version, name) == values[name]
        for name in TERMS
    )


FREE_TEXT = ("house_rules", "householder_must_know", "sharer_must_know", "hours_reason")
DRAFTED = audit.declare("agreement.version_drafted", plain=[name for name in TERMS if name not in FREE_TEXT])
ACCEPTED = audit.declare("agreement.version_accepted", plain=("version", "side"))


def draft(*, actor: Account, match: Match, terms: Mapping[str, Any]) -> tuple[Agreement, bool]:
    """Make a new version from ``terms``; the same terms as the current version change nothing.

    Returns the agreement and whether a version was created.
    """
    if match.state not in ACQUAINTED_STATES:
        raise Conflict(
            f"An agreement is drafted once the match reaches its introduction; this match is {match.state.value}.",
            kind="agreement-not-open",
        )
    agreement = agreement_of(match)
    current = agreement.current
    values = _validated(terms, db.session.get(Scheme, match.scheme_id).effective_settings, current)
    if current is not None and _same_terms(current, values):
        return agreement, False
    version = AgreementVersion(
        match_id=match.id, number=(current.number + 1) if current else 1,
        created_by_id=actor.id, created_at=utcnow(), **values,
    )
    db.session.add(version)
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=DRAFTED,
                 target_type="match", target_id=match.id,
                 before={name: getattr(current, name) for name in TERMS} if current else None,
                 after=values)
    try:
        # A new version waits for both sides: neither has accepted it yet. Inside: storing the
        # messages flushes the version, which another made meanwhile refuses.
        notify(kinds.AGREEMENT_TO_ACCEPT.message(
            person, event=f"agreement:{match.id}:{version.number}:to-accept",
            title=_l("An agreement is waiting for you"),
            body=_l("Version %(number)s of your homeshare agreement is ready: read it and accept it in the app.",
                    number=version.number),
            data={"match_id": str(match.id), "version": version.number})
            for person in (match.householder_id, match.sharer_id))
        db.session.commit()
    except IntegrityError:
        # Another version was made meanwhile: the same terms sent twice at once, or a race.
        db.session.rollback()
        agreement = agreement_of(match)
        if agreement.current is not None and _same_terms(agreement.current, values):
            return agreement, False
        raise Conflict("The agreement was changed meanwhile; read it again.", kind="concurrent-change") from None
    agreement.versions.append(version)
    return agreement, True


ACCEPTANCE = "agreement.accepted"


def accept(*, actor: Account, match: Match, number: int, on_behalf: Mapping[str, Any] | None = None) -> Agreement:
    """Record that one side accepts version ``number``, which must be the current one: the
    person, their representative, or a coordinator recording the person's acceptance."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=Scope.ACCEPT_AGREEMENT)
    side = answerer.side
    if match.state not in OPEN_STATES:
        raise Conflict(f"This match is {match.state.value}; its agreement can no longer be accepted.",
                       kind="agreement-not-open")
    agreement = agreement_of(match)
    current = agreement.current
    if current is None or current.number != number:
        raise Conflict(
            f"Version {number} is not the current version of this agreement"
            + (f"; read version {current.number} and accept that." if current else "; there is none yet."),
            kind="agreement-version-superseded",
        )
    column = f"{side}_accepted_at"
    if getattr(current, column) is None:
        refuse_both_sides(answerer, actions=[ACCEPTANCE], target_type="agreement_version", target_ids=[current.id])
        # Conditional, so that the same acceptance arriving twice at once is recorded once.
        accepted = db.session.execute(
            sa.update(AgreementVersion)
            .where(AgreementVersion.id == current.id, getattr(AgreementVersion, column).is_(None))
            .values({column: utcnow()})
            .execution_options(synchronize_session=False)
        ).rowcount
        if accepted:
            audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=ACCEPTED,
                         target_type="match", target_id=match.id, after={"version": number, "side": side})
            behalf.record(answerer, scheme_id=match.scheme_id, action=ACCEPTANCE, target_type="agreement_version",
                          target_id=current.id)
        db.session.commit()
        return agreement_of(match)  # with the acceptance as stored, and who gave it
    return agreement


def accepted_by_both(match: Match) -> bool:
    current = agreement_of(match).current
    return current is not None and current.accepted_by_both


# What matching asks of agreements (homeshare.matching.events) ----------------------------------


def refuse_activation_unless_accepted(match: Match) -> None:
    """``activating``: a match becomes active only once both sides accepted the current version."""
    if not accepted_by_both(match):
        raise Conflict("Both sides must accept the current version of the agreement first.",
                       kind="agreement-not-accepted", extensions=refusal(match.state, "activate"))


def version_to_accept(account: Account) -> PartyStep:
    """``party_steps``: the number of the newest version of a match's agreement where it waits
    on ``account`` (its householder or sharer), NULL where it does not or there is none; a
    subquery read with the matches, one probe of the versions' (match, number) index each."""
    accepted_at = sa.case((Match.householder_id == account.id, AgreementVersion.householder_accepted_at),
                          else_=AgreementVersion.sharer_accepted_at)
    newest = (
        sa.select(sa.case((accepted_at.is_(None), AgreementVersion.number)))
        .where(AgreementVersion.match_id == Match.id)
        .order_by(AgreementVersion.number.desc()).limit(1)
        .scalar_subquery()
    )
    return PartyStep(newest, lambda number: f"Read and accept version {number} of the agreement.")


def trial_length(match: Match) -> int | None:
    """``trial_terms``: the trial's length in days of the newest version both sides accepted, or None."""
    baseline = agreement_of(match).baseline
    return None if baseline is None else baseline.trial_length_days


def notice_lengths(match: Match) -> dict[str, int] | None:
    """``notice_terms``: the notice lengths of the newest version both sides accepted, or None."""
    baseline = agreement_of(match).baseline
    if baseline is None:
        return None
    return {"notice_days": baseline.notice_days, "trial_notice_days": baseline.trial_notice_days}


# The printable agreement -------------------------------------------------------------------------


def printed(*, match: Match, number: int | None = None, language: str | None = None) -> bytes:
    """Version ``number`` of ``match``'s agreement (the current one when None) as a PDF in
    ``language``; 404 where there is no such version."""
    agreement = agreement_of(match)
    if number is None:
        version = agreement.current
    else:
        version = next((v for v in agreement.versions if v.number == number), None)
    if version is None:
        raise NotFound(f"This agreement has no version {number}." if number
                       else "This match has no agreement yet.")
    scheme = db.session.get(Scheme, match.scheme_id)
    names = {row.account_id: " ".join(part for part in (row.first_name, row.last_name) if part)
             for row in db.session.execute(sa.select(Profile.account_id, Profile.first_name, Profile.last_name)
                                           .where(Profile.account_id.in_([match.householder_id, match.sharer_id])))}
    return render(Printable(
        scheme_name=scheme.name, timezone=scheme.timezone,
        householder_name=names.get(match.householder_id) or None,
        sharer_name=names.get(match.sharer_id) or None,
        version=version, current_number=agreement.current.number,
        trial_started_on=match.trial_started_on, trial_ends_on=match.trial_ends_on,
    ), language)
