from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit, service_can_read, service_list
from onramp.core.access import MANAGE, READ, access, ensure
from onramp.core.charts import hbar_chart, line_chart, stacked_bar
from onramp.core.tabular import xlsx_response
from onramp.surveys import selectors, services
from onramp.surveys.forms import DistributeForm, ImportForm, QuestionForm, SurveyForm
from onramp.surveys.instruments import INSTRUMENTS
from onramp.surveys.models import Delivery, Question, Survey
from onramp.surveys.services.distribution import audience, survey_channel


def _crumbs(*extra):
    return [("Home", reverse("home")), ("Surveys", reverse("surveys:index")), *extra]


def _survey_for(request: HttpRequest, pk: int, *, edit: bool = False) -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("service", "rollout", "wave"), pk=pk)
    if not service_can_read(request.user, survey.service):
        raise Http404("No such survey.")
    if edit:
        ensure(
            service_can_edit(request.user, survey.service),
            "Only the service's owner or a PMO admin can change its surveys.",
        )
    return survey


def _editable_services(user) -> list[Service]:
    return [s for s in service_list(user=user) if service_can_edit(user, s)]


@access(READ)
def index(request: HttpRequest) -> HttpResponse:
    visible = service_list(user=request.user)
    surveys = selectors.survey_list(services=visible).prefetch_related("responses")
    return render(
        request,
        "surveys/index.html",
        {
            "title": "Surveys",
            "crumbs": [("Home", reverse("home")), ("Surveys", None)],
            "surveys": surveys,
            "can_create": bool(_editable_services(request.user)),
            "instruments": INSTRUMENTS.values(),
        },
    )


@access(MANAGE)
def survey_create(request: HttpRequest) -> HttpResponse:
    editable = _editable_services(request.user)
    ensure(bool(editable), "You own no service: ask a PMO admin.")
    qs = Service.objects.filter(pk__in=[s.pk for s in editable])
    initial = {"service": request.GET.get("service"), "instruments": ["nps"], "title": ""}
    form = SurveyForm(request.POST or None, services=qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_create(created_by=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Survey created. Review the questions, then invite people.")
            return redirect(survey)
    return render(
        request,
        "surveys/survey_form.html",
        {
            "title": "New survey",
            "crumbs": _crumbs(("New survey", None)),
            "form": form,
        },
    )


@access(MANAGE)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk, edit=True)
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(survey=Survey.objects.get(pk=pk), **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect(survey)
    return render(
        request,
        "surveys/survey_form.html",
        {
            "title": f"Settings of {survey.title}",
            "crumbs": _crumbs((survey.title, survey.get_absolute_url()), ("Settings", None)),
            "form": form,
            "survey": survey,
        },
    )


@access(READ)
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    invitations = survey.invitations
    undelivered = selectors.survey_undelivered(survey)
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "title": survey.title,
            "crumbs": _crumbs(
                (survey.service.name, survey.service.get_absolute_url()), (survey.title, None)
            ),
            "survey": survey,
            "questions": survey.questions.select_related("follows"),
            "can_edit": service_can_edit(request.user, survey.service),
            "locked": survey.mode_locked,
            "invited": invitations.count(),
            "responded": invitations.filter(responded=True).count(),
            "question_form": QuestionForm(),
            "distribute_form": DistributeForm(),
            "instruments": INSTRUMENTS.values(),
            "channel": Delivery(survey_channel(survey)),
            "channel_off": survey_channel(survey) != survey.delivery,
            "undelivered": list(undelivered[:10]),
            "undelivered_count": undelivered.count(),
        },
    )


@require_POST
@access(MANAGE)
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk, edit=True)
    try:
        if request.POST.get("instrument"):
            services.instrument_add(survey=survey, key=request.POST["instrument"])
            messages.success(
                request, f"{INSTRUMENTS[request.POST['instrument']].label} questions added."
            )
        else:
            form = QuestionForm(request.POST)
            if not form.is_valid():
                raise ValidationError({f: " ".join(e) for f, e in form.errors.items()})
            data = form.cleaned_data
            options = data.pop("options").splitlines()
            services.question_add(survey=survey, options=options, **data)
            messages.success(request, "Question added.")
    except ValidationError as exc:
        messages.error(request, "The question was not added: " + " ".join(exc.messages))
    return redirect(reverse("surveys:survey_detail", args=[pk]) + "#questions")


@require_POST
@access(MANAGE)
def question_change(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    survey = _survey_for(request, pk, edit=True)
    question = get_object_or_404(Question, pk=qid, survey=survey)
    try:
        action = request.POST.get("action")
        if action == "delete":
            services.question_delete(question=question)
            messages.success(request, "Question removed.")
        elif action in ("up", "down"):
            services.question_move(question=question, direction=-1 if action == "up" else 1)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("surveys:survey_detail", args=[pk]) + "#questions")


@require_POST
@access(MANAGE)
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk, edit=True)
    try:
        if request.POST.get("action") == "close":
            services.survey_close(survey=survey)
            messages.success(request, "Survey closed: links no longer accept answers.")
        else:
            services.survey_open(survey=survey)
            messages.success(request, "Survey open: invited people can answer.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(survey)


@require_POST
@access(MANAGE)
def survey_distribute(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk, edit=True)
    form = DistributeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Nobody was invited: " + "; ".join(" ".join(e) for e in form.errors.values())
        )
        return redirect(reverse("surveys:survey_detail", args=[pk]) + "#distribute")
    data = form.cleaned_data
    try:
        ids = audience(
            survey=survey,
            rollout=data["rollout"],
            wave=data["wave"],
            unit_ids=data["units"],
            title_contains=data["title_contains"].strip(),
            identifiers=data["identifiers"].splitlines(),
        )
        if not ids:
            raise ValidationError(
                "Choose who to invite: the rollout, the wave, units, a role or a list."
            )
        result = services.survey_distribute(survey=survey, person_ids=ids)
    except ValidationError as exc:
        messages.error(request, "Nobody was invited: " + " ".join(exc.messages))
    else:
        messages.success(request, result.summary())
    return redirect(reverse("surveys:survey_detail", args=[pk]) + "#distribute")


@require_POST
@access(MANAGE)
def survey_remind(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk, edit=True)
    try:
        n = services.survey_remind(survey=survey)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Reminder sent to {n} people who have not answered yet."
            if n
            else "Everyone invited has answered: no reminder sent.",
        )
    return redirect(reverse("surveys:survey_detail", args=[pk]) + "#distribute")


@access(READ)
def survey_preview(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    return render(
        request,
        "surveys/preview.html",
        {
            "title": f"Preview of {survey.title}",
            "crumbs": _crumbs((survey.title, survey.get_absolute_url()), ("Preview", None)),
            "survey": survey,
            "questions": list(survey.questions.all()),
            "errors": {},
            "posted": {},
            "preview": True,
        },
    )


BREAKDOWNS = {"wave": "Wave", "unit": "Unit", "title": "Role"}


@access(READ)
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    by = request.GET.get("by", "wave")
    if by not in BREAKDOWNS:
        by = "wave"
    try:
        level = max(0, min(6, int(request.GET.get("level", "1"))))
    except ValueError:
        level = 1
    results = selectors.survey_results(survey)
    rows = selectors.breakdown([survey.pk], by=by, k=survey.min_group, level=level)
    trend = selectors.trend(survey)
    return render(
        request,
        "surveys/results.html",
        {
            "charts": _result_charts(survey, results, rows, trend, by),
            "title": f"Results: {survey.title}",
            "crumbs": _crumbs((survey.title, survey.get_absolute_url()), ("Results", None)),
            "survey": survey,
            "results": results,
            "rows": rows,
            "by": by,
            "level": level,
            "breakdowns": BREAKDOWNS,
            "trend": trend,
            "instruments": [f.key for f in results.figures],
            "identities": selectors.can_see_identities(request.user, survey),
        },
    )


RANGES = {"nps": (-100, 100, ""), "csat": (0, 100, "%"), "ces": (1, 7, ""), "sus": (0, 100, "")}


def _result_charts(survey, results, rows, trend, by) -> dict:
    charts: dict = {}
    figures = {f.key: f for f in results.figures}
    nps = figures.get("nps")
    if nps and not nps.suppressed and nps.detail:
        charts["nps_split"] = stacked_bar(
            [
                ("Detractors", nps.detail["detractor_pct"], "#b42318"),
                ("Passives", nps.detail["passive_pct"], "#98a2b3"),
                ("Promoters", nps.detail["promoter_pct"], "#1f7a4d"),
            ],
            label=f"NPS split: {nps.detail['detractor_pct']:.0f}% detractors, {nps.detail['promoter_pct']:.0f}% promoters",
        )
    headline = next((k for k in ("nps", "csat", "ces", "sus") if k in figures), None)
    if headline and rows:
        low, high, unit = RANGES[headline]
        charts["breakdown"] = hbar_chart(
            [
                (r.label, None if r.figures[headline].suppressed else r.figures[headline].value)
                for r in rows
                if headline in r.figures
            ],
            low=low,
            high=high,
            unit=unit,
            label=f"{selectors.INSTRUMENT_LABELS[headline]} by {BREAKDOWNS[by].lower()}",
        )
        charts["breakdown_key"] = selectors.INSTRUMENT_LABELS[headline]
    if len(trend) > 1:
        series = {}
        for key in ("nps", "csat"):
            if any(key in p.figures for p in trend):
                series[selectors.INSTRUMENT_LABELS[key]] = [
                    None
                    if key not in p.figures or p.figures[key].suppressed
                    else p.figures[key].value
                    for p in trend
                ]
        if series:
            charts["trend"] = line_chart(
                [p.label for p in trend],
                series,
                low=-100 if "NPS" in series else 0,
                high=100,
                label="Satisfaction across rounds",
            )
    return charts


@access(READ)
def survey_export(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    results = selectors.survey_results(survey)
    summary = [("Invited", results.invited, ""), ("Responses", results.responses, "")]
    for f in results.figures:
        summary.append(
            (
                f.label,
                "suppressed" if f.suppressed else selectors.nan_to_none(f.value),
                f"n={f.n}; {f.formula}; scale {f.scale}",
            )
        )
    sheets = {"Summary": (["Figure", "Value", "Notes"], summary)}
    for by, label in BREAKDOWNS.items():
        rows = selectors.breakdown([survey.pk], by=by, k=survey.min_group)
        keys = sorted({k for r in rows for k in r.figures})
        sheets[f"By {label.lower()}"] = (
            [label, "Responses", *[selectors.INSTRUMENT_LABELS[k] for k in keys]],
            [
                [
                    r.label,
                    r.n if r.n_shown else f"<{survey.min_group}",
                    *[
                        "suppressed"
                        if r.figures[k].suppressed
                        else selectors.nan_to_none(r.figures[k].value)
                        for k in keys
                    ],
                ]
                for r in rows
            ],
        )
    comments = [
        (q["question"].text, c)
        for q in results.questions
        if q["question"].is_text and not q["suppressed"]
        for c in q.get("comments", [])
    ]
    sheets["Comments"] = (
        ["Question", "Comment"],
        comments or [("", f"Hidden: fewer than {survey.min_comments} responses.")],
    )
    return xlsx_response(f"survey-{survey.pk}-results.xlsx", sheets)


@access(READ)
def survey_responses(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey_for(request, pk)
    ensure(
        selectors.can_see_identities(request.user, survey),
        "Individual answers are not shown for this survey: it is anonymous, or confidential and you are not a PMO admin.",
    )
    responses = (
        survey.responses.select_related("person", "unit")
        .prefetch_related("answers__question")
        .order_by("-submitted_on", "-id")
    )
    return render(
        request,
        "surveys/responses.html",
        {
            "title": f"Responses: {survey.title}",
            "crumbs": _crumbs((survey.title, survey.get_absolute_url()), ("Responses", None)),
            "survey": survey,
            "responses": responses[:500],
        },
    )


@access(MANAGE)
def survey_import(request: HttpRequest, pk: int) -> HttpResponse:
    from onramp.surveys.services import importing

    survey = _survey_for(request, pk, edit=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mapping = {k[4:]: v for k, v in request.POST.items() if k.startswith("map:")}
        try:
            plan = importing.responses_import_preview(
                survey=survey,
                data=upload.read(),
                filename=upload.name,
                fmt=form.cleaned_data["format"],
                mapping=mapping or None,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if request.POST.get("apply") and not plan.errors:
                result = importing.responses_import_apply(plan=plan)
                messages.success(request, result)
                return redirect("surveys:survey_results", pk=survey.pk)
    return render(
        request,
        "surveys/import.html",
        {
            "title": f"Import responses into {survey.title}",
            "crumbs": _crumbs((survey.title, survey.get_absolute_url()), ("Import", None)),
            "survey": survey,
            "form": form,
            "plan": plan,
            "questions": survey.questions.all(),
        },
    )
