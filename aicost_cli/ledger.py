"""What was ingested, and undoing it: ``aicost db sources``, ``aicost db
forget PATH|RUN`` and ``aicost db quarantine --clear``.

Forgetting is one transaction under the writer lock: the landed rows of the
source file(s) or run, their quarantined records and ledger rows (and the run
itself, for a run) are deleted, then the derived tables are rebuilt for the
UTC days those rows were on, plus every day of an OTel trace they were part
of (a removed root span changes its children's attribution). The audits run
as after any build; if one fails nothing is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli.config import Config
from aicost_cli.errors import DatabaseError, UsageError
from aicost_cli.migrations import LANDING_SOURCES

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from aicost_cli.build import BuildResult

_LANDED = " union all ".join(
    f"select source_file, ingest_run_id, started_at, operation_id, is_model_call from land_{source}"
    for source in LANDING_SOURCES
)


def sources(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per ingested file or object: format, run, records read,
    operations landed (and model calls among them), quarantined, and the
    time range of what it landed."""
    return con.sql(
        f"""
        with landed as ({_LANDED}),
        per_file as (
            select
                landed.source_file,
                count(*) filter (where landed.is_model_call) as model_calls,
                min(landed.started_at) as first_at,
                max(landed.started_at) as last_at
            from landed
            group by landed.source_file
        )
        select
            ingested_files.source_file,
            ingested_files.source_format,
            ingested_files.ingest_run_id,
            ingested_files.records_read,
            ingested_files.operations_inserted as operations,
            coalesce(per_file.model_calls, 0) as model_calls,
            ingested_files.duplicates_skipped,
            ingested_files.quarantined,
            per_file.first_at,
            per_file.last_at,
            ingested_files.ingested_at
        from ingested_files
        left join per_file on per_file.source_file = ingested_files.source_file
        order by ingested_files.ingest_run_id, ingested_files.source_file
        """
    ).to_arrow_table()


@dataclass(frozen=True)
class ForgetResult:
    files: int
    operations: int
    quarantined: int
    run_removed: bool
    build: BuildResult
    #: bill lines removed: the whole billing periods (partitions) the target
    #: delivered, since a period is only ever landed as a whole
    charges: int = 0


def _target(con: duckdb.DuckDBPyConnection, target: str) -> tuple[str, list[object], bool]:
    """A WHERE clause (on source_file / ingest_run_id) and its parameters."""
    text = target.strip()
    if not text:
        raise UsageError("forget needs a PATH or a RUN id", hint="see 'aicost db sources'")
    if text.isdigit():
        run = int(text)
        found = con.execute(
            "select count(*) from ingest_runs where ingest_run_id = ?", [run]
        ).fetchone()
        if not found or not found[0]:
            raise UsageError(f"there is no ingest run {run}", hint="see 'aicost db sources'")
        return "ingest_run_id = ?", [run], True
    name = text if "://" in text else str(Path(text).expanduser().resolve())
    prefix = name.rstrip("/") + "/"
    clause = "(source_file = ? or starts_with(source_file, ?))"
    found = con.execute(
        f"select count(*) from ingested_files where {clause}", [name, prefix]
    ).fetchone()
    if not found or not found[0]:
        raise UsageError(
            f"nothing was ingested from {name}",
            hint="give a path as 'aicost db sources' lists it, or a run id",
        )
    return clause, [name, prefix], False


def _days(con: duckdb.DuckDBPyConnection, clause: str, params: list[object]) -> list[date]:
    """The UTC days of the rows to remove, and of every span of their OTel traces."""
    parts = [
        f"select started_at::date as day from land_{source} where {clause}"
        for source in LANDING_SOURCES
    ]
    traces = (
        "select land_otel.started_at::date as day from land_otel where land_otel.trace_id in "
        f"(select trace_id from land_otel where {clause} and trace_id is not null)"
    )
    sql = "select distinct day from (" + " union all ".join([*parts, traces]) + ") order by day"
    rows = con.execute(sql, params * (len(LANDING_SOURCES) + 1)).fetchall()
    return [row[0] for row in rows]


def _existing(db_path: Path) -> None:
    """Undoing needs a store: never create an empty one to find nothing in it."""
    if not db_path.exists():
        raise DatabaseError(
            f"database {db_path} does not exist",
            hint="point --db (or AICOST_DB) at your database; see 'aicost db path'",
        )


def forget(db_path: Path, config: Config, target: str) -> ForgetResult:
    """Remove what the source file(s) at ``target`` (a file, folder or s3://
    prefix as ingested) or the run ``target`` (its id) added, and rebuild the
    affected days, atomically."""
    from aicost_cli import build, db

    _existing(db_path)
    with db.writer_lock(db_path), db.connect(db_path) as con, db.transaction(con):
        clause, params, is_run = _target(con, target)
        days = _days(con, clause, params)
        operations = 0
        for source in LANDING_SOURCES:
            row = con.execute(
                f"select count(*) from land_{source} where {clause}", params
            ).fetchone()
            operations += int(row[0]) if row else 0
            con.execute(f"delete from land_{source} where {clause}", params)
        charges, charge_days = _forget_partitions(con, clause, params)
        days = sorted(set(days) | set(charge_days))
        quarantined = con.execute(f"select count(*) from quarantine where {clause}", params)
        quarantined_row = quarantined.fetchone()
        con.execute(f"delete from quarantine where {clause}", params)
        files_row = con.execute(
            f"select count(*) from ingested_files where {clause}", params
        ).fetchone()
        con.execute(f"delete from ingested_files where {clause}", params)
        if is_run:
            con.execute(f"delete from ingest_runs where {clause}", params)
        built = build.build(con, config, days=days, trigger="forget")
    return ForgetResult(
        files=int(files_row[0]) if files_row else 0,
        operations=operations,
        quarantined=int(quarantined_row[0]) if quarantined_row else 0,
        run_removed=is_run,
        build=built,
        charges=charges,
    )


def _forget_partitions(
    con: duckdb.DuckDBPyConnection, clause: str, params: list[object]
) -> tuple[int, list[date]]:
    """Remove every billing partition a matching file or run landed (whole:
    keeping part of a period would shrink its bill); return the number of
    bill lines removed and the days their charge periods cover."""
    keys = [
        row[0]
        for row in con.execute(
            f"select distinct partition_key from land_charges where {clause}", params
        ).fetchall()
    ]
    if not keys:
        return 0, []
    rows = con.execute(
        "select count(*), list(distinct day) from ("
        "select unnest(generate_series(date_trunc('day', charge_period_start), "
        "greatest(coalesce(charge_period_end, charge_period_start) - interval 1 microsecond, "
        "charge_period_start), interval 1 day))::date as day "
        "from land_charges where partition_key in (select unnest(?::varchar[])))",
        [keys],
    ).fetchall()
    charges = con.execute(
        "select count(*) from land_charges where partition_key in (select unnest(?::varchar[]))",
        [keys],
    ).fetchall()[0][0]
    con.execute(
        "delete from land_charges where partition_key in (select unnest(?::varchar[]))", [keys]
    )
    con.execute(
        "delete from billing_partitions where partition_key in (select unnest(?::varchar[]))",
        [keys],
    )
    return int(charges), list(rows[0][1] or [])


def clear_quarantine(db_path: Path) -> int:
    """Delete every quarantined record (after fixing and re-ingesting them);
    returns how many there were."""
    from aicost_cli import db

    _existing(db_path)
    with db.writer_lock(db_path), db.connect(db_path) as con, db.transaction(con):
        row = con.execute("select count(*) from quarantine").fetchone()
        con.execute("delete from quarantine")
    return int(row[0]) if row else 0
