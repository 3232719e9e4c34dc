"""Bill lines once stored: FOCUS 1.3 split allocations (AllocatedMethodId set)
are shares of an origin charge in the same bill (landed, never counted on top
of it); db forget removes whole billing periods."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from aicost_cli import db
from aicost_cli.billing.ingest import ingest_billing
from aicost_cli.config import Config

HEADER = (
    "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingCurrency,ChargeCategory,"
    "ChargePeriodStart,ChargePeriodEnd,BillingPeriodStart,BillingPeriodEnd,BillingAccountId,"
    "ServiceProviderName,ServiceName,ServiceCategory,x_SkuMeterCategory,x_SkuMeterSubcategory,"
    "ConsumedQuantity,ConsumedUnit,AllocatedMethodId,AllocatedResourceId\n"
)


def _row(cost: str, method: str = "", resource: str = "") -> str:
    return (
        f"{cost},{cost},{cost},{cost},USD,Usage,2026-09-01T00:00:00Z,2026-09-02T00:00:00Z,"
        "2026-09-01T00:00:00Z,2026-10-01T00:00:00Z,acct-1,Microsoft,Azure OpenAI,"
        "AI and Machine Learning,Azure OpenAI,gpt 4o 0513 Input global Tokens,"
        f"1000000,Tokens,{method},{resource}\n"
    )


def test_split_rows_are_landed_but_never_ai_charges(tmp_path: Path) -> None:
    bill = tmp_path / "focus13.csv"
    # the origin charge (2.50) and its two splits (1.50 + 1.00), and a second origin
    bill.write_text(
        HEADER
        + _row("2.50")
        + _row("1.50", "proportional", "app-a")
        + _row("1.00", "proportional", "app-b")
        + _row("4.00"),
        encoding="utf-8",
    )
    store = tmp_path / "s.duckdb"
    ingest_billing(store, [str(bill)], config=Config())
    with db.connect(store, read_only=True) as con:
        landed = con.execute("select count(*), sum(billed_cost) from land_charges").fetchall()
        ai = con.execute("select count(*), sum(billed_cost) from charges where is_ai").fetchall()
    assert landed == [(4, Decimal("9.000000000000"))]
    # only the two origin charges are AI usage: 2.50 + 4.00
    assert ai == [(2, Decimal("6.500000000000"))]


@pytest.mark.slow  # fast tier: `db forget` of request logs (test_ledger)
def test_db_forget_removes_the_billing_periods_of_a_file(tmp_path: Path) -> None:
    from aicost_cli import ledger

    july, august = tmp_path / "july.csv", tmp_path / "august.csv"
    july.write_text(HEADER + _row("2.50") + _row("4.00"), encoding="utf-8")
    august.write_text(
        HEADER
        + _row("7.00").replace("2026-09-0", "2026-10-0").replace("2026-10-01T", "2026-11-01T"),
        encoding="utf-8",
    )
    store = tmp_path / "s.duckdb"
    ingest_billing(store, [str(july), str(august)], config=Config())
    result = ledger.forget(store, Config(), str(july))
    assert result.charges == 2
    with db.connect(store, read_only=True) as con:
        left = con.execute("select sum(billed_cost) from charges").fetchall()
        partitions = con.execute("select count(*) from billing_partitions").fetchall()
    assert left == [(Decimal("7.000000000000"),)]
    assert partitions == [(1,)]
