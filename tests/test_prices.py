"""The price catalog (aicost_cli.prices) and the pricing SQL models over the
bundled catalog; ``prices import`` / ``prices missing`` end to end.

Expected costs are computed by hand here (rates from the bundled CSV times
token counts), not by the SQL under test. The model tests on a hand-written
catalog are in tests/test_pricing_models.py (whose helpers this file uses).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil
import tomllib
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
from typer.testing import CliRunner, Result

from aicost_cli import db, models, prices
from aicost_cli.cli import app
from aicost_cli.config import Config, parse_config
from aicost_cli.errors import ExitCode, InputFileError
from tests.conftest import examples
from tests.test_pricing_models import ATTRIBUTED_COLUMNS, PRICED_COLUMNS, create_models, stage

runner = CliRunner()

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
#: Bedrock geography (regional) inference-profile keys ('us.claude-sonnet-4-5'): the
#: normal form of aicost_model_geo_key, tried before aicost_model_key's
GEO_KEYS = {
    row["model_key"]
    for row in csv.DictReader(
        io.StringIO((resources.files("aicost_cli") / "data" / "prices.csv").read_text("utf-8"))
    )
    if re.match(r"^(us-gov|us|eu|apac|au|jp|ca)\.", row["model_key"])
}


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


@pytest.fixture(scope="module")
def bundled_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated store holding the bundled catalog, made once per module."""
    path = tmp_path_factory.mktemp("prices") / "template.duckdb"
    connection = db.connect(path)
    try:
        prices.ensure_bundled(connection)
    finally:
        connection.close()
    return path


@pytest.fixture
def con(tmp_path: Path, bundled_store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The test's own copy of ``bundled_store`` (tests write to it), opened as
    the CLI opens a store: migrations checked, bundled catalog checked, macros."""
    path = tmp_path / "t.duckdb"
    shutil.copyfile(bundled_store, path)
    connection = db.connect(path)
    prices.ensure_bundled(connection)
    models.load_macros(connection)
    yield connection
    connection.close()


def price(con: duckdb.DuckDBPyConnection, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ops (a hand-written int_operations_attributed) priced by the
    pricing models over the store's catalog, reported in USD."""
    stage(con, ops)
    prices.bind_currency(con, Config())
    create_models(con)
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
    keys = sorted({row["model_key"] for row in bundled_rows()} - EXACT_ONLY_KEYS - GEO_KEYS)
    got = con.execute(
        "select k, aicost_model_key(k) from unnest(?::varchar[]) as t(k)", [keys]
    ).fetchall()
    assert [normalised for _, normalised in got] == [key for key, _ in got]
    geo = sorted(GEO_KEYS)
    got = con.execute(
        "select k, aicost_model_geo_key(k) from unnest(?::varchar[]) as t(k)", [geo]
    ).fetchall()
    assert geo and [normalised for _, normalised in got] == geo


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
    assert (row["model_key"], row["price_id"], row["pricing_status"], row["pricing_basis"]) == (
        "claude-sonnet-4-5",
        "bundled:claude-sonnet-4-5:standard:0:2025-01-01",
        "priced",
        "exact",  # the bundled Anthropic rows have every cache rate
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
    assert row["pricing_basis"] == "cache_read@input"


def test_output_types_are_the_input_columns_then_the_pricing_columns(
    con: duckdb.DuckDBPyConnection,
) -> None:
    price(con, [{"response_model": "gpt-4o", "input_tokens": 1}])
    model_columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'int_operations_priced' order by ordinal_position"
    ).fetchall()
    assert model_columns == ATTRIBUTED_COLUMNS + PRICED_COLUMNS
    assert dict(model_columns)["estimated_cost"] == "DECIMAL(38,12)"


# --------------------------------------------------------------------------
# matching


@pytest.mark.parametrize(
    ("logged", "model_key"),
    [
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        # a regional (geography) profile of Sonnet 4.5 has its own, higher rates
        ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.claude-sonnet-4-5"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
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
    # the flex call priced at standard says so; an unknown tier word is standard
    assert [row["pricing_basis"] for row in rows] == [
        "exact",
        "exact",
        "exact",
        "tier:flex->standard",
        "exact",
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
    assert list(rows[0]) == [name for name, _ in ATTRIBUTED_COLUMNS + PRICED_COLUMNS]


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
    assert rows[2]["pricing_basis"] == "tier:batch->standard"
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
# import and rebuild, missing, list (end to end through the CLI)


def jsonl_operation(
    operation_id: str, started_at: str, model: str | None, provider: str | None, **fields: Any
) -> dict[str, Any]:
    """One aicost JSONL record (docs/aicost-format.md); usage fields by name."""
    usage = {k: fields.pop(k) for k in list(fields) if k.endswith("_tokens")}
    record: dict[str, Any] = {
        "operation_id": operation_id,
        "started_at": started_at,
        "kind": "chat" if model else "tool",
        **fields,
    }
    if model:
        record.update(model=model, provider=provider, usage=usage)
    return record


E2E_OPERATIONS = [
    jsonl_operation("op000", "2025-06-01T12:00:00Z", "gpt-4o", "openai", input_tokens=1000),
    jsonl_operation("op001", "2026-03-01T00:00:00Z", "gpt-4o", "openai", input_tokens=1000),
    jsonl_operation(
        "op002", "2026-03-02T00:00:00Z", "acme-llm", "acme", input_tokens=7, output_tokens=3
    ),
    jsonl_operation(
        "op003", "2026-03-01T00:00:00Z", "acme-llm", "acme", input_tokens=1, cache_read_tokens=2
    ),
    jsonl_operation("op004", "2026-03-01T00:00:01Z", None, None, name="search_web"),
    # gpt-4o has no flex row: priced at standard, shown as a fallback
    jsonl_operation(
        "op005", "2025-06-01T12:00:00Z", "gpt-4o", "openai", input_tokens=1000, service_tier="flex"
    ),
]


def ingest_e2e(folder: Path, config: Path | None = None) -> list[str]:
    data = folder / "ops.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in E2E_OPERATIONS))
    args = ["--config", str(config)] if config else []
    result = runner.invoke(app, [*args, "ingest", "requests", str(data), "--quiet"])
    assert result.exit_code == ExitCode.OK, result.stderr
    return args


def stored_operations(db_path: Path) -> list[tuple[Any, ...]]:
    connection = db.connect(db_path, read_only=True)
    try:
        return connection.execute(
            "select operation_id, pricing_status, price_id, pricing_basis, estimated_cost, "
            "currency from operations order by operation_id"
        ).fetchall()
    finally:
        connection.close()


def missing_json(args: list[str]) -> list[dict[str, Any]]:
    result = runner.invoke(app, [*args, "prices", "missing", "--format", "json"])
    assert (result.exit_code, result.stderr) == (ExitCode.OK, ""), result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@pytest.mark.slow
def test_import_rebuilds_stored_operations(hermetic: Path) -> None:
    """`aicost prices import` commits the prices, then rebuilds: stored
    operations are priced again from the landed data (nothing is updated in
    place), and `prices missing` shows what is unpriced or priced by a fallback."""
    args = ingest_e2e(hermetic)
    flex = ("op005", "priced", "bundled:gpt-4o:standard:0:2025-01-01", "tier:flex->standard",
            Decimal("0.0025"), "USD")  # fmt: skip
    assert stored_operations(hermetic / "test.duckdb") == [
        ("op000", "priced", "bundled:gpt-4o:standard:0:2025-01-01", "exact", Decimal("0.0025"),
         "USD"),
        ("op001", "priced", "bundled:gpt-4o:standard:0:2025-01-01", "exact", Decimal("0.0025"),
         "USD"),
        ("op002", "unpriced", None, None, None, "USD"),
        ("op003", "unpriced", None, None, None, "USD"),
        ("op004", "not_billable", None, None, None, "USD"),
        flex,
    ]  # fmt: skip
    fallback_flex = {
        "issue": "fallback",
        "provider": "openai",
        "model": None,
        "model_key": "gpt-4o",
        "pricing_basis": "tier:flex->standard",
        "operations": 1,
        "first_seen": "2025-06-01T12:00:00Z",
        "last_seen": "2025-06-01T12:00:00Z",
        "input_tokens": 1000,
        "output_tokens": 0,
    }
    assert missing_json(args) == [
        {
            "issue": "unpriced",
            "provider": "acme",
            "model": "acme-llm",
            "model_key": "acme-llm",
            "pricing_basis": None,
            "operations": 2,
            "first_seen": "2026-03-01T00:00:00Z",
            "last_seen": "2026-03-02T00:00:00Z",
            "input_tokens": 10,
            "output_tokens": 3,
        },
        fallback_flex,
    ]

    source = write_litellm(
        hermetic / "p.json",
        {
            "gpt-4o": {"input_cost_per_token": 1e-06},
            "acme-llm": {"input_cost_per_token": 1e-07, "output_cost_per_token": 2e-07},
        },
    )
    imported = runner.invoke(
        app, [*args, "prices", "import", str(source), "--effective-from", "2026-01-01"]
    )
    assert imported.exit_code == ExitCode.OK, imported.stderr
    assert imported.stdout == ""
    assert imported.stderr.startswith(
        "imported 2 price row(s) for 2 model(s) (0 entries skipped); rebuilt "
    )
    after = [
        ("op000", "priced", "bundled:gpt-4o:standard:0:2025-01-01", "exact", Decimal("0.0025"),
         "USD"),
        ("op001", "priced", "imported:gpt-4o:standard:0:2026-01-01", "exact", Decimal("0.001"),
         "USD"),
        # 7 * 1e-7 + 3 * 2e-7
        ("op002", "priced", "imported:acme-llm:standard:0:2026-01-01", "exact",
         Decimal("0.0000013"), "USD"),
        # 1 * 1e-7 + 2 cache reads at the input rate (the import states no cache-read rate)
        ("op003", "priced", "imported:acme-llm:standard:0:2026-01-01", "cache_read@input",
         Decimal("0.0000003"), "USD"),
        ("op004", "not_billable", None, None, None, "USD"),
        flex,
    ]  # fmt: skip
    assert stored_operations(hermetic / "test.duckdb") == after
    assert missing_json(args) == [  # no unpriced row left; ties by provider
        {
            "issue": "fallback",
            "provider": "acme",
            "model": None,
            "model_key": "acme-llm",
            "pricing_basis": "cache_read@input",
            "operations": 1,
            "first_seen": "2026-03-01T00:00:00Z",
            "last_seen": "2026-03-01T00:00:00Z",
            "input_tokens": 3,
            "output_tokens": 0,
        },
        fallback_flex,
    ]

    # importing the same file again changes nothing: same catalog digest, same rows
    connection = db.connect(hermetic / "test.duckdb", read_only=True)
    digest = prices.prices_digest(connection)
    connection.close()
    again = runner.invoke(
        app, [*args, "prices", "import", str(source), "--effective-from", "2026-01-01", "--quiet"]
    )
    assert (again.exit_code, again.stdout, again.stderr) == (ExitCode.OK, "", "")
    connection = db.connect(hermetic / "test.duckdb", read_only=True)
    assert prices.prices_digest(connection) == digest
    connection.close()
    assert stored_operations(hermetic / "test.duckdb") == after


def test_missing_on_a_store_never_built(hermetic: Path) -> None:
    listed = runner.invoke(app, ["prices", "list", "gpt-4o", "--format", "csv"])
    assert listed.exit_code == ExitCode.OK, listed.stderr
    result = runner.invoke(app, ["prices", "missing", "--format", "json"])
    assert (result.exit_code, result.stdout) == (ExitCode.OK, "[]\n"), result.stderr
    assert result.stderr.startswith("aicost: rebuilt 0 day(s) of derived data first")
    again = runner.invoke(app, ["prices", "missing", "--format", "csv"])
    assert (again.exit_code, again.stderr) == (ExitCode.OK, "")
    assert again.stdout.splitlines() == [
        "issue,provider,model,model_key,pricing_basis,operations,first_seen,last_seen,"
        "input_tokens,output_tokens"
    ]


def assert_one_error(result: Result, code: ExitCode) -> str:
    """Exit code, nothing on stdout, one error line (plus its hint), no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("aicost: error: ")
    assert lines[1].startswith("hint: ")
    return result.stderr


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        # $3 per million written as a per-token price
        ({"input_cost_per_token": 3}, "'input_cost_per_token' = 3 USD per token"),
        ({"output_cost_per_token_batches": 15.0}, "'output_cost_per_token_batches' = 15.0 USD"),
        # a cheap embedding at $0.02 per million, written per million
        ({"input_cost_per_token": 0.02}, "(20,000 USD per million tokens)"),
        ({"input_cost_per_token": 1e-06, "input_cost_per_query": 1000000}, "does not fit"),
    ],
)
def test_import_refuses_implausible_rates(
    hermetic: Path, entry: dict[str, Any], needle: str
) -> None:
    source = write_litellm(
        hermetic / "p.json", {"ok-model": {"input_cost_per_token": 1e-06}, "bad-model": entry}
    )
    result = runner.invoke(app, ["prices", "import", str(source)])
    stderr = assert_one_error(result, ExitCode.INPUT)
    assert f"price file {source}: model 'bad-model': " in stderr
    assert needle in stderr
    connection = db.connect(hermetic / "test.duckdb", read_only=True)
    assert connection.execute(
        "select count(*) from prices where origin = 'imported'"
    ).fetchall() == [(0,)]
    connection.close()


def test_the_plausibility_threshold(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    assert prices.MAX_PER_TOKEN_RATE == Decimal("0.01")  # 10,000 USD per million tokens
    at_limit = {"input_cost_per_token": Decimal("0.01"), "input_cost_per_query": Decimal("999999")}
    assert prices.litellm_entry_rows(at_limit)[0]["input_per_token"] == Decimal("0.01")
    with pytest.raises(prices.ImplausiblePriceError) as caught:
        prices.litellm_entry_rows({"input_cost_per_token": Decimal("0.010000000001")})
    assert caught.value.exit_code == ExitCode.INPUT
    assert isinstance(caught.value, InputFileError)
    # the dearest real rates (LiteLLM 1.109) import
    source = write_litellm(
        tmp_path / "p.json",
        {
            "o1-pro": {"input_cost_per_token": 0.00015, "output_cost_per_token": 0.0006},
            "tavily/search-advanced": {"input_cost_per_query": 0.016},
        },
    )
    assert prices.import_litellm(con, source).rows_imported == 2


def test_bundled_rates_are_plausible() -> None:
    for row in bundled_rows():
        for column in CSV_HEADER[5:11]:
            assert not row[column] or Decimal(row[column]) <= prices.MAX_PER_TOKEN_RATE


def test_prices_digest(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    first = prices.prices_digest(con)
    assert first == prices.prices_digest(con)
    assert first.startswith(f"{len(bundled_rows())}:")
    # the row order does not matter
    con.execute("create temp table shuffled as select * from prices order by random()")
    con.execute("delete from prices")
    con.execute("insert into prices select * from shuffled")
    assert prices.prices_digest(con) == first
    # an import changes it; re-importing the same file (a new imported_at) does not
    source = write_litellm(tmp_path / "p.json", {"gpt-4o": {"input_cost_per_token": 1e-06}})
    prices.import_litellm(con, source)
    imported = prices.prices_digest(con)
    assert imported != first
    prices.import_litellm(con, source)
    assert prices.prices_digest(con) == imported
    # any rate changes it
    con.execute("update prices set output_per_token = 0.000001 where model_key = 'gpt-4o' "
                "and origin = 'imported'")  # fmt: skip
    assert prices.prices_digest(con) != imported
    con.execute("delete from prices")
    assert prices.prices_digest(con) == "0:d41d8cd98f00b204e9800998ecf8427e"  # md5 of ""


# --------------------------------------------------------------------------
# currency


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[exchange_rates]\nUSD = "0.92"\n', {"USD": Decimal("0.92")}),
        (
            "[exchange_rates]\nusd = 0.92\njpy = 157\n",
            {"USD": Decimal("0.92"), "JPY": Decimal(157)},
        ),
        ('[exchange_rates]\nEUR = "1"\n', {}),  # the reporting currency itself
        (
            '[exchange_rates]\nUSD = "0.923456789123456789"\n',
            {"USD": Decimal("0.923456789123456789")},
        ),
    ],
)
def test_exchange_rates_are_read_exactly(toml: str, expected: dict[str, Decimal]) -> None:
    config = parse_config(tomllib.loads('currency = "EUR"\n' + toml), Path("a.toml"))
    assert config.exchange_rates == expected


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("exchange_rates = 1\n", "'exchange_rates' must be a table"),
        ('[exchange_rates]\nDOLLAR = "1"\n', "'exchange_rates.DOLLAR' is not a 3-letter"),
        ("[exchange_rates]\nUSD = true\n", "'exchange_rates.USD' must be a rate"),
        ('[exchange_rates]\nUSD = "lots"\n', "'exchange_rates.USD' = 'lots' is not a number"),
        ('[exchange_rates]\nUSD = "0"\n', "must be a positive rate"),
        ('[exchange_rates]\nUSD = "-0.9"\n', "must be a positive rate"),
        ('[exchange_rates]\nUSD = "1e9"\n', "below 1,000,000,000"),
        ('[exchange_rates]\nUSD = "0.0000000000000000001"\n', "more than 18 decimals"),
        ('[exchange_rates]\nEUR = "0.5"\n', "is the reporting currency"),
        ('[exchange_rates]\nUSD = "1"\nusd = "1"\n', "given twice"),
    ],
)
def test_bad_exchange_rates(hermetic: Path, toml: str, message: str) -> None:
    config = hermetic / "aicost.toml"
    config.write_text('currency = "EUR"\n' + toml)
    result = runner.invoke(app, ["--config", str(config), "prices", "missing"])
    assert result.exit_code == ExitCode.USAGE, result.stderr
    assert result.stdout == ""
    line = result.stderr.splitlines()[0]
    assert line.startswith(f"aicost: error: {config}: ")
    assert message in line


@pytest.mark.slow  # fast tier: test_pricing_models' conversion, test_bad_exchange_rates
def test_costs_are_reported_in_the_configured_currency(hermetic: Path) -> None:
    config = hermetic / "aicost.toml"
    config.write_text('currency = "EUR"\n')
    data = hermetic / "ops.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in E2E_OPERATIONS))
    # bundled prices are USD: with no rate the build refuses, naming the fix
    refused = runner.invoke(app, ["--config", str(config), "ingest", "requests", str(data)])
    stderr = assert_one_error(refused, ExitCode.USAGE)
    assert (
        f"prices in USD cannot be converted to the reporting currency EUR: {config} has no "
        "exchange rate for it" in stderr
    )
    assert f'hint: add to {config}:  [exchange_rates]  USD = "<EUR per 1 USD>"' in stderr
    # and so does an import, before importing anything
    source = write_litellm(hermetic / "p.json", {"acme-llm": {"input_cost_per_token": 1e-07}})
    assert_one_error(
        runner.invoke(app, ["--config", str(config), "prices", "import", str(source)]),
        ExitCode.USAGE,
    )
    connection = db.connect(hermetic / "test.duckdb", read_only=True)
    assert connection.execute(
        "select count(*) from prices where origin = 'imported'"
    ).fetchall() == [(0,)]
    connection.close()

    config.write_text('currency = "EUR"\n\n[exchange_rates]\nUSD = "0.92"\n')
    ingest_e2e(hermetic, config)
    rows = stored_operations(hermetic / "test.duckdb")
    assert [(r[0], r[4], r[5]) for r in rows] == [
        ("op000", 1000 * Decimal("0.0000025") * Decimal("0.92"), "EUR"),
        ("op001", 1000 * Decimal("0.0000025") * Decimal("0.92"), "EUR"),
        ("op002", None, "EUR"),
        ("op003", None, "EUR"),
        ("op004", None, "EUR"),
        ("op005", 1000 * Decimal("0.0000025") * Decimal("0.92"), "EUR"),
    ]


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
        # the us. (regional) profile's own rows: Sonnet 4.5 x 1.1
        Decimal("3.3"),
        Decimal("6.6"),
        Decimal("16.5"),
    )
    assert {row["model_key"] for row in rows} == {"us.claude-sonnet-4-5"}
    global_rows = prices.list_prices(con, "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert {row["model_key"] for row in global_rows.to_pylist()} == {"claude-sonnet-4-5"}
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


CANONICAL_KEYS = sorted({row["model_key"] for row in bundled_rows()} - EXACT_ONLY_KEYS - GEO_KEYS)
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


@settings(max_examples=examples(300), deadline=None)
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


@settings(max_examples=examples(200), deadline=None)
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
