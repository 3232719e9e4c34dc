"""Golden snapshots of every output format, rendered by ``output.render`` (what
every command calls) from one tricky result and from an empty one.

The snapshots under tests/golden/ are compared byte for byte. A change to them
is a change to the output contract: `pytest --update-golden` rewrites them,
then read the diff as you would an API change (and list machine-format changes
under Breaking in CHANGELOG.md).
"""

from __future__ import annotations

import difflib
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from aicost_cli.output import OutputFormat, render

GOLDEN = Path(__file__).resolve().parent / "golden"

MONEY = pa.decimal128(38, 12)  # estimated_cost and cost_per_unit, as the reports cast them
SCHEMA = pa.schema(
    [
        ("period_start", pa.timestamp("us")),  # naive UTC, as DuckDB's date_trunc gives it
        ("feature", pa.string()),
        ("team", pa.string()),
        ("operations", pa.int64()),
        ("estimated_cost", MONEY),
        ("cost_per_unit", MONEY),
        ("share", pa.decimal128(9, 6)),
        ("currency", pa.string()),
        ("last_started_at", pa.timestamp("us", tz="UTC")),
    ]
)
COLUMNS: dict[str, list[object]] = {
    "period_start": [
        datetime(2026, 7, 1),
        datetime(2026, 7, 1),
        datetime(2026, 8, 1),
        datetime(2026, 8, 1),
        datetime(2026, 9, 1),
    ],
    "feature": [
        "support-bot",
        "café ☕ 日本語",
        'say "hi", then\nleave',
        "eval [beta]",
        "unattributed",
    ],
    "team": ["support-eng", None, "a,b", "research", None],
    "operations": [1_234_567, 1, 3, 2, 0],
    "estimated_cost": [
        Decimal("12345678901234.123456789012"),
        Decimal("0.000035"),
        Decimal("-42.5"),
        Decimal("0.5"),
        Decimal("0"),
    ],
    "cost_per_unit": [
        Decimal("0.000035"),
        None,
        Decimal("-0.000001"),
        Decimal("1.25"),
        None,
    ],
    "share": [
        Decimal("0.999999"),
        Decimal("0.000001"),
        Decimal("-0.000003"),
        Decimal("0.000000"),
        None,
    ],
    "currency": ["USD", "USD", "USD", "USD", "USD"],
    "last_started_at": [
        datetime(2026, 7, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 7, 2, 13, 45, 6, tzinfo=UTC),
        datetime(2026, 8, 15, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 8, 1, 0, 0, tzinfo=UTC),
        None,
    ],
}
RESULTS = {
    "tricky": pa.table(COLUMNS, schema=SCHEMA),
    "empty": SCHEMA.empty_table(),
}
#: (snapshot suffix, format, table width)
VIEWS = [
    ("table-80.txt", OutputFormat.TABLE, 80),
    ("table-120.txt", OutputFormat.TABLE, 120),
    ("csv", OutputFormat.CSV, 80),
    ("json", OutputFormat.JSON, 80),
    ("jsonl", OutputFormat.JSONL, 80),
]
CASES = [(name, *view) for name in RESULTS for view in VIEWS]


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich reads these: none of them may turn colour or terminal codes on."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)


def rendered(table: pa.Table, fmt: OutputFormat, width: int) -> str:
    out = io.StringIO()
    render(table, fmt, out, title="attribution", width=width)
    return out.getvalue()


@pytest.mark.parametrize(
    ("result", "suffix", "fmt", "width"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES]
)
def test_output_matches_golden(
    result: str, suffix: str, fmt: OutputFormat, width: int, request: pytest.FixtureRequest
) -> None:
    path = GOLDEN / f"{result}.{suffix}"
    got = rendered(RESULTS[result], fmt, width)
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(got.encode("utf-8"))
        return
    assert path.is_file(), f"{path} is missing: run `pytest --update-golden`, then review it"
    want = path.read_bytes().decode("utf-8")
    if got != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True),
                got.splitlines(keepends=True),
                f"{path.name} (golden)",
                f"{path.name} (now)",
            )
        )
        pytest.fail(f"output differs from {path} (pytest --update-golden rewrites it):\n{diff}")


def test_no_stale_golden_files() -> None:
    expected = {f"{name}.{suffix}" for name, suffix, _, _ in CASES}
    assert {p.name for p in GOLDEN.iterdir() if p.is_file()} == expected


def test_table_renders_markup_like_text_literally() -> None:
    table = pa.table({"feature": ["[/]", "eval [beta]"], "operations": [1, 2]})
    text = rendered(table, OutputFormat.TABLE, 80)
    assert "[/]" in text
    assert "eval [beta]" in text
