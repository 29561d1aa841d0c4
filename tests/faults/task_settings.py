"""Onramp's settings plus the tests-only task app, for the worker processes of the fault tests."""

from onramp.settings import *  # noqa: F403
from onramp.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.taskapp"]
