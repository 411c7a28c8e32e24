"""The message catalogues: every text marked for translation in the code is in messages.pot and
translated into Welsh (not fuzzy, with the same placeholders), and the compiled catalogue the
service reads is there and newer than what it was compiled from."""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from homeshare.agreements.printing import TASK_NAMES
from homeshare.profiles.vocabulary import TASKS
from tests.helpers import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "homeshare" / "translations"
LANGUAGES = ("cy",)
# As `make messages` extracts them (the Makefile's -k options).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def in_the_code() -> set:
    with open(TRANSLATIONS / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {message for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT / "homeshare", method_map, options_map, keywords=KEYWORDS)}


def catalogue(path, locale=None):
    with open(path, "rb") as source:
        return read_po(source, locale=locale)


def test_the_template_holds_every_marked_text_of_the_code():
    template = {message.id for message in catalogue(TRANSLATIONS / "messages.pot") if message.id}
    assert template == in_the_code(), "run `make messages`, then translate what is new"


def test_every_message_is_translated_with_its_placeholders_and_none_is_fuzzy():
    wanted = in_the_code()
    for language in LANGUAGES:
        po = catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
        found = {message.id: message for message in po if message.id}
        assert wanted <= set(found), f"missing from {language}: {sorted(map(str, wanted - set(found)))}"
        for msgid in wanted:
            message = found[msgid]
            assert not message.fuzzy, (language, msgid)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert len(strings) == (po.num_plurals if message.pluralizable else 1), (language, msgid)
            names = set(PLACEHOLDER.findall(msgid if isinstance(msgid, str) else msgid[0]))
            for string in strings:
                assert string, (language, msgid)
                assert set(PLACEHOLDER.findall(string)) == names, (language, msgid, string)


def test_the_compiled_catalogues_are_there_and_up_to_date():
    for language in LANGUAGES:
        po = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `make translations`"
        assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo} is older than {po.name}: run `make translations`"


def test_every_task_has_its_printed_name():
    assert set(TASK_NAMES) == {task.code for task in TASKS}
