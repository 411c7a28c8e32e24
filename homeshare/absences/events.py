"""What happens to absences, for the packages above them (blinker signals).

Absences sit below check-ins and hours: they tell them through these signals instead of
calling them. Receivers run in the sender's transaction, before it commits; the app factory
connects them.
"""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

absence_recorded = events.signal("absence-recorded", doc="""\
Sent with the ``Absence`` just recorded or changed (not cancelled), ``match=`` its ``Match`` and
``actor=`` the ``Account`` who sent the request.""")
