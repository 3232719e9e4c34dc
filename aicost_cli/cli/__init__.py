"""The aicost command line: the root app and its command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aicost_cli import __version__
from aicost_cli.cli import (
    billing_cmd,
    build_cmd,
    db_cmd,
    demo_cmd,
    ingest_cmd,
    prices_cmd,
    report_cmd,
)
from aicost_cli.cli.context import STATE
from aicost_cli.cli.options import CONTEXT_SETTINGS

app = typer.Typer(
    name="aicost",
    help="AI FinOps from the command line: load gateway logs into DuckDB and see "
    "what each feature, team and model costs per unit of work.",
    no_args_is_help=True,
    # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    add_completion=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings=CONTEXT_SETTINGS,
)
app.add_typer(ingest_cmd.app, name="ingest")
app.add_typer(report_cmd.app, name="report")
app.add_typer(db_cmd.app, name="db")
app.add_typer(prices_cmd.app, name="prices")
app.add_typer(billing_cmd.app, name="billing")
app.command("build")(build_cmd.build)
app.command("demo")(demo_cmd.demo)


def _version(value: bool) -> None:
    if value:
        print(f"aicost {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            envvar="AICOST_DB",
            help="DuckDB file to use (default: see 'aicost db path').",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="AICOST_CONFIG",
            help="Config file (default: ./aicost.toml, then the per-user one).",
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Nothing on stderr but errors, for every command."),
    ] = False,
) -> None:
    STATE.db = db
    STATE.config_path = config
    STATE._config = None
    STATE.quiet = quiet


def run() -> None:
    app()
