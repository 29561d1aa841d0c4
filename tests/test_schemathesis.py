"""Schemathesis over the whole OpenAPI document: for every operation, generated requests (valid
and invalid) sent as a PMO admin through the WSGI app must get no server error, no status code
the document does not declare, and bodies and content types that match it.

Bounded: SCHEMATHESIS_MAX_EXAMPLES examples per operation (default 10), about 100 s of CPU for
the whole API on this machine."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from onramp.wsgi import application

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# SCHEMATHESIS_STRICT=true adds `negative_data_rejection`, off in CI: pydantic's lax mode accepts
# 0 for a boolean and false for a number, which that check counts as accepting invalid data.
if os.environ.get("SCHEMATHESIS_STRICT", "").lower() in ("1", "true", "yes"):
    CHECKS.append(negative_data_rejection)

# The coverage phase (boundary and negative values for every parameter) stays on; sending each
# path every unexpected HTTP method does not: Django answers 405 to them all, uniformly.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"unexpected-methods": []}}})
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", application, config=CONFIG, headers={"Host": "localhost"}
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls through raw WSGI fire request_started/finished, whose close_old_connections closes
    a PostgreSQL connection that is inside the test's transaction. Django's test client
    disconnects it for the same reason; do as it does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db, admin_user, small_org, service, other_service, settings):
    """A PMO admin's token, and some data for the generated requests to find."""
    from onramp.core.services import api_token_create

    settings.ONRAMP_RATE_LIMITS = {}  # the fuzzer would otherwise meet 429s, by design
    _token, raw = api_token_create(user=admin_user, name="schemathesis")
    return raw


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.django_db
def test_the_api_honours_its_openapi_document(case, admin_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}", "Host": "localhost"}, checks=CHECKS
    )
