"""Options shared by several commands, defined once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from aicost_cli.output import OutputFormat
from aicost_cli.reports import CostBasis

FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", help="Output format. Machine formats have stable snake_case columns."
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of stdout."),
]


def when(text: str) -> datetime:
    """--since/--until: a date or UTC time, with or without Z (see reports.parse_time)."""
    from aicost_cli.errors import UsageError
    from aicost_cli.reports import parse_time

    if isinstance(text, datetime):  # a default already parsed
        return text
    try:
        return parse_time(text)
    except UsageError as err:
        raise typer.BadParameter(f"{err.message}; {err.hint}") from None


SinceOpt = Annotated[
    datetime | None,
    typer.Option(
        "--since",
        metavar="DATE|TIME",
        parser=when,
        help="Only operations at or after this UTC time: 2026-09-01 or 2026-09-01T12:00:00Z.",
    ),
]
UntilOpt = Annotated[
    datetime | None,
    typer.Option(
        "--until",
        metavar="DATE|TIME",
        parser=when,
        help="Only operations before this UTC time (exclusive).",
    ),
]
#: whole days (the bill and capacity reports: amortised and billed per day)
DaySinceOpt = Annotated[
    datetime | None,
    typer.Option(
        "--since", metavar="DATE", formats=["%Y-%m-%d"], help="First day (UTC), inclusive."
    ),
]
DayUntilOpt = Annotated[
    datetime | None,
    typer.Option(
        "--until", metavar="DATE", formats=["%Y-%m-%d"], help="Last day (UTC), exclusive."
    ),
]


def _quiet(value: bool) -> bool:
    from aicost_cli.cli.context import STATE

    STATE.quiet = STATE.quiet or value
    return value


QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        callback=_quiet,
        help="No progress or summary on stderr (errors still show).",
    ),
]
SortOpt = Annotated[
    str | None,
    typer.Option(
        "--sort",
        metavar="COLUMN[:asc|desc]",
        help="Sort by this column (numbers largest first, text A-Z).",
    ),
]
LimitOpt = Annotated[
    int | None,
    typer.Option("--limit", metavar="N", min=1, help="Only the first N rows."),
]
TopOpt = Annotated[
    int | None,
    typer.Option(
        "--top",
        metavar="N",
        min=1,
        help="The N costliest groups; the rest summed into one '(other)' row.",
    ),
]

#: every command and group: -h as well as --help; plain help text (no Rich
#: panels, no `<bool>` metavars, nothing wrapped mid-word, and no Rich import
#: for `aicost --help`)
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def group(help_text: str) -> typer.Typer:
    """A command group (``aicost db``, ``aicost report``, ...)."""
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        rich_markup_mode=None,
        context_settings=CONTEXT_SETTINGS,
    )


CostOpt = Annotated[
    CostBasis,
    typer.Option(
        "--cost",
        help="Which charge amount is the billed cost: effective (amortised, the default), "
        "billed (invoiced) or list.",
    ),
]
SpreadOpt = Annotated[
    bool,
    typer.Option(
        "--spread-unmatched",
        help="Spread charges that match no logged call over the same provider's calls "
        "(same day, else billing period) instead of showing them as 'unallocated'.",
    ),
]
