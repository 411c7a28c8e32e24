"""Password hashing with argon2id, parameters from configuration."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_EXTENSION_KEY = "homeshare.password_hasher"


class _Hasher:
    def __init__(self, time_cost: int, memory_kib: int, parallelism: int):
        self.argon2 = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        # Verified against when the email is unknown, so both failures take as long.
        self.decoy_hash = self.argon2.hash("not a real password")


def _hasher() -> _Hasher:
    hasher = current_app.extensions.get(_EXTENSION_KEY)
    if hasher is None:
        config = current_app.config
        hasher = _Hasher(
            config["HOMESHARE_PASSWORD_TIME_COST"],
            config["HOMESHARE_PASSWORD_MEMORY_KIB"],
            config["HOMESHARE_PASSWORD_PARALLELISM"],
        )
        current_app.extensions[_EXTENSION_KEY] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().argon2.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with ``None`` burns the same time and returns False."""
    hasher = _hasher()
    try:
        return hasher.argon2.verify(password_hash or hasher.decoy_hash, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().argon2.check_needs_rehash(password_hash)


def parameters() -> dict[str, int | str]:
    """The hash parameters in force, for operators and benchmarks."""
    argon2 = _hasher().argon2
    return {
        "algorithm": "argon2id",
        "time_cost": argon2.time_cost,
        "memory_kib": argon2.memory_cost,
        "parallelism": argon2.parallelism,
    }
