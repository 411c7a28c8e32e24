"""The vetting rules in SQL: checklists, the derived status, lapsed checks and next expiry.

Called directly in an application context on checks written straight to the database, so
that one scheme can hold people in every state at once. The per-person expression, the
scheme-wide grouped query and the stored status must always agree, so every status is read
each way; the stored one both as stored today and as stored long before today and read
today (what readers see before the daily job stores it again).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from homeshare.accounts.models import Account, Role
from homeshare.common.clock import utcnow
from homeshare.extensions import db
from homeshare.schemes.settings import resolved_settings
from homeshare.common.db import insert_or_update
from homeshare.vetting.models import CheckKind, CheckStatus, VettingCheck, VettingStanding
from homeshare.vetting.rules import (
    SHARER_CHECKS,
    check_lapsed,
    is_cleared,
    next_expiry_expression,
    required_checks,
    standings,
    stored_status,
    vetting_status_expression,
)

TODAY = date(2027, 6, 15)
OFF = resolved_settings({})
ON = resolved_settings({"householder_background_check": True})
HOUSEHOLDER_CHECKS = (CheckKind.IDENTITY, CheckKind.REFERENCE_1, CheckKind.REFERENCE_2, CheckKind.INTERVIEW,
                      CheckKind.HOME_VISIT)
PASSED, WAIVED, PENDING, FAILED, NOT_STARTED = (CheckStatus.PASSED, CheckStatus.WAIVED, CheckStatus.PENDING,
                                                CheckStatus.FAILED, CheckStatus.NOT_STARTED)


def record(person, kind: CheckKind, status: CheckStatus = PASSED, expires_on: date | None = None) -> None:
    db.session.add(VettingCheck(account_id=uuid.UUID(person.id), kind=kind, status=status, expires_on=expires_on,
                                recorded_at=utcnow()))
    db.session.commit()


def record_all(person, kinds, status: CheckStatus = PASSED, **changes: tuple) -> None:
    """Every kind of ``kinds`` at ``status``, except ``changes``: kind name -> (status, expires_on)."""
    for kind in kinds:
        kind_status, expires_on = changes.get(kind.value, (status, None))
        record(person, kind, kind_status, expires_on)


def statuses(scheme, settings=OFF, today=TODAY) -> dict[str, str]:
    """Status of each person of the scheme by id, read through both queries (which must agree)."""
    of_scheme = Account.scheme_id == uuid.UUID(scheme.id)
    one_by_one = {str(account_id): status for account_id, status in db.session.execute(
        sa.select(Account.id, vetting_status_expression(settings, today)).where(of_scheme))}
    grouped_query = standings(settings, today).where(of_scheme).subquery()
    grouped = {str(row.account_id): row.status for row in db.session.execute(
        sa.select(grouped_query.c.account_id, grouped_query.c.status))}
    assert one_by_one == grouped
    for stored_on in (today, today - timedelta(days=800)):
        assert stored(scheme, settings, stored_on, today) == one_by_one, f"stored on {stored_on}"
    return one_by_one


def store(scheme, settings, stored_on: date) -> None:
    """What ``vetting.service.store_statuses`` stores, for the scheme's people, as of ``stored_on``."""
    rows = standings(settings, stored_on).where(Account.scheme_id == uuid.UUID(scheme.id))
    db.session.execute(insert_or_update(VettingStanding, unique=["account_id"],
                                        names=["account_id", "status", "lapses_on"], rows=rows))


def stored(scheme, settings, stored_on: date, today: date) -> dict[str, str]:
    """Status of each person of the scheme as stored on ``stored_on`` and read on ``today``."""
    store(scheme, settings, stored_on)
    return {str(account_id): status for account_id, status in db.session.execute(
        sa.select(Account.id, stored_status(today)).outerjoin(VettingStanding, VettingStanding.account_id == Account.id)
        .where(Account.scheme_id == uuid.UUID(scheme.id)))}


def cleared(role: Role, settings=OFF, today=TODAY) -> set[str]:
    """The people of ``role`` that matching takes as cleared on ``today``, from the stored status."""
    db.session.execute(sa.delete(VettingStanding))
    for scheme_id in db.session.scalars(sa.select(Account.scheme_id).distinct().where(Account.role == role)):
        store(SimpleNamespace(id=str(scheme_id)), settings, today)
    return {str(account_id) for account_id in db.session.scalars(
        sa.select(Account.id).join(VettingStanding, VettingStanding.account_id == Account.id)
        .where(Account.role == role, is_cleared(today)))}


def next_expiry(person, settings=OFF, today=TODAY) -> date | None:
    return db.session.scalar(sa.select(next_expiry_expression(settings, today))
                             .where(Account.id == uuid.UUID(person.id)))


# Checklists --------------------------------------------------------------------------------------


def test_a_sharers_checklist_does_not_depend_on_the_settings():
    expected = (CheckKind.IDENTITY, CheckKind.BACKGROUND, CheckKind.REFERENCE_1, CheckKind.REFERENCE_2,
                CheckKind.RIGHT_TO_RENT, CheckKind.INTERVIEW)
    assert required_checks(Role.SHARER, OFF) == SHARER_CHECKS == expected
    assert required_checks(Role.SHARER, ON) == expected


def test_a_householders_checklist_adds_a_background_check_when_the_scheme_asks():
    assert required_checks(Role.HOUSEHOLDER, OFF) == HOUSEHOLDER_CHECKS
    assert required_checks(Role.HOUSEHOLDER, ON) == (
        CheckKind.IDENTITY, CheckKind.BACKGROUND, CheckKind.REFERENCE_1, CheckKind.REFERENCE_2, CheckKind.INTERVIEW,
        CheckKind.HOME_VISIT)


# The overall status ------------------------------------------------------------------------------


def test_statuses_of_several_people_at_once(app, ctx, make):
    scheme = make.scheme()
    other_scheme = make.scheme()
    clear = make.sharer(scheme)
    waived = make.sharer(scheme)
    pending = make.sharer(scheme)
    lapsed = make.sharer(scheme)
    failed = make.sharer(scheme)
    newcomer = make.householder(scheme)
    untouched = make.householder(scheme)
    elsewhere = make.sharer(other_scheme)
    record_all(clear, SHARER_CHECKS, background=(PASSED, TODAY + timedelta(days=1)))
    record_all(waived, SHARER_CHECKS, right_to_rent=(WAIVED, None))
    record_all(pending, SHARER_CHECKS[:3])
    record(pending, CheckKind.RIGHT_TO_RENT, PENDING)
    record_all(lapsed, SHARER_CHECKS, background=(PASSED, TODAY))
    record_all(failed, SHARER_CHECKS, reference_2=(FAILED, None))
    record(untouched, CheckKind.IDENTITY, NOT_STARTED)
    record_all(elsewhere, SHARER_CHECKS)

    assert statuses(scheme) == {
        clear.id: "cleared", waived.id: "cleared", pending.id: "in_progress", lapsed.id: "expired",
        failed.id: "rejected", newcomer.id: "not_started", untouched.id: "not_started",
    }
    assert cleared(Role.SHARER) == {clear.id, waived.id, elsewhere.id}
    assert cleared(Role.HOUSEHOLDER) == set()


def test_a_check_expiring_on_a_day_is_no_longer_valid_that_day(app, ctx, make):
    scheme = make.scheme()
    person = make.sharer(scheme)
    record_all(person, SHARER_CHECKS, background=(PASSED, TODAY + timedelta(days=1)))
    assert statuses(scheme, today=TODAY) == {person.id: "cleared"}
    assert cleared(Role.SHARER, today=TODAY) == {person.id}
    tomorrow = TODAY + timedelta(days=1)
    assert statuses(scheme, today=tomorrow) == {person.id: "expired"}
    assert cleared(Role.SHARER, today=tomorrow) == set()


def test_failed_beats_lapsed_and_lapsed_beats_pending(app, ctx, make):
    scheme = make.scheme()
    failed_and_lapsed = make.sharer(scheme)
    lapsed_and_pending = make.sharer(scheme)
    lapsed_waiver = make.sharer(scheme)
    record(failed_and_lapsed, CheckKind.IDENTITY, PASSED, TODAY - timedelta(days=3))
    record(failed_and_lapsed, CheckKind.INTERVIEW, FAILED)
    record(lapsed_and_pending, CheckKind.BACKGROUND, PASSED, TODAY - timedelta(days=3))
    record(lapsed_and_pending, CheckKind.INTERVIEW, PENDING)
    record_all(lapsed_waiver, SHARER_CHECKS, right_to_rent=(WAIVED, TODAY - timedelta(days=400)))
    assert statuses(scheme) == {failed_and_lapsed.id: "rejected", lapsed_and_pending.id: "expired",
                                lapsed_waiver.id: "expired"}


def test_checks_that_are_not_done_never_lapse(app, ctx, make):
    scheme = make.scheme()
    person = make.sharer(scheme)
    record_all(person, SHARER_CHECKS[:4])
    record(person, CheckKind.RIGHT_TO_RENT, PENDING, TODAY - timedelta(days=30))
    record(person, CheckKind.INTERVIEW, NOT_STARTED, TODAY - timedelta(days=30))
    assert statuses(scheme) == {person.id: "in_progress"}
    lapsed = db.session.scalars(sa.select(VettingCheck.kind).where(check_lapsed(TODAY))).all()
    assert lapsed == []


def test_check_lapsed_picks_done_checks_at_or_past_their_expiry(app, ctx, make):
    scheme = make.scheme()
    person = make.sharer(scheme)
    record(person, CheckKind.IDENTITY, PASSED, TODAY)
    record(person, CheckKind.BACKGROUND, WAIVED, TODAY - timedelta(days=1))
    record(person, CheckKind.REFERENCE_1, PASSED, TODAY + timedelta(days=1))
    record(person, CheckKind.REFERENCE_2, PASSED, None)
    record(person, CheckKind.RIGHT_TO_RENT, FAILED, TODAY - timedelta(days=1))
    record(person, CheckKind.INTERVIEW, PENDING, TODAY)
    lapsed = db.session.scalars(sa.select(VettingCheck.kind).where(check_lapsed(TODAY))).all()
    assert sorted(lapsed) == [CheckKind.BACKGROUND, CheckKind.IDENTITY]


def test_checks_off_a_persons_checklist_do_not_count(app, ctx, make):
    scheme = make.scheme()
    householder = make.householder(scheme)
    sharer = make.sharer(scheme)
    # Without the setting, a householder's background check, failed or lapsed, does not count;
    # nor does a right-to-rent check, which only sharers need.
    record_all(householder, HOUSEHOLDER_CHECKS)
    record(householder, CheckKind.BACKGROUND, FAILED)
    record(householder, CheckKind.RIGHT_TO_RENT, PASSED, TODAY - timedelta(days=1))
    # A sharer needs no home visit.
    record_all(sharer, SHARER_CHECKS)
    record(sharer, CheckKind.HOME_VISIT, FAILED)
    assert statuses(scheme) == {householder.id: "cleared", sharer.id: "cleared"}
    assert cleared(Role.HOUSEHOLDER) == {householder.id}
    # By kinds alone: four of the householder's valid checks are on a sharer's list, which has six.
    assert cleared(Role.SHARER) == {sharer.id}


def test_checks_recorded_on_a_kind_not_required_do_not_start_vetting(app, ctx, make):
    scheme = make.scheme()
    householder = make.householder(scheme)
    record(householder, CheckKind.BACKGROUND, PENDING)
    assert statuses(scheme) == {householder.id: "not_started"}
    assert statuses(scheme, ON) == {householder.id: "in_progress"}


def test_a_requirement_switched_off_after_checks_were_recorded(app, ctx, make):
    scheme = make.scheme(settings={"householder_background_check": True})
    with_background = make.householder(scheme)
    background_failed = make.householder(scheme)
    without_background = make.householder(scheme)
    background_lapsed = make.householder(scheme)
    record_all(with_background, HOUSEHOLDER_CHECKS)
    record(with_background, CheckKind.BACKGROUND, PASSED, TODAY + timedelta(days=700))
    record_all(background_failed, HOUSEHOLDER_CHECKS)
    record(background_failed, CheckKind.BACKGROUND, FAILED)
    record_all(without_background, HOUSEHOLDER_CHECKS)
    record_all(background_lapsed, HOUSEHOLDER_CHECKS)
    record(background_lapsed, CheckKind.BACKGROUND, PASSED, TODAY - timedelta(days=1))

    assert statuses(scheme, ON) == {
        with_background.id: "cleared", background_failed.id: "rejected", without_background.id: "in_progress",
        background_lapsed.id: "expired",
    }
    assert cleared(Role.HOUSEHOLDER, ON) == {with_background.id}
    assert next_expiry(with_background, ON) == TODAY + timedelta(days=700)

    # The scheme stops asking householders for a background check: the checks recorded stay,
    # and no longer count, whatever their state.
    assert statuses(scheme, OFF) == {
        with_background.id: "cleared", background_failed.id: "cleared", without_background.id: "cleared",
        background_lapsed.id: "cleared",
    }
    assert cleared(Role.HOUSEHOLDER, OFF) == {
        with_background.id, background_failed.id, without_background.id, background_lapsed.id}
    assert next_expiry(with_background, OFF) is None


def test_the_settings_of_a_real_scheme_drive_its_statuses(app, ctx, make):
    from homeshare.schemes.models import Scheme
    from homeshare.schemes.service import update_scheme

    scheme = make.scheme(settings={"householder_background_check": True})
    person = make.householder(scheme)
    record_all(person, HOUSEHOLDER_CHECKS)
    row = db.session.get(Scheme, uuid.UUID(scheme.id))
    assert statuses(scheme, row.effective_settings) == {person.id: "in_progress"}
    update_scheme(row, {"settings": {"householder_background_check": False}})
    assert statuses(scheme, db.session.get(Scheme, uuid.UUID(scheme.id)).effective_settings) == {
        person.id: "cleared"}


@pytest.mark.parametrize("role", [Role.HOUSEHOLDER, Role.SHARER])
def test_one_check_short_of_the_checklist_is_in_progress(app, ctx, make, role):
    scheme = make.scheme()
    person = make.account(role.value, scheme)
    kinds = required_checks(role, OFF)
    record_all(person, kinds[:-1])
    assert statuses(scheme) == {person.id: "in_progress"}
    assert cleared(role) == set()
    record(person, kinds[-1], WAIVED)
    assert statuses(scheme) == {person.id: "cleared"}
    assert cleared(role) == {person.id}


# Next expiry -------------------------------------------------------------------------------------


def test_next_expiry_is_the_soonest_future_expiry_of_a_valid_required_check(app, ctx, make):
    scheme = make.scheme()
    person = make.sharer(scheme)
    nothing = make.sharer(scheme)
    householder = make.householder(scheme)
    record(person, CheckKind.IDENTITY, PASSED, TODAY + timedelta(days=50))
    record(person, CheckKind.BACKGROUND, PASSED, TODAY + timedelta(days=100))
    record(person, CheckKind.REFERENCE_1, WAIVED, TODAY + timedelta(days=40))
    record(person, CheckKind.REFERENCE_2, PENDING, TODAY + timedelta(days=10))  # not done
    record(person, CheckKind.RIGHT_TO_RENT, FAILED, TODAY + timedelta(days=5))  # not done
    record(person, CheckKind.INTERVIEW, PASSED, TODAY)  # already lapsed
    record(person, CheckKind.HOME_VISIT, PASSED, TODAY + timedelta(days=1))  # not on a sharer's list
    record(householder, CheckKind.RIGHT_TO_RENT, PASSED, TODAY + timedelta(days=2))  # not on a householder's
    record(householder, CheckKind.IDENTITY, PASSED, TODAY + timedelta(days=3))
    assert next_expiry(person) == TODAY + timedelta(days=40)
    assert next_expiry(person, today=TODAY - timedelta(days=1)) == TODAY
    assert next_expiry(person, today=TODAY + timedelta(days=40)) == TODAY + timedelta(days=50)
    assert next_expiry(nothing) is None
    assert next_expiry(householder) == TODAY + timedelta(days=3)


@pytest.mark.parametrize("settings", [OFF, ON], ids=["householder-background-off", "on"])
def test_the_stored_status_is_the_computed_one_for_a_varied_population_on_every_day(app, ctx, make, settings):
    """The invariant: whatever day the status was stored, read on any later day it is the
    status worked out from the checks that day."""
    rng = random.Random(22)
    scheme = make.scheme(settings={"householder_background_check": settings["householder_background_check"]})
    statuses_seen = set()
    people = [make.householder(scheme) if n % 2 else make.sharer(scheme) for n in range(60)]
    for n, person in enumerate(people):
        for kind in CheckKind:
            if n % 10 and rng.random() < 0.8:
                status = rng.choice([PASSED, PASSED, PASSED, WAIVED, PENDING, FAILED, NOT_STARTED])
                expires_on = TODAY + timedelta(days=rng.randint(-10, 10)) if rng.random() < 0.5 else None
                db.session.add(VettingCheck(account_id=uuid.UUID(person.id), kind=kind, status=status,
                                            expires_on=expires_on, recorded_at=utcnow()))
    db.session.commit()
    for day in range(-12, 13, 3):
        statuses_seen.update(statuses(scheme, settings, TODAY + timedelta(days=day)).values())
    assert statuses_seen == {"not_started", "in_progress", "cleared", "rejected", "expired"}
