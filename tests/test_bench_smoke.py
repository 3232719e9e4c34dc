"""The benchmark cannot rot: generator + runner at 10k operations.

No wall-clock assertions: only that every row of the table is produced with a
plausible figure, and that aicost stores exactly the generated operations.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUNNER = REPO / "bench" / "run.py"
COMMITTED_RESULTS = REPO / "bench" / "RESULTS.md"

#: every row the runner must produce (the table of issue 3)
EXPECTED_ROWS = {
    "ingest.litellm",
    "check.litellm_ops",
    "rss.litellm",
    "db.size",
    "report.unit_economics.warm",
    "report.unit_economics.cold",
    "check.unit_economics",
    "report.attribution.warm",
    "report.attribution.cold",
    "ceiling.litellm",
    "ratio.litellm",
    "ingest.otel",
    "check.otel_ops",
    "rss.otel",
    "ceiling.otel",
    "ratio.otel",
    "db.size_otel",
    "ingest.billing",
    "ceiling.billing",
    "ratio.billing",
    "pandas.litellm",
    "ratio.pandas",
    "startup.version",
    "startup.db_path",
    "startup.help",
    "incr.new",
    "incr.reingest",
    "incr.reingest_force",
}

#: rows allowed to be n/a (none: every figure is measured)
MAY_BE_NA: set[str] = set()


@pytest.mark.slow
def test_bench_runs_at_10k(tmp_path: Path) -> None:
    before = COMMITTED_RESULTS.read_bytes() if COMMITTED_RESULTS.exists() else None
    results_md = tmp_path / "RESULTS.md"
    results_json = tmp_path / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "--size",
            "10k",
            "--repeat",
            "1",
            "--incr-ops",
            "1k",
            "--data-dir",
            str(tmp_path / "data"),
            "--work-dir",
            str(tmp_path / "work"),
            "--results",
            str(results_md),
            "--json",
            str(results_json),
            "--idle-wait",
            "0",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    data = json.loads(results_json.read_text())
    rows = {row["key"]: row for row in data["rows"]}
    assert set(rows) == EXPECTED_ROWS, sorted(set(rows) ^ EXPECTED_ROWS)
    for key, row in rows.items():
        if row["status"] == "n/a":
            assert key in MAY_BE_NA, f"{key} could not be measured: {row['detail']}"
            continue
        value = row["value"]
        assert value is not None and math.isfinite(value) and value > 0, (key, row)

    # aicost stores exactly what was generated, nothing quarantined
    manifest = data["manifest"]
    litellm = rows["check.litellm_ops"]
    assert litellm["status"] == "pass", litellm["detail"]
    assert litellm["value"] == manifest["litellm"]["records"] == 10_000
    otel = rows["check.otel_ops"]
    assert otel["status"] == "pass", otel["detail"]
    assert otel["value"] == manifest["otel"]["spans"] == 10_000
    assert rows["ingest.litellm"]["extra"]["quarantined"] == 0
    assert rows["ingest.otel"]["extra"]["quarantined"] == 0
    assert rows["check.unit_economics"]["status"] == "pass"
    assert "totals match" in rows["pandas.litellm"]["detail"]
    assert "inserted 1,000" in rows["incr.new"]["detail"]

    # the generated files have the promised shapes and sizes
    lit = tmp_path / "data" / "litellm.ndjson"
    first = json.loads(lit.open().readline())
    for key in (
        "id",
        "trace_id",
        "session_id",
        "call_type",
        "startTime",
        "endTime",
        "model",
        "custom_llm_provider",
        "prompt_tokens",
        "completion_tokens",
        "response_cost",
        "metadata",
        "request_tags",
    ):
        assert key in first
    assert "usage_object" in first["metadata"]
    assert 900 <= manifest["litellm"]["bytes"] / 10_000 <= 1600
    span_line = json.loads((tmp_path / "data" / "otel.jsonl").open().readline())
    assert span_line["resourceSpans"][0]["scopeSpans"][0]["spans"]
    assert manifest["cur"]["rows"] == 10_000

    # the section went to the given RESULTS path, not to the committed file
    text = results_md.read_text()
    assert "<!-- bench:10k:begin -->" in text and "| metric |" in text
    after = COMMITTED_RESULTS.read_bytes() if COMMITTED_RESULTS.exists() else None
    assert after == before
