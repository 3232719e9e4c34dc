"""CUR 2.0 and legacy CUR through ``aicost ingest billing``: every landed
column that matters for the bill, against values written down by hand (the
amortised-cost formula per line item type, negotiated-discount net costs,
tags, extras), and the real legacy CUR sample against an independent sum
(Python's csv and Decimal over the file)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.billing import formats
from aicost_cli.billing.formats import cur
from aicost_cli.billing.formats.base import FileSample
from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from tests.conftest import SAMPLES, needs_samples
from tests.cur_files import (
    PAYER,
    RI_ARN,
    SP_ARN,
    USAGE_ACCOUNT,
    bedrock,
    line,
    write_cur2_csv_gz,
    write_cur2_parquet,
    write_legacy_csv,
)

runner = CliRunner()
D = Decimal


@dataclass(frozen=True)
class Expected:
    billed: Decimal
    effective: Decimal
    list_cost: Decimal | None
    category: str
    frequency: str | None = None


def _lines() -> list[tuple[dict[str, Any], Expected]]:
    """July 2026 lines of every kind, each with what it must land as, by hand.
    The export has the net (negotiated discount) columns: billed cost is the
    net unblended cost, and the amortised cost uses the net variants."""
    gpu: dict[str, Any] = {
        "line_item_product_code": "AmazonEC2",
        "line_item_usage_type": "BoxUsage:p5.48xlarge",
        "line_item_operation": "RunInstances",
        "product_instance_type": "p5.48xlarge",
        "pricing_unit": "Hrs",
    }
    return [
        # Bedrock token lines: four token classes, tier and routing suffixes
        (
            bedrock("USE1-Claude4.5Sonnet-input-tokens", 3.6, 3.24, 1_200_000),
            Expected(D("3.24"), D("3.24"), D("3.6"), "Usage", "Usage-Based"),
        ),
        (
            bedrock("USE1-Claude4.5Sonnet-output-tokens-batch", 7.5, 6.75, 500_000),
            Expected(D("6.75"), D("6.75"), D("7.5"), "Usage", "Usage-Based"),
        ),
        (
            bedrock("USE1-Claude4.5Sonnet-cache-read-input-token-count-flex", 0.3, 0.27, 1e6),
            Expected(D("0.27"), D("0.27"), D("0.3"), "Usage", "Usage-Based"),
        ),
        (
            bedrock(
                "USE1-Claude4.5Sonnet-cache-write-input-token-count-priority", 3.75, 3.375, 1e6
            ),
            Expected(D("3.375"), D("3.375"), D("3.75"), "Usage", "Usage-Based"),
        ),
        (
            bedrock("USE1-Claude4.5Sonnet-input-tokens-cross-region-global", 2.7, None, 900_000),
            # no net amount on this line: the unblended cost is what was billed
            Expected(D("2.7"), D("2.7"), D("2.7"), "Usage", "Usage-Based"),
        ),
        # Marketplace-billed model (the second usage-type grammar, per 1M)
        (
            line(
                bill_billing_entity="AWS Marketplace",
                line_item_legal_entity="Anthropic, PBC",
                line_item_product_code="prod-4pmewlybdftbs",
                line_item_usage_type="USE1-MP:USE1_InputTokenCount-Units",
                line_item_usage_amount=2.5,
                line_item_unblended_cost=7.5,
                line_item_net_unblended_cost=7.5,
                pricing_public_on_demand_cost=7.5,
                pricing_unit="Units",
            ),
            Expected(D("7.5"), D("7.5"), D("7.5"), "Usage", "Usage-Based"),
        ),
        # GPU reserved instance: covered usage, the RI's recurring fee, its upfront fee
        (
            line(
                **gpu,
                line_item_line_item_type="DiscountedUsage",
                line_item_unblended_cost=0.0,
                line_item_net_unblended_cost=0.0,
                pricing_public_on_demand_cost=98.32,
                reservation_effective_cost=60.0,
                reservation_net_effective_cost=54.0,
                reservation_reservation_a_r_n=RI_ARN,
            ),
            Expected(D("0"), D("54"), D("98.32"), "Usage", "Usage-Based"),
        ),
        (
            line(
                **gpu,
                line_item_line_item_type="RIFee",
                line_item_unblended_cost=1000.0,
                line_item_net_unblended_cost=900.0,
                pricing_public_on_demand_cost=0.0,
                reservation_unused_amortized_upfront_fee_for_billing_period=20.0,
                reservation_net_unused_amortized_upfront_fee_for_billing_period=18.0,
                reservation_unused_recurring_fee=30.0,
                reservation_net_unused_recurring_fee=27.0,
                reservation_reservation_a_r_n=RI_ARN,
            ),
            # the unused part only: 18 + 27 (the used part is on the covered lines)
            Expected(D("900"), D("45"), D("0"), "Purchase", "Recurring"),
        ),
        (
            line(
                line_item_line_item_type="Fee",
                line_item_product_code="AmazonEC2",
                line_item_usage_type="",
                line_item_unblended_cost=12000.0,
                line_item_net_unblended_cost=10800.0,
                reservation_reservation_a_r_n=RI_ARN,
            ),
            Expected(D("10800"), D("0"), None, "Purchase", "One-Time"),
        ),
        # GPU Savings Plan: covered usage, its negation, the recurring and upfront fees
        (
            line(
                **gpu,
                line_item_line_item_type="SavingsPlanCoveredUsage",
                line_item_unblended_cost=98.32,
                line_item_net_unblended_cost=88.488,
                pricing_public_on_demand_cost=98.32,
                savings_plan_savings_plan_effective_cost=65.0,
                savings_plan_net_savings_plan_effective_cost=58.5,
                savings_plan_savings_plan_a_r_n=SP_ARN,
            ),
            Expected(D("88.488"), D("58.5"), D("98.32"), "Usage", "Usage-Based"),
        ),
        (
            line(
                **gpu,
                line_item_line_item_type="SavingsPlanNegation",
                line_item_unblended_cost=-98.32,
                line_item_net_unblended_cost=-88.488,
                pricing_public_on_demand_cost=98.32,
                savings_plan_savings_plan_a_r_n=SP_ARN,
            ),
            Expected(D("-88.488"), D("0"), D("0"), "Usage", "Usage-Based"),
        ),
        (
            line(
                line_item_line_item_type="SavingsPlanRecurringFee",
                line_item_product_code="ComputeSavingsPlans",
                line_item_usage_type="ComputeSP:1yrNoUpfront",
                line_item_unblended_cost=2000.0,
                line_item_net_unblended_cost=1800.0,
                savings_plan_total_commitment_to_date=2000.0,
                savings_plan_used_commitment=1500.0,
                savings_plan_savings_plan_a_r_n=SP_ARN,
            ),
            Expected(D("1800"), D("500"), None, "Purchase", "Recurring"),
        ),
        (
            line(
                line_item_line_item_type="SavingsPlanUpfrontFee",
                line_item_product_code="ComputeSavingsPlans",
                line_item_unblended_cost=5000.0,
                line_item_net_unblended_cost=4500.0,
                savings_plan_savings_plan_a_r_n=SP_ARN,
            ),
            Expected(D("4500"), D("0"), None, "Purchase", "One-Time"),
        ),
        # non-AI usage, tax, credit, a Savings Plan refund
        (
            line(line_item_unblended_cost=0.023, line_item_net_unblended_cost=0.0207),
            Expected(D("0.0207"), D("0.0207"), None, "Usage", "Usage-Based"),
        ),
        (
            line(
                line_item_line_item_type="Tax",
                line_item_usage_type="",
                line_item_unblended_cost=12.34,
                line_item_net_unblended_cost=12.34,
            ),
            Expected(D("12.34"), D("12.34"), None, "Tax"),
        ),
        (
            line(
                line_item_line_item_type="Credit",
                line_item_unblended_cost=-50.0,
                line_item_net_unblended_cost=-50.0,
            ),
            Expected(D("-50"), D("-50"), None, "Credit"),
        ),
        (
            line(
                line_item_line_item_type="Refund",
                line_item_product_code="ComputeSavingsPlans",
                line_item_unblended_cost=-100.0,
                line_item_net_unblended_cost=-90.0,
            ),
            Expected(D("-90"), D("0"), None, "Adjustment"),
        ),
        # an EKS pod's split of a GPU instance, with its idle share
        (
            line(
                **gpu,
                line_item_unblended_cost=4.0,
                line_item_net_unblended_cost=3.6,
                pricing_public_on_demand_cost=4.0,
                split_line_item_parent_resource_id="i-0abc",
                split_line_item_unused_cost=3.21,
            ),
            Expected(D("3.6"), D("3.6"), D("4"), "Usage", "Usage-Based"),
        ),
    ]


def _ingest(*args: str) -> Any:
    return runner.invoke(app, ["ingest", "billing", *args])


def _charges(db: Path) -> dict[int, dict[str, Any]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute("select * from land_charges order by source_file, source_row")
        names = [d[0] for d in cursor.description]
        return {
            row[names.index("source_row")]: dict(zip(names, row, strict=True))
            for row in cursor.fetchall()
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def cur2_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """_lines() as one CUR 2.0 Data Exports part, ingested once per module through
    the CLI (the tests only read the store)."""
    folder = tmp_path_factory.mktemp("cur2")
    path = write_cur2_parquet(
        folder / "exports" / "data" / "BILLING_PERIOD=2026-07" / "cur-00001.snappy.parquet",
        [c[0] for c in _lines()],
    )
    store = folder / "store.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        patch.delenv("AICOST_CONFIG", raising=False)
        patch.chdir(folder)
        result = runner.invoke(app, ["--db", str(store), "ingest", "billing", str(path.parent)])
    assert result.exit_code == ExitCode.OK, result.output
    return store


def test_cur2_parquet_lands_every_line_type_as_computed_by_hand(cur2_store: Path) -> None:
    cases = _lines()
    charges = _charges(cur2_store)
    assert len(charges) == len(cases)
    for row, (values, expected) in enumerate(cases, start=1):
        got = charges[row]
        what = f"row {row} {values['line_item_line_item_type']}"
        assert got["billed_cost"] == expected.billed, what
        assert got["effective_cost"] == expected.effective, what
        assert got["list_cost"] == expected.list_cost, what
        assert got["charge_category"] == expected.category, what
        assert got["charge_frequency"] == expected.frequency, what
        assert got["billing_currency"] == "USD"
        assert got["provider"] == "AWS"
        assert got["billing_source"] == "cur2"
        assert got["partition_key"] == f"cur2|{PAYER}|2026-07"
        assert got["billing_account_id"] == PAYER  # leading zero kept
        assert got["sub_account_id"] == USAGE_ACCOUNT
        assert got["billing_period_start"] == datetime(2026, 7, 1)
        assert got["billing_period_end"] == datetime(2026, 8, 1)
        assert got["charge_period_start"] == datetime(2026, 7, 2, 10)
        assert got["extras"]["x_line_item_type"] == values["line_item_line_item_type"]
        assert got["source_row"] == row
        # the gross cost is kept where the billed net cost differs from it
        net, gross = values.get("line_item_net_unblended_cost"), values["line_item_unblended_cost"]
        if net is not None and net != gross:
            assert Decimal(got["extras"]["x_unblended_cost"]) == Decimal(str(gross)), what
        else:
            assert got["extras"]["x_unblended_cost"] is None, what
    total = sum((e.billed for _, e in cases), Decimal(0))
    assert sum(c["billed_cost"] for c in charges.values()) == total
    assert len({c["charge_id"] for c in charges.values()}) == len(cases)


def test_cur2_columns_tags_and_extras(cur2_store: Path) -> None:
    charges = _charges(cur2_store)
    tokens = charges[1]
    assert tokens["sku_meter"] == "USE1-Claude4.5Sonnet-input-tokens"
    assert tokens["extras"]["x_usage_type"] == "USE1-Claude4.5Sonnet-input-tokens"
    assert tokens["extras"]["x_product_code"] == "AmazonBedrock"
    assert tokens["extras"]["x_operation"] == "InvokeModelInference"
    assert tokens["extras"]["x_billing_entity"] == "AWS"
    assert tokens["extras"]["x_product_name"] == "Amazon Bedrock"
    assert tokens["extras"]["x_iam_principal"] == "arn:aws:iam::000011112222:role/support-bot"
    assert tokens["extras"]["x_pricing_unit"] == "tokens"
    assert tokens["consumed_quantity"] == Decimal(1_200_000)
    assert tokens["consumed_unit"] == "tokens"
    assert tokens["service_name"] == "Amazon Bedrock"
    assert tokens["region_id"] == "us-east-1"
    assert tokens["tags"] == {
        "team": "ml",
        "feature": "chat",
        "aws_createdBy": "ci",
        "cost_category/BU": "ai",
    }
    marketplace = charges[6]
    assert marketplace["extras"]["x_billing_entity"] == "AWS Marketplace"
    assert marketplace["publisher"] == "Anthropic, PBC"
    covered, fee = charges[7], charges[8]
    assert covered["commitment_discount_id"] == RI_ARN
    assert covered["commitment_discount_type"] == "Reserved Instance"
    assert covered["commitment_discount_status"] == "Used"
    assert covered["pricing_category"] == "Committed"
    assert covered["extras"]["x_instance_type"] == "p5.48xlarge"
    assert fee["consumed_quantity"] is None  # quantities only on usage lines
    negation = charges[11]
    assert negation["consumed_quantity"] is None  # it repeats the covered line's hours
    assert charges[10]["commitment_discount_type"] == "Savings Plan"
    split = charges[18]
    assert Decimal(split["extras"]["x_split_unused_cost"]) == Decimal("3.21")
    assert split["extras"]["x_split_parent_resource_id"] == "i-0abc"


def test_an_export_without_optional_columns_reads_with_nulls(hermetic: Path) -> None:
    """CUR 2.0 exports select their columns: no net, split, reservation,
    savings plan, product or tag columns here. Billed = unblended."""
    columns = [
        "bill_payer_account_id",
        "bill_billing_period_start_date",
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_usage_type",
        "line_item_unblended_cost",
        "line_item_currency_code",
        "line_item_product_code",
        "resource_tags",
    ]
    lines = [
        bedrock("USE1-NovaLite-input-tokens", 0.06, None, 1e6),
        line(line_item_unblended_cost=1.25),
    ]
    path = write_cur2_parquet(hermetic / "narrow.parquet", lines, columns)
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.OK, result.output
    charges = _charges(hermetic / "test.duckdb")
    assert [c["billed_cost"] for c in charges.values()] == [Decimal("0.06"), Decimal("1.25")]
    assert [c["effective_cost"] for c in charges.values()] == [Decimal("0.06"), Decimal("1.25")]
    assert charges[1]["list_cost"] is None  # unknown, not 0
    assert charges[1]["billing_period_end"] == datetime(2026, 8, 1)
    assert charges[1]["extras"]["x_unblended_cost"] is None


def test_an_export_without_the_savings_plan_columns_quarantines_covered_usage(
    hermetic: Path,
) -> None:
    """A covered line's amortised cost needs its savings plan column: never
    guessed (its unblended cost is the on-demand equivalent)."""
    columns = [
        "bill_payer_account_id",
        "bill_billing_period_start_date",
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_unblended_cost",
        "line_item_currency_code",
    ]
    lines = [
        line(line_item_unblended_cost=1.0),
        line(line_item_line_item_type="SavingsPlanCoveredUsage", line_item_unblended_cost=9.0),
    ]
    path = write_cur2_parquet(hermetic / "no-sp.parquet", lines, columns)
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.QUARANTINED
    con = duckdb.connect(str(hermetic / "test.duckdb"), read_only=True)
    quarantined = con.execute(
        "select source_line, source_format, reason from quarantine"
    ).fetchall()
    assert quarantined == [
        (
            2,
            "billing:cur2",
            "amortised cost of a SavingsPlanCoveredUsage line cannot be computed: the export "
            "lacks (or has no number in) savings_plan_savings_plan_effective_cost",
        )
    ]
    assert con.execute("select count(*) from land_charges").fetchall() == [(1,)]


def test_cur2_gzip_csv_reads_like_parquet(hermetic: Path) -> None:
    cases = _lines()
    path = write_cur2_csv_gz(
        hermetic / "data" / "BILLING_PERIOD=2026-07" / "cur-00001.csv.gz", [c[0] for c in cases]
    )
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.OK, result.output
    charges = _charges(hermetic / "test.duckdb")
    for row, (_, expected) in enumerate(cases, start=1):
        assert charges[row]["billed_cost"] == expected.billed
        assert charges[row]["effective_cost"] == expected.effective
        assert charges[row]["list_cost"] == expected.list_cost
    assert charges[1]["tags"]["team"] == "ml"
    assert charges[1]["billing_account_id"] == PAYER


# --- legacy CUR ---------------------------------------------------------------------

LEGACY = SAMPLES / "billing" / "legacy_cur" / "legacy_cur_csv_anonymized_2023-11.csv"


@needs_samples()
@pytest.mark.slow  # a real sample (../shared); fast tier: the synthetic tests of the format
def test_real_legacy_cur_sample_totals_match_an_independent_sum(hermetic: Path) -> None:
    billed = Decimal(0)
    listed = Decimal(0)
    rows = 0
    types: dict[str, int] = {}
    with LEGACY.open(newline="") as handle:
        for record in csv.DictReader(handle):
            rows += 1
            billed += Decimal(record["lineItem/UnblendedCost"])
            if record["pricing/publicOnDemandCost"]:
                listed += Decimal(record["pricing/publicOnDemandCost"])
            kind = record["lineItem/LineItemType"]
            types[kind] = types.get(kind, 0) + 1
    assert rows == 1281
    result = _ingest(str(LEGACY))
    assert result.exit_code == ExitCode.OK, result.output
    con = duckdb.connect(str(hermetic / "test.duckdb"), read_only=True)
    got = con.execute(
        "select count(*), sum(billed_cost), sum(effective_cost), sum(list_cost), "
        "count(distinct charge_id), min(billing_source), min(partition_key) from land_charges"
    ).fetchall()[0]
    # Usage and Tax lines only: amortised = unblended
    assert got == (rows, billed, billed, listed, rows, "cur", "cur|123412340534|2023-11")
    categories = dict(
        con.execute("select charge_category, count(*) from land_charges group by all").fetchall()
    )
    assert categories == {"Usage": types["Usage"], "Tax": types["Tax"]}


def test_legacy_cur_csv_tags_cost_categories_and_arn_columns(hermetic: Path) -> None:
    header = [
        "identity/LineItemId",
        "bill/PayerAccountId",
        "bill/BillingPeriodStartDate",
        "bill/BillingPeriodEndDate",
        "lineItem/UsageAccountId",
        "lineItem/LineItemType",
        "lineItem/UsageStartDate",
        "lineItem/UsageEndDate",
        "lineItem/ProductCode",
        "lineItem/UsageType",
        "lineItem/UsageAmount",
        "lineItem/CurrencyCode",
        "lineItem/UnblendedCost",
        "pricing/publicOnDemandCost",
        "pricing/unit",
        "reservation/EffectiveCost",
        "reservation/ReservationARN",
        "savingsPlan/SavingsPlanARN",
        "savingsPlan/SavingsPlanEffectiveCost",
        "resourceTags/user:Team",
        "resourceTags/aws:createdBy",
        "costCategory/BusinessUnit",
    ]
    start, end = "2023-11-01T00:00:00.000Z", "2023-12-01T00:00:00.000Z"
    usage = "2023-11-02T10:00:00.000Z"
    rows = [
        [
            "a",
            "012345678901",
            start,
            end,
            "000011112222",
            "Usage",
            usage,
            usage,
            "AmazonBedrock",
            "USE1-Claude4.5Sonnet-input-tokens",
            "1000",
            "USD",
            "0.003",
            "0.003",
            "tokens",
            "",
            "",
            "",
            "",
            "ml",
            "",
            "ai",
        ],
        [
            "b",
            "012345678901",
            start,
            end,
            "000011112222",
            "DiscountedUsage",
            usage,
            usage,
            "AmazonEC2",
            "BoxUsage:p5.48xlarge",
            "1",
            "USD",
            "0",
            "98.32",
            "Hrs",
            "60.5",
            RI_ARN,
            "",
            "",
            "",
            "ci",
            "",
        ],
        [
            "c",
            "012345678901",
            start,
            end,
            "000011112222",
            "SavingsPlanCoveredUsage",
            usage,
            usage,
            "AmazonEC2",
            "BoxUsage:p5.48xlarge",
            "1",
            "USD",
            "98.32",
            "98.32",
            "Hrs",
            "",
            "",
            SP_ARN,
            "65.25",
            "",
            "",
            "",
        ],
    ]
    path = write_legacy_csv(hermetic / "legacy.csv", header, rows)
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.OK, result.output
    charges = _charges(hermetic / "test.duckdb")
    assert charges[1]["tags"] == {"Team": "ml", "cost_category/BusinessUnit": "ai"}
    assert charges[1]["billing_account_id"] == "012345678901"
    assert charges[1]["partition_key"] == "cur|012345678901|2023-11"
    assert charges[2]["effective_cost"] == Decimal("60.5")
    assert charges[2]["commitment_discount_id"] == RI_ARN
    assert charges[2]["tags"] == {"aws:createdBy": "ci"}
    assert charges[3]["effective_cost"] == Decimal("65.25")
    assert charges[3]["commitment_discount_id"] == SP_ARN


def test_legacy_parquet_tag_columns(hermetic: Path) -> None:
    path = hermetic / "athena.parquet"
    con = duckdb.connect()
    con.execute(
        "copy (select '012345678901' as bill_payer_account_id, "
        "timestamp '2023-11-01' as bill_billing_period_start_date, "
        "'Usage' as line_item_line_item_type, timestamp '2023-11-05 10:00' "
        "as line_item_usage_start_date, 1.5::double as line_item_unblended_cost, "
        "'USD' as line_item_currency_code, 'ml' as resource_tags_user_team, "
        "null::varchar as resource_tags_user_feature, 'ai' as cost_category_bu, "
        f"'Amazon S3' as product_product_name) to '{path}' (format parquet)"
    )
    con.close()
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.OK, result.output
    got = _charges(hermetic / "test.duckdb")[1]
    assert got["billing_source"] == "cur"
    assert got["tags"] == {"team": "ml", "cost_category/bu": "ai"}
    assert got["billed_cost"] == Decimal("1.5")
    assert got["service_name"] == "Amazon S3"


# --- detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "columns", "name", "expected"),
    [
        ("parquet", ("line_item_usage_type", "bill_payer_account_name"), "x.parquet", "cur2"),
        ("parquet", ("line_item_usage_type", "resource_tags"), "x.parquet", "cur2"),
        (
            "parquet",
            ("line_item_usage_type",),
            "e/data/BILLING_PERIOD=2026-07/x.parquet",
            "cur2",
        ),
        ("csv", ("line_item_usage_type", "product"), "x.csv.gz", "cur2"),
        ("parquet", ("line_item_usage_type", "resource_tags_user_team"), "x.parquet", "cur"),
        ("parquet", ("line_item_usage_type", "product_product_name"), "x.parquet", "cur"),
        # neither kind of marker: CUR 2.0, what AWS delivers today
        ("parquet", ("line_item_usage_type", "line_item_unblended_cost"), "x.parquet", "cur2"),
        ("csv", ("identity/LineItemId", "lineItem/UsageType"), "x.csv", "cur"),
        ("csv", ("BilledCost", "ChargeCategory"), "x.csv", None),
        ("json", (), "x.json", None),
    ],
)
def test_detection(kind: Any, columns: tuple[str, ...], name: str, expected: str | None) -> None:
    sample = FileSample(path=name, kind=kind, columns=columns)
    found = formats.detect(sample)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("lineItem/UsageType", "line_item_usage_type"),
        ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
        ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
        ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"),
        ("product/ProductName", "product_product_name"),
        ("product/regionCode", "product_region_code"),
        (
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
            "reservation_unused_amortized_upfront_fee_for_billing_period",
        ),
    ],
)
def test_legacy_csv_header_names(header: str, column: str) -> None:
    assert cur.csv_column(header) == column
