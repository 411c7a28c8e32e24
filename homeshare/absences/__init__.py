"""Absences: the days a householder or a sharer of a live match is away, agreed and recorded."""
