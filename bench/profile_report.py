#!/usr/bin/env python3
"""Where does a report's time go? In-process, statement by statement.

    python bench/profile_report.py DB [--report unit-economics|attribution] [--operators N]

Times the phases of `aicost report ...` in one process (imports, opening the
DB, the report function with every SQL statement timed, rendering CSV), runs
the report twice (first = cold in this process, second = warm) and, with
``--operators N``, prints the N most expensive operators of the slowest
statements (DuckDB's profiler, the data behind EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()

from aicost_cli import db as aicost_db  # noqa: E402
from aicost_cli import reports  # noqa: E402
from aicost_cli.config import load_config  # noqa: E402
from aicost_cli.output import OutputFormat, render  # noqa: E402

T_IMPORTED = time.perf_counter()

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_ingest import TimedConnection, top_operators  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument(
        "--report", choices=("unit-economics", "attribution"), default="unit-economics"
    )
    parser.add_argument("--by", default="feature,model")
    parser.add_argument("--operators", type=int, default=0)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory(prefix="aicost-profile-")
    profile_dir = Path(tmp.name) / "profiles" if args.operators else None
    t0 = time.perf_counter()
    raw = aicost_db.connect(args.db, read_only=True)
    t_connect = time.perf_counter() - t0
    if profile_dir is not None:
        profile_dir.mkdir()
        raw.execute("pragma enable_profiling = 'json'")
    config = load_config(None)
    print(f"imports {T_IMPORTED - T_START:.3f} s, connect {t_connect:.3f} s")
    for attempt in ("first", "second"):
        con = TimedConnection(raw, profile_dir)
        t0 = time.perf_counter()
        if args.report == "unit-economics":
            table = reports.unit_economics(con, config)  # type: ignore[arg-type]
        else:
            dims = reports.parse_dimensions(args.by)
            table = reports.attribution(con, config, dims)  # type: ignore[arg-type]
        t_report = time.perf_counter() - t0
        t0 = time.perf_counter()
        render(table, OutputFormat.CSV, io.StringIO(), title="", table_columns=None)
        t_render = time.perf_counter() - t0
        in_sql = sum(e["seconds"] for e in con.log)
        print(
            f"{attempt} run: report {t_report:.3f} s ({in_sql:.3f} s in {len(con.log)} SQL "
            f"calls; the last con.sql is lazy, so its execution counts as Python), "
            f"render csv {t_render:.3f} s, {table.num_rows} rows"
        )
        for entry in sorted(con.log, key=lambda e: -e["seconds"])[: args.top]:
            sql = " ".join(entry["sql"].split())
            print(f"  {entry['seconds']:7.3f} s  {sql[:140]}")
            if args.operators and entry["profile"] is not None:
                operators, memory = top_operators(entry["profile"], args.operators)
                if memory:
                    print(f"            {memory}")
                for timing, name, card in operators:
                    print(f"            {timing:7.3f} s  {name[:60]:<60} rows {card:,}")
    t0 = time.perf_counter()
    raw.close()
    print(f"close {time.perf_counter() - t0:.3f} s; total {time.perf_counter() - T_START:.3f} s")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
