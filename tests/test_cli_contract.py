"""The CLI contract of README.md: exit codes, stdout is data only, errors are one
plain line on stderr (``aicost: error: ...``, optionally one ``hint: ...``) with
no traceback, and machine formats are parseable with stable snake_case columns.

Expected figures come from the records written here (tests/conftest.py
``payload_cost``), never from the SQL under test."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from aicost_cli import __version__
from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from tests.conftest import JULY_2, litellm_payload, payload_cost

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
MONEY = re.compile(r"^-?\d+\.\d+$")  # exact decimal text: no exponent, symbol or separator
UTC_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

UNIT_ECONOMICS_COLUMNS = [
    "period_start",
    "feature",
    "owner",
    "units",
    "operations",
    "failed_operations",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "output_tokens",
    "estimated_cost",
    "unpriced_operations",
    "unpriced_source_cost",
    "fallback_priced_operations",
    "cost_per_unit",
    "value_per_unit",
    "net_value",
    "allocated_cost",
    "basis",
    "cost",
    "currency",
]
ATTRIBUTION_METRICS = [
    "operations",
    "units",
    "unpriced_operations",
    "unpriced_source_cost",
    "estimated_cost",
    "share",
    "allocated_cost",
    "basis",
    "cost",
    "currency",
]

CONFIG = """\
currency = "USD"

[features.support-bot]
owner = "support-eng"
unit = "conversation"
value_per_unit = "0.75"

[features.search]
owner = "search-team"
unit = "request"
value_per_unit = 0.01
"""


# --- helpers -----------------------------------------------------------------------


def assert_error(result: Any, code: ExitCode) -> str:
    """One ``aicost: error:`` line (plus at most one ``hint:``), nothing on stdout."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "\x1b[" not in result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    lines: list[str] = result.stderr.splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    assert lines[0].startswith("aicost: error: "), result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    return lines[0]


def assert_usage_error(result: Any, *needles: str) -> None:
    """Typer's own usage errors (bad option values): exit 2, stdout empty, no
    traceback, and the message names the option (Typer draws it in a box)."""
    assert result.exit_code == ExitCode.USAGE, (result.exit_code, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())
    for needle in needles:
        assert needle in text, text


def records() -> list[dict[str, Any]]:
    out = []
    for i in range(30):
        feature = ("support-bot", "search", None)[i % 3]
        out.append(
            litellm_payload(
                f"op-{i:03d}",
                start=JULY_2 + 86400 * (i % 40) + 60 * i,  # July and August
                uncached=200 + 13 * i,
                cache_read=(i % 4) * 1000,
                cache_write=300 if i % 5 == 0 else 0,
                completion=40 + 3 * i,
                feature=feature,
                trace_id=f"conv-{i // 4}",
                tags=[f"env:{'prod' if i % 2 else 'staging'}", "bare"],
            )
        )
    return out


@pytest.fixture(scope="module")
def loaded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """records() ingested once per module (explicit --db and --config: the
    per-test environment is not set up yet at module scope): the folder of the
    store, and the ingest's result."""
    folder = tmp_path_factory.mktemp("loaded")
    data = folder / "gw.ndjson"
    data.write_text("".join(json.dumps(r) + "\n" for r in records()))
    (folder / "aicost.toml").write_text(CONFIG)
    args = ["--db", str(folder / "template.duckdb"), "--config", str(folder / "aicost.toml")]
    result = runner.invoke(app, [*args, "ingest", "requests", str(data)])
    assert result.exit_code == ExitCode.OK, result.stderr
    return folder, result


@pytest.fixture
def loaded(
    hermetic: Path, loaded_template: tuple[Path, Result]
) -> tuple[Path, list[dict[str, Any]]]:
    """The test's database holds records(); the config file describes the features."""
    shutil.copyfile(loaded_template[0] / "template.duckdb", hermetic / "test.duckdb")
    config = hermetic / "aicost.toml"
    config.write_text(CONFIG)
    return config, records()


def feature_of(rec: dict[str, Any]) -> str:
    meta = rec["metadata"]["spend_logs_metadata"]
    return meta["feature"] if meta else "unattributed"


def month_of(rec: dict[str, Any]) -> str:
    return (
        "2026-07-01T00:00:00Z" if rec["startTime"] < JULY_2 + 30 * 86400 else "2026-08-01T00:00:00Z"
    )


def total_cost(recs: list[dict[str, Any]]) -> Decimal:
    return sum((payload_cost(r) for r in recs), Decimal(0))


# --- version and help ----------------------------------------------------------------


def test_version_matches_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == ExitCode.OK
    assert result.stdout == f"aicost {project['version']}\n"
    assert __version__ == project["version"]
    assert result.stderr == ""


def test_python_m_aicost_cli_help_and_version() -> None:
    help_ = subprocess.run(
        [sys.executable, "-m", "aicost_cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert help_.returncode == 0, help_.stderr
    for command in ("ingest", "report", "db", "prices", "demo"):
        assert command in help_.stdout
    assert "Traceback" not in help_.stderr
    version = subprocess.run(
        [sys.executable, "-m", "aicost_cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (version.returncode, version.stdout, version.stderr) == (
        0,
        f"aicost {__version__}\n",
        "",
    )


def test_every_command_has_help() -> None:
    for args in (
        ["ingest", "requests"],
        ["report", "unit-economics"],
        ["report", "attribution"],
        ["db", "path"],
        ["db", "status"],
        ["db", "quarantine"],
        ["prices", "list"],
        ["prices", "missing"],
        ["prices", "import"],
        ["billing", "unmapped"],
        ["demo"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage:" in result.stdout and result.stderr == "", args


# --- user mistakes: one line, documented exit code, nothing on stdout --------------


def test_missing_input_file(hermetic: Path) -> None:
    line = assert_error(
        runner.invoke(app, ["ingest", "requests", str(hermetic / "nope.jsonl")]), ExitCode.INPUT
    )
    assert "nope.jsonl does not exist" in line


def test_glob_without_matches_and_folder_without_logs(hermetic: Path) -> None:
    assert_error(
        runner.invoke(app, ["ingest", "requests", str(hermetic / "none" / "*.jsonl")]),
        ExitCode.INPUT,
    )
    (hermetic / "empty").mkdir()
    (hermetic / "empty" / "notes.txt").write_text("no logs here")
    line = assert_error(
        runner.invoke(app, ["ingest", "requests", str(hermetic / "empty")]), ExitCode.INPUT
    )
    assert "no log files found" in line


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("bogus = 1\n", "unknown key 'bogus'"),
        ("[features.bot]\nowner = 'x'\nunits = 'trace'\n", "unknown key 'features.bot.units'"),
        ("[features.bot]\nvalue_per_unit = 'a lot'\n", "is not an amount"),
        ("[features.bot]\nvalue_per_unit = true\n", "not a boolean"),
        ("[features.bot]\nvalue_per_unit = '-1'\n", "must not be negative"),
        ("[features.bot]\nunit = 'widget'\n", "is not a unit kind"),
        ("currency = 'dollars'\n", "3-letter ISO code"),
        ("[attribution]\nfeature_keys = 'feature'\n", "must be a list"),
        ("not toml at all = = =\n", "is not valid TOML"),
    ],
)
def test_bad_config_file(hermetic: Path, toml: str, expected: str) -> None:
    config = hermetic / "bad.toml"
    config.write_text(toml)
    result = runner.invoke(app, ["--config", str(config), "report", "unit-economics"])
    line = assert_error(result, ExitCode.USAGE)
    assert expected in line and str(config) in line


def test_bad_config_found_in_the_working_directory(hermetic: Path) -> None:
    (hermetic / "aicost.toml").write_text("[features.bot]\nunit = 'widget'\n")
    line = assert_error(runner.invoke(app, ["report", "attribution"]), ExitCode.USAGE)
    assert "aicost.toml" in line


def test_missing_config_file(hermetic: Path) -> None:
    line = assert_error(
        runner.invoke(app, ["--config", str(hermetic / "nope.toml"), "db", "path"]),
        ExitCode.USAGE,
    )
    assert "does not exist" in line


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("feature,colour", "unknown dimension 'colour'"),
        ("tag:", "tag: needs a key"),
        ("model,model", "repeated"),
        (",", "at least one dimension"),
    ],
)
def test_bad_report_dimension(by: str, expected: str) -> None:
    line = assert_error(runner.invoke(app, ["report", "attribution", "--by", by]), ExitCode.USAGE)
    assert expected in line


def test_unit_economics_by_something_else() -> None:
    assert_error(runner.invoke(app, ["report", "unit-economics", "--by", "team"]), ExitCode.USAGE)


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["ingest", "requests", "--format", "csv", "x.jsonl"], ["Invalid value for '--format'"]),
        (["report", "attribution", "--format", "xml"], ["Invalid value for '--format'", "xml"]),
        (["report", "unit-economics", "--since", "2026-13-45"], ["--since", "2026-13-45"]),
        (["report", "unit-economics", "--until", "yesterday"], ["--until", "yesterday"]),
        (["report", "unit-economics", "--period", "fortnight"], ["--period", "fortnight"]),
        (["report", "attribution", "--colour"], ["No such option", "--colour"]),
        (["ingest", "requests"], ["Missing argument"]),
    ],
)
def test_bad_option_values_are_usage_errors(args: list[str], needles: list[str]) -> None:
    assert_usage_error(runner.invoke(app, args), *needles)


@pytest.mark.parametrize(
    "target",
    [
        lambda tmp: tmp / "no-such-dir" / "out.csv",
        lambda tmp: tmp,  # a directory
        lambda tmp: Path("/dev/full"),  # the write itself fails (disk full)
    ],
    ids=["missing-parent", "directory", "disk-full"],
)
def test_unwritable_output_path(
    loaded: Any, hermetic: Path, target: Callable[[Path], Path]
) -> None:
    out = target(hermetic)
    if not out.parent.exists() and out.name == "full":
        pytest.skip("no /dev/full here")
    result = runner.invoke(app, ["report", "unit-economics", "--format", "csv", "-o", str(out)])
    line = assert_error(result, ExitCode.INPUT)
    assert f"cannot write {out}" in line


@pytest.mark.parametrize("how", ["--db", "AICOST_DB", "db_path"])
@pytest.mark.parametrize("command", [["report", "unit-economics"], ["ingest", "requests"]])
def test_database_path_that_is_a_directory(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch, how: str, command: list[str]
) -> None:
    folder = hermetic / "dbdir"
    folder.mkdir()
    data = hermetic / "gw.ndjson"
    data.write_text(json.dumps(litellm_payload("a")) + "\n")
    args = [*command, str(data)] if command[0] == "ingest" else command
    if how == "--db":
        args = ["--db", str(folder), *args]
    elif how == "AICOST_DB":
        monkeypatch.setenv("AICOST_DB", str(folder))
    else:
        monkeypatch.delenv("AICOST_DB")
        (hermetic / "aicost.toml").write_text(f"db_path = '{folder}'\n")
    line = assert_error(runner.invoke(app, args), ExitCode.DATABASE)
    assert "is a directory" in line
    assert list(folder.iterdir()) == []


def test_report_before_any_ingest(hermetic: Path) -> None:
    line = assert_error(runner.invoke(app, ["report", "attribution"]), ExitCode.DATABASE)
    assert "does not exist yet" in line
    assert not (hermetic / "test.duckdb").exists()


def test_database_that_is_not_duckdb(hermetic: Path) -> None:
    (hermetic / "test.duckdb").write_text("this is not a database\n" * 100)
    assert_error(runner.invoke(app, ["report", "attribution"]), ExitCode.DATABASE)
    assert_error(runner.invoke(app, ["db", "status"]), ExitCode.DATABASE)


# --- ingest: quiet, quarantine -----------------------------------------------------------


def test_quiet_ingest_prints_nothing_on_success(hermetic: Path) -> None:
    data = hermetic / "gw.ndjson"
    data.write_text("".join(json.dumps(r) + "\n" for r in records()))
    result = runner.invoke(app, ["ingest", "requests", "-q", str(data)])
    assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.OK, "", "")
    again = runner.invoke(app, ["ingest", "requests", "--quiet", str(data)])
    assert (again.exit_code, again.stdout, again.stderr) == (ExitCode.OK, "", "")


def test_summary_goes_to_stderr(loaded_template: tuple[Path, Result]) -> None:
    _, result = loaded_template  # records() ingested into a new store
    assert result.exit_code == ExitCode.OK
    assert result.stdout == ""
    assert result.stderr == (
        "ingested 30 operation(s) from 1 file(s): 30 record(s) read, "
        "0 duplicate(s) skipped, 0 quarantined\n"
    )


@pytest.mark.slow  # fast tier: exit 5 in the corpus and ingest tests; -q in the test above
def test_quarantined_records_exit_5(hermetic: Path) -> None:
    recs = records()[:5]
    lines = [json.dumps(r) for r in recs]
    lines.insert(2, "{oops")
    data = hermetic / "gw.jsonl"
    data.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["ingest", "requests", str(data)])
    assert result.exit_code == ExitCode.QUARANTINED
    assert result.stdout == ""
    assert "ingested 5 operation(s)" in result.stderr and "1 quarantined" in result.stderr
    assert "Traceback" not in result.stderr

    quiet_db = ["--db", str(hermetic / "quiet.duckdb")]
    quiet = runner.invoke(app, [*quiet_db, "ingest", "requests", "-q", str(data)])
    assert quiet.exit_code == ExitCode.QUARANTINED
    assert quiet.stdout == ""
    assert quiet.stderr == "aicost: 1 record(s) quarantined; see 'aicost db quarantine'\n"

    q = runner.invoke(app, ["db", "quarantine", "--format", "csv"])
    assert q.exit_code == ExitCode.OK
    rows = list(csv.DictReader(io.StringIO(q.stdout)))
    assert [(r["source_line"], r["reason"], r["record"]) for r in rows] == [
        ("3", "line is not valid JSON", "{oops")
    ]


@pytest.mark.slow
def test_unrecognised_file_is_quarantined_and_can_be_retried_with_format(hermetic: Path) -> None:
    """README: a file of an unknown format is quarantined (exit 5) so that one odd
    file does not stop a folder. The hint says to force the format: doing so must
    read the file again although it did not change."""
    data = hermetic / "odd.json"
    data.write_text(
        json.dumps({"id": "first", "note": "no LiteLLM keys"})
        + "\n"
        + json.dumps({"id": "second", "note": "none here either"})
        + "\n"
    )
    first = runner.invoke(app, ["ingest", "requests", str(data)])
    assert first.exit_code == ExitCode.QUARANTINED
    q = json.loads(runner.invoke(app, ["db", "quarantine", "--format", "json"]).stdout)
    assert [(i["source_line"], i["reason"]) for i in q] == [
        (
            None,
            "file is not a LiteLLM, OpenTelemetry, Bedrock or aicost record "
            "(use --format to force one)",
        )
    ]
    forced = runner.invoke(app, ["ingest", "requests", "--format", "litellm", str(data)])
    assert forced.exit_code == ExitCode.QUARANTINED, forced.stderr
    assert "ingested 0 operation(s) from 1 file(s)" in forced.stderr
    q = json.loads(runner.invoke(app, ["db", "quarantine", "--format", "json"]).stdout)
    assert [(i["source_line"], i["reason"]) for i in q] == [
        (1, "startTime is missing"),
        (2, "startTime is missing"),
    ]
    # and now it is known as litellm: unchanged, so skipped
    again = runner.invoke(app, ["ingest", "requests", "--format", "litellm", str(data)])
    assert again.exit_code == ExitCode.OK
    assert "1 unchanged file(s) skipped" in again.stderr


def test_a_foreign_first_record_does_not_decide_the_format(hermetic: Path) -> None:
    data = hermetic / "mixed.json"
    data.write_text(
        json.dumps({"id": "first", "note": "no LiteLLM keys"})
        + "\n"
        + json.dumps(litellm_payload("kept"))
        + "\n"
    )
    result = runner.invoke(app, ["ingest", "requests", str(data)])
    assert result.exit_code == ExitCode.QUARANTINED
    assert "ingested 1 operation(s) from 1 file(s)" in result.stderr
    q = json.loads(runner.invoke(app, ["db", "quarantine", "--format", "json"]).stdout)
    assert [(i["source_line"], i["reason"]) for i in q] == [(1, "startTime is missing")]


# --- machine formats ------------------------------------------------------------------


def parse(fmt: str, text: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    if fmt == "json":
        data = json.loads(text, parse_float=Decimal)
        assert isinstance(data, list)
        return data
    return [json.loads(line, parse_float=Decimal) for line in text.splitlines()]


def header(fmt: str, text: str, rows: list[dict[str, Any]]) -> list[str]:
    if fmt == "csv":
        return next(csv.reader(io.StringIO(text)))
    return list(rows[0])


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_unit_economics_machine_formats(loaded: Any, fmt: str) -> None:
    config, recs = loaded
    result = runner.invoke(
        app, ["--config", str(config), "report", "unit-economics", "--format", fmt]
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr == ""
    rows = parse(fmt, result.stdout)
    assert header(fmt, result.stdout, rows) == UNIT_ECONOMICS_COLUMNS
    assert all(SNAKE.match(c) for c in UNIT_ECONOMICS_COLUMNS)

    def num(value: Any) -> Decimal:
        if fmt == "csv":
            assert MONEY.match(value), value
        return Decimal(str(value))

    assert sum(num(r["estimated_cost"]) for r in rows) == total_cost(recs)
    assert sum(int(r["operations"]) for r in rows) == len(recs)
    expected_groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in recs:
        expected_groups.setdefault((month_of(rec), feature_of(rec)), []).append(rec)
    assert {(r["period_start"], r["feature"]) for r in rows} == set(expected_groups)
    for row in rows:
        assert UTC_ISO.match(row["period_start"])
        assert row["currency"] == "USD"
        mine = expected_groups[(row["period_start"], row["feature"])]
        assert num(row["estimated_cost"]) == total_cost(mine)
        # no bill loaded: the best known cost is the estimate
        assert num(row["cost"]) == total_cost(mine) and row["basis"] == "estimated"
        assert int(row["operations"]) == len(mine)
        if row["feature"] == "support-bot":
            units = len({r["trace_id"] for r in mine})  # unit: conversation
            assert row["owner"] == "support-eng"
            assert num(row["value_per_unit"]) == Decimal("0.75")
        elif row["feature"] == "search":
            units = len(mine)  # unit: request
            assert num(row["value_per_unit"]) == Decimal("0.01")
        else:
            units = len({r["trace_id"] for r in mine})
            assert row["value_per_unit"] in ("", None)
            assert row["net_value"] in ("", None)
            continue
        assert int(row["units"]) == units
        net = num(row["value_per_unit"]) * units - num(row["estimated_cost"])
        assert num(row["net_value"]) == net
        assert abs(num(row["cost_per_unit"]) - num(row["estimated_cost"]) / units) <= Decimal(
            "0.0000000000005"
        )


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_attribution_machine_formats(loaded: Any, fmt: str) -> None:
    config, recs = loaded
    result = runner.invoke(
        app,
        [
            "--config",
            str(config),
            "report",
            "attribution",
            "--by",
            "feature,tag:env",
            "--format",
            fmt,
        ],
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr == ""
    rows = parse(fmt, result.stdout)
    assert header(fmt, result.stdout, rows) == ["feature", "tag_env", *ATTRIBUTION_METRICS]
    total = total_cost(recs)
    assert sum(Decimal(str(r["estimated_cost"])) for r in rows) == total
    assert sum(int(r["operations"]) for r in rows) == len(recs)
    shares = [Decimal(str(r["share"])) for r in rows]
    assert abs(sum(shares, Decimal(0)) - 1) <= Decimal("0.000001") * len(rows)
    for row in rows:
        mine = [
            r
            for r in recs
            if feature_of(r) == row["feature"] and r["request_tags"][0] == f"env:{row['tag_env']}"
        ]
        assert Decimal(str(row["estimated_cost"])) == total_cost(mine)
        # the user and tag:<key> dimensions have no allocation: cost is the estimate
        assert Decimal(str(row["cost"])) == total_cost(mine) and row["basis"] in (None, "")
        assert abs(Decimal(str(row["share"])) - total_cost(mine) / total) <= Decimal("0.0000005")
    assert "unattributed" in {r["feature"] for r in rows}


def test_output_file_holds_what_stdout_would(loaded: Any, hermetic: Path) -> None:
    config, _ = loaded
    args = ["--config", str(config), "report", "attribution", "--by", "feature,model"]
    to_stdout = runner.invoke(app, [*args, "--format", "csv"])
    out = hermetic / "attribution.csv"
    to_file = runner.invoke(app, [*args, "--format", "csv", "-o", str(out)])
    assert to_file.exit_code == ExitCode.OK
    assert (to_file.stdout, to_file.stderr) == ("", "")
    assert out.read_text() == to_stdout.stdout


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", ",".join(UNIT_ECONOMICS_COLUMNS) + "\n"),
        ("json", "[]\n"),
        ("jsonl", ""),
    ],
)
def test_no_rows_is_a_header_or_empty_list(loaded: Any, fmt: str, expected: str) -> None:
    result = runner.invoke(
        app, ["report", "unit-economics", "--since", "2030-01-01", "--format", fmt]
    )
    assert (result.exit_code, result.stdout, result.stderr) == (ExitCode.OK, expected, "")


def test_since_and_until_select_by_utc_time(loaded: Any) -> None:
    _, recs = loaded
    august = [r for r in recs if month_of(r) == "2026-08-01T00:00:00Z"]
    result = runner.invoke(
        app,
        ["report", "attribution", "--since", "2026-08-01", "--until", "2026-09-01", "-f", "json"],
    )
    assert result.exit_code == ExitCode.OK
    rows = json.loads(result.stdout, parse_float=Decimal)
    assert sum(r["operations"] for r in rows) == len(august)
    assert sum(Decimal(str(r["estimated_cost"])) for r in rows) == total_cost(august)


def test_db_status_json_is_data_only(loaded: Any) -> None:
    result = runner.invoke(app, ["db", "status", "--format", "json"])
    assert result.exit_code == ExitCode.OK and result.stderr == ""
    tables = {row["table_name"]: row for row in json.loads(result.stdout)}
    assert tables["operations"]["row_count"] == 30
    assert tables["quarantine"]["row_count"] == 0
    assert all(SNAKE.match(key) for row in tables.values() for key in row)


def test_a_missing_path_creates_no_database(hermetic: Path) -> None:
    db = hermetic / "fresh.duckdb"
    result = runner.invoke(app, ["--db", str(db), "ingest", "requests", "typo.jsonl"])
    assert result.exit_code == ExitCode.INPUT
    assert result.stdout == ""
    assert "typo.jsonl does not exist" in result.stderr
    assert not db.exists()


def test_bad_memory_limit_is_a_config_error(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AICOST_MEMORY_LIMIT", "lots")
    path = hermetic / "one.ndjson"
    path.write_text(json.dumps(litellm_payload("one")) + "\n")
    result = runner.invoke(app, ["ingest", "requests", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    assert "AICOST_MEMORY_LIMIT='lots' is not a memory size" in result.stderr


def test_memory_limit_applies_inside_the_block_only(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingest and build run under db.memory_limit: AICOST_MEMORY_LIMIT inside,
    DuckDB's default restored after."""
    from aicost_cli import db

    monkeypatch.setenv("AICOST_MEMORY_LIMIT", "300MB")
    con = db.connect(hermetic / "limit.duckdb")
    try:
        setting = "select current_setting('memory_limit')"
        before = con.execute(setting).fetchall()
        with db.memory_limit(con):
            assert con.execute(setting).fetchall() == [("286.1 MiB",)]
        assert con.execute(setting).fetchall() == before != [("286.1 MiB",)]
    finally:
        con.close()


def test_a_nested_memory_limit_leaves_the_outer_one_in_force(
    hermetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest's store phase (landing copy, build, commit) runs under the
    budget and the build sets it again inside: when the build's block ends,
    the rest must still be under the budget, not at DuckDB's default (80% of
    RAM). (The landing copy had no budget before: a 10M LiteLLM ingest peaked
    at 1.7-1.9 GB RSS; 1.24 GB with it.)"""
    from aicost_cli import db

    monkeypatch.setenv("AICOST_MEMORY_LIMIT", "300MB")
    con = db.connect(hermetic / "nested.duckdb")
    try:
        setting = "select current_setting('memory_limit')"
        before = con.execute(setting).fetchall()
        with db.memory_limit(con):
            with db.memory_limit(con):
                pass
            assert con.execute(setting).fetchall() == [("286.1 MiB",)]
        assert con.execute(setting).fetchall() == before
    finally:
        con.close()
