"""Writes on surveys, split by sub-domain: building, distribution, responding, importing."""

from onramp.surveys.services.building import (
    SurveyError,
    instrument_add,
    question_add,
    question_delete,
    question_move,
    survey_close,
    survey_create,
    survey_open,
    survey_update,
)
from onramp.surveys.services.distribution import (
    DistributionResult,
    survey_distribute,
    survey_remind,
    survey_rounds_create,
)
from onramp.surveys.services.responding import (
    InvalidToken,
    invitation_for_token,
    response_submit,
)

__all__ = [
    "DistributionResult",
    "InvalidToken",
    "SurveyError",
    "instrument_add",
    "invitation_for_token",
    "question_add",
    "question_delete",
    "question_move",
    "response_submit",
    "survey_close",
    "survey_create",
    "survey_distribute",
    "survey_open",
    "survey_remind",
    "survey_rounds_create",
    "survey_update",
]
