"""A build that does not fit in AICOST_MEMORY_LIMIT says so in one line and
changes nothing (it said 'TransactionContext Error: Current transaction is
aborted': resetting the setting on the aborted transaction masked the cause)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode

runner = CliRunner()

RECORD = (
    '{"id": "chatcmpl-1", "call_type": "completion", "model": "gpt-4o", '
    '"custom_llm_provider": "openai", "startTime": 1783000000.0, "endTime": 1783000001.0, '
    '"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "status": "success", '
    '"metadata": {"spend_logs_metadata": {"feature": "f"}}}\n'
)


def test_a_build_over_the_memory_budget_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs.jsonl"
    logs.write_text(RECORD, encoding="utf-8")
    store = tmp_path / "s.duckdb"
    ingested = runner.invoke(app, ["--db", str(store), "ingest", "requests", str(logs)])
    assert ingested.exit_code == 0, ingested.output
    monkeypatch.setenv("AICOST_MEMORY_LIMIT", "1MB")
    result = runner.invoke(app, ["--db", str(store), "build", "--full"])
    assert result.exit_code == ExitCode.DATABASE, result.output
    assert "did not fit in the memory budget (1MB)" in result.stderr
    assert "AICOST_MEMORY_LIMIT" in result.stderr
    assert "TransactionContext" not in result.stderr
    monkeypatch.delenv("AICOST_MEMORY_LIMIT")
    again = runner.invoke(app, ["--db", str(store), "build", "--full"])
    assert again.exit_code == 0, again.output
