"""Configuration from the environment, and the refusal to run production without secrets."""

from __future__ import annotations

import secrets
import stat

import pytest

from homeshare import create_app
from homeshare.config import SETTINGS, ConfigError, load_config, settings_table
from tests.helpers import PROJECT_ROOT

REAL_SECRET = secrets.token_urlsafe(48)


def test_environment_variables_are_read():
    config = load_config({
        "HOMESHARE_DATABASE_URL": "postgresql://u@db/homeshare",
        "HOMESHARE_ACCESS_TOKEN_MINUTES": "5",
        "HOMESHARE_CORS_ORIGINS": "https://console.example.org, https://app.example.org",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://u@db/homeshare"
    assert config["HOMESHARE_ACCESS_TOKEN_MINUTES"] == 5
    assert config["HOMESHARE_CORS_ORIGINS"] == ["https://console.example.org", "https://app.example.org"]


def test_bad_number_is_refused():
    with pytest.raises(ConfigError, match="HOMESHARE_ACCESS_TOKEN_MINUTES"):
        load_config({"HOMESHARE_ACCESS_TOKEN_MINUTES": "soon"})


def test_postgresql_urls_use_psycopg_3(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://u@db/homeshare", "HOMESHARE_INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/homeshare"


def test_embedded_default_generates_and_keeps_a_private_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("HOMESHARE_SECRET_KEY", raising=False)
    monkeypatch.delenv("HOMESHARE_DATABASE_URL", raising=False)
    first = create_app({"HOMESHARE_INSTANCE_PATH": str(tmp_path)})
    second = create_app({"HOMESHARE_INSTANCE_PATH": str(tmp_path)})
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'homeshare.db'}"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": None}, "HOMESHARE_SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "HOMESHARE_SECRET_KEY"),
        ({"SECRET_KEY": "s" * 48}, "placeholder"),
        ({"SECRET_KEY": "change-me-change-me-change-me-change-me"}, "placeholder"),
        ({"SECRET_KEY": "my-homeshare-production-" + secrets.token_hex(8)}, "placeholder"),
        ({"SQLALCHEMY_DATABASE_URI": None}, "HOMESHARE_DATABASE_URL"),
        ({"HOMESHARE_RATELIMIT_STORAGE_URI": "memory://"}, "HOMESHARE_RATELIMIT_STORAGE_URI"),
    ],
)
def test_production_refuses_to_start_without_real_settings(tmp_path, overrides, message):
    config = {
        "HOMESHARE_ENV": "production",
        "HOMESHARE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": REAL_SECRET,
        "SQLALCHEMY_DATABASE_URI": "postgresql://u@db/homeshare",
        "HOMESHARE_RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
    }
    config.update(overrides)
    with pytest.raises(ConfigError, match=message):
        create_app(config)
    assert not (tmp_path / "secret_key").exists()


def test_production_starts_with_real_settings(tmp_path):
    app = create_app({
        "HOMESHARE_ENV": "production", "HOMESHARE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": REAL_SECRET, "SQLALCHEMY_DATABASE_URI": "postgresql://u@db/homeshare",
        "HOMESHARE_RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
    })
    assert app.config["TESTING"] is False


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="HOMESHARE_ENV"):
        create_app({"HOMESHARE_ENV": "staging", "HOMESHARE_INSTANCE_PATH": str(tmp_path)})


def test_cors_allows_only_configured_origins(tmp_path):
    app = create_app({
        "HOMESHARE_INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}",
        "HOMESHARE_CORS_ORIGINS": ["https://console.example.org"],
    })
    client = app.test_client()
    allowed = client.get("/healthz", headers={"Origin": "https://console.example.org"})
    assert allowed.headers.get("Access-Control-Allow-Origin") is None  # probes are not under /api
    allowed = client.get("/api/v1/openapi.json", headers={"Origin": "https://console.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://console.example.org"
    refused = client.get("/api/v1/openapi.json", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_the_operations_guide_shows_the_settings_table_made_from_the_code():
    guide = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    assert settings_table() in guide, "docs/operations.md's settings table is stale: paste config.settings_table()"
    assert all(f"| `{setting.env}` |" in settings_table() for setting in SETTINGS)
