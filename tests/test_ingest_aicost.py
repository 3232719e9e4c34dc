"""aicost JSONL ingest: the documented example, a hypothesis round trip of
generated records (tokens, cost and times stored exactly as written), and
quarantine of bad lines with file and line. Expected figures are computed here,
by hand or in plain Python + Decimal, never by the SQL under test."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aicost_cli import db
from aicost_cli.cli import app
from aicost_cli.config import Config
from aicost_cli.errors import ExitCode
from aicost_cli.ingest.detect import Layout, detect
from aicost_cli.ingest.formats import RequestFormat
from aicost_cli.ingest.requests import ingest_requests

runner = CliRunner()
DOCS = Path(__file__).resolve().parents[1] / "docs"


def docs_example() -> list[dict[str, Any]]:
    text = (DOCS / "aicost-format.md").read_text(encoding="utf-8")
    block = re.search(r"```jsonl\n(.*?)```", text, re.S)
    assert block, "docs/aicost-format.md has no ```jsonl example"
    return [json.loads(line) for line in block.group(1).splitlines() if line.strip()]


def stored(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- the documented example --------------------------------------------------


def test_docs_example_satisfies_the_schema() -> None:
    schema = json.loads((DOCS / "aicost-operations.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == {"operation_id", "started_at"}
    example = docs_example()
    assert len(example) == 3
    for record in example:
        assert set(schema["required"]) <= set(record)
        # every key the example uses is documented in the schema
        assert set(record) <= set(schema["properties"])
        assert set(record.get("usage", {})) <= set(schema["properties"]["usage"]["properties"])
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(schema)
    for record in example:
        assert list(validator.iter_errors(record)) == []
    # and the schema rejects what the reader quarantines
    bad = dict(example[0], usage={"input_tokens": -1})
    assert list(validator.iter_errors(bad)) != []
    assert list(validator.iter_errors({"operation_id": "x"})) != []


def test_docs_example_ingests_to_the_figures_in_the_docs(tmp_path: Path) -> None:
    path = tmp_path / "example.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in docs_example()))
    result = runner.invoke(app, ["ingest", "requests", str(path), "--quiet"])
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stderr == ""
    rows = stored(
        tmp_path,
        "select operation_id, kind, is_model_call, input_tokens, cache_read_tokens, "
        "cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, "
        "estimated_cost, source_cost, pricing_status, status, attempt, started_at, "
        "conversation_id, unit_id, feature, team, user_id, prompt_version, environment, tags "
        "from operations order by started_at",
    )
    assert len(rows) == 3
    by_id = {r[0]: r for r in rows}
    claude = by_id["msg_01XFDUDYJgAACzvnptvVoYEL"]
    assert claude[1:9] == ("chat", True, 1200, 8000, 0, 2000, 650, 250)
    # 1,200 x 3.00 + 8,000 x 0.30 + 2,000 x 6.00 + 650 x 15.00 per million (see the docs)
    assert claude[9] == Decimal("0.02775")
    assert claude[10] == Decimal("0.0321")
    assert claude[11] == "priced"
    assert claude[14] == datetime(2026, 7, 2, 10, 15, 0, 250000)
    assert claude[15:22] == (
        "conv-8812",
        "conv-8812",
        "support-bot",
        "customer-experience",
        "cust-4410",
        "answer-v7",
        "prod",
    )
    assert claude[22] == {"channel": "email", "region": "eu"}
    tool = by_id["tool-7f3a"]
    assert (tool[1], tool[2], tool[9], tool[11]) == ("tool", False, None, "not_billable")
    retry = by_id["chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"]
    assert (retry[12], retry[13], retry[9]) == ("error", 2, Decimal(0))
    assert retry[14] == datetime(2026, 7, 2, 10, 15, 5, 500000)  # 1782987305.5 s


# --- hypothesis round trip -----------------------------------------------------

TOKENS = st.integers(min_value=0, max_value=50_000_000)
OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7))])


@st.composite
def timestamps(draw: st.DrawFn) -> tuple[object, datetime]:
    """A written timestamp and the naive UTC instant it means."""
    moment = draw(
        st.datetimes(
            min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 30), timezones=OFFSETS
        )
    )
    expected = moment.astimezone(UTC).replace(tzinfo=None)
    if draw(st.booleans()):
        return moment.isoformat(), expected
    micros = (expected - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    return micros, expected  # epoch microseconds as a JSON integer


@st.composite
def costs(draw: st.DrawFn) -> tuple[str | None, Decimal | None]:
    """The JSON text of a cost and its exact value (None: no cost)."""
    form = draw(st.sampled_from(["absent", "string", "number"]))
    if form == "absent":
        return None, None
    if form == "string":  # up to 1,000,000 (the plausible limit), 12 decimals, exactly
        units = draw(st.integers(min_value=0, max_value=10**18))
        value = Decimal(f"{units}E-12")  # exact (scaleb would round to 28 digits)
        return json.dumps(format(value, "f")), value
    # a JSON number: exact up to 15 significant digits
    mantissa = draw(st.integers(min_value=0, max_value=10**15 - 1))
    value = Decimal(f"{mantissa}E-{draw(st.integers(min_value=9, max_value=12))}")
    return format(value, "f"), value


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    """Lines of aicost JSONL with what each must store."""
    count = draw(st.integers(min_value=1, max_value=6))
    ids = draw(
        st.lists(
            st.text(
                alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                min_size=1,
                max_size=20,
            ).filter(lambda s: s.strip() != ""),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    lines = []
    for operation_id in ids:
        output = draw(TOKENS)
        usage = {
            "input_tokens": draw(TOKENS),
            "cache_read_tokens": draw(TOKENS),
            "cache_write_5m_tokens": draw(TOKENS),
            "cache_write_1h_tokens": draw(TOKENS),
            "output_tokens": output,
            "reasoning_tokens": draw(st.integers(min_value=0, max_value=output)),
        }
        omitted = draw(st.sets(st.sampled_from(sorted(usage))))
        if "output_tokens" in omitted:  # absent output is 0: no reasoning either
            omitted.add("reasoning_tokens")
        written_ts, started = draw(timestamps())
        cost_json, cost = draw(costs())
        feature = draw(st.one_of(st.none(), st.sampled_from(["support-bot", "search", "ünï"])))
        record: dict[str, Any] = {
            "operation_id": operation_id,
            "started_at": written_ts,
            "model": draw(st.sampled_from(["gpt-4o", "claude-sonnet-4-5", "no-such-model"])),
            "usage": {k: v for k, v in usage.items() if k not in omitted},
        }
        if feature:
            record["feature"] = feature
        line = json.dumps(record)
        if cost_json is not None:
            line = line[:-1] + f', "cost": {cost_json}}}'
        expected = {
            "operation_id": operation_id,
            "started_at": started,
            "tokens": tuple(0 if k in omitted else usage[k] for k in sorted(usage)),
            "cost": cost,
            "feature": feature,
        }
        lines.append((line, expected))
    return lines


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations())
def test_generated_records_are_stored_exactly(lines: list[tuple[str, dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ops.jsonl"
        path.write_text("".join(line + "\n" for line, _ in lines), encoding="utf-8")
        store = Path(folder) / "ops.duckdb"
        result = ingest_requests(store, [str(path)], config=Config())
        con = db.connect(store, read_only=True)
        try:
            assert result.quarantined == 0
            assert result.inserted == len(lines)
            classes = ", ".join(
                sorted(
                    [
                        "input_tokens",
                        "cache_read_tokens",
                        "cache_write_5m_tokens",
                        "cache_write_1h_tokens",
                        "output_tokens",
                        "reasoning_tokens",
                    ]
                )
            )
            rows = con.execute(
                f"select operation_id, started_at, {classes}, source_cost, feature, "
                "source_line from operations order by source_line"
            ).fetchall()
        finally:
            con.close()
    assert len(rows) == len(lines)
    for row, (_, expected) in zip(rows, lines, strict=True):
        assert row[0] == expected["operation_id"]
        assert row[1] == expected["started_at"]
        assert tuple(row[2:8]) == expected["tokens"]
        assert row[8] == expected["cost"]
        assert row[9] == expected["feature"]


# --- quarantine -------------------------------------------------------------------


def good(operation_id: str, minute: int) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "started_at": f"2026-07-02T10:{minute:02d}:00Z",
        "model": "gpt-4o",
        "usage": {"input_tokens": 1000, "output_tokens": 100},
        "feature": "search",
    }


def test_bad_lines_are_quarantined_with_file_and_line(tmp_path: Path) -> None:
    lines = [
        # first line: a bad timestamp (detection must still see aicost JSONL)
        json.dumps({**good("op-1", 1), "started_at": "last tuesday"}),
        json.dumps(good("op-2", 2)),
        "{this is not json",
        json.dumps({**good("op-4", 4), "usage": {"input_tokens": -5, "output_tokens": 1}}),
        json.dumps(good("op-5", 5)),
        json.dumps({**good("op-6", 6), "usage": {"output_tokens": 10, "reasoning_tokens": 11}}),
        json.dumps({k: v for k, v in good("op-7", 7).items() if k != "started_at"}),
        json.dumps({**good("op-8", 8), "cost": "twelve"}),
        json.dumps({**good("op-8b", 8), "cost": "1000000.000000000001"}),
        json.dumps({**good("op-9", 9), "usage": {"input_tokens": 2.5}}),
        json.dumps(good("op-10", 11)),
    ]
    path = tmp_path / "ops.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert detect(path, None).format == RequestFormat.AICOST
    assert detect(path, None).layout == Layout.NDJSON

    result = runner.invoke(app, ["ingest", "requests", str(path)])
    assert result.exit_code == ExitCode.QUARANTINED
    assert result.stdout == ""
    assert "ingested 3 operation(s)" in result.stderr
    assert "8 quarantined" in result.stderr

    q = runner.invoke(app, ["db", "quarantine", "--format", "json"])
    assert q.exit_code == ExitCode.OK, q.output
    items = json.loads(q.stdout)
    assert {i["source_file"] for i in items} == {str(path.resolve())}
    assert {i["source_format"] for i in items} == {"aicost"}
    assert [(i["source_line"], i["reason"]) for i in items] == [
        (1, "started_at is not a timestamp: last tuesday"),
        (3, "line is not valid JSON"),
        (4, "usage.input_tokens is negative: -5"),
        (6, "usage.reasoning_tokens exceeds usage.output_tokens"),
        (7, "started_at is missing"),
        (8, "cost is not a decimal amount: twelve"),
        (9, "cost is implausible for one operation (over 1000000): 1000000.000000000001"),
        (10, "usage.input_tokens is not a whole number: 2.5"),
    ]
    assert items[1]["record"] == "{this is not json"
    table = runner.invoke(app, ["db", "quarantine"])
    assert table.exit_code == ExitCode.OK
    assert "line is not valid JSON" in table.stdout

    rows = stored(tmp_path, "select operation_id, source_line from operations order by 2")
    assert rows == [("op-2", 2), ("op-5", 5), ("op-10", 11)]
    # 1,000 x 2.50 + 100 x 10.00 per million (gpt-4o list price) for each good line
    total = stored(tmp_path, "select sum(estimated_cost) from operations")[0][0]
    assert total == 3 * (1000 * Decimal("0.0000025") + 100 * Decimal("0.00001"))


def test_top_level_attribution_wins_over_tags(tmp_path: Path) -> None:
    records = [
        {**good("a", 1), "feature": "search", "tags": {"feature": "ignored", "env": "prod"}},
        {**{k: v for k, v in good("b", 2).items() if k != "feature"}, "tags": {"feature": "faq"}},
        {**good("c", 3), "is_batch": True, "service_tier": None},
        {**good("d", 4), "service_tier": "flex", "attempt": 3, "status": "failure"},
    ]
    path = tmp_path / "ops.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = runner.invoke(app, ["ingest", "requests", str(path), "--quiet"])
    assert result.exit_code == ExitCode.OK, result.output
    rows = stored(
        tmp_path,
        "select operation_id, feature, environment, service_tier, is_batch, attempt, status "
        "from operations order by operation_id",
    )
    assert rows == [
        ("a", "search", "prod", "standard", False, None, "ok"),
        ("b", "faq", None, "standard", False, None, "ok"),
        ("c", "search", None, "batch", True, None, "ok"),
        ("d", "search", None, "flex", False, 3, "error"),
    ]
    # batch halves gpt-4o: 1,000 x 1.25 + 100 x 5.00 per million
    cost = stored(tmp_path, "select estimated_cost from operations where operation_id = 'c'")
    assert cost == [(1000 * Decimal("0.00000125") + 100 * Decimal("0.000005"),)]
