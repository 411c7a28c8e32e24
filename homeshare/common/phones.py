"""Phone numbers checked and written one way: E.164 (``+442920123456``), UK numbers accepted
without their country code."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "GB"
MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def e164(phone: str | None, *, mobile_only: bool = False) -> str | None:
    """The number as E.164 when it is a valid number (a mobile one, with ``mobile_only``), else None."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
