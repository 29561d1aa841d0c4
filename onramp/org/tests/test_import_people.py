"""People imports (HRIS exports): every validation rule, all-or-nothing, idempotence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from onramp.core.tabular import Table, read_table
from onramp.org.importers import ImportRefused, people_import_apply, people_import_preview
from onramp.org.models import Person
from onramp.org.services import person_create

HEADER = "Employee ID,Full name,Work email,Job title,Department,Manager ID,Office,Hire date,Status"


def table_of(tmp_path: Path, text: str, name: str = "people.csv") -> Table:
    path = tmp_path / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return read_table(path)


def people_csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows])


def only_error(plan):
    assert len(plan.errors) == 1, plan.errors
    return plan.errors[0]


def test_it_creates_people_with_units_and_managers_from_an_hris_export(tmp_path, small_org):
    table = table_of(
        tmp_path,
        people_csv(
            "N1,Nina New,nina@acme.test,Analyst,TA,N2,London,2024-03-01,Active",
            "N2,Nils Lead,nils@acme.test,Lead,DEL,E1,Paris,15/01/2020,active",
        ),
    )
    plan = people_import_preview(table=table)
    assert plan.errors == []
    assert (plan.created, plan.updated, plan.unchanged) == (2, 0, 0)

    result = people_import_apply(plan=plan)

    assert (result.created, result.updated) == (2, 0)
    nina = Person.objects.get(employee_id="N1")
    assert nina.unit == small_org["team_a"]
    assert nina.manager.employee_id == "N2"
    assert nina.manager.manager == small_org["boss"]
    assert nina.start_date == dt.date(2024, 3, 1)
    assert (nina.title, nina.location, nina.active) == ("Analyst", "London", True)
    assert Person.objects.get(employee_id="N2").start_date == dt.date(2020, 1, 15)


def test_it_accepts_other_common_headers_and_first_plus_last_name(tmp_path, small_org):
    table = table_of(
        tmp_path,
        "Personnel number;First name;Last name;E-mail;Position;Org unit;Manager employee id;"
        "Location;Start date;Active\n"
        "P7;Pia;Park;pia@acme.test;Engineer;TB;E1;Berlin;2023-05-06;no\n",
    )
    plan = people_import_preview(table=table)
    assert plan.errors == []
    people_import_apply(plan=plan)
    pia = Person.objects.get(employee_id="P7")
    assert (pia.name, pia.email, pia.title, pia.location) == (
        "Pia Park",
        "pia@acme.test",
        "Engineer",
        "Berlin",
    )
    assert (pia.unit, pia.manager, pia.active) == (small_org["team_b"], small_org["boss"], False)


def test_reimporting_the_same_file_changes_nothing(tmp_path, small_org):
    text = people_csv(
        "N1,Nina New,nina@acme.test,Analyst,TA,N2,London,2024-03-01,Active",
        "N2,Nils Lead,nils@acme.test,Lead,DEL,,Paris,,Active",
        "E2,Person 2,p2@acme.test,,TA,E1,,,Active",
    )
    people_import_apply(plan=people_import_preview(table=table_of(tmp_path, text)))
    stamps = dict(Person.objects.values_list("employee_id", "updated_at"))

    plan = people_import_preview(table=table_of(tmp_path, text))
    result = people_import_apply(plan=plan)

    assert (plan.created, plan.updated, plan.unchanged) == (0, 0, 3)
    assert (result.created, result.updated, result.deactivated) == (0, 0, 0)
    assert dict(Person.objects.values_list("employee_id", "updated_at")) == stamps


def test_it_updates_only_what_changed_and_says_which_fields(tmp_path, small_org):
    table = table_of(
        tmp_path,
        people_csv(
            "E2,Person 2,p2@acme.test,Architect,TB,E1,,,Active",
            "E3,Person 3,p3@acme.test,,TA,E2,,,Active",
        ),
    )
    plan = people_import_preview(table=table)
    assert (plan.created, plan.updated, plan.unchanged) == (0, 2, 0)
    changed = {c.key: set(c.fields) for c in plan.changes}
    assert changed == {"E2": {"title", "unit_id"}, "E3": {"manager"}}
    people_import_apply(plan=plan)
    assert Person.objects.get(employee_id="E2").title == "Architect"
    assert Person.objects.get(employee_id="E3").manager.employee_id == "E2"


def test_columns_left_out_of_the_file_keep_their_values(tmp_path, small_org):
    Person.objects.filter(employee_id="E2").update(location="Madrid", title="Tester")
    table = table_of(tmp_path, "Employee ID,Full name\nE2,Person Two\n")
    people_import_apply(plan=people_import_preview(table=table))
    e2 = Person.objects.get(employee_id="E2")
    assert (e2.name, e2.location, e2.title, e2.unit) == (
        "Person Two",
        "Madrid",
        "Tester",
        small_org["team_a"],
    )


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (",No Id,noid@acme.test,,TA,,,,Active", "Employee ID", "employee id is empty"),
        ("N1,,n1@acme.test,,TA,,,,Active", "Full name", "name of N1 is empty"),
        ("N1,Nina,not-an-email,,TA,,,,Active", "Work email", "not a valid e-mail"),
        ("N1,Nina,n1@acme.test,,TA,,,2024-02-30,Active", "Hire date", "not a date"),
        ("N1,Nina,n1@acme.test,,NOPE,,,,Active", "Department", "Unit code 'NOPE' is not in"),
        ("N1,Nina,n1@acme.test,,TA,X404,,,Active", "Manager ID", "Manager id 'X404'"),
        ("N1,Nina,n1@acme.test,,TA,N1,,,Active", "Manager ID", "their own manager"),
        ("N1,Nina,n1@acme.test,,TA,,,,maybe", "Status", "not a status"),
        ("N1,Nina,p2@acme.test,,TA,,,,Active", "Work email", "belongs to employee E2"),
    ],
)
def test_it_rejects_a_bad_row_naming_its_row_and_column(tmp_path, small_org, row, column, words):
    table = table_of(tmp_path, people_csv("N0,Fine Person,fine@acme.test,,TA,,,,Active", row))
    error = only_error(people_import_preview(table=table))
    assert (error.file, error.row, error.column) == ("people.csv", 3, column)
    assert words in error.message


def test_it_rejects_duplicate_employee_ids_in_the_file(tmp_path, db):
    table = table_of(
        tmp_path,
        people_csv(
            ",".join(["A1", "Ann", "ann@x.test"] + [""] * 6),
            ",".join(["A1", "Ann Again", "ann2@x.test"] + [""] * 6),
        ),
    )
    error = only_error(people_import_preview(table=table))
    assert (error.row, error.column) == (3, "Employee ID")
    assert "already on row 2" in error.message


def test_it_rejects_duplicate_emails_in_the_file_whatever_their_case(tmp_path, db):
    table = table_of(
        tmp_path,
        people_csv(
            ",".join(["A1", "Ann", "ann@x.test"] + [""] * 6),
            ",".join(["A2", "Anne", "ANN@x.test"] + [""] * 6),
        ),
    )
    error = only_error(people_import_preview(table=table))
    assert (error.row, error.column) == (3, "Work email")
    assert "already on row 2" in error.message


def test_it_lists_every_error_of_the_file_not_only_the_first(tmp_path, small_org):
    table = table_of(
        tmp_path,
        people_csv(
            "N1,Nina,bad,,NOPE,,,someday,Active",
            "N1,Nina Again,n2@acme.test,,TA,GHOST,,,Active",
        ),
    )
    plan = people_import_preview(table=table)
    where = [(e.row, e.column) for e in plan.errors]
    assert where == [
        (2, "Work email"),
        (2, "Hire date"),
        (2, "Department"),
        (3, "Employee ID"),
        (3, "Manager ID"),
    ]


def test_it_accepts_a_manager_who_comes_later_in_the_file(tmp_path, db):
    table = table_of(
        tmp_path,
        people_csv(
            ",".join(["A1", "Ann", "", "", "", "A2", "", "", ""]),
            ",".join(["A2", "Bob", "", "", "", "", "", "", ""]),
        ),
    )
    plan = people_import_preview(table=table)
    assert plan.errors == []
    people_import_apply(plan=plan)
    assert Person.objects.get(employee_id="A1").manager.employee_id == "A2"


def test_it_rejects_a_cycle_in_the_manager_chain_naming_the_employee_ids(tmp_path, db):
    rows = [
        ",".join([e, f"Name {e}", "", "", "", m, "", "", ""])
        for e, m in [("A1", "A2"), ("A2", "A3"), ("A3", "A1"), ("B1", "")]
    ]
    error = only_error(people_import_preview(table=table_of(tmp_path, people_csv(*rows))))
    assert (error.row, error.column) == (2, "Manager ID")
    assert "cycle" in error.message
    assert "A1 > A2 > A3 > A1" in error.message
    assert Person.objects.count() == 0


def test_it_rejects_a_cycle_through_people_already_in_onramp(tmp_path, small_org):
    # E2 reports to E1 in Onramp; the file makes E1 report to E2.
    table = table_of(tmp_path, people_csv("E1,Bea Boss,bea@acme.test,,OPS,E2,,,Active"))
    error = only_error(people_import_preview(table=table))
    assert "E1" in error.message and "E2" in error.message and "cycle" in error.message


def test_it_reads_a_unit_given_as_a_name_path(tmp_path, small_org):
    table = table_of(
        tmp_path,
        "Employee ID,Full name,Unit path\nN1,Nina,Acme > Operations > Delivery > Team B\n"
        "N2,Nils,Acme > Nowhere\n",
    )
    plan = people_import_preview(table=table)
    error = only_error(plan)
    assert (error.row, error.column) == (3, "Unit path")
    table = table_of(tmp_path, "Employee ID,Full name,Org unit\nN1,Nina,Acme > Finance\n")
    people_import_apply(plan=people_import_preview(table=table))
    assert Person.objects.get(employee_id="N1").unit == small_org["fin"]


def test_it_reports_a_file_without_an_employee_id_column(tmp_path, db):
    plan = people_import_preview(table=table_of(tmp_path, "Name,Email\nAnn,ann@x.test\n"))
    error = only_error(plan)
    assert error.column == "Employee id"
    assert "No column for employee id" in error.message


def test_a_mapping_override_reads_a_field_from_another_column(tmp_path, db):
    table = table_of(tmp_path, "Employee ID,Full name,Mail,Email\nA1,Ann,ann@x.test,old@x.test\n")
    plan = people_import_preview(table=table, mapping={"email": "Mail"})
    assert plan.mapping.fields["email"] == "Mail"
    people_import_apply(plan=plan)
    assert Person.objects.get().email == "ann@x.test"


def test_a_mapping_to_a_column_that_is_not_in_the_file_is_an_error(tmp_path, db):
    table = table_of(tmp_path, "Employee ID,Full name\nA1,Ann\n")
    error = only_error(people_import_preview(table=table, mapping={"email": "Courriel"}))
    assert "'Courriel'" in error.message and "not in the file" in error.message


def test_a_file_with_one_bad_row_writes_nothing(tmp_path, small_org):
    before = list(Person.objects.order_by("id").values())
    table = table_of(
        tmp_path,
        people_csv(
            "N1,Nina,n1@acme.test,,TA,,,,Active",
            "E2,Person 2 Renamed,p2@acme.test,,TA,E1,,,Active",
            "N3,Nils,n3@acme.test,,TA,,,31/31/2024,Active",
        ),
    )
    plan = people_import_preview(table=table, deactivate_missing=True)
    assert len(plan.errors) == 1
    with pytest.raises(ImportRefused):
        people_import_apply(plan=plan)
    assert list(Person.objects.order_by("id").values()) == before


def test_apply_writes_nothing_when_the_database_refuses_part_of_it(tmp_path, small_org):
    table = table_of(
        tmp_path,
        people_csv("N1,Nina,n1@acme.test,,TA,,,,Active", "N2,Nils,n2@acme.test,,TA,N1,,,Active"),
    )
    plan = people_import_preview(table=table)
    assert plan.ok
    # Someone takes Nils's e-mail between the preview and the apply.
    person_create(employee_id="Z9", name="Zed", email="n2@acme.test")
    with pytest.raises(ImportRefused) as refused:
        people_import_apply(plan=plan)
    assert "Preview the file again" in str(refused.value)
    assert not Person.objects.filter(employee_id__in=["N1", "N2"]).exists()


def test_deactivate_missing_marks_absent_people_inactive_and_deletes_nobody(tmp_path, small_org):
    table = table_of(
        tmp_path,
        people_csv(
            "E1,Bea Boss,bea@acme.test,,OPS,,,,Active", "E2,Person 2,p2@acme.test,,TA,E1,,,"
        ),
    )
    plan = people_import_preview(table=table, deactivate_missing=True)
    # E3..E6 are active and absent; E9 is already inactive.
    assert plan.deactivated == 4
    assert {c.key for c in plan.changes if c.action == "deactivate"} == {"E3", "E4", "E5", "E6"}
    result = people_import_apply(plan=plan)
    assert result.deactivated == 4
    assert Person.objects.count() == 7
    assert set(Person.objects.filter(active=True).values_list("employee_id", flat=True)) == {
        "E1",
        "E2",
    }
    again = people_import_preview(table=table, deactivate_missing=True)
    assert (again.created, again.updated, again.deactivated) == (0, 0, 0)


def test_without_deactivate_missing_absent_people_stay_active(tmp_path, small_org):
    table = table_of(tmp_path, people_csv("E1,Bea Boss,bea@acme.test,,OPS,,,,Active"))
    plan = people_import_preview(table=table)
    assert plan.deactivated == 0
    people_import_apply(plan=plan)
    assert Person.objects.filter(active=True).count() == 6


def test_it_reads_an_xlsx_file_written_by_openpyxl(tmp_path, small_org):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "Employee number",
            "Full name",
            "Work email",
            "Department",
            "Manager ID",
            "Hire date",
            "Active",
        ]
    )
    sheet.append([1001, "Xia Excel", "xia@acme.test", "FIN", "E1", dt.datetime(2022, 9, 1), True])
    sheet.append([1002, "Yan Excel", "yan@acme.test", "FIN", 1001, dt.date(2021, 1, 4), "no"])
    path = tmp_path / "hris.xlsx"
    book.save(path)

    plan = people_import_preview(table=read_table(path))
    assert plan.errors == []
    people_import_apply(plan=plan)
    yan = Person.objects.get(employee_id="1002")
    assert yan.manager.employee_id == "1001"
    assert (yan.start_date, yan.active, yan.unit) == (dt.date(2021, 1, 4), False, small_org["fin"])
    assert Person.objects.get(employee_id="1001").start_date == dt.date(2022, 9, 1)
    assert people_import_preview(table=read_table(path)).unchanged == 2


def test_an_error_in_an_xlsx_file_names_the_spreadsheet_row(tmp_path, db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Employee ID", "Full name", "Hire date"])
    sheet.append(["A1", "Ann", "2020-01-01"])
    sheet.append([None, None, None])
    sheet.append(["A2", "Bob", "the day after"])
    path = tmp_path / "hris.xlsx"
    book.save(path)
    error = only_error(people_import_preview(table=read_table(path)))
    assert (error.file, error.row, error.column) == ("hris.xlsx", 4, "Hire date")


def test_new_people_get_their_managers_however_deep_and_in_whatever_order(tmp_path, small_org):
    # A chain N5 -> N4 -> ... -> N1 -> E1 (in Onramp), listed reports first; and E2, already in
    # Onramp, moves under the new N3.
    rows = [f"N{i},New {i},,,TA,N{i - 1},,," for i in range(5, 1, -1)]
    rows += ["N1,New 1,,,TA,E1,,,", "E2,Person 2,p2@acme.test,,TA,N3,,,"]
    plan = people_import_preview(table=table_of(tmp_path, people_csv(*rows)))
    assert plan.errors == []
    assert (plan.created, plan.updated) == (5, 1)
    people_import_apply(plan=plan)
    managers = dict(Person.objects.values_list("employee_id", "manager__employee_id"))
    assert [managers[f"N{i}"] for i in range(1, 6)] == ["E1", "N1", "N2", "N3", "N4"]
    assert managers["E2"] == "N3"
