"""Vetting: the checks a person must pass before they can be matched."""
