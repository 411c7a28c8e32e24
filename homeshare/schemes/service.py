"""Scheme rules and transactions."""

from __future__ import annotations

import uuid
from typing import Any, Mapping

import marshmallow as ma
import sqlalchemy as sa

from homeshare.common.pagination import Page, paginate
from homeshare.errors import Conflict, NotFound, ValidationFailed
from homeshare.extensions import db
from homeshare.schemes.events import scheme_updated
from homeshare.schemes.models import CONTACT_COLUMNS, DEFAULT_TIMEZONE, Scheme
from homeshare.schemes.settings import merged_settings


def get_scheme(scheme_id: uuid.UUID) -> Scheme:
    scheme = db.session.get(Scheme, scheme_id)
    if scheme is None:
        raise NotFound("No such scheme.")
    return scheme


def find_by_slug(slug: str) -> Scheme | None:
    return db.session.scalars(sa.select(Scheme).where(Scheme.slug == slug.lower())).first()


def list_schemes(*, page: int, per_page: int) -> Page[Scheme]:
    return paginate(sa.select(Scheme).order_by(Scheme.name, Scheme.id), page=page, per_page=per_page)


def _settings(stored: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return merged_settings(stored, changes)
    except ma.ValidationError as exc:
        raise ValidationFailed({"settings": exc.messages}) from None


def create_scheme(
    *, slug: str, name: str, timezone: str = DEFAULT_TIMEZONE, settings: Mapping[str, Any] | None = None,
    commit: bool = True,
) -> Scheme:
    slug = slug.lower()
    if find_by_slug(slug) is not None:
        raise Conflict(f"A scheme with the slug {slug!r} already exists.", kind="scheme-exists")
    scheme = Scheme(slug=slug, name=name, timezone=timezone, settings=_settings({}, settings or {}))
    db.session.add(scheme)
    if commit:
        db.session.commit()
    return scheme


def _described(scheme: Scheme) -> dict[str, Any]:
    return {"name": scheme.name, "timezone": scheme.timezone, "settings": dict(scheme.settings or {}),
            "contact": scheme.contact}


def update_scheme(scheme: Scheme, changes: Mapping[str, Any], *, actor_id: uuid.UUID | None = None) -> Scheme:
    """Change the name, time zone, settings or contact details; a change is told to ``scheme_updated``'s receivers."""
    changes = dict(changes)
    before = _described(scheme)
    if "settings" in changes:
        scheme.settings = _settings(scheme.settings, changes.pop("settings"))
    for part, value in changes.pop("contact", {}).items():
        setattr(scheme, CONTACT_COLUMNS[part], value)
    for field in ("name", "timezone"):
        if field in changes:
            setattr(scheme, field, changes[field])
    after = _described(scheme)
    if after == before:
        return scheme  # nothing changed, nothing to commit or record
    scheme_updated.send(scheme, actor_id=actor_id, before=before, after=after)
    db.session.commit()
    return scheme
