"""The first look `onramp ingest-usage` takes at its file while Django starts."""

from __future__ import annotations

import tempfile

import duckdb
import pytest

from onramp.adoption import usage_file
from onramp.adoption.models import IdentityActivity, PersonActivity
from onramp.adoption.services import ingest, usage_ingest


@pytest.fixture(autouse=True)
def _no_early_looks_left():
    yield
    for thread, _ in usage_file._early.values():
        thread.join()
    usage_file._early.clear()


def _hash(value: str) -> int:
    return duckdb.connect().execute("SELECT hash(?::VARCHAR)", [value]).fetchone()[0]


def _hashes(*values: str) -> list[int]:
    return sorted(
        duckdb.sql(f"SELECT hash(v) FROM (VALUES {', '.join(f'({v!r})' for v in values)}) t(v)")
        .fetchnumpy()["hash(v)"]
        .tolist()
    )


def _rows() -> list[tuple]:
    counts = ("day", "events", "distinct_actions")
    people = [(p, "", *r) for p, *r in PersonActivity.objects.values_list("person_id", *counts)]
    others = [(None, i, *r) for i, *r in IdentityActivity.objects.values_list("identity", *counts)]
    return sorted(people + others, key=lambda r: (r[0] or 0, *r[1:]))


def _write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_look_reads_the_columns_and_the_distinct_actions_of_the_first_rows(tmp_path):
    path = _write(tmp_path, "u.csv", ["When,Email,Event Type", "2026-03-02,a@x.test,open",
                                      "2026-03-02,b@x.test,open", "2026-03-03,a@x.test,",
                                      "2026-03-03,a@x.test,export"])  # fmt: skip
    done = []
    usage_file.look_early(str(path), then=lambda: done.append(True))
    look = usage_file.early_look(path, "csv")
    assert done == [True]  # what comes after the look ran in its thread
    assert look.headers == ["When", "Email", "Event Type"]
    # Only the columns that could be the action are sampled; empty values are not actions.
    assert list(look.samples) == ["Event Type"]
    assert sorted(look.samples["Event Type"]) == ["export", "open"]
    assert sorted(look.samples["Event Type"].values()) == _hashes("open", "export")
    assert usage_file.early_look(path, "csv") is None  # handed over once


def test_more_actions_than_bits_are_marked_too_many(tmp_path):
    lines = ["timestamp,user,action"] + [f"2026-03-02,a@x.test,act{i}" for i in range(70)]
    path = _write(tmp_path, "u.csv", lines)
    usage_file.look_early(path)
    assert usage_file.early_look(path, "csv").samples == {"action": None}


def test_no_look_is_handed_over_for_a_changed_file_another_format_or_an_unreadable_one(
    tmp_path,
):
    path = _write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,a@x.test,open"])
    usage_file.look_early(path)
    usage_file._early[str(path)][0].join()
    path.write_text("timestamp,user,action\n2026-03-02,a@x.test,open\n2026-03-03,b@x.test,x\n")
    assert usage_file.early_look(path, "csv") is None
    usage_file.look_early(path)
    assert usage_file.early_look(path, "json") is None
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    usage_file.look_early(broken)
    assert usage_file.early_look(broken, "parquet") is None
    usage_file.look_early(tmp_path / "notes.docx")  # not a usage file: left alone
    assert usage_file._early == {}


def test_an_import_given_a_look_writes_the_same_rows_without_reading_the_header_again(
    tmp_path, small_org, other_service, monkeypatch
):
    lines = ["timestamp,user,action"] + [
        f"2026-03-{1 + d:02d}T09:00:00,{who},{('open', 'export', 'report')[d % 3]}"
        for d in range(10)
        for who in ("p2@acme.test", "E3", "ghost@elsewhere.test")
    ]
    path = _write(tmp_path, "u.csv", lines)
    usage_ingest(path=path, service=other_service)
    without = _rows()
    PersonActivity.objects.all().delete()
    IdentityActivity.objects.all().delete()
    ingest.IngestBatch.objects.all().delete()
    usage_file.look_early(path)
    monkeypatch.setattr(ingest, "usage_headers", lambda *a: pytest.fail("read the header again"))
    monkeypatch.setattr(ingest, "action_sample", lambda *a: pytest.fail("sampled again"))
    usage_ingest(path=path, service=other_service)
    assert _rows() == without
    assert len(without) == 30 and {r[4] for r in without} == {1}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_sample_adds_lines_spread_over_a_large_file_and_leaves_no_copy(
    tmp_path, monkeypatch, fmt
):
    # An action the tool only logged late in the year is not in the first rows: the lines
    # taken from places spread over the file find it.
    monkeypatch.setattr(usage_file, "SPREAD_MIN_BYTES", 0)
    monkeypatch.setattr(usage_file, "BLOCK_BYTES", 256)
    actions = ["open"] * 900 + ["open", "close", "archive"] * 100
    if fmt == "csv":
        path = _write(tmp_path, "u.csv", ["timestamp,user,action"] + [
            f"2026-03-02,a{i}@x.test,{a}" for i, a in enumerate(actions)])  # fmt: skip
    else:
        path = _write(tmp_path, "u.jsonl", [
            f'{{"timestamp": "2026-03-02", "user": "a{i}@x.test", "action": "{a}"}}'
            for i, a in enumerate(actions)])  # fmt: skip
    # The copy goes to a temporary folder of this test's own: another test process may be
    # making and removing its copies in the shared one meanwhile.
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    look = usage_file.Look(path, fmt, None, sample_rows=10)
    look.take()
    assert look.samples["action"] == {a: _hash(a) for a in ("archive", "close", "open")}
    assert list(private.iterdir()) == []
    # Without the spread lines, the first ten rows hold one action.
    monkeypatch.setattr(usage_file, "SPREAD_MIN_BYTES", path.stat().st_size + 1)
    look.take()
    assert list(look.samples["action"]) == ["open"]


def test_no_lines_are_spread_from_a_small_file_or_a_parquet_one(tmp_path):
    path = _write(tmp_path, "u.csv", ["timestamp,user,action", "2026-03-02,a@x.test,open"])
    with usage_file.spread_sample(path, "csv") as spread:
        assert spread is None
    with usage_file.spread_sample(tmp_path / "u.parquet", "parquet") as spread:
        assert spread is None
