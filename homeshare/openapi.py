"""The OpenAPI description, rendered the same way for the committed file and its test."""

from __future__ import annotations

import yaml
from flask import Flask


class _PlainDumper(yaml.SafeDumper):
    """Writes a value used twice (an enum's list of codes) twice, never as a YAML anchor and
    alias, which some client generators' YAML readers refuse."""

    def ignore_aliases(self, data):
        return True


def render_openapi_yaml(app: Flask) -> str:
    spec = app.extensions["homeshare.api"].spec.to_dict()
    return yaml.dump(spec, Dumper=_PlainDumper, sort_keys=True, allow_unicode=True, width=100)
