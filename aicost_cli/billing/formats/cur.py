"""Legacy AWS Cost and Usage Report (CUR 1), CSV (gzip or not) or parquet.

* CSV: headers like ``lineItem/UsageType``, ``savingsPlan/SavingsPlanARN``,
  ``resourceTags/user:Team``, ``costCategory/Team``;
* parquet (the Athena integration): ``line_item_usage_type``,
  ``savings_plan_savings_plan_a_r_n``, one ``resource_tags_user_<tag>``
  column per activated tag and ``cost_category_<name>`` per cost category.

Column names are mapped to the CUR 2.0 names (``lineItem/UsageType`` ->
``line_item_usage_type``: the group and each capitalised word in snake_case,
so ``ARN`` -> ``a_r_n`` as Athena spells it); tag and cost category columns
are gathered into the ``resource_tags`` and ``cost_category`` maps (empty
values left out). The same staging transform as CUR 2.0 follows
(``sql/staging/stg_billing_cur__charges.sql``); partition_key
``cur|<payer account>|<YYYY-MM>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aicost_cli.billing.formats import _cur, cur2
from aicost_cli.billing.formats.base import BillingFormat, FileSample

if TYPE_CHECKING:
    import duckdb

_RAW = frozenset(_cur.TEXT + _cur.VALUES + _cur.MAPS)


def snake(name: str) -> str:
    """``lineItem`` -> ``line_item``, ``SavingsPlanARN`` -> ``savings_plan_a_r_n``."""
    out: list[str] = []
    for index, char in enumerate(name):
        if char.isupper():
            if index:
                out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)


def csv_column(header: str) -> str:
    """A legacy CSV header (``lineItem/UsageType``) -> its Athena name."""
    group, _, name = header.partition("/")
    return f"{snake(group)}_{snake(name)}"


def _detect(sample: FileSample) -> bool:
    if sample.kind == "csv" and any(c.startswith("lineItem/") for c in sample.columns):
        return True
    return (
        sample.kind == "parquet"
        and cur2.is_snake_cur(sample.columns)
        and cur2.is_legacy_parquet(sample)
    )


def _classify(column: str) -> _cur.Target | None:
    if "/" in column:
        group, _, rest = column.partition("/")
        if group == "resourceTags":
            return ("tag", rest)
        if group == "costCategory":
            return ("cost_category", rest)
        column = csv_column(column)
    elif column.startswith("resource_tags_"):
        return ("tag", column.removeprefix("resource_tags_"))
    elif column.startswith("cost_category_"):
        return ("cost_category", column.removeprefix("cost_category_"))
    return ("column", column) if column in _RAW else None


def _read(con: duckdb.DuckDBPyConnection, samples: list[FileSample]) -> None:
    _cur.create_raw(con, FORMAT.raw_relation, samples, _classify)


FORMAT = BillingFormat(
    name="cur",
    description="legacy AWS Cost and Usage Report (CUR 1), CSV or parquet",
    detect=_detect,
    read=_read,
)
