"""The service's Flask app keeps, for each function, whether it is an ``async def`` one."""

from __future__ import annotations

import functools

import pytest


def sync_hook(response=None):
    return response


async def async_view():
    return "never"


class Holder:
    def method(self):
        return "held"

    async def async_method(self):
        return "never"


def test_synchronous_functions_and_methods_are_called_as_they_are(app):
    for _ in range(2):
        assert app.ensure_sync(sync_hook) is sync_hook
        bound = Holder().method
        assert app.ensure_sync(bound) is bound


def test_async_functions_and_methods_are_still_run_as_coroutines_each_time(app):
    """Flask runs them through ``async_to_sync`` (which needs Flask's ``async`` extra, not
    installed here: it says so) however often they are asked about."""
    for function in (async_view, async_view, Holder().async_method, Holder().async_method):
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(function)


def test_only_long_lived_functions_are_kept(app):
    app.ensure_sync(sync_hook)
    kept = dict(app._synchronous)
    for _ in range(3):
        made_for_one_call = functools.partial(sync_hook, None)
        assert app.ensure_sync(made_for_one_call) is made_for_one_call
        assert app.ensure_sync(Holder().method)  # its function is kept, not the bound method
    assert set(app._synchronous) - set(kept) <= {Holder.method}
    assert sync_hook in app._synchronous
