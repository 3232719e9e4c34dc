"""No way in through the config, and no credentials in messages.

* attribution keys from the config are data: hostile keys (a quote, a
  ``COPY ... TO`` after a closing quote) are looked up literally and run
  nothing;
* an S3 endpoint that echoes the request's headers in its error, or an
  endpoint URL with credentials in it, never puts a credential on stderr.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli.cli import app
from aicost_cli.errors import ExitCode, redact
from tests.corpus import lines, litellm

runner = CliRunner()

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue1234567890"


# --- attribution keys ----------------------------------------------------------


def test_hostile_attribution_keys_are_looked_up_literally(tmp_path: Path) -> None:
    pwn = tmp_path / "pwn.csv"
    hostile = [
        "it's",
        f"x') ; copy (select 1) to '{pwn}' --",
        f"x']) ; copy (select 1) to '{pwn}' ; select ([' ",
        "back\\slash",
        'double"quote',
        "feature",
    ]
    toml_list = ", ".join("'''" + key + "'''" for key in hostile)
    (tmp_path / "aicost.toml").write_text(f"[attribution]\nfeature_keys = [{toml_list}]\n")
    records = [
        litellm("q1", metadata={"spend_logs_metadata": {"it's": "quoted"}}),
        litellm("q2", metadata={"spend_logs_metadata": {"back\\slash": "slashed"}}),
        litellm("q3", metadata={"spend_logs_metadata": {hostile[1]: "hostile"}}),
        litellm("q4", metadata={"spend_logs_metadata": {"feature": "plain"}}),
    ]
    (tmp_path / "a.jsonl").write_bytes(lines(*records))
    result = runner.invoke(app, ["ingest", "requests", "-q", "a.jsonl"])
    assert result.exit_code == ExitCode.OK, result.stderr
    report = runner.invoke(app, ["report", "attribution", "--by", "feature", "--format", "csv"])
    assert report.exit_code == ExitCode.OK, report.stderr
    assert not pwn.exists()
    con = duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True)
    try:
        rows = dict(con.execute("select operation_id, feature from operations").fetchall())
    finally:
        con.close()
    assert rows == {"q1": "quoted", "q2": "slashed", "q3": "hostile", "q4": "plain"}


# --- redaction -------------------------------------------------------------------


def test_redact_removes_every_kind_of_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    text = redact(
        f"GET https://{KEY_ID}:{SECRET}@s3.example.test/bucket failed; "
        f"X-Amz-Security-Token: {TOKEN}; "
        f"Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/20260702/us-east-1/s3/"
        "aws4_request, SignedHeaders=host, Signature=0123abcd; "
        f"url ?X-Amz-Credential={KEY_ID}%2F2026&X-Amz-Signature=feedbeef "
        f"the secret {SECRET} and token {TOKEN} again, key {KEY_ID}"
    )
    for secret in (KEY_ID, SECRET, TOKEN, "0123abcd", "feedbeef"):
        assert secret not in text
    assert "s3.example.test/bucket" in text  # what is not secret stays readable


# --- S3 errors -------------------------------------------------------------------


class _EchoHeaders(BaseHTTPRequestHandler):
    """An S3 endpoint that refuses everything and echoes the request's
    headers (and path, with its query) in the error message."""

    def _refuse(self) -> None:
        echoed = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>TeapotError</Code>"
            f"<Message>{escape(f'refused {self.path} with headers {echoed}')}</Message></Error>"
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = _refuse

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def aws_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    return tmp_path


def _assert_no_secret(result: Any) -> None:
    assert result.exit_code == ExitCode.INPUT, (result.stderr, result.exception)
    assert "Traceback" not in result.stderr
    for secret in (KEY_ID, SECRET, TOKEN, "pa55word"):
        assert secret not in result.stderr, result.stderr
        assert secret not in result.stdout


@pytest.mark.parametrize("source", ["environment", "profile"])
def test_echoed_headers_are_redacted(
    source: str, echo_endpoint: str, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if source == "environment":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    else:  # from a credentials file: not in the environment for redact to find
        (aws_home / "aws-credentials").write_text(
            f"[corp]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
            f"aws_session_token = {TOKEN}\n"
        )
        monkeypatch.setenv("AWS_PROFILE", "corp")
    result = runner.invoke(
        app, ["ingest", "requests", "s3://bucket/logs/", "--endpoint-url", echo_endpoint]
    )
    _assert_no_secret(result)
    assert "TeapotError" in result.stderr  # the server's message is still shown


def test_credentials_in_the_endpoint_url_are_redacted(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # nothing listens on port 9 of loopback: the connection is refused at once
    endpoint = f"http://{KEY_ID}:pa55word@127.0.0.1:9"
    result = runner.invoke(app, ["ingest", "requests", "s3://bucket/p", "--endpoint-url", endpoint])
    _assert_no_secret(result)
