"""The facts a ranking scores, stored per person in the form the arithmetic reads.

A person's profile fields become one fixed-width record of numbers (``FIXED``: unknown is
NaN, booleans 1 and 0, dates day numbers, a gender and the genders preferred as bits) and
the items of their lists as 64-bit codes (``ITEMS``, the lists one after another, their
lengths in the record). A ranking reads every candidate's two byte strings in one statement
and joins them into arrays with ``numpy.frombuffer``: nothing is decoded one person at a time.

The features are written in the flush that writes the profile (``after_insert`` and
``after_update`` of ``Profile``, so in the same transaction as every change of a profile,
whoever makes it: a person's or coordinator's change, a person added, a postcode located
again, an erasure), with the profile's ``version`` and ``FORMAT``. A ranking reads the stored
features only where both still match; for anyone else it computes them from the profile, so
features of an older format, or of a profile changed behind the ORM's back, are never read.
Any change to what is stored, or how, must raise ``FORMAT`` (a test holds the encoding of
sample profiles to the format's number) and come with a migration that stores them again.

A code is the first 8 bytes of the BLAKE2b digest of the item (interests and languages
lower-cased, as they are compared): two different words of a scheme share a code with odds
of about one in 10^19 for every pair of words.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from homeshare.profiles.vocabulary import GENDERS

FORMAT = 1

FLOATS = ("latitude", "longitude", "base_latitude", "base_longitude", "max_distance_km", "stay_months",
          "hours_wanted_per_week", "hours_offered_per_week", "nights_at_home_per_week",
          "smoker", "has_pets", "accepts_pets", "quiet_home")
DAYS = ("room_available_from", "move_in_on")
LISTS = ("tasks_wanted", "tasks_offered", "interests", "languages")
# Compared without regard to case (as the profile columns were: lower-cased before comparing).
CASELESS = frozenset({"interests", "languages"})
RHYTHMS = {"early_riser": 0.0, "night_owl": 1.0, "flexible": 2.0}
GENDER_BITS = {gender: 1 << i for i, gender in enumerate(GENDERS)}

FIXED = np.dtype(
    [(name, "<f8") for name in FLOATS + DAYS]
    + [("daily_rhythm", "<f8"), ("overnight", "<f8"), ("gender", "<u2"), ("gender_preference", "<u2")]
    + [(f"{name}_count", "<u2") for name in LISTS]
)
CODE = np.dtype("<i8")

# The profile fields the features are made from.
FIELDS = FLOATS + DAYS + LISTS + ("daily_rhythm", "gender", "gender_preference")


def code(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


OVERNIGHT = code("overnight_presence")


def _number(value: Any) -> float:
    if value is None:
        return np.nan
    if isinstance(value, date):
        return float(value.toordinal())
    return float(value)


def encode(fields: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """One person's features from their profile ``fields`` (missing fields are unknown)."""
    record = np.zeros((), dtype=FIXED)
    for name in FLOATS + DAYS:
        record[name] = _number(fields.get(name))
    record["daily_rhythm"] = RHYTHMS.get(fields.get("daily_rhythm"), np.nan)
    tasks_offered = fields.get("tasks_offered") or ()
    record["overnight"] = float("overnight_presence" in tasks_offered)
    record["gender"] = GENDER_BITS.get(fields.get("gender"), 0)
    preference = 0
    for gender in fields.get("gender_preference") or ():
        preference |= GENDER_BITS.get(gender, 0)
    record["gender_preference"] = preference
    codes: list[int] = []
    for name in LISTS:
        items = [item.lower() if name in CASELESS else item for item in fields.get(name) or ()]
        record[f"{name}_count"] = len(items)
        codes.extend(map(code, items))
    return record.tobytes(), np.array(codes, dtype=CODE).tobytes()


class Features:
    """Many people's features as arrays, decoded from their stored bytes all at once."""

    def __init__(self, fixed: Sequence[bytes], items: Sequence[bytes]):
        self.record = np.frombuffer(b"".join(fixed), dtype=FIXED)
        codes = np.frombuffer(b"".join(items), dtype=CODE)
        n = len(self.record)
        counts = np.stack([self.record[f"{name}_count"].astype(np.int64) for name in LISTS], axis=1).ravel()
        # The codes are each person's lists one after another: which list and whose each code is.
        kinds = np.repeat(np.tile(np.arange(len(LISTS)), n), counts)
        rows = np.repeat(np.repeat(np.arange(n), len(LISTS)), counts)
        self.lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for k, name in enumerate(LISTS):
            mine = kinds == k
            self.lists[name] = (rows[mine], codes[mine])

    def __len__(self) -> int:
        return len(self.record)

    @classmethod
    def of(cls, people: Iterable[Mapping[str, Any]]) -> Features:
        encoded = [encode(fields) for fields in people]
        return cls([fixed for fixed, _ in encoded], [items for _, items in encoded])

    def floats(self, name: str) -> np.ndarray:
        return self.record[name].astype(float)

    def bits(self, name: str) -> np.ndarray:
        """Genders as one column per gender in ``GENDERS``, 1 where the bit is set."""
        values = self.record[name].astype(np.int64)
        return ((values[:, None] >> np.arange(len(GENDERS))) & 1).astype(np.float32)

