"""AWS CUR 2.0 (Data Exports ``COST_AND_USAGE_REPORT``), parquet or gzip CSV.

Columns are snake_case (``line_item_usage_type``, ``reservation_reservation_a_r_n``),
with the maps ``product``, ``resource_tags`` (``user_<tag>`` / ``user:<tag>``
keys), ``cost_category`` and ``tags``; a CSV export writes the maps as JSON
text. An export selects its columns: whichever of the raw columns
(:mod:`._cur`) a file lacks is NULL. The staging model is
``sql/staging/stg_billing_cur2__charges.sql`` (the transform shared with
legacy CUR: ``sql/macros/aicost_billing_cur.sql``).

Recognised by snake_case ``line_item_*`` columns, unless the file has a
column only legacy CUR's parquet has (one ``resource_tags_<tag>`` or
``cost_category_<name>`` column each, ``product_product_name``,
``product_region``, ``product_servicename``: CUR 2.0 moved those into its
maps) and none that only CUR 2.0 has (AWS's CID tool keys on
``bill_payer_account_name``; an export may leave it out, so the maps and the
other CUR 2.0-only columns count too) nor the ``BILLING_PERIOD=YYYY-MM``
folder Data Exports deliver into. An export with neither kind of column is
CUR 2.0, the format AWS delivers today; the same export is always detected
the same way, so its periods are replaced by its next delivery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aicost_cli.billing.formats import _cur
from aicost_cli.billing.formats.base import BillingFormat, FileSample

if TYPE_CHECKING:
    import duckdb

#: columns only CUR 2.0 has
MARKERS = frozenset(
    {
        "bill_payer_account_name",
        "line_item_usage_account_name",
        "line_item_iam_principal",
        "line_item_user_identifier",
        "product",
        "resource_tags",
        "cost_category",
        "tags",
        "discount",
    }
)
#: columns only legacy CUR's parquet has (besides resource_tags_* / cost_category_*)
LEGACY_MARKERS = frozenset({"product_product_name", "product_region", "product_servicename"})
_RAW = frozenset(_cur.TEXT + _cur.VALUES + _cur.MAPS)


def is_snake_cur(columns: tuple[str, ...]) -> bool:
    """CUR columns as Athena / parquet / CUR 2.0 name them."""
    return any(c.startswith("line_item_") for c in columns) and not any("/" in c for c in columns)


def is_legacy_parquet(sample: FileSample) -> bool:
    """snake_case CUR columns of legacy CUR (see the module doc)."""
    columns = set(sample.columns)
    if MARKERS & columns or _cur.path_billing_period(sample.source_file) is not None:
        return False
    return bool(LEGACY_MARKERS & columns) or any(
        c.startswith(("resource_tags_", "cost_category_")) for c in columns
    )


def _detect(sample: FileSample) -> bool:
    return (
        sample.kind in ("parquet", "csv")
        and is_snake_cur(sample.columns)
        and not is_legacy_parquet(sample)
    )


def _classify(column: str) -> _cur.Target | None:
    return ("column", column) if column in _RAW else None


def _read(con: duckdb.DuckDBPyConnection, samples: list[FileSample]) -> None:
    _cur.create_raw(con, FORMAT.raw_relation, samples, _classify)


FORMAT = BillingFormat(
    name="cur2",
    description="AWS CUR 2.0 (Data Exports), parquet or gzip CSV",
    detect=_detect,
    read=_read,
)
