"""Schemes: the Homeshare organisations that run matches (the tenants)."""
