"""The `openai-costs` and `anthropic-costs` billing formats: saved API pages
through their reader and staging model.

Expected amounts are computed here with json + Decimal from the same files
(numbers parsed as Decimal, never float), never through the SQL under test."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicost_cli.billing.formats import anthropic_costs, openai_costs
from tests.billing_stage import exact_json_loads, quantize, sample, stage
from tests.conftest import SAMPLES, needs_samples

EXAMPLES = SAMPLES / "billing" / "llm_provider_api_examples"
OPENAI_SAMPLE = EXAMPLES / "openai_organization_costs_example.json"
ANTHROPIC_SAMPLE = EXAMPLES / "anthropic_cost_report_SYNTHETIC.json"

NOV_1 = 1730419200  # 2024-11-01T00:00:00Z
DAY = 86400


def openai_page(*buckets: tuple[int, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "object": "page",
        "data": [
            {"object": "bucket", "start_time": start, "end_time": start + DAY, "results": results}
            for start, results in buckets
        ],
        "has_more": False,
        "next_page": None,
    }


def openai_result(value: Any, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "object": "organization.costs.result",
        "amount": {"value": value, "currency": "usd"},
        "line_item": "gpt-4o-2024-08-06, input",
        "project_id": "proj_abc",
        "api_key_id": None,
        "quantity": None,
        "quantity_unit": None,
    }
    result.update(fields)
    return result


def anthropic_page(*buckets: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "data": [
            {"starting_at": f"{day}T00:00:00Z", "ending_at": f"{day}T23:59:59Z", "results": r}
            for day, r in buckets
        ],
        "has_more": False,
        "next_page": None,
    }


def anthropic_result(amount: Any, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "currency": "USD",
        "amount": amount,
        "workspace_id": None,
        "description": "Claude Sonnet 4.5 Usage - Output Tokens",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": "claude-sonnet-4-5",
        "service_tier": "standard",
        "token_type": "output_tokens",
        "inference_geo": "global",
    }
    result.update(fields)
    return result


def write(path: Path, content: Any) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


# --- detection -----------------------------------------------------------------


@needs_samples()
def test_detection_tells_cost_pages_from_usage_pages() -> None:
    usage = [
        EXAMPLES / "openai_organization_usage_completions_example.json",
        EXAMPLES / "openai_organization_usage_embeddings_example.json",
        EXAMPLES / "anthropic_usage_report_messages_SYNTHETIC.json",
    ]
    assert openai_costs.detect(sample(OPENAI_SAMPLE))
    assert not anthropic_costs.detect(sample(OPENAI_SAMPLE))
    assert anthropic_costs.detect(sample(ANTHROPIC_SAMPLE))
    assert not openai_costs.detect(sample(ANTHROPIC_SAMPLE))
    for path in usage:
        assert not openai_costs.detect(sample(path)), path.name
        assert not anthropic_costs.detect(sample(path)), path.name


# --- OpenAI ------------------------------------------------------------------------


@needs_samples()
def test_openai_sample_page() -> None:
    page = exact_json_loads(OPENAI_SAMPLE.read_text(encoding="utf-8"))
    [bucket] = page["data"]
    [result] = bucket["results"]
    [row] = stage(openai_costs.FORMAT, [OPENAI_SAMPLE]).good()
    assert row["billed_cost"] == row["effective_cost"] == result["amount"]["value"]  # 0.06
    assert row["list_cost"] is None and row["contracted_cost"] is None  # unknown, not 0
    assert row["billing_currency"] == "USD"  # 'usd' upper-cased
    assert row["charge_period_start"] == datetime(2024, 11, 1)
    assert row["charge_period_end"] == datetime(2024, 11, 2)
    assert row["billing_period_start"] == datetime(2024, 11, 1)
    assert row["billing_period_end"] == datetime(2024, 12, 1)
    assert row["partition_key"] == "openai-costs|organization|2024-11-01"
    assert (row["provider"], row["charge_category"]) == ("OpenAI", "Usage")
    assert row["source_row"] == 1


def test_openai_amounts_keep_every_digit(tmp_path: Path) -> None:
    """A JSON number is read as its own digits: 26 significant digits, more
    than a DOUBLE holds (which would give 12345678901234.123)."""
    text = json.dumps(openai_page((NOV_1, [openai_result("VALUE")])))
    path = write(tmp_path / "costs.json", text.replace('"VALUE"', "12345678901234.123456789012"))
    [row] = stage(openai_costs.FORMAT, [path]).good()
    assert row["billed_cost"] == Decimal("12345678901234.123456789012")


def test_openai_line_items_projects_and_quantities(tmp_path: Path) -> None:
    page = openai_page(
        (
            NOV_1,
            [
                openai_result(1.25, quantity=1000000, quantity_unit="tokens"),
                openai_result(
                    0.5, line_item="gpt-4o-2024-08-06, output", project_id=None, api_key_id="k1"
                ),
            ],
        ),
        (NOV_1 + DAY, [openai_result(2.0)]),
    )
    staged = stage(openai_costs.FORMAT, [write(tmp_path / "costs.json", page)])
    first, second, third = staged.good()
    assert first["sku_meter"] == "gpt-4o-2024-08-06, input"
    assert first["extras"] == {"x_line_item": "gpt-4o-2024-08-06, input", "x_page": "1"}
    assert first["sub_account_id"] == "proj_abc"
    assert (first["consumed_quantity"], first["consumed_unit"]) == (Decimal(1000000), "tokens")
    assert second["sub_account_id"] is None and second["extras"]["x_api_key_id"] == "k1"
    assert third["partition_key"] == "openai-costs|organization|2024-11-02"
    assert [r["source_row"] for r in (first, second, third)] == [1, 2, 3]
    assert staged.total("billed_cost") == Decimal("3.75")


def test_openai_array_of_pages_and_jsonl_of_pages(tmp_path: Path) -> None:
    pages = [
        openai_page((NOV_1, [openai_result(0.1)])),
        openai_page((NOV_1 + DAY, [openai_result(0.2), openai_result(0.3)])),
    ]
    as_array = write(tmp_path / "array.json", pages)
    as_lines = write(tmp_path / "pages.jsonl", "\n".join(json.dumps(p) for p in pages) + "\n")
    for path in (as_array, as_lines):
        staged = stage(openai_costs.FORMAT, [path])
        assert staged.quarantined() == []
        assert [r["source_row"] for r in staged.good()] == [1, 2, 3]
        assert [r["extras"]["x_page"] for r in staged.good()] == ["1", "2", "2"]
        assert staged.total("billed_cost") == Decimal("0.6")


def test_a_refetched_day_replaces_the_earlier_copy(tmp_path: Path) -> None:
    """A cron job saving 'the last two days' every day: day 2 is in both files;
    the later file's copy of it wins (files in the order given)."""
    first = write(
        tmp_path / "2024-11-02.json",
        openai_page((NOV_1, [openai_result(1)]), (NOV_1 + DAY, [openai_result(5)])),
    )
    second = write(
        tmp_path / "2024-11-03.json",
        openai_page((NOV_1 + DAY, [openai_result(7)]), (NOV_1 + 2 * DAY, [openai_result(3)])),
    )
    staged = stage(openai_costs.FORMAT, [first, second])
    by_day = {r["partition_key"][-10:]: r["billed_cost"] for r in staged.good()}
    assert by_day == {"2024-11-01": 1, "2024-11-02": 7, "2024-11-03": 3}
    assert staged.total("billed_cost") == Decimal(11)


def test_openai_malformed_pages(tmp_path: Path) -> None:
    no_data = write(tmp_path / "error.json", {"error": {"message": "invalid admin key"}})
    not_json = write(tmp_path / "truncated.json", '{"object": "page", "data": [')
    bad = write(
        tmp_path / "bad.json",
        openai_page(
            (
                NOV_1,
                [
                    openai_result("1.5e-3"),  # a string with an exponent: fine
                    openai_result("abc"),
                    {**openai_result(1), "amount": {"value": 1}},  # no currency
                    openai_result(None),
                ],
            )
        ),
    )
    exponent = write(
        tmp_path / "exponent.json", openai_page((NOV_1 + DAY, [openai_result("VALUE")]))
    )
    exponent.write_text(exponent.read_text().replace('"VALUE"', "2.5E-4"), encoding="utf-8")
    staged = stage(openai_costs.FORMAT, [no_data, not_json, bad, exponent])
    quarantined = staged.quarantined()
    assert quarantined[:3] == [
        ("bad.json", 2, "amount.value is not a decimal number: abc"),
        ("bad.json", 3, "amount.currency is missing"),
        ("bad.json", 4, "amount.value is missing"),
    ]
    assert quarantined[3] == ("error.json", None, "page 1 has no data array (an error response?)")
    assert quarantined[4][:2] == ("truncated.json", None)
    assert quarantined[4][2].startswith("the file is not JSON pages:")
    assert [r["billed_cost"] for r in staged.good()] == [Decimal("0.0015"), Decimal("0.00025")]


# --- Anthropic ---------------------------------------------------------------------


@needs_samples()
def test_anthropic_sample_amounts_are_cents() -> None:
    """`"123.78912"` USD in the cost report is 123.78912 cents = $1.2378912,
    not $123.78912 (the 100x mistake another project shipped)."""
    page = exact_json_loads(ANTHROPIC_SAMPLE.read_text(encoding="utf-8"))
    results = [r for bucket in page["data"] for r in bucket["results"]]
    staged = stage(anthropic_costs.FORMAT, [ANTHROPIC_SAMPLE])
    good = staged.good()
    assert [r["billed_cost"] for r in good] == [Decimal("1.2378912"), Decimal("0.5")]
    assert staged.total("billed_cost") == sum(
        (Decimal(r["amount"]) / 100 for r in results), Decimal(0)
    )
    tokens, search = good
    assert tokens["effective_cost"] == tokens["billed_cost"] and tokens["list_cost"] is None
    assert tokens["extras"] == {
        "x_cost_type": "tokens",
        "x_token_type": "uncached_input_tokens",
        "x_model": "claude-sonnet-4-5",
        "x_service_tier": "standard",
        "x_context_window": "0-200k",
        "x_inference_geo": "global",
        "x_workspace_id": "wrkspc_0000000000000000000000",
        "x_amount_cents": "123.78912",
        "x_page": "1",
    }
    assert tokens["sub_account_id"] == "wrkspc_0000000000000000000000"
    assert search["sub_account_id"] is None  # the default workspace
    assert tokens["charge_description"] == "Claude Sonnet 4.5 Usage - Input Tokens"
    assert tokens["partition_key"] == "anthropic-costs|organization|2025-08-01"
    assert tokens["charge_period_start"] == datetime(2025, 8, 1)
    assert (tokens["billing_currency"], tokens["provider"]) == ("USD", "Anthropic")


def test_anthropic_malformed_results(tmp_path: Path) -> None:
    page = anthropic_page(
        (
            "2025-08-02",
            [
                anthropic_result("1.5e3"),  # exponent: 1500 cents
                anthropic_result(250),  # a number instead of a string: its digits
                anthropic_result("12,50"),
                anthropic_result("99", currency=None),
                anthropic_result(None),
            ],
        ),
        ("2025-08-03", []),
    )
    path = write(tmp_path / "cost.json", page)
    no_results = write(tmp_path / "odd.json", {"data": [{"starting_at": "2025-08-04T00:00:00Z"}]})
    staged = stage(anthropic_costs.FORMAT, [path, no_results])
    assert staged.quarantined() == [
        ("cost.json", 3, "amount is not a decimal number: 12,50"),
        ("cost.json", 4, "currency is missing"),
        ("cost.json", 5, "amount is missing"),
        ("odd.json", None, "bucket 1 of page 1 has no results array"),
    ]
    assert [r["billed_cost"] for r in staged.good()] == [Decimal(15), Decimal("2.5")]


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(
    cents=st.lists(
        st.decimals(min_value=Decimal(0), max_value=Decimal("1e9"), places=6, allow_nan=False),
        min_size=1,
        max_size=5,
    )
)
def test_cents_become_dollars_exactly(cents: list[Decimal]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        page = anthropic_page(("2025-08-01", [anthropic_result(f"{c:f}") for c in cents]))
        staged = stage(anthropic_costs.FORMAT, [write(Path(folder) / "c.json", page)])
        assert [r["billed_cost"] for r in staged.good()] == [quantize(c / 100) for c in cents]
