"""The import commands as a user types them: `onramp import-people FILE` and friends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import CommandError, call_command

from onramp.org.models import OrgUnit, Person, Project

HEADER = "Employee ID,Full name,Work email,Department,Manager ID,Hire date"


def write(tmp_path: Path, name: str, *lines: str) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run(command: str, *args: str) -> int:
    """Run a command as `onramp command args` would, and return its exit status. call_command
    rather than the console script's main(): main() closes the database connections when the
    command ends, which would end the test's transaction on PostgreSQL. The dashed names
    themselves are tested through the real console script below."""
    try:
        call_command(command.replace("-", "_"), *args)
    except CommandError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return exc.returncode
    return 0


def test_import_people_creates_people_and_prints_a_summary(tmp_path, small_org, capsys):
    path = write(tmp_path, "hris.csv", HEADER, "N1,Nina,nina@acme.test,TA,E1,2024-01-02")
    assert run("import-people", path) == 0
    out = capsys.readouterr().out
    assert "hris.csv: 1 row; 1 to create, 0 to update, 0 unchanged." in out
    assert "Imported hris.csv: 1 people created, 0 updated, 0 unchanged" in out
    assert Person.objects.get(employee_id="N1").manager == small_org["boss"]

    assert run("import-people", path) == 0
    assert "0 people created, 0 updated, 1 unchanged" in capsys.readouterr().out


def test_a_file_with_errors_exits_1_lists_every_error_and_writes_nothing(
    tmp_path, small_org, capsys
):
    path = write(
        tmp_path,
        "hris.csv",
        HEADER,
        "N1,Nina,nina@acme.test,TA,E1,2024-01-02",
        "N2,Nils,not-an-email,NOPE,E1,2024-01-02",
        "N1,Nina Twin,twin@acme.test,TA,,yesterday",
    )
    assert run("import-people", path) == 1
    err = capsys.readouterr().err
    assert "hris.csv, row 3, column 'Work email': 'not-an-email' is not a valid e-mail" in err
    assert "hris.csv, row 3, column 'Department': Unit code 'NOPE'" in err
    assert "hris.csv, row 4, column 'Employee ID': Employee id 'N1' is already on row 2" in err
    assert "hris.csv, row 4, column 'Hire date'" in err
    assert "4 error(s)" in err and "Nothing was written" in err
    assert not Person.objects.filter(employee_id__in=["N1", "N2"]).exists()


def test_dry_run_validates_and_counts_but_writes_nothing(tmp_path, small_org, capsys):
    path = write(tmp_path, "hris.csv", HEADER, "N1,Nina,nina@acme.test,TA,E1,")
    assert run("import-people", path, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "1 to create" in out and "Dry run: nothing was written." in out
    assert not Person.objects.filter(employee_id="N1").exists()


def test_map_options_choose_the_columns(tmp_path, db, capsys):
    path = write(tmp_path, "hris.csv", "Matricule,Nom,Courriel", "M1,Marie,marie@x.test")
    assert run("import-people", path) == 1
    assert "No column for employee id" in capsys.readouterr().err
    code = run(
        "import-people",
        path,
        "--map",
        "employee_id=Matricule",
        "--map",
        "name=Nom",
        "--map",
        "email=Courriel",
    )
    assert code == 0
    assert Person.objects.get(employee_id="M1").email == "marie@x.test"


def test_a_malformed_map_option_is_refused(tmp_path, db, capsys):
    path = write(tmp_path, "hris.csv", HEADER)
    assert run("import-people", path, "--map", "email") == 1
    assert "is not field=Header" in capsys.readouterr().err


def test_deactivate_missing_marks_absent_people_inactive(tmp_path, small_org, capsys):
    path = write(tmp_path, "hris.csv", HEADER, "E1,Bea Boss,bea@acme.test,OPS,,")
    assert run("import-people", path, "--deactivate-missing") == 0
    assert "5 deactivated" in capsys.readouterr().out
    assert list(Person.objects.filter(active=True).values_list("employee_id", flat=True)) == ["E1"]
    assert Person.objects.count() == 7


def test_an_unreadable_or_missing_file_exits_1_with_a_clear_message(tmp_path, db, capsys):
    path = write(tmp_path, "hris.txt", "whatever")
    assert run("import-people", path) == 1
    assert "Unsupported file type .txt: use CSV or XLSX." in capsys.readouterr().err
    assert run("import-people", str(tmp_path / "missing.csv")) == 1
    assert "does not exist" in capsys.readouterr().err


def test_import_units_and_import_projects_run_under_their_dashed_names(tmp_path, db, capsys):
    units = write(
        tmp_path,
        "units.csv",
        "Code,Name,Parent code,Kind",
        "AC,Acme,,company",
        "OPS,Ops,AC,division",
    )
    assert run("import-units", units) == 0
    assert OrgUnit.objects.get(code="OPS").parent.code == "AC"
    projects = write(tmp_path, "projects.csv", "Code,Name,Unit,Status", "P1,Pilot,OPS,ongoing")
    assert run("import-projects", projects) == 0
    assert Project.objects.get(code="P1").status == "active"
    bad = write(tmp_path, "cycle.csv", "Code,Name,Parent code", "AC,Acme,OPS")
    assert run("import-units", bad) == 1
    assert "AC > OPS > AC" in capsys.readouterr().err


def onramp(*args: str, var: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "onramp"
    env = {**os.environ, "ONRAMP_VAR_DIR": str(var), "DATABASE_URL": ""}
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_the_console_script_knows_the_dashed_command_names(tmp_path):
    done = onramp("import-people", "--help", var=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--deactivate-missing" in done.stdout and "--dry-run" in done.stdout
    for name in ("import-units", "import-projects"):
        assert onramp(name, "--help", var=tmp_path).returncode == 0


def test_the_console_script_exits_1_with_the_error_on_stderr(tmp_path):
    path = write(tmp_path, "hris.ods", "whatever")
    done = onramp("import-people", path, var=tmp_path)
    assert done.returncode == 1
    assert "hris.ods: Unsupported file type .ods: use CSV or XLSX." in done.stderr
    assert "Nothing was written" in done.stderr
