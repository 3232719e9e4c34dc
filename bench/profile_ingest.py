#!/usr/bin/env python3
"""Where does `aicost ingest requests` (or `ingest billing`) spend its time? Statement by statement.

    python bench/profile_ingest.py bench/data/1m/litellm.ndjson [--db PATH] [--operators N]
    python bench/profile_ingest.py --billing bench/data/1m/cur [--db PATH] [--operators N]

Runs the real ingest code path in-process
(``aicost_cli.ingest.requests.ingest_requests``: staging in the scratch file,
then landing + build in the store) on a fresh database, with every DuckDB
connection aicost opens wrapped so that every SQL statement it issues is timed. With
``--operators N`` DuckDB's profiler (the data behind EXPLAIN ANALYZE) is on
and the N most expensive operators of each of the slowest statements are
printed. Prints phases (imports, connect, ingest, close/checkpoint) and the
slowest statements. Nothing in aicost_cli is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

T_START = time.perf_counter()

import duckdb  # noqa: E402

from aicost_cli import db as aicost_db  # noqa: E402
from aicost_cli.billing.ingest import ingest_billing  # noqa: E402
from aicost_cli.config import load_config  # noqa: E402
from aicost_cli.ingest.requests import ingest_requests  # noqa: E402

T_IMPORTED = time.perf_counter()


class TimedConnection:
    """Forwards to a DuckDB connection; times execute/executemany/sql."""

    def __init__(self, con: duckdb.DuckDBPyConnection, profile_dir: Path | None) -> None:
        self._con = con
        self._profile_dir = profile_dir
        self.log: list[dict[str, Any]] = []

    def _timed(self, kind: str, sql: str, call: Any) -> Any:
        n = len(self.log)
        profile = None
        if self._profile_dir is not None:
            profile = self._profile_dir / f"q{n:04d}.json"
            self._con.execute(f"set profiling_output = '{profile}'")
        start = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - start
        self.log.append({"n": n, "kind": kind, "sql": sql, "seconds": seconds, "profile": profile})
        return result

    def execute(self, sql: str, params: Any = None) -> Any:
        if params is None:
            return self._timed("execute", sql, lambda: self._con.execute(sql))
        return self._timed("execute", sql, lambda: self._con.execute(sql, params))

    def executemany(self, sql: str, params: Any) -> Any:
        return self._timed("executemany", sql, lambda: self._con.executemany(sql, params))

    def sql(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        return self._timed("sql", sql, lambda: self._con.sql(sql, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def __enter__(self) -> TimedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


def top_operators(profile: Path, n: int) -> tuple[list[tuple[float, str, int]], str]:
    """The n slowest operators of a DuckDB JSON profile, and its memory figures."""
    try:
        tree = json.loads(profile.read_text())
    except (OSError, ValueError):
        return [], ""
    found: list[tuple[float, str, int]] = []

    def walk(node: dict[str, Any]) -> None:
        name = node.get("type") or node.get("operator_type") or node.get("operator_name")
        timing = node.get("timing", node.get("operator_timing"))
        if name and timing is not None:
            extra = node.get("extra_info") or {}
            what = extra.get("Function") or extra.get("Table") or extra.get("Join Type") or ""
            label = f"{name} {what}".strip() if isinstance(what, str) else str(name)
            rows = int(node.get("intermediate_rows", node.get("operator_cardinality", 0)) or 0)
            found.append((float(timing), label, rows))
        for child in node.get("children", []):
            walk(child)

    for root in tree.get("operator", []) or [tree]:
        walk(root)
    found.sort(reverse=True)
    system = tree.get("system", {})
    memory = ""
    if system:
        memory = (
            f"peak buffer memory {system.get('peak_buffer_memory', 0) / 1e6:,.0f} MB, "
            f"temp dir {system.get('peak_temp_dir_size', 0) / 1e6:,.0f} MB"
        )
    return found[:n], memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--db", type=Path, default=None, help="existing DB to ingest into")
    parser.add_argument("--top", type=int, default=12, help="slowest statements shown")
    parser.add_argument("--operators", type=int, default=0, help="operators per statement")
    parser.add_argument("--billing", action="store_true", help="profile `ingest billing`")
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="aicost-profile-")
    # --db: ingest into that (existing) database, e.g. a copy of a big one; else a fresh one
    db_path = args.db or Path(tmp.name) / "profile.duckdb"
    os.environ.setdefault("AICOST_HOME", tmp.name)
    profile_dir = Path(tmp.name) / "profiles" if args.operators else None

    t0 = time.perf_counter()
    aicost_db.connect(db_path).close()
    t_connect = time.perf_counter() - t0
    if profile_dir is not None:
        profile_dir.mkdir()
    log: list[dict[str, Any]] = []
    real_connect = duckdb.connect

    def timed_connect(*cargs: Any, **ckwargs: Any) -> TimedConnection:
        raw = real_connect(*cargs, **ckwargs)
        if profile_dir is not None:
            raw.execute("pragma enable_profiling = 'json'")
        wrapped = TimedConnection(raw, profile_dir)
        wrapped.log = log  # one log over every connection of the run
        return wrapped

    duckdb.connect = timed_connect  # type: ignore[assignment]
    config = load_config(None)
    t0 = time.perf_counter()
    try:
        if args.billing:
            billed = ingest_billing(db_path, args.paths, config=config)
            summary = f"landed {billed.landed:,} bill lines, quarantined {billed.quarantined:,}"
        else:
            result = ingest_requests(db_path, args.paths, config=config)
            summary = f"inserted {result.inserted:,}, quarantined {result.quarantined:,}"
    finally:
        duckdb.connect = real_connect
    t_ingest = time.perf_counter() - t0
    in_sql = sum(e["seconds"] for e in log)
    print(summary)
    print(f"imports          {T_IMPORTED - T_START:8.3f} s")
    print(f"create+migrate   {t_connect:8.3f} s")
    print(
        f"ingest           {t_ingest:8.3f} s  ({in_sql:.3f} s in {len(log)} SQL calls, "
        f"{t_ingest - in_sql:.3f} s Python around them)"
    )
    print(f"total in-process {time.perf_counter() - T_START:8.3f} s")
    print()
    print(f"slowest {args.top} statements:")
    for entry in sorted(log, key=lambda e: -e["seconds"])[: args.top]:
        sql = " ".join(entry["sql"].split())
        share = entry["seconds"] / t_ingest * 100
        print(f"  #{entry['n']:<4} {entry['seconds']:7.3f} s {share:5.1f}%  {sql[:150]}")
        if args.operators and entry["profile"] is not None:
            operators, memory = top_operators(entry["profile"], args.operators)
            if memory:
                print(f"          {memory}")
            for timing, name, card in operators:
                print(f"          {timing:7.3f} s  {name[:60]:<60} rows {card:,}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
