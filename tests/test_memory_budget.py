"""A build that does not fit in AICOST_MEMORY_LIMIT says so in one line and
changes nothing (it said 'TransactionContext Error: Current transaction is
aborted': resetting the setting on the aborted transaction masked the cause)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from aicost_cli.migrations import ID_KEY_SQL

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


# model calls over a month, as aicost JSONL would land them (no JSON read:
# one INSERT ... SELECT), six calls a conversation, two providers
LAND_AICOST = f"""
insert into land_aicost by name
select
    'op-' || i as operation_id,
    'aicost' as source_format,
    'tr-' || (i // 6) as trace_id,
    'chat' as operation_name,
    timestamp '2026-07-01' + to_microseconds(cast(i * (31 * 86400000000 // $n) as bigint))
        as started_at,
    'chat' as kind,
    true as is_model_call,
    case i % 2 when 0 then 'anthropic' else 'openai' end as provider,
    case i % 2 when 0 then 'claude-sonnet-4-5' else 'gpt-4o' end as model,
    case i % 2 when 0 then 'claude-sonnet-4-5' else 'gpt-4o' end as response_model,
    100 + i % 4000 as input_tokens,
    0 as cache_read_tokens,
    0 as cache_write_5m_tokens,
    0 as cache_write_1h_tokens,
    10 + i % 900 as output_tokens,
    0 as reasoning_tokens,
    'standard' as service_tier,
    false as is_batch,
    1 as attempt,
    'ok' as status,
    'feature-' || (i // 6 % 6) as native_feature,
    'team-' || (i // 6 % 5) as native_team,
    'conv-' || (i // 6) as native_conversation_id,
    'bench.jsonl' as source_file,
    i as source_line,
    1 as ingest_run_id,
    {ID_KEY_SQL.format("'op-' || i")} as id_key
from range($n) as numbers(i)
"""


@pytest.mark.slow
def test_a_full_build_of_two_million_operations_fits_a_small_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full build's memory is bounded by its hash tables, not by the
    operations: the pricing join must build on the few price rows. Through a
    view DuckDB estimated those at 10^11 rows and built a hash table of every
    operation (with its maps): 10M operations did not fit in the default 1GB;
    these 2M did not fit in 320MB. They build in 160MB now (measured on 2
    cores; 120MB is too little): 240MB leaves room both ways."""
    from aicost_cli import db

    operations = 2_000_000
    store = tmp_path / "s.duckdb"
    with db.connect(store) as con:
        con.execute(LAND_AICOST.replace("$n", str(operations)))
    monkeypatch.setenv("AICOST_MEMORY_LIMIT", "240MB")
    result = runner.invoke(app, ["--db", str(store), "build", "--full"])
    assert result.exit_code == 0, result.output
    with db.connect(store, read_only=True) as con:
        row = con.execute(
            "select count(*), count(price_id), sum(input_tokens) from operations"
        ).fetchone()
    assert row is not None
    # every call priced; input tokens: sum over i of 100 + i % 4000
    expected_input = sum(100 + i % 4000 for i in range(operations))
    assert row == (operations, operations, expected_input)
