"""The instruments' declarations and scoring, checked directly against known answers."""

from __future__ import annotations

import pytest

from homeshare.questionnaires.instruments import (
    HIGHER_IS_BETTER, HIGHER_IS_WORSE, INSTRUMENTS, SCHEME_ITEMS, SWEMWBS, SWEMWBS_METRIC, UCLA3, problems, score,
)
from homeshare.schemes.settings import QUESTIONNAIRE_INSTRUMENTS, resolved_settings

SWEMWBS_ITEM_IDS = [item.id for item in SWEMWBS.items]


def swemwbs_answers(*values):
    return dict(zip(SWEMWBS_ITEM_IDS, values))


def test_swemwbs_has_the_seven_items_each_scored_one_to_five():
    assert [item.text for item in SWEMWBS.items] == [
        "I've been feeling optimistic about the future", "I've been feeling useful", "I've been feeling relaxed",
        "I've been dealing with problems well", "I've been thinking clearly",
        "I've been feeling close to other people", "I've been able to make up my own mind about things"]
    for item in SWEMWBS.items:
        assert [(c.value, c.label) for c in item.scale] == [
            (1, "None of the time"), (2, "Rarely"), (3, "Some of the time"), (4, "Often"), (5, "All of the time")]


@pytest.mark.parametrize("values, metric", [
    ((1, 1, 1, 1, 1, 1, 1), 7.00),  # the lowest raw total, 7
    ((5, 5, 5, 5, 5, 5, 5), 35.00),  # the highest, 35
    ((2, 1, 1, 1, 1, 1, 1), 9.51),  # 8
    ((3, 1, 1, 1, 1, 1, 1), 11.25),  # 9
    ((3, 3, 3, 3, 3, 3, 3), 19.25),  # 21
    ((4, 4, 4, 4, 4, 4, 3), 24.11),  # 27
    ((5, 5, 5, 5, 5, 5, 4), 32.55),  # 34
    ((5, 5, 5, 5, 5, 4, 4), 30.70),  # 33
])
def test_swemwbs_converts_the_raw_total_by_the_published_table(values, metric):
    raw = sum(values)
    assert SWEMWBS_METRIC[raw] == metric
    assert score(SWEMWBS, swemwbs_answers(*values), in_a_match=False) == {"swemwbs": metric}


def test_the_swemwbs_table_covers_every_raw_total_and_only_rises():
    assert sorted(SWEMWBS_METRIC) == list(range(7, 36))
    assert (SWEMWBS_METRIC[7], SWEMWBS_METRIC[35]) == (7.00, 35.00)
    values = [SWEMWBS_METRIC[raw] for raw in range(7, 36)]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert (SWEMWBS_METRIC[14], SWEMWBS_METRIC[20], SWEMWBS_METRIC[24], SWEMWBS_METRIC[30]) == (
        15.32, 18.59, 21.54, 27.03)


def test_ucla3_totals_three_items_and_reports_the_direct_question_as_often_always():
    answers = {"companionship": 3, "left_out": 2, "isolated": 1, "lonely": 5}
    assert score(UCLA3, answers, in_a_match=False) == {"ucla3": 6.0, "lonely": 5.0}
    assert score(UCLA3, {"companionship": 1, "left_out": 1, "isolated": 1, "lonely": 1}, in_a_match=True) == {
        "ucla3": 3.0, "lonely": 1.0}
    ucla, lonely = UCLA3.scores
    assert (ucla.low, ucla.high, ucla.direction) == (3.0, 9.0, HIGHER_IS_WORSE)
    assert lonely.share_label == "often/always" and lonely.share_of(5.0) and not lonely.share_of(4.0)
    assert [c.label for c in UCLA3.items[0].scale] == ["Hardly ever or never", "Some of the time", "Often"]
    assert [c.label for c in UCLA3.items[3].scale] == [
        "Never", "Hardly ever", "Occasionally", "Some of the time", "Often/always"]


def test_the_scheme_items_ask_about_the_match_only_in_a_match():
    assert [item.id for item in SCHEME_ITEMS.items_for(False)] == ["safe_at_home"]
    assert score(SCHEME_ITEMS, {"safe_at_home": 4}, in_a_match=False) == {"safe_at_home": 4.0}
    assert score(SCHEME_ITEMS, {"safe_at_home": 4, "match_satisfaction": 2}, in_a_match=True) == {
        "match_satisfaction": 2.0, "safe_at_home": 4.0}


def test_every_score_says_its_direction_and_meaningful_change_with_a_source():
    for instrument in INSTRUMENTS.values():
        for found in instrument.scores:
            assert found.direction in (HIGHER_IS_BETTER, HIGHER_IS_WORSE)
            assert found.meaningful_change > 0 and found.meaningful_change_source
    assert SWEMWBS.scores[0].meaningful_change == 2.87 and "Shah" in SWEMWBS.scores[0].meaningful_change_source
    assert "register" in SWEMWBS.licence


def test_problems_name_each_missing_item_value_off_the_scale_and_unknown_item():
    answers = swemwbs_answers(1, 2, 3, 4, 5, 6)  # the seventh missing, the sixth off the scale
    answers["mood"] = 3
    assert problems(SWEMWBS, answers, in_a_match=False) == {
        "close": ["Must be one of 1, 2, 3, 4, 5."], "own_mind": ["Every item must be answered."],
        "mood": ["Not an item of this questionnaire."]}
    assert problems(UCLA3, {"companionship": 4, "left_out": True, "isolated": 0, "lonely": 5}, in_a_match=False) == {
        "companionship": ["Must be one of 1, 2, 3."], "left_out": ["Must be one of 1, 2, 3."],
        "isolated": ["Must be one of 1, 2, 3."]}
    assert problems(SCHEME_ITEMS, {"safe_at_home": 3, "match_satisfaction": 3}, in_a_match=False) == {
        "match_satisfaction": ["Not an item of this questionnaire."]}


def test_the_schemes_setting_names_every_instrument_and_defaults_to_all():
    assert QUESTIONNAIRE_INSTRUMENTS == tuple(INSTRUMENTS)
    assert resolved_settings({})["questionnaire_instruments"] == ["swemwbs", "ucla3", "scheme_items"]
