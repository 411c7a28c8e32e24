"""The service's Flask app keeps, for each function, whether it is an ``async def`` one."""

from __future__ import annotations

import functools
import gc

import flask.app


def sync_hook(response=None):
    return response


async def async_view():
    return "never"


class Holder:
    def method(self):
        return "held"

    async def async_method(self):
        return "never"


def test_a_function_is_asked_about_once_and_called_as_it_is(app, monkeypatch):
    asked = []

    def counting(function):
        asked.append(function)
        return original(function)

    original = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)
    for _ in range(3):
        assert app.ensure_sync(sync_hook) is sync_hook
        bound = Holder().method
        assert app.ensure_sync(bound) is bound
    assert asked == [sync_hook, Holder.method]


def test_async_functions_and_methods_are_still_run_as_coroutines_each_time(app):
    """Flask runs them through ``async_to_sync``: it wraps them, or says it needs Flask's
    ``async`` extra when that is not installed. Never are they handed back as they are."""
    for function in (async_view, async_view, Holder().async_method, Holder().async_method):
        try:
            wrapped = app.ensure_sync(function)
        except RuntimeError as error:
            assert "async" in str(error)
        else:
            assert wrapped is not function


def test_functions_made_for_one_request_are_not_kept_after_it(app):
    app.ensure_sync(sync_hook)
    kept = set(app._synchronous)
    for _ in range(3):
        made_for_one_call = functools.partial(sync_hook, None)
        assert app.ensure_sync(made_for_one_call) is made_for_one_call

        def closure(response):
            return response

        assert app.ensure_sync(closure) is closure
        bound = Holder().method
        assert app.ensure_sync(bound) is bound  # its function is kept, not the bound method
    del closure, bound
    gc.collect()
    assert sync_hook in app._synchronous
    assert set(app._synchronous) - kept <= {Holder.method}
