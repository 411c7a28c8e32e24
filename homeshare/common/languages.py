"""The languages the service writes to people in: English and Welsh (Cymraeg).

What a person is told (notifications, emails, texts, the printed agreement) is written in
*their* language, whoever caused it: texts are marked with ``flask_babel.lazy_gettext`` where
they are written, and rendered for each recipient under ``in_language``. The catalogues are in
``homeshare/translations`` (docs/contributing.md says how to add a message). Error messages of
the API stay in English: clients localise them by the problem's ``type``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask_babel import force_locale

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
