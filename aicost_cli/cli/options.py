"""Options shared by several commands, defined once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from aicost_cli.output import OutputFormat

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
SinceOpt = Annotated[
    datetime | None,
    typer.Option(
        "--since",
        help="Only operations at or after this UTC time (YYYY-MM-DD[THH:MM:SS]).",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    ),
]
UntilOpt = Annotated[
    datetime | None,
    typer.Option(
        "--until",
        help="Only operations before this UTC time (exclusive).",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress or summary on stderr (errors still show)."),
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
