"""What needs a coordinator today, in a fixed number of statements, and the scheme's exports."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from homeshare.accounts.models import Account
from homeshare.behalf.models import BehalfRecord, GivenAs
from homeshare.common.roles import Role
from homeshare.checkins.models import CheckIn, CheckInAnswer
from homeshare.common.clock import local_today, utcnow
from homeshare.common.db import Unindexed, stream
from homeshare.common.pagination import Page, paginate
from homeshare.concerns.models import Concern, ConcernStatus
from homeshare.enquiries.models import Enquiry
from homeshare.enquiries.service import latest_on_expression, waiting_before, waiting_since
from homeshare.extensions import db
from homeshare.hours.weeks import watched_statements, watched_template
from homeshare.matching.models import (
    OPEN_STATES, TRIAL_REVIEW_NOTICE_DAYS, Match, MatchState, TrialReview, TrialReviewView,
)
from homeshare.profiles import completeness
from homeshare.profiles.models import Profile
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import VettingCheck, VettingStanding
from homeshare.vetting.rules import stored_status
from homeshare.vetting.service import EXPIRY_WARNING_DAYS, expiring_checks

FIRST_ITEMS = 5
LOW_SCORE_DAYS = 30


@dataclass
class _Section:
    """One list of the dashboard: its rows (a select), their order, and how an item reads."""

    name: str
    statement: sa.Select
    order: list
    shape: Callable[[Sequence[Any]], Any]
    first: int | None = FIRST_ITEMS  # None: every row (for short grouped counts)


@dataclass(frozen=True)
class _Combined:
    """Every section in one statement (``_combined``), and where each section's columns are."""

    statement: sa.CompoundSelect
    sections: tuple[_Section, ...]
    positions: tuple[tuple[int, ...], ...]


def _slot_type(kind: sa.types.TypeEngine) -> sa.types.TypeEngine:
    """The type of the combined row's column that a value of type ``kind`` goes in: strings of
    any length, enums included (read as the values they store), go in plain strings."""
    return sa.String() if isinstance(kind, sa.String) else kind


def _combined(*sections: _Section) -> _Combined:
    """Each section's count and first items, every section in one statement.

    Each section numbers its rows in its own order and counts them (window functions over
    the section's select), and the sections are put one after another (``UNION ALL``). The
    combined row has as many columns of each type as the section that needs the most; a
    section puts its values in those of their types, and the others are typed NULLs, so
    values keep their types on both databases. (A row as wide as every section's columns
    together, 62 columns, cost PostgreSQL a third more planning and the process more to read.)"""
    slots: list[sa.types.TypeEngine] = []
    positions = []
    for section in sections:
        taken: list[int] = []
        for column in section.statement.selected_columns:
            kind = _slot_type(column.type)
            free = [k for k, slot in enumerate(slots) if k not in taken and type(slot) is type(kind)]
            if not free:
                slots.append(kind)
                free = [len(slots) - 1]
            taken.append(free[0])
        positions.append(taken)
    branches = []
    for i, section in enumerate(sections):
        ranked = section.statement.add_columns(
            sa.func.count().over().label("total"),
            sa.func.row_number().over(order_by=section.order).label("n"),
        ).subquery()
        own = dict(zip(positions[i], ranked.c))
        columns = [sa.literal_column(str(i), sa.Integer).label("section"), ranked.c.total, ranked.c.n]
        columns += [sa.type_coerce(own[k], slot) if k in own else sa.cast(sa.null(), slot)
                    for k, slot in enumerate(slots)]
        branch = sa.select(*(column.label(f"c{k}") for k, column in enumerate(columns)))
        if section.first is not None:
            branch = branch.where(ranked.c.n <= section.first)
        branches.append(branch)
    return _Combined(sa.union_all(*branches), sections,
                     tuple(tuple(3 + k for k in taken) for taken in positions))


def _sections(combined: _Combined, params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run ``combined`` with ``params`` (the values of its parameters): each section's count and
    the shaped first items, in the section's order."""
    sections = combined.sections
    found: dict[str, dict[str, Any]] = {section.name: {"count": 0, "rows": []} for section in sections}
    for row in db.session.execute(combined.statement, params):
        i = row[0]
        section = found[sections[i].name]
        section["count"] = int(row[1])
        section["rows"].append((row[2], tuple(row[k] for k in combined.positions[i])))
    return {section.name: {"count": found[section.name]["count"], "items": [
        section.shape(values) for _, values in sorted(found[section.name]["rows"], key=lambda item: item[0])]}
        for section in sections}


def _iso(value):
    return value.isoformat() if value is not None else None


# Every escalation is later than this: a range on ``escalated_at`` that SQLite's planner
# answers from its index (it does not for IS NOT NULL), with the same rows.
_BEFORE_ANY_ESCALATION = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _overdue_checkins(scheme_id: uuid.UUID | sa.ColumnElement) -> sa.Select:
    both = sa.select(sa.func.count()).where(CheckInAnswer.checkin_id == CheckIn.id).scalar_subquery()
    return (sa.select(CheckIn.id, CheckIn.match_id, CheckIn.due_on, CheckIn.escalated_at)
            .join(Match, Match.id == CheckIn.match_id)
            .where(Unindexed(Match.scheme_id) == scheme_id, Match.state.in_(OPEN_STATES),
                   CheckIn.escalated_at > _BEFORE_ANY_ESCALATION, both < 2))


def _low_since() -> datetime:
    """Answers from this instant on are the recent ones (``LOW_SCORE_DAYS``)."""
    return utcnow() - timedelta(days=LOW_SCORE_DAYS)


def _low_scores(scheme_id: uuid.UUID | sa.ColumnElement, low: int | sa.ColumnElement,
                since: datetime | sa.ColumnElement) -> sa.Select:
    """The worrying answers (a score of ``low`` or under, or something wrong) given from
    ``since`` on, with their match; the values may be bound parameters.

    Each answer carries its check-in's match, so the recent ones are read by their time index
    and kept to the scheme's matches, neither their check-ins nor the scheme's history read."""
    return (sa.select(CheckInAnswer.checkin_id, CheckInAnswer.match_id, CheckInAnswer.side,
                      CheckInAnswer.wellbeing, CheckInAnswer.match_going, CheckInAnswer.something_wrong,
                      CheckInAnswer.answered_at)
            .where(CheckInAnswer.answered_at >= since,
                   sa.or_(CheckInAnswer.wellbeing <= low, CheckInAnswer.match_going <= low,
                          CheckInAnswer.something_wrong.is_(True)),
                   Unindexed(CheckInAnswer.match_id).in_(sa.select(Match.id).where(Match.scheme_id == scheme_id))))


def _low_scores_order(statement: sa.Select) -> list:
    """Newest first, then in a total order (answers at the same instant came in the plan's order)."""
    columns = statement.selected_columns
    return [columns.answered_at.desc(), columns.checkin_id, columns.side]


def _views_given() -> sa.ScalarSelect:
    """How many of the two sides gave their view at the match's trial review round under way
    (a correlated count, so the section stays one statement)."""
    rounds = aliased(TrialReview)
    latest = sa.select(sa.func.max(rounds.round)).where(rounds.match_id == Match.id).correlate(Match).scalar_subquery()
    return (sa.select(sa.func.count(TrialReviewView.id)).join(TrialReview, TrialReview.id == TrialReviewView.review_id)
            .where(TrialReview.match_id == Match.id, TrialReview.round == latest).correlate(Match).scalar_subquery())


def dashboard(scheme: Scheme) -> dict[str, Any]:
    """Counts and the first items of every list that may need a coordinator today, every list
    in one statement, the hours flags included (``watched_statements``).

    The statement is built once per number of weeks the hours flags judge (``_dashboard``), the
    only setting that shapes it, and takes the scheme, its day and its settings' values as
    parameters: building it cost more than running it."""
    settings = scheme.effective_settings
    today = local_today(scheme.timezone)
    hours = watched_statements(scheme)
    found = _sections(_dashboard(settings["hours_shortfall_weeks"]), {
        **hours.params,
        "dashboard_scheme": scheme.id,
        "dashboard_today": today,
        "dashboard_expiring_until": today + timedelta(days=EXPIRY_WARNING_DAYS),
        "dashboard_trials_until": today + timedelta(days=TRIAL_REVIEW_NOTICE_DAYS),
        "dashboard_low_score": settings["checkin_low_score"],
        "dashboard_low_since": _low_since(),
        "dashboard_waiting_since": waiting_since(scheme),
    })
    applicants = found.pop("applicants")["items"]
    by_severity = found.pop("concerns_by_severity")["items"]
    return {
        "applicants_by_vetting_status": {key: int(value) for key, value in applicants},
        **{name: found[name] for name in ("checks_expiring", "proposals_awaiting_answer", "introductions",
                                          "trials_ending", "notices_running", "overdue_checkins",
                                          "low_checkin_scores")},
        "hours_shortfalls": found["hours_shortfalls"],
        "hours_over_agreed": found["hours_over_agreed"],
        "open_concerns": {"by_severity": {severity: int(count) for severity, count in by_severity},
                          **found["open_concerns"]},
        "enquiries_waiting": found["enquiries_waiting"],
    }


def _match_item(row):
    return {"match_id": str(row[0]), "householder_id": str(row[1]), "sharer_id": str(row[2]),
            "state": row[3], "proposed_at": _iso(row[4]), "trial_ends_on": _iso(row[5])}


@functools.lru_cache(maxsize=None)
def _dashboard(weeks_needed: int) -> _Combined:
    """The dashboard's statement for ``weeks_needed`` weeks judged by the hours flags, its
    values left as parameters (``dashboard_*``, and the hours flags' own ``watched_*``)."""
    scheme_id = sa.bindparam("dashboard_scheme", type_=sa.Uuid())
    today = sa.bindparam("dashboard_today", type_=sa.Date())
    status = stored_status(today)
    match = (Match.id, Match.householder_id, Match.sharer_id, Match.state, Match.proposed_at, Match.trial_ends_on)
    in_scheme = Match.scheme_id == scheme_id
    open_concern = (Concern.scheme_id == scheme_id, Concern.status != ConcernStatus.RESOLVED)
    latest_on = latest_on_expression()
    hours = watched_template(weeks_needed)
    low_scores = _low_scores(scheme_id, sa.bindparam("dashboard_low_score", type_=sa.Integer()),
                             sa.bindparam("dashboard_low_since", type_=CheckInAnswer.answered_at.type))
    return _combined(
        _Section("applicants", sa.select(status, sa.func.count()).select_from(Account)
                 .outerjoin(VettingStanding, VettingStanding.account_id == Account.id)
                 .where(Account.scheme_id == scheme_id, Account.role.in_((Role.HOUSEHOLDER, Role.SHARER)),
                        Account.is_active.is_(True))
                 .group_by(status), [status], tuple, first=None),
        _Section("checks_expiring", expiring_checks(
            scheme_id, today, sa.bindparam("dashboard_expiring_until", type_=sa.Date())),
            [VettingCheck.expires_on], lambda r: {"person_id": str(r[1]), "check": r[2],
                                                  "expires_on": _iso(r[3])}),
        _Section("proposals_awaiting_answer", sa.select(*match).where(
            in_scheme, Match.state == MatchState.PROPOSED,
            sa.or_(Match.householder_response.is_(None), Match.sharer_response.is_(None))),
            [Match.proposed_at], _match_item),
        _Section("introductions", sa.select(*match).where(in_scheme, Match.state == MatchState.INTRODUCTION),
                 [Match.proposed_at], _match_item),
        _Section("trials_ending", sa.select(*match, _views_given()).where(
            in_scheme, Match.state == MatchState.TRIAL,
            Match.trial_ends_on <= sa.bindparam("dashboard_trials_until", type_=sa.Date())), [Match.trial_ends_on],
            lambda r: {**_match_item(r), "review_views_given": int(r[6])}),
        _Section("notices_running", sa.select(
            Match.id, Match.householder_id, Match.sharer_id, Match.notice_last_day, Match.notice_reason,
            Match.notice_given_by).where(in_scheme, Match.state == MatchState.NOTICE),
            [Match.notice_last_day, Match.id], lambda r: {
                "match_id": str(r[0]), "householder_id": str(r[1]), "sharer_id": str(r[2]), "last_day": _iso(r[3]),
                "reason": r[4], "given_by": r[5]}),
        _Section("overdue_checkins", _overdue_checkins(scheme_id), [Unindexed(CheckIn.due_on), CheckIn.id],
                 lambda r: {"checkin_id": str(r[0]), "match_id": str(r[1]), "due_on": _iso(r[2]),
                            "escalated_at": _iso(r[3])}),
        _Section("low_checkin_scores", low_scores, _low_scores_order(low_scores), lambda r: {
            "checkin_id": str(r[0]), "match_id": str(r[1]), "side": r[2], "wellbeing": r[3], "match_going": r[4],
            "something_wrong": r[5], "answered_at": _iso(r[6])}),
        _Section("concerns_by_severity", sa.select(Concern.severity, sa.func.count()).where(*open_concern)
                 .group_by(Concern.severity), [Concern.severity], tuple, first=None),
        _Section("open_concerns", sa.select(Concern.id, Concern.severity, Concern.category, Concern.created_at)
                 .where(*open_concern),
                 [sa.case({"urgent": 0, "medium": 1}, value=Concern.severity, else_=2), Concern.created_at.desc()],
                 lambda r: {"concern_id": str(r[0]), "severity": r[1], "category": r[2],
                            "created_at": _iso(r[3])}),
        _Section("enquiries_waiting", waiting_before(
            scheme_id, sa.bindparam("dashboard_waiting_since", type_=sa.Date())).with_only_columns(
            Enquiry.id, Enquiry.stage, latest_on, Enquiry.owner_id, Enquiry.seeking), [latest_on, Enquiry.id],
            lambda r: {"enquiry_id": str(r[0]), "stage": r[1], "since": _iso(r[2]),
                       "owner_id": str(r[3]) if r[3] else None, "seeking": r[4]}),
        _Section("hours_shortfalls", hours.short, hours.order, lambda r: {
            "match_id": str(r[0]), "short_weeks": int(r[1])}),
        _Section("hours_over_agreed", hours.over, hours.order, lambda r: {
            "match_id": str(r[0]), "week_start": _iso(r[1]), "counted_minutes": int(r[2]),
            "expected_minutes": int(r[3])}),
    )


def checkins_needing_attention(*, scheme: Scheme, overdue: bool, low_score: bool, page: int,
                               per_page: int) -> Page[dict[str, Any]]:
    """Overdue check-ins or worrying answers of the scheme, on their own, paginated."""
    if low_score:
        statement = _low_scores(scheme.id, scheme.effective_settings["checkin_low_score"], _low_since())
        statement = statement.order_by(*_low_scores_order(statement))
    else:
        statement = _overdue_checkins(scheme.id).order_by(CheckIn.due_on, CheckIn.id)
    result = paginate(statement, page=page, per_page=per_page, rows=True)
    result.items = [dict(row._mapping) for row in result.items]
    return result


# Exports -----------------------------------------------------------------------------------------

PEOPLE_COLUMNS = ("person_id", "role", "is_active", "has_login", "first_name", "last_name", "preferred_name", "town",
                  "postcode_district", "vetting_status", "ready_for_matching", "registered_at")
MATCH_COLUMNS = ("match_id", "householder_id", "sharer_id", "state", "score", "proposed_at", "trial_started_on",
                 "trial_ends_on", "activated_at", "ended_on", "ended_by", "notice_given_days")
CHECKIN_COLUMNS = ("checkin_id", "match_id", "kind", "due_on", "escalated_at", "side", "wellbeing", "match_going",
                   "help_happening", "wants_call", "something_wrong", "answered_at", "given_as", "recorded_by_id",
                   "given_how", "contact_kind", "contact_at")
"""``given_as``: whose hand the answer came by (``self``, ``on-behalf``: a coordinator recorded the
person's view, ``proxy``: their representative); ``recorded_by_id`` and ``given_how``: who
answered for the person and how the person gave their view, when it was not the person."""


def people_rows(scheme: Scheme) -> Iterator[tuple]:
    """The scheme's householders and sharers, without dates of birth, addresses, phones or vetting details."""
    today = local_today(scheme.timezone)
    statement = (sa.select(Account.id, Account.role, Account.is_active, Account.password_hash.is_not(None),
                           Profile.first_name, Profile.last_name,
                           Profile.preferred_name, Profile.town, Profile.postcode,
                           stored_status(today),
                           completeness.ready_expression(Profile, "matching"), Account.created_at)
                 .join(Profile, Profile.account_id == Account.id)
                 .outerjoin(VettingStanding, VettingStanding.account_id == Account.id)
                 .where(Account.scheme_id == scheme.id, Account.erased_at.is_(None))
                 .order_by(Account.created_at, Account.id))
    for row in stream(statement):
        district = row[8].split(" ", 1)[0] if row[8] else None
        yield (row[0], row[1].value, row[2], bool(row[3]), row[4], row[5], row[6], row[7], district, row[9],
               bool(row[10]), row[11])


def match_rows(scheme: Scheme) -> Iterator[tuple]:
    statement = (sa.select(Match.id, Match.householder_id, Match.sharer_id, Match.state, Match.score,
                           Match.proposed_at, Match.trial_started_on, Match.trial_ends_on, Match.activated_at,
                           Match.ended_on, Match.ended_by, Match.notice_given_days)
                 .where(Match.scheme_id == scheme.id).order_by(Match.proposed_at, Match.id))
    for row in stream(statement):
        yield (*row[:3], row[3].value, *row[4:10], row[10].value if row[10] else None, row[11])


def checkin_rows(scheme: Scheme) -> Iterator[tuple]:
    """One row per answer (or per unanswered check-in); comments are left out. Who answered for
    the person comes from the answer's latest behalf record, in the same statement."""
    latest = (sa.select(BehalfRecord.id).where(BehalfRecord.target_type == "checkin_answer",
                                               BehalfRecord.target_id == CheckInAnswer.id)
              .order_by(BehalfRecord.created_at.desc(), BehalfRecord.id.desc()).limit(1)
              .correlate(CheckInAnswer).scalar_subquery())
    statement = (sa.select(CheckIn.id, CheckIn.match_id, CheckIn.kind, CheckIn.due_on, CheckIn.escalated_at,
                           CheckInAnswer.side, CheckInAnswer.wellbeing, CheckInAnswer.match_going,
                           CheckInAnswer.help_happening, CheckInAnswer.wants_call, CheckInAnswer.something_wrong,
                           CheckInAnswer.answered_at, CheckInAnswer.given_as, BehalfRecord.recorded_by_id,
                           BehalfRecord.how, CheckIn.contact_kind, CheckIn.contact_at)
                 .join(Match, Match.id == CheckIn.match_id)
                 .outerjoin(CheckInAnswer, CheckInAnswer.checkin_id == CheckIn.id)
                 .outerjoin(BehalfRecord, sa.and_(CheckInAnswer.given_as != GivenAs.SELF, BehalfRecord.id == latest))
                 .where(Match.scheme_id == scheme.id, CheckIn.due_on <= local_today(scheme.timezone))
                 .order_by(CheckIn.due_on, CheckIn.id, CheckInAnswer.side))
    for row in stream(statement):
        yield (row[0], row[1], row[2].value, *row[3:12], row[12].value if row[12] else None, row[13],
               row[14].value if row[14] else None, *row[15:])
