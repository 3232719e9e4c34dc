"""``aicost ingest requests``: request logs -> the canonical ``operations`` table.

How a run works (all set-based in DuckDB; Python only orchestrates files):

1. Expand the PATHs; skip files whose fingerprint the ledger already has.
2. Stage, batch by batch, outside any transaction (so that a read error in
   one file cannot abort the run):
   * fast path: one ``read_json(files, columns=..., ignore_errors=true)``
     per batch into a temp table whose rowids give each record's ordinal (=
     its line: malformed lines come back as all-NULL rows, so ordinals stay
     aligned); the format's staging model and ``int_operations_attributed``
     turn it into canonical rows in ``staged_ops``;
   * careful path, for any file in which a record was quarantined (or with
     blank lines, or unreadable as a whole): the file is re-read line by line
     (``read_csv`` of whole lines), so that every quarantined record carries
     its exact line and raw text, and good records are kept.
3. One transaction: de-duplicate (within the run, and against ``operations``
   in the run's time window only: no full-table rescan), price through
   ``int_operations_priced``, insert; record quarantine, ledger and run.
   A process killed at any point before COMMIT leaves the database as it was.
"""

from __future__ import annotations

import mmap
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from aicost_cli import models
from aicost_cli.config import Config
from aicost_cli.db import transaction
from aicost_cli.errors import DatabaseError
from aicost_cli.ingest import sources
from aicost_cli.ingest.detect import Layout, detect, is_gzip
from aicost_cli.ingest.formats import READ_SPECS, ReadSpec, RequestFormat, sql_type

ProgressCallback = Callable[[int, int, str], None]

_BATCH_FILES = 2000
_BATCH_BYTES = 1 << 30
_MAX_OBJECT = 1 << 29

_STAGING = {fmt: f"stg_{fmt.value}__operations" for fmt in RequestFormat}
_READ_FORMAT = {
    Layout.NDJSON: "newline_delimited",
    Layout.ARRAY: "array",
    Layout.DOCUMENT: "unstructured",
}


@dataclass
class FileOutcome:
    name: str
    format: str | None
    records: int = 0
    inserted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: bool = False


@dataclass
class IngestResult:
    run_id: int
    files: list[FileOutcome] = field(default_factory=list)

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


def _spec(fmt: RequestFormat) -> ReadSpec:
    return next(spec for (f, _), spec in READ_SPECS.items() if f == fmt)


def _columns_literal(spec: ReadSpec) -> str:
    # our own constants, not user input
    return (
        "{" + ", ".join(f"'{name}': '{sql_type(typ)}'" for name, typ in spec.columns.items()) + "}"
    )


def _empty_raw_sql(spec: ReadSpec) -> str:
    cols = ", ".join(
        f'cast(null as {sql_type(typ)}) as "{name}"' for name, typ in spec.columns.items()
    )
    return (
        f"create or replace temp view raw_{spec.format.value} as select {cols}, "
        "cast(null as varchar) as source_file, cast(null as bigint) as source_line, "
        "cast(null as varchar) as source_record limit 0"
    )


def _has_blank_lines(path: Path) -> bool:
    """Blank lines would shift record ordinals against line numbers."""
    if is_gzip(path) or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return mm[:1] == b"\n" or mm.find(b"\n\n") >= 0 or mm.find(b"\n\r\n") >= 0


class _Stager:
    """Phase 2 of the run: fill ``staged_ops`` and ``staged_quarantine``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: Config) -> None:
        self.con = con
        self.batch_no = 0
        self.available = {
            fmt for fmt in RequestFormat if _STAGING[fmt] in models.model_names("staging")
        }
        models.load_macros(con)
        models.define_attribution_macros(con, config.attribution)
        for fmt in self.available:
            con.execute(_empty_raw_sql(_spec(fmt)))
            models.create_views(con, [_STAGING[fmt]])
        first = next(iter(sorted(self.available)))
        models.alias(con, "stg_operations", _STAGING[first])
        models.create_views(con, ["int_operations_attributed"])
        con.execute(
            "create or replace temp table staged_ops as "
            "select *, 0::integer as batch_no from int_operations_attributed limit 0"
        )
        con.execute(
            "create or replace temp table staged_quarantine (source_file varchar, "
            "source_line bigint, source_format varchar, reason varchar, record varchar)"
        )
        con.execute(
            "create or replace temp table batch_files (local_path varchar, source_file varchar)"
        )

    # -- helpers -----------------------------------------------------------

    def _stage_from_raw(self, fmt: RequestFormat) -> None:
        """Append the raw relation's records to staged_ops as a new batch.
        batch_no only grows, so zone maps confine per-batch checks to the
        batch's own row groups (no rescan of everything staged so far)."""
        self.batch_no += 1
        models.alias(self.con, "stg_operations", _STAGING[fmt])
        self.con.execute(
            "insert into staged_ops select *, ? from int_operations_attributed", [self.batch_no]
        )

    def quarantine_file(self, name: str, fmt: RequestFormat | None, reason: str) -> None:
        self.con.execute(
            "insert into staged_quarantine values (?, null, ?, ?, null)",
            [name, fmt.value if fmt else None, reason],
        )

    def _files_with_problems(self) -> list[str]:
        """Files of the current batch with a quarantined record."""
        rows = self.con.execute(
            "select distinct source_file from staged_ops "
            "where batch_no = ? and quarantine_reason is not null",
            [self.batch_no],
        ).fetchall()
        return [row[0] for row in rows]

    def _drop_staged(self, names: list[str]) -> None:
        self.con.execute(
            "delete from staged_ops where batch_no = ? "
            "and source_file in (select unnest(?::varchar[]))",
            [self.batch_no, names],
        )

    # -- fast path -----------------------------------------------------------

    def stage_fast(
        self, fmt: RequestFormat, layout: str, files: list[sources.SourceFile]
    ) -> list[sources.SourceFile]:
        """Stage a batch in one read. Returns the files that need the careful path."""
        spec = _spec(fmt)
        self.con.execute("delete from batch_files")
        self.con.executemany(
            "insert into batch_files values (?, ?)", [[str(f.local), f.name] for f in files]
        )
        if spec.reader == "objects":
            read = (
                f"select filename, unnest(from_json(json, '{spec.fast_structure()}')) "
                f"from read_json_objects(?, format='{_READ_FORMAT[layout]}', filename=true, "
                f"ignore_errors=true, maximum_object_size={_MAX_OBJECT})"
            )
        else:
            read = (
                "select * from read_json("
                f"?, format='{_READ_FORMAT[layout]}', columns={_columns_literal(spec)}, "
                f"filename=true, ignore_errors=true, maximum_object_size={_MAX_OBJECT})"
            )
        try:
            self.con.execute(
                f"create or replace temp table raw_read as {read}",
                [[str(f.local) for f in files]],
            )
        except duckdb.Error:
            return files  # something in the batch cannot be read in bulk: go file by file
        cols = ", ".join(f'raw_read."{name}"' for name in spec.columns)
        self.con.execute(
            f"create or replace temp view raw_{fmt.value} as "
            f"select {cols}, batch_files.source_file, "
            "raw_read.rowid - first_rows.first_rowid + 1 as source_line, "
            "cast(null as varchar) as source_record "
            "from raw_read "
            "inner join batch_files on raw_read.filename = batch_files.local_path "
            "inner join (select filename, min(rowid) as first_rowid "
            "from raw_read group by filename) "
            "as first_rows on raw_read.filename = first_rows.filename"
        )
        self._stage_from_raw(fmt)
        problems = self._files_with_problems()
        if problems:
            self._drop_staged(problems)
        return [f for f in files if f.name in set(problems)]

    # -- careful path --------------------------------------------------------

    def stage_careful(self, fmt: RequestFormat, layout: str, source: sources.SourceFile) -> None:
        spec = _spec(fmt)
        path = str(source.local)
        self.con.execute(
            "create or replace temp table current_file as select ?::varchar as source_file",
            [source.name],
        )
        try:
            if layout == Layout.CSV:
                self._read_csv_export(spec, source)
                return
            if layout in (Layout.NDJSON, Layout.EMPTY):
                self.con.execute(
                    "create or replace temp table raw_lines as select line from read_csv(?, "
                    "columns={'line': 'VARCHAR'}, delim='\\0', quote='', escape='', header=false, "
                    "auto_detect=false, strict_mode=false, new_line='\\n', "
                    f"max_line_size={_MAX_OBJECT})",
                    [path],
                )
                line_no = "raw_lines.rowid + 1"
            else:
                self.con.execute(
                    "create or replace temp table raw_lines as select json::varchar as line "
                    f"from read_json_objects(?, format='{_READ_FORMAT[layout]}', "
                    f"maximum_object_size={_MAX_OBJECT})",
                    [path],
                )
                line_no = "raw_lines.rowid + 1" if layout == Layout.ARRAY else "1"
        except duckdb.Error as exc:
            self.quarantine_file(source.name, fmt, f"file cannot be read: {_one_line(exc)}")
            return
        self.con.execute(
            "insert into staged_quarantine select ?, "
            f"{line_no}, ?, "
            "case when json_valid(line) then 'record is not a JSON object' "
            "else 'line is not valid JSON' end, left(line, 10000) "
            "from raw_lines where trim(coalesce(line, '')) <> '' "
            "and coalesce(case when json_valid(line) then json_type(line) end, '') <> 'OBJECT'",
            [source.name, fmt.value],
        )
        structure = spec.careful_structure()
        picked = ", ".join(_careful_column(spec, name) for name in spec.columns)
        self.con.execute(
            f"create or replace temp view raw_{fmt.value} as select {picked}, "
            "parsed.source_file, parsed.source_line, parsed.source_record from ("
            f"select from_json(case when json_valid(line) then line end, '{structure}') as record, "
            "current_file.source_file, "
            f"{line_no} as source_line, left(line, 10000) as source_record "
            "from raw_lines cross join current_file "
            "where case when json_valid(line) then json_type(line) end = 'OBJECT'"
            ") as parsed",
        )
        self._stage_from_raw(fmt)

    def _read_csv_export(self, spec: ReadSpec, source: sources.SourceFile) -> None:
        """LiteLLM SpendLogs exported as CSV: header row; JSON columns as text."""
        self.con.execute(
            "create or replace temp table raw_csv as select * from read_csv(?, header=true, "
            "all_varchar=true, auto_detect=true, strict_mode=false)",
            [str(source.local)],
        )
        present = {row[0] for row in self.con.execute("describe raw_csv").fetchall()}
        picked = []
        for name, typ in spec.columns.items():
            if name in present and spec.is_nested(name):
                structure = ReadSpec.structure_of(typ)
                picked.append(
                    f'from_json(case when json_valid("{name}") then "{name}" end, '
                    f"'{structure}') as \"{name}\""
                )
            elif name in present:
                picked.append(f'"{name}"::{sql_type(typ)} as "{name}"')
            else:
                picked.append(f'cast(null as {sql_type(typ)}) as "{name}"')
        self.con.execute(
            f"create or replace temp view raw_{spec.format.value} as select {', '.join(picked)}, "
            "current_file.source_file, raw_csv.rowid + 2 as source_line, "
            "null::varchar as source_record from raw_csv cross join current_file",
        )
        self._stage_from_raw(spec.format)


def _careful_column(spec: ReadSpec, name: str) -> str:
    """A nested column read tolerantly: JSON string holding JSON unwrapped,
    then converted with non-strict from_json (a mismatched leaf becomes NULL)."""
    if not spec.is_nested(name):
        return f'parsed.record."{name}" as "{name}"'
    column = spec.columns[name]
    structure = ReadSpec.structure_of(column)
    raw = f'parsed.record."{name}"'
    unwrapped = (
        f"case when json_type({raw}) = 'VARCHAR' and json_valid({raw} ->> '$') "
        f"then ({raw} ->> '$')::json else {raw} end"
    )
    return f"from_json({unwrapped}, '{structure}') as \"{name}\""


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _batches(files: list[sources.SourceFile]) -> list[list[sources.SourceFile]]:
    out: list[list[sources.SourceFile]] = []
    current: list[sources.SourceFile] = []
    size = 0
    for f in files:
        if current and (len(current) >= _BATCH_FILES or size + f.size > _BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        out.append(current)
    return out


def _known(
    con: duckdb.DuckDBPyConnection, names: list[str], forced_format: RequestFormat | None
) -> set[tuple[str, str]]:
    """(name, fingerprint) of files the ledger has. With a forced format, a file
    read before as another format (or not recognised) is not known: forcing the
    format is how a user retries a file quarantined as unrecognised."""
    rows = con.execute(
        "select source_file, fingerprint, source_format from ingested_files "
        "where source_file in (select unnest(?::varchar[]))",
        [names],
    ).fetchall()
    return {
        (row[0], row[1]) for row in rows if forced_format is None or row[2] == forced_format.value
    }


def ingest_requests(
    con: duckdb.DuckDBPyConnection,
    paths: list[str],
    *,
    config: Config,
    forced_format: RequestFormat | None = None,
    endpoint_url: str | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> IngestResult:
    expanded = sources.expand(paths, endpoint_url)
    try:
        return _run(con, expanded, config, forced_format, force, progress)
    finally:
        expanded.cleanup()


def _run(
    con: duckdb.DuckDBPyConnection,
    expanded: sources.ExpandedSources,
    config: Config,
    forced_format: RequestFormat | None,
    force: bool,
    progress: ProgressCallback | None,
) -> IngestResult:
    started_at = datetime.now(UTC).replace(tzinfo=None)
    outcomes: dict[str, FileOutcome] = {}
    # de-duplicate arguments that name the same file twice
    unique: dict[str, sources.SourceFile] = {}
    for f in expanded.files:
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

    run_id_row = con.execute("select nextval('ingest_run_seq')").fetchone()
    assert run_id_row is not None
    result = IngestResult(run_id=int(run_id_row[0]))
    if not todo:
        result.files = list(outcomes.values())
        return result

    try:
        from aicost_cli import prices

        prices.sync_bundled(con)
        stager = _Stager(con, config)
        _stage_all(stager, todo, forced_format, outcomes, progress)
        with transaction(con):
            _commit(con, result.run_id, started_at, todo, outcomes)
    except duckdb.Error as exc:
        raise DatabaseError(f"ingest failed in the database: {_one_line(exc)}") from None
    result.files = list(outcomes.values())
    return result


def _stage_all(
    stager: _Stager,
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
            detected.layout == Layout.NDJSON and _has_blank_lines(f.local)
        ):
            careful.append((detected.format, detected.layout, f))
        else:
            groups.setdefault((detected.format, detected.layout), []).append(f)
    for (fmt, layout), files in groups.items():
        for batch in _batches(files):
            for f in stager.stage_fast(fmt, layout, batch):
                careful.append((fmt, layout, f))
            done += sum(f.size for f in batch)
            if progress:
                progress(done, total, batch[-1].name)
    for fmt, layout, f in careful:
        stager.stage_careful(fmt, layout, f)
        if progress:
            progress(done, total, f.name)


def _commit(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    started_at: datetime,
    todo: list[sources.SourceFile],
    outcomes: dict[str, FileOutcome],
) -> None:
    window = con.execute(
        "select min(started_at) - interval 1 day, max(started_at) + interval 1 day "
        "from staged_ops where quarantine_reason is null"
    ).fetchone()
    lo, hi = window or (None, None)
    # Within the run, an id seen more than once keeps its first (file, line);
    # the window runs over the repeated ids only (hash aggregate + joins for
    # the rest: half the time of a window over every staged row). Against the
    # store, the anti-join is confined to the run's time window so zone maps
    # on started_at prune the scan (no full-table rescan on re-ingest).
    con.execute(
        "create or replace temp table batch_new as "
        "with good as (select * exclude (source_record, quarantine_reason, batch_no) "
        "  from staged_ops where quarantine_reason is null), "
        "repeated as (select source_format, operation_id from good "
        "  group by source_format, operation_id having count(*) > 1), "
        "firsts as (select good.* from good where exists (select 1 from repeated "
        "    where repeated.source_format = good.source_format "
        "    and repeated.operation_id = good.operation_id) "
        "  qualify row_number() over (partition by good.source_format, good.operation_id "
        "    order by good.source_file, good.source_line) = 1), "
        "singles as (select good.* from good where not exists (select 1 from repeated "
        "  where repeated.source_format = good.source_format "
        "  and repeated.operation_id = good.operation_id)), "
        "candidates as (select * from singles union all select * from firsts) "
        "select candidates.*, ?::bigint as ingest_run_id from candidates "
        "where not exists (select 1 from operations "
        "  where operations.started_at between ? and ? "
        "  and operations.source_format = candidates.source_format "
        "  and operations.operation_id = candidates.operation_id)",
        [run_id, lo, hi],
    )
    models.alias(con, "operations_to_price", "batch_new")
    models.create_views(con, ["int_prices_effective", "int_operations_priced"])
    con.execute("insert into operations select * from int_operations_priced")

    names = [f.name for f in todo]
    con.execute(
        "delete from quarantine where source_file in (select unnest(?::varchar[]))", [names]
    )
    con.execute(
        "insert into quarantine "
        "select ?, source_file, source_line, source_format, quarantine_reason, source_record, "
        "now()::timestamp from staged_ops where quarantine_reason is not null "
        "union all "
        "select ?, source_file, source_line, source_format, reason, record, now()::timestamp "
        "from staged_quarantine",
        [run_id, run_id],
    )
    stats = con.execute(
        "with good as (select source_file, count(*) as n from staged_ops "
        "  where quarantine_reason is null group by source_file), "
        "bad as (select source_file, count(*) as n from ("
        "  select source_file from staged_ops where quarantine_reason is not null "
        "  union all select source_file from staged_quarantine) group by source_file), "
        "ins as (select source_file, count(*) as n from batch_new group by source_file) "
        "select coalesce(good.source_file, bad.source_file) as source_file, "
        "coalesce(good.n, 0), coalesce(bad.n, 0), coalesce(ins.n, 0) "
        "from good full outer join bad on good.source_file = bad.source_file "
        "left join ins on ins.source_file = coalesce(good.source_file, bad.source_file)"
    ).fetchall()
    for name, good, bad, inserted in stats:
        outcome = outcomes[name]
        outcome.records = int(good) + int(bad)
        outcome.quarantined = int(bad)
        outcome.inserted = int(inserted)
        outcome.duplicates = int(good) - int(inserted)
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
