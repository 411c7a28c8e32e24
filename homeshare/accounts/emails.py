from __future__ import annotations

import unicodedata


def normalise_email(email: str) -> str:
    """One spelling per mailbox: Unicode NFKC, no surrounding spaces (a phone keyboard's
    habit), lower case."""
    return unicodedata.normalize("NFKC", email).strip().lower()
