from __future__ import annotations

import io
import json
import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from onramp.audit.context import process_source
from onramp.logging import JsonFormatter, RequestIdFilter, logging_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Capture the request log as JSON lines, formatted as LOG_FORMAT=json formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("onramp.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_every_response_carries_a_new_request_id(client):
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_incoming_request_id_is_kept_and_a_malformed_one_replaced(client):
    assert client.get("/login/", HTTP_X_REQUEST_ID="lb-42.abc")["X-Request-ID"] == "lb-42.abc"
    replaced = client.get("/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert replaced != "bad id\nwith newline" and len(replaced) == 32


def test_log_lines_are_json_with_the_request_id(client, json_lines):
    client.get("/login/", HTTP_X_REQUEST_ID="trace-7")
    [line] = [entry for entry in json_lines() if entry.get("path") == "/login/"]
    assert line["request_id"] == "trace-7"
    assert line["level"] == "INFO"
    assert line["logger"] == "onramp.request"
    assert line["status"] == 200
    assert line["time"].endswith("+00:00")


def test_the_logging_setting_rejects_an_unknown_format_or_level():
    assert logging_config(fmt="json")["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_config(fmt="xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL"):
        logging_config(level="LOUD")


def test_changes_inside_the_worker_process_are_recorded_as_coming_from_the_worker():
    assert process_source(["onramp", "worker"]) == "worker"
    assert process_source(["onramp", "shell"]) == "cli"
