"""Profiles: who each householder and sharer is, and what they need or offer."""
