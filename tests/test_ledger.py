"""aicost db sources / forget / quarantine --clear."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from tests.conftest import JULY_2, litellm_payload, payload_cost

runner = CliRunner()
DAY = 86_400


def write(path: Path, records: list[dict[str, Any]], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra)
    return path


def cli_json(*args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout, parse_float=Decimal)
    return rows


@pytest.fixture(scope="module")
def ingested_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, Path, list[dict[str, Any]]]:
    """Two runs ingested once per module (the database file is copied per test)."""
    folder = tmp_path_factory.mktemp("ledger")
    keep = [litellm_payload("k1", start=JULY_2, uncached=500, feature="keep")]
    drop = [
        litellm_payload("d1", start=JULY_2 + DAY, uncached=700, feature="drop"),
        litellm_payload("d2", start=JULY_2 + 2 * DAY, uncached=900, feature="drop"),
    ]
    a = write(folder / "keep.ndjson", keep)
    b = write(folder / "drop.ndjson", drop, extra="{not json\n")
    db = folder / "template.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        patch.delenv("AICOST_CONFIG", raising=False)
        patch.chdir(folder)
        base = ["--db", str(db), "ingest", "requests"]
        assert runner.invoke(app, [*base, str(a), "-q"]).exit_code == ExitCode.OK
        assert runner.invoke(app, [*base, str(b), "-q"]).exit_code == ExitCode.QUARANTINED
    return db, a, b, keep


@pytest.fixture
def two_files(
    ingested_once: tuple[Path, Path, Path, list[dict[str, Any]]], hermetic: Path
) -> tuple[Path, Path, list[dict[str, Any]]]:
    template, a, b, keep = ingested_once
    shutil.copyfile(template, hermetic / "test.duckdb")  # AICOST_DB (conftest.hermetic)
    return a, b, keep


def test_sources_lists_each_file_with_its_run_counts_and_range(
    two_files: tuple[Path, Path, list[dict[str, Any]]],
) -> None:
    a, b, _ = two_files
    rows = {row["source_file"]: row for row in cli_json("db", "sources")}
    assert set(rows) == {str(a.resolve()), str(b.resolve())}
    dropped = rows[str(b.resolve())]
    assert dropped["ingest_run_id"] == 2
    assert (dropped["records_read"], dropped["operations"], dropped["quarantined"]) == (3, 2, 1)
    assert dropped["first_at"] == "2026-07-03T00:00:00Z"
    assert dropped["last_at"] == "2026-07-04T00:00:00Z"
    csv = runner.invoke(app, ["db", "sources", "--format", "csv"]).stdout
    assert csv.splitlines()[0].startswith("source_file,source_format,ingest_run_id,")


@pytest.mark.slow
def test_forget_a_file_removes_its_rows_and_rebuilds_its_days(
    two_files: tuple[Path, Path, list[dict[str, Any]]],
) -> None:
    _, b, keep = two_files
    result = runner.invoke(app, ["db", "forget", str(b)])
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout == ""
    assert "forgot 1 file(s): 2 landed record(s), 1 quarantined" in result.stderr
    rows = cli_json("report", "attribution", "--by", "feature")
    assert [(r["feature"], r["estimated_cost"]) for r in rows] == [("keep", payload_cost(keep[0]))]
    assert cli_json("db", "quarantine") == []
    assert [r["source_file"] for r in cli_json("db", "sources")] == [
        str((b.parent / "keep.ndjson").resolve())
    ]
    # the file can be ingested again: the ledger forgot it too
    again = runner.invoke(app, ["ingest", "requests", str(b), "-q"])
    assert again.exit_code == ExitCode.QUARANTINED
    assert {r["feature"] for r in cli_json("report", "attribution")} == {"keep", "drop"}


def test_forget_a_run_removes_the_run(two_files: tuple[Path, Path, list[dict[str, Any]]]) -> None:
    result = runner.invoke(app, ["db", "forget", "1", "-q"])
    assert result.exit_code == ExitCode.OK and result.stderr == ""
    assert {r["feature"] for r in cli_json("report", "attribution")} == {"drop"}
    assert [r["ingest_run_id"] for r in cli_json("db", "sources")] == [2]
    again = runner.invoke(app, ["db", "forget", "1"])
    assert again.exit_code == ExitCode.USAGE
    assert again.stderr.startswith("aicost: error: there is no ingest run 1")


def test_forget_something_never_ingested_is_a_usage_error(
    two_files: tuple[Path, Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["db", "forget", str(tmp_path / "other.ndjson")])
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == "" and "nothing was ingested from" in result.stderr


def test_quarantine_clear(two_files: tuple[Path, Path, list[dict[str, Any]]]) -> None:
    assert len(cli_json("db", "quarantine")) == 1
    result = runner.invoke(app, ["db", "quarantine", "--clear"])
    assert result.exit_code == 0 and "cleared 1 quarantined record(s)" in result.stderr
    assert cli_json("db", "quarantine") == []


@pytest.mark.slow
def test_forgetting_an_otel_root_re_attributes_its_children_on_every_day(
    tmp_path: Path,
) -> None:
    """The root span carries the feature; its children are on two days (one after
    midnight). Forgetting the root's file must leave the store as if only the
    children had been ingested."""
    from tests.test_rebuild import attribution, cli, otel_files, unit_economics

    files = otel_files(tmp_path / "otel")
    db = tmp_path / "all.duckdb"
    assert cli("ingest", "requests", str(tmp_path / "otel"), db=db).exit_code == 0
    assert {r["feature"] for r in attribution(db)} == {"research-agent"}
    forgot = cli("db", "forget", str(files["root"]), db=db)
    assert forgot.exit_code == ExitCode.OK, forgot.output
    assert "rebuilt 2 day(s)" in forgot.stderr

    children = tmp_path / "children.duckdb"
    for name in ("child_a", "child_b"):
        assert cli("ingest", "requests", str(files[name]), db=children).exit_code == 0
    assert attribution(db) == attribution(children)
    assert unit_economics(db) == unit_economics(children)


@pytest.mark.parametrize("args", [["db", "forget", "1"], ["db", "quarantine", "--clear"]])
def test_undoing_on_a_missing_database_creates_nothing(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "missing.duckdb"
    result = runner.invoke(app, ["--db", str(missing), *args])
    assert result.exit_code == ExitCode.DATABASE
    assert result.stderr.startswith(f"aicost: error: database {missing} does not exist")
    assert not missing.exists()
