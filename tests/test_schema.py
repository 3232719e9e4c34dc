"""The store's tables, pinned: the landing tables (what was read) and the
derived tables the build makes (what reports read). A change here is a change
of the contract: update docs/schema.md and the CHANGELOG with it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from aicost_cli import db
from aicost_cli.cli import app
from aicost_cli.migrations import LANDING_SOURCES
from tests.conftest import litellm_payload

LANDED = [
    ("operation_id", "VARCHAR"),
    ("source_format", "VARCHAR"),
    ("trace_id", "VARCHAR"),
    ("parent_id", "VARCHAR"),
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
    ("attributes", "MAP(VARCHAR, VARCHAR)"),
    ("attributes_fallback", "MAP(VARCHAR, VARCHAR)"),
    ("attributes_tags", "MAP(VARCHAR, VARCHAR)"),
    ("native_feature", "VARCHAR"),
    ("native_team", "VARCHAR"),
    ("native_user", "VARCHAR"),
    ("native_conversation_id", "VARCHAR"),
    ("native_prompt_version", "VARCHAR"),
    ("native_environment", "VARCHAR"),
    ("tags", "MAP(VARCHAR, VARCHAR)"),
    ("source_cost", "DECIMAL(38,12)"),
    ("source_file", "VARCHAR"),
    ("source_line", "BIGINT"),
    ("ingest_run_id", "BIGINT"),
    ("id_key", "UBIGINT"),
]

OPERATIONS = [
    ("day", "DATE"),
    ("operation_id", "VARCHAR"),
    ("id_key", "UBIGINT"),
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
    ("model_key", "VARCHAR"),
    ("price_id", "VARCHAR"),
    ("pricing_status", "VARCHAR"),
    ("pricing_basis", "VARCHAR"),
    ("estimated_cost", "DECIMAL(38,12)"),
    ("currency", "VARCHAR"),
    ("owner", "VARCHAR"),
    ("unit_key", "VARCHAR"),
]

DAILY = [
    ("day", "DATE"),
    ("feature", "VARCHAR"),
    ("owner", "VARCHAR"),
    ("team", "VARCHAR"),
    ("model", "VARCHAR"),
    ("provider", "VARCHAR"),
    ("prompt_version", "VARCHAR"),
    ("environment", "VARCHAR"),
    ("unit_key", "VARCHAR"),
    ("currency", "VARCHAR"),
    ("operations", "BIGINT"),
    ("failed_operations", "BIGINT"),
    ("input_tokens", "BIGINT"),
    ("cache_read_tokens", "BIGINT"),
    ("cache_write_tokens", "BIGINT"),
    ("output_tokens", "BIGINT"),
    ("reasoning_tokens", "BIGINT"),
    ("estimated_cost", "DECIMAL(38,12)"),
    ("unpriced_operations", "BIGINT"),
    ("unpriced_source_cost", "DECIMAL(38,12)"),
    ("fallback_priced_operations", "BIGINT"),
]


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    ]


def test_landing_tables_are_pinned(tmp_path: Path) -> None:
    con = db.connect(tmp_path / "new.duckdb")
    try:
        for source in LANDING_SOURCES:
            assert columns(con, f"land_{source}") == LANDED, source
        # the fact table is built from sql/, not created by a migration
        assert columns(con, "operations") == []
    finally:
        con.close()


def test_built_tables_are_pinned(tmp_path: Path) -> None:
    logs = tmp_path / "one.json"
    logs.write_text(json.dumps(litellm_payload("chatcmpl-1")), encoding="utf-8")
    store = tmp_path / "store.duckdb"
    result = CliRunner().invoke(app, ["--db", str(store), "ingest", "requests", str(logs)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert columns(con, "operations") == OPERATIONS
        assert columns(con, "operations_daily") == DAILY
    finally:
        con.close()


def test_a_store_from_before_landing_keeps_its_operations(tmp_path: Path) -> None:
    """Migration 2 carries the old operations table into the landing tables,
    with the attribution decided at their ingest kept as their own."""
    from aicost_cli.migrations import MIGRATIONS

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table _aicost_migrations (id integer, name varchar, applied_at timestamp)")
    con.execute(MIGRATIONS[0][1])
    con.execute(
        "insert into _aicost_migrations values (1, ?, now()::timestamp)", [MIGRATIONS[0][0]]
    )
    con.execute(
        """
        insert into operations (operation_id, source_format, conversation_id, unit_id,
            started_at, kind, is_model_call, model, response_model, input_tokens, cache_read_tokens,
            cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
            service_tier, is_batch, status, feature, team, pricing_status, source_file,
            ingest_run_id)
        values ('op-1', 'litellm', 'conv-1', 'conv-1', timestamp '2026-07-02 10:00:00', 'chat',
            true, 'claude-sonnet-4-5', 'claude-sonnet-4-5', 100, 0, 0, 0, 50, 0, 'standard',
            false, 'ok', 'support-bot', 'team-a', 'priced', 'old.jsonl', 1)
        """
    )
    con.close()
    result = CliRunner().invoke(
        app,
        ["--db", str(path), "report", "attribution", "--by", "feature,team", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["feature"], r["team"], r["operations"], r["units"]) for r in rows] == [
        ("support-bot", "team-a", 1, 1)
    ]
    # 100 input + 50 output tokens of claude-sonnet-4-5 at list price, by hand
    assert Decimal(str(rows[0]["estimated_cost"])) == 100 * Decimal("0.000003") + 50 * Decimal(
        "0.000015"
    )
