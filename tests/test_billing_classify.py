"""The bill classification: landed bill lines (land_charges, inserted directly
into a migrated store) -> the `charges` mart's AI columns, with every expected
value written by hand from the usage type / meter / SKU / line item; the
parsers under hypothesis; `aicost billing unmapped` and [billing.models]."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aicost_cli import build, db, models
from aicost_cli.billing import classify
from aicost_cli.cli import app
from aicost_cli.config import Config, parse_config
from aicost_cli.errors import ConfigError, ExitCode
from tests.conftest import examples

runner = CliRunner()

CHARGE_DAY = date(2026, 7, 2)


def insert_charge(con: duckdb.DuckDBPyConnection, charge_id: str, **fields: Any) -> None:
    """One land_charges row: a CUR 2.0 Usage line of 2026-07-02 unless told otherwise."""
    row: dict[str, Any] = {
        "charge_id": charge_id,
        "billing_source": "cur2",
        "partition_key": "cur2:111:2026-07",
        "billing_account_id": "999",
        "sub_account_id": "111",
        "billing_period_start": "2026-07-01 00:00:00",
        "charge_period_start": "2026-07-02 10:00:00",
        "charge_period_end": "2026-07-02 11:00:00",
        "provider": "AWS",
        "charge_category": "Usage",
        "billed_cost": Decimal("1.5"),
        "effective_cost": Decimal("1.25"),
        "billing_currency": "USD",
        "source_file": "bill.parquet",
        "source_row": 1,
        "ingest_run_id": 1,
    }
    row.update(fields)
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    con.execute(f"insert into land_charges ({names}) values ({marks})", list(row.values()))


def bedrock(usage_type: str, **fields: Any) -> dict[str, Any]:
    extras = {"x_product_code": "AmazonBedrock", "x_billing_entity": "AWS"}
    extras["x_usage_type"] = usage_type
    extras.update(fields.pop("extras", {}))
    return {"sku_meter": usage_type, "extras": extras, **fields}


def marketplace(usage_type: str, product: str, **fields: Any) -> dict[str, Any]:
    extras = {
        "x_product_code": "prod-abc123xyz",
        "x_billing_entity": "AWS Marketplace",
        "x_usage_type": usage_type,
        "x_product_name": f"{product} (Amazon Bedrock Edition)",
        "x_pricing_unit": "Units",
        "x_line_item_description": f"{product} (Amazon Bedrock Edition) | tokens | 1M tokens",
    }
    return {"sku_meter": usage_type, "pricing_unit": "Units", "extras": extras, **fields}


def azure(meter: str, **fields: Any) -> dict[str, Any]:
    return {
        "billing_source": "focus",
        "provider": "Microsoft",
        "service_name": "Azure AI Services",
        "sku_meter": meter,
        "consumed_unit": "Units",
        "pricing_unit": "1K Tokens",
        "extras": {"x_SkuMeterCategory": "Azure OpenAI", "x_PricingBlockSize": "1000"},
        **fields,
    }


def vertex(sku: str, **fields: Any) -> dict[str, Any]:
    return {
        "billing_source": "focus",
        "provider": "Google Cloud",
        "service_name": "Vertex AI",
        "sku_meter": sku,
        "consumed_unit": "requests",
        **fields,
    }


def openai(line_item: str | None, **fields: Any) -> dict[str, Any]:
    extras = {} if line_item is None else {"x_line_item": line_item}
    return {
        "billing_source": "openai-costs",
        "provider": "OpenAI",
        "sku_meter": line_item,
        "sub_account_id": "proj_abc",
        "extras": extras,
        **fields,
    }


def anthropic(cost_type: str, token_type: str | None = None, **extras: str) -> dict[str, Any]:
    values = {"x_cost_type": cost_type, **extras}
    if token_type is not None:
        values["x_token_type"] = token_type
    return {
        "billing_source": "anthropic-costs",
        "provider": "Anthropic",
        "sub_account_id": "wrkspc_01",
        "extras": values,
    }


def ec2(usage_type: str, **fields: Any) -> dict[str, Any]:
    extras = {"x_product_code": fields.pop("code", "AmazonEC2"), "x_usage_type": usage_type}
    extras.update(fields.pop("extras", {}))
    return {"sku_meter": usage_type, "extras": extras, **fields}


@dataclass(frozen=True)
class Expect:
    family: str | None
    kind: str | None  # charges.ai_kind (NULL unless is_ai)
    provider: str | None = None
    bill_model: str | None = None
    model_key: str | None = None
    token_class: str | None = None
    tier: str | None = None
    routing: str | None = None
    tokens: int | None = None
    is_ai: bool = field(default=True)


K = "1K tokens"
# (charge id, land_charges fields, expected classification), all by hand
CASES: list[tuple[str, dict[str, Any], Expect]] = [
    # --- Bedrock first-party usage types, priced per 1K tokens ------------------
    (
        "br-in",
        bedrock("USE1-Claude4.5Sonnet-input-tokens", consumed_quantity="12.5", consumed_unit=K),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Claude4.5Sonnet",
            "claude-sonnet-4-5",
            "input",
            "standard",
            "in_region",
            12500,
        ),
    ),
    (
        "br-out",
        # the unit from CUR's pricing_unit (extras) when consumed_unit is absent
        bedrock(
            "USE1-Claude4.5Sonnet-output-tokens",
            consumed_quantity="0.75",
            extras={"x_pricing_unit": "1K tokens"},
        ),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Claude4.5Sonnet",
            "claude-sonnet-4-5",
            "output",
            "standard",
            "in_region",
            750,
        ),
    ),
    (
        "br-cache-read",
        bedrock(
            "USE1-Claude4.6Sonnet-cache-read-input-token-count",
            consumed_quantity="3",
            consumed_unit="1000 Tokens",
        ),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Claude4.6Sonnet",
            "claude-sonnet-4-6",
            "cache_read",
            "standard",
            "in_region",
            3000,
        ),
    ),
    (
        "br-cache-write",
        bedrock(
            "EUC1-Claude4.6Opus-cache-write-input-token-count",
            consumed_quantity="0.001",
            consumed_unit=K,
        ),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Claude4.6Opus",
            "claude-opus-4-6",
            "cache_write",
            "standard",
            "in_region",
            1,
        ),
    ),
    (
        "br-flex",
        bedrock("USE1-Nova2.0Lite-input-tokens-flex", consumed_quantity="2", consumed_unit=K),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Nova2.0Lite",
            "amazon.nova-2-lite",
            "input",
            "flex",
            "in_region",
            2000,
        ),
    ),
    (
        "br-batch",
        bedrock("USE1-NovaMicro-input-tokens-batch", consumed_quantity="1", consumed_unit=K),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "NovaMicro",
            "amazon.nova-micro",
            "input",
            "batch",
            "in_region",
            1000,
        ),
    ),
    (
        "br-priority",
        bedrock("USE1-NovaLite-output-tokens-priority", consumed_quantity="1", consumed_unit=K),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "NovaLite",
            "amazon.nova-lite",
            "output",
            "priority",
            "in_region",
            1000,
        ),
    ),
    (
        "br-global",
        bedrock(
            "USE1-Claude4Sonnet-cache-read-input-token-count-cross-region-global",
            consumed_quantity="4",
            consumed_unit=K,
        ),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Claude4Sonnet",
            "claude-sonnet-4",
            "cache_read",
            "standard",
            "global",
            4000,
        ),
    ),
    (
        "br-mantle",
        bedrock(
            "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard",
            consumed_quantity="1.5",
            consumed_unit=K,
        ),
        # a vendor.model name is the model id: 'openai.' goes as in the logs' keys
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "openai.gpt-oss-120b",
            "gpt-oss-120b",
            "input",
            "standard",
            "in_region",
            1500,
        ),
    ),
    (
        "br-mantle-cache",
        bedrock("USE1-xai.grok-4.3-mantle-cache-read-tokens-flex"),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "xai.grok-4.3",
            "xai.grok-4.3",
            "cache_read",
            "flex",
            "in_region",
        ),
    ),
    (
        "br-custom",
        # a custom model's tokens are not the base model's: unmapped until configured
        bedrock("USE1-NovaLite-input-tokens-custom-model", consumed_quantity="1", consumed_unit=K),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "NovaLite-custom-model",
            None,
            "input",
            "standard",
            "in_region",
            1000,
        ),
    ),
    (
        "br-unknown-model",
        bedrock("USE1-Claude9Ultra-input-tokens", consumed_quantity="1", consumed_unit=K),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "Claude9Ultra",
            None,
            "input",
            "standard",
            "in_region",
            1000,
        ),
    ),
    (
        "br-no-unit",
        # 'Units' names no token size and there is no description: unknown, never assumed
        bedrock("USE1-NovaPro-input-tokens", consumed_quantity="7", consumed_unit="Units"),
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "NovaPro",
            "amazon.nova-pro",
            "input",
            "standard",
            "in_region",
            None,
        ),
    ),
    (
        "br-training",
        bedrock("USE1-NovaPro-Customization-Training"),
        Expect("bedrock", "other_ai", "bedrock"),
    ),
    (
        "br-pt",
        bedrock(
            "USE1-ProvisionedThroughput-Claude4.5Sonnet-1Month-Commit", charge_category="Purchase"
        ),
        Expect("bedrock", "capacity", "bedrock"),
    ),
    (
        "br-tax",
        bedrock("USE1-Claude4.5Sonnet-input-tokens", charge_category="Tax"),
        Expect(
            "bedrock",
            None,
            "bedrock",
            "Claude4.5Sonnet",
            "claude-sonnet-4-5",
            "input",
            "standard",
            "in_region",
            is_ai=False,
        ),
    ),
    (
        "br-credit",
        bedrock("", charge_category="Credit", billed_cost=Decimal("-3")),
        Expect("bedrock", None, "bedrock", is_ai=False),
    ),
    (
        "br-token-purchase",
        # a token line is usage: as a Purchase it is not an AI usage charge
        bedrock("USE1-Claude4.5Sonnet-input-tokens", charge_category="Purchase"),
        Expect(
            "bedrock",
            None,
            "bedrock",
            "Claude4.5Sonnet",
            "claude-sonnet-4-5",
            "input",
            "standard",
            "in_region",
            is_ai=False,
        ),
    ),
    (
        "br-focus-aws",
        # AWS's FOCUS export: x_ServiceCode / x_UsageType
        {
            "billing_source": "focus",
            "service_name": "Amazon Bedrock",
            "consumed_quantity": "2",
            "consumed_unit": "1K Tokens",
            "extras": {
                "x_ServiceCode": "AmazonBedrock",
                "x_UsageType": "USW2-NovaPro-output-tokens",
            },
        },
        Expect(
            "bedrock",
            "tokens",
            "bedrock",
            "NovaPro",
            "amazon.nova-pro",
            "output",
            "standard",
            "in_region",
            2000,
        ),
    ),
    # --- Bedrock Marketplace models, priced per 1M tokens ----------------------
    (
        "mp-in",
        marketplace(
            "USE1-MP:USE1_InputTokenCount-Units", "Claude Haiku 4.5", consumed_quantity="0.002"
        ),
        Expect(
            "bedrock_marketplace",
            "tokens",
            "bedrock",
            "Claude Haiku 4.5",
            "claude-haiku-4-5",
            "input",
            "standard",
            "in_region",
            2000,
        ),
    ),
    (
        "mp-out-global",
        marketplace(
            "USE1-MP:USE1_OutputTokenCount_Global-Units",
            "Claude Sonnet 4.5",
            consumed_quantity="0.0105",
        ),
        Expect(
            "bedrock_marketplace",
            "tokens",
            "bedrock",
            "Claude Sonnet 4.5",
            "claude-sonnet-4-5",
            "output",
            "standard",
            "global",
            10500,
        ),
    ),
    (
        "mp-cache-read",
        marketplace(
            "USW2-MP:USW2_CacheReadInputTokenCount-Units", "Claude Opus 4.1", consumed_quantity="1"
        ),
        Expect(
            "bedrock_marketplace",
            "tokens",
            "bedrock",
            "Claude Opus 4.1",
            "claude-opus-4-1",
            "cache_read",
            "standard",
            "in_region",
            1000000,
        ),
    ),
    (
        "mp-snake",
        marketplace(
            "USE1-MP:USE1_cache_write_tokens_global_standard-Units",
            "Claude Sonnet 4.6",
            consumed_quantity="0.5",
        ),
        Expect(
            "bedrock_marketplace",
            "tokens",
            "bedrock",
            "Claude Sonnet 4.6",
            "claude-sonnet-4-6",
            "cache_write",
            "standard",
            "global",
            500000,
        ),
    ),
    (
        "mp-unknown",
        marketplace(
            "USE1-MP:USE1_input_tokens_standard-Units", "Claude Opus 9", consumed_quantity="1"
        ),
        Expect(
            "bedrock_marketplace",
            "tokens",
            "bedrock",
            "Claude Opus 9",
            None,
            "input",
            "standard",
            "in_region",
            1000000,
        ),
    ),
    # --- Azure OpenAI meters (FOCUS): tokens = ConsumedQuantity -----------------
    (
        "az-in",
        azure("gpt-4o-0806-Inp-regnl Tokens", consumed_quantity="1500"),
        Expect(
            "azure_openai",
            "tokens",
            "azure",
            "gpt-4o-0806",
            "gpt-4o",
            "input",
            "standard",
            "in_region",
            1500,
        ),
    ),
    (
        "az-batch",
        azure("gpt-4o-mini-0718-Batch-Inp-glbl Tokens", consumed_quantity="20"),
        Expect(
            "azure_openai",
            "tokens",
            "azure",
            "gpt-4o-mini-0718",
            "gpt-4o-mini",
            "input",
            "batch",
            "global",
            20,
        ),
    ),
    (
        "az-cached",
        azure("5.4 mini cd Inp Gl 1M Tokens", consumed_quantity="300", pricing_unit="1M Tokens"),
        Expect(
            "azure_openai",
            "tokens",
            "azure",
            "5.4 mini",
            "gpt-5.4-mini",
            "cache_read",
            "standard",
            "global",
            300,
        ),
    ),
    (
        "az-out-dzone",
        azure("gpt-4o-0806-Outp-DZone Tokens", consumed_quantity="42"),
        Expect(
            "azure_openai",
            "tokens",
            "azure",
            "gpt-4o-0806",
            "gpt-4o",
            "output",
            "standard",
            "geo",
            42,
        ),
    ),
    (
        "az-spaced",
        azure("o4-mini 0416 Inp glbl Tokens", consumed_quantity="9"),
        Expect(
            "azure_openai",
            "tokens",
            "azure",
            "o4-mini 0416",
            "o4-mini",
            "input",
            "standard",
            "global",
            9,
        ),
    ),
    (
        "az-ptu",
        azure("Provisioned Managed Global Unit", consumed_quantity="24", consumed_unit="Hours"),
        Expect("azure_openai", "capacity", "azure"),
    ),
    # --- Vertex AI SKUs (FOCUS): usage 'requests' of a token SKU are tokens -----
    (
        "vx-in",
        vertex("Gemini 2.5 Flash GA Text Input - Predictions", consumed_quantity="1761"),
        Expect(
            "vertex_ai",
            "tokens",
            "vertex_ai",
            "Gemini 2.5 Flash",
            "gemini-2.5-flash",
            "input",
            "standard",
            "in_region",
            1761,
        ),
    ),
    (
        "vx-out",
        vertex(
            "Gemini 2.5 Flash GA Text Output (Thinking On) - Predictions", consumed_quantity="310"
        ),
        Expect(
            "vertex_ai",
            "tokens",
            "vertex_ai",
            "Gemini 2.5 Flash",
            "gemini-2.5-flash",
            "output",
            "standard",
            "in_region",
            310,
        ),
    ),
    (
        "vx-cache",
        vertex("Gemini 2.5 Flash GA Input Text Caching", consumed_quantity="5"),
        Expect(
            "vertex_ai",
            "tokens",
            "vertex_ai",
            "Gemini 2.5 Flash",
            "gemini-2.5-flash",
            "cache_read",
            "standard",
            "in_region",
            5,
        ),
    ),
    (
        "vx-global",
        vertex("Gemini 3.7 Flash Global Text Input - Predictions", consumed_quantity="8"),
        Expect(
            "vertex_ai",
            "tokens",
            "vertex_ai",
            "Gemini 3.7 Flash",
            None,
            "input",
            "standard",
            "global",
            8,
        ),
    ),
    (
        "vx-grounding",
        vertex("LLM Grounding with Google Search tool - Predictions", consumed_quantity="3"),
        Expect("vertex_ai", "other_ai", "vertex_ai"),
    ),
    # --- OpenAI Costs API line items ---------------------------------------------
    (
        "oa-in",
        openai("gpt-4o-2024-08-06, input", consumed_quantity="1200", consumed_unit="tokens"),
        Expect(
            "openai",
            "tokens",
            "openai",
            "gpt-4o-2024-08-06",
            "gpt-4o",
            "input",
            "standard",
            None,
            1200,
        ),
    ),
    (
        "oa-exact-key",
        # a dated id that is a catalog key of its own keeps it (as the pricing does)
        openai("gpt-4o-2024-05-13, output"),
        Expect(
            "openai",
            "tokens",
            "openai",
            "gpt-4o-2024-05-13",
            "gpt-4o-2024-05-13",
            "output",
            "standard",
        ),
    ),
    (
        "oa-cached",
        openai("gpt-4o-mini-2024-07-18, cached input"),
        Expect(
            "openai",
            "tokens",
            "openai",
            "gpt-4o-mini-2024-07-18",
            "gpt-4o-mini",
            "cache_read",
            "standard",
        ),
    ),
    (
        "oa-batch",
        openai(
            "gpt-4o-mini-2024-07-18, input (batch)",
            consumed_quantity="2",
            consumed_unit="1000_tokens",
        ),
        Expect(
            "openai",
            "tokens",
            "openai",
            "gpt-4o-mini-2024-07-18",
            "gpt-4o-mini",
            "input",
            "batch",
            None,
            2000,
        ),
    ),
    ("oa-tool", openai("web search tool calls"), Expect("openai", "other_ai", "openai")),
    ("oa-ungrouped", openai(None), Expect("openai", "tokens", "openai")),
    # --- Anthropic cost_report ----------------------------------------------------
    (
        "an-in",
        anthropic(
            "tokens",
            "uncached_input_tokens",
            x_model="claude-sonnet-4-5",
            x_service_tier="standard",
            x_inference_geo="global",
        ),
        Expect(
            "anthropic",
            "tokens",
            "anthropic",
            "claude-sonnet-4-5",
            "claude-sonnet-4-5",
            "input",
            "standard",
            "global",
        ),
    ),
    (
        "an-1h",
        anthropic(
            "tokens",
            "cache_creation.ephemeral_1h_input_tokens",
            x_model="claude-opus-4-1-20250805",
            x_service_tier="batch",
            x_inference_geo="us",
        ),
        Expect(
            "anthropic",
            "tokens",
            "anthropic",
            "claude-opus-4-1-20250805",
            "claude-opus-4-1",
            "cache_write_1h",
            "batch",
            "geo",
        ),
    ),
    (
        "an-5m",
        anthropic("tokens", "cache_creation.ephemeral_5m_input_tokens", x_model="claude-haiku-4-5"),
        Expect(
            "anthropic",
            "tokens",
            "anthropic",
            "claude-haiku-4-5",
            "claude-haiku-4-5",
            "cache_write",
            "standard",
        ),
    ),
    ("an-search", anthropic("web_search"), Expect("anthropic", "other_ai", "anthropic")),
    # --- compute: GPU instances and SageMaker are capacity; the rest is not AI ---
    (
        "ec2-gpu",
        ec2("USE2-BoxUsage:p5.48xlarge", consumed_quantity="24", consumed_unit="Hrs"),
        Expect("gpu_instance", "capacity"),
    ),
    (
        "ec2-ri-fee",
        ec2(
            "HeavyUsage:p4d.24xlarge",
            charge_category="Purchase",
            extras={"x_line_item_type": "RIFee"},
        ),
        Expect("gpu_instance", "capacity"),
    ),
    ("ec2-cpu", ec2("BoxUsage:m5.large"), Expect(None, None, is_ai=False)),
    (
        "sm-host",
        ec2("USE1-Host:ml.g5.12xlarge", code="AmazonSageMaker"),
        Expect("sagemaker", "capacity", "sagemaker"),
    ),
    (
        "sm-train",
        ec2("USE1-Train:ml.p4d.24xlarge", code="AmazonSageMaker"),
        Expect("sagemaker", "other_ai", "sagemaker"),
    ),
    ("s3", ec2("TimedStorage-ByteHrs", code="AmazonS3"), Expect(None, None, is_ai=False)),
    (
        "tax",
        {"charge_category": "Tax", "extras": {"x_product_code": "AmazonS3"}},
        Expect(None, None, is_ai=False),
    ),
]


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every case landed in one store, built once (a full build, real DuckDB)."""
    path = tmp_path_factory.mktemp("classify") / "store.duckdb"
    con = db.connect(path)
    try:
        for charge_id, fields, _ in CASES:
            insert_charge(con, charge_id, **fields)
        build.build(con, Config(), full=True)
        cursor = con.execute("select * from charges")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return {row["charge_id"]: row for row in rows}
    finally:
        con.close()


@pytest.mark.parametrize(("charge_id", "expect"), [(c, e) for c, _, e in CASES])
def test_classification(
    classified: dict[str, dict[str, Any]], charge_id: str, expect: Expect
) -> None:
    row = classified[charge_id]
    got = Expect(
        row["ai_family"],
        row["ai_kind"],
        row["provider_key"],
        row["bill_model"],
        row["model_key"],
        row["token_class"],
        row["tier"],
        row["routing"],
        None if row["billed_tokens"] is None else int(row["billed_tokens"]),
        row["is_ai"],
    )
    assert got == expect
    assert row["day"] == CHARGE_DAY


def test_every_landed_line_is_in_charges_with_its_money(
    classified: dict[str, dict[str, Any]],
) -> None:
    assert set(classified) == {c for c, _, _ in CASES}
    for charge_id, fields, _ in CASES:
        row = classified[charge_id]
        assert row["billed_cost"] == Decimal(fields.get("billed_cost", "1.5"))
        assert row["effective_cost"] == Decimal("1.25")
        assert row["account_key"] == fields.get("sub_account_id", "111")


def test_the_model_key_says_where_it_came_from(classified: dict[str, dict[str, Any]]) -> None:
    assert classified["br-in"]["model_key_source"] == "bundled"
    assert classified["br-mantle"]["model_key_source"] == "model_id"
    assert classified["oa-in"]["model_key_source"] == "model_id"
    assert classified["br-unknown-model"]["model_key_source"] is None
    assert classified["ec2-gpu"]["instance_type"] == "p5.48xlarge"
    assert classified["sm-host"]["instance_type"] == "ml.g5.12xlarge"


#: the columns `charges` adds to land_charges' own (docs/schema.md), pinned
CLASSIFICATION_COLUMNS = [
    ("ai_family", "VARCHAR"),
    ("usage_type", "VARCHAR"),
    ("is_ai", "BOOLEAN"),
    ("ai_kind", "VARCHAR"),
    ("provider_key", "VARCHAR"),
    ("bill_model", "VARCHAR"),
    ("model_key", "VARCHAR"),
    ("model_key_source", "VARCHAR"),
    ("token_class", "VARCHAR"),
    ("tier", "VARCHAR"),
    ("routing", "VARCHAR"),
    ("billed_tokens", "DECIMAL(38,0)"),
    ("account_key", "VARCHAR"),
    ("instance_type", "VARCHAR"),
    ("inference_profile_arn", "VARCHAR"),
    ("profile_tags", "MAP(VARCHAR, VARCHAR)"),
]


def test_charges_columns_are_pinned(built: dict[str, Path]) -> None:
    """day, then every land_charges column as landed, then the classification."""
    con = duckdb.connect(str(built["empty"]), read_only=True)  # built in full, no bill
    try:
        query = (
            "select column_name, data_type from information_schema.columns "
            "where table_name = ? order by ordinal_position"
        )
        landed = con.execute(query, ["land_charges"]).fetchall()
        charges = con.execute(query, ["charges"]).fetchall()
    finally:
        con.close()
    assert charges == [("day", "DATE"), *landed, *CLASSIFICATION_COLUMNS]


# --- the parsers under hypothesis ------------------------------------------------


@pytest.fixture(scope="module")
def views() -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated in-memory store with the classification models as views:
    land one line, read its classification (no build per example)."""
    con = duckdb.connect()
    db.migrate(con)
    build.bind_config(con, Config())
    con.execute("create temp table build_days as select date '2026-07-02' as day")
    con.execute("create or replace temp macro aicost_build_from() as timestamp '2026-07-02'")
    con.execute("create or replace temp macro aicost_build_until() as timestamp '2026-07-03'")
    models.create_views(
        con, ["int_charges_scoped", "int_charge_meters_classified", "int_charges_classified"]
    )
    yield con
    con.close()


def classify_many(
    con: duckdb.DuckDBPyConnection, lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Land the lines (ids 0, 1, ...) and read their classification, in order."""
    con.execute("delete from land_charges")
    for number, fields in enumerate(lines):
        insert_charge(con, str(number), **fields)
    cursor = con.execute("select * from int_charges_classified order by cast(charge_id as int)")
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert len(rows) == len(lines)
    return rows


def bundled_lookups() -> set[str]:
    path = Path(classify.__file__).parent.parent / "data" / "bill_models.csv"
    with path.open(encoding="utf-8") as handle:
        return {classify.lookup_key(row["bill_model"]) for row in csv.DictReader(handle)}


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
# model-like names that no map knows (no '.': not a vendor.model id)
UNKNOWN_NAMES = st.from_regex(r"\AZz[A-Za-z0-9]{1,12}\Z")
TOKEN_TYPES = {
    "input-tokens": "input",
    "output-tokens": "output",
    "cache-read-input-token-count": "cache_read",
    "cache-write-input-token-count": "cache_write",
    "mantle-input-tokens": "input",
    "mantle-output-tokens": "output",
}
SUFFIXES = st.sampled_from(["", "-batch", "-flex", "-priority", "-cross-region-global"])
SETTINGS = settings(
    max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _marketplace_text(text: str) -> dict[str, Any]:
    return marketplace(text, text)


FAMILIES: dict[str, Callable[[str], dict[str, Any]]] = {
    "bedrock": bedrock,
    "marketplace": _marketplace_text,
    "azure": azure,
    "vertex": vertex,
    "openai": openai,
}


@SETTINGS
@given(lines=st.lists(st.tuples(TEXT, st.sampled_from(sorted(FAMILIES))), min_size=1, max_size=10))
def test_any_string_classifies_without_error(
    views: duckdb.DuckDBPyConnection, lines: list[tuple[str, str]]
) -> None:
    rows = classify_many(views, [FAMILIES[family](text) for text, family in lines])
    known = bundled_lookups()
    for row in rows:
        # a model key only from a name the map knows, or a model id the bill names
        if row["model_key"] is not None:
            assert row["model_key_source"] in ("bundled", "model_id")
            if row["model_key_source"] == "bundled":
                assert classify.lookup_key(row["bill_model"]) in known
        assert row["token_class"] in (None, "input", "output", "cache_read", "cache_write")


@SETTINGS
@given(
    lines=st.lists(
        st.tuples(
            UNKNOWN_NAMES,
            st.sampled_from(sorted(TOKEN_TYPES)),
            SUFFIXES,
            st.sampled_from(["", "USE1-", "EUC1-", "APS3-"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_unknown_bedrock_models_are_unmapped_never_guessed(
    views: duckdb.DuckDBPyConnection, lines: list[tuple[str, str, str, str]]
) -> None:
    rows = classify_many(
        views, [bedrock(f"{region}{name}-{token}{suffix}") for name, token, suffix, region in lines]
    )
    for (name, token, suffix, _), row in zip(lines, rows, strict=True):
        assert (row["bill_model"], row["model_key"]) == (name, None)
        assert row["token_class"] == TOKEN_TYPES[token]
        tier = suffix.strip("-") if suffix in ("-batch", "-flex", "-priority") else "standard"
        assert row["tier"] == tier
        assert row["routing"] == ("global" if "global" in suffix else "in_region")


@SETTINGS
@given(
    lines=st.lists(
        st.tuples(UNKNOWN_NAMES, st.sampled_from(["Inp", "Outp", "cd Inp"])),
        min_size=1,
        max_size=10,
    )
)
def test_unknown_azure_and_vertex_models_are_unmapped(
    views: duckdb.DuckDBPyConnection, lines: list[tuple[str, str]]
) -> None:
    fields = [azure(f"{name}-{word}-glbl Tokens", consumed_quantity="3") for name, word in lines]
    fields += [vertex(f"Gemini {name} Text Input - Predictions") for name, _ in lines]
    rows = classify_many(views, fields)
    for (name, _), row in zip(lines, rows[: len(lines)], strict=True):
        assert (row["bill_model"], row["model_key"], row["billed_tokens"]) == (name, None, 3)
    for (name, _), row in zip(lines, rows[len(lines) :], strict=True):
        assert (row["bill_model"], row["model_key"]) == (f"Gemini {name}", None)


def test_bundled_map_is_unique_and_in_log_key_space() -> None:
    """One row per (provider, bill model); every key is one the logs' pricing
    can produce: a catalog key, or a normalised name (aicost_model_key of itself)."""
    path = Path(classify.__file__).parent.parent / "data" / "bill_models.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    keys = [(r["provider_key"], classify.lookup_key(r["bill_model"])) for r in rows]
    assert len(keys) == len(set(keys))
    con = duckdb.connect()
    try:
        db.migrate(con)
        models.load_macros(con)
        from aicost_cli import prices

        prices.ensure_bundled(con)
        catalog = {r[0] for r in con.execute("select model_key from prices").fetchall()}
        for row in rows:
            normalised = con.execute("select aicost_model_key(?)", [row["model_key"]]).fetchall()
            assert row["model_key"] in catalog or normalised[0][0] == row["model_key"], row
            lookup = con.execute("select aicost_bill_model_lookup(?)", [row["bill_model"]])
            assert lookup.fetchall()[0][0] == classify.lookup_key(row["bill_model"])
    finally:
        con.close()


# --- `aicost billing unmapped` and [billing.models] ----------------------------


def land(path: Path, cases: list[tuple[str, dict[str, Any]]]) -> None:
    con = db.connect(path)
    try:
        for charge_id, fields in cases:
            insert_charge(con, charge_id, **fields)
        build.build(con, Config(), full=True)
    finally:
        con.close()


UNMAPPED_CASES: list[tuple[str, dict[str, Any]]] = [
    ("u1", bedrock("USE1-Claude9Ultra-input-tokens", billed_cost=Decimal("2.000000000001"))),
    ("u2", bedrock("USE1-Claude9Ultra-output-tokens", billed_cost=Decimal("5"))),
    (
        "u3",
        bedrock(
            "USE1-Claude9Ultra-output-tokens",
            billed_cost=Decimal("5"),
            charge_period_start="2026-07-03 09:00:00",
        ),
    ),
    ("u4", openai(None, billed_cost=Decimal("0.06"))),
    ("mapped", bedrock("USE1-Claude4.5Sonnet-input-tokens")),
    ("tax", bedrock("USE1-Claude9Ultra-input-tokens", charge_category="Tax")),
    ("s3", ec2("TimedStorage-ByteHrs", code="AmazonS3")),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Stores landed and built once per module (tests get a copy): ``empty`` (no
    bill) and ``unmapped`` (UNMAPPED_CASES)."""
    folder = tmp_path_factory.mktemp("classify-built")
    stores = {"empty": folder / "empty.duckdb", "unmapped": folder / "unmapped.duckdb"}
    land(stores["empty"], [])
    land(stores["unmapped"], UNMAPPED_CASES)
    return stores


def copy_of(built: dict[str, Path], name: str, path: Path) -> Path:
    return Path(shutil.copyfile(built[name], path))


def test_billing_unmapped_lists_unmapped_ai_charges(hermetic: Path, built: dict[str, Path]) -> None:
    copy_of(built, "unmapped", hermetic / "test.duckdb")
    result = runner.invoke(app, ["billing", "unmapped", "--format", "json"])
    assert result.exit_code == ExitCode.OK, result.output
    rows = json.loads(result.stdout)
    assert rows == [
        {
            "reason": "model not mapped",
            "provider_key": "bedrock",
            "ai_family": "bedrock",
            "bill_model": "Claude9Ultra",
            "usage_type": "USE1-Claude9Ultra-output-tokens",
            "charges": 2,
            "billed_cost": 10,
            "effective_cost": 2.5,
            "billing_currency": "USD",
            "first_day": "2026-07-02",
            "last_day": "2026-07-03",
        },
        {
            "reason": "model not mapped",
            "provider_key": "bedrock",
            "ai_family": "bedrock",
            "bill_model": "Claude9Ultra",
            "usage_type": "USE1-Claude9Ultra-input-tokens",
            "charges": 1,
            "billed_cost": 2.000000000001,
            "effective_cost": 1.25,
            "billing_currency": "USD",
            "first_day": "2026-07-02",
            "last_day": "2026-07-02",
        },
        {
            "reason": "no model on the bill line",
            "provider_key": "openai",
            "ai_family": "openai",
            "bill_model": None,
            "usage_type": None,
            "charges": 1,
            "billed_cost": 0.06,
            "effective_cost": 1.25,
            "billing_currency": "USD",
            "first_day": "2026-07-02",
            "last_day": "2026-07-02",
        },
    ]
    # money is exact in the machine formats (not through float)
    assert '"billed_cost": 2.000000000001,' in result.stdout
    assert '[billing.models] "Claude9Ultra"' in result.stderr

    table = runner.invoke(app, ["billing", "unmapped"])
    assert table.exit_code == ExitCode.OK, table.output
    assert "Claude9Ultra" in table.stdout


def test_billing_unmapped_with_no_bill_is_empty(hermetic: Path, built: dict[str, Path]) -> None:
    copy_of(built, "empty", hermetic / "test.duckdb")
    result = runner.invoke(app, ["billing", "unmapped", "--format", "json"])
    assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.OK, "[]\n", "")
    csv_out = runner.invoke(app, ["billing", "unmapped", "--format", "csv"])
    assert csv_out.stdout.startswith("reason,provider_key,ai_family,bill_model,usage_type,")


def test_a_config_override_maps_a_bill_model(hermetic: Path, built: dict[str, Path]) -> None:
    copy_of(built, "unmapped", hermetic / "test.duckdb")
    config = hermetic / "aicost.toml"
    config.write_text(
        '[billing.models]\n"claude9ultra" = "claude-ultra-9"\n'
        # an override wins over the bundled map
        '"Claude4.5Sonnet" = "claude-sonnet-4-5-custom"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["--config", str(config), "billing", "unmapped", "--format", "json"]
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert "rebuilt" in result.stderr and "configuration changed" in result.stderr
    assert [r["reason"] for r in json.loads(result.stdout)] == ["no model on the bill line"]
    con = duckdb.connect(str(hermetic / "test.duckdb"), read_only=True)
    try:
        got = dict(
            con.execute(
                "select charge_id, model_key || '/' || model_key_source from charges "
                "where charge_id in ('u1', 'u3', 'mapped')"
            ).fetchall()
        )
    finally:
        con.close()
    assert got == {
        "u1": "claude-ultra-9/config",
        "u3": "claude-ultra-9/config",
        "mapped": "claude-sonnet-4-5-custom/config",
    }


def test_two_config_names_for_one_bill_model_must_agree(tmp_path: Path) -> None:
    config = parse_config(
        {"billing": {"models": {"Claude9Ultra": "a", "claude9ultra": "b"}}}, tmp_path / "c.toml"
    )
    with pytest.raises(ConfigError, match="the same bill model"):
        classify.config_models(config)


def test_config_digest_covers_billing_models_and_profiles(tmp_path: Path) -> None:
    base = parse_config({}, tmp_path / "c.toml")
    mapped = parse_config({"billing": {"models": {"X": "y"}}}, tmp_path / "c.toml")
    profiled = parse_config(
        {
            "billing": {
                "inference_profiles": {
                    "arn:aws:bedrock:us-east-1:1:application-inference-profile/a": {"model": "m"}
                }
            }
        },
        tmp_path / "c.toml",
    )
    digests = {build.config_digest(c) for c in (base, mapped, profiled)}
    assert len(digests) == 3
    # tolerance is for the reconciliation report, not the built tables
    tolerant = parse_config({"billing": {"tolerance_pct": "5"}}, tmp_path / "c.toml")
    assert build.config_digest(tolerant) == build.config_digest(base)
