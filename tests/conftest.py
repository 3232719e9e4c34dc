"""Hermetic tests: every test gets its own app dir, database and working dir."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

#: Set by pytest_configure: the run leaves the slow tests out (``-m "not slow"``, as
#: ``make test-fast`` does). Property tests then run fewer examples (:func:`examples`).
FAST_TIER = False

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "samples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current output (then read the diff)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # before collection: the test modules read FAST_TIER when their decorators run
    global FAST_TIER
    FAST_TIER = "not slow" in (config.getoption("markexpr") or "")


def examples(full: int) -> int:
    """``max_examples`` of a property test: ``full`` in ``make test``, a fifth of it
    (at least 5) in ``make test-fast`` (``-m "not slow"``), where the test still
    runs on every edit but its deeper search waits for the whole suite."""
    return max(5, full // 5) if FAST_TIER else full


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "aicost-home"
    monkeypatch.setenv("AICOST_HOME", str(home))
    monkeypatch.setenv("AICOST_DB", str(tmp_path / "test.duckdb"))
    monkeypatch.delenv("AICOST_CONFIG", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def needs_samples() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not present")


# --- LiteLLM StandardLoggingPayload records, shared by the ingest tests -----

#: claude-sonnet-4-5 list rates (USD per token) as bundled in aicost_cli/data/prices.csv:
#: standard tier, and the long-context row that applies above 200,000 prompt tokens.
SONNET_RATES = {
    "input": Decimal("0.000003"),
    "output": Decimal("0.000015"),
    "cache_read": Decimal("0.0000003"),
    "cache_write_5m": Decimal("0.00000375"),
    "cache_write_1h": Decimal("0.000006"),
}
SONNET_LONG_RATES = {
    "input": Decimal("0.000006"),
    "output": Decimal("0.0000225"),
    "cache_read": Decimal("0.0000006"),
    "cache_write_5m": Decimal("0.0000075"),
    "cache_write_1h": Decimal("0.000012"),
}
#: 2026-07-02T00:00:00Z
JULY_2 = 1782950400


def litellm_payload(
    record_id: str,
    *,
    start: float | str = JULY_2 + 3600,
    uncached: int = 100,
    cache_read: int = 0,
    cache_write: int = 0,
    completion: int = 50,
    feature: str | None = "support-bot",
    trace_id: str | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """A StandardLoggingPayload as LiteLLM's loggers write it (the fields aicost reads,
    shaped as in sample_data/generate.py): prompt_tokens includes cache reads and writes."""
    prompt = uncached + cache_read + cache_write
    return {
        "id": record_id,
        "trace_id": trace_id or f"trace-{record_id}",
        "call_type": "acompletion",
        "status": "success",
        "custom_llm_provider": "anthropic",
        "model": "claude-sonnet-4-5-20250929",
        "model_group": "claude-sonnet",
        "startTime": start,
        "endTime": start,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "response_cost": 0.01,
        "request_tags": tags if tags is not None else ["env:prod"],
        "end_user": "user-1",
        "metadata": {
            "user_api_key_team_alias": "team-a",
            "spend_logs_metadata": {"feature": feature} if feature else None,
            "usage_object": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "cache_read_input_tokens": cache_read,
                "cache_creation_input_tokens": cache_write,
                "prompt_tokens_details": {"cached_tokens": cache_read},
            },
        },
    }


def sonnet_cost(
    uncached: int,
    cache_read: int = 0,
    cache_write_5m: int = 0,
    completion: int = 0,
    cache_write_1h: int = 0,
) -> Decimal:
    """The estimated cost of one claude-sonnet-4-5 call, by hand."""
    prompt = uncached + cache_read + cache_write_5m + cache_write_1h
    rates = SONNET_LONG_RATES if prompt > 200_000 else SONNET_RATES
    return (
        uncached * rates["input"]
        + cache_read * rates["cache_read"]
        + cache_write_5m * rates["cache_write_5m"]
        + cache_write_1h * rates["cache_write_1h"]
        + completion * rates["output"]
    )


def payload_cost(record: dict[str, Any]) -> Decimal:
    usage = record["metadata"]["usage_object"]
    read = usage["cache_read_input_tokens"]
    write = usage["cache_creation_input_tokens"]
    return sonnet_cost(
        record["prompt_tokens"] - read - write, read, write, record["completion_tokens"]
    )
