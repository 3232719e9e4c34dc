"""``aicost db``: where the database is, what it holds, what was quarantined."""

from __future__ import annotations

import sys

from aicost_cli import store
from aicost_cli.cli.context import STATE, handle_errors, open_db, output_stream
from aicost_cli.cli.options import FormatOpt, OutputOpt, group
from aicost_cli.output import OutputFormat, render

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


@app.command("quarantine")
@handle_errors
def quarantine(fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None) -> None:
    """Records that were not loaded, with file, line and reason."""
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
