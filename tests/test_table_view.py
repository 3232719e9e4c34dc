"""The human table view: width, cutting, money and percentages, totals."""

from __future__ import annotations

import io
from decimal import Decimal

import pyarrow as pa
import pytest
from rich.cells import cell_len

from aicost_cli.output import OutputFormat, middle_cut, render, terminal_width


def table_text(table: pa.Table, width: int | None = 80, **kwargs: object) -> str:
    out = io.StringIO()
    render(table, OutputFormat.TABLE, out, width=width, **kwargs)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("0.000035", "0.0000350"),
        ("0.0250", "0.0250"),
        ("0.51554", "0.516"),
        ("0", "0.00"),
        ("1234.5", "1,234.50"),
        ("-0.000001", "-0.00000100"),
    ],
)
def test_money_keeps_three_significant_digits_below_one(value: str, shown: str) -> None:
    table = pa.table({"estimated_cost": pa.array([Decimal(value)], pa.decimal128(38, 12))})
    assert table_text(table).splitlines()[1].strip() == shown


def test_share_is_a_percentage_in_tables_and_a_fraction_elsewhere() -> None:
    table = pa.table({"share": pa.array([Decimal("0.943281"), Decimal("0.000017")])})
    lines = [line.strip() for line in table_text(table).splitlines()]
    assert lines[1:] == ["94.3%", "0.0017%"]
    out = io.StringIO()
    render(table, OutputFormat.CSV, out)
    assert out.getvalue() == "share\n0.943281\n0.000017\n"


def test_long_text_keeps_both_ends_and_numbers_are_never_cut() -> None:
    path = "s3://bucket/very/long/prefix/" + "x" * 80 + "/2026-09-30.ndjson.gz"
    big = Decimal("12345678901234.5")
    table = pa.table(
        {"source_file": [path], "estimated_cost": pa.array([big], pa.decimal128(38, 12))}
    )
    lines = table_text(table).splitlines()
    row = lines[1]
    assert cell_len(row) <= 80
    assert row.startswith("s3://") and ".ndjson.gz" in row and "…" in row
    assert "12,345,678,901,234.50" in row


def test_middle_cut_counts_terminal_cells() -> None:
    assert middle_cut("claude-sonnet-4-5", 11) == "claude-…4-5"
    assert cell_len(middle_cut("日本語日本語日本語", 7)) <= 7
    assert middle_cut("short", 10) == "short"


def test_width_follows_columns_and_is_80_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_width(io.StringIO()) == 80
    monkeypatch.setenv("COLUMNS", "132")
    assert terminal_width(io.StringIO()) == 132
    table = pa.table({"feature": ["f" * 200]})
    assert max(cell_len(line) for line in table_text(table, width=None).splitlines()) == 132


def test_total_row_sums_exactly() -> None:
    costs = [Decimal("0.1"), Decimal("0.2"), Decimal("1.05")]
    table = pa.table(
        {
            "feature": ["a", "b", "c"],
            "operations": [1, 2, 3],
            "estimated_cost": pa.array(costs, pa.decimal128(38, 12)),
        }
    )
    last = table_text(table, totals=["operations", "estimated_cost"]).splitlines()[-1].split()
    assert last == ["total", "6", "1.35"]


def test_too_many_columns_are_left_out_from_the_right_and_named() -> None:
    table = pa.table({f"column_{i}": [10**12 + i] for i in range(8)})
    text = table_text(table)
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    assert text.splitlines()[-1].startswith("(hidden at 80 columns: ")
    assert "column_7" in text.splitlines()[-1]


def test_times_fall_back_to_their_day_before_columns_are_left_out() -> None:
    from datetime import datetime

    when = [datetime(2026, 9, 30, 22, 0, 25)]
    table = pa.table(
        {
            "source_file": ["/logs/litellm/2026-09/batch-0001.ndjson.gz"],
            "records_read": [10_000_000],
            "operations": [9_999_999],
            "quarantined": [1],
            "first_at": when,
            "last_at": when,
        }
    )
    lines = table_text(table).splitlines()
    assert "hidden" not in lines[-1]
    assert lines[1].split()[-2:] == ["2026-09-30", "2026-09-30"]
    assert lines[1].startswith("/logs/") and "01.ndjson.gz" in lines[1]  # a path keeps its end
    wide = table_text(table, width=160).splitlines()[1]
    assert wide.split()[-2:] == ["22:00:25", "22:00:25"] or "2026-09-30 22:00:25" in wide
