"""Bedrock model invocation logs end to end: a synthetic gzip NDJSON delivery
in the AWSLogs/... layout with token classes and costs worked out by hand, and
the Panther test records (real schema, shared samples) extracted at test time."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from aicost_cli.ingest.detect import Layout, detect
from aicost_cli.ingest.formats import RequestFormat
from tests.conftest import SAMPLES, needs_samples

runner = CliRunner()

ACCOUNT = "123456789012"
HOUR = Path("AWSLogs", ACCOUNT, "BedrockModelInvocationLogs", "us-east-1", "2026", "07", "02", "10")
SSO_ARN = (
    f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_DataScience_0123456789abcdef/"
    "alice@example.com"
)
PER_MILLION = Decimal("0.000001")


def invocation(request_id: str, minute: int, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"2026-07-02T10:{minute:02d}:00Z",
        "accountId": ACCOUNT,
        "identity": {"arn": SSO_ARN},
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    }
    record.update(fields)
    return record


def synthetic_records() -> list[dict[str, Any]]:
    converse_body = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
        "stopReason": "end_turn",
        "metrics": {"latencyMs": 812},
        "usage": {
            "inputTokens": 100,
            "outputTokens": 50,
            "totalTokens": 2650,
            "cacheReadInputTokens": 2000,
            "cacheWriteInputTokens": 500,
            "cacheDetails": [{"ttl": "1h", "inputTokens": 300}, {"ttl": "5m", "inputTokens": 200}],
        },
    }
    anthropic_body = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "text", "text": "Hello"}],
        "usage": {
            "input_tokens": 40,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 1000,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1000},
            "output_tokens": 10,
        },
    }
    return [
        # 1: Converse, cache read + writes split by TTL in the body
        invocation(
            "r-converse",
            1,
            requestMetadata={
                "feature": "support-bot",
                "conversation_id": "conv-1",
                "trace_id": "tr-1",
            },
            input={
                "inputContentType": "application/json",
                "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "Hi"}]}]},
                "inputTokenCount": 100,
                "cacheReadInputTokenCount": 2000,
                "cacheWriteInputTokenCount": 500,
            },
            output={
                "outputContentType": "application/json",
                "outputBodyJson": converse_body,
                "outputTokenCount": 50,
            },
        ),
        # 2: InvokeModel (Anthropic body) without top-level counters, IAM user
        invocation(
            "r-invoke",
            2,
            operation="InvokeModel",
            modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
            identity={"arn": f"arn:aws:iam::{ACCOUNT}:user/dev/bob"},
            input={"inputContentType": "application/json", "inputBodyJson": {"messages": []}},
            output={"outputContentType": "application/json", "outputBodyJson": anthropic_body},
        ),
        # 3: an embedding model called through InvokeModel
        invocation(
            "r-embed",
            3,
            operation="InvokeModel",
            modelId="amazon.titan-embed-text-v2:0",
            input={"inputTokenCount": 12},
            output={"outputTokenCount": 0},
        ),
        # 4: a throttled call
        invocation(
            "r-throttled",
            4,
            errorCode="ThrottlingException",
            input={"inputTokenCount": 0},
            output={"outputTokenCount": 0},
        ),
        # 5: a stream (body = array of chunks) on the priority tier, in another region
        invocation(
            "r-stream",
            5,
            operation="ConverseStream",
            modelId="amazon.nova-pro-v1:0",
            inferenceRegion="us-west-2",
            serviceTier={"type": "priority"},
            input={"inputTokenCount": 1000},
            output={
                "outputTokenCount": 200,
                "outputBodyJson": [{"contentBlockDelta": {"delta": {"text": "x"}}}, {"stop": 1}],
            },
        ),
        # 6: an application inference profile (model kept as logged; not priceable)
        invocation(
            "r-profile",
            6,
            modelId=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3",
            performanceConfig={"latency": "optimized"},
            input={"inputTokenCount": 10},
            output={"outputTokenCount": 5},
        ),
        # 7-9: bad records
        invocation("r-negative", 7, input={"inputTokenCount": -4}, output={"outputTokenCount": 1}),
        {
            k: v
            for k, v in invocation(
                "r-no-time", 8, input={"inputTokenCount": 1}, output={"outputTokenCount": 1}
            ).items()
            if k != "timestamp"
        },
        invocation(
            "r-absurd", 9, input={"inputTokenCount": 1}, output={"outputTokenCount": 900000000}
        ),
    ]


def write_delivery(root: Path, records: list[dict[str, Any]]) -> Path:
    folder = root / HOUR
    folder.mkdir(parents=True)
    path = folder / f"{ACCOUNT}_BedrockModelInvocationLogs_us-east-1_20260702T1015Z_5f3a.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    # AWS writes this object when logging is set up; it is not a log
    check = root / "AWSLogs" / ACCOUNT / "BedrockModelInvocationLogs"
    (check / "amazon-bedrock-logs-permission-check").write_text("")
    return path


COLUMNS = (
    "operation_id, kind, is_model_call, provider, model, input_tokens, cache_read_tokens, "
    "cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, "
    "service_tier, status, error_type, latency_ms, started_at, feature, team, user_id, "
    "conversation_id, trace_id, tags, pricing_status, estimated_cost, source_line"
)


def stored(tmp_path: Path) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        cursor = con.execute(f"select {COLUMNS} from operations")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.close()


def classes(row: dict[str, Any]) -> tuple[int, ...]:
    return (
        row["input_tokens"],
        row["cache_read_tokens"],
        row["cache_write_5m_tokens"],
        row["cache_write_1h_tokens"],
        row["output_tokens"],
        row["reasoning_tokens"],
    )


def test_synthetic_delivery_is_detected_as_bedrock(tmp_path: Path) -> None:
    path = write_delivery(tmp_path / "bucket", synthetic_records())
    found = detect(path, None)
    assert (found.format, found.layout) == (RequestFormat.BEDROCK, Layout.NDJSON)


def test_synthetic_delivery_token_classes_costs_and_attribution(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    path = write_delivery(root, synthetic_records())
    result = runner.invoke(app, ["ingest", "requests", str(root)])
    assert result.exit_code == ExitCode.QUARANTINED, result.output
    assert result.stdout == ""
    assert "ingested 6 operation(s) from 1 file(s): 9 record(s) read" in result.stderr

    rows = stored(tmp_path)
    assert set(rows) == {
        "r-converse",
        "r-invoke",
        "r-embed",
        "r-throttled",
        "r-stream",
        "r-profile",
    }

    # 1: 100 uncached, 2,000 read, 500 written of which 300 with a 1h TTL -> 200 5m
    converse = rows["r-converse"]
    assert classes(converse) == (100, 2000, 200, 300, 50, 0)
    # 100 x 3.00 + 2,000 x 0.30 + 200 x 3.75 + 300 x 6.00 + 50 x 15.00 per million, x 1.1:
    # a us. (regional) inference profile of Sonnet 4.5 costs 10% more than the global one
    assert converse["estimated_cost"] == (
        Decimal(300 + 600 + 750 + 1800 + 750) * PER_MILLION * Decimal("1.1")
    )
    assert converse["started_at"] == datetime(2026, 7, 2, 10, 1)
    assert (converse["kind"], converse["provider"], converse["status"]) == ("chat", "bedrock", "ok")
    assert converse["model"] == "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert converse["latency_ms"] == 812
    assert converse["feature"] == "support-bot"
    assert converse["conversation_id"] == "conv-1"
    assert converse["trace_id"] == "tr-1"
    # the SSO role's permission set is the team, the session name the user
    assert (converse["team"], converse["user_id"]) == ("DataScience", "alice@example.com")
    assert converse["tags"] == {
        "identity_arn": SSO_ARN,
        "account_id": ACCOUNT,
        "region": "us-east-1",
    }

    # 2: counters from the Anthropic body: 40 uncached, 1,000 written with a 1h TTL
    invoke = rows["r-invoke"]
    assert classes(invoke) == (40, 0, 0, 1000, 10, 0)
    # 40 x 3.00 + 1,000 x 6.00 + 10 x 15.00 per million
    assert invoke["estimated_cost"] == Decimal(120 + 6000 + 150) * PER_MILLION
    assert (invoke["team"], invoke["user_id"], invoke["feature"]) == (None, "bob", None)

    embed = rows["r-embed"]
    assert (embed["kind"], embed["is_model_call"]) == ("embeddings", True)
    assert classes(embed) == (12, 0, 0, 0, 0, 0)
    assert embed["estimated_cost"] == 12 * Decimal("0.00000002")

    throttled = rows["r-throttled"]
    assert (throttled["status"], throttled["error_type"]) == ("error", "ThrottlingException")
    assert throttled["estimated_cost"] == Decimal(0)

    stream = rows["r-stream"]
    assert classes(stream) == (1000, 0, 0, 0, 200, 0)
    assert stream["service_tier"] == "priority"
    # nova-pro priority: 1,000 x 1.40 + 200 x 5.60 per million
    assert stream["estimated_cost"] == Decimal(1400 + 1120) * PER_MILLION
    assert stream["tags"]["inference_region"] == "us-west-2"

    profile = rows["r-profile"]
    assert profile["model"].endswith(":application-inference-profile/a1b2c3")
    assert (profile["pricing_status"], profile["estimated_cost"]) == ("unpriced", None)
    assert profile["tags"]["latency_mode"] == "optimized"
    assert profile["service_tier"] == "standard"

    q = runner.invoke(app, ["db", "quarantine", "--format", "json"])
    assert q.exit_code == ExitCode.OK, q.output
    items = json.loads(q.stdout)
    assert [(i["source_file"], i["source_line"], i["reason"]) for i in items] == [
        (str(path.resolve()), 7, "input.inputTokenCount is negative: -4"),
        (str(path.resolve()), 8, "timestamp is missing"),
        (
            str(path.resolve()),
            9,
            "output.outputTokenCount is absurd (over 50,000,000 tokens): 900000000",
        ),
    ]
    assert json.loads(items[0]["record"])["requestId"] == "r-negative"

    # the quarantined file is re-read line by line: good records keep their lines
    assert sorted(r["source_line"] for r in rows.values()) == [1, 2, 3, 4, 5, 6]


@pytest.mark.slow  # fast tier: the same dedupe in test_ingest_litellm (and test_rebuild)
def test_reingest_of_the_same_delivery_adds_nothing(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    write_delivery(root, synthetic_records()[:6])
    first = runner.invoke(app, ["ingest", "requests", str(root), "--quiet"])
    assert first.exit_code == ExitCode.OK, first.output
    again = runner.invoke(app, ["ingest", "requests", str(root), "--force"])
    assert again.exit_code == ExitCode.OK, again.output
    assert "6 duplicate(s) skipped" in again.stderr
    assert len(stored(tmp_path)) == 6


# --- real schema: Panther's Bedrock test records ----------------------------------


def panther_records() -> list[dict[str, Any]]:
    yaml = pytest.importorskip("yaml")
    records: list[dict[str, Any]] = []
    for path in sorted((SAMPLES / "requests" / "bedrock").glob("*.yml")):
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        records.extend(test["Log"] for test in rule["Tests"] if "Log" in test)
    return records


def _billed(record: dict[str, Any]) -> tuple[Any, ...]:
    """What a re-sent record must agree on (model, kind, tokens, status)."""
    inference = record["operation"] in ("Converse", "InvokeModel")
    return (
        record["modelId"],
        inference,
        int(record["input"].get("inputTokenCount", 0)),
        int(record["output"].get("outputTokenCount", 0)),
        record.get("errorCode"),
    )


@needs_samples()
@pytest.mark.slow  # a real sample (../shared); fast tier: the synthetic tests of the format
def test_panther_sample_records(tmp_path: Path) -> None:
    records = panther_records()
    assert records, "no Log records found in the Panther YAMLs"
    root = tmp_path / "bucket"
    write_delivery(root, records)
    result = runner.invoke(app, ["ingest", "requests", str(root)])

    # expected, from the records themselves: the first record of each requestId;
    # a later one that differs in what is billed (the rules' fixtures reuse ids
    # with other tokens or status) is reported and quarantined (exit 5)
    first: dict[str, dict[str, Any]] = {}
    changed = 0
    for record in records:
        kept = first.setdefault(record["requestId"], record)
        if kept is not record and _billed(kept) != _billed(record):
            changed += 1
    assert result.exit_code == (ExitCode.QUARANTINED if changed else ExitCode.OK), result.output
    if changed:
        assert f"{changed} re-sent record(s) differ" in result.stderr
    rows = stored(tmp_path)
    assert set(rows) == set(first)
    for request_id, record in first.items():
        row = rows[request_id]
        assert row["model"] == record["modelId"]
        assert row["provider"] == "bedrock"
        inference = record["operation"] in ("Converse", "InvokeModel")
        assert row["kind"] == ("chat" if inference else "other")
        assert row["is_model_call"] is inference
        # assumed-role/<role>/<session>
        _, role, session = record["identity"]["arn"].split(":")[-1].split("/")
        assert (row["team"], row["user_id"]) == (role, session)
        assert row["input_tokens"] == int(record["input"].get("inputTokenCount", 0))
        assert row["output_tokens"] == int(record["output"].get("outputTokenCount", 0))
        assert row["started_at"] == datetime.strptime(record["timestamp"][:19], "%Y-%m-%d %H:%M:%S")
        action = record["output"].get("outputBodyJson", {}).get("amazon-bedrock-guardrailAction")
        assert row["tags"].get("guardrail_action") == action
