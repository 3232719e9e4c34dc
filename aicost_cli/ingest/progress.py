"""Progress inside one long read: DuckDB's own query progress, polled from a
thread while the stager reads a batch (one big file is one batch), turned
into bytes read so the CLI's bar shows bytes and an ETA from the first
seconds instead of sitting at 0 until the file is done."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

#: how often the running query's progress is read
INTERVAL_S = 0.25  # tests lower it


@contextmanager
def watch(
    con: duckdb.DuckDBPyConnection,
    progress: Callable[[int, int, str], None] | None,
    *,
    done: int,
    total: int,
    name: str,
    size: int,
) -> Iterator[None]:
    """While the body runs a query on ``con`` that reads ``size`` bytes, call
    ``progress(done + bytes read so far, total, name)`` (from DuckDB's
    percentage; never backwards). Does nothing when ``progress`` is None."""
    if progress is None:
        yield
        return
    con.execute("set enable_progress_bar = true")
    con.execute("set enable_progress_bar_print = false")
    stop = threading.Event()
    shown = 0

    def poll() -> None:
        nonlocal shown
        while not stop.wait(INTERVAL_S):
            try:
                percent = con.query_progress()
            except duckdb.Error:
                continue
            read = int(size * min(max(percent, 0.0), 100.0) / 100)
            if read > shown:
                shown = read
                progress(done + read, total, name)

    thread = threading.Thread(target=poll, name="aicost-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
