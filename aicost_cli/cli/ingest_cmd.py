"""``aicost ingest``: load request logs into the store."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from aicost_cli.cli.context import STATE, handle_errors
from aicost_cli.cli.options import QuietOpt, group
from aicost_cli.errors import ExitCode
from aicost_cli.ingest.formats import RequestFormat

if TYPE_CHECKING:
    from aicost_cli.ingest.requests import IngestResult

app = group("Load logs into the aicost database.")


def summary(result: IngestResult) -> str:
    text = (
        f"ingested {result.inserted:,} operation(s) from {result.files_read:,} file(s): "
        f"{result.records:,} record(s) read, {result.duplicates:,} duplicate(s) skipped, "
        f"{result.quarantined:,} quarantined"
    )
    if result.files_skipped:
        text += f"; {result.files_skipped:,} unchanged file(s) skipped"
    if result.inserted != result.model_calls:
        # reports count model calls as operations ("ops"); spans of agents,
        # tools and workflows are kept for attribution but not counted there
        text += (
            f"\n{result.model_calls:,} of them model call(s) (the reports' ops), "
            f"{result.inserted - result.model_calls:,} other span(s) (agent, tool, workflow)"
        )
    if result.changed:
        text += (
            f"\n{result.changed:,} re-sent record(s) differ from the version already read "
            "(model, tokens, tier, status or cost): the first version is kept, "
            "the others are in quarantine"
        )
    if result.unpriced:
        reported = (
            f" (their sources reported {result.unpriced_source_cost} in cost)"
            if result.unpriced_source_cost is not None
            else ""
        )
        text += (
            f"\n{result.unpriced:,} of {result.model_calls:,} model call(s) have no price"
            f"{reported}: see 'aicost prices missing'"
        )
    if result.build is not None and result.build.full and not result.build.first:
        text += (
            f"\nrebuilt all {result.build.days_rebuilt:,} day(s) of derived data "
            f"({result.build.reason})"
        )
    return text


@contextmanager
def _progress_bar(*, show: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    """A byte progress bar on stderr (at a terminal, unless --quiet): yields
    the callback the ingest reports to, or None."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("ingest"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), transient=True
    ) as bar:
        task = bar.add_task("ingest", total=None)

        def progress(done: int, total: int, _name: str) -> None:
            bar.update(task, completed=done, total=total)

        yield progress


@app.command("requests")
@handle_errors
def requests(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories, globs or s3://bucket/prefix.")
    ],
    fmt: Annotated[
        RequestFormat | None,
        typer.Option("--format", help="Force a format instead of detecting it per file."),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            envvar="AWS_ENDPOINT_URL",
            help="S3-compatible endpoint for s3:// paths.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-read files the ledger says are unchanged.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Ingest gateway/tracer request logs (LiteLLM, OpenTelemetry, Bedrock, aicost JSONL).

    Idempotent: unchanged files are skipped and known operations are never
    inserted twice. Malformed records are quarantined (see 'aicost db
    quarantine') and the command exits with code 5.
    """
    config = STATE.config()
    from aicost_cli.ingest import sources
    from aicost_cli.ingest.requests import ingest_requests

    sources.check_local(paths)  # a typo must not create an empty database first
    db_path = STATE.db_path()
    with _progress_bar(show=not quiet and sys.stderr.isatty()) as progress:
        result = ingest_requests(
            db_path,
            paths,
            config=config,
            forced_format=fmt,
            endpoint_url=endpoint_url,
            force=force,
            progress=progress,
        )
    if not quiet:
        print(summary(result), file=sys.stderr)
    if result.quarantined:
        if quiet:
            print(
                f"aicost: {result.quarantined:,} record(s) quarantined; see 'aicost db quarantine'",
                file=sys.stderr,
            )
        else:
            print("see 'aicost db quarantine' for the quarantined records", file=sys.stderr)
        raise typer.Exit(int(ExitCode.QUARANTINED))
