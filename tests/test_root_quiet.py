"""`aicost --quiet` (the root option, as a cron line writes it) silences the
summaries of every command, like each command's own --quiet: the ingests
printed their summaries anyway."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app

runner = CliRunner()

RECORD = (
    '{"id": "chatcmpl-1", "call_type": "completion", "model": "gpt-4o", '
    '"custom_llm_provider": "openai", "startTime": 1783000000.0, "endTime": 1783000001.0, '
    '"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "status": "success", '
    '"metadata": {"spend_logs_metadata": {"feature": "f"}}}\n'
)
ANTHROPIC = (
    '{"data": [{"starting_at": "2026-07-01T00:00:00Z", "ending_at": "2026-07-02T00:00:00Z", '
    '"results": [{"amount": "150", "currency": "USD", "cost_type": "tokens", '
    '"token_type": "output_tokens", "model": "claude-sonnet-4-5-20250929", '
    '"service_tier": "standard", "description": "Claude Sonnet 4.5 Usage - Output Tokens", '
    '"workspace_id": null, "context_window": "0-200k", "inference_geo": "global"}]}], '
    '"has_more": false, "next_page": null}\n'
)


def test_root_quiet_silences_an_ingest(tmp_path: Path) -> None:
    """The cheap case (`make test-fast`): one command."""
    logs = tmp_path / "logs.jsonl"
    logs.write_text(RECORD, encoding="utf-8")
    db = ["--quiet", "--db", str(tmp_path / "s.duckdb")]
    result = runner.invoke(app, [*db, "ingest", "requests", str(logs)])
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", "")


@pytest.mark.slow  # fast tier: the test above (one command)
def test_root_quiet_silences_ingests_build_and_forget(tmp_path: Path) -> None:
    logs = tmp_path / "logs.jsonl"
    logs.write_text(RECORD, encoding="utf-8")
    bill = tmp_path / "cost_report.json"
    bill.write_text(ANTHROPIC, encoding="utf-8")
    db = ["--quiet", "--db", str(tmp_path / "s.duckdb")]
    for command in (
        ["ingest", "requests", str(logs)],
        ["ingest", "billing", str(bill)],
        ["build", "--full"],
        ["db", "forget", str(logs)],
    ):
        result = runner.invoke(app, [*db, *command])
        assert result.exit_code == 0, (command, result.output)
        assert result.stderr == "", (command, result.stderr)
