"""Bedrock application inference profiles: an ARN as the model id of invocation
logs (and behind a LiteLLM route prefix) is priced as the model the config
names for it, and its tags attribute the call below the request's own
metadata; as the resource id of a bill line it names the profile and its tags."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli import build, db
from aicost_cli.cli import app
from aicost_cli.config import parse_config
from aicost_cli.errors import ExitCode
from tests.conftest import SONNET_RATES, litellm_payload
from tests.test_billing_classify import bedrock, insert_charge
from tests.test_ingest_bedrock import ACCOUNT, invocation, write_delivery

runner = CliRunner()

PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3"
OTHER_PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/zz9"
CONFIG = f"""
[billing.inference_profiles."{PROFILE}"]
model = "claude-sonnet-4-5"
tags = {{ feature = "support-bot", team = "cx", environment = "prod" }}
"""


def records() -> list[dict[str, Any]]:
    return [
        # the profile's tags attribute it
        invocation(
            "r-profile",
            1,
            modelId=PROFILE,
            input={"inputTokenCount": 1000},
            output={"outputTokenCount": 200},
        ),
        # its own metadata wins over the profile's tags, key by key
        invocation(
            "r-profile-own",
            2,
            modelId=PROFILE,
            requestMetadata={"feature": "search"},
            input={"inputTokenCount": 10, "cacheReadInputTokenCount": 100},
            output={"outputTokenCount": 5},
        ),
        # a profile the config does not name: unknown model, unpriced
        invocation(
            "r-unknown-profile",
            3,
            modelId=OTHER_PROFILE,
            input={"inputTokenCount": 10},
            output={"outputTokenCount": 5},
        ),
        # a plain model id: untouched by the profiles
        invocation(
            "r-plain",
            4,
            modelId="anthropic.claude-sonnet-4-5-20250929-v1:0",
            input={"inputTokenCount": 10},
            output={"outputTokenCount": 5},
        ),
    ]


def operations(store: Path) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        cursor = con.execute(
            "select operation_id, model_key, pricing_status, estimated_cost, feature, team, "
            "environment, tags from operations"
        )
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.close()


def test_profile_calls_are_priced_and_attributed(hermetic: Path) -> None:
    config = hermetic / "aicost.toml"
    config.write_text(CONFIG, encoding="utf-8")
    root = hermetic / "bucket"
    write_delivery(root, records())
    result = runner.invoke(app, ["--config", str(config), "ingest", "requests", str(root), "-q"])
    assert result.exit_code == ExitCode.OK, result.output

    rows = operations(hermetic / "test.duckdb")
    profile = rows["r-profile"]
    # 1,000 input x 3.00 + 200 output x 15.00 per million (the configured model, standard)
    expected = 1000 * SONNET_RATES["input"] + 200 * SONNET_RATES["output"]
    assert (profile["model_key"], profile["pricing_status"]) == ("claude-sonnet-4-5", "priced")
    assert profile["estimated_cost"] == expected == Decimal("0.006")
    # the profile's tags are metadata: feature, environment; its team beats the
    # source's native team (the IAM role)
    assert (profile["feature"], profile["team"], profile["environment"]) == (
        "support-bot",
        "cx",
        "prod",
    )
    # operations.tags stay the record's own
    assert "feature" not in profile["tags"]

    own = rows["r-profile-own"]
    assert own["feature"] == "search"  # the request's own metadata first
    assert own["team"] == "cx"
    assert own["estimated_cost"] == (
        10 * SONNET_RATES["input"] + 100 * SONNET_RATES["cache_read"] + 5 * SONNET_RATES["output"]
    )

    unknown = rows["r-unknown-profile"]
    assert (unknown["pricing_status"], unknown["estimated_cost"]) == ("unpriced", None)
    assert unknown["feature"] is None and unknown["team"] == "DataScience"

    plain = rows["r-plain"]
    assert plain["pricing_status"] == "priced" and plain["feature"] is None


@pytest.mark.slow  # fast tier: a config change rebuilds (test_billing_classify); profiles priced
def test_configuring_a_profile_reprices_stored_calls(hermetic: Path) -> None:
    """A config change is in the build's digest: the next report rebuilds."""
    root = hermetic / "bucket"
    write_delivery(root, records())
    first = runner.invoke(app, ["ingest", "requests", str(root), "-q"])
    assert first.exit_code == ExitCode.OK, first.output
    assert operations(hermetic / "test.duckdb")["r-profile"]["pricing_status"] == "unpriced"

    config = hermetic / "aicost.toml"
    config.write_text(CONFIG, encoding="utf-8")
    report = runner.invoke(
        app, ["--config", str(config), "report", "attribution", "--format", "json"]
    )
    assert report.exit_code == ExitCode.OK, report.output
    assert "configuration changed" in report.stderr
    rows = operations(hermetic / "test.duckdb")
    assert rows["r-profile"]["pricing_status"] == "priced"
    assert rows["r-profile"]["feature"] == "support-bot"
    by_feature = {r["feature"]: r for r in json.loads(report.stdout)}
    assert "support-bot" in by_feature


def test_a_litellm_route_to_a_profile_is_priced(hermetic: Path) -> None:
    record = litellm_payload("chatcmpl-profile", uncached=1000, completion=200, feature=None)
    record["custom_llm_provider"] = "bedrock"
    record["model"] = f"bedrock/converse/{PROFILE}"
    logs = hermetic / "litellm.json"
    logs.write_text(json.dumps(record), encoding="utf-8")
    config = hermetic / "aicost.toml"
    config.write_text(CONFIG, encoding="utf-8")
    result = runner.invoke(app, ["--config", str(config), "ingest", "requests", str(logs), "-q"])
    assert result.exit_code == ExitCode.OK, result.output
    row = operations(hermetic / "test.duckdb")["chatcmpl-profile"]
    assert (row["model_key"], row["pricing_status"], row["feature"]) == (
        "claude-sonnet-4-5",
        "priced",
        "support-bot",
    )
    assert row["estimated_cost"] == 1000 * SONNET_RATES["input"] + 200 * SONNET_RATES["output"]


def test_bill_lines_of_a_profile_carry_its_tags_and_model(tmp_path: Path) -> None:
    config = parse_config(
        {
            "billing": {
                "inference_profiles": {
                    PROFILE: {"model": "claude-sonnet-4-5", "tags": {"feature": "support-bot"}}
                }
            }
        },
        tmp_path / "c.toml",
    )
    con = db.connect(tmp_path / "store.duckdb")
    try:
        tags = {"user_feature": "from-the-bill", "user:env": "prod", "aws_createdBy": "x"}
        # a mapped line billed to the profile (with a Finout-style suffix after the id)
        insert_charge(
            con,
            "mapped",
            resource_id=PROFILE + "/app-1",
            tags=tags,
            **bedrock(
                "USE1-Claude4.5Sonnet-input-tokens",
                consumed_quantity="1",
                consumed_unit="1K tokens",
            ),
        )
        # an unmapped bill model: the profile's configured model stands in
        insert_charge(
            con,
            "unmapped",
            resource_id=PROFILE,
            **bedrock("USE1-Claude9Ultra-output-tokens"),
        )
        insert_charge(
            con,
            "other-profile",
            resource_id=OTHER_PROFILE,
            **bedrock("USE1-Claude9Ultra-input-tokens"),
        )
        insert_charge(con, "plain", **bedrock("USE1-Claude9Ultra-input-tokens"))
        build.build(con, config, full=True)
        cursor = con.execute(
            "select charge_id, inference_profile_arn, profile_tags, model_key, model_key_source "
            "from charges order by charge_id"
        )
        got = {row[0]: row[1:] for row in cursor.fetchall()}
    finally:
        con.close()
    assert got == {
        # the config's tag wins over the bill's own for the same key
        "mapped": (
            PROFILE,
            {"feature": "support-bot", "env": "prod", "aws_createdBy": "x"},
            "claude-sonnet-4-5",
            "bundled",
        ),
        "unmapped": (PROFILE, {"feature": "support-bot"}, "claude-sonnet-4-5", "inference_profile"),
        "other-profile": (OTHER_PROFILE, None, None, None),
        "plain": (None, None, None, None),
    }
