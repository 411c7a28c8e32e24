"""The scheme and its signed-in coordinator that the ranking and matching tests work in."""

from __future__ import annotations

import pytest


@pytest.fixture
def scheme(make):
    return make.scheme()


@pytest.fixture
def coordinator(client, make, scheme):
    return make.login(client, make.coordinator(scheme))
