"""``aicost build``: rebuild the derived tables from what was landed."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from aicost_cli.cli.context import STATE, handle_errors
from aicost_cli.cli.options import QuietOpt, when


@handle_errors
def build(
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            metavar="DATE",
            parser=when,
            help="Rebuild every day from this UTC date on (YYYY-MM-DD).",
        ),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Rebuild every day.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Rebuild attribution, prices, the operations table and the daily rollup.

    Runs by itself after every ingest and price import, and in full when the
    configuration, the price catalog or aicost's models changed since the
    last build (reports check this too). Use it to apply such a change now,
    or --full to rebuild everything.
    """
    from aicost_cli import build as core
    from aicost_cli import db

    config = STATE.config()
    path = STATE.db_path()
    with db.writer_lock(path), db.connect(path) as con:
        result = core.build(con, config, since=since.date() if since else None, full=full)
    quiet = quiet or STATE.quiet  # the root --quiet too
    if not quiet:
        if result.days_rebuilt == 0 and not result.full:
            print("derived tables are up to date; nothing to rebuild", file=sys.stderr)
        else:
            print(
                f"rebuilt {result.days_rebuilt:,} day(s), {result.operations:,} operation(s) "
                f"({result.reason})",
                file=sys.stderr,
            )
