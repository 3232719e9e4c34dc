"""`import aicost`: the library over the core the CLI calls."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

import aicost
from aicost_cli.config import Config
from tests.conftest import JULY_2, litellm_payload, payload_cost


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> aicost.Store:
    """Ingested once per module; the tests only read it."""
    tmp_path = tmp_path_factory.mktemp("api")
    records = [
        litellm_payload("a1", uncached=1_000, completion=200, feature="search"),
        litellm_payload("a2", uncached=3, cache_read=5_000, completion=7, feature="search"),
        litellm_payload("b1", uncached=250_000, completion=10, feature="chat"),
        litellm_payload("c1", start=JULY_2 + 40 * 86_400, uncached=10, feature=None),
    ]
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "gw.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records))
    db = aicost.connect(tmp_path / "api.duckdb", config=Config())  # no discovery
    result = db.ingest([logs])
    assert result.inserted == 4 and result.quarantined == 0
    return db


def test_attribution_is_a_polars_frame_with_exact_decimals(store: aicost.Store) -> None:
    df = store.attribution(by="feature")
    assert isinstance(df, pl.DataFrame)
    assert df.schema["estimated_cost"] == pl.Decimal(38, 12)
    got = dict(zip(df["feature"].to_list(), df["estimated_cost"].to_list(), strict=True))
    # computed by hand from the token counts (conftest.sonnet_cost), not by the SQL
    search = payload_cost(litellm_payload("a1", uncached=1_000, completion=200)) + payload_cost(
        litellm_payload("a2", uncached=3, cache_read=5_000, completion=7)
    )
    assert got["search"] == search
    assert got["chat"] == payload_cost(litellm_payload("b1", uncached=250_000, completion=10))
    assert set(got) == {"search", "chat", "unattributed"}


def test_report_gives_arrow_and_takes_the_cli_parameters(store: aicost.Store) -> None:
    report = store.report("attribution", by=["feature", "model"], top=1, sort="cost")
    assert isinstance(report.arrow, pa.Table)
    assert report.arrow.column("feature").to_pylist()[-1] == "(other)"
    month = store.unit_economics(period="month", since="2026-07-01", until="2026-08-01T00:00:00Z")
    assert set(month["feature"].to_list()) == {"search", "chat"}
    assert month["operations"].sum() == 3
    total = sum(store.unit_economics()["estimated_cost"].to_list(), Decimal(0))
    assert total == sum(store.attribution()["estimated_cost"].to_list(), Decimal(0))


def test_user_mistakes_are_aicost_errors(store: aicost.Store) -> None:
    with pytest.raises(aicost.UsageError):
        store.attribution(by="nope")
    with pytest.raises(aicost.UsageError, match="must be before --until"):
        store.unit_economics(since="2026-09-01", until="2026-08-01")
    with pytest.raises(aicost.InputFileError):
        store.ingest(["/no/such/path"])
    assert store.quarantine().height == 0


def test_importing_aicost_loads_no_cli_toolkit_and_no_polars() -> None:
    code = "import sys, aicost; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = {name.split(".")[0] for name in out.split()}
    assert not loaded & {"typer", "rich", "click", "polars"}


@pytest.mark.slow  # fast tier: `db sources` / `db forget` in test_ledger (the same core)
def test_sources_and_forget(tmp_path: Path) -> None:
    logs = tmp_path / "one.ndjson"
    logs.write_text(json.dumps(litellm_payload("f1", feature="gone")) + "\n")
    db = aicost.connect(tmp_path / "forget.duckdb", config=Config())
    run = db.ingest([logs]).run_id
    assert db.sources()["source_file"].to_list() == [str(logs.resolve())]
    assert run is not None
    result = db.forget(run)
    assert (result.files, result.operations, result.run_removed) == (1, 1, True)
    assert db.sources().height == 0
    assert db.attribution().height == 0
