"""The price catalog (aicost_cli.prices) and the pricing SQL models.

Expected costs are computed by hand here (rates from the bundled CSV times
token counts), not by the SQL under test.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicost_cli import db, models, prices
from aicost_cli.errors import InputFileError

#: ../shared next to the checkout (absent outside the dev machine: tests skip)
LITELLM_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "shared/samples/requests/litellm"
    / "model_prices_and_context_window_backup.litellm-1.109.1.json"
)
needs_sample = pytest.mark.skipif(
    not LITELLM_SAMPLE.is_file(), reason="shared LiteLLM price file not available"
)

CSV_HEADER = [
    "model_key",
    "provider",
    "service_tier",
    "threshold_tokens",
    "effective_from",
    "input_per_token",
    "output_per_token",
    "cache_read_per_token",
    "cache_write_5m_per_token",
    "cache_write_1h_per_token",
    "reasoning_per_token",
    "per_request",
    "currency",
    "source",
]
#: bundled keys that are deliberately not canonical: matched exactly only,
#: because the dated snapshot has its own (higher) price.
EXACT_ONLY_KEYS = {"gpt-4o-2024-05-13"}


# --------------------------------------------------------------------------
# helpers


def bundled_rows() -> list[dict[str, str]]:
    text = (resources.files("aicost_cli") / "data" / "prices.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def bundled_rate(
    model_key: str, column: str, tier: str = "standard", threshold: int = 0
) -> Decimal:
    for row in bundled_rows():
        if (row["model_key"], row["service_tier"], row["threshold_tokens"]) == (
            model_key,
            tier,
            str(threshold),
        ):
            return Decimal(row[column])
    raise KeyError((model_key, column, tier, threshold))


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = db.connect(tmp_path / "t.duckdb")
    prices.ensure_bundled(connection)
    models.load_macros(connection)
    yield connection
    connection.close()


_OP_DEFAULTS: dict[str, Any] = {
    "source_format": "test",
    "started_at": datetime(2025, 6, 1, 12, 0, 0),
    "kind": "chat",
    "is_model_call": True,
    "input_tokens": 0,
    "cache_read_tokens": 0,
    "cache_write_5m_tokens": 0,
    "cache_write_1h_tokens": 0,
    "output_tokens": 0,
    "reasoning_tokens": 0,
    "service_tier": "standard",
    "is_batch": False,
    "status": "ok",
    "source_file": "test.jsonl",
    "ingest_run_id": 1,
}


def stage_operations(con: duckdb.DuckDBPyConnection, ops: list[dict[str, Any]]) -> None:
    """A temp table ``operations_to_price`` with the operation columns (minus
    the four pricing ones) plus an extra column the model must ignore."""
    con.execute(
        "create or replace temp table operations_to_price as "
        "select * exclude (model_key, price_id, pricing_status, estimated_cost), "
        "'junk' as extra_column from operations limit 0"
    )
    for number, op in enumerate(ops):
        row = {"operation_id": f"op{number:03d}", "unit_id": f"u{number}", **_OP_DEFAULTS, **op}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(
            f"insert into operations_to_price ({names}) values ({marks})", list(row.values())
        )


def price(con: duckdb.DuckDBPyConnection, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stage_operations(con, ops)
    models.create_views(con, ["int_prices_effective", "int_operations_priced"])
    relation = con.sql("select * from int_operations_priced order by operation_id")
    assert relation is not None
    result: list[dict[str, Any]] = relation.to_arrow_table().to_pylist()
    return result


def price_one(con: duckdb.DuckDBPyConnection, **op: Any) -> dict[str, Any]:
    (row,) = price(con, [op])
    return row


def write_litellm(path: Path, entries: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"sample_spec": {"input_cost_per_token": 0.0}, **entries}))
    return path


# --------------------------------------------------------------------------
# the bundled CSV


def test_bundled_csv_header_and_values_are_exact_decimals() -> None:
    text = (resources.files("aicost_cli") / "data" / "prices.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text))) == CSV_HEADER
    rate = re.compile(r"^(\d+(\.\d{1,12})?)?$")  # empty, or plain decimal, <= 12 places
    keys = set()
    for row in bundled_rows():
        for column in CSV_HEADER[5:12]:
            assert rate.match(row[column]), (row["model_key"], column, row[column])
        assert row["service_tier"] in prices.SERVICE_TIERS
        assert row["currency"] == "USD"
        assert row["source"].startswith("litellm 1.109.1 model_prices_and_context_window.json")
        assert int(row["threshold_tokens"]) >= 0
        date.fromisoformat(row["effective_from"])
        key = (
            row["model_key"],
            row["service_tier"],
            row["threshold_tokens"],
            row["effective_from"],
        )
        assert key not in keys
        keys.add(key)


def test_bundled_csv_covers_the_common_models() -> None:
    present = {row["model_key"] for row in bundled_rows()}
    wanted = {
        "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5.4", "gpt-4.1", "gpt-4.1-mini", "gpt-4o",
        "gpt-4o-mini", "o3", "o4-mini", "text-embedding-3-small", "text-embedding-3-large",
        "claude-opus-4-6", "claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4",
        "claude-haiku-4-5", "claude-3-5-haiku", "claude-3-7-sonnet", "gemini-2.5-pro",
        "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash", "amazon.nova-pro",
        "amazon.nova-lite", "amazon.nova-micro", "cohere.rerank-v3-5",
        "amazon.titan-embed-text-v2", "mistral-large", "mistral-medium", "mistral-small",
        "codestral",
    }  # fmt: skip
    assert wanted <= present
    # Anthropic: 5m write = 1.25x input, 1h write = 2x input, on every row
    for row in bundled_rows():
        if row["provider"] == "anthropic":
            assert Decimal(row["cache_write_5m_per_token"]) == Decimal(
                row["input_per_token"]
            ) * Decimal("1.25")
            assert Decimal(row["cache_write_1h_per_token"]) == Decimal(row["input_per_token"]) * 2


def test_bundled_keys_are_their_own_normal_form(con: duckdb.DuckDBPyConnection) -> None:
    keys = sorted({row["model_key"] for row in bundled_rows()} - EXACT_ONLY_KEYS)
    got = con.execute(
        "select k, aicost_model_key(k) from unnest(?::varchar[]) as t(k)", [keys]
    ).fetchall()
    assert [normalised for _, normalised in got] == [key for key, _ in got]


def test_bundled_rows_load_exactly_as_written(con: duckdb.DuckDBPyConnection) -> None:
    loaded = con.execute(
        "select model_key, provider, service_tier, threshold_tokens, effective_from, "
        "input_per_token, output_per_token, cache_read_per_token, cache_write_5m_per_token, "
        "cache_write_1h_per_token, reasoning_per_token, per_request, currency, source "
        "from prices where origin = 'bundled' order by all"
    ).fetchall()
    expected = sorted(
        (
            row["model_key"],
            row["provider"],
            row["service_tier"],
            int(row["threshold_tokens"]),
            datetime.fromisoformat(row["effective_from"]),
            *(Decimal(row[c]) if row[c] else None for c in CSV_HEADER[5:12]),
            row["currency"],
            row["source"],
        )
        for row in bundled_rows()
    )
    assert loaded == expected


def test_ensure_bundled_loads_once_and_reloads_on_change(con: duckdb.DuckDBPyConnection) -> None:
    count = len(bundled_rows())
    assert con.execute("select count(*) from prices where origin = 'bundled'").fetchall() == [
        (count,)
    ]
    assert prices.ensure_bundled(con) is False
    assert con.execute(
        "select value from catalog_state where name = 'bundled_prices_sha256'"
    ).fetchall() == [(prices.bundled_sha256(),)]
    row = con.execute(
        "select price_id, input_per_token, typeof(input_per_token), effective_from from prices "
        "where model_key = 'claude-sonnet-4-5' and service_tier = 'standard' "
        "and threshold_tokens = 0"
    ).fetchall()
    assert row == [
        (
            "bundled:claude-sonnet-4-5:standard:0:2025-01-01",
            Decimal("0.000003"),
            "DECIMAL(18,12)",
            datetime(2025, 1, 1),
        )
    ]
    # a different recorded digest (an upgrade) reloads, replacing, not duplicating
    con.execute("update catalog_state set value = 'old' where name = 'bundled_prices_sha256'")
    con.execute(
        "insert into prices (price_id, model_key, service_tier, threshold_tokens, effective_from, "
        "currency, origin, imported_at) values ('imported:x:standard:0:1970-01-01', 'x', "
        "'standard', 0, '1970-01-01', 'USD', 'imported', now()::timestamp)"
    )
    assert prices.ensure_bundled(con) is True
    assert con.execute(
        "select origin, count(*) from prices group by origin order by origin"
    ).fetchall() == [
        ("bundled", count),
        ("imported", 1),
    ]
    assert con.execute("select count(*) from catalog_state").fetchall() == [(1,)]


# --------------------------------------------------------------------------
# costs


def test_cost_is_exact_for_every_token_class(con: duckdb.DuckDBPyConnection) -> None:
    row = price_one(
        con,
        response_model="claude-sonnet-4-5",
        input_tokens=1000,
        cache_read_tokens=200,
        cache_write_5m_tokens=100,
        cache_write_1h_tokens=50,
        output_tokens=500,
        reasoning_tokens=100,
    )
    expected = (
        1000 * Decimal("0.000003")
        + 200 * Decimal("0.0000003")
        + 100 * Decimal("0.00000375")
        + 50 * Decimal("0.000006")
        + 400 * Decimal("0.000015")
        + 100 * Decimal("0.000015")  # no reasoning rate: billed as output
    )
    assert expected == Decimal("0.011235")
    assert row["estimated_cost"] == expected
    assert isinstance(row["estimated_cost"], Decimal)
    assert (row["model_key"], row["price_id"], row["pricing_status"]) == (
        "claude-sonnet-4-5",
        "bundled:claude-sonnet-4-5:standard:0:2025-01-01",
        "priced",
    )


def test_reasoning_rate_is_used_when_the_catalog_has_one(con: duckdb.DuckDBPyConnection) -> None:
    row = price_one(
        con,
        response_model="gemini-2.5-flash",
        input_tokens=10,
        output_tokens=30,
        reasoning_tokens=20,
    )
    assert row["estimated_cost"] == (
        10 * bundled_rate("gemini-2.5-flash", "input_per_token")
        + 10 * bundled_rate("gemini-2.5-flash", "output_per_token")
        + 20 * bundled_rate("gemini-2.5-flash", "reasoning_per_token")
    )


def test_cache_read_without_a_rate_falls_back_to_input(con: duckdb.DuckDBPyConnection) -> None:
    # gemini-2.0-flash has no cache-read rate in the bundled catalog
    row = price_one(con, response_model="gemini-2.0-flash", cache_read_tokens=1000)
    assert row["estimated_cost"] == 1000 * Decimal("0.00000015")


def test_output_types_match_the_operations_table(con: duckdb.DuckDBPyConnection) -> None:
    price(con, [{"response_model": "gpt-4o", "input_tokens": 1}])
    table_columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'operations' order by ordinal_position"
    ).fetchall()
    model_columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'int_operations_priced' order by ordinal_position"
    ).fetchall()
    assert model_columns == table_columns
    assert dict(model_columns)["estimated_cost"] == "DECIMAL(38,12)"
    # the ingest inserts positionally
    con.execute("insert into operations select * from int_operations_priced")


# --------------------------------------------------------------------------
# matching


@pytest.mark.parametrize(
    ("logged", "model_key"),
    [
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # exact key first: its own price
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "claude-3-7-sonnet",
        ),
        ("amazon.nova-pro-v1:0", "amazon.nova-pro"),
        ("eu.amazon.nova-lite-v1:0", "amazon.nova-lite"),
        ("vertex_ai/claude-opus-4-6@20260205", "claude-opus-4-6"),
        ("gemini/gemini-2.5-pro", "gemini-2.5-pro"),
        ("models/gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("mistral/mistral-large-latest", "mistral-large"),
        ("Claude-Haiku-4-5", "claude-haiku-4-5"),
    ],
)
def test_model_names_match_exactly_or_normalised(
    con: duckdb.DuckDBPyConnection, logged: str, model_key: str
) -> None:
    row = price_one(con, response_model=logged, input_tokens=100_000)
    assert (row["model_key"], row["pricing_status"]) == (model_key, "priced")
    assert row["price_id"] == f"bundled:{model_key}:standard:0:2025-01-01"
    assert row["estimated_cost"] == 100_000 * bundled_rate(model_key, "input_per_token")


def test_response_model_wins_over_request_model(con: duckdb.DuckDBPyConnection) -> None:
    rows = price(
        con,
        [
            {"response_model": "gpt-4o-mini-2024-07-18", "request_model": "gpt-4o"},
            {"response_model": "my-company-alias", "request_model": "gpt-4o"},
            {"response_model": None, "request_model": "openai/gpt-4.1"},
            # normalised response (rank 2) beats exact request (rank 3)
            {"response_model": "anthropic/claude-haiku-4-5", "request_model": "gpt-4o"},
        ],
    )
    assert [row["model_key"] for row in rows] == [
        "gpt-4o-mini",
        "gpt-4o",
        "gpt-4.1",
        "claude-haiku-4-5",
    ]
    assert {row["pricing_status"] for row in rows} == {"priced"}


def test_batch_and_tier_fallback(con: duckdb.DuckDBPyConnection) -> None:
    rows = price(
        con,
        [
            {"response_model": "gpt-4o", "input_tokens": 1000, "is_batch": True},
            {"response_model": "gpt-4o", "input_tokens": 1000, "service_tier": "batch"},
            {"response_model": "gpt-4o", "input_tokens": 1000, "service_tier": "priority"},
            # gpt-4o has no flex row: standard prices it
            {"response_model": "gpt-4o", "input_tokens": 1000, "service_tier": "flex"},
            # unknown tier words price as standard too
            {"response_model": "gpt-4o", "input_tokens": 1000, "service_tier": "scale"},
        ],
    )
    assert [row["price_id"] for row in rows] == [
        "bundled:gpt-4o:batch:0:2025-01-01",
        "bundled:gpt-4o:batch:0:2025-01-01",
        "bundled:gpt-4o:priority:0:2025-01-01",
        "bundled:gpt-4o:standard:0:2025-01-01",
        "bundled:gpt-4o:standard:0:2025-01-01",
    ]
    assert [row["estimated_cost"] for row in rows] == [
        Decimal("0.00125"),
        Decimal("0.00125"),
        Decimal("0.00425"),
        Decimal("0.0025"),
        Decimal("0.0025"),
    ]


@pytest.mark.parametrize(
    ("input_tokens", "cache_read_tokens", "threshold"),
    [(150_000, 49_999, 0), (150_000, 50_000, 0), (150_000, 50_001, 200_000), (1, 0, 0), (0, 0, 0)],
)
def test_long_context_switches_the_whole_request(
    con: duckdb.DuckDBPyConnection, input_tokens: int, cache_read_tokens: int, threshold: int
) -> None:
    row = price_one(
        con,
        response_model="gemini/gemini-2.5-pro",
        input_tokens=input_tokens,
        cache_read_tokens=cache_read_tokens,
        output_tokens=1000,
    )
    assert row["price_id"] == f"bundled:gemini-2.5-pro:standard:{threshold}:2025-01-01"
    rates = {
        0: (Decimal("0.00000125"), Decimal("0.000000125"), Decimal("0.00001")),
        200_000: (Decimal("0.0000025"), Decimal("0.00000025"), Decimal("0.000015")),
    }[threshold]
    assert (
        row["estimated_cost"]
        == input_tokens * rates[0] + cache_read_tokens * rates[1] + 1000 * rates[2]
    )


def test_long_context_batch_uses_the_batch_long_context_row(con: duckdb.DuckDBPyConnection) -> None:
    row = price_one(con, response_model="claude-sonnet-4-5", input_tokens=200_001, is_batch=True)
    assert row["price_id"] == "bundled:claude-sonnet-4-5:batch:200000:2025-01-01"
    assert row["estimated_cost"] == 200_001 * Decimal("0.000003")


def test_unpriced_and_not_billable(con: duckdb.DuckDBPyConnection) -> None:
    rows = price(
        con,
        [
            {"response_model": "acme/unknown-model-9-20250101", "input_tokens": 10},
            {"response_model": None, "request_model": None, "model": None, "input_tokens": 10},
            {"kind": "tool", "is_model_call": False, "operation_name": "search_web"},
            {
                "kind": "agent",
                "is_model_call": False,
                "response_model": "gpt-4o",
                "input_tokens": 5,
            },
        ],
    )
    assert [(r["pricing_status"], r["estimated_cost"], r["price_id"]) for r in rows] == [
        ("unpriced", None, None),
        ("unpriced", None, None),
        ("not_billable", None, None),
        ("not_billable", None, None),
    ]
    assert rows[0]["model_key"] == "acme/unknown-model-9"  # the normalised name, for missing_prices


def test_failed_operations(con: duckdb.DuckDBPyConnection) -> None:
    rows = price(
        con,
        [
            {
                "response_model": "gpt-4o",
                "status": "error",
                "input_tokens": 1000,
                "output_tokens": 10,
            },
            {"response_model": "gpt-4o", "status": "error"},
            {"response_model": "cohere.rerank-v3-5:0", "kind": "rerank"},
            {"response_model": "cohere.rerank-v3-5:0", "kind": "rerank", "status": "error"},
        ],
    )
    assert [(r["pricing_status"], r["estimated_cost"]) for r in rows] == [
        ("priced", 1000 * Decimal("0.0000025") + 10 * Decimal("0.00001")),
        ("priced", Decimal(0)),
        ("priced", Decimal("0.002")),  # per request
        ("priced", Decimal(0)),  # a failed request that used nothing costs nothing
    ]


def test_a_token_class_without_any_rate_is_unpriced_not_free(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    prices.import_litellm(
        con, write_litellm(tmp_path / "p.json", {"acme-llm": {"input_cost_per_token": 1e-07}}), None
    )
    rows = price(
        con,
        [
            {"response_model": "acme-llm", "input_tokens": 10},
            {"response_model": "acme-llm", "input_tokens": 10, "output_tokens": 1},
        ],
    )
    assert [(r["pricing_status"], r["estimated_cost"], r["model_key"]) for r in rows] == [
        ("priced", Decimal("0.000001"), "acme-llm"),
        ("unpriced", None, "acme-llm"),
    ]


def test_priced_rows_keep_their_count_and_columns(con: duckdb.DuckDBPyConnection) -> None:
    ops = [{"response_model": m, "input_tokens": 3} for m in ("gpt-4o", "gpt-4o", "nope", None)]
    rows = price(con, ops)
    assert len(rows) == 4
    assert "extra_column" not in rows[0]


# --------------------------------------------------------------------------
# effective dating and imports


def test_imported_price_overrides_bundled_from_its_date(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    source = write_litellm(
        tmp_path / "p.json",
        {
            "gpt-4o": {
                "input_cost_per_token": 1e-06,
                "output_cost_per_token": 4e-06,
                "litellm_provider": "openai",
            },
            "gemini/gemini-2.5-pro": {
                "input_cost_per_token": 2e-06,
                "output_cost_per_token": 1e-05,
            },
        },
    )
    result = prices.import_litellm(con, source, date(2026, 1, 1))
    assert (result.models_imported, result.rows_imported, result.skipped) == (2, 2, {})
    rows = price(
        con,
        [
            {
                "response_model": "gpt-4o",
                "input_tokens": 1000,
                "started_at": datetime(2025, 12, 31, 23, 59),
            },
            {"response_model": "gpt-4o", "input_tokens": 1000, "started_at": datetime(2026, 1, 1)},
            # the imported override covers every tier of the key: batch now falls back to it
            {
                "response_model": "gpt-4o",
                "input_tokens": 1000,
                "is_batch": True,
                "started_at": datetime(2026, 2, 1),
            },
            # an exact imported key only applies from its date; before, the normalised bundled key
            {
                "response_model": "gemini/gemini-2.5-pro",
                "input_tokens": 1000,
                "started_at": datetime(2025, 7, 1),
            },
            {
                "response_model": "gemini/gemini-2.5-pro",
                "input_tokens": 1000,
                "started_at": datetime(2026, 7, 1),
            },
            {
                "response_model": "gemini-2.5-pro",
                "input_tokens": 1000,
                "started_at": datetime(2026, 7, 1),
            },
        ],
    )
    assert [(r["price_id"], r["estimated_cost"]) for r in rows] == [
        ("bundled:gpt-4o:standard:0:2025-01-01", Decimal("0.0025")),
        ("imported:gpt-4o:standard:0:2026-01-01", Decimal("0.001")),
        ("imported:gpt-4o:standard:0:2026-01-01", Decimal("0.001")),
        ("bundled:gemini-2.5-pro:standard:0:2025-01-01", Decimal("0.00125")),
        ("imported:gemini/gemini-2.5-pro:standard:0:2026-01-01", Decimal("0.002")),
        ("bundled:gemini-2.5-pro:standard:0:2025-01-01", Decimal("0.00125")),
    ]
    assert [r["model_key"] for r in rows[3:5]] == ["gemini-2.5-pro", "gemini/gemini-2.5-pro"]
    periods = con.execute(
        "select service_tier, effective_from, effective_to from int_prices_effective "
        "where model_key = 'gpt-4o' and threshold_tokens = 0 order by effective_from, service_tier"
    ).fetchall()
    assert periods == [
        ("batch", datetime(2025, 1, 1), datetime(2026, 1, 1)),
        ("priority", datetime(2025, 1, 1), datetime(2026, 1, 1)),
        ("standard", datetime(2025, 1, 1), datetime(2026, 1, 1)),
        ("standard", datetime(2026, 1, 1), None),
    ]


def test_import_default_date_overrides_all_history(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    source = write_litellm(tmp_path / "p.json", {"gpt-4o": {"input_cost_per_token": 1e-06}})
    prices.import_litellm(con, source, None)
    row = price_one(
        con, response_model="gpt-4o", input_tokens=1000, started_at=datetime(2020, 1, 1)
    )
    assert (row["price_id"], row["estimated_cost"]) == (
        "imported:gpt-4o:standard:0:1970-01-01",
        Decimal("0.001"),
    )


def test_import_reimport_is_idempotent_and_replaces(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    source = write_litellm(tmp_path / "p.json", {"gpt-4o": {"input_cost_per_token": 1e-06}})
    prices.import_litellm(con, source, date(2026, 1, 1))
    prices.import_litellm(con, source, date(2026, 1, 1))
    write_litellm(source, {"gpt-4o": {"input_cost_per_token": 7e-07}})
    prices.import_litellm(con, source, date(2026, 1, 1))
    assert con.execute(
        "select price_id, input_per_token from prices where origin = 'imported'"
    ).fetchall() == [("imported:gpt-4o:standard:0:2026-01-01", Decimal("0.0000007"))]
    # another date is another version, kept side by side
    prices.import_litellm(con, source, date(2026, 6, 1))
    assert con.execute("select count(*) from prices where origin = 'imported'").fetchall() == [(2,)]


def test_litellm_entry_rows_tiers_thresholds_and_exact_decimals() -> None:
    rows = prices.litellm_entry_rows(
        {
            "input_cost_per_token": 3e-06,  # a float: goes through repr, exactly 0.000003
            "output_cost_per_token": Decimal("1.5e-05"),
            "output_cost_per_reasoning_token": Decimal("2e-05"),
            "cache_creation_input_token_cost": Decimal("3.75e-06"),
            "cache_creation_input_token_cost_above_1hr": Decimal("6e-06"),
            "input_cost_per_token_above_200k_tokens": Decimal("6e-06"),
            "output_cost_per_token_above_200k_tokens": Decimal("2.25e-05"),
            "input_cost_per_token_batches": Decimal("1.5e-06"),
            "cache_creation_input_token_cost_above_12hr": Decimal("1"),  # ignored
            "input_cost_per_audio_token": Decimal("1"),  # ignored
            "input_cost_per_query": Decimal("0.002"),
        }
    )
    assert [(r["service_tier"], r["threshold_tokens"]) for r in rows] == [
        ("standard", 0),
        ("standard", 200_000),
        ("batch", 0),
        ("batch", 200_000),
    ]
    standard, standard_long, batch, batch_long = rows
    assert standard["input_per_token"] == Decimal("0.000003")
    assert str(standard["input_per_token"]) == "0.000003"
    assert standard["reasoning_per_token"] == Decimal("0.00002")
    assert standard["per_request"] == Decimal("0.002")
    assert (standard_long["input_per_token"], standard_long["output_per_token"]) == (
        Decimal("0.000006"),
        Decimal("0.0000225"),
    )
    # missing rates: same threshold standard tier, then tier base, then standard base
    assert standard_long["cache_write_5m_per_token"] == Decimal("0.00000375")
    assert (batch["input_per_token"], batch["output_per_token"]) == (
        Decimal("0.0000015"),
        Decimal("0.000015"),
    )
    assert batch_long["input_per_token"] == Decimal("0.000006")
    # reasoning is never inherited: the row's output rate applies instead
    assert standard_long["reasoning_per_token"] is None
    assert batch["reasoning_per_token"] is None
    assert (
        prices.litellm_entry_rows({"mode": "image_generation", "output_cost_per_image": 0.04}) == []
    )


@needs_sample
def test_import_the_litellm_catalog(con: duckdb.DuckDBPyConnection) -> None:
    result = prices.import_litellm(con, LITELLM_SAMPLE, None)
    assert result.models_imported > 3000
    assert result.rows_imported > result.models_imported
    assert result.skipped.get("no per-token or per-request price", 0) > 0
    count = con.execute("select count(*) from prices where origin = 'imported'").fetchall()
    assert count == [(result.rows_imported,)]
    # exact decimals, LiteLLM's key as given
    got = con.execute(
        "select service_tier, threshold_tokens, input_per_token, output_per_token, "
        "cache_read_per_token from prices "
        "where origin = 'imported' and model_key = 'gemini/gemini-2.5-pro' "
        "order by threshold_tokens, service_tier"
    ).fetchall()
    assert (
        "standard",
        200_000,
        Decimal("0.0000025"),
        Decimal("0.000015"),
        Decimal("0.00000025"),
    ) in got
    assert ("batch", 0, Decimal("0.000000625"), Decimal("0.000005"), Decimal("0.000000125")) in got
    rerank = con.execute(
        "select per_request, provider from prices where model_key = 'cohere.rerank-v3-5:0'"
    ).fetchall()
    assert rerank == [(Decimal("0.002"), "bedrock")]
    # idempotent
    again = prices.import_litellm(con, LITELLM_SAMPLE, None)
    assert again == result
    assert con.execute("select count(*) from prices where origin = 'imported'").fetchall() == count
    # the Bedrock regional key prices exactly what logged that name (+10% in this catalog)
    row = price_one(
        con, response_model="us.anthropic.claude-sonnet-4-5-20250929-v1:0", input_tokens=1000
    )
    assert (row["model_key"], row["estimated_cost"]) == (
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        Decimal("0.0033"),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "is not JSON"),
        ("[1, 2]", "is not a JSON object"),
        (b"\xff\xfe\x00", "cannot read"),
    ],
)
def test_import_bad_files(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "bad.json"
    if isinstance(content, str):
        path.write_text(content)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        prices.import_litellm(con, path, None)
    assert message in caught.value.message
    assert str(path) in caught.value.message
    assert con.execute("select count(*) from prices where origin = 'imported'").fetchall() == [(0,)]


def test_import_skips_bad_entries(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    source = write_litellm(
        tmp_path / "p.json",
        {
            "good": {"input_cost_per_token": 1e-06},
            "negative": {"input_cost_per_token": -1e-06},
            "text": {"input_cost_per_token": "cheap"},
            "tiny": {"input_cost_per_token": 1e-15},
            "list": [1, 2],
            "image": {"output_cost_per_image": 0.04},
        },
    )
    result = prices.import_litellm(con, source, None)
    assert (result.models_imported, result.rows_imported, result.skipped_total) == (1, 1, 5)
    assert result.skipped == {
        "a price is finer than 1e-12 USD": 1,
        "a price is negative or not finite": 1,
        "a price is not a number": 1,
        "entry is not an object": 1,
        "no per-token or per-request price": 1,
    }


# --------------------------------------------------------------------------
# reprice, list, missing


def test_reprice_updates_stored_operations(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    acme = {"response_model": "acme-llm", "provider": "acme", "model": "acme-llm"}
    stage_operations(
        con,
        [
            {"response_model": "gpt-4o", "input_tokens": 1000},
            {"response_model": "gpt-4o", "input_tokens": 1000, "started_at": datetime(2026, 3, 1)},
            {**acme, "input_tokens": 7, "output_tokens": 3, "started_at": datetime(2026, 3, 2)},
            {**acme, "input_tokens": 1, "cache_read_tokens": 2, "started_at": datetime(2026, 3, 1)},
            {"kind": "tool", "is_model_call": False},
        ],
    )
    models.create_views(con, ["int_prices_effective", "int_operations_priced"])
    con.execute("insert into operations select * from int_operations_priced")
    con.execute("drop table operations_to_price")
    assert prices.reprice(con) == 0

    missing = prices.missing_prices(con).to_pylist()
    assert missing == [
        {
            "provider": "acme",
            "model": "acme-llm",
            "model_key": "acme-llm",
            "operations": 2,
            "first_seen": datetime(2026, 3, 1),
            "last_seen": datetime(2026, 3, 2),
            "input_tokens": 10,
            "output_tokens": 3,
        }
    ]

    source = write_litellm(
        tmp_path / "p.json",
        {
            "gpt-4o": {"input_cost_per_token": 1e-06},
            "acme-llm": {"input_cost_per_token": 1e-07, "output_cost_per_token": 2e-07},
        },
    )
    prices.import_litellm(con, source, date(2026, 1, 1))
    assert prices.reprice(con) == 3  # the 2026 gpt-4o call and both acme calls
    got = con.execute(
        "select operation_id, pricing_status, price_id, estimated_cost from operations "
        "order by operation_id"
    ).fetchall()
    assert got == [
        ("op000", "priced", "bundled:gpt-4o:standard:0:2025-01-01", Decimal("0.0025")),
        ("op001", "priced", "imported:gpt-4o:standard:0:2026-01-01", Decimal("0.001")),
        ("op002", "priced", "imported:acme-llm:standard:0:2026-01-01", Decimal("0.0000013")),
        ("op003", "priced", "imported:acme-llm:standard:0:2026-01-01", Decimal("0.0000003")),
        ("op004", "not_billable", None, None),
    ]
    assert prices.missing_prices(con).num_rows == 0
    assert prices.reprice(con) == 0
    # reprice leaves no helper relations behind
    assert con.execute(
        "select count(*) from duckdb_views() where view_name = 'operations_to_price'"
    ).fetchall() == [(0,)]


def test_list_prices(con: duckdb.DuckDBPyConnection) -> None:
    table = prices.list_prices(con, "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert table.column_names == [
        "model_key", "provider", "service_tier", "threshold_tokens", "effective_from",
        "effective_to", "currency", "input_per_mtok", "output_per_mtok", "cache_read_per_mtok",
        "cache_write_5m_per_mtok", "cache_write_1h_per_mtok", "reasoning_per_mtok",
        "per_request", "origin", "source", "price_id",
    ]  # fmt: skip
    rows = table.to_pylist()
    assert [(r["service_tier"], r["threshold_tokens"]) for r in rows] == [
        ("standard", 0),
        ("standard", 200_000),
        ("batch", 0),
        ("batch", 200_000),
    ]
    assert (
        rows[0]["input_per_mtok"],
        rows[0]["cache_write_1h_per_mtok"],
        rows[0]["output_per_mtok"],
    ) == (
        Decimal("3"),
        Decimal("6"),
        Decimal("15"),
    )
    assert str(table.schema.field("input_per_mtok").type) == "decimal128(24, 6)"
    everything = prices.list_prices(con, None)
    assert everything.num_rows == len(bundled_rows())
    assert prices.list_prices(con, "no-such-model").num_rows == 0


# --------------------------------------------------------------------------
# aicost_model_key, property-based


@functools.cache
def _macro_connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    models.load_macros(connection)
    return connection


def _normalise(name: str) -> str | None:
    rows = _macro_connection().execute("select aicost_model_key(?)", [name]).fetchall()
    value: str | None = rows[0][0]
    return value


CANONICAL_KEYS = sorted({row["model_key"] for row in bundled_rows()} - EXACT_ONLY_KEYS)
ROUTE_PREFIXES = [
    "anthropic/", "bedrock/", "openai/", "azure/", "vertex_ai/", "gemini/", "mistral/",
    "converse/", "invoke/", "bedrock/converse/", "bedrock/invoke/", "bedrock/us-east-1/",
    "models/", "azure_ai/",
]  # fmt: skip
GEO_PREFIXES = ["us.", "eu.", "apac.", "global.", "jp.", "us-gov."]
VENDOR_PREFIXES = ["anthropic.", "meta.", "mistral."]
SUFFIXES = [
    "-20250929", "-20250929-v1:0", "-20241022-v2:0", "-v1:0", "-v1", ":0", "@20240620",
    "@001", "@latest", "-2024-08-06", "-latest", "-001", "-002",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(CANONICAL_KEYS),
    route=st.sampled_from(["", *ROUTE_PREFIXES]),
    geo=st.sampled_from(["", *GEO_PREFIXES]),
    vendor=st.sampled_from(["", *VENDOR_PREFIXES]),
    suffix=st.sampled_from(["", *SUFFIXES]),
    arn=st.booleans(),
    upper=st.booleans(),
)
def test_known_prefixes_and_suffixes_normalise_back(
    key: str, route: str, geo: str, vendor: str, suffix: str, arn: bool, upper: bool
) -> None:
    bedrock_id = geo + (vendor if not key.startswith(("amazon.", "cohere.")) else "") + key + suffix
    if arn:
        name = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{bedrock_id}"
    else:
        name = route + bedrock_id
    if upper:
        name = name.upper()
    assert _normalise(name) == key


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=40))
def test_normalisation_never_fails(name: str) -> None:
    normalised = _normalise(name)
    assert normalised is None or normalised != ""


def test_catalog_writes_join_an_open_transaction(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    source = write_litellm(tmp_path / "p.json", {"gpt-4o": {"input_cost_per_token": 1e-06}})
    con.execute("begin transaction")
    prices.import_litellm(con, source, None)
    assert con.execute("select count(*) from prices where origin = 'imported'").fetchall() == [(1,)]
    con.execute("rollback")
    assert con.execute("select count(*) from prices where origin = 'imported'").fetchall() == [(0,)]
    # and on its own it commits
    prices.import_litellm(con, source, None)
    assert con.execute("select count(*) from prices where origin = 'imported'").fetchall() == [(1,)]
