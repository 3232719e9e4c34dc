"""Every user mistake and odd environment is one line on stderr and a
documented exit code (README "Exit codes"), never a traceback; where a
folder is read, one bad entry does not stop the rest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from aicost_cli.ingest import sources
from tests.corpus import aicost, lines

runner = CliRunner()
AICOST = [sys.executable, "-m", "aicost_cli"]


def one_line_error(result: Any, code: ExitCode) -> str:
    """The error line of a failed command (plus at most a hint line)."""
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    text: str = result.stderr
    assert "Traceback" not in text
    err_lines = text.strip().splitlines()
    assert err_lines[0].startswith("aicost: error: "), text
    assert len(err_lines) <= 2 and all(x.startswith("hint: ") for x in err_lines[1:]), text
    return err_lines[0]


def good_file(path: Path, *ids: str) -> Path:
    path.write_bytes(lines(*(aicost(i) for i in ids)))
    return path


def landed_ids(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("select operation_id from land_aicost").fetchall())
    finally:
        con.close()


# --- the database --------------------------------------------------------------


def test_half_truncated_database_is_one_line_exit_4(tmp_path: Path) -> None:
    good_file(tmp_path / "a.jsonl", *(f"g{i}" for i in range(500)))
    assert runner.invoke(app, ["ingest", "requests", "-q", "a.jsonl"]).exit_code == 0
    db = tmp_path / "test.duckdb"
    os.truncate(db, db.stat().st_size // 2)
    report = runner.invoke(app, ["report", "attribution", "--by", "feature"])
    one_line_error(report, ExitCode.DATABASE)
    ingest = runner.invoke(app, ["ingest", "requests", "-q", "--force", "a.jsonl"])
    one_line_error(ingest, ExitCode.DATABASE)


def test_leftover_scratch_directory_is_one_line_exit_4(tmp_path: Path) -> None:
    good_file(tmp_path / "a.jsonl", "g1")
    (tmp_path / "test.duckdb.scratch").mkdir()
    result = runner.invoke(app, ["ingest", "requests", "a.jsonl"])
    assert "is a directory" in one_line_error(result, ExitCode.DATABASE)


def test_db_under_a_regular_file_is_one_line_exit_4(tmp_path: Path) -> None:
    good_file(tmp_path / "a.jsonl", "g1")
    result = runner.invoke(app, ["--db", "a.jsonl/x.duckdb", "ingest", "requests", "a.jsonl"])
    assert "a.jsonl is a file" in one_line_error(result, ExitCode.DATABASE)


def test_non_utf8_config_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "aicost.toml").write_bytes(b'currency = "\xff\xfe"\n')
    result = runner.invoke(app, ["report", "attribution", "--by", "feature"])
    assert "not UTF-8" in one_line_error(result, ExitCode.USAGE)


# --- S3 set-up mistakes (no request leaves the machine) --------------------------


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return tmp_path


def test_bad_endpoint_url_is_one_line_exit_2(aws_env: Path) -> None:
    result = runner.invoke(
        app, ["ingest", "requests", "s3://bucket/p", "--endpoint-url", "not a url"]
    )
    assert "--endpoint-url" in one_line_error(result, ExitCode.USAGE)


def test_unknown_aws_profile_is_one_line_exit_3(
    aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    result = runner.invoke(app, ["ingest", "requests", "s3://bucket/p"])
    assert "no-such-profile" in one_line_error(result, ExitCode.INPUT)


def test_broken_aws_config_file_is_one_line_exit_3(
    aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_env / "aws-config").write_text("[default\nregion = \n[[[")
    monkeypatch.setenv("AWS_PROFILE", "default")
    result = runner.invoke(app, ["ingest", "requests", "s3://bucket/p"])
    assert "cannot be parsed" in one_line_error(result, ExitCode.INPUT)


# --- inputs ----------------------------------------------------------------------


def test_1500_deep_json_is_quarantined_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 1500 + "]" * 1500)
    (tmp_path / "deep.jsonl").write_text('{"operation_id": ' + "[" * 1500 + "]" * 1500 + "}\n")
    good_file(tmp_path / "ok.jsonl", "g1")
    result = runner.invoke(app, ["ingest", "requests", "-q", "."])
    assert result.exit_code == ExitCode.QUARANTINED, result.stderr
    assert "Traceback" not in result.stderr
    assert landed_ids(tmp_path / "test.duckdb") == ["g1"]


def test_standard_input_as_dash(tmp_path: Path) -> None:
    data = lines(aicost("s1"), aicost("s2")).decode()
    result = runner.invoke(app, ["ingest", "requests", "-q", "-"], input=data)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert landed_ids(tmp_path / "test.duckdb") == ["s1", "s2"]
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        assert con.execute("select distinct source_file from land_aicost").fetchall() == [
            ("<stdin>",)
        ]
    finally:
        con.close()


def test_fifo_without_a_writer_is_an_error_not_a_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "FIFO_WAIT_SECONDS", 0.3)
    os.mkfifo(tmp_path / "pipe.jsonl")
    started = time.monotonic()
    result = runner.invoke(app, ["ingest", "requests", "pipe.jsonl"])
    assert "pipe" in one_line_error(result, ExitCode.INPUT)
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_dev_stdin_process_substitution_and_a_fifo_in_real_processes(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("needs bash for <(...)")
    plain = good_file(tmp_path / "a.jsonl", "p1", "p2")
    subprocess.run(["gzip", "-k", str(plain)], check=True)
    good_file(tmp_path / "b.jsonl", "f1")
    env = {**os.environ, "AICOST_DB": str(tmp_path / "test.duckdb")}
    aicost = " ".join(AICOST)
    script = (
        f"set -e; cd {tmp_path}; "
        f"{aicost} ingest requests -q /dev/stdin < a.jsonl; "
        f"{aicost} ingest requests -q <(zcat a.jsonl.gz) ; "
        f"mkfifo f.jsonl; (cat b.jsonl > f.jsonl &); {aicost} ingest requests -q f.jsonl"
    )
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert landed_ids(tmp_path / "test.duckdb") == ["f1", "p1", "p2"]


def test_unreadable_file_and_sub_folder_are_quarantined_the_rest_ingested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permissions are simulated (the suite runs as root in CI, for whom
    every file is readable): the file's open and the sub-folder's listing
    fail with EACCES, as they do for a user without the permission."""
    logs = tmp_path / "logs"
    (logs / "sub").mkdir(parents=True)
    (logs / "locked").mkdir()
    good_file(logs / "a.jsonl", "g1")
    good_file(logs / "sub" / "b.jsonl", "g2")
    good_file(logs / "locked" / "c.jsonl", "hidden")
    good_file(logs / "secret.jsonl", "secret")
    real_access, real_scandir = os.access, os.scandir

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        return Path(path).name != "secret.jsonl" and real_access(path, mode, **kwargs)

    def scandir(path: Any = ".") -> Any:
        if not isinstance(path, int) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "scandir", scandir)
    result = runner.invoke(app, ["ingest", "requests", "-q", str(logs)])
    monkeypatch.undo()
    assert result.exit_code == ExitCode.QUARANTINED, result.stderr
    assert "Traceback" not in result.stderr
    assert landed_ids(tmp_path / "test.duckdb") == ["g1", "g2"]
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        rows = con.execute("select source_file, reason from quarantine order by 1").fetchall()
    finally:
        con.close()
    assert [Path(name).name for name, _ in rows] == ["locked", "secret.jsonl"]
    assert all("cannot be read" in reason for _, reason in rows)


# --- Ctrl-C --------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_during_an_ingest_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """SIGINT at several moments of a run (detection, staging, the DuckDB read,
    the commit): always exit 130 and one line, never exit 1 or a traceback."""
    big = tmp_path / "big.jsonl"
    with big.open("w") as out:
        for i in range(200_000):
            out.write(json.dumps(aicost(f"op{i}", name="n" * 200)) + "\n")
    env = {**os.environ, "AICOST_DB": str(tmp_path / "x.duckdb"), "AICOST_HOME": str(tmp_path)}
    codes = []
    for delay in (0.8, 1.5, 2.5, 3.5):
        proc = subprocess.Popen(
            [*AICOST, "ingest", "requests", "-q", "--force", str(big)],
            env=env,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        codes.append(proc.returncode)
        assert "Traceback" not in err, err
        if proc.returncode != 0:  # it may have finished before the signal
            assert proc.returncode == ExitCode.INTERRUPTED, err
            assert err.strip().splitlines()[0].startswith("aicost: error: interrupted"), err
    assert ExitCode.INTERRUPTED in codes
