"""The controlled vocabularies the API publishes: tasks and the profile's enumerations.

Personal care (washing, dressing, toileting, medication) is regulated care, not
Homeshare: it is not in the task list, and asking for or offering it is refused with
an error that says why.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    code: str
    label: str
    description: str


TASKS: tuple[Task, ...] = (
    Task("companionship", "Companionship", "Spending time together: conversation, meals, outings, games."),
    Task("cooking", "Cooking", "Preparing meals, or cooking together."),
    Task("shopping", "Shopping", "Food and household shopping."),
    Task("errands", "Errands", "Post office, pharmacy collections, appointments."),
    Task("light_housework", "Light housework", "Tidying, washing up, laundry, changing beds."),
    Task("gardening", "Gardening", "Weeding, mowing, watering, tending pots."),
    Task("small_repairs", "Small repairs", "Changing bulbs, fixing small things around the house."),
    Task("technology_help", "Technology help", "Phones, tablets, video calls, online services."),
    Task("pet_care", "Pet care", "Feeding, walking and looking after pets."),
    Task("evening_presence", "Being at home in the evening", "Being in the house in the evenings."),
    Task("overnight_presence", "Being at home overnight", "Sleeping at home, so nobody is alone at night."),
)
TASK_CODES = frozenset(task.code for task in TASKS)
TASK_CODE_LIST = [task.code for task in TASKS]  # in the published order, for the API description

PERSONAL_CARE = frozenset({
    "personal_care", "washing", "bathing", "showering", "dressing", "toileting",
    "continence_care", "medication", "administering_medication", "feeding", "nursing",
})
PERSONAL_CARE_MESSAGE = (
    "{code!r} is personal care (washing, dressing, toileting, medication). That is regulated "
    "care and never part of a Homeshare agreement: a care provider must give it."
)

GENDERS = ("female", "male", "non_binary", "other", "prefer_not_to_say")
DAILY_RHYTHMS = ("early_riser", "night_owl", "flexible")
OCCUPATIONS = ("student", "key_worker", "employed", "self_employed", "job_seeking", "other")


def check_tasks(codes: list[str]) -> tuple[list[str], list[str]]:
    """The codes without repeats, and a message for each code that is not allowed."""
    messages = []
    for code in codes:
        if code in PERSONAL_CARE:
            messages.append(PERSONAL_CARE_MESSAGE.format(code=code))
        elif code not in TASK_CODES:
            messages.append(f"{code!r} is not a task; see GET /api/v1/tasks.")
    return list(dict.fromkeys(codes)), messages
