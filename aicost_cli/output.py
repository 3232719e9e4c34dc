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


def _money(value: Decimal) -> str:
    """Money for people: 2 decimals from 1 up (with separators), else 3
    significant digits, so a real 0.000035 shows as 0.0000350, never 0.0000."""
    if value == 0:
        return "0.00"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    exponent = value.adjusted()  # -5 for 0.000035
    places = Decimal(1).scaleb(exponent - 2)
    return format(value.quantize(places), "f")


def _percent(value: Decimal, signed: bool) -> str:
    """A fraction as a percentage: one decimal, or 2 significant digits below 0.1%."""
    pct = value * 100
    if pct == 0 or abs(pct) >= Decimal("0.1"):
        text = f"{pct:,.1f}"
    else:
        text = format(pct.quantize(Decimal(1).scaleb(pct.adjusted() - 1)), "f")
    if signed and pct > 0:
        text = "+" + text
    return text + "%"


def _human(value: Any, money: bool, percent: bool = False, signed: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal | float) and percent:
        return _percent(Decimal(str(value)), signed)
    if isinstance(value, Decimal):
        if money:
            return _money(value)
        return f"{value:,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    # one line per row: a newline in a value is shown, not obeyed
    return str(_plain(value)).replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")


MONEY_HINTS = ("cost", "value", "spend", "per_mtok")
#: fractions shown as percentages in the table view (machine formats keep the fraction)
PERCENT_COLUMNS = ("share", "utilisation")
#: signed changes, shown as +12.5% / -3.0%
CHANGE_SUFFIX = "_change"


#: Shorter headers for the human table only (machine formats keep the
#: snake_case column names, which are the contract).
LABELS = {
    "period_start": "period",
    "operations": "ops",
    "estimated_cost": "estimated",
    "cost_per_unit": "per unit",
    "net_value": "net value",
    "unpriced_operations": "unpriced",
    "unpriced_source_cost": "src cost",  # what the sources reported for unpriced calls
    "failed_operations": "failed",
    "threshold_tokens": "above",
    "service_tier": "tier",
    "input_per_mtok": "in/M",
    "output_per_mtok": "out/M",
    "cache_read_per_mtok": "cached/M",
    "effective_from": "from",
    "source_format": "format",
    "ingest_run_id": "run",
    "records_read": "records",
    "first_at": "first",
    "last_at": "last",
    "cost_change": "cost Δ",
    "cost_per_unit_change": "per unit Δ",
    "amortised_cost": "cost",
    "utilisation": "util",
    "utilisation_idle_cost": "util idle",
    "bill_idle_cost": "bill idle",
    "cost_per_mtok": "cost/M",
    "used_cost_per_mtok": "used/M",
    "list_per_mtok": "list/M",
    "allocated_cost": "allocated",
    "billed_cost": "billed",
    "difference_pct": "diff %",
    "quantity_gap": "qty gap",
    "token_class": "class",
    "allocated_ratio": "ratio",
    "allocated_effective_cost": "effective",
    "allocated_method_id": "method",
    "allocated_groups": "groups",
    "unallocated_cost": "unallocated",
}

#: the narrowest a text column is cut to (the widest cell if narrower)
MIN_TEXT = 8
#: text columns are cut no narrower than this while a column on the right
#: can give way instead (names cut to 8 cells stop being names)
READABLE_TEXT = 14


def terminal_width(out: TextIO) -> int:
    """The table width: ``COLUMNS`` when set, the terminal's when ``out`` is
    one, else 80 (a file or a pipe)."""
    import os
    import shutil

    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return 80


def middle_cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells keeping both ends:
    ``claude-sonnet-4-5`` at 11 -> ``claude-…4-5``; a path keeps more of its end."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    # a path's end (file name) says more than its start: keep more of it
    tail_cells = (width - 1) * 2 // 3 if "/" in text else (width - 1) // 3
    head: list[str] = []
    used = 0
    budget = width - 1 - tail_cells
    for ch in text:
        if used + cell_len(ch) > budget:
            break
        head.append(ch)
        used += cell_len(ch)
    tail: list[str] = []
    used_tail = 0
    budget_tail = width - 1 - used
    for ch in reversed(text):
        if used_tail + cell_len(ch) > budget_tail:
            break
        tail.append(ch)
        used_tail += cell_len(ch)
    return "".join(head) + "…" + "".join(reversed(tail))


def _fit(
    natural: list[int], shrinkable: list[bool], width: int, gap: int, floor: int = MIN_TEXT
) -> list[int]:
    """Column widths: unshrinkable columns keep their natural width; text
    columns give up space (the widest first) until the row fits ``width`` or
    every text column is at ``floor`` (or narrower by nature)."""
    widths = list(natural)
    excess = sum(widths) + gap * (len(widths) - 1) - width
    while excess > 0:
        candidates = [
            i for i, w in enumerate(widths) if shrinkable[i] and w > min(natural[i], floor)
        ]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    return widths


def write_table(
    table: pa.Table,
    out: TextIO,
    *,
    title: str | None = None,
    columns: list[str] | None = None,
    width: int | None = None,
    totals: list[str] | None = None,
) -> None:
    """A plain table for people, as wide as ``width`` (default: the terminal's,
    80 when not a TTY). Numbers, dates and times are never cut; text columns
    shrink, the widest first, keeping both ends of each value (``a…z``).
    ``totals`` names the columns summed into a final ``total`` row. Cell text
    is never read as Rich markup."""
    import pyarrow as pa  # lazy: keeps `aicost --help` fast
    from rich.cells import cell_len

    width = width if width is not None else terminal_width(out)
    shown = [c for c in (columns or table.column_names) if c in table.column_names]
    kinds = []
    for name in shown:
        typ = table.schema.field(name).type
        numeric = pa.types.is_integer(typ) or pa.types.is_decimal(typ) or pa.types.is_floating(typ)
        temporal = pa.types.is_timestamp(typ) or pa.types.is_date(typ)
        kinds.append((numeric, temporal))

    def cell(name: str, value: Any) -> str:
        change = name.endswith(CHANGE_SUFFIX)
        return _human(
            value,
            any(h in name for h in MONEY_HINTS),
            percent=name in PERCENT_COLUMNS or change,
            signed=change,
        )

    cells = [[cell(c, row[c]) for c in shown] for row in table.select(shown).to_pylist()]
    total_row = _total_row(table, shown, totals, cell) if totals and table.num_rows else None
    labels = [LABELS.get(name, name) for name in shown]
    body = cells + ([total_row] if total_row else [])
    natural = [
        max([cell_len(labels[i])] + [cell_len(row[i]) for row in body]) for i in range(len(shown))
    ]
    # numbers keep their width; so do short labels of number columns
    shrinkable = [not numeric and not temporal for numeric, temporal in kinds]
    # too wide even with text cut: leave out columns from the right (never the
    # first) and say so
    keep = len(shown)
    widths = _fit(natural, shrinkable, width, 2)
    if sum(widths) + 2 * (keep - 1) > width:
        # before leaving columns out, show times as their UTC day
        for i, (_, temporal) in enumerate(kinds):
            if temporal and natural[i] > 10:
                for row in body:
                    row[i] = row[i][:10]
                natural[i] = max(cell_len(labels[i]), max((len(r[i]) for r in body), default=0))
        widths = _fit(natural, shrinkable, width, 2)
    # leave out columns from the right rather than cut names below
    # READABLE_TEXT, but keep every column up to the first number
    first_number = next((i for i, (numeric, _) in enumerate(kinds) if numeric), 0)
    readable_keep = keep
    readable = _fit(natural, shrinkable, width, 2, READABLE_TEXT)
    while readable_keep > first_number + 1 and sum(readable) + 2 * (readable_keep - 1) > width:
        readable_keep -= 1
        readable = _fit(
            natural[:readable_keep], shrinkable[:readable_keep], width, 2, READABLE_TEXT
        )
    if sum(readable) + 2 * (readable_keep - 1) <= width:
        keep, widths = readable_keep, readable
    while keep > 1 and sum(widths) + 2 * (keep - 1) > width:
        keep -= 1
        widths = _fit(natural[:keep], shrinkable[:keep], width, 2)
    dropped = labels[keep:]
    labels, kinds = labels[:keep], kinds[:keep]
    cells = [row[:keep] for row in cells]
    total_row = total_row[:keep] if total_row else None
    right = [numeric for numeric, _ in kinds]

    def line(values: list[str]) -> str:
        parts = []
        for i, value in enumerate(values):
            text = middle_cut(value, widths[i])
            pad = " " * (widths[i] - cell_len(text))
            parts.append(pad + text if right[i] else text + pad)
        return "  ".join(parts).rstrip()

    # written directly (not through a Rich Table): cell text is never markup,
    # and 13,000 rows take a fraction of a second
    if title:
        out.write(title + "\n")
    out.write(line(labels) + "\n")
    for row in cells:
        out.write(line(row) + "\n")
    if total_row:
        out.write(line(total_row) + "\n")
    if table.num_rows == 0:
        out.write("(no rows)\n")
    if dropped:
        out.write(f"(hidden at {width} columns: {', '.join(dropped)}; see --format csv)\n")


def _total_row(table: pa.Table, shown: list[str], totals: list[str], cell: Any) -> list[str]:
    """``total`` in the first column, the exact sums of ``totals``, blanks elsewhere."""
    import pyarrow.compute as pc

    row = ["" for _ in shown]
    for index, name in enumerate(shown):
        if name in totals:
            row[index] = cell(name, pc.sum(table.column(name)).as_py())
    row[0] = "total"
    return row


#: columns a table view shows only when some row has a value there: unknown
#: costs must be visible wherever people look, and out of the way otherwise
WHEN_PRESENT = ("failed_operations", "unpriced_operations", "unpriced_source_cost")


#: columns of the bill a table view shows only when a bill is loaded (some row
#: has an allocated cost): without one they would say "-" and "estimated" on
#: every row
WHEN_BILLED = ("allocated_cost", "basis", "cost")


def table_columns(table: pa.Table, base: list[str]) -> list[str]:
    """``base`` plus the WHEN_PRESENT columns of ``table`` that hold a non-zero
    value, placed before the first money column of ``base``; the WHEN_BILLED
    columns only when some row has an allocated cost. Without a bill the cost
    is the estimate: ``estimated_cost`` then takes the place of ``cost``."""
    if "allocated_cost" in table.column_names and table.column("allocated_cost").null_count == (
        table.num_rows
    ):
        if "cost" in base and "estimated_cost" in base:
            base = ["estimated_cost" if n == "cost" else n for n in base if n != "estimated_cost"]
        base = [name for name in base if name not in WHEN_BILLED]
    extra = [
        name
        for name in WHEN_PRESENT
        if name in table.column_names
        and name not in base
        and any(v not in (None, 0) for v in table.column(name).to_pylist())
    ]
    if not extra:
        return base
    money = [
        i for i, name in enumerate(base) if name in ("estimated_cost", "cost", "cost_per_unit")
    ]
    at = money[0] if money else len(base)
    return base[:at] + extra + base[at:]


def render(
    table: pa.Table,
    fmt: OutputFormat,
    out: TextIO,
    *,
    title: str | None = None,
    table_columns: list[str] | None = None,
    width: int | None = None,
    totals: list[str] | None = None,
) -> None:
    """Write table in fmt to out. ``width`` (default: the terminal's, or 80)
    and ``totals`` (columns summed into a total row) apply to the table view only.
    A table asked for a file named ``*.csv``, ``*.json`` or ``*.jsonl`` (``-o``
    without ``--format``) is written in that file's format."""
    if fmt is OutputFormat.TABLE:
        fmt = format_for_file(getattr(out, "name", None)) or fmt
    if fmt is OutputFormat.CSV:
        write_csv(table, out)
    elif fmt is OutputFormat.JSON:
        write_json(table, out)
    elif fmt is OutputFormat.JSONL:
        write_jsonl(table, out)
    else:
        write_table(table, out, title=title, columns=table_columns, width=width, totals=totals)


def chosen_format(fmt: OutputFormat, output: object) -> OutputFormat:
    """``fmt``, or the machine format ``output``'s name asks for when ``fmt``
    is the default table (``-o out.csv`` without ``--format``)."""
    if fmt is OutputFormat.TABLE and output is not None:
        return format_for_file(str(output)) or fmt
    return fmt


def format_for_file(name: object) -> OutputFormat | None:
    """The machine format a file name asks for: ``out.csv`` -> CSV."""
    if not isinstance(name, str):
        return None
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    return {"csv": OutputFormat.CSV, "json": OutputFormat.JSON, "jsonl": OutputFormat.JSONL}.get(
        suffix
    )


def to_text(table: pa.Table, fmt: OutputFormat) -> str:
    buffer = io.StringIO()
    render(table, fmt, buffer)
    return buffer.getvalue()
