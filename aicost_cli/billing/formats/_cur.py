"""What CUR 2.0 and legacy CUR share: the raw columns their staging models read.

Both formats are presented to ``sql/macros/aicost_billing_cur.sql`` as the
same raw relation, one ``select`` per file joined with ``union all by name``:

* the CUR 2.0 / Athena names (:data:`TEXT`, :data:`VALUES`, :data:`MAPS`),
  each either the file's own column or a typed NULL when the export does not
  have it (CUR 2.0 exports choose their columns, legacy CUR's columns change
  from month to month), so a missing column never breaks the read;
* text as varchar (an empty string is NULL; account ids typed as integers get
  their 12 digits back), numbers and timestamps as the file typed them (cast
  to DECIMAL and UTC timestamps once, in the macro), the maps as
  ``map(varchar, varchar)``;
* ``source_file`` (the name the user gave: an ``s3://`` URI for a downloaded
  object), ``source_key`` (16 hex digits of a hash of that name: the file's
  part of ``charge_id``), ``source_row`` (1-based: the parquet record, or the
  CSV data row after the header), ``has_split_columns`` (the export has
  ``split_line_item_*`` columns) and ``path_billing_period`` (``YYYY-MM`` of a
  ``BILLING_PERIOD=YYYY-MM`` folder in the name: the period of an export
  that did not select ``bill_billing_period_start_date``).

File names are SQL string literals (quoted); column names quoted identifiers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from aicost_cli.billing.formats.base import FileSample
from aicost_cli.models import sql_identifier, sql_string

if TYPE_CHECKING:
    import duckdb

#: text columns (varchar)
TEXT = (
    "bill_bill_type",
    "bill_billing_entity",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "identity_line_item_id",
    "identity_time_interval",
    "line_item_availability_zone",
    "line_item_currency_code",
    "line_item_iam_principal",
    "line_item_legal_entity",
    "line_item_line_item_description",
    "line_item_line_item_type",
    "line_item_operation",
    "line_item_product_code",
    "line_item_resource_id",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_usage_type",
    "line_item_user_identifier",
    "pricing_rate_id",
    "pricing_term",
    "pricing_unit",
    "product_instance_type",
    "product_product_name",
    "product_region",
    "product_region_code",
    "product_servicename",
    "product_sku",
    "reservation_reservation_a_r_n",
    "savings_plan_savings_plan_a_r_n",
    "split_line_item_parent_resource_id",
)
#: numbers and timestamps, kept as the file typed them
VALUES = (
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "line_item_usage_amount",
    "pricing_public_on_demand_cost",
    "pricing_public_on_demand_rate",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_effective_cost",
    "reservation_net_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_net_unused_recurring_fee",
    "split_line_item_split_cost",
    "split_line_item_unused_cost",
    "split_line_item_net_unused_cost",
)
#: map(varchar, varchar) columns
MAPS = ("product", "resource_tags", "cost_category", "tags")
ACCOUNT_IDS = ("bill_payer_account_id", "line_item_usage_account_id")
#: a file with none of these is not a CUR export (quarantined as a file, not row by row)
REQUIRED = frozenset({"line_item_unblended_cost", "line_item_net_unblended_cost"})
_MAP_TYPE = "map(varchar, varchar)"
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT")
_UINTEGER = ("UINTEGER", "UBIGINT", "UHUGEINT")
_PERIOD_IN_PATH = re.compile(r"BILLING_PERIOD=(\d{4}-\d{2})(?:/|$)")

#: what one source column is: a raw column, a resource tag, a cost category, or nothing
Target = tuple[str, str]  # ("column", name) | ("tag", key) | ("cost_category", name)
Classifier = Callable[[str], Target | None]


def source_key(name: str) -> str:
    """16 hex digits naming a file in charge ids (a hash of its name)."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def path_billing_period(name: str) -> str | None:
    match = _PERIOD_IN_PATH.search(name)
    return match.group(1) if match else None


def _text(column: str, typ: str) -> str:
    ident = sql_identifier(column)
    if typ == "VARCHAR":
        return f"nullif({ident}, '')"
    if typ in _INTEGER or typ in _UINTEGER:  # an account id read as a number lost its zeros
        return f"lpad(cast({ident} as varchar), 12, '0')"
    return f"nullif(cast({ident} as varchar), '')"


def _map(column: str, typ: str) -> str:
    ident = sql_identifier(column)
    if typ.startswith("MAP("):
        return ident if typ == "MAP(VARCHAR, VARCHAR)" else f"cast({ident} as {_MAP_TYPE})"
    if typ == "VARCHAR":  # CSV: JSON text, or Hive's {k=v, k=v}
        return (
            f"case when nullif(trim({ident}), '') is null then null "
            f"when json_valid({ident}) then try_cast(cast({ident} as json) as {_MAP_TYPE}) "
            f"else try(map_from_entries(list_transform("
            f"string_split(trim(trim({ident}), '{{}}'), ', '), lambda kv: {{'key': "
            f"trim(split_part(kv, '=', 1)), 'value': substr(kv, strpos(kv, '=') + 1)}}))) end"
        )
    return f"cast(null as {_MAP_TYPE})"


def _gathered(entries: list[tuple[str, str]]) -> str:
    """A map of the non-empty values of some columns (legacy tag columns)."""
    if not entries:
        return f"cast(null as {_MAP_TYPE})"
    items = ", ".join(
        f"{{'key': {sql_string(key)}, 'value': nullif(cast({sql_identifier(col)} as varchar), '')}}"
        for key, col in entries
    )
    return f"map_from_entries(list_filter([{items}], lambda entry: entry.value is not null))"


def file_select(
    sample: FileSample,
    columns: list[tuple[str, str]],
    classify: Classifier,
    reader: str,
    row_number: str,
) -> str:
    """The raw columns of one file, from its ``columns`` (name, DuckDB type)
    read by ``reader`` (a FROM-able relation), ``row_number`` its 1-based row."""
    found: dict[str, tuple[str, str]] = {}
    tags: list[tuple[str, str]] = []
    categories: list[tuple[str, str]] = []
    for column, typ in columns:
        target = classify(column)
        if target is None:
            continue
        kind, value = target
        if kind == "column" and value not in found:
            found[value] = (column, typ)
        elif kind == "tag":
            tags.append((value, column))
        elif kind == "cost_category":
            categories.append((value, column))
    if not found.keys() & REQUIRED:
        raise ValueError(
            "it has none of the columns a CUR line needs ("
            + ", ".join(sorted(REQUIRED))
            + "): not a CUR export"
        )
    parts: list[str] = []
    for name in TEXT:
        expr = _text(*found[name]) if name in found else "cast(null as varchar)"
        parts.append(f"{expr} as {name}")
    for name in VALUES:
        expr = sql_identifier(found[name][0]) if name in found else "cast(null as varchar)"
        parts.append(f"{expr} as {name}")
    for name in MAPS:
        if name == "resource_tags" and tags:
            expr = _gathered(tags)
        elif name == "cost_category" and categories:
            expr = _gathered(categories)
        elif name in found:
            expr = _map(*found[name])
        else:
            expr = f"cast(null as {_MAP_TYPE})"
        parts.append(f"{expr} as {name}")
    period = path_billing_period(sample.source_file)
    has_split = any(name.startswith("split_line_item_") for name in found)
    parts.append(f"{'true' if has_split else 'false'} as has_split_columns")
    parts.append(f"{sql_string(sample.source_file)} as source_file")
    parts.append(f"{sql_string(source_key(sample.source_file))} as source_key")
    parts.append(f"{row_number} as source_row")
    parts.append(
        f"{sql_string(period) if period else 'cast(null as varchar)'} as path_billing_period"
    )
    return "select " + ", ".join(parts) + f" from {reader}"


def describe(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1])) for r in con.execute(f"describe {relation}").fetchall()]


def parquet_reader(sample: FileSample) -> str:
    return f"read_parquet({sql_string(sample.path)}, file_row_number = true)"


def csv_reader(sample: FileSample) -> str:
    """A CUR CSV read exactly as written: every cell text (account ids keep
    their zeros, money is cast to DECIMAL from its text), comma-separated,
    double-quoted, header on the first line."""
    compression = "gzip" if sample.gzip else "none"
    return (
        f"read_csv({sql_string(sample.path)}, header = true, all_varchar = true, "
        f"delim = ',', quote = '\"', escape = '\"', compression = '{compression}', "
        "strict_mode = true, null_padding = false)"
    )


def create_raw(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    samples: list[FileSample],
    classify: Classifier,
) -> None:
    """Create (or replace) the temp view ``relation`` over ``samples``."""
    selects = []
    for sample in samples:
        if sample.kind == "parquet":
            reader = parquet_reader(sample)
            columns = describe(con, f"select * from {reader}")
            columns = [(c, t) for c, t in columns if c != "file_row_number"]
            selects.append(file_select(sample, columns, classify, reader, "file_row_number + 1"))
        elif sample.kind == "csv":
            reader = csv_reader(sample)
            columns = describe(con, f"select * from {reader}")
            selects.append(
                file_select(
                    sample,
                    columns,
                    classify,
                    f"{reader} with ordinality as numbered",
                    "numbered.ordinality",
                )
            )
        else:
            raise ValueError(f"a CUR file is parquet or CSV, not {sample.kind}")
    con.execute(f"create or replace temp view {relation} as " + " union all by name ".join(selects))
