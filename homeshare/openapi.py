"""The OpenAPI description, rendered the same way for the committed file and its test."""

from __future__ import annotations

import yaml
from flask import Flask


def render_openapi_yaml(app: Flask) -> str:
    spec = app.extensions["homeshare.api"].spec.to_dict()
    return yaml.safe_dump(spec, sort_keys=True, allow_unicode=True, width=100)
