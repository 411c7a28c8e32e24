"""Agreed-hours tracking: sharers log help given, householders confirm, shortfalls surface."""
