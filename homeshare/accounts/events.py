"""What happens to accounts, for the packages above that react to it (blinker signals).

Receivers run in the sender's transaction, before it commits; the app factory connects them.
"""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

account_created = events.signal("account-created", doc="""\
Sent with the new ``Account`` once it is added to the session, before the commit.""")

email_to_owner = events.signal("email-to-owner", doc="""\
Sent with the ``Account`` whose owner must get an email, and the keyword arguments ``kind``,
``title``, ``body`` and ``dedupe_key`` (the same key is sent once), and ``to_address`` when the
email goes to another address than the account's: a code to prove the address or to reset the
password, a warning that someone tried to register with it, or an invitation to get a login
(sent to the address the coordinator gave, since the account has none yet). Before the commit;
the receiver puts it in the outbox.""")
