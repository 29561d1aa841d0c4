from __future__ import annotations

import io

import openpyxl
import pytest

from onramp.core.tabular import (
    ColumnMapping,
    TableError,
    parse_bool,
    parse_date,
    read_table,
    xlsx_bytes,
)


def test_it_reads_a_csv_with_a_bom_and_semicolons_keeping_row_numbers():
    data = "\ufeffEmployee ID;Full name\n1;Ann\n\n2;Bob\n".encode()
    table = read_table(io.BytesIO(data), "hris.csv")
    assert table.headers == ["Employee ID", "Full name"]
    assert [(n, r["Full name"]) for n, r in table.rows] == [(2, "Ann"), (4, "Bob")]


def test_it_reads_the_first_sheet_of_an_xlsx_with_dates_as_iso_text():
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "start"])
    sheet.append([7, dt.datetime(2024, 3, 1)])
    out = io.BytesIO()
    book.save(out)
    table = read_table(io.BytesIO(out.getvalue()), "x.xlsx")
    assert table.rows == [(2, {"id": "7", "start": "2024-03-01"})]


def test_it_rejects_an_unsupported_type_and_a_non_utf8_csv_naming_the_file():
    with pytest.raises(TableError, match="people.txt.*Unsupported"):
        read_table(io.BytesIO(b"x"), "people.txt")
    with pytest.raises(TableError, match="bad.csv.*not UTF-8"):
        read_table(io.BytesIO("name\nJosé".encode("latin-1")), "bad.csv")


def test_a_mapping_guesses_headers_ignoring_case_and_punctuation_and_takes_overrides():
    aliases = {"employee_id": ["Employee ID", "Personnel number"], "email": ["Work email"]}
    mapping = ColumnMapping.guess(["personnel-number", "WORK EMAIL", "Other"], aliases)
    assert mapping.fields == {"employee_id": "personnel-number", "email": "WORK EMAIL"}
    mapping = ColumnMapping.guess(["a", "b"], aliases, overrides={"email": "b"})
    assert mapping.missing(["employee_id", "email"]) == ["employee_id"]
    assert mapping.get({"b": " x@y.z "}, "email") == "x@y.z"


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2024-12-31", "2024-12-31"), ("31/12/2024", "2024-12-31"), ("31.12.2024", "2024-12-31")],
)
def test_it_parses_the_date_forms_hris_exports_use(text, iso):
    assert parse_date(text).isoformat() == iso


def test_it_rejects_an_ambiguous_or_wrong_date_and_bool():
    with pytest.raises(ValueError, match="not a date"):
        parse_date("12-31-2024")
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool("maybe")
    assert parse_bool("Terminated") is False and parse_bool("Active") is True


def test_xlsx_export_reads_back_with_openpyxl():
    data = xlsx_bytes({"People": (["id", "name"], [(1, "Ann"), (2, "Bob")])})
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "People"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["id", "name"],
        [1, "Ann"],
        [2, "Bob"],
    ]
