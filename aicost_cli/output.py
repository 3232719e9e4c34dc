"""Render an Arrow table as table (Rich), CSV, JSON or JSONL.

Machine formats are a contract: snake_case columns as in the SQL, stable
order, ISO-8601 UTC timestamps with 'Z', money as exact decimals (JSON
numbers written from the Decimal's text, never through float), no locale.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pyarrow as pa


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%dT%H:%M:%S")
            + (f".{value.microsecond:06d}" if value.microsecond else "")
            + "Z"
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and isinstance(value[0], tuple) and len(value[0]) == 2:
            return {str(k): _plain(v) for k, v in value}
        return [_plain(v) for v in value]
    return value


def _json_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k))}: {_json_value(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_json_value(v) for v in value) + "]"
    return json.dumps(_plain(value), ensure_ascii=False)


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text


def rows(table: pa.Table) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_pylist()]


def write_csv(table: pa.Table, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in table.to_pylist():
        writer.writerow([_csv_value(v) for v in row.values()])


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    plain = _plain(value)
    if isinstance(plain, dict | list):
        return json.dumps(plain, ensure_ascii=False, default=str)
    return str(plain)


def _json_row(row: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {_json_value(v)}" for k, v in row.items()) + "}"


def write_json(table: pa.Table, out: TextIO) -> None:
    items = [_json_row(row) for row in table.to_pylist()]
    if not items:
        out.write("[]\n")
        return
    out.write("[\n  " + ",\n  ".join(items) + "\n]\n")


def write_jsonl(table: pa.Table, out: TextIO) -> None:
    for row in table.to_pylist():
        out.write(_json_row(row) + "\n")


def _human(value: Any, money: bool) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        if money:
            return f"{value:,.2f}" if abs(value) >= 1 or value == 0 else f"{value:.4f}"
        return f"{value:,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(_plain(value))


MONEY_HINTS = ("cost", "value", "spend")


#: Shorter headers for the human table only (machine formats keep the
#: snake_case column names, which are the contract).
LABELS = {
    "period_start": "period",
    "operations": "ops",
    "estimated_cost": "cost",
    "cost_per_unit": "per unit",
    "net_value": "net value",
    "unpriced_operations": "unpriced",
    "unpriced_source_cost": "unpriced src cost",
    "threshold_tokens": "above",
    "effective_from": "from",
}


def write_table(
    table: pa.Table,
    out: TextIO,
    *,
    title: str | None = None,
    columns: list[str] | None = None,
    width: int = 80,
) -> None:
    """Rich table sized for 80 columns. Numbers are never cut: numeric columns
    get the width of their widest cell; only text columns shrink (with …)."""
    import pyarrow as pa  # lazy: keeps `aicost --help` fast
    from rich.console import Console
    from rich.table import Table

    shown = [c for c in (columns or table.column_names) if c in table.column_names]
    cells = [
        [_human(row[c], any(h in c for h in MONEY_HINTS)) for c in shown]
        for row in table.select(shown).to_pylist()
    ]
    console = Console(file=out, width=max(width, 80), highlight=False, soft_wrap=False)
    grid = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, box=None)
    kinds = []
    for index, name in enumerate(shown):
        typ = table.schema.field(name).type
        numeric = pa.types.is_integer(typ) or pa.types.is_decimal(typ) or pa.types.is_floating(typ)
        label = LABELS.get(name, name)
        kinds.append((label, numeric, max([len(label)] + [len(row[index]) for row in cells])))
    # numbers keep their full width; text columns share what is left
    spare = max(width, 80) - (len(shown) - 1) * 2 - sum(w for _, num, w in kinds if num)
    text_total = sum(w for _, num, w in kinds if not num) or 1
    for label, numeric, widest in kinds:
        if numeric:
            limit = widest
        else:
            limit = max(min(widest, 6), min(widest, spare * widest // text_total))
        grid.add_column(
            label,
            justify="right" if numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            min_width=limit,
            max_width=limit,
        )
    for row in cells:
        grid.add_row(*row)
    if table.num_rows == 0:
        console.print("(no rows)")
    console.print(grid)


#: columns a table view shows only when some row has a value there: unknown
#: costs must be visible wherever people look, and out of the way otherwise
WHEN_PRESENT = ("failed_operations", "unpriced_operations", "unpriced_source_cost")


def table_columns(table: pa.Table, base: list[str]) -> list[str]:
    """``base`` plus the WHEN_PRESENT columns of ``table`` that hold a non-zero
    value, placed before the first money column of ``base``."""
    extra = [
        name
        for name in WHEN_PRESENT
        if name in table.column_names
        and name not in base
        and any(v not in (None, 0) for v in table.column(name).to_pylist())
    ]
    if not extra:
        return base
    money = [i for i, name in enumerate(base) if name in ("estimated_cost", "cost_per_unit")]
    at = money[0] if money else len(base)
    return base[:at] + extra + base[at:]


def render(
    table: pa.Table,
    fmt: OutputFormat,
    out: TextIO,
    *,
    title: str | None = None,
    table_columns: list[str] | None = None,
    width: int = 80,
) -> None:
    """Write table in fmt to out; width (columns, at least 80) sizes the table view only."""
    if fmt is OutputFormat.CSV:
        write_csv(table, out)
    elif fmt is OutputFormat.JSON:
        write_json(table, out)
    elif fmt is OutputFormat.JSONL:
        write_jsonl(table, out)
    else:
        write_table(table, out, title=title, columns=table_columns, width=width)


def to_text(table: pa.Table, fmt: OutputFormat) -> str:
    buffer = io.StringIO()
    render(table, fmt, buffer)
    return buffer.getvalue()
