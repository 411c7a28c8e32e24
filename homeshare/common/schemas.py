"""Base schema and field helpers shared by every domain.

Request bodies are strict: unknown fields are rejected (422) rather than silently
ignored, so a typo in a client never looks like success. Strings are always bounded.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


class Schema(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


def bounded_string(max_length: int, *, min_length: int = 1, **kwargs) -> ma.fields.String:
    """A string with explicit bounds; leading and trailing spaces are never significant."""
    return TrimmedString(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class TrimmedString(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip()
