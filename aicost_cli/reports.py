"""Named report queries over the store, returned as Arrow tables.

The SQL lives in ``sql/marts`` and ``sql/reports``; this module binds the
configuration (``cfg_features``) and parameters and returns data. It never
formats output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from aicost_cli import models
from aicost_cli import shape as _shape
from aicost_cli.config import Config
from aicost_cli.errors import UsageError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class CostBasis(StrEnum):
    """Which amount of a charge the allocated cost is (FOCUS columns)."""

    EFFECTIVE = "effective"
    BILLED = "billed"
    LIST = "list"


@dataclass(frozen=True)
class Billing:
    """How reports show the bill: the charge amount allocated, whether
    unmatched charges are spread over their provider's operations instead of
    being the row 'unallocated', and whether capacity idle is shared."""

    cost: CostBasis = CostBasis.EFFECTIVE
    spread_unmatched: bool = False
    #: a capacity pool's idle cost allocated to the calls it served (like
    #: its used cost) instead of the row 'idle capacity: <pool>'
    share_idle: bool = False


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
    """[since, until) in naive UTC; ``since`` must come before ``until``."""

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise UsageError(
                f"--since ({_text(self.since)}) must be before --until ({_text(self.until)})",
                hint="--until is exclusive: --since 2026-09-01 --until 2026-10-01 is September",
            )


def _text(moment: datetime) -> str:
    return moment.isoformat(sep=" ").removesuffix(" 00:00:00")


def parse_time(text: str) -> datetime:
    """A date or UTC time as the CLI takes it: ``2026-09-01``,
    ``2026-09-01T12:00:00``, ``2026-09-01 12:00``, with or without ``Z`` or an
    offset (converted to UTC), as aicost itself writes them. Returns naive UTC."""
    from datetime import UTC

    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"'{text}' is not a date or time",
            hint="use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z] (UTC)",
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _whole_days(time_range: TimeRange) -> tuple[date | None, date | None]:
    """The whole days inside [since, until): read from the daily rollup."""
    full_from = None
    if time_range.since is not None:
        since = time_range.since
        full_from = since.date()
        if since != datetime(since.year, since.month, since.day):
            full_from += timedelta(days=1)
    full_to = time_range.until.date() if time_range.until is not None else None
    return full_from, full_to


def _prepare(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Bind what unit-economics and attribution read of the configuration
    (cfg_features) and create the mart view over the fact table (the tables
    were built by aicost_cli.build). Not the macros and the price and bill
    tables the build binds: a report does not need them, and loading them
    was a tenth of a small report's time."""
    from aicost_cli import build

    build.bind_features(con, config)
    models.create_views(con, ["operation_measures"])


def unit_economics(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    period: Period = Period.MONTH,
    time_range: TimeRange = TimeRange(),
    shape: _shape.Shape | None = None,
    billing: Billing = Billing(),
) -> pa.Table:
    """Units, operations, cost, allocated (billed) cost and cost per unit per
    feature and period; ``shape`` sorts, folds (``top``: by feature, per
    period) and limits."""
    _prepare(con, config)
    full_from, full_to = _whole_days(time_range)
    table = con.sql(
        models.model_sql("unit_economics"),
        params={
            "period": period.value,
            "since": time_range.since,
            "until": time_range.until,
            "full_from": full_from,
            "full_to": full_to,
            "currency": config.currency,
            "cost": billing.cost.value,
            "spread": billing.spread_unmatched,
            "share_idle": billing.share_idle,
        },
    ).to_arrow_table()
    return _shape.apply(table, shape or _shape.Shape(), keys=["feature"], within=["period_start"])


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


#: dimensions the daily rollup keeps (others are read from operation_measures)
ROLLUP_DIMENSIONS = frozenset(
    ["feature", "owner", "team", "model", "provider", "prompt_version", "environment"]
)

_MEASURES = (
    "coalesce(sum({t}.operations), 0)::bigint as operations, "
    "count(distinct {t}.unit_key) as units, "
    "coalesce(sum({t}.unpriced_operations), 0)::bigint as unpriced_operations, "
    "sum({t}.unpriced_source_cost)::decimal(38, 12) as unpriced_source_cost, "
    # a group whose every call is unpriced has no known cost: NULL, never 0
    "case when sum({t}.operations) > 0 and sum({t}.unpriced_operations) = sum({t}.operations) "
    "then null else coalesce(sum({t}.estimated_cost), 0) end::decimal(38, 12) as estimated_cost"
)


#: allocated_costs as rows of the attribution source (whole days): the
#: allocated cost of the chosen basis, and whether the row's provider and day
#: have a loaded bill (the bill's own rows, without operations, always do).
#: A capacity pool's used cost (variant 'capacity') always counts, its idle
#: cost as the row 'idle capacity: <pool>' ('idle') or shared over the calls
#: it served ('idle_shared'); calls a pool served are billed
#: (capacity_billed). A row whose list cost the bill does not state
#: (list_cost_complete false) counts as unbilled under --cost list: its cost
#: is the estimate (at list prices), never a partial sum or 0. Parameters:
#: cost basis (twice), spread, share idle, then the whole-days filter.
_ALLOCATION_ROWS = (
    "select allocated_costs.feature, allocated_costs.owner, allocated_costs.team, "
    "allocated_costs.model, allocated_costs.provider, allocated_costs.prompt_version, "
    "allocated_costs.environment, "
    "case ?::varchar when 'billed' then allocated_costs.allocated_billed_cost "
    "when 'list' then allocated_costs.allocated_list_cost "
    "else allocated_costs.allocated_effective_cost end as x_allocated_cost, "
    "allocated_costs.estimated_cost as x_estimated_cost, "
    "(?::varchar <> 'list' or allocated_costs.list_cost_complete) "
    "and (allocated_costs.operations = 0 or allocated_costs.capacity_billed "
    "or exists (select 1 from billing_coverage as coverage "
    "where coverage.provider = allocated_costs.provider "
    "and allocated_costs.day >= coverage.billing_period_from "
    "and cast(allocated_costs.day as timestamp) < coverage.covered_until)) as x_is_billed "
    "from allocated_costs where allocated_costs.allocation_variant in "
    "('both', case when ?::boolean then 'spread' else 'unallocated' end, 'capacity', "
    "case when ?::boolean then 'idle_shared' else 'idle' end)"
)

_ALLOCATED_MEASURES = (
    "case when bool_or({t}.x_is_billed) then sum(case when {t}.x_is_billed "
    "then coalesce({t}.x_allocated_cost, 0) end) end::decimal(38, 12) as allocated_cost, "
    "case when bool_or({t}.x_is_billed) and (bool_or(not {t}.x_is_billed) "
    "or bool_or({t}.x_partial and {t}.operations > 0)) then 'mixed' "
    "when bool_or({t}.x_is_billed) then 'billed' else 'estimated' end as basis, "
    # the estimated cost of the rows without a bill (provider-days without one,
    # a partial first or last day): with the allocated cost, a 'mixed' row's cost
    "(coalesce(sum(case when not {t}.x_is_billed then {t}.x_estimated_cost end), 0) "
    "+ coalesce(sum(case when {t}.x_partial then {t}.estimated_cost end), 0)"
    ")::decimal(38, 12) as unbilled_estimated_cost"
)


def attribution(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    dims: list[str],
    *,
    time_range: TimeRange = TimeRange(),
    shape: _shape.Shape | None = None,
    billing: Billing = Billing(),
) -> pa.Table:
    """Operations, units, estimated cost, allocated (billed) cost and the
    best known cost (``cost``: billed where a bill covers the group, else
    estimated; rows are ordered by it and ``share`` is of it) by the
    requested dimensions.

    Whole days are read from the daily rollup when every dimension is one it
    keeps; a partial first or last day, and the user and tag:<key>
    dimensions, from operation_measures. Allocated cost and basis come from
    allocated_costs (whole days; a partial day's calls count as estimated),
    as in unit_economics; the allocation's grain has no user or tags, so for
    those dimensions both are NULL. Dimension columns come from a fixed
    whitelist; a tag key is a bound parameter."""
    _prepare(con, config)
    names = [_column_name(d) for d in dims]
    if len(set(names)) != len(names):
        raise UsageError("two tag dimensions map to the same column name")
    selects: list[str] = []
    params: list[object] = []
    for dim, name in zip(dims, names, strict=True):
        if dim.startswith("tag:"):
            selects.append(f"coalesce(nullif(rows.tags[?], ''), 'unattributed') as \"{name}\"")
            params.append(dim[4:])
        else:
            selects.append(f'rows."{DIMENSIONS[dim]}" as "{name}"')
    keys = ", ".join(str(i + 1) for i in range(len(selects)))
    full_from, full_to = _whole_days(time_range)
    since, until = time_range.since, time_range.until
    in_whole_days = "(?::date is null or day >= ?::date) and (?::date is null or day < ?::date)"
    whole: list[object] = [full_from, full_from, full_to, full_to]
    in_range = (
        "(?::timestamp is null or started_at >= ?::timestamp) "
        "and (?::timestamp is null or started_at < ?::timestamp)"
    )
    bounds: list[object] = [since, since, until, until]
    if set(dims) <= ROLLUP_DIMENSIONS:
        source = (
            f"(select * exclude (day) from operations_daily where {in_whole_days} "
            "union all by name "
            "select * exclude (day, started_at, user_id, tags), true as x_partial "
            "from operation_measures "
            f"where (?::timestamp is not null or ?::timestamp is not null) and {in_range} "
            f"and not ({in_whole_days}) "
            "union all by name "
            f"{_ALLOCATION_ROWS} and {in_whole_days})"
        )
        source_params = (
            whole
            + [since, until]
            + bounds
            + whole
            + [billing.cost.value, billing.cost.value, billing.spread_unmatched, billing.share_idle]
            + whole
        )
        allocated = _ALLOCATED_MEASURES.format(t="rows")
    else:
        source = f"(select * from operation_measures where {in_range})"
        source_params = bounds
        allocated = (
            "null::decimal(38, 12) as allocated_cost, null::varchar as basis, "
            "null::decimal(38, 12) as unbilled_estimated_cost"
        )
    con.execute(
        "create or replace temp table attribution_groups as select "
        + ", ".join(selects)
        + ", "
        + _MEASURES.format(t="rows")
        + ", "
        + allocated
        + f" from {source} as rows group by {keys}",
        params + source_params,
    )
    # ties in cost are ordered by the dimensions: the same data, the same rows
    # (names come from the whitelist above; sorting in DuckDB spares the
    # process pyarrow.compute's import, a quarter of a second)
    # (the currency column is added in DuckDB too: pa.array over a Python list
    # makes pyarrow import pandas, another quarter of a second)
    order = ", ".join(["cost desc nulls last", *(f'"{name}"' for name in names)])
    result = (
        con.sql(models.model_sql("attribution"))
        .order(order)
        .project(f"*, {models.sql_string(config.currency)}::varchar as currency")
        .to_arrow_table()
    )
    return _shape.apply(result, shape or _shape.Shape(), keys=names, within=[])


def capacity(
    con: duckdb.DuckDBPyConnection,
    *,
    period: Period = Period.MONTH,
    share_idle: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> pa.Table:
    """Reserved and provisioned capacity per pool and period (see
    ``sql/reports/capacity.sql``): amortised cost, served tokens,
    utilisation, idle cost (stated by the bill and from utilisation), cost
    per million tokens with and without idle, and the comparable model's
    list price. ``share_idle`` counts the idle cost of the days that served
    tokens as allocated to their operations. ``since`` / ``until``: the
    days [since, until) (capacity is amortised per day)."""
    if since is not None and until is not None and since >= until:
        raise UsageError(
            f"--since ({since}) must be before --until ({until})",
            hint="--until is exclusive: --since 2026-09-01 --until 2026-10-01 is September",
        )
    return con.sql(
        models.model_sql("capacity"),
        params={"period": period.value, "share_idle": share_idle, "since": since, "until": until},
    ).to_arrow_table()


# --- the bill: reconciliation and allocation inspection ----------------------

#: reconciliation --by keys
RECONCILIATION_KEYS = ("provider", "model", "token_class")


def parse_reconciliation_keys(spec: str) -> list[str]:
    """``provider,model`` -> ['provider', 'model'], validated."""
    keys = [part.strip() for part in spec.split(",") if part.strip()]
    hint = "use any of " + ", ".join(RECONCILIATION_KEYS) + " (comma-separated)"
    if not keys:
        raise UsageError("--by needs at least one of provider, model, token_class", hint=hint)
    for key in keys:
        if key not in RECONCILIATION_KEYS:
            raise UsageError(f"unknown reconciliation key '{key}'", hint=hint)
    if len(set(keys)) != len(keys):
        raise UsageError("a key is repeated in --by")
    return keys


def _prepare_billing(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """The whole configuration binding (macros, prices, the bill's model map):
    the bill's reports read the classification models as views."""
    from aicost_cli import build

    build.bind_config(con, config)
    models.create_views(con, ["operation_measures", "int_charges_allocatable"])


def reconciliation(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    period: Period = Period.MONTH,
    keys: list[str] | None = None,
    cost: CostBasis = CostBasis.EFFECTIVE,
    include_open: bool = False,
    since: date | None = None,
    until: date | None = None,
    tolerance_pct: Decimal | None = None,
) -> pa.Table:
    """The bill against the logs per period and the ``keys`` asked for
    (provider, model, token_class), with a finding per row (see
    sql/reports/reconciliation.sql). ``tolerance_pct`` defaults to the
    config's ``[billing] tolerance_pct``."""
    if period is Period.WEEK:
        raise UsageError("reconciliation is per day or month", hint="use --period day|month")
    if since is not None and until is not None and since >= until:
        raise UsageError(f"--since ({since}) must be before --until ({until})")
    keys = keys if keys is not None else list(RECONCILIATION_KEYS)
    _prepare_billing(con, config)
    tolerance = config.billing.tolerance_pct if tolerance_pct is None else tolerance_pct
    relation = con.sql(
        models.model_sql("reconciliation"),
        params={
            "period": period.value,
            "by_provider": "provider" in keys,
            "by_model": "model" in keys,
            "by_class": "token_class" in keys,
            "cost": cost.value,
            "tolerance": format(tolerance, "f"),
            "include_open": include_open,
            "since": since,
            "until": until,
        },
    )
    dropped = [key for key in RECONCILIATION_KEYS if key not in keys]
    if dropped:
        relation = relation.project("* exclude (" + ", ".join(dropped) + ")")
    return relation.project(
        f"*, {models.sql_string(config.currency)}::varchar as currency"
    ).to_arrow_table()


def charge_allocations(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    charge_id: str,
    *,
    spread_unmatched: bool = False,
) -> pa.Table:
    """One charge's split over the operation groups it paid for (FOCUS 1.3
    split-allocation vocabulary). A charge id that is not an allocatable AI
    usage charge is a usage error."""
    _prepare_billing(con, config)
    found = con.execute(
        "select count(*) from int_charges_allocatable where charge_id = ?", [charge_id]
    ).fetchall()
    if not found[0][0]:
        raise UsageError(
            f"no AI usage charge with id '{charge_id}'",
            hint="'aicost billing allocations' lists the charges that are allocated",
        )
    return con.sql(
        models.model_sql("charge_allocation_splits"),
        params={"charge_id": charge_id, "spread": spread_unmatched},
    ).to_arrow_table()


def allocation_summary(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    cost: CostBasis = CostBasis.EFFECTIVE,
    spread_unmatched: bool = False,
) -> pa.Table:
    """Every allocatable charge: how it was allocated, over how many groups,
    and its amount allocated or unallocated."""
    _prepare_billing(con, config)
    return con.sql(
        models.model_sql("charge_allocation_summary"),
        params={"cost": cost.value, "spread": spread_unmatched},
    ).to_arrow_table()
