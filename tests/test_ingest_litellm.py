"""LiteLLM ingest end to end through the CLI, with figures computed here
independently (plain Python + Decimal over the records we wrote)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from tests.conftest import SAMPLES, needs_samples

runner = CliRunner()

# Anthropic list prices (USD per token) for claude-sonnet-4-5, as bundled.
SONNET = {
    "input": Decimal("0.000003"),
    "output": Decimal("0.000015"),
    "cache_read": Decimal("0.0000003"),
    "cache_write": Decimal("0.00000375"),
}


def make_records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        cache_read = rng.choice([0, 0, 1024])
        cache_write = rng.choice([0, 0, 0, 512])
        uncached = rng.randint(10, 4000)
        feature = rng.choice(["support-bot", "search", None])
        meta: dict[str, Any] = {"user_api_key_team_alias": rng.choice(["team-a", "team-b"])}
        if feature:
            meta["spend_logs_metadata"] = {"feature": feature, "prompt_version": "v2"}
        meta["usage_object"] = {
            "prompt_tokens": uncached + cache_read + cache_write,
            "completion_tokens": 100,
            "cache_read_input_tokens": cache_read,
            "cache_creation_input_tokens": cache_write,
        }
        records.append(
            {
                "id": f"chatcmpl-{i}",
                "trace_id": f"trace-{i // 3}",
                "call_type": "acompletion",
                "status": "success",
                "custom_llm_provider": "anthropic",
                "startTime": 1783000000 + i * 60,  # 2026-07-02
                "endTime": 1783000000 + i * 60 + 1.5,
                "model": "claude-sonnet-4-5-20250929",
                "response_cost": 0.01,
                "prompt_tokens": uncached + cache_read + cache_write,
                "completion_tokens": rng.randint(1, 900),
                "metadata": meta,
                "request_tags": ["env:prod"],
                "end_user": f"user-{i % 5}",
            }
        )
    return records


def expected_cost(records: list[dict[str, Any]]) -> Decimal:
    total = Decimal(0)
    for rec in records:
        usage = rec["metadata"]["usage_object"]
        read = Decimal(usage["cache_read_input_tokens"])
        write = Decimal(usage["cache_creation_input_tokens"])
        uncached = Decimal(rec["prompt_tokens"]) - read - write
        total += (
            uncached * SONNET["input"]
            + read * SONNET["cache_read"]
            + write * SONNET["cache_write"]
            + Decimal(rec["completion_tokens"]) * SONNET["output"]
        )
    return total


def write_ndjson(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_ingest_and_report_match_independent_figures(tmp_path: Path) -> None:
    records = make_records(300)
    write_ndjson(tmp_path / "batch-1.ndjson", records)
    result = runner.invoke(app, ["ingest", "requests", str(tmp_path / "batch-1.ndjson"), "--quiet"])
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout == ""

    out = runner.invoke(app, ["report", "attribution", "--by", "feature", "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    by_feature = {row["feature"]: row for row in rows}
    assert set(by_feature) == {"support-bot", "search", "unattributed"}
    for feature in ("support-bot", "search"):
        mine = [
            r
            for r in records
            if r["metadata"].get("spend_logs_metadata", {}).get("feature") == feature
        ]
        assert int(by_feature[feature]["operations"]) == len(mine)
        assert Decimal(by_feature[feature]["estimated_cost"]) == expected_cost(mine)
    total = sum(Decimal(r["estimated_cost"]) for r in rows)
    assert total == expected_cost(records)

    ue = runner.invoke(app, ["report", "unit-economics", "--format", "json"])
    assert ue.exit_code == 0, ue.output
    data = json.loads(ue.stdout)
    assert sum(Decimal(str(r["estimated_cost"])) for r in data) == expected_cost(records)
    assert sum(r["operations"] for r in data) == 300
    bot = next(r for r in data if r["feature"] == "support-bot")
    bot_records = [
        r
        for r in records
        if r["metadata"].get("spend_logs_metadata", {}).get("feature") == "support-bot"
    ]
    assert bot["units"] == len({r["trace_id"] for r in bot_records})
    assert bot["period_start"] == "2026-07-01T00:00:00Z"


@pytest.mark.slow  # fast tier: test_rebuild's id re-sent days later, the corpus's re-sent id
def test_reingest_adds_nothing_and_duplicates_across_layouts_are_skipped(tmp_path: Path) -> None:
    records = make_records(50)
    write_ndjson(tmp_path / "batch.ndjson", records)
    # the same payloads again, as the S3 logger writes them: one object per file
    s3 = tmp_path / "s3" / "2026-07-02"
    s3.mkdir(parents=True)
    for rec in records[:10]:
        (s3 / f"time-00-00-00-000000_{rec['id']}.json").write_text(json.dumps(rec, indent=2))
    assert runner.invoke(app, ["ingest", "requests", str(tmp_path / "batch.ndjson")]).exit_code == 0
    again = runner.invoke(app, ["ingest", "requests", str(tmp_path)])
    assert again.exit_code == 0, again.output
    assert "10 duplicate(s) skipped" in again.stderr
    assert "1 unchanged file(s) skipped" in again.stderr
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    assert con.execute("select count(*) from operations").fetchall() == [(50,)]
    con.close()


@pytest.mark.slow  # fast tier: test_ingest_aicost's bad lines, the corpus, test_parsers_hypothesis
def test_malformed_lines_are_quarantined_with_line_numbers(tmp_path: Path) -> None:
    records = make_records(20)
    lines = [json.dumps(r) for r in records]
    lines[4] = "{not json"
    bad = dict(records[9])
    bad["completion_tokens"] = -3
    lines[9] = json.dumps(bad)
    (tmp_path / "gw.jsonl").write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["ingest", "requests", str(tmp_path / "gw.jsonl")])
    assert result.exit_code == ExitCode.QUARANTINED
    assert "18 operation(s)" in result.stderr
    q = runner.invoke(app, ["db", "quarantine", "--format", "json"])
    assert q.exit_code == 0
    items = json.loads(q.stdout)
    assert [(i["source_line"], i["reason"]) for i in items] == [
        (5, "line is not valid JSON"),
        (10, "completion_tokens is negative: -3"),
    ]
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    lines_in_db = con.sql("select source_line from operations order by source_line").fetchall()
    con.close()
    assert [r[0] for r in lines_in_db] == [n for n in range(1, 21) if n not in (5, 10)]


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", "requests", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout == ""
    assert result.stderr.startswith("aicost: error: ")
    assert "Traceback" not in result.stderr


def test_report_on_missing_db_is_a_clear_error() -> None:
    result = runner.invoke(app, ["report", "unit-economics"])
    assert result.exit_code == ExitCode.DATABASE
    assert "does not exist yet" in result.stderr


@needs_samples()
@pytest.mark.slow  # a real sample (../shared); fast tier: the synthetic tests of the format
def test_real_litellm_samples() -> None:
    folder = SAMPLES / "requests" / "litellm"
    result = runner.invoke(
        app,
        [
            "ingest",
            "requests",
            str(folder / "standard_logging_payload.json"),
            str(folder / "spend_logs_payload.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    out = runner.invoke(app, ["report", "attribution", "--by", "model", "--format", "json"])
    data = json.loads(out.stdout)
    # both samples: gpt-4o, 10 prompt + 20 completion tokens at 2.50 / 10.00 per 1M
    assert data == [
        {
            "model": "gpt-4o",
            "operations": 2,
            "units": 2,
            "unpriced_operations": 0,
            "unpriced_source_cost": None,
            "estimated_cost": data[0]["estimated_cost"],
            "share": data[0]["share"],
            # no bill loaded: no allocated cost, the estimate is the basis
            "allocated_cost": None,
            "basis": "estimated",
            "cost": data[0]["estimated_cost"],  # the best known cost: the estimate
            "currency": "USD",
        }
    ]
    assert Decimal(str(data[0]["estimated_cost"])) == 2 * (
        10 * Decimal("0.0000025") + 20 * Decimal("0.00001")
    )


@pytest.mark.parametrize("chunk_size", [7, 64, 1 << 24])
@pytest.mark.parametrize("suffix", [".ndjson", ".ndjson.gz"])
@pytest.mark.parametrize("trailing_newline", [True, False])
def test_pick_lines_finds_lines_across_chunk_boundaries(
    tmp_path: Path, chunk_size: int, suffix: str, trailing_newline: bool
) -> None:
    from aicost_cli.ingest.lines import pick_lines

    lines = [f'{{"n": {i}, "pad": "{"x" * (i % 13)}"}}' for i in range(1, 2001)]
    lines[99] = '{"n": 100, "crlf": true}\r'
    data = ("\n".join(lines) + ("\n" if trailing_newline else "")).encode()
    path = tmp_path / f"lines{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    wanted = [1, 2, 100, 999, 1000, 1999, 2000]
    table = pick_lines(path, wanted, chunk_size)
    numbers, texts = table.column("line_no").to_pylist(), table.column("line").to_pylist()
    got = list(zip(numbers, texts, strict=True))
    assert got == [(n, lines[n - 1].removesuffix("\r")) for n in wanted]


@pytest.mark.slow  # fast tier: the big .gz file below (the same streamed careful path)
def test_big_streamed_file_keeps_good_rows_and_quarantines_the_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aicost_cli.ingest.requests as requests_module
    import aicost_cli.ingest.stager as stager_module

    monkeypatch.setattr(requests_module, "BATCH_BYTES", 1)  # every file is "big"
    monkeypatch.setattr(stager_module, "BATCH_BYTES", 1)
    records = make_records(300)
    body = [json.dumps(r) for r in records]
    body.insert(150, '{"id": "broken", "startTime": ')
    body.insert(200, json.dumps({**records[0], "id": "neg", "completion_tokens": -3}))
    path = tmp_path / "big.ndjson"
    path.write_text("\n".join(body) + "\n")
    result = runner.invoke(app, ["ingest", "requests", str(path)])
    assert result.exit_code == ExitCode.QUARANTINED, result.output
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*), sum(estimated_cost) from operations").fetchall() == [
            (300, expected_cost(records))
        ]
        # a good record's line: record 151 sits on line 152 (after the broken line)
        assert con.execute(
            "select source_line from operations where operation_id = ?", [records[150]["id"]]
        ).fetchall() == [(152,)]
        assert con.execute(
            "select source_line, reason from quarantine order by source_line"
        ).fetchall() == [
            (151, "line is not valid JSON"),
            (201, "completion_tokens is negative: -3"),
        ]
    finally:
        con.close()


@pytest.mark.slow
def test_big_streamed_file_read_on_all_cores_keeps_every_line_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed file is read in parallel chunks (about 32 MB each) and staged
    in file order: every good record keeps its own line and every bad line is
    quarantined at its line, whichever chunk they fall in."""
    import aicost_cli.ingest.requests as requests_module
    import aicost_cli.ingest.stager as stager_module

    monkeypatch.setattr(requests_module, "BATCH_BYTES", 1)  # every file is "big"
    monkeypatch.setattr(stager_module, "BATCH_BYTES", 1)
    ordinality = []
    real = stager_module.Stager._stage_with_ordinality

    def spy(self: stager_module.Stager, *args: Any) -> None:
        ordinality.append(args)
        real(self, *args)

    monkeypatch.setattr(stager_module.Stager, "_stage_with_ordinality", spy)
    records = make_records(8_000)
    padding = "x" * 11_000  # a field aicost does not read: ~90 MB, three chunks and more
    lines = [json.dumps({**r, "messages": padding}) for r in records]
    bad_at = {300: '{"id": "broken", "startTime": ', 3_001: "[1, 2]", 5_800: "not json"}
    for index in sorted(bad_at):
        lines.insert(index, bad_at[index])
    path = tmp_path / "big.ndjson"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["ingest", "requests", str(path)])
    assert result.exit_code == ExitCode.QUARANTINED, result.output
    assert ordinality == []  # the parallel in-order path staged it
    expected = {
        line.split('"', 4)[3]: number
        for number, line in enumerate(lines, start=1)
        if line.startswith('{"id": "chatcmpl-')
    }
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        got = dict(con.execute("select operation_id, source_line from operations").fetchall())
        assert got == expected
        assert [
            row[0]
            for row in con.execute(
                "select source_line from quarantine order by source_line"
            ).fetchall()
        ] == [index + 1 for index in sorted(bad_at)]
    finally:
        con.close()


def test_service_tier_and_error_class_come_from_their_objects(tmp_path: Path) -> None:
    record = {
        "id": "x1",
        "call_type": "acompletion",
        "model": "gpt-4o",
        "startTime": 1783000000,
        "status": "failure",
        "prompt_tokens": 10,
        "completion_tokens": 0,
        "model_parameters": {"service_tier": "flex", "temperature": 0.2},
        "error_information": {"error_class": "RateLimitError", "error_code": "429"},
        "hidden_params": {"additional_headers": {"x": "y" * 5000}},
    }
    path = tmp_path / "one.ndjson"
    path.write_text(json.dumps(record) + "\n")
    assert runner.invoke(app, ["ingest", "requests", str(path)]).exit_code == ExitCode.OK
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        assert con.execute(
            "select service_tier, is_batch, status, error_type from operations"
        ).fetchall() == [("flex", False, "error", "RateLimitError")]
    finally:
        con.close()


def test_big_gzip_file_with_blank_and_bad_lines_quarantines_the_right_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A streamed .gz is not checked for blank lines, so its ordinals may not be
    its lines: the bad line must still be quarantined with its own line and
    text (whole-file careful path), never swapped for a neighbour."""
    import aicost_cli.ingest.requests as requests_module
    import aicost_cli.ingest.stager as stager_module

    monkeypatch.setattr(requests_module, "BATCH_BYTES", 1)  # every file is "big"
    monkeypatch.setattr(stager_module, "BATCH_BYTES", 1)
    records = make_records(50)
    body = [json.dumps(r) for r in records]
    body.insert(10, "")  # a blank line shifts ordinals against lines
    body.insert(30, '{"id": "broken", "startTime": ')
    path = tmp_path / "big.ndjson.gz"
    path.write_bytes(gzip.compress(("\n".join(body) + "\n").encode()))
    result = runner.invoke(app, ["ingest", "requests", str(path)])
    assert result.exit_code == ExitCode.QUARANTINED, result.output
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from operations").fetchall() == [(50,)]
        assert con.execute("select source_line, record from quarantine").fetchall() == [
            (31, '{"id": "broken", "startTime": ')
        ]
    finally:
        con.close()
