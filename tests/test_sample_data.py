"""The bundled demo data (sample_data/) and its expected figures.

* regenerating it gives byte-identical files;
* expected.json adds up and tells the story ($250 in July, ~$6,250 in September);
* reading the committed files independently (plain json, gzip and decimal;
  nothing from sample_data/generate.py) gives exactly expected.json.

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
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
DATA_DIRS = ("litellm", "otel", "malformed")

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
}
MODEL_KEYS = {
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "gpt-4o": "gpt-4o",
    "o4-mini": "o4-mini",
    "text-embedding-3-small": "text-embedding-3-small",
}
MONTHS = ("2026-07-01", "2026-08-01", "2026-09-01")
FEATURES = ("support-bot", "research-agent", "unattributed")
COUNT_FIELDS = (
    "operations",
    "failed_operations",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "reasoning_tokens",
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
        timeout=120,
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
    assert differ == [], (
        f"{len(same_content)} of these differ only in their deflate stream "
        f"(this zlib is {zlib.ZLIB_RUNTIME_VERSION})"
        if same_content
        else "regenerated data differs"
    )


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
    exact = sum((Decimal(r["estimated_cost_exact"]) for r in expected["rows"]), Decimal(0))
    assert exact == Decimal(totals["estimated_cost_exact"])
    assert Decimal(totals["estimated_cost"]) == exact.quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    for r in expected["rows"]:
        assert Decimal(r["estimated_cost"]) == Decimal(r["estimated_cost_exact"]).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert r["cache_read_tokens"] + r["cache_write_tokens"] <= r["input_tokens"]
        assert r["reasoning_tokens"] <= r["output_tokens"]


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
        assert r["estimated_cost_exact"] in readme, r
        assert f"{r['units']:,}" in readme, r


def test_config_names_both_features() -> None:
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
        price = PRICES[MODEL_KEYS[model]]
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


@dataclass
class Reading:
    tallies: dict[tuple[str, str], Tally]
    litellm_ids: set[str]
    duplicate_ids: list[str]
    spans_per_trace: dict[str, int]


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
        assert usage["prompt_tokens"] == rec["prompt_tokens"]
        assert usage["prompt_tokens_details"]["cached_tokens"] == usage["cache_read_input_tokens"]
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
    return Reading(dict(tallies), set(seen), duplicates, dict(spans_per_trace))


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
