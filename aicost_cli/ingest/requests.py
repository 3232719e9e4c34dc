"""``aicost ingest requests``: request logs -> landing tables -> the build.

How a run works (set-based in DuckDB; Python only orchestrates files):

1. Take the writer lock (``<db>.lock``: one ingest, build or price import at
   a time) and make sure the store exists and is migrated.
2. Stage, without holding the store: the run's connection is a scratch
   DuckDB file beside the store (``<db>.scratch``; compressed on disk, so
   memory stays bounded by one batch, not the run), with the store attached
   READ-ONLY, so reports keep answering. Expand the PATHs, skip files whose
   fingerprint the ledger has, stage batch by batch (:mod:`.stager`), number
   id-less records' hash keys by occurrence in their file, de-duplicate
   within the run and against the landing tables (the whole table: an id
   re-sent any time later is still a duplicate).
3. Commit, holding the store for that only: re-open it read-write, and in ONE
   transaction land the new records (insert-once on (source, operation_id)),
   record quarantine, ledger and run, and build the derived tables for the
   affected days (:func:`aicost_cli.build.build`, audits included). A process
   killed at any point before COMMIT leaves the store as it was; its scratch
   file is deleted by the next run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from aicost_cli import db, models
from aicost_cli.build import BuildResult, build
from aicost_cli.config import Config
from aicost_cli.errors import DatabaseError
from aicost_cli.ingest import normalise, sources
from aicost_cli.ingest.detect import Layout, detect
from aicost_cli.ingest.formats import REGISTRY, RequestFormat
from aicost_cli.ingest.lines import has_blank_lines, one_line
from aicost_cli.ingest.progress import watch
from aicost_cli.ingest.stager import BATCH_BYTES, BATCH_FILES, STAGED, Stager
from aicost_cli.migrations import ID_KEY_SQL

ProgressCallback = Callable[[int, int, str], None]


@dataclass
class FileOutcome:
    name: str
    format: str | None
    records: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    #: re-sent records whose content differs from the landed one (also quarantined)
    changed: int = 0
    skipped: bool = False


@dataclass
class IngestResult:
    run_id: int | None
    files: list[FileOutcome] = field(default_factory=list)
    #: model calls among the new operations, and those no price matched
    model_calls: int = 0
    unpriced: int = 0
    #: what the sources themselves reported as the cost of the unpriced calls
    unpriced_source_cost: Decimal | None = None
    build: BuildResult | None = None

    @property
    def files_read(self) -> int:
        return sum(1 for f in self.files if not f.skipped)

    @property
    def files_skipped(self) -> int:
        return sum(1 for f in self.files if f.skipped)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def changed(self) -> int:
        return sum(f.changed for f in self.files)


def scratch_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".scratch")


def _remove_scratch(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        if leftover.is_dir():
            raise DatabaseError(
                f"{leftover} is a directory where aicost keeps its scratch file",
                hint="move it away; aicost deletes its own scratch file after each run",
            )
        leftover.unlink(missing_ok=True)


@contextmanager
def _scratch(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The staging connection: a scratch database beside the store, with the
    store attached read-only as ``aicost_store``."""
    path = scratch_path(db_path)
    _remove_scratch(path)  # a killed run's leftover
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot create scratch file {path}: {one_line(exc)}") from None
    try:
        con.execute("set TimeZone = 'UTC'")
        try:
            con.execute(f"attach {models.sql_string(str(db_path))} as aicost_store (read_only)")
        except duckdb.Error as exc:
            raise DatabaseError(f"cannot read database {db_path}: {one_line(exc)}") from None
        yield con
    finally:
        con.close()


def ingest_requests(
    db_path: Path,
    paths: list[str],
    *,
    config: Config,
    forced_format: RequestFormat | None = None,
    endpoint_url: str | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    """Ingest request logs into the store at ``db_path`` (see the module doc)."""
    expanded = sources.expand(paths, endpoint_url)
    try:
        with db.writer_lock(db_path):
            db.connect(db_path).close()  # exists and is migrated
            try:
                return _run(db_path, expanded, config, forced_format, force, progress)
            finally:
                _remove_scratch(scratch_path(db_path))
    finally:
        expanded.cleanup()


def _run(
    db_path: Path,
    expanded: sources.ExpandedSources,
    config: Config,
    forced_format: RequestFormat | None,
    force: bool,
    progress: ProgressCallback | None,
) -> IngestResult:
    started_at = datetime.now(UTC).replace(tzinfo=None)
    outcomes: dict[str, FileOutcome] = {}
    result = IngestResult(run_id=None)
    try:
        with _scratch(db_path) as con, db.memory_limit(con):
            todo = _files_to_read(con, expanded, forced_format, force, outcomes)
            if not todo and not expanded.unreadable:
                result.files = list(outcomes.values())
                return result
            stager = Stager(con)
            for name, reason in expanded.unreadable:  # quarantined; the rest is read
                outcomes.setdefault(name, FileOutcome(name, None))
                stager.quarantine_file(name, None, reason)
            _stage_all(stager, todo, forced_format, outcomes, progress)
            _number_hash_keys(con)
            good = _deduplicate(con)
            con.execute("detach aicost_store")
            con.execute("checkpoint")
    except duckdb.Error as exc:
        raise DatabaseError(f"ingest failed in the database: {one_line(exc)}") from None

    with db.connect(db_path) as store:
        try:
            scratch = models.sql_string(str(scratch_path(db_path)))
            store.execute(f"attach {scratch} as aicost_scratch (read_only)")
            # the landing copy and the commit within the budget too (the
            # build sets it again for itself)
            with db.memory_limit(store), db.transaction(store):
                run_row = store.execute("select nextval('ingest_run_seq')").fetchall()
                result.run_id = int(run_row[0][0])
                _commit(store, result.run_id, started_at, todo, outcomes, good)
                result.build = build(store, config, runs=[result.run_id], trigger="ingest")
                _count_unpriced(store, result)
            store.execute("detach aicost_scratch")
        except duckdb.Error as exc:
            raise DatabaseError(f"ingest failed in the database: {one_line(exc)}") from None
    result.files = list(outcomes.values())
    return result


def _files_to_read(
    con: duckdb.DuckDBPyConnection,
    expanded: sources.ExpandedSources,
    forced_format: RequestFormat | None,
    force: bool,
    outcomes: dict[str, FileOutcome],
) -> list[sources.SourceFile]:
    """The files this run reads: not in the ledger with the same fingerprint
    (unless forced); S3 objects downloaded only now, when needed."""
    unique: dict[str, sources.SourceFile] = {}
    for f in expanded.files:  # arguments that name the same file twice
        unique.setdefault(f.name, f)
    candidates = list(unique.values())
    known = (
        set()
        if force
        else _known(
            con,
            [f.name for f in candidates] + [obj.uri for _, obj in expanded.s3_pending],
            forced_format,
        )
    )
    todo = [f for f in candidates if (f.name, f.fingerprint) not in known]
    for f in candidates:
        if (f.name, f.fingerprint) in known:
            outcomes[f.name] = FileOutcome(f.name, None, skipped=True)
    pending = []
    for client, obj in expanded.s3_pending:
        if (obj.uri, sources.s3_fingerprint(obj)) in known:
            outcomes[obj.uri] = FileOutcome(obj.uri, None, skipped=True)
        elif obj.uri not in outcomes:
            pending.append((client, obj))
    if pending:
        expanded.tempdir = tempfile.TemporaryDirectory(prefix="aicost-s3-")
        for client in {id(c): c for c, _ in pending}.values():
            objs = [o for c, o in pending if c is client]
            todo.extend(sources.download_s3(client, objs, Path(expanded.tempdir.name)))
    return todo


def _known(
    con: duckdb.DuckDBPyConnection, names: list[str], forced_format: RequestFormat | None
) -> set[tuple[str, str]]:
    """(name, fingerprint) of files the ledger has. With a forced format, a file
    read before as another format (or not recognised) is not known: forcing the
    format is how a user retries a file quarantined as unrecognised."""
    rows = con.execute(
        "select source_file, fingerprint, source_format from aicost_store.ingested_files "
        "where source_file in (select unnest(?::varchar[]))",
        [names],
    ).fetchall()
    return {
        (row[0], row[1]) for row in rows if forced_format is None or row[2] == forced_format.value
    }


def _batches(files: list[sources.SourceFile]) -> list[list[sources.SourceFile]]:
    out: list[list[sources.SourceFile]] = []
    current: list[sources.SourceFile] = []
    size = 0
    for f in files:
        if current and (len(current) >= BATCH_FILES or size + f.size > BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        out.append(current)
    return out


def _stage_all(
    stager: Stager,
    todo: list[sources.SourceFile],
    forced_format: RequestFormat | None,
    outcomes: dict[str, FileOutcome],
    progress: ProgressCallback | None,
) -> None:
    """Stage every file, each through a readable stand-in where DuckDB would
    misread it (UTF-16, a byte order mark, CR-only lines, glob characters)."""
    with tempfile.TemporaryDirectory(prefix="aicost-stage-") as work:
        readable = [normalise.readable(f, Path(work), i) for i, f in enumerate(todo)]
        _stage_readable(stager, readable, forced_format, outcomes, progress)


def _stage_readable(
    stager: Stager,
    todo: list[sources.SourceFile],
    forced_format: RequestFormat | None,
    outcomes: dict[str, FileOutcome],
    progress: ProgressCallback | None,
) -> None:
    total = sum(f.size for f in todo)
    done = 0
    groups: dict[tuple[RequestFormat, str], list[sources.SourceFile]] = {}
    careful: list[tuple[RequestFormat, str, sources.SourceFile]] = []
    for f in todo:
        detected = detect(f.local, forced_format)
        outcomes[f.name] = FileOutcome(f.name, detected.format.value if detected.format else None)
        if detected.layout == Layout.EMPTY:
            if detected.reason:  # nothing readable: a gzip cut before its first record
                stager.quarantine_file(f.name, None, f"file {detected.reason}")
            done += f.size
            continue
        if detected.format is None:
            stager.quarantine_file(f.name, None, f"file {detected.reason}")
            done += f.size
            continue
        if detected.format not in stager.available:
            stager.quarantine_file(
                f.name, detected.format, f"format {detected.format.value} is not supported yet"
            )
            continue
        if detected.layout == Layout.CSV or (
            detected.layout == Layout.NDJSON and has_blank_lines(f.local)
        ):
            careful.append((detected.format, detected.layout, f))
        else:
            groups.setdefault((detected.format, detected.layout), []).append(f)
    for (fmt, layout), files in groups.items():
        for batch in _batches(files):
            size = sum(f.size for f in batch)
            # one big file is one long read: report its bytes as DuckDB reads them
            with watch(
                stager.con, progress, done=done, total=total, name=batch[-1].name, size=size
            ):
                for f in stager.stage_fast(fmt, layout, batch):
                    careful.append((fmt, layout, f))
            done += size
            if progress:
                progress(done, total, batch[-1].name)
    for fmt, layout, f in careful:
        stager.stage_careful(fmt, layout, f)
        if progress:
            progress(done, total, f.name)


def _number_hash_keys(con: duckdb.DuckDBPyConnection) -> None:
    """A record without an id is keyed by a hash of its content
    ('sha256:<hex>'). Two equal records in one file are two operations (two
    calls in the same second with equal tokens are real), so the key gets the
    record's occurrence number among its equals in that file: re-reading the
    file gives the same keys (idempotent), and the same record delivered again
    in another file is still recognised as a duplicate."""
    con.execute(
        f"update {STAGED} set operation_id = {STAGED}.operation_id || ':' || numbered.occurrence "
        "from (select rowid as staged_rowid, row_number() over ("
        "  partition by source_file, operation_id order by source_line) as occurrence "
        f"  from {STAGED} where quarantine_reason is null "
        "  and starts_with(operation_id, 'sha256:')) as numbered "
        f"where {STAGED}.rowid = numbered.staged_rowid"
    )


#: what a re-sent record must agree on with the landed one (what is billed and
#: how); the timestamp is not compared (a re-delivery may stamp another time)
_CONTENT_COLUMNS = (
    "kind",
    "provider",
    "model",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "service_tier",
    "is_batch",
    "status",
    "source_cost",
)
_CONTENT = "hash(" + ", ".join("{t}" + c for c in _CONTENT_COLUMNS) + ")"
_CHANGED_WHAT = "model, tokens, tier, status or cost"


def _deduplicate(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Remove from the staged rows every operation that is not new; returns
    each file's count of good records (before removal) for the ledger.

    Within the run, an id seen more than once keeps its first (file, line):
    the window runs over the repeated ids only (found by a hash aggregate).
    Against the store, the whole landing table of the source is checked: an
    id is landed once, however far apart in time it is re-sent."""
    good = {
        name: int(n)
        for name, n in con.execute(
            f"select source_file, count(*) from {STAGED} "
            "where quarantine_reason is null group by source_file"
        ).fetchall()
    }
    con.execute(
        "create or replace table staged_changed (source_file varchar, source_line bigint, "
        "source_format varchar, reason varchar, record varchar)"
    )
    # a repeat within the run whose content differs from the first occurrence
    con.execute(
        "insert into staged_changed select source_file, source_line, source_format, "
        "'operation_id ' || left(operation_id, 200) || ' was read before in this run (' "
        "|| first_file || ' line ' || coalesce(first_line::varchar, '?') || ') with other "
        "content (" + _CHANGED_WHAT + "); the first version is kept', left(source_record, 10000) "
        "from ("
        f"  select *, {_CONTENT.format(t='')} as content, "
        f"    first_value({_CONTENT.format(t='')}) over w as first_content, "
        "    first_value(source_file) over w as first_file, "
        "    first_value(source_line) over w as first_line, "
        "    row_number() over w as rn "
        f"  from {STAGED} where quarantine_reason is null and (source_format, operation_id) in ("
        f"    select (source_format, operation_id) from {STAGED} where quarantine_reason is null "
        "    group by source_format, operation_id having count(*) > 1) "
        "  window w as (partition by source_format, operation_id "
        "    order by source_file, source_line)"
        ") where rn > 1 and content <> first_content"
    )
    con.execute(
        f"delete from {STAGED} where rowid in ("
        "  select rowid from ("
        "    select staged.rowid, row_number() over (partition by staged.source_format, "
        "      staged.operation_id order by staged.source_file, staged.source_line) as rn "
        f"    from {STAGED} as staged where staged.quarantine_reason is null and exists ("
        "      select 1 from (select source_format, operation_id "
        f"        from {STAGED} where quarantine_reason is null "
        "        group by source_format, operation_id having count(*) > 1) as repeated "
        "      where repeated.source_format = staged.source_format "
        "      and repeated.operation_id = staged.operation_id)"
        "  ) as ranked where ranked.rn > 1)"
    )
    for source in REGISTRY:
        landed = _landed_candidates(con, source.landing_table, source.format.value)
        # an inner join, so that the hash table is built on the run's staged
        # ids and the landed candidates are only streamed past it; one pass
        # finds the re-sent ids and whether their content changed
        con.execute(
            "create or replace temp table landed_matches as select staged.rowid as staged_rowid, "
            f"{_CONTENT.format(t='staged.')} <> {_CONTENT.format(t='landed.')} as is_changed, "
            "landed.ingest_run_id as landed_run "
            f"from {STAGED} as staged "
            f"inner join {landed} as landed "
            "  on landed.operation_id = staged.operation_id "
            "where staged.quarantine_reason is null and staged.source_format = ?",
            [source.format.value],
        )
        # a re-sent record whose content changed: kept as landed, and reported
        con.execute(
            "insert into staged_changed select staged.source_file, staged.source_line, "
            "staged.source_format, 'operation_id ' || left(staged.operation_id, 200) "
            "|| ' was landed before (run ' || matches.landed_run || ') with other content ("
            + _CHANGED_WHAT
            + "); the first version is kept', left(staged.source_record, 10000) "
            f"from {STAGED} as staged "
            "inner join landed_matches as matches on matches.staged_rowid = staged.rowid "
            "where matches.is_changed"
        )
        con.execute(
            f"delete from {STAGED} where rowid in (select staged_rowid from landed_matches)"
        )
    con.execute("drop table if exists landed_matches")
    con.execute("drop table if exists landed_candidates")
    return good


#: Up to this many landed id keys match the run's, the landed rows with those
#: keys are fetched by key (a filter on the 8-byte id_key column: the id
#: strings and the other columns are read for those rows only); above it (a
#: file re-sent whole), the run's ids are joined with every landed id.
CANDIDATE_KEYS_LIMIT = 50_000


def _landed_candidates(con: duckdb.DuckDBPyConnection, table: str, source_format: str) -> str:
    """The landed rows of ``table`` that may share an id with the run's staged
    rows of ``source_format``: those whose id_key is one of theirs (a temp
    table), or the whole table when more than CANDIDATE_KEYS_LIMIT keys match.
    Whether the ids themselves are equal is for the caller's join: two ids
    with one key are never taken for each other."""
    keys = [
        row[0]
        for row in con.execute(
            f"select distinct landed.id_key from aicost_store.{table} as landed "
            "where landed.id_key in ("
            f"  select {ID_KEY_SQL.format('staged.operation_id')} from {STAGED} as staged "
            "  where staged.quarantine_reason is null and staged.source_format = ?) "
            f"limit {CANDIDATE_KEYS_LIMIT + 1}",
            [source_format],
        ).fetchall()
    ]
    if len(keys) > CANDIDATE_KEYS_LIMIT:
        return f"aicost_store.{table}"
    con.execute(
        "create or replace temp table landed_candidates as "
        f"select * from aicost_store.{table} where id_key in (select unnest(?::ubigint[]))",
        [keys],
    )
    return "landed_candidates"


def _commit(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    started_at: datetime,
    todo: list[sources.SourceFile],
    outcomes: dict[str, FileOutcome],
    good: dict[str, int],
) -> None:
    """Land the run's new records and record quarantine, ledger and run (in the
    caller's transaction, on the store with the scratch file attached)."""
    staged = f"aicost_scratch.{STAGED}"
    for source in REGISTRY:
        if source.policy != "insert_once":  # replace_partition: billing exports
            raise NotImplementedError(f"landing policy {source.policy}")
        con.execute(
            f"insert into {source.landing_table} by name "
            "select * exclude (source_record, quarantine_reason, batch_no), "
            f"?::bigint as ingest_run_id, {ID_KEY_SQL.format('operation_id')} as id_key "
            f"from {staged} "
            "where quarantine_reason is null and source_format = ?",
            [run_id, source.format.value],
        )
    names = [f.name for f in todo]
    con.execute(
        "delete from quarantine where source_file in (select unnest(?::varchar[]))", [names]
    )
    con.execute(
        "insert into quarantine "
        "select ?, source_file, source_line, source_format, quarantine_reason, source_record, "
        f"now()::timestamp from {staged} where quarantine_reason is not null "
        "union all "
        "select ?, source_file, source_line, source_format, reason, record, now()::timestamp "
        "from aicost_scratch.staged_quarantine "
        "union all "
        "select ?, source_file, source_line, source_format, reason, record, now()::timestamp "
        "from aicost_scratch.staged_changed",
        [run_id, run_id, run_id],
    )
    changed = {
        name: int(n)
        for name, n in con.execute(
            "select source_file, count(*) from aicost_scratch.staged_changed group by source_file"
        ).fetchall()
    }
    bad = {
        name: int(n)
        for name, n in con.execute(
            "select source_file, count(*) from ("
            f"  select source_file from {staged} where quarantine_reason is not null "
            "  union all select source_file from aicost_scratch.staged_quarantine) "
            "group by source_file"
        ).fetchall()
    }
    inserted = {
        name: int(n)
        for name, n in con.execute(
            f"select source_file, count(*) from {staged} "
            "where quarantine_reason is null group by source_file"
        ).fetchall()
    }
    for name in good.keys() | bad.keys():
        outcome = outcomes[name]
        outcome.records = good.get(name, 0) + bad.get(name, 0)
        outcome.changed = changed.get(name, 0)
        outcome.quarantined = bad.get(name, 0) + outcome.changed
        outcome.inserted = inserted.get(name, 0)
        outcome.duplicates = good.get(name, 0) - outcome.inserted - outcome.changed
    by_name = {f.name: f for f in todo}
    con.execute(
        "delete from ingested_files where source_file in (select unnest(?::varchar[]))", [names]
    )
    con.executemany(
        "insert into ingested_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::timestamp)",
        [
            [
                o.name,
                o.format or "unknown",
                by_name[o.name].size,
                by_name[o.name].modified_at,
                by_name[o.name].fingerprint,
                run_id,
                o.records,
                o.inserted,
                o.duplicates,
                o.quarantined,
            ]
            for o in outcomes.values()
            if not o.skipped and o.name in by_name
        ],
    )
    totals = [o for o in outcomes.values() if not o.skipped]
    con.execute(
        "insert into ingest_runs values (?, ?, now()::timestamp, 'requests', ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            started_at,
            names[:1000],
            len(totals),
            sum(1 for o in outcomes.values() if o.skipped),
            sum(o.records for o in totals),
            sum(o.inserted for o in totals),
            sum(o.duplicates for o in totals),
            sum(o.quarantined for o in totals),
        ],
    )


def _count_unpriced(con: duckdb.DuckDBPyConnection, result: IngestResult) -> None:
    """Model calls and unpriced calls among the run's new operations."""
    rows = con.execute(
        "select count(*) filter (where is_model_call), "
        "count(*) filter (where pricing_status = 'unpriced'), "
        "sum(source_cost) filter (where pricing_status = 'unpriced') "
        "from operations where ingest_run_id = ?",
        [result.run_id],
    ).fetchall()
    if rows:
        result.model_calls = int(rows[0][0] or 0)
        result.unpriced = int(rows[0][1] or 0)
        result.unpriced_source_cost = rows[0][2]
