"""The bundled bills through the whole pipeline (ingest requests, ingest
billing, classification, allocation, reconciliation, capacity) against the
`billing` section of sample_data/expected.json, whose figures the generator
computed on its own from the lines it wrote (generate_billing.py), not with
aicost's SQL. Every figure is compared exactly."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
runner = CliRunner()

pytestmark = pytest.mark.slow

#: provider keys of the two bills (operations.provider)
BILLED = ("anthropic", "bedrock")


@pytest.fixture(scope="module")
def billing() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE / "expected.json").read_text())
    section: dict[str, Any] = data["billing"]
    return section


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo-billing") / "demo.duckdb"
    base = ["--db", str(db), "--config", str(SAMPLE / "aicost.toml")]
    logs = runner.invoke(
        app, [*base, "ingest", "requests", str(SAMPLE / "litellm"), str(SAMPLE / "otel"), "-q"]
    )
    assert logs.exit_code == ExitCode.OK, logs.output
    bills = runner.invoke(
        app,
        [
            *base,
            "ingest",
            "billing",
            str(SAMPLE / "billing" / "cur"),
            str(SAMPLE / "billing" / "anthropic"),
            "-q",
        ],
    )
    assert bills.exit_code == ExitCode.OK, bills.output
    return db


def cli_json(db: Path, *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(
        app, ["--db", str(db), "--config", str(SAMPLE / "aicost.toml"), *args, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout, parse_float=Decimal)
    return rows


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_bills_are_classified_as_the_generator_wrote_them(
    store: Path, billing: dict[str, Any]
) -> None:
    got: dict[tuple[str, str], tuple[Decimal | None, ...]] = {
        (str(month), kind): (billed, effective, listed)
        for month, kind, billed, effective, listed in query(
            store,
            """
            select
                cast(billing_period_start as date),
                case
                    when billing_source = 'anthropic-costs' and is_ai and ai_kind = 'tokens'
                        then 'anthropic'
                    when ai_family = 'bedrock' and is_ai and ai_kind = 'tokens' then 'bedrock'
                    when ai_family = 'gpu_instance' and ai_kind = 'capacity' then 'gpu_pool'
                    when charge_category = 'Tax' then 'tax'
                    when charge_category = 'Credit' then 'credits'
                    when not is_ai and charge_category = 'Usage' then 'not_ai_usage'
                    else 'other'
                end,
                sum(billed_cost), sum(effective_cost), sum(list_cost)
            from charges group by all
            """,
        )
    }
    want: dict[tuple[str, str], tuple[Decimal | None, ...]] = {}
    for month in billing["months"]:
        key, cur = month["month"], month["cur"]
        anthropic = Decimal(month["anthropic"]["billed_cost"])
        want[(key, "anthropic")] = (anthropic, anthropic, None)  # the cost report has no list
        tokens = cur["bedrock_token_usage"]
        want[(key, "bedrock")] = (
            Decimal(tokens["billed_cost"]),
            Decimal(tokens["billed_cost"]),
            Decimal(tokens["list_cost"]),
        )
        pool = cur["gpu_pool"]
        got[(key, "gpu_pool")] = got[(key, "gpu_pool")][:2]  # list: the on-demand equivalent
        want[(key, "gpu_pool")] = (Decimal(pool["billed_cost"]), Decimal(pool["effective_cost"]))
        want[(key, "tax")] = (Decimal(cur["tax"]), Decimal(cur["tax"]), Decimal(0))
        want[(key, "credits")] = (Decimal(cur["credits"]), Decimal(cur["credits"]), Decimal(0))
        not_ai = Decimal(cur["not_ai_usage"]["billed_cost"])
        got[(key, "not_ai_usage")] = got[(key, "not_ai_usage")][:2]
        want[(key, "not_ai_usage")] = (not_ai, not_ai)
    assert got == want
    # every bill line is one of those, and the whole bill is there
    for month in billing["months"]:
        total = sum(
            (v[0] for (m, _), v in got.items() if m == month["month"] and v[0] is not None),
            Decimal(0),
        )
        cur, anthropic = month["cur"], month["anthropic"]
        assert total == Decimal(cur["net_unblended_cost"]) + Decimal(anthropic["billed_cost"])
    unmapped = cli_json(store, "billing", "unmapped")
    assert unmapped == []


def test_reconciliation_per_token_class(store: Path, billing: dict[str, Any]) -> None:
    rows = cli_json(store, "report", "reconciliation")
    got = {
        (r["period_start"][:10], r["provider"], r["model"], r["token_class"]): r
        for r in rows
        if r["provider"] in BILLED
    }
    want = {
        (r["month"], r["provider"], r["model_key"], r["token_class"]): r
        for r in billing["reconciliation"]
    }
    credit_rows = {
        (m["month"], "bedrock", "(credits and refunds)", None): m["cur"]["credits"]
        for m in billing["months"]
    }
    assert set(got) == set(want) | set(credit_rows)
    for key, amount in credit_rows.items():
        assert got[key]["billed_cost"] == Decimal(amount)
        assert got[key]["finding"] == "credits and refunds"
    for key, row in want.items():
        mine = got[key]
        assert mine["billed_cost"] == Decimal(row["effective_cost"]), key
        assert mine["estimated_cost"] == Decimal(row["estimated_cost"]), key
        assert mine["logged_tokens"] == row["logged_tokens"], key
        logged = row["logged_tokens"]
        if row["billing_source"] == "cur2":
            # the CUR states the quantity: logged and billed tokens compared
            assert mine["billed_quantity"] == row["billed_tokens"], key
            gap = row["unlogged_tokens"] - row["logged_not_billed_tokens"]
            assert mine["quantity_gap"] == gap, key
            # beyond the 2 % tolerance: the traffic nobody logged; else the discount
            beyond = abs(gap) * 100 > 2 * logged
            assert mine["finding"] == ("traffic not logged" if beyond else "price differs"), key
        else:
            # Anthropic's cost report states no quantity: unknown, never 0
            assert mine["billed_quantity"] is None, key
            assert mine["quantity_gap"] is None, key
            billed, estimated = Decimal(row["effective_cost"]), Decimal(row["estimated_cost"])
            if abs(billed - estimated) * 100 <= 2 * estimated:
                assert mine["finding"] == "ok", key
            else:
                # without a quantity the bill is read at the list rate (as
                # Anthropic bills): failed calls not billed, an eval workspace
                # not logged
                assert mine["finding"] == (
                    "traffic not logged" if billed > estimated else "logged but not billed"
                ), key
    # the other providers' calls have no bill: unknown (NULL), never 0
    for r in rows:
        if r["provider"] in ("openai",):
            assert r["billed_cost"] is None and r["finding"] == "no bill loaded"


def test_reconciliation_per_model_and_cost_basis(store: Path, billing: dict[str, Any]) -> None:
    by_basis = {
        basis: {
            (r["period_start"][:10], r["provider"], r["model"]): r
            for r in cli_json(
                store, "report", "reconciliation", "--by", "provider,model", "--cost", basis
            )
        }
        for basis in ("effective", "billed", "list")
    }
    for row in billing["models"]:
        key = (row["month"], row["provider"], row["model_key"])
        mine = by_basis["effective"][key]
        assert mine["billed_cost"] == Decimal(row["effective_cost"]), key
        assert by_basis["billed"][key]["billed_cost"] == Decimal(row["billed_cost"]), key
        assert mine["estimated_cost"] == Decimal(row["estimated_cost"]), key
        assert mine["logged_tokens"] == row["logged_tokens"], key
        assert mine["operations"] == row["operations"], key
        listed = by_basis["list"][key]["billed_cost"]
        if row["billing_source"] == "cur2":
            assert listed == Decimal(row["list_cost"]), key
            assert mine["billed_quantity"] == row["billed_tokens"], key
        else:  # the cost report states neither a list cost nor a quantity
            assert listed is None, key
            assert by_basis["list"][key]["finding"] == "amount unknown", key
            assert mine["billed_quantity"] is None, key


def test_the_ai_bill_is_allocated_and_the_eval_workspace_is_not(
    store: Path, billing: dict[str, Any]
) -> None:
    """The demo config lists the gateway's Anthropic workspace as the one the
    logs hold ([billing.logged_accounts]): the eval workspace's charges (never
    through the gateway) stay unallocated; everything else is allocated."""
    eval_ws = billing["workspaces"]["eval"]
    summary = cli_json(store, "billing", "allocations")
    allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unallocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in summary:
        key = (r["charge_day"][:8] + "01", r["provider"])
        allocated[key] += r["allocated_cost"] or 0
        unallocated[key] += r["unallocated_cost"] or 0
    want_allocated: dict[tuple[str, str], Decimal] = {}
    want_unallocated: dict[tuple[str, str], Decimal] = {}
    for month in billing["months"]:
        workspaces = month["anthropic"]["by_workspace"]
        evals = Decimal(workspaces.get(eval_ws, "0"))
        want_allocated[(month["month"], "anthropic")] = (
            Decimal(month["anthropic"]["billed_cost"]) - evals
        )
        want_unallocated[(month["month"], "anthropic")] = evals
        want_allocated[(month["month"], "bedrock")] = Decimal(
            month["cur"]["bedrock_token_usage"]["billed_cost"]
        )
        want_unallocated[(month["month"], "bedrock")] = Decimal(0)
    assert dict(allocated) == want_allocated
    assert dict(unallocated) == want_unallocated
    assert sum(want_unallocated.values()) > 0  # the eval team ran in the demo months
    # the reports: doc-summarizer is Bedrock's only caller; support-bot and the
    # unattributed Claude calls share the gateway workspace's Anthropic bill;
    # the eval workspace is the row 'unallocated'
    economics = cli_json(store, "report", "unit-economics")
    per_month: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    unallocated_rows: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in economics:
        month = r["period_start"][:10]
        if r["feature"] == "doc-summarizer":
            assert r["basis"] == "billed"
            per_month[(month, "bedrock")] += r["allocated_cost"]
        elif r["feature"] in ("support-bot", "unattributed"):
            per_month[(month, "anthropic")] += r["allocated_cost"]
        elif r["feature"] == "unallocated":
            assert (r["operations"], r["basis"]) == (0, "billed")
            unallocated_rows[(month, "anthropic")] += r["allocated_cost"]
        elif r["feature"] == "research-agent":  # OpenAI: no bill loaded
            assert (r["basis"], r["allocated_cost"]) == ("estimated", None)
    assert dict(per_month) == want_allocated
    assert dict(unallocated_rows) == {k: v for k, v in want_unallocated.items() if v}
    attribution = cli_json(store, "report", "attribution", "--by", "feature,model")
    claude = sum(
        (r["allocated_cost"] for r in attribution if r["model"] == "claude-sonnet-4-5"),
        Decimal(0),
    )
    # every Claude charge, allocated or not, is in the report exactly once
    assert claude == sum(Decimal(m["anthropic"]["billed_cost"]) for m in billing["months"])


def test_gpu_pool(store: Path, billing: dict[str, Any]) -> None:
    got = {r["period_start"][:10]: r for r in cli_json(store, "report", "capacity")}
    comparable = dict(
        query(
            store,
            "select strftime(date_trunc('month', day), '%Y-%m-%d'), sum(comparable_list_cost) "
            "from capacity_daily group by all",
        )
    )
    assert set(got) == {row["month"] for row in billing["gpu_pool"]}
    for row in billing["gpu_pool"]:
        mine = got[row["month"]]
        assert mine["pool"] == row["pool"]
        assert mine["amortised_cost"] == Decimal(row["amortised_cost_net"])
        assert mine["bill_idle_cost"] == Decimal(row["unused_reservation_cost_net"])
        assert mine["hours"] == row["hours"]  # reserved hours: running + unused
        assert mine["operations"] == row["operations"]
        assert mine["input_tokens"] == row["input_tokens"]
        assert mine["output_tokens"] == row["output_tokens"]
        assert mine["tokens"] == row["served_tokens"]
        assert mine["capacity_tokens"] == row["capacity_tokens"]
        assert mine["utilisation"] == Decimal(row["utilisation"])
        assert mine["cost_per_mtok"].quantize(Decimal("0.000001")) == Decimal(
            row["cost_per_1m_tokens_net"]
        )
        assert mine["comparable_model"] == row["comparable_model"]
        assert comparable[row["month"]] == Decimal(row["comparable_list_cost"])


def test_the_demo_trend_follows_the_best_known_cost(store: Path) -> None:
    """The demo's month-over-month table is of the best known cost: the
    bill's own rows (no call, no unit, nothing estimated) show their billed
    amount (they showed 0.00 when the trend was of estimated cost), a billed
    feature its allocated cost, an unbilled one its estimate."""
    from aicost_cli import db, demo, reports
    from aicost_cli.config import load_config

    config = load_config(SAMPLE / "aicost.toml")
    with db.connect(store, read_only=True) as con:
        unit = reports.unit_economics(con, config)
    rows = unit.to_pylist()
    bill_only = {r["feature"] for r in rows if r["operations"] == 0 and r["units"] == 0}
    assert bill_only == {"unallocated", "idle capacity: gpu-llama"}
    trend = demo.month_over_month(unit).to_pylist()
    assert len(trend) == len(rows)
    for row in trend:
        if row["basis"] == "billed":
            assert row["cost"] == row["allocated_cost"], row["feature"]
        elif row["basis"] == "estimated":
            assert row["cost"] == row["estimated_cost"], row["feature"]
    idle = [r for r in trend if r["feature"] == "idle capacity: gpu-llama"]
    assert [r["month"] for r in idle] == ["2026-07", "2026-08", "2026-09"]
    assert all(r["cost"] > 0 for r in idle)
    # the change is the cost's, month on month (by hand)
    want = ((idle[1]["cost"] - idle[0]["cost"]) / idle[0]["cost"]).quantize(Decimal("0.0001"))
    assert (idle[0]["cost_change"], idle[1]["cost_change"]) == (None, want)
    # every month: the billed rows add up to the allocated total
    assert sum(r["cost"] for r in trend if r["basis"] == "billed") == sum(
        r["allocated_cost"] for r in rows if r["basis"] == "billed"
    )
