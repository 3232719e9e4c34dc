"""``aicost demo``: ingest the bundled sample data into a fresh database and report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from aicost_cli.cli.context import handle_errors
from aicost_cli.cli.ingest_cmd import summary
from aicost_cli.cli.report_cmd import UNIT_COLUMNS
from aicost_cli.config import load_config
from aicost_cli.errors import InputFileError
from aicost_cli.output import OutputFormat, render, table_columns


def _sample_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "sample_data"
    if here.is_dir():
        return here
    raise InputFileError(
        "sample_data/ is not here", hint="run 'aicost demo' from a source checkout (make demo)"
    )


@handle_errors
def demo(
    db_path: Annotated[
        Path, typer.Option("--db", help="Where to build the demo database (replaced).")
    ] = Path("demo.duckdb"),
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Sample data folder (default: the bundled sample_data/)."),
    ] = None,
) -> None:
    """Ingest the bundled support-bot and research-agent story and print the reports."""
    from aicost_cli import db, reports
    from aicost_cli.ingest.requests import ingest_requests

    folder = data or _sample_dir()
    config = load_config(folder / "aicost.toml")
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    inputs = [str(p) for p in (folder / "litellm", folder / "otel") if p.exists()]
    result = ingest_requests(db_path, inputs, config=config)
    print(summary(result), file=sys.stderr)
    bad = folder / "malformed"
    if bad.exists():
        bad_result = ingest_requests(db_path, [str(bad)], config=config)
        print(f"malformed sample: {summary(bad_result)}", file=sys.stderr)
    con = db.connect(db_path, read_only=True)
    try:
        unit = reports.unit_economics(con, config)
        attribution = reports.attribution(con, config, ["feature", "model"])
    finally:
        con.close()
    render(
        unit,
        OutputFormat.TABLE,
        sys.stdout,
        title=f"unit economics by month ({config.currency})",
        table_columns=table_columns(unit, UNIT_COLUMNS),
    )
    print()
    render(
        attribution,
        OutputFormat.TABLE,
        sys.stdout,
        title=f"attribution by feature, model ({config.currency})",
        table_columns=table_columns(
            attribution, ["feature", "model", "operations", "units", "estimated_cost", "share"]
        ),
    )
    print(f"\ndatabase: {db_path} (try: aicost --db {db_path} db quarantine)", file=sys.stderr)
