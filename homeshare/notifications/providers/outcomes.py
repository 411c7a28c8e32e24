"""What a provider answers besides "sent": devices to forget, and failures that say when to try again."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone


@dataclass(frozen=True)
class Outcome:
    """A send that is done. ``gone``: device tokens the push service no longer knows, to forget;
    ``note``: why nothing was sent, kept on the delivery."""

    gone: tuple[str, ...] = field(default=())
    note: str | None = None


class Failure(Exception):
    """A send that did not happen.

    ``retry_after``: seconds the peer asked us to wait (the next attempt is at least that far
    away); ``final``: trying again cannot help (the delivery is dead-lettered at once);
    ``gone``: device tokens to forget even so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, final: bool = False,
                 gone: tuple[str, ...] = ()):
        super().__init__(message)
        self.retry_after, self.final, self.gone = retry_after, final, tuple(gone)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date; None when absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
