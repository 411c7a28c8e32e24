"""Questionnaires: validated instruments asked at approval and through a match, their answers, scores and outcome figures."""
