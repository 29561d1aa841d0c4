"""Import pages: upload a file, preview it (every row error, counts, column mapping), apply it.

The upload is kept under MEDIA_ROOT/imports/<token>/ between the preview and the apply; the
column mapping and the deactivate-missing choice travel in the query string (preview) and the
form (apply), so a preview can be re-run with another mapping without uploading again.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from onramp.core.access import ADMIN, access
from onramp.core.tabular import SUPPORTED, Table, TableError, csv_response, read_table
from onramp.org import importers
from onramp.org.importers import KINDS, ImportPlan, ImportRefused

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DONE_URL = {"people": "org:people", "units": "org:unit_tree", "projects": "org:projects"}
MAX_CHANGES_SHOWN = 200
UPLOAD_TTL_SECONDS = 24 * 3600
TEMPLATE_SKIP = {"first_name", "last_name", "unit_path"}


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[(k, label) for k, (label, _) in KINDS.items()],
        help_text="Import org units first: people and projects refer to units by code.",
    )
    file = forms.FileField(label="Export file", help_text="CSV (UTF-8) or XLSX, with a header row.")
    deactivate_missing = forms.BooleanField(
        label="Deactivate people missing from the file",
        help_text="People files only: whoever is not in the file is marked inactive. Nobody "
        "is deleted.",
        required=False,
    )


def _imports_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


@dataclass
class Upload:
    token: str
    kind: str
    filename: str
    path: Path


def _prune_uploads() -> None:
    """Forget uploads that were previewed but never applied, a day after."""
    root = _imports_root()
    if not root.is_dir():
        return
    cutoff = time.time() - UPLOAD_TTL_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _store_upload(kind: str, filename: str, data: bytes, user_id: int) -> Upload:
    _prune_uploads()
    token = secrets.token_urlsafe(24)
    folder = _imports_root() / token
    folder.mkdir(parents=True, mode=0o700)
    suffix = Path(filename).suffix.lower()
    path = folder / f"upload{suffix}"
    path.write_bytes(data)
    meta = {"kind": kind, "filename": Path(filename).name, "user_id": user_id}
    (folder / "meta.json").write_text(json.dumps(meta))
    return Upload(token, kind, meta["filename"], path)


def _load_upload(token: str) -> Upload:
    folder = _imports_root() / token
    if not TOKEN_RE.match(token) or not (folder / "meta.json").is_file():
        raise Http404("This upload is gone (applied, or never made): upload the file again.")
    meta = json.loads((folder / "meta.json").read_text())
    suffix = Path(meta["filename"]).suffix.lower()
    return Upload(token, meta["kind"], meta["filename"], folder / f"upload{suffix}")


def _overrides(kind: str, data: QueryDict) -> dict[str, str]:
    """The mapping chosen on the preview page: one `map_<field>` select per field."""
    return {
        spec.name: data[f"map_{spec.name}"] for spec in KINDS[kind][1] if f"map_{spec.name}" in data
    }


def _preview(upload: Upload, data: QueryDict) -> tuple[ImportPlan | None, Table | None, str]:
    try:
        table = read_table(upload.path, filename=upload.filename)
    except TableError as exc:
        return None, None, " ".join(str(e) for e in exc.errors)
    deactivate = data.get("deactivate") == "1" and upload.kind == "people"
    plan = importers.import_preview(
        upload.kind,
        table=table,
        mapping=_overrides(upload.kind, data),
        deactivate_missing=deactivate,
    )
    return plan, table, ""


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Home", reverse("home")), ("Organisation", reverse("org:unit_tree")), *extra]


@access(ADMIN)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "people")
    template = request.GET.get("template", "")
    if template in KINDS:
        # An empty file with the first header each field accepts (alternatives left out).
        headers = [s.aliases[0] for s in KINDS[template][1] if s.name not in TEMPLATE_SKIP]
        return csv_response(f"onramp-{template}-template.csv", headers, [])
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": kind if kind in KINDS else "people"},
    )
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        name = Path(upload_file.name).name
        data = upload_file.read()
        try:
            # Read it once now, so a wrong or broken file is refused on this page.
            read_table(io.BytesIO(data), filename=name)
        except TableError as exc:
            for error in exc.errors:
                form.add_error("file", f"{error.message} ({name})")
        else:
            upload = _store_upload(form.cleaned_data["kind"], name, data, request.user.pk)
            query = "?deactivate=1" if form.cleaned_data["deactivate_missing"] else ""
            return redirect(reverse("org:import_preview", args=[upload.token]) + query)
    return render(
        request,
        "org/import.html",
        {
            "title": "Import",
            "crumbs": _crumbs(("Import", None)),
            "form": form,
            "kinds": KINDS,
            "supported": ", ".join(s.lstrip(".").upper() for s in SUPPORTED),
        },
    )


@access(ADMIN)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    upload = _load_upload(token)
    plan, table, file_error = _preview(upload, request.GET)
    label, specs = KINDS[upload.kind]
    mapping_rows = []
    if plan is not None:
        for spec in specs:
            mapping_rows.append((spec, plan.mapping.fields.get(spec.name) or ""))
    apply_fields = [(f"map_{spec.name}", header) for spec, header in mapping_rows]
    return render(
        request,
        "org/import_preview.html",
        {
            "title": f"Preview: {upload.filename}",
            "crumbs": _crumbs(("Import", reverse("org:import")), (upload.filename, None)),
            "upload": upload,
            "label": label,
            "plan": plan,
            "file_error": file_error,
            "headers": [h for h in (table.headers if table else []) if h],
            "mapping_rows": mapping_rows,
            "apply_fields": apply_fields,
            "changes": plan.changes[:MAX_CHANGES_SHOWN] if plan else [],
            "more_changes": max(0, len(plan.changes) - MAX_CHANGES_SHOWN) if plan else 0,
            "deactivate": bool(plan and plan.deactivate_missing),
        },
    )


@access(ADMIN)
@require_POST
def import_apply(request: HttpRequest, token: str) -> HttpResponse:
    upload = _load_upload(token)
    # Preview again inside this request: the apply writes what the data says now.
    plan, _, file_error = _preview(upload, request.POST)
    query = {k: v for k, v in request.POST.items() if k.startswith("map_") or k == "deactivate"}
    back = reverse("org:import_preview", args=[token]) + ("?" + urlencode(query) if query else "")
    if plan is None:
        messages.error(request, f"The file cannot be read: {file_error}")
        return redirect(back)
    if plan.errors:
        messages.error(
            request,
            f"Nothing was imported: the file has {len(plan.errors)} error(s). Fix them in the "
            "file and upload it again, or change the column mapping.",
        )
        return redirect(back)
    try:
        result = importers.import_apply(plan=plan)
    except ImportRefused as exc:
        messages.error(request, " ".join(str(e) for e in exc.errors))
        return redirect(back)
    shutil.rmtree(upload.path.parent, ignore_errors=True)
    messages.success(request, str(result))
    return redirect(DONE_URL[upload.kind])
