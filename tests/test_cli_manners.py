"""Small things every good CLI has: help, -h, dates, -o, config discovery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aicost_cli.cli import app, context
from aicost_cli.errors import ExitCode
from tests.conftest import JULY_2, litellm_payload

runner = CliRunner()


def all_command_paths() -> list[list[str]]:
    group = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(group, [])
    return paths


@pytest.mark.parametrize("path", all_command_paths(), ids=lambda p: " ".join(p) or "aicost")
def test_help_is_plain_and_h_works(path: list[str]) -> None:
    long = runner.invoke(app, [*path, "--help"])
    short = runner.invoke(app, [*path, "-h"])
    assert long.exit_code == 0 and short.exit_code == 0
    assert long.stdout == short.stdout
    for bad in ("<bool>", "%Y", "%H", "╭"):
        assert bad not in long.stdout, (path, bad)


def test_completion_can_be_installed() -> None:
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two calls on two days, ingested once per module."""
    folder = tmp_path_factory.mktemp("manners")
    logs = folder / "gw.ndjson"
    rows = [litellm_payload("a", start=JULY_2 + 3600), litellm_payload("b", start=JULY_2 + 86400)]
    logs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    db = folder / "template.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        patch.delenv("AICOST_CONFIG", raising=False)
        patch.chdir(folder)
        result = runner.invoke(app, ["--db", str(db), "ingest", "requests", str(logs), "-q"])
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def loaded(template: Path, hermetic: Path) -> Path:
    shutil.copyfile(template, hermetic / "test.duckdb")  # AICOST_DB (conftest.hermetic)
    return hermetic


def report(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["report", "attribution", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_timestamps_with_z_are_accepted(loaded: Path) -> None:
    # aicost writes 2026-07-02T01:00:00Z; the same text reads back as that instant
    one = report("--since", "2026-07-02T00:00:00Z", "--until", "2026-07-03T00:00:00Z")
    assert [row["operations"] for row in one] == [1]
    offset = report("--since", "2026-07-02T02:00:00+02:00", "--until", "2026-07-03")
    assert [row["operations"] for row in offset] == [1]


def test_since_after_until_is_a_usage_error(loaded: Path) -> None:
    result = runner.invoke(
        app, ["report", "attribution", "--since", "2026-07-03", "--until", "2026-07-02"]
    )
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert result.stderr.startswith("aicost: error: --since (2026-07-03) must be before")


def test_a_bad_date_is_a_usage_error(loaded: Path) -> None:
    result = runner.invoke(app, ["report", "attribution", "--since", "July"])
    assert result.exit_code == ExitCode.USAGE
    assert "'July' is not a date or time" in result.stderr


@pytest.mark.parametrize(("name", "first"), [("out.csv", "feature,"), ("out.json", "[")])
def test_output_file_name_chooses_the_format(loaded: Path, name: str, first: str) -> None:
    result = runner.invoke(app, ["report", "attribution", "-o", str(loaded / name)])
    assert result.exit_code == 0 and result.stdout == ""
    assert (loaded / name).read_text().startswith(first)


def test_jsonl_by_name_and_an_explicit_format_wins(loaded: Path) -> None:
    runner.invoke(app, ["report", "attribution", "-o", str(loaded / "a.jsonl")])
    assert (loaded / "a.jsonl").read_text().startswith('{"feature": ')
    runner.invoke(app, ["report", "attribution", "-f", "csv", "-o", str(loaded / "b.json")])
    assert (loaded / "b.json").read_text().startswith("feature,")


def test_a_discovered_config_is_named_on_stderr(
    loaded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (loaded / "aicost.toml").write_text('currency = "USD"\n')
    assert "using config" not in runner.invoke(app, ["report", "attribution"]).stderr  # no TTY
    monkeypatch.setattr(context, "chatty", lambda: True)
    said = runner.invoke(app, ["report", "attribution"])
    assert said.exit_code == 0
    assert f"aicost: using config {loaded / 'aicost.toml'}" in said.stderr
    quiet = runner.invoke(app, ["-q", "report", "attribution"])
    assert "using config" not in quiet.stderr
    explicit = runner.invoke(app, ["--config", "aicost.toml", "report", "attribution"])
    assert "using config" not in explicit.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["db", "path"],
        ["--db", "x.duckdb", "db", "path"],
        ["--db=~/y.duckdb", "db", "path"],
        ["--config", "aicost.toml", "db", "path"],
    ],
)
def test_fast_start_up_paths_answer_as_the_full_cli(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    (tmp_path / "aicost.toml").write_text(f"db_path = '{tmp_path / 'from-config.duckdb'}'\n")
    full = runner.invoke(app, argv)
    code = (
        "import sys; from aicost_cli.__main__ import main; sys.argv = ['aicost', *sys.argv[1:]]; "
        "main(); print(sorted({'typer', 'rich', 'pydantic'} & set(sys.modules)), file=sys.stderr)"
    )
    fast = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    )
    assert fast.stdout == full.stdout
    assert fast.stderr.strip() == "[]"  # answered without the CLI toolkit


def test_fast_root_help_is_the_full_clis_help() -> None:
    """`aicost --help` is printed from __main__.ROOT_HELP: it must stay the real help
    (when this fails, paste the new `aicost --help` into ROOT_HELP)."""
    import os
    import subprocess
    import sys

    from aicost_cli.__main__ import ROOT_HELP

    for columns in ("80", "200"):
        env = {**os.environ, "COLUMNS": columns}
        full = subprocess.run(  # `python -m` is never the fast path
            [sys.executable, "-m", "aicost_cli", "--help"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
        assert full.replace("Usage: python -m aicost_cli ", "Usage: aicost ", 1) == ROOT_HELP
        script = Path(sys.executable).with_name("aicost")
        fast = subprocess.run([str(script), "-h"], capture_output=True, text=True, env=env)
        assert fast.stdout == ROOT_HELP


def test_db_status_to_a_csv_file_is_only_csv(loaded: Path) -> None:
    result = runner.invoke(app, ["db", "status", "-o", str(loaded / "status.csv")])
    assert result.exit_code == 0, result.output
    text = (loaded / "status.csv").read_text()
    assert text.startswith("table_name,row_count,") and "database:" not in text
