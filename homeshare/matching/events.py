"""What happens in a match's life, for the packages that hang off a match (blinker signals).

Matching sits below agreements and check-ins: it tells them through these signals instead of
calling them. Receivers run in the sender's transaction, before it commits, and may refuse a
step by raising an ``ApiError``; the app factory connects them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from blinker import Namespace
from sqlalchemy import ColumnElement

events = Namespace()

trial_started = events.signal("trial-started", doc="""\
Sent with the ``Match`` whose trial just started, and ``scheme=`` its ``Scheme``.""")

activating = events.signal("activating", doc="""\
Sent with a ``Match`` in its trial that a coordinator is making active. A receiver that
finds a condition unmet raises ``Conflict`` (with the match's ``state`` and
``allowed_transitions``), and the match stays in its trial.""")

party_steps = events.signal("party-steps", doc="""\
Sent with the ``Account`` of a householder or sharer about to be shown their matches. A
receiver returns a ``PartyStep``: a SQL value correlated with the ``match`` table that is not
NULL where something that hangs off the match waits on that person (an agreement to accept),
and the words for it. The value is a column of the statement that reads the matches' other
people, so what hangs off them costs no statement of its own.""")


class PartyStep(NamedTuple):
    """A receiver's answer to ``party_steps``: ``value``, a SQL expression correlated with the
    ``match`` table (NULL where nothing waits on the person), and ``wording``, what to tell the
    person from a value that is not NULL."""

    value: ColumnElement[Any]
    wording: Callable[[Any], str]

notice_terms = events.signal("notice-terms", doc="""\
Sent with a ``Match`` someone gives notice on. A receiver returns the notice lengths its
agreement sets, ``{"notice_days": int, "trial_notice_days": int}``, or None where the match has
no accepted agreement (the defaults of ``matching.models`` apply).""")

trial_terms = events.signal("trial-terms", doc="""\
Sent with a ``Match`` whose trial is starting. A receiver returns the trial's length in days its
agreement sets (the newest version both sides accepted), or None where no version was accepted
(the scheme's ``trial_length_days`` applies).""")


trial_extended = events.signal("trial-extended", doc="""\
Sent with a ``Match`` in its trial whose end a coordinator's trial review moved later
(``match.trial_ends_on`` is the new end), ``scheme=`` its ``Scheme`` and ``previous_end=`` the
end it had. Receivers plan again what follows from the trial's end (the check-ins).""")
