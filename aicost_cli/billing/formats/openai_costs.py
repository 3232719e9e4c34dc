"""OpenAI Organization Costs API pages (``GET /v1/organization/costs``), as a
cron job saving the API's responses writes them: one page per file, a JSON
array of pages, or JSONL of pages (see :mod:`.cost_pages`).

A page: ``{object: "page", data: [{object: "bucket", start_time, end_time,
results: [{object: "organization.costs.result", amount: {value, currency},
line_item, project_id, api_key_id, quantity, quantity_unit}]}]}`` with Unix
seconds. ``amount.value`` is a JSON number read as its own digits into
DECIMAL (never DOUBLE); the mapping is ``stg_billing_openai_costs__charges``.
"""

from __future__ import annotations

import duckdb

from aicost_cli.billing.formats.base import BillingFormat, FileSample
from aicost_cli.billing.formats.cost_pages import first_page, first_result, read_results

FIELDS = {
    "result_object": "$.object",
    "amount_value": "$.amount.value",
    "amount_currency": "$.amount.currency",
    "line_item": "$.line_item",
    "project_id": "$.project_id",
    "project_name": "$.project_name",
    "api_key_id": "$.api_key_id",
    "quantity": "$.quantity",
    "quantity_unit": "$.quantity_unit",
}


def detect(sample: FileSample) -> bool:
    """A costs page: its results are ``organization.costs.result`` objects (or,
    without ``object``, carry an ``amount`` object with a ``value``)."""
    if sample.kind != "json":
        return False
    page = first_page(sample)
    result = first_result(sample)
    if page is None or result is None:
        return False
    if result.get("object") == "organization.costs.result":
        return True
    amount = result.get("amount")
    return page.get("object") == "page" and isinstance(amount, dict) and "value" in amount


def read(con: duckdb.DuckDBPyConnection, files: list[FileSample]) -> None:
    read_results(
        con,
        files,
        FORMAT.raw_relation,
        bucket_start="start_time",
        bucket_end="end_time",
        fields=FIELDS,
    )


FORMAT = BillingFormat(
    name="openai-costs",
    description="OpenAI Organization Costs API pages (JSON page, array of pages, or JSONL)",
    detect=detect,
    read=read,
)
