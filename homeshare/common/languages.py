"""The languages the service writes to people in: English and Welsh (Cymraeg).

What a person is told (notifications, emails, texts, the printed agreement) is written in
*their* language, whoever caused it: texts are marked with ``flask_babel.lazy_gettext`` where
they are written, and rendered for each recipient under ``in_language``. The catalogues are in
``homeshare/translations`` (docs/contributing.md says how to add a message). Error messages of
the API stay in English: clients localise them by the problem's ``type``.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from functools import reduce
from typing import Iterator, Sequence

from flask_babel import force_locale, format_date, format_datetime, lazy_gettext
from flask_babel.speaklater import LazyString

ENGLISH = "en"
WELSH = "cy"
LANGUAGES = (ENGLISH, WELSH)
"""Every language the service speaks, as ISO 639-1 codes; English is the default."""


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Render translated text in ``language`` (English when unknown or None) inside the block."""
    with force_locale(language if language in LANGUAGES else ENGLISH):
        yield


def rendered(text: object, language: str | None) -> str:
    """``text`` (a lazy translation or plain text) as written in ``language``."""
    with in_language(language):
        return str(text)


def written_date(day: date, pattern: str = "d MMMM y") -> LazyString:
    """``day`` as the reader's language writes it (``10 January 2027``, ``10 Ionawr 2027``)."""
    return LazyString(format_date, day, pattern)


def written_time(moment: datetime, pattern: str = "d MMMM y, HH:mm") -> LazyString:
    """``moment`` (already in the time zone to show) as the reader's language writes it."""
    return LazyString(format_datetime, moment, pattern, rebase=False)


def both(first: object, second: object) -> LazyString:
    """``first and second``, in the reader's language."""
    return lazy_gettext("%(first)s and %(second)s", first=first, second=second)


def all_of(parts: Sequence[object]) -> object:
    """``a and b and c``, in the reader's language."""
    return reduce(both, parts) if parts else ""


def lowered(text: object) -> LazyString:
    """``text`` in lower case, once rendered."""
    return LazyString(lambda: str(text).lower())
