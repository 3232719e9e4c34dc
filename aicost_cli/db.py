"""Open the DuckDB file, apply migrations, run statements in transactions.

Every ``duckdb.Error`` that crosses into our code is wrapped in
:class:`DatabaseError` with a sentence that says what to do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from aicost_cli import models
from aicost_cli.errors import ConfigError, DatabaseError
from aicost_cli.migrations import MIGRATIONS

#: How long to wait for another process's hold on the database (seconds):
#: readers wait for a writer's short commit, writers for readers to finish.
DEFAULT_LOCK_TIMEOUT = 30.0


def lock_timeout() -> float:
    raw = os.environ.get("AICOST_LOCK_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ConfigError(
            f"AICOST_LOCK_TIMEOUT={raw!r} is not a number of seconds", hint="e.g. 30 or 0.5"
        )
    return value


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open, waiting up to AICOST_LOCK_TIMEOUT for another process's lock."""
    deadline = time.monotonic() + lock_timeout()
    pause = 0.02
    while True:
        try:
            return _open_once(path, read_only)
        except _Busy:
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"database {path} is in use by another aicost process "
                    f"(waited {lock_timeout():g} s)",
                    hint="wait for it to finish, raise AICOST_LOCK_TIMEOUT, "
                    "or use --db to point at another file",
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


class _Busy(Exception):
    pass


def _make_parent(path: Path) -> None:
    """Create the database's folder, or say in one line why it cannot be
    (a part of the path is a regular file, no permission)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in path.parents if p.is_file()), None)
        why = f"{blocker} is a file, not a folder" if blocker else (exc.strerror or str(exc))
        raise DatabaseError(
            f"cannot create the folder of database {path}: {why}",
            hint="point --db, AICOST_DB or db_path at a path in a folder",
        ) from None


def _open_once(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if path.is_dir():
        raise DatabaseError(
            f"database path {path} is a directory",
            hint="point --db, AICOST_DB or db_path at a file, e.g. " + str(path / "aicost.duckdb"),
        )
    if path != Path(":memory:"):
        _make_parent(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if _is_lock_conflict(exc):
            raise _Busy() from None
        raise DatabaseError(f"cannot open database {path}: {exc}") from None
    except duckdb.Error as exc:
        raise DatabaseError(
            f"cannot open database {path}: {exc}",
            hint="is it a DuckDB file? Point --db at a new path to start afresh",
        ) from None
    con.execute("set TimeZone = 'UTC'")
    return con


def applied_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = '_aicost_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return []
    return [
        row[0] for row in con.execute("select name from _aicost_migrations order by id").fetchall()
    ]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "create table if not exists _aicost_migrations "
        "(id integer not null, name varchar not null, applied_at timestamp not null)"
    )
    done = set(applied_migrations(con))
    for number, (name, ddl) in enumerate(MIGRATIONS, start=1):
        if name in done:
            continue
        with transaction(con):
            con.execute(ddl)
            con.execute(
                "insert into _aicost_migrations values (?, ?, now()::timestamp)", [number, name]
            )


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the database at ``path``.

    Read-only opens of a file that does not exist yet raise a clear error
    instead of creating an empty database.
    """
    if read_only and path != Path(":memory:") and not path.exists():
        raise DatabaseError(
            f"database {path} does not exist yet",
            hint="run 'aicost ingest requests PATH' first, or point --db at your database",
        )
    if read_only:
        con = _open(path, read_only=True)
        missing = [name for name, _ in MIGRATIONS if name not in set(applied_migrations(con))]
        if missing:  # an older store: migrate it once, then read it
            con.close()
            with writer_lock(path):
                con = _open(path, read_only=False)
                try:
                    migrate(con)
                finally:
                    con.close()
            con = _open(path, read_only=True)
        return con
    con = _open(path, read_only=False)
    try:
        migrate(con)
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"cannot prepare database {path}: {exc}") from None
    return con


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All-or-nothing: commit on success, roll back on any exception."""
    con.execute("begin transaction")
    try:
        yield
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    con.execute("commit")


@contextlib.contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Our own transaction, or the caller's when one is already open."""
    if in_transaction(con):
        yield
        return
    with transaction(con):
        yield


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the caller has a transaction open on ``con``: in auto-commit
    mode every statement gets a new transaction id; inside an explicit
    transaction they share one. (Trying ``begin`` instead would abort the
    caller's transaction in DuckDB.)"""
    query = "select current_transaction_id()"
    return con.execute(query).fetchall() == con.execute(query).fetchall()


@contextlib.contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """One writer at a time (ingest, build, prices import, demo): an advisory
    lock on ``<db>.lock``, held for the whole job, so that what a job read
    before its commit is still true when it commits. Readers never take it:
    they only meet DuckDB's own lock during a writer's short commit."""
    if path == Path(":memory:"):
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    _make_parent(lock_path)
    try:
        handle = lock_path.open("a+b")
    except OSError as exc:
        raise DatabaseError(f"cannot create lock file {lock_path}: {exc.strerror}") from None
    deadline = time.monotonic() + lock_timeout()
    with handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseError(
                        f"another aicost process is writing to {path} "
                        f"(waited {lock_timeout():g} s)",
                        hint="wait for it to finish, or raise AICOST_LOCK_TIMEOUT",
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


#: DuckDB's buffer budget during an ingest or build (``AICOST_MEMORY_LIMIT``
#: overrides, e.g. "4GB"). Staged rows, the de-duplication aggregate and the
#: pricing joins spill to disk beyond it, so peak memory stays flat as runs
#: grow: 10M LiteLLM records in one run peaked at 2.5 GB RSS with DuckDB's
#: default (80% of RAM) and at 1.1 GB with 1GB, for about +10% time.
DEFAULT_MEMORY_LIMIT = "1GB"


@contextlib.contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's buffer budget for the statements run inside, DuckDB's default
    after; a nested use (the build inside an ingest's commit) leaves the
    outer budget in force."""
    wanted = os.environ.get("AICOST_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    setting = "select current_setting('memory_limit')"
    before = con.execute(setting).fetchall()
    try:
        con.execute("set memory_limit = ?", [wanted])
    except duckdb.Error:
        raise ConfigError(
            f"AICOST_MEMORY_LIMIT={wanted!r} is not a memory size",
            hint="write it like 1GB or 512MB",
        ) from None
    nested = con.execute(setting).fetchall() == before
    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        raise DatabaseError(
            f"the work did not fit in the memory budget ({wanted}): {str(exc).splitlines()[0]}",
            hint="set AICOST_MEMORY_LIMIT higher (e.g. AICOST_MEMORY_LIMIT=4GB) and run again; "
            "nothing was changed",
        ) from None
    finally:
        # after a failed statement the transaction is aborted: the setting is
        # the connection's and goes with it (never mask the first error)
        with contextlib.suppress(duckdb.Error):
            if not nested:  # else the budget was in force before: the outer block resets it
                con.execute("reset memory_limit")  # DuckDB's default (80% of RAM)


@contextlib.contextmanager
def without_optimizer(con: duckdb.DuckDBPyConnection, name: str) -> Iterator[None]:
    """One of DuckDB's optimizer rules (``duckdb_optimizers()``) off for the
    statements run inside; the connection's own list is restored after."""
    row = con.execute("select current_setting('disabled_optimizers')").fetchone()
    before = str(row[0]) if row and row[0] else ""
    disabled = ",".join(filter(None, [before, name]))
    con.execute("set disabled_optimizers = " + models.sql_string(disabled))
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):  # never mask the first error
            con.execute("set disabled_optimizers = " + models.sql_string(before))
