"""The compatibility rules themselves: hard filters, each soft factor, reasons and warnings.

Called directly on ``Population`` columns (no database, no HTTP): each test builds one
householder and the sharers it needs, everything else equal, so that one fact alone
decides the outcome.
"""

from __future__ import annotations

import math
import uuid
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import pytest

from homeshare.matching import scoring
from homeshare.matching.scoring import FACTORS, Population, evaluate, explain

DEFAULT_WEIGHTS = {"distance": 25, "hours": 20, "tasks": 20, "overnight": 10, "interests": 10, "languages": 5,
                   "lifestyle": 10}
MOVE_IN = date(2027, 3, 1)

# A householder and a sharer whose every fact is known; each factor scores 1 for this pair
# except distance (the home is 1.11 km from the sharer's base, out of 10) and interests
# (nothing in common).
HOUSEHOLDER = {
    "latitude": 0.0, "longitude": 0.0, "room_available_from": MOVE_IN, "tasks_wanted": ["companionship"],
    "hours_wanted_per_week": 8, "nights_at_home_per_week": 0, "interests": [], "languages": ["english"],
    "smoker": False, "has_pets": False, "accepts_pets": True, "daily_rhythm": "early_riser", "quiet_home": True,
    "gender": "female", "gender_preference": [], "things_to_know": None,
}
SHARER = {
    "base_latitude": 0.0, "base_longitude": 0.01, "max_distance_km": 10, "move_in_on": MOVE_IN, "stay_months": 12,
    "tasks_offered": ["companionship"], "hours_offered_per_week": 8, "interests": [], "languages": ["english"],
    "smoker": False, "has_pets": False, "accepts_pets": True, "daily_rhythm": "early_riser", "quiet_home": True,
    "gender": "male", "gender_preference": [], "base_name": "Leeds General Infirmary",
}


def people(*rows: dict) -> Population:
    ids = [uuid.uuid4().hex for _ in rows]
    return Population(ids, {name: [row[name] for row in rows] for name in rows[0]})


def householders(*changes: dict) -> Population:
    return people(*({**HOUSEHOLDER, **change} for change in changes or ({},)))


def sharers(*changes: dict) -> Population:
    return people(*({**SHARER, **change} for change in changes or ({},)))


def only(factor: str) -> dict[str, int]:
    """Weights under which the score is that factor alone, out of 100."""
    return {name: int(name == factor) for name in FACTORS}


def factor(name: str, householder: dict | None = None, sharer: dict | None = None) -> float:
    """One factor's score for one pair, out of 100."""
    return float(evaluate(householders(householder or {}), sharers(sharer or {}), only(name)).score[0, 0])


def feasible(householder: dict | None = None, sharer: dict | None = None) -> bool:
    return bool(evaluate(householders(householder or {}), sharers(sharer or {}), DEFAULT_WEIGHTS).feasible[0, 0])


def ranked(householder: dict, first: dict, second: dict) -> tuple[float, float]:
    """The default-weight scores of two sharers for one householder; both must be feasible."""
    evaluation = evaluate(householders(householder), sharers(first, second), DEFAULT_WEIGHTS)
    assert evaluation.feasible.tolist() == [[True, True]]
    return float(evaluation.score[0, 0]), float(evaluation.score[0, 1])


def km_apart(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance by the spherical law of cosines (not the haversine under test)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(min(1.0, cosine))


# Population --------------------------------------------------------------------------------------


def test_population_columns_become_floats_days_and_one_hot_rows():
    ids = [uuid.uuid4(), uuid.uuid4().hex, str(uuid.uuid4())]
    population = Population(ids, {
        "smoker": [True, False, None], "hours": [8, None, 2.5], "move_in_on": [date(2027, 1, 1), None, date(1, 1, 1)],
        "tasks": [["cooking", "unknown"], None, ["cooking", "shopping"]],
        "gender": ["female", None, "not-a-gender"],
    })
    assert len(population) == 3
    np.testing.assert_array_equal(population.floats("smoker"), [1.0, 0.0, np.nan])
    np.testing.assert_array_equal(population.floats("hours"), [8.0, np.nan, 2.5])
    np.testing.assert_array_equal(population.days("move_in_on"), [date(2027, 1, 1).toordinal(), np.nan, 1.0])
    matrix = population.one_hot("tasks", {"cooking": 0, "shopping": 1})
    assert matrix.dtype == np.float32
    assert matrix.tolist() == [[1, 0], [0, 0], [1, 1]]
    # An empty vocabulary still gives one (empty) column per person.
    assert population.one_hot("tasks", {}).tolist() == [[0], [0], [0]]
    genders = population.genders()
    assert genders.shape == (3, 5)
    assert genders.tolist() == [[1, 0, 0, 0, 0], [0] * 5, [0] * 5]


def test_population_ids_become_uuids_and_people_get_their_extra_fields():
    plain, as_text = uuid.uuid4(), uuid.uuid4()
    population = Population([plain, as_text.hex], {"gender": ["female", "male"], "town": ["Leeds", "York"]})
    assert population.person_id(0) is plain
    assert population.person_id(1) == as_text
    population.extra[as_text] = {"first_name": "Tom", "town": "Harrogate"}
    first, second = population.person(0), population.person(1)
    assert (first.person_id, first.gender, first.town) == (plain, "female", "Leeds")
    assert not hasattr(first, "first_name")
    assert (second.person_id, second.gender, second.first_name, second.town) == (as_text, "male", "Tom", "Harrogate")


def test_words_are_normalised_and_vocabularies_number_each_item_once():
    assert scoring._norm("  Board\tGAMES  night ") == "board games night"
    left = Population(["a", "b"], {"tasks": [["cooking", "shopping"], None]})
    right = Population(["c"], {"items": [["shopping", "gardening", "cooking"]]})
    assert scoring._vocabulary((left, "tasks"), (right, "items")) == {"cooking": 0, "shopping": 1, "gardening": 2}


def test_haversine_agrees_with_the_spherical_law_of_cosines():
    assert scoring.haversine_km(53.8, -1.55, 53.8, -1.55) == 0
    for lat1, lon1, lat2, lon2 in ((53.82, -1.577, 53.8015, -1.553), (51.5, -0.12, 48.86, 2.35), (-33.9, 151.2, 40.7, -74.0)):
        assert scoring.haversine_km(lat1, lon1, lat2, lon2) == pytest.approx(km_apart(lat1, lon1, lat2, lon2),
                                                                               rel=1e-7)
    # Antipodes: the clip keeps rounding from taking arcsin above 1.
    assert scoring.haversine_km(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6371.0088)


def test_no_people_on_either_side_is_an_empty_evaluation():
    for h, s in ((Population([], {}), sharers()), (householders(), Population([], {}))):
        evaluation = evaluate(h, s, DEFAULT_WEIGHTS)
        expected = (len(h), len(s))
        assert evaluation.feasible.shape == evaluation.score.shape == evaluation.distance_km.shape == expected
        assert evaluation.feasible.dtype == bool


def test_a_whole_pool_is_evaluated_householders_down_sharers_across():
    evaluation = evaluate(householders({}, {"smoker": True}), sharers({}, {"smoker": True}, {"smoker": None}),
                          DEFAULT_WEIGHTS)
    assert evaluation.feasible.tolist() == [[True, False, True], [False, True, True]]
    assert evaluation.score.shape == evaluation.distance_km.shape == (2, 3)


# Hard filters ------------------------------------------------------------------------------------


def test_distance_filter_compares_with_the_sharers_maximum():
    # 0.01 degrees of longitude on the equator: 1.11 km.
    assert feasible(sharer={"max_distance_km": 1.2})
    assert not feasible(sharer={"max_distance_km": 1.1})
    assert feasible(sharer={"max_distance_km": None})  # no maximum given
    assert feasible(householder={"latitude": None})  # home location unknown
    assert feasible(sharer={"base_longitude": None})  # base unknown
    assert feasible(sharer={"base_longitude": 0.0, "max_distance_km": 0})  # at the door, maximum 0


def test_dates_filter_needs_the_room_free_before_the_stay_ends():
    # 25 months of 30.44 days: the stay ends exactly 761 days after moving in.
    stay = {"stay_months": 25}
    assert feasible({"room_available_from": MOVE_IN + timedelta(days=760)}, stay)
    assert not feasible({"room_available_from": MOVE_IN + timedelta(days=761)}, stay)
    assert feasible({"room_available_from": MOVE_IN - timedelta(days=400)}, stay)
    assert feasible({"room_available_from": MOVE_IN + timedelta(days=9999)}, {"stay_months": None})
    assert feasible({"room_available_from": MOVE_IN + timedelta(days=9999)}, {"move_in_on": None})
    assert feasible({"room_available_from": None})


def test_smoking_filter_needs_both_to_agree_when_both_said():
    assert not feasible({"smoker": True}, {"smoker": False})
    assert not feasible({"smoker": False}, {"smoker": True})
    assert feasible({"smoker": True}, {"smoker": True})
    assert feasible({"smoker": None}, {"smoker": True})
    assert feasible({"smoker": True}, {"smoker": None})


def test_pets_filter_refuses_pets_where_they_are_not_fine():
    assert not feasible({"has_pets": True}, {"accepts_pets": False})
    assert feasible({"has_pets": True}, {"accepts_pets": True})
    assert feasible({"has_pets": True}, {"accepts_pets": None})  # not said: a warning, not a filter
    assert not feasible({"accepts_pets": False}, {"has_pets": True})
    assert feasible({"accepts_pets": None}, {"has_pets": True})
    assert feasible({"has_pets": None, "accepts_pets": False}, {"has_pets": None, "accepts_pets": False})


def test_a_sharer_without_pets_passes_a_householder_who_will_not_have_them():
    assert feasible({"accepts_pets": False, "has_pets": False}, {"has_pets": False, "accepts_pets": False})
    evaluation = evaluate(householders({"accepts_pets": False}), sharers({"has_pets": False}, {"has_pets": True}),
                          DEFAULT_WEIGHTS)
    assert evaluation.feasible.tolist() == [[True, False]]


def test_gender_preference_of_the_householder_must_be_met():
    wants_women = {"gender_preference": ["female", "non_binary"]}
    assert not feasible(wants_women, {"gender": "male"})
    assert feasible(wants_women, {"gender": "female"})
    assert feasible(wants_women, {"gender": "non_binary"})
    assert feasible(wants_women, {"gender": None})  # not said: a warning
    assert feasible({"gender_preference": []}, {"gender": "male"})


def test_gender_preference_of_the_sharer_must_be_met():
    wants_men = {"gender_preference": ["male"]}
    assert not feasible({"gender": "female"}, wants_men)
    assert feasible({"gender": "male"}, wants_men)
    assert feasible({"gender": None}, wants_men)
    # A preference of each side, one met and one not, is still a failure.
    assert not feasible({"gender": "male", "gender_preference": ["female"]}, {"gender": "male", **wants_men})


def test_a_met_gender_preference_alone_keeps_a_candidate():
    evaluation = evaluate(householders({"gender_preference": ["female"]}),
                          sharers({"gender": "male"}, {"gender": "female"}), DEFAULT_WEIGHTS)
    assert evaluation.feasible.tolist() == [[False, True]]
    # The preference filters; it does not score.
    assert evaluation.score[0, 0] == evaluation.score[0, 1]


# Soft factors, each alone ------------------------------------------------------------------------


def test_distance_scores_one_at_the_door_and_zero_at_the_maximum():
    evaluation = evaluate(householders(), sharers(), only("distance"))
    one_degree_hundredth = 6371.0088 * math.radians(0.01)  # along the equator
    assert evaluation.distance_km[0, 0] == pytest.approx(one_degree_hundredth, rel=1e-9)
    assert evaluation.score[0, 0] == round(100 * (1 - one_degree_hundredth / 10))  # 89
    assert factor("distance", sharer={"base_longitude": 0.0}) == 100
    assert factor("distance", sharer={"max_distance_km": 2.22}) == 50
    assert factor("distance", sharer={"max_distance_km": 1.0}) == 0  # beyond the maximum: never below 0
    assert factor("distance", sharer={"max_distance_km": None, "base_longitude": 0.0675}) == 50  # 7.5 of 15 km
    # A maximum under 100 m counts as 100 m.
    assert factor("distance", sharer={"max_distance_km": 0.05, "base_longitude": 0.0004}) == 56
    assert factor("distance", sharer={"max_distance_km": 0, "base_longitude": 0.0}) == 100


def test_unknown_distance_scores_a_half_with_a_warning():
    assert factor("distance", {"longitude": None}) == 50
    assert factor("distance", sharer={"base_latitude": None}) == 50
    evaluation = evaluate(householders({"latitude": None}), sharers(), DEFAULT_WEIGHTS)
    assert math.isnan(evaluation.distance_km[0, 0])


def test_hours_score_is_the_share_of_wanted_hours_offered_capped_at_one():
    assert factor("hours", {"hours_wanted_per_week": 8}, {"hours_offered_per_week": 2}) == 25
    assert factor("hours", {"hours_wanted_per_week": 8}, {"hours_offered_per_week": 12}) == 100
    assert factor("hours", {"hours_wanted_per_week": 0}, {"hours_offered_per_week": 1}) == 100
    assert factor("hours", {"hours_wanted_per_week": 0}, {"hours_offered_per_week": 0}) == 0
    assert factor("hours", {"hours_wanted_per_week": None}) == 50
    assert factor("hours", sharer={"hours_offered_per_week": None}) == 50


def test_tasks_score_is_the_share_of_wanted_tasks_offered():
    wanted = {"tasks_wanted": ["companionship", "cooking", "shopping", "gardening"]}
    assert factor("tasks", wanted, {"tasks_offered": ["cooking", "errands"]}) == 25
    assert factor("tasks", wanted, {"tasks_offered": ["gardening", "cooking", "shopping"]}) == 75
    assert factor("tasks", wanted, {"tasks_offered": []}) == 0
    assert factor("tasks", {"tasks_wanted": []}, {"tasks_offered": []}) == 50  # nothing wanted: unknown
    assert factor("tasks", {"tasks_wanted": None}) == 50


def test_overnight_scores_presence_only_where_nights_are_wanted():
    offers = {"tasks_offered": ["companionship", "overnight_presence"]}
    assert factor("overnight", {"nights_at_home_per_week": 3}, offers) == 100
    assert factor("overnight", {"nights_at_home_per_week": 3}, {"tasks_offered": ["companionship"]}) == 0
    assert factor("overnight", {"nights_at_home_per_week": 1}, {"tasks_offered": None}) == 0
    assert factor("overnight", {"nights_at_home_per_week": 0}, {"tasks_offered": []}) == 100
    assert factor("overnight", {"nights_at_home_per_week": None}, offers) == 50


def test_interests_count_partially_below_three_in_common():
    mine = {"interests": ["chess", "gardening", "cooking", "cycling"]}
    assert factor("interests", mine, {"interests": []}) == 0
    assert factor("interests", mine, {"interests": ["chess", "films"]}) == 33
    assert factor("interests", mine, {"interests": ["chess", "cycling"]}) == 67
    assert factor("interests", mine, {"interests": ["chess", "cycling", "cooking"]}) == 100
    assert factor("interests", mine, {"interests": ["chess", "cycling", "cooking", "gardening"]}) == 100
    assert factor("interests", {"interests": None}, {"interests": ["chess"]}) == 0


def test_languages_score_any_language_in_common():
    assert factor("languages", {"languages": ["english", "polish"]}, {"languages": ["polish"]}) == 100
    assert factor("languages", {"languages": ["english", "polish"]}, {"languages": ["polish", "english"]}) == 100
    assert factor("languages", {"languages": ["english"]}, {"languages": ["urdu"]}) == 0
    assert factor("languages", {"languages": []}, {"languages": ["urdu"]}) == 50
    assert factor("languages", {"languages": ["english"]}, {"languages": None}) == 50


@pytest.mark.parametrize(("mine", "theirs", "expected"), [
    ("early_riser", "early_riser", 100), ("night_owl", "night_owl", 100), ("early_riser", "night_owl", 50),
    ("night_owl", "early_riser", 50), ("flexible", "night_owl", 100), ("early_riser", "flexible", 100),
    (None, "early_riser", 75), ("early_riser", "sometimes", 75),
])
def test_lifestyle_rhythm_fits_when_the_same_or_either_is_flexible(mine, theirs, expected):
    # Both want a quiet home (1), so the score is (rhythm + 1) / 2.
    assert factor("lifestyle", {"daily_rhythm": mine}, {"daily_rhythm": theirs}) == expected


def test_lifestyle_quiet_fits_when_both_wish_the_same():
    assert factor("lifestyle", {"quiet_home": True}, {"quiet_home": True}) == 100
    assert factor("lifestyle", {"quiet_home": False}, {"quiet_home": False}) == 100
    assert factor("lifestyle", {"quiet_home": True}, {"quiet_home": False}) == 50
    assert factor("lifestyle", {"quiet_home": None}, {"quiet_home": False}) == 75
    assert factor("lifestyle", {"quiet_home": True}, {"quiet_home": None}) == 75
    assert factor("lifestyle", {"quiet_home": None, "daily_rhythm": None}) == 50


def test_weights_scale_each_factor_and_the_total_is_out_of_a_hundred():
    # Distance 1.11 of 10 km scores 0.889; every other factor 1 except interests (0).
    distance = 1 - 6371.0088 * math.radians(0.01) / 10
    expected = (25 * distance + 20 + 20 + 10 + 0 + 5 + 10) * 100 / 100
    assert evaluate(householders(), sharers(), DEFAULT_WEIGHTS).score[0, 0] == round(expected)  # 87
    weights = {**only("interests"), "hours": 3}
    assert evaluate(householders(), sharers(), weights).score[0, 0] == 75
    assert evaluate(householders(), sharers(), {name: 0 for name in FACTORS}).score[0, 0] == 0


# Each factor alone changes the order of two candidates -------------------------------------------


def test_lifestyle_alone_orders_two_candidates():
    same, other = ranked({}, {"daily_rhythm": "early_riser"}, {"daily_rhythm": "night_owl"})
    assert same > other
    same, other = ranked({}, {"quiet_home": True}, {"quiet_home": False})
    assert same > other


def test_overnight_presence_alone_orders_two_candidates():
    offers, does_not = ranked({"nights_at_home_per_week": 2},
                              {"tasks_offered": ["companionship", "overnight_presence"]},
                              {"tasks_offered": ["companionship"]})
    assert offers - does_not == 10  # the whole overnight weight


def test_interests_partial_credit_alone_orders_two_candidates():
    householder = {"interests": ["chess", "gardening", "cycling"]}
    two, one = ranked(householder, {"interests": ["chess", "gardening"]}, {"interests": ["chess"]})
    assert two > one
    three, two = ranked(householder, {"interests": ["chess", "gardening", "cycling"]},
                        {"interests": ["chess", "gardening"]})
    assert three > two


def test_distance_hours_tasks_and_languages_each_alone_order_two_candidates():
    near, far = ranked({}, {"base_longitude": 0.0}, {"base_longitude": 0.05})
    assert near > far
    more, fewer = ranked({"hours_wanted_per_week": 8}, {"hours_offered_per_week": 8}, {"hours_offered_per_week": 4})
    assert more > fewer
    both, one = ranked({"tasks_wanted": ["cooking", "shopping"]}, {"tasks_offered": ["cooking", "shopping"]},
                       {"tasks_offered": ["cooking"]})
    assert both > one
    shared, not_shared = ranked({}, {"languages": ["english"]}, {"languages": ["welsh"]})
    assert shared > not_shared


# Reasons and warnings ----------------------------------------------------------------------------


def pair(householder: dict | None = None, sharer: dict | None = None):
    return SimpleNamespace(**{**HOUSEHOLDER, **(householder or {})}), SimpleNamespace(**{**SHARER, **(sharer or {})})


def test_words_are_joined_with_commas_and_a_final_and():
    assert scoring._join(["chess"]) == "chess"
    assert scoring._join(["chess", "gardening"]) == "chess and gardening"
    assert scoring._join(iter(["chess", "gardening", "cycling"])) == "chess, gardening and cycling"
    assert scoring._join(["a", "b", "c", "d"]) == "a, b, c and d"


def test_shared_items_keep_the_left_sides_words_and_order_whatever_the_case():
    assert scoring._shared(["Board  Games", "Chess", "Golf"], ["chess", "board games"]) == ["Board  Games", "Chess"]
    assert scoring._shared(None, ["chess"]) == []
    assert scoring._shared(["chess"], None) == []


def test_reasons_of_a_pair_that_fits_well():
    householder, sharer = pair(
        {"hours_wanted_per_week": 8, "tasks_wanted": ["companionship", "light_housework"],
         "nights_at_home_per_week": 2, "interests": ["Chess", "gardening", "films"],
         "languages": ["English", "Polish", "Urdu"]},
        {"hours_offered_per_week": 10, "tasks_offered": ["light_housework", "companionship", "overnight_presence"],
         "interests": ["chess", "films"], "languages": ["urdu"]},
    )
    reasons, warnings = explain(householder, sharer, 1.234)
    assert reasons == [
        "1.2 km from Leeds General Infirmary", "offers 10 of the 8 hours wanted", "offers 2 of the 2 tasks wanted",
        "can be at home overnight", "both enjoy Chess and films", "shares Urdu", "both early risers",
        "both want a quiet home",
    ]
    assert warnings == []


def test_reasons_join_one_two_and_three_shared_items():
    def reasons_for(interests):
        return explain(*pair({"interests": ["chess", "gardening", "cycling"]}, {"interests": interests}), 1.0)[0]

    assert "both enjoy chess" in reasons_for(["chess"])
    assert "both enjoy chess and cycling" in reasons_for(["cycling", "chess"])
    assert "both enjoy chess, gardening and cycling" in reasons_for(["cycling", "chess", "gardening"])
    languages = explain(*pair({"languages": ["English", "Polish"]}, {"languages": ["polish", "english"]}), 1.0)[0]
    assert "shares English and Polish" in languages


def test_warnings_of_a_pair_to_look_at():
    householder, sharer = pair(
        {"hours_wanted_per_week": 10, "tasks_wanted": ["companionship", "light_housework", "pet_care", "cooking"],
         "nights_at_home_per_week": 3, "has_pets": True, "accepts_pets": None, "gender": None,
         "gender_preference": ["female"], "smoker": None, "things_to_know": "The cat bites.",
         "daily_rhythm": "night_owl", "quiet_home": False},
        {"hours_offered_per_week": 6, "tasks_offered": ["cooking"], "accepts_pets": None, "has_pets": True,
         "gender": None, "gender_preference": ["male"], "base_name": None, "languages": [],
         "daily_rhythm": "night_owl", "quiet_home": False},
    )
    reasons, warnings = explain(householder, sharer, 0.0)
    assert reasons == ["0.0 km from the sharer's place of study or work", "offers 6 of the 10 hours wanted",
                       "offers 1 of the 4 tasks wanted", "both night owls"]
    assert warnings == [
        "offers fewer hours than wanted",
        "does not offer companionship, light housework and pet care",
        "householder wants someone home 3 nights a week; sharer does not offer overnight presence",
        "householder keeps pets; sharer has not said pets are fine",
        "sharer keeps pets; householder has not said pets are fine",
        "gender preference not checked: the sharer has not said",
        "gender preference not checked: the householder has not said",
        "smoking not checked: one side has not said",
        "householder asks a sharer to know: The cat bites.",
    ]


def test_unknown_facts_give_warnings_not_reasons():
    householder, sharer = pair(
        {"hours_wanted_per_week": None, "tasks_wanted": [], "nights_at_home_per_week": None, "interests": None,
         "languages": None, "daily_rhythm": None, "quiet_home": None},
        {"smoker": None, "daily_rhythm": None, "quiet_home": None},
    )
    reasons, warnings = explain(householder, sharer, float("nan"))
    assert reasons == []
    assert warnings == ["distance not checked: a home location or a place of study or work is missing",
                        "smoking not checked: one side has not said"]
    # The same facts score a half in the evaluation.
    for name in ("hours", "tasks", "overnight", "languages", "lifestyle"):
        assert factor(name, {"hours_wanted_per_week": None, "tasks_wanted": [], "nights_at_home_per_week": None,
                             "languages": None, "daily_rhythm": None, "quiet_home": None}) == 50, name


def test_only_one_side_not_saying_is_a_warning():
    assert explain(*pair(sharer={"smoker": None}), 1.0)[1] == ["smoking not checked: one side has not said"]
    assert explain(*pair({"smoker": None}), 1.0)[1] == ["smoking not checked: one side has not said"]
    assert explain(*pair({"has_pets": True}, {"accepts_pets": False}), 1.0)[1] == []
    assert explain(*pair({"gender_preference": ["male"]}, {"gender": "male"}), 1.0)[1] == []
    assert explain(*pair({"gender": "male"}, {"gender_preference": ["male"]}), 1.0)[1] == []
    assert explain(*pair({"hours_wanted_per_week": 8}, {"hours_offered_per_week": 8}), 1.0)[1] == []
    reasons = explain(*pair({"daily_rhythm": "early_riser", "quiet_home": True},
                            {"daily_rhythm": "night_owl", "quiet_home": False}), 1.0)[0]
    assert not any(reason.startswith("both") for reason in reasons)


def test_antipodes_whose_rounding_passes_one_still_have_a_distance():
    # At 12 degrees south and north, half a world apart, the haversine term rounds to just above 1.
    assert scoring.haversine_km(-12.0, 0.0, 12.0, 180.0) == pytest.approx(math.pi * 6371.0088)


def test_one_night_a_week_is_a_wish_for_overnight_presence():
    warnings = explain(*pair({"nights_at_home_per_week": 1}, {"tasks_offered": ["companionship"]}), 1.0)[1]
    assert warnings == ["householder wants someone home 1 nights a week; sharer does not offer overnight presence"]


def test_pets_warning_needs_the_sharer_to_keep_pets():
    assert explain(*pair({"accepts_pets": None}, {"has_pets": False}), 1.0)[1] == []
    assert explain(*pair({"accepts_pets": None}, {"has_pets": None}), 1.0)[1] == []
