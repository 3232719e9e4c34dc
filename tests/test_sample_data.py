"""The bundled demo data (sample_data/) and its expected figures.

* regenerating it gives byte-identical files;
* expected.json adds up and tells the story ($250 in July, ~$6,250 in September);
* reading the committed files independently (plain json, gzip and decimal;
  DuckDB's read_parquet for the CUR files; nothing from sample_data/generate.py)
  gives exactly expected.json, billing section included.

The aicost ingest is not exercised here; an end-to-end test compares its
reports with expected.json.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tomllib
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
DATA_DIRS = ("litellm", "otel", "malformed", "billing")

# USD per token, list prices, written out again here on purpose.
PRICES = {
    "claude-sonnet-4-5": {
        "input": Decimal("0.000003"),
        "output": Decimal("0.000015"),
        "cache_read": Decimal("0.0000003"),
        "cache_write_5m": Decimal("0.00000375"),
    },
    "gpt-4o": {
        "input": Decimal("0.0000025"),
        "output": Decimal("0.00001"),
        "cache_read": Decimal("0.00000125"),
    },
    "o4-mini": {
        "input": Decimal("0.0000011"),
        "output": Decimal("0.0000044"),
        "cache_read": Decimal("0.000000275"),
    },
    "text-embedding-3-small": {"input": Decimal("0.00000002")},
    "claude-haiku-4-5": {
        "input": Decimal("0.000001"),
        "output": Decimal("0.000005"),
        "cache_read": Decimal("0.0000001"),
        "cache_write_5m": Decimal("0.00000125"),
    },
}
#: logged model -> price key; None: self-hosted, no list price (the GPU pool's cost)
MODEL_KEYS: dict[str, str | None] = {
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "gpt-4o": "gpt-4o",
    "o4-mini": "o4-mini",
    "text-embedding-3-small": "text-embedding-3-small",
    "anthropic.claude-haiku-4-5-20251001-v1:0": "claude-haiku-4-5",
    "meta-llama/Llama-3.1-70B-Instruct": None,
}
MONTHS = ("2026-07-01", "2026-08-01", "2026-09-01")
FEATURES = ("support-bot", "research-agent", "doc-summarizer", "ticket-triage", "unattributed")
COUNT_FIELDS = (
    "operations",
    "failed_operations",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
    "unpriced_operations",
)


def data_files(root: Path) -> dict[str, Path]:
    found = {"expected.json": root / "expected.json"}
    for sub in DATA_DIRS:
        for path in sorted((root / sub).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path
    return found


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
    return data


# --------------------------------------------------------------------------
# (a) determinism


@pytest.mark.slow
def test_regenerating_gives_identical_bytes(tmp_path: Path) -> None:
    out = tmp_path / "regen"
    result = subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,  # about 30 s of CPU; much longer on a shared, busy machine
    )
    assert result.returncode == 0, result.stderr
    committed = data_files(SAMPLE)
    regenerated = data_files(out)
    assert sorted(regenerated) == sorted(committed)
    differ = [
        name
        for name, path in committed.items()
        if path.read_bytes() != regenerated[name].read_bytes()
    ]
    same_content = [
        name
        for name in differ
        if name.endswith(".gz")
        and gzip.decompress(committed[name].read_bytes())
        == gzip.decompress(regenerated[name].read_bytes())
    ]
    same_table = [
        name
        for name in differ
        if name.endswith(".parquet")
        and parquet_rows(committed[name]) == parquet_rows(regenerated[name])
    ]
    assert differ == [], (
        f"{len(same_content)} of these differ only in their deflate stream "
        f"(this zlib is {zlib.ZLIB_RUNTIME_VERSION}); {len(same_table)} parquet files "
        f"hold the same rows but other bytes (this DuckDB is {duckdb.__version__})"
        if same_content or same_table
        else "regenerated data differs"
    )


def parquet_rows(path: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect() as con:
        return con.execute(
            "select * from read_parquet(?, hive_partitioning = false)", [str(path)]
        ).fetchall()


def test_gzip_members_carry_no_timestamp_or_name() -> None:
    for name, path in data_files(SAMPLE).items():
        if name.endswith(".gz"):
            head = path.read_bytes()[:10]
            assert head[:3] == b"\x1f\x8b\x08", name
            assert head[3] & 0x08 == 0, f"{name}: file name in gzip header"
            assert head[4:8] == b"\0\0\0\0", f"{name}: mtime in gzip header"


# --------------------------------------------------------------------------
# (b) expected.json adds up and tells the story


def row(expected: dict[str, Any], month: str, feature: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = expected["rows"]
    (found,) = [r for r in rows if r["month"] == month and r["feature"] == feature]
    return found


def test_expected_has_one_row_per_month_and_feature(expected: dict[str, Any]) -> None:
    keys = [(r["month"], r["feature"]) for r in expected["rows"]]
    assert keys == [(m, f) for m in MONTHS for f in FEATURES]


def test_expected_rows_sum_to_totals(expected: dict[str, Any]) -> None:
    totals = expected["totals"]
    for name in ("units", *COUNT_FIELDS):
        assert sum(r[name] for r in expected["rows"]) == totals[name], name
    known = [r for r in expected["rows"] if r["estimated_cost_exact"] is not None]
    exact = sum((Decimal(r["estimated_cost_exact"]) for r in known), Decimal(0))
    assert exact == Decimal(totals["estimated_cost_exact"])
    assert Decimal(totals["estimated_cost"]) == exact.quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    for r in expected["rows"]:
        assert r["cache_read_tokens"] + r["cache_write_tokens"] <= r["input_tokens"]
        assert r["reasoning_tokens"] <= r["output_tokens"]
        assert r["unpriced_operations"] <= r["operations"]
        if r["estimated_cost_exact"] is None:
            # unknown, never 0: every call of the row is unpriced
            assert r["estimated_cost"] is None
            assert r["unpriced_operations"] == r["operations"] > 0, r
            continue
        assert Decimal(r["estimated_cost"]) == Decimal(r["estimated_cost_exact"]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def test_expected_tells_the_support_bot_story(expected: dict[str, Any]) -> None:
    july = row(expected, "2026-07-01", "support-bot")
    september = row(expected, "2026-09-01", "support-bot")
    assert abs(Decimal(july["estimated_cost"]) - 250) <= Decimal("5.00")  # within 2 %
    assert abs(Decimal(september["estimated_cost"]) - 6250) <= Decimal("125.00")
    assert july["units"] == 10_000
    assert row(expected, "2026-08-01", "support-bot")["units"] == 25_000
    assert september["units"] == 50_000
    # about 5,000 tokens a conversation in July, about 25,000 in September
    assert 4_500 <= (july["input_tokens"] + july["output_tokens"]) / july["units"] <= 5_500
    per_conv = (september["input_tokens"] + september["output_tokens"]) / september["units"]
    assert 23_000 <= per_conv <= 28_000
    assert september["failed_operations"] > 0 and september["cache_read_tokens"] > 0


def test_expected_prices_are_the_list_prices(expected: dict[str, Any]) -> None:
    got = {
        model: {k: Decimal(v) for k, v in p.items()}
        for model, p in expected["prices_usd_per_token"].items()
    }
    assert got == PRICES


def test_readme_quotes_the_expected_figures(expected: dict[str, Any]) -> None:
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for r in [*expected["rows"], expected["totals"]]:
        if r["estimated_cost_exact"] is not None:
            assert r["estimated_cost_exact"] in readme, r
        assert f"{r['units']:,}" in readme, r


def test_readme_tells_the_billing_story(expected: dict[str, Any]) -> None:
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")

    def cents(value: str) -> str:
        return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"

    billing = expected["billing"]
    for m in billing["models"]:
        assert cents(m["estimated_cost"]) in readme, m
        assert cents(m["billed_cost"]) in readme, m
    for pool in billing["gpu_pool"]:
        assert cents(pool["amortised_cost_net"]) in readme, pool
        assert f"{pool['served_tokens']:,}" in readme, pool
        assert f"{Decimal(pool['utilisation']) * 100:.1f} %" in readme, pool
        assert cents(pool["cost_per_1m_tokens_net"]) in readme, pool
        assert cents(pool["comparable_list_cost"]) in readme, pool
    for month in billing["months"]:
        cur = month["cur"]
        for value in (
            cur["net_unblended_cost"],
            cur["bedrock_token_usage"]["billed_cost"],
            cur["not_ai_usage"]["billed_cost"],
            cur["tax"],
            month["anthropic"]["billed_cost"],
        ):
            assert cents(value) in readme, (month["month"], value)


def test_config_names_every_feature_and_the_gpu_pool(expected: dict[str, Any]) -> None:
    config = tomllib.loads((SAMPLE / "aicost.toml").read_text(encoding="utf-8"))
    assert config["features"]["support-bot"] == {
        "owner": "support-eng",
        "unit": "conversation",
        "value_per_unit": "18.00",
    }
    assert config["features"]["research-agent"] == {
        "owner": "research",
        "unit": "trace",
        "value_per_unit": 4.5,
    }
    assert config["features"]["doc-summarizer"]["owner"] == "platform"
    assert config["features"]["ticket-triage"]["owner"] == "support-eng"
    assert {config["features"][f]["unit"] for f in ("doc-summarizer", "ticket-triage")} == {
        "request"
    }
    assert sorted(config["features"]) == sorted(f for f in FEATURES if f != "unattributed")
    (pool,) = config["capacity"]["pools"]
    want = expected["billing"]["capacity_pool"]
    assert pool["name"] == want["name"]
    assert pool["match"] == {"usage_types": want["usage_types"]}
    assert pool["models"] == want["models"]
    assert pool["capacity_tokens_per_hour"] == want["capacity_tokens_per_hour"]
    assert pool["comparable_model"] == want["comparable_model"]


# --------------------------------------------------------------------------
# (c) an independent reading of the committed files


@dataclass
class Tally:
    units: set[str] = field(default_factory=set)
    operations: int = 0
    failed_operations: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    unpriced_operations: int = 0
    cost: Decimal = Decimal(0)

    def add(
        self,
        unit: str,
        model: str,
        *,
        failed: bool,
        input_total: int,
        cache_read: int,
        cache_write: int,
        output: int,
        reasoning: int,
    ) -> Decimal:
        key = MODEL_KEYS[model]
        cost = Decimal(0)
        if key is None:
            self.unpriced_operations += 1
        else:
            price = PRICES[key]
            cost = (input_total - cache_read - cache_write) * price["input"]
            cost += cache_read * price.get("cache_read", Decimal(0))
            cost += cache_write * price.get("cache_write_5m", Decimal(0))
            cost += output * price.get("output", Decimal(0))
        self.units.add(unit)
        self.operations += 1
        self.failed_operations += failed
        self.input_tokens += input_total
        self.cache_read_tokens += cache_read
        self.cache_write_tokens += cache_write
        self.output_tokens += output
        self.reasoning_tokens += reasoning
        self.cost += cost
        return cost


#: the token classes the bills have (input = uncached input; cache_write = 5-minute writes)
TOKEN_CLASSES = ("input", "output", "cache_read", "cache_write")
#: features whose unit is the request (aicost.toml): one unit per call
REQUEST_UNIT_FEATURES = ("doc-summarizer", "ticket-triage")


@dataclass
class Reading:
    tallies: dict[tuple[str, str], Tally]
    litellm_ids: set[str]
    duplicate_ids: list[str]
    spans_per_trace: dict[str, int]
    #: LiteLLM tokens per (price key, UTC day of the start, token class, call succeeded)
    daily: dict[tuple[str | None, str, str, bool], int]


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-01"


def litellm_time(value: float | str) -> datetime:
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
    return datetime.fromtimestamp(value, tz=UTC)


def litellm_records(root: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((root / "litellm").rglob("*.ndjson.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield path.name, json.loads(line)
    for path in sorted((root / "litellm" / "s3").rglob("*.json")):
        yield path.name, json.loads(path.read_text(encoding="utf-8"))


def otel_value(value: dict[str, Any]) -> Any:
    if "intValue" in value:
        return int(value["intValue"])  # a string in OTLP/JSON, a number from some exporters
    if "arrayValue" in value:
        return [otel_value(v) for v in value["arrayValue"].get("values", [])]
    (inner,) = value.values()
    return inner


def read_committed(root: Path) -> Reading:
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    seen: dict[str, tuple[object, ...]] = {}
    duplicates: list[str] = []
    daily: dict[tuple[str | None, str, str, bool], int] = defaultdict(int)
    for name, rec in litellm_records(root):
        # what must agree between two copies of one record
        fingerprint = (
            litellm_time(rec["startTime"]),
            rec["trace_id"],
            rec["prompt_tokens"],
            rec["completion_tokens"],
            rec["response_cost"],
        )
        if rec["id"] in seen:
            assert fingerprint == seen[rec["id"]], name
            duplicates.append(rec["id"])
            continue
        seen[rec["id"]] = fingerprint
        usage = rec["metadata"]["usage_object"]
        attribution = rec["metadata"]["spend_logs_metadata"] or {}
        feature = attribution.get("feature", "unattributed")
        unit = rec.get("session_id") or rec["trace_id"]
        if feature in REQUEST_UNIT_FEATURES:
            unit = rec["id"]
        assert usage["prompt_tokens"] == rec["prompt_tokens"]
        assert usage["prompt_tokens_details"]["cached_tokens"] == usage["cache_read_input_tokens"]
        day = f"{litellm_time(rec['startTime']):%Y-%m-%d}"
        read, write = usage["cache_read_input_tokens"], usage["cache_creation_input_tokens"]
        for cls, n in zip(
            TOKEN_CLASSES,
            (rec["prompt_tokens"] - read - write, rec["completion_tokens"], read, write),
            strict=True,
        ):
            daily[(MODEL_KEYS[rec["model"]], day, cls, rec["status"] == "success")] += n
        cost = tallies[(month_of(litellm_time(rec["startTime"])), feature)].add(
            unit,
            rec["model"],
            failed=rec["status"] == "failure",
            input_total=rec["prompt_tokens"],
            cache_read=usage["cache_read_input_tokens"],
            cache_write=usage["cache_creation_input_tokens"],
            output=rec["completion_tokens"],
            reasoning=0,
        )
        # LiteLLM's own figure is the same amount, as a float
        assert rec["response_cost"] == float(cost), rec["id"]

    spans_per_trace: dict[str, int] = defaultdict(int)
    feature_of_trace: dict[str, str] = {}
    calls: list[tuple[str, str, str, bool, int, int, int, int]] = []
    span_ids: dict[str, set[str]] = defaultdict(set)
    parents: list[tuple[str, str]] = []
    for path in sorted((root / "otel").rglob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                for resource_spans in json.loads(line)["resourceSpans"]:
                    for scope_spans in resource_spans["scopeSpans"]:
                        for span in scope_spans["spans"]:
                            trace = span["traceId"]
                            assert re.fullmatch("[0-9a-f]{32}", trace)
                            assert re.fullmatch("[0-9a-f]{16}", span["spanId"])
                            spans_per_trace[trace] += 1
                            span_ids[trace].add(span["spanId"])
                            if span.get("parentSpanId"):
                                parents.append((trace, span["parentSpanId"]))
                            attrs = {a["key"]: otel_value(a["value"]) for a in span["attributes"]}
                            if "feature" in attrs:
                                feature_of_trace[trace] = attrs["feature"]
                            if attrs.get("gen_ai.operation.name") in ("chat", "embeddings"):
                                started = int(span["startTimeUnixNano"]) // 10**9
                                code = span.get("status", {}).get("code", 0)
                                calls.append(
                                    (
                                        trace,
                                        month_of(datetime.fromtimestamp(started, tz=UTC)),
                                        attrs["gen_ai.request.model"],
                                        code in (2, "STATUS_CODE_ERROR"),
                                        attrs.get("gen_ai.usage.input_tokens", 0),
                                        attrs.get("gen_ai.usage.cache_read.input_tokens", 0),
                                        attrs.get("gen_ai.usage.output_tokens", 0),
                                        attrs.get("gen_ai.usage.reasoning.output_tokens", 0),
                                    )
                                )
    assert all(parent in span_ids[trace] for trace, parent in parents)
    # attribution is on the root span only: it applies to the whole trace
    for trace, month, model, failed, input_total, cache_read, output, reasoning in calls:
        tallies[(month, feature_of_trace.get(trace, "unattributed"))].add(
            trace,
            model,
            failed=failed,
            input_total=input_total,
            cache_read=cache_read,
            cache_write=0,
            output=output,
            reasoning=reasoning,
        )
    return Reading(dict(tallies), set(seen), duplicates, dict(spans_per_trace), dict(daily))


@pytest.fixture(scope="module")
def reading() -> Reading:
    return read_committed(SAMPLE)


@pytest.mark.slow
def test_independent_reading_matches_expected(reading: Reading, expected: dict[str, Any]) -> None:
    assert sorted(reading.tallies) == sorted((m, f) for m in MONTHS for f in FEATURES)
    for r in expected["rows"]:
        tally = reading.tallies[(r["month"], r["feature"])]
        got = {name: getattr(tally, name) for name in COUNT_FIELDS}
        got["units"] = len(tally.units)
        want = {name: r[name] for name in (*COUNT_FIELDS, "units")}
        assert got == want, (r["month"], r["feature"])
        if r["estimated_cost_exact"] is None:  # unpriced: no cost, and not 0 either
            assert tally.unpriced_operations == tally.operations and tally.cost == 0
            continue
        assert tally.cost == Decimal(r["estimated_cost_exact"]), (r["month"], r["feature"])


@pytest.mark.slow
def test_s3_copies_duplicate_july_batch_records(reading: Reading) -> None:
    s3_files = sorted((SAMPLE / "litellm" / "s3").rglob("*.json"))
    assert len(s3_files) == 20
    assert len(reading.duplicate_ids) == len(s3_files)
    for path in s3_files:
        assert re.fullmatch(r"2026-07-\d\d", path.parent.name)
        assert re.fullmatch(r"time-\d\d-\d\d-\d\d-\d{6}_.+\.json", path.name)


@pytest.mark.slow
def test_research_agent_fan_out_is_heavy_tailed(reading: Reading) -> None:
    agent = [n for n in reading.spans_per_trace.values() if n > 1]
    assert min(agent) >= 5
    assert sorted(agent)[len(agent) // 2] <= 12  # median
    assert max(agent) >= 30


@pytest.mark.slow
def test_malformed_file_has_two_bad_lines_among_duplicates(
    reading: Reading, expected: dict[str, Any]
) -> None:
    info = expected["malformed"]
    lines = (SAMPLE / info["file"]).read_text(encoding="utf-8").splitlines()
    assert len(lines) == info["lines"]
    bad = {b["line"]: b for b in info["bad_lines"]}
    for number, line in enumerate(lines, start=1):
        if number in bad and "not JSON" in bad[number]["problem"]:
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
            continue
        rec = json.loads(line)
        if number in bad:
            assert rec["completion_tokens"] < 0
            assert rec["id"] not in reading.litellm_ids
        else:
            assert rec["id"] in reading.litellm_ids


# --------------------------------------------------------------------------
# (d) the billing exports, read on their own: DuckDB's read_parquet for the CUR
# 2.0 files, json for the Anthropic cost_report pages; sums in decimal

BILLING = SAMPLE / "billing"
MONTH_DAYS = {"2026-07": 31, "2026-08": 31, "2026-09": 30}
#: USD per 1K tokens: Claude Haiku 4.5 on Bedrock (list), typed in again
HAIKU_PER_1K = {
    "input": Decimal("0.001"),
    "output": Decimal("0.005"),
    "cache_read": Decimal("0.0001"),
    "cache_write": Decimal("0.00125"),
}
HAIKU_USAGE_TYPES = {
    "USE1-Claude4.5Haiku-input-tokens": "input",
    "USE1-Claude4.5Haiku-output-tokens": "output",
    "USE1-Claude4.5Haiku-cache-read-input-token-count": "cache_read",
    "USE1-Claude4.5Haiku-cache-write-input-token-count": "cache_write",
}
SONNET_PER_TOKEN = {
    "input": Decimal("0.000003"),
    "output": Decimal("0.000015"),
    "cache_read": Decimal("0.0000003"),
    "cache_write": Decimal("0.00000375"),
}
ANTHROPIC_TOKEN_TYPES = {
    "uncached_input_tokens": "input",
    "output_tokens": "output",
    "cache_read_input_tokens": "cache_read",
    "cache_creation.ephemeral_5m_input_tokens": "cache_write",
}
NET = Decimal("0.92")  # the 8 % private pricing discount on AmazonBedrock and AmazonEC2
P5_RI_HOURLY = Decimal("36.785")


def dec(value: float) -> Decimal:
    """A CUR double as the decimal it was written from (at most 15 digits)."""
    return Decimal(repr(value))


def cur_path(month: str) -> Path:
    return BILLING / "cur" / f"BILLING_PERIOD={month}" / "demo-cur2-00001.snappy.parquet"


def cur_lines(month: str) -> list[dict[str, Any]]:
    with duckdb.connect() as con:
        result = con.execute(
            "select * from read_parquet(?, hive_partitioning = false)", [str(cur_path(month))]
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def cost_report(month: str) -> dict[str, Any]:
    page: dict[str, Any] = json.loads(
        (BILLING / "anthropic" / f"cost_report_{month}.json").read_text(encoding="utf-8")
    )
    return page


def recon(expected: dict[str, Any], month: str, provider: str) -> dict[str, dict[str, Any]]:
    return {
        r["token_class"]: r
        for r in expected["billing"]["reconciliation"]
        if r["month"] == month + "-01" and r["provider"] == provider
    }


def billing_month(expected: dict[str, Any], month: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = expected["billing"]["months"]
    (found,) = [m for m in rows if m["month"] == month + "-01"]
    return found


def pool_month(expected: dict[str, Any], month: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = expected["billing"]["gpu_pool"]
    (found,) = [m for m in rows if m["month"] == month + "-01"]
    return found


def test_billing_files_are_the_expected_ones(expected: dict[str, Any]) -> None:
    files = sorted(p.relative_to(SAMPLE).as_posix() for p in BILLING.rglob("*") if p.is_file())
    listed = expected["billing"]["files"]
    assert files == sorted(
        [listed[m]["cur"]["path"] for m in MONTH_DAYS]
        + [listed[m]["anthropic"]["path"] for m in MONTH_DAYS]
    )
    assert sum(p.stat().st_size for p in BILLING.rglob("*") if p.is_file()) < 400_000


def test_cur_files_have_cur2_column_types() -> None:
    with duckdb.connect() as con:
        for month in MONTH_DAYS:
            types = dict(
                con.execute(
                    "select column_name, column_type from (describe select * from "
                    "read_parquet(?, hive_partitioning = false))",
                    [str(cur_path(month))],
                ).fetchall()
            )
            assert "bill_payer_account_name" in types  # how CUR 2.0 is told from legacy CUR
            for name, kind in types.items():
                if name in ("product", "resource_tags", "cost_category"):
                    assert kind == "MAP(VARCHAR, VARCHAR)", name
                elif name == "savings_plan_savings_plan_rate":
                    assert kind == "DOUBLE"  # the one rate that is a number
                elif name.endswith("_date") and not name.endswith("_to_date"):
                    assert kind == "TIMESTAMP", name
                elif name.endswith(("_rate", "_time", "_id", "_units", "_reservations")):
                    assert kind == "VARCHAR", name  # rates, *_time and ids are strings
                elif name.endswith(("_cost", "_amount", "_fee", "_quantity", "_value")):
                    assert kind == "DOUBLE", name
            assert types["reservation_reservation_a_r_n"] == "VARCHAR"


@pytest.mark.parametrize("month", list(MONTH_DAYS))
def test_cur_reads_back_as_expected(month: str, expected: dict[str, Any]) -> None:
    lines = cur_lines(month)
    start = datetime.fromisoformat(month + "-01")
    for line in lines:
        assert line["bill_billing_period_start_date"] == start
        assert line["bill_payer_account_id"] == "210987654321"
        assert line["line_item_currency_code"] == "USD"
        begin, end = line["line_item_usage_start_date"], line["line_item_usage_end_date"]
        assert (
            line["identity_time_interval"] == f"{begin:%Y-%m-%dT%H:%M:%S}Z/{end:%Y-%m-%dT%H:%M:%S}Z"
        )
        assert begin.strftime("%Y-%m") == month
        if line["line_item_line_item_type"] in ("Usage", "DiscountedUsage"):
            assert (end - begin).days == 1  # daily lines
        discounted = line["line_item_product_code"] in ("AmazonBedrock", "AmazonEC2")
        unblended = dec(line["line_item_unblended_cost"])
        net = dec(line["line_item_net_unblended_cost"])
        if line["line_item_line_item_type"] in ("Usage", "DiscountedUsage", "RIFee"):
            assert net == (unblended * NET if discounted else unblended), line
            rate = Decimal(line["line_item_unblended_rate"])
            assert unblended == dec(line["line_item_usage_amount"]) * rate, line
            assert Decimal(line["line_item_net_unblended_rate"]) == (
                rate * NET if discounted else rate
            )

    # Bedrock token lines, per token class: quantities are thousands of tokens
    bedrock = [
        line
        for line in lines
        if line["line_item_product_code"] == "AmazonBedrock"
        and line["line_item_line_item_type"] == "Usage"
    ]
    want = recon(expected, month, "bedrock")
    for usage_type, cls in HAIKU_USAGE_TYPES.items():
        mine = [line for line in bedrock if line["line_item_usage_type"] == usage_type]
        assert len(mine) == MONTH_DAYS[month], usage_type  # one line a day
        assert {line["pricing_unit"] for line in mine} == {"1K tokens"}
        assert {Decimal(line["line_item_unblended_rate"]) for line in mine} == {HAIKU_PER_1K[cls]}
        thousands = sum((dec(line["line_item_usage_amount"]) for line in mine), Decimal(0))
        tokens = thousands * 1000
        assert tokens == int(tokens) == want[cls]["billed_tokens"], cls
        list_cost = sum((dec(line["pricing_public_on_demand_cost"]) for line in mine), Decimal(0))
        billed = sum((dec(line["line_item_net_unblended_cost"]) for line in mine), Decimal(0))
        assert list_cost == Decimal(want[cls]["list_cost"]) == tokens * HAIKU_PER_1K[cls] / 1000
        assert billed == Decimal(want[cls]["billed_cost"]) == list_cost * NET, cls

    # the reserved GPU pool: amortised (CID formula, net columns) = hours x RI fee x 0.92
    pool = pool_month(expected, month)
    used = [line for line in lines if line["line_item_line_item_type"] == "DiscountedUsage"]
    (fee,) = [line for line in lines if line["line_item_line_item_type"] == "RIFee"]
    assert {line["line_item_usage_type"] for line in used} == {"BoxUsage:p5.48xlarge"}
    assert fee["line_item_usage_type"] == "HeavyUsage:p5.48xlarge"
    assert all(line["line_item_unblended_cost"] == 0 for line in used)
    hours = sum((dec(line["line_item_usage_amount"]) for line in used), Decimal(0))
    assert hours == pool["running_hours"]
    assert dec(fee["line_item_usage_amount"]) == pool["hours"] == 24 * MONTH_DAYS[month]
    assert dec(fee["reservation_unused_quantity"]) == pool["unused_reservation_hours"]
    amortised = sum(
        (dec(line["reservation_net_effective_cost"]) for line in used), Decimal(0)
    ) + dec(fee["reservation_net_unused_recurring_fee"])
    assert amortised == Decimal(pool["amortised_cost_net"]) == pool["hours"] * P5_RI_HOURLY * NET
    assert dec(fee["line_item_net_unblended_cost"]) == amortised  # No Upfront: billed = amortised
    assert dec(fee["line_item_unblended_cost"]) == Decimal(pool["amortised_cost"])

    # the month's totals: tax and credits are their own lines, never AI usage
    totals = billing_month(expected, month)["cur"]
    kinds = [line["line_item_line_item_type"] for line in lines]
    assert kinds.count("Tax") == kinds.count("Credit") == 1
    assert totals["rows"] == len(lines)

    def net_of(kind: str) -> Decimal:
        return sum(
            (
                dec(line["line_item_net_unblended_cost"])
                for line in lines
                if line["line_item_line_item_type"] == kind
            ),
            Decimal(0),
        )

    assert net_of("Tax") == Decimal(totals["tax"]) > 0
    assert net_of("Credit") == Decimal(totals["credits"]) < 0
    every = sum((dec(line["line_item_net_unblended_cost"]) for line in lines), Decimal(0))
    assert every == Decimal(totals["net_unblended_cost"])
    assert every == (
        Decimal(totals["bedrock_token_usage"]["billed_cost"])
        + Decimal(totals["gpu_pool"]["billed_cost"])
        + Decimal(totals["not_ai_usage"]["billed_cost"])
        + Decimal(totals["tax"])
        + Decimal(totals["credits"])
    )


@pytest.mark.parametrize("month", list(MONTH_DAYS))
def test_anthropic_cost_report_reads_back_as_expected(month: str, expected: dict[str, Any]) -> None:
    page = cost_report(month)
    assert page["has_more"] is False and page["next_page"] is None
    assert len(page["data"]) == MONTH_DAYS[month]  # daily buckets, one page a month
    cents: dict[str, Decimal] = defaultdict(Decimal)
    by_workspace: dict[str, Decimal] = defaultdict(Decimal)
    for bucket in page["data"]:
        begin = datetime.fromisoformat(bucket["starting_at"])
        assert datetime.fromisoformat(bucket["ending_at"]) - begin == timedelta(days=1)
        for result in bucket["results"]:
            assert isinstance(result["amount"], str)  # a decimal string, in cents
            assert result["currency"] == "USD" and result["cost_type"] == "tokens"
            assert result["model"] == "claude-sonnet-4-5-20250929"
            cls = ANTHROPIC_TOKEN_TYPES[result["token_type"]]
            cents[cls] += Decimal(result["amount"])
            by_workspace[result["workspace_id"]] += Decimal(result["amount"])
    want = recon(expected, month, "anthropic")
    assert sorted(cents) == sorted(want)
    for cls, amount in cents.items():
        dollars = amount / 100
        assert dollars == Decimal(want[cls]["billed_cost"]), cls
        tokens = dollars / SONNET_PER_TOKEN[cls]
        assert tokens == int(tokens) == want[cls]["billed_tokens"], cls
    totals = billing_month(expected, month)["anthropic"]
    assert sum(cents.values(), Decimal(0)) / 100 == Decimal(totals["billed_cost"])
    assert {ws: exact / 100 for ws, exact in by_workspace.items()} == {
        ws: Decimal(v) for ws, v in totals["by_workspace"].items()
    }


@pytest.mark.slow
def test_bills_against_the_logs(reading: Reading, expected: dict[str, Any]) -> None:
    """Per day and token class: what the logs say against what the bills say."""
    unlogged_days = (
        "2026-09-08",
        "2026-09-09",
        "2026-09-10",
        "2026-09-22",
        "2026-09-23",
        "2026-09-24",
    )
    eval_days = ("2026-08-20", "2026-09-03", "2026-09-17")
    workspaces = expected["billing"]["workspaces"]
    for month, days in MONTH_DAYS.items():
        # Bedrock: every logged token is billed; six September days have ~15 % more
        # input and output (a team calling Bedrock directly), with no caching
        billed: dict[tuple[str, str], int] = defaultdict(int)
        for line in cur_lines(month):
            cls = HAIKU_USAGE_TYPES.get(line["line_item_usage_type"])
            if cls is not None:
                day = f"{line['line_item_usage_start_date']:%Y-%m-%d}"
                billed[(day, cls)] += int(dec(line["line_item_usage_amount"]) * 1000)
        want = recon(expected, month, "bedrock")
        for cls in TOKEN_CLASSES:
            logged_total = 0
            for d in range(1, days + 1):
                day = f"{month}-{d:02d}"
                logged = reading.daily.get(("claude-haiku-4-5", day, cls, True), 0)
                assert reading.daily.get(("claude-haiku-4-5", day, cls, False), 0) == 0
                logged_total += logged
                if day in unlogged_days and cls in ("input", "output"):
                    assert logged * 1.13 <= billed[(day, cls)] <= logged * 1.17, (day, cls)
                else:
                    assert billed[(day, cls)] == logged, (day, cls)
            assert want[cls]["logged_tokens"] == logged_total
            assert want[cls]["unlogged_tokens"] == want[cls]["billed_tokens"] - logged_total
            price = HAIKU_PER_1K[cls] / 1000
            assert Decimal(want[cls]["estimated_cost"]) == logged_total * price

        # Anthropic: the gateway's workspace bills the successful calls only (a failed
        # attempt never produced output); the eval workspace adds three days
        gateway: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        evals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for bucket in cost_report(month)["data"]:
            day = bucket["starting_at"][:10]
            for result in bucket["results"]:
                cls = ANTHROPIC_TOKEN_TYPES[result["token_type"]]
                tokens = Decimal(result["amount"]) / 100 / SONNET_PER_TOKEN[cls]
                if result["workspace_id"] == workspaces["gateway"]:
                    gateway[(day, cls)] += tokens
                else:
                    assert result["workspace_id"] == workspaces["eval"]
                    assert day in eval_days and cls in ("input", "output")
                    evals[(day, cls)] += tokens
        want = recon(expected, month, "anthropic")
        for cls in TOKEN_CLASSES:
            ok_total = failed_total = 0
            for d in range(1, days + 1):
                day = f"{month}-{d:02d}"
                ok = reading.daily.get(("claude-sonnet-4-5", day, cls, True), 0)
                assert gateway[(day, cls)] == ok, (day, cls)
                ok_total += ok
                failed_total += reading.daily.get(("claude-sonnet-4-5", day, cls, False), 0)
            unlogged = sum((v for (_, c), v in evals.items() if c == cls), Decimal(0))
            if ok_total + failed_total + unlogged == 0:
                assert cls not in want  # nothing logged, nothing billed: no row
                continue
            assert want[cls]["logged_tokens"] == ok_total + failed_total
            assert want[cls]["logged_not_billed_tokens"] == failed_total
            assert want[cls]["unlogged_tokens"] == unlogged
            assert (
                Decimal(want[cls]["estimated_cost"])
                == (ok_total + failed_total) * SONNET_PER_TOKEN[cls]
            )

        # the estimate of the Bedrock model is doc-summarizer's
        estimated = sum(
            (Decimal(r["estimated_cost"]) for r in recon(expected, month, "bedrock").values()),
            Decimal(0),
        )
        assert estimated == reading.tallies[(month + "-01", "doc-summarizer")].cost

        # the GPU pool served ticket-triage's tokens
        pool = pool_month(expected, month)
        triage = reading.tallies[(month + "-01", "ticket-triage")]
        assert pool["operations"] == triage.operations == triage.unpriced_operations
        served = triage.input_tokens + triage.output_tokens
        assert pool["served_tokens"] == served
        capacity = pool["capacity_tokens_per_hour"] * 24 * days
        assert pool["capacity_tokens"] == capacity
        assert Decimal(pool["utilisation"]) == (Decimal(served) / capacity).quantize(
            Decimal("0.000001"), rounding=ROUND_HALF_UP
        )
        assert Decimal("0.30") <= Decimal(pool["utilisation"]) <= Decimal("0.60")
