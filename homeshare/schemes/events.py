"""What happens to schemes, for the packages above that react to it (blinker signals).

Receivers run in the sender's transaction, before it commits; the app factory connects them.
"""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

scheme_updated = events.signal("scheme-updated", doc="""\
Sent with the changed ``Scheme`` before the commit, with ``actor_id`` (who changed it) and its
name, time zone and settings ``before`` and ``after`` the change.""")
