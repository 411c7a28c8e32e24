"""One pagination style for every list: ``?page=&per_page=`` in, an envelope out.

    {"items": [...], "pagination": {"page": 1, "per_page": 20, "total": 57, "pages": 3}}

A list costs one statement whatever the page size: the page of rows, each with the total
(``count(*) OVER ()``; relationships a list shows must be loaded eagerly in that same
statement). A page past the last costs a count besides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import validate

from homeshare.common.schemas import Schema
from homeshare.extensions import db

T = TypeVar("T")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class PageQuerySchema(Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(
        load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE)
    )


class PaginationSchema(Schema):
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Items across all pages."})
    pages = ma.fields.Integer(required=True)


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pagination(self) -> dict[str, int]:
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": math.ceil(self.total / self.per_page) if self.total else 0,
        }


def paginate(statement: sa.Select, *, page: int, per_page: int, rows: bool = False) -> Page[Any]:
    """Run ``statement`` (already ordered) for one page, with the total of every page.

    Items are the first column's objects, or whole rows with ``rows=True``. The total comes
    with each row of the page (``count(*) OVER ()``, counted before the page is cut), so a page
    is one statement; only a page past the last one, which has no rows to carry it, counts
    apart. A statement with DISTINCT counts apart too, as its window would count the rows
    before duplicates are dropped.
    """
    if statement._distinct:
        return _paginate_with_count(statement, page=page, per_page=per_page, rows=rows)
    width = len(statement.column_descriptions)  # entities count as one
    windowed = statement.add_columns(sa.func.count().over().label("page_total"))
    result = db.session.execute(windowed.limit(per_page).offset((page - 1) * per_page))
    if rows:
        frozen = result.freeze()
        found = frozen().all()
        items = list(frozen().columns(*range(width)).all()) if found else []
    else:
        found = result.unique().all()
        items = [row[0] for row in found]
    if found:
        total = found[0][width]
    else:
        total = _count(statement) if page > 1 else 0
    return Page(items=items, page=page, per_page=per_page, total=total)


def _count(statement: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())) or 0


def _paginate_with_count(statement: sa.Select, *, page: int, per_page: int, rows: bool) -> Page[Any]:
    total = _count(statement)
    result = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    items = list(result.all()) if rows else list(result.scalars().unique().all())
    return Page(items=items, page=page, per_page=per_page, total=total)


_page_schemas: dict[type, type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope schema for a page of ``item_schema`` (one class per item schema)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "pagination": ma.fields.Nested(PaginationSchema, required=True),
            },
        )
    return _page_schemas[item_schema]
