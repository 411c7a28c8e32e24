"""Settings from environment variables (``HOMESHARE_*``) with safe defaults.

Every variable is listed in ``SETTINGS``, and the table of them in docs/operations.md is made
from it (``settings_table``; a test fails when that copy is stale), so that the table, the
code and the defaults cannot drift apart. ``load_config`` turns the environment into a Flask config
mapping; ``create_app(config)`` layers explicit overrides on top (tests use that).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

ENVIRONMENTS = ("development", "production", "testing")
MIN_SECRET_LENGTH = 32
SECRET_FILE_NAME = "secret_key"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the service refuses to start."""


def _int(value: str) -> int:
    return int(value)


def _limits(value: str) -> str:
    """A flask-limiter limit string such as ``20 per minute; 200 per hour``."""
    import limits

    limits.parse_many(value)  # ValueError when malformed
    return value


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    shown_default: str | None = None  # for a default computed at start-up

    @property
    def default_text(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        if self.default in (None, []):
            return "none"
        return f"`{self.default}`"


SETTINGS: tuple[Setting, ...] = (
    Setting("HOMESHARE_ENV", "HOMESHARE_ENV", "development", str,
            "`development`, `production` or `testing`. Production refuses to start without a real secret "
            "key and a PostgreSQL database."),
    Setting("HOMESHARE_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", None, str,
            "SQLAlchemy URL. `postgresql://` URLs use psycopg 3.",
            shown_default="`sqlite:///instance/homeshare.db`"),
    Setting("HOMESHARE_SECRET_KEY", "SECRET_KEY", None, str,
            f"Signs tokens; at least {MIN_SECRET_LENGTH} characters. Outside production a random key is generated once and "
            "kept in `instance/secret_key` (mode 0600).",
            shown_default="generated"),
    Setting("HOMESHARE_ACCESS_TOKEN_MINUTES", "HOMESHARE_ACCESS_TOKEN_MINUTES", 15, _int,
            "Lifetime of an access token."),
    Setting("HOMESHARE_REFRESH_TOKEN_DAYS", "HOMESHARE_REFRESH_TOKEN_DAYS", 30, _int,
            "Lifetime of a refresh token; every refresh issues a new one."),
    Setting("HOMESHARE_CORS_ORIGINS", "HOMESHARE_CORS_ORIGINS", [], _list,
            "Comma-separated browser origins allowed to call `/api/*`."),
    Setting("HOMESHARE_MAX_BODY_BYTES", "MAX_CONTENT_LENGTH", 256 * 1024, _int,
            "Largest request body accepted (413 above it)."),
    Setting("HOMESHARE_PASSWORD_TIME_COST", "HOMESHARE_PASSWORD_TIME_COST", 3, _int,
            "argon2id iterations."),
    Setting("HOMESHARE_PASSWORD_MEMORY_KIB", "HOMESHARE_PASSWORD_MEMORY_KIB", 65536, _int,
            "argon2id memory per hash in KiB (64 MiB, RFC 9106's second recommended option)."),
    Setting("HOMESHARE_PASSWORD_PARALLELISM", "HOMESHARE_PASSWORD_PARALLELISM", 4, _int,
            "argon2id lanes."),
    Setting("HOMESHARE_RATELIMIT_STORAGE_URI", "HOMESHARE_RATELIMIT_STORAGE_URI", "memory://", str,
            "Where sign-in and registration attempts are counted: `memory://` counts in each process; "
            "with more than one process (gunicorn workers, several machines) use Redis, "
            "`redis://host:6379/0`, so they share the counts; production requires it."),
    Setting("HOMESHARE_LOGIN_RATE_LIMIT", "HOMESHARE_LOGIN_RATE_LIMIT", "20 per minute; 200 per hour", _limits,
            "Sign-in attempts, password resets with a code, and invitation claims, allowed per client address."),
    Setting("HOMESHARE_REGISTER_RATE_LIMIT", "HOMESHARE_REGISTER_RATE_LIMIT", "10 per hour", _limits,
            "Registrations, and requests for a password-reset code, allowed per client address."),
    Setting("HOMESHARE_ACCOUNT_RATE_LIMIT", "HOMESHARE_ACCOUNT_RATE_LIMIT", "10 per minute", _limits,
            "Sign-in attempts, registrations and each step of a password reset, allowed per email, from any address."),
    Setting("HOMESHARE_ENQUIRY_RATE_LIMIT", "HOMESHARE_ENQUIRY_RATE_LIMIT", "10 per hour", _limits,
            "Enquiries sent with a scheme website's form, allowed per client address."),
    Setting("HOMESHARE_ENQUIRY_CONTACT_RATE_LIMIT", "HOMESHARE_ENQUIRY_CONTACT_RATE_LIMIT", "3 per hour; 5 per day",
            _limits, "Enquiries sent with a scheme website's form, allowed per contact (a phone number or email, "
            "normalised), from any address."),
    Setting("HOMESHARE_LOCKOUT_FAILURES", "HOMESHARE_LOCKOUT_FAILURES", 5, _int,
            "Failed sign-ins for one email that lock its sign-in (even with the right password), and "
            "invitation codes that match no invitation from one client address that lock its claims ..."),
    Setting("HOMESHARE_LOCKOUT_MINUTES", "HOMESHARE_LOCKOUT_MINUTES", 15, _int,
            "... when they fall within this many minutes; it opens again once the oldest failure is this "
            "old, or, for sign-in, after a successful sign-in or a coordinator's access reset."),
    Setting("HOMESHARE_TRUSTED_PROXIES", "HOMESHARE_TRUSTED_PROXIES", 0, _int,
            "Reverse proxies in front of the app whose `X-Forwarded-For` and `X-Forwarded-Proto` are "
            "trusted for the client's address and scheme. Set it to the number of proxies (1 behind one "
            "load balancer), or every client shares the proxy's address and its limits."),
    Setting("HOMESHARE_SMTP_URL", "HOMESHARE_SMTP_URL", None, str,
            "`smtp://[user:password@]host:port`: send notifications by email too."),
    Setting("HOMESHARE_MAIL_FROM", "HOMESHARE_MAIL_FROM", "Homeshare <no-reply@homeshare.invalid>", str,
            "Sender of notification emails."),
    Setting("HOMESHARE_PUSH_WEBHOOK_URL", "HOMESHARE_PUSH_WEBHOOK_URL", None, str,
            "Push gateway: each notification is POSTed there as JSON with the person's device tokens."),
    Setting("HOMESHARE_FCM_PROJECT_ID", "HOMESHARE_FCM_PROJECT_ID", None, str,
            "Firebase project: push through Firebase Cloud Messaging (HTTP v1), instead of the webhook."),
    Setting("HOMESHARE_FCM_CREDENTIALS_FILE", "HOMESHARE_FCM_CREDENTIALS_FILE", None, str,
            "The Firebase project's service-account key (JSON), for FCM's access tokens."),
    Setting("HOMESHARE_FCM_ENDPOINT", "HOMESHARE_FCM_ENDPOINT", "https://fcm.googleapis.com", str,
            "FCM's address."),
    Setting("HOMESHARE_TWILIO_ACCOUNT_SID", "HOMESHARE_TWILIO_ACCOUNT_SID", None, str,
            "Twilio account (`AC...`): send notifications by text message too, to those who said yes."),
    Setting("HOMESHARE_TWILIO_AUTH_TOKEN", "HOMESHARE_TWILIO_AUTH_TOKEN", None, str,
            "That account's auth token."),
    Setting("HOMESHARE_TWILIO_FROM", "HOMESHARE_TWILIO_FROM", None, str,
            "Sender: a Twilio number in E.164, or a messaging service (`MG...`)."),
    Setting("HOMESHARE_TWILIO_BASE_URL", "HOMESHARE_TWILIO_BASE_URL", "https://api.twilio.com", str,
            "Twilio's address."),
    Setting("HOMESHARE_DELIVERY_MAX_ATTEMPTS", "HOMESHARE_DELIVERY_MAX_ATTEMPTS", 6, _int,
            "Attempts before a delivery is given up (dead-lettered)."),
    Setting("HOMESHARE_DELIVERY_BACKOFF_SECONDS", "HOMESHARE_DELIVERY_BACKOFF_SECONDS", 60, _int,
            "Wait before the first retry; each later one waits twice as long."),
    Setting("HOMESHARE_LOG_LEVEL", "HOMESHARE_LOG_LEVEL", "INFO", str,
            "Level of the `homeshare` loggers."),
    Setting("HOMESHARE_LOG_FORMAT", "HOMESHARE_LOG_FORMAT", None, str,
            "`json`: one object a line (`time`, `level`, `logger`, `request_id`, `message`; the access "
            "log adds `method`, `path`, `status`, `duration_ms`), for log collectors.",
            shown_default="`json` in production, else `text`"),
    Setting("HOMESHARE_INSTANCE_PATH", "HOMESHARE_INSTANCE_PATH", None, str,
            "Folder of the SQLite database and the generated secret.",
            shown_default="`instance/`"),
)


def settings_table() -> str:
    """The Markdown table of every setting, as docs/operations.md shows it."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    lines += [f"| `{s.env}` | {s.default_text} | {s.help} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every ``HOMESHARE_*`` setting from ``environ`` (default: the process environment)."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if raw is None or raw == "":
            config[setting.key] = setting.default
            continue
        try:
            config[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{setting.env}={raw!r} is not valid: {exc}") from None
    return config


def normalise_database_url(url: str) -> str:
    """Let operators write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def log_format(settings: Mapping[str, Any], env: str | None = None) -> str:
    """``json`` or ``text``: ``HOMESHARE_LOG_FORMAT``, by default ``json`` in production.
    ``settings`` is the config, or the environment (gunicorn.conf.py reads it before the app)."""
    env = env or settings.get("HOMESHARE_ENV") or "development"
    chosen = settings.get("HOMESHARE_LOG_FORMAT") or ("json" if env == "production" else "text")
    if chosen not in ("json", "text"):
        raise ConfigError(f"HOMESHARE_LOG_FORMAT must be json or text, not {chosen!r}")
    return chosen


def finalise(config: dict[str, Any], instance_path: Path) -> dict[str, Any]:
    """Fill the defaults that depend on the instance folder and check the result."""
    env = config["HOMESHARE_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"HOMESHARE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")

    if not config.get("SQLALCHEMY_DATABASE_URI"):
        instance_path.mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance_path / 'homeshare.db'}"
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])

    config["HOMESHARE_LOG_FORMAT"] = log_format(config, env)
    check_channels(config)

    secret = config.get("SECRET_KEY")
    if env == "production":
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"HOMESHARE_ENV=production needs HOMESHARE_SECRET_KEY of at least "
                f"{MIN_SECRET_LENGTH} characters (for example: python -c "
                "'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if _looks_weak(secret):
            raise ConfigError(
                "HOMESHARE_SECRET_KEY looks like a placeholder, not a random secret: generate one "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise ConfigError("HOMESHARE_ENV=production needs HOMESHARE_DATABASE_URL (PostgreSQL)")
        if config["HOMESHARE_RATELIMIT_STORAGE_URI"].startswith("memory://"):
            raise ConfigError(
                "HOMESHARE_ENV=production needs HOMESHARE_RATELIMIT_STORAGE_URI (Redis): counted in each "
                "process's memory, sign-in limits and lockouts multiply by the number of workers"
            )
    elif not secret:
        config["SECRET_KEY"] = _local_secret(instance_path)
    elif len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"HOMESHARE_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
    return config


def check_channels(config: Mapping[str, Any]) -> None:
    """A delivery channel configured in part, or two push providers at once, is refused."""
    if config.get("HOMESHARE_FCM_PROJECT_ID") and config.get("HOMESHARE_PUSH_WEBHOOK_URL"):
        raise ConfigError("HOMESHARE_FCM_PROJECT_ID and HOMESHARE_PUSH_WEBHOOK_URL are both set: push goes "
                          "through one of them, so set only one")
    if bool(config.get("HOMESHARE_FCM_PROJECT_ID")) != bool(config.get("HOMESHARE_FCM_CREDENTIALS_FILE")):
        raise ConfigError("FCM needs both HOMESHARE_FCM_PROJECT_ID and HOMESHARE_FCM_CREDENTIALS_FILE")
    twilio = ("HOMESHARE_TWILIO_ACCOUNT_SID", "HOMESHARE_TWILIO_AUTH_TOKEN", "HOMESHARE_TWILIO_FROM")
    if any(config.get(name) for name in twilio) and not all(config.get(name) for name in twilio):
        raise ConfigError(f"Text messages need all of {', '.join(twilio)}")


PLACEHOLDER_WORDS = ("change", "secret", "password", "example", "default", "homeshare")
MIN_DISTINCT_SECRET_CHARACTERS = 10


def _looks_weak(secret: str) -> bool:
    """A placeholder or a repeated pattern rather than a random key (random keys of 32 or
    more characters, hexadecimal included, have far more than 10 different characters)."""
    lowered = secret.lower()
    return len(set(secret)) < MIN_DISTINCT_SECRET_CHARACTERS or any(word in lowered for word in PLACEHOLDER_WORDS)


def _local_secret(instance_path: Path) -> str:
    """The embedded default's secret: generated once, kept readable by the owner only."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / SECRET_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        secret = secrets.token_urlsafe(48)
        handle.write(secret + "\n")
    return secret
