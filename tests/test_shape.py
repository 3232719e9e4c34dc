"""--sort, --limit and --top: the same for every report and format."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from aicost_cli.errors import UsageError
from aicost_cli.shape import OTHER, Shape, apply

MONEY = pa.decimal128(38, 12)


def attribution() -> pa.Table:
    return pa.table(
        {
            "feature": ["a", "b", "c", "d"],
            "operations": [1, 2, 3, 4],
            "units": [1, 1, 1, 1],
            "estimated_cost": pa.array(
                [Decimal("4.5"), Decimal("3"), Decimal("0.25"), None], MONEY
            ),
            "share": pa.array([Decimal("0.5"), Decimal("0.3"), Decimal("0.2"), None]),
            "currency": ["USD"] * 4,
        }
    )


def test_top_folds_the_rest_into_one_row_that_keeps_the_totals() -> None:
    table = attribution()
    got = apply(table, Shape(top=1), keys=["feature"], within=[]).to_pylist()
    assert [row["feature"] for row in got] == ["a", OTHER]
    other = got[1]
    assert other["operations"] == 2 + 3 + 4
    assert other["estimated_cost"] == Decimal("3.25")
    assert other["share"] == Decimal("0.5")
    assert other["units"] is None  # units do not add up across groups
    assert other["currency"] == "USD"


def test_top_by_feature_within_each_period() -> None:
    july, august = datetime(2026, 7, 1), datetime(2026, 8, 1)
    table = pa.table(
        {
            "period_start": [july, july, july, august, august],
            "feature": ["big", "small", "tiny", "big", "tiny"],
            "operations": [10, 2, 1, 20, 5],
            "estimated_cost": pa.array(
                [Decimal(9), Decimal(2), Decimal(1), Decimal(9), Decimal("0.5")], MONEY
            ),
        }
    )
    got = apply(table, Shape(top=1), keys=["feature"], within=["period_start"]).to_pylist()
    assert [(r["period_start"].month, r["feature"], r["operations"]) for r in got] == [
        (7, "big", 10),
        (7, OTHER, 3),
        (8, "big", 20),
        (8, OTHER, 5),
    ]


def test_sort_accepts_labels_and_directions_and_puts_nulls_last() -> None:
    table = attribution()
    by_cost = apply(table, Shape(sort="cost"), keys=["feature"], within=[])
    assert by_cost.column("feature").to_pylist() == ["a", "b", "c", "d"]
    ascending = apply(table, Shape(sort="estimated_cost:asc"), keys=["feature"], within=[])
    assert ascending.column("feature").to_pylist() == ["c", "b", "a", "d"]
    by_name = apply(table, Shape(sort="feature:desc", limit=2), keys=["feature"], within=[])
    assert by_name.column("feature").to_pylist() == ["d", "c"]


def test_bad_shapes_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="no such column"):
        apply(attribution(), Shape(sort="nope"), keys=["feature"], within=[])
    with pytest.raises(UsageError, match="asc or desc"):
        apply(attribution(), Shape(sort="feature:up"), keys=["feature"], within=[])
    with pytest.raises(UsageError):
        Shape(limit=0)


def billed_attribution() -> pa.Table:
    """The best known cost (``cost``: billed) orders differently from the estimate."""
    return attribution().append_column(
        "cost", pa.array([Decimal("1"), Decimal("30"), Decimal("7"), Decimal("2")], MONEY)
    )


def test_cost_is_the_best_known_cost_where_a_report_has_it() -> None:
    table = billed_attribution()
    by_cost = apply(table, Shape(sort="cost"), keys=["feature"], within=[]).to_pylist()
    assert [row["feature"] for row in by_cost] == ["b", "c", "d", "a"]
    # the estimate is still there by its label
    by_estimate = apply(table, Shape(sort="estimated"), keys=["feature"], within=[]).to_pylist()
    assert [row["feature"] for row in by_estimate] == ["a", "b", "c", "d"]
    # --top keeps the groups that cost most, and folds cost like the estimate
    top = apply(table, Shape(top=2), keys=["feature"], within=[]).to_pylist()
    assert [row["feature"] for row in top] == ["b", "c", OTHER]
    assert top[2]["cost"] == Decimal("3")
    assert top[2]["estimated_cost"] == Decimal("4.5")
