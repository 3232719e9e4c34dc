"""The demo's billing exports, made by ``generate.py`` from the calls it logged.

    sample_data/billing/cur/BILLING_PERIOD=2026-0M/demo-cur2-00001.snappy.parquet
    sample_data/billing/anthropic/cost_report_2026-0M.json

* An AWS CUR 2.0 export (Data Exports, daily granularity, parquet) per month:
  Amazon Bedrock token lines for doc-summarizer's Claude Haiku 4.5 (the logged
  tokens of its calls, plus a team calling Bedrock directly on six September
  days), at list price with an 8 % private-pricing discount in the net
  columns; one p5.48xlarge Reserved Instance (No Upfront, 1 year) running the
  self-hosted Llama that ticket-triage calls; and lines that are not AI (EC2
  t3, S3, CloudWatch), a Tax line and a Credit line.
* An Anthropic Admin API ``cost_report`` page per month (``group_by[]=
  workspace_id&group_by[]=description``, daily buckets): support-bot's and the
  unattributed Claude Sonnet 4.5 calls, without the failed attempts (they
  never produced output and are not billed), plus an eval workspace that calls
  Anthropic directly on three days.

The expected figures are computed here, exactly (``decimal``), from the same
token counts: ``billing_figures`` returns them for expected.json.

Standard library, plus DuckDB to write parquet (imported in ``write_cur`` only).
Everything random comes from the ``random.Random`` passed in.
"""

from __future__ import annotations

import calendar
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Protocol

#: the GPU pool was not running: (UTC start, hours). The Reserved Instance was
#: bought for 2026-07-01 00:00 and the instance went live at 14:00; on
#: 2026-08-18 it was stopped six hours for a driver and vLLM upgrade.
POOL_DOWNTIME = (("2026-07-01T00:00:00", 14), ("2026-08-18T02:00:00", 6))

CLASSES = ("input", "output", "cache_read", "cache_write")

# ---------------------------------------------------------------- accounts
PAYER_ACCOUNT = "210987654321"
PAYER_NAME = "demo-co-payer"
USAGE_ACCOUNT = "345678901234"
USAGE_ACCOUNT_NAME = "demo-co-prod"
REGION = "us-east-1"
LEGAL_ENTITY = "Amazon Web Services, Inc."

#: the negotiated discount (a private pricing addendum): 8 % off Amazon
#: Bedrock and Amazon EC2, reservations included; in the *_net_* columns.
PRIVATE_DISCOUNT = Decimal("0.08")
NET = 1 - PRIVATE_DISCOUNT
DISCOUNTED_PRODUCTS = ("AmazonBedrock", "AmazonEC2")

# ---------------------------------------------------------------- Bedrock
#: USD per 1K tokens: Claude Haiku 4.5 in-region on Bedrock (Anthropic's rates)
HAIKU_PER_1K = {
    "input": Decimal("0.001"),
    "output": Decimal("0.005"),
    "cache_read": Decimal("0.0001"),
    "cache_write": Decimal("0.00125"),
}
HAIKU_BILL_NAME = "Claude4.5Haiku"
HAIKU_USAGE_TYPES = {
    "input": f"USE1-{HAIKU_BILL_NAME}-input-tokens",
    "output": f"USE1-{HAIKU_BILL_NAME}-output-tokens",
    "cache_read": f"USE1-{HAIKU_BILL_NAME}-cache-read-input-token-count",
    "cache_write": f"USE1-{HAIKU_BILL_NAME}-cache-write-input-token-count",
}
HAIKU_CLASS_WORDS = {
    "input": "input tokens",
    "output": "output tokens",
    "cache_read": "cache read input tokens",
    "cache_write": "cache write input tokens",
}
HAIKU_RESOURCE = (
    f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
)
#: a data-science team calls Bedrock directly (not through the gateway) on these
#: days: about 15 % on top of the logged input and output tokens, no caching
UNLOGGED_BEDROCK_DAYS = (
    "2026-09-08",
    "2026-09-09",
    "2026-09-10",
    "2026-09-22",
    "2026-09-23",
    "2026-09-24",
)

# ---------------------------------------------------------------- GPU pool
POOL = "gpu-llama"
P5 = "p5.48xlarge"
P5_ON_DEMAND = Decimal("55.04")  # USD per hour, public on-demand rate used for the demo
P5_RI_HOURLY = Decimal("36.785")  # USD per hour, 1-year No Upfront reservation (synthetic)
#: what the team's load test sustained at its latency target (750 tokens/s)
POOL_CAPACITY_TOKENS_PER_HOUR = 2_700_000
COMPARABLE_MODEL = "gpt-4o"
GPT4O_PER_TOKEN = {"input": Decimal("0.0000025"), "output": Decimal("0.00001")}

# ---------------------------------------------------------------- not AI
T3 = "t3.large"
T3_HOURLY = Decimal("0.0832")
S3_GB_MONTH = Decimal("0.023")
S3_PER_REQUEST = Decimal("0.000005")  # USD 0.005 per 1,000 PUT requests
CW_PER_GB = Decimal("0.5")
TAX_RATE = Decimal("0.06")  # on the month's EC2 charges (net)
MONTHLY_CREDIT = Decimal("-40.00")  # a promotional credit applied to Amazon Bedrock

# ---------------------------------------------------------------- Anthropic
SONNET_MODEL = "claude-sonnet-4-5-20250929"
#: USD per token, list: what the bill charges (no negotiated rate)
SONNET_PER_TOKEN = {
    "input": Decimal("0.000003"),
    "output": Decimal("0.000015"),
    "cache_read": Decimal("0.0000003"),
    "cache_write": Decimal("0.00000375"),
}
ANTHROPIC_TOKEN_TYPES = {
    "input": "uncached_input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_input_tokens",
    "cache_write": "cache_creation.ephemeral_5m_input_tokens",
}
ANTHROPIC_DESCRIPTIONS = {
    "input": "Claude Sonnet 4.5 Usage - Input Tokens",
    "output": "Claude Sonnet 4.5 Usage - Output Tokens",
    "cache_read": "Claude Sonnet 4.5 Usage - Cache Read Input Tokens",
    "cache_write": "Claude Sonnet 4.5 Usage - Cache Write Input Tokens (5m)",
}
#: an evaluation team runs its weekly regression suite against Anthropic
#: directly (its own workspace and key, not through the gateway) on these days
EVAL_DAYS = ("2026-08-20", "2026-09-03", "2026-09-17")


class LoggedCall(Protocol):
    """What the bills are made from: one logged call (generate.Op)."""

    day: str
    month: str
    feature: str
    model_key: str
    uncached_input: int
    cache_read: int
    cache_write_5m: int
    output: int
    failed: bool


def class_tokens(call: LoggedCall) -> dict[str, int]:
    return {
        "input": call.uncached_input,
        "output": call.output,
        "cache_read": call.cache_read,
        "cache_write": call.cache_write_5m,
    }


def exact(x: Decimal) -> str:
    s = format(x.normalize(), "f")
    return s if "." in s else s + ".0"


def plain(x: Decimal) -> str:
    """A decimal string as an API or a CUR rate column writes it: no exponent."""
    return format(x.normalize(), "f")


def double(x: Decimal) -> float:
    """A money or quantity value for a DOUBLE column; it must read back exactly."""
    value = float(x)
    assert Decimal(repr(value)) == x, f"{x} does not survive a double"
    return value


def month_days(month: str) -> list[str]:
    year, mon = int(month[:4]), int(month[5:7])
    return [
        f"{year:04d}-{mon:02d}-{d:02d}" for d in range(1, calendar.monthrange(year, mon)[1] + 1)
    ]


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=None)


def iso_z(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


# --------------------------------------------------------------------------
# what was billed: tokens per (day, class)


@dataclass
class Tokens:
    """Tokens of one (day or month, provider, class): logged and billed."""

    logged: int = 0  # every logged call, failed attempts included
    logged_not_billed: int = 0  # failed attempts: in the logs, not on the bill
    unlogged: int = 0  # on the bill, never in the logs
    operations: int = 0

    @property
    def billed(self) -> int:
        return self.logged - self.logged_not_billed + self.unlogged


@dataclass
class Usage:
    """Per (day, class) token counts of one billed model."""

    by_day: dict[tuple[str, str], Tokens] = field(default_factory=lambda: defaultdict(Tokens))
    ops: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def log(self, call: LoggedCall, billed: bool) -> None:
        for cls, n in class_tokens(call).items():
            t = self.by_day[(call.day, cls)]
            t.logged += n
            if not billed:
                t.logged_not_billed += n
        self.ops[call.month][0] += 1
        self.ops[call.month][1] += int(call.failed)


def bedrock_usage(calls: Iterable[LoggedCall], rng: random.Random) -> Usage:
    usage = Usage()
    for call in calls:
        usage.log(call, billed=not call.failed)
    for day in UNLOGGED_BEDROCK_DAYS:
        factor = Decimal(rng.randrange(130, 171)) / 1000
        for cls in ("input", "output"):
            t = usage.by_day[(day, cls)]
            t.unlogged = int((t.logged * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return usage


def anthropic_usage(calls: Iterable[LoggedCall], rng: random.Random) -> tuple[Usage, Usage]:
    """(the gateway's workspace, the eval workspace)."""
    gateway = Usage()
    for call in calls:
        # a failed attempt ended before any output: Anthropic did not bill it
        gateway.log(call, billed=not (call.failed and call.output == 0))
    evals = Usage()
    for day in EVAL_DAYS:
        evals.by_day[(day, "input")].unlogged = rng.randrange(7_000_000, 9_000_001)
        evals.by_day[(day, "output")].unlogged = rng.randrange(1_800_000, 2_400_001)
    return gateway, evals


# --------------------------------------------------------------------------
# CUR 2.0 (a subset of the fixed CUR 2.0 schema: the columns a reader needs)

CUR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("bill_bill_type", "VARCHAR"),
    ("bill_billing_entity", "VARCHAR"),
    ("bill_billing_period_end_date", "TIMESTAMP"),
    ("bill_billing_period_start_date", "TIMESTAMP"),
    ("bill_invoice_id", "VARCHAR"),
    ("bill_invoicing_entity", "VARCHAR"),
    ("bill_payer_account_id", "VARCHAR"),
    ("bill_payer_account_name", "VARCHAR"),
    ("cost_category", "MAP(VARCHAR, VARCHAR)"),
    ("identity_line_item_id", "VARCHAR"),
    ("identity_time_interval", "VARCHAR"),
    ("line_item_availability_zone", "VARCHAR"),
    ("line_item_blended_cost", "DOUBLE"),
    ("line_item_blended_rate", "VARCHAR"),
    ("line_item_currency_code", "VARCHAR"),
    ("line_item_legal_entity", "VARCHAR"),
    ("line_item_line_item_description", "VARCHAR"),
    ("line_item_line_item_type", "VARCHAR"),
    ("line_item_net_unblended_cost", "DOUBLE"),
    ("line_item_net_unblended_rate", "VARCHAR"),
    ("line_item_operation", "VARCHAR"),
    ("line_item_product_code", "VARCHAR"),
    ("line_item_resource_id", "VARCHAR"),
    ("line_item_tax_type", "VARCHAR"),
    ("line_item_unblended_cost", "DOUBLE"),
    ("line_item_unblended_rate", "VARCHAR"),
    ("line_item_usage_account_id", "VARCHAR"),
    ("line_item_usage_account_name", "VARCHAR"),
    ("line_item_usage_amount", "DOUBLE"),
    ("line_item_usage_end_date", "TIMESTAMP"),
    ("line_item_usage_start_date", "TIMESTAMP"),
    ("line_item_usage_type", "VARCHAR"),
    ("pricing_currency", "VARCHAR"),
    ("pricing_lease_contract_length", "VARCHAR"),
    ("pricing_offering_class", "VARCHAR"),
    ("pricing_public_on_demand_cost", "DOUBLE"),
    ("pricing_public_on_demand_rate", "VARCHAR"),
    ("pricing_purchase_option", "VARCHAR"),
    ("pricing_term", "VARCHAR"),
    ("pricing_unit", "VARCHAR"),
    ("product", "MAP(VARCHAR, VARCHAR)"),
    ("product_instance_type", "VARCHAR"),
    ("product_region_code", "VARCHAR"),
    ("product_servicecode", "VARCHAR"),
    ("reservation_amortized_upfront_cost_for_usage", "DOUBLE"),
    ("reservation_amortized_upfront_fee_for_billing_period", "DOUBLE"),
    ("reservation_effective_cost", "DOUBLE"),
    ("reservation_end_time", "VARCHAR"),
    ("reservation_net_amortized_upfront_cost_for_usage", "DOUBLE"),
    ("reservation_net_amortized_upfront_fee_for_billing_period", "DOUBLE"),
    ("reservation_net_effective_cost", "DOUBLE"),
    ("reservation_net_recurring_fee_for_usage", "DOUBLE"),
    ("reservation_net_unused_amortized_upfront_fee_for_billing_period", "DOUBLE"),
    ("reservation_net_unused_recurring_fee", "DOUBLE"),
    ("reservation_net_upfront_value", "DOUBLE"),
    ("reservation_number_of_reservations", "VARCHAR"),
    ("reservation_recurring_fee_for_usage", "DOUBLE"),
    ("reservation_reservation_a_r_n", "VARCHAR"),
    ("reservation_start_time", "VARCHAR"),
    ("reservation_total_reserved_units", "VARCHAR"),
    ("reservation_units_per_reservation", "VARCHAR"),
    ("reservation_unused_amortized_upfront_fee_for_billing_period", "DOUBLE"),
    ("reservation_unused_quantity", "DOUBLE"),
    ("reservation_unused_recurring_fee", "DOUBLE"),
    ("reservation_upfront_value", "DOUBLE"),
    ("resource_tags", "MAP(VARCHAR, VARCHAR)"),
    ("savings_plan_amortized_upfront_commitment_for_billing_period", "DOUBLE"),
    ("savings_plan_net_savings_plan_effective_cost", "DOUBLE"),
    ("savings_plan_recurring_commitment_for_billing_period", "DOUBLE"),
    ("savings_plan_savings_plan_a_r_n", "VARCHAR"),
    ("savings_plan_savings_plan_effective_cost", "DOUBLE"),
    ("savings_plan_savings_plan_rate", "DOUBLE"),
    ("savings_plan_total_commitment_to_date", "DOUBLE"),
    ("savings_plan_used_commitment", "DOUBLE"),
)
MAP_COLUMNS = ("cost_category", "product", "resource_tags")


@dataclass
class Line:
    """One CUR line, with its money as exact decimals (written as doubles)."""

    kind: str  # line_item_line_item_type
    start: datetime
    end: datetime
    product_code: str
    usage_type: str
    operation: str
    description: str
    amount: Decimal  # line_item_usage_amount
    unblended: Decimal
    rate: Decimal | None  # line_item_unblended_rate (None: empty)
    public_cost: Decimal = Decimal(0)
    public_rate: Decimal | None = None
    pricing_unit: str = ""
    pricing_term: str = ""
    resource_id: str = ""
    availability_zone: str = ""
    instance_type: str = ""
    product: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    tax_type: str = ""
    reservation: dict[str, Any] = field(default_factory=dict)
    #: what the net columns take off (the discount applies to these products)
    discounted: bool = False

    @property
    def net(self) -> Decimal:
        return self.unblended * NET if self.discounted else self.unblended

    @property
    def net_rate(self) -> Decimal | None:
        if self.rate is None:
            return None
        return self.rate * NET if self.discounted else self.rate

    @property
    def effective(self) -> Decimal:
        """Amortised cost, the formula of AWS's own dashboards (CID)."""
        if self.kind == "DiscountedUsage":
            return Decimal(self.reservation["effective"])
        if self.kind == "RIFee":
            return Decimal(self.reservation["unused_fee"])
        return self.unblended

    @property
    def effective_net(self) -> Decimal:
        return self.effective * NET if self.discounted else self.effective


def bedrock_lines(usage: Usage, month: str) -> list[Line]:
    lines: list[Line] = []
    for day in month_days(month):
        for cls in CLASSES:
            tokens = usage.by_day.get((day, cls))
            if tokens is None or tokens.billed == 0:
                continue
            rate = HAIKU_PER_1K[cls]
            thousands = Decimal(tokens.billed) / 1000
            lines.append(
                Line(
                    kind="Usage",
                    start=at(day),
                    end=at(day) + timedelta(days=1),
                    product_code="AmazonBedrock",
                    usage_type=HAIKU_USAGE_TYPES[cls],
                    operation="InvokeModelInference",
                    description=f"USD {plain(rate)} per 1K {HAIKU_CLASS_WORDS[cls]} "
                    "for Claude Haiku 4.5 in US East (N. Virginia)",
                    amount=thousands,
                    unblended=thousands * rate,
                    rate=rate,
                    public_cost=thousands * rate,
                    public_rate=rate,
                    pricing_unit="1K tokens",
                    pricing_term="OnDemand",
                    resource_id=HAIKU_RESOURCE,
                    product={
                        "product_name": "Amazon Bedrock",
                        "region": REGION,
                        "servicename": "Amazon Bedrock",
                        "model": "Claude Haiku 4.5",
                        "provider": "Anthropic",
                        "usagetype": HAIKU_USAGE_TYPES[cls],
                    },
                    discounted=True,
                )
            )
    return lines


@dataclass(frozen=True)
class Reservation:
    arn: str
    instance_id: str


def pool_running_hours(day: str) -> int:
    down = 0
    for begin, hours in POOL_DOWNTIME:
        if begin[:10] == day:
            down += hours
    return 24 - down


def gpu_lines(month: str, ri: Reservation) -> list[Line]:
    p5_product = {
        "product_name": "Amazon Elastic Compute Cloud",
        "region": REGION,
        "servicename": "Amazon Elastic Compute Cloud",
        "instance_type_family": "p5",
        "operating_system": "Linux",
        "tenancy": "Shared",
        "vcpu": "192",
        "memory": "2048 GiB",
        "gpu": "8",
        "gpu_memory": "640 GB",
    }
    common: dict[str, Any] = {
        "pricing_term": "Reserved",
        "instance_type": P5,
        "product": p5_product,
        "discounted": True,
    }
    ri_start, ri_end = "2026-07-01T00:00:00.000Z", "2027-07-01T00:00:00.000Z"
    lines: list[Line] = []
    for day in month_days(month):
        hours = Decimal(pool_running_hours(day))
        fee = hours * P5_RI_HOURLY
        lines.append(
            Line(
                kind="DiscountedUsage",
                start=at(day),
                end=at(day) + timedelta(days=1),
                product_code="AmazonEC2",
                usage_type=f"BoxUsage:{P5}",
                operation="RunInstances",
                description=f"USD 0.0 per Linux/UNIX (Amazon VPC), {P5} reserved instance applied",
                amount=hours,
                unblended=Decimal(0),
                rate=Decimal(0),
                public_cost=hours * P5_ON_DEMAND,
                public_rate=P5_ON_DEMAND,
                pricing_unit="Hrs",
                resource_id=ri.instance_id,
                availability_zone=f"{REGION}a",
                tags={"user_feature": "ticket-triage", "user_team": "support-eng"},
                reservation={"arn": ri.arn, "effective": fee, "recurring_for_usage": fee},
                **common,
            )
        )
    hours_in_month = Decimal(24 * len(month_days(month)))
    running = sum(pool_running_hours(day) for day in month_days(month))
    unused = hours_in_month - running
    lines.append(
        Line(
            kind="RIFee",
            start=at(month + "-01"),
            end=at(next_month(month) + "-01"),
            product_code="AmazonEC2",
            usage_type=f"HeavyUsage:{P5}",
            operation="RunInstances",
            description=f"USD {plain(P5_RI_HOURLY)} hourly fee per Linux/UNIX (Amazon VPC), "
            f"{P5} instance",
            amount=hours_in_month,
            unblended=hours_in_month * P5_RI_HOURLY,
            rate=P5_RI_HOURLY,
            pricing_unit="Hrs",
            reservation={
                "arn": ri.arn,
                "unused_quantity": unused,
                "unused_fee": unused * P5_RI_HOURLY,
                "reserved_units": str(int(hours_in_month)),
                "start": ri_start,
                "end": ri_end,
            },
            **common,  # type: ignore[arg-type]
        )
    )
    return lines


def other_lines(month: str, rng: random.Random, web: list[str], bucket: str) -> list[Line]:
    """EC2 t3 web servers, S3 and CloudWatch: not AI."""
    lines: list[Line] = []
    days = month_days(month)
    ec2_product = {
        "product_name": "Amazon Elastic Compute Cloud",
        "region": REGION,
        "servicename": "Amazon Elastic Compute Cloud",
        "instance_type_family": "t3",
        "operating_system": "Linux",
        "tenancy": "Shared",
    }
    for day in days:
        start, end = at(day), at(day) + timedelta(days=1)
        for n, instance in enumerate(web):
            hours = Decimal(24)
            lines.append(
                Line(
                    kind="Usage",
                    start=start,
                    end=end,
                    product_code="AmazonEC2",
                    usage_type=f"BoxUsage:{T3}",
                    operation="RunInstances",
                    description=f"USD {plain(T3_HOURLY)} per On Demand Linux {T3} Instance Hour",
                    amount=hours,
                    unblended=hours * T3_HOURLY,
                    rate=T3_HOURLY,
                    public_cost=hours * T3_HOURLY,
                    public_rate=T3_HOURLY,
                    pricing_unit="Hrs",
                    pricing_term="OnDemand",
                    resource_id=instance,
                    availability_zone=f"{REGION}{'abc'[n % 3]}",
                    instance_type=T3,
                    product=ec2_product,
                    tags={"user_team": "platform"},
                    discounted=True,
                )
            )
        # the request logs and exports kept in S3 grow through the quarter
        stored_gb = Decimal(1_200 + 15 * (days.index(day) + 31 * (int(month[5:7]) - 7)))
        stored_gb += Decimal(rng.randrange(0, 1_000)) / 100
        gb_month = (stored_gb / len(days)).quantize(Decimal("0.00000001"))
        s3_product = {"product_name": "Amazon Simple Storage Service", "region": REGION}
        lines.append(
            Line(
                kind="Usage",
                start=start,
                end=end,
                product_code="AmazonS3",
                usage_type="TimedStorage-ByteHrs",
                operation="StandardStorage",
                description=f"USD {plain(S3_GB_MONTH)} per GB - first 50 TB / month "
                "of storage used",
                amount=gb_month,
                unblended=gb_month * S3_GB_MONTH,
                rate=S3_GB_MONTH,
                public_cost=gb_month * S3_GB_MONTH,
                public_rate=S3_GB_MONTH,
                pricing_unit="GB-Mo",
                pricing_term="OnDemand",
                resource_id=bucket,
                product=s3_product,
                tags={"user_team": "platform"},
            )
        )
        puts = Decimal(rng.randrange(180_000, 260_001))
        lines.append(
            Line(
                kind="Usage",
                start=start,
                end=end,
                product_code="AmazonS3",
                usage_type="Requests-Tier1",
                operation="PutObject",
                description="USD 0.005 per 1,000 PUT, COPY, POST, or LIST requests",
                amount=puts,
                unblended=puts * S3_PER_REQUEST,
                rate=S3_PER_REQUEST,
                public_cost=puts * S3_PER_REQUEST,
                public_rate=S3_PER_REQUEST,
                pricing_unit="Requests",
                pricing_term="OnDemand",
                resource_id=bucket,
                product=s3_product,
                tags={"user_team": "platform"},
            )
        )
        gb = Decimal(rng.randrange(8_000, 14_001)) / 1000
        lines.append(
            Line(
                kind="Usage",
                start=start,
                end=end,
                product_code="AmazonCloudWatch",
                usage_type="USE1-DataProcessing-Bytes",
                operation="PutLogEvents",
                description="USD 0.50 per GB custom log data ingested - first 10TB",
                amount=gb,
                unblended=gb * CW_PER_GB,
                rate=CW_PER_GB,
                public_cost=gb * CW_PER_GB,
                public_rate=CW_PER_GB,
                pricing_unit="GB",
                pricing_term="OnDemand",
                product={"product_name": "AmazonCloudWatch", "region": REGION},
            )
        )
    return lines


def month_end_lines(month: str, lines: list[Line]) -> list[Line]:
    """The month's Tax line (on EC2) and Credit line (on Bedrock)."""
    start, end = at(month + "-01"), at(next_month(month) + "-01")
    ec2 = sum((line.net for line in lines if line.product_code == "AmazonEC2"), Decimal(0))
    tax = (ec2 * TAX_RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return [
        Line(
            kind="Tax",
            start=start,
            end=end,
            product_code="AmazonEC2",
            usage_type="",
            operation="",
            description="Tax for product code AmazonEC2",
            amount=Decimal(0),
            unblended=tax,
            rate=None,
            tax_type="USSalesTax",
        ),
        Line(
            kind="Credit",
            start=start,
            end=end,
            product_code="AmazonBedrock",
            usage_type="",
            operation="",
            description="AWS Promotional Credit (synthetic): generative AI",
            amount=Decimal(0),
            unblended=MONTHLY_CREDIT,
            rate=None,
        ),
    ]


_B32 = "abcdefghijklmnopqrstuvwxyz234567"


def cur_record(line: Line, month: str, invoice: str, line_id: str) -> dict[str, Any]:
    r = line.reservation
    zero = 0.0
    is_ri = bool(r)
    fee = Decimal(r.get("recurring_for_usage", 0)) if is_ri else Decimal(0)
    unused_fee = Decimal(r.get("unused_fee", 0)) if is_ri else Decimal(0)
    return {
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_billing_period_end_date": at(next_month(month) + "-01"),
        "bill_billing_period_start_date": at(month + "-01"),
        "bill_invoice_id": invoice,
        "bill_invoicing_entity": LEGAL_ENTITY,
        "bill_payer_account_id": PAYER_ACCOUNT,
        "bill_payer_account_name": PAYER_NAME,
        "cost_category": {},
        "identity_line_item_id": line_id,
        "identity_time_interval": f"{iso_z(line.start)}/{iso_z(line.end)}",
        "line_item_availability_zone": line.availability_zone,
        "line_item_blended_cost": double(line.unblended),
        "line_item_blended_rate": "" if line.rate is None else plain(line.rate),
        "line_item_currency_code": "USD",
        "line_item_legal_entity": LEGAL_ENTITY,
        "line_item_line_item_description": line.description,
        "line_item_line_item_type": line.kind,
        "line_item_net_unblended_cost": double(line.net),
        "line_item_net_unblended_rate": "" if line.net_rate is None else plain(line.net_rate),
        "line_item_operation": line.operation,
        "line_item_product_code": line.product_code,
        "line_item_resource_id": line.resource_id,
        "line_item_tax_type": line.tax_type,
        "line_item_unblended_cost": double(line.unblended),
        "line_item_unblended_rate": "" if line.rate is None else plain(line.rate),
        "line_item_usage_account_id": USAGE_ACCOUNT,
        "line_item_usage_account_name": USAGE_ACCOUNT_NAME,
        "line_item_usage_amount": double(line.amount),
        "line_item_usage_end_date": line.end,
        "line_item_usage_start_date": line.start,
        "line_item_usage_type": line.usage_type,
        "pricing_currency": "USD" if line.pricing_unit else "",
        "pricing_lease_contract_length": "1yr" if is_ri else "",
        "pricing_offering_class": "standard" if is_ri else "",
        "pricing_public_on_demand_cost": double(line.public_cost),
        "pricing_public_on_demand_rate": (
            "" if line.public_rate is None else plain(line.public_rate)
        ),
        "pricing_purchase_option": "No Upfront" if is_ri else "",
        "pricing_term": line.pricing_term,
        "pricing_unit": line.pricing_unit,
        "product": line.product,
        "product_instance_type": line.instance_type,
        "product_region_code": REGION if line.pricing_unit else "",
        "product_servicecode": line.product_code,
        "reservation_amortized_upfront_cost_for_usage": zero,
        "reservation_amortized_upfront_fee_for_billing_period": zero,
        "reservation_effective_cost": double(fee),
        "reservation_end_time": r.get("end", ""),
        "reservation_net_amortized_upfront_cost_for_usage": zero,
        "reservation_net_amortized_upfront_fee_for_billing_period": zero,
        "reservation_net_effective_cost": double(fee * NET),
        "reservation_net_recurring_fee_for_usage": double(fee * NET),
        "reservation_net_unused_amortized_upfront_fee_for_billing_period": zero,
        "reservation_net_unused_recurring_fee": double(unused_fee * NET),
        "reservation_net_upfront_value": zero,
        "reservation_number_of_reservations": "1" if line.kind == "RIFee" else "",
        "reservation_recurring_fee_for_usage": double(fee),
        "reservation_reservation_a_r_n": r.get("arn", ""),
        "reservation_start_time": r.get("start", ""),
        "reservation_total_reserved_units": r.get("reserved_units", ""),
        "reservation_units_per_reservation": r.get("reserved_units", ""),
        "reservation_unused_amortized_upfront_fee_for_billing_period": zero,
        "reservation_unused_quantity": double(Decimal(r.get("unused_quantity", 0))),
        "reservation_unused_recurring_fee": double(unused_fee),
        "reservation_upfront_value": zero,
        "resource_tags": line.tags,
        "savings_plan_amortized_upfront_commitment_for_billing_period": zero,
        "savings_plan_net_savings_plan_effective_cost": zero,
        "savings_plan_recurring_commitment_for_billing_period": zero,
        "savings_plan_savings_plan_a_r_n": "",
        "savings_plan_savings_plan_effective_cost": zero,
        "savings_plan_savings_plan_rate": zero,
        "savings_plan_total_commitment_to_date": zero,
        "savings_plan_used_commitment": zero,
    }


def write_cur(path: Path, records: list[dict[str, Any]]) -> None:
    """One parquet file, written by DuckDB (one thread: the same bytes every run)."""
    import duckdb  # the one dependency outside the standard library

    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute("set threads = 1")
        con.execute(
            "create table cur (" + ", ".join(f"{name} {kind}" for name, kind in CUR_COLUMNS) + ")"
        )
        placeholders = ", ".join(
            "map(?::varchar[], ?::varchar[])" if name in MAP_COLUMNS else "?"
            for name, _ in CUR_COLUMNS
        )
        rows = []
        for rec in records:
            row: list[Any] = []
            for name, _ in CUR_COLUMNS:
                value = rec[name]
                if name in MAP_COLUMNS:
                    row += [list(value), list(value.values())]
                else:
                    row.append(value)
            rows.append(row)
        con.executemany(f"insert into cur values ({placeholders})", rows)
        con.execute(f"copy cur to '{path.as_posix()}' (format parquet, compression snappy)")
    finally:
        con.close()


# --------------------------------------------------------------------------
# Anthropic Admin API cost_report


def cost_report_page(month: str, workspaces: list[tuple[str, Usage]]) -> dict[str, Any]:
    buckets = []
    for day in month_days(month):
        results = []
        for workspace, usage in workspaces:
            for cls in CLASSES:
                tokens = usage.by_day.get((day, cls))
                if tokens is None or tokens.billed == 0:
                    continue
                cents = tokens.billed * SONNET_PER_TOKEN[cls] * 100
                results.append(
                    {
                        "currency": "USD",
                        "amount": plain(cents),
                        "workspace_id": workspace,
                        "description": ANTHROPIC_DESCRIPTIONS[cls],
                        "cost_type": "tokens",
                        "context_window": "0-200k",
                        "model": SONNET_MODEL,
                        "service_tier": "standard",
                        "token_type": ANTHROPIC_TOKEN_TYPES[cls],
                        "inference_geo": "global",
                    }
                )
        start = at(day)
        buckets.append(
            {
                "starting_at": iso_z(start),
                "ending_at": iso_z(start + timedelta(days=1)),
                "results": results,
            }
        )
    return {"data": buckets, "has_more": False, "next_page": None}


# --------------------------------------------------------------------------
# all of it


def _b62(rng: random.Random, n: int) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(alphabet[rng.randrange(62)] for _ in range(n))


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def money_sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def generate_billing(
    out: Path, months: list[str], calls: list[LoggedCall], rng: random.Random
) -> dict[str, Any]:
    """Write ``out/billing`` and return the ``billing`` section of expected.json.

    ``calls``: every logged LiteLLM call (the OTel calls go to OpenAI, whose
    bill is not part of the demo); ``months``: ``YYYY-MM``.
    """
    haiku = bedrock_usage((c for c in calls if c.model_key == "claude-haiku-4-5"), rng)
    gateway, evals = anthropic_usage((c for c in calls if c.model_key == "claude-sonnet-4-5"), rng)
    gateway_ws = "wrkspc_01" + _b62(rng, 22)
    eval_ws = "wrkspc_01" + _b62(rng, 22)
    ri = Reservation(
        arn=f"arn:aws:ec2:{REGION}:{USAGE_ACCOUNT}:reserved-instances/"
        f"{_hex(rng, 8)}-{_hex(rng, 4)}-4{_hex(rng, 3)}-a{_hex(rng, 3)}-{_hex(rng, 12)}",
        instance_id="i-0" + _hex(rng, 16),
    )
    web = ["i-0" + _hex(rng, 16) for _ in range(3)]
    bucket = "demo-co-request-logs"
    triage = [c for c in calls if c.feature == "ticket-triage"]

    reconciliation: list[dict[str, Any]] = []
    models: list[dict[str, Any]] = []
    month_rows: list[dict[str, Any]] = []
    pool_rows: list[dict[str, Any]] = []
    files: dict[str, Any] = {}
    for month in months:
        mk = month + "-01"
        # ---- CUR
        bedrock = bedrock_lines(haiku, month)
        gpu = gpu_lines(month, ri)
        other = other_lines(month, rng, web, bucket)
        usage_lines = bedrock + gpu + other
        lines = usage_lines + month_end_lines(month, usage_lines)
        lines.sort(key=lambda x: (x.start, x.product_code, x.usage_type, x.resource_id, x.kind))
        invoice = f"{int(month[:4]) * 100 + int(month[5:7])}{rng.randrange(10**6, 10**7)}"
        records = [
            cur_record(line, month, invoice, "".join(rng.choice(_B32) for _ in range(52)))
            for line in lines
        ]
        cur_path = f"billing/cur/BILLING_PERIOD={month}/demo-cur2-00001.snappy.parquet"
        write_cur(out / cur_path, records)
        # ---- Anthropic
        page = cost_report_page(month, [(gateway_ws, gateway), (eval_ws, evals)])
        anth_path = f"billing/anthropic/cost_report_{month}.json"
        (out / anth_path).parent.mkdir(parents=True, exist_ok=True)
        (out / anth_path).write_text(
            json.dumps(page, separators=(",", ":")) + "\n", encoding="utf-8"
        )
        files[month] = {
            "cur": {"path": cur_path, "rows": len(records)},
            "anthropic": {
                "path": anth_path,
                "buckets": len(page["data"]),
                "results": sum(len(b["results"]) for b in page["data"]),
            },
        }

        # ---- reconciliation per provider x model x token class
        days = set(month_days(month))

        def monthly(usage: Usage, cls: str, days: set[str] = days) -> Tokens:
            total = Tokens()
            for (day, c), t in usage.by_day.items():
                if c == cls and day in days:
                    total.logged += t.logged
                    total.logged_not_billed += t.logged_not_billed
                    total.unlogged += t.unlogged
            return total

        for provider, source, model_key, bill_model, usages in (
            ("bedrock", "cur2", "claude-haiku-4-5", HAIKU_BILL_NAME, [haiku]),
            ("anthropic", "anthropic-costs", "claude-sonnet-4-5", SONNET_MODEL, [gateway, evals]),
        ):
            per_model = {
                "month": mk,
                "provider": provider,
                "billing_source": source,
                "model_key": model_key,
                "bill_model": bill_model,
                "operations": usages[0].ops[mk][0],
                "failed_operations": usages[0].ops[mk][1],
            }
            sums = defaultdict(Decimal)
            token_sums = defaultdict(int)
            for cls in CLASSES:
                t = Tokens()
                for usage in usages:
                    m = monthly(usage, cls)
                    t.logged += m.logged
                    t.logged_not_billed += m.logged_not_billed
                    t.unlogged += m.unlogged
                if provider == "bedrock":
                    list_price = HAIKU_PER_1K[cls] / 1000
                    list_cost = t.billed * list_price
                    billed = list_cost * NET  # net unblended: the invoice
                    effective = billed  # usage lines: amortised = unblended
                else:
                    list_price = SONNET_PER_TOKEN[cls]
                    list_cost = t.billed * list_price
                    billed = list_cost  # no negotiated rate
                    effective = billed
                estimated = t.logged * list_price
                row = {
                    "month": mk,
                    "provider": provider,
                    "billing_source": source,
                    "model_key": model_key,
                    "token_class": cls,
                    "billed_tokens": t.billed,
                    "logged_tokens": t.logged,
                    "logged_not_billed_tokens": t.logged_not_billed,
                    "unlogged_tokens": t.unlogged,
                    "list_price_per_token": plain(list_price),
                    "list_cost": exact(list_cost),
                    "billed_cost": exact(billed),
                    "effective_cost": exact(effective),
                    "estimated_cost": exact(estimated),
                }
                if t.billed or t.logged:  # nothing logged and nothing billed: no row
                    reconciliation.append(row)
                for k in ("list_cost", "billed_cost", "effective_cost", "estimated_cost"):
                    sums[k] += Decimal(row[k])
                for k in (
                    "billed_tokens",
                    "logged_tokens",
                    "logged_not_billed_tokens",
                    "unlogged_tokens",
                ):
                    token_sums[k] += row[k]
            per_model.update(token_sums)
            per_model.update({k: exact(v) for k, v in sums.items()})
            models.append(per_model)

        # ---- the GPU pool
        hours = 24 * len(days)
        running = sum(pool_running_hours(day) for day in days)
        fee = hours * P5_RI_HOURLY
        served_in = sum(
            c.uncached_input + c.cache_read + c.cache_write_5m for c in triage if c.month == mk
        )
        served_out = sum(c.output for c in triage if c.month == mk)
        served = served_in + served_out
        capacity = POOL_CAPACITY_TOKENS_PER_HOUR * hours
        comparable = served_in * GPT4O_PER_TOKEN["input"] + served_out * GPT4O_PER_TOKEN["output"]
        pool_rows.append(
            {
                "month": mk,
                "pool": POOL,
                "instance_type": P5,
                "hours": hours,
                "running_hours": running,
                "unused_reservation_hours": hours - running,
                "ri_hourly_fee": plain(P5_RI_HOURLY),
                "amortised_cost": exact(fee),
                "amortised_cost_net": exact(fee * NET),
                "unused_reservation_cost_net": exact((hours - running) * P5_RI_HOURLY * NET),
                "on_demand_equivalent": exact(running * P5_ON_DEMAND),
                "operations": sum(1 for c in triage if c.month == mk),
                "input_tokens": served_in,
                "output_tokens": served_out,
                "served_tokens": served,
                "capacity_tokens_per_hour": POOL_CAPACITY_TOKENS_PER_HOUR,
                "capacity_tokens": capacity,
                "utilisation": plain(
                    (Decimal(served) / capacity).quantize(Decimal("0.000001"), ROUND_HALF_UP)
                ),
                "cost_per_1m_tokens_net": plain(
                    (fee * NET * 1_000_000 / served).quantize(Decimal("0.000001"), ROUND_HALF_UP)
                ),
                "comparable_model": COMPARABLE_MODEL,
                "comparable_list_cost": exact(comparable),
            }
        )

        # ---- the month's totals
        def total(pick: Iterable[Line], basis: str) -> str:
            return exact(money_sum(getattr(line, basis) for line in pick))

        ai_tokens = [
            line for line in lines if line.product_code == "AmazonBedrock" and line.kind == "Usage"
        ]
        not_ai = [
            line for line in lines if line.kind == "Usage" and line.product_code != "AmazonBedrock"
        ]
        tax = [line for line in lines if line.kind == "Tax"]
        credit = [line for line in lines if line.kind == "Credit"]
        anthropic_cents = money_sum(
            Decimal(r["amount"]) for b in page["data"] for r in b["results"]
        )
        by_ws = defaultdict(Decimal)
        for b in page["data"]:
            for r in b["results"]:
                by_ws[r["workspace_id"]] += Decimal(r["amount"])
        month_rows.append(
            {
                "month": mk,
                "cur": {
                    "invoice_id": invoice,
                    "rows": len(records),
                    "unblended_cost": total(lines, "unblended"),
                    "net_unblended_cost": total(lines, "net"),
                    "net_amortised_cost": total(lines, "effective_net"),
                    "public_on_demand_cost": total(lines, "public_cost"),
                    "bedrock_token_usage": {
                        "list_cost": total(ai_tokens, "unblended"),
                        "billed_cost": total(ai_tokens, "net"),
                    },
                    "gpu_pool": {
                        "billed_cost": total(gpu, "net"),
                        "effective_cost": total(gpu, "effective_net"),
                    },
                    "not_ai_usage": {"billed_cost": total(not_ai, "net")},
                    "tax": total(tax, "net"),
                    "credits": total(credit, "net"),
                },
                "anthropic": {
                    "amount_cents": exact(anthropic_cents),
                    "billed_cost": exact(anthropic_cents / 100),
                    "by_workspace": {ws: exact(cents / 100) for ws, cents in sorted(by_ws.items())},
                },
            }
        )

    return {
        "conventions": {
            "cur_quantities": "Bedrock token lines: line_item_usage_amount is in thousands of "
            "tokens (pricing_unit '1K tokens', rates per 1K tokens): tokens = amount x 1000",
            "cur_billed_cost": "line_item_net_unblended_cost (the 8 % private pricing discount "
            "on AmazonBedrock and AmazonEC2 is in the net columns; list = unblended = public "
            "on-demand for the Bedrock lines)",
            "cur_effective_cost": "CID formula on the net columns: DiscountedUsage -> "
            "reservation_net_effective_cost, RIFee -> reservation_net_unused_recurring_fee "
            "(No Upfront: no amortised upfront fee), others -> line_item_net_unblended_cost",
            "anthropic_amount": "decimal string in cents: billed_cost = amount / 100",
            "token_classes": "input = uncached input; cache_write = 5-minute cache writes",
            "logged_not_billed": "failed attempts with no output: in the logs (and the "
            "estimate), not on Anthropic's bill",
            "unlogged": "on the bill, never in the logs: Bedrock called directly by a team "
            f"on {', '.join(UNLOGGED_BEDROCK_DAYS)}; Anthropic eval workspace on "
            f"{', '.join(EVAL_DAYS)}",
            "estimated_cost": "logged tokens (failed attempts included) x list price",
            "gpu_pool": "amortised cost = hours in month x RI hourly fee (the DiscountedUsage "
            "lines' reservation_effective_cost + the RIFee line's unused fee); utilisation = "
            "served tokens (ticket-triage input + output) / (capacity_tokens_per_hour x hours "
            "in month), rounded to 6 places",
        },
        "workspaces": {"gateway": gateway_ws, "eval": eval_ws},
        "capacity_pool": {
            "name": POOL,
            "usage_types": [f"BoxUsage:{P5}", f"HeavyUsage:{P5}"],
            "resource_id": ri.instance_id,
            "reservation_arn": ri.arn,
            "models": ["meta-llama/llama-3.1-70b-instruct"],
            "capacity_tokens_per_hour": POOL_CAPACITY_TOKENS_PER_HOUR,
            "comparable_model": COMPARABLE_MODEL,
        },
        "discount": {"products": list(DISCOUNTED_PRODUCTS), "rate": plain(PRIVATE_DISCOUNT)},
        "files": files,
        "months": month_rows,
        "models": models,
        "reconciliation": reconciliation,
        "gpu_pool": pool_rows,
    }
