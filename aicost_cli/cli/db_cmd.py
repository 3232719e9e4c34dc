"""``aicost db``: where the database is, what it holds, what was quarantined."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aicost_cli import store
from aicost_cli.cli.context import STATE, handle_errors, open_db, output_stream
from aicost_cli.cli.options import FormatOpt, OutputOpt, QuietOpt, group
from aicost_cli.output import OutputFormat, chosen_format, render

app = group("Inspect the aicost database.")


@app.command("path")
@handle_errors
def path() -> None:
    """Print the database path aicost uses (after --db, AICOST_DB and the config)."""
    print(STATE.db_path())


@app.command("status")
@handle_errors
def status(fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None) -> None:
    """Tables, row counts, time range and ingested sources."""
    fmt = chosen_format(fmt, output)
    with open_db(read_only=True) as con:
        tables = store.status(con)
        sources = store.sources(con)
    with output_stream(output) as out:
        if fmt is OutputFormat.TABLE:
            print(f"database: {STATE.db_path()}", file=out)
            render(tables, fmt, out, title="tables")
            render(sources, fmt, out, title="ingested sources")
        else:
            render(tables, fmt, out)


@app.command("sources")
@handle_errors
def sources(fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None) -> None:
    """Ingested files and objects: format, run, records, operations, quarantined, time range."""
    from aicost_cli import ledger

    with open_db(read_only=True) as con:
        table = ledger.sources(con)
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title="ingested sources",
            table_columns=[
                "source_file",
                "source_format",
                "ingest_run_id",
                "records_read",
                "operations",
                "quarantined",
                "first_at",
                "last_at",
            ],
            totals=["records_read", "operations", "quarantined"],
        )


@app.command("forget")
@handle_errors
def forget(
    target: Annotated[
        str,
        typer.Argument(
            metavar="PATH|RUN",
            help="A file, folder or s3:// prefix as 'db sources' lists it, or a run id.",
        ),
    ],
    quiet: QuietOpt = False,
) -> None:
    """Remove what a source file (or folder, or run) added, and rebuild the days it touched.

    One transaction: the landed records, their quarantined records and ledger
    rows go, the derived tables are rebuilt for the affected days, and the
    audits run; if anything fails, nothing changes. Re-ingest with --force to
    bring back records that another, still-known file also contained."""
    from aicost_cli import ledger

    result = ledger.forget(STATE.db_path(), STATE.config(), target)
    quiet = quiet or STATE.quiet  # the root --quiet too
    if not quiet:
        print(
            f"forgot {result.files:,} file(s){' and their run' if result.run_removed else ''}: "
            f"{result.operations:,} landed record(s), "
            + (
                f"{result.charges:,} bill line(s) (whole billing periods), "
                if result.charges
                else ""
            )
            + f"{result.quarantined:,} quarantined; "
            f"rebuilt {result.build.days_rebuilt:,} day(s)",
            file=sys.stderr,
        )


@app.command("quarantine")
@handle_errors
def quarantine(
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    clear: Annotated[
        bool,
        typer.Option("--clear", help="Delete every quarantined record (after fixing them)."),
    ] = False,
) -> None:
    """Records that were not loaded, with file, line and reason."""
    fmt = chosen_format(fmt, output)
    if clear:
        from aicost_cli import ledger

        removed = ledger.clear_quarantine(STATE.db_path())
        print(f"cleared {removed:,} quarantined record(s)", file=sys.stderr)
        return
    with open_db(read_only=True) as con:
        table = store.quarantine(con)
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title="quarantined records",
            table_columns=["source_file", "source_line", "reason"],
        )
    if table.num_rows and fmt is OutputFormat.TABLE:
        print(
            f"{table.num_rows} quarantined record(s); --format csv shows the raw records",
            file=sys.stderr,
        )
