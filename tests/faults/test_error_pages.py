"""The error pages: friendly, with a way forward, and rendered without touching the database.

Tests without the `db` fixture run with database access blocked by pytest-django: any query
made while rendering an error page would fail them.
"""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from onramp.core.errors import DatabaseOutageMiddleware, server_error


def never_called(request):
    raise AssertionError("the middleware must not call the view again")


def test_an_unknown_page_gets_the_friendly_404_page(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "This page does not exist" in body
    assert "/no/such/page/" in body
    assert "Go to the home page" in body


def test_an_unknown_api_path_gets_json_404(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_user_without_a_role_gets_the_403_page_saying_what_the_page_needs(client_for, outsider):
    response = client_for(outsider).get("/services/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You may not open this page" in body
    assert "This page needs:" in body
    assert "ask a PMO admin" in body


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_view_losing_the_database_answers_503_with_a_page(error):
    request = RequestFactory().get("/services/")
    middleware = DatabaseOutageMiddleware(never_called)
    response = middleware.process_exception(request, error("server closed the connection"))
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Onramp is temporarily unavailable" in body
    assert "server closed the connection" not in body


def test_an_api_call_losing_the_database_answers_json_503():
    request = RequestFactory().get("/api/v1/services")
    middleware = DatabaseOutageMiddleware(never_called)
    response = middleware.process_exception(request, OperationalError("no such table"))
    assert response is not None
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "cannot reach its database" in json.loads(response.content)["detail"]
    assert "no such table" not in response.content.decode()


def test_other_view_errors_are_left_to_the_500_handler():
    request = RequestFactory().get("/services/")
    middleware = DatabaseOutageMiddleware(never_called)
    assert middleware.process_exception(request, ValueError("a bug")) is None


def test_the_500_handler_turns_a_database_error_outside_views_into_503():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert "Onramp is temporarily unavailable" in response.content.decode()


def test_the_500_handler_shows_the_friendly_500_page_for_a_bug():
    request = RequestFactory().get("/services/")
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        response = server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    assert "division by zero" not in body


def test_the_500_handler_answers_the_api_in_json():
    request = RequestFactory().get("/api/v1/people")
    try:
        raise KeyError("oops")
    except KeyError:
        response = server_error(request)
    assert response.status_code == 500
    assert "has been logged" in json.loads(response.content)["detail"]
