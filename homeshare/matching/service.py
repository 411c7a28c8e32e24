"""Matching rules and transactions: candidates, pool suggestions, and the match lifecycle."""

from __future__ import annotations

import enum
import functools
import math
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session, joinedload
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from flask_babel import lazy_gettext as _l

from homeshare.accounts.models import Account
from homeshare.common.roles import Role
from homeshare.audit import service as audit
from homeshare.behalf import service as behalf
from homeshare.behalf.service import refuse_both_sides
from homeshare.common.clock import local_today, utcnow
from homeshare.common.db import planned_each_time
from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, ValidationFailed
from homeshare.extensions import db
from homeshare.matching import features, scoring
from homeshare.matching.events import activating, notice_terms, party_steps, trial_started, trial_terms
from homeshare.matching.models import (
    ACQUAINTED_STATES, DEFAULT_NOTICE_DAYS, DEFAULT_TRIAL_NOTICE_DAYS, LIVE_STATES, NOTICE_FROM_STATES,
    OFFER_STATES, OPEN_STATES, TRANSITIONS, EndedBy, EndReason, ExitFeedback, Match, MatchEvent, MatchState, NoticeGiver, Response,
    ScoringFeatures,
    allowed_actions, refusal,
)
from homeshare.notifications import kinds
from homeshare.notifications.kinds import Text
from homeshare.notifications.service import Message, coordinators_of, notify
from homeshare.profiles import completeness
from homeshare.profiles.models import Profile
from homeshare.schemes.models import Scheme
from homeshare.vetting.models import VettingStanding, VettingStatus
from homeshare.vetting.rules import is_cleared, stored_status

# Candidates -----------------------------------------------------------------------------------

# What a coordinator reads about a suggestion, and what its reasons and warnings are worked out
# from (fetched for the page shown only; interests and languages as the person wrote them).
SHOWN_FIELDS = ("first_name", "last_name", "preferred_name", "postcode", "base_name", "things_to_know",
                *features.FIELDS)


def _free(role: Role) -> sa.ColumnElement[bool]:
    """In no live match, and in fewer than ``max_open_offers`` offers (a bound parameter, as is
    ``scheme_id``). A person is on one side of their matches only, their role's: the sharers'
    column for sharers, the householders' for householders (any other role is a ``KeyError``).
    "No live match" is a NOT EXISTS on the live matches' partial unique index of that column,
    whatever their scheme (a person's matches are all in their own): the database runs it as the
    anti-join it judges cheaper, a probe of the index for each of the few candidates a ranking's
    other conditions leave, or one merge along it for many. The people at their limit of offers
    are found once, by an uncorrelated subquery worked out before the candidates are read."""
    side = {Role.HOUSEHOLDER: Match.householder_id, Role.SHARER: Match.sharer_id}[role]
    live = sa.exists().where(side == Account.id, Match.state.in_(LIVE_STATES))
    at_limit = (sa.select(side).where(Match.scheme_id == sa.bindparam("scheme_id"), Match.state.in_(OFFER_STATES))
                .group_by(side).having(sa.func.count() >= sa.bindparam("max_open_offers")))
    return sa.and_(~live, Account.id.not_in(at_limit))


def _population(statement: sa.Select, parameters: Mapping[str, Any]) -> scoring.Population:
    """Run a candidate query (``_candidate_select``) into people scored from their stored
    features: two byte strings a person, joined and read as arrays at once. Anyone whose
    stored features are missing or stale (another format, an older profile version) has them
    computed from their profile, in one more statement."""
    # The driver's rows as they come: no conversion of any value in Python, and the ids as text.
    result = db.session.connection().execute(statement, parameters)
    rows = result.cursor.fetchall()
    result.close()
    ids, fixed, items = (list(column) for column in zip(*rows)) if rows else ([], [], [])
    missing = [i for i, value in enumerate(fixed) if value is None]
    if missing:
        wanted = {uuid.UUID(str(ids[i])): i for i in missing}
        fields = sa.select(Profile.account_id, *(getattr(Profile, name) for name in features.FIELDS)).where(
            Profile.account_id.in_(wanted))
        for row in db.session.execute(fields):
            fixed[wanted[row[0]]], items[wanted[row[0]]] = features.encode(row._mapping)
    return scoring.Population(ids=ids, columns={}, features=features.Features(fixed, items))


def _candidate_select() -> sa.Select:
    # Ids as text (no UUID object a row; see scoring.Population); the rows still come in id order.
    current = sa.and_(ScoringFeatures.account_id == Account.id, ScoringFeatures.format == features.FORMAT,
                      ScoringFeatures.profile_version == Profile.version)
    return (sa.select(sa.cast(Account.id, sa.String).label("person_id"), ScoringFeatures.fixed,
                      ScoringFeatures.items)
            .select_from(Account).join(Profile, Profile.account_id == Account.id).outerjoin(ScoringFeatures, current))


@functools.cache
def _shown_fields() -> sa.Select:
    return sa.select(Profile.account_id, *(getattr(Profile, name) for name in SHOWN_FIELDS)).where(
        Profile.account_id.in_(sa.bindparam("wanted", expanding=True)))


def _shown(*views: tuple[scoring.Population, list[int]]) -> None:
    """Add the fields a coordinator reads to the chosen people, in one statement."""
    by_view = [(people, [people.person_id(i) for i in chosen]) for people, chosen in views]
    wanted = {person_id for _, person_ids in by_view for person_id in person_ids}
    if not wanted:
        return
    shown = {row[0]: dict(zip(SHOWN_FIELDS, row[1:]))
             for row in db.session.connection().execute(_shown_fields(), {"wanted": list(wanted)})}
    for people, person_ids in by_view:
        people.extra.update({person_id: shown[person_id] for person_id in person_ids})


# A degree of latitude is at least this many km of great-circle distance (a thousandth less, so
# that rounding never rules out a pair the arithmetic in scoring would keep).
KM_PER_DEGREE_AT_LEAST = scoring.EARTH_RADIUS_KM * math.pi / 180 * 0.999

# The southern and northern edges of a sharer's reach in latitude, written as PostgreSQL keeps
# statistics on them (revision 0032, which holds this constant): it guesses a third for each
# comparison of two columns, so it took the sharers within reach of a householder for a few
# hundred of 10,000 instead of thousands, and probed two indexes for each of them where hashing
# the tables costs less than half as much.
REACH_SOUTH = Profile.base_latitude - Profile.max_distance_km / KM_PER_DEGREE_AT_LEAST
REACH_NORTH = Profile.base_latitude + Profile.max_distance_km / KM_PER_DEGREE_AT_LEAST


# The conditions ``_may_suit`` may put on the candidates, by name, their values bound by name.
_SUITING = {
    "same_smoking": lambda: sa.or_(Profile.smoker.is_(None), Profile.smoker == sa.bindparam("smoker")),
    "accepting_pets": lambda: sa.or_(Profile.accepts_pets.is_(None), Profile.accepts_pets.is_(True)),
    "without_pets": lambda: sa.or_(Profile.has_pets.is_(None), Profile.has_pets.is_(False)),
    # The candidates (sharers) whose reach may take in the householder's latitude.
    "reaching": lambda: sa.or_(
        Profile.max_distance_km.is_(None), Profile.base_latitude.is_(None), Profile.base_longitude.is_(None),
        sa.and_(REACH_SOUTH <= sa.bindparam("latitude"), REACH_NORTH >= sa.bindparam("latitude"))),
    # The candidates (householders) within the sharer's reach in latitude.
    "within_reach": lambda: sa.or_(
        Profile.latitude.is_(None), Profile.longitude.is_(None),
        Profile.latitude.between(sa.bindparam("south"), sa.bindparam("north"))),
}


def _may_suit(me: scoring.Population, role: Role) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Conditions on the candidates of the one person ``me`` (of ``role``) that every pair the
    hard filters of ``scoring.evaluate`` keep meets: smoking, pets, and the distance to the
    sharer's place of study or work in latitude alone (never further than the sharer's maximum
    distance). They only spare fetching and scoring people who would be filtered out:
    ``evaluate`` still decides, so the ranking is the same. The names of the conditions
    (``_SUITING``) and their values."""
    fact = {name: me.floats(name)[0] for name in ("smoker", "has_pets", "accepts_pets", "latitude", "longitude",
                                                   "base_latitude", "base_longitude", "max_distance_km")}
    known = lambda *names: not any(math.isnan(fact[name]) for name in names)  # noqa: E731
    names: list[str] = []
    values: dict[str, Any] = {}
    if known("smoker"):
        names.append("same_smoking")
        values["smoker"] = bool(fact["smoker"])
    if fact["has_pets"] == 1:
        names.append("accepting_pets")
    if fact["accepts_pets"] == 0:
        names.append("without_pets")
    if role is Role.HOUSEHOLDER:  # the candidates' places and reaches vary
        if known("latitude", "longitude"):
            names.append("reaching")
            values["latitude"] = float(fact["latitude"])
    elif known("base_latitude", "base_longitude", "max_distance_km"):
        reach = float(fact["max_distance_km"]) / KM_PER_DEGREE_AT_LEAST
        base = float(fact["base_latitude"])
        names.append("within_reach")
        values.update(south=base - reach, north=base + reach)
    return tuple(names), values


@functools.cache
def _available(role: Role, suiting: tuple[str, ...], excluding: bool) -> sa.Select:
    """The statement of ``available_people`` with these conditions of ``_SUITING``, its values
    bound by name. Built once for each: building it and its cache key anew cost about 3 ms a
    ranking. Its best plan depends on the scheme's size and on the person ranked: planned each
    time."""
    statement = _candidate_select().join(VettingStanding, VettingStanding.account_id == Account.id).where(
        Account.scheme_id == sa.bindparam("scheme_id"),
        Account.role == role,
        Account.is_active.is_(True),
        Account.email_settled_expression(),
        is_cleared(sa.bindparam("today", type_=sa.Date)),
        completeness.ready_expression(Profile, "vetting"),
        _free(role),
        *(_SUITING[name]() for name in suiting),
    ).order_by(Account.id)
    if excluding:
        statement = statement.where(Account.id != sa.bindparam("excluding"))
    return planned_each_time(statement)


def available_people(scheme: Scheme, role: Role, *, excluding: uuid.UUID | None = None,
                     suiting: tuple[scoring.Population, Role] | None = None) -> scoring.Population:
    """Everyone of ``role`` in the scheme who could be matched now: active, email verified, cleared,
    in no live match and below the scheme's ``max_open_offers`` (and, given the one person
    ``suiting``, only those their hard filters may keep, see ``_may_suit``)."""
    names, values = _may_suit(*suiting) if suiting is not None else ((), {})
    parameters = {"scheme_id": scheme.id, "today": local_today(scheme.timezone),
                  "max_open_offers": scheme.effective_settings["max_open_offers"], "excluding": excluding, **values}
    return _population(_available(role, names, excluding is not None), parameters)


@functools.cache
def _one_candidate() -> sa.Select:
    return _candidate_select().where(Account.id == sa.bindparam("account_id"))


def candidate_of(person: Account) -> scoring.Population:
    return _population(_one_candidate(), {"account_id": person.id})


# The stored features, kept with every write of a profile -------------------------------------


def _stored_row(profile: Any) -> dict[str, Any]:
    fixed, items = features.encode({name: getattr(profile, name) for name in features.FIELDS})
    return {"account_id": profile.account_id, "format": features.FORMAT, "profile_version": profile.version,
            "fixed": fixed, "items": items}


def _store(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Store these people's features, replacing what was stored (one statement)."""
    if not rows:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ScoringFeatures)
    statement = statement.on_conflict_do_update(
        index_elements=[ScoringFeatures.account_id],
        set_={name: statement.excluded[name] for name in ("format", "profile_version", "fixed", "items")})
    connection.execute(statement, rows)


def _profile_written(mapper: Any, connection: sa.Connection, profile: Profile) -> None:
    """Every insert and update of a profile, by whatever service (its version moves with each),
    stores its features again: in the same flush, so in the same transaction."""
    _store(connection, [_stored_row(profile)])


def _profiles_updated_in_bulk(state: ORMExecuteState) -> None:
    """An UPDATE of profiles past their objects (``sa.update(Profile)``) fires no mapper event:
    it moves their versions too, so that the features stored before are no longer read (the
    ranking works them out from the profile until it is written again)."""
    statement = state.statement
    if not state.is_update or state.bind_mapper is not Profile.__mapper__:
        return
    if not any(getattr(name, "key", name) == "version" for name in (statement._values or {})):
        state.statement = statement.values(version=Profile.version + 1)


sa.event.listen(Profile, "after_insert", _profile_written)
sa.event.listen(Profile, "after_update", _profile_written)
sa.event.listen(Session, "do_orm_execute", _profiles_updated_in_bulk)


def store_features(where: sa.ColumnElement[bool]) -> int:
    """Store the features of the profiles of the accounts ``where`` selects, in the caller's
    transaction: for profiles written past the ORM (a bulk load). Returns how many."""
    profiles = db.session.execute(
        sa.select(Profile.account_id, Profile.version, *(getattr(Profile, name) for name in features.FIELDS))
        .join(Account, Account.id == Profile.account_id).where(where)).all()
    _store(db.session.connection(), [_stored_row(profile) for profile in profiles])
    return len(profiles)


@dataclass
class Suggestion:
    householder: Any
    sharer: Any
    score: int
    distance_km: float | None
    reasons: list[str]
    warnings: list[str]


def _suggestion(householder: Any, sharer: Any, score: float, distance: float) -> Suggestion:
    reasons, warnings = scoring.explain(householder, sharer, distance)
    return Suggestion(householder, sharer, int(score), None if math.isnan(distance) else round(float(distance), 1),
                      reasons, warnings)


def rank_candidates(person: Account, *, page: int, per_page: int) -> Page[Suggestion]:
    """The cleared, free people of the other role, best first, with reasons (three statements)."""
    scheme = person.scheme
    me = candidate_of(person)
    other_role = Role.SHARER if person.role is Role.HOUSEHOLDER else Role.HOUSEHOLDER
    others = available_people(scheme, other_role, excluding=person.id, suiting=(me, person.role))
    weights = scheme.effective_settings["matching_weights"]
    if person.role is Role.HOUSEHOLDER:
        evaluation = scoring.evaluate(me, others, weights)
        feasible, score, distance = evaluation.feasible[0], evaluation.score[0], evaluation.distance_km[0]
    else:
        evaluation = scoring.evaluate(others, me, weights)
        feasible, score, distance = evaluation.feasible[:, 0], evaluation.score[:, 0], evaluation.distance_km[:, 0]
    kept = np.flatnonzero(feasible)
    # Best score first; ties in a stable order (the candidates arrive ordered by id).
    order = kept[np.argsort(-score[kept], kind="stable")]
    chosen = [int(i) for i in order[(page - 1) * per_page: page * per_page]]
    _shown((me, [0]), (others, chosen))
    items = []
    mine = me.person(0)
    for i in chosen:
        pair = (mine, others.person(i)) if person.role is Role.HOUSEHOLDER else (others.person(i), mine)
        items.append(_suggestion(*pair, score[i], distance[i]))
    return Page(items=items, page=page, per_page=per_page, total=int(len(kept)))


@dataclass
class PoolSuggestion:
    pairs: list[Suggestion]
    total_score: int
    householders_waiting: int
    sharers_waiting: int
    unpaired_householders: int = field(default=0)
    unpaired_sharers: int = field(default=0)


def suggest_pool(scheme: Scheme) -> PoolSuggestion:
    """The one-to-one pairing of a scheme's free, cleared people with the greatest total score.

    Scores are non-negative, so a maximum-weight assignment over the matrix in which
    infeasible pairs weigh nothing, keeping only feasible pairs, is a maximum-weight
    matching over the feasible pairs.
    """
    householders = available_people(scheme, Role.HOUSEHOLDER)
    sharers = available_people(scheme, Role.SHARER)
    evaluation = scoring.evaluate(householders, sharers, scheme.effective_settings["matching_weights"])
    weight = np.where(evaluation.feasible, evaluation.score, 0.0)
    pairs: list[Suggestion] = []
    if weight.size:
        # Imported here: SciPy adds about 37 MB to every API process, and only this asks for it.
        from scipy.optimize import linear_sum_assignment

        rows, columns = linear_sum_assignment(weight, maximize=True)
        chosen = [(int(i), int(j)) for i, j in zip(rows, columns) if evaluation.feasible[i, j] and weight[i, j] > 0]
        _shown((householders, [i for i, _ in chosen]), (sharers, [j for _, j in chosen]))
        for i, j in chosen:
            pairs.append(_suggestion(householders.person(i), sharers.person(j), evaluation.score[i, j],
                                     evaluation.distance_km[i, j]))
    pairs.sort(key=lambda pair: (-pair.score, str(pair.householder.person_id)))
    return PoolSuggestion(
        pairs=pairs, total_score=sum(pair.score for pair in pairs),
        householders_waiting=len(householders), sharers_waiting=len(sharers),
        unpaired_householders=len(householders) - len(pairs), unpaired_sharers=len(sharers) - len(pairs),
    )


# The lifecycle ---------------------------------------------------------------------------------

# A coordinator's steps, as the audit trail names them (the sides' answers are recorded by respond).
STEP_EVENTS = {action: audit.declare(f"match.{name}", plain=("state",)) for action, name in (
    ("propose", "proposed"), ("introduce", "introduced"), ("start_trial", "trial_started"),
    ("activate", "activated"), ("end", "ended"), ("withdraw", "withdrawn"))}


def _record_step(match: Match, action: str, actor: Account | None, before: MatchState | None) -> None:
    audit.record(actor_id=actor.id if actor else None, scheme_id=match.scheme_id, action=STEP_EVENTS[action], target_type="match",
                 target_id=match.id, before={"state": before.value} if before else None,
                 after={"state": match.state.value})


def _transition(match: Match, action: str, actor: Account | None,
                details: Mapping[str, Any] | None = None) -> MatchEvent:
    """Move ``match`` by ``action`` (or raise 409 naming what is allowed) and record the step."""
    targets = TRANSITIONS[match.state]
    if action not in targets:
        allowed = allowed_actions(match.state)
        raise Conflict(
            f"A match that is {match.state.value} cannot {action.replace('_', ' ')}. "
            + (f"Allowed now: {', '.join(allowed)}." if allowed else "It is closed: nothing more can happen to it."),
            kind="illegal-transition", extensions={"state": match.state.value, "allowed_transitions": allowed},
        )
    before, match.state = match.state, targets[action]
    event = MatchEvent(id=uuid.uuid4(), match_id=match.id, action=action, from_state=before, to_state=match.state,
                       actor_id=actor.id if actor else None, occurred_at=utcnow(), details=_plain(details))
    db.session.add(event)
    if action in STEP_EVENTS:
        _record_step(match, action, actor, before)
    return event


def _plain(details: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not details:
        return None
    return {key: value.isoformat() if isinstance(value, (date, datetime)) else
            value.value if isinstance(value, enum.Enum) else value for key, value in details.items()}


def _is_cleared(account: Account, scheme: Scheme) -> bool:
    return db.session.scalar(
        sa.select(stored_status(local_today(scheme.timezone))).select_from(Account)
        .outerjoin(VettingStanding, VettingStanding.account_id == Account.id).where(Account.id == account.id)
    ) == VettingStatus.CLEARED.value


def _still_eligible(match: Match, scheme: Scheme) -> None:
    """Each step forward needs both people still active and cleared (checks can fail or lapse)."""
    for side, person_id in (("householder", match.householder_id), ("sharer", match.sharer_id)):
        person = db.session.get(Account, person_id)
        if not person.is_active or not _is_cleared(person, scheme):
            raise Conflict(f"The {side} is no longer active and cleared; the match cannot move on.",
                           kind="person-not-cleared",
                           extensions={"state": match.state.value, "allowed_transitions": allowed_actions(match.state)})


def propose(*, actor: Account, scheme: Scheme, householder_id: uuid.UUID, sharer_id: uuid.UUID,
            follows_match_id: uuid.UUID | None = None) -> tuple[Match, bool]:
    """Propose a match. Repeating a proposal that is still open returns it unchanged.
    ``follows_match_id``: the ended or withdrawn match of the scheme this one follows (a rematch
    of at least one of its two people)."""
    people = {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.id.in_([householder_id, sharer_id])))}
    errors: dict[str, list[str]] = {}
    for field_name, person_id, role in (("householder_id", householder_id, Role.HOUSEHOLDER),
                                        ("sharer_id", sharer_id, Role.SHARER)):
        person = people.get(person_id)
        if person is None or person.scheme_id != scheme.id or person.role is not role:
            errors[field_name] = [f"No {role.value} with this id in the scheme."]
        elif not person.is_active:
            errors[field_name] = ["This account is deactivated."]
        elif not person.email_settled:
            errors[field_name] = ["This person has not verified their email address yet."]
        elif not _is_cleared(person, scheme):
            errors[field_name] = ["Only people whose vetting is cleared can be proposed."]
        else:
            missing = db.session.get(Profile, person.id).completeness["missing_for_vetting"]
            if missing:
                errors[field_name] = [f"The profile is missing {', '.join(missing)}."]
    if follows_match_id is not None:
        previous = db.session.get(Match, follows_match_id)
        if (previous is None or previous.scheme_id != scheme.id
                or previous.state not in (MatchState.ENDED, MatchState.WITHDRAWN)
                or not {previous.householder_id, previous.sharer_id} & {householder_id, sharer_id}):
            errors["follows_match_id"] = [
                "Must be an ended or withdrawn match of the scheme with the householder or the sharer in it."]
    if errors:
        raise ValidationFailed(errors)
    _hold_people(householder_id, sharer_id)
    existing = _open_proposal(householder_id, sharer_id)
    if existing is not None:
        return existing, False
    if db.session.scalars(sa.select(Match.id).where(Match.householder_id == householder_id,
                                                    Match.sharer_id == sharer_id,
                                                    Match.state.in_(ACQUAINTED_STATES))).first() is not None:
        raise Conflict("These two are already introduced, or share a home.", kind="already-matched")
    _refuse_unless_free(scheme, {"householder_id": householder_id, "sharer_id": sharer_id})
    weights = scheme.effective_settings["matching_weights"]
    evaluation = scoring.evaluate(candidate_of(people[householder_id]), candidate_of(people[sharer_id]), weights)
    match = Match(id=uuid.uuid4(), scheme_id=scheme.id, householder_id=householder_id, sharer_id=sharer_id,
                  state=MatchState.PROPOSED, score=int(evaluation.score[0, 0]),
                  proposed_by_id=actor.id, proposed_at=utcnow(), follows_match_id=follows_match_id)
    db.session.add(match)
    db.session.add(MatchEvent(match_id=match.id, action="propose", from_state=None, to_state=MatchState.PROPOSED,
                              actor_id=actor.id, occurred_at=match.proposed_at))
    _record_step(match, "propose", actor, None)
    try:
        # Inside: storing the messages flushes the match, which the same proposal sent at once refuses.
        _tell(match, kind=kinds.MATCH_PROPOSED, title=_l("You have been proposed a match"),
              body=_l("Your coordinator proposed a match for you: have a look and say whether you would like to "
                      "meet."),
              key=f"match-proposed:{match.id}", sides=("householder", "sharer"), coordinators=[])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        repeated = _open_proposal(householder_id, sharer_id)
        if repeated is not None:  # the same proposal, sent twice at once
            return repeated, False
        raise Conflict("The householder or the sharer is already in a live match.", kind="already-matched") from None
    return match, True


def _open_proposal(householder_id: uuid.UUID, sharer_id: uuid.UUID) -> Match | None:
    return db.session.scalars(
        sa.select(Match).where(Match.householder_id == householder_id, Match.sharer_id == sharer_id,
                               Match.state == MatchState.PROPOSED)
    ).first()


def _hold_people(*people: uuid.UUID) -> None:
    """Hold the people's account rows until the transaction ends (on SQLite, its one write
    lock): proposals and trials for the same person take turns, so counting their offers and
    withdrawing their other offers sees what the other request did. Always in the same order,
    so two requests never wait for each other."""
    if db.session.get_bind().dialect.name == "sqlite":
        # A write that changes nothing takes SQLite's one write lock now, before the reads.
        db.session.execute(sa.text("UPDATE account SET role = role WHERE id IN :people").bindparams(
            sa.bindparam("people", value=list(people), expanding=True, type_=sa.Uuid())))
        return
    db.session.execute(sa.select(Account.id).where(Account.id.in_(people)).order_by(Account.id)
                       .with_for_update(key_share=True))


def _matches_of(people: Sequence[uuid.UUID], states: Sequence[MatchState]) -> sa.Select:
    return sa.select(Match).where(sa.or_(Match.householder_id.in_(people), Match.sharer_id.in_(people)),
                                  Match.state.in_(states)).order_by(Match.id)


def _refuse_unless_free(scheme: Scheme, people: Mapping[str, uuid.UUID]) -> None:
    """409 when either person is in a live match, or already in as many offers (proposals
    and introductions) as the scheme allows at once (``max_open_offers``)."""
    live = db.session.scalars(_matches_of(list(people.values()), LIVE_STATES)).all()
    busy = [name for name, person in people.items() if any(person in (m.householder_id, m.sharer_id) for m in live)]
    if busy:
        raise Conflict(f"The {' and the '.join(name.removesuffix('_id') for name in busy)} already "
                       f"{'is' if len(busy) == 1 else 'are'} in a live match (trial, active or notice).",
                       kind="already-matched", extensions={"people": busy})
    limit = scheme.effective_settings["max_open_offers"]
    offers = db.session.scalars(_matches_of(list(people.values()), OFFER_STATES)).all()
    full = [name for name, person in people.items()
            if sum(person in (m.householder_id, m.sharer_id) for m in offers) >= limit]
    if full:
        raise Conflict(f"The {' and the '.join(name.removesuffix('_id') for name in full)} already "
                       f"{'has' if len(full) == 1 else 'have'} {limit} open offers (proposals and introductions), "
                       "as many as the scheme allows at once; withdraw one first.",
                       kind="too-many-offers", extensions={"people": full, "max_open_offers": limit})


RESPONSES = tuple(audit.declare(f"match.{response.value}", plain=("side", "response")) for response in Response)


RESPONDED = "match.responded"


def respond(*, actor: Account, match: Match, accept: bool, reason: str | None, share_contact: bool,
            on_behalf: Mapping[str, Any] | None = None) -> Account:
    """A side accepts or declines a proposal: the person, or a coordinator recording their view
    (``on_behalf``). Repeating the same answer changes nothing. Returns whose answer it is."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=None)
    side = answerer.side
    person = db.session.get(Account, answerer.person_id)
    refuse_both_sides(answerer, actions=[RESPONDED], target_type="match", target_ids=[match.id])
    response = Response.ACCEPTED if accept else Response.DECLINED
    if getattr(match, f"{side}_response") is response:
        # The same answer again: only the consent to share contact details may change.
        if accept and getattr(match, f"{side}_shares_contact") is not share_contact:
            setattr(match, f"{side}_shares_contact", share_contact)
            db.session.commit()
        return person
    _transition(match, "accept" if accept else "decline", actor, {"side": side, "reason": reason})
    previous = getattr(match, f"{side}_response")
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=f"match.{response.value}", target_type="match",
                 target_id=match.id, before={"side": side, "response": previous.value if previous else None},
                 after={"side": side, "response": response.value})
    setattr(match, f"{side}_response", response)
    setattr(match, f"{side}_responded_at", utcnow())
    setattr(match, f"{side}_decline_reason", None if accept else reason)
    setattr(match, f"{side}_shares_contact", bool(accept and share_contact))
    if not accept:
        match.closed_at = utcnow()
    behalf.record(answerer, scheme_id=match.scheme_id, action=RESPONDED, target_type="match", target_id=match.id)
    db.session.commit()
    return person


def arrange_introduction(*, actor: Account, match: Match, meeting_at: datetime, place: str) -> Match:
    if match.state is MatchState.INTRODUCTION and (match.introduction_at, match.introduction_place) == (meeting_at, place):
        return match
    if match.state is MatchState.PROPOSED and not (
        match.householder_response is Response.ACCEPTED and match.sharer_response is Response.ACCEPTED
    ):
        raise Conflict("Both sides must accept the proposal before their introduction.", kind="awaiting-acceptance",
                       extensions=refusal(match.state, "introduce"))
    _still_eligible(match, get_scheme_of(match))
    _transition(match, "introduce", actor, {"meeting_at": meeting_at, "place": place})
    match.introduction_at, match.introduction_place = meeting_at, place
    db.session.commit()
    return match


MATCHED_ELSEWHERE = "matched elsewhere"
"""The reason an offer is withdrawn when one of its people starts a trial in another match."""


def start_trial(*, actor: Account, match: Match, start_on: date, scheme: Scheme) -> Match:
    """Start the trial of an introduction. Both people's other offers (proposals and
    introductions) are withdrawn in the same transaction ("matched elsewhere"), and their other
    people and the coordinators are told. A person is in one live match at most: of two trials
    started at once for the same person, one starts and the other is refused (409)."""
    if match.state is MatchState.TRIAL and match.trial_started_on == start_on:
        return match
    if match.state is MatchState.INTRODUCTION:
        _hold_people(match.householder_id, match.sharer_id)
        db.session.refresh(match)  # as it is now the people are held: another trial may have withdrawn it
    if match.state is MatchState.WITHDRAWN and match.end_reason == MATCHED_ELSEWHERE:
        raise Conflict("One of this match's people started a trial in another match; this one was withdrawn.",
                       kind="matched-elsewhere", extensions=refusal(match.state, "start_trial"))
    if match.state is MatchState.INTRODUCTION:
        _still_eligible(match, scheme)
        live = db.session.scalars(_matches_of([match.householder_id, match.sharer_id], LIVE_STATES)).first()
        if live is not None:
            raise _already_live()
    # The length the accepted agreement sets, else the scheme's (read before the match changes,
    # so that the database's last word on live matches comes at the flush below).
    length = next((found for _receiver, found in trial_terms.send(match) if found),
                  scheme.effective_settings["trial_length_days"])
    _transition(match, "start_trial", actor, {"start_on": start_on})
    match.trial_started_on = start_on
    # The match holds the trial's end date.
    match.trial_ends_on = start_on + timedelta(days=length)
    try:
        db.session.flush()
    except IntegrityError:  # another trial for one of them landed first: the unique index refused this one
        db.session.rollback()
        raise _already_live() from None
    messages = _withdraw_other_offers(match, actor)
    messages += _messages(match, kind=kinds.TRIAL_STARTED, title=_l("Your trial has started"),
                          body=_l("Your trial runs from %(start)s to %(end)s.", start=start_on.isoformat(),
                                  end=match.trial_ends_on.isoformat()),
                          key=f"trial-started:{match.id}", sides=("householder", "sharer"), coordinators=[])
    trial_started.send(match, scheme=scheme)
    notify(messages)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _already_live() from None
    return match


def _already_live() -> Conflict:
    return Conflict("The householder or the sharer is already in a live match (trial, active or notice); "
                    "nothing was changed.", kind="already-matched",
                    extensions={"state": MatchState.INTRODUCTION.value,
                                "allowed_transitions": allowed_actions(MatchState.INTRODUCTION)})


def _withdraw_other_offers(match: Match, actor: Account | None) -> list[Message]:
    """Withdraw the other proposals and introductions of ``match``'s two people, as a
    coordinator's withdrawal is recorded; the messages that tell each of their other people
    and the coordinators, once per match and person."""
    others = [other for other in db.session.scalars(
        _matches_of([match.householder_id, match.sharer_id], OFFER_STATES)) if other.id != match.id]
    coordinators = coordinators_of(match.scheme_id) if others else []
    messages: list[Message] = []
    for other in others:
        _transition(other, "withdraw", actor, {"reason": MATCHED_ELSEWHERE, "matched_in": str(match.id)})
        other.end_reason, other.closed_at = MATCHED_ELSEWHERE, utcnow()
        sides = tuple(side for side in ("householder", "sharer")
                      if getattr(other, f"{side}_id") not in (match.householder_id, match.sharer_id))
        messages += _messages(other, kind=kinds.MATCH_WITHDRAWN, title=_l("A proposed match was withdrawn"),
                              body=_l("The other person has started a trial in another match, so this one was "
                                      "withdrawn."),
                              key=f"matched-elsewhere:{other.id}", sides=sides, coordinators=coordinators)
    return messages


def activate(*, actor: Account, match: Match) -> Match:
    if match.state is MatchState.ACTIVE:
        return match
    if match.state is MatchState.TRIAL:
        activating.send(match)
        _still_eligible(match, get_scheme_of(match))
    _transition(match, "activate", actor)
    match.activated_at = utcnow()
    db.session.commit()
    return match


def end(*, actor: Account, match: Match, ended_by: EndedBy, reason: str, notice_given_days: int,
        end_on: date, reason_code: EndReason | None = None) -> Match:
    """A coordinator ends a match at once (from its trial, once active, or during its notice)."""
    if match.state is MatchState.ENDED:
        if (match.ended_by, match.end_reason, match.notice_given_days, match.ended_on) == (
                ended_by, reason, notice_given_days, end_on):
            return match
    if match.trial_started_on is not None and end_on < match.trial_started_on:
        raise ValidationFailed({"end_on": [f"The trial started on {match.trial_started_on.isoformat()}."]})
    _transition(match, "end", actor, {"ended_by": ended_by, "reason": reason,
                                      "notice_given_days": notice_given_days, "end_on": end_on})
    match.ended_by, match.end_reason = ended_by, reason
    match.end_reason_code = reason_code or match.notice_reason
    match.notice_given_days, match.ended_on = notice_given_days, end_on
    match.closed_at = utcnow()
    db.session.commit()
    return match


def withdraw(*, actor: Account, match: Match, reason: str) -> Match:
    if match.state is MatchState.WITHDRAWN and match.end_reason == reason:
        return match
    _transition(match, "withdraw", actor, {"reason": reason})
    match.end_reason = reason
    match.closed_at = utcnow()
    db.session.commit()
    return match


# Notice ----------------------------------------------------------------------------------------
# Real matches end with notice: either person (or a coordinator for them, or the scheme) gives
# it, the sharer stays until its last day, and the scheduler ends the match once that day has
# passed. Both people together may withdraw it; a coordinator may shorten it.

NOTICE_GIVEN = audit.declare("match.notice_given", plain=("state", "given_by", "reason", "given_on", "last_day"))
NOTICE_SHORTENED = audit.declare("match.notice_shortened", plain=("last_day",))
NOTICE_WITHDRAWAL_AGREED = audit.declare("match.notice_withdrawal_agreed", plain=("side",))
NOTICE_WITHDRAWN = audit.declare("match.notice_withdrawn", plain=("state",))
NOTICE_RAN_OUT = audit.declare("match.notice_ran_out", plain=("state", "ended_on", "reason"))
EXIT_FEEDBACK_GIVEN = audit.declare("match.exit_feedback_given",
                                    plain=("side", "would_homeshare_again", "scheme_support"))

# What was done for someone, as ``behalf.record`` names it.
GIVING_NOTICE = "match.notice_given"
AGREEING_TO_WITHDRAW_NOTICE = "match.notice_withdrawal_agreed"
GIVING_EXIT_FEEDBACK = "match.exit_feedback_given"

EXIT_FEEDBACK_STATES = (MatchState.NOTICE, MatchState.ENDED)


def notice_days(match: Match) -> int:
    """The notice a match in its trial or active owes: its accepted agreement's (trial) notice,
    or the defaults where no version was accepted."""
    terms = {"notice_days": DEFAULT_NOTICE_DAYS, "trial_notice_days": DEFAULT_TRIAL_NOTICE_DAYS}
    for _receiver, found in notice_terms.send(match):
        if found:
            terms.update(found)
    return terms["trial_notice_days"] if match.state is MatchState.TRIAL else terms["notice_days"]


def notice_period(given_at: datetime, timezone_name: str, days: int) -> tuple[date, date]:
    """The day notice given at ``given_at`` counts from (the scheme's local day) and its last day."""
    given_on = given_at.astimezone(ZoneInfo(timezone_name)).date()
    return given_on, given_on + timedelta(days=days)


def _messages(match: Match, *, kind: kinds.Kind, title: Text, body: Text, key: str, sides: Sequence[str],
              coordinators: Sequence[uuid.UUID] | None = None) -> list[Message]:
    """For ``sides`` of the match and the scheme's coordinators, once each per ``key``."""
    people = [getattr(match, f"{side}_id") for side in sides]
    coordinators = coordinators_of(match.scheme_id) if coordinators is None else coordinators
    return [kind.message(recipient, event=key, title=title, body=body, data={"match_id": str(match.id)})
            for recipient in dict.fromkeys([*people, *coordinators])]


def _tell(match: Match, **message: Any) -> None:
    notify(_messages(match, **message))


NOTICE_GIVEN_WORDS = {
    NoticeGiver.HOUSEHOLDER: lambda day: _l("The householder gave notice; the last day is %(day)s.", day=day),
    NoticeGiver.SHARER: lambda day: _l("The sharer gave notice; the last day is %(day)s.", day=day),
    NoticeGiver.SCHEME: lambda day: _l("The scheme gave notice; the last day is %(day)s.", day=day),
}


def _other_sides(given_by: NoticeGiver) -> tuple[str, ...]:
    return ("householder", "sharer") if given_by is NoticeGiver.SCHEME else (
        ("sharer",) if given_by is NoticeGiver.HOUSEHOLDER else ("householder",))


def give_notice(*, actor: Account, match: Match, reason: EndReason, comment: str | None,
                on_behalf: Mapping[str, Any] | None = None) -> Match:
    """Give notice: a person for themselves, a coordinator recording a person's notice
    (``on_behalf``) or, without ``on_behalf``, giving the scheme's. The same notice again
    changes nothing; a match not in its trial or active is refused (409), nothing stored."""
    if actor.role is Role.COORDINATOR and on_behalf is None:
        answerer, given_by = None, NoticeGiver.SCHEME
    else:
        answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=None)
        given_by = NoticeGiver(answerer.side)
    if match.state is MatchState.NOTICE and (match.notice_given_by, match.notice_reason, match.notice_comment) == (
            given_by, reason, comment):
        return match
    if match.state not in NOTICE_FROM_STATES:
        already = match.state is MatchState.NOTICE
        raise Conflict(
            "Notice was already given on this match; a coordinator may shorten it, or both people withdraw it."
            if already else f"A match that is {match.state.value} cannot be given notice: only a trial or an "
            "active match.", kind="notice-already-given" if already else "illegal-transition",
            extensions=refusal(match.state, "give_notice"))
    scheme = get_scheme_of(match)
    days = notice_days(match)
    given_on, last_day = notice_period(utcnow(), scheme.timezone, days)
    before = match.state
    event = _transition(match, "give_notice", actor, {"given_by": given_by, "reason_code": reason,
                                                      "notice_days": days, "given_on": given_on,
                                                      "last_day": last_day})
    match.notice_given_by, match.notice_reason, match.notice_comment = given_by, reason, comment
    match.notice_given_on, match.notice_last_day = given_on, last_day
    match.householder_withdraws_notice_at = match.sharer_withdraws_notice_at = None
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=NOTICE_GIVEN, target_type="match",
                 target_id=match.id, before={"state": before.value},
                 after={"state": match.state.value, "given_by": given_by.value, "reason": reason.value,
                        "given_on": given_on, "last_day": last_day})
    if answerer is not None:
        behalf.record(answerer, scheme_id=match.scheme_id, action=GIVING_NOTICE, target_type="match",
                      target_id=match.id)
    _tell(match, kind=kinds.NOTICE_GIVEN, title=_l("Notice was given on your homeshare"),
          body=NOTICE_GIVEN_WORDS[given_by](last_day.isoformat()), key=f"notice-given:{event.id}",
          sides=_other_sides(given_by))
    db.session.commit()
    return match


def shorten_notice(*, actor: Account, match: Match, last_day: date, reason: str) -> Match:
    """A coordinator brings the notice's last day forward: not before today (in the scheme's
    time zone), not after its current last day. The same last day again changes nothing."""
    if match.state is not MatchState.NOTICE:
        raise Conflict(f"A match that is {match.state.value} has no notice to shorten.", kind="no-notice",
                       extensions=refusal(match.state, "shorten_notice"))
    if last_day == match.notice_last_day:
        return match
    today = local_today(get_scheme_of(match).timezone)
    if last_day < today:
        raise ValidationFailed({"last_day": [f"Cannot be before today ({today.isoformat()})."]})
    if last_day > match.notice_last_day:
        raise ValidationFailed({"last_day": [
            f"Cannot be after the notice's last day ({match.notice_last_day.isoformat()}); only shortened."]})
    previous = match.notice_last_day
    event = _transition(match, "shorten_notice", actor, {"last_day": last_day, "shortened_from": previous,
                                                         "reason": reason})
    match.notice_last_day = last_day
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=NOTICE_SHORTENED, target_type="match",
                 target_id=match.id, before={"last_day": previous}, after={"last_day": last_day})
    _tell(match, kind=kinds.NOTICE_SHORTENED, title=_l("The notice on your homeshare was shortened"),
          body=_l("The last day is now %(day)s.", day=last_day.isoformat()), key=f"notice-shortened:{event.id}",
          sides=("householder", "sharer"))
    db.session.commit()
    return match


def withdraw_notice(*, actor: Account, match: Match, on_behalf: Mapping[str, Any] | None = None) -> Match:
    """One person agrees to withdraw the notice (themselves, or a coordinator recording their
    view; one coordinator never agrees for both). Once both agreed, the match returns to the
    state it was in and the notice is cleared (its steps stay in the match's history)."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=None)
    if match.state is not MatchState.NOTICE:
        raise Conflict(f"A match that is {match.state.value} has no notice to withdraw.", kind="no-notice",
                       extensions=refusal(match.state, "agree_to_withdraw_notice"))
    side = answerer.side
    column = f"{side}_withdraws_notice_at"
    if getattr(match, column) is not None:
        return match
    refuse_both_sides(answerer, actions=[AGREEING_TO_WITHDRAW_NOTICE], target_type="match", target_ids=[match.id])
    _transition(match, "agree_to_withdraw_notice", actor, {"side": side})
    setattr(match, column, utcnow())
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=NOTICE_WITHDRAWAL_AGREED, target_type="match",
                 target_id=match.id, after={"side": side})
    behalf.record(answerer, scheme_id=match.scheme_id, action=AGREEING_TO_WITHDRAW_NOTICE, target_type="match",
                  target_id=match.id)
    if match.householder_withdraws_notice_at is not None and match.sharer_withdraws_notice_at is not None:
        event = _transition(match, "resume_active" if match.activated_at is not None else "resume_trial", actor,
                            {"given_by": match.notice_given_by, "reason_code": match.notice_reason,
                             "given_on": match.notice_given_on, "last_day": match.notice_last_day})
        match.notice_given_by = match.notice_reason = match.notice_comment = None
        match.notice_given_on = match.notice_last_day = None
        match.householder_withdraws_notice_at = match.sharer_withdraws_notice_at = None
        audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=NOTICE_WITHDRAWN, target_type="match",
                     target_id=match.id, before={"state": MatchState.NOTICE.value}, after={"state": match.state.value})
        _tell(match, kind=kinds.NOTICE_WITHDRAWN, title=_l("The notice on your homeshare was withdrawn"),
              body=_l("You both agreed: the homeshare carries on."), key=f"notice-withdrawn:{event.id}",
              sides=("householder", "sharer"))
    db.session.commit()
    return match


def run_out_notice(match: Match, *, now: datetime, coordinators: Sequence[uuid.UUID] | None = None) -> list[Message]:
    """End ``match``, whose notice's last day has passed, on that day: once, whatever number of
    schedulers try at once (a conditional write). The caller commits and sends the messages it
    returns (none when the match was not ended here)."""
    if match.state is not MatchState.NOTICE or "notice_runs_out" not in TRANSITIONS[match.state]:
        return []
    last_day, given_by, reason = match.notice_last_day, match.notice_given_by, match.notice_reason
    match_id, scheme_id = match.id, match.scheme_id
    ended = db.session.execute(
        sa.update(Match).where(Match.id == match_id, Match.state == MatchState.NOTICE)
        .values(state=MatchState.ENDED, ended_on=last_day, ended_by=EndedBy(given_by.value),
                end_reason=reason.value, end_reason_code=reason,
                notice_given_days=(last_day - match.notice_given_on).days, closed_at=now,
                version=Match.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(match)
    if not ended:
        return []
    db.session.add(MatchEvent(match_id=match_id, action="notice_runs_out", from_state=MatchState.NOTICE,
                              to_state=MatchState.ENDED, actor_id=None, occurred_at=now,
                              details=_plain({"ended_by": given_by, "reason_code": reason, "end_on": last_day})))
    audit.record(actor_id=None, scheme_id=scheme_id, action=NOTICE_RAN_OUT, target_type="match",
                 target_id=match_id, before={"state": MatchState.NOTICE.value},
                 after={"state": MatchState.ENDED.value, "ended_on": last_day, "reason": reason.value})
    return _messages(match, kind=kinds.MATCH_ENDED, title=_l("Your homeshare has ended"),
                     body=_l("The notice's last day was %(day)s.", day=last_day.isoformat()),
                     key=f"match-ended:{match_id}",
                     sides=("householder", "sharer"), coordinators=coordinators)


def notices_run_out(scheme: Scheme, now: datetime, coordinators: Sequence[uuid.UUID] | None = None) -> list[Message]:
    """End the scheme's matches whose notice's last day has passed (in its time zone); the
    messages that tell their people and the coordinators, for the caller to send."""
    today = now.astimezone(ZoneInfo(scheme.timezone)).date()
    due = db.session.scalars(sa.select(Match).where(
        Match.scheme_id == scheme.id, Match.state == MatchState.NOTICE, Match.notice_last_day < today)).all()
    return [message for match in due for message in run_out_notice(match, now=now, coordinators=coordinators)]


def put_exit_feedback(*, actor: Account, match: Match, would_homeshare_again: bool, scheme_support: int,
                      comment: str | None, on_behalf: Mapping[str, Any] | None = None) -> tuple[ExitFeedback, bool]:
    """One side's exit feedback, once the match is in notice or ended: the person, or a
    coordinator recording their view. Replaces what that side gave; the same again changes
    nothing. Returns it and whether it was new."""
    answerer = behalf.answerer(actor, match, on_behalf=on_behalf, scope=None)
    if match.state not in EXIT_FEEDBACK_STATES:
        raise Conflict(f"Exit feedback is given once notice is given or the match ended; this one is "
                       f"{match.state.value}.", kind="not-ending", extensions=refusal(match.state, "exit_feedback"))
    side = answerer.side
    values = {"would_homeshare_again": would_homeshare_again, "scheme_support": scheme_support, "comment": comment}
    found = db.session.scalars(sa.select(ExitFeedback).where(ExitFeedback.match_id == match.id,
                                                             ExitFeedback.side == side)).first()
    if found is not None and all(getattr(found, name) == value for name, value in values.items()):
        return found, False
    created = found is None
    before = None if created else {"side": side, "would_homeshare_again": found.would_homeshare_again,
                                   "scheme_support": found.scheme_support}
    if created:
        found = ExitFeedback(id=uuid.uuid4(), match_id=match.id, side=side, **values,
                             recorded_by_id=actor.id, updated_at=utcnow())
        db.session.add(found)
    else:
        for name, value in values.items():
            setattr(found, name, value)
        found.recorded_by_id, found.updated_at = actor.id, utcnow()
    audit.record(actor_id=actor.id, scheme_id=match.scheme_id, action=EXIT_FEEDBACK_GIVEN, target_type="match",
                 target_id=match.id, before=before,
                 after={"side": side, "would_homeshare_again": would_homeshare_again, "scheme_support": scheme_support})
    behalf.record(answerer, scheme_id=match.scheme_id, action=GIVING_EXIT_FEEDBACK, target_type="match",
                  target_id=match.id)
    try:
        db.session.commit()
    except IntegrityError:  # the same side's feedback, sent twice at once
        db.session.rollback()
        return put_exit_feedback(actor=actor, match=match, would_homeshare_again=would_homeshare_again,
                                 scheme_support=scheme_support, comment=comment, on_behalf=on_behalf)
    return found, created


# Reading matches ---------------------------------------------------------------------------------


def get_scheme_of(match: Match) -> Scheme:
    return db.session.get(Scheme, match.scheme_id)


def get_match(match_id: uuid.UUID) -> Match | None:
    return db.session.get(Match, match_id)


def match_in_full(match: Match) -> Match:
    """``match`` as its coordinators read it, its history and exit feedback loaded in one statement
    (a side gives one feedback at most, so joining both lists at most doubles the history's rows)."""
    db.session.scalars(sa.select(Match).where(Match.id == match.id)
                       .options(joinedload(Match.events), joinedload(Match.exit_feedback))).unique().one()
    return match


def list_matches(*, scheme: Scheme, state: MatchState | None, page: int, per_page: int) -> Page[Match]:
    statement = sa.select(Match).where(Match.scheme_id == scheme.id)
    if state is not None:
        statement = statement.where(Match.state == state)
    return paginate(statement.order_by(Match.proposed_at.desc(), Match.id), page=page, per_page=per_page)


def matches_of(account: Account, *, page: int, per_page: int) -> Page[dict[str, Any]]:
    """Someone's own matches as they see them: the live one first, then the past, newest first."""
    live_first = sa.case((Match.state.in_(OPEN_STATES), 0), else_=1)
    statement = (
        sa.select(Match).where(sa.or_(Match.householder_id == account.id, Match.sharer_id == account.id))
        .order_by(live_first, Match.proposed_at.desc(), Match.id)
    )
    result = paginate(statement, page=page, per_page=per_page)
    result.items = party_views(account, result.items)
    return result


# What each side sees --------------------------------------------------------------------------

def _district(postcode: str | None) -> str | None:
    return postcode.split(" ", 1)[0] if postcode else None


def _other_party(match: Match, profile: Profile) -> dict[str, Any]:
    """The limited profile one side sees of the other: never address, birth date or vetting."""
    householder = profile.role is Role.HOUSEHOLDER
    view = {
        "role": profile.role,
        "preferred_name": profile.preferred_name or profile.first_name,
        "district": _district(profile.postcode),
        "interests": profile.interests, "languages": profile.languages,
        "smoker": profile.smoker, "has_pets": profile.has_pets, "accepts_pets": profile.accepts_pets,
        "dietary_needs": profile.dietary_needs, "daily_rhythm": profile.daily_rhythm,
        "quiet_home": profile.quiet_home, "photo_url": profile.photo_url, "bio": profile.bio,
        "tasks": profile.tasks_wanted if householder else profile.tasks_offered,
        "hours_per_week": profile.hours_wanted_per_week if householder else profile.hours_offered_per_week,
        "contact": None,
    }
    if match.state in ACQUAINTED_STATES and match.householder_shares_contact and match.sharer_shares_contact:
        view["contact"] = {"first_name": profile.first_name, "last_name": profile.last_name,
                           "phone": profile.phone, "email": profile.account.email}
    return view


def _next_step(match: Match, side: str, waiting: str | None) -> str | None:
    """What the person on ``side`` is expected to do next; ``waiting``: what something that
    hangs off the match asks of them (see ``party_steps``)."""
    other = "sharer" if side == "householder" else "householder"
    if match.state is MatchState.PROPOSED:
        if getattr(match, f"{side}_response") is None:
            return "Say whether you would like to meet: accept or decline the proposal."
        if getattr(match, f"{other}_response") is None:
            return f"Wait for the {other} to answer."
        return "Wait for your coordinator to arrange the introduction."
    if match.state in ACQUAINTED_STATES:
        if waiting is not None:
            return waiting
        if match.state is MatchState.INTRODUCTION:
            return "Meet at the introduction, then wait for your coordinator to start the trial."
        if match.state is MatchState.TRIAL:
            return f"Trial until {match.trial_ends_on.isoformat()}; your coordinator will review it with you."
        if match.state is MatchState.NOTICE:
            if getattr(match, f"{other}_withdraws_notice_at") and not getattr(match, f"{side}_withdraws_notice_at"):
                return f"The {other} would like to carry on: agree to withdraw the notice, or let it run."
            return f"Notice was given: the homeshare ends after {match.notice_last_day.isoformat()}."
    return None


def party_views(account: Account, matches: Sequence[Match]) -> list[dict[str, Any]]:
    """What ``account`` sees of each of its matches, in two statements whatever their number or
    state: one reads each match's other person, the step that waits on ``account`` in what hangs
    off the match (``party_steps``: its columns) and ``account``'s exit feedback; the other what
    was done for them."""
    if not matches:
        return []
    mine = Match.householder_id == account.id
    steps = [step for _receiver, step in party_steps.send(account)]
    rows = db.session.execute(
        sa.select(Match.id, Profile, ExitFeedback, *(step.value.label(f"step_{i}") for i, step in enumerate(steps)))
        .join(Profile, Profile.account_id == sa.case((mine, Match.sharer_id), else_=Match.householder_id))
        .outerjoin(ExitFeedback, sa.and_(ExitFeedback.match_id == Match.id,
                                         ExitFeedback.side == sa.case((mine, "householder"), else_="sharer"),
                                         Match.state.in_(EXIT_FEEDBACK_STATES)))
        .where(Match.id.in_([match.id for match in matches]))
    )
    profiles: dict[uuid.UUID, Profile] = {}
    feedback: dict[uuid.UUID, ExitFeedback | None] = {}
    waiting: dict[uuid.UUID, str] = {}
    for match_id, profile, given, *values in rows:
        profiles[match_id], feedback[match_id] = profile, given
        for step, value in zip(steps, values):
            if value is not None:
                waiting[match_id] = step.wording(value)
    done_for = behalf.records_for("match", [match.id for match in matches])
    views = []
    for match in matches:
        side = match.side_of(account.id)
        views.append({
            "match": match, "side": side, "your_response": getattr(match, f"{side}_response"),
            "on_behalf": [item for item in done_for.get(match.id, []) if item.person_id == account.id],
            "other_party": _other_party(match, profiles[match.id]),
            "next_step": _next_step(match, side, waiting.get(match.id)),
            "notice": match.notice, "exit_feedback": feedback[match.id],
        })
    return views
