"""Meetings of a match in introduction: the introduction, visits, a shared meal, an overnight stay, the final meeting."""
