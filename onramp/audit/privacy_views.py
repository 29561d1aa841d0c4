from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from onramp.audit.context import audit_source
from onramp.audit.privacy import person_anonymise as anonymise
from onramp.audit.privacy import person_export_json, person_is_anonymised
from onramp.core.access import ADMIN, access
from onramp.org.models import Person


@access(ADMIN)
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    response = HttpResponse(person_export_json(person=person), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    return response


@require_POST
@access(ADMIN)
def person_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    if person_is_anonymised(person):
        messages.info(request, "This person is already anonymised: nothing was changed.")
        return redirect("org:person_detail", pk=person.pk)
    confirm = request.POST.get("confirm", "").strip()
    if confirm != person.employee_id:
        messages.error(
            request,
            f"Nothing was changed: type the employee id {person.employee_id} in the box to "
            "confirm that you want to anonymise this person.",
        )
        return redirect("org:person_detail", pk=person.pk)
    try:
        with audit_source("web"):
            anonymise(person=person, by=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("org:person_detail", pk=person.pk)
    messages.success(
        request,
        f"The person is now {person.name}: their name, email and identifiers are gone from "
        "Onramp and from its audit trail.",
    )
    return redirect("org:person_detail", pk=person.pk)
