from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onramp.adoption.models import (
    IdentityActivity,
    IngestBatch,
    PersonActivity,
    ProjectActivity,
    UnmatchedIdentity,
)
from onramp.adoption.services import ingest, rule_update, unmatched_map, usage_ingest
from onramp.core import bulk
from onramp.core.tabular import TableError

D = dt.date


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def people_service(other_service):
    return other_service


COUNTS = ("day", "events", "qualifying_events", "distinct_actions")


def activity(service) -> list[tuple]:
    """(employee id, identity, day, events, qualifying events, distinct actions) of each row of
    the service: a person's with no identity, an unmatched identity's with no employee id."""
    people = PersonActivity.objects.filter(service=service).values_list(
        "person__employee_id", *COUNTS
    )
    identities = IdentityActivity.objects.filter(service=service).values_list("identity", *COUNTS)
    rows = [(e, "", *r) for e, *r in people] + [(None, i, *r) for i, *r in identities]
    return sorted(rows, key=lambda r: (r[0] or "", r[1], r[2]))


def all_rows() -> int:
    """Rows of every service, in the three tables."""
    return sum(m.objects.count() for m in (PersonActivity, ProjectActivity, IdentityActivity))


def delete_activity() -> None:
    for model in (PersonActivity, ProjectActivity, IdentityActivity):
        model.objects.all().delete()


def test_it_rolls_events_up_to_one_row_per_person_and_day(tmp_path, small_org, people_service):
    rule_update(service=people_service, qualifying_actions="publish", min_active_days=1)
    path = write(
        tmp_path,
        "usage.csv",
        [
            "timestamp,user,action",
            "2026-03-02T09:00:00,P2@acme.test,open",
            "2026-03-02T10:00:00,p2@acme.test,publish",
            "2026-03-02T11:00:00,E3,open",
            "2026-03-03T08:00:00Z,p2@acme.test,open",
        ],
    )
    result = usage_ingest(path=path, service=people_service)
    assert result.events == 4 and result.rows == 3 and result.unmatched == 0
    assert activity(people_service) == [
        ("E2", "", D(2026, 3, 2), 2, 1, 2),
        ("E2", "", D(2026, 3, 3), 1, 0, 1),
        ("E3", "", D(2026, 3, 2), 1, 0, 1),
    ]


def test_it_changes_nothing_when_the_same_file_is_imported_again(
    tmp_path, small_org, people_service
):
    path = write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,p2@acme.test,open"])
    usage_ingest(path=path, service=people_service)
    again = usage_ingest(path=path, service=people_service)
    assert again.duplicate
    assert IngestBatch.objects.count() == 1
    assert PersonActivity.objects.get().events == 1 and all_rows() == 1


def test_a_file_covering_imported_days_replaces_them_or_adds_when_asked(
    tmp_path, small_org, people_service
):
    first = write(
        tmp_path,
        "a.csv",
        ["timestamp,user,action,count", "2026-03-02,p2@acme.test,open,3", "2026-03-03,p2@acme.test,open,1"],
    )  # fmt: skip
    usage_ingest(path=first, service=people_service)
    second = write(
        tmp_path, "b.csv", ["timestamp,user,action,count", "2026-03-02,p3@acme.test,open,2"]
    )
    usage_ingest(path=second, service=people_service)
    assert [(r[0], r[2], r[3]) for r in activity(people_service)] == [
        ("E2", D(2026, 3, 3), 1),
        ("E3", D(2026, 3, 2), 2),
    ]
    third = write(
        tmp_path, "c.csv", ["timestamp,user,action,count", "2026-03-02,p3@acme.test,open,5"]
    )
    usage_ingest(path=third, service=people_service, mode="add")
    assert [(r[0], r[2], r[3]) for r in activity(people_service)] == [
        ("E2", D(2026, 3, 3), 1),
        ("E3", D(2026, 3, 2), 7),
    ]


def test_it_rejects_a_malformed_file_naming_row_and_column_and_writes_nothing(
    tmp_path, small_org, people_service
):
    path = write(
        tmp_path,
        "bad.csv",
        [
            "timestamp,user,action,count",
            "2026-03-02,p2@acme.test,open,1",
            "yesterday,p2@acme.test,open,1",
            "2026-03-02,,open,1",
            "2026-03-02,p3@acme.test,open,-4",
        ],
    )
    with pytest.raises(TableError) as info:
        usage_ingest(path=path, service=people_service)
    errors = [(e.row, e.column) for e in info.value.errors]
    assert errors == [(3, "timestamp"), (4, "user"), (5, "count")]
    assert "bad.csv, row 3, column 'timestamp'" in str(info.value.errors[0])
    assert all_rows() == 0 and not IngestBatch.objects.exists()

    result = usage_ingest(path=path, service=people_service, skip_bad_rows=True)
    assert result.skipped == 3 and result.rows == 1


def test_it_refuses_a_file_without_the_adopter_column(tmp_path, small_org, service):
    path = write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,p2@acme.test,open"])
    with pytest.raises(TableError) as info:
        usage_ingest(path=path, service=service)
    assert "adopted by projects" in str(info.value)


def test_it_reads_json_lines_and_parquet_with_a_column_mapping(tmp_path, small_org, people_service):
    import duckdb

    path = tmp_path / "u.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(e)
            for e in [
                {"when_it_was": "2026-03-02T09:00:00", "who": "p2@acme.test", "act": "open"},
                {"when_it_was": "2026-03-04T09:00:00", "who": "E4", "act": "open", "count": 2},
            ]
        )
    )
    cols = {"timestamp": "when_it_was", "user": "who", "action": "act"}
    result = usage_ingest(path=path, service=people_service, columns=cols)
    assert result.rows == 2 and result.events == 3
    parquet = tmp_path / "u.parquet"
    duckdb.sql(
        f"COPY (SELECT TIMESTAMP '2026-03-05 10:00:00' AS ts, 'p5@acme.test' AS email, "
        f"'open' AS event) TO '{parquet}' (FORMAT parquet)"
    )
    result = usage_ingest(path=parquet, service=people_service)
    assert result.rows == 1
    assert PersonActivity.objects.filter(person__employee_id="E5", day=D(2026, 3, 5)).exists()


def test_unmatched_identities_are_listed_and_their_activity_moves_when_mapped(
    tmp_path, small_org, people_service
):
    path = write(
        tmp_path,
        "u.csv",
        [
            "timestamp,user,action",
            "2026-03-02,stranger@acme.test,open",
            "2026-03-02,stranger@acme.test,open",
            "2026-03-09,Stranger@acme.test,open",
            "2026-03-02,p2@acme.test,open",
        ],
    )
    result = usage_ingest(path=path, service=people_service)
    assert result.unmatched == 1
    u = UnmatchedIdentity.objects.get()
    assert (u.identity, u.events, u.first_day, u.last_day) == (
        "stranger@acme.test", 3, D(2026, 3, 2), D(2026, 3, 9)
    )  # fmt: skip
    person = small_org["people"][1]  # E2, who already has activity on 2 March
    unmatched_map(unmatched=u, person=person)
    assert [(r[0], r[1], r[2], r[3]) for r in activity(people_service)] == [
        ("E2", "", D(2026, 3, 2), 3),
        ("E2", "", D(2026, 3, 9), 1),
    ]
    # The mapping holds for the next file.
    later = write(
        tmp_path, "v.csv", ["timestamp,user,action", "2026-03-16,stranger@acme.test,open"]
    )
    assert usage_ingest(path=later, service=people_service).unmatched == 0
    assert PersonActivity.objects.filter(person=person, day=D(2026, 3, 16)).exists()


def test_the_command_imports_a_file_and_reports_bad_rows(
    tmp_path, small_org, people_service, capsys
):
    good = write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,p2@acme.test,open"])
    call_command("ingest_usage", str(good), "--service", people_service.slug, verbosity=0)
    assert "Imported 1 event as 1 adopter-day" in capsys.readouterr().out
    bad = write(tmp_path, "v.csv", ["timestamp,user,action", "soon,p2@acme.test,open"])
    with pytest.raises(CommandError, match="--skip-bad-rows"):
        call_command("ingest_usage", str(bad), "--service", people_service.slug, verbosity=0)
    assert "v.csv, row 2, column 'timestamp'" in capsys.readouterr().err


def test_the_command_shows_its_steps_on_a_progress_bar_unless_quiet(
    tmp_path, small_org, people_service, capsys
):
    lines = ["timestamp,user,action", "2026-03-02,p2@acme.test,open"]
    call_command("ingest_usage", str(write(tmp_path, "u.csv", lines)), "--service",
                 people_service.slug)  # fmt: skip
    err = capsys.readouterr().err
    assert "Reading and grouping" in err and "Writing" in err
    lines.append("2026-03-03,p2@acme.test,open")
    call_command("ingest_usage", str(write(tmp_path, "v.csv", lines)), "--service",
                 people_service.slug, verbosity=0)  # fmt: skip
    assert capsys.readouterr().err == ""


def test_a_service_column_routes_events_and_unknown_services_are_errors(
    tmp_path, small_org, people_service
):
    path = write(
        tmp_path,
        "u.csv",
        ["timestamp,user,action,service", f"2026-03-02,p2@acme.test,open,{people_service.slug}",
         "2026-03-02,p2@acme.test,open,no-such-service"],
    )  # fmt: skip
    with pytest.raises(TableError) as info:
        usage_ingest(path=path)
    assert [(e.row, e.column) for e in info.value.errors] == [(3, "service")]


@pytest.mark.parametrize("sample_rows", [100_000, 1])
@pytest.mark.parametrize("n_actions", [2, 12, 70])
def test_distinct_actions_are_exact_however_many_actions_the_file_has(
    tmp_path, small_org, people_service, n_actions, sample_rows, monkeypatch
):
    # 70 actions cannot each get their own bit of 64: the import falls back to grouping by
    # action; fewer go through the bit sets. A sample of one row picks a bit for one action
    # only: the others may then share bits, found after the pass, and the import falls back.
    # The counts must be the same every way.
    monkeypatch.setattr(ingest, "SAMPLE_ROWS", sample_rows)
    lines = ["timestamp,user,action"]
    for i in range(n_actions):
        lines.append(f"2026-03-02T09:00:00,p2@acme.test,action-{i}")
        lines.append(f"2026-03-02T10:00:00,p2@acme.test,action-{i}")  # the same action again
    lines += [f"2026-03-03T09:00:00,p2@acme.test,action-{i % 3}" for i in range(9)]
    lines += ["2026-03-03T09:00:00,p3@acme.test,", "2026-03-03T10:00:00,p3@acme.test,action-0"]
    usage_ingest(path=write(tmp_path, "u.csv", lines), service=people_service)
    assert [(r[0], r[2], r[3], r[5]) for r in activity(people_service)] == [
        ("E2", D(2026, 3, 2), 2 * n_actions, n_actions),
        ("E2", D(2026, 3, 3), 9, 3),
        ("E3", D(2026, 3, 3), 2, 1),  # an empty action is an event, not an action
    ]


def test_a_file_already_imported_under_an_older_record_is_found_before_anything_is_kept(
    tmp_path, small_org, people_service
):
    # Batches recorded before sizes were kept have size 0: the file is then hashed in the
    # background, and the duplicate is found before the transaction commits.
    from onramp.core.digest import file_sha256

    path = write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,p2@acme.test,open"])
    earlier = IngestBatch.objects.create(file_name="old.csv", sha256=file_sha256(path), size=0)
    result = usage_ingest(path=path, service=people_service)
    assert result.duplicate and result.batch == earlier
    assert all_rows() == 0 and IngestBatch.objects.count() == 1


def test_the_adoption_roll_up_counts_the_days_a_new_file_does_not_cover(
    tmp_path, small_org, people_service
):
    from onramp.adoption.models import AdopterState

    rule_update(service=people_service, qualifying_actions="", min_active_days=2, window_days=28)
    usage_ingest(
        path=write(tmp_path, "a.csv", ["timestamp,user,action", "2026-03-02,p2@acme.test,open",
                                        "2026-03-05,p2@acme.test,open"]),
        service=people_service,
    )  # fmt: skip
    usage_ingest(
        path=write(tmp_path, "b.csv", ["timestamp,user,action", "2026-03-05,p3@acme.test,open",
                                        "2026-03-09,p2@acme.test,open"]),
        service=people_service,
    )  # fmt: skip
    states = {
        s.person.employee_id: (s.first_day, s.adopted_on, s.last_day)
        for s in AdopterState.objects.filter(service=people_service).select_related("person")
    }
    # E2: 2 March kept from the first file, 5 March replaced (E2 is not in the second file
    # that day), 9 March new: two active days within 28 days by 9 March.
    assert states == {
        "E2": (D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 9)),
        "E3": (D(2026, 3, 5), None, D(2026, 3, 5)),
    }


def test_deleting_a_person_deletes_their_activity_without_a_foreign_key_index(
    tmp_path, small_org, people_service
):
    from onramp.org.models import Person

    path = write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,p2@acme.test,open",
                                     "2026-03-02,p3@acme.test,open"])  # fmt: skip
    usage_ingest(path=path, service=people_service)
    Person.objects.get(employee_id="E2").delete()
    assert [r[0] for r in activity(people_service)] == ["E3"]
    # Their adoption state goes too (no index on the person: Django finds the rows), and a
    # deleted unit leaves its adopters without one.
    from onramp.adoption.models import AdopterState

    states = AdopterState.objects.filter(service=people_service)
    assert [s.person.employee_id for s in states] == ["E3"]
    assert states.get().unit_id is not None
    states.get().unit.delete()
    assert states.get().unit_id is None


def test_a_mapping_made_by_hand_wins_over_a_directory_entry_added_later(
    tmp_path, small_org, people_service
):
    path = write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,ghost@acme.test,open"])
    usage_ingest(path=path, service=people_service)
    mapped_to = small_org["people"][2]
    unmatched_map(unmatched=UnmatchedIdentity.objects.get(), person=mapped_to)
    other = small_org["people"][1]
    other.email = "ghost@acme.test"  # the directory now gives this address to someone else
    other.save()
    later = write(tmp_path, "v.csv", ["timestamp,user,action", "2026-03-09,ghost@acme.test,open"])
    usage_ingest(path=later, service=people_service)
    assert PersonActivity.objects.get(day=D(2026, 3, 9)).person == mapped_to


@pytest.mark.parametrize("counted", [False, True])
@pytest.mark.parametrize("rule_actions", ["", "publish"])
@pytest.mark.parametrize("n_actions", [2, 70])
def test_events_and_qualifying_events_are_right_with_or_without_counts_and_a_rule(
    tmp_path, small_org, people_service, counted, rule_actions, n_actions
):
    # The grouping skips sums that a constant makes equal (no count column: events = rows;
    # no qualifying actions: qualifying = events), on both the bit-set path and the fallback.
    rule_update(service=people_service, qualifying_actions=rule_actions, min_active_days=1)
    header = "timestamp,user,action" + (",count" if counted else "")
    lines = [header]
    for i in range(n_actions):
        lines.append(f"2026-03-02T09:00:00,p2@acme.test,a{i}" + (",3" if counted else ""))
    lines.append("2026-03-02T09:30:00,p2@acme.test,publish" + (",2" if counted else ""))
    usage_ingest(path=write(tmp_path, "u.csv", lines), service=people_service)
    per_row = 3 if counted else 1
    events = n_actions * per_row + (2 if counted else 1)
    qualifying = events if not rule_actions else (2 if counted else 1)
    assert activity(people_service) == [
        ("E2", "", D(2026, 3, 2), events, qualifying, n_actions + 1)
    ]


@pytest.mark.parametrize("other_actions", [0, 70])
def test_an_email_and_an_employee_id_of_one_person_make_one_row_per_day(
    tmp_path, small_org, people_service, other_actions
):
    # Two identities of the file naming the same person: their days are merged, not written
    # twice (the unique index would refuse the second), and their actions counted once. 70
    # actions elsewhere in the file force the grouping by action instead of bit sets.
    lines = ["timestamp,user,action", "2026-03-02T09:00:00,p2@acme.test,open",
             "2026-03-02T10:00:00,E2,publish", "2026-03-02T11:00:00,E2,open",
             "2026-03-03T10:00:00,E2,open"]  # fmt: skip
    lines += [f"2026-03-04T09:00:00,p3@acme.test,x{i}" for i in range(other_actions)]
    result = usage_ingest(path=write(tmp_path, "u.csv", lines), service=people_service)
    assert result.rows == 2 + (1 if other_actions else 0)
    assert activity(people_service)[:2] == [
        ("E2", "", D(2026, 3, 2), 3, 3, 2),
        ("E2", "", D(2026, 3, 3), 1, 1, 1),
    ]


def test_an_action_bit_is_picked_that_separates_every_sampled_action():
    import duckdb

    hashes = [6826009469614497676, 8651876799740522241, 2919571837857328348, 14441643138843377987]
    bits = ingest._action_bit(hashes)
    assert bits is not None
    assert sorted(bits.of) == sorted(hashes) and len(set(bits.of.values())) == 4
    # DuckDB computes the same bits from the SQL, and the spare bit is none of them.
    con = duckdb.connect()
    for h, b in bits.of.items():
        assert con.execute(f"SELECT {bits.sql} FROM (SELECT {h}::UBIGINT AS h)").fetchone()[0] == b
    assert bits.spare() is not None and bits.spare() not in bits.of.values()
    every = ingest._action_bit([i << 7 for i in range(64)])  # 64 actions: no bit to spare
    assert every is not None and every.spare() is None
    assert ingest._action_bit(list(range(65))) is None  # more actions than bits
    assert ingest._action_bit([7, 7]) is None  # no window separates equal hashes


class _Recording:
    """A DuckDB connection that keeps the statements it runs."""

    def __init__(self, con):
        self._con, self.statements = con, []

    def execute(self, sql, *args):
        self.statements.append(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.mark.parametrize(
    ("sample_rows", "spread", "n_actions", "passes"),
    [
        (100_000, False, 3, ["one pass"]),  # the sample holds every action
        (1, False, 3, ["one pass", "grouping sets"]),  # it missed two: each action gets a bit
        (1, True, 3, ["one pass"]),  # the lines spread over the file found them
        (1, False, 70, ["one pass", "grouping sets", "two-level"]),  # more actions than bits
        (100_000, False, 70, ["two-level"]),  # the sample alone has too many
    ],
)
def test_the_file_is_read_once_when_the_sample_holds_every_action(
    tmp_path, small_org, people_service, monkeypatch, sample_rows, spread, n_actions, passes
):
    import duckdb

    from onramp.adoption import usage_file

    if spread:
        monkeypatch.setattr(usage_file, "SPREAD_MIN_BYTES", 0)

    made = []
    real = duckdb.connect

    def connect(*args, **kwargs):
        made.append(_Recording(real(*args, **kwargs)))
        return made[-1]

    monkeypatch.setattr(ingest, "SAMPLE_ROWS", sample_rows)
    monkeypatch.setattr(ingest.duckdb, "connect", connect)
    lines = ["timestamp,user,action"] + [
        f"2026-03-0{1 + i % 3}T09:00:00,p2@acme.test,action-{i}" for i in range(n_actions)
    ]
    usage_ingest(path=write(tmp_path, "u.csv", lines), service=people_service)
    kinds = [
        "grouping sets" if "GROUPING SETS" in sql else "two-level" if "GROUP BY ALL" in sql
        else "one pass"
        for con in made
        for sql in con.statements
        if "read_csv" in sql and "GROUP BY" in sql
    ]  # fmt: skip
    assert kinds == passes
    per_day = [n_actions // 3 + (i < n_actions % 3) for i in range(3)]
    assert [r[5] for r in activity(people_service)] == per_day


@pytest.mark.parametrize("other_actions", [0, 70])
def test_keys_and_actions_are_read_trimmed_and_case_blind_on_every_path(
    tmp_path, small_org, people_service, other_actions
):
    # The bit-set path groups keys and actions as read, and cleans them after: an identity in
    # another case or with spaces is the same person, an action with spaces around it the same
    # action (one bit, counted once; it qualifies), an action of spaces only is no action.
    rule_update(service=people_service, qualifying_actions="publish", min_active_days=1)
    lines = ["timestamp,user,action", "2026-03-02T09:00:00,p2@acme.test,open",
             "2026-03-02T10:00:00, P2@ACME.test ,open ", "2026-03-02T11:00:00,p2@acme.test, publish",
             "2026-03-02T12:00:00,p2@acme.test,   ", "2026-03-03T10:00:00,  E2,publish  ",
             "2026-03-03T11:00:00,E2,publish"]  # fmt: skip
    lines += [f"2026-03-04T09:00:00,p3@acme.test,x{i}" for i in range(other_actions)]
    usage_ingest(path=write(tmp_path, "u.csv", lines), service=people_service)
    assert activity(people_service)[:2] == [
        ("E2", "", D(2026, 3, 2), 4, 1, 2),
        ("E2", "", D(2026, 3, 3), 2, 2, 1),
    ]
    assert not UnmatchedIdentity.objects.exists()


def test_chunks_cover_every_row_once_in_the_unique_indexes_order(monkeypatch):
    # The writer reads `matched` in chunks of about WRITE_BATCH rows (ranges of adopter ids,
    # each sorted on its own): together they are every row once, in (service, kind, adopter,
    # day) order, identities by their text.
    import duckdb

    monkeypatch.setattr(ingest, "WRITE_BATCH", 7)
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE matched AS SELECT * FROM (VALUES
        (1, 5, NULL, '', DATE '2026-03-02'), (1, 5, NULL, '', DATE '2026-03-01'),
        (2, NULL, 9, '', DATE '2026-03-01'), (1, NULL, NULL, 'zed', DATE '2026-03-01'),
        (1, NULL, NULL, 'amy', DATE '2026-03-02')) t(sid, person_id, project_id, identity, day)
        UNION ALL SELECT 1, (i * 7919) % 40 + 10, NULL, '', DATE '2026-01-01' + (i % 9)::INT
        FROM range(360) r(i) WHERE (i * 7919) % 40 + 10 <> 5"""
    )
    con.execute("CREATE TEMP TABLE dedup AS SELECT DISTINCT * FROM matched")
    con.execute("DROP TABLE matched")
    con.execute("CREATE TABLE matched AS SELECT * FROM dedup")
    chunks = list(ingest._chunks(con, ingest._segments(con)))
    rows = [
        (c.sid, c.kind, *r)
        for c in chunks
        for r in con.execute(c.select("coalesce(person_id, project_id), identity, day")).fetchall()
    ]
    expected = sorted(
        (sid, 0 if p is not None else 1 if j is not None else 2, p if p is not None else j, i, d)
        for sid, p, j, i, d in con.execute("SELECT * FROM matched").fetchall()
    )
    assert rows == expected
    assert len(chunks) > 5  # people cut into several ranges
    assert max(len(con.execute(c.select("day")).fetchall()) for c in chunks) < 7 * 3


def test_ahead_yields_in_order_raises_the_threads_error_and_stops_with_its_caller():
    made: list[int] = []

    def numbers(fail_at: int | None = None):
        for i in range(100):
            if i == fail_at:
                raise ValueError("broken at 5")
            made.append(i)
            yield i

    assert list(ingest._ahead(numbers())) == list(range(100))
    with pytest.raises(ValueError, match="broken at 5"):
        list(ingest._ahead(numbers(fail_at=5)))
    made.clear()
    for i in ingest._ahead(numbers(), depth=2):
        if i == 3:
            break
    assert len(made) <= 3 + 1 + 2 + 1  # read up to `depth` ahead, then stopped


def test_the_first_chunk_is_prepared_with_all_of_duckdbs_threads_the_others_with_one():
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")

    def threads(item: str) -> tuple[str, int]:
        return item, con.execute("SELECT current_setting('threads')").fetchone()[0]

    assert list(ingest._prepared(con, ["a", "b", "c"], threads)) == [("a", 2), ("b", 1), ("c", 1)]


def test_an_import_written_in_many_chunks_writes_the_same_rows(
    tmp_path, small_org, people_service, monkeypatch
):
    lines = ["timestamp,user,action"] + [
        f"2026-03-{1 + d:02d}T09:00:00,{who},open"
        for d in range(12)
        for who in ("p2@acme.test", "E3", "ghost@elsewhere.test", "p4@acme.test")
    ]
    path = write(tmp_path, "u.csv", lines)
    usage_ingest(path=path, service=people_service)
    whole = activity(people_service)
    delete_activity()
    IngestBatch.objects.all().delete()
    monkeypatch.setattr(ingest, "WRITE_BATCH", 5)
    usage_ingest(path=path, service=people_service)
    assert activity(people_service) == whole
    assert len(whole) == 48 and sum(1 for r in whole if r[1]) == 12


def test_postgresql_gets_the_same_rows_in_binary_as_in_csv(
    tmp_path, small_org, people_service, monkeypatch
):
    # People and projects go to PostgreSQL in its binary COPY format, identities as CSV; a
    # table whose column types the binary writer does not know gets CSV throughout. Both give
    # the same rows (on SQLite both are the same INSERTs).
    from django.db import connection

    monkeypatch.setattr(ingest, "WRITE_BATCH", 7)
    path = _many_days_file(tmp_path)
    usage_ingest(path=path, service=people_service)
    binary = activity(people_service)
    delete_activity()
    IngestBatch.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            types = bulk.pg_column_types(cursor.cursor, PersonActivity._meta.db_table)
        assert ingest._binary_fits(types, "person_id")
        assert not ingest._binary_fits({**types, "events": "numeric"}, "person_id")
    monkeypatch.setattr(ingest, "_binary_fits", lambda types, adopter: False)
    usage_ingest(path=path, service=people_service)
    assert activity(people_service) == binary
    assert len(binary) == 336 and sum(r[3] for r in binary) == 336


def test_each_adopter_kind_has_its_table_keyed_by_service_adopter_and_day(
    tmp_path, small_org, people_service
):
    # No row id and no adopter columns of the other kinds: the key is the one index, and it
    # refuses a second row for the same service, adopter and day, on either database.
    from django.db import IntegrityError, connection, transaction

    usage_ingest(path=_many_days_file(tmp_path), service=people_service)
    assert (PersonActivity.objects.count(), IdentityActivity.objects.count()) == (252, 84)
    for model, adopter in ((PersonActivity, "person_id"), (ProjectActivity, "project_id"),
                           (IdentityActivity, "identity")):  # fmt: skip
        key = [f.attname for f in model._meta.pk_fields]
        assert key == ["service_id", adopter, "day"]
        assert {f.attname for f in model._meta.concrete_fields} == {
            *key,
            "events",
            "qualifying_events",
            "distinct_actions",
        }
    if connection.vendor == "sqlite":
        # Each table is its key's B-tree (migration 0005): a migration that makes one of these
        # tables again must keep WITHOUT ROWID.
        with connection.cursor() as cursor:
            for model in (PersonActivity, ProjectActivity, IdentityActivity):
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE name = %s", [model._meta.db_table]
                )
                assert cursor.fetchone()[0].endswith("WITHOUT ROWID")
    for model in (PersonActivity, IdentityActivity):
        row = model.objects.first()
        key = {model.ADOPTER: getattr(row, model.ADOPTER), "day": row.day}
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(service=people_service, events=1, qualifying_events=1, **key)


def test_postgresql_gets_the_same_adopter_states_in_binary_as_in_rows(
    tmp_path, small_org, people_service, monkeypatch
):
    # The roll-up's states go to PostgreSQL in its binary COPY format, grouped by which of the
    # unit and the adoption day they have (a NULL has no bytes); the same states as written
    # from tuples, which is what SQLite (and a table of other column types) gets.
    from onramp.adoption.models import AdopterState
    from onramp.adoption.services import rollup

    rule_update(service=people_service, qualifying_actions="", min_active_days=2, window_days=7)
    lines = ["timestamp,user,action"] + [
        f"2026-03-{d:02d}T09:00:00,{who},open"
        for who, days in (("p2@acme.test", (2, 4)), ("E3", (2, 20)), ("p4@acme.test", (5,)),
                          ("ghost@elsewhere.test", (6, 7)))
        for d in days
    ]  # fmt: skip
    path = write(tmp_path, "u.csv", lines)
    from onramp.org.models import Person

    Person.objects.filter(employee_id="E4").update(unit=None)

    def states() -> list[tuple]:
        fields = ("person_id", "unit_id", "first_day", "adopted_on", "last_day")
        return sorted(AdopterState.objects.filter(service=people_service).values_list(*fields))

    usage_ingest(path=path, service=people_service)
    binary = states()
    delete_activity()
    IngestBatch.objects.all().delete()
    monkeypatch.setattr(rollup, "pg_column_types", lambda cursor, table: {})
    usage_ingest(path=path, service=people_service)
    assert states() == binary
    # Adopted and not, with and without a unit: all four groups of the binary rows but one.
    assert {r[3] is None for r in binary} == {True, False}
    assert {r[1] is None for r in binary} == {True, False}
    assert len(binary) == 3 and binary[0][3] == D(2026, 3, 4)


def _schema(table: str) -> list[tuple]:
    """PostgreSQL's definitions of the table's indexes and constraints (validated or not)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [table]
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = %s::regclass ORDER BY 1",
            [table],
        )
        return indexes + cursor.fetchall()


def _many_days_file(tmp_path: Path) -> Path:
    lines = ["timestamp,user,action"] + [
        f"2026-0{1 + d // 28}-{1 + d % 28:02d}T09:00:00,{who},open"
        for d in range(84)
        for who in ("p2@acme.test", "E3", "ghost@elsewhere.test", "p4@acme.test")
    ]
    return write(tmp_path, "big.csv", lines)


TABLES = [m._meta.db_table for m in (PersonActivity, ProjectActivity, IdentityActivity)]


def test_a_large_import_on_postgresql_sets_the_keys_aside_and_builds_them_again(
    tmp_path, small_org, people_service, monkeypatch
):
    from django.db import IntegrityError, connection, transaction

    postgres = connection.vendor == "postgresql"
    before = [_schema(t) for t in TABLES] if postgres else []
    calls = []
    real = ingest._set_aside
    monkeypatch.setattr(
        ingest, "_set_aside", lambda *a, **k: calls.append((a[1], real(*a, **k))) or calls[-1][1]
    )
    monkeypatch.setattr(ingest, "SET_ASIDE_MIN_ROWS", 10)
    path = _many_days_file(tmp_path)
    usage_ingest(path=path, service=people_service)
    rows = activity(people_service)
    assert len(rows) == 336 and sum(1 for r in rows if r[1]) == 84
    if postgres:
        # The people's and the identities' rows came in with their table's key set aside; the
        # projects' table got none and kept its key; every table is exactly as before.
        restore = dict(calls)
        assert list(restore) == TABLES
        people, projects, identities = (restore[t] for t in TABLES)
        assert people == [
            f'ALTER TABLE {TABLES[0]} ADD CONSTRAINT "{TABLES[0]}_pkey" '
            "PRIMARY KEY (service_id, person_id, day)"
        ]
        assert projects == []
        assert identities and "PRIMARY KEY (service_id, identity, day)" in identities[0]
        assert [_schema(t) for t in TABLES] == before
        # The key is back: a duplicate (service, person, day) is refused.
        row = PersonActivity.objects.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            PersonActivity.objects.create(
                service=people_service, person_id=row.person_id, day=row.day, events=1,
                qualifying_events=1,
            )  # fmt: skip
    else:
        assert calls == []  # SQLite appends to its B-trees in order instead


def test_an_import_that_fails_after_setting_the_keys_aside_leaves_the_tables_as_they_were(
    tmp_path, small_org, people_service, monkeypatch
):
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    before = [_schema(t) for t in TABLES] if postgres else []
    monkeypatch.setattr(ingest, "SET_ASIDE_MIN_ROWS", 10)

    def broken(items, depth=2):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(ingest, "_ahead", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        usage_ingest(path=_many_days_file(tmp_path), service=people_service)
    assert all_rows() == 0 and not IngestBatch.objects.exists()
    if postgres:
        assert [_schema(t) for t in TABLES] == before


def test_an_import_smaller_than_the_table_keeps_its_key(
    tmp_path, small_org, people_service, monkeypatch
):
    from django.db import connection, transaction

    monkeypatch.setattr(ingest, "SET_ASIDE_MIN_ROWS", 10)
    usage_ingest(path=_many_days_file(tmp_path), service=people_service)
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        assert ingest._set_aside(cursor.cursor, TABLES[0], 250) == []  # 252 rows there
        assert ingest._set_aside(cursor.cursor, TABLES[0], 5) == []  # too few to matter
        assert ingest._set_aside(cursor.cursor, TABLES[0], 400)
        transaction.set_rollback(True)


def test_the_summary_counts_in_words():
    from onramp.adoption.services.ingest import IngestResult

    one = IngestResult(batch=None, events=1, rows=1, skipped=1, unmatched=1)
    assert one.summary == (
        "Imported 1 event as 1 adopter-day. Skipped 1 unusable row. "
        "1 identity matched nobody: map it below."
    )
    many = IngestResult(batch=None, events=2500, rows=2, skipped=3, unmatched=4)
    assert many.summary == (
        "Imported 2,500 events as 2 adopter-days. Skipped 3 unusable rows. "
        "4 identities matched nobody: map them below."
    )
