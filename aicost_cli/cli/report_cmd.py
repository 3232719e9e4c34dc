"""``aicost report``: unit economics, attribution and capacity."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aicost_cli import reports
from aicost_cli.cli.context import STATE, handle_errors, open_db, output_stream, rebuild_if_stale
from aicost_cli.cli.options import (
    FormatOpt,
    LimitOpt,
    OutputOpt,
    SinceOpt,
    SortOpt,
    TopOpt,
    UntilOpt,
    group,
)
from aicost_cli.errors import UsageError
from aicost_cli.output import OutputFormat, render, table_columns
from aicost_cli.shape import Shape

app = group("Reports over the ingested operations.")

UNIT_COLUMNS = [
    "period_start",
    "feature",
    "units",
    "operations",
    "estimated_cost",
    "cost_per_unit",
    "net_value",
]


@app.command("unit-economics")
@handle_errors
def unit_economics(
    by: Annotated[str, typer.Option("--by", help="Grouping (only 'feature' for now).")] = "feature",
    period: Annotated[
        reports.Period, typer.Option("--period", help="Period length.")
    ] = reports.Period.MONTH,
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    top: TopOpt = None,
) -> None:
    """Cost per unit of work (conversation, trace or request) per feature and period."""
    if by != "feature":
        raise UsageError(
            f"unit-economics groups by feature, not '{by}'",
            hint="use 'aicost report attribution --by ...'",
        )
    config = STATE.config()
    rebuild_if_stale()
    with open_db(read_only=True) as con:
        table = reports.unit_economics(
            con,
            config,
            period=period,
            time_range=reports.TimeRange(since, until),
            shape=Shape(sort, limit, top),
        )
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title=f"unit economics by {period.value} ({config.currency})",
            table_columns=table_columns(table, UNIT_COLUMNS),
            totals=[
                "operations",
                "failed_operations",
                "unpriced_operations",
                "unpriced_source_cost",
                "estimated_cost",
            ],
        )


@app.command("attribution")
@handle_errors
def attribution(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="DIM[,DIM...]",
            help="Dimensions, comma-separated: feature, owner, team, user, model, "
            "provider, prompt_version, environment, tag:<key>.",
        ),
    ] = "feature",
    since: SinceOpt = None,
    until: UntilOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    top: TopOpt = None,
) -> None:
    """Who and what caused the spend, with each group's share of it."""
    dims = reports.parse_dimensions(by)
    config = STATE.config()
    rebuild_if_stale()
    with open_db(read_only=True) as con:
        table = reports.attribution(
            con,
            config,
            dims,
            time_range=reports.TimeRange(since, until),
            shape=Shape(sort, limit, top),
        )
    names = table_columns(
        table,
        [
            c
            for c in table.column_names
            if c not in ("unpriced_operations", "unpriced_source_cost", "currency")
        ],
    )
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title=f"attribution by {by} ({config.currency})",
            table_columns=names,
            totals=[
                "operations",
                "failed_operations",
                "unpriced_operations",
                "estimated_cost",
                "unpriced_source_cost",
                "share",
            ],
        )


CAPACITY_COLUMNS = [
    "period_start",
    "pool",
    "amortised_cost",
    "utilisation",
    "cost_per_mtok",
    "used_cost_per_mtok",
    "list_per_mtok",
    "utilisation_idle_cost",
    "bill_idle_cost",
    "allocated_cost",
    "tokens",
]

CAPACITY_HINT = (
    "aicost: no capacity pools are configured: add a [[capacity.pools]] table to the config "
    '(name, match = { usage_types = ["BoxUsage:p5.48xlarge"] }, models = ["llama-3-70b"]); '
    "see README 'Reserved capacity'"
)


@app.command("capacity")
@handle_errors
def capacity(
    period: Annotated[
        reports.Period, typer.Option("--period", help="Period length.")
    ] = reports.Period.MONTH,
    share_idle: Annotated[
        bool,
        typer.Option(
            "--share-idle",
            help="Count the idle cost of days that served tokens as allocated to their "
            "operations (default: idle stays with the pool).",
        ),
    ] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Reserved and provisioned capacity per pool: amortised cost, utilisation, idle,
    cost per 1M tokens with and without idle, and the comparable model's list price
    (blended at the pool's own input/output token mix)."""
    config = STATE.config()
    if not config.capacity_pools:
        print(CAPACITY_HINT, file=sys.stderr)
        return
    rebuild_if_stale()
    with open_db(read_only=True) as con:
        table = reports.capacity(con, period=period, share_idle=share_idle)
    idle = "idle shared" if share_idle else "idle not shared"
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title=f"capacity by {period.value} ({idle}; list/M at the pool's token mix)",
            table_columns=CAPACITY_COLUMNS,
            totals=["amortised_cost", "tokens", "allocated_cost"],
        )
