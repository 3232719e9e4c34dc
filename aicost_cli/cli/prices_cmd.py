"""``aicost prices``: the price catalog."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aicost_cli.cli.context import STATE, handle_errors, open_current_db, open_db, output_stream
from aicost_cli.cli.options import FormatOpt, OutputOpt, QuietOpt, group, when
from aicost_cli.output import OutputFormat, render

app = group("Model prices used to estimate cost.")


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
            metavar="DATE",
            parser=when,
            help="Prices apply from this date (default: all history).",
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Import prices; they override bundled prices of the same model from their date on.
    Then every stored operation is priced again (a full rebuild of the derived tables).

    A per-token price above 0.01 USD (10,000 USD per million tokens: a
    per-million price written as per-token) refuses the whole file."""
    from aicost_cli import db, prices  # lazy: `aicost --help` loads neither

    config = STATE.config()
    with db.writer_lock(STATE.db_path()), open_db() as con:
        result, built = prices.import_and_rebuild(
            con, config, file, effective_from.date() if effective_from else None
        )
    quiet = quiet or STATE.quiet  # the root --quiet too
    if not quiet:
        print(
            f"imported {result.rows_imported:,} price row(s) for "
            f"{result.models_imported:,} model(s) "
            f"({result.skipped_total:,} entries skipped); rebuilt {built.days_rebuilt:,} day(s), "
            f"{built.operations:,} operation(s)",
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
    """Prices in the catalog (per million tokens, in each row's currency)."""
    from aicost_cli import prices  # lazy: `aicost --help` start-up

    with open_db() as con:
        prices.ensure_bundled(con)
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
            )
            if c in table.column_names
        ]
        render(
            table,
            fmt,
            out,
            title="prices per million tokens (origin and every rate: --format csv)",
            table_columns=shown,
        )


@app.command("missing")
@handle_errors
def missing(fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None) -> None:
    """Models of stored operations that have no price (their cost is unpriced, never 0),
    and those priced with a fallback rate (issue 'fallback', see pricing_basis).
    Rebuilds first when the config, the catalog or aicost changed since the last build."""
    from aicost_cli import prices

    with open_current_db() as con:
        table = prices.missing_prices(con)
    with output_stream(output) as out:
        render(
            table,
            fmt,
            out,
            title="models without a price, or priced with a fallback",
            table_columns=[
                "issue",
                "model_key",
                "pricing_basis",
                "operations",
                "input_tokens",
                "output_tokens",
            ],
        )
