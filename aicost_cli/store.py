"""Read-only views of the store for ``aicost db``: status and quarantine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

_TABLES = ("operations", "quarantine", "ingested_files", "ingest_runs", "prices")


def status(con: duckdb.DuckDBPyConnection) -> pa.Table:
    parts = []
    for table in _TABLES:
        parts.append(
            f"select '{table}' as table_name, count(*) as row_count, "
            + (
                "min(started_at) as first_at, max(started_at) as last_at"
                if table == "operations"
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
