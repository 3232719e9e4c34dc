"""Readers are not locked out by a long ingest: staging holds the store only
read-only; a report waits for a writer's short commit, and says so clearly
when it must wait longer; writers take turns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from aicost_cli import db
from aicost_cli.config import Config
from aicost_cli.errors import ExitCode
from aicost_cli.ingest.requests import ingest_requests
from tests.conftest import litellm_payload


def aicost(db_path: Path, *args: str, timeout: str = "20") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AICOST_LOCK_TIMEOUT": timeout}
    return subprocess.run(
        [sys.executable, "-m", "aicost_cli", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _logs(folder: Path, name: str, ids: range) -> Path:
    path = folder / name
    path.write_text(
        "".join(json.dumps(litellm_payload(f"chatcmpl-{i}")) + "\n" for i in ids),
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_a_report_answers_while_an_ingest_is_staging(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    ingest_requests(store, [str(_logs(tmp_path, "first.jsonl", range(3)))], config=Config())
    answers: list[subprocess.CompletedProcess[str]] = []

    def report_now(_done: int, _total: int, _name: str) -> None:
        if not answers:  # during staging: the ingest holds the store read-only
            answers.append(aicost(store, "report", "attribution", "--format", "csv", timeout="0"))

    second = _logs(tmp_path, "second.jsonl", range(3, 6))
    result = ingest_requests(store, [str(second)], config=Config(), progress=report_now)
    assert result.inserted == 3
    assert answers, "the progress callback never ran"
    assert answers[0].returncode == 0, answers[0].stderr
    assert "support-bot" in answers[0].stdout  # the first run's operations


@pytest.mark.slow
def test_a_report_waits_for_a_commit(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    ingest_requests(store, [str(_logs(tmp_path, "a.jsonl", range(2)))], config=Config())
    writer = duckdb.connect(str(store))  # holds the store as a commit would
    release = threading.Timer(1.0, writer.close)
    release.start()
    try:
        started = time.monotonic()
        result = aicost(store, "report", "unit-economics", "--format", "csv", timeout="30")
    finally:
        release.join()
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 0.9  # it did wait, then answered


def test_a_report_that_cannot_wait_longer_says_so(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    ingest_requests(store, [str(_logs(tmp_path, "a.jsonl", range(2)))], config=Config())
    writer = duckdb.connect(str(store))
    try:
        result = aicost(store, "report", "unit-economics", timeout="0.3")
    finally:
        writer.close()
    assert result.returncode == ExitCode.DATABASE
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (
        f"aicost: error: database {store} is in use by another aicost process (waited 0.3 s)"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_writers_take_turns(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    ingest_requests(store, [str(_logs(tmp_path, "a.jsonl", range(2)))], config=Config())
    with db.writer_lock(store):
        blocked = aicost(
            store, "ingest", "requests", str(_logs(tmp_path, "b.jsonl", range(2, 4))), timeout="0.3"
        )
    assert blocked.returncode == ExitCode.DATABASE
    assert "another aicost process is writing to" in blocked.stderr
    # once the lock is free, the same command goes through
    done = aicost(store, "ingest", "requests", str(tmp_path / "b.jsonl"))
    assert done.returncode == 0, done.stderr
