"""Usage ingestion: raw events (CSV, JSON Lines, Parquet) rolled up by DuckDB to one row per
adopter, service and day. The database never holds a raw event.

Two phases, as every import: DuckDB reads and groups the whole file once, counting the rows it
cannot use; if there are any (and skipping was not asked for) a second pass finds the first few
with their row and column, and nothing is written. Otherwise the rows are written in one
transaction: the days the file covers are replaced for its services (or added to).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue
from typing import Any

import duckdb
import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from onramp.adoption.models import (
    DailyActivity,
    IdentityActivity,
    IngestBatch,
    IngestMode,
    PersonActivity,
    ProjectActivity,
    UnmatchedIdentity,
)
from onramp.adoption.services.rollup import (
    Activity,
    OrgIndex,
    activity_concat,
    activity_load,
    rollup_compute,
    rollup_write,
)
from onramp.adoption.services.rules import rule_for
from onramp.adoption.usage_file import (
    ALIASES,
    FORMATS,
    MAX_ACTIONS,
    SAMPLE_ROWS,
    Look,
    action_sample,
    early_look,
    spread_sample,
)
from onramp.adoption.usage_file import quote as _q
from onramp.adoption.usage_file import reader as _reader
from onramp.catalog.models import Service
from onramp.core.bulk import (
    PG_BINARY_HEADER,
    PG_BINARY_TRAILER,
    PG_BINARY_TYPES,
    flat_columns,
    insert_rows,
    pg_binary_rows,
    pg_column_types,
)
from onramp.core.digest import FileDigest, file_digest
from onramp.core.tabular import ColumnMapping, RowError, TableError

Progress = Callable[[str, int, int], None]

MAX_ERRORS = 5
INGEST_LOCK = 0x0E1A_0001  # PostgreSQL advisory lock key of usage imports
WRITE_BATCH = 100_000


def _no_progress(step: str, done: int, total: int) -> None:
    pass


@dataclass
class IngestResult:
    batch: IngestBatch | None
    duplicate: bool = False
    events: int = 0
    rows: int = 0
    skipped: int = 0
    unmatched: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    services: list[Service] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.duplicate:
            return "This file was imported before: nothing changed."
        span = (
            f" from {self.first_day:%d %b %Y} to {self.last_day:%d %b %Y}"
            if self.first_day and self.last_day
            else ""
        )
        text = (
            f"Imported {_count(self.events, 'event')} as {_count(self.rows, 'adopter-day')}{span}."
        )
        if self.skipped:
            text += f" Skipped {_count(self.skipped, 'unusable row')}."
        if self.unmatched == 1:
            text += " 1 identity matched nobody: map it below."
        elif self.unmatched:
            text += f" {self.unmatched:,} identities matched nobody: map them below."
        return text


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise TableError(
            [
                RowError(
                    name,
                    0,
                    "",
                    f"Unsupported file type {suffix or '(none)'}: use CSV, JSON Lines "
                    "(.jsonl) or Parquet.",
                )
            ]
        )
    return FORMATS[suffix]


def usage_headers(path: Path, name: str | None = None) -> list[str]:
    name = name or path.name
    fmt = file_format(name)
    con = duckdb.connect()
    try:
        return [
            r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {_reader(path, fmt)}").fetchall()
        ]
    except duckdb.Error as exc:
        raise TableError([RowError(name, 0, "", _duck_message(exc))]) from None
    finally:
        con.close()


def usage_preview(path: Path, name: str | None = None, *, limit: int = 10) -> list[dict[str, Any]]:
    name = name or path.name
    fmt = file_format(name)
    con = duckdb.connect()
    try:
        cur = con.execute(f"SELECT * FROM {_reader(path, fmt)} LIMIT {int(limit)}")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    except duckdb.Error as exc:
        raise TableError([RowError(name, 0, "", _duck_message(exc))]) from None
    finally:
        con.close()


def _duck_message(exc: Exception) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"The file cannot be read ({first[:200]}). Check that it is CSV with a header row, JSON Lines or Parquet."


def _services_by_key() -> dict[str, Service]:
    found: dict[str, Service] = {}
    for s in Service.objects.filter(archived_at__isnull=True):
        found[s.slug.lower()] = s
        found.setdefault(s.name.lower(), s)
    return found


def usage_ingest(
    *,
    path: Path,
    service: Service | None = None,
    file_name: str | None = None,
    mode: str = IngestMode.REPLACE,
    skip_bad_rows: bool = False,
    columns: dict[str, str] | None = None,
    by: Any = None,
    source: str = "file",
    progress: Progress = _no_progress,
) -> IngestResult:
    """Import one usage file. Raises TableError (nothing written) when the file is unusable or
    has bad rows and `skip_bad_rows` is false."""
    path = Path(path)
    name = file_name or path.name
    fmt = file_format(name)
    if mode not in IngestMode.values:
        raise TableError([RowError(name, 0, "", f"Unknown mode {mode!r}: use replace or add.")])
    progress("Checking", 0, 1)
    # The same content is never imported twice. A file of a size already imported is hashed
    # before anything else (a re-run answers at once); any other is hashed in the background
    # (from after the grouping, which takes both cores, while the rows are written), and
    # checked before the transaction commits. `onramp ingest-usage` starts hashing its file
    # earlier still, while Django starts up (onramp/__main__.py).
    size = path.stat().st_size
    digest = file_digest(path)
    if IngestBatch.objects.filter(size=size).exists() and (
        earlier := IngestBatch.objects.filter(sha256=digest.value).first()
    ):
        progress("Checking", 1, 1)
        return IngestResult(batch=earlier, duplicate=True)

    # `onramp ingest-usage` has read the header and sampled the columns while Django started.
    look = early_look(path, fmt) if name == path.name else None
    headers = look.headers if look is not None and look.headers else usage_headers(path, name)
    mapping = ColumnMapping.guess(headers, ALIASES, columns)
    known = set(headers)
    errors = [
        RowError(name, 1, header, f"The mapping names column {header!r}, which the file lacks.")
        for header in (columns or {}).values()
        if header and header not in known
    ]
    if not mapping.fields.get("timestamp"):
        errors.append(
            RowError(name, 1, "timestamp", "There is no timestamp column: add one, or map it.")
        )
    if service is None and not mapping.fields.get("service"):
        errors.append(
            RowError(
                name,
                1,
                "service",
                "The file has no service column: choose the service it belongs to.",
            )
        )
    key_field = None
    if service is not None:
        key_field = "project" if service.adopter_kind == "projects" else "user"
        if not mapping.fields.get(key_field):
            # Project services accept a user-less file whose key column is called 'project';
            # people services need a 'user' column.
            errors.append(
                RowError(
                    name,
                    1,
                    key_field,
                    f"There is no {key_field} column: {service.name} is adopted by "
                    f"{service.adopter_kind}, so each event needs the "
                    f"{'project code' if key_field == 'project' else 'user (email or employee id)'}.",
                )
            )
    elif not (mapping.fields.get("user") or mapping.fields.get("project")):
        errors.append(RowError(name, 1, "user", "There is no user or project column: add one."))
    if errors:
        raise TableError(errors)

    services = _services_by_key()
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")  # our own progress goes to the caller
        return _ingest(
            con,
            path=path,
            name=name,
            fmt=fmt,
            digest=digest,
            size=size,
            mapping=mapping,
            service=service,
            services=services,
            mode=mode,
            skip_bad_rows=skip_bad_rows,
            by=by,
            source=source,
            progress=progress,
            look=look,
        )
    except duckdb.Error as exc:
        raise TableError([RowError(name, 0, "", _duck_message(exc))]) from None
    finally:
        con.close()


@dataclass(frozen=True)
class _Events:
    """The SQL of the file's parsed events, and what is known of it before reading."""

    sql: str  # one row per event, fields cleaned (key lower-cased, trimmed), `bad` named
    raw: str  # one row per event, key and action as read; `pre_bad` flags all but an empty key
    counted: bool  # a count column: else every row is one event
    every_qualifies: bool  # no rule lists actions: every event qualifies


def _select(
    path: Path,
    fmt: str,
    mapping: ColumnMapping,
    service: Service | None,
    services: dict[str, Service],
) -> tuple[_Events, dict[str, str]]:
    """The SQL of the file's events (see _Events) and, per field, the header it reads."""
    f = mapping.fields
    ts = f"try_cast({_q(f['timestamp'])} AS TIMESTAMP)"
    key_cols = [c for c in (f.get("user"), f.get("project")) if c]
    if service is not None:
        key_col = f.get("project") if service.adopter_kind == "projects" else f.get("user")
        key_cols = [key_col] if key_col else key_cols
    raw_key = f"CAST({_q(key_cols[0])} AS VARCHAR)"
    raw_action = f"CAST({_q(f['action'])} AS VARCHAR)" if f.get("action") else "''"
    if f.get("count"):
        raw_count = _q(f["count"])
        count = f"try_cast({raw_count} AS BIGINT)"
        count_bad = f"({raw_count} IS NOT NULL AND ({count} IS NULL OR {count} < 0))"
        count_val = f"coalesce({count}, 1)"
    else:
        count_bad, count_val = "false", "1"

    rules: dict[int, list[str]] = {}
    targets = (
        [service] if service is not None else list({s.pk: s for s in services.values()}.values())
    )
    for s in targets:
        rules[s.pk] = rule_for(s).actions
    if service is not None and not f.get("service"):
        sid = str(service.pk)
    else:
        raw = f"lower(trim(CAST({_q(f['service'])} AS VARCHAR)))"
        allowed = {k: s for k, s in services.items() if service is None or s.pk == service.pk}
        cases = " ".join(f"WHEN {_lit(k)} THEN {s.pk}" for k, s in allowed.items())
        sid = f"(CASE {raw} {cases} ELSE NULL END)" if cases else "NULL"

    def qualifies(action: str) -> str:
        parts = []
        for pk, actions in rules.items():
            if actions:
                listed = ", ".join(_lit(a) for a in actions)
                parts.append(f"(sid = {pk} AND {action} IN ({listed}))")
            else:
                parts.append(f"(sid = {pk})")
        return " OR ".join(parts) or "true"

    # Every event qualifies when no rule lists actions: a constant, which the grouping then
    # need not sum apart (each aggregate costs DuckDB about a tenth more on a large file).
    every = all(not actions for actions in rules.values())
    # Each field parsed once, then checked: the first bad field of a row names its error.
    parsed = (
        f"SELECT {ts} AS t, lower(trim({raw_key})) AS key, trim({raw_action}) AS action, "
        f"{sid} AS sid, {count_val} AS n, {count_bad} AS count_bad FROM {_reader(path, fmt)}"
    )
    inner = (
        "SELECT CAST(t AS DATE) AS day, key, action, sid, n, "
        "CASE WHEN t IS NULL THEN 'timestamp' WHEN key IS NULL OR key = '' THEN 'key' "
        "WHEN count_bad THEN 'count' WHEN sid IS NULL THEN 'service' ELSE NULL END AS bad, "
        # The same test as a flag, for the fallback grouping (`bad` names the first errors).
        "(t IS NULL OR key IS NULL OR key = '' OR count_bad OR sid IS NULL) AS is_bad "
        f"FROM ({parsed})"
    )
    sql = f"SELECT *, ({'true' if every else qualifies('action')}) AS q FROM ({inner})"
    # The same events with the key and the action as read: lower-casing and trimming each of
    # ten million keys cost DuckDB more than grouping them; the grouping does it once per
    # distinct key instead (see _group).
    raw_events = (
        "SELECT CAST(t AS DATE) AS day, key, action, sid, n, "
        "(t IS NULL OR count_bad OR sid IS NULL) AS pre_bad FROM ("
        f"SELECT {ts} AS t, {raw_key} AS key, {raw_action} AS action, {sid} AS sid, "
        f"{count_val} AS n, {count_bad} AS count_bad FROM {_reader(path, fmt)})"
    )
    raw_sql = (
        f"SELECT *, ({'true' if every else qualifies('trim(action)')}) AS q FROM ({raw_events})"
    )
    where = {
        "timestamp": f["timestamp"],
        "key": key_cols[0],
        "count": f.get("count") or "count",
        "service": f.get("service") or "service",
    }
    return _Events(sql, raw_sql, counted=bool(f.get("count")), every_qualifies=every), where


def _ingest(
    con: duckdb.DuckDBPyConnection,
    *,
    path: Path,
    name: str,
    fmt: str,
    digest: FileDigest,
    size: int,
    mapping: ColumnMapping,
    service: Service | None,
    services: dict[str, Service],
    mode: str,
    skip_bad_rows: bool,
    by: Any,
    source: str,
    progress: Progress,
    look: Look | None = None,
) -> IngestResult:
    progress("Checking", 1, 1)
    progress("Reading and grouping", 0, 1)
    parsed, where = _select(path, fmt, mapping, service, services)
    sql = parsed.sql
    # DuckDB groups in a thread (it releases the GIL and takes both cores) while this one reads
    # the organisation: the identities to match and the units of the roll-up.
    kinds = {service.adopter_kind} if service is not None else {"people", "projects"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        action = mapping.fields.get("action")
        grouping = pool.submit(_group, con, parsed, lambda: _sample(con, path, fmt, action, look))
        try:
            org = OrgIndex.load(kinds)
        except BaseException:
            con.interrupt()
            raise
        finally:
            wait([grouping])
        bits = grouping.result()
    progress("Reading and grouping", 1, 1)
    digest.start()  # unless it started before
    by_pk = {s.pk: s for s in services.values()}
    if service is not None:
        by_pk[service.pk] = service
    progress("Matching", 0, 1)
    _match(con, by_pk, org, bits=bits)
    bad_rows = con.execute("SELECT coalesce(sum(nrows), 0) FROM agg WHERE is_bad").fetchone()[0]
    if bad_rows and not skip_bad_rows:
        raise TableError(_first_errors(con, sql, where, name, fmt, service, bad_rows))
    con.execute("DELETE FROM agg WHERE is_bad")
    total = con.execute(
        "SELECT coalesce(sum(events), 0), count(*), min(day), max(day) FROM agg"
    ).fetchone()
    events, _, first_day, last_day = total
    sids = [r[0] for r in con.execute("SELECT DISTINCT sid FROM agg").fetchall()]
    touched = [by_pk[sid] for sid in sids]
    con.execute(
        "CREATE TEMP VIEW matched AS SELECT sid, person_id, project_id, identity, day, events, "
        "qual, least(actions, 32767) AS actions FROM agg"
    )
    progress("Matching", 1, 1)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One import at a time: a large one locks the activity table (see _set_aside), and
            # two that both waited for that lock would deadlock.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK])
        if mode == IngestMode.ADD:
            _merge_existing(con, touched)
        days = dict(con.execute("SELECT sid, list(DISTINCT day) FROM agg GROUP BY sid").fetchall())
        # The roll-ups (adopter states, weekly unit counts) need only what DuckDB holds, the
        # rows of the other days and the directory: read now, computed in a thread while the
        # rows are written (NumPy and SQLite both release the GIL), written after them.
        inputs = [(s, _activity(con, s, days.get(s.pk, [])), org.directory(s)) for s in touched]
        with ThreadPoolExecutor(max_workers=1) as pool:
            computing = [pool.submit(rollup_compute, s.pk, act, d) for s, act, d in inputs]
            for sid, service_days in days.items():
                _delete_days(sid, service_days)
            written = _write(con, progress)
            for s in touched:
                _summarise_unmatched(s)
            unmatched = UnmatchedIdentity.objects.filter(
                service__in=touched, mapped_to__isnull=True, mapped_project__isnull=True
            ).count()
            sha = digest.value
            if earlier := IngestBatch.objects.filter(sha256=sha).first():
                # Hashed in the background: the same content was recorded without its size (or
                # came in at the same time). Roll back: nothing of this run is kept.
                transaction.set_rollback(True)
                return IngestResult(batch=earlier, duplicate=True)
            progress("Updating adoption", 0, len(touched))
            rollups = [f.result() for f in computing]
        batch = IngestBatch.objects.create(
            file_name=name[:255],
            sha256=sha,
            size=size,
            mode=mode,
            events=int(events),
            rows=written,
            skipped_rows=int(bad_rows),
            unmatched=unmatched,
            first_day=first_day,
            last_day=last_day,
            days=(last_day - first_day).days + 1 if first_day and last_day else 0,
            source=source,
            created_by=by if getattr(by, "pk", None) else None,
        )
        batch.services.set(touched)
        for i, (s, rollup) in enumerate(zip(touched, rollups, strict=True)):
            progress("Updating adoption", i, len(touched))
            rollup_write(s, rollup)
        progress("Updating adoption", len(touched), len(touched))
    return IngestResult(
        batch=batch,
        events=int(events),
        rows=written,
        skipped=int(bad_rows),
        unmatched=unmatched,
        first_day=first_day,
        last_day=last_day,
        services=touched,
    )


def _delete_days(sid: int, days: list[dt.date]) -> None:
    """Delete a service's rows on these days, from the table of each adopter kind (each read
    through its (service, adopter, day) key)."""
    marks = ", ".join(["%s"] * len(days))
    params = [sid, *(d.isoformat() for d in days)]
    with connection.cursor() as cursor:
        for model, _ in _KINDS:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE service_id = %s AND day IN ({marks})",  # noqa: S608
                params,
            )


def _activity(con: duckdb.DuckDBPyConnection, service: Service, days: list[dt.date]) -> Activity:
    """The service's whole matched activity for its roll-up: the rows just written, straight
    from DuckDB, and those of the other days from the database."""
    column = "project_id" if service.adopter_kind == "projects" else "person_id"
    new = con.execute(
        f"SELECT {column} AS a, (day - DATE '0001-01-01') + 1 AS o, qual > 0 AS q FROM matched "  # noqa: S608
        f"WHERE sid = ? AND {column} IS NOT NULL",
        [service.pk],
    ).fetchnumpy()
    return activity_concat(
        (new["a"], new["o"], new["q"]), activity_load(service, exclude_days=days)
    )


# Per (service, adopter key, day): the distinct actions as a set of bits, one per action, so that
# the file is grouped once, by day, and not a second time by action (a two-level grouping or
# count(DISTINCT) cost DuckDB about a tenth more than the whole grouping, and each set of bits
# about as much). An action's bit is six bits of hash(action): a window (h >> s) % 64, or two
# windows xor-ed, picked before the pass so that the sampled actions each get their own (the
# file's first SAMPLE_ROWS rows, and lines spread over a large file: usage_file.spread_sample).
# An action the sample missed sets a spare bit instead, so that one pass both groups the file
# and tells whether the sample held all its actions (the usual case; each row is checked
# against the sample's hashes inside the mask's aggregate, at no measurable cost). If it did
# not, a second pass gives every action of the file a bit and lists them all (GROUPING SETS,
# 5-25% slower than the first in this machine's runs); if two of them then share a bit, or
# there are more than 64, the two-level grouping runs instead. The counts are exact every way
# (tested with 70 actions and with a sample of one row). The sample is the early look's when
# `onramp ingest-usage` took one (onramp/adoption/usage_file.py).


@dataclass(frozen=True)
class _Bits:
    """SQL of a bit number (0-63) from `h`, the hash of a non-empty action, and the bit that it
    gives each of the hashes it was picked for."""

    sql: str
    of: dict[int, int]

    def spare(self) -> int | None:
        """A bit that none of those hashes got: the mark of any other action."""
        return min(set(range(MAX_ACTIONS)) - set(self.of.values()), default=None)


def _action_bit(hashes: list[int]) -> _Bits | None:
    """A bit number that is distinct for each of these hashes; None when no window, nor pair
    of windows, separates them."""
    if len(hashes) > MAX_ACTIONS:
        return None
    shifts = range(59)
    for a in shifts:
        of = {h: (h >> a) & 63 for h in hashes}
        if len(set(of.values())) == len(hashes):
            return _Bits(f"((h >> {a}) % 64)", of)
    for a in shifts:
        for b in range(a + 1, 59):
            of = {h: ((h >> a) ^ (h >> b)) & 63 for h in hashes}
            if len(set(of.values())) == len(hashes):
                return _Bits(f"(xor(h >> {a}, h >> {b}) % 64)", of)
    return None


def _clean_mask(con: duckdb.DuckDBPyConnection, actions: dict[str, int]) -> str | None:
    """SQL of the set of distinct (trimmed) actions of a group of `grouped`, from its `mask` of
    the actions as read; `actions` are all the file's non-empty actions as read, each with its
    bit. None when two of them share a bit. Usually the mask itself; when some actions differ
    only by spaces around them, or are only spaces, their bits are merged into one or dropped."""
    if len(set(actions.values())) != len(actions):
        return None
    if not actions:
        return "mask"
    names = list(actions)
    # DuckDB's trim(), as the rest of the import trims (it takes more than ASCII spaces).
    cleaned = con.execute("SELECT list_transform(?, lambda a: trim(a))", [names]).fetchone()[0]
    trimmed: dict[str, int] = {}
    for clean, name in zip(cleaned, names, strict=True):
        trimmed[clean] = trimmed.get(clean, 0) | (1 << actions[name])
    if "" not in trimmed and len(trimmed) == len(actions):
        return "mask"
    trimmed.pop("", None)
    terms = [
        f"CASE WHEN mask & {bits}::UBIGINT <> 0 THEN {1 << i}::UBIGINT ELSE 0::UBIGINT END"
        for i, bits in enumerate(trimmed.values())
    ]
    return "(" + " | ".join(terms) + ")" if terms else "NULL::UBIGINT"


def _sample(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, action: str | None, look: Look | None
) -> dict[str, int] | None:
    """The distinct non-empty actions of the file's first SAMPLE_ROWS rows and of lines spread
    over it, with their hashes (None: more than MAX_ACTIONS of them), from the early look when
    there is one."""
    if not action:
        return {}
    if look is not None and action in look.samples and look.sample_rows == SAMPLE_ROWS:
        return look.samples[action]
    with spread_sample(path, fmt) as spread:
        return action_sample(con, _reader(path, fmt), action, SAMPLE_ROWS, spread)


def _group(
    con: duckdb.DuckDBPyConnection, events: _Events, sample: Callable[[], dict[str, int] | None]
) -> bool:
    """Create `days`: per (sid, raw_key, day, pre_bad) the rows, events, qualifying events and
    distinct actions of the file, and the actions themselves (`acts`: a set of bits when each
    action got its own, which this returns true for; else a list). `raw_key` is the key as
    read on the bit-set path (cleaned by _match), the clean key on the other."""
    # Sums that a constant makes equal to another are not computed twice.
    event_sum = "sum(n)" if events.counted else "nrows"
    qual_sum = "coalesce(sum(n) FILTER (WHERE q), 0)"
    sums = [f"{event_sum} AS events"] if events.counted else []
    if not events.every_qualifies:
        sums.append(f"{qual_sum} AS qual")
    sums_sql = "".join(f"{x}, " for x in sums)
    events_col = "events" if events.counted else "nrows"
    qual_col = events_col if events.every_qualifies else "qual"
    # One pass over the events as read (key and action neither trimmed nor lower-cased):
    # _match cleans each distinct key once, _clean_mask each distinct action.
    hashed = f"""SELECT sid, key, day, pre_bad, action,
                        CASE WHEN action <> '' THEN hash(action) END AS h, n, q
                 FROM ({events.raw})"""

    def days_view(mask: str, listed: bool) -> None:
        con.execute(
            f"""CREATE TEMP VIEW days AS
            SELECT sid, raw_key, day, pre_bad, nrows, {events_col} AS events,
                   {qual_col} AS qual, coalesce(bit_count({mask}), 0) AS actions,
                   coalesce({mask}, 0) AS acts
            FROM grouped{" WHERE by_day = 1" if listed else ""}"""
        )

    sampled = sample()
    bits = _action_bit(list(sampled.values())) if sampled is not None else None
    spare = bits.spare() if bits is not None else None
    if bits is not None and sampled is not None and spare is not None:
        known = ", ".join(f"{h}::UBIGINT" for h in bits.of)
        mark = (
            f"CASE WHEN h IN ({known}) THEN 1::UBIGINT << {bits.sql} "
            f"WHEN h IS NOT NULL THEN {1 << spare}::UBIGINT END"
            if known
            else f"CASE WHEN h IS NOT NULL THEN {1 << spare}::UBIGINT END"
        )
        con.execute(
            f"""CREATE TEMP TABLE grouped AS
            SELECT sid, key AS raw_key, day, pre_bad, count(*) AS nrows, {sums_sql}
                   bit_or({mark}) AS mask
            FROM ({hashed}) GROUP BY sid, key, day, pre_bad"""
        )
        missed = con.execute(
            f"SELECT count(*) FROM grouped WHERE mask & {1 << spare}::UBIGINT <> 0"
        ).fetchone()[0]
        mask = None if missed else _clean_mask(con, {a: bits.of[h] for a, h in sampled.items()})
        if mask is not None:
            days_view(mask, listed=False)
            return True
        con.execute("DROP TABLE grouped")
    if bits is not None:
        # The sample missed an action (or, with 64 actions, left no bit spare): every action
        # of the file gets a bit, and is listed, so that two sharing one are found.
        con.execute(
            f"""CREATE TEMP TABLE grouped AS
            SELECT sid, key AS raw_key, day, pre_bad, action, GROUPING(action) AS by_day,
                   count(*) AS nrows, {sums_sql}bit_or(1::UBIGINT << {bits.sql}) AS mask
            FROM ({hashed})
            GROUP BY GROUPING SETS ((sid, key, day, pre_bad), (action))"""
        )
        found = con.execute(
            f"SELECT action, {bits.sql} FROM (SELECT action, hash(action) AS h "
            "FROM grouped WHERE by_day = 0 AND action <> '')"
        ).fetchall()
        mask = _clean_mask(con, dict(found))
        if mask is not None:
            days_view(mask, listed=True)
            return True
        con.execute("DROP TABLE grouped")
    con.execute(
        f"""CREATE TEMP TABLE days AS
        SELECT sid, key AS raw_key, day, is_bad AS pre_bad, sum(nrows) AS nrows,
               sum(events) AS events, sum(qual) AS qual,
               count(*) FILTER (WHERE action <> '') AS actions,
               list(action) FILTER (WHERE action <> '') AS acts
        FROM (SELECT sid, key, day, is_bad, action, count(*) AS nrows,
                     sum(n) AS events, {qual_sum} AS qual
              FROM ({events.sql}) GROUP BY ALL)
        GROUP BY sid, key, day, is_bad"""
    )
    return False


def _first_errors(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    where: dict[str, str],
    name: str,
    fmt: str,
    service: Service | None,
    bad_rows: int,
) -> list[RowError]:
    # Row numbers as a spreadsheet shows them (header = row 1) for CSV; line numbers for JSON
    # Lines; 1-based record numbers for Parquet.
    offset = 2 if fmt == "csv" else 1
    con.execute("SET preserve_insertion_order = true")
    found = con.execute(
        f"SELECT r, bad FROM (SELECT row_number() OVER () - 1 + {offset} AS r, bad FROM ({sql})) "
        f"WHERE bad IS NOT NULL ORDER BY r LIMIT {MAX_ERRORS}"
    ).fetchall()
    messages = {
        "timestamp": "is not a date and time: use ISO 8601, e.g. 2026-03-01T09:30:00.",
        "key": "is empty: every event needs its "
        + ("project code." if service and service.adopter_kind == "projects" else "user."),
        "count": "is not a whole number of 0 or more.",
        "service": "is not the slug or name of a service"
        + (f" (this import is for {service.slug})." if service else "."),
    }
    errors = [RowError(name, int(r), where[b], messages[b]) for r, b in found]
    if bad_rows > len(errors):
        errors.append(
            RowError(
                name,
                0,
                "",
                f"{bad_rows:,} rows in all cannot be used. Fix them, or import with "
                "'skip bad rows' to leave them out.",
            )
        )
    return errors


def _match(
    con: duckdb.DuckDBPyConnection, by_pk: dict[int, Service], org: OrgIndex, *, bits: bool
) -> None:
    """Create `agg` from `days`: per service, adopter (or unmatched identity) and day, the
    counts, and whether the rows are bad. The keys are cleaned (trimmed, lower-cased) and
    matched once per distinct key, in Python dicts: emails and employee ids find people, codes
    find projects, and identities mapped by hand before win over both. When no two keys of a
    service name the same adopter (the usual case) no second grouping is needed."""
    # The distinct keys stay in DuckDB; Python reads them once and hands back integers only
    # (registering tens of thousands of strings again cost more than the matching).
    con.execute(
        """CREATE TEMP TABLE keys AS
        SELECT row_number() OVER () - 1 AS i, sid, raw_key, lower(trim(raw_key)) AS key
        FROM (SELECT DISTINCT sid, raw_key FROM days
              WHERE sid IS NOT NULL AND raw_key IS NOT NULL)"""
    )
    listed = con.execute("SELECT sid, key FROM keys ORDER BY i").fetchnumpy()
    sids, keys = listed["sid"].tolist(), listed["key"].tolist()
    adopter = np.full(len(keys), -1, dtype=np.int64)  # -1: none (an unmatched identity)
    bad = np.zeros(len(keys), dtype=bool)
    lookups: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    for sid in set(sids):
        s = by_pk[sid]
        is_project = s.adopter_kind == "projects"
        manual = {
            u.identity: (u.mapped_project_id if is_project else u.mapped_to_id)
            for u in UnmatchedIdentity.objects.filter(service=s).exclude(
                mapped_to__isnull=True, mapped_project__isnull=True
            )
        }
        lookups[sid] = (manual, org.keys[s.adopter_kind])
    targets: set[tuple[int, Any]] = set()
    merge = False
    for i, (sid, key) in enumerate(zip(sids, keys, strict=True)):
        if not key:
            bad[i] = True
            continue
        manual, directory = lookups[sid]
        # Manual mappings win over the directory (decided here, where the order is certain).
        pk = manual[key] if key in manual else directory.get(key)
        target = (sid, key if pk is None else pk)
        merge |= target in targets
        targets.add(target)
        if pk is not None:
            adopter[i] = pk
    con.register(
        "key_matches", {"i": np.arange(len(keys), dtype=np.int64), "adopter": adopter, "bad": bad}
    )
    try:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE keys AS
            SELECT k.sid, k.raw_key, k.key, CASE WHEN m.adopter >= 0 THEN m.adopter END AS adopter,
                   m.bad
            FROM keys k JOIN key_matches m USING (i)"""
        )
    finally:
        con.unregister("key_matches")
    projects = [sid for sid, s in by_pk.items() if s.adopter_kind == "projects"]
    is_project = f"d.sid IN ({', '.join(map(str, projects))})" if projects else "false"
    rows = f"""SELECT d.sid, d.day, d.pre_bad OR coalesce(k.bad, true) AS is_bad,
               CASE WHEN NOT {is_project} THEN k.adopter END AS person_id,
               CASE WHEN {is_project} THEN k.adopter END AS project_id,
               CASE WHEN k.adopter IS NULL THEN coalesce(k.key, '') ELSE '' END AS identity,
               d.nrows, d.events, d.qual, d.actions, d.acts
        FROM days d LEFT JOIN keys k ON k.sid = d.sid AND k.raw_key = d.raw_key"""
    if merge:
        # The actions of all the identities of an adopter on a day, counted once.
        union = "bit_count(bit_or(acts))" if bits else "len(list_distinct(flatten(list(acts))))"
        rows = f"""SELECT sid, day, is_bad, person_id, project_id, identity, sum(nrows) AS nrows,
                   sum(events) AS events, sum(qual) AS qual, {union} AS actions
            FROM ({rows}) GROUP BY sid, day, is_bad, person_id, project_id, identity"""
    con.execute(f"CREATE TEMP TABLE agg AS {rows}")


def _load_table(
    con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: Iterable[tuple]
) -> None:
    """Hand Python rows to DuckDB as NumPy columns (a scan of NumPy arrays: ten times quicker
    than list parameters, and it keeps pandas out: DuckDB's DataFrame scan imports it, ~2 s)."""
    listed = [list(col) for col in zip(*rows, strict=True)] or [[] for _ in columns]
    arrays = {
        column: (
            np.array(values, dtype=np.int64)
            if kind == "BIGINT" and None not in values
            else np.array(values, dtype=object)
        )
        for (column, kind), values in zip(columns.items(), listed, strict=True)
    }
    view = f"{name}_rows"
    con.register(view, arrays)
    try:
        select = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT {select} FROM {view}")  # noqa: S608
    finally:
        con.unregister(view)


def _merge_existing(con: duckdb.DuckDBPyConnection, touched: list[Service]) -> None:
    """Add mode: fold the rows already stored for the file's days into the new ones."""
    days = con.execute("SELECT sid, list(DISTINCT day) FROM matched GROUP BY sid").fetchall()
    counts = ["day", "events", "qualifying_events", "distinct_actions"]
    existing: list[tuple] = []
    for sid, service_days in days:
        for kind, (model, _) in enumerate(_KINDS):
            # As the rows of `matched`: the adopter in its kind's column, the other two unset.
            unset: list[Any] = [None, None, ""]
            for adopter, *rest in model.objects.filter(
                service_id=sid, day__in=service_days
            ).values_list(model.ADOPTER, *counts):
                columns = unset.copy()
                columns[kind] = adopter
                existing.append((sid, *columns, *rest))
    if not existing:
        return
    _load_table(
        con,
        "existing",
        {
            "sid": "BIGINT",
            "person_id": "BIGINT",
            "project_id": "BIGINT",
            "identity": "VARCHAR",
            "day": "DATE",
            "events": "BIGINT",
            "qual": "BIGINT",
            "actions": "BIGINT",
        },
        existing,
    )
    con.execute(
        """CREATE TEMP TABLE merged AS
        SELECT sid, person_id, project_id, identity, day, sum(events) AS events,
               sum(qual) AS qual, least(max(actions), 32767) AS actions
        FROM (SELECT sid, person_id, project_id, identity, day, events, qual, actions FROM matched
              UNION ALL SELECT sid, person_id, project_id, identity, day, events, qual, actions
              FROM existing)
        GROUP BY ALL"""
    )
    con.execute("CREATE OR REPLACE TEMP VIEW matched AS SELECT * FROM merged")


# The adopter kinds, in the order of `matched`'s adopter columns (person_id, project_id,
# identity): the table of each, and the test that a row of `matched` is of that kind.
_KINDS: tuple[tuple[type[DailyActivity], str], ...] = (
    (PersonActivity, "person_id IS NOT NULL"),
    (ProjectActivity, "project_id IS NOT NULL"),
    (IdentityActivity, "identity <> ''"),
)


@dataclass(frozen=True)
class _Chunk:
    """Rows of `matched` of one service and adopter kind, in its table's key order."""

    sid: int
    kind: int
    where: str
    order: str

    def select(self, columns: str) -> str:
        return f"SELECT {columns} FROM matched WHERE {self.where} ORDER BY {self.order}"  # noqa: S608


def _segments(con: duckdb.DuckDBPyConnection) -> list[tuple[int, list[int]]]:
    """Per service in `matched`, its rows of each adopter kind (in _KINDS' order)."""
    rows = con.execute(
        "SELECT sid, count(person_id), count(project_id), count(*) FILTER (WHERE identity <> '') "
        "FROM matched GROUP BY sid ORDER BY sid"
    ).fetchall()
    return [(int(sid), list(counts)) for sid, *counts in rows]


def _chunks(
    con: duckdb.DuckDBPyConnection, segments: list[tuple[int, list[int]]]
) -> Iterator[_Chunk]:
    """`matched` in the tables' key order (service, adopter, day), in chunks of about
    WRITE_BATCH rows: the B-trees are then appended to rather than written all over (several
    times quicker). People and projects are cut into ranges of ids, each sorted on its own, so
    that DuckDB sorts the next chunk while the database writes this one; identities sort on
    their text (in one chunk: a text key in the sort of every row cost DuckDB three times as
    much). `segments` is what _segments returns."""
    for sid, counts in segments:
        for kind, rows in enumerate(counts):
            if not rows:
                continue
            model, test = _KINDS[kind]
            column = model.ADOPTER
            where = f"sid = {sid} AND {test}"
            ranges = [""]
            parts = -(-rows // WRITE_BATCH)
            if kind < 2 and parts > 1:
                quantiles = ", ".join(f"{i / parts:.6f}" for i in range(1, parts))
                found = con.execute(
                    f"SELECT approx_quantile({column}, [{quantiles}]) FROM matched WHERE {where}"  # noqa: S608
                ).fetchone()[0]
                cuts = sorted({int(c) for c in found})
                ranges = [
                    f" AND {column} <= {cuts[0]}",
                    *(
                        f" AND {column} > {a} AND {column} <= {b}"
                        for a, b in itertools.pairwise(cuts)
                    ),
                    f" AND {column} > {cuts[-1]}",
                ]
            for extra in ranges:
                yield _Chunk(sid, kind, where + extra, f"{column}, day")


def _ahead(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate `items` in a thread, up to `depth` items ahead of the caller: DuckDB (which
    releases the GIL) prepares the next chunk while the database writes this one. An error
    in the thread is raised in the caller; a caller that stops early stops the thread."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not offer((True, item)):
                    return
            offer((False, None))
        except BaseException as exc:  # raised again in the caller's thread
            offer((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _write(con: duckdb.DuckDBPyConnection, progress: Progress) -> int:
    segments = _segments(con)
    total = sum(sum(counts) for _, counts in segments)
    progress("Writing", 0, total)
    chunks = list(_chunks(con, segments))  # the cuts, computed with all of DuckDB's threads
    try:
        if connection.vendor == "postgresql":
            return _copy(con, chunks, segments, total, progress)
        return _insert(con, chunks, total, progress)
    finally:
        con.execute("RESET threads")


def _prepared(
    con: duckdb.DuckDBPyConnection, items: Iterable[Any], prepare: Callable[[Any], Any]
) -> Iterator[Any]:
    """Each item prepared (sorted and fetched by DuckDB, for _ahead's thread): the first with
    all of DuckDB's threads, since the database waits for it; the others on one, beside the
    database writing the one before."""
    for i, item in enumerate(items):
        if i == 1:
            con.execute("SET threads = 1")
        yield prepare(item)


def _insert(
    con: duckdb.DuckDBPyConnection, chunks: list[_Chunk], total: int, progress: Progress
) -> int:
    """SQLite: multi-row INSERTs of each chunk's values, fetched and flattened in the thread
    of _ahead."""

    def fetch(chunk: _Chunk) -> tuple[_Chunk, list]:
        column = _KINDS[chunk.kind][0].ADOPTER
        part = con.execute(chunk.select(f"{column}, day, events, qual, actions")).fetchnumpy()
        return chunk, flat_columns(list(part.values()))

    # One multi-row INSERT per chunk, into its kind's table, with the service as a constant:
    # five values bound per row.
    done = 0
    with connection.cursor() as db, _bulk_sqlite(db):
        for chunk, values in _ahead(_prepared(con, chunks, fetch)):
            model = _KINDS[chunk.kind][0]
            head = (
                f"INSERT INTO {model._meta.db_table} (service_id, {model.ADOPTER}, day, events, "  # noqa: S608
                "qualifying_events, distinct_actions) VALUES "
            )
            row = f"({chunk.sid}, %s, %s, %s, %s, %s)"
            done += insert_rows(db, head, row, values, width=5)
            progress("Writing", done, total)
    return done


def _copy(
    con: duckdb.DuckDBPyConnection,
    chunks: list[_Chunk],
    segments: list[tuple[int, list[int]]],
    total: int,
    progress: Progress,
) -> int:
    """PostgreSQL: one COPY per chunk, prepared in the thread of _ahead while the server reads
    the one before: no Python per row. People and projects go in PostgreSQL's binary format,
    built by NumPy from DuckDB's columns (the server parses it in about two thirds of the time
    of CSV); identities as CSV written by DuckDB. A kind's table that gets more rows than it
    holds is loaded without its key, which is built again after it (see _set_aside)."""
    folder = tempfile.mkdtemp(prefix="onramp-usage-")
    done = 0
    try:
        with connection.cursor() as db:
            tables = [model._meta.db_table for model, _ in _KINDS]
            types = [pg_column_types(db.cursor, table) for table in tables]
            binary = [
                _binary_fits(t, model.ADOPTER) for t, (model, _) in zip(types, _KINDS, strict=True)
            ]
            restore: list[str] = []
            for kind, table in enumerate(tables):
                incoming = sum(counts[kind] for _, counts in segments)
                restore += _set_aside(db.cursor, table, incoming)

            def export(numbered: tuple[int, _Chunk]) -> tuple[str, Any, int]:
                number, chunk = numbered
                model = _KINDS[chunk.kind][0]
                columns = f"service_id, {model.ADOPTER}, {_COUNTS}"
                if chunk.kind < 2 and binary[chunk.kind]:
                    data, rows = _binary_chunk(con, chunk, types[chunk.kind])
                    fmt = "binary"
                else:
                    data = os.path.join(folder, f"{number}.csv")
                    select = f"sid, {model.ADOPTER}, day, events, qual, actions"
                    rows = con.execute(
                        f"COPY ({chunk.select(select)}) TO {_lit(data)} (HEADER false"
                        f"{', FORCE_QUOTE (identity)' if chunk.kind == 2 else ''})"
                    ).fetchone()[0]
                    fmt = "csv"
                statement = f"COPY {tables[chunk.kind]} ({columns}) FROM STDIN (FORMAT {fmt})"
                return statement, data, rows

            for statement, data, rows in _ahead(_prepared(con, enumerate(chunks), export)):
                with db.cursor.copy(statement) as copy:
                    if isinstance(data, bytes):
                        copy.write(PG_BINARY_HEADER)
                        copy.write(data)
                        copy.write(PG_BINARY_TRAILER)
                    else:
                        with open(data, "rb") as fh:
                            while block := fh.read(COPY_BLOCK):
                                copy.write(block)
                        os.unlink(data)
                done += rows
                progress("Writing", done, total)
            for statement in restore:
                db.execute(statement)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return done


_COUNTS = "day, events, qualifying_events, distinct_actions"
# The DuckDB type that matches each PostgreSQL one of the columns written in binary.
_DUCK_TYPES = {"bigint": "BIGINT", "integer": "INTEGER", "smallint": "SMALLINT", "date": "INTEGER"}


def _binary_fits(types: dict[str, str], adopter: str) -> bool:
    """Whether a table's columns are of the types the binary writer knows (a migration that
    changed one sends its rows as CSV instead of wrong bytes)."""
    columns = ("service_id", adopter, *_COUNTS.split(", "))
    return all(types.get(c) in PG_BINARY_TYPES for c in columns)


def _binary_chunk(
    con: duckdb.DuckDBPyConnection, chunk: _Chunk, types: dict[str, str]
) -> tuple[bytes, int]:
    """A chunk of people or projects in PostgreSQL's binary COPY format: the service, the
    adopter, then the columns of _COUNTS. DuckDB casts each value to the column's exact width
    (an out-of-range value fails there, not as a wrapped number)."""
    column = _KINDS[chunk.kind][0].ADOPTER

    def cast(expr: str, name: str) -> str:
        return f"CAST({expr} AS {_DUCK_TYPES[types[name]]})"

    day = cast("day - DATE '2000-01-01'", "day")
    part = con.execute(
        chunk.select(
            f"{cast(column, column)} AS adopter, {day} AS day, "
            f"{cast('events', 'events')} AS events, "
            f"{cast('qual', 'qualifying_events')} AS qual, "
            f"{cast('actions', 'distinct_actions')} AS actions"
        )
    ).fetchnumpy()
    rows = len(part["adopter"])
    fields = [
        (types["service_id"], chunk.sid),
        (types[column], part["adopter"]),
        (types["day"], part["day"]),
        (types["events"], part["events"]),
        (types["qualifying_events"], part["qual"]),
        (types["distinct_actions"], part["actions"]),
    ]
    return pg_binary_rows(fields, rows), rows


def _set_aside(cursor: Any, table: str, incoming: int) -> list[str]:
    """PostgreSQL, when an import brings a table more rows than it holds (the first import of
    a year of usage, or one that replaces most of it): lock the table and drop its primary key
    and unique indexes, so that COPY only appends rows (keeping the key up to date took most of
    its time); returns the statements that build them again (from the catalogue's own
    definitions, in the same transaction: nothing changes if the import fails). Returns [] and
    changes nothing for an import smaller than the table: building its key again would cost
    more than adding to it."""
    if incoming < SET_ASIDE_MIN_ROWS:
        return []
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [incoming])  # noqa: S608
    if cursor.fetchone()[0] >= incoming:
        return []
    quote = connection.ops.quote_name
    cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    # Constraints: the primary key (unless a foreign key refers to it) and unique ones.
    cursor.execute(
        """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND (c.contype = 'u' OR (c.contype = 'p'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = c.conrelid)))
        ORDER BY c.contype DESC, c.conname""",
        [table],
    )
    constraints = cursor.fetchall()
    # Indexes of no constraint.
    cursor.execute(
        """SELECT x.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
        JOIN pg_class x ON x.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY x.relname""",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    return [
        *(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {sql}" for name, sql in constraints),
        *(sql for _, sql in indexes),
    ]


COPY_BLOCK = 1 << 20
# Below this many rows an import keeps the key of PostgreSQL's table (see _set_aside).
SET_ASIDE_MIN_ROWS = 10_000


@contextlib.contextmanager
def _bulk_sqlite(db: Any) -> Iterator[None]:
    """On SQLite, while writing a large import, a 256 MB page cache: with the default 2 MB the
    keys' pages spill to the WAL over and over, several times slower. Restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    db.execute("PRAGMA cache_size")
    cache = db.fetchone()[0]
    db.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache)}")


def _summarise_unmatched(service: Service) -> None:
    """Rebuild the unmatched list of a service from its identity-keyed rows (mapped identities
    keep their mapping; their rows have moved)."""
    from django.db.models import Max, Min, Sum

    stats = (
        IdentityActivity.objects.filter(service=service)
        .values("identity")
        .annotate(events=Sum("events"), first=Min("day"), last=Max("day"))
    )
    existing = {u.identity: u for u in UnmatchedIdentity.objects.filter(service=service)}
    seen = set()
    create = []
    for row in stats:
        seen.add(row["identity"])
        u = existing.get(row["identity"])
        if u is None:
            create.append(
                UnmatchedIdentity(
                    service=service,
                    identity=row["identity"][:254],
                    events=row["events"],
                    first_day=row["first"],
                    last_day=row["last"],
                )
            )
        else:
            u.events, u.first_day, u.last_day = row["events"], row["first"], row["last"]
            u.save(update_fields=["events", "first_day", "last_day"])
    UnmatchedIdentity.objects.bulk_create(create, batch_size=2000)
    UnmatchedIdentity.objects.filter(service=service, mapped_to__isnull=True,
                                     mapped_project__isnull=True).exclude(identity__in=seen).delete()  # fmt: skip


def events_ingest(
    *,
    events: list[dict[str, Any]],
    service: Service | None = None,
    mode: str = IngestMode.ADD,
    by: Any = None,
    directory: Path,
) -> IngestResult:
    """The API's door: a batch of events as dicts, written to a JSON Lines file and imported like
    any file (same checks, same idempotence on identical batches)."""
    import json

    directory.mkdir(parents=True, exist_ok=True)
    body = "\n".join(json.dumps(e, sort_keys=True, default=str) for e in events) + "\n"
    digest = hashlib.sha256(body.encode()).hexdigest()
    path = directory / f"api-{digest[:16]}-{timezone.now():%Y%m%d%H%M%S%f}.jsonl"
    path.write_text(body, encoding="utf-8")
    try:
        return usage_ingest(
            path=path,
            service=service,
            file_name=f"API batch {digest[:12]}.jsonl",
            mode=mode,
            by=by,
            source="api",
        )
    finally:
        path.unlink(missing_ok=True)
