"""FOCUS 1.0 to 1.4 cost and usage exports, as AWS, Microsoft, Google and
Oracle emit them: CSV (plain or gzip) and parquet.

The reader only *reads*: every column as text, one row per data row, with
the file's name and the row's number as a person counts it. Typing,
null markers, dates, tags and the canonical mapping are the staging model's
(``sql/staging/stg_billing_focus__charges.sql``).

``raw_billing_focus`` has one VARCHAR column per FOCUS column
(:data:`FOCUS_COLUMNS`, matched case-insensitively: the specification's own
examples spell ``SkuPriceid``; NULL when the file lacks the column), the
vendor columns the staging model reads (:data:`USED_EXTENSIONS`), and
``extra_columns``: every column that is not a FOCUS column (``x_`` columns
and unprefixed ones such as the sample data's ``Id``) under its own name.
A CSV row that does not fit the header, or a file that cannot be read at all,
is a row with ``read_problem`` set (the staging model quarantines it).
"""

from __future__ import annotations

import duckdb

from aicost_cli.billing.formats.base import BillingFormat, FileSample
from aicost_cli.models import sql_identifier, sql_string

#: FOCUS cost-and-usage columns, 1.0 to 1.4 (1.3 and 1.4 from the draft text).
FOCUS_COLUMNS: tuple[str, ...] = (
    "AllocatedMethodDetails",
    "AllocatedMethodId",
    "AllocatedResourceId",
    "AllocatedResourceName",
    "AllocatedTags",
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "CommitmentProgramEligibilityDetails",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractApplied",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
)

#: Vendor columns the staging model reads as well (they stay in ``extras``
#: under their own name too): Microsoft's block size and its 1.0 spellings of
#: SkuMeter and InvoiceId.
USED_EXTENSIONS: tuple[str, ...] = ("x_PricingBlockSize", "x_SkuMeterName", "x_InvoiceId")

#: the columns that recognise a FOCUS file, case as written
DETECT_COLUMNS = ("BilledCost", "ChargeCategory", "EffectiveCost")

_RAW_COLUMNS = (*FOCUS_COLUMNS, *USED_EXTENSIONS)
_BY_LOWER = {name.lower(): name for name in FOCUS_COLUMNS}
_FILE = "aicost_focus_file"
_REJECTS = "aicost_focus_rejects"
_REJECT_SCANS = "aicost_focus_reject_scans"
_NESTED = ("MAP(", "STRUCT(", "[]", "UNION(")


def detect(sample: FileSample) -> bool:
    return sample.kind in ("csv", "parquet") and all(
        name in sample.columns for name in DETECT_COLUMNS
    )


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:300]


def _create_raw(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    columns = ", ".join(f"{sql_identifier(name)} varchar" for name in _RAW_COLUMNS)
    con.execute(
        f"create or replace temp table {relation} (source_file varchar not null, "
        f"source_row bigint, read_problem varchar, {columns}, "
        "extra_columns map(varchar, varchar))"
    )


def _as_text(name: str, column_type: str) -> str:
    quoted = sql_identifier(name)
    if any(marker in column_type.upper() for marker in _NESTED):
        return f"to_json({quoted})::varchar"  # AWS parquet Tags: a map
    return f"cast({quoted} as varchar)"


def _insert_file_rows(
    con: duckdb.DuckDBPyConnection, relation: str, sample: FileSample, row_number: str, join: str
) -> None:
    """Insert the rows of the staged file table as raw rows."""
    described = con.execute(f"select column_name, column_type from (describe {_FILE})").fetchall()
    present: dict[str, tuple[str, str]] = {}
    extras: list[tuple[str, str]] = []
    for name, column_type in described:
        if name == "file_row_number":
            continue
        canonical = _BY_LOWER.get(name.lower())
        if canonical is not None and canonical not in present:
            present[canonical] = (name, column_type)
        else:
            extras.append((name, column_type))
    by_name = {name: (name, column_type) for name, column_type in extras}
    picked = []
    for column in _RAW_COLUMNS:
        found = present.get(column) or by_name.get(column)
        picked.append(_as_text(*found) if found else "cast(null as varchar)")
    if extras:
        keys = ", ".join(sql_string(name) for name, _ in extras)
        values = ", ".join(_as_text(name, column_type) for name, column_type in extras)
        extra_map = f"map([{keys}], [{values}])"
    else:
        extra_map = "cast(null as map(varchar, varchar))"
    con.execute(
        f"insert into {relation} select ?, {row_number}, null, {', '.join(picked)}, "
        f"{extra_map} from {_FILE} {join}",
        [sample.path],
    )


def _read_csv(con: duckdb.DuckDBPyConnection, relation: str, sample: FileSample) -> None:
    con.execute(f"drop table if exists {_REJECTS}")
    con.execute(f"drop table if exists {_REJECT_SCANS}")
    con.execute(
        f"create or replace temp table {_FILE} as select * from read_csv(?, header=true, "
        "all_varchar=true, store_rejects=true, "
        f"rejects_table='{_REJECTS}', rejects_scan='{_REJECT_SCANS}', "
        "max_line_size=67108864)",
        [sample.path],
    )
    rejected = con.execute(f"select count(distinct line) from {_REJECTS}").fetchall()[0][0]
    if not rejected:
        # data rows in file order (blank lines are not rows)
        _insert_file_rows(con, relation, sample, f"{_FILE}.rowid + 1", "")
        return
    # A row that does not fit the header: quarantined at its line (header =
    # line 1, so data row = line - 1); a good row is the n-th line not
    # rejected (exact for one line per row, as billing exports write them).
    con.execute(
        f"insert into {relation} (source_file, source_row, read_problem) "
        "select ?, line - 1, 'CSV row does not fit the header: ' "
        f"|| string_agg(distinct error_message, '; ') from {_REJECTS} group by line",
        [sample.path],
    )
    con.execute(
        "create or replace temp table aicost_focus_lines as "
        "select row_number() over (order by line_no) - 1 as row_index, line_no from ("
        f"  select range as line_no from range(2, 2 + (select count(*) from {_FILE}) + ?) "
        f"  where range not in (select line from {_REJECTS}))",
        [rejected],
    )
    _insert_file_rows(
        con,
        relation,
        sample,
        "aicost_focus_lines.line_no - 1",
        f"inner join aicost_focus_lines on aicost_focus_lines.row_index = {_FILE}.rowid",
    )
    con.execute("drop table aicost_focus_lines")


def _read_parquet(con: duckdb.DuckDBPyConnection, relation: str, sample: FileSample) -> None:
    con.execute(
        f"create or replace temp table {_FILE} as "
        "select * from read_parquet(?, file_row_number=true)",
        [sample.path],
    )
    _insert_file_rows(con, relation, sample, f"{_FILE}.file_row_number + 1", "")


def read(con: duckdb.DuckDBPyConnection, files: list[FileSample]) -> None:
    relation = FORMAT.raw_relation
    _create_raw(con, relation)
    for sample in files:
        try:
            if sample.kind == "parquet":
                _read_parquet(con, relation, sample)
            else:
                _read_csv(con, relation, sample)
        except duckdb.Error as error:  # a file DuckDB cannot read as CSV / parquet
            con.execute(
                f"insert into {relation} (source_file, source_row, read_problem) "
                "values (?, null, ?)",
                [sample.path, f"cannot read the file as FOCUS {sample.kind}: {_one_line(error)}"],
            )
        finally:
            con.execute(f"drop table if exists {_FILE}")
    con.execute(f"drop table if exists {_REJECTS}")
    con.execute(f"drop table if exists {_REJECT_SCANS}")


FORMAT = BillingFormat(
    name="focus",
    description="FOCUS 1.0-1.4 cost and usage export (AWS, Microsoft, Google, Oracle), "
    "CSV or parquet",
    detect=detect,
    read=read,
)
