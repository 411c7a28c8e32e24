"""Questionnaires: validated instruments asked at approval and through a match, their scores and outcomes."""
