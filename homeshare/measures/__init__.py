"""Scheme quality measures: how well a scheme matches people and keeps matches going."""
