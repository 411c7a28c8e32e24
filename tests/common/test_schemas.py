"""The base schema dumps exactly as marshmallow does: each case is dumped by the same schema
built on ``homeshare.common.schemas.Schema`` and on marshmallow's own ``Schema``."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import marshmallow as ma
import pytest

from homeshare.common.schemas import Schema


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Shouting(ma.fields.String):
    """A field that reads its value its own way."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        value = super().get_value(obj, attr, accessor=accessor, default=default)
        return value.upper() if isinstance(value, str) else value


class Bracketed(ma.fields.String):
    """A field that serializes its own way, around ``_serialize``."""

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return f"[{super().serialize(attr, obj, accessor=accessor, **kwargs)}]"


def schemas(base: type[ma.Schema]) -> type[ma.Schema]:
    """The same schema, nested one included, built on ``base``."""

    class Inner(base):  # type: ignore[valid-type, misc]
        name = ma.fields.String()
        colour = ma.fields.Enum(Colour, by_value=True, allow_none=True)

    class Outer(base):  # type: ignore[valid-type, misc]
        id = ma.fields.UUID()
        title = ma.fields.String(allow_none=True)
        renamed = ma.fields.String(data_key="shownAs")
        elsewhere = ma.fields.String(attribute="other")
        deep = ma.fields.String(attribute="inner.name")
        fixed = ma.fields.String(dump_default="fallback")
        worked_out = ma.fields.Integer(dump_default=lambda: 42)
        when = ma.fields.AwareDateTime(allow_none=True)
        flag = ma.fields.Boolean()
        inner = ma.fields.Nested(Inner, allow_none=True)
        inners = ma.fields.List(ma.fields.Nested(Inner))
        many_inners = ma.fields.Nested(Inner, many=True)
        method = ma.fields.Method("_shout")
        function = ma.fields.Function(lambda obj: "function")
        shouted = Shouting()
        bracketed = Bracketed()
        written = ma.fields.String(load_only=True)

        def _shout(self, obj):
            return "method"

    return Outer


@dataclass
class Thing:
    """An object as the views hand them to schemas: attributes, no ``__getitem__``."""

    id: uuid.UUID
    title: str | None
    renamed: str
    other: str
    inner: Any
    when: datetime | None
    flag: bool
    inners: list = field(default_factory=list)
    many_inners: list = field(default_factory=list)
    shouted: str = "quiet"
    bracketed: str = "inside"
    written: str = "never shown"


def a_thing(**changes) -> Thing:
    inner = SimpleNamespace(name="inner", colour=Colour.BLUE)
    values = dict(id=uuid.UUID(int=7), title="A title", renamed="renamed", other="from other", inner=inner,
                  when=datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc), flag=True,
                  inners=[inner, SimpleNamespace(name="second", colour=None)], many_inners=[inner])
    values.update(changes)
    return Thing(**values)


class Sparse:
    """An object that lacks most attributes: the defaults stand in, the rest are left out."""

    renamed = "only this"


CASES = {
    "an object": a_thing(),
    "nulls": a_thing(title=None, when=None, inner=None, inners=[], many_inners=[]),
    "an object without most attributes": Sparse(),
    "a dict": {"id": uuid.UUID(int=9), "title": "from a dict", "renamed": "r", "other": "o", "flag": False,
               "inner": {"name": "dict inner", "colour": Colour.RED}, "shouted": "loud"},
}


@pytest.mark.parametrize("case", CASES)
def test_a_dump_is_marshmallows(case):
    obj = CASES[case]
    assert schemas(Schema)().dump(obj) == schemas(ma.Schema)().dump(obj)


def test_a_dump_of_many_only_and_exclude_is_marshmallows():
    objects = [a_thing(), a_thing(title="second", flag=False)]
    ours, theirs = schemas(Schema), schemas(ma.Schema)
    assert ours(many=True).dump(objects) == theirs(many=True).dump(objects)
    assert ours(only=("id", "renamed", "inner")).dump(objects[0]) == theirs(only=("id", "renamed", "inner")).dump(
        objects[0])
    assert ours(exclude=("method", "deep")).dump(objects, many=True) == theirs(exclude=("method", "deep")).dump(
        objects, many=True)


def test_the_dump_keeps_the_fields_order_keys_and_serialized_values():
    dumped = schemas(Schema)().dump(a_thing())
    assert list(dumped) == ["id", "title", "shownAs", "elsewhere", "deep", "fixed", "worked_out", "when", "flag",
                            "inner", "inners", "many_inners", "method", "function", "shouted", "bracketed"]
    assert dumped["id"] == str(uuid.UUID(int=7))
    assert dumped["when"] == "2026-12-04T09:30:00+00:00"
    assert dumped["inner"] == {"name": "inner", "colour": "blue"}
    assert (dumped["fixed"], dumped["worked_out"], dumped["shouted"], dumped["bracketed"]) == (
        "fallback", 42, "QUIET", "[inside]")


def test_a_schema_that_reads_values_its_own_way_is_dumped_its_way():
    class Reading(Schema):
        name = ma.fields.String()

        def get_attribute(self, obj, attr, default):
            return f"read {attr}"

    assert Reading().dump(SimpleNamespace(name="ignored")) == {"name": "read name"}


def test_a_schema_whose_fields_change_after_it_dumped_dumps_the_new_fields():
    schema = schemas(Schema)(only=("id", "title"))
    thing = a_thing()
    assert schema.dump(thing) == {"id": str(thing.id), "title": "A title"}
    schema.only = {"title"}
    schema._init_fields()
    assert schema.dump(thing) == {"title": "A title"}
