"""Anthropic Admin API ``cost_report`` pages
(``GET /v1/organizations/cost_report``), saved as the API returned them: one
page per file, a JSON array of pages, or JSONL of pages (see
:mod:`.cost_pages`).

A page: ``{data: [{starting_at, ending_at, results: [{amount, currency,
cost_type, token_type, description, model, service_tier, context_window,
inference_geo, workspace_id}]}], has_more, next_page}``. **``amount`` is a
decimal string in cents** (the lowest currency unit): ``"123.45"`` USD is
$1.2345. The staging model (``stg_billing_anthropic_costs__charges``)
divides by 100 exactly; another project read it as dollars and reported
costs 100x too high.
"""

from __future__ import annotations

import duckdb

from aicost_cli.billing.formats.base import BillingFormat, FileSample
from aicost_cli.billing.formats.cost_pages import first_page, first_result, read_results

FIELDS = {
    "amount": "$.amount",
    "currency": "$.currency",
    "cost_type": "$.cost_type",
    "token_type": "$.token_type",
    "description": "$.description",
    "model": "$.model",
    "service_tier": "$.service_tier",
    "context_window": "$.context_window",
    "inference_geo": "$.inference_geo",
    "workspace_id": "$.workspace_id",
}


def detect(sample: FileSample) -> bool:
    """A cost report page: buckets with ``starting_at`` whose results carry an
    ``amount`` (the usage report's results carry token counts instead)."""
    if sample.kind != "json":
        return False
    page = first_page(sample)
    result = first_result(sample)
    if page is None or result is None or "object" in result:
        return False
    buckets = page.get("data")
    first_bucket = buckets[0] if isinstance(buckets, list) and buckets else None
    return (
        isinstance(first_bucket, dict)
        and "starting_at" in first_bucket
        and "amount" in result
        and not isinstance(result.get("amount"), dict)
    )


def read(con: duckdb.DuckDBPyConnection, files: list[FileSample]) -> None:
    read_results(
        con,
        files,
        FORMAT.raw_relation,
        bucket_start="starting_at",
        bucket_end="ending_at",
        fields=FIELDS,
    )


FORMAT = BillingFormat(
    name="anthropic-costs",
    description="Anthropic Admin API cost_report pages (amounts in cents; JSON page, "
    "array of pages, or JSONL)",
    detect=detect,
    read=read,
)
