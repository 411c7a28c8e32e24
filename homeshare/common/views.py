"""Decorators for views (the route layer) that more than one domain uses."""

from __future__ import annotations

import functools
from typing import Any, Callable

from sqlalchemy.orm.exc import StaleDataError

from homeshare.extensions import db

CONCURRENT_CHANGE_ATTEMPTS = 3


def retry_on_concurrent_change(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view again, up to twice, when its write lost a race on a version column.

    For commands that carry no precondition of the client's (no ``If-Match``): the view
    reads the record afresh and re-applies the command to what is there now, so a repeat
    of a step that just landed finds it done (and answers as for a repeat), and a step
    that does not fit any more gets its proper answer. Writes guarded by the client's
    ``If-Match`` must not use this: there, losing the race is the answer (409).
    """
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(CONCURRENT_CHANGE_ATTEMPTS):
            try:
                return view(*args, **kwargs)
            except StaleDataError:
                db.session.rollback()
                if attempt == CONCURRENT_CHANGE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    return wrapper

