"""``aicost ingest billing``: billing exports -> ``land_charges`` -> the build.

How a run works (set-based in DuckDB; Python only orchestrates files):

1. Take the writer lock and make sure the store exists and is migrated.
2. List the PATHs' files, grouped into deliveries (:mod:`.sources`: a Data
   Exports period folder with its manifest, or a single file). A delivery
   is read when one of its files is new or changed (its fingerprint is not
   in the ledger ``ingested_files``) or with ``--force``; otherwise it is
   skipped as a whole.
3. Check, without holding the store (the scratch file ``<db>.scratch``, the
   store attached read-only, so reports keep answering): each file's format
   (detected, or ``--format``) and one scan of it through its staging model
   records per (file, partition) the good rows, their billed total and
   currency and the days of their charges, and keeps the quarantined rows
   (file, row, reason, the raw row as JSON). A file DuckDB cannot read (not
   parquet, truncated, wrong columns, no format recognises it, empty) is
   quarantined as a whole; so is every file of its delivery and of the
   billing periods it shares with them (nothing partial of a period lands).
   When a read file belongs to a period whose last delivery had files this
   run skipped as unchanged, those are read too: a period is replaced as a
   whole, from all its current files.
4. Hold back a period delivered in FEWER files than its last delivery
   (``billing_partitions.files``) unless a manifest names this delivery's
   files or ``--force`` is given: a missing part would silently shrink the
   bill (see :data:`FEWER_FILES`).
5. Refuse the run (:class:`ConfigError`, exit 2) when a charge to land is in
   a currency other than the configured one without an ``[exchange_rates]``
   entry: amounts are landed in their billing currency and converted by the
   build, never relabelled.
6. Commit, in ONE transaction on the store: delete the replaced partitions'
   rows from ``land_charges``, insert the new rows (read again from the files,
   straight through the staging model: the data is written once), mark the
   replaced ``billing_partitions`` rows (``replaced_run_id``) and add the new
   ones, record quarantine, ledger and run (``kind = 'billing'``), then
   :func:`aicost_cli.build.build` for the days of the old and the new charges
   of the replaced partitions. A failure anywhere (an audit included) rolls
   everything back.

Staging inside the store's transaction instead of copying staged rows from
the scratch file (as the request ingest does) writes the data once: a bill
line has no duplicate to remove against the store, so nothing needs the
staged rows but the insert. The checks of step 3 run on the scratch
connection with the store read-only, so only step 6 holds the store.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from aicost_cli import db, models
from aicost_cli.billing import formats
from aicost_cli.billing import sources as billing_sources
from aicost_cli.billing.formats.base import BillingFormat, FileKind, FileSample
from aicost_cli.build import BuildResult, build
from aicost_cli.config import Config
from aicost_cli.errors import AicostError, ConfigError, DatabaseError, ExitCode, UsageError
from aicost_cli.ingest.lines import one_line
from aicost_cli.ingest.progress import watch
from aicost_cli.ingest.requests import _remove_scratch, _scratch, scratch_path
from aicost_cli.migrations import CHARGE_COLUMNS

ProgressCallback = Callable[[int, int, str], None]

#: the columns of land_charges, in order
CHARGE_NAMES = tuple(line.split()[0] for line in CHARGE_COLUMNS.strip().splitlines())
_STAGED_NAMES = tuple(n for n in CHARGE_NAMES if n != "ingest_run_id")
#: why a period delivered in fewer files than last time is held back
FEWER_FILES = (
    "billing period {key} was delivered in {before} file(s) last time (run {run}) and in "
    "{now} in this run: not replaced, so that a missing part does not shrink the bill "
    "(give all the period's files, or --force to replace it with these)"
)
_GLOB_CHARS = "*?[]{}"
_SNIFF_BYTES = 1 << 16
#: a JSON file bigger than this is not parsed whole for detection
_MAX_JSON_SAMPLE = 64 << 20


class BillingBug(AicostError):
    exit_code = ExitCode.INTERNAL


@dataclass
class FileOutcome:
    name: str
    format: str | None = None
    rows: int = 0
    landed: int = 0
    #: rows quarantined (a row with a reason; the file's other rows land)
    quarantined: int = 0
    skipped: bool = False
    #: why the whole file was not landed (unreadable, or held back with its period)
    problem: str | None = None
    size: int = 0


@dataclass
class PartitionOutcome:
    key: str
    source: str
    account: str | None
    period_start: datetime
    period_end: datetime | None
    files: list[str]
    charges: int
    billed: dict[str, Decimal]
    from_manifest: bool = False
    replaced_run: int | None = None
    replaced_charges: int = 0
    replaced_billed: dict[str, Decimal] = field(default_factory=dict)
    replaced_files: int = 0
    #: why the partition was not landed
    held: str | None = None

    @property
    def period(self) -> str:
        return f"{self.period_start:%Y-%m}"


@dataclass
class BillingIngestResult:
    run_id: int | None
    files: list[FileOutcome] = field(default_factory=list)
    partitions: list[PartitionOutcome] = field(default_factory=list)
    #: files in a manifest's folder that are not in its current delivery
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    build: BuildResult | None = None

    @property
    def files_read(self) -> int:
        return sum(1 for f in self.files if not f.skipped)

    @property
    def files_skipped(self) -> int:
        return sum(1 for f in self.files if f.skipped)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def landed(self) -> int:
        return sum(f.landed for f in self.files)

    @property
    def quarantined_rows(self) -> int:
        return sum(f.quarantined for f in self.files if f.problem is None)

    @property
    def quarantined_files(self) -> int:
        return sum(1 for f in self.files if f.problem is not None)

    @property
    def quarantined(self) -> int:
        """Rows and whole files quarantined: the run exits 5 when not 0."""
        return self.quarantined_rows + self.quarantined_files

    @property
    def landed_partitions(self) -> list[PartitionOutcome]:
        return [p for p in self.partitions if p.held is None]

    @property
    def held_partitions(self) -> list[PartitionOutcome]:
        return [p for p in self.partitions if p.held is not None]


def ingest_billing(
    db_path: Path,
    paths: list[str],
    *,
    config: Config,
    forced_format: str | None = None,
    endpoint_url: str | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> BillingIngestResult:
    """Ingest billing exports into the store at ``db_path`` (see the module doc)."""
    fmt = None
    if forced_format is not None:
        fmt = formats.BY_NAME.get(forced_format)
        if fmt is None:
            raise UsageError(
                f"billing format {forced_format} is not supported yet",
                hint="supported: " + ", ".join(formats.BY_NAME),
            )
    expanded = billing_sources.expand(paths, endpoint_url)
    try:
        with db.writer_lock(db_path):
            db.connect(db_path).close()  # exists and is migrated
            try:
                with tempfile.TemporaryDirectory(prefix="aicost-billing-") as work:
                    run = _Run(db_path, expanded, config, fmt, force, progress, Path(work))
                    return run.run()
            finally:
                _remove_scratch(scratch_path(db_path))
    finally:
        expanded.cleanup()


@dataclass
class _Scanned:
    """What the checks found in one file."""

    candidate: billing_sources.Candidate
    delivery: billing_sources.Delivery
    sample: FileSample | None = None
    format: BillingFormat | None = None


class _Run:
    def __init__(
        self,
        db_path: Path,
        expanded: billing_sources.BillingSources,
        config: Config,
        forced: BillingFormat | None,
        force: bool,
        progress: ProgressCallback | None,
        work: Path,
    ) -> None:
        self.db_path = db_path
        self.expanded = expanded
        self.config = config
        self.forced = forced
        self.force = force
        self.progress = progress
        self.work = work
        self.started_at = datetime.now(UTC).replace(tzinfo=None)
        self.result = BillingIngestResult(run_id=None, ignored=list(expanded.ignored))
        self.outcomes: dict[str, FileOutcome] = {}
        self.scanned: dict[str, _Scanned] = {}
        self.total = 2 * sum(c.size for d in expanded.deliveries for c in d.files) or 1
        self.done = 0

    # -- the run ---------------------------------------------------------------

    def run(self) -> BillingIngestResult:
        try:
            with _scratch(self.db_path) as con, db.memory_limit(con):
                models.load_macros(con)
                self._create_scan_tables(con)
                self._check(con)
                self._decide(con)
                self._check_currencies(con)
                con.execute("detach aicost_store")
                con.execute("checkpoint")
        except duckdb.Error as exc:
            raise DatabaseError(f"billing ingest failed in the database: {one_line(exc)}") from None
        self.result.files = list(self.outcomes.values())
        if all(o.skipped for o in self.outcomes.values()):
            return self.result
        self._commit()
        self.result.files = list(self.outcomes.values())
        return self.result

    # -- step 2-3: which files, and what is in them ------------------------------

    def _create_scan_tables(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "create or replace table billing_scan (source_file varchar, source_format varchar, "
            "billing_source varchar, partition_key varchar, billing_account_id varchar, "
            "period_start timestamp, period_end timestamp, billing_currency varchar, "
            "charges bigint, billed decimal(38, 12), days date[], good boolean)"
        )
        con.execute(
            "create or replace table billing_quarantine (source_file varchar, "
            "source_row bigint, source_format varchar, reason varchar, record varchar)"
        )

    def _check(self, con: duckdb.DuckDBPyConnection) -> None:
        known = self._known(con)
        todo: list[billing_sources.Delivery] = []
        for delivery in self.expanded.deliveries:
            changed = self.force or any(known.get(c.name) != c.fingerprint for c in delivery.files)
            for c in delivery.files:
                self.outcomes[c.name] = FileOutcome(c.name, size=c.size, skipped=not changed)
            if changed:
                todo.append(delivery)
        for name, reason in self.expanded.unreadable:
            self.outcomes[name] = FileOutcome(name, problem=reason)
        self.total = 2 * sum(c.size for d in todo for c in d.files) or 1
        while todo:
            for delivery in todo:
                self._scan_delivery(con, delivery)
            todo = self._siblings(con)

    def _known(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        names = [c.name for d in self.expanded.deliveries for c in d.files]
        rows = con.execute(
            "select source_file, fingerprint from aicost_store.ingested_files "
            "where source_file in (select unnest(?::varchar[])) "
            "and starts_with(source_format, 'billing:')",
            [names],
        ).fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    def _siblings(self, con: duckdb.DuckDBPyConnection) -> list[billing_sources.Delivery]:
        """Skipped deliveries holding a file of the last delivery of a period
        this run read: they are read too (the period is replaced whole)."""
        previous = {
            str(name)
            for (name,) in con.execute(
                "select distinct unnest(files) from aicost_store.billing_partitions "
                "where replaced_run_id is null and partition_key in "
                "(select partition_key from billing_scan where good)"
            ).fetchall()
        }
        extra = []
        for delivery in self.expanded.deliveries:
            if any(self.outcomes[c.name].skipped and c.name in previous for c in delivery.files):
                for c in delivery.files:
                    self.outcomes[c.name].skipped = False
                extra.append(delivery)
        return extra

    def _scan_delivery(
        self, con: duckdb.DuckDBPyConnection, delivery: billing_sources.Delivery
    ) -> None:
        try:
            self.expanded.download(delivery.files)
        except AicostError as exc:
            for c in delivery.files:
                self.outcomes[c.name].problem = exc.message
            return
        for c in delivery.files:
            scanned = _Scanned(c, delivery)
            self.scanned[c.name] = scanned
            outcome = self.outcomes[c.name]
            if delivery.problem is not None:
                outcome.problem = f"not landed: {delivery.problem}"
                continue
            try:
                self._scan_file(con, scanned, outcome)
            except (duckdb.Error, ValueError, OSError) as exc:
                outcome.problem = _file_problem(exc)
            self.done += c.size
            if self.progress:
                self.progress(self.done, self.total, c.name)

    def _scan_file(
        self, con: duckdb.DuckDBPyConnection, scanned: _Scanned, outcome: FileOutcome
    ) -> None:
        sample = _sample(con, scanned.candidate, self.work, len(self.scanned))
        if isinstance(sample, str):
            outcome.problem = sample
            return
        fmt = self.forced or formats.detect(sample)
        if fmt is None:
            outcome.problem = (
                f"file is not a billing export aicost reads ({sample.kind}"
                + (f" with columns {', '.join(sample.columns[:4])}..." if sample.columns else "")
                + "); formats: "
                + ", ".join(formats.BY_NAME)
            )
            return
        outcome.format = fmt.name
        scanned.sample, scanned.format = sample, fmt
        fmt.read(con, [sample])
        staging = models.sql_identifier(fmt.staging_model)
        con.execute(
            f"create or replace temp view {staging} as\n{models.model_sql(fmt.staging_model)}"
        )
        source_format = f"billing:{fmt.name}"
        # one pass: the good rows per (file, partition, currency) and the bad rows' count
        con.execute(
            "insert into billing_scan select source_file, ?, billing_source, partition_key, "
            "any_value(billing_account_id), min(billing_period_start), max(billing_period_end), "
            "billing_currency, count(*), sum(billed_cost), "
            "list(distinct cast(charge_period_start as date)), quarantine_reason is null "
            f"from {staging} group by source_file, billing_source, partition_key, "
            "billing_currency, quarantine_reason is null",
            [source_format],
        )
        row = con.execute(
            "select coalesce(sum(charges), 0), coalesce(sum(charges) filter (where not good), 0) "
            "from billing_scan where source_file = ?",
            [sample.source_file],
        ).fetchall()[0]
        outcome.rows, outcome.quarantined = int(row[0]), int(row[1])
        if outcome.quarantined:
            raw = models.sql_identifier(fmt.raw_relation)
            con.execute(
                "insert into billing_quarantine "
                "select bad.source_file, bad.source_row, ?, bad.quarantine_reason, "
                "left(cast(to_json(raw) as varchar), 10000) "
                f"from (select source_file, source_row, quarantine_reason from {staging} "
                "  where quarantine_reason is not null) as bad "
                f"inner join {raw} as raw on raw.source_row = bad.source_row",
                [source_format],
            )

    # -- step 4: which partitions land --------------------------------------------

    def _decide(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute(
            "select partition_key, source_file, billing_source, any_value(billing_account_id), "
            "min(period_start), max(period_end), billing_currency, sum(charges), sum(billed) "
            "from billing_scan where good group by partition_key, source_file, billing_source, "
            "billing_currency order by partition_key, source_file"
        ).fetchall()
        parts: dict[str, PartitionOutcome] = {}
        for key, name, source, account, start, end, currency, charges, billed in rows:
            part = parts.get(key)
            if part is None:
                part = parts[key] = PartitionOutcome(
                    key=key,
                    source=source,
                    account=account,
                    period_start=start,
                    period_end=end,
                    files=[],
                    charges=0,
                    billed={},
                )
            if name not in part.files:
                part.files.append(name)
            part.charges += int(charges)
            part.billed[currency] = part.billed.get(currency, Decimal(0)) + billed
        for part in parts.values():
            part.from_manifest = all(
                self.scanned[n].delivery.manifest is not None for n in part.files
            )
        previous = {
            str(r[0]): (int(r[1]), list(r[2]))
            for r in con.execute(
                "select partition_key, ingest_run_id, files from aicost_store.billing_partitions "
                "where replaced_run_id is null and partition_key in "
                "(select unnest(?::varchar[]))",
                [list(parts)],
            ).fetchall()
        }
        for key, part in parts.items():
            if key in previous:
                run, files = previous[key]
                part.replaced_run, part.replaced_files = run, len(files)
                if not self.force and not part.from_manifest and len(part.files) < len(files):
                    part.held = FEWER_FILES.format(
                        key=key, before=len(files), run=run, now=len(part.files)
                    )
        self._hold(parts)
        self.result.partitions = sorted(parts.values(), key=lambda p: p.key)

    def _hold(self, parts: dict[str, PartitionOutcome]) -> None:
        """Nothing partial of a delivery or a period lands: a file that
        cannot be read holds back its delivery and the periods of its
        delivery's files; a held period holds back its files (and so the
        other periods of those files), until nothing changes."""
        files_of = {key: set(p.files) for key, p in parts.items()}
        deliveries = {id(s.delivery): s.delivery for s in self.scanned.values()}
        changed = True
        while changed:
            changed = False
            for delivery in deliveries.values():
                names = [c.name for c in delivery.files]
                bad = next((n for n in names if self.outcomes[n].problem), None)
                if bad is None:
                    continue
                for name in names:
                    if self.outcomes[name].problem is None:
                        self.outcomes[
                            name
                        ].problem = f"not landed: {bad} of the same delivery cannot be read"
                        changed = True
            for key, part in parts.items():
                bad = next((n for n in sorted(files_of[key]) if self.outcomes[n].problem), None)
                if bad is not None and part.held is None:
                    part.held = (
                        f"billing period {key} not replaced: {bad} cannot be read "
                        "(the period keeps its last delivery)"
                    )
                    changed = True
                if part.held is not None:
                    for name in files_of[key]:
                        if self.outcomes[name].problem is None:
                            self.outcomes[name].problem = f"not landed: {part.held}"
                            changed = True

    # -- step 5: currency -----------------------------------------------------------

    def _check_currencies(self, con: duckdb.DuckDBPyConnection) -> None:
        allowed = {self.config.currency, *self.config.exchange_rates}
        for part in self.result.landed_partitions:
            for currency in part.billed:
                if currency not in allowed:
                    where = self.config.path or Path("aicost.toml")
                    raise ConfigError(
                        f"{part.files[0]} has charges in {currency}, the reporting currency is "
                        f"{self.config.currency} and {where} has no exchange rate for "
                        f"{currency}: nothing was ingested",
                        hint=f"add to {where}:  [exchange_rates]  {currency} = "
                        f'"<{self.config.currency} per 1 {currency}>"',
                    )

    # -- step 6: commit ---------------------------------------------------------------

    def _commit(self) -> None:
        landing = self.result.landed_partitions
        landing_files = sorted({n for p in landing for n in p.files})
        by_format: dict[str, list[FileSample]] = {}
        for name in landing_files:
            scanned = self.scanned[name]
            assert scanned.sample is not None and scanned.format is not None
            by_format.setdefault(scanned.format.name, []).append(scanned.sample)
        read = [o.name for o in self.outcomes.values() if not o.skipped]
        with db.connect(self.db_path) as store:
            try:
                scratch = models.sql_string(str(scratch_path(self.db_path)))
                store.execute(f"attach {scratch} as aicost_scratch (read_only)")
                with db.memory_limit(store):
                    models.load_macros(store)
                    for name, samples in by_format.items():
                        fmt = formats.BY_NAME[name]
                        fmt.read(store, samples)
                        store.execute(
                            f"create or replace temp view "
                            f"{models.sql_identifier(fmt.staging_model)} as\n"
                            f"{models.model_sql(fmt.staging_model)}"
                        )
                    with db.transaction(store):
                        run_row = store.execute("select nextval('ingest_run_seq')").fetchall()
                        run_id = int(run_row[0][0])
                        self.result.run_id = run_id
                        days = self._replace(store, run_id, landing, by_format)
                        self._record(store, run_id, read)
                        if landing:
                            self.result.build = build(
                                store, self.config, days=sorted(days), trigger="ingest"
                            )
                store.execute("detach aicost_scratch")
            except duckdb.Error as exc:
                raise DatabaseError(
                    f"billing ingest failed in the database: {one_line(exc)}"
                ) from None
        self._warn_other_sources(landing)

    def _replace(
        self,
        con: duckdb.DuckDBPyConnection,
        run_id: int,
        landing: list[PartitionOutcome],
        by_format: dict[str, list[FileSample]],
    ) -> set[date]:
        """Replace the landing partitions; return the days of their old and new charges."""
        keys = [p.key for p in landing]
        days: set[date] = set()
        old = con.execute(
            "select partition_key, billing_currency, count(*), sum(billed_cost), "
            "list(distinct cast(charge_period_start as date)) from land_charges "
            "where partition_key in (select unnest(?::varchar[])) group by all",
            [keys],
        ).fetchall()
        parts = {p.key: p for p in landing}
        for key, currency, charges, billed, old_days in old:
            parts[key].replaced_charges += int(charges)
            parts[key].replaced_billed[currency] = billed
            days.update(old_days)
        for (new_days,) in con.execute(
            "select flatten(list(days)) from aicost_scratch.billing_scan "
            "where good and partition_key in (select unnest(?::varchar[]))",
            [keys],
        ).fetchall():
            days.update(new_days or [])
        con.execute(
            "delete from land_charges where partition_key in (select unnest(?::varchar[]))",
            [keys],
        )
        columns = ", ".join(_STAGED_NAMES)
        inserted = 0
        for name, samples in by_format.items():
            fmt = formats.BY_NAME[name]
            size = sum(_size(s) for s in samples)
            with watch(
                con,
                self.progress,
                done=self.done,
                total=self.total,
                name=samples[-1].source_file,
                size=size,
            ):
                row = con.execute(
                    f"insert into land_charges ({columns}, ingest_run_id) "
                    f"select {columns}, ?::bigint "
                    f"from {models.sql_identifier(fmt.staging_model)} "
                    "where quarantine_reason is null",
                    [run_id],
                ).fetchall()
            inserted += int(row[0][0])
            self.done += size
            if self.progress:
                self.progress(self.done, self.total, samples[-1].source_file)
        expected = sum(p.charges for p in landing)
        if inserted != expected:
            raise BillingBug(
                f"the billing files changed while they were read ({inserted:,} charges read "
                f"to land, {expected:,} when checked): nothing was ingested",
                hint="run the ingest again once the export's delivery is complete",
            )
        con.execute(
            "update billing_partitions set replaced_run_id = ? "
            "where replaced_run_id is null and partition_key in (select unnest(?::varchar[]))",
            [run_id, keys],
        )
        _executemany(
            con,
            "insert into billing_partitions "
            "values (?, ?, ?, ?, ?, ?, ?, ?, null, now()::timestamp)",
            [
                [
                    p.key,
                    p.source,
                    p.account,
                    p.period_start,
                    p.period_end,
                    p.charges,
                    p.files,
                    run_id,
                ]
                for p in landing
            ],
        )
        return days

    def _record(self, con: duckdb.DuckDBPyConnection, run_id: int, read: list[str]) -> None:
        """Quarantine, ledger and run of the commit."""
        for part in self.result.landed_partitions:
            per_file = con.execute(
                "select source_file, sum(charges) from aicost_scratch.billing_scan "
                "where good and partition_key = ? group by source_file",
                [part.key],
            ).fetchall()
            for name, charges in per_file:
                self.outcomes[name].landed += int(charges)
        con.execute(
            "delete from quarantine where source_file in (select unnest(?::varchar[]))", [read]
        )
        # rows of files that landed (a held-back file's rows are not reported
        # one by one: the file is, with the reason it was held back)
        con.execute(
            "insert into quarantine select ?, source_file, source_row, source_format, reason, "
            "record, now()::timestamp from aicost_scratch.billing_quarantine "
            "where source_file in (select unnest(?::varchar[]))",
            [run_id, [o.name for o in self.outcomes.values() if o.problem is None]],
        )
        whole = [o for o in self.outcomes.values() if o.problem is not None]
        _executemany(
            con,
            "insert into quarantine values (?, ?, null, ?, ?, null, now()::timestamp)",
            [
                [run_id, o.name, f"billing:{o.format}" if o.format else "billing", o.problem]
                for o in whole
            ],
        )
        # the ledger: files read and not held back (a file that could not be
        # read is read again next time, so that its period is never landed
        # without it; a file whose rows were all quarantined was read)
        ledgered = [o for o in self.outcomes.values() if not o.skipped and o.problem is None]
        names = [o.name for o in ledgered]
        con.execute(
            "delete from ingested_files where source_file in (select unnest(?::varchar[]))",
            [names],
        )
        _executemany(
            con,
            "insert into ingested_files values (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, now()::timestamp)",
            [
                [
                    o.name,
                    f"billing:{o.format}",
                    self.scanned[o.name].candidate.size,
                    self.scanned[o.name].candidate.modified_at,
                    self.scanned[o.name].candidate.fingerprint,
                    run_id,
                    o.rows,
                    o.landed,
                    o.quarantined,
                ]
                for o in ledgered
            ],
        )
        done = [o for o in self.outcomes.values() if not o.skipped]
        con.execute(
            "insert into ingest_runs "
            "values (?, ?, now()::timestamp, 'billing', ?, ?, ?, ?, ?, 0, ?)",
            [
                run_id,
                self.started_at,
                read[:1000],
                len(done),
                sum(1 for o in self.outcomes.values() if o.skipped),
                sum(o.rows for o in done),
                sum(o.landed for o in done),
                sum(o.quarantined for o in done if o.problem is None)
                + sum(1 for o in done if o.problem is not None),
            ],
        )

    def _warn_other_sources(self, landing: list[PartitionOutcome]) -> None:
        """A period of an account loaded from two sources (CUR 2.0 and legacy
        CUR, or CUR and FOCUS) would be counted twice by anything summing
        land_charges: say so (the build decides which source it uses)."""
        if not landing:
            return
        with db.connect(self.db_path, read_only=True) as con:
            rows = con.execute(
                "select distinct mine.partition_key, theirs.billing_source "
                "from billing_partitions as mine inner join billing_partitions as theirs "
                "on theirs.billing_account_id = mine.billing_account_id "
                "and theirs.period_start = mine.period_start "
                "and theirs.billing_source <> mine.billing_source "
                "where mine.replaced_run_id is null and theirs.replaced_run_id is null "
                "and mine.partition_key in (select unnest(?::varchar[])) order by all",
                [[p.key for p in landing]],
            ).fetchall()
        for key, other in rows:
            self.result.warnings.append(
                f"billing period {key} is also loaded from {other}: the same charges "
                "may be counted twice"
            )


def _executemany(con: duckdb.DuckDBPyConnection, sql: str, rows: list[list[object]]) -> None:
    if rows:
        con.executemany(sql, rows)


# -- files -> samples -------------------------------------------------------------


def _size(sample: FileSample) -> int:
    try:
        return os.path.getsize(sample.path)
    except OSError:
        return 0


def _file_problem(exc: BaseException) -> str:
    text = one_line(exc)
    for prefix in ("Invalid Input Error: ", "IO Error: ", "Conversion Error: "):
        text = text.removeprefix(prefix)
    return f"file cannot be read: {text}"


def _readable(local: Path, work: Path, index: int) -> str:
    """A path DuckDB reads as itself (glob characters would make it a pattern)."""
    if not any(ch in str(local) for ch in _GLOB_CHARS):
        return str(local)
    link = work / f"file{index:06d}{''.join(local.suffixes)[-20:]}"
    link = Path(str(link).translate({ord(c): "_" for c in _GLOB_CHARS}))
    if not link.exists():
        link.symlink_to(local)
    return str(link)


def _sample(
    con: duckdb.DuckDBPyConnection, candidate: billing_sources.Candidate, work: Path, index: int
) -> FileSample | str:
    """What detection looks at, or why the file cannot be read at all."""
    assert candidate.local is not None
    local = candidate.local
    with local.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head:
        return "file is empty"
    compressed = head[:2] == b"\x1f\x8b"
    if compressed:
        try:
            with gzip.open(local, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
        except (OSError, EOFError) as exc:
            return f"file is not readable gzip: {exc}"
        if not head:
            return "file is empty (gzip)"
    path = _readable(local, work, index)
    kind: FileKind
    if head[:4] == b"PAR1" and not compressed:
        kind = "parquet"
        columns = _columns(con, f"read_parquet({models.sql_string(path)})")
        return FileSample(path=path, kind=kind, columns=columns, name=candidate.name)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        document = _json_document(local, compressed, candidate.size)
        return FileSample(
            path=path, kind="json", document=document, name=candidate.name, gzip=compressed
        )
    if b"\x00" in head:
        return "file is not a billing export (binary, not parquet, CSV or JSON)"
    compression = "gzip" if compressed else "none"
    columns = _columns(
        con,
        f"read_csv({models.sql_string(path)}, header = true, all_varchar = true, "
        f"delim = ',', quote = '\"', escape = '\"', compression = '{compression}')",
    )
    return FileSample(path=path, kind="csv", columns=columns, name=candidate.name, gzip=compressed)


def _columns(con: duckdb.DuckDBPyConnection, reader: str) -> tuple[str, ...]:
    return tuple(str(r[0]) for r in con.execute(f"describe select * from {reader}").fetchall())


def _json_document(local: Path, compressed: bool, size: int) -> dict[str, object] | None:
    """The file's JSON document (a page of a cost API), when it is one object."""
    if size > _MAX_JSON_SAMPLE:
        return None
    try:
        if compressed:
            with gzip.open(local, "rt", encoding="utf-8") as handle:
                document = json.load(handle)
        else:
            document = json.loads(local.read_text(encoding="utf-8-sig"))
    except (OSError, EOFError, ValueError):
        return None
    return document if isinstance(document, dict) else None
