"""``aicost billing``: the bill as aicost classified it."""

from __future__ import annotations

import sys

from aicost_cli.cli.context import STATE, handle_errors, open_db, output_stream, rebuild_if_stale
from aicost_cli.cli.options import FormatOpt, OutputOpt, QuietOpt, group
from aicost_cli.output import OutputFormat, render

app = group("The bill: how aicost classified its charges.")


@app.command("unmapped")
@handle_errors
def unmapped(
    fmt: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None, quiet: QuietOpt = False
) -> None:
    """AI charges whose model aicost cannot map to the model keys your logs use: they
    cannot be allocated to operations (they stay unallocated, never dropped).
    Map a bill model in the config: [billing.models] "<bill_model>" = "<model key>".
    Rebuilds first when the config, the catalog or aicost changed since the last build."""
    rebuild_if_stale()
    from aicost_cli.billing import queries

    with open_db(read_only=True) as con:
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
