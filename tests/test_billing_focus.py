"""The `focus` billing format: reader + stg_billing_focus__charges on real and
synthetic FOCUS files (CSV, gzip CSV, parquet; 1.0 to 1.3 columns).

Expected numbers are computed here from the same files with Python's csv
module and Decimal, never by reading back through the SQL under test."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aicost_cli import models
from aicost_cli.billing.formats import focus
from aicost_cli.billing.formats.base import FileSample
from tests.billing_stage import decimal_or_none, quantize, sample, stage
from tests.conftest import SAMPLES, examples, needs_samples

FOCUS_SAMPLE = SAMPLES / "billing" / "focus" / "focus_1.0_sample_1000rows.csv"
SPEC_EXAMPLES = SAMPLES / "billing" / "focus_spec_examples"
AZURE_EA = SAMPLES / "billing" / "azure" / "azure_ea_actualcost_anonymized_2023-09.csv"


def _csv_rows(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if any(v.strip() for v in row.values())]


def decimal_or_none_text(text: str) -> str | None:
    return None if text in ("NULL", "") else text


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- detection -----------------------------------------------------------------


def test_detect_needs_the_three_focus_columns_as_written() -> None:
    columns = ("BilledCost", "ChargeCategory", "EffectiveCost", "BillingPeriodStart")
    assert focus.detect(FileSample("a.csv", "csv", columns))
    assert focus.detect(FileSample("a.parquet", "parquet", columns))
    assert not focus.detect(FileSample("a.csv", "csv", ("billedcost", "chargecategory", "x")))
    assert not focus.detect(FileSample("a.csv", "csv", ("line_item_unblended_cost",)))
    assert not focus.detect(FileSample("a.json", "json", columns))


# --- the FinOps Foundation's real FOCUS 1.0 sample (AWS, Microsoft, Oracle) ----------


@needs_samples()
def test_real_sample_lands_every_row_with_exact_totals_per_partition() -> None:
    rows = _csv_rows(FOCUS_SAMPLE)
    staged = stage(focus.FORMAT, [FOCUS_SAMPLE])
    assert staged.quarantined() == []
    good = staged.good()
    assert len(good) == len(rows) == 1000
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        key = f"focus|{row['BillingAccountId']}|{row['BillingPeriodStart'][:10]}"
        for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
            expected[key][column] += decimal_or_none(row[column]) or Decimal(0)
    # several providers in one file: one partition per account and billing period
    assert set(expected) == {
        "focus|1234567890123|2024-09-01",
        "focus|20209880|2024-09-01",
        "focus|20209880|2024-10-01",
        "focus|/providers/Microsoft.Billing/billingAccounts/8611537|2024-09-01",
    }
    for key, sums in expected.items():
        where = f"partition_key = {models.sql_string(key)}"
        assert staged.total("billed_cost", where) == sums["BilledCost"]
        assert staged.total("effective_cost", where) == sums["EffectiveCost"]
        assert staged.total("list_cost", where) == sums["ListCost"]
        assert staged.total("contracted_cost", where) == sums["ContractedCost"]
    # row by row: numbers as the file states them, the row as a person counts it
    for row, landed in zip(rows, good, strict=True):
        assert landed["billed_cost"] == decimal_or_none(row["BilledCost"])
        assert landed["list_unit_price"] == decimal_or_none(row["ListUnitPrice"])  # quoted
        consumed = decimal_or_none(row["ConsumedQuantity"])
        assert landed["consumed_quantity"] == (None if consumed is None else quantize(consumed))
        assert landed["provider"] == row["ProviderName"]
        assert landed["extras"]["Id"] == row["Id"]  # the unprefixed extra column
        assert landed["charge_period_start"] == datetime.strptime(
            row["ChargePeriodStart"], "%Y-%m-%d %H:%M:%S"
        )
        tags = None if row["Tags"] == "NULL" else json.loads(row["Tags"])
        assert landed["tags"] == tags
        # the literal NULL is NULL
        assert landed["commitment_discount_id"] == decimal_or_none_text(row["CommitmentDiscountId"])
    assert [r["source_row"] for r in good] == list(range(1, 1001))


@needs_samples()
def test_real_sample_quirks_are_normalised() -> None:
    rows = _csv_rows(FOCUS_SAMPLE)
    good = stage(focus.FORMAT, [FOCUS_SAMPLE]).good()
    # OCI writes `Usage-based`: the FOCUS spelling is `Usage-Based`
    assert Counter(r["ChargeFrequency"] for r in rows)["Usage-based"] == 7
    assert {r["charge_frequency"] for r in good} == {"Usage-Based", "One-Time"}
    # OCI's empty RegionId and BillingAccountName are NULL, not ''
    oracle = [r for r in good if r["provider"] == "Oracle"]
    assert oracle and all(r["region_id"] is None for r in oracle)
    assert all(r["billing_account_name"] is None for r in oracle)
    # Microsoft's tag keys are kept as written (' org' and 'org' are two keys)
    microsoft = [r for r in good if r["provider"] == "Microsoft" and r["tags"]]
    assert microsoft and {" org", "org"} <= set(microsoft[0]["tags"])


@needs_samples()
def test_microsoft_rows_whose_list_cost_counts_consumed_quantity_are_flagged() -> None:
    """Microsoft's FOCUS 1.0 export states ListCost = ListUnitPrice x
    ConsumedQuantity on its 10K-block storage meters, with PricingQuantity =
    ConsumedQuantity / 10000: ConsumedQuantity counts pricing blocks there."""
    rows = _csv_rows(FOCUS_SAMPLE)
    expected = []
    for number, row in enumerate(rows, start=1):
        if "NULL" in (row["ListUnitPrice"], row["ListCost"]):
            continue
        price, cost = Decimal(row["ListUnitPrice"]), Decimal(row["ListCost"])
        consumed, pricing = Decimal(row["ConsumedQuantity"]), Decimal(row["PricingQuantity"])
        tolerance = max(Decimal("1e-9"), abs(cost) * Decimal("1e-4"))
        if price and abs(price * pricing - cost) > tolerance >= abs(price * consumed - cost):
            expected.append(number)
            assert consumed == pricing * 10000
    assert len(expected) == 31
    flagged = [
        r["source_row"]
        for r in stage(focus.FORMAT, [FOCUS_SAMPLE]).good()
        if (r["extras"] or {}).get("x_aicost_quantity_check")
        == "list_cost_matches_consumed_quantity"
    ]
    assert flagged == expected


@pytest.mark.slow
@needs_samples()
def test_gzip_csv_and_parquet_land_the_same_charges(tmp_path: Path) -> None:
    gz = tmp_path / "focus.csv.gz"
    gz.write_bytes(gzip.compress(FOCUS_SAMPLE.read_bytes()))
    parquet = tmp_path / "focus.parquet"
    # typed as DuckDB infers them (costs DOUBLE, timestamps TIMESTAMP), as a
    # parquet export would be; Tags as a MAP like AWS's FOCUS export
    duckdb.connect().execute(
        "copy (select * replace (case when Tags = 'NULL' then null else "
        "cast(json(Tags) as map(varchar, varchar)) end as Tags) "
        "from read_csv(?, nullstr='NULL')) to '" + str(parquet) + "' (format parquet)",
        [str(FOCUS_SAMPLE)],
    )
    types = dict(
        duckdb.connect()
        .execute("select name, type from parquet_schema(?)", [str(parquet)])
        .fetchall()
    )
    assert types["BilledCost"] == "DOUBLE" and types["Tags"] is None  # a MAP group
    plain = stage(focus.FORMAT, [FOCUS_SAMPLE])
    for other in (gz, parquet):
        staged = stage(focus.FORMAT, [other])
        assert staged.quarantined() == []
        for column in ("billed_cost", "effective_cost", "list_cost", "contracted_cost"):
            assert staged.total(column) == plain.total(column), (other.name, column)
        pairs = zip(staged.good(), plain.good(), strict=True)
        for mine, theirs in pairs:
            assert mine["source_row"] == theirs["source_row"]
            for key in ("billed_cost", "charge_period_start", "tags", "partition_key", "sku_id"):
                assert mine[key] == theirs[key], (other.name, key)


# --- the FOCUS specification's commitment-discount examples -------------------------

SPEC_FILES = sorted(p.name for p in SPEC_EXAMPLES.glob("*.csv")) if SPEC_EXAMPLES.is_dir() else []


@needs_samples()
def test_spec_examples_as_given_lack_the_billing_currency() -> None:
    """The appendix shows only the columns it discusses: without
    BillingCurrency a charge is never landed (the currency is never guessed)."""
    assert len(SPEC_FILES) == 11
    staged = stage(focus.FORMAT, [SPEC_EXAMPLES / name for name in SPEC_FILES])  # one read
    assert staged.good() == []
    expected = [
        (name, number, "BillingCurrency is missing")
        for name in SPEC_FILES
        for number in range(1, len(_csv_rows(SPEC_EXAMPLES / name)) + 1)
    ]
    assert staged.quarantined() == expected


@needs_samples()
@pytest.mark.parametrize("name", SPEC_FILES)
def test_spec_example_totals_are_the_files_own(name: str, tmp_path: Path) -> None:
    """With the two columns the appendix leaves out (BillingCurrency,
    ProviderName) added, each example lands with its own BilledCost and
    EffectiveCost totals; a row with an impossible ChargePeriodEnd (the spec's
    `2023-02-01T30:00:00Z`) is quarantined naming the column and value."""
    rows = _csv_rows(SPEC_EXAMPLES / name)
    path = _write_csv(
        tmp_path / name,
        [{**row, "BillingCurrency": "USD", "ProviderName": "FOCUS example"} for row in rows],
    )
    staged = stage(focus.FORMAT, [path])
    bad = [n for n, row in enumerate(rows, 1) if "T30:" in row["ChargePeriodEnd"]]
    assert staged.quarantined() == [
        (name, n, "ChargePeriodEnd is not a timestamp: 2023-02-01T30:00:00Z") for n in bad
    ]
    kept = [row for n, row in enumerate(rows, 1) if n not in bad]
    for column, canonical in (("BilledCost", "billed_cost"), ("EffectiveCost", "effective_cost")):
        assert staged.total(canonical) == sum((Decimal(r[column]) for r in kept), Decimal(0))
        quarantined = sum((Decimal(rows[n - 1][column]) for n in bad), Decimal(0))
        assert staged.total(canonical) + quarantined == sum(
            (Decimal(r[column]) for r in rows), Decimal(0)
        )
    for landed, row in zip(staged.good(), kept, strict=True):
        assert landed["charge_category"] == row["ChargeCategory"]
        assert landed["commitment_discount_id"] == (
            None if row["CommitmentDiscountId"] == "null" else row["CommitmentDiscountId"]
        )
        assert landed["billing_period_start"] == datetime(2023, 1, 1)
        assert landed["partition_key"] == "focus||2023-01-01"  # no BillingAccountId


# --- synthetic FOCUS 1.3: split allocations, new columns -----------------------------

FOCUS_13 = """\
BillingAccountId,BillingAccountType,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,\
ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeFrequency,ServiceProviderName,\
HostProviderName,InvoiceIssuerName,InvoiceId,ServiceName,ServiceCategory,SkuPriceId,ResourceId,\
BilledCost,EffectiveCost,ListCost,ContractedCost,PricingCurrency,SubAccountType,AllocatedMethodId,\
AllocatedMethodDetails,AllocatedResourceId,AllocatedResourceName,AllocatedTags,Tags,x_Cluster
acct-1,Billing Account,USD,2026-06-01T00:00:00Z,2026-07-01T00:00:00Z,2026-06-03T00:00:00Z,\
2026-06-04T00:00:00Z,Usage,Usage-Based,Acme Cloud,,Acme Cloud Inc.,INV-1,GPU Nodes,Compute,\
GPU-H100-HR,node-1,100.00,90.00,120.00,100.00,USD,Project,,,,,,"{""team"": ""ml""}",c1
acct-1,Billing Account,USD,2026-06-01T00:00:00Z,2026-07-01T00:00:00Z,2026-06-03T00:00:00Z,\
2026-06-04T00:00:00Z,Usage,Usage-Based,Acme Cloud,,Acme Cloud Inc.,INV-1,GPU Nodes,Compute,\
GPU-H100-HR,node-1,60.00,54.00,72.00,60.00,USD,Project,pod-gpu-share,\
"{""AllocatedRatio"": 0.6}",pod-a,inference-a,"{""app"": ""llm""}","{""team"": ""ml""}",c1
acct-1,Billing Account,USD,2026-06-01T00:00:00Z,2026-07-01T00:00:00Z,2026-06-03T00:00:00Z,\
2026-06-04T00:00:00Z,Usage,Usage-Based,Acme Cloud,,Acme Cloud Inc.,INV-1,GPU Nodes,Compute,\
GPU-H100-HR,node-1,40.00,36.00,48.00,40.00,USD,Project,pod-gpu-share,\
"{""AllocatedRatio"": 0.4}",pod-b,inference-b,"{""app"": ""rag""}","{""team"": ""ml""}",c1
acct-1,Billing Account,USD,2026-06-01T00:00:00Z,2026-07-01T00:00:00Z,2026-06-03T00:00:00Z,\
2026-06-04T00:00:00Z,Tax,One-Time,Acme Cloud,Other Cloud,Acme Cloud Inc.,INV-1,,,,,\
8.25,8.25,0,0,USD,Project,,,,,,,
"""


def test_focus_13_split_rows_land_flagged_and_never_count_on_top(tmp_path: Path) -> None:
    path = tmp_path / "focus13.csv"
    path.write_text(FOCUS_13, encoding="utf-8")
    assert focus.detect(sample(path))
    staged = stage(focus.FORMAT, [path])
    assert staged.quarantined() == []
    good = staged.good()
    assert [r["allocated_method_id"] for r in good] == [
        None,
        "pod-gpu-share",
        "pod-gpu-share",
        None,
    ]
    assert [r["allocated_resource_id"] for r in good] == [None, "pod-a", "pod-b", None]
    # the invoice: origin 100.00 + tax 8.25; the splits (60 + 40) are not on top
    assert staged.total("billed_cost", "allocated_method_id is null") == Decimal("108.25")
    assert staged.total("billed_cost") == Decimal("208.25")  # what a naive sum would say
    # the splits sum to their origin, metric by metric
    for column in ("billed_cost", "effective_cost", "list_cost", "contracted_cost"):
        assert staged.total(column, "allocated_method_id is not null") == good[0][column]
    split = good[1]
    assert split["provider"] == "Acme Cloud"  # ServiceProviderName (1.3)
    assert split["invoice_id"] == "INV-1"
    assert split["extras"] == {
        "x_Cluster": "c1",
        "allocated_method_details": '{"AllocatedRatio": 0.6}',
        "allocated_resource_name": "inference-a",
        "allocated_tags": '{"app": "llm"}',
        "billing_account_type": "Billing Account",
        "pricing_currency": "USD",
        "sub_account_type": "Project",
    }
    assert good[3]["extras"]["host_provider_name"] == "Other Cloud"
    assert good[3]["charge_category"] == "Tax"


# --- Azure OpenAI in a Microsoft FOCUS export ------------------------------------------

AZURE_OPENAI = """\
BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,\
ChargePeriodEnd,ChargeCategory,ChargeFrequency,ProviderName,PublisherName,ServiceName,\
ServiceCategory,ConsumedQuantity,ConsumedUnit,PricingQuantity,PricingUnit,ListUnitPrice,\
ListCost,BilledCost,EffectiveCost,ContractedCost,Tags,x_SkuMeterCategory,\
x_SkuMeterSubcategory,x_SkuMeterName,x_PricingBlockSize,x_PricingUnitDescription
ea-42,USD,6/1/2026,7/1/2026,6/2/2026,6/3/2026,Usage,UsageBased,Microsoft,Microsoft,\
Azure AI Services,AI and Machine Learning,1234000,Tokens,1234,1K Tokens,0.0025,3.085,3.085,\
3.085,3.085,"""
AZURE_OPENAI += (
    '"""team"": ""support"",""env"": ""prod""",Azure OpenAI,gpt 4o 0513 Input global Tokens,'
    "gpt-4o-0513-Inp-glbl Tokens,1000,1K\n"
)
AZURE_OPENAI += (
    "ea-42,USD,6/1/2026,7/1/2026,6/2/2026,6/3/2026,Usage,UsageBased,Microsoft,Microsoft,"
    "Azure AI Services,AI and Machine Learning,56789,Tokens,,1K Tokens,0.01,0.56789,0.56789,"
    "0.56789,0.56789,,Azure OpenAI,gpt 4o 0513 Output global Tokens,"
    "gpt-4o-0513-Outp-glbl Tokens,1000,1K\n"
)


def test_azure_openai_tokens_and_pricing_quantity(tmp_path: Path) -> None:
    """Tokens = ConsumedQuantity; pricing quantity = tokens / x_PricingBlockSize
    (stated, or derived exactly when the export leaves it empty); ListCost =
    ListUnitPrice x pricing quantity. Known totals: 1,234,000 input tokens at
    $0.0025 per 1K = $3.085; 56,789 output tokens at $0.01 per 1K = $0.56789."""
    path = tmp_path / "azure_focus.csv"
    path.write_text(AZURE_OPENAI, encoding="utf-8")
    staged = stage(focus.FORMAT, [path])
    assert staged.quarantined() == []
    inputs, outputs = staged.good()
    assert inputs["consumed_quantity"] == Decimal(1234000)
    assert inputs["pricing_quantity"] == Decimal(1234)
    assert outputs["consumed_quantity"] == Decimal(56789)
    assert outputs["pricing_quantity"] == Decimal("56.789")  # derived: 56789 / 1000
    for row in (inputs, outputs):
        assert row["list_unit_price"] * row["pricing_quantity"] == row["list_cost"]
        assert row["extras"]["x_SkuMeterCategory"] == "Azure OpenAI"
        assert row["charge_frequency"] == "Usage-Based"  # Azure's native `UsageBased`
        # US dates: 6/2/2026 is 2 June
        assert row["charge_period_start"] == datetime(2026, 6, 2)
        assert row["partition_key"] == "focus|ea-42|2026-06-01"
    assert inputs["sku_meter"] == "gpt-4o-0513-Inp-glbl Tokens"  # x_SkuMeterName (1.0)
    assert inputs["extras"]["x_SkuMeterSubcategory"] == "gpt 4o 0513 Input global Tokens"
    assert staged.total("billed_cost") == Decimal("3.65289")
    # the EA tags form, without the outer braces
    assert inputs["tags"] == {"team": "support", "env": "prod"}


@needs_samples()
def test_azure_native_quantity_counts_pricing_blocks() -> None:
    """The real EA export (native, not FOCUS): CostInBillingCurrency = Quantity x
    EffectivePrice on every row, with prices per UnitOfMeasure block (`10K`,
    `1K`, `1 GB`, `1 Hour`): native Quantity counts blocks, so units = Quantity
    x block size (the FOCUS sample's Microsoft rows carry the same quantity)."""
    rows = _csv_rows(AZURE_EA)
    units = Counter(row["UnitOfMeasure"] for row in rows)
    assert units["10K"] == 5 and units["1K"] == 1
    for row in rows:
        cost = Decimal(row["CostInBillingCurrency"])
        product = Decimal(row["Quantity"]) * Decimal(row["EffectivePrice"])
        assert abs(product - cost) <= max(Decimal("1e-9"), abs(cost) * Decimal("1e-5")), row


# --- malformed input -----------------------------------------------------------------

GOOD_ROW = (
    "a1,USD,2026-06-01 00:00:00,2026-07-01 00:00:00,2026-06-02 00:00:00,"
    "2026-06-02 01:00:00,Usage,AWS,{cost},1.00"
)
HEADER = (
    "BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,"
    "ChargePeriodEnd,ChargeCategory,ProviderName,BilledCost,EffectiveCost"
)


def test_bad_cells_quarantine_their_row_with_its_number(tmp_path: Path) -> None:
    lines = [
        HEADER,
        GOOD_ROW.format(cost="1.00"),
        GOOD_ROW.format(cost="1,00"),  # quoted below: one cell, not a number
        GOOD_ROW.format(cost="2.50"),
        GOOD_ROW.format(cost="NULL"),
        GOOD_ROW.format(cost="3.00").replace("2026-06-02 00:00:00", "yesterday"),
        GOOD_ROW.format(cost="4.00") + ",surplus",
        GOOD_ROW.format(cost="5.00").replace(",USD,", ",,"),
        GOOD_ROW.format(cost="1e-3"),
    ]
    lines[2] = GOOD_ROW.format(cost='"1,00"')
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    staged = stage(focus.FORMAT, [path])
    assert staged.quarantined() == [
        ("bad.csv", 2, "BilledCost is not a decimal number: 1,00"),
        ("bad.csv", 4, "BilledCost is missing"),
        ("bad.csv", 5, "ChargePeriodStart is not a timestamp: yesterday"),
        ("bad.csv", 6, "CSV row does not fit the header: Expected Number of Columns: 10 Found: 11"),
        ("bad.csv", 7, "BillingCurrency is missing"),
    ]
    assert [r["source_row"] for r in staged.good()] == [1, 3, 8]
    assert staged.total("billed_cost") == Decimal("3.501")


def test_a_file_that_is_not_csv_is_one_problem_row(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    staged = stage(focus.FORMAT, [path])
    [(name, row, reason)] = staged.quarantined()
    assert (name, row) == ("broken.parquet", None)
    assert reason.startswith("cannot read the file as FOCUS parquet:")


def test_a_file_lacking_optional_columns_reads_them_as_null(tmp_path: Path) -> None:
    path = tmp_path / "min.csv"
    path.write_text(HEADER + "\n" + GOOD_ROW.format(cost="7.25") + "\n", encoding="utf-8")
    [row] = stage(focus.FORMAT, [path]).good()
    assert row["billed_cost"] == Decimal("7.25")
    assert row["list_cost"] is None and row["tags"] is None and row["extras"] is None


# --- hypothesis: the tolerant parsers ---------------------------------------------------

SETTINGS = settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _macro_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set TimeZone = 'America/New_York'")  # the parser must not depend on it
    models.load_macros(con)
    return con


CON = _macro_con()


@SETTINGS
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30)),
    offset_minutes=st.sampled_from([0, 60, -300, 330, 840]),
    spelling=st.sampled_from(["space", "iso_z", "iso_ms_z", "iso_7", "offset", "us", "us_pm"]),
)
def test_timestamps_parse_in_every_spelling(
    moment: datetime, offset_minutes: int, spelling: str
) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    expected = moment
    if spelling == "space":
        text = moment.strftime("%Y-%m-%d %H:%M:%S")
        expected = moment.replace(microsecond=0)
    elif spelling == "iso_z":
        text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        expected = moment.replace(microsecond=0)
    elif spelling == "iso_ms_z":
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    elif spelling == "iso_7":
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"
    elif spelling == "offset":
        zone = timezone(timedelta(minutes=offset_minutes))
        text = moment.replace(tzinfo=UTC).astimezone(zone).isoformat()
    elif spelling == "us":
        text = f"{moment.month}/{moment.day}/{moment.year}"
        expected = datetime(moment.year, moment.month, moment.day)
    else:
        hour = moment.hour % 12 or 12
        half = "AM" if moment.hour < 12 else "PM"
        text = f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M:%S} {half}"
        expected = moment.replace(microsecond=0)
    assert CON.execute("select aicost_bill_ts(?)", [text]).fetchall()[0][0] == expected, text


@SETTINGS
@given(
    value=st.decimals(
        min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=12, allow_nan=False
    ),
    spelling=st.sampled_from(["plain", "exponent", "negative_exponent", "padded", "plus"]),
)
@example(value=Decimal("1000000000.000000000001"), spelling="exponent")
def test_decimals_parse_exactly_from_their_text(value: Decimal, spelling: str) -> None:
    text = {
        "plain": f"{value:f}",
        "exponent": f"{value.scaleb(-4):f}e4",  # exact: the mantissa keeps every digit
        "negative_exponent": f"{value.scaleb(6):f}E-6",
        "padded": f"  {value:f} ",
        "plus": f"+{value:f}" if value >= 0 else f"{value:f}",
    }[spelling]
    parsed = CON.execute("select aicost_bill_money(?)", [text]).fetchall()[0][0]
    assert parsed == quantize(value), text


_TAG_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
)


@SETTINGS
@given(
    tags=st.dictionaries(_TAG_TEXT, st.one_of(st.none(), _TAG_TEXT, st.integers(0, 10**6))),
    ea_form=st.booleans(),
)
def test_tags_parse_from_json_objects_and_the_ea_form(
    tags: dict[str, str | int | None], ea_form: bool
) -> None:
    text = json.dumps(tags)
    if ea_form and tags:
        text = text[1:-1]  # Azure EA: no outer braces
    parsed = CON.execute("select aicost_bill_tags(?)", [text]).fetchall()[0][0]
    expected = {k: "true" if v is None else str(v) for k, v in tags.items()}
    assert parsed == (expected or None) or (parsed == {} and not expected), text


def test_tags_read_arrays_of_key_value_pairs_and_keep_unparseable_text(tmp_path: Path) -> None:
    rows = [
        '[{"key": "team", "value": "ml"}, {"key": "flag", "value": null}]',
        "not tags at all",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(",") + ["Tags"])
    for tags in rows:
        writer.writerow(GOOD_ROW.format(cost="1").split(",") + [tags])
    path = tmp_path / "tags.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    first, second = stage(focus.FORMAT, [path]).good()
    assert first["tags"] == {"team": "ml", "flag": "true"}
    assert second["tags"] is None
    assert second["extras"] == {"x_tags_unparsed": "not tags at all"}
