"""The ``aicost ingest billing`` run: a billing period is replaced as a whole
(restated, never added to), unchanged files are skipped, malformed files and
rows are quarantined with nothing partial committed, currencies are checked,
the writer lock is shared with every other writer, and S3 Data Exports are
read from their manifest (moto on loopback).

Expected amounts are the ones written into the generated files, summed here
in Python ``Decimal``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from aicost_cli import db
from aicost_cli.cli import app
from aicost_cli.errors import ExitCode
from tests import test_s3
from tests.cur_files import PAYER, bedrock, line, write_cur2_parquet, write_legacy_csv
from tests.test_s3 import S3

# the moto server and bucket fixtures of the request ingest's S3 tests
moto_endpoint = test_s3.moto_endpoint
s3 = test_s3.s3

runner = CliRunner()
KEY_JULY = f"cur2|{PAYER}|2026-07"
KEY_AUG = f"cur2|{PAYER}|2026-08"


def _ingest(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["ingest", "billing", *args], env=env)


def _query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _totals(path: Path) -> dict[str, tuple[int, Decimal]]:
    return {
        str(key): (int(n), Decimal(total))
        for key, n, total in _query(
            path,
            "select partition_key, count(*), sum(billed_cost) from land_charges group by all",
        )
    }


def _month(month: str, amounts: list[float]) -> list[dict[str, Any]]:
    return [
        line(month, day=1 + i % 28, hour=i % 20, line_item_unblended_cost=a)
        for i, a in enumerate(amounts)
    ]


def _dec(amounts: list[float]) -> Decimal:
    return sum((Decimal(str(a)) for a in amounts), Decimal(0))


@pytest.fixture
def store(hermetic: Path) -> Path:
    return hermetic / "test.duckdb"


def test_restated_period_replaces_only_that_period(hermetic: Path, store: Path) -> None:
    july, aug = [1.5, 2.25, 3.0], [10.0, 20.0]
    export = hermetic / "export"
    write_cur2_parquet(export / "2026-07" / "cur-00001.parquet", _month("2026-07", july))
    write_cur2_parquet(export / "2026-08" / "cur-00001.parquet", _month("2026-08", aug))
    first = _ingest(str(export))
    assert first.exit_code == ExitCode.OK, first.output
    assert _totals(store) == {KEY_JULY: (3, _dec(july)), KEY_AUG: (2, _dec(aug))}
    aug_ids = _query(
        store,
        "select charge_id, ingest_run_id from land_charges where partition_key = ? order by all",
        [KEY_AUG],
    )

    # a newer delivery of July: other lines, other amounts
    restated = [1.5, 2.5, 3.0, 0.125]
    write_cur2_parquet(export / "2026-07" / "cur-00001.parquet", _month("2026-07", restated))
    second = _ingest(str(export))
    assert second.exit_code == ExitCode.OK, second.output
    assert _totals(store) == {KEY_JULY: (4, _dec(restated)), KEY_AUG: (2, _dec(aug))}
    # August was not read again, let alone rewritten
    assert (
        _query(
            store,
            "select charge_id, ingest_run_id from land_charges "
            "where partition_key = ? order by all",
            [KEY_AUG],
        )
        == aug_ids
    )
    assert "1 unchanged file(s) skipped" in second.stderr
    assert (
        f"{KEY_JULY}: 4 charge(s) from 1 file(s), billed 7.125 USD (replaces run 1: "
        "3 charge(s), billed 6.75 USD)" in second.stderr
    )
    partitions = _query(
        store,
        "select partition_key, charges, ingest_run_id, replaced_run_id from billing_partitions "
        "order by partition_key, ingest_run_id",
    )
    assert partitions == [(KEY_JULY, 3, 1, 2), (KEY_JULY, 4, 2, None), (KEY_AUG, 2, 1, None)]
    runs = _query(
        store,
        "select kind, records_read, operations_inserted from ingest_runs order by ingest_run_id",
    )
    assert runs == [("billing", 5, 5), ("billing", 4, 4)]


@pytest.mark.slow  # fast tier: the restated period's unchanged file is skipped (above)
def test_reingesting_the_same_files_is_a_no_op(hermetic: Path, store: Path) -> None:
    path = write_cur2_parquet(hermetic / "cur.parquet", _month("2026-07", [1.0, 2.0]))
    assert _ingest(str(path)).exit_code == ExitCode.OK
    before = _query(store, "select * from land_charges order by charge_id")
    again = _ingest(str(path))
    assert again.exit_code == ExitCode.OK
    assert "ingested 0 charge(s) from 0 file(s)" in again.stderr
    assert _query(store, "select count(*) from ingest_runs") == [(1,)]
    forced = _ingest(str(path), "--force")
    assert forced.exit_code == ExitCode.OK
    after = _query(store, "select * exclude (ingest_run_id) from land_charges order by charge_id")
    assert after == [row[:-1] for row in before]  # same ids, same rows: replaced by themselves


@pytest.mark.slow  # fast tier: --quiet of `ingest requests` (test_cli_contract, test_root_quiet)
def test_quiet_success_prints_nothing(hermetic: Path) -> None:
    path = write_cur2_parquet(hermetic / "cur.parquet", _month("2026-07", [1.0]))
    result = _ingest(str(path), "--quiet")
    assert result.exit_code == ExitCode.OK
    assert result.stderr == "" and result.stdout == ""


@pytest.fixture(scope="module")
def first_ingest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One file of two July charges ingested into a new store, once per module:
    the store and the run's result (read only by the tests)."""
    folder = tmp_path_factory.mktemp("first-ingest")
    path = write_cur2_parquet(folder / "cur.parquet", _month("2026-07", [1.0, 0.5]))
    store = folder / "test.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AICOST_HOME", str(folder / "home"))
        patch.delenv("AICOST_CONFIG", raising=False)
        patch.chdir(folder)
        result = runner.invoke(app, ["--db", str(store), "ingest", "billing", str(path)])
    return store, result


def test_summary_text(first_ingest: tuple[Path, Any]) -> None:
    _, result = first_ingest
    assert result.exit_code == ExitCode.OK, result.output
    assert result.stdout == ""
    assert result.stderr == (
        "ingested 2 charge(s) from 1 file(s) into 1 billing period(s): 2 row(s) read, "
        "0 quarantined\n"
        f"  {KEY_JULY}: 2 charge(s) from 1 file(s), billed 1.5 USD (new)\n"
    )


@pytest.mark.slow  # fast tier: the restated period (above)
def test_parts_of_one_period_land_together(hermetic: Path, store: Path) -> None:
    folder = hermetic / "export" / "data" / "BILLING_PERIOD=2026-07"
    write_cur2_parquet(folder / "cur-00001.snappy.parquet", _month("2026-07", [1.0, 2.0]))
    write_cur2_parquet(folder / "cur-00002.snappy.parquet", _month("2026-07", [4.0]))
    assert _ingest(str(hermetic / "export")).exit_code == ExitCode.OK
    assert _totals(store) == {KEY_JULY: (3, Decimal(7))}
    assert _query(store, "select files from billing_partitions") == [
        (
            [
                str((folder / "cur-00001.snappy.parquet").resolve()),
                str((folder / "cur-00002.snappy.parquet").resolve()),
            ],
        )
    ]
    # one part changes: the whole period is read again, from both parts
    write_cur2_parquet(folder / "cur-00002.snappy.parquet", _month("2026-07", [4.0, 8.0]))
    again = _ingest(str(hermetic / "export"))
    assert again.exit_code == ExitCode.OK, again.output
    assert _totals(store) == {KEY_JULY: (4, Decimal(15))}


@pytest.mark.slow  # in `make test` only: two ingests (the ledger's last delivery)
def test_a_changed_loose_part_rereads_its_unchanged_sibling(hermetic: Path, store: Path) -> None:
    """Parts outside a BILLING_PERIOD folder: the ledger's last delivery of
    the period says which files belong together."""
    one = write_cur2_parquet(hermetic / "july-1.parquet", _month("2026-07", [1.0]))
    two = write_cur2_parquet(hermetic / "july-2.parquet", _month("2026-07", [2.0]))
    assert _ingest(str(one), str(two)).exit_code == ExitCode.OK
    write_cur2_parquet(two, _month("2026-07", [2.0, 3.0]))
    again = _ingest(str(one), str(two))
    assert again.exit_code == ExitCode.OK, again.output
    assert _totals(store) == {KEY_JULY: (3, Decimal(6))}


@pytest.mark.slow  # fast tier: a bad part / a manifest's missing file holds a period back
def test_fewer_files_than_the_last_delivery_is_held_back(hermetic: Path, store: Path) -> None:
    one = write_cur2_parquet(hermetic / "july-1.parquet", _month("2026-07", [1.0]))
    two = write_cur2_parquet(hermetic / "july-2.parquet", _month("2026-07", [2.0]))
    assert _ingest(str(one), str(two)).exit_code == ExitCode.OK
    write_cur2_parquet(one, _month("2026-07", [1.0, 5.0]))
    held = _ingest(str(one))
    assert held.exit_code == ExitCode.QUARANTINED
    assert "was delivered in 2 file(s) last time (run 1) and in 1 in this run" in held.stderr
    assert _totals(store) == {KEY_JULY: (2, Decimal(3))}  # unchanged
    forced = _ingest(str(one), "--force")
    assert forced.exit_code == ExitCode.OK, forced.output
    assert _totals(store) == {KEY_JULY: (2, Decimal(6))}


def test_truncated_parquet_is_quarantined_and_the_rest_lands(hermetic: Path, store: Path) -> None:
    write_cur2_parquet(hermetic / "in" / "aug.parquet", _month("2026-08", [1.0, 2.0]))
    bad = write_cur2_parquet(hermetic / "in" / "july.parquet", _month("2026-07", [4.0]))
    bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    result = _ingest(str(hermetic / "in"))
    assert result.exit_code == ExitCode.QUARANTINED
    assert _totals(store) == {KEY_AUG: (2, Decimal(3))}
    rows = _query(store, "select source_file, source_line, source_format, reason from quarantine")
    assert len(rows) == 1
    name, row, fmt, reason = rows[0]
    assert (name, row, fmt) == (str(bad.resolve()), None, "billing")
    assert reason.startswith("file cannot be read")
    assert f"quarantined {bad.resolve()}: file cannot be read" in result.stderr
    # not in the ledger: read (and reported) again until it is fixed
    assert _query(
        store, "select count(*) from ingested_files where source_file = ?", [str(bad.resolve())]
    ) == [(0,)]


def test_a_bad_part_holds_back_its_whole_period(hermetic: Path, store: Path) -> None:
    folder = hermetic / "export" / "data" / "BILLING_PERIOD=2026-07"
    write_cur2_parquet(folder / "cur-00001.parquet", _month("2026-07", [1.0]))
    assert _ingest(str(hermetic / "export")).exit_code == ExitCode.OK
    write_cur2_parquet(folder / "cur-00001.parquet", _month("2026-07", [1.0, 9.0]))
    (folder / "cur-00002.parquet").write_bytes(b"PAR1 this is not parquet")
    result = _ingest(str(hermetic / "export"))
    assert result.exit_code == ExitCode.QUARANTINED
    assert _totals(store) == {KEY_JULY: (1, Decimal(1))}  # the last delivery stays
    reasons = dict(_query(store, "select source_file, reason from quarantine"))
    part1 = str((folder / "cur-00001.parquet").resolve())
    part2 = str((folder / "cur-00002.parquet").resolve())
    assert reasons[part2].startswith("file cannot be read")
    assert reasons[part1] == f"not landed: {part2} of the same delivery cannot be read"


def test_csv_with_a_bad_cost_cell_quarantines_that_row(hermetic: Path, store: Path) -> None:
    header = [
        "bill/PayerAccountId",
        "bill/BillingPeriodStartDate",
        "lineItem/LineItemType",
        "lineItem/UsageStartDate",
        "lineItem/CurrencyCode",
        "lineItem/UnblendedCost",
    ]
    start = "2023-11-01T00:00:00.000Z"
    rows = [
        ["123412340534", start, "Usage", "2023-11-02T00:00:00.000Z", "USD", "1.25"],
        ["123412340534", start, "Usage", "2023-11-02T00:00:00.000Z", "USD", "12,5"],
        ["123412340534", start, "Usage", "2023-11-03T00:00:00.000Z", "USD", "0.75"],
        ["123412340534", start, "Usage", "", "USD", "0.75"],
    ]
    path = write_legacy_csv(hermetic / "cur.csv", header, rows)
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.QUARANTINED
    assert "2 quarantined" in result.stderr
    assert _totals(store) == {"cur|123412340534|2023-11": (2, Decimal(2))}
    quarantined = _query(
        store,
        "select source_file, source_line, source_format, reason, record from quarantine "
        "order by source_line",
    )
    assert [(q[0], q[1], q[2], q[3]) for q in quarantined] == [
        (
            str(path.resolve()),
            2,
            "billing:cur",
            "cost (line_item_unblended_cost) is not a number: 12,5",
        ),
        (
            str(path.resolve()),
            4,
            "billing:cur",
            "usage start (line_item_usage_start_date) is missing or not a timestamp: empty",
        ),
    ]
    assert json.loads(quarantined[0][4])["line_item_unblended_cost"] == "12,5"
    assert _query(
        store, "select records_read, operations_inserted, quarantined from ingested_files"
    ) == [(4, 2, 2)]


def test_json_forced_as_cur2_and_an_empty_file_are_quarantined(hermetic: Path) -> None:
    page = hermetic / "page.json"
    page.write_text(json.dumps({"object": "page", "data": []}))
    forced = _ingest("--format", "cur2", str(page))
    assert forced.exit_code == ExitCode.QUARANTINED
    assert "quarantined" in forced.stderr and str(page.resolve()) in forced.stderr
    empty = hermetic / "empty.csv"
    empty.write_text("")
    result = _ingest(str(empty))
    assert result.exit_code == ExitCode.QUARANTINED
    assert f"quarantined {empty.resolve()}: file is empty" in result.stderr
    unknown = hermetic / "page2.json"
    unknown.write_text(json.dumps({"object": "page", "data": []}))
    detected = _ingest(str(unknown))
    assert detected.exit_code == ExitCode.QUARANTINED
    assert "is not a billing export aicost reads" in detected.stderr


def test_a_csv_forced_as_cur_without_its_columns_is_quarantined_as_a_file(
    hermetic: Path, store: Path
) -> None:
    other = hermetic / "other.csv"
    other.write_text("date,amount\n2026-07-01,1.5\n")
    result = _ingest("--format", "cur", str(other))
    assert result.exit_code == ExitCode.QUARANTINED
    assert _query(store, "select source_line, reason from quarantine") == [
        (
            None,
            "file cannot be read: it has none of the columns a CUR line needs "
            "(line_item_net_unblended_cost, line_item_unblended_cost): not a CUR export",
        )
    ]


def test_a_wrong_or_unknown_forced_format(hermetic: Path) -> None:
    path = write_cur2_parquet(hermetic / "cur.parquet", _month("2026-07", [1.0]))
    # a CUR file forced as FOCUS: its rows lack FOCUS's mandatory columns, so
    # every row is quarantined with the reason, nothing lands
    result = _ingest("--format", "focus", str(path))
    assert result.exit_code == ExitCode.QUARANTINED, result.output
    assert "ingested 0 charge(s)" in result.stderr
    unknown = _ingest("--format", "nope", str(path))
    assert unknown.exit_code == ExitCode.USAGE


def test_a_missing_path_is_an_input_error(hermetic: Path) -> None:
    result = _ingest(str(hermetic / "nope.parquet"))
    assert result.exit_code == ExitCode.INPUT
    assert result.stderr.startswith("aicost: error: ")
    assert not (hermetic / "test.duckdb").exists()


def test_another_currency_is_an_error_unless_a_rate_is_configured(
    hermetic: Path, store: Path
) -> None:
    rows = [line(line_item_unblended_cost=2.0, line_item_currency_code="EUR")]
    path = write_cur2_parquet(hermetic / "eur.parquet", rows)
    result = _ingest(str(path))
    assert result.exit_code == ExitCode.USAGE
    assert "has charges in EUR, the reporting currency is USD" in result.stderr
    assert _query(store, "select count(*) from land_charges") == [(0,)]
    config = hermetic / "aicost.toml"
    config.write_text('[exchange_rates]\nEUR = "1.08"\n')
    ok = runner.invoke(app, ["--config", str(config), "ingest", "billing", str(path)])
    assert ok.exit_code == ExitCode.OK, ok.output
    # the amounts as billed, in their currency: conversion is the build's
    assert _query(store, "select billing_currency, billed_cost from land_charges") == [
        ("EUR", Decimal(2))
    ]


def test_a_writer_holding_the_lock_makes_the_ingest_wait_then_fail(
    hermetic: Path, store: Path
) -> None:
    path = write_cur2_parquet(hermetic / "cur.parquet", _month("2026-07", [1.0]))
    db.connect(store).close()
    with db.writer_lock(store):
        result = _ingest(str(path), env={"AICOST_LOCK_TIMEOUT": "0.2"})
    assert result.exit_code == ExitCode.DATABASE
    assert "another aicost process is writing" in result.stderr
    assert _ingest(str(path)).exit_code == ExitCode.OK


@pytest.mark.slow  # in `make test` only: two ingests for one warning
def test_the_same_period_from_two_sources_is_warned(hermetic: Path) -> None:
    rows = _month("2026-07", [1.0])
    cur2_path = write_cur2_parquet(hermetic / "a" / "cur2.parquet", rows)
    header = [
        "bill/PayerAccountId",
        "bill/BillingPeriodStartDate",
        "lineItem/LineItemType",
        "lineItem/UsageStartDate",
        "lineItem/CurrencyCode",
        "lineItem/UnblendedCost",
    ]
    legacy = write_legacy_csv(
        hermetic / "b" / "cur.csv",
        header,
        [[PAYER, "2026-07-01T00:00:00Z", "Usage", "2026-07-02T00:00:00Z", "USD", "1.0"]],
    )
    assert _ingest(str(cur2_path)).exit_code == ExitCode.OK
    result = _ingest(str(legacy))
    assert result.exit_code == ExitCode.OK
    assert f"warning: billing period cur|{PAYER}|2026-07 is also loaded from cur2" in result.stderr


# --- S3 Data Exports ---------------------------------------------------------------


def _parquet_bytes(tmp: Path, name: str, lines: list[dict[str, Any]]) -> bytes:
    return write_cur2_parquet(tmp / name, lines).read_bytes()


def _manifest(bucket: str, keys: list[str]) -> bytes:
    return json.dumps(
        {
            "executionId": "exec-1",
            "exportArn": "arn:aws:bcm-data-exports:us-east-1:012345678901:export/cur-abc",
            "dataFiles": [f"s3://{bucket}/{key}" for key in keys],
        }
    ).encode()


@pytest.mark.slow
def test_s3_data_export_reads_the_manifests_delivery(
    s3: S3,
    hermetic: Path,
    store: Path,
) -> None:
    tmp = hermetic / "tmp"
    data = "exports/cur/data/BILLING_PERIOD=2026-07"
    meta = "exports/cur/metadata/BILLING_PERIOD=2026-07/cur-Manifest.json"
    s3.put(
        f"{data}/cur-00001.snappy.parquet",
        _parquet_bytes(tmp, "a.parquet", _month("2026-07", [1.0, 2.0])),
    )
    # an older delivery's file, still in the folder: not in the manifest
    s3.put(
        f"{data}/exec-0/cur-00001.snappy.parquet",
        _parquet_bytes(tmp, "b.parquet", _month("2026-07", [99.0])),
    )
    s3.put(meta, _manifest(s3.bucket, [f"{data}/cur-00001.snappy.parquet"]))
    uri = f"s3://{s3.bucket}/exports"
    first = _ingest(uri, "--endpoint-url", s3.endpoint)
    assert first.exit_code == ExitCode.OK, first.output
    assert _totals(store) == {KEY_JULY: (2, Decimal(3))}
    assert "1 file(s) of older deliveries were not read" in first.stderr
    assert _query(store, "select distinct source_file from land_charges") == [
        (f"s3://{s3.bucket}/{data}/cur-00001.snappy.parquet",)
    ]
    # nothing changed: nothing is downloaded or read
    again = _ingest(uri, "--endpoint-url", s3.endpoint)
    assert again.exit_code == ExitCode.OK
    assert "ingested 0 charge(s) from 0 file(s)" in again.stderr
    # a new delivery in two parts (a smaller one is fine: the manifest names it)
    s3.put(
        f"{data}/cur-00001.snappy.parquet",
        _parquet_bytes(tmp, "c.parquet", _month("2026-07", [1.0])),
    )
    s3.put(
        f"{data}/cur-00002.snappy.parquet",
        _parquet_bytes(tmp, "d.parquet", _month("2026-07", [5.0])),
    )
    s3.put(
        meta,
        _manifest(
            s3.bucket, [f"{data}/cur-00001.snappy.parquet", f"{data}/cur-00002.snappy.parquet"]
        ),
    )
    third = _ingest(uri, "--endpoint-url", s3.endpoint)
    assert third.exit_code == ExitCode.OK, third.output
    assert _totals(store) == {KEY_JULY: (2, Decimal(6))}


def test_s3_manifest_naming_a_missing_file_holds_the_period(
    s3: S3,
    hermetic: Path,
    store: Path,
) -> None:
    tmp = hermetic / "tmp"
    data = "cur/data/BILLING_PERIOD=2026-07"
    s3.put(f"{data}/cur-00001.parquet", _parquet_bytes(tmp, "a.parquet", _month("2026-07", [1.0])))
    s3.put(
        "cur/metadata/BILLING_PERIOD=2026-07/cur-Manifest.json",
        _manifest(s3.bucket, [f"{data}/cur-00001.parquet", f"{data}/cur-00002.parquet"]),
    )
    result = _ingest(f"s3://{s3.bucket}/cur", "--endpoint-url", s3.endpoint)
    assert result.exit_code == ExitCode.QUARANTINED
    assert _query(store, "select count(*) from land_charges") == [(0,)]
    assert _query(store, "select reason from quarantine") == [
        (
            f"not landed: its manifest s3://{s3.bucket}/cur/metadata/BILLING_PERIOD=2026-07/"
            f"cur-Manifest.json lists 1 file(s) that are missing (first: s3://{s3.bucket}/"
            f"{data}/cur-00002.parquet)",
        )
    ]


@pytest.mark.slow  # fast tier: the S3 manifest naming a missing file (above)
def test_local_copy_of_an_export_uses_its_manifest(hermetic: Path, store: Path) -> None:
    root = hermetic / "sync" / "cur"
    data = root / "data" / "BILLING_PERIOD=2026-07"
    write_cur2_parquet(data / "cur-00001.parquet", _month("2026-07", [1.0]))
    write_cur2_parquet(data / "old" / "cur-00001.parquet", _month("2026-07", [50.0]))
    meta = root / "metadata" / "BILLING_PERIOD=2026-07" / "cur-Manifest.json"
    meta.parent.mkdir(parents=True)
    meta.write_bytes(_manifest("b", ["cur/data/BILLING_PERIOD=2026-07/cur-00001.parquet"]))
    result = _ingest(str(hermetic / "sync"))
    assert result.exit_code == ExitCode.OK, result.output
    assert _totals(store) == {KEY_JULY: (1, Decimal(1))}


@pytest.mark.slow  # in `make test` only: two ingests for the days rebuilt
def test_ingest_builds_the_days_of_the_old_and_new_charges(hermetic: Path, store: Path) -> None:
    path = write_cur2_parquet(
        hermetic / "cur.parquet",
        [bedrock("USE1-Claude4.5Sonnet-input-tokens", 3.6, 3.24, 1_200_000)],  # July 2
    )
    assert _ingest(str(path)).exit_code == ExitCode.OK
    write_cur2_parquet(path, [line(day=3, line_item_unblended_cost=1.0)])
    assert _ingest(str(path)).exit_code == ExitCode.OK
    builds = _query(
        store, "select trigger, is_full, days_rebuilt from build_runs order by build_id"
    )
    assert builds[-1] == ("ingest", False, 2)  # July 2 (old charges) and July 3 (new)


def test_scratch_file_is_removed(first_ingest: tuple[Path, Any]) -> None:
    store, result = first_ingest
    assert result.exit_code == ExitCode.OK, result.output
    assert store.exists()
    assert not store.with_name(store.name + ".scratch").exists()
