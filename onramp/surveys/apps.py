from __future__ import annotations

import datetime as dt

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "onramp.surveys"
    label = "surveys"

    def ready(self) -> None:
        from onramp.core.periodic import register_periodic
        from onramp.surveys import changeload  # noqa: F401 - registers survey rounds as change load

        def rounds() -> None:
            from onramp.surveys.services import survey_rounds_create

            survey_rounds_create()

        # Recurring pulses open their next round without anyone asking.
        register_periodic("surveys.rounds", every=dt.timedelta(hours=1))(rounds)
