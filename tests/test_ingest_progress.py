"""Progress inside one long read (aicost_cli.ingest.progress.watch)."""

from __future__ import annotations

import duckdb
import pytest

from aicost_cli.ingest import progress


def test_watch_reports_growing_bytes_during_one_long_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progress, "INTERVAL_S", 0.01)
    con = duckdb.connect()
    calls: list[tuple[int, int, str]] = []
    with progress.watch(
        con, lambda *a: calls.append(a), done=1_000, total=10_000, name="big.ndjson", size=5_000
    ):
        con.execute("select sum(hash(i)) from range(250000000) as t(i) where i % 7 = 3").fetchall()
    assert calls, "no progress during a multi-second query"
    read = [done for done, _, _ in calls]
    assert read == sorted(read)  # never backwards
    assert all(1_000 < value <= 6_000 for value in read)
    assert {(total, name) for _, total, name in calls} == {(10_000, "big.ndjson")}


def test_watch_without_a_callback_does_nothing() -> None:
    con = duckdb.connect()
    with progress.watch(con, None, done=0, total=1, name="x", size=1):
        assert con.execute("select 1").fetchall() == [(1,)]
