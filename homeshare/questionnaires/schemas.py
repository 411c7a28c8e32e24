from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from homeshare.behalf.models import GivenAs
from homeshare.behalf.schemas import on_behalf_field, on_behalf_list
from homeshare.common.schemas import Schema, StrictInteger
from homeshare.questionnaires.instruments import HIGHER_IS_BETTER, HIGHER_IS_WORSE, INSTRUMENTS, Instrument
from homeshare.questionnaires.models import Occasion
from homeshare.questionnaires.service import Status


def _answers_of(instrument: Instrument) -> type[Schema]:
    """The request body's answers to one instrument: each item's value on its scale, by item id."""
    fields = {item.id: StrictInteger(validate=validate.OneOf(sorted(item.values)), metadata={
        "description": f"{item.text} ({', '.join(f'{c.value} {c.label}' for c in item.scale)})"
                       + (" Asked only in a match." if item.in_a_match_only else "")})
        for item in instrument.items}
    name = "".join(part.capitalize() for part in instrument.id.split("_"))
    return Schema.from_dict(fields, name=f"{name}AnswersSchema")


# The answers to each instrument, declared from the instruments themselves.
AnswersSchema = Schema.from_dict({
    instrument.id: ma.fields.Nested(_answers_of(instrument), metadata={"description": instrument.name})
    for instrument in INSTRUMENTS.values()}, name="AnswersSchema")


class AnswersRequestSchema(Schema):
    answers = ma.fields.Nested(AnswersSchema, required=True, metadata={
        "description": "By instrument, by item, the value chosen on the item's scale. Every item of every "
                       "instrument the questionnaire asks is required (`instruments` in the questionnaire); "
                       "the scheme's `match_satisfaction` only in a match."})
    on_behalf = on_behalf_field()


class ChoiceSchema(Schema):
    value = ma.fields.Integer()
    label = ma.fields.String()


class ItemSchema(Schema):
    id = ma.fields.String()
    text = ma.fields.String()
    choices = ma.fields.List(ma.fields.Nested(ChoiceSchema), attribute="scale")


class AskedSchema(Schema):
    """One instrument as this questionnaire asks it."""

    id = ma.fields.String(attribute="instrument.id", metadata={"description": "`swemwbs`, `ucla3` or "
                                                                              "`scheme_items`."})
    name = ma.fields.String(attribute="instrument.name")
    licence = ma.fields.String(attribute="instrument.licence", allow_none=True)
    items = ma.fields.List(ma.fields.Nested(ItemSchema))


class ScoreSchema(Schema):
    instrument = ma.fields.String()
    score = ma.fields.String(metadata={"description": "`swemwbs` (the metric score, 7 to 35), `ucla3` (3 to 9), "
                                                      "`lonely` (1 never to 5 often/always), `match_satisfaction`, "
                                                      "`safe_at_home` (1 to 5)."})
    name = ma.fields.String()
    value = ma.fields.Float()
    direction = ma.fields.String(validate=validate.OneOf([HIGHER_IS_BETTER, HIGHER_IS_WORSE]))


class QuestionnaireSchema(Schema):
    """A questionnaire due to a person: what it asks and, once answered, the answers and scores."""

    id = ma.fields.UUID()
    person_id = ma.fields.UUID()
    role = ma.fields.String(metadata={"description": "`householder` or `sharer`."})
    occasion = ma.fields.Enum(Occasion, by_value=True, metadata={
        "description": "`baseline` at approval, before any match; `months-3`, `months-6`, `months-12` after the "
                       "match's trial started; `end` when the match ended."})
    match_id = ma.fields.UUID(allow_none=True)
    due_on = ma.fields.Date()
    opens_on = ma.fields.Date(metadata={"description": "The first day it can be answered."})
    status = ma.fields.String(validate=validate.OneOf(Status.ALL), metadata={
        "description": "`upcoming` (not open yet), `open`, `answered`, or `closed` (a baseline not answered "
                       "before the person's first trial started, a follow-up whose match ended before its day, or "
                       "one whose instruments the scheme no longer asks)."})
    instruments = ma.fields.List(ma.fields.Nested(AskedSchema), attribute="asked")
    answers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Dict(keys=ma.fields.String(),
                                                                           values=ma.fields.Integer()),
                             allow_none=True)
    scores = ma.fields.List(ma.fields.Nested(ScoreSchema), attribute="score_list")
    answered_at = ma.fields.AwareDateTime(allow_none=True)
    given_as = ma.fields.Enum(GivenAs, by_value=True, allow_none=True, metadata={
        "description": "`self`: the person in the app; `on-behalf`: a coordinator recorded their answers; "
                       "`proxy`: their representative answered."})
    on_behalf = on_behalf_list("Who answered for the person, how and when.")
