"""``aicost ingest``: load request logs and billing exports into the store."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from aicost_cli.cli.context import STATE, handle_errors
from aicost_cli.cli.options import QuietOpt, group
from aicost_cli.errors import ExitCode
from aicost_cli.ingest.formats import RequestFormat

if TYPE_CHECKING:
    from aicost_cli.billing.ingest import BillingIngestResult, PartitionOutcome
    from aicost_cli.ingest.requests import IngestResult

app = group("Load logs and billing exports into the aicost database.")


class BillingFormatName(StrEnum):
    """``--format`` of ``ingest billing`` (billing/formats/__init__.py FORMAT_NAMES)."""

    CUR2 = "cur2"
    CUR = "cur"
    FOCUS = "focus"
    OPENAI_COSTS = "openai-costs"
    ANTHROPIC_COSTS = "anthropic-costs"


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
            f" (their sources reported {format(result.unpriced_source_cost.normalize(), ',f')}"
            " in cost)"
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
    quiet = quiet or STATE.quiet  # the root --quiet too
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


def _money(amounts: dict[str, Decimal]) -> str:
    if not amounts:
        return "0"
    return ", ".join(
        f"{format(amount.normalize() if amount else Decimal(0), ',f')} {currency}"
        for currency, amount in sorted(amounts.items())
    )


def _partition_line(part: PartitionOutcome) -> str:
    text = (
        f"  {part.key}: {part.charges:,} charge(s) from {len(part.files):,} file(s), "
        f"billed {_money(part.billed)}"
    )
    if part.replaced_run is None:
        return text + " (new)"
    return (
        text + f" (replaces run {part.replaced_run}: {part.replaced_charges:,} charge(s), "
        f"billed {_money(part.replaced_billed)})"
    )


#: more landed partitions than this (a provider cost report's day buckets) are
#: summarised per source, account and month
PARTITION_LINES = 12


def _partition_lines(landed: list[PartitionOutcome]) -> list[str]:
    if len(landed) <= PARTITION_LINES:
        return [_partition_line(p) for p in landed]
    months: dict[str, tuple[int, int, int, dict[str, Decimal]]] = {}
    for part in landed:
        source, _, period = part.key.rpartition("|")
        key = f"{source}|{period[:7]}"
        count, charges, replaced, billed = months.get(key, (0, 0, 0, {}))
        for currency, amount in part.billed.items():
            billed[currency] = billed.get(currency, Decimal(0)) + amount
        months[key] = (
            count + 1,
            charges + part.charges,
            replaced + (part.replaced_run is not None),
            billed,
        )
    return [
        f"  {key}: {count:,} partition(s) ({replaced:,} replaced), {charges:,} charge(s), "
        f"billed {_money(billed)}"
        for key, (count, charges, replaced, billed) in sorted(months.items())
    ]


def billing_summary(result: BillingIngestResult) -> str:
    landed = result.landed_partitions
    text = (
        f"ingested {result.landed:,} charge(s) from {result.files_read:,} file(s) into "
        f"{len(landed):,} billing period(s): {result.rows:,} row(s) read, "
        f"{result.quarantined_rows:,} quarantined"
    )
    if result.files_skipped:
        text += f"; {result.files_skipped:,} unchanged file(s) skipped"
    lines = [text, *_partition_lines(landed)]
    for part in result.held_partitions:
        lines.append(f"warning: {part.held}")
    unreadable = [f for f in result.files if f.problem and not f.problem.startswith("not landed")]
    for f in unreadable[:5]:
        lines.append(f"quarantined {f.name}: {f.problem}")
    if len(unreadable) > 5:
        lines.append(f"... and {len(unreadable) - 5:,} more file(s)")
    if result.ignored:
        lines.append(
            f"{len(result.ignored):,} file(s) of older deliveries were not read "
            "(not in their period's manifest)"
        )
    lines.extend(f"warning: {w}" for w in result.warnings)
    if result.build is not None and result.build.full and not result.build.first:
        lines.append(
            f"rebuilt all {result.build.days_rebuilt:,} day(s) of derived data "
            f"({result.build.reason})"
        )
    return "\n".join(lines)


@app.command("billing")
@handle_errors
def billing(
    paths: Annotated[
        list[str], typer.Argument(help="Files, directories, globs or s3://bucket/prefix.")
    ],
    fmt: Annotated[
        BillingFormatName | None,
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
        bool,
        typer.Option(
            "--force",
            help="Re-read files the ledger says are unchanged, and replace a billing period "
            "even with fewer files than its last delivery.",
        ),
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Ingest billing exports (AWS CUR 2.0 and legacy CUR).

    A billing period is replaced as a whole by a newer delivery of it, never
    added to. Unchanged files are skipped. Malformed rows and files are
    quarantined (see 'aicost db quarantine'), the rest lands, and the command
    exits with code 5.
    """
    config = STATE.config()
    from aicost_cli.billing.ingest import ingest_billing
    from aicost_cli.ingest import sources

    sources.check_local(paths)  # a typo must not create an empty database first
    db_path = STATE.db_path()
    quiet = quiet or STATE.quiet  # the root --quiet too
    with _progress_bar(show=not quiet and sys.stderr.isatty()) as progress:
        result = ingest_billing(
            db_path,
            paths,
            config=config,
            forced_format=fmt.value if fmt is not None else None,
            endpoint_url=endpoint_url,
            force=force,
            progress=progress,
        )
    if not quiet:
        print(billing_summary(result), file=sys.stderr)
    if result.quarantined or result.held_partitions:
        if quiet:
            print(
                f"aicost: {result.quarantined_rows:,} row(s) and {result.quarantined_files:,} "
                "file(s) quarantined; see 'aicost db quarantine'",
                file=sys.stderr,
            )
        else:
            print("see 'aicost db quarantine' for what was quarantined", file=sys.stderr)
        raise typer.Exit(int(ExitCode.QUARANTINED))
