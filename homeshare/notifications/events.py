"""What the outbox asks of the packages above it (blinker signals, connected by the app factory)."""

from __future__ import annotations

from blinker import Namespace

events = Namespace()

addressing = events.signal("addressing", doc="""\
Sent with the list of ``Message``s about to be stored (none of them an email-only one). A
receiver returns more messages to store with them: the copies for someone who must also be
told (a representative who receives the notifications of the person they represent).""")

phone_numbers = events.signal("phone_numbers", doc="""\
Sent with the ids of the accounts whose text messages are about to be sent. A receiver returns
a mapping of account id to the phone number they gave (or None).""")
