"""feature_periods: each feature's distinct units and sums per whole day, ISO
week and month, counted at build time and recounted whole when a later run
adds a day to a period. unit-economics reads it for the periods wholly inside
the range asked for and counts the others itself; both must agree with the
conversations counted here by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from typer.testing import CliRunner

from aicost_cli.cli import app
from tests.conftest import JULY_2, litellm_payload

runner = CliRunner()
DAY = 86_400
HOUR = 3_600


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def ingest(db: Path, path: Path) -> None:
    result = runner.invoke(app, ["--db", str(db), "ingest", "requests", str(path)])
    assert result.exit_code == 0, result.output


def units(db: Path, *args: str) -> dict[tuple[str, str], int]:
    """(period_start, feature) -> units, from `report unit-economics`."""
    result = runner.invoke(
        app, ["--db", str(db), "report", "unit-economics", *args, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return {
        (row["period_start"], row["feature"]): row["units"] for row in json.loads(result.stdout)
    }


def stored(db: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select period, day::varchar, feature, units, operations from feature_periods "
            "order by period, day, feature"
        ).fetchall()
    finally:
        con.close()


def two_runs(tmp_path: Path) -> Path:
    """July 2 (a Thursday): conversation c1 twice, c2 once; a later run adds
    July 3: c1 again (continued the next day) and c3."""
    db = tmp_path / "store.duckdb"
    ingest(
        db,
        write_jsonl(
            tmp_path / "july2.jsonl",
            [
                litellm_payload("a1", start=JULY_2 + 1 * HOUR, trace_id="c1"),
                litellm_payload("a2", start=JULY_2 + 2 * HOUR, trace_id="c1"),
                litellm_payload("a3", start=JULY_2 + 3 * HOUR, trace_id="c2"),
            ],
        ),
    )
    ingest(
        db,
        write_jsonl(
            tmp_path / "july3.jsonl",
            [
                litellm_payload("b1", start=JULY_2 + DAY + 1 * HOUR, trace_id="c1"),
                litellm_payload("b2", start=JULY_2 + DAY + 2 * HOUR, trace_id="c3"),
            ],
        ),
    )
    return db


def test_a_later_day_recounts_its_whole_week_and_month(tmp_path: Path) -> None:
    db = two_runs(tmp_path)
    # the second run built July 3 only; July and its week are counted whole:
    # c1, c2, c3 (c1 on both days is one conversation)
    assert stored(db) == [
        ("day", "2026-07-02", "support-bot", 2, 3),
        ("day", "2026-07-03", "support-bot", 2, 2),
        ("month", "2026-07-01", "support-bot", 3, 5),
        ("week", "2026-06-29", "support-bot", 3, 5),
    ]
    assert units(db) == {("2026-07-01T00:00:00Z", "support-bot"): 3}
    assert units(db, "--period", "week") == {("2026-06-29T00:00:00Z", "support-bot"): 3}
    assert units(db, "--period", "day") == {
        ("2026-07-02T00:00:00Z", "support-bot"): 2,
        ("2026-07-03T00:00:00Z", "support-bot"): 2,
    }


def test_cut_periods_are_counted_from_the_rollup_and_the_calls(tmp_path: Path) -> None:
    db = two_runs(tmp_path)
    # July cut on both ends: July 2 01:30 to July 3 01:30 holds a2 and a3
    # (July 2, a partial day), and b1 (July 3, partial): c1, c2
    cut = ["--since", "2026-07-02T01:30:00", "--until", "2026-07-03T01:30:00"]
    assert units(db, *cut) == {("2026-07-01T00:00:00Z", "support-bot"): 2}
    # whole days, July cut at July 3: July 2 only (c1, c2); a whole day is
    # also a whole period of --period day, read from feature_periods
    assert units(db, "--until", "2026-07-03") == {("2026-07-01T00:00:00Z", "support-bot"): 2}
    assert units(db, "--since", "2026-07-03", "--period", "day") == {
        ("2026-07-03T00:00:00Z", "support-bot"): 2
    }
    # a range that holds the whole month: the stored count
    assert units(db, "--since", "2026-06-01", "--until", "2026-08-01") == {
        ("2026-07-01T00:00:00Z", "support-bot"): 3
    }


def test_rebuilding_a_day_keeps_one_row_per_period(tmp_path: Path) -> None:
    db = two_runs(tmp_path)
    before = stored(db)
    for args in (["build", "--since", "2026-07-03"], ["build", "--full"]):
        result = runner.invoke(app, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
        assert stored(db) == before
