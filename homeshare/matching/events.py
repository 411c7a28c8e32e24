"""What happens in a match's life, for the packages that hang off a match (blinker signals).

Matching sits below agreements and check-ins: it tells them through these signals instead of
calling them. Receivers run in the sender's transaction, before it commits, and may refuse a
step by raising an ``ApiError``; the app factory connects them.
"""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

trial_started = events.signal("trial-started", doc="""\
Sent with the ``Match`` whose trial just started, and ``scheme=`` its ``Scheme``.""")

activating = events.signal("activating", doc="""\
Sent with a ``Match`` in its trial that a coordinator is making active. A receiver that
finds a condition unmet raises ``Conflict`` (with the match's ``state`` and
``allowed_transitions``), and the match stays in its trial.""")

party_steps = events.signal("party-steps", doc="""\
Sent with the ``Account`` of a householder or sharer and ``matches=`` the matches they are
shown. A receiver returns ``{match_id: text}`` for matches where something that hangs off
the match waits on that person (an agreement to accept); one statement for all the matches.""")

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
