"""Allocation of the bill to operations, billed cost in the reports, and the
reconciliation of bill against logs.

Stores are real: operations are ingested from aicost JSONL, the classified
``charges`` (the classification model's contract, billing/allocation.py) are
a real table in the same DuckDB file, and the build runs the models and
audits. Expected allocations are computed here in Python (Fraction, Decimal,
integers), by the largest-remainder rule the models document, or by hand.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aicost_cli import build, db, models, reports
from aicost_cli.cli import app
from aicost_cli.config import Config, parse_config
from aicost_cli.errors import ConfigError, ExitCode
from aicost_cli.ingest.requests import ingest_requests

runner = CliRunner()
UNIT = Decimal("0.000000000001")
GOLDEN = Path(__file__).resolve().parent / "golden" / "billing"

#: claude-sonnet-4-5, gpt-4o, claude-haiku-4-5 bundled standard rates (USD per token)
SONNET = {"input": Decimal("0.000003"), "output": Decimal("0.000015"), "cr": Decimal("0.0000003")}
HAIKU = {"input": Decimal("0.000001"), "output": Decimal("0.000005")}
GPT4O = {"input": Decimal("0.0000025"), "output": Decimal("0.00001")}
BEDROCK_SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
USE1 = "USE1-Claude4.5Sonnet"  # a Bedrock usage type's region and billing name


def largest_remainder(amount: Decimal, weights: list[int]) -> list[Decimal]:
    """The models' rule, independently: units of 1e-12, floors, leftover units
    one each to the largest remainders, ties by position (the group-key order)."""
    units = int(abs(amount) / UNIT)
    assert Decimal(units) * UNIT == abs(amount)
    total = sum(weights)
    floors = [units * w // total for w in weights]
    rests = [units * w % total for w in weights]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-rests[i], i))
    for i in order[:left]:
        floors[i] += 1
    sign = -1 if amount < 0 else 1
    return [sign * Decimal(f) * UNIT for f in floors]


# --- a store with operations and charges --------------------------------------


def op(
    op_id: str,
    day: int,
    feature: str,
    *,
    model: str = "claude-sonnet-4-5",
    provider: str = "anthropic",
    inp: int = 0,
    out: int = 0,
    cr: int = 0,
    cw: int = 0,
    cw1h: int = 0,
    conversation: str | None = None,
    month: int = 7,
) -> dict[str, Any]:
    return {
        "operation_id": op_id,
        "started_at": f"2026-{month:02d}-{day:02d}T10:00:00Z",
        "provider": provider,
        "model": model,
        "usage": {
            "input_tokens": inp,
            "output_tokens": out,
            "cache_read_tokens": cr,
            "cache_write_5m_tokens": cw,
            "cache_write_1h_tokens": cw1h,
        },
        "feature": feature,
        "conversation_id": conversation or f"conv-{op_id}",
    }


#: Anthropic cost_report token_type per token class (x_token_type)
ANTHROPIC_TOKEN_TYPES = {
    "input": "uncached_input_tokens",
    "output": "output_tokens",
    "cache_read": "cache_read_input_tokens",
    "cache_write": "cache_creation.ephemeral_5m_input_tokens",
    "cache_write_1h": "cache_creation.ephemeral_1h_input_tokens",
}


@dataclass
class Charge:
    """A bill line as the billing ingest lands it; the build classifies it.

    provider 'anthropic': an Anthropic Admin API cost_report result
    (billing_source anthropic-costs; extras x_cost_type, x_token_type by
    ``token_class``, x_model, x_service_tier); ``other_ai`` gives a
    'web_search' cost line. provider 'openai': an OpenAI costs result
    (x_line_item '<model>, <class>'). provider 'bedrock': a CUR 2.0
    AmazonBedrock line (``usage_type``, quantity in 1K tokens).
    ``category`` Tax / Credit lines are of the same source (never AI usage).
    ``billed_tokens``: the cost report has no quantity; a line that states
    one carries it as consumed_quantity in 'tokens' (as FOCUS
    ConsumedQuantity would), which the classification reads."""

    charge_id: str
    day: int
    token_class: str | None
    amount: Decimal
    model: str | None = "claude-sonnet-4-5"
    provider: str = "anthropic"
    other_ai: bool = False
    category: str = "Usage"
    billed_tokens: Decimal | None = None
    end_day: int | None = None  # exclusive end day (default: the next day)
    billed: Decimal | None = None
    list_cost: Decimal | None = None
    list_unknown: bool = False  # the line states no list cost (NULL)
    month: int = 7
    service_tier: str = "standard"
    usage_type: str | None = None  # bedrock
    workspace: str | None = None  # Anthropic workspace / OpenAI project / AWS account
    currency: str = "USD"


def land_row(c: Charge) -> dict[str, Any]:
    """The land_charges row of a Charge (the columns a staging model fills)."""
    start = datetime(2026, c.month, c.day)
    end = datetime(2026, c.month, c.end_day) if c.end_day else datetime(2026, c.month, c.day + 1)
    extras: dict[str, str] = {}
    meter: str | None = None
    row: dict[str, Any] = {}
    if c.provider == "anthropic":
        source, provider, service = "anthropic-costs", "Anthropic", "Claude API"
        if c.category == "Usage":
            extras["x_cost_type"] = "web_search" if c.other_ai else "tokens"
            extras["x_service_tier"] = c.service_tier
            if c.token_class is not None:
                extras["x_token_type"] = ANTHROPIC_TOKEN_TYPES[c.token_class]
            if c.model is not None:
                extras["x_model"] = c.model
        meter = {
            "Usage": f"Claude Usage - {extras.get('x_token_type', extras.get('x_cost_type'))}",
        }.get(c.category, c.category)
    elif c.provider == "openai":
        source, provider, service = "openai-costs", "OpenAI", "OpenAI API"
        if c.category == "Usage":
            classes = {"input": "input", "output": "output", "cache_read": "cached input"}
            assert c.token_class in classes and c.model is not None
            meter = f"{c.model}, {classes[c.token_class]}"
            if c.service_tier == "batch":
                meter += " (batch)"
            extras["x_line_item"] = meter
    elif c.provider == "bedrock":
        source, provider, service = "cur2", "AWS", "Amazon Bedrock"
        assert c.usage_type is not None
        meter = c.usage_type
        extras.update(
            x_product_code="AmazonBedrock",
            x_billing_entity="AWS",
            x_usage_type=c.usage_type,
            x_pricing_unit="1K tokens",
            x_line_item_type="Usage" if c.category == "Usage" else c.category,
        )
        if c.billed_tokens is not None:
            row.update(
                consumed_quantity=c.billed_tokens / 1000,
                consumed_unit="1K tokens",
                pricing_quantity=c.billed_tokens / 1000,
                pricing_unit="1K tokens",
            )
    else:
        raise AssertionError(c.provider)
    if c.billed_tokens is not None and c.provider != "bedrock":
        row.update(consumed_quantity=c.billed_tokens, consumed_unit="tokens")
    row.update(
        charge_id=c.charge_id,
        billing_source=source,
        partition_key=f"{source}|test|2026-{c.month:02d}",
        sub_account_id=c.workspace,
        billing_period_start=datetime(2026, c.month, 1),
        billing_period_end=datetime(2026, c.month + 1, 1),
        charge_period_start=start,
        charge_period_end=end,
        provider=provider,
        publisher=provider,
        charge_category=c.category,
        charge_frequency="Usage-Based",
        charge_description=meter,
        billed_cost=c.billed if c.billed is not None else c.amount,
        effective_cost=c.amount,
        list_cost=None if c.list_unknown else c.list_cost if c.list_cost is not None else c.amount,
        billing_currency=c.currency,
        service_name=service,
        sku_meter=meter,
        extras=extras,
        source_file=f"bill-{source}.json",
        source_row=1,
        ingest_run_id=1,
    )
    return row


def insert_charges(con: duckdb.DuckDBPyConnection, charges: list[Charge]) -> None:
    """Land the bill lines (the build makes the charges mart from them)."""
    for c in charges:
        row = land_row(c)
        con.execute(
            f"insert into land_charges ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )


def make_store(
    tmp_path: Path,
    operations: list[dict[str, Any]],
    charges: list[Charge],
    name: str = "s",
    config: Config | None = None,
) -> Path:
    path = tmp_path / f"{name}.duckdb"
    logs = tmp_path / f"{name}.jsonl"
    logs.write_text("\n".join(json.dumps(o) for o in operations) + "\n", encoding="utf-8")
    ingest_requests(path, [str(logs)], config=config or Config())
    with db.connect(path) as con:
        insert_charges(con, charges)
        build.build(con, config or Config(), full=True)
    return path


def rows(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with db.connect(path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def allocations_of(path: Path, variant: str = "default") -> dict[tuple[str, str], Decimal]:
    """(model/token class of the bucket's charge, feature) -> allocated effective cost."""
    wanted = ("both", "unallocated") if variant == "default" else ("both", "spread")
    got: dict[tuple[str, str], Decimal] = {}
    for token_class, feature, amount in rows(
        path,
        "select coalesce(token_class, '-'), feature, sum(allocated_effective_cost) "
        "from charge_allocations where allocation_variant in (?, ?) group by all",
        list(wanted),
    ):
        got[(token_class, feature)] = amount
    return got


# The main scenario: July 2 (anthropic, billed), July 3 (openai, no bill)
OPERATIONS = [
    op("o1", 2, "alpha", inp=1000, out=100, conversation="k1"),
    op("o2", 2, "beta", inp=2000, out=300, conversation="k2"),
    op("o3", 2, "gamma", inp=3000, cr=500, conversation="k3"),
    op("o4", 3, "alpha", model="gpt-4o", provider="openai", inp=10, out=10, conversation="k4"),
]
CHARGES = [
    Charge("c-in", 2, "input", Decimal("1.000000000001")),
    Charge("c-out", 2, "output", Decimal("0.5")),
    Charge("c-cw", 2, "cache_write", Decimal("0.7")),  # nobody wrote the cache: unallocated
    Charge("c-cr", 2, "cache_read", Decimal("0.01")),
    Charge("tax", 2, None, Decimal("5"), category="Tax"),
    Charge("credit", 2, None, Decimal("-2"), category="Credit"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read only by the tests that use it: built once."""
    return make_store(tmp_path_factory.mktemp("billing-store"), OPERATIONS, CHARGES)


def test_proportional_split_with_remainders(store: Path) -> None:
    got = allocations_of(store)
    # input: 1000 : 2000 : 3000 tokens at one rate
    alpha, beta, gamma = largest_remainder(Decimal("1.000000000001"), [1000, 2000, 3000])
    assert (alpha, beta, gamma) == (
        Decimal("0.166666666667"),
        Decimal("0.333333333334"),
        Decimal("0.500000000000"),
    )
    assert got[("input", "alpha")] == alpha
    assert got[("input", "beta")] == beta
    assert got[("input", "gamma")] == gamma
    # output: gamma wrote nothing, so it gets nothing (100 : 300)
    assert got[("output", "alpha")] == Decimal("0.125")
    assert got[("output", "beta")] == Decimal("0.375")
    assert ("output", "gamma") not in got
    assert got[("cache_read", "gamma")] == Decimal("0.01")
    # ratios are exact and sum to 1 per bucket
    ratios = rows(
        store,
        "select token_class, sum(allocated_ratio) from charge_allocations "
        "where allocation_variant in ('both', 'unallocated') group by all",
    )
    assert {r[1] for r in ratios} == {Decimal(1)}


def test_unmatched_charge_is_unallocated_and_tax_credit_never_allocated(store: Path) -> None:
    got = allocations_of(store)
    assert got[("cache_write", "unallocated")] == Decimal("0.7")
    total = sum(got.values(), Decimal(0))
    # the four AI usage charges, exactly; tax (5) and the credit (-2) are not in it
    assert total == Decimal("2.210000000001")
    methods = rows(
        store,
        "select distinct allocated_method_id from charge_allocations "
        "where token_class = 'cache_write' and allocation_variant <> 'spread'",
    )
    assert methods == [("aicost-unallocated",)]


def test_spread_unmatched_over_the_providers_operations(store: Path) -> None:
    got = allocations_of(store, "spread")
    # by the groups' whole estimated cost on the day (by hand):
    # alpha 1000*3e-6 + 100*15e-6 = 0.0045; beta 0.006 + 0.0045 = 0.0105;
    # gamma 0.009 + 500*3e-7 = 0.00915
    weights = [4500, 10500, 9150]
    expected = largest_remainder(Decimal("0.7"), weights)
    assert sum(expected) == Decimal("0.7")
    assert got[("cache_write", "alpha")] == expected[0]
    assert got[("cache_write", "beta")] == expected[1]
    assert got[("cache_write", "gamma")] == expected[2]
    assert ("cache_write", "unallocated") not in got


def test_unit_economics_billed_estimated_and_mixed(store: Path) -> None:
    with db.connect(store, read_only=True) as con:
        table = reports.unit_economics(con, Config())
    by_feature = {r["feature"]: r for r in table.to_pylist()}
    assert by_feature["beta"]["basis"] == "billed"
    assert by_feature["beta"]["allocated_cost"] == Decimal("0.708333333334")
    assert by_feature["beta"]["cost_per_unit"] == Decimal("0.708333333334")
    assert by_feature["gamma"]["allocated_cost"] == Decimal("0.51")
    # alpha: a billed anthropic call and an openai call without a bill
    alpha = by_feature["alpha"]
    assert alpha["basis"] == "mixed"
    assert alpha["allocated_cost"] == Decimal("0.291666666667")
    gpt = 10 * GPT4O["input"] + 10 * GPT4O["output"]
    per_unit = (Decimal("0.291666666667") + gpt) / 2
    assert alpha["cost_per_unit"] == per_unit.quantize(UNIT, rounding="ROUND_HALF_UP")
    unallocated = by_feature["unallocated"]
    assert (unallocated["operations"], unallocated["units"]) == (0, 0)
    assert unallocated["allocated_cost"] == Decimal("0.7")
    assert unallocated["basis"] == "billed"
    # every row together: the AI usage charges exactly
    assert sum(r["allocated_cost"] for r in table.to_pylist()) == Decimal("2.210000000001")
    # cost, the best known cost: billed where billed, plus the estimate of the
    # calls without a bill ('mixed'), the estimate where nothing is billed
    assert by_feature["beta"]["cost"] == Decimal("0.708333333334")
    assert by_feature["gamma"]["cost"] == Decimal("0.51")
    assert alpha["cost"] == Decimal("0.291666666667") + gpt
    assert unallocated["cost"] == Decimal("0.7")
    # ordered by it (one month)
    assert [r["feature"] for r in table.to_pylist()] == [
        "beta",
        "unallocated",
        "gamma",
        "alpha",
    ]


def test_attribution_cost_share_and_order_follow_the_bill(store: Path) -> None:
    with db.connect(store, read_only=True) as con:
        table = reports.attribution(con, Config(), ["feature"])
    got = [(r["feature"], r["cost"], r["share"], r["basis"]) for r in table.to_pylist()]
    gpt = 10 * GPT4O["input"] + 10 * GPT4O["output"]
    costs = {
        "beta": Decimal("0.708333333334"),
        "unallocated": Decimal("0.7"),
        "gamma": Decimal("0.51"),
        "alpha": Decimal("0.291666666667") + gpt,  # mixed: billed part + the openai estimate
    }
    total = sum(costs.values(), Decimal(0))
    assert [(f, c, b) for f, c, _, b in got] == [
        ("beta", costs["beta"], "billed"),
        ("unallocated", costs["unallocated"], "billed"),
        ("gamma", costs["gamma"], "billed"),
        ("alpha", costs["alpha"], "mixed"),
    ]
    for feature, _, share, _ in got:
        want = (costs[feature] / total).quantize(Decimal("0.000001"), rounding="ROUND_HALF_UP")
        assert share == want, feature


@pytest.mark.slow
def test_estimated_only_when_no_bill_is_loaded(tmp_path: Path) -> None:
    path = make_store(tmp_path, OPERATIONS, [])
    with db.connect(path, read_only=True) as con:
        table = reports.unit_economics(con, Config())
        attribution = reports.attribution(con, Config(), ["feature", "provider"])
    assert {r["basis"] for r in table.to_pylist()} == {"estimated"}
    assert {r["allocated_cost"] for r in table.to_pylist()} == {None}
    assert {r["basis"] for r in attribution.to_pylist()} == {"estimated"}


def test_attribution_by_provider_and_cost_basis(store: Path) -> None:
    with db.connect(store, read_only=True) as con:
        table = reports.attribution(
            con,
            Config(),
            ["feature", "provider"],
            billing=reports.Billing(cost=reports.CostBasis.LIST, spread_unmatched=True),
        )
        by_user = reports.attribution(con, Config(), ["user"])
    got = {
        (r["feature"], r["provider"]): (r["allocated_cost"], r["basis"]) for r in table.to_pylist()
    }
    assert got[("alpha", "openai")] == (None, "estimated")
    spread = largest_remainder(Decimal("0.7"), [4500, 10500, 9150])[0]
    assert got[("alpha", "anthropic")] == (Decimal("0.291666666667") + spread, "billed")
    assert ("unallocated", "anthropic") not in got  # spread
    # the allocation has no user grain: not available there
    assert {(r["allocated_cost"], r["basis"]) for r in by_user.to_pylist()} == {(None, None)}


def test_a_list_cost_the_bill_does_not_state_is_never_0(tmp_path: Path) -> None:
    """--cost list where a charge states no list cost (the Anthropic and OpenAI
    cost reports do not): the groups it was allocated to have no known list
    cost, so their cost is the estimate (basis 'estimated'), never the rest of
    the bill's list amounts or 0; the other groups keep theirs."""
    charges = [
        dataclasses.replace(c, list_unknown=True) if c.charge_id == "c-out" else c for c in CHARGES
    ]
    path = make_store(tmp_path, OPERATIONS, charges)
    complete = dict(
        rows(
            path,
            "select feature, list_cost_complete from allocated_costs "
            "where provider = 'anthropic' and allocation_variant in ('both', 'unallocated')",
        )
    )
    # alpha and beta wrote output tokens: c-out was split over them
    assert complete == {"alpha": False, "beta": False, "gamma": True, "unallocated": True}
    listed = reports.Billing(cost=reports.CostBasis.LIST)
    with db.connect(path, read_only=True) as con:
        by_feature = reports.attribution(con, Config(), ["feature"], billing=listed)
        unit = reports.unit_economics(con, Config(), billing=listed)
        effective = reports.attribution(con, Config(), ["feature"])
    gpt = 10 * GPT4O["input"] + 10 * GPT4O["output"]
    alpha_estimate = 1000 * SONNET["input"] + 100 * SONNET["output"] + gpt
    beta_estimate = 2000 * SONNET["input"] + 300 * SONNET["output"]
    want = {
        "alpha": (alpha_estimate, "estimated", None),
        "beta": (beta_estimate, "estimated", None),
        # 3000 of the 6000 input tokens of c-in, all the cache reads (c-cr)
        "gamma": (Decimal("0.51"), "billed", Decimal("0.51")),
        "unallocated": (Decimal("0.7"), "billed", Decimal("0.7")),
    }
    for table in (by_feature, unit):
        got = {
            r["feature"]: (r["cost"], r["basis"], r["allocated_cost"]) for r in table.to_pylist()
        }
        assert got == want
    # the effective cost is stated on every line: as before
    assert {r["feature"]: r["cost"] for r in effective.to_pylist()} == {
        "beta": Decimal("0.708333333334"),
        "unallocated": Decimal("0.7"),
        "gamma": Decimal("0.51"),
        "alpha": Decimal("0.291666666667") + gpt,
    }


@pytest.mark.slow
def test_restated_charge_changes_only_its_days(tmp_path: Path) -> None:
    operations = [*OPERATIONS, op("o9", 10, "delta", inp=500, out=50)]
    charges = [*CHARGES, Charge("c-10", 10, "input", Decimal("0.25"))]
    path = make_store(tmp_path, operations, charges)
    day_10 = "select * from charge_allocations where day = date '2026-07-10' order by all"
    before_10 = rows(path, day_10)
    before_2 = rows(path, "select * from charge_allocations where day = date '2026-07-02'")
    with db.connect(path) as con:
        con.execute(
            "update land_charges set effective_cost = 2.000000000002 where charge_id = 'c-in'"
        )
        result = build.build(con, Config(), days=[date(2026, 7, 2)])
    assert result.days_rebuilt == 1
    assert rows(path, day_10) == before_10
    got = allocations_of(path)
    assert got[("input", "alpha")] == Decimal("0.333333333334")
    assert got[("input", "gamma")] == Decimal("1.000000000001")
    assert rows(path, "select * from charge_allocations where day = date '2026-07-02'") != (
        before_2
    )


@pytest.mark.slow
def test_monthly_charge_is_reallocated_over_its_whole_period(tmp_path: Path) -> None:
    """A charge for the month is allocated over every day's calls; calls that
    arrive later for one day re-split it on all its days."""
    first = [op("m1", 2, "alpha", inp=1000), op("m2", 20, "beta", inp=3000)]
    monthly = Charge("month-in", 1, "input", Decimal("1"), end_day=None)
    path = tmp_path / "m.duckdb"
    logs = tmp_path / "m1.jsonl"
    logs.write_text("\n".join(json.dumps(o) for o in first) + "\n", encoding="utf-8")
    ingest_requests(path, [str(logs)], config=Config())
    with db.connect(path) as con:
        insert_charges(con, [monthly])
        con.execute(
            "update land_charges set charge_period_end = timestamp '2026-08-01', "
            "charge_period_start = timestamp '2026-07-01'"
        )
        build.build(con, Config(), full=True)
    assert allocations_of(path) == {
        ("input", "alpha"): Decimal("0.25"),
        ("input", "beta"): Decimal("0.75"),
    }
    late = tmp_path / "m2.jsonl"
    late.write_text(json.dumps(op("m3", 20, "gamma", inp=4000)) + "\n", encoding="utf-8")
    result = ingest_requests(path, [str(late)], config=Config())
    assert result.build is not None and result.build.days_rebuilt == 1  # operations: one day
    assert allocations_of(path) == {
        ("input", "alpha"): Decimal("0.125"),  # on July 2, which had no new call
        ("input", "beta"): Decimal("0.375"),
        ("input", "gamma"): Decimal("0.5"),
    }


def test_billing_allocations_command(store: Path) -> None:
    summary = runner.invoke(app, ["--db", str(store), "billing", "allocations", "--format", "json"])
    assert summary.exit_code == 0, summary.output
    data = {r["charge_id"]: r for r in json.loads(summary.stdout)}
    assert set(data) == {"c-in", "c-out", "c-cw", "c-cr"}  # tax and credit are not allocatable
    assert data["c-cw"]["allocated_method_id"] == "aicost-unallocated"
    assert data["c-in"]["allocated_method_id"] == "aicost-proportional-estimated-cost"
    assert data["c-in"]["allocated_groups"] == 3
    split = runner.invoke(
        app, ["--db", str(store), "billing", "allocations", "--charge", "c-in", "--format", "csv"]
    )
    assert split.exit_code == 0, split.output
    lines = split.stdout.splitlines()
    header = lines[0].split(",")
    assert header[:4] == [
        "charge_id",
        "allocated_method_id",
        "allocated_ratio",
        "allocated_effective_cost",
    ]
    amounts = sorted(Decimal(line.split(",")[3]) for line in lines[1:])
    assert amounts == sorted(largest_remainder(Decimal("1.000000000001"), [1000, 2000, 3000]))
    missing = runner.invoke(app, ["--db", str(store), "billing", "allocations", "--charge", "tax"])
    assert missing.exit_code == ExitCode.USAGE
    assert "no AI usage charge with id 'tax'" in missing.stderr


@pytest.mark.slow
def test_charge_split_within_a_bucket_of_several_charges(tmp_path: Path) -> None:
    """Two hourly lines of one usage type share a bucket; each line's split sums
    to the line exactly, and the two splits together to the bucket's rows."""
    operations = [
        op("h1", 2, "alpha", inp=1),
        op("h2", 2, "beta", inp=1),
        op("h3", 2, "gamma", inp=1),
    ]
    charges = [
        Charge("h-00", 2, "input", Decimal("0.000000000010")),
        Charge("h-01", 2, "input", Decimal("0.000000000011")),
    ]
    path = make_store(tmp_path, operations, charges)
    with db.connect(path, read_only=True) as con:
        first = reports.charge_allocations(con, Config(), "h-00").to_pylist()
        second = reports.charge_allocations(con, Config(), "h-01").to_pylist()
    assert sum(r["allocated_effective_cost"] for r in first) == Decimal("0.000000000010")
    assert sum(r["allocated_effective_cost"] for r in second) == Decimal("0.000000000011")
    assert sorted(r["allocated_effective_cost"] for r in second) == sorted(
        largest_remainder(Decimal("0.000000000011"), [1, 1, 1])
    )
    assert allocations_of(path) == {
        ("input", "alpha"): Decimal("0.000000000007"),
        ("input", "beta"): Decimal("0.000000000007"),
        ("input", "gamma"): Decimal("0.000000000007"),
    }


# --- what the real classification gives the allocation ------------------------

#: us.claude-sonnet-4-5 (the Bedrock us. geography profile: the standard rates x 1.1)
SONNET_US = {"input": Decimal("0.0000033"), "cw5m": Decimal("0.000004125")}
SONNET_CW = {"cw5m": Decimal("0.00000375"), "cw1h": Decimal("0.000006")}

KINDS_OPERATIONS = [
    op("a1", 2, "alpha", inp=1000, cw=1000),
    op("a2", 2, "beta", inp=1000, cw1h=1000),
    op("a3", 2, "gamma", cw=1000, cw1h=3000),
    # Bedrock: through the us. geography profile (priced as us.claude-sonnet-4-5) and in-region
    op("k1", 2, "alpha", model=f"us.{BEDROCK_SONNET}", provider="bedrock", inp=1000, cw=1000),
    op("k2", 2, "beta", model=BEDROCK_SONNET, provider="bedrock", inp=3000, cw1h=1000),
]
KINDS_CHARGES = [
    # Anthropic states the lifetime of every cache write
    Charge("a-cw", 2, "cache_write", Decimal("0.2")),
    Charge("a-cw1h", 2, "cache_write_1h", Decimal("0.4")),
    Charge("a-ws", 2, None, Decimal("0.05"), other_ai=True),  # web search: other_ai
    # Bedrock does not: a cache-write line is both lifetimes' writes
    Charge(
        "k-in", 2, "input", Decimal("0.04"), provider="bedrock", usage_type=f"{USE1}-input-tokens"
    ),
    Charge(
        "k-cw",
        2,
        "cache_write",
        Decimal("0.3"),
        provider="bedrock",
        usage_type=f"{USE1}-cache-write-input-token-count",
    ),
    # provisioned throughput: capacity, never allocated
    Charge(
        "k-pt",
        2,
        None,
        Decimal("10"),
        provider="bedrock",
        usage_type=f"{USE1}-ProvisionedThroughput-ModelUnits",
    ),
    # a billing name the model map does not know: unmapped, unallocated
    Charge(
        "k-new",
        2,
        "input",
        Decimal("0.02"),
        provider="bedrock",
        usage_type="USE1-Claude9Opus-input-tokens",
    ),
]


@pytest.mark.slow
def test_cache_lifetimes_geography_prefix_and_kinds(tmp_path: Path) -> None:
    path = make_store(tmp_path, KINDS_OPERATIONS, KINDS_CHARGES)
    classified = {
        r[0]: r[1:]
        for r in rows(
            path,
            "select charge_id, provider_key, model_key, token_class, ai_kind from charges",
        )
    }
    assert classified == {
        "a-cw": ("anthropic", "claude-sonnet-4-5", "cache_write", "tokens"),
        "a-cw1h": ("anthropic", "claude-sonnet-4-5", "cache_write_1h", "tokens"),
        "a-ws": ("anthropic", "claude-sonnet-4-5", None, "other_ai"),
        "k-in": ("bedrock", "claude-sonnet-4-5", "input", "tokens"),
        "k-cw": ("bedrock", "claude-sonnet-4-5", "cache_write", "tokens"),
        "k-pt": ("bedrock", None, None, "capacity"),
        "k-new": ("bedrock", None, "input", "tokens"),
    }
    got: dict[tuple[str, str, str], Decimal] = {}
    for provider, token_class, feature, amount in rows(
        path,
        "select provider, coalesce(token_class, '-'), feature, sum(allocated_effective_cost) "
        "from charge_allocations where allocation_variant in ('both', 'unallocated') group by all",
    ):
        got[(provider, token_class, feature)] = amount
    # 5-minute writes (alpha, gamma: 1000 each), 1-hour writes (beta 1000, gamma 3000)
    assert got[("anthropic", "cache_write", "alpha")] == Decimal("0.1")
    assert got[("anthropic", "cache_write", "gamma")] == Decimal("0.1")
    assert got[("anthropic", "cache_write_1h", "beta")] == Decimal("0.1")
    assert got[("anthropic", "cache_write_1h", "gamma")] == Decimal("0.3")
    assert ("anthropic", "cache_write", "beta") not in got
    assert ("anthropic", "cache_write_1h", "alpha") not in got
    # web search: the model's calls by their whole estimated cost
    whole = [
        1000 * SONNET["input"] + 1000 * SONNET_CW["cw5m"],
        1000 * SONNET["input"] + 1000 * SONNET_CW["cw1h"],
        1000 * SONNET_CW["cw5m"] + 3000 * SONNET_CW["cw1h"],
    ]
    web = largest_remainder(Decimal("0.05"), [int(w / UNIT) for w in whole])
    assert [got[("anthropic", "-", f)] for f in ("alpha", "beta", "gamma")] == web
    # Bedrock: the us. profile's call matches the bill's model key too
    bedrock_in = largest_remainder(
        Decimal("0.04"), [int(1000 * SONNET_US["input"] / UNIT), int(3000 * SONNET["input"] / UNIT)]
    )
    assert [got[("bedrock", "input", f)] for f in ("alpha", "beta")] == bedrock_in
    # a Bedrock cache write: the 5-minute (alpha, us.) and the 1-hour (beta) writes
    bedrock_cw = largest_remainder(
        Decimal("0.3"), [int(1000 * SONNET_US["cw5m"] / UNIT), int(1000 * SONNET_CW["cw1h"] / UNIT)]
    )
    assert [got[("bedrock", "cache_write", f)] for f in ("alpha", "beta")] == bedrock_cw
    assert got[("bedrock", "input", "unallocated")] == Decimal("0.02")
    models_of_unallocated = rows(
        path, "select distinct model from charge_allocations where feature = 'unallocated'"
    )
    assert models_of_unallocated == [("Claude9Opus",)]
    # capacity is the capacity pools': never allocated
    total = sum(got.values(), Decimal(0))
    assert total == Decimal("1.01")
    assert not rows(path, "select * from charge_allocations where ai_kind = 'capacity'")
    listed = runner.invoke(app, ["--db", str(path), "billing", "allocations", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert {r["charge_id"] for r in json.loads(listed.stdout)} == {
        "a-cw",
        "a-cw1h",
        "a-ws",
        "k-in",
        "k-cw",
        "k-new",
    }
    # reconciliation: Anthropic's cache writes per lifetime, Bedrock's together;
    # the us. profile's calls under the bill's model key
    recon = reconciliation_rows(path)
    anthropic_cw = recon[("anthropic", "claude-sonnet-4-5", "cache_write")]
    assert (anthropic_cw["logged_tokens"], anthropic_cw["estimated_cost"]) == (
        2000,
        2000 * SONNET_CW["cw5m"],
    )
    anthropic_cw1h = recon[("anthropic", "claude-sonnet-4-5", "cache_write_1h")]
    assert (anthropic_cw1h["logged_tokens"], anthropic_cw1h["estimated_cost"]) == (
        4000,
        4000 * SONNET_CW["cw1h"],
    )
    bedrock_cw_row = recon[("bedrock", "claude-sonnet-4-5", "cache_write")]
    assert bedrock_cw_row["logged_tokens"] == 2000
    assert bedrock_cw_row["estimated_cost"] == 1000 * SONNET_US["cw5m"] + 1000 * SONNET_CW["cw1h"]
    assert ("bedrock", "claude-sonnet-4-5", "cache_write_1h") not in recon
    bedrock_in_row = recon[("bedrock", "claude-sonnet-4-5", "input")]
    assert bedrock_in_row["logged_tokens"] == 4000
    assert not [key for key in recon if key[1].startswith("us.")]


# --- reconciliation -------------------------------------------------------------

RECON_OPERATIONS = [
    # sonnet: input billed as logged (ok), output billed at another rate (price differs)
    op("r1", 2, "alpha", inp=10000, out=2000),
    # haiku: the bill has more tokens than the logs (traffic not logged)
    op("r2", 2, "alpha", model="claude-haiku-4-5", inp=1000),
    # opus: logged, the loaded bill names nothing of it (logged but not billed)
    op("r3", 2, "beta", model="claude-opus-4-1", inp=100),
    # openai: no bill loaded at all
    op("r4", 2, "beta", model="gpt-4o", provider="openai", inp=100, out=100),
    # after the bill's last day: open
    op("r5", 5, "alpha", inp=100),
]
RECON_CHARGES = [
    Charge("s-in", 2, "input", 10000 * SONNET["input"], billed_tokens=Decimal(10000)),
    Charge("s-out", 2, "output", Decimal("0.027"), billed_tokens=Decimal(2000)),
    Charge(
        "h-in", 2, "input", Decimal("0.0015"), model="claude-haiku-4-5", billed_tokens=Decimal(1500)
    ),
    Charge("credit", 2, None, Decimal("-1.5"), category="Credit"),
]


def reconciliation_rows(path: Path, **kwargs: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    with db.connect(path, read_only=True) as con:
        table = reports.reconciliation(con, Config(), **kwargs)
    return {(r["provider"], r["model"], r["token_class"]): r for r in table.to_pylist()}


@pytest.mark.slow
def test_reconciliation_findings(tmp_path: Path) -> None:
    path = make_store(tmp_path, RECON_OPERATIONS, RECON_CHARGES)
    got = reconciliation_rows(path)
    ok = got[("anthropic", "claude-sonnet-4-5", "input")]
    assert ok["finding"] == "ok"
    assert (ok["billed_cost"], ok["estimated_cost"]) == (Decimal("0.03"), Decimal("0.03"))
    differs = got[("anthropic", "claude-sonnet-4-5", "output")]
    assert differs["finding"] == "price differs"  # 2000 tokens both sides, 0.027 vs 0.030
    assert differs["difference"] == Decimal("-0.003")
    assert differs["difference_pct"] == Decimal("-10")
    assert differs["quantity_gap"] == 0
    traffic = got[("anthropic", "claude-haiku-4-5", "input")]
    assert traffic["finding"] == "traffic not logged"
    assert (traffic["billed_quantity"], traffic["logged_tokens"]) == (Decimal(1500), 1000)
    assert traffic["quantity_gap"] == Decimal(500)
    # the haiku bill has classes: its other classes with nothing logged have no row
    assert ("anthropic", "claude-haiku-4-5", "output") not in got
    not_billed = got[("anthropic", "claude-opus-4-1", None)]
    assert not_billed["finding"] == "logged but not billed"
    assert not_billed["billed_cost"] == 0
    no_bill = got[("openai", "gpt-4o", None)]
    assert no_bill["finding"] == "no bill loaded"
    assert no_bill["billed_cost"] is None  # never 0
    credit_row = got[("anthropic", "(credits and refunds)", None)]
    assert credit_row["billed_cost"] == Decimal("-1.5")
    assert credit_row["finding"] == "credits and refunds"
    # July 5 is after the bill's last day: only with --include-open
    assert ok["logged_tokens"] == 10000  # not July 5's 100
    opened = reconciliation_rows(path, include_open=True, period=reports.Period.DAY)
    late = [r for r in opened.values() if r["period_start"] == datetime(2026, 7, 5)]
    assert [r["finding"] for r in late] == ["no bill loaded"]


@pytest.mark.slow
def test_reconciliation_tolerance_and_keys(tmp_path: Path) -> None:
    path = make_store(tmp_path, RECON_OPERATIONS, RECON_CHARGES)
    loose = reconciliation_rows(path, tolerance_pct=Decimal(10))
    assert loose[("anthropic", "claude-sonnet-4-5", "output")]["finding"] == "ok"
    with db.connect(path, read_only=True) as con:
        by_provider = reports.reconciliation(con, Config(), keys=["provider"]).to_pylist()
    assert "model" not in by_provider[0] and "token_class" not in by_provider[0]
    anthropic = next(r for r in by_provider if r["provider"] == "anthropic")
    assert anthropic["billed_cost"] == Decimal("0.03") + Decimal("0.027") + Decimal("0.0015")


# --- golden table views with a bill loaded -------------------------------------

GOLDEN_COMMANDS = {
    "unit-economics-billed": ["report", "unit-economics"],
    "attribution-billed": ["report", "attribution", "--by", "feature,provider"],
    "reconciliation": ["report", "reconciliation"],
    "billing-allocations": ["billing", "allocations"],
}


@pytest.fixture(scope="module")
def golden_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("billing-golden")
    path = make_store(folder, [*OPERATIONS, *RECON_OPERATIONS], [*CHARGES, *RECON_CHARGES[:3]])
    yield path


@pytest.mark.parametrize("name", sorted(GOLDEN_COMMANDS))
@pytest.mark.parametrize("width", [80, 120])
def test_billing_golden_tables(
    name: str, width: int, golden_store: Path, request: pytest.FixtureRequest
) -> None:
    result = runner.invoke(
        app, ["--db", str(golden_store), *GOLDEN_COMMANDS[name]], env={"COLUMNS": str(width)}
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    path = GOLDEN / f"{name}.{width}.txt"
    if request.config.getoption("--update-golden"):
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")
    assert max(len(line) for line in result.stdout.splitlines()) <= width


# --- the split itself, as a property -------------------------------------------


def run_split(amounts: list[Decimal], weights: list[list[int]]) -> list[list[Decimal]]:
    """charge_allocations over hand-made inputs on an in-memory DuckDB: one
    bucket per amount, its groups weighted by token counts (no prices)."""
    con = duckdb.connect()
    try:
        models.load_macros(con)  # the model's shared macros (aicost_split_share)
        con.execute("create temp table allocation_days as select date '2026-07-02' as day")
        con.execute("create temp macro aicost_allocation_from() as date '2026-07-02'")
        con.execute("create temp macro aicost_allocation_until() as date '2026-07-03'")
        con.execute("create temp macro aicost_allocation_has_charges() as true")
        con.execute(
            "create temp table int_charges_allocatable as select "
            "'c' || i as charge_id, 'tokens' as ai_kind, 'p' || i as provider_key, "
            "null::varchar as account_key, 'm' as model_key, 'm' as bill_model, "
            "'input' as token_class, 'input' as logged_class, 'standard' as tier, "
            "date '2026-07-02' as day_from, "
            "date '2026-07-02' as day_to, date '2026-07-01' as billing_period_from, "
            "date '2026-07-31' as billing_period_to, amount::decimal(38, 12) as effective_cost, "
            "amount::decimal(38, 12) as billed_cost, null::decimal(38, 12) as list_cost, "
            "'USD' as billing_currency, null::decimal(38, 12) as billed_tokens, "
            "'b' || i as allocation_bucket_id "
            "from (select unnest(?::varchar[]) as amount, "
            "generate_subscripts(?::varchar[], 1) as i)",
            [[str(a) for a in amounts], [str(a) for a in amounts]],
        )
        con.execute(
            "create temp table cfg_logged_accounts (provider_key varchar, account_key varchar)"
        )
        groups = [
            (f"p{i + 1}", f"g{j:04d}", w) for i, ws in enumerate(weights) for j, w in enumerate(ws)
        ]
        con.execute(
            "create temp table int_allocation_targets as select "
            "date '2026-07-02' as day, provider, null::varchar as account_key, 'm' as model_key, "
            "'standard' as tier, feature, 'o' as owner, 't' as team, 'm' as model, "
            "'v' as prompt_version, 'e' as environment, feature as unit_key, 'USD' as currency, "
            "1::bigint as operations, null::decimal(38, 12) as estimated_cost, "
            "tokens::bigint as logged_input_tokens, 0::bigint as logged_cache_read_tokens, "
            "0::bigint as logged_cache_write_tokens, 0::bigint as logged_cache_write_5m_tokens, "
            "0::bigint as logged_cache_write_1h_tokens, 0::bigint as logged_output_tokens, "
            "null::decimal(38, 12) as estimated_input_cost, "
            "null::decimal(38, 12) as estimated_cache_read_cost, "
            "null::decimal(38, 12) as estimated_cache_write_cost, "
            "null::decimal(38, 12) as estimated_cache_write_5m_cost, "
            "null::decimal(38, 12) as estimated_cache_write_1h_cost, "
            "null::decimal(38, 12) as estimated_output_cost, false as failed "
            "from (select unnest(?::varchar[]) as provider, unnest(?::varchar[]) as feature, "
            "unnest(?::bigint[]) as tokens)",
            [[g[0] for g in groups], [g[1] for g in groups], [g[2] for g in groups]],
        )
        result = con.execute(
            "select allocation_bucket_id, feature, allocated_effective_cost, allocated_ratio "
            f"from ({models.model_sql('charge_allocations')}) order by all"
        ).fetchall()
    finally:
        con.close()
    out: list[list[Decimal]] = [[Decimal(0)] * len(ws) for ws in weights]
    for bucket, feature, amount, _ratio in result:
        out[int(bucket[1:]) - 1][int(feature[1:])] = amount
    return out


amounts_st = st.decimals(
    min_value=Decimal("-100000"), max_value=Decimal("100000"), places=12, allow_nan=False
)
# up to 1e15 each: some totals reach 17 digits and take the scaled path
weights_st = st.lists(st.integers(min_value=1, max_value=10**15), min_size=1, max_size=12)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(amounts_st, weights_st), min_size=1, max_size=4))
def test_split_is_exact_for_any_weights_and_amounts(cases: list[tuple[Decimal, list[int]]]) -> None:
    amounts = [a for a, _ in cases]
    weights = [w for _, w in cases]
    got = run_split(amounts, weights)
    for amount, ws, split in zip(amounts, weights, got, strict=True):
        assert sum(split, Decimal(0)) == amount
        if sum(ws) < 10**16:  # no weight scaling: the rule exactly
            assert split == largest_remainder(amount, ws)
            for w, part in zip(ws, split, strict=True):  # within one unit of its share
                assert abs(Fraction(part) - Fraction(amount) * w / sum(ws)) < Fraction(UNIT)


# --- the contract: built tables of the allocation ------------------------------

ALLOCATION_TABLES = {
    "charge_allocations": (
        "day DATE, allocation_bucket_id VARCHAR, allocation_variant VARCHAR, "
        "allocated_method_id VARCHAR, allocation_range_start DATE, allocation_range_end DATE, "
        "ai_kind VARCHAR, token_class VARCHAR, provider VARCHAR, account_key VARCHAR, "
        "model_key VARCHAR, tier VARCHAR, feature VARCHAR, owner VARCHAR, team VARCHAR, "
        "model VARCHAR, prompt_version VARCHAR, environment VARCHAR, unit_key VARCHAR, "
        "operations BIGINT, allocation_weight HUGEINT, allocated_ratio DECIMAL(38,18), "
        "allocated_effective_cost DECIMAL(38,12), allocated_billed_cost DECIMAL(38,12), "
        "allocated_list_cost DECIMAL(38,12), billing_currency VARCHAR"
    ),
    "allocated_costs": (
        "day DATE, feature VARCHAR, owner VARCHAR, team VARCHAR, model VARCHAR, "
        "provider VARCHAR, prompt_version VARCHAR, environment VARCHAR, "
        "allocation_variant VARCHAR, operations BIGINT, estimated_cost DECIMAL(38,12), "
        "logged_input_tokens BIGINT, logged_cache_read_tokens BIGINT, "
        "logged_cache_write_tokens BIGINT, logged_cache_write_1h_tokens BIGINT, "
        "logged_output_tokens BIGINT, "
        "estimated_input_cost DECIMAL(38,12), estimated_cache_read_cost DECIMAL(38,12), "
        "estimated_cache_write_cost DECIMAL(38,12), estimated_cache_write_1h_cost DECIMAL(38,12), "
        "estimated_output_cost DECIMAL(38,12), "
        "allocated_effective_cost DECIMAL(38,12), allocated_billed_cost DECIMAL(38,12), "
        "allocated_list_cost DECIMAL(38,12), list_cost_complete BOOLEAN, capacity_billed BOOLEAN"
    ),
    "billing_coverage": (
        "provider VARCHAR, billing_period_from DATE, covered_until TIMESTAMP, charges BIGINT"
    ),
}


def test_allocation_tables_are_pinned(store: Path) -> None:
    for table, spec in ALLOCATION_TABLES.items():
        got = rows(
            store,
            "select column_name, data_type from information_schema.columns "
            "where table_name = ? order by ordinal_position",
            [table],
        )
        assert ", ".join(f"{name} {kind}" for name, kind in got) == spec, table


# --- [billing.logged_accounts] --------------------------------------------------

#: day 2: the gateway's Claude calls (no account in the logs) and one GPT-4o call
LOGGED_ACCOUNT_OPERATIONS = [
    op("a1", 2, "alpha", inp=1000),
    op("b1", 2, "beta", inp=3000),
    op("g1", 2, "gamma", model="gpt-4o", provider="openai", inp=10),
]
#: the same day's input tokens of two Anthropic workspaces (the gateway's and
#: an eval team's, which never went through the gateway) and an OpenAI project
LOGGED_ACCOUNT_CHARGES = [
    Charge("gw", 2, "input", Decimal("1.2"), workspace="wrkspc_gateway"),
    Charge("eval", 2, "input", Decimal("0.8"), workspace="wrkspc_eval"),
    Charge(
        "oa", 2, "input", Decimal("0.05"), model="gpt-4o", provider="openai", workspace="proj_x"
    ),
]


def test_charges_of_another_workspace_go_to_calls_without_an_account_by_default(
    tmp_path: Path,
) -> None:
    store = make_store(tmp_path, LOGGED_ACCOUNT_OPERATIONS, LOGGED_ACCOUNT_CHARGES)
    # the logs name no workspace: each workspace's charge is split 1000 : 3000
    assert allocations_of(store) == {
        ("input", "alpha"): Decimal("0.3") + Decimal("0.2"),
        ("input", "beta"): Decimal("0.9") + Decimal("0.6"),
        ("input", "gamma"): Decimal("0.05"),
    }


def test_logged_accounts_keep_another_workspaces_charges_unallocated(tmp_path: Path) -> None:
    """Traffic that never went through the gateway (the eval workspace) stays
    visible as unallocated instead of landing on the gateway's features; a
    provider the config does not list (OpenAI) is matched as before."""
    config = parse_config(
        {"billing": {"logged_accounts": {"anthropic": ["wrkspc_gateway"]}}},
        tmp_path / "aicost.toml",
    )
    store = make_store(tmp_path, LOGGED_ACCOUNT_OPERATIONS, LOGGED_ACCOUNT_CHARGES, config=config)
    assert allocations_of(store) == {
        ("input", "alpha"): Decimal("0.3"),
        ("input", "beta"): Decimal("0.9"),
        ("input", "unallocated"): Decimal("0.8"),
        ("input", "gamma"): Decimal("0.05"),
    }
    assert rows(
        store,
        "select account_key, allocated_method_id from charge_allocations "
        "where feature = 'unallocated'",
    ) == [("wrkspc_eval", "aicost-unallocated")]
    # the report shows it as its own row, never inside a feature
    with db.connect(store, read_only=True) as con:
        table = reports.unit_economics(con, config)
    allocated = {
        r["feature"]: r["allocated_cost"] for r in table.to_pylist() if r["allocated_cost"]
    }
    assert allocated == {
        "alpha": Decimal("0.3"),
        "beta": Decimal("0.9"),
        "unallocated": Decimal("0.8"),
        "gamma": Decimal("0.05"),
    }


def test_changing_logged_accounts_rebuilds_the_allocation(tmp_path: Path) -> None:
    store = make_store(tmp_path, LOGGED_ACCOUNT_OPERATIONS, LOGGED_ACCOUNT_CHARGES)
    config = parse_config(
        {"billing": {"logged_accounts": {"anthropic": ["wrkspc_eval", "wrkspc_gateway"]}}},
        tmp_path / "aicost.toml",
    )
    before = build.config_digest(Config())
    assert build.config_digest(config) != before
    with db.connect(store) as con:
        result = build.build(con, config)
    assert (result.full, result.reason) == (True, "the configuration changed")
    # both workspaces listed: both charges go to the logged calls, as before
    assert allocations_of(store)[("input", "alpha")] == Decimal("0.5")


@pytest.mark.parametrize(
    ("logged", "message"),
    [
        ({"anthropics": ["w"]}, "'billing.logged_accounts.anthropics' is not a provider"),
        ({"anthropic": []}, "must name at least one account"),
        ({"anthropic": "w"}, "'billing.logged_accounts.anthropic' must be a list of strings"),
        (["anthropic"], "must be a table of provider = [accounts]"),
    ],
)
def test_logged_accounts_config_errors(tmp_path: Path, logged: Any, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config({"billing": {"logged_accounts": logged}}, tmp_path / "aicost.toml")
    assert message in raised.value.message
    assert str(tmp_path / "aicost.toml") in raised.value.message


def test_failed_calls_without_output_get_no_share_of_the_bill(tmp_path: Path) -> None:
    """Providers do not bill a failed request: it gets no share (its tokens
    stay in the logged figures the reconciliation compares); a failed call
    that produced output (a stream cut off) was billed and keeps its share."""
    failed = op("b1", 2, "beta", inp=3000)
    failed["status"] = "error"
    cut_off = op("c1", 2, "gamma", inp=1000, out=50)
    cut_off["status"] = "error"
    operations = [op("a1", 2, "alpha", inp=1000, out=100), failed, cut_off]
    charges = [
        Charge("in", 2, "input", Decimal("1")),
        Charge("out", 2, "output", Decimal("0.2")),
    ]
    store = make_store(tmp_path, operations, charges)
    alpha_out, gamma_out = largest_remainder(Decimal("0.2"), [100, 50])
    assert allocations_of(store) == {
        ("input", "alpha"): Decimal("0.5"),
        ("input", "gamma"): Decimal("0.5"),
        ("output", "alpha"): alpha_out,
        ("output", "gamma"): gamma_out,
    }
    assert (alpha_out, gamma_out) == (Decimal("0.133333333333"), Decimal("0.066666666667"))
    # the failed call is still logged (and estimated): 'logged but not billed'
    assert rows(
        store,
        "select feature, operations, logged_input_tokens, allocated_effective_cost "
        "from allocated_costs where feature = 'beta'",
    ) == [("beta", 1, 3000, None)]


def test_a_bill_in_another_currency_is_converted_never_relabelled(tmp_path: Path) -> None:
    """Reporting in EUR with a USD bill and USD prices: each charge is converted
    at the configured rate (exact, half-even to 12 decimals) before it is split,
    so the allocated cost is in EUR like the estimate beside it. (The USD
    amounts were shown as EUR.)"""
    rate = Decimal("0.9")
    config = dataclasses.replace(Config(), currency="EUR", exchange_rates={"USD": rate})
    path = make_store(tmp_path, OPERATIONS, CHARGES, config=config)

    def eur(usd: str) -> Decimal:
        return (Decimal(usd) * rate).quantize(UNIT, rounding="ROUND_HALF_EVEN")

    # 1.000000000001 USD x 0.9 = 0.9000000000009: 0.900000000001 EUR
    assert eur("1.000000000001") == Decimal("0.900000000001")
    alpha, beta, gamma = largest_remainder(eur("1.000000000001"), [1000, 2000, 3000])
    got = allocations_of(path)
    assert (got[("input", "alpha")], got[("input", "beta")]) == (alpha, beta)
    assert got[("input", "gamma")] == gamma
    assert got[("cache_write", "unallocated")] == eur("0.7")
    with db.connect(path, read_only=True) as con:
        table = reports.unit_economics(con, config)
        summary = reports.allocation_summary(con, config)  # binds the bill's views
        assert set(summary.column("billing_currency").to_pylist()) == {"EUR"}
        assert con.execute(
            "select distinct billing_currency, charge_currency from int_charges_allocatable"
        ).fetchall() == [("EUR", "USD")]
    by_feature = {r["feature"]: r for r in table.to_pylist()}
    assert {r["currency"] for r in table.to_pylist()} == {"EUR"}
    # every row together: the AI usage charges, each converted
    usage = ["1.000000000001", "0.5", "0.7", "0.01"]
    assert sum(r["allocated_cost"] for r in table.to_pylist()) == sum(eur(a) for a in usage)
    assert by_feature["unallocated"]["allocated_cost"] == eur("0.7")
    # the reconciliation's billed side and its credits row: converted too
    with db.connect(path, read_only=True) as con:
        recon = reports.reconciliation(con, config, include_open=True).to_pylist()
    refunds = [r for r in recon if r["finding"] == "credits and refunds"]
    assert [(r["billed_cost"], r["currency"]) for r in refunds] == [(eur("-2"), "EUR")]
    billed = [r["billed_cost"] for r in recon if r["finding"] != "credits and refunds"]
    # (NULL: openai's row, no bill loaded)
    assert sum(b for b in billed if b is not None) == sum(eur(a) for a in usage)


def test_a_bill_whose_rate_was_removed_stops_the_build(tmp_path: Path) -> None:
    """A EUR line under USD reporting is converted at the configured rate; once
    the rate is removed from the config, the build refuses (exit 2 from the
    CLI) instead of allocating EUR amounts as USD."""
    config = dataclasses.replace(Config(), exchange_rates={"EUR": Decimal("1.08")})
    charge = Charge("c-eur", 2, "input", Decimal("2.5"), currency="EUR")
    path = make_store(tmp_path, OPERATIONS[:1], [charge], config=config)
    assert rows(
        path, "select sum(allocated_effective_cost), min(billing_currency) from charge_allocations"
    ) == [(Decimal("2.700000000000"), "USD")]
    with db.connect(path) as con, pytest.raises(ConfigError) as caught:
        build.build(con, Config(), full=True)
    assert "bill lines in EUR cannot be converted to the reporting currency USD" in str(
        caught.value
    )
