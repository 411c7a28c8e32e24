"""requirements.lock pins every package pyproject.toml asks for, at a version it allows."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helpers import PROJECT_ROOT


def _locked() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_the_lock_pins_what_the_project_and_its_tests_need():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"],
              *project["optional-dependencies"]["browser"]]
    locked = _locked()
    assert "homeshare" not in locked  # the application itself is installed from its checkout
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in requirements.lock (make lock)"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock has {requirement.name}=={locked[name]}, outside {requirement.specifier} (make lock)")
