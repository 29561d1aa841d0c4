"""Who gets what: every page and endpoint, for every member of the fixed cast.

The table below is the specification. Each line is one request: method, path, body (a name in
BODIES, or -), then the answer expected for each role, in the order of the header. Adding a page
or an endpoint is adding one line.

Answers:
  login   a redirect to a sign-in page (anonymous visitors on pages; non-admins on /admin/)
  302     a redirect after the request was served (a saved form, an archived service, ...)
  200 201 served; 401 no credentials (API); 403 forbidden; 404 not found

The rules the table spells out:
  - anonymous visitors are sent to sign in on pages and get 401 from the API;
  - the outsider (signed in, no role yet) gets 403 everywhere but home and their account;
  - viewers read everything and change nothing;
  - a champion reads only the services they champion (403 on the others) and changes nothing;
  - a service owner changes the services they own, and gets 403 on another owner's;
  - a PMO admin changes everything, and alone imports people and edits the organisation.

Placeholders in paths: {service} is owned by the owner and championed by the champion;
{other_service} is owned by another owner; {unit} and {person} come from the small org;
{viewer_token} is an API token of the viewer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

MATRIX = """
method path                                        body           anonymous admin owner champion viewer outsider
# --- core ---
GET    /                                           -              login     200   200   200      200    200
GET    /account/                                   -              login     200   200   200      200    200
POST   /account/tokens/                            token          login     302   302   302      302    302
POST   /account/tokens/{viewer_token}/revoke/      -              login     404   404   404      302    404
# --- organisation pages ---
GET    /org/                                       -              login     200   200   200      200    403
GET    /org/units/{unit}/                          -              login     200   200   200      200    403
GET    /org/people/                                -              login     200   200   200      200    403
GET    /org/people/{person}/                       -              login     200   200   200      200    403
GET    /org/projects/                              -              login     200   200   200      200    403
GET    /org/import/                                -              login     200   403   403      403    403
POST   /org/import/                                import_form    login     302   403   403      403    403
GET    /org/import/no-such-upload/                 -              login     404   403   403      403    403
POST   /org/import/no-such-upload/apply/           -              login     404   403   403      403    403
# --- service catalog pages ---
GET    /services/                                  -              login     200   200   200      200    403
GET    /services/?archived=1                       -              login     200   200   200      200    403
GET    /services/new/                              -              login     200   200   403      403    403
POST   /services/new/                              service_form   login     302   302   403      403    403
GET    /services/{service}/                        -              login     200   200   200      200    403
GET    /services/{other_service}/                  -              login     200   200   403      200    403
GET    /services/no-such-service/                  -              login     404   404   404      404    403
GET    /services/{service}/edit/                   -              login     200   200   403      403    403
GET    /services/{other_service}/edit/             -              login     200   403   403      403    403
POST   /services/{service}/edit/                   service_form   login     302   302   403      403    403
POST   /services/{other_service}/edit/             service_form   login     302   403   403      403    403
POST   /services/{service}/archive/                -              login     302   302   403      403    403
POST   /services/{other_service}/archive/          -              login     302   403   403      403    403
POST   /services/{service}/versions/               version_form   login     302   302   403      403    403
POST   /services/{other_service}/versions/         version_form   login     302   403   403      403    403
# --- other areas (their own lines live with their tests; these pin the entry pages) ---
GET    /rollouts/                                  -              login     200   200   200      200    403
GET    /surveys/                                   -              login     200   200   200      200    403
GET    /surveys/new/                               -              login     200   200   403      403    403
GET    /activity/                                  -              login     200   403   403      403    403
GET    /accounts/sign-in-settings/                 -              login     200   403   403      403    403
# --- areas still to be built (placeholder pages) ---
GET    /engagement/                                -              login     200   200   200      200    403
GET    /comms/                                     -              login     200   200   200      200    403
GET    /training/                                  -              login     200   200   200      200    403
GET    /adoption/                                  -              login     200   200   200      200    403
GET    /improvement/                               -              login     200   200   200      200    403
GET    /reports/                                   -              login     200   200   200      200    403
# --- Django's admin ---
GET    /admin/                                     -              login     200   login login    login  login
# --- API: organisation ---
GET    /api/v1/units                               -              401       200   200   200      200    403
GET    /api/v1/units/{unit}                        -              401       200   200   200      200    403
POST   /api/v1/units                               new_unit       401       201   403   403      403    403
PATCH  /api/v1/units/{unit}                        unit_patch     401       200   403   403      403    403
GET    /api/v1/people                              -              401       200   200   200      200    403
GET    /api/v1/people/{person}                     -              401       200   200   200      200    403
POST   /api/v1/people                              new_person     401       201   403   403      403    403
PATCH  /api/v1/people/{person}                     person_patch   401       200   403   403      403    403
POST   /api/v1/people/import                       people_csv     401       200   403   403      403    403
GET    /api/v1/projects                            -              401       200   200   200      200    403
# --- API: service catalog ---
GET    /api/v1/services                            -              401       200   200   200      200    403
POST   /api/v1/services                            new_service    401       201   201   403      403    403
GET    /api/v1/services/{service}                  -              401       200   200   200      200    403
GET    /api/v1/services/{other_service}            -              401       200   200   403      200    403
GET    /api/v1/services/no-such-service            -              401       404   404   404      404    403
PATCH  /api/v1/services/{service}                  service_patch  401       200   200   403      403    403
PATCH  /api/v1/services/{other_service}            service_patch  401       200   403   403      403    403
POST   /api/v1/services/{service}/archive          -              401       200   200   403      403    403
POST   /api/v1/services/{other_service}/archive    -              401       200   403   403      403    403
POST   /api/v1/services/{service}/restore          -              401       200   200   403      403    403
GET    /api/v1/services/{service}/versions         -              401       200   200   200      200    403
GET    /api/v1/services/{other_service}/versions   -              401       200   200   403      200    403
POST   /api/v1/services/{service}/versions         new_version    401       201   201   403      403    403
POST   /api/v1/services/{other_service}/versions   new_version    401       201   403   403      403    403
# --- API: other areas ---
GET    /api/v1/rollout/rollouts                    -              401       200   200   200      200    403
GET    /api/v1/surveys/                            -              401       200   200   200      200    403
# --- API: description (public) ---
GET    /api/v1/openapi.json                        -              200       200   200   200      200    200
GET    /api/v1/docs                                -              200       200   200   200      200    200
"""

PEOPLE_CSV = "Employee ID,Full name,Work email\nE500,Matrix Person,matrix@acme.test\n"

# name -> (how it is sent, what is sent). "json" bodies go to the API, "form" to pages;
# callables are called per request (an uploaded file can be read once only).
BODIES: dict[str, tuple[str, Any]] = {
    "token": ("form", {"name": "matrix script"}),
    "import_form": (
        "form",
        lambda: {
            "kind": "people",
            "file": SimpleUploadedFile("hris.csv", PEOPLE_CSV.encode(), "text/csv"),
        },
    ),
    "service_form": (
        "form",
        {
            "name": "Matrix Service",
            "lifecycle": "designed",
            "adopter_kind": "people",
            "adoption_target_pct": "80",
            "adoption_target_weeks": "10",
        },
    ),
    "version_form": ("form", {"version": "9.9", "released_on": "2026-05-01"}),
    "new_unit": ("json", {"code": "MATRIX", "name": "Matrix unit"}),
    "unit_patch": ("json", {"name": "Renamed unit"}),
    "new_person": ("json", {"employee_id": "E600", "name": "Matrix Person"}),
    "person_patch": ("json", {"title": "Lead"}),
    "people_csv": (
        "form",
        lambda: {"file": SimpleUploadedFile("hris.csv", PEOPLE_CSV.encode(), "text/csv")},
    ),
    "new_service": ("json", {"name": "Matrix Service"}),
    "service_patch": ("json", {"summary": "Changed by the matrix."}),
    "new_version": ("json", {"version": "9.9", "released_on": "2026-05-01"}),
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    body: str
    expected: dict[str, str]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def parse(table: str) -> tuple[list[str], list[Row]]:
    lines = [line.split() for line in table.strip().splitlines() if not line.startswith("#")]
    header, *body = lines
    roles = header[3:]
    rows = []
    for cells in body:
        assert len(cells) == 3 + len(roles), f"a matrix line has the wrong number of cells: {cells}"
        method, path, payload, *answers = cells
        assert payload == "-" or payload in BODIES, f"no body named {payload!r} in BODIES"
        rows.append(Row(method, path, payload, dict(zip(roles, answers, strict=True))))
    return roles, rows


ROLES, ROWS = parse(MATRIX)


@pytest.fixture
def world(cast, service, other_service, small_org) -> dict[str, Any]:
    from onramp.core.services import api_token_create

    token, _raw = api_token_create(user=cast["viewer"], name="viewer's script")
    return {
        "service": service.slug,
        "other_service": other_service.slug,
        "unit": small_org["team_a"].pk,
        "person": small_org["people"][1].pk,
        "viewer_token": token.pk,
    }


def _send(client: Client, row: Row, url: str) -> Any:
    call: Callable[..., Any] = getattr(client, row.method.lower())
    if row.body == "-":
        return call(url)
    how, payload = BODIES[row.body]
    data = payload() if callable(payload) else payload
    if how == "json":
        return call(url, data=json.dumps(data), content_type="application/json")
    return call(url, data=data)


def answer(response: Any) -> str:
    if response.status_code == 302 and "/login/" in response.get("Location", ""):
        return "login"
    return str(response.status_code)


def test_the_matrix_covers_every_role_of_the_cast(cast):
    assert set(ROLES) == set(cast)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_access(row: Row, cast, world, client_for):
    url = row.path.format(**world)
    clients = {role: client_for(user) for role, user in cast.items()}
    got = {}
    for role in ROLES:
        # Each role meets the same world: whatever one request changed is rolled back.
        with transaction.atomic():
            got[role] = answer(_send(clients[role], row, url))
            transaction.set_rollback(True)
    assert got == row.expected, f"{row.id}: expected {row.expected}, got {got}"
