"""Big inputs (slow): a valid 50 MB record never aborts a run, and the
line-by-line path keeps memory flat (AICOST_MEMORY_LIMIT plus a chunk), in
real processes whose peak RSS is measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from aicost_cli.errors import ExitCode
from tests.corpus import aicost, litellm

pytestmark = pytest.mark.slow
AICOST = [sys.executable, "-m", "aicost_cli"]


def _ingest(tmp_path: Path, *paths: Path, memory: str = "1GB") -> tuple[int, str, int]:
    """Exit code, stderr and the peak RSS (MiB) of an ingest in its own process."""
    env = {
        **os.environ,
        "AICOST_DB": str(tmp_path / "x.duckdb"),
        "AICOST_HOME": str(tmp_path / "home"),
        "AICOST_MEMORY_LIMIT": memory,
    }
    script = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:]); "
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
        "sys.stderr.write(f'\\nPEAK {peak}\\n'); sys.exit(done.returncode)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *AICOST, "ingest", "requests", "-q", *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    stderr, _, peak = done.stderr.rpartition("\nPEAK ")
    return done.returncode, stderr, int(peak.strip()) // 1024


def _ids(tmp_path: Path, source: str) -> list[str]:
    con = duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True)
    try:
        rows = con.execute(f"select operation_id from land_{source} order by 1").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def test_a_valid_50_mb_record_is_kept_with_its_neighbours(tmp_path: Path) -> None:
    prompt = [{"role": "user", "content": "q" * 50_000_000}]
    with (tmp_path / "calls.jsonl").open("w") as out:
        out.write(json.dumps(litellm("first", messages=prompt)) + "\n")
        out.write(json.dumps(litellm("small")) + "\n")
        out.write(json.dumps(litellm("again", messages=prompt)) + "\n")
    (tmp_path / "one.json").write_text(json.dumps(litellm("doc", messages=prompt), indent=1))
    code, stderr, _ = _ingest(tmp_path, tmp_path / "calls.jsonl", tmp_path / "one.json")
    assert code == ExitCode.OK, stderr
    assert _ids(tmp_path, "litellm") == ["again", "doc", "first", "small"]


def test_a_whitespace_line_keeps_python_memory_flat(tmp_path: Path) -> None:
    """A whitespace-only line sends a file to the line-by-line path, which
    once read the whole file into Python (358 MB -> 1.8 GB). Now it holds one
    16 MB chunk: the peak stays far below the file's size times five."""
    path = tmp_path / "big.jsonl"
    records = 400_000
    with path.open("w") as out:
        out.write("   \n")
        for i in range(records):
            out.write(json.dumps(aicost(f"op{i}", name="n" * 300)) + "\n")
    size_mib = path.stat().st_size >> 20
    assert size_mib > 150
    code, stderr, peak = _ingest(tmp_path, path, memory="256MB")
    assert code == ExitCode.OK, stderr
    assert len(_ids(tmp_path, "aicost")) == records
    # DuckDB's 256 MB, Python and pyarrow (about 150 MB), a chunk or two:
    # well under one copy of the file plus the budget
    assert peak < 256 + 150 + size_mib, (peak, size_mib)
