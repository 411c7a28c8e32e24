"""Postcodes: normalising them and locating their district."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import sqlalchemy as sa

from homeshare.extensions import db
from homeshare.places.models import PostcodeDistrict

# A full UK postcode: outward code (area, district) and inward code (sector, unit).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
CSV_COLUMNS = ("district", "latitude", "longitude")
# The district centres that ship with the package (Open Government Licence: see data/README.md).
SHIPPED_DISTRICTS = Path(__file__).resolve().parent / "data" / "uk-postcode-districts.csv"


class DistrictFileError(ValueError):
    """The districts file cannot be loaded; nothing was changed."""


def normalise_postcode(value: str) -> str | None:
    """``"sw1a1aa"`` -> ``"SW1A 1AA"``; None when it is not a UK postcode."""
    match = POSTCODE.match(re.sub(r"\s+", "", value.upper()))
    return f"{match.group(1)} {match.group(2)}" if match else None


def district_of(postcode: str) -> str:
    return postcode.split(" ", 1)[0]


def locate_district(district: str) -> tuple[float, float] | None:
    row = db.session.get(PostcodeDistrict, district)
    return (row.latitude, row.longitude) if row else None


def read_districts(path: Path) -> list[dict[str, float | str]]:
    """The rows of a districts CSV (columns district,latitude,longitude), checked.

    Raises ``DistrictFileError`` naming the first bad line; a district listed twice keeps
    its last position.
    """
    rows: dict[str, dict[str, float | str]] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not set(CSV_COLUMNS) <= set(reader.fieldnames):
            raise DistrictFileError(f"{path} needs the columns {', '.join(CSV_COLUMNS)}")
        for line, record in enumerate(reader, start=2):
            district = (record["district"] or "").strip().upper()
            try:
                latitude, longitude = float(record["latitude"]), float(record["longitude"])
            except (TypeError, ValueError):
                raise DistrictFileError(f"{path}:{line}: latitude and longitude must be numbers") from None
            if not DISTRICT.match(district) or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise DistrictFileError(f"{path}:{line}: {district!r} is not a district with a valid position")
            rows[district] = {"district": district, "latitude": latitude, "longitude": longitude}
    return list(rows.values())


def load_districts(path: Path) -> int:
    """Replace the districts table with the file's rows, all or nothing. Returns the count."""
    rows = read_districts(path)
    db.session.execute(sa.delete(PostcodeDistrict))
    if rows:
        db.session.execute(sa.insert(PostcodeDistrict), rows)
    db.session.commit()
    return len(rows)
