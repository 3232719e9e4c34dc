"""``aicost demo``: ingest the bundled sample data into a fresh database and report."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from aicost_cli.cli.context import handle_errors
from aicost_cli.cli.ingest_cmd import billing_summary, summary
from aicost_cli.output import OutputFormat, render, table_columns

#: the demo's month-over-month view: what changed, per feature
TREND_COLUMNS = [
    "month",
    "feature",
    "units",
    "cost",
    "cost_change",
    "cost_per_unit",
    "cost_per_unit_change",
]
ATTRIBUTION_COLUMNS = [
    "feature",
    "model",
    "operations",
    "cost",
    "basis",
    "estimated_cost",
    "allocated_cost",
]
#: the bill against the logs per month and provider
RECONCILIATION_COLUMNS = [
    "period_start",
    "provider",
    "billed_cost",
    "estimated_cost",
    "difference_pct",
    "finding",
]
CAPACITY_COLUMNS = [
    "period_start",
    "pool",
    "amortised_cost",
    "utilisation",
    "cost_per_mtok",
    "list_per_mtok",
]
#: with the demo's own config: without it the store would be rebuilt with the
#: user's (other feature units and owners) on the first report
NEXT = "aicost --db {db} --config {config} report attribution --by feature,prompt_version"


@handle_errors
def demo(
    db_path: Annotated[
        Path,
        typer.Option(
            "--db", help="Where to build the demo database (an existing demo one is replaced)."
        ),
    ] = Path("demo.duckdb"),
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace --db even if it is not a demo database."),
    ] = False,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Sample data folder (default: the bundled one)."),
    ] = None,
) -> None:
    """Ingest the bundled support-bot and research-agent story and print the reports."""
    from aicost_cli import demo as core

    result = core.run(db_path, data=data, overwrite=overwrite)
    print(summary(result.ingest), file=sys.stderr)
    if result.malformed is not None:
        print(f"malformed sample: {summary(result.malformed)}", file=sys.stderr)
    if result.billing is not None:
        print(f"bills: {billing_summary(result.billing)}", file=sys.stderr)
    currency = result.config.currency
    render(
        result.trend,
        OutputFormat.TABLE,
        sys.stdout,
        title=f"cost and cost per unit by month, change on the month before ({currency})",
        table_columns=table_columns(result.trend, TREND_COLUMNS),
        totals=["cost"],
    )
    print()
    render(
        result.attribution,
        OutputFormat.TABLE,
        sys.stdout,
        title=f"attribution by feature, model ({currency})",
        table_columns=table_columns(result.attribution, ATTRIBUTION_COLUMNS),
        totals=["operations", "estimated_cost", "allocated_cost", "cost", "share"],
    )
    if result.reconciliation is not None:
        print()
        render(
            result.reconciliation,
            OutputFormat.TABLE,
            sys.stdout,
            title=f"the bill against the logs: billed vs estimated by month ({currency})",
            table_columns=table_columns(result.reconciliation, RECONCILIATION_COLUMNS),
            totals=["billed_cost", "estimated_cost"],
        )
    if result.capacity is not None:
        print()
        render(
            result.capacity,
            OutputFormat.TABLE,
            sys.stdout,
            title="reserved GPU capacity by month (cost per 1M tokens vs the API list price)",
            table_columns=table_columns(result.capacity, CAPACITY_COLUMNS),
            totals=["amortised_cost"],
        )
    mover = result.biggest_mover()
    if mover is not None:
        feature, first, last = mover
        print(
            f"\n{feature}'s cost per unit went from {first:.4f} to {last:.4f} "
            f"({last / first:.1f}x); to see why, run:"
        )
    print(
        "  "
        + NEXT.format(db=shlex.quote(str(db_path)), config=shlex.quote(str(result.config.path)))
    )
    print(f"database: {db_path} (also: aicost --db {db_path} db quarantine)", file=sys.stderr)
