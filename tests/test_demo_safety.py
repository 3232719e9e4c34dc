"""`aicost demo` never deletes a database it did not create."""

from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from aicost_cli import demo
from aicost_cli.cli import app
from aicost_cli.errors import ExitCode

runner = CliRunner()


def test_an_existing_non_demo_file_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "mine.duckdb"
    target.write_bytes(b"not a demo")
    result = runner.invoke(app, ["demo", "--db", str(target)])
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert result.stderr.startswith("aicost: error: ")
    assert "--overwrite" in result.stderr
    assert target.read_bytes() == b"not a demo"


def test_a_store_with_user_data_is_not_a_demo_database(tmp_path: Path) -> None:
    target = tmp_path / "prod.duckdb"
    con = duckdb.connect(str(target))
    con.execute("create table ingested_files (source_file varchar)")
    con.execute("insert into ingested_files values ('/logs/sample_data/a.gz'), ('/logs/b.gz')")
    con.close()
    assert not demo.is_demo_database(target)


def test_a_previous_demo_database_may_be_replaced(tmp_path: Path) -> None:
    target = tmp_path / "demo.duckdb"
    con = duckdb.connect(str(target))
    con.execute("create table ingested_files (source_file varchar)")
    con.execute("insert into ingested_files values ('/x/sample_data/litellm/a.ndjson.gz')")
    con.close()
    assert demo.is_demo_database(target)
    demo.check_replaceable(target, overwrite=False)  # no error


def test_the_sample_data_is_found_without_a_checkout_cwd(tmp_path: Path) -> None:
    folder = demo.sample_dir()
    assert (folder / "aicost.toml").is_file()
    assert (folder / "litellm").is_dir() and (folder / "otel").is_dir()
