"""Outcome figures on hand-built histories whose answers, and so whose figures, are known."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime, timezone

import pytest

from homeshare.behalf.models import GivenAs
from homeshare.extensions import db
from homeshare.questionnaires.instruments import INSTRUMENTS, score
from homeshare.questionnaires.models import Occasion, Questionnaire
from homeshare.questionnaires.outcomes import mean_with_interval, outcomes, scores_over_time
from homeshare.schemes.models import Scheme
from tests.matchdesk import Desk

SWEMWBS = ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "own_mind"]
T_975_DF2 = 4.302652729911275  # the 97.5th percentile of Student's t with 2 degrees of freedom
FIRST, LAST = date(2027, 4, 1), date(2027, 6, 30)


def raw(total: int) -> tuple[int, ...]:
    """Seven SWEMWBS answers adding up to ``total``."""
    values = [1] * 7
    for index in range(total - 7):
        values[index % 7] += 1
    return tuple(values)


def answered(person, role: str, occasion: Occasion, at: datetime, *, swemwbs: int, ucla=(1, 1, 1), lonely=1,
             safe=3, satisfaction=3, match_id=None):
    """One answered questionnaire, scored as the service scores one."""
    in_a_match = occasion is not Occasion.BASELINE
    answers = {"swemwbs": dict(zip(SWEMWBS, raw(swemwbs))),
               "ucla3": {"companionship": ucla[0], "left_out": ucla[1], "isolated": ucla[2], "lonely": lonely},
               "scheme_items": {"safe_at_home": safe, **({"match_satisfaction": satisfaction} if in_a_match else {})}}
    scores = {}
    for name, instrument in INSTRUMENTS.items():
        scores.update(score(instrument, answers[name], in_a_match=in_a_match))
    return Questionnaire(
        scheme_id=uuid.UUID(person.scheme_id), person_id=uuid.UUID(person.id), role=role, occasion=occasion,
        match_id=uuid.UUID(match_id) if match_id else None,
        key=occasion.value if match_id is None else f"{match_id}:{occasion.value}",
        due_on=at.date(), instruments=list(INSTRUMENTS), created_at=at, answers=answers, scores=scores,
        answered_at=at, given_as=GivenAs.SELF)


def at(*parts) -> datetime:
    return datetime(*parts, 12, 0, tzinfo=timezone.utc)


def figures(app, scheme, first=FIRST, last=LAST):
    with app.app_context():
        found = {(o.score, o.role): o for o in outcomes(db.session.get(Scheme, uuid.UUID(scheme.id)), first, last)}
        db.session.remove()
    return found


@pytest.fixture
def history(app, make):
    """Four householders and two sharers of one scheme, with known answers."""
    scheme = make.scheme()
    h1, h2, h3, h4, h5 = (make.householder(scheme) for _ in range(5))
    s1, s2 = make.sharer(scheme), make.sharer(scheme)
    base = at(2027, 1, 10)
    rows = [
        # Householders with a baseline and a follow-up in the period: SWEMWBS raw 18 -> 24, 21 -> 22, 24 -> 23.
        answered(h1, "householder", Occasion.BASELINE, base, swemwbs=18, ucla=(3, 2, 2), lonely=5, safe=2),
        answered(h1, "householder", Occasion.MONTHS_3, at(2027, 4, 20), swemwbs=20, ucla=(3, 3, 3), lonely=5),
        answered(h1, "householder", Occasion.MONTHS_6, at(2027, 6, 20), swemwbs=24, ucla=(2, 1, 1), lonely=3, safe=4),
        answered(h2, "householder", Occasion.BASELINE, base, swemwbs=21, ucla=(2, 2, 1), lonely=5),
        answered(h2, "householder", Occasion.MONTHS_3, at(2027, 5, 2), swemwbs=22, ucla=(2, 2, 1), lonely=5),
        answered(h3, "householder", Occasion.BASELINE, base, swemwbs=24, ucla=(1, 1, 1), lonely=2),
        answered(h3, "householder", Occasion.END, at(2027, 6, 30), swemwbs=23, ucla=(2, 1, 1), lonely=2),
        # A follow-up after the period: h4 counts nowhere; h5 has no baseline.
        answered(h4, "householder", Occasion.BASELINE, base, swemwbs=10),
        answered(h4, "householder", Occasion.MONTHS_3, at(2027, 7, 1), swemwbs=30),
        answered(h5, "householder", Occasion.MONTHS_3, at(2027, 5, 1), swemwbs=30),
        # One sharer: raw 28 -> 14.
        answered(s1, "sharer", Occasion.BASELINE, base, swemwbs=28),
        answered(s1, "sharer", Occasion.MONTHS_3, at(2027, 4, 1), swemwbs=14),
        answered(s2, "sharer", Occasion.BASELINE, base, swemwbs=28),
    ]
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
        db.session.remove()
    return scheme


def test_swemwbs_change_per_role_with_its_confidence_interval_and_meaningful_shares(app, history):
    found = figures(app, history)
    householders = found[("swemwbs", "householder")]
    changes = [21.54 - 17.43, 19.98 - 19.25, 20.73 - 21.54]  # 4.11, 0.73, -0.81
    mean = sum(changes) / 3
    sd = math.sqrt(sum((c - mean) ** 2 for c in changes) / 2)
    half = T_975_DF2 * sd / math.sqrt(3)
    assert householders.people == 3
    assert householders.mean_change == pytest.approx(4.03 / 3)
    assert (householders.ci_low, householders.ci_high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert householders.ci_low == pytest.approx(-4.9085, abs=1e-3) and householders.ci_high == pytest.approx(
        7.5952, abs=1e-3)
    assert (householders.improved, householders.worse) == (pytest.approx(1 / 3), 0.0)  # 4.11 >= 2.87
    assert householders.baseline_mean == pytest.approx((17.43 + 19.25 + 21.54) / 3)
    assert householders.follow_up_mean == pytest.approx((21.54 + 19.98 + 20.73) / 3)

    sharers = found[("swemwbs", "sharer")]
    assert (sharers.people, sharers.mean_change, sharers.ci_low, sharers.ci_high) == (
        1, pytest.approx(15.32 - 25.03), None, None)  # one person: no interval
    assert (sharers.improved, sharers.worse) == (0.0, 1.0)


def test_loneliness_where_higher_is_worse_and_the_share_often_always(app, history):
    found = figures(app, history)
    ucla = found[("ucla3", "householder")]
    assert (ucla.people, ucla.mean_change) == (3, pytest.approx((-3 + 0 + 1) / 3))  # 7 -> 4, 5 -> 5, 3 -> 4
    assert (ucla.improved, ucla.worse) == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    lonely = found[("lonely", "householder")]
    assert (lonely.share_label, lonely.baseline_share, lonely.follow_up_share) == (
        "often/always", pytest.approx(2 / 3), pytest.approx(1 / 3))
    assert (lonely.improved, lonely.worse) == (pytest.approx(1 / 3), 0.0)


def test_a_score_asked_only_in_a_match_has_no_baseline_and_no_outcome(app, history):
    found = figures(app, history)
    assert (found[("match_satisfaction", "householder")].people, found[("match_satisfaction", "householder")]
            .mean_change) == (0, None)
    safe = found[("safe_at_home", "householder")]
    assert (safe.people, safe.mean_change, safe.improved) == (3, pytest.approx(2 / 3), pytest.approx(1 / 3))


def test_the_period_chooses_the_follow_up(app, history):
    early = figures(app, history, date(2027, 4, 1), date(2027, 4, 30))[("swemwbs", "householder")]
    assert (early.people, early.mean_change) == (1, pytest.approx(18.59 - 17.43))  # h1's three-month answer
    nothing = figures(app, history, date(2026, 1, 1), date(2026, 12, 31))[("swemwbs", "householder")]
    assert (nothing.people, nothing.mean_change, nothing.improved, nothing.worse) == (0, None, None, None)


def test_mean_with_interval_on_known_numbers():
    assert mean_with_interval([]) == (None, None, None)
    assert mean_with_interval([2.0]) == (2.0, None, None)
    mean, low, high = mean_with_interval([1.0, 2.0, 3.0])  # sd 1, se 1/sqrt(3)
    assert (mean, low, high) == (2.0, pytest.approx(2 - T_975_DF2 / math.sqrt(3)),
                                 pytest.approx(2 + T_975_DF2 / math.sqrt(3)))


def test_scores_over_time_by_role_and_month_since_the_match_started(app, client, make, clock):
    clock.set(datetime(2027, 2, 20, 12, 0, tzinfo=timezone.utc))
    scheme = make.scheme()
    desk = Desk(client, make, scheme)
    desk.to_trial(start_on="2027-03-01")
    householder, sharer = desk.householder_person, desk.sharer_person
    rows = [
        answered(householder, "householder", Occasion.BASELINE, at(2027, 2, 22), swemwbs=18),
        answered(sharer, "sharer", Occasion.BASELINE, at(2027, 2, 23), swemwbs=28),
        answered(householder, "householder", Occasion.MONTHS_3, at(2027, 6, 2), swemwbs=24, match_id=desk.match_id),
        answered(sharer, "sharer", Occasion.MONTHS_3, at(2027, 5, 31), swemwbs=30, match_id=desk.match_id),
        answered(sharer, "sharer", Occasion.MONTHS_6, at(2027, 9, 1), swemwbs=20, match_id=desk.match_id),
    ]
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
        found = scores_over_time(db.session.get(Scheme, uuid.UUID(scheme.id)), date(2027, 1, 1), date(2027, 8, 31))
        db.session.remove()
    wellbeing = [(m.role, m.month, m.answers, m.mean) for m in found if m.score == "swemwbs"]
    assert wellbeing == [("householder", 0, 1, 17.43), ("householder", 3, 1, 21.54),
                         ("sharer", 0, 1, 25.03), ("sharer", 2, 1, 27.03)]  # 31 May: two whole months
    assert [m.score for m in found][:1] == ["swemwbs"]
    assert {m.score for m in found} == {"swemwbs", "ucla3", "lonely", "safe_at_home", "match_satisfaction"}


def test_a_month_since_a_trial_started_on_the_31st_ends_on_the_shorter_months_last_day():
    """As the follow-ups fall due and the check-ins' wellbeing is charted: 31 January plus three
    months is 30 April, so a three-month answer given that day is in month 3."""
    scheme = type("Scheme", (), {"timezone": "Europe/London"})()
    person = uuid.uuid4()
    rows = [(person, "sharer", Occasion.MONTHS_3, datetime(2027, 4, 30, 12, 0, tzinfo=timezone.utc),
             {"safe_at_home": 4.0}, date(2027, 1, 31)),
            (person, "sharer", Occasion.MONTHS_3, datetime(2027, 4, 29, 12, 0, tzinfo=timezone.utc),
             {"safe_at_home": 2.0}, date(2027, 1, 31))]
    found = scores_over_time(scheme, date(2027, 1, 1), date(2027, 12, 31), rows=rows)
    assert [(m.month, m.mean) for m in found] == [(2, 2.0), (3, 4.0)]
