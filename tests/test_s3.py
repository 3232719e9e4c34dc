"""``aicost ingest requests s3://...`` against a real S3 API: moto in server mode
on loopback (one server per session, one bucket per test).

Figures are computed here from the records we upload (tests/conftest.py
``payload_cost``), not by the SQL under test."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from tests.conftest import JULY_2, litellm_payload, payload_cost

runner = CliRunner()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class S3:
    endpoint: str
    client: Any
    bucket: str

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: Any) -> S3:
    """Fake credentials in the environment (never the user's), a fresh bucket."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # never ask an instance or container metadata service (off loopback) for credentials
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    # boto3's default session caches the credentials it first resolved: each
    # invocation must start afresh, as a new process would
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    bucket = "aicost-" + request.node.name.replace("_", "-")[:40].lower().strip("-")
    client = boto3.session.Session().client("s3", endpoint_url=moto_endpoint)
    client.create_bucket(Bucket=bucket)
    return S3(moto_endpoint, client, bucket)


def s3_logger_key(prefix: str, record: dict[str, Any]) -> str:
    """LiteLLM's S3 logger layout: prefix/YYYY-MM-DD/time-HH-MM-SS-ffffff_<id>.json"""
    t = datetime.fromtimestamp(float(record["startTime"]), tz=UTC)
    return f"{prefix}/{t:%Y-%m-%d}/time-{t:%H-%M-%S}-{t.microsecond:06d}_{record['id']}.json"


def records(n: int, first: int = 0, prefix: str = "msg") -> list[dict[str, Any]]:
    return [
        litellm_payload(
            f"{prefix}_{i:04d}",
            start=JULY_2 + 3600 + i * 61.25,
            uncached=100 + 7 * i,
            cache_read=(i % 3) * 512,
            cache_write=256 if i % 4 == 0 else 0,
            completion=20 + i,
        )
        for i in range(first, first + n)
    ]


def upload_logger_objects(s3: S3, prefix: str, recs: list[dict[str, Any]]) -> None:
    for rec in recs:
        s3.put(s3_logger_key(prefix, rec), json.dumps(rec).encode())


def upload_batch(s3: S3, key: str, recs: list[dict[str, Any]]) -> None:
    s3.put(key, gzip.compress("".join(json.dumps(r) + "\n" for r in recs).encode()))


def db_totals(path: Path) -> tuple[int, int, int, Decimal]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "select count(*), sum(input_tokens + cache_read_tokens + cache_write_5m_tokens), "
            "sum(output_tokens), sum(estimated_cost) from operations"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0]), int(row[1] or 0), int(row[2] or 0), Decimal(row[3] or 0)


def expected_totals(recs: list[dict[str, Any]]) -> tuple[int, int, int, Decimal]:
    return (
        len(recs),
        sum(r["prompt_tokens"] for r in recs),
        sum(r["completion_tokens"] for r in recs),
        sum((payload_cost(r) for r in recs), Decimal(0)),
    )


def assert_one_line_error(result: Any, code: ExitCode) -> str:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines: list[str] = result.stderr.splitlines()
    assert lines and lines[0].startswith("aicost: error: "), result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]) and len(lines) <= 2
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.slow
def test_logger_layout_and_gzip_batch_are_ingested(s3: S3, hermetic: Path) -> None:
    singles = records(12)
    batch = records(40, first=100)
    upload_logger_objects(s3, "litellm", singles)
    upload_batch(s3, "litellm/batches/batch-0001.ndjson.gz", batch)
    # objects that are not log files are left alone
    s3.put("litellm/README.txt", b"not a log")

    uri = f"s3://{s3.bucket}/litellm"
    result = runner.invoke(app, ["ingest", "requests", uri, "--endpoint-url", s3.endpoint])
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout == ""
    assert "ingested 52 operation(s) from 13 file(s)" in result.stderr

    db = hermetic / "test.duckdb"
    assert db_totals(db) == expected_totals(singles + batch)
    con = duckdb.connect(str(db), read_only=True)
    files = con.execute("select source_file from ingested_files order by 1").fetchall()
    lines = con.execute(
        "select source_line from operations where source_file like '%batch-0001.ndjson.gz' "
        "order by operation_id"
    ).fetchall()
    con.close()
    assert [f[0] for f in files] == sorted(
        [f"s3://{s3.bucket}/{s3_logger_key('litellm', r)}" for r in singles]
        + [f"s3://{s3.bucket}/litellm/batches/batch-0001.ndjson.gz"]
    )
    assert [row[0] for row in lines] == list(range(1, 41))


@pytest.mark.slow
def test_reingest_adds_nothing(s3: S3, hermetic: Path) -> None:
    recs = records(8)
    upload_logger_objects(s3, "p", recs[:5])
    upload_batch(s3, "p/b.ndjson.gz", recs[5:])
    uri = f"s3://{s3.bucket}/p"
    args = ["ingest", "requests", uri, "--endpoint-url", s3.endpoint]
    assert runner.invoke(app, args).exit_code == ExitCode.OK
    before = db_totals(hermetic / "test.duckdb")
    assert before == expected_totals(recs)

    again = runner.invoke(app, args)
    assert again.exit_code == ExitCode.OK, again.output
    assert "ingested 0 operation(s) from 0 file(s)" in again.stderr
    assert "6 unchanged file(s) skipped" in again.stderr

    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == ExitCode.OK, forced.output
    assert "ingested 0 operation(s) from 6 file(s)" in forced.stderr
    assert "8 duplicate(s) skipped" in forced.stderr
    assert db_totals(hermetic / "test.duckdb") == before

    con = duckdb.connect(str(hermetic / "test.duckdb"), read_only=True)
    runs = con.execute("select count(*) from ingest_runs").fetchall()
    ledger = con.execute("select count(*) from ingested_files").fetchall()
    con.close()
    assert ledger == [(6,)]  # one ledger row per object, replaced on --force
    assert runs == [(2,)]  # the run that had nothing to read records nothing


@pytest.mark.slow
def test_changed_object_is_read_again(s3: S3, hermetic: Path) -> None:
    recs = records(6)
    upload_batch(s3, "p/b.ndjson.gz", recs[:3])
    args = ["ingest", "requests", f"s3://{s3.bucket}/p", "--endpoint-url", s3.endpoint]
    assert runner.invoke(app, args).exit_code == ExitCode.OK
    upload_batch(s3, "p/b.ndjson.gz", recs)  # the batch grew: new ETag
    again = runner.invoke(app, args)
    assert again.exit_code == ExitCode.OK, again.output
    assert "ingested 3 operation(s) from 1 file(s)" in again.stderr
    assert "3 duplicate(s) skipped" in again.stderr
    assert db_totals(hermetic / "test.duckdb") == expected_totals(recs)


@pytest.mark.slow
def test_same_payloads_locally_and_in_s3_count_once(s3: S3, hermetic: Path) -> None:
    recs = records(30)
    local = hermetic / "local" / "gw.ndjson"
    local.parent.mkdir()
    local.write_text("".join(json.dumps(r) + "\n" for r in recs))
    extra = records(5, first=500)
    upload_logger_objects(s3, "logs", recs[:10] + extra)
    upload_batch(s3, "logs/batch.ndjson.gz", recs[20:])

    first = runner.invoke(app, ["ingest", "requests", str(local)])
    assert first.exit_code == ExitCode.OK, first.output
    second = runner.invoke(
        app, ["ingest", "requests", f"s3://{s3.bucket}/logs", "--endpoint-url", s3.endpoint]
    )
    assert second.exit_code == ExitCode.OK, second.output
    assert "ingested 5 operation(s) from 16 file(s)" in second.stderr
    assert "20 duplicate(s) skipped" in second.stderr
    assert db_totals(hermetic / "test.duckdb") == expected_totals(recs + extra)

    # and the other way round, both in one run, into a fresh database
    both = runner.invoke(
        app,
        [
            "--db",
            str(hermetic / "both.duckdb"),
            "ingest",
            "requests",
            f"s3://{s3.bucket}/logs",
            str(local),
            "--endpoint-url",
            s3.endpoint,
        ],
    )
    assert both.exit_code == ExitCode.OK, both.output
    assert "ingested 35 operation(s) from 17 file(s)" in both.stderr
    assert "20 duplicate(s) skipped" in both.stderr
    assert db_totals(hermetic / "both.duckdb") == expected_totals(recs + extra)


@pytest.mark.slow
def test_endpoint_from_aws_endpoint_url_in_a_real_process(s3: S3, hermetic: Path) -> None:
    recs = records(4)
    upload_logger_objects(s3, "env", recs)
    env = {**os.environ, "AWS_ENDPOINT_URL": s3.endpoint}
    proc = subprocess.run(
        [sys.executable, "-m", "aicost_cli", "ingest", "requests", f"s3://{s3.bucket}/env"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert proc.stdout == ""
    assert "ingested 4 operation(s) from 4 file(s)" in proc.stderr
    assert db_totals(hermetic / "test.duckdb") == expected_totals(recs)


@pytest.mark.slow
def test_quarantined_line_in_an_s3_object_names_the_object_and_line(s3: S3, hermetic: Path) -> None:
    recs = records(5)
    lines = [json.dumps(r) for r in recs]
    lines[2] = '{"id": "broken", "startTime": '
    s3.put("q/gw.jsonl", ("\n".join(lines) + "\n").encode())
    result = runner.invoke(
        app, ["ingest", "requests", f"s3://{s3.bucket}/q", "--endpoint-url", s3.endpoint]
    )
    assert result.exit_code == ExitCode.QUARANTINED, result.output
    assert result.stdout == ""
    q = runner.invoke(app, ["db", "quarantine", "--format", "json"])
    items = json.loads(q.stdout)
    assert [(i["source_file"], i["source_line"], i["reason"]) for i in items] == [
        (f"s3://{s3.bucket}/q/gw.jsonl", 3, "line is not valid JSON")
    ]
    assert db_totals(hermetic / "test.duckdb") == expected_totals(recs[:2] + recs[3:])


def test_missing_bucket_is_a_one_line_error(s3: S3, hermetic: Path) -> None:
    result = runner.invoke(
        app,
        ["ingest", "requests", "s3://no-such-bucket-here/x", "--endpoint-url", s3.endpoint],
    )
    line = assert_one_line_error(result, ExitCode.INPUT)
    assert "no-such-bucket-here" in line and "does not exist" in line
    assert not (hermetic / "test.duckdb.wal").exists()


def test_empty_prefix_is_a_one_line_error(s3: S3) -> None:
    result = runner.invoke(
        app, ["ingest", "requests", f"s3://{s3.bucket}/nothing", "--endpoint-url", s3.endpoint]
    )
    line = assert_one_line_error(result, ExitCode.INPUT)
    assert "no objects under" in line


def test_bad_credentials_are_a_one_line_error(
    s3: S3, hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_logger_objects(s3, "p", records(2))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    # from now on moto checks credentials (an unknown key is refused)
    _moto_auth(s3.endpoint, "0")
    try:
        result = runner.invoke(
            app, ["ingest", "requests", f"s3://{s3.bucket}/p", "--endpoint-url", s3.endpoint]
        )
    finally:
        _moto_auth(s3.endpoint, "inf")
    line = assert_one_line_error(result, ExitCode.INPUT)
    assert f"s3://{s3.bucket}/p" in line
    assert "refused the AWS credentials" in line and "InvalidAccessKeyId" in line
    assert not (hermetic / "test.duckdb").exists()  # a refused listing creates no database


def test_no_credentials_is_a_one_line_error(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = runner.invoke(
        app, ["ingest", "requests", f"s3://{s3.bucket}/p", "--endpoint-url", s3.endpoint]
    )
    line = assert_one_line_error(result, ExitCode.INPUT)
    assert "no AWS credentials" in line


def test_unreachable_endpoint_is_a_one_line_error(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    # a loopback port that nothing listens on
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    result = runner.invoke(
        app,
        [
            "ingest",
            "requests",
            f"s3://{s3.bucket}/p",
            "--endpoint-url",
            f"http://127.0.0.1:{closed}",
        ],
    )
    line = assert_one_line_error(result, ExitCode.INPUT)
    assert "cannot reach S3" in line


def _moto_auth(endpoint: str, count: str) -> None:
    req = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 200
