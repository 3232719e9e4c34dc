"""Unknown is never shown as 0: a call no price matches is counted as
unpriced, with the cost its source reported, in the ingest summary and in
every table view, not only in the machine formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from tests.conftest import litellm_payload

runner = CliRunner()


def _logs(tmp_path: Path) -> Path:
    priced = litellm_payload("chatcmpl-priced", feature="support-bot")
    unknown = litellm_payload("chatcmpl-unknown", feature="support-bot", uncached=5_000_000)
    unknown["model"] = "acme-frontier-9"
    unknown["model_group"] = "acme-frontier-9"
    unknown["response_cost"] = 12.5
    path = tmp_path / "logs.jsonl"
    path.write_text(json.dumps(priced) + "\n" + json.dumps(unknown) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """_logs() ingested once per module: the store (the reading tests get a copy)
    and the ingest's stderr."""
    folder = tmp_path_factory.mktemp("unpriced")
    db = folder / "template.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        patch.delenv("AICOST_CONFIG", raising=False)
        patch.chdir(folder)
        result = runner.invoke(app, ["--db", str(db), "ingest", "requests", str(_logs(folder))])
    assert result.exit_code == 0, result.output
    return db, result.stderr


@pytest.fixture
def ingested(hermetic: Path, template: tuple[Path, str]) -> Path:
    """The test's database holds _logs(): one priced call, one no price matches."""
    return Path(shutil.copyfile(template[0], hermetic / "test.duckdb"))


def test_ingest_summary_names_unpriced_calls_and_their_reported_cost(
    template: tuple[Path, str],
) -> None:
    _, stderr = template
    assert (
        "1 of 2 model call(s) have no price (their sources reported 12.5 in cost): "
        "see 'aicost prices missing'"
    ) in stderr


def test_table_views_show_unpriced_calls(ingested: Path) -> None:
    for args in (
        ["report", "unit-economics"],
        ["report", "attribution", "--by", "feature"],
        ["report", "attribution", "--by", "feature,model"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        header = result.stdout.splitlines()[1]
        # "src cost": what the sources reported for the unpriced calls (output.LABELS)
        assert "unpriced" in header and "src cost" in header, (args, result.stdout)
        assert "12.50" in result.stdout, (args, result.stdout)


def test_table_views_leave_the_columns_out_when_everything_is_priced(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(litellm_payload("chatcmpl-1")), encoding="utf-8")
    assert runner.invoke(app, ["ingest", "requests", str(path)]).exit_code == 0
    result = runner.invoke(app, ["report", "attribution"])
    assert result.exit_code == 0
    assert "unpriced" not in result.stdout


def test_a_group_with_only_unpriced_calls_has_no_cost_not_zero(ingested: Path) -> None:
    result = runner.invoke(app, ["report", "attribution", "--by", "model", "--format", "json"])
    rows = {r["model"]: r for r in json.loads(result.stdout)}
    assert rows["acme-frontier-9"]["estimated_cost"] is None
    assert rows["acme-frontier-9"]["share"] is None
    assert rows["acme-frontier-9"]["unpriced_source_cost"] == 12.5
    assert rows["claude-sonnet-4-5"]["estimated_cost"] is not None
