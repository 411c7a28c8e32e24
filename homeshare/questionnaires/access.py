"""Who reaches a questionnaire: its person, the coordinators of its scheme, and the person's
representatives whose consent covers the view."""

from __future__ import annotations

from homeshare.common.access import PathObject
from homeshare.questionnaires.service import reach

QUESTIONNAIRE = PathObject("questionnaire_id", "questionnaire", reach, scoped=True)
