"""Saved pages of a provider's cost API (OpenAI Organization Costs, Anthropic
Admin ``cost_report``): what a cron job writing the API's responses produces.

A file holds one page (a JSON object), a JSON array of pages, or one page
per line (JSONL). A page is ``{data: [bucket...]}``, a bucket is
``{<start>, <end>, results: [result...]}``; one raw row per result.

Money stays exact: DuckDB's JSON functions turn a JSON *number* into a
DOUBLE (``0.1000000000000000055511`` comes back as ``0.1``), so before the
text is parsed as JSON the numbers of the ``value``, ``amount`` and
``quantity`` keys are quoted, and they arrive as their own digits.

Re-fetched days: a cron job that saves "the last 7 days" every day writes
each day into 7 files. Within one read, a bucket (same start) that appears
again in a later file (files in the order given) or a later page of the same
file replaces the earlier copy, as a later run replaces an earlier one's
partition; the earlier copies are not read. A file that is not JSON, a page
without a ``data`` array and a bucket without a ``results`` array are raw
rows with ``read_problem`` set (quarantined, never silently empty).
"""

from __future__ import annotations

import duckdb

from aicost_cli.billing.formats.base import FileSample
from aicost_cli.models import sql_identifier, sql_string

#: JSON keys whose number values are read as their exact text
_EXACT_KEYS = ("value", "amount", "quantity")
_QUOTE_NUMBERS = '("(?:' + "|".join(_EXACT_KEYS) + r')"\s*:\s*)(-?[0-9][0-9.eE+\-]*)'
_PAGES = "aicost_cost_pages"
_OBJECTS = "aicost_cost_page_objects"


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:300]


def _load_pages(con: duckdb.DuckDBPyConnection, files: list[FileSample]) -> None:
    con.execute(
        f"create or replace temp table {_PAGES} (file_index integer not null, "
        "source_file varchar not null, page_no bigint, page json, problem varchar)"
    )
    for index, sample in enumerate(files):
        try:
            con.execute(
                f"create or replace temp table {_OBJECTS} as select json from read_json_objects("
                "?, format='auto', maximum_object_size=268435456)",
                [sample.path],
            )
            con.execute(
                f"insert into {_PAGES} select ?, ?, rowid + 1, "
                f"regexp_replace(json, {sql_string(_QUOTE_NUMBERS)}, '\\1\"\\2\"', 'g')::json, "
                f"null from {_OBJECTS}",
                [index, sample.path],
            )
        except duckdb.Error as error:
            con.execute(
                f"insert into {_PAGES} values (?, ?, null, null, ?)",
                [index, sample.path, f"the file is not JSON pages: {_one_line(error)}"],
            )
        finally:
            con.execute(f"drop table if exists {_OBJECTS}")


def read_results(
    con: duckdb.DuckDBPyConnection,
    files: list[FileSample],
    relation: str,
    *,
    bucket_start: str,
    bucket_end: str,
    fields: dict[str, str],
) -> None:
    """Create ``relation``: one row per result (``source_file``, ``source_row``
    = the result's number in its file, ``read_problem``, ``page_no``,
    ``bucket_start``, ``bucket_end``, then each of ``fields``: column name ->
    JSON path inside the result, as text), plus one row per problem."""
    _load_pages(con, files)
    picked = ", ".join(
        f"json_extract_string(numbered.result, {sql_string(path)}) as {sql_identifier(name)}"
        for name, path in fields.items()
    )
    nulls = ", ".join(f"cast(null as varchar) as {sql_identifier(name)}" for name in fields)
    start = sql_string(f"$.{bucket_start}")
    end = sql_string(f"$.{bucket_end}")
    con.execute(
        f"""
        create or replace temp table {relation} as
        with pages as (
            select * from {_PAGES}
        ),
        paged as (
            select pages.*, coalesce(json_type(pages.page, '$.data'), '') = 'ARRAY' as has_data
            from pages where pages.problem is null
        ),
        buckets as (
            select
                paged.file_index, paged.source_file, paged.page_no,
                unnest(range(json_array_length(paged.page, '$.data')::bigint)) as bucket_index,
                paged.page
            from paged where paged.has_data
        ),
        bucket_values as (
            select
                buckets.* exclude (page),
                json_extract(buckets.page, '$.data[' || buckets.bucket_index || ']') as bucket
            from buckets
        ),
        current_buckets as (
            select
                bucket_values.*,
                json_extract_string(bucket_values.bucket, {start}) as bucket_start,
                json_extract_string(bucket_values.bucket, {end}) as bucket_end,
                coalesce(json_type(bucket_values.bucket, '$.results'), '') = 'ARRAY'
                    as has_results,
                -- a later fetch of the same bucket (later file, later page) wins
                row_number() over (
                    partition by coalesce(
                        json_extract_string(bucket_values.bucket, {start}),
                        'file ' || bucket_values.file_index || ' page ' || bucket_values.page_no
                            || ' bucket ' || bucket_values.bucket_index
                    )
                    order by bucket_values.file_index desc, bucket_values.page_no desc,
                        bucket_values.bucket_index desc
                ) = 1 as is_current
            from bucket_values
        ),
        results as (
            select
                current_buckets.* exclude (bucket),
                unnest(range(json_array_length(current_buckets.bucket, '$.results')::bigint))
                    as result_index,
                current_buckets.bucket
            from current_buckets where current_buckets.has_results
        ),
        numbered as (
            select
                results.*,
                json_extract(results.bucket, '$.results[' || results.result_index || ']')
                    as result,
                row_number() over (
                    partition by results.file_index
                    order by results.page_no, results.bucket_index, results.result_index
                ) as source_row
            from results
        ),
        problems as (
            select source_file, problem as read_problem, null::bigint as page_no
            from pages where problem is not null
            union all
            select source_file, 'page ' || page_no || ' has no data array (an error response?)',
                page_no
            from paged where not has_data
            union all
            select source_file,
                'bucket ' || (bucket_index + 1) || ' of page ' || page_no
                    || ' has no results array',
                page_no
            from current_buckets where not has_results and is_current
        )
        select
            numbered.source_file, numbered.source_row, null::varchar as read_problem,
            numbered.page_no, numbered.bucket_start, numbered.bucket_end, {picked}
        from numbered where numbered.is_current
        union all
        select
            problems.source_file, null::bigint, problems.read_problem, problems.page_no,
            null::varchar, null::varchar, {nulls}
        from problems
        """
    )
    con.execute(f"drop table if exists {_PAGES}")


def first_page(sample: FileSample) -> dict[str, object] | None:
    """The first page of a sample's document (a page, or the first of an array)."""
    document: object = sample.document
    if isinstance(document, list):
        document = document[0] if document else None
    return document if isinstance(document, dict) else None


def first_result(sample: FileSample) -> dict[str, object] | None:
    """The first result of the first bucket that has one, or None."""
    page = first_page(sample)
    buckets = page.get("data") if page is not None else None
    if not isinstance(buckets, list):
        return None
    for bucket in buckets:
        if isinstance(bucket, dict) and isinstance(bucket.get("results"), list):
            for result in bucket["results"]:
                if isinstance(result, dict):
                    return result
    return None
