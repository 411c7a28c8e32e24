"""The questionnaires' instruments, declared once, as data: their items, answer scales, scoring,
direction and the change that counts as meaningful, with its source.

An instrument holds items and one or more scores computed from them. Everything else (the
API's description of an instrument, validation of answers, scoring, the outcome figures) reads
these declarations; docs/api-guide.md ("Questionnaires") says the same for readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

HIGHER_IS_BETTER = "higher-is-better"
HIGHER_IS_WORSE = "higher-is-worse"


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    scale: tuple[Choice, ...]
    in_a_match_only: bool = False  # asked only once the person is in a match (not at the baseline)

    @property
    def values(self) -> frozenset[int]:
        return frozenset(choice.value for choice in self.scale)


@dataclass(frozen=True)
class Score:
    """One figure an instrument's answers give, and how change in it is read."""

    id: str
    name: str
    items: tuple[str, ...]
    compute: Callable[[Mapping[str, int]], float]
    low: float
    high: float
    direction: str
    meaningful_change: float
    meaningful_change_source: str
    # Categories reported as a share (the ONS direct question: the share "often/always").
    share_label: str | None = None
    share_of: Callable[[float], bool] | None = None


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    items: tuple[Item, ...]
    scores: tuple[Score, ...]
    licence: str | None = None

    def items_for(self, in_a_match: bool) -> tuple[Item, ...]:
        return tuple(item for item in self.items if in_a_match or not item.in_a_match_only)

    def scores_for(self, in_a_match: bool) -> tuple[Score, ...]:
        asked = {item.id for item in self.items_for(in_a_match)}
        return tuple(score for score in self.scores if set(score.items) <= asked)


# SWEMWBS ------------------------------------------------------------------------------------------

SWEMWBS_SCALE = (Choice(1, "None of the time"), Choice(2, "Rarely"), Choice(3, "Some of the time"),
                 Choice(4, "Often"), Choice(5, "All of the time"))

SWEMWBS_METRIC: dict[int, float] = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32, 15: 15.84, 16: 16.36,
    17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35,
    26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55, 35: 35.00,
}
"""The raw total (7 to 35) converted to the metric score: the conversion table of the SWEMWBS
user guide (Warwick Medical School), from the scale's Rasch model."""

SWEMWBS_ITEMS = (
    ("optimistic", "I've been feeling optimistic about the future"),
    ("useful", "I've been feeling useful"),
    ("relaxed", "I've been feeling relaxed"),
    ("problems", "I've been dealing with problems well"),
    ("clearly", "I've been thinking clearly"),
    ("close", "I've been feeling close to other people"),
    ("own_mind", "I've been able to make up my own mind about things"),
)


def swemwbs_metric(answers: Mapping[str, int]) -> float:
    """The metric score of seven answers, each 1 to 5."""
    return SWEMWBS_METRIC[sum(answers[item] for item, _ in SWEMWBS_ITEMS)]


SWEMWBS = Instrument(
    id="swemwbs",
    name="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    items=tuple(Item(item, text, SWEMWBS_SCALE) for item, text in SWEMWBS_ITEMS),
    scores=(Score(
        id="swemwbs", name="SWEMWBS metric score", items=tuple(item for item, _ in SWEMWBS_ITEMS),
        compute=swemwbs_metric, low=7.0, high=35.0, direction=HIGHER_IS_BETTER, meaningful_change=2.87,
        meaningful_change_source=(
            "Shah N et al. (2018), Responsiveness of the Short Warwick Edinburgh Mental Well-Being Scale "
            "(SWEMWBS): evaluation a clinical sample, Health and Quality of Life Outcomes 16:239: a change of "
            "between 1 and 3 points is statistically important at the individual level; 2.87 points is "
            "the stricter of its two thresholds (2.77 standard errors of measurement)."),
    ),),
    licence=("SWEMWBS is free to use but its owners (Warwick Medical School, University of Warwick) ask "
             "every service that uses it to register its use with them first."),
)

# UCLA three-item loneliness scale, with the ONS direct question ----------------------------------

UCLA_SCALE = (Choice(1, "Hardly ever or never"), Choice(2, "Some of the time"), Choice(3, "Often"))
DIRECT_SCALE = (Choice(1, "Never"), Choice(2, "Hardly ever"), Choice(3, "Occasionally"),
                Choice(4, "Some of the time"), Choice(5, "Often/always"))
UCLA_ITEMS = ("companionship", "left_out", "isolated")
OFTEN_ALWAYS = 5


def ucla3_total(answers: Mapping[str, int]) -> float:
    return float(sum(answers[item] for item in UCLA_ITEMS))


UCLA3 = Instrument(
    id="ucla3",
    name="Loneliness: the three-item UCLA Loneliness Scale and the ONS direct question",
    items=(
        Item("companionship", "How often do you feel that you lack companionship?", UCLA_SCALE),
        Item("left_out", "How often do you feel left out?", UCLA_SCALE),
        Item("isolated", "How often do you feel isolated from others?", UCLA_SCALE),
        Item("lonely", "How often do you feel lonely?", DIRECT_SCALE),
    ),
    scores=(
        Score(id="ucla3", name="UCLA three-item loneliness score", items=UCLA_ITEMS, compute=ucla3_total,
              low=3.0, high=9.0, direction=HIGHER_IS_WORSE, meaningful_change=1.0,
              meaningful_change_source=(
                  "No anchor-based minimal important difference is published for the three-item scale; "
                  "one point, the smallest change the total can show, is the scheme's own convention. The "
                  "items and coding are those of the ONS national measures of loneliness (2018).")),
        Score(id="lonely", name="ONS direct question: how often lonely", items=("lonely",),
              compute=lambda answers: float(answers["lonely"]), low=1.0, high=5.0, direction=HIGHER_IS_WORSE,
              meaningful_change=1.0,
              meaningful_change_source=(
                  "A categorical question: ONS reports the share answering often/always; moving one category "
                  "is counted as a change (the scheme's own convention, no published threshold)."),
              share_label="often/always", share_of=lambda value: value >= OFTEN_ALWAYS),
    ),
)

# The scheme's own items ---------------------------------------------------------------------------

SCHEME_SCALE = (Choice(1, "Not at all"), Choice(2, "A little"), Choice(3, "Somewhat"), Choice(4, "Mostly"),
                Choice(5, "Completely"))
OWN_ITEM_CHANGE = ("The scheme's own item, not a validated scale: one point on its five-point scale is the "
                   "scheme's own convention, with no published threshold.")

SCHEME_ITEMS = Instrument(
    id="scheme_items",
    name="The scheme's own items",
    items=(
        Item("match_satisfaction", "How satisfied are you with your match?", SCHEME_SCALE, in_a_match_only=True),
        Item("safe_at_home", "How safe do you feel at home?", SCHEME_SCALE),
    ),
    scores=(
        Score(id="match_satisfaction", name="Satisfaction with the match", items=("match_satisfaction",),
              compute=lambda answers: float(answers["match_satisfaction"]), low=1.0, high=5.0,
              direction=HIGHER_IS_BETTER, meaningful_change=1.0, meaningful_change_source=OWN_ITEM_CHANGE),
        Score(id="safe_at_home", name="Feeling safe at home", items=("safe_at_home",),
              compute=lambda answers: float(answers["safe_at_home"]), low=1.0, high=5.0,
              direction=HIGHER_IS_BETTER, meaningful_change=1.0, meaningful_change_source=OWN_ITEM_CHANGE),
    ),
)

INSTRUMENTS: dict[str, Instrument] = {instrument.id: instrument for instrument in (SWEMWBS, UCLA3, SCHEME_ITEMS)}
"""Every instrument, by id, in the order a questionnaire asks them."""


def score(instrument: Instrument, answers: Mapping[str, int], *, in_a_match: bool) -> dict[str, float]:
    """The instrument's scores from complete, valid answers (see ``problems``)."""
    return {found.id: round(found.compute(answers), 2) for found in instrument.scores_for(in_a_match)}


def problems(instrument: Instrument, answers: Mapping[str, object], *, in_a_match: bool) -> dict[str, list[str]]:
    """What is wrong with one instrument's answers, by item: a missing item, an unknown one, a
    value off the item's scale. Empty when they can be scored."""
    errors: dict[str, list[str]] = {}
    items = {item.id: item for item in instrument.items_for(in_a_match)}
    for item_id, item in items.items():
        if item_id not in answers:
            errors[item_id] = ["Every item must be answered."]
        elif isinstance(answers[item_id], bool) or answers[item_id] not in item.values:
            allowed = ", ".join(str(value) for value in sorted(item.values))
            errors[item_id] = [f"Must be one of {allowed}."]
    for item_id in answers:
        if item_id not in items:
            errors[item_id] = ["Not an item of this questionnaire."]
    return errors
