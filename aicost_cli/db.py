"""Open the DuckDB file, apply migrations, run statements in transactions.

Every ``duckdb.Error`` that crosses into our code is wrapped in
:class:`DatabaseError` with a sentence that says what to do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from aicost_cli.errors import DatabaseError
from aicost_cli.migrations import MIGRATIONS


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if path.is_dir():
        raise DatabaseError(
            f"database path {path} is a directory",
            hint="point --db, AICOST_DB or db_path at a file, e.g. " + str(path / "aicost.duckdb"),
        )
    if path != Path(":memory:"):
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseError(
                f"database {path} is in use by another aicost process",
                hint="wait for it to finish, or use --db to point at another file",
            ) from None
        raise DatabaseError(f"cannot open database {path}: {text}") from None
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
        if missing:
            con.close()
            con = _open(path, read_only=False)
            migrate(con)
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
