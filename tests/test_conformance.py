"""Conformance: telemetry written by real client libraries, counted as they mean it.

The fixtures under tests/fixtures/conformance/<library>-<version>/ were recorded
by conformance/record.sh: the real libraries (versions in each manifest.json)
talked to a fake provider on 127.0.0.1 that billed chosen usage, and what they
logged or exported was written as is. Here every data file is ingested with the
real CLI and every call the server billed is checked against the `operations`
table: each token class, the estimated cost (from the list rates written out
below, not from the SQL under test), the attribution (feature, user), the unit
of work (the conversation: every call of it is one unit, whichever spans of the
trace carry the conversation id) and that it is counted once.

Some libraries cannot carry what the provider billed (a dropped counter): those
calls are listed in KNOWN_WRONG with the reason (docs/schema.md, "What client
telemetry cannot carry"); the test fails if one of them becomes right (update
the list) or if any other call is wrong.

`python -m tests.test_conformance` prints the conformance table.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "conformance"

Rates = dict[str, Decimal]

#: list rates, USD per token (provider price pages; the same figures as LiteLLM's
#: model_prices_and_context_window.json 1.109.1): written out here on purpose.
GPT_5_MINI: Rates = {
    "input": Decimal("0.00000025"),
    "cache_read": Decimal("0.000000025"),
    "output": Decimal("0.000002"),
}
SONNET_4_5: Rates = {
    "input": Decimal("0.000003"),
    "cache_read": Decimal("0.0000003"),
    "cache_write_5m": Decimal("0.00000375"),
    "cache_write_1h": Decimal("0.000006"),
    "output": Decimal("0.000015"),
}
#: Bedrock regional (geography) inference profiles of Claude Sonnet 4.5 and later
#: cost 10% more than the global profile and Anthropic's API.
SONNET_4_5_REGIONAL: Rates = {name: rate * Decimal("1.1") for name, rate in SONNET_4_5.items()}

RATES_BY_MODEL: dict[str, Rates] = {
    "gpt-5-mini": GPT_5_MINI,
    "claude-sonnet-4-5-20250929": SONNET_4_5,
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0": SONNET_4_5,
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0": SONNET_4_5_REGIONAL,
}

CLASSES = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
COLUMNS = {
    "input": "input_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write_5m": "cache_write_5m_tokens",
    "cache_write_1h": "cache_write_1h_tokens",
    "output": "output_tokens",
    "reasoning": "reasoning_tokens",
}

#: (source, call) -> why the library's telemetry cannot give the billed figures.
#: A source is "<fixture folder>/<data file>".
_OPENAI_V2 = (
    "opentelemetry-instrumentation-openai-v2 2.4b0 exports no cached-token or reasoning "
    "count: cached input is priced as uncached input"
)
_BOTOCORE_TTL = (
    "opentelemetry-instrumentation-botocore 0.66b2 exports Converse cache writes without "
    "the TTL split (cacheDetails): 1-hour writes are priced as 5-minute writes"
)
_BOTOCORE_INVOKE = (
    "opentelemetry-instrumentation-botocore 0.66b2 exports no cache counts for "
    "InvokeModel (Anthropic body): cache reads and writes are missing"
)
_OPENLLMETRY_BEDROCK = (
    "OpenLLMetry bedrock 0.62.4 exports cache writes without the TTL split (1-hour "
    "writes priced as 5-minute writes) and model ids without the inference-profile "
    "prefix (us./global. dropped: a regional profile is priced at the global rate)"
)
_OPENLLMETRY_STREAM = (
    "OpenLLMetry openai 0.62.4 drops reasoning_tokens on streamed chat completions "
    "(output and cost stay right: reasoning is part of output)"
)
_LITELLM_OTEL = (
    "LiteLLM 1.110.2's OTel callback exports input as prompt_tokens with no cache or "
    "reasoning counts, the caller's metadata as a Python repr string (no readable "
    "feature), no user and no session/conversation id (one trace per call); its own "
    "cost is kept as source_cost"
)

#: (source, call) -> why the library's telemetry cannot give the billed figures.
#: A source is "<fixture folder>/<data file>".
KNOWN_WRONG: dict[tuple[str, str], str] = {
    **{
        ("otel-openai-v2-2.4b0/traces.jsonl", call): _OPENAI_V2
        for call in ("cached+reasoning", "streamed+cached", "cached")
    },
    ("botocore-0.66b2/traces.jsonl", "converse us read+write-1h"): _BOTOCORE_TTL,
    ("botocore-0.66b2/traces.jsonl", "invoke us read+write-5m+1h"): _BOTOCORE_INVOKE,
    ("openllmetry-openai-0.62.4/traces.jsonl", "streamed+cached"): _OPENLLMETRY_STREAM,
    **{
        ("openllmetry-bedrock-0.62.4/traces.jsonl", call): _OPENLLMETRY_BEDROCK
        for call in ("converse us read+write-1h", "invoke us read+write-5m+1h")
    },
    **{
        ("litellm-1.110.2/litellm-otel.traces.jsonl", f"{provider} {call}"): _LITELLM_OTEL
        for provider, calls in (
            ("openai", ("plain", "cached+reasoning", "streamed+cached", "cached")),
            (
                "anthropic",
                (
                    "write-5m",
                    "read+write-1h",
                    "read+write-5m+1h",
                    "plain",
                    "streamed read+write-1h",
                ),
            ),
            (
                "bedrock",
                (
                    "converse global write-5m",
                    "converse us read+write-1h",
                    "invoke us read+write-5m+1h",
                    "converse global plain",
                ),
            ),
        )
        for call in calls
    },
}


def expected_cost(billed: dict[str, int], rates: Rates) -> Decimal:
    """Exclusive classes times their rates; reasoning is part of output, at the output rate."""
    return sum(
        (Decimal(billed[name]) * rates.get(name, Decimal(0)) for name in CLASSES[:-1]),
        Decimal(0),
    )


@dataclass
class Source:
    fixture: Path
    file: str
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.fixture.name}/{self.file}"


def sources() -> list[Source]:
    found = []
    for manifest_path in sorted(FIXTURES.glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for file in manifest["files"]:
            found.append(Source(manifest_path.parent, file, manifest))
    return found


@dataclass
class Outcome:
    call: str
    problems: list[str] = field(default_factory=list)


_SPEND_LOGS_CALL = re.compile(r"'conformance_call': '([^']*)'")


def call_of(attributes: dict[str, str], calls_by_response_id: dict[str, str]) -> str | None:
    """The recorded call an operation is, from what its landed attributes carry."""
    if label := attributes.get("conformance_call"):  # LiteLLM spend_logs_metadata
        return label
    for key in ("gen_ai.response.id", "aws.request_id"):
        if (rid := attributes.get(key)) in calls_by_response_id:
            return calls_by_response_id[rid]
    # LiteLLM's OTel callback: spend_logs_metadata as a Python repr
    if match := _SPEND_LOGS_CALL.search(attributes.get("metadata.spend_logs_metadata", "")):
        return match.group(1)
    return None


def check(
    source: Source, db: Path, runs: list[Path] | None = None
) -> tuple[list[Outcome], list[str]]:
    """Ingest the source into `db` with the CLI (or the given files, one run each, in
    order); the outcome of every billed call and the model calls that match none
    (counted although nothing was billed for them)."""
    for path in runs or [source.fixture / source.file]:
        result = CliRunner().invoke(app, ["--db", str(db), "ingest", "requests", str(path)])
        assert result.exit_code == ExitCode.OK, result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(
            """
            select
                operations.operation_id,
                operations.input_tokens, operations.cache_read_tokens,
                operations.cache_write_5m_tokens, operations.cache_write_1h_tokens,
                operations.output_tokens, operations.reasoning_tokens,
                operations.estimated_cost, operations.currency,
                operations.feature, operations.user_id, operations.unit_key,
                operations.started_at,
                coalesce(land_otel.attributes, land_litellm.attributes) as attributes
            from operations
            left join land_otel
                on operations.source_format = 'otel'
                and land_otel.operation_id = operations.operation_id
            left join land_litellm
                on operations.source_format = 'litellm'
                and land_litellm.operation_id = operations.operation_id
            where operations.is_model_call
            order by operations.operation_id
            """
        )
        names = [column[0] for column in cursor.description]
        operations = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()

    calls = source.manifest["calls"]
    by_response_id = {call["response_id"]: call["call"] for call in calls}
    matched: dict[str, list[dict[str, Any]]] = {call["call"]: [] for call in calls}
    unmatched = []
    for operation in operations:
        label = call_of(operation["attributes"] or {}, by_response_id)
        if label in matched:
            matched[label].append(operation)
        else:
            unmatched.append(operation)
    # a library that exports no id of the call (OpenLLMetry bedrock on Converse): the
    # calls were made one after the other, so the spans left match the calls left in
    # order of start, when there are as many
    calls_left = [call["call"] for call in calls if not matched[call["call"]]]
    if unmatched and len(unmatched) == len(calls_left):
        unmatched.sort(key=lambda operation: operation["started_at"])
        for label, operation in zip(calls_left, unmatched, strict=True):
            matched[label].append(operation)
        unmatched = []
    extra = [operation["operation_id"] for operation in unmatched]

    outcomes = []
    for call in calls:
        outcome = Outcome(call["call"])
        found = matched[call["call"]]
        if len(found) != 1:
            outcome.problems.append(f"counted {len(found)} times")
        billed, expect = call["billed"], call["expect"]
        want_cost = expected_cost(billed, RATES_BY_MODEL[call["model"]])
        for operation in found:
            for name in CLASSES:
                got = operation[COLUMNS[name]]
                if got != billed[name]:
                    outcome.problems.append(f"{name} {got} (billed {billed[name]})")
            if operation["estimated_cost"] != want_cost or operation["currency"] != "USD":
                outcome.problems.append(
                    f"cost {operation['estimated_cost']} {operation['currency']}"
                    f" (billed {want_cost} USD)"
                )
            if operation["feature"] != expect["feature"]:
                outcome.problems.append(f"feature {operation['feature']!r}")
            if operation["user_id"] != expect["user"]:
                outcome.problems.append(f"user {operation['user_id']!r}")
            if operation["unit_key"] != expect["conversation"]:
                outcome.problems.append(f"unit {operation['unit_key']!r}")
        outcomes.append(outcome)
    return outcomes, extra


SOURCES = sources()


def test_every_fixture_has_its_versions_and_billed_calls() -> None:
    assert len(SOURCES) >= 8
    for source in SOURCES:
        manifest = source.manifest
        assert manifest["versions"][manifest["distribution"]] in source.fixture.name
        assert (source.fixture / source.file).is_file()
        assert manifest["calls"], source.name
        for call in manifest["calls"]:
            assert set(call["billed"]) == set(CLASSES)
            assert call["model"] in RATES_BY_MODEL


#: one source per kind of telemetry runs in `make test-fast` (LiteLLM's own payloads,
#: the OTel GenAI conventions, OpenLLMetry's); every source in `make test`
FAST = {
    "litellm-1.110.2/payloads.jsonl",
    "otel-openai-v2-2.4b0/traces.jsonl",
    "openllmetry-bedrock-0.62.4/traces.jsonl",
}


def _source_params() -> list[object]:
    return [
        pytest.param(
            source,
            id=source.name,
            marks=[] if source.name in FAST else [pytest.mark.slow],
        )
        for source in SOURCES
    ]


def test_the_fast_sources_are_sources() -> None:
    assert FAST <= {source.name for source in SOURCES}


@pytest.mark.parametrize("source", _source_params())
def test_calls_are_counted_as_the_provider_billed_them(source: Source, tmp_path: Path) -> None:
    outcomes, extra = check(source, tmp_path / "conformance.duckdb")
    assert extra == [], f"model calls nothing was billed for: {extra}"
    wrong = {outcome.call: outcome.problems for outcome in outcomes if outcome.problems}
    known = {call for (name, call) in KNOWN_WRONG if name == source.name}
    unexpected = {call: problems for call, problems in wrong.items() if call not in known}
    assert unexpected == {}, f"{source.name}: calls counted wrong: {unexpected}"
    now_right = known - set(wrong)
    assert now_right == set(), f"{source.name}: now right, drop from KNOWN_WRONG: {now_right}"


def split_spans(source: Source, first: Path, second: Path, goes_first: str) -> list[Path]:
    """The source's OTLP lines (one span each, as recorded) in two files: the spans
    whose scope or name is `goes_first`, then the others."""
    with first.open("w") as one, second.open("w") as two:
        for line in (source.fixture / source.file).read_text(encoding="utf-8").splitlines():
            scope_span = json.loads(line)["resourceSpans"][0]["scopeSpans"][0]
            names = {scope_span["scope"]["name"], scope_span["spans"][0]["name"]}
            (one if goes_first in names else two).write(line + "\n")
    return [first, second]


def by_name(name: str) -> Source:
    return next(source for source in SOURCES if source.name == name)


@pytest.mark.parametrize("sdk_first", [True, False])
@pytest.mark.slow
def test_two_instrumentations_count_each_call_once_whatever_the_runs(
    tmp_path: Path, sdk_first: bool
) -> None:
    """OpenLLMetry's spans and the anthropic SDK's own spans of the same calls, landed
    in separate runs in either order: each call is counted once, with the SDK span's
    1-hour cache-write split (the build decides, from every landed span)."""
    source = by_name("openllmetry-anthropic-0.62.4/traces.jsonl")
    first = "com.anthropic.sdk.python" if sdk_first else "opentelemetry.instrumentation.anthropic"
    runs = split_spans(source, tmp_path / "a.jsonl", tmp_path / "b.jsonl", first)
    outcomes, extra = check(source, tmp_path / "two-runs.duckdb", runs)
    assert extra == []
    assert {outcome.call: outcome.problems for outcome in outcomes} == {
        outcome.call: [] for outcome in outcomes
    }


@pytest.mark.slow
def test_conversation_named_by_a_span_of_a_later_run_reaches_the_whole_trace(
    tmp_path: Path,
) -> None:
    """Turn 2's conversation id is only on its inner "plan" span: landed in a later run,
    that span still makes every call of the trace one unit with turn 1."""
    source = by_name("anthropic-sdk-2.14.0/traces.jsonl")
    runs = split_spans(source, tmp_path / "plan.jsonl", tmp_path / "rest.jsonl", "plan")
    outcomes, _ = check(source, tmp_path / "late.duckdb", runs[::-1][:1])
    units_before = {problem for outcome in outcomes for problem in outcome.problems}
    assert any(problem.startswith("unit ") for problem in units_before)
    outcomes, extra = check(source, tmp_path / "late.duckdb", runs[:1])
    assert extra == []
    assert [outcome.problems for outcome in outcomes] == [[] for _ in outcomes]


def table() -> str:
    """The conformance table: library, version, calls, right / wrong (with the problems)."""
    lines = [
        "| source | library versions | calls | right | wrong | problems |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for index, source in enumerate(SOURCES):
            outcomes, extra = check(source, Path(tmp) / f"{index}.duckdb")
            wrong = [outcome for outcome in outcomes if outcome.problems]
            versions = source.manifest["versions"]
            problems = "; ".join(
                f"{outcome.call}: {', '.join(outcome.problems)}" for outcome in wrong
            )
            if extra:
                problems += f"; {len(extra)} model calls not billed"
            lines.append(
                f"| {source.name} | {source.manifest['distribution']} "
                f"{versions[source.manifest['distribution']]} | {len(outcomes)} "
                f"| {len(outcomes) - len(wrong)} | {len(wrong)} | {problems} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
