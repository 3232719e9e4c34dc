"""Model tests for the pricing SQL: int_prices_effective, int_model_names_resolved,
int_prices_banded and int_operations_priced, on an in-memory DuckDB.

Given: a hand-written catalog in ``prices`` (the table of aicost_cli.migrations),
a hand-written ``int_operations_attributed`` table standing in for the upstream
model, and the cfg tables :func:`aicost_cli.prices.bind_currency` creates.
Expected: rows whose costs are written out here in Decimal arithmetic, never
taken from the SQL under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import duckdb
import pytest

from aicost_cli import migrations, models, prices
from aicost_cli.config import Config
from aicost_cli.errors import ConfigError

#: The columns of the upstream model int_operations_attributed, in order.
ATTRIBUTED_COLUMNS: list[tuple[str, str]] = [
    ("operation_id", "VARCHAR"),
    ("source_format", "VARCHAR"),
    ("trace_id", "VARCHAR"),
    ("parent_id", "VARCHAR"),
    ("conversation_id", "VARCHAR"),
    ("unit_id", "VARCHAR"),
    ("operation_name", "VARCHAR"),
    ("started_at", "TIMESTAMP"),
    ("ended_at", "TIMESTAMP"),
    ("kind", "VARCHAR"),
    ("is_model_call", "BOOLEAN"),
    ("provider", "VARCHAR"),
    ("model", "VARCHAR"),
    ("request_model", "VARCHAR"),
    ("response_model", "VARCHAR"),
    ("input_tokens", "BIGINT"),
    ("cache_read_tokens", "BIGINT"),
    ("cache_write_5m_tokens", "BIGINT"),
    ("cache_write_1h_tokens", "BIGINT"),
    ("output_tokens", "BIGINT"),
    ("reasoning_tokens", "BIGINT"),
    ("service_tier", "VARCHAR"),
    ("is_batch", "BOOLEAN"),
    ("attempt", "INTEGER"),
    ("status", "VARCHAR"),
    ("error_type", "VARCHAR"),
    ("latency_ms", "BIGINT"),
    ("feature", "VARCHAR"),
    ("team", "VARCHAR"),
    ("user_id", "VARCHAR"),
    ("prompt_version", "VARCHAR"),
    ("environment", "VARCHAR"),
    ("tags", "MAP(VARCHAR, VARCHAR)"),
    ("source_cost", "DECIMAL(38,12)"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("ingest_run_id", "BIGINT"),
]
#: What int_operations_priced adds, in order.
PRICED_COLUMNS: list[tuple[str, str]] = [
    ("model_key", "VARCHAR"),
    ("price_id", "VARCHAR"),
    ("pricing_status", "VARCHAR"),
    ("pricing_basis", "VARCHAR"),
    ("estimated_cost", "DECIMAL(38,12)"),
    ("currency", "VARCHAR"),
]
#: The pricing models, in dependency order.
PRICING_MODELS = [
    "int_prices_effective",
    "int_model_names_resolved",
    "int_prices_banded",
    "int_operations_priced",
]
OPERATION_DEFAULTS: dict[str, Any] = {
    "source_format": "aicost",
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
RATE_NAMES = {
    "input": "input_per_token",
    "output": "output_per_token",
    "cache_read": "cache_read_per_token",
    "cache_write_5m": "cache_write_5m_per_token",
    "cache_write_1h": "cache_write_1h_per_token",
    "reasoning": "reasoning_per_token",
    "per_request": "per_request",
}
JAN_2025 = date(2025, 1, 1)


# --------------------------------------------------------------------------
# helpers


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    for _, ddl in migrations.MIGRATIONS:
        connection.execute(ddl)
    models.load_macros(connection)
    bind(connection)
    yield connection
    connection.close()


def bind(
    con: duckdb.DuckDBPyConnection, currency: str = "USD", rates: dict[str, str] | None = None
) -> None:
    config = Config(
        currency=currency,
        exchange_rates={code: Decimal(rate) for code, rate in (rates or {}).items()},
    )
    prices.bind_currency(con, config)


def add_price(
    con: duckdb.DuckDBPyConnection,
    model_key: str,
    *,
    tier: str = "standard",
    threshold: int = 0,
    effective_from: date = JAN_2025,
    origin: str = "bundled",
    currency: str = "USD",
    **rates: str,
) -> str:
    """One catalog row; rates by short name (input="0.000003"). Returns its price_id."""
    price_id = f"{origin}:{model_key}:{tier}:{threshold}:{effective_from.isoformat()}"
    columns = {
        "price_id": price_id,
        "model_key": model_key,
        "service_tier": tier,
        "threshold_tokens": threshold,
        "effective_from": datetime.combine(effective_from, datetime.min.time()),
        "currency": currency,
        "origin": origin,
        "imported_at": datetime(2025, 1, 1),
        **{RATE_NAMES[name]: Decimal(value) for name, value in rates.items()},
    }
    con.execute(
        f"insert into prices ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
        list(columns.values()),
    )
    return price_id


def stage(con: duckdb.DuckDBPyConnection, ops: list[dict[str, Any]]) -> None:
    """The table int_operations_attributed, one row per op (defaults filled in)."""
    spec = ", ".join(f"{name} {kind}" for name, kind in ATTRIBUTED_COLUMNS)
    con.execute(f"create or replace table int_operations_attributed ({spec})")
    # no Bedrock application inference profile names these ops (its own model
    # reads the landing tables; tests/test_inference_profiles.py covers it)
    con.execute(
        "create or replace table int_inference_profiles_resolved (logged_name varchar, "
        "inference_profile_arn varchar, profile_model varchar, "
        "profile_tags map(varchar, varchar))"
    )
    for number, op in enumerate(ops):
        row = {"operation_id": f"op{number:03d}", "unit_id": f"u{number}", **OPERATION_DEFAULTS}
        row.update(op)
        con.execute(
            f"insert into int_operations_attributed ({', '.join(row)}) "
            f"values ({', '.join('?' for _ in row)})",
            list(row.values()),
        )


def create_models(con: duckdb.DuckDBPyConnection) -> None:
    for name in PRICING_MODELS:
        con.execute(f"create or replace temp view {name} as\n{models.model_sql(name)}")


def price(con: duckdb.DuckDBPyConnection, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stage(con, ops)
    create_models(con)
    relation = con.sql("select * from int_operations_priced order by operation_id")
    assert relation is not None
    rows: list[dict[str, Any]] = relation.to_arrow_table().to_pylist()
    return rows


def outcome(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["model_key"],
        row["price_id"],
        row["pricing_status"],
        row["pricing_basis"],
        row["estimated_cost"],
        row["currency"],
    )


def to_12(amount: Decimal) -> Decimal:
    """Round to 12 decimals, half-even, with enough precision for any amount."""
    with localcontext() as context:
        context.prec = 80
        return amount.quantize(Decimal("1e-12"), rounding=ROUND_HALF_EVEN)


# --------------------------------------------------------------------------
# the output contract


def test_output_is_every_input_column_then_the_pricing_columns(
    con: duckdb.DuckDBPyConnection,
) -> None:
    add_price(con, "model-a", input="0.000001")
    rows = price(con, [{"response_model": "model-a", "input_tokens": 1, "tags": {"k": "v"}}])
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'int_operations_priced' order by ordinal_position"
    ).fetchall()
    assert columns == ATTRIBUTED_COLUMNS + PRICED_COLUMNS
    assert rows[0]["tags"] == [("k", "v")]
    assert rows[0]["unit_id"] == "u0"


def test_rows_are_kept_one_for_one(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-a", input="0.000001")
    # two bands in force for the same key must never duplicate an operation
    add_price(con, "model-a", threshold=1000, input="0.000002")
    ops = [{"response_model": m, "input_tokens": 3} for m in ("model-a", "model-a", "nope", None)]
    ops.append({"kind": "tool", "is_model_call": False})
    rows = price(con, ops)
    assert [row["operation_id"] for row in rows] == ["op000", "op001", "op002", "op003", "op004"]


# --------------------------------------------------------------------------
# exact cost and pricing_basis


def test_every_class_at_its_own_rate_is_exact(con: duckdb.DuckDBPyConnection) -> None:
    price_id = add_price(
        con,
        "model-a",
        input="0.000003",
        output="0.000015",
        cache_read="0.0000003",
        cache_write_5m="0.00000375",
        cache_write_1h="0.000006",
        reasoning="0.00002",
        per_request="0.001",
    )
    (row,) = price(
        con,
        [
            {
                "response_model": "model-a",
                "input_tokens": 1000,
                "cache_read_tokens": 200,
                "cache_write_5m_tokens": 100,
                "cache_write_1h_tokens": 50,
                "output_tokens": 500,
                "reasoning_tokens": 100,
            }
        ],
    )
    expected = (
        1000 * Decimal("0.000003")
        + 200 * Decimal("0.0000003")
        + 100 * Decimal("0.00000375")
        + 50 * Decimal("0.000006")
        + 400 * Decimal("0.000015")
        + 100 * Decimal("0.00002")
        + Decimal("0.001")
    )
    assert expected == Decimal("0.012735")
    assert outcome(row) == ("model-a", price_id, "priced", "exact", expected, "USD")


def test_reasoning_at_the_output_rate_is_not_a_fallback(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-a", input="0.000001", output="0.000004")
    (row,) = price(
        con,
        [{"response_model": "model-a", "output_tokens": 30, "reasoning_tokens": 20}],
    )
    assert (row["pricing_basis"], row["estimated_cost"]) == ("exact", 30 * Decimal("0.000004"))


def test_tier_fallback_is_labelled(con: duckdb.DuckDBPyConnection) -> None:
    standard = add_price(con, "model-a", input="0.000002", output="0.000008")
    batch = add_price(con, "model-a", tier="batch", input="0.000001", output="0.000004")
    rows = price(
        con,
        [
            {"response_model": "model-a", "input_tokens": 1000, "is_batch": True},
            {"response_model": "model-a", "input_tokens": 1000, "service_tier": "batch"},
            {"response_model": "model-a", "input_tokens": 1000, "service_tier": "flex"},
            {"response_model": "model-a", "input_tokens": 1000, "service_tier": "priority"},
            # an unknown tier word is standard: no fallback
            {"response_model": "model-a", "input_tokens": 1000, "service_tier": "scale"},
        ],
    )
    assert [(r["price_id"], r["pricing_basis"], r["estimated_cost"]) for r in rows] == [
        (batch, "exact", 1000 * Decimal("0.000001")),
        (batch, "exact", 1000 * Decimal("0.000001")),
        (standard, "tier:flex->standard", 1000 * Decimal("0.000002")),
        (standard, "tier:priority->standard", 1000 * Decimal("0.000002")),
        (standard, "exact", 1000 * Decimal("0.000002")),
    ]


def test_cache_write_1h_at_the_5m_rate_is_labelled(con: duckdb.DuckDBPyConnection) -> None:
    # an Anthropic-like row that lacks the 1h rate: 1h writes billed at 5m (37.5% low)
    add_price(
        con,
        "model-a",
        input="0.000003",
        output="0.000015",
        cache_read="0.0000003",
        cache_write_5m="0.00000375",
    )
    rows = price(
        con,
        [
            {"response_model": "model-a", "cache_write_1h_tokens": 1000},
            # no 1h tokens: nothing fell back
            {"response_model": "model-a", "cache_write_5m_tokens": 1000},
            {"response_model": "model-a", "cache_write_1h_tokens": 10, "service_tier": "flex"},
        ],
    )
    assert [(r["pricing_basis"], r["estimated_cost"]) for r in rows] == [
        ("cache_write_1h@5m", 1000 * Decimal("0.00000375")),
        ("exact", 1000 * Decimal("0.00000375")),
        ("tier:flex->standard,cache_write_1h@5m", 10 * Decimal("0.00000375")),
    ]
    # 37.5% below the 2x-input rate Anthropic bills
    assert 1000 * Decimal("0.00000375") == Decimal("0.625") * 1000 * 2 * Decimal("0.000003")


def test_cache_classes_at_the_input_rate_are_labelled(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-b", input="0.000001", output="0.000002")
    rows = price(
        con,
        [
            {
                "response_model": "model-b",
                "input_tokens": 10,
                "cache_read_tokens": 20,
                "cache_write_5m_tokens": 30,
                "cache_write_1h_tokens": 40,
            },
            {"response_model": "model-b", "cache_read_tokens": 5},
        ],
    )
    assert [(r["pricing_basis"], r["estimated_cost"]) for r in rows] == [
        (
            "cache_read@input,cache_write_5m@input,cache_write_1h@input",
            (10 + 20 + 30 + 40) * Decimal("0.000001"),
        ),
        ("cache_read@input", 5 * Decimal("0.000001")),
    ]


# --------------------------------------------------------------------------
# bands and periods


def test_long_context_band_switches_the_whole_request(con: duckdb.DuckDBPyConnection) -> None:
    base = add_price(con, "model-a", input="0.00000125", output="0.00001", cache_read="1.25e-7")
    long = add_price(
        con, "model-a", threshold=200_000, input="0.0000025", output="0.000015", cache_read="2.5e-7"
    )
    batch = add_price(con, "model-a", tier="batch", input="0.000000625", output="0.000005")
    rows = price(
        con,
        [
            # the prompt counts every input class: 150,000 + 50,000 = 200,000 -> base
            {
                "response_model": "model-a",
                "input_tokens": 150_000,
                "cache_read_tokens": 50_000,
                "output_tokens": 1000,
            },
            {
                "response_model": "model-a",
                "input_tokens": 150_000,
                "cache_read_tokens": 50_001,
                "output_tokens": 1000,
            },
            # an empty prompt is in the first band
            {"response_model": "model-a", "output_tokens": 1},
            # the batch tier has no long-context row: its base row covers every size
            {"response_model": "model-a", "input_tokens": 300_000, "is_batch": True},
        ],
    )
    assert [(r["price_id"], r["pricing_basis"], r["estimated_cost"]) for r in rows] == [
        (
            base,
            "exact",
            150_000 * Decimal("0.00000125") + 50_000 * Decimal("1.25e-7") + 1000 * Decimal("1e-5"),
        ),
        (
            long,
            "exact",
            150_000 * Decimal("0.0000025") + 50_001 * Decimal("2.5e-7") + 1000 * Decimal("1.5e-5"),
        ),
        (base, "exact", 1 * Decimal("0.00001")),
        (batch, "exact", 300_000 * Decimal("0.000000625")),
    ]
    bands = con.execute(
        "select requested_tier, priced_tier, prompt_above, prompt_up_to, price_id "
        "from int_prices_banded where requested_tier in ('standard', 'flex') "
        "order by requested_tier, prompt_above"
    ).fetchall()
    assert bands == [
        ("flex", "standard", -1, 200_000, base),
        ("flex", "standard", 200_000, None, long),
        ("standard", "standard", -1, 200_000, base),
        ("standard", "standard", 200_000, None, long),
    ]


def test_effective_dating(con: duckdb.DuckDBPyConnection) -> None:
    old = add_price(con, "model-a", input="0.000002")
    new = add_price(con, "model-a", effective_from=date(2025, 7, 1), input="0.000001")
    rows = price(
        con,
        [
            {
                "response_model": "model-a",
                "input_tokens": 1000,
                "started_at": datetime(2024, 12, 31),
            },
            {"response_model": "model-a", "input_tokens": 1000, "started_at": datetime(2025, 1, 1)},
            {
                "response_model": "model-a",
                "input_tokens": 1000,
                "started_at": datetime(2025, 6, 30, 23, 59, 59, 999999),
            },
            {"response_model": "model-a", "input_tokens": 1000, "started_at": datetime(2025, 7, 1)},
        ],
    )
    assert [(r["pricing_status"], r["price_id"], r["estimated_cost"]) for r in rows] == [
        ("unpriced", None, None),  # before the key has any price
        ("priced", old, 1000 * Decimal("0.000002")),
        ("priced", old, 1000 * Decimal("0.000002")),
        ("priced", new, 1000 * Decimal("0.000001")),
    ]


def test_imported_overrides_bundled_from_its_date(con: duckdb.DuckDBPyConnection) -> None:
    bundled = add_price(con, "model-a", input="0.0000025")
    add_price(con, "model-a", tier="batch", input="0.00000125")
    imported = add_price(
        con, "model-a", origin="imported", effective_from=date(2026, 1, 1), input="0.000001"
    )
    # an imported provider-specific key: exact name only, from its own date
    routed = add_price(
        con, "openai/model-a", origin="imported", effective_from=date(2026, 1, 1), input="0.000002"
    )
    rows = price(
        con,
        [
            {
                "response_model": "model-a",
                "input_tokens": 1000,
                "started_at": datetime(2025, 12, 31),
            },
            {"response_model": "model-a", "input_tokens": 1000, "started_at": datetime(2026, 1, 1)},
            # the import replaces the key's whole price set: batch falls back to it
            {
                "response_model": "model-a",
                "input_tokens": 1000,
                "is_batch": True,
                "started_at": datetime(2026, 2, 1),
            },
            {
                "response_model": "openai/model-a",
                "input_tokens": 1000,
                "started_at": datetime(2025, 7, 1),
            },
            {
                "response_model": "openai/model-a",
                "input_tokens": 1000,
                "started_at": datetime(2026, 7, 1),
            },
        ],
    )
    assert [
        (r["model_key"], r["price_id"], r["pricing_basis"], r["estimated_cost"]) for r in rows
    ] == [
        ("model-a", bundled, "exact", Decimal("0.0025")),
        ("model-a", imported, "exact", Decimal("0.001")),
        ("model-a", imported, "tier:batch->standard", Decimal("0.001")),
        ("model-a", bundled, "exact", Decimal("0.0025")),
        ("openai/model-a", routed, "exact", Decimal("0.002")),
    ]
    resolved = con.execute(
        "select model_key, valid_from, valid_to from int_model_names_resolved "
        "where response_model = 'openai/model-a' order by valid_from"
    ).fetchall()
    assert resolved == [
        ("model-a", datetime(2025, 1, 1), datetime(2026, 1, 1)),
        ("openai/model-a", datetime(2026, 1, 1), None),
    ]


def test_a_class_without_any_rate_is_unpriced_not_free(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-a", input="0.0000001")
    rows = price(
        con,
        [
            {"response_model": "model-a", "input_tokens": 10},
            {"response_model": "model-a", "input_tokens": 10, "output_tokens": 1},
            {"response_model": "acme/unknown-model-9-20250101", "input_tokens": 10},
            {
                "kind": "tool",
                "is_model_call": False,
                "response_model": "model-a",
                "input_tokens": 5,
            },
        ],
    )
    assert [outcome(r) for r in rows] == [
        ("model-a", "bundled:model-a:standard:0:2025-01-01", "priced", "exact",
         Decimal("0.000001"), "USD"),
        ("model-a", None, "unpriced", None, None, "USD"),
        ("acme/unknown-model-9", None, "unpriced", None, None, "USD"),
        ("model-a", None, "not_billable", None, None, "USD"),
    ]  # fmt: skip


# --------------------------------------------------------------------------
# currency


def test_costs_are_converted_exactly_to_the_reporting_currency(
    con: duckdb.DuckDBPyConnection,
) -> None:
    add_price(con, "model-usd", input="0.000003", output="0.000015")
    add_price(con, "model-eur", currency="EUR", input="0.000002")
    add_price(con, "model-gbp", currency="GBP", input="0.000001")
    add_price(con, "model-tiny", input="0.000000000001")
    rate = "0.923456789123456789"  # 18 decimals: the product has 30
    bind(con, "EUR", {"USD": rate})
    rows = price(
        con,
        [
            {"response_model": "model-usd", "input_tokens": 1000, "output_tokens": 77},
            # already in the reporting currency: not converted
            {"response_model": "model-eur", "input_tokens": 1000},
            # no rate for GBP: never relabelled, unpriced
            {"response_model": "model-gbp", "input_tokens": 1000},
            # big: 12,345,678.9 USD
            {"response_model": "model-usd", "input_tokens": 4_115_226_300_000},
        ],
    )
    usd = 1000 * Decimal("0.000003") + 77 * Decimal("0.000015")
    big = 4_115_226_300_000 * Decimal("0.000003")
    assert big == Decimal("12345678.9")
    assert [(r["pricing_status"], r["estimated_cost"], r["currency"]) for r in rows] == [
        ("priced", to_12(usd * Decimal(rate)), "EUR"),
        ("priced", 1000 * Decimal("0.000002"), "EUR"),
        ("unpriced", None, "EUR"),
        ("priced", to_12(big * Decimal(rate)), "EUR"),
    ]
    assert rows[0]["estimated_cost"] == Decimal("0.003836962959")  # 0.0038369629588079...


def test_conversion_rounds_half_even(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-tiny", input="0.000000000001")
    bind(con, "EUR", {"USD": "0.5"})
    rows = price(con, [{"response_model": "model-tiny", "input_tokens": n} for n in (1, 3, 5, 7)])
    # 0.5e-12 -> 0, 1.5e-12 -> 2e-12, 2.5e-12 -> 2e-12, 3.5e-12 -> 4e-12 (half-up would differ)
    assert [r["estimated_cost"] for r in rows] == [
        Decimal("0E-12"),
        Decimal("2E-12"),
        Decimal("2E-12"),
        Decimal("4E-12"),
    ]
    assert [r["estimated_cost"] for r in rows] == [
        to_12(n * Decimal("1e-12") * Decimal("0.5")) for n in (1, 3, 5, 7)
    ]


def test_bind_currency_and_require_exchange_rates(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-usd", input="0.000003")
    add_price(con, "model-gbp", currency="GBP", input="0.000001")
    config = Config(currency="EUR", exchange_rates={"USD": Decimal("0.92")})
    prices.bind_currency(con, config)
    assert con.execute("select * from cfg_settings").fetchall() == [("EUR",)]
    assert con.execute(
        "select currency, rate, typeof(rate) from cfg_exchange_rates"
    ).fetchall() == [("USD", Decimal("0.92"), "DECIMAL(38,18)")]
    with pytest.raises(ConfigError) as caught:
        prices.require_exchange_rates(con, config)
    assert caught.value.message == (
        "prices in GBP cannot be converted to the reporting currency EUR: "
        "aicost.toml has no exchange rate for it"
    )
    assert caught.value.hint is not None
    assert '[exchange_rates]  GBP = "<EUR per 1 GBP>"' in caught.value.hint
    assert "\n" not in caught.value.message + caught.value.hint
    prices.require_exchange_rates(
        con, Config(currency="EUR", exchange_rates={"USD": Decimal(1), "GBP": Decimal(1)})
    )
    con.execute("delete from prices where currency = 'GBP'")
    prices.require_exchange_rates(con, Config(currency="USD"))


# --------------------------------------------------------------------------
# width


def test_costs_above_ten_million_are_exact(con: duckdb.DuckDBPyConnection) -> None:
    """DECIMAL(18, 0) tokens times a DECIMAL(18, 12) rate is DECIMAL(18, 12) in
    DuckDB and overflowed at 1,000,000: every term is DECIMAL(38, 12) now."""
    add_price(con, "model-a", input="0.009876543210", output="0.000012345678")
    add_price(con, "model-max", input="999999.999999999999", output="999999.999999999999")
    max_bigint = 2**63 - 1
    rows = price(
        con,
        [
            {"response_model": "model-a", "input_tokens": 1_234_567_890, "output_tokens": 987_654},
            # the extremes: every token count a BIGINT holds at the largest rate the column holds
            {
                "response_model": "model-max",
                "input_tokens": max_bigint,
                "output_tokens": max_bigint,
                "reasoning_tokens": max_bigint,
            },
        ],
    )
    expected = 1_234_567_890 * Decimal("0.009876543210") + 987_654 * Decimal("0.000012345678")
    assert expected > 10_000_000
    assert expected == Decimal("12193275.304521786312")
    assert rows[0]["estimated_cost"] == expected
    with localcontext() as context:
        context.prec = 60
        extreme = 2 * max_bigint * Decimal("999999.999999999999")
    assert rows[1]["estimated_cost"] == extreme
    assert rows[1]["pricing_status"] == "priced"


def test_conversion_of_a_large_cost_is_exact(con: duckdb.DuckDBPyConnection) -> None:
    add_price(con, "model-a", input="0.009999999999")
    bind(con, "JPY", {"USD": "157.123456789012345678"})
    (row,) = price(con, [{"response_model": "model-a", "input_tokens": 9_000_000_000_000}])
    cost = 9_000_000_000_000 * Decimal("0.009999999999")
    assert row["estimated_cost"] == to_12(cost * Decimal("157.123456789012345678"))
    assert row["estimated_cost"] > 10**13
