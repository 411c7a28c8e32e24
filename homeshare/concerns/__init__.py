"""Concerns: anything worrying about a match or a person, safeguarding first."""
