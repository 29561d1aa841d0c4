"""Reading and writing tables (CSV and XLSX) for imports and exports.

Imports are two-phase: parse and validate everything (collecting every row error with its file,
row and column), then apply in one transaction only if there was none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.http import HttpResponse

SUPPORTED = (".csv", ".xlsx")


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # 1-based, counting the header row, as a spreadsheet shows it
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class TableError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, missing required columns)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


@dataclass
class Table:
    file: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, raw values by header)


def _clean_header(value: Any) -> str:
    return str(value if value is not None else "").strip().lstrip("\ufeff")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(source: str | Path | IO[bytes], filename: str | None = None) -> Table:
    """Read a CSV (UTF-8, comma or semicolon) or XLSX file (first sheet) into a Table."""
    name = filename or (Path(source).name if isinstance(source, str | Path) else "upload")
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise TableError(
            [RowError(name, 0, "", f"Unsupported file type {suffix or '(none)'}: use CSV or XLSX.")]
        )
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    if suffix == ".csv":
        return _read_csv(name, data)
    return _read_xlsx(name, data)


def _read_csv(name: str, data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(
            [
                RowError(
                    name,
                    0,
                    "",
                    f"The file is not UTF-8 text (byte {exc.start}). Save it as CSV UTF-8.",
                )
            ]
        ) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header_row = next(reader)
    except StopIteration:
        raise TableError([RowError(name, 0, "", "The file is empty.")]) from None
    headers = [_clean_header(h) for h in header_row]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append(
            (
                number,
                {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers)},
            )
        )
    return Table(name, headers, rows)


def _read_xlsx(name: str, data: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise TableError(
            [RowError(name, 0, "", "The file is not a readable XLSX workbook.")]
        ) from None
    sheet = book.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header_row = next(iterator)
    except StopIteration:
        raise TableError([RowError(name, 0, "", "The first sheet is empty.")]) from None
    headers = [_clean_header(h) for h in header_row]
    rows = []
    for number, values in enumerate(iterator, start=2):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            continue
        rows.append(
            (number, {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(headers) if h})
        )
    book.close()
    return Table(name, headers, rows)


def normalise(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


@dataclass
class ColumnMapping:
    """Maps the importer's fields to the file's headers. Defaults come from a list of accepted
    header names per field (compared without case, spaces or punctuation)."""

    fields: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def guess(
        cls,
        headers: Sequence[str],
        aliases: dict[str, Sequence[str]],
        overrides: dict[str, str] | None = None,
    ) -> ColumnMapping:
        by_norm = {normalise(h): h for h in headers if h}
        mapping: dict[str, str | None] = {}
        for fname, names in aliases.items():
            mapping[fname] = next(
                (by_norm[normalise(n)] for n in (fname, *names) if normalise(n) in by_norm), None
            )
        for fname, header in (overrides or {}).items():
            mapping[fname] = header or None
        return cls(mapping)

    def missing(self, required: Iterable[str]) -> list[str]:
        return [f for f in required if not self.fields.get(f)]

    def get(self, row: dict[str, str], fname: str) -> str:
        header = self.fields.get(fname)
        return row.get(header, "").strip() if header else ""


def parse_date(value: str) -> dt.date:
    """ISO dates, and the day-first forms HRIS exports use (31/12/2024, 31.12.2024)."""
    value = value.strip()
    if len(value) == 10 and value[4] == "-":
        try:  # the common case, several times faster than strptime on a 50,000-row import
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if "T" in value or " " in value:
        try:
            return dt.datetime.fromisoformat(value).date()
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD.")


def parse_bool(value: str) -> bool:
    v = value.strip().lower()
    if v in {"1", "true", "yes", "y", "active", "x"}:
        return True
    if v in {"0", "false", "no", "n", "inactive", "terminated", "left"}:
        return False
    raise ValueError(f"{value!r} is not yes/no.")


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Write one or more sheets (title -> (headers, rows)) to XLSX bytes."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=False)
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(
    filename: str, sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]
) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(sheets),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(headers)
    writer.writerows(rows)
    return response


def iter_chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
