"""Generated AWS CUR files for the billing tests: CUR 2.0 parquet written by
DuckDB's ``COPY ... (FORMAT parquet)``, gzip CSV, and legacy CUR CSV.

Each line is a dict of CUR 2.0 column values (Python values: str, float,
datetime, dict for a map); a file has the columns it is given, typed as a
CUR 2.0 export types them (DOUBLE costs, string rates and ``*_time``,
TIMESTAMP dates, MAP(VARCHAR, VARCHAR) maps), so a column missing from an
export is missing from the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

#: CUR 2.0 column -> its parquet type (as AWS Data Exports write it)
CUR2_TYPES: dict[str, str] = {
    "bill_bill_type": "VARCHAR",
    "bill_billing_entity": "VARCHAR",
    "bill_billing_period_start_date": "TIMESTAMP",
    "bill_billing_period_end_date": "TIMESTAMP",
    "bill_invoice_id": "VARCHAR",
    "bill_invoicing_entity": "VARCHAR",
    "bill_payer_account_id": "VARCHAR",
    "bill_payer_account_name": "VARCHAR",
    "identity_line_item_id": "VARCHAR",
    "identity_time_interval": "VARCHAR",
    "line_item_availability_zone": "VARCHAR",
    "line_item_currency_code": "VARCHAR",
    "line_item_iam_principal": "VARCHAR",
    "line_item_legal_entity": "VARCHAR",
    "line_item_line_item_description": "VARCHAR",
    "line_item_line_item_type": "VARCHAR",
    "line_item_net_unblended_cost": "DOUBLE",
    "line_item_net_unblended_rate": "VARCHAR",
    "line_item_operation": "VARCHAR",
    "line_item_product_code": "VARCHAR",
    "line_item_resource_id": "VARCHAR",
    "line_item_unblended_cost": "DOUBLE",
    "line_item_unblended_rate": "VARCHAR",
    "line_item_usage_account_id": "VARCHAR",
    "line_item_usage_account_name": "VARCHAR",
    "line_item_usage_amount": "DOUBLE",
    "line_item_usage_start_date": "TIMESTAMP",
    "line_item_usage_end_date": "TIMESTAMP",
    "line_item_usage_type": "VARCHAR",
    "pricing_public_on_demand_cost": "DOUBLE",
    "pricing_public_on_demand_rate": "VARCHAR",
    "pricing_term": "VARCHAR",
    "pricing_unit": "VARCHAR",
    "product": "MAP(VARCHAR, VARCHAR)",
    "product_instance_type": "VARCHAR",
    "product_region_code": "VARCHAR",
    "product_sku": "VARCHAR",
    "resource_tags": "MAP(VARCHAR, VARCHAR)",
    "cost_category": "MAP(VARCHAR, VARCHAR)",
    "reservation_effective_cost": "DOUBLE",
    "reservation_net_effective_cost": "DOUBLE",
    "reservation_reservation_a_r_n": "VARCHAR",
    "reservation_start_time": "VARCHAR",
    "reservation_unused_amortized_upfront_fee_for_billing_period": "DOUBLE",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period": "DOUBLE",
    "reservation_unused_recurring_fee": "DOUBLE",
    "reservation_net_unused_recurring_fee": "DOUBLE",
    "savings_plan_savings_plan_a_r_n": "VARCHAR",
    "savings_plan_savings_plan_effective_cost": "DOUBLE",
    "savings_plan_net_savings_plan_effective_cost": "DOUBLE",
    "savings_plan_total_commitment_to_date": "DOUBLE",
    "savings_plan_used_commitment": "DOUBLE",
    "savings_plan_start_time": "VARCHAR",
    "split_line_item_parent_resource_id": "VARCHAR",
    "split_line_item_unused_cost": "DOUBLE",
}

PAYER = "012345678901"  # a leading zero: account ids are strings
USAGE_ACCOUNT = "000011112222"
RI_ARN = "arn:aws:ec2:us-east-1:000011112222:reserved-instances/ri-1"
SP_ARN = "arn:aws:savingsplans::000011112222:savingsplan/sp-1"


def line(month: str = "2026-07", day: int = 2, hour: int = 10, **values: object) -> dict[str, Any]:
    """One CUR 2.0 line of ``month`` with the columns every line has."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1)
    usage_start = datetime(year, mon, day, hour)
    base: dict[str, Any] = {
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_billing_period_start_date": start,
        "bill_billing_period_end_date": end,
        "bill_invoice_id": "",
        "bill_invoicing_entity": "Amazon Web Services, Inc.",
        "bill_payer_account_id": PAYER,
        "bill_payer_account_name": "acme-payer",
        "identity_line_item_id": f"id-{month}-{day}-{hour}",
        "line_item_currency_code": "USD",
        "line_item_legal_entity": "Amazon Web Services, Inc.",
        "line_item_line_item_type": "Usage",
        "line_item_usage_account_id": USAGE_ACCOUNT,
        "line_item_usage_account_name": "acme-ai",
        "line_item_usage_start_date": usage_start,
        "line_item_usage_end_date": usage_start.replace(hour=hour + 1),
        "line_item_usage_amount": 1.0,
        "line_item_product_code": "AmazonS3",
        "line_item_usage_type": "TimedStorage-ByteHrs",
        "line_item_operation": "StandardStorage",
        "pricing_unit": "GB-Mo",
    }
    base.update(values)
    return base


def bedrock(usage_type: str, unblended: float, net: float | None, tokens: float) -> dict[str, Any]:
    return line(
        line_item_product_code="AmazonBedrock",
        line_item_usage_type=usage_type,
        line_item_operation="InvokeModelInference",
        line_item_usage_amount=tokens,
        line_item_unblended_cost=unblended,
        line_item_net_unblended_cost=net,
        pricing_public_on_demand_cost=unblended,
        pricing_unit="tokens",
        line_item_resource_id="arn:aws:bedrock:us-east-1:000011112222:inference-profile/x",
        line_item_iam_principal="arn:aws:iam::000011112222:role/support-bot",
        product={"product_name": "Amazon Bedrock", "region": "us-east-1"},
        resource_tags={"user_team": "ml", "user:feature": "chat", "aws_createdBy": "ci"},
        cost_category={"BU": "ai"},
    )


def _value_sql(column: str) -> str:
    typ = CUR2_TYPES[column]
    if typ.startswith("MAP"):
        return f"cast(cast(? as json) as {typ})"
    return f"cast(? as {typ})"


def _param(column: str, value: Any) -> Any:
    if CUR2_TYPES[column].startswith("MAP"):
        return None if value is None else json.dumps(value)
    return value


def write_cur2_parquet(
    path: Path, lines: list[dict[str, Any]], columns: list[str] | None = None
) -> Path:
    """A CUR 2.0 parquet file of ``lines`` with ``columns`` (default: every
    column any line has, in CUR2_TYPES order)."""
    if columns is None:
        used = {c for row in lines for c in row}
        columns = [c for c in CUR2_TYPES if c in used]
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create table cur (" + ", ".join(f"{c} {CUR2_TYPES[c]}" for c in columns) + ")")
        insert = "insert into cur select " + ", ".join(_value_sql(c) for c in columns)
        for row in lines:
            con.execute(insert, [_param(c, row.get(c)) for c in columns])
        target = str(path).replace("'", "''")
        con.execute(f"copy cur to '{target}' (format parquet)")
    finally:
        con.close()
    return path


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def write_cur2_csv_gz(path: Path, lines: list[dict[str, Any]]) -> Path:
    """A CUR 2.0 gzip CSV export (maps as JSON text, timestamps as ISO text)."""
    used = {c for row in lines for c in row}
    columns = [c for c in CUR2_TYPES if c in used]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in lines:
        writer.writerow([_csv_text(row.get(c)) for c in columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(out.getvalue().encode()))
    return path


def write_legacy_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A legacy CUR CSV (``lineItem/UsageType``-style header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue())
    return path
