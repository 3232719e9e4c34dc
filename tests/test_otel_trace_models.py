"""Model tests (given rows -> expected rows, in-memory DuckDB) for the OTel trace
models of the build: int_otel_duplicate_calls (a call reported by two spans of one
trace counts once) and int_otel_trace_roots (the root's attributes and the
conversation any span of the trace names). End to end, on spans recorded from real
libraries: tests/test_conformance.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import duckdb
import pytest

from aicost_cli import models
from aicost_cli.config import DEFAULT_ATTRIBUTION


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    models.load_macros(connection)
    models.define_attribution_macros(connection, DEFAULT_ATTRIBUTION)
    connection.execute(
        """
        create temp table land_otel (
            operation_id varchar, trace_id varchar, parent_id varchar,
            started_at timestamp, is_model_call boolean,
            attributes map(varchar, varchar), attributes_tags map(varchar, varchar),
            cache_read_tokens bigint, cache_write_5m_tokens bigint,
            cache_write_1h_tokens bigint, reasoning_tokens bigint
        )
        """
    )
    # the build's view of the days being built: here, every landed span
    connection.execute(
        "create temp view int_operations_unioned as "
        "select 'otel' as source_format, trace_id from land_otel"
    )
    yield connection
    connection.close()


def span(
    operation_id: str,
    trace_id: str = "t1",
    *,
    parent_id: str | None = "t1:root",
    minute: int = 0,
    model_call: bool = True,
    attributes: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
    read: int = 0,
    write_5m: int = 0,
    write_1h: int = 0,
    reasoning: int = 0,
) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "trace_id": trace_id,
        "parent_id": parent_id,
        "started_at": datetime(2026, 7, 2, 10, minute),
        "is_model_call": model_call,
        "attributes": attributes,
        "attributes_tags": tags,
        "cache_read_tokens": read,
        "cache_write_5m_tokens": write_5m,
        "cache_write_1h_tokens": write_1h,
        "reasoning_tokens": reasoning,
    }


def run(con: duckdb.DuckDBPyConnection, model: str, spans: list[dict[str, Any]]) -> list[Any]:
    for row in spans:
        con.execute(
            f"insert into land_otel ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )
    return con.execute(f"select * from ({models.model_sql(model)}) order by 1").fetchall()


def response(rid: str) -> dict[str, str]:
    return {"gen_ai.response.id": rid}


def test_one_call_two_spans_counts_the_one_that_says_most(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(
        con,
        "int_otel_duplicate_calls",
        [
            # OpenLLMetry's span: writes without the TTL split
            span("t1:a", attributes=response("msg_1"), write_5m=1000),
            # the SDK's own span of the same call: the 1-hour split
            span("t1:b", attributes=response("msg_1"), write_5m=400, write_1h=600),
            # another call of the trace, one span: not a duplicate
            span("t1:c", attributes=response("msg_2"), read=10),
            # the same response id in another trace is another call
            span("t2:a", "t2", attributes=response("msg_1")),
            # spans that are not model calls, or have no response id, are never merged
            span("t1:d", model_call=False, attributes=response("msg_2")),
            span("t1:e"),
            span("t1:f"),
        ],
    )
    assert rows == [("t1:a", "t1:b")]


def test_equal_spans_keep_the_smallest_id(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        con,
        "int_otel_duplicate_calls",
        [span("t1:y", attributes=response("r")), span("t1:x", attributes=response("r"))],
    )
    assert rows == [("t1:y", "t1:x")]


def test_trace_conversation_is_named_by_any_span(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(
        con,
        "int_otel_trace_roots",
        [
            # t1: the root names no conversation; an inner step does
            span("t1:root", parent_id=None, attributes={"feature": "bot"}),
            span("t1:plan", minute=1, attributes={"gen_ai.conversation.id": "c-1"}),
            span("t1:call", minute=2),
            # t2: two spans name one, the earliest wins; one names it in its resource
            span("t2:late", "t2", minute=5, attributes={"session.id": "c-late"}),
            span("t2:early", "t2", minute=3, tags={"session.id": "c-early"}),
            # t3: no root landed, no conversation
            span("t3:call", "t3"),
        ],
    )
    assert rows == [
        ("t1", {"feature": "bot"}, "c-1"),
        ("t2", None, "c-early"),
        ("t3", None, None),
    ]
