"""Compatibility of householders and sharers: hard filters, a 0-100 score, and the reasons.

One vectorised evaluation serves both uses: ranking the candidates of one person (1 x N)
and pairing a whole pool (M x N). Every factor works on whole arrays, so the cost of a
ranking is a few array operations, not a query or a loop per candidate.

Hard filters (a pair that fails one is never suggested):
  dates        the room is available only after the sharer's wanted stay would end;
  distance     the home is further from the sharer's place of study or work than the
               sharer's maximum distance;
  smoking      one smokes and the other does not;
  pets         one keeps pets and the other has said pets are not fine;
  gender       a stated preference about the other person's gender is not met.
A filter whose facts are unknown passes, with a warning for the coordinator.

Soft factors, each scored from 0 to 1 and weighted by the scheme's ``matching_weights``
(unknown facts score 0.5):
  distance     1 at the door of the place of study or work, 0 at the maximum distance;
  hours        hours offered as a share of the hours wanted (capped at 1);
  tasks        share of the wanted tasks that the sharer offers;
  overnight    if the householder wants someone home at night, whether the sharer offers it;
  interests    interests in common, three or more counting fully;
  languages    any language in common;
  lifestyle    the same daily rhythm (or one is flexible) and the same wish for quiet.
"""

from __future__ import annotations

import math
import uuid
from itertools import chain, repeat
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date
from typing import Any, Mapping, Sequence

import numpy as np

from homeshare.matching.features import RHYTHMS, Features
from homeshare.profiles.vocabulary import GENDERS

EARTH_RADIUS_KM = 6371.0088
DAYS_PER_MONTH = 30.44
DEFAULT_REACH_KM = 15.0  # distance that scores 0 when a sharer gave no maximum
FACTORS = ("distance", "hours", "tasks", "overnight", "interests", "languages", "lifestyle")
UNKNOWN = 0.5


@dataclass
class Evaluation:
    feasible: np.ndarray  # bool, householders x sharers
    score: np.ndarray  # float 0-100
    distance_km: np.ndarray  # float, NaN when unknown


class Population:
    """People as columns (one list per field), the shape the arithmetic wants.

    ``floats`` turns a column into a float array with NaN for unknown (booleans become
    1 and 0); ``days`` turns dates into day numbers; ``person(i)`` gives one person's
    fields by name, for the reasons and warnings. Ids may be in the database driver's
    form (a UUID's hex text on SQLite): ``person_id(i)`` makes the UUID, only when asked.
    List columns hold canonical items (task codes; interests and languages lower-cased).
    Given ``features`` (``matching.features.Features``, what the service reads from the stored
    features), the scored facts come from their arrays instead, and ``columns`` may be empty:
    ``person(i)`` then has the fields fetched for the page shown (``extra``) only.
    """

    def __init__(self, ids: Sequence[Any], columns: Mapping[str, Sequence[Any]], features: Features | None = None):
        self.ids = list(ids)
        self.columns = columns
        self.features = features  # given: the scored facts come from these arrays, not the columns
        self.extra: dict[Any, dict[str, Any]] = {}  # fields fetched for a few people only, by id

    def __len__(self) -> int:
        return len(self.ids)

    def floats(self, name: str) -> np.ndarray:
        if self.features is not None:
            return self.features.floats(name)
        values = np.array(self.columns[name], dtype=object)
        values[np.equal(values, None)] = np.nan
        return values.astype(float)

    def days(self, name: str) -> np.ndarray:
        if self.features is not None:
            return self.features.floats(name)
        return np.fromiter((np.nan if v is None else float(v.toordinal()) for v in self.columns[name]),
                           float, len(self.ids))

    def person_id(self, i: int) -> uuid.UUID:
        value = self.ids[i]
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)

    def person(self, i: int) -> SimpleNamespace:
        person_id = self.person_id(i)
        fields = {name: column[i] for name, column in self.columns.items()}
        return SimpleNamespace(**{**fields, **self.extra.get(person_id, {}), "person_id": person_id})

    def one_hot(self, name: str, vocabulary: dict[str, int]) -> np.ndarray:
        """One row per person, a 1 in the column of each of their items in ``vocabulary``
        (items outside it are left out). The items are looked up all at once, by C loops
        (``map``), not one Python step per item: a ranking looks up thousands of lists.
        With features, ``vocabulary`` is the sorted array of item codes (see ``_vocabulary``)."""
        if self.features is not None:
            rows, codes = self.features.lists[name]
            columns = np.searchsorted(vocabulary, codes)
            found = columns < len(vocabulary)
            found[found] = vocabulary[columns[found]] == codes[found]
            matrix = np.zeros((len(self.ids), max(len(vocabulary), 1)), dtype=np.float32)
            matrix[rows[found], columns[found]] = 1.0
            return matrix
        lists = [items or () for items in self.columns[name]]
        items = list(chain.from_iterable(lists))
        columns = np.fromiter(map(vocabulary.get, items, repeat(-1, len(items))), dtype=np.int64, count=len(items))
        rows = np.repeat(np.arange(len(lists)), np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)))
        found = columns >= 0
        matrix = np.zeros((len(self.ids), max(len(vocabulary), 1)), dtype=np.float32)
        matrix[rows[found], columns[found]] = 1.0
        return matrix

    def genders(self) -> np.ndarray:
        if self.features is not None:
            return self.features.bits("gender")
        index = {gender: i for i, gender in enumerate(GENDERS)}
        matrix = np.zeros((len(self.ids), len(GENDERS)), dtype=np.float32)
        for i, gender in enumerate(self.columns["gender"]):
            if gender in index:
                matrix[i, index[gender]] = 1.0
        return matrix

    def gender_preferences(self) -> np.ndarray:
        if self.features is not None:
            return self.features.bits("gender_preference")
        return self.one_hot("gender_preference", {gender: i for i, gender in enumerate(GENDERS)})

    def offers_overnight(self) -> np.ndarray:
        if self.features is not None:
            return self.features.floats("overnight")
        return np.array([float("overnight_presence" in (tasks or ())) for tasks in self.columns["tasks_offered"]])

    def rhythms(self) -> np.ndarray:
        if self.features is not None:
            return self.features.floats("daily_rhythm")
        return np.array([RHYTHMS.get(value, np.nan) for value in self.columns["daily_rhythm"]])


def _norm(word: str) -> str:
    return " ".join(word.lower().split())


def _vocabulary(*columns: tuple[Population, str]) -> Any:
    """Every item of these lists, each numbered once: a dict from the words, or, for people
    given as features, the sorted array of the items' codes (an item's number its place)."""
    if any(people.features is not None for people, _ in columns):
        return np.unique(np.concatenate([people.features.lists[name][1] for people, name in columns]))
    words = dict.fromkeys(chain.from_iterable(
        items for people, name in columns for items in people.columns[name] if items))
    return {word: index for index, word in enumerate(words)}


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(x) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _known(*arrays: np.ndarray) -> np.ndarray:
    result = np.ones(np.broadcast_shapes(*(a.shape for a in arrays)), dtype=bool)
    for array in arrays:
        result &= ~np.isnan(array)
    return result


def evaluate(householders: Population, sharers: Population, weights: Mapping[str, int]) -> Evaluation:
    """Feasibility and score of every householder x sharer pair."""
    shape = (len(householders), len(sharers))
    if 0 in shape:
        empty = np.zeros(shape)
        return Evaluation(empty.astype(bool), empty, empty)
    col = lambda array: array[:, None]  # noqa: E731  householders down the rows
    row = lambda array: array[None, :]  # noqa: E731  sharers across the columns

    # Distance from the home to the sharer's place of study or work.
    distance = haversine_km(col(householders.floats("latitude")), col(householders.floats("longitude")),
                            row(sharers.floats("base_latitude")), row(sharers.floats("base_longitude")))
    reach = sharers.floats("max_distance_km")
    feasible = ~(_known(distance, row(reach)) & (distance > row(reach)))

    # Dates: the room must be free before the sharer's wanted stay would end.
    stay_end = sharers.days("move_in_on") + sharers.floats("stay_months") * DAYS_PER_MONTH
    available = householders.days("room_available_from")
    feasible &= ~(_known(col(available), row(stay_end)) & (col(available) >= row(stay_end)))

    # Smoking and pets.
    h_smoker, s_smoker = householders.floats("smoker"), sharers.floats("smoker")
    feasible &= ~(_known(col(h_smoker), row(s_smoker)) & (col(h_smoker) != row(s_smoker)))
    h_pets, h_accepts = householders.floats("has_pets"), householders.floats("accepts_pets")
    s_pets, s_accepts = sharers.floats("has_pets"), sharers.floats("accepts_pets")
    feasible &= ~((col(h_pets) == 1) & (row(s_accepts) == 0))
    feasible &= ~((row(s_pets) == 1) & (col(h_accepts) == 0))

    # Gender preferences, both ways.
    h_gender, s_gender = householders.genders(), sharers.genders()
    h_pref, s_pref = householders.gender_preferences(), sharers.gender_preferences()
    feasible &= (col(h_pref.sum(1)) == 0) | (row(s_gender.sum(1)) == 0) | ((h_pref @ s_gender.T) > 0)
    feasible &= (row(s_pref.sum(1)) == 0) | (col(h_gender.sum(1)) == 0) | ((h_gender @ s_pref.T) > 0)

    scores = {name: np.full(shape, UNKNOWN) for name in FACTORS}

    known = _known(distance)
    reach_or_default = np.where(np.isnan(reach), DEFAULT_REACH_KM, reach)
    scores["distance"] = np.where(known, np.clip(1 - distance / np.maximum(row(reach_or_default), 0.1), 0, 1), UNKNOWN)

    wanted, offered = householders.floats("hours_wanted_per_week"), sharers.floats("hours_offered_per_week")
    scores["hours"] = np.where(_known(col(wanted), row(offered)),
                               np.clip(row(offered) / np.maximum(col(wanted), 1), 0, 1), UNKNOWN)

    tasks = _vocabulary((householders, "tasks_wanted"), (sharers, "tasks_offered"))
    tasks_wanted, tasks_offered = householders.one_hot("tasks_wanted", tasks), sharers.one_hot("tasks_offered", tasks)
    count_wanted = col(tasks_wanted.sum(1))
    scores["tasks"] = np.where(count_wanted > 0, (tasks_wanted @ tasks_offered.T) / np.maximum(count_wanted, 1), UNKNOWN)

    nights = householders.floats("nights_at_home_per_week")
    overnight = sharers.offers_overnight()
    scores["overnight"] = np.where(np.isnan(col(nights)), UNKNOWN, np.where(col(nights) > 0, row(overnight), 1.0))

    interests = _vocabulary((householders, "interests"), (sharers, "interests"))
    shared_interests = householders.one_hot("interests", interests) @ sharers.one_hot("interests", interests).T
    scores["interests"] = np.minimum(shared_interests / 3.0, 1.0)

    languages = _vocabulary((householders, "languages"), (sharers, "languages"))
    h_lang, s_lang = householders.one_hot("languages", languages), sharers.one_hot("languages", languages)
    both_said = (col(h_lang.sum(1)) > 0) & (row(s_lang.sum(1)) > 0)
    scores["languages"] = np.where(both_said, ((h_lang @ s_lang.T) > 0).astype(float), UNKNOWN)

    h_rhythm, s_rhythm = householders.rhythms(), sharers.rhythms()
    rhythm_fit = np.where(_known(col(h_rhythm), row(s_rhythm)),
                          ((col(h_rhythm) == row(s_rhythm)) | (col(h_rhythm) == 2) | (row(s_rhythm) == 2)).astype(float),
                          UNKNOWN)
    h_quiet, s_quiet = householders.floats("quiet_home"), sharers.floats("quiet_home")
    quiet_fit = np.where(_known(col(h_quiet), row(s_quiet)), (col(h_quiet) == row(s_quiet)).astype(float), UNKNOWN)
    scores["lifestyle"] = (rhythm_fit + quiet_fit) / 2

    total_weight = sum(weights[name] for name in FACTORS) or 1
    score = sum(weights[name] * scores[name] for name in FACTORS) * (100.0 / total_weight)
    return Evaluation(feasible=feasible, score=np.rint(score), distance_km=distance)


# Reasons and warnings in words, for the pairs a coordinator will read ---------------------


def _join(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _shared(left: Sequence[str] | None, right: Sequence[str] | None) -> list[str]:
    right_set = {_norm(word) for word in right or ()}
    return [word for word in left or () if _norm(word) in right_set]


def explain(householder: Any, sharer: Any, distance_km: float, today: date | None = None) -> tuple[list[str], list[str]]:
    """Why a pair fits, and what a coordinator should look at before proposing it."""
    reasons: list[str] = []
    warnings: list[str] = []
    if not math.isnan(distance_km):
        place = sharer.base_name or "the sharer's place of study or work"
        reasons.append(f"{distance_km:.1f} km from {place}")
    else:
        warnings.append("distance not checked: a home location or a place of study or work is missing")

    wanted, offered = householder.hours_wanted_per_week, sharer.hours_offered_per_week
    if wanted is not None and offered is not None:
        reasons.append(f"offers {offered} of the {wanted} hours wanted")
        if offered < wanted:
            warnings.append("offers fewer hours than wanted")

    tasks_wanted = list(householder.tasks_wanted or ())
    covered = _shared(tasks_wanted, sharer.tasks_offered)
    if tasks_wanted:
        reasons.append(f"offers {len(covered)} of the {len(tasks_wanted)} tasks wanted")
        missing = [task.replace("_", " ") for task in tasks_wanted if task not in covered]
        if missing:
            warnings.append(f"does not offer {_join(missing)}")

    if (householder.nights_at_home_per_week or 0) > 0:
        if "overnight_presence" in (sharer.tasks_offered or ()):
            reasons.append("can be at home overnight")
        else:
            warnings.append(f"householder wants someone home {householder.nights_at_home_per_week} nights a week; "
                            "sharer does not offer overnight presence")

    interests = _shared(householder.interests, sharer.interests)
    if interests:
        reasons.append(f"both enjoy {_join(interests)}")
    languages = _shared(householder.languages, sharer.languages)
    if languages:
        reasons.append(f"shares {_join(languages)}")
    if householder.daily_rhythm and householder.daily_rhythm == sharer.daily_rhythm:
        reasons.append("both " + householder.daily_rhythm.replace("_", " ") + "s")
    if householder.quiet_home and sharer.quiet_home:
        reasons.append("both want a quiet home")

    if householder.has_pets and sharer.accepts_pets is None:
        warnings.append("householder keeps pets; sharer has not said pets are fine")
    if sharer.has_pets and householder.accepts_pets is None:
        warnings.append("sharer keeps pets; householder has not said pets are fine")
    if householder.gender_preference and not sharer.gender:
        warnings.append("gender preference not checked: the sharer has not said")
    if sharer.gender_preference and not householder.gender:
        warnings.append("gender preference not checked: the householder has not said")
    if householder.smoker is None or sharer.smoker is None:
        warnings.append("smoking not checked: one side has not said")
    if householder.things_to_know:
        warnings.append(f"householder asks a sharer to know: {householder.things_to_know}")
    return reasons, warnings
