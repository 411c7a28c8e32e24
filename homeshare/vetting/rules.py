"""Which checks each person needs, and how their overall status follows from them.

One rule (``_status``) decides a person's overall status from how many of their required
checks are in each case. It is computed as a correlated expression for one person or a page of
people (``vetting_status_expression``) and as a grouped query for whole schemes
(``standings``, which also gives the day time alone would move it).
``vetting.service`` stores what ``standings`` gives in ``VettingStanding`` on every change, and
readers take it from there (``stored_status``): a single read, a filtered list, the dashboard
and matching all agree, and none of them works through every check of a scheme:

- ``rejected``: any required check failed;
- ``expired``: otherwise, a required check passed or waived has reached its expiry date
  (a check expiring on a date is no longer valid from that date, in the scheme's time zone);
- ``cleared``: otherwise, every required check is passed or waived;
- ``in_progress``: otherwise, any required check has been started;
- ``not_started``: nothing recorded yet.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

import sqlalchemy as sa

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.vetting.models import CheckKind, CheckStatus, VettingCheck, VettingStanding, VettingStatus

_COMMON = (CheckKind.IDENTITY, CheckKind.REFERENCE_1, CheckKind.REFERENCE_2, CheckKind.INTERVIEW)
SHARER_CHECKS = (
    CheckKind.IDENTITY, CheckKind.BACKGROUND, CheckKind.REFERENCE_1, CheckKind.REFERENCE_2,
    CheckKind.RIGHT_TO_RENT, CheckKind.INTERVIEW,
)
REFERENCE_CHECKS = frozenset({CheckKind.REFERENCE_1, CheckKind.REFERENCE_2})
_DONE = (CheckStatus.PASSED, CheckStatus.WAIVED)


def required_checks(role: Role, settings: Mapping[str, Any]) -> tuple[CheckKind, ...]:
    """The checklist of a householder or sharer under a scheme's settings."""
    if role is Role.SHARER:
        return SHARER_CHECKS
    householder = (*_COMMON, CheckKind.HOME_VISIT)
    if settings["householder_background_check"]:
        householder = (CheckKind.IDENTITY, CheckKind.BACKGROUND, *householder[1:])
    return householder


def check_lapsed(today: date) -> sa.ColumnElement[bool]:
    """A passed or waived check that has reached its expiry date."""
    return sa.and_(
        VettingCheck.status.in_(_DONE), VettingCheck.expires_on.is_not(None), VettingCheck.expires_on <= today
    )


def _checklists(settings: Mapping[str, Any]) -> dict[Role, tuple[CheckKind, ...]]:
    return {role: required_checks(role, settings) for role in (Role.HOUSEHOLDER, Role.SHARER)}


def _is_required(checklists: Mapping[Role, tuple[CheckKind, ...]]) -> sa.ColumnElement[bool]:
    """True for a ``VettingCheck`` row that is on its ``Account``'s checklist."""
    return sa.or_(*(
        sa.and_(Account.role == role, VettingCheck.kind.in_(kinds)) for role, kinds in checklists.items()
    ))


def _status(counts: Mapping[str, sa.ColumnElement[int]], by_role: Mapping[Role, tuple[CheckKind, ...]]
            ) -> sa.ColumnElement[str]:
    """The overall status of an ``Account`` from the counts of its required checks in each case."""
    needed = sa.case(
        *((Account.role == role, len(kinds)) for role, kinds in by_role.items()), else_=0
    )
    return sa.case(
        (counts["failed"] > 0, VettingStatus.REJECTED.value),
        (counts["lapsed"] > 0, VettingStatus.EXPIRED.value),
        (counts["valid"] >= needed, VettingStatus.CLEARED.value),
        (counts["started"] > 0, VettingStatus.IN_PROGRESS.value),
        else_=VettingStatus.NOT_STARTED.value,
    )


def _counted(today: date) -> dict[str, sa.ColumnElement[bool]]:
    lapsed = check_lapsed(today)
    return {
        "failed": VettingCheck.status == CheckStatus.FAILED,
        "lapsed": lapsed,
        "valid": sa.and_(VettingCheck.status.in_(_DONE), sa.not_(lapsed)),
        "started": VettingCheck.status != CheckStatus.NOT_STARTED,
    }


def vetting_status_expression(settings: Mapping[str, Any], today: date) -> sa.ColumnElement[str]:
    """The overall vetting status of ``Account`` rows of one scheme, as a SQL expression."""
    by_role = _checklists(settings)
    required = _is_required(by_role)

    def count(condition: sa.ColumnElement[bool]) -> sa.ScalarSelect:
        return (
            sa.select(sa.func.count())
            .select_from(VettingCheck)
            .where(VettingCheck.account_id == Account.id, required, condition)
            .correlate(Account)
            .scalar_subquery()
        )

    return _status({name: count(condition) for name, condition in _counted(today).items()}, by_role)


def standings(settings: Mapping[str, Any], today: date) -> sa.Select:
    """``account_id``, ``status`` and ``lapses_on`` of accounts (add the filters), for
    ``VettingStanding``, in one grouped pass over their checks: the same status as
    ``vetting_status_expression``, for whole schemes, where one set of correlated counts per
    person would cost far more; and the first day on which a valid required check expires
    where that would make the status ``expired`` (not once it is ``rejected`` or ``expired``)."""
    by_role = _checklists(settings)
    # Only required checks are joined, so each count tests its own case alone: testing
    # "required" in each of the four counts instead took most of a scheme-wide count.
    counted = _counted(today)
    counts = {name: sa.func.count(VettingCheck.id).filter(condition) for name, condition in counted.items()}
    status = _status(counts, by_role)
    next_expiry = sa.func.min(VettingCheck.expires_on).filter(counted["valid"], VettingCheck.expires_on > today)
    lasting = (VettingStatus.REJECTED.value, VettingStatus.EXPIRED.value)
    return (
        sa.select(Account.id.label("account_id"), status.label("status"),
                  sa.case((status.in_(lasting), sa.null()), else_=next_expiry).label("lapses_on"))
        .select_from(Account)
        .outerjoin(VettingCheck, sa.and_(VettingCheck.account_id == Account.id, _is_required(by_role)))
        .group_by(Account.id, Account.role)
    )


def stored_status(today: date | sa.ColumnElement) -> sa.ColumnElement[str]:
    """The overall status of ``Account`` rows outer-joined to their ``VettingStanding``, as of
    ``today`` (a day, or a bound parameter for a statement built once): the stored status,
    ``expired`` from its ``lapses_on`` day, ``not_started`` without a row. The same value as
    ``vetting_status_expression`` on every day."""
    return sa.case(
        (VettingStanding.lapses_on <= today, VettingStatus.EXPIRED.value),
        else_=sa.func.coalesce(sa.type_coerce(VettingStanding.status, sa.String), VettingStatus.NOT_STARTED.value),
    )


def is_cleared(today: date) -> sa.ColumnElement[bool]:
    """``VettingStanding`` rows of people cleared on ``today`` (joined, not outer-joined)."""
    return sa.and_(VettingStanding.status == VettingStatus.CLEARED,
                   sa.or_(VettingStanding.lapses_on.is_(None), VettingStanding.lapses_on > today))


def next_expiry_expression(settings: Mapping[str, Any], today: date) -> sa.ScalarSelect:
    """The next date on which one of a person's valid required checks expires (or NULL)."""
    return (
        sa.select(sa.func.min(VettingCheck.expires_on))
        .where(VettingCheck.account_id == Account.id, _is_required(_checklists(settings)),
               VettingCheck.status.in_(_DONE), VettingCheck.expires_on > today)
        .correlate(Account)
        .scalar_subquery()
    )
