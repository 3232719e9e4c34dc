"""Stage request-log records into the run's scratch database.

The stager turns files into rows of ``staged_ops`` (each format's staging
model over its reader: canonical, typed, configuration-free columns with a
``quarantine_reason``) and ``staged_quarantine`` (whole files or lines that
are not records), in a scratch DuckDB file that is the stager's connection:
the store is only read (attached read-only) until the run commits.

* fast path: small files are read together (up to 256 MB) with one
  ``read_json(files, columns=..., ignore_errors=true)`` into a temp table
  whose rowids give each record's ordinal (= its line: malformed lines come
  back as all-NULL rows, so ordinals stay aligned); a file read alone (a big
  one, or the only file of its batch) is streamed into staging: where each
  record is one staged row (every format but OTel), on all cores by an
  order-preserving insert, its line = its rowid's offset in the batch;
  otherwise single-threaded, ``WITH ORDINALITY`` numbering its lines;
* careful path, for any file in which a record was quarantined (or with blank
  lines, or unreadable as a whole): the file is re-read line by line, so that
  every quarantined record carries its exact line and raw text, and good
  records are kept. A big streamed NDJSON file keeps its good rows and
  re-reads only its problem lines.
"""

from __future__ import annotations

import duckdb

from aicost_cli import db, models
from aicost_cli.ingest import sources
from aicost_cli.ingest.detect import Layout, csv_header, is_gzip
from aicost_cli.ingest.formats import BY_FORMAT, ReadSpec, RequestFormat, sql_type
from aicost_cli.ingest.lines import one_line, pick_lines, read_lines

#: files are read together up to this size; a bigger file is read on its own,
#: streamed (its ordinal is its line: nothing is buffered before staging)
BATCH_BYTES = 256 << 20
BATCH_FILES = 2000
#: the staged rows of the run, in the scratch database
STAGED = "staged_ops"

_MAX_OBJECT = 1 << 29
#: read_json sizes its buffers by maximum_object_size: 512 MB cost 1.5 GB of
#: RSS and 3x the time on a 1.4 GB NDJSON file; lines longer than this are
#: still read (measured with a 20 MB line), only whole-file documents need more.
_NDJSON_OBJECT = 1 << 24
#: the careful path parses at most about this much record text at a time
_CAREFUL_GROUP_BYTES = 32 << 20
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
    """read_json's maximum_object_size: it allocates about twice this per
    reader thread, so it is sized by the file (a gzip one may inflate 16x),
    never the maximum, which alone would exceed the default memory limit."""
    if layout == Layout.NDJSON:
        return _NDJSON_OBJECT
    largest = max(f.size * (16 if is_gzip(f.local) else 1) + 4096 for f in files)
    return min(_MAX_OBJECT, max(_NDJSON_OBJECT, largest))


_STAGING = {fmt: source.staging_model for fmt, source in BY_FORMAT.items()}
_READ_FORMAT = {
    Layout.NDJSON: "newline_delimited",
    Layout.ARRAY: "array",
    Layout.DOCUMENT: "unstructured",
}


def _spec(fmt: RequestFormat) -> ReadSpec:
    return BY_FORMAT[fmt].spec


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


class Stager:
    """Fill ``staged_ops`` and ``staged_quarantine`` on the scratch connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.batch_no = 0
        self.available = {
            fmt for fmt in RequestFormat if _STAGING[fmt] in models.model_names("staging")
        }
        models.load_macros(con)
        self.specs = {fmt: _spec(fmt) for fmt in RequestFormat}
        for fmt in self.available:
            con.execute(_empty_raw_sql(self.specs[fmt]))
            models.create_views(con, [_STAGING[fmt]])
        first = _STAGING[sorted(self.available)[0]]
        # Outside any transaction (so that a failed read cannot abort the run);
        # a killed run leaves only the scratch file, deleted by the next run.
        con.execute(
            f"create or replace table {STAGED} as "
            f"select *, 0::integer as batch_no from {models.sql_identifier(first)} limit 0"
        )
        con.execute(
            "create or replace table staged_quarantine (source_file varchar, "
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
        self.con.execute(
            f"insert into {STAGED} select *, ? from {models.sql_identifier(_STAGING[fmt])}",
            [self.batch_no],
        )

    def quarantine_file(self, name: str, fmt: RequestFormat | None, reason: str) -> None:
        self.con.execute(
            "insert into staged_quarantine values (?, null, ?, ?, null)",
            [name, fmt.value if fmt else None, reason],
        )

    def _files_with_problems(self) -> list[str]:
        """Files of the current batch with a quarantined record."""
        rows = self.con.execute(
            f"select distinct source_file from {STAGED} "
            "where batch_no = ? and quarantine_reason is not null",
            [self.batch_no],
        ).fetchall()
        return [row[0] for row in rows]

    def _drop_staged(self, names: list[str]) -> None:
        self.con.execute(
            f"delete from {STAGED} where batch_no = ? "
            "and source_file in (select unnest(?::varchar[]))",
            [self.batch_no, names],
        )

    # -- fast path -----------------------------------------------------------

    def stage_fast(
        self, fmt: RequestFormat, layout: str, files: list[sources.SourceFile]
    ) -> list[sources.SourceFile]:
        """Stage a batch in one read. Returns the files that need the careful path."""
        spec = self.specs[fmt]
        # one file alone is streamed: a big one so that nothing is buffered,
        # one of a format with a row per record (most runs read one file) so
        # that it is read on all cores without the buffered copy below
        if len(files) == 1 and (files[0].size >= BATCH_BYTES or spec.reader == "read_json"):
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
        """One big file, streamed from the reader into staging, its records
        numbered in file order (= lines, as malformed lines come back as NULL
        rows), so that nothing has to be buffered to number them: by the
        order-preserving parallel insert (:meth:`_stage_in_order`) where a
        record is one staged row, else WITH ORDINALITY (single-threaded)."""
        try:
            if not (spec.reader == "read_json" and self._stage_in_order(spec, layout, source)):
                self._stage_with_ordinality(spec, layout, source)
        except duckdb.Error:
            return [source]  # cannot be read in bulk (the failed insert left nothing)
        if layout != Layout.NDJSON or is_gzip(source.local):
            # line numbers are only known to equal ordinals where the blank-line
            # check ran (uncompressed files): otherwise re-read the whole file
            return self._set_aside_problems([source])
        return self._restage_problem_lines(spec, source)

    def _stage_with_ordinality(
        self, spec: ReadSpec, layout: str, source: sources.SourceFile
    ) -> None:
        path = models.sql_string(str(source.local))
        read = _bulk_relation(spec, layout, path, _max_object(layout, [source]), ordinality=True)
        cols = ", ".join(f'raw."{name}"' for name in spec.columns)
        self.con.execute(
            f"create or replace temp view raw_{spec.format.value} as "
            f"select {cols}, {models.sql_string(source.name)} as source_file, "
            "raw.ordinality::bigint as source_line, cast(null as varchar) as source_record "
            f"from {read} as raw"
        )
        self._stage_from_raw(spec.format)

    def _stage_in_order(self, spec: ReadSpec, layout: str, source: sources.SourceFile) -> bool:
        """Stage a file whose every record is one staged row (no unnest) on all
        cores: DuckDB's order-preserving insert (BATCH_INSERT) appends the
        rows in file order, so a row's line is its rowid's offset in the
        batch, set right after the insert. WITH ORDINALITY would make the
        whole read single-threaded (2x the time). Returns False, having
        staged nothing, when DuckDB would not plan an order-preserving
        insert, or the batch's rowids are not one contiguous run."""
        path = models.sql_string(str(source.local))
        read = _bulk_relation(spec, layout, path, _max_object(layout, [source]), ordinality=False)
        cols = ", ".join(f'raw."{name}"' for name in spec.columns)
        self.con.execute(
            f"create or replace temp view raw_{spec.format.value} as "
            f"select {cols}, {models.sql_string(source.name)} as source_file, "
            "cast(null as bigint) as source_line, cast(null as varchar) as source_record "
            f"from {read} as raw"
        )
        # IN lists of 6+ constants (the staging macros') would be planned as
        # hash joins, which give up the insertion order: evaluated in place
        # they also cost less
        with db.without_optimizer(self.con, "in_clause"):
            insert = (
                f"insert into {STAGED} select *, ? "
                f"from {models.sql_identifier(_STAGING[spec.format])}"
            )
            plan = self.con.execute(f"explain (format json) {insert}", [0]).fetchall()
            if '"BATCH_INSERT"' not in str(plan[0][1]):
                return False
            self.batch_no += 1
            self.con.execute(insert, [self.batch_no])
        row = self.con.execute(
            f"select min(rowid), max(rowid), count(*) from {STAGED} where batch_no = ?",
            [self.batch_no],
        ).fetchone()
        assert row is not None
        first, last, count = row
        if count and last - first + 1 != count:
            self._drop_staged([source.name])
            return False
        self.con.execute(
            f"update {STAGED} set source_line = rowid - ? + 1 where batch_no = ?",
            [first, self.batch_no],
        )
        return True

    def _restage_problem_lines(
        self, spec: ReadSpec, source: sources.SourceFile
    ) -> list[sources.SourceFile]:
        """A big NDJSON file keeps its good rows; only the lines with a problem
        are re-read (by line number, in one pass that splits only the chunks
        holding them) and staged tolerantly, as the careful path would."""
        bad = [
            int(row[0])
            for row in self.con.execute(
                f"select source_line from {STAGED} where batch_no = ? "
                "and quarantine_reason is not null order by source_line",
                [self.batch_no],
            ).fetchall()
        ]
        if not bad:
            return []
        if len(bad) > _MAX_RESTAGED_LINES:
            self._drop_staged([source.name])
            return [source]
        lines = pick_lines(source.local, bad)
        if lines.column("line_no").to_pylist() != bad:
            # the file changed under us, or its lines are not its ordinals:
            # never swap a record for another line; re-read the whole file
            self._drop_staged([source.name])
            return [source]
        self.con.execute(
            f"delete from {STAGED} where batch_no = ? and quarantine_reason is not null",
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
                # chunk by chunk: Python holds one chunk, DuckDB spills the rest
                self.con.execute(
                    "create or replace temp table raw_lines (line_no bigint, line varchar)"
                )
                for lines, problem in read_lines(source.local):
                    if problem:
                        self.quarantine_file(source.name, fmt, f"file cannot be read: {problem}")
                    self.con.register("careful_lines", lines)
                    try:
                        self.con.execute("insert into raw_lines select * from careful_lines")
                    finally:
                        self.con.unregister("careful_lines")
                line_no = "raw_lines.line_no"
            else:
                self.con.execute(
                    "create or replace temp table raw_lines as select json::varchar as line "
                    f"from read_json_objects(?, format='{_READ_FORMAT[layout]}', "
                    f"maximum_object_size={_max_object(layout, [source])})",
                    [path],
                )
                line_no = "raw_lines.rowid + 1" if layout == Layout.ARRAY else "1"
        except duckdb.Error as exc:
            self.quarantine_file(source.name, fmt, f"file cannot be read: {one_line(exc)}")
            return
        try:
            self._stage_in_groups(spec, source, line_no)
        except duckdb.Error as exc:
            # e.g. a read field (not the prompt: name, error_type, ...) of tens of
            # MB that does not fit AICOST_MEMORY_LIMIT: this file, not the run
            self.con.execute(
                "delete from staged_quarantine where source_file = ? and source_line is not null",
                [source.name],
            )
            self.quarantine_file(
                source.name,
                fmt,
                f"file cannot be staged within AICOST_MEMORY_LIMIT: {one_line(exc)}",
            )

    def _stage_in_groups(self, spec: ReadSpec, source: sources.SourceFile, line_no: str) -> None:
        """Stage ``raw_lines`` in one pass, or, when its text is large (records
        of tens of MB: long prompts, images), in groups of about
        _CAREFUL_GROUP_BYTES, so that parsing never holds several big
        records at once."""
        row = self.con.execute("select coalesce(sum(strlen(line)), 0) from raw_lines").fetchone()
        if row is None or int(row[0]) <= _CAREFUL_GROUP_BYTES:
            self._stage_raw_lines(spec, source, line_no)
            return
        self.con.execute(
            "create or replace temp table raw_lines_all as select line, "
            f"({line_no})::bigint as fixed_line_no, (sum(strlen(line)) over ("
            "order by rowid rows between unbounded preceding and current row) "
            f"// {_CAREFUL_GROUP_BYTES})::bigint as line_group from raw_lines"
        )
        groups = self.con.execute(
            "select distinct line_group from raw_lines_all order by 1"
        ).fetchall()
        for (group,) in groups:
            self.con.execute(
                "create or replace temp table raw_lines as select line, fixed_line_no as line_no "
                f"from raw_lines_all where line_group = {int(group)} order by fixed_line_no"
            )
            self._stage_raw_lines(spec, source, "raw_lines.line_no")
        self.con.execute("drop table raw_lines_all")

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
        """LiteLLM SpendLogs exported as CSV: a header row, then one row per
        line, comma-separated, JSON columns as text. The dialect is fixed (a
        sniffer misled by one odd row once picked ``|`` and lost every row);
        a row that does not fit (a field too many or too few, a broken quote)
        is quarantined at its line with DuckDB's reason, and the others kept."""
        header = csv_header(source.local)
        if not header:
            self.quarantine_file(source.name, spec.format, "file has no CSV header row")
            return
        columns = "{" + ", ".join(f"{models.sql_string(n)}: 'VARCHAR'" for n in header) + "}"
        self.con.execute("drop table if exists csv_rejects")
        self.con.execute("drop table if exists csv_reject_scans")
        self.con.execute(
            "create or replace temp table raw_csv as select * from read_csv(?, header=true, "
            f"auto_detect=false, columns={columns}, delim=',', quote='\"', escape='\"', "
            "store_rejects=true, rejects_table='csv_rejects', rejects_scan='csv_reject_scans', "
            "max_line_size=67108864)",
            [str(source.local)],
        )
        # one entry per rejected row (DuckDB lists each of its errors)
        self.con.execute(
            "insert into staged_quarantine select ?, line, ?, "
            "'CSV row does not fit the header: ' || string_agg(distinct error_message, '; '), "
            "left(first(csv_line), 10000) from csv_rejects group by line",
            [source.name, spec.format.value],
        )
        # a good row's line: the n-th line after the header that was not rejected
        self.con.execute(
            "create or replace temp table csv_lines as "
            "select row_number() over (order by line_no) - 1 as row_index, line_no from ("
            "  select range as line_no from range(2, 2 + (select count(*) from raw_csv) "
            "    + (select count(distinct line) from csv_rejects)) "
            "  where range not in (select line from csv_rejects))"
        )
        present = set(header)
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
            "current_file.source_file, csv_lines.line_no as source_line, "
            "null::varchar as source_record from raw_csv cross join current_file "
            "inner join csv_lines on csv_lines.row_index = raw_csv.rowid",
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
