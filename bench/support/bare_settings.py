"""Onramp's settings with a one-view URLconf: the baseline of bench/survey_submit.py."""

from onramp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.support.bare_urls"
