"""``aicost billing``: what aicost made of the loaded bill (classification, allocation)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aicost_cli import reports, shape
from aicost_cli.cli.context import STATE, handle_errors, open_current_db, output_stream
from aicost_cli.cli.options import (
    CostOpt,
    FormatOpt,
    LimitOpt,
    OutputOpt,
    QuietOpt,
    SpreadOpt,
    group,
)
from aicost_cli.output import OutputFormat, render, table_columns
from aicost_cli.shape import Shape

app = group("The loaded bill: how aicost classified and allocated it.")


# --- billing allocations (the allocation's inspection) ------------------------

ALLOCATION_SUMMARY_COLUMNS = [
    "charge_id",
    "token_class",
    "allocated_groups",
    "allocated_cost",
    "unallocated_cost",
    "allocated_method_id",
]
ALLOCATION_SPLIT_COLUMNS = [
    "day",
    "feature",
    "model",
    "unit_key",
    "allocated_ratio",
    "allocated_effective_cost",
    "allocated_method_id",
]


@app.command("allocations")
@handle_errors
def allocations(
    charge: Annotated[
        str | None,
        typer.Option(
            "--charge",
            metavar="ID",
            help="One charge's split over the operation groups it paid for.",
        ),
    ] = None,
    cost: CostOpt = reports.CostBasis.EFFECTIVE,
    spread_unmatched: SpreadOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    limit: LimitOpt = None,
) -> None:
    """The allocation in FOCUS 1.3 split-allocation terms: per AI usage charge, how
    it was split (allocated_method_id) and over how many operation groups; with
    --charge, that charge's allocated_ratio and amounts per operation group."""
    config = STATE.config()
    with open_current_db() as con:
        if charge is None:
            table = reports.allocation_summary(
                con, config, cost=cost, spread_unmatched=spread_unmatched
            )
            title = f"allocation of the AI usage charges ({cost.value} cost)"
            columns = ALLOCATION_SUMMARY_COLUMNS
            totals = ["charge_cost", "allocated_cost", "unallocated_cost"]
        else:
            table = reports.charge_allocations(
                con, config, charge, spread_unmatched=spread_unmatched
            )
            title = f"allocation of charge {charge}"
            columns = ALLOCATION_SPLIT_COLUMNS
            totals = [
                "allocated_ratio",
                "allocated_effective_cost",
                "allocated_billed_cost",
                "allocated_list_cost",
            ]
    table = shape.apply(table, Shape(limit=limit), keys=[], within=[])
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title=title,
            table_columns=table_columns(table, columns),
            totals=totals,
        )


# --- billing unmapped (the classification's gaps) ----------------------------


@app.command("unmapped")
@handle_errors
def unmapped(
    fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None, quiet: QuietOpt = False
) -> None:
    """AI charges whose model aicost cannot map to the model keys your logs use: they
    cannot be allocated to operations (they stay unallocated, never dropped).
    Map a bill model in the config: [billing.models] "<bill_model>" = "<model key>".
    Rebuilds first when the config, the catalog or aicost changed since the last build."""
    from aicost_cli.billing import queries

    with open_current_db() as con:
        table = queries.unmapped_charges(con)
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title="AI charges without a model key",
            table_columns=[
                "bill_model",
                "provider_key",
                "usage_type",
                "charges",
                "billed_cost",
                "last_day",
            ],
        )
    names = [name for name in table.column("bill_model").to_pylist() if name is not None]
    if names and not (quiet or STATE.quiet):
        print(
            "hint: map a bill model to the model key your logs use, in the config: "
            f'[billing.models] "{names[0]}" = "<model key>" (then any report rebuilds)',
            file=sys.stderr,
        )
