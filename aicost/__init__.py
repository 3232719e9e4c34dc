"""aicost as a Python library: the same core the ``aicost`` command calls.

    >>> import aicost
    >>> store = aicost.connect("aicost.duckdb", config="aicost.toml")
    >>> store.ingest(["logs/"])                       # IngestResult
    >>> df = store.attribution(by="feature,model", top=5)   # polars.DataFrame
    >>> table = store.report("unit-economics", period="week").arrow  # pyarrow.Table

Money columns are exact decimals (polars ``Decimal(38, 12)``, Arrow
``decimal128``), never floats. Errors are :class:`AicostError` subclasses
(``ConfigError``, ``UsageError``, ``InputFileError``, ``DatabaseError``), each
with ``message`` and ``hint``. Importing this module loads neither typer nor
rich; polars is imported when a DataFrame is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from aicost_cli import __version__
from aicost_cli.build import BuildResult
from aicost_cli.config import Config, load_config
from aicost_cli.errors import (
    AicostError,
    ConfigError,
    DatabaseError,
    ExitCode,
    InputFileError,
    UsageError,
)
from aicost_cli.ingest.formats import RequestFormat
from aicost_cli.ingest.requests import IngestResult
from aicost_cli.ledger import ForgetResult
from aicost_cli.paths import resolve_db_path
from aicost_cli.reports import Period, TimeRange, parse_time
from aicost_cli.shape import Shape

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

__all__ = [
    "AicostError",
    "BuildResult",
    "ConfigError",
    "DatabaseError",
    "ExitCode",
    "ForgetResult",
    "IngestResult",
    "InputFileError",
    "Period",
    "Report",
    "RequestFormat",
    "Store",
    "UsageError",
    "__version__",
    "connect",
]

ReportName = Literal["unit-economics", "attribution"]
StrPath = str | PathLike[str]


@dataclass(frozen=True)
class Report:
    """A report result: ``arrow`` (the table every CLI format is written
    from) and ``df`` (the same as a polars DataFrame, decimals exact)."""

    name: str
    arrow: pa.Table

    @property
    def df(self) -> pl.DataFrame:
        return self.to_polars()

    def to_polars(self) -> pl.DataFrame:
        import polars as pl

        frame = pl.from_arrow(self.arrow)
        assert isinstance(frame, pl.DataFrame)
        return frame


def _when(value: date | datetime | str | None) -> datetime | None:
    """A bound as the CLI takes it: a date, a datetime (naive = UTC) or ISO text
    (``2026-09-01``, ``2026-09-01T12:00:00Z``)."""
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, str):
        return parse_time(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    return datetime(value.year, value.month, value.day)


def _range(since: date | datetime | str | None, until: date | datetime | str | None) -> TimeRange:
    return TimeRange(_when(since), _when(until))  # since >= until is a UsageError


class Store:
    """An aicost database with its configuration. Each call opens the DuckDB
    file for as long as it needs it (as the CLI does), so a Store can stay
    open in a notebook while ``aicost ingest`` runs elsewhere."""

    def __init__(self, path: Path, config: Config) -> None:
        self.path = path
        self.config = config

    def __repr__(self) -> str:
        return f"aicost.Store({str(self.path)!r}, currency={self.config.currency!r})"

    def ingest(
        self,
        paths: Iterable[StrPath],
        *,
        format: RequestFormat | str | None = None,  # noqa: A002 (the CLI's --format)
        endpoint_url: str | None = None,
        force: bool = False,
    ) -> IngestResult:
        """``aicost ingest requests PATH...``: files, folders, globs, s3:// prefixes."""
        from aicost_cli.ingest import sources
        from aicost_cli.ingest.requests import ingest_requests

        names = [str(p) for p in paths]
        sources.check_local(names)
        forced = RequestFormat(format) if format is not None else None
        return ingest_requests(
            self.path,
            names,
            config=self.config,
            forced_format=forced,
            endpoint_url=endpoint_url,
            force=force,
        )

    def build(self, *, since: date | None = None, full: bool = False) -> BuildResult:
        """``aicost build``: rebuild the derived tables (every day from ``since``, or all)."""
        from aicost_cli import build, db

        with db.writer_lock(self.path), db.connect(self.path) as con:
            return build.build(con, self.config, since=since, full=full)

    def report(
        self,
        name: ReportName,
        *,
        by: str | Iterable[str] = "feature",
        period: Period | str = Period.MONTH,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        top: int | None = None,
    ) -> Report:
        """Any report, with the CLI's parameters (``by`` is for attribution)."""
        from aicost_cli import build, db, reports

        time_range = _range(since, until)
        shape = Shape(sort, limit, top)
        if name == "attribution":
            spec = by if isinstance(by, str) else ",".join(by)
            dims = reports.parse_dimensions(spec)
        elif name != "unit-economics":
            raise UsageError(f"unknown report '{name}'", hint="unit-economics or attribution")
        try:
            period = Period(period)
        except ValueError:
            raise UsageError(f"unknown period '{period}'", hint="day, week or month") from None
        build.ensure_current(self.path, self.config)
        with db.connect(self.path, read_only=True) as con:
            if name == "attribution":
                table = reports.attribution(
                    con, self.config, dims, time_range=time_range, shape=shape
                )
            else:
                table = reports.unit_economics(
                    con, self.config, period=period, time_range=time_range, shape=shape
                )
        return Report(name, table)

    def unit_economics(
        self,
        *,
        period: Period | str = Period.MONTH,
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        top: int | None = None,
    ) -> pl.DataFrame:
        """``aicost report unit-economics`` as a polars DataFrame."""
        return self.report(
            "unit-economics",
            period=period,
            since=since,
            until=until,
            sort=sort,
            limit=limit,
            top=top,
        ).df

    def attribution(
        self,
        *,
        by: str | Iterable[str] = "feature",
        since: date | datetime | str | None = None,
        until: date | datetime | str | None = None,
        sort: str | None = None,
        limit: int | None = None,
        top: int | None = None,
    ) -> pl.DataFrame:
        """``aicost report attribution --by ...`` as a polars DataFrame."""
        return self.report(
            "attribution", by=by, since=since, until=until, sort=sort, limit=limit, top=top
        ).df

    def sources(self) -> pl.DataFrame:
        """``aicost db sources``: each ingested file with its format, run, counts and range."""
        from aicost_cli import db, ledger

        with db.connect(self.path, read_only=True) as con:
            return Report("sources", ledger.sources(con)).df

    def forget(self, target: StrPath | int) -> ForgetResult:
        """``aicost db forget PATH|RUN``: undo what a source file, folder or run added."""
        from aicost_cli import ledger

        return ledger.forget(self.path, self.config, str(target))

    def quarantine(self) -> pl.DataFrame:
        """``aicost db quarantine``: records that were not loaded, with file, line and reason."""
        from aicost_cli import db, store

        with db.connect(self.path, read_only=True) as con:
            return Report("quarantine", store.quarantine(con)).df


def connect(db: StrPath | None = None, *, config: StrPath | Config | None = None) -> Store:
    """The store at ``db`` (else ``AICOST_DB``, the config's ``db_path``, the
    per-user default: the CLI's order) with ``config`` (a path, a
    :class:`Config`, or discovered as the CLI does). The file is created and
    migrated on first use."""
    cfg = config if isinstance(config, Config) else load_config(_path(config))
    path = resolve_db_path(_path(db), cfg.db_path)
    return Store(path, cfg)


def _path(value: StrPath | None) -> Path | None:
    return Path(value) if value is not None else None
