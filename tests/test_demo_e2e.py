"""The whole bundled story through the CLI (LiteLLM + OTel + the malformed
file) against sample_data/expected.json, whose figures the generator computed
on its own from the records it wrote (and test_sample_data re-derives)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
runner = CliRunner()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLE / "expected.json").read_text())
    return data


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    base = ["--db", str(db), "--config", str(SAMPLE / "aicost.toml")]
    good = runner.invoke(
        app, [*base, "ingest", "requests", str(SAMPLE / "litellm"), str(SAMPLE / "otel"), "-q"]
    )
    assert good.exit_code == ExitCode.OK, good.output
    bad = runner.invoke(app, [*base, "ingest", "requests", str(SAMPLE / "malformed"), "-q"])
    assert bad.exit_code == ExitCode.QUARANTINED, bad.output
    return db


def cli_json(db: Path, *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(
        app, ["--db", str(db), "--config", str(SAMPLE / "aicost.toml"), *args, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout, parse_float=Decimal)
    return rows


def test_unit_economics_matches_expected_to_the_cent(
    loaded: Path, expected: dict[str, Any]
) -> None:
    got = {
        (row["period_start"][:10], row["feature"]): row
        for row in cli_json(loaded, "report", "unit-economics", "--period", "month")
    }
    want = {(row["month"], row["feature"]): row for row in expected["rows"]}
    assert set(got) == set(want)
    for key, row in want.items():
        mine = got[key]
        for column in (
            "units",
            "operations",
            "failed_operations",
            "input_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "output_tokens",
            "unpriced_operations",
        ):
            assert mine[column] == row[column], (key, column)
        if row["estimated_cost_exact"] is None:  # ticket-triage: unpriced, unknown, never 0
            assert mine["estimated_cost"] is None, key
            continue
        assert mine["estimated_cost"] == Decimal(row["estimated_cost_exact"]), key
        assert mine["estimated_cost"].quantize(Decimal("0.01")) == Decimal(row["estimated_cost"])


def test_attribution_total_equals_the_unit_economics_total(
    loaded: Path, expected: dict[str, Any]
) -> None:
    by_team = cli_json(loaded, "report", "attribution", "--by", "team,model")
    total = sum(row["estimated_cost"] for row in by_team if row["estimated_cost"] is not None)
    assert total == Decimal(expected["totals"]["estimated_cost_exact"])
    # the unpriced row (ticket-triage's self-hosted model) has no share, not a share of 0
    unknown = [row for row in by_team if row["estimated_cost"] is None]
    assert [row["share"] for row in unknown] == [None] * len(unknown) and unknown
    shares = sum(row["share"] for row in by_team if row["share"] is not None)
    assert shares == pytest.approx(Decimal(1), abs=Decimal("1e-5"))


def test_malformed_lines_are_quarantined_with_their_line(loaded: Path) -> None:
    rows = cli_json(loaded, "db", "quarantine")
    lines = sorted((Path(row["source_file"]).name, row["source_line"]) for row in rows)
    assert lines == [("litellm-2026-09-17.ndjson", 4), ("litellm-2026-09-17.ndjson", 8)]


def test_demo_command_prints_both_reports(tmp_path: Path, expected: dict[str, Any]) -> None:
    result = runner.invoke(
        app, ["demo", "--db", str(tmp_path / "d.duckdb")], env={"COLUMNS": "104"}
    )
    assert result.exit_code == 0, result.output
    # the README shows this output: it must not go stale
    readme = (SAMPLE.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```text\n", 1)[1].split("```", 1)[0]
    printed = re.sub(r"--config \S*/sample_data/", "--config /…/sample_data/", result.stdout)
    printed = re.sub(r"--db \S+", "--db demo.duckdb", printed)
    assert shown == printed
    assert "research-agent" in result.stdout
    assert "attribution by feature, model" in result.stdout
    # the story: month-over-month change of the best known cost (billed:
    # support-bot's calls go through the Anthropic workspace whose cost report
    # the demo loads), a total row, and where to look next
    unit = cli_json(tmp_path / "d.duckdb", "report", "unit-economics")
    bot = {
        r["period_start"][:7]: Decimal(str(r["cost"]))
        for r in unit
        if r["feature"] == "support-bot"
    }
    assert {r["basis"] for r in unit if r["feature"] == "support-bot"} == {"billed"}
    assert f"{bot['2026-09']:,.2f}" in result.stdout  # 5,963.19
    change = (bot["2026-09"] - bot["2026-08"]) / bot["2026-08"] * 100
    assert f"+{change:.1f}%" in result.stdout  # +253.2%
    total_cost = f"{Decimal(expected['totals']['estimated_cost']):,}"  # 9,206.60
    assert "total" in result.stdout and total_cost in result.stdout
    assert "report attribution --by feature,prompt_version" in result.stdout
    # the command it names reads the store as the demo built it (no rebuild)
    next_command = result.stdout.strip().splitlines()[-1].split()
    assert next_command[0] == "aicost" and "--config" in next_command
    follow = runner.invoke(app, next_command[1:] + ["--format", "csv"])
    assert follow.exit_code == 0, follow.output
    assert "rebuilt" not in follow.stderr
    # the ingest summary counts model calls as the reports do (the total row's ops)
    calls = f"{expected['totals']['operations']:,}"  # 391,483
    assert f"{calls} of them model call(s) (the reports' ops)" in result.stderr
    assert calls in result.stdout
    # ticket-triage's calls have no price: counted, and shown as unknown, not 0
    unpriced = f"{expected['totals']['unpriced_operations']:,}"
    assert f"{unpriced} of {calls} model call(s) have no price" in result.stderr


def test_demo_after_install_from_another_directory(tmp_path: Path) -> None:
    """Run the installed console script in an empty directory (no sample_data/ there)."""
    import os
    import subprocess
    import sys

    script = Path(sys.executable).with_name("aicost")
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [str(script), "demo"], cwd=empty, capture_output=True, text=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr
    assert "support-bot" in done.stdout and "gpu-llama" in done.stdout
    assert (empty / "demo.duckdb").is_file()
    again = subprocess.run(
        [str(script), "demo"], cwd=empty, capture_output=True, text=True, env=dict(os.environ)
    )
    assert again.returncode == 0, again.stderr  # its own database is replaced


def test_top_keeps_the_total_and_limit_cuts_rows(loaded: Path, expected: dict[str, Any]) -> None:
    top = cli_json(loaded, "report", "attribution", "--by", "feature,model", "--top", "2")
    assert [row["feature"] for row in top][-1] == "(other)"
    assert len(top) == 3
    assert sum(
        row["estimated_cost"] for row in top if row["estimated_cost"] is not None
    ) == Decimal(expected["totals"]["estimated_cost_exact"])
    limited = cli_json(loaded, "report", "unit-economics", "--sort", "cost", "--limit", "1")
    assert [(row["feature"], row["period_start"][:7]) for row in limited] == [
        ("support-bot", "2026-09")
    ]
