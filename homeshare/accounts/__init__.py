"""Accounts and authentication: who may call the API, in which role, for which scheme."""
