"""Read-only views of the store for ``aicost db``: status and quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

from aicost_cli.migrations import LANDING_SOURCES

#: tables shown by ``aicost db status``, in order; those with started_at get
#: their time range. Landing tables hold what was read; operations and
#: operations_daily are built from them (``aicost build``).
_TABLES = (
    *(f"land_{source}" for source in LANDING_SOURCES),
    "operations",
    "operations_daily",
    "quarantine",
    "ingested_files",
    "ingest_runs",
    "build_runs",
    "prices",
)
_TIMED = {*(f"land_{source}" for source in LANDING_SOURCES), "operations"}


def status(con: duckdb.DuckDBPyConnection) -> pa.Table:
    present = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'main'"
        ).fetchall()
    }
    parts = []
    for table in _TABLES:
        if table not in present:  # derived tables before the first build
            continue
        parts.append(
            f"select '{table}' as table_name, count(*) as row_count, "
            + (
                "min(started_at) as first_at, max(started_at) as last_at"
                if table in _TIMED
                else "cast(null as timestamp) as first_at, cast(null as timestamp) as last_at"
            )
            + f" from {table}"
        )
    return con.sql(" union all ".join(parts)).to_arrow_table()


def sources(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        "select source_format, count(*) as files, sum(records_read) as records_read, "
        "sum(operations_inserted) as operations_inserted, sum(quarantined) as quarantined, "
        "max(ingested_at) as last_ingested_at from ingested_files group by source_format "
        "order by source_format"
    ).to_arrow_table()


def quarantine(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        "select source_file, source_line, source_format, reason, record, ingest_run_id, "
        "quarantined_at from quarantine order by source_file, source_line nulls first"
    ).to_arrow_table()
