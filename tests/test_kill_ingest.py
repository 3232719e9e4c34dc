"""A killed ``aicost ingest`` leaves the database as it was (README: "atomic (one
transaction per run: a killed run leaves the database as it was)").

The run is SIGKILLed at observable points of its own progress, read from
/proc/<pid>/io and the WAL file (no sleeps, no timing): once the input has been
read (staging), half-way through what a complete run writes, and right after
each commit an unkilled run makes (measured first). Every kill must leave
either the state before the run or the complete state after it, never anything
in between; a kill while staging must leave the state before."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import JULY_2, litellm_payload, payload_cost, sonnet_cost

N = 200_000

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/io").exists(), reason="needs Linux /proc/<pid>/io"
)


def write_big_file(path: Path) -> Decimal:
    """N small LiteLLM records, written by DuckDB (fast); returns their cost."""
    con = duckdb.connect()
    con.execute(
        f"""
        copy (
            select
                'big-' || i as id,
                'trace-' || (i // 4) as trace_id,
                'acompletion' as call_type,
                'success' as status,
                'anthropic' as custom_llm_provider,
                'claude-sonnet-4-5-20250929' as model,
                {JULY_2 + 7200} + i * 0.25 as startTime,
                100 + i % 900 as prompt_tokens,
                10 + i % 90 as completion_tokens,
                {{'spend_logs_metadata': {{'feature': case when i % 2 = 0 then 'bot' else 'search'
                  end}}, 'usage_object': {{'cache_read_input_tokens': 0}}}} as metadata
            from range({N}) as t(i)
        ) to '{path}' (format json)
        """
    )
    con.close()
    # independent of the SQL above: the same arithmetic in Python
    return sum((sonnet_cost(100 + i % 900, completion=10 + i % 90) for i in range(N)), Decimal(0))


@dataclass(frozen=True)
class State:
    operations: int
    ingested_files: int
    quarantine: int
    ingest_runs: int
    cost: Decimal
    operations_hash: int


def state(db: Path) -> State:
    # read-write: replays (or discards) whatever WAL the killed process left
    con = duckdb.connect(str(db))
    try:
        row = con.execute(
            "select (select count(*) from operations), (select count(*) from ingested_files), "
            "(select count(*) from quarantine), (select count(*) from ingest_runs), "
            "(select coalesce(sum(estimated_cost), 0) from operations), "
            "(select coalesce(sum(hash(operation_id, source_file, source_line, input_tokens, "
            "output_tokens, estimated_cost)), 0) from operations)"
        ).fetchone()
        assert row is not None
        return State(
            int(row[0]), int(row[1]), int(row[2]), int(row[3]), Decimal(row[4]), int(row[5])
        )
    finally:
        con.close()


@dataclass
class Probe:
    rchar: int
    wchar: int
    wal: int
    store: int  # size of the database file: it grows when a commit writes


def probe(pid: int, db: Path) -> Probe | None:
    try:
        fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    except (OSError, ValueError):
        return None
    wal = db.with_name(db.name + ".wal")
    try:
        wal_size = wal.stat().st_size
    except FileNotFoundError:
        wal_size = -1
    try:
        store_size = db.stat().st_size
    except FileNotFoundError:
        store_size = -1
    return Probe(int(fields["rchar"]), int(fields["wchar"]), wal_size, store_size)


def ingest_cmd(db: Path, path: Path) -> list[str]:
    return [sys.executable, "-m", "aicost_cli", "--db", str(db), "ingest", "requests", "-q"] + [
        str(path)
    ]


def run_until(
    db: Path, path: Path, when: Callable[[Probe], bool]
) -> tuple[int, Probe | None, Probe | None, list[int]]:
    """Start an ingest and SIGKILL it as soon as ``when`` holds (or let it finish).
    Returns the exit status, the probe that triggered the kill, the last probe, and
    the sizes the WAL grew to (DuckDB appends to the WAL when a transaction commits)."""
    proc = subprocess.Popen(
        ingest_cmd(db, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    trigger: Probe | None = None
    last: Probe | None = None
    wal_levels: list[int] = []
    give_up = time.monotonic() + 120  # a guard against a hung child, not an assertion
    try:
        while proc.poll() is None and time.monotonic() < give_up:
            current = probe(proc.pid, db)
            if current is not None:
                last = current
                if current.wal > (wal_levels[-1] if wal_levels else 0):
                    wal_levels.append(current.wal)
                if when(current):
                    proc.send_signal(signal.SIGKILL)
                    trigger = current
                    break
            time.sleep(0.001)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return proc.returncode, trigger, last, wal_levels


@pytest.mark.slow
def test_killed_ingest_leaves_the_database_as_it_was(hermetic: Path) -> None:
    big = hermetic / "big.ndjson"
    big_cost = write_big_file(big)
    size = big.stat().st_size

    # a database that already holds rows, a quarantined record and a run
    base = hermetic / "base.duckdb"
    small = hermetic / "small.ndjson"
    records = [litellm_payload(f"small-{i}", uncached=10 + i) for i in range(20)]
    small.write_text("".join(json.dumps(r) + "\n" for r in records) + "{oops\n")
    first = subprocess.run(ingest_cmd(base, small), capture_output=True, text=True, timeout=120)
    assert first.returncode == 5, first.stderr  # the quarantined line
    before = state(base)
    assert before.operations == 20 and before.quarantine == 1 and before.ingest_runs == 1
    assert before.cost == sum((payload_cost(r) for r in records), Decimal(0))

    # a run that is not killed: the state after, and how much it writes in all
    done = hermetic / "done.duckdb"
    shutil.copyfile(base, done)
    returncode, _, last, wal_levels = run_until(done, big, lambda p: False)
    assert returncode == 0 and last is not None
    after = state(done)
    assert (after.operations, after.ingested_files, after.quarantine, after.ingest_runs) == (
        20 + N,
        2,
        1,
        2,
    )
    assert after.cost == before.cost + big_cost
    written = last.wchar  # a little less than the total: the last sample before exit
    base_size = base.stat().st_size

    # Kill points by the run's own progress, not by time: once the input has been
    # read (staging), half-way through what a run writes, as soon as the store
    # file grows (the commit is writing), and right after each commit the
    # unkilled run made that left a WAL (as soon as the WAL grows past the level
    # before it): a run that commits in several steps would be caught between them.
    def after_commit(previous: int, level: int) -> Callable[[Probe], bool]:
        return lambda p: p.wal > (previous + level) // 2

    phases: dict[str, Callable[[Probe], bool]] = {
        "input read": lambda p: p.rchar > size,
        "half written": lambda p: p.wchar >= written // 2,
        # the commit writes the landed rows and the built tables into the
        # store (large commits go to the file, not only to the WAL)
        "store growing": lambda p: p.store > base_size,
    }
    for number, (previous, level) in enumerate(zip([0, *wal_levels], wal_levels, strict=False)):
        phases[f"commit {number + 1}"] = after_commit(previous, level)
    killed_before_commit = 0
    for phase, when in phases.items():
        db = hermetic / f"{phase.replace(' ', '-')}.duckdb"
        shutil.copyfile(base, db)
        returncode, trigger, _, _ = run_until(db, big, when)
        now = state(db)
        assert returncode in (0, -signal.SIGKILL), (phase, returncode)
        # never partial: all of the run or none of it
        assert now in (before, after), (phase, trigger, now)
        if now == before:
            assert returncode == -signal.SIGKILL, phase
            killed_before_commit += 1
        if phase == "input read":
            # nothing can have been committed this early
            assert returncode == -signal.SIGKILL and now == before, (phase, trigger)
    assert killed_before_commit >= 2

    # after a kill, a normal run goes through and counts every record once
    db = hermetic / "input-read.duckdb"
    again = subprocess.run(ingest_cmd(db, big), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert state(db) == after
    # and once more: the ledger knows the file
    third = subprocess.run(ingest_cmd(db, big), capture_output=True, text=True, timeout=120)
    assert third.returncode == 0, third.stderr
    assert state(db) == after
    assert os.environ["AICOST_DB"] != str(db)  # the test never touched the default database
