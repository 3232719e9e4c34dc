"""Reserved and provisioned capacity: pools matched to bill lines, amortised per
day, utilisation and idle, allocation to the operations they served, and
``aicost report capacity``.

Given: a real store (migrated DuckDB file) with self-hosted model operations
ingested from aicost JSONL, bill lines inserted into ``land_charges`` (what the
billing readers land) and the ``charges`` mart built from them by hand (the
classification columns the capacity models do not read are left NULL).
Expected: every figure worked out here with Python ints and Decimal, never by
the SQL under test.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tomllib
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli import build, db, models, reports
from aicost_cli.cli import app
from aicost_cli.config import Config, parse_config
from aicost_cli.errors import ConfigError, ExitCode, UsageError
from aicost_cli.ingest.requests import ingest_requests

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parent / "golden" / "capacity"
UNIT = Decimal("0.000000000001")  # money is DECIMAL(38, 12)
JULY = [date(2026, 7, d) for d in range(1, 32)]

CONFIG = """
currency = "USD"

[[capacity.pools]]
name = "gpu-llama"
match = { usage_types = ["BoxUsage:p5.48xlarge", "HeavyUsage:p5.48xlarge"] }
models = ["llama-3-70b"]
capacity_tokens_per_hour = 1000000
comparable_model = "gpt-4o"

[[capacity.pools]]
name = "sp-qwen"
match = { resource_ids = ["i-0qwen", "arn:aws:savingsplans::123456789012:savingsplan/sp-1"] }
models = ["qwen-2-72b"]

[[capacity.pools]]
name = "sagemaker"
match = { usage_types = ["*Host:ml.g5.12xlarge"], accounts = ["123456789012"] }
models = ["mistral-7b-ft"]
capacity_tokens_per_hour = 2000000
comparable_model = "gpt-4o-mini"

[[capacity.pools]]
name = "bedrock-pt"
match = { usage_types = ["*ProvisionedThroughput*"] }
models = ["titan-custom"]
"""


def config_from(text: str, where: Path) -> Config:
    return parse_config(tomllib.loads(text), where)


# --- given: operations and bill lines -----------------------------------------


def op(
    operation_id: str,
    model: str,
    feature: str,
    conversation: str,
    input_tokens: int,
    output_tokens: int,
    day: int = 2,
) -> dict[str, Any]:
    return {
        "operation_id": operation_id,
        "started_at": f"2026-07-{day:02d}T10:00:00Z",
        "kind": "chat",
        "provider": "vllm",
        "model": model,
        "conversation_id": conversation,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        "feature": feature,
        "team": "ml-platform",
        "environment": "prod",
    }


OPERATIONS = [
    op("a1", "llama-3-70b", "chat", "c1", 1_000_000, 150_000),
    op("a2", "llama-3-70b", "chat", "c1", 400_000, 50_000),
    op("b1", "llama-3-70b", "search", "c2", 100_000, 100_000),
    op("q1", "qwen-2-72b", "rag", "c3", 300_000, 100_000),
    op("m1", "mistral-7b-ft", "summarise", "c4", 4_000_000, 800_000),
    op("t1", "titan-custom", "classify", "c5", 20_000, 1_000),
    op("t2", "titan-custom", "classify", "c6", 10_000, 500),
    # served by no pool: never counted
    op("x1", "claude-sonnet-4-5", "chat", "c7", 1_000, 100),
]


def hour(day: int, h: int) -> datetime:
    return datetime(2026, 7, day) + timedelta(hours=h)


def charge(
    charge_id: str,
    start: datetime,
    end: datetime | None,
    effective_cost: str,
    *,
    line_item_type: str = "Usage",
    usage_type: str | None = None,
    quantity: str | None = None,
    unit: str | None = None,
    resource_id: str | None = None,
    sku_meter: str | None = None,
    tags: dict[str, str] | None = None,
    extras: dict[str, str] | None = None,
    account: str = "123456789012",
    category: str = "Usage",
    status: str | None = None,
) -> dict[str, Any]:
    more = {"x_line_item_type": line_item_type}
    if usage_type is not None:
        more["x_usage_type"] = usage_type
    more.update(extras or {})
    return {
        "charge_id": charge_id,
        "billing_source": "cur2",
        "partition_key": f"cur2|{account}|2026-07",
        "billing_account_id": account,
        "sub_account_id": account,
        "billing_period_start": datetime(2026, 7, 1),
        "billing_period_end": datetime(2026, 8, 1),
        "charge_period_start": start,
        "charge_period_end": end,
        "provider": "AWS",
        "charge_category": category,
        "billed_cost": Decimal(effective_cost),
        "effective_cost": Decimal(effective_cost),
        "billing_currency": "USD",
        "sku_meter": sku_meter,
        "resource_id": resource_id,
        "consumed_quantity": None if quantity is None else Decimal(quantity),
        "consumed_unit": unit,
        "commitment_discount_status": status,
        "tags": tags,
        "extras": more,
        "source_file": "cur-2026-07.parquet",
        "source_row": 1,
        "ingest_run_id": 99,
    }


RI_HOURLY = "30.123456789012"
RI_FEE = "100.000000000001"


def bill() -> list[dict[str, Any]]:
    lines = [
        # gpu-llama: a p5.48xlarge reservation, used 24 hours on July 2 and 3,
        # and the month's RIFee stating the unused part
        *(
            charge(
                f"ri-{day}-{h}",
                hour(day, h),
                hour(day, h + 1),
                RI_HOURLY,
                line_item_type="DiscountedUsage",
                usage_type="BoxUsage:p5.48xlarge",
                quantity="1",
                unit="Hrs",
                resource_id="i-0llama",
            )
            for day in (2, 3)
            for h in range(24)
        ),
        charge(
            "ri-fee",
            datetime(2026, 7, 1),
            datetime(2026, 8, 1),
            RI_FEE,
            line_item_type="RIFee",
            usage_type="HeavyUsage:p5.48xlarge",
            quantity="744",
            unit="Hrs",
            resource_id="arn:aws:ec2:us-east-1:123456789012:reserved-instances/ri-1",
            category="Purchase",
        ),
        # sp-qwen: Savings-Plan-covered GPU hours and the day's unused commitment
        charge(
            "sp-usage",
            hour(2, 0),
            hour(2, 10),
            "55.5",
            line_item_type="SavingsPlanCoveredUsage",
            usage_type="USE1-BoxUsage:g6e.12xlarge",
            quantity="10",
            unit="Hrs",
            resource_id="i-0qwen",
        ),
        charge(
            "sp-fee",
            hour(2, 0),
            hour(3, 0),
            "4.5",
            line_item_type="SavingsPlanRecurringFee",
            usage_type="ComputeSP:1yrNoUpfront",
            resource_id="arn:aws:savingsplans::123456789012:savingsplan/sp-1",
            category="Purchase",
        ),
        # sagemaker: an endpoint, 23 hours, then 2 hours across midnight
        charge(
            "sm-1",
            hour(2, 0),
            hour(2, 23),
            "163.30",
            usage_type="USE1-Host:ml.g5.12xlarge",
            quantity="23",
            unit="Hrs",
        ),
        charge(
            "sm-2",
            hour(2, 23),
            hour(3, 1),
            "14.20",
            usage_type="USE1-Host:ml.g5.12xlarge",
            quantity="2",
            unit="Hrs",
        ),
        # the same endpoint type in another account: not the pool's
        charge(
            "sm-other",
            hour(2, 0),
            hour(3, 0),
            "170.40",
            usage_type="USE1-Host:ml.g5.12xlarge",
            quantity="24",
            unit="Hrs",
            account="999999999999",
        ),
        # bedrock-pt: a day of provisioned throughput
        charge(
            "pt-1",
            hour(2, 0),
            hour(3, 0),
            "480.00",
            usage_type="USE1-ProvisionedThroughput-ModelUnits",
            quantity="24",
            unit="Hours",
        ),
        # no pool's
        charge("s3", hour(2, 0), hour(3, 0), "1.25", usage_type="TimedStorage-ByteHrs"),
    ]
    return lines


def land(con: duckdb.DuckDBPyConnection, lines: list[dict[str, Any]]) -> None:
    """Land bill lines (the build makes the charges mart from them)."""
    columns = [row[0] for row in con.execute("describe land_charges").fetchall()]
    con.executemany(
        f"insert into land_charges ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
        [[line.get(c) for c in columns] for line in lines],
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store, built once per module (each test gets a copy)."""
    folder = tmp_path_factory.mktemp("capacity")
    config_path = folder / "aicost.toml"
    config_path.write_text(CONFIG)
    config = config_from(CONFIG, config_path)
    logs = folder / "ops.jsonl"
    logs.write_text("".join(json.dumps(o) + "\n" for o in OPERATIONS))
    db_path = folder / "template.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        ingest_requests(db_path, [str(logs)], config=config)
    with db.connect(db_path) as con:
        land(con, bill())
        build.build(con, config, full=True)
    return folder


@pytest.fixture
def store(template: Path, tmp_path: Path) -> tuple[Path, Config]:
    shutil.copyfile(template / "template.duckdb", tmp_path / "test.duckdb")
    config_path = tmp_path / "aicost.toml"
    config_path.write_text(CONFIG)
    return tmp_path / "test.duckdb", config_from(CONFIG, config_path)


def daily(db_path: Path, pool: str) -> dict[date, dict[str, Any]]:
    with db.connect(db_path, read_only=True) as con:
        cursor = con.execute(
            "select * from capacity_daily where pool = ? order by day, currency", [pool]
        )
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def allocations(db_path: Path, pool: str) -> dict[str, tuple[Decimal, Decimal]]:
    with db.connect(db_path, read_only=True) as con:
        rows = con.execute(
            "select unit_key, used_cost, idle_cost from capacity_allocations where pool = ?",
            [pool],
        ).fetchall()
    return {key: (used, idle) for key, used, idle in rows}


# --- by hand ------------------------------------------------------------------


def units(amount: Decimal) -> int:
    return int(amount / UNIT)


def money(amount_units: int) -> Decimal:
    return (Decimal(amount_units) * UNIT).quantize(UNIT)


def spread_evenly(amount: Decimal, days: int) -> list[Decimal]:
    """Equal-length days: floor each, the leftover units to the earliest days."""
    total = units(amount)
    base, left = divmod(total, days)
    return [money(base + (1 if i < left else 0)) for i in range(days)]


def largest_remainder(amount: Decimal, weights: list[int]) -> list[Decimal]:
    """Shares of amount by weight, the leftover units to the largest remainders
    (ties to the earlier weight, as the groups are listed in key order here)."""
    total, whole = units(amount), sum(weights)
    floors = [total * w // whole for w in weights]
    rests = [total * w % whole for w in weights]
    left = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-rests[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [money(f) for f in floors]


def per_million(amount: Decimal, tokens: int) -> Decimal:
    return (amount * 1_000_000 / tokens).quantize(UNIT, rounding=ROUND_HALF_UP)


RI_FEE_DAYS = dict(zip(JULY, spread_evenly(Decimal(RI_FEE), 31), strict=True))
RI_DAY = 24 * Decimal(RI_HOURLY)


def test_ri_fee_is_spread_over_the_month_exactly() -> None:
    # 100.000000000001 = 100,000,000,000,001 units over 31 days: 3,225,806,451,612
    # each and 29 units left, one to each of the first 29 days
    assert RI_FEE_DAYS[date(2026, 7, 1)] == Decimal("3.225806451613")
    assert RI_FEE_DAYS[date(2026, 7, 29)] == Decimal("3.225806451613")
    assert RI_FEE_DAYS[date(2026, 7, 30)] == Decimal("3.225806451612")
    assert sum(RI_FEE_DAYS.values()) == Decimal(RI_FEE)


# --- the marts ------------------------------------------------------------------


def test_reserved_gpu_pool_day_by_day(store: tuple[Path, Config]) -> None:
    db_path, _ = store
    days = daily(db_path, "gpu-llama")
    assert set(days) == set(JULY)  # the RIFee reaches every day of the month
    for day, row in days.items():
        running = RI_DAY if day in (date(2026, 7, 2), date(2026, 7, 3)) else Decimal(0)
        assert row["amortised_cost"] == running + RI_FEE_DAYS[day], day
        assert row["bill_idle_cost"] == RI_FEE_DAYS[day], day
        assert row["currency"] == "USD"
    assert sum(r["amortised_cost"] for r in days.values()) == 48 * Decimal(RI_HOURLY) + Decimal(
        RI_FEE
    )

    served = days[date(2026, 7, 2)]
    amortised = RI_DAY + RI_FEE_DAYS[date(2026, 7, 2)]
    assert amortised == Decimal("726.188769387901")
    tokens = 1_500_000 + 300_000
    assert (served["operations"], served["input_tokens"], served["output_tokens"]) == (
        3,
        1_500_000,
        300_000,
    )
    assert served["hours"] == 24
    assert served["capacity_tokens"] == 24 * 1_000_000
    assert served["utilisation"] == Decimal("0.075000")
    idle = (amortised * (24_000_000 - tokens) / 24_000_000).quantize(UNIT, ROUND_HALF_EVEN)
    assert idle == Decimal("671.724611683808")  # 671.724611683808425
    assert served["utilisation_idle_cost"] == idle
    assert (served["idle_basis"], served["idle_cost"]) == ("utilisation", idle)
    assert served["used_cost"] == amortised - idle
    # gpt-4o list rates: input 2.50, output 10.00 per million
    assert served["comparable_list_cost"] == Decimal("3.75") + Decimal("3.00")

    idle_day = days[date(2026, 7, 3)]  # ran 24 hours, served nothing: all idle
    assert idle_day["tokens"] == 0
    assert idle_day["utilisation"] == 0
    assert idle_day["utilisation_idle_cost"] == idle_day["amortised_cost"]
    assert (idle_day["idle_basis"], idle_day["idle_cost"]) == (
        "no_operations",
        idle_day["amortised_cost"],
    )
    assert idle_day["used_cost"] == 0

    fee_only = days[date(2026, 7, 20)]  # only the RIFee: no hours, capacity unknown
    assert fee_only["hours"] is None
    assert fee_only["capacity_tokens"] is None
    assert fee_only["utilisation"] is None
    assert fee_only["utilisation_idle_cost"] is None
    assert fee_only["idle_cost"] == RI_FEE_DAYS[date(2026, 7, 20)]


def test_reserved_hours_that_did_not_run_are_capacity_paid_for(
    store: tuple[Path, Config],
) -> None:
    """An RIFee that states the hours it bills (the CUR reader lands them as
    its pricing quantity): the hours reserved and not running count as
    capacity, so utilisation is of what was paid for; the covered hours are
    not counted twice."""
    db_path, config = store
    with db.connect(db_path) as con:
        con.execute(
            "update land_charges set pricing_quantity = 744, pricing_unit = 'Hrs' "
            "where charge_id = 'ri-fee'"
        )
        build.build(con, config, full=True)
    days = daily(db_path, "gpu-llama")
    # 744 hours over 31 days: 24 a day; July 2 ran 24 covered hours: 24, not 48
    assert days[date(2026, 7, 2)]["hours"] == 24
    assert days[date(2026, 7, 2)]["capacity_tokens"] == 24 * 1_000_000
    assert days[date(2026, 7, 2)]["utilisation"] == Decimal("0.075000")
    fee_only = days[date(2026, 7, 20)]  # reserved, not running: capacity, all idle
    assert fee_only["hours"] == 24
    assert fee_only["capacity_tokens"] == 24 * 1_000_000
    assert fee_only["utilisation"] == 0
    assert fee_only["idle_cost"] == RI_FEE_DAYS[date(2026, 7, 20)]
    assert sum(day["hours"] for day in days.values()) == 744


def test_reserved_gpu_pool_allocations(store: tuple[Path, Config]) -> None:
    db_path, _ = store
    served = daily(db_path, "gpu-llama")[date(2026, 7, 2)]
    got = allocations(db_path, "gpu-llama")
    # conversation c1 (chat) 1,600,000 tokens, c2 (search) 200,000
    used = largest_remainder(served["used_cost"], [1_600_000, 200_000])
    idle = largest_remainder(served["idle_cost"], [1_600_000, 200_000])
    assert got == {"c1": (used[0], idle[0]), "c2": (used[1], idle[1])}
    assert sum(u for u, _ in got.values()) == served["used_cost"]
    assert sum(i for _, i in got.values()) == served["idle_cost"]
    with db.connect(db_path, read_only=True) as con:
        days = con.execute(
            "select distinct day from capacity_allocations where pool = 'gpu-llama'"
        ).fetchall()
        group = con.execute(
            "select feature, owner, team, model, provider, prompt_version, environment, "
            "operations, tokens from capacity_allocations where unit_key = 'c1'"
        ).fetchall()
    assert days == [(date(2026, 7, 2),)]  # the idle days keep their cost at the pool
    assert group == [
        ("chat", "unattributed", "ml-platform", "llama-3-70b", "vllm", "unattributed", "prod")
        + (2, 1_600_000)
    ]


def test_savings_plan_pool_idle_is_what_the_bill_states(store: tuple[Path, Config]) -> None:
    db_path, _ = store
    row = daily(db_path, "sp-qwen")[date(2026, 7, 2)]
    assert row["amortised_cost"] == Decimal("60.0")
    assert row["hours"] == 10
    assert row["capacity_tokens"] is None and row["utilisation"] is None
    assert (row["bill_idle_cost"], row["idle_basis"], row["idle_cost"]) == (
        Decimal("4.5"),
        "bill",
        Decimal("4.5"),
    )
    assert row["used_cost"] == Decimal("55.5")
    assert row["comparable_list_cost"] is None
    assert allocations(db_path, "sp-qwen") == {"c3": (Decimal("55.5"), Decimal("4.5"))}


def test_sagemaker_endpoint_across_midnight(store: tuple[Path, Config]) -> None:
    db_path, _ = store
    days = daily(db_path, "sagemaker")
    assert set(days) == {date(2026, 7, 2), date(2026, 7, 3)}
    july2, july3 = days[date(2026, 7, 2)], days[date(2026, 7, 3)]
    # 163.30 for 23 hours, and the line from 23:00 to 01:00 split half and half;
    # the same endpoint type in another account is not the pool's
    assert (july2["amortised_cost"], july2["hours"]) == (Decimal("170.40"), 24)
    assert (july3["amortised_cost"], july3["hours"]) == (Decimal("7.10"), 1)
    assert july2["capacity_tokens"] == 48_000_000
    assert july2["utilisation"] == Decimal("0.1")  # 4,800,000 of 48,000,000
    assert july2["utilisation_idle_cost"] == Decimal("153.36")  # 170.40 x 0.9
    assert july2["used_cost"] == Decimal("17.04")
    # gpt-4o-mini: 4,000,000 x 0.15 + 800,000 x 0.60 per million
    assert july2["comparable_list_cost"] == Decimal("0.6") + Decimal("0.48")
    assert july2["bill_idle_cost"] is None  # on-demand: the bill states no idle
    assert (july3["idle_basis"], july3["idle_cost"]) == ("no_operations", Decimal("7.10"))


def test_provisioned_throughput_without_known_idle_is_all_used(
    store: tuple[Path, Config],
) -> None:
    db_path, _ = store
    row = daily(db_path, "bedrock-pt")[date(2026, 7, 2)]
    assert (row["amortised_cost"], row["hours"]) == (Decimal("480.00"), 24)
    assert (row["idle_basis"], row["idle_cost"], row["used_cost"]) == (None, None, 480)
    # 21,000 and 10,500 tokens: two thirds and one third
    assert allocations(db_path, "bedrock-pt") == {
        "c5": (Decimal("320"), Decimal("0")),
        "c6": (Decimal("160"), Decimal("0")),
    }


# --- the report -----------------------------------------------------------------


def report(db_path: Path, config: Config, **options: Any) -> dict[str, dict[str, Any]]:
    with db.connect(db_path, read_only=True) as con:
        build.bind_config(con, config)
        table = reports.capacity(con, **options)
    return {row["pool"]: row for row in table.to_pylist()}


def test_monthly_report_by_hand(store: tuple[Path, Config]) -> None:
    db_path, config = store
    rows = report(db_path, config)
    assert list(rows) == ["bedrock-pt", "gpu-llama", "sagemaker", "sp-qwen"]
    llama = rows["gpu-llama"]
    days = daily(db_path, "gpu-llama")
    july2, july3 = days[date(2026, 7, 2)], days[date(2026, 7, 3)]
    amortised = 48 * Decimal(RI_HOURLY) + Decimal(RI_FEE)
    tokens = 1_800_000
    used = july2["used_cost"]
    assert llama["period_start"] == datetime(2026, 7, 1)
    assert llama["amortised_cost"] == amortised
    assert (llama["hours"], llama["operations"], llama["tokens"]) == (48, 3, tokens)
    assert llama["capacity_tokens"] == 48_000_000
    assert llama["utilisation"] == Decimal("0.0375")
    assert (
        llama["utilisation_idle_cost"] == july2["utilisation_idle_cost"] + july3["amortised_cost"]
    )
    assert llama["bill_idle_cost"] == Decimal(RI_FEE)
    assert llama["idle_cost"] == amortised - used
    assert llama["allocated_cost"] == used
    assert llama["unallocated_cost"] == amortised - used
    assert llama["cost_per_mtok"] == per_million(amortised, tokens)
    assert llama["used_cost_per_mtok"] == per_million(used, tokens)
    assert llama["comparable_model"] == "gpt-4o"
    assert llama["list_per_mtok"] == Decimal("3.75")  # 6.75 for 1.8M tokens
    assert llama["currency"] == "USD"

    sagemaker = rows["sagemaker"]
    assert sagemaker["amortised_cost"] == Decimal("177.50")
    assert sagemaker["list_per_mtok"] == Decimal("0.225")  # 1.08 for 4.8M tokens
    assert sagemaker["utilisation"] == Decimal("0.096")  # 4.8M of 50M (25 hours)
    assert rows["sp-qwen"]["list_per_mtok"] is None  # no comparable model


def test_share_idle_changes_only_the_idle_part(store: tuple[Path, Config]) -> None:
    db_path, config = store
    kept = report(db_path, config)
    shared = report(db_path, config, share_idle=True)
    changed = {"allocated_cost", "unallocated_cost"}
    for pool, row in kept.items():
        assert {k: v for k, v in row.items() if k not in changed} == {
            k: v for k, v in shared[pool].items() if k not in changed
        }
    llama_july2 = daily(db_path, "gpu-llama")[date(2026, 7, 2)]
    llama = shared["gpu-llama"]
    # the idle of the day that served tokens moves to the operations; the idle
    # of the days that served nothing stays with the pool
    assert llama["allocated_cost"] == llama_july2["amortised_cost"]
    assert (
        llama["unallocated_cost"]
        == kept["gpu-llama"]["amortised_cost"] - (llama_july2["amortised_cost"])
    )
    assert shared["sp-qwen"]["allocated_cost"] == Decimal("60.0")
    assert shared["sp-qwen"]["unallocated_cost"] == 0


def test_since_until_keep_the_days_in_range(store: tuple[Path, Config]) -> None:
    db_path, config = store
    rows = report(db_path, config, since=date(2026, 7, 3), until=date(2026, 7, 5))
    llama = rows["gpu-llama"]
    # July 3: 24 RI hours, nothing served; July 3 and 4: their shares of the fee
    assert llama["period_start"] == datetime(2026, 7, 1)
    assert llama["amortised_cost"] == (
        RI_DAY + RI_FEE_DAYS[date(2026, 7, 3)] + RI_FEE_DAYS[date(2026, 7, 4)]
    )
    assert (llama["hours"], llama["operations"], llama["tokens"]) == (24, 0, 0)
    assert llama["allocated_cost"] == 0
    with db.connect(db_path, read_only=True) as con, pytest.raises(UsageError) as raised:
        reports.capacity(con, since=date(2026, 7, 5), until=date(2026, 7, 5))
    assert "--since (2026-07-05) must be before --until (2026-07-05)" in raised.value.message
    result = runner.invoke(
        app,
        [
            "--db",
            str(db_path),
            "--config",
            str(config.path),
            "report",
            "capacity",
            "--since",
            "2026-07-03",
            "--until",
            "2026-07-05",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    got = {r["pool"]: r for r in json.loads(result.stdout)}
    assert Decimal(str(got["gpu-llama"]["amortised_cost"])) == llama["amortised_cost"]


def test_daily_report_has_a_row_per_pool_day(store: tuple[Path, Config]) -> None:
    db_path, config = store
    with db.connect(db_path, read_only=True) as con:
        build.bind_config(con, config)
        table = reports.capacity(con, period=reports.Period.DAY)
    rows = table.to_pylist()
    llama = [r for r in rows if r["pool"] == "gpu-llama"]
    assert len(llama) == 31
    fee_only = next(r for r in llama if r["period_start"] == datetime(2026, 7, 20))
    assert fee_only["tokens"] == 0
    assert fee_only["cost_per_mtok"] is None  # nothing served: no per-token cost
    assert fee_only["unallocated_cost"] == RI_FEE_DAYS[date(2026, 7, 20)]


# --- kinds of capacity, tags and split lines ------------------------------------


def test_azure_ptu_and_eks_split_lines(tmp_path: Path) -> None:
    text = """
[[capacity.pools]]
name = "azure-ptu"
match = { usage_types = ["Provisioned Managed*"] }
models = ["gpt-4o-ptu"]

[[capacity.pools]]
name = "eks-gpu"
match = { tags = { pool = "eks-llm", env = "prod" } }
models = ["llama-3-8b"]
"""
    config = config_from(text, tmp_path / "aicost.toml")
    db_path = tmp_path / "test.duckdb"
    lines = [
        charge(
            "ptu",
            hour(5, 0),
            hour(6, 0),
            "2160.00",
            line_item_type="Usage",
            sku_meter="Provisioned Managed Global Unit",
            quantity="24",
            unit="1/Hour",
        ),
        charge(
            "pod-a",
            hour(5, 0),
            hour(5, 1),
            "50",
            usage_type="USE1-EKS-EC2-GPU-Hours",
            tags={"pool": "eks-llm", "env": "prod"},
            extras={"x_split_unused_cost": "12.5"},
            quantity="1",
            unit="Hrs",
        ),
        # one of the two tags only: not the pool's
        charge("pod-b", hour(5, 0), hour(5, 1), "50", tags={"pool": "eks-llm", "env": "dev"}),
    ]
    with db.connect(db_path) as con:
        land(con, lines)
        build.build(con, config, full=True)
        kinds = con.execute(
            "select pool, charge_id, capacity_kind, usage_hours, bill_idle_cost "
            "from int_capacity_charges order by pool"
        ).fetchall()
        rows = con.execute(
            "select pool, day, amortised_cost, bill_idle_cost, idle_basis, idle_cost "
            "from capacity_daily order by pool"
        ).fetchall()
    assert kinds == [
        ("azure-ptu", "ptu", "azure_ptu", Decimal(24), None),
        ("eks-gpu", "pod-a", "kubernetes_split", Decimal(1), Decimal("12.5")),
    ]
    assert rows == [
        ("azure-ptu", date(2026, 7, 5), Decimal("2160"), None, "no_operations", Decimal("2160")),
        ("eks-gpu", date(2026, 7, 5), Decimal(50), Decimal("12.5"), "no_operations", 50),
    ]


# --- config errors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        (
            'name = "p"\nmodels = ["m"]\nmatch = { usage_type = ["x"] }',
            "unknown key 'capacity.pools[0].match.usage_type'",
        ),
        ('name = "p"\nmodels = ["m"]\ncapacity = 5\nmatch = { tags = { a = "b" } }', "unknown key"),
        ('name = "p"\nmodels = ["m"]', "'capacity.pools[0].match' must say"),
        ('name = "p"\nmodels = ["m"]\nmatch = { usage_types = [] }', "must name resource_ids"),
        ('name = "p"\nmodels = ["m"]\nmatch = { accounts = ["1"] }', "accounts only narrows"),
        ('name = "p"\nmatch = { tags = { a = "b" } }', "'capacity.pools[0].models'"),
        (
            'name = "p"\nmodels = ["m"]\nmatch = { tags = { a = "b" } }\n'
            "capacity_tokens_per_hour = 0",
            "must be a positive integer",
        ),
    ],
)
def test_pool_config_errors(tmp_path: Path, pool: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config_from(f"[[capacity.pools]]\n{pool}\n", tmp_path / "aicost.toml")
    assert message in raised.value.message
    assert str(tmp_path / "aicost.toml") in raised.value.message


def test_a_model_served_by_two_pools_is_an_error(tmp_path: Path) -> None:
    text = (
        '[[capacity.pools]]\nname = "a"\nmodels = ["m"]\nmatch = { tags = { a = "1" } }\n'
        '[[capacity.pools]]\nname = "b"\nmodels = ["m"]\nmatch = { tags = { a = "2" } }\n'
    )
    with pytest.raises(ConfigError, match="model 'm' is served by two capacity pools"):
        config_from(text, tmp_path / "aicost.toml")


def test_a_charge_in_two_pools_fails_the_build_and_commits_nothing(tmp_path: Path) -> None:
    text = """
[[capacity.pools]]
name = "by-type"
match = { usage_types = ["BoxUsage:p5.*"] }
models = ["llama-3-70b"]

[[capacity.pools]]
name = "by-resource"
match = { resource_ids = ["i-0llama"] }
models = ["llama-3-8b"]
"""
    config = config_from(text, tmp_path / "aicost.toml")
    db_path = tmp_path / "test.duckdb"
    lines = [
        charge(
            "both",
            hour(2, 0),
            hour(2, 1),
            "30",
            usage_type="BoxUsage:p5.48xlarge",
            resource_id="i-0llama",
        )
    ]
    with db.connect(db_path) as con:
        land(con, lines)
        with pytest.raises(ConfigError) as raised:
            build.build(con, config, full=True)
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where not temporary"
            ).fetchall()
        }
    assert raised.value.message.startswith(
        "bill line both matches capacity pools 'by-resource' and 'by-type'"
    )
    assert raised.value.exit_code == ExitCode.USAGE
    assert "capacity_daily" not in tables  # rolled back


# --- the command ----------------------------------------------------------------


def test_report_without_pools_prints_how_to_configure(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "capacity"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "[[capacity.pools]]" in result.stderr


FORMATS = {"table-80": ["--format", "table"], "csv": ["--format", "csv"]}
FORMATS |= {"json": ["--format", "json"], "jsonl": ["--format", "jsonl"]}


@pytest.mark.parametrize("name", [*FORMATS, "table-80-share-idle"])
def test_report_command_matches_golden(
    name: str,
    store: tuple[Path, Config],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    db_path, config = store
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "LINES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    options = FORMATS.get(name, ["--share-idle"])
    args = ["--db", str(db_path), "--config", str(config.path), "report", "capacity", *options]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    path = GOLDEN / f"{name}.txt"
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(result.stdout.encode("utf-8"))
        return
    assert path.is_file(), f"{path} is missing: run `pytest --update-golden`, then review it"
    assert result.stdout == path.read_bytes().decode("utf-8")
    if name.startswith("table"):
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


# --- incremental builds ---------------------------------------------------------


def snapshot(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return (
        con.execute("select * from capacity_daily order by pool, day, currency").fetchall()
        + con.execute("select * from capacity_allocations order by pool, day, unit_key").fetchall()
    )


@pytest.mark.slow
def test_a_late_ri_fee_rebuilds_every_day_of_its_month(store: tuple[Path, Config]) -> None:
    db_path, config = store
    with db.connect(db_path) as con:
        expected = snapshot(con)
        # the same bill, the RIFee arriving in a later run than the rest
        con.execute("delete from land_charges")
        land(con, [line for line in bill() if line["charge_id"] != "ri-fee"])
        build.build(con, config, full=True)
        assert snapshot(con) != expected
        fee = next(line for line in bill() if line["charge_id"] == "ri-fee")
        land(con, [{**fee, "ingest_run_id": 100}])
        result = build.build(con, config, runs=[100])
        assert result.days_rebuilt == 31
        assert snapshot(con) == expected
        # rebuilding one day of the month changes nothing: a day's share of a
        # charge does not depend on which days are built
        build.build(con, config, days=[date(2026, 7, 20)])
        assert snapshot(con) == expected


# --- capacity in the bill's allocation: unit-economics, attribution ----------

#: gpu-llama on July 2 (served 1.8M tokens): amortised and utilisation idle,
#: worked out in test_reserved_gpu_pool_day_by_day
LLAMA_JULY2 = Decimal("726.188769387901")
LLAMA_JULY2_IDLE = Decimal("671.724611683808")
LLAMA_JULY = 48 * Decimal(RI_HOURLY) + Decimal(RI_FEE)


def unit_rows(db_path: Path, config: Config, share_idle: bool) -> dict[str, dict[str, Any]]:
    with db.connect(db_path, read_only=True) as con:
        table = reports.unit_economics(con, config, billing=reports.Billing(share_idle=share_idle))
    return {row["feature"]: row for row in table.to_pylist()}


def attribution_rows(
    db_path: Path, config: Config, dim: str, share_idle: bool
) -> dict[str, dict[str, Any]]:
    with db.connect(db_path, read_only=True) as con:
        table = reports.attribution(
            con, config, [dim], billing=reports.Billing(share_idle=share_idle)
        )
    return {row[dim]: row for row in table.to_pylist()}


def test_unit_economics_counts_a_pools_used_cost_as_billed(store: tuple[Path, Config]) -> None:
    db_path, config = store
    rows = unit_rows(db_path, config, share_idle=False)
    used = LLAMA_JULY2 - LLAMA_JULY2_IDLE
    assert used == Decimal("54.464157704093")
    chat_used, search_used = largest_remainder(used, [1_600_000, 200_000])
    search = rows["search"]  # one conversation, all of it served by gpu-llama
    assert (search["allocated_cost"], search["basis"]) == (search_used, "billed")
    assert search["estimated_cost"] is None  # self-hosted: unpriced
    assert search["cost_per_unit"] == search_used
    rag = rows["rag"]  # sp-qwen: the Savings Plan usage, its unused fee is idle
    assert (rag["allocated_cost"], rag["basis"], rag["cost_per_unit"]) == (
        Decimal("55.5"),
        "billed",
        Decimal("55.5"),
    )
    # chat also called claude on 'vllm', which has no bill: mixed
    chat = rows["chat"]
    assert (chat["allocated_cost"], chat["basis"]) == (chat_used, "mixed")
    # the idle is its own row per pool, never inside a feature
    idle = rows["idle capacity: gpu-llama"]
    assert (idle["allocated_cost"], idle["basis"]) == (LLAMA_JULY - used, "billed")
    assert (idle["units"], idle["operations"], idle["estimated_cost"]) == (0, 0, 0)
    assert rows["idle capacity: sp-qwen"]["allocated_cost"] == Decimal("4.5")
    # bedrock-pt (one day, 480.00) and sagemaker (177.50) too: every pool's
    # amortised cost is in the allocated total, once
    pools = LLAMA_JULY + Decimal("60.0") + Decimal("480.00") + Decimal("177.50")
    capacity_features = {"chat", "search", "rag", "summarise", "classify"}
    assert (
        sum(
            r["allocated_cost"]
            for f, r in rows.items()
            if f in capacity_features or f.startswith("idle capacity: ")
        )
        == pools
    )


def test_share_idle_moves_the_served_days_idle_into_the_features(
    store: tuple[Path, Config],
) -> None:
    db_path, config = store
    rows = unit_rows(db_path, config, share_idle=True)
    used = largest_remainder(LLAMA_JULY2 - LLAMA_JULY2_IDLE, [1_600_000, 200_000])
    idle = largest_remainder(LLAMA_JULY2_IDLE, [1_600_000, 200_000])
    assert rows["search"]["allocated_cost"] == used[1] + idle[1]
    assert rows["search"]["cost_per_unit"] == used[1] + idle[1]
    assert rows["chat"]["allocated_cost"] == used[0] + idle[0]
    assert rows["rag"]["allocated_cost"] == Decimal("60.0")
    # the days that served nothing keep their idle at the pool
    assert rows["idle capacity: gpu-llama"]["allocated_cost"] == LLAMA_JULY - LLAMA_JULY2
    assert "idle capacity: sp-qwen" not in rows


@pytest.mark.parametrize("share_idle", [False, True])
def test_attribution_matches_unit_economics(store: tuple[Path, Config], share_idle: bool) -> None:
    db_path, config = store
    by_feature = attribution_rows(db_path, config, "feature", share_idle)
    units_rows = unit_rows(db_path, config, share_idle)
    assert {f: (r["allocated_cost"], r["basis"]) for f, r in by_feature.items()} == {
        f: (r["allocated_cost"], r["basis"]) for f, r in units_rows.items()
    }
    by_model = attribution_rows(db_path, config, "model", share_idle)
    used = LLAMA_JULY2 - LLAMA_JULY2_IDLE
    served = LLAMA_JULY2 if share_idle else used
    assert (by_model["llama-3-70b"]["allocated_cost"], by_model["llama-3-70b"]["basis"]) == (
        served,
        "billed",
    )
    # the idle row names its pool as its model
    assert by_model["gpu-llama"]["allocated_cost"] == LLAMA_JULY - served


def test_reconciliation_leaves_capacity_served_calls_out(store: tuple[Path, Config]) -> None:
    db_path, config = store
    with db.connect(db_path, read_only=True) as con:
        table = reports.reconciliation(con, config, keys=["provider", "model"], include_open=True)
    models_shown = {row["model"] for row in table.to_pylist()}
    assert "claude-sonnet-4-5" in models_shown  # vllm without a bill: still compared
    assert not models_shown & {"llama-3-70b", "qwen-2-72b", "mistral-7b-ft", "titan-custom"}


def test_capacity_audit_catches_a_cent_gone_missing(store: tuple[Path, Config]) -> None:
    db_path, config = store
    name = "assert_allocated_costs_match_capacity"
    with db.connect(db_path) as con:
        build.bind_config(con, config)
        con.execute(
            "create or replace temp table allocation_days as "
            "select distinct day from capacity_daily"
        )
        assert models.run_audit(con, name) == []
        con.execute(
            "update allocated_costs set allocated_effective_cost = allocated_effective_cost - 0.01 "
            "where allocation_variant = 'idle' and model = 'sp-qwen'"
        )
        offending = models.run_audit(con, name)
    assert [(row[0], row[1], row[2]) for row in offending] == [
        ("sp-qwen", date(2026, 7, 2), "idle")
    ]


def test_unit_economics_share_idle_option(store: tuple[Path, Config]) -> None:
    db_path, _ = store
    config_path = db_path.parent / "aicost.toml"
    base = ["--db", str(db_path), "--config", str(config_path), "report", "unit-economics"]
    kept = runner.invoke(app, [*base, "--format", "csv"])
    shared = runner.invoke(app, [*base, "--format", "csv", "--share-idle"])
    assert kept.exit_code == 0, kept.output
    assert shared.exit_code == 0, shared.output
    assert "idle capacity: sp-qwen" in kept.stdout
    assert "idle capacity: sp-qwen" not in shared.stdout
    attribution = runner.invoke(
        app,
        ["--db", str(db_path), "--config", str(config_path), "report", "attribution"]
        + ["--by", "model", "--share-idle", "--format", "csv"],
    )
    assert attribution.exit_code == 0, attribution.output
    assert "gpu-llama" in attribution.stdout


def test_a_pool_billed_in_another_currency_is_converted(
    store: tuple[Path, Config],
) -> None:
    """Two more Savings-Plan-covered hours of sp-qwen billed in EUR, with the
    rate configured (as the ingest requires): converted before the pool-day is
    amortised and allocated. It stayed out of allocated_cost (a EUR row of its
    own), so a company reporting in EUR had none of its USD pools allocated."""
    db_path, config = store
    line = charge(
        "sp-eur",
        hour(2, 10),
        hour(2, 12),
        "7.25",
        line_item_type="SavingsPlanCoveredUsage",
        usage_type="USE1-BoxUsage:g6e.12xlarge",
        quantity="2",
        unit="Hrs",
        resource_id="i-0qwen",
    )
    line["billing_currency"] = "EUR"
    config = dataclasses.replace(config, exchange_rates={"EUR": Decimal("1.08")})
    eur_line = Decimal("7.83")  # 7.25 EUR x 1.08, by hand
    with db.connect(db_path) as con:
        land(con, [line])
        build.build(con, config, days=[date(2026, 7, 2)])
        days = con.execute(
            "select currency, amortised_cost, hours, idle_cost, used_cost from capacity_daily "
            "where pool = 'sp-qwen' and day = date '2026-07-02'"
        ).fetchall()
    # the day: 55.5 + 4.5 USD and the converted line; 10 + 2 hours; the idle is
    # still what the bill states (the unused fee, 4.5), the rest is used
    assert days == [
        ("USD", Decimal("60.0") + eur_line, Decimal(12), Decimal("4.5"), Decimal("55.5") + eur_line)
    ]
    rows = unit_rows(db_path, config, share_idle=False)
    assert (rows["rag"]["allocated_cost"], rows["rag"]["basis"]) == (
        Decimal("55.5") + eur_line,
        "billed",
    )
    assert rows["idle capacity: sp-qwen"]["allocated_cost"] == Decimal("4.5")


def test_reporting_in_another_currency_converts_pools_and_list_prices(
    store: tuple[Path, Config],
) -> None:
    """The whole bill and the catalog are in USD, the reporting currency is EUR
    (1 USD = 0.92 EUR): the pool's cost and its comparable list cost are
    converted, exactly, half-even; the list cost was NULL (another currency
    than the row) and the pools stayed out of the allocated cost."""
    db_path, config = store
    rate = Decimal("0.92")
    eur = dataclasses.replace(config, currency="EUR", exchange_rates={"USD": rate})
    with db.connect(db_path) as con:
        build.build(con, eur, full=True)
    july2 = daily(db_path, "sagemaker")[date(2026, 7, 2)]

    def to_eur(usd: Decimal) -> Decimal:
        return (usd * rate).quantize(UNIT, rounding=ROUND_HALF_EVEN)

    # the same day as test_sagemaker_endpoint_across_midnight, in EUR: each
    # line converted, then amortised (170.40 USD is 163.30 + 7.10)
    assert july2["currency"] == "EUR"
    assert july2["amortised_cost"] == to_eur(Decimal("163.30")) + to_eur(Decimal("7.10"))
    assert july2["comparable_list_cost"] == to_eur(Decimal("0.6") + Decimal("0.48"))
    rows = unit_rows(db_path, eur, share_idle=False)
    assert rows["idle capacity: sagemaker"]["basis"] == "billed"
    assert rows["idle capacity: sagemaker"]["allocated_cost"] > 0
