"""``aicost ingest requests``: request logs -> the canonical ``operations`` table.

How a run works (all set-based in DuckDB; Python only orchestrates files):

1. Expand the PATHs; skip files whose fingerprint the ledger already has.
2. Stage, batch by batch, outside any transaction (so that a read error in
   one file cannot abort the run), into ``staged_ops`` in a scratch database
   file beside the store (``<db>.scratch``, attached for the run: compressed
   on disk, so memory stays bounded by one batch, not by the run):
   * fast path: small files are read together (up to 256 MB) with one
     ``read_json(files, columns=..., ignore_errors=true)`` into a temp table
     whose rowids give each record's ordinal (= its line: malformed lines
     come back as all-NULL rows, so ordinals stay aligned); a bigger file is
     streamed on its own, ``WITH ORDINALITY`` numbering its lines. The format's
     staging model and ``int_operations_attributed`` turn records into
     canonical rows;
   * careful path, for any file in which a record was quarantined (or with
     blank lines, or unreadable as a whole): the file is re-read line by line,
     so that every quarantined record carries its exact line and raw text,
     and good records are kept. A big streamed NDJSON file keeps its good
     rows and re-reads only its problem lines.
3. De-duplicate in the scratch table (within the run, and against
   ``operations`` in the run's time window only: no full-table rescan).
4. One transaction: price through ``int_operations_priced``, insert; record
   quarantine, ledger and run. A process killed at any point before COMMIT
   leaves the store as it was; its scratch file is deleted by the next run.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from aicost_cli import models
from aicost_cli.config import Config
from aicost_cli.db import transaction
from aicost_cli.errors import ConfigError, DatabaseError
from aicost_cli.ingest import sources
from aicost_cli.ingest.detect import Layout, detect, is_gzip
from aicost_cli.ingest.formats import READ_SPECS, ReadSpec, RequestFormat, sql_type

if TYPE_CHECKING:
    import pyarrow as pa

ProgressCallback = Callable[[int, int, str], None]

_BATCH_FILES = 2000
#: files are read together up to this size; a bigger file is read on its own,
#: streamed (its ordinal is its line: nothing is buffered before staging)
_BATCH_BYTES = 256 << 20
#: scratch table, in a scratch database file beside the store (compressed on
#: disk, so memory stays bounded by the batch, not the run; and the store's
#: own file does not keep its freed blocks). Deleted after the run; a killed
#: run's leftover is deleted by the next one.
_SCRATCH = "aicost_scratch"
_STAGED = f"{_SCRATCH}.staged_ops"


def _scratch_path(con: duckdb.DuckDBPyConnection) -> Path:
    rows = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    store = rows[0][0] if rows and rows[0][0] else None
    if store:
        return Path(store + ".scratch")
    return Path(tempfile.gettempdir()) / f"aicost-{os.getpid()}.scratch"


def _remove_scratch(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


@contextmanager
def _scratch(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    path = _scratch_path(con)
    _remove_scratch(path)  # a killed run's leftover
    con.execute(f"attach {models.sql_string(str(path))} as {_SCRATCH}")
    try:
        yield
    finally:
        try:
            con.execute(f"detach {_SCRATCH}")
        except duckdb.Error:
            pass
        _remove_scratch(path)


_MAX_OBJECT = 1 << 29
#: read_json sizes its buffers by maximum_object_size: 512 MB cost 1.5 GB of
#: RSS and 3x the time on a 1.4 GB NDJSON file; lines longer than this are
#: still read (measured with a 20 MB line), only whole-file documents need more.
_NDJSON_OBJECT = 1 << 24
#: a streamed file with more problem lines than this is re-read whole instead
_MAX_RESTAGED_LINES = 100_000


def _bulk_relation(
    spec: ReadSpec, layout: str, source: str, max_object: int, *, ordinality: bool
) -> str:
    """The fast-path reader of ``spec`` over ``source`` (a SQL file list or
    parameter) as a FROM-able relation: with ``filename`` for a batch of files,
    or WITH ORDINALITY (the record's line) for one streamed file."""
    options = (
        f"format='{_READ_FORMAT[layout]}', ignore_errors=true, maximum_object_size={max_object}"
        + ("" if ordinality else ", filename=true")
    )
    suffix = " with ordinality" if ordinality else ""
    if spec.reader == "objects":
        keep = "ordinality" if ordinality else "filename"
        return (
            f"(select {keep}, unnest(from_json(json, '{spec.fast_structure()}')) "
            f"from read_json_objects({source}, {options}){suffix})"
        )
    return f"read_json({source}, {options}, columns={_columns_literal(spec)}){suffix}"


def _max_object(layout: str, files: list[sources.SourceFile]) -> int:
    if layout == Layout.NDJSON:
        return _NDJSON_OBJECT
    largest = max(f.size for f in files)
    return min(_MAX_OBJECT, max(_NDJSON_OBJECT, 16 * largest))


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


_LINE_STARTING_BLANK = re.compile(rb"\n[\n\r \t]")
_SCAN_CHUNK = 16 << 20
_BLANK_STARTS = frozenset(b"\n\r \t")


def _has_blank_lines(path: Path) -> bool:
    """Blank or whitespace-only lines would shift record ordinals against line
    numbers (read_json skips them). Any line that starts with whitespace counts
    (cheap to find; such a file only takes the careful path). Read in chunks,
    not mapped: a mapped file's pages count toward the process's RSS."""
    if is_gzip(path) or path.stat().st_size == 0:
        return False
    buffer = bytearray(_SCAN_CHUNK)  # reused: no allocation per chunk
    view = memoryview(buffer)
    previous = 10  # the file's start counts as a line start ("\n")
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            # one regex pass: 10x faster than four bytes.find()
            if previous == 10 and buffer[0] in _BLANK_STARTS:
                return True
            if _LINE_STARTING_BLANK.search(view[:size]) is not None:
                return True
            previous = buffer[size - 1]
    return False


class _Stager:
    """Phase 2 of the run: fill ``_aicost_staged_ops`` and ``staged_quarantine``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: Config) -> None:
        self.con = con
        self.batch_no = 0
        self.available = {
            fmt for fmt in RequestFormat if _STAGING[fmt] in models.model_names("staging")
        }
        models.load_macros(con)
        models.define_attribution_macros(con, config.attribution)
        keys = [key for field in config.attribution.values() for key in field]
        self.specs = {fmt: _spec(fmt).with_attribute_keys(keys) for fmt in RequestFormat}
        for fmt in self.available:
            con.execute(_empty_raw_sql(self.specs[fmt]))
            models.create_views(con, [_STAGING[fmt]])
        first = next(iter(sorted(self.available)))
        models.alias(con, "stg_operations", _STAGING[first])
        models.create_views(con, ["int_operations_attributed"])
        # Outside any transaction (so that a failed read cannot abort the run);
        # a killed run leaves only this scratch table, replaced by the next run.
        con.execute(
            f"create or replace table {_STAGED} as "
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
        """Append the raw relation's records to the scratch table as a new batch.
        batch_no only grows, so zone maps confine per-batch checks to the
        batch's own row groups (no rescan of everything staged so far)."""
        self.batch_no += 1
        models.alias(self.con, "stg_operations", _STAGING[fmt])
        self.con.execute(
            f"insert into {_STAGED} select *, ? from int_operations_attributed", [self.batch_no]
        )

    def quarantine_file(self, name: str, fmt: RequestFormat | None, reason: str) -> None:
        self.con.execute(
            "insert into staged_quarantine values (?, null, ?, ?, null)",
            [name, fmt.value if fmt else None, reason],
        )

    def _files_with_problems(self) -> list[str]:
        """Files of the current batch with a quarantined record."""
        rows = self.con.execute(
            f"select distinct source_file from {_STAGED} "
            "where batch_no = ? and quarantine_reason is not null",
            [self.batch_no],
        ).fetchall()
        return [row[0] for row in rows]

    def _drop_staged(self, names: list[str]) -> None:
        self.con.execute(
            f"delete from {_STAGED} where batch_no = ? "
            "and source_file in (select unnest(?::varchar[]))",
            [self.batch_no, names],
        )

    # -- fast path -----------------------------------------------------------

    def stage_fast(
        self, fmt: RequestFormat, layout: str, files: list[sources.SourceFile]
    ) -> list[sources.SourceFile]:
        """Stage a batch in one read. Returns the files that need the careful path."""
        spec = self.specs[fmt]
        if len(files) == 1 and files[0].size >= _BATCH_BYTES:
            return self._stage_streamed(spec, layout, files[0])
        self.con.execute("delete from batch_files")
        self.con.executemany(
            "insert into batch_files values (?, ?)", [[str(f.local), f.name] for f in files]
        )
        read = _bulk_relation(spec, layout, "?", _max_object(layout, files), ordinality=False)
        try:
            self.con.execute(
                f"create or replace temp table raw_read as select * from {read}",
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
        self.con.execute("drop table raw_read")
        return self._set_aside_problems(files)

    def _set_aside_problems(self, files: list[sources.SourceFile]) -> list[sources.SourceFile]:
        problems = self._files_with_problems()
        if problems:
            self._drop_staged(problems)
        return [f for f in files if f.name in set(problems)]

    def _stage_streamed(
        self, spec: ReadSpec, layout: str, source: sources.SourceFile
    ) -> list[sources.SourceFile]:
        """One big file, streamed from the reader into staging: WITH ORDINALITY
        numbers its records in file order (= lines, as malformed lines come
        back as NULL rows), so nothing has to be buffered to number them."""
        path = models.sql_string(str(source.local))
        read = _bulk_relation(spec, layout, path, _max_object(layout, [source]), ordinality=True)
        cols = ", ".join(f'raw."{name}"' for name in spec.columns)
        self.con.execute(
            f"create or replace temp view raw_{spec.format.value} as "
            f"select {cols}, {models.sql_string(source.name)} as source_file, "
            "raw.ordinality::bigint as source_line, cast(null as varchar) as source_record "
            f"from {read} as raw"
        )
        try:
            self._stage_from_raw(spec.format)
        except duckdb.Error:
            return [source]  # cannot be read in bulk (the failed insert left nothing)
        if layout != Layout.NDJSON or is_gzip(source.local):
            # line numbers are only known to equal ordinals where the blank-line
            # check ran (uncompressed files): otherwise re-read the whole file
            return self._set_aside_problems([source])
        return self._restage_problem_lines(spec, source)

    def _restage_problem_lines(
        self, spec: ReadSpec, source: sources.SourceFile
    ) -> list[sources.SourceFile]:
        """A big NDJSON file keeps its good rows; only the lines with a problem
        are re-read (by line number, in one pass that splits only the chunks
        holding them) and staged tolerantly, as the careful path would."""
        bad = [
            int(row[0])
            for row in self.con.execute(
                f"select source_line from {_STAGED} where batch_no = ? "
                "and quarantine_reason is not null order by source_line",
                [self.batch_no],
            ).fetchall()
        ]
        if not bad:
            return []
        if len(bad) > _MAX_RESTAGED_LINES:
            self._drop_staged([source.name])
            return [source]
        lines = _pick_lines(source.local, bad)
        if lines.column("line_no").to_pylist() != bad:
            # the file changed under us, or its lines are not its ordinals:
            # never swap a record for another line; re-read the whole file
            self._drop_staged([source.name])
            return [source]
        self.con.execute(
            f"delete from {_STAGED} where batch_no = ? and quarantine_reason is not null",
            [self.batch_no],
        )
        self.con.register("picked_lines", lines)
        try:
            self.con.execute("create or replace temp table raw_lines as select * from picked_lines")
        finally:
            self.con.unregister("picked_lines")
        self._stage_raw_lines(spec, source, "raw_lines.line_no")
        return []

    # -- careful path --------------------------------------------------------

    def stage_careful(self, fmt: RequestFormat, layout: str, source: sources.SourceFile) -> None:
        spec = self.specs[fmt]
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
                lines, problem = _read_lines(source.local)
                if problem:
                    self.quarantine_file(source.name, fmt, f"file cannot be read: {problem}")
                self.con.register("careful_lines", lines)
                try:
                    self.con.execute(
                        "create or replace temp table raw_lines as select * from careful_lines"
                    )
                finally:
                    self.con.unregister("careful_lines")
                line_no = "raw_lines.line_no"
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
        self._stage_raw_lines(spec, source, line_no)

    def _stage_raw_lines(self, spec: ReadSpec, source: sources.SourceFile, line_no: str) -> None:
        """Stage the records of ``raw_lines`` (whole lines, parsed tolerantly);
        lines that are not JSON objects go to quarantine with their text."""
        fmt = spec.format
        self.con.execute(
            "create or replace temp table current_file as select ?::varchar as source_file",
            [source.name],
        )
        self.con.execute(
            "insert into staged_quarantine select ?, "
            f"{line_no}, ?, "
            "case when json_valid(line) then 'record is not a JSON object' "
            "else 'line is not valid JSON' end, left(line, 10000) "
            "from raw_lines where trim(coalesce(line, ''), ' \t\r') <> '' "
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


def _read_lines(path: Path) -> tuple[pa.Table, str | None]:
    """Every line of an NDJSON file (gzip or not), numbered from 1 and split on LF
    only: DuckDB's CSV reader also splits on CR, which shifts the line numbers of
    CRLF files, and rejects a whole file for one line that is not UTF-8. A CR
    before the LF is dropped; bytes that are not UTF-8 are replaced (the line is
    then quarantined or kept on its merits). A file that breaks off (a truncated
    gzip) keeps the lines before the break, and the break is the problem."""
    import pyarrow as pa  # lazily: the CLI starts without pyarrow

    chunks: list[bytes] = []
    problem = None
    try:
        with gzip.open(path, "rb") if is_gzip(path) else path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                chunks.append(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        problem = _one_line(exc)
    data = b"".join(chunks)
    try:
        lines = _split_lines(data).cast(pa.large_string())
    except pa.ArrowInvalid:  # not UTF-8 somewhere
        lines = _split_lines(data.decode("utf-8", "replace").encode("utf-8")).cast(
            pa.large_string()
        )
    numbers = pa.array(range(1, len(lines) + 1), pa.int64())
    return pa.table({"line_no": numbers, "line": lines}), problem


def _pick_lines(path: Path, wanted: list[int], chunk_size: int = 1 << 24) -> pa.Table:
    """The given lines (1-based, ascending) of an NDJSON file, read in chunks:
    a chunk without a wanted line is only counted (bytes.count), never split,
    so memory and time stay flat however big the file. Line text is decoded
    as _read_lines does (CR before LF dropped, invalid UTF-8 replaced)."""
    import pyarrow as pa

    numbers: list[int] = []
    texts: list[str] = []
    targets = iter(wanted)
    target = next(targets, None)
    first_line = 1  # number of the line that starts `data`
    carry = b""
    with gzip.open(path, "rb") if is_gzip(path) else path.open("rb") as handle:
        while target is not None:
            chunk = handle.read(chunk_size)
            data = carry + chunk
            if not chunk:
                complete = [data] if data else []
                carry = b""
            else:
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    continue
                complete_bytes, carry = data[: cut + 1], data[cut + 1 :]
                count = complete_bytes.count(b"\n")
                if target >= first_line + count:
                    first_line += count
                    continue
                complete = complete_bytes[:-1].split(b"\n")
            for offset, raw in enumerate(complete):
                number = first_line + offset
                while target is not None and target < number:
                    target = next(targets, None)
                if target == number:
                    numbers.append(number)
                    texts.append(raw.removesuffix(b"\r").decode("utf-8", "replace"))
                    target = next(targets, None)
            first_line += len(complete)
            if not chunk:
                break
    return pa.table(
        {"line_no": pa.array(numbers, pa.int64()), "line": pa.array(texts, pa.large_string())}
    )


def _split_lines(data: bytes) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = pc.split_pattern(pa.array([data], pa.large_binary()), b"\n").flatten()
    if len(parts) and parts[-1].as_py() == b"":
        parts = parts.slice(0, len(parts) - 1)  # nothing after the last LF
    if b"\r" in data:
        parts = pc.if_else(pc.ends_with(parts, b"\r"), pc.binary_slice(parts, 0, -1), parts)
    return parts


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
        with _memory_limit(con):
            return _run(con, expanded, config, forced_format, force, progress)
    finally:
        expanded.cleanup()


#: DuckDB's buffer budget during an ingest (``AICOST_MEMORY_LIMIT`` overrides,
#: e.g. "4GB"). Staged rows, the de-duplication aggregate and the pricing joins
#: spill to disk beyond it, so peak memory stays flat as runs grow: 10M
#: LiteLLM records in one run peaked at 2.5 GB RSS with DuckDB's default (80%
#: of RAM) and at 1.1 GB with 1GB, for about +10% time.
DEFAULT_MEMORY_LIMIT = "1GB"


@contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    wanted = os.environ.get("AICOST_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    try:
        con.execute(f"set memory_limit = {models.sql_string(wanted)}")
    except duckdb.Error:
        raise ConfigError(
            f"AICOST_MEMORY_LIMIT={wanted!r} is not a memory size",
            hint="write it like 1GB or 512MB",
        ) from None
    try:
        yield
    finally:
        con.execute("reset memory_limit")  # DuckDB's default (80% of RAM)


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
        with _scratch(con):
            stager = _Stager(con, config)
            _stage_all(stager, todo, forced_format, outcomes, progress)
            good = _deduplicate(con)
            with transaction(con):
                _commit(con, result.run_id, started_at, todo, outcomes, good)
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


def _deduplicate(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Remove from the staged rows every operation that is not new; returns
    each file's count of good records (before removal) for the ledger.

    Within the run, an id seen more than once keeps its first (file, line):
    the window runs over the repeated ids only (found by a hash aggregate).
    Against the store, the anti-join is confined to the run's time window, so
    zone maps on started_at prune the scan (no full-table rescan). Runs
    before the transaction: only the scratch table changes."""
    good = {
        name: int(n)
        for name, n in con.execute(
            f"select source_file, count(*) from {_STAGED} "
            "where quarantine_reason is null group by source_file"
        ).fetchall()
    }
    window = con.execute(
        "select min(started_at) - interval 1 day, max(started_at) + interval 1 day "
        f"from {_STAGED} where quarantine_reason is null"
    ).fetchall()
    lo, hi = window[0] if window else (None, None)
    con.execute(
        f"delete from {_STAGED} where rowid in ("
        "  select rowid from ("
        "    select staged.rowid, row_number() over (partition by staged.source_format, "
        "      staged.operation_id order by staged.source_file, staged.source_line) as rn "
        f"    from {_STAGED} as staged where staged.quarantine_reason is null and exists ("
        "      select 1 from (select source_format, operation_id "
        f"        from {_STAGED} where quarantine_reason is null "
        "        group by source_format, operation_id having count(*) > 1) as repeated "
        "      where repeated.source_format = staged.source_format "
        "      and repeated.operation_id = staged.operation_id)"
        "  ) as ranked where ranked.rn > 1)"
    )
    con.execute(
        f"delete from {_STAGED} as staged where staged.quarantine_reason is null and exists ("
        "  select 1 from operations where operations.started_at between ? and ? "
        "  and operations.source_format = staged.source_format "
        "  and operations.operation_id = staged.operation_id)",
        [lo, hi],
    )
    return good


def _commit(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    started_at: datetime,
    todo: list[sources.SourceFile],
    outcomes: dict[str, FileOutcome],
    good: dict[str, int],
) -> None:
    con.execute(
        "create or replace temp view batch_new as "
        "select * exclude (source_record, quarantine_reason, batch_no), "
        f"{int(run_id)}::bigint as ingest_run_id from {_STAGED} where quarantine_reason is null"
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
        f"now()::timestamp from {_STAGED} where quarantine_reason is not null "
        "union all "
        "select ?, source_file, source_line, source_format, reason, record, now()::timestamp "
        "from staged_quarantine",
        [run_id, run_id],
    )
    bad = {
        name: int(n)
        for name, n in con.execute(
            "select source_file, count(*) from ("
            f"  select source_file from {_STAGED} where quarantine_reason is not null "
            "  union all select source_file from staged_quarantine) group by source_file"
        ).fetchall()
    }
    inserted = {
        name: int(n)
        for name, n in con.execute(
            "select source_file, count(*) from batch_new group by source_file"
        ).fetchall()
    }
    for name in good.keys() | bad.keys():
        outcome = outcomes[name]
        outcome.records = good.get(name, 0) + bad.get(name, 0)
        outcome.quarantined = bad.get(name, 0)
        outcome.inserted = inserted.get(name, 0)
        outcome.duplicates = good.get(name, 0) - outcome.inserted
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
