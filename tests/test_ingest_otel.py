"""OTLP/JSON trace ingest: real samples (the OTLP proto example; a real
pydantic-ai trace exported by Langfuse, turned back into OTLP spans here) and
synthetic traces whose canonical rows are worked out by hand below."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
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


def ingest(*args: str) -> Any:
    return runner.invoke(app, ["ingest", "requests", *args])


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def kv(key: str, value: object) -> dict[str, object]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def span(
    trace: str,
    span_id: str,
    parent: str | None,
    name: str,
    start_s: int,
    attrs: dict[str, object],
    **extra: object,
) -> dict[str, object]:
    out: dict[str, object] = {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": str(start_s * 1_000_000_000),
        "endTimeUnixNano": str(start_s * 1_000_000_000 + 1_500_000_000),
        "attributes": [kv(k, v) for k, v in attrs.items()],
        "status": {},
    }
    if parent:
        out["parentSpanId"] = parent
    out.update(extra)
    return out


def traces_data(spans: list[dict[str, object]], service: str = "shop-api") -> dict[str, object]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [kv("service.name", service), kv("team", "web")]},
                "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}],
            }
        ]
    }


T0 = 1_783_000_000  # 2026-07-02 13:46:40 UTC
TRACE = "0af7651916cd43dd8448eb211c80319c"


def test_current_and_deprecated_names_give_the_same_canonical_row(tmp_path: Path) -> None:
    current = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.response.model": "claude-sonnet-4-5-20250929",
        "gen_ai.usage.input_tokens": 1000,  # includes the 300 read and 200 written
        "gen_ai.usage.cache_read.input_tokens": 300,
        "gen_ai.usage.cache_creation.input_tokens": 200,
        "gen_ai.usage.output_tokens": 400,
        "gen_ai.usage.reasoning.output_tokens": 150,
    }
    legacy = {
        "llm.request.type": "chat",
        "gen_ai.system": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-5",
        "gen_ai.response.model": "claude-sonnet-4-5-20250929",
        "gen_ai.usage.prompt_tokens": 1000,
        "gen_ai.usage.cache_read_input_tokens": 300,
        "gen_ai.usage.cache_creation_input_tokens": 200,
        "gen_ai.usage.completion_tokens": 400,
        "gen_ai.usage.reasoning_tokens": 150,
    }
    path = tmp_path / "traces.jsonl"
    path.write_text(
        json.dumps(traces_data([span(TRACE, "a" * 16, None, "chat", T0, current)]))
        + "\n"
        + json.dumps(traces_data([span(TRACE.replace("0", "1"), "b" * 16, None, "c", T0, legacy)]))
        + "\n"
    )
    result = ingest(str(path))
    assert result.exit_code == 0, result.output
    got = rows(
        tmp_path / "test.duckdb",
        "select kind, is_model_call, provider, model, input_tokens, cache_read_tokens, "
        "cache_write_5m_tokens, output_tokens, reasoning_tokens, started_at, latency_ms, "
        "estimated_cost from operations order by operation_id",
    )
    # uncached = 1000 - 300 - 200; Sonnet 4.5: $3 in, $15 out, $0.30 read, $3.75 5m write /M
    cost = (
        500 * Decimal("0.000003")
        + 300 * Decimal("0.0000003")
        + 200 * Decimal("0.00000375")
        + 400 * Decimal("0.000015")
    )
    expected = (
        "chat",
        True,
        "anthropic",
        "claude-sonnet-4-5-20250929",
        500,
        300,
        200,
        400,
        150,
        datetime.fromtimestamp(T0, UTC).replace(tzinfo=None),
        1500,
        cost,
    )
    assert got == [expected, expected]


def agent_trace(trace: str, root_last: bool = True) -> list[dict[str, object]]:
    root = span(
        trace,
        "1000000000000001",
        None,
        "invoke_agent planner",
        T0,
        {"gen_ai.operation.name": "invoke_agent", "feature": "trip-planner", "team": "travel"},
    )
    chat = span(
        trace,
        "1000000000000002",
        "1000000000000001",
        "chat gpt-4o",
        T0 + 1,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 2000,
            "gen_ai.usage.cache_read.input_tokens": 1024,
            "gen_ai.usage.output_tokens": 100,
        },
        kind="SPAN_KIND_CLIENT",
    )
    tool = span(
        trace,
        "1000000000000003",
        "1000000000000002",
        "execute_tool search",
        T0 + 2,
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"},
        status={"code": 2, "message": "timeout"},
    )
    return [chat, tool, root] if root_last else [root, chat, tool]


@pytest.mark.slow  # fast tier: test_rebuild's late root reaches the children
def test_tree_is_kept_and_root_attribution_reaches_every_span(tmp_path: Path) -> None:
    path = tmp_path / "otel.jsonl.gz"
    with gzip.open(path, "wt") as out:
        # the root span arrives last, in its own line, as exporters flush it
        spans = agent_trace(TRACE)
        out.write(json.dumps(traces_data(spans[:2])) + "\n")
        out.write(json.dumps(traces_data(spans[2:])) + "\n")
    result = ingest(str(path))
    assert result.exit_code == 0, result.output
    got = rows(
        tmp_path / "test.duckdb",
        "select operation_id, parent_id, kind, is_model_call, status, error_type, feature, team, "
        "unit_id, source_line, estimated_cost from operations order by operation_id",
    )
    prefix = TRACE + ":"
    gpt4o = (
        (2000 - 1024) * Decimal("0.0000025")
        + 1024 * Decimal("0.00000125")
        + 100 * Decimal("0.00001")
    )
    assert got == [
        (prefix + "1000000000000001", None, "agent", False, "ok", None, "trip-planner",
         "travel", TRACE, 2, None),
        (prefix + "1000000000000002", prefix + "1000000000000001", "chat", True, "ok", None,
         "trip-planner", "travel", TRACE, 1, gpt4o),
        (prefix + "1000000000000003", prefix + "1000000000000002", "tool", False, "error",
         "timeout", "trip-planner", "travel", TRACE, 1, None),
    ]  # fmt: skip


def test_service_name_is_the_feature_fallback_but_not_the_sdk_default(tmp_path: Path) -> None:
    attrs = {
        "gen_ai.operation.name": "embeddings",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.usage.input_tokens": 10,
    }
    path = tmp_path / "two-services.jsonl"
    path.write_text(
        json.dumps(traces_data([span("a" * 32, "a" * 16, None, "e", T0, attrs)], "billing-api"))
        + "\n"
        + json.dumps(
            traces_data([span("b" * 32, "b" * 16, None, "e", T0, attrs)], "unknown_service:python")
        )
        + "\n"
    )
    assert ingest(str(path)).exit_code == 0
    got = rows(tmp_path / "test.duckdb", "select trace_id, feature from operations order by 1")
    assert got == [("a" * 32, "billing-api"), ("b" * 32, None)]


def test_bad_lines_are_quarantined_with_their_line_and_good_spans_kept(tmp_path: Path) -> None:
    good = traces_data(agent_trace(TRACE, root_last=False))
    negative = traces_data(
        [span("c" * 32, "c" * 16, None, "chat", T0, {"gen_ai.operation.name": "chat",
              "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": -5})]
    )  # fmt: skip
    no_start = span("d" * 32, "d" * 16, None, "chat", T0, {})
    del no_start["startTimeUnixNano"]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                "{not json",
                json.dumps({"something": "else"}),
                json.dumps(negative),
                json.dumps(traces_data([no_start])),
            ]
        )
        + "\n"
    )
    result = ingest(str(path))
    assert result.exit_code == ExitCode.QUARANTINED
    db = tmp_path / "test.duckdb"
    assert rows(db, "select count(*) from operations") == [(3,)]
    quarantined = rows(db, "select source_line, reason from quarantine order by source_line")
    assert [line for line, _ in quarantined] == [2, 3, 4, 5]
    reasons = [reason for _, reason in quarantined]
    assert reasons[0] == "line is not valid JSON"
    assert reasons[1] == "no spans: not an OTLP TracesData record"
    assert reasons[2] == "input_tokens is negative: -5"
    assert reasons[3] == "startTimeUnixNano is missing"
    # re-ingesting the same file adds nothing
    again = ingest(str(path))
    assert again.exit_code == 0
    assert rows(db, "select count(*) from operations") == [(3,)]


@needs_samples()
@pytest.mark.slow  # a real sample (../shared); fast tier: the synthetic tests of the format
def test_otlp_proto_example_trace(tmp_path: Path) -> None:
    sample = SAMPLES / "requests" / "otel" / "opentelemetry-proto-examples-trace.json"
    result = ingest(str(sample), "--format", "otel")
    assert result.exit_code == 0, result.output
    got = rows(
        tmp_path / "test.duckdb",
        "select operation_id, trace_id, parent_id, operation_name, kind, is_model_call, "
        "started_at, ended_at, latency_ms, feature, source_line from operations",
    )
    assert got == [
        (
            "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b174",
            "5b8efff798038103d269b633813fc60c",
            "5b8efff798038103d269b633813fc60c:eee19b7ec3c1b173",
            "I'm a server span",
            "other",
            False,
            datetime(2018, 12, 13, 14, 51, 0),  # 1544712660 s
            datetime(2018, 12, 13, 14, 51, 1),
            1000,
            "my.service",
            1,
        )
    ]


def langfuse_to_otlp(trace: dict[str, Any]) -> dict[str, object]:
    """A Langfuse trace export turned back into the OTLP spans it came from
    (Langfuse keeps each span's original attributes in its metadata)."""

    def nanos(iso: str) -> str:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return str(int(moment.timestamp() * 1000) * 1_000_000)

    spans = []
    resource: dict[str, object] = {}
    for obs in trace["observations"]:
        meta = obs["metadata"]
        resource = meta.get("resourceAttributes", resource)
        attrs = [
            kv(k, v if isinstance(v, str | int | float | bool) else json.dumps(v))
            for k, v in meta.get("attributes", {}).items()
        ]
        item: dict[str, object] = {
            "traceId": obs["traceId"],
            "spanId": obs["id"],
            "name": obs["name"],
            "startTimeUnixNano": nanos(obs["startTime"]),
            "endTimeUnixNano": nanos(obs["endTime"]),
            "attributes": attrs,
        }
        if obs["parentObservationId"]:
            item["parentSpanId"] = obs["parentObservationId"]
        spans.append(item)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [kv(k, v) for k, v in resource.items()]},
                "scopeSpans": [{"scope": {"name": "pydantic-ai"}, "spans": spans}],
            }
        ]
    }


@needs_samples()
@pytest.mark.slow  # a real sample (../shared); fast tier: the synthetic tests of the format
def test_real_pydantic_ai_trace_keeps_the_tree_and_counts_model_calls_once(
    tmp_path: Path,
) -> None:
    source = SAMPLES / "requests" / "langfuse" / "framework-traces"
    trace = json.loads((source / "pydantic-ai-tools-2025-12-04.trace.json").read_text())
    path = tmp_path / "pydantic-ai.otlp.json"
    path.write_text(json.dumps(langfuse_to_otlp(trace), indent=2))  # one pretty document
    result = ingest(str(path))
    assert result.exit_code == 0, result.output
    generations = [o for o in trace["observations"] if o["type"] == "GENERATION"]
    db = tmp_path / "test.duckdb"
    got = rows(
        db,
        "select count(*), count(*) filter (where is_model_call), "
        "sum(input_tokens) filter (where is_model_call), "
        "sum(output_tokens) filter (where is_model_call), sum(estimated_cost), "
        "count(*) filter (where kind = 'agent'), count(*) filter (where kind = 'tool'), "
        "count(distinct trace_id) from operations",
    )
    # The agent-run spans repeat their children's usage totals: counted once.
    # Cost at gpt-4o-mini list prices ($0.15 / $0.60 per M tokens); Langfuse's
    # own float totalCost for the same generations agrees to 1e-9.
    assert got == [
        (
            len(trace["observations"]),
            len(generations),
            sum(o["usageDetails"]["input"] for o in generations),
            sum(o["usageDetails"]["output"] for o in generations),
            sum(
                o["usageDetails"]["input"] * Decimal("0.00000015")
                + o["usageDetails"]["output"] * Decimal("0.0000006")
                for o in generations
            ),
            3,
            3,
            1,
        )
    ]
    langfuse = sum(Decimal(str(o["totalCost"])) for o in generations)
    assert abs(got[0][4] - langfuse) < Decimal("1e-9")
    ids = {row[0] for row in rows(db, "select operation_id from operations")}
    parents = rows(db, "select parent_id from operations where parent_id is not null")
    assert all(parent in ids for (parent,) in parents)
    # service.name is the SDK default 'unknown_service': no feature
    assert rows(db, "select count(*) from operations where feature is not null") == [(0,)]
