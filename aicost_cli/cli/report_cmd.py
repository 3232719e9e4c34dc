"""``aicost report``: unit economics, attribution, reconciliation and capacity."""

from __future__ import annotations

import sys
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import typer

from aicost_cli import reports
from aicost_cli.cli.context import STATE, handle_errors, open_current_db, output_stream
from aicost_cli.cli.options import (
    CostOpt,
    DaySinceOpt,
    DayUntilOpt,
    FormatOpt,
    LimitOpt,
    OutputOpt,
    SinceOpt,
    SortOpt,
    SpreadOpt,
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
    # the best known cost first: at 80 columns the estimate and the
    # allocated amount it was chosen from give way (without a bill the
    # estimate takes its place: output.table_columns)
    "cost",
    "basis",
    "cost_per_unit",
    "estimated_cost",
    "allocated_cost",
    "net_value",
]


#: --share-idle of unit-economics and attribution
ShareIdleOpt = Annotated[
    bool,
    typer.Option(
        "--share-idle",
        help="Allocate a capacity pool's idle cost to the calls it served, like its used "
        "cost (default: the row 'idle capacity: <pool>').",
    ),
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
    cost: CostOpt = reports.CostBasis.EFFECTIVE,
    spread_unmatched: SpreadOpt = False,
    share_idle: ShareIdleOpt = False,
) -> None:
    """Cost per unit of work (conversation, trace or request) per feature and period,
    estimated and, where a bill is loaded, allocated from the bill."""
    if by != "feature":
        raise UsageError(
            f"unit-economics groups by feature, not '{by}'",
            hint="use 'aicost report attribution --by ...'",
        )
    config = STATE.config()
    with open_current_db() as con:
        table = reports.unit_economics(
            con,
            config,
            period=period,
            time_range=reports.TimeRange(since, until),
            shape=Shape(sort, limit, top),
            billing=reports.Billing(cost, spread_unmatched, share_idle),
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
                "allocated_cost",
                "cost",
            ],
        )


#: attribution's columns after its dimensions (the table view picks and orders them)
ATTRIBUTION_MEASURES = frozenset(
    [
        "operations",
        "units",
        "unpriced_operations",
        "unpriced_source_cost",
        "estimated_cost",
        "share",
        "allocated_cost",
        "basis",
        "cost",
        "currency",
    ]
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
    cost: CostOpt = reports.CostBasis.EFFECTIVE,
    spread_unmatched: SpreadOpt = False,
    share_idle: ShareIdleOpt = False,
) -> None:
    """Who and what caused the spend, with each group's share of it and its billed cost."""
    dims = reports.parse_dimensions(by)
    config = STATE.config()
    with open_current_db() as con:
        table = reports.attribution(
            con,
            config,
            dims,
            time_range=reports.TimeRange(since, until),
            shape=Shape(sort, limit, top),
            billing=reports.Billing(cost, spread_unmatched, share_idle),
        )
    names = table_columns(
        table,
        [n for n in table.column_names if n not in ATTRIBUTION_MEASURES]
        # the best known cost first; at 80 columns share gives way first
        + ["operations", "units", "cost", "basis", "estimated_cost", "allocated_cost", "share"],
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
                "allocated_cost",
                "cost",
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
    since: DaySinceOpt = None,
    until: DayUntilOpt = None,
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
    with open_current_db() as con:
        table = reports.capacity(
            con,
            period=period,
            share_idle=share_idle,
            since=since.date() if since else None,
            until=until.date() if until else None,
        )
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


class ReconciliationPeriod(StrEnum):
    DAY = "day"
    MONTH = "month"


#: the table view at 80 columns: model, class, both costs and the finding
#: (provider, difference_pct, the quantities: --format csv)
RECONCILIATION_COLUMNS = [
    "period_start",
    "model",
    "token_class",
    "billed_cost",
    "estimated_cost",
    "finding",
]


@app.command("reconciliation")
@handle_errors
def reconciliation(
    period: Annotated[
        ReconciliationPeriod, typer.Option("--period", help="Period length.")
    ] = ReconciliationPeriod.MONTH,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="KEY[,KEY...]",
            help="Keys, comma-separated: provider, model, token_class (compared per token "
            "class where the bill has it).",
        ),
    ] = "provider,model,token_class",
    since: DaySinceOpt = None,
    until: DayUntilOpt = None,
    include_open: Annotated[
        bool,
        typer.Option(
            "--include-open",
            help="Also days the loaded bill does not cover yet (default: closed days only).",
        ),
    ] = False,
    tolerance: Annotated[
        Decimal | None,
        typer.Option(
            "--tolerance",
            metavar="PCT",
            parser=Decimal,
            help="A difference within this percentage is 'ok' "
            "(default: [billing] tolerance_pct, 2).",
        ),
    ] = None,
    cost: CostOpt = reports.CostBasis.EFFECTIVE,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """The bill against the logs: billed vs estimated cost and quantity per period,
    provider, model and token class, with what the difference suggests."""
    keys = reports.parse_reconciliation_keys(by)
    if tolerance is not None and not Decimal(0) <= tolerance <= Decimal(100):
        raise UsageError("--tolerance must be a percentage between 0 and 100")
    config = STATE.config()
    with open_current_db() as con:
        table = reports.reconciliation(
            con,
            config,
            period=reports.Period(period.value),
            keys=keys,
            cost=cost,
            include_open=include_open,
            since=since.date() if since else None,
            until=until.date() if until else None,
            tolerance_pct=tolerance,
        )
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title=f"reconciliation by {period.value}: bill ({cost.value}) vs logs "
            f"({config.currency})",
            table_columns=table_columns(table, RECONCILIATION_COLUMNS),
            totals=["billed_cost", "estimated_cost", "difference", "operations"],
        )
    if config.capacity_pools and fmt is OutputFormat.TABLE and output is None:
        print(
            "calls served by a capacity pool with a cost are left out "
            "(see 'aicost report capacity')",
            file=sys.stderr,
        )
