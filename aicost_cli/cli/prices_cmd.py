"""``aicost prices``: the price catalog."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aicost_cli import prices
from aicost_cli.cli.context import handle_errors, open_db, output_stream
from aicost_cli.cli.options import FormatOpt, OutputOpt, QuietOpt
from aicost_cli.output import OutputFormat, render

app = typer.Typer(help="Model prices used to estimate cost.", no_args_is_help=True)


class PriceFileFormat(StrEnum):
    LITELLM = "litellm"


@app.command("import")
@handle_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="A price file, e.g. LiteLLM's model_prices_and_context_window.json."),
    ],
    fmt: Annotated[
        PriceFileFormat, typer.Option("--format", help="Format of the price file.")
    ] = PriceFileFormat.LITELLM,
    effective_from: Annotated[
        datetime | None,
        typer.Option(
            "--effective-from",
            formats=["%Y-%m-%d"],
            help="Prices apply from this date (default: all history).",
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Import prices; they override bundled prices of the same model from their date on.
    Every stored operation is re-priced."""
    with open_db() as con:
        result, repriced = prices.import_and_reprice(
            con, file, effective_from.date() if effective_from else None
        )
    if not quiet:
        print(
            f"imported {result.rows_imported:,} price row(s) for "
            f"{result.models_imported:,} model(s) "
            f"({result.skipped_total:,} entries skipped); re-priced {repriced:,} operation(s)",
            file=sys.stderr,
        )


@app.command("list")
@handle_errors
def list_(
    model: Annotated[
        str | None, typer.Argument(help="Only this model (name as logged, or its key).")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Prices in the catalog (USD per million tokens in the table view)."""
    with open_db() as con:
        prices.sync_bundled(con)
        table = prices.list_prices(con, model)
    with output_stream(output) as out:
        shown = [
            c
            for c in (
                "model_key",
                "service_tier",
                "threshold_tokens",
                "effective_from",
                "input_per_mtok",
                "output_per_mtok",
                "cache_read_per_mtok",
                "origin",
            )
            if c in table.column_names
        ]
        render(table, fmt, out, title="prices", table_columns=shown)


@app.command("missing")
@handle_errors
def missing(fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None) -> None:
    """Models of stored operations that have no price (their cost is unpriced, never 0)."""
    with open_db(read_only=True) as con:
        table = prices.missing_prices(con)
    with output_stream(output) as out:
        render(table, fmt, out, title="models without a price")
