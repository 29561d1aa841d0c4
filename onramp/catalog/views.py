from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onramp.catalog import selectors, services
from onramp.catalog.forms import ServiceForm, ServiceVersionForm
from onramp.catalog.models import Lifecycle, Service
from onramp.core.access import MANAGE, READ, access, ensure
from onramp.core.htmx import render_page


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Home", reverse("home")), ("Services", reverse("catalog:service_list")), *extra]


def _service_for(request: HttpRequest, slug: str, *, edit: bool = False) -> Service:
    try:
        service = selectors.service_get(slug=slug)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    ensure(selectors.service_can_read(request.user, service), "You cannot see this service.")
    if edit:
        ensure(
            selectors.service_can_edit(request.user, service),
            "Only the service's owner or a PMO admin can change it.",
        )
    return service


@access(READ)
def service_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    lifecycle = request.GET.get("lifecycle", "")
    archived = request.GET.get("archived") == "1"
    qs = selectors.service_list(
        user=request.user, query=query, lifecycle=lifecycle, archived=archived
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render_page(
        request,
        "catalog/service_list.html",
        {
            "title": "Archived services" if archived else "Services",
            "crumbs": _crumbs(),
            "page": page,
            "query": query,
            "lifecycle": lifecycle,
            "archived": archived,
            "lifecycles": Lifecycle.choices,
            "can_create": selectors.service_can_create(request.user),
        },
        partial="catalog/partials/service_rows.html",
    )


@access(MANAGE)
def service_create(request: HttpRequest) -> HttpResponse:
    ensure(selectors.service_can_create(request.user))
    form = ServiceForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(**form.service_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Service “{service.name}” created.")
            return redirect(service)
    return render(
        request,
        "catalog/service_form.html",
        {"title": "New service", "crumbs": _crumbs(("New service", None)), "form": form},
    )


@access(READ)
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service_for(request, slug)
    return render(
        request,
        "catalog/service_detail.html",
        {
            "title": service.name,
            "crumbs": _crumbs((service.name, None)),
            "service": service,
            "versions": service.versions.all(),
            "can_edit": selectors.service_can_edit(request.user, service),
            "version_form": ServiceVersionForm(),
        },
    )


@access(MANAGE)
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service_for(request, slug, edit=True)
    # The form gets its own copy: a ModelForm writes the posted values into its instance, and an
    # emptied slug must fall back to the saved one (and the crumbs must still link to it).
    form = ServiceForm(request.POST or None, instance=Service.objects.get(pk=service.pk))
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if not fields.get("slug"):
            fields["slug"] = service.slug
        try:
            service = services.service_update(service=Service.objects.get(pk=service.pk), **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect(service)
    return render(
        request,
        "catalog/service_form.html",
        {
            "title": f"Edit {service.name}",
            "crumbs": _crumbs((service.name, service.get_absolute_url()), ("Edit", None)),
            "form": form,
            "service": service,
        },
    )


@require_POST
@access(MANAGE)
def service_archive(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service_for(request, slug, edit=True)
    if request.POST.get("restore"):
        services.service_restore(service=service)
        messages.success(request, f"“{service.name}” is back in the catalog.")
    else:
        services.service_archive(service=service)
        messages.success(request, f"“{service.name}” archived. Find it under Archived services.")
    return redirect(service)


@require_POST
@access(MANAGE)
def service_version_add(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service_for(request, slug, edit=True)
    form = ServiceVersionForm(request.POST)
    if form.is_valid():
        try:
            services.service_version_add(service=service, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Version {form.cleaned_data['version']} recorded.")
    else:
        messages.error(
            request,
            "The version was not recorded: "
            + "; ".join(f"{f}: {' '.join(e)}" for f, e in form.errors.items()),
        )
    return redirect(service)
