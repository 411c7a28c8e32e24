"""What happens to accounts, for the packages above that react to it (blinker signals).

Receivers run in the sender's transaction, before it commits; the app factory connects them.
"""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

account_created = events.signal("account-created", doc="""\
Sent with the new ``Account`` once it is added to the session, before the commit.""")
