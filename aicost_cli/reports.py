"""Named report queries over the store, returned as Arrow tables.

The SQL lives in ``sql/marts`` and ``sql/reports``; this module binds the
configuration (``cfg_features``) and parameters and returns data. It never
formats output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from aicost_cli import models
from aicost_cli.config import Config
from aicost_cli.errors import UsageError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


#: attribution dimension -> column of operation_facts (a fixed whitelist:
#: user text never becomes SQL)
DIMENSIONS: dict[str, str] = {
    "feature": "feature",
    "owner": "owner",
    "team": "team",
    "user": "user_id",
    "model": "model",
    "provider": "provider",
    "prompt_version": "prompt_version",
    "environment": "environment",
}


@dataclass(frozen=True)
class TimeRange:
    since: datetime | None = None
    until: datetime | None = None


def _prepare(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    con.execute(
        "create or replace temp table cfg_features (feature varchar, owner varchar, "
        "unit varchar, value_per_unit decimal(38, 12))"
    )
    if config.features:
        con.executemany(
            "insert into cfg_features values (?, ?, ?, ?)",
            [[f.name, f.owner, f.unit, f.value_per_unit] for f in config.features.values()],
        )
    models.create_views(con, ["operation_facts"])


def unit_economics(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    period: Period = Period.MONTH,
    time_range: TimeRange = TimeRange(),
) -> pa.Table:
    _prepare(con, config)
    sql = models.model_sql("unit_economics")
    return con.sql(
        sql,
        params={
            "period": period.value,
            "since": time_range.since,
            "until": time_range.until,
            "currency": config.currency,
        },
    ).to_arrow_table()


def parse_dimensions(spec: str) -> list[str]:
    """``feature,tag:env`` -> ['feature', 'tag:env'], validated."""
    dims = [part.strip() for part in spec.split(",") if part.strip()]
    if not dims:
        raise UsageError("--by needs at least one dimension", hint=_dims_hint())
    for dim in dims:
        if dim.startswith("tag:"):
            if not dim[4:]:
                raise UsageError("tag: needs a key, as in tag:env", hint=_dims_hint())
        elif dim not in DIMENSIONS:
            raise UsageError(f"unknown dimension '{dim}'", hint=_dims_hint())
    if len(set(dims)) != len(dims):
        raise UsageError("a dimension is repeated in --by")
    return dims


def _dims_hint() -> str:
    return "use any of " + ", ".join(DIMENSIONS) + ", tag:<key> (comma-separated)"


def _column_name(dim: str) -> str:
    if dim.startswith("tag:"):
        key = "".join(ch if ch.isalnum() else "_" for ch in dim[4:].lower())
        return f"tag_{key}"
    return DIMENSIONS[dim]


def attribution(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    dims: list[str],
    *,
    time_range: TimeRange = TimeRange(),
) -> pa.Table:
    import pyarrow as pa  # lazy: keeps `aicost --help` fast

    _prepare(con, config)
    selects: list[str] = []
    params: list[object] = []
    names = [_column_name(d) for d in dims]
    if len(set(names)) != len(names):
        raise UsageError("two tag dimensions map to the same column name")
    for dim, name in zip(dims, names, strict=True):
        if dim.startswith("tag:"):
            selects.append(f"coalesce(nullif(facts.tags[?], ''), 'unattributed') as \"{name}\"")
            params.append(dim[4:])
        else:
            selects.append(f'facts."{DIMENSIONS[dim]}" as "{name}"')
    filtered = (
        "select "
        + ", ".join(selects)
        + ", count(*) filter (where facts.is_model_call) as operations, "
        "count(distinct facts.unit_key) as units, "
        "count(*) filter (where facts.pricing_status = 'unpriced') as unpriced_operations, "
        "coalesce(sum(facts.estimated_cost), 0)::decimal(38, 12) as estimated_cost "
        "from operation_facts as facts "
        "where (?::timestamp is null or facts.started_at >= ?::timestamp) "
        "and (?::timestamp is null or facts.started_at < ?::timestamp) "
        f"group by {', '.join(str(i + 1) for i in range(len(selects)))}"
    )
    tr = [time_range.since, time_range.since, time_range.until, time_range.until]
    con.execute("create or replace temp table attribution_groups as " + filtered, params + tr)
    result = con.sql(models.model_sql("attribution")).to_arrow_table()
    currency = pa.array([config.currency] * result.num_rows, pa.string())
    return result.append_column("currency", currency)
