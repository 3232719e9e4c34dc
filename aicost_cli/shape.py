"""Sorting, limiting and folding a report result (``--sort``, ``--limit``,
``--top``), the same for every report and every output format.

* ``sort``: ``COLUMN`` or ``COLUMN:asc|desc``; a column's snake_case name or
  its table label (``estimated`` is ``estimated_cost``; ``cost`` is the
  column ``cost`` where the report has one, else ``estimated_cost``). Numbers sort largest
  first and text A to Z unless a direction is given; NULLs go last.
* ``top``: keep the ``N`` groups with the largest total ``cost`` (the best
  known cost: billed where a bill covers it), else ``estimated_cost``,
  and fold the others into one ``(other)`` row (per period, when the
  report has periods), so totals still add up. Additive columns (counts,
  tokens, costs, share) are summed exactly; others (units, cost per unit)
  are NULL in that row, because they do not add up.
* ``limit``: the first ``N`` rows, after sorting and folding.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aicost_cli.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

OTHER = "(other)"
#: columns that add up across groups
ADDITIVE_SUFFIXES = ("_operations", "_tokens", "_cost")
ADDITIVE = frozenset({"operations", "cost", "estimated_cost", "share", "records", "quarantined"})
#: label in the table view -> column (output.LABELS, reversed; kept here so the
#: core does not import the renderer)
SORT_ALIASES = {
    "cost": "estimated_cost",  # only where the report has no column "cost"
    "estimated": "estimated_cost",
    "ops": "operations",
    "per_unit": "cost_per_unit",
    "period": "period_start",
    "unpriced": "unpriced_operations",
    "failed": "failed_operations",
    "user": "user_id",
}


@dataclass(frozen=True)
class Shape:
    sort: str | None = None
    limit: int | None = None
    top: int | None = None

    def __post_init__(self) -> None:
        for name in ("limit", "top"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UsageError(f"--{name} must be at least 1, not {value}")


def _additive(name: str) -> bool:
    return name in ADDITIVE or name.endswith(ADDITIVE_SUFFIXES)


def _sort_key(table: pa.Table, spec: str) -> tuple[str, str]:
    column, _, direction = spec.partition(":")
    column = column.strip().replace("-", "_").replace(" ", "_")
    if column not in table.column_names:
        column = SORT_ALIASES.get(column, column)
    if column not in table.column_names:
        raise UsageError(
            f"cannot sort by '{spec}': no such column",
            hint="use one of " + ", ".join(table.column_names),
        )
    if direction not in ("", "asc", "desc"):
        raise UsageError(f"sort direction must be asc or desc, not '{direction}'")
    if not direction:
        import pyarrow as pa

        typ = table.schema.field(column).type
        numeric = pa.types.is_integer(typ) or pa.types.is_decimal(typ) or pa.types.is_floating(typ)
        direction = "desc" if numeric else "asc"
    return column, "descending" if direction == "desc" else "ascending"


def fold_top(table: pa.Table, n: int, keys: list[str], within: list[str]) -> pa.Table:
    """Keep the ``n`` groups of ``keys`` with the largest total cost (the
    column ``cost`` where the report has one, else ``estimated_cost``); sum
    the others into one ``(other)`` row per ``within`` group."""
    import pyarrow as pa

    ranking = next((c for c in ("cost", "estimated_cost") if c in table.column_names), None)
    if ranking is None or not keys:
        return table
    rows = table.to_pylist()
    totals: dict[tuple[Any, ...], Decimal] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        totals[key] = totals.get(key, Decimal(0)) + (row[ranking] or Decimal(0))
    if len(totals) <= n:
        return table
    ranked = sorted(totals, key=lambda k: (-totals[k], [str(v) for v in k]))
    kept = set(ranked[:n])
    out: list[dict[str, Any]] = []
    others: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        if tuple(row[k] for k in keys) in kept:
            out.append(row)
            continue
        group = tuple(row[w] for w in within)
        other = others.get(group)
        if other is None:
            other = dict.fromkeys(table.column_names)
            for w in within:
                other[w] = row[w]
            for k in keys:
                other[k] = None
            other[keys[0]] = OTHER
            if "currency" in row:
                other["currency"] = row["currency"]
            others[group] = other
        for name, value in row.items():
            if _additive(name) and value is not None:
                other[name] = value if other[name] is None else other[name] + value
        if "basis" in row:  # billed | estimated | mixed: mixed when they differ
            seen = other.setdefault("_bases", set())
            seen.add(row["basis"])
    for other in others.values():
        bases = other.pop("_bases", None)
        if bases is not None:
            other["basis"] = bases.pop() if len(bases) == 1 else "mixed"
    if within:
        # each period's (other) row right after that period's kept rows
        firsts: dict[tuple[Any, ...], int] = {}
        for index, row in enumerate(out):
            firsts.setdefault(tuple(row[w] for w in within), index)
        placed = [(firsts[tuple(row[w] for w in within)], 0, i, row) for i, row in enumerate(out)]
        for g, (group, row) in enumerate(others.items()):
            placed.append((firsts.get(group, len(out) + g), 1, 0, row))
        out = [row for *_, row in sorted(placed, key=lambda p: p[:3])]
    else:
        out.extend(others.values())
    return pa.Table.from_pylist(out, schema=table.schema)


def apply(table: pa.Table, shape: Shape, *, keys: list[str], within: list[str]) -> pa.Table:
    """``table`` sorted, folded to its top groups and limited as ``shape`` says."""
    if shape.top is not None:
        table = fold_top(table, shape.top, keys, within)
    if shape.sort is not None:
        column, order = _sort_key(table, shape.sort)
        table = table.sort_by([(column, order, "at_end")])
    if shape.limit is not None:
        table = table.slice(0, shape.limit)
    return table
