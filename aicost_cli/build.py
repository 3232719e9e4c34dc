"""Build every derived table from what was landed: the model graph runner.

The landing tables (``land_<source>``) hold what the ingest read. Everything
else (attribution, OTel root inheritance, prices, the ``operations`` fact
table, the daily rollup) is built from them by the SQL models, in the order
their declared ``reads:`` give (:func:`aicost_cli.models.upstream`):

* ``view`` models are created as temp views, ``temp_table`` models as temp
  tables (small results big joins read: the planner then knows their size);
* ``incremental_by_day`` models are tables rebuilt for the days in
  ``build_days`` only: delete those days, insert the model's select by name.

Which days: after an ingest, the days of the rows it landed plus the days of
every span of an OTel trace it touched (a late root re-attributes its older
children); ``--since D``: every day from D; a full build: every landed day.
A build is full whenever what the derived tables were built with changed:
the configuration (attribution keys, features, currency, the bill model map
overrides and inference profiles), the price catalog, the bundled bill model
map, or the SQL models themselves (``build_state`` keeps their digests).
The ``charges`` mart is rebuilt per day like the operations: the days of the
landed bill lines (``charge_period_start``) are in a full build and ``--since``. So the
answer never depends on the order or the runs in which data arrived.

After building, the audits (``sql/audits/assert_*.sql``) run on the rebuilt
days; one offending row fails the build, and as the build runs inside the
caller's transaction (or its own), nothing is committed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aicost_cli import models
from aicost_cli.billing import allocation, capacity
from aicost_cli.billing import classify as billing_classify
from aicost_cli.config import Config
from aicost_cli.errors import AicostError, ExitCode
from aicost_cli.migrations import LANDING_SOURCES

if TYPE_CHECKING:
    import duckdb

ProgressCallback = Callable[[int, int, str], None]

#: the tables the build maintains, in the graph (reports read these)
TARGETS = [
    "operations",
    "operations_daily",
    "feature_periods",
    "charge_allocations",
    "allocated_costs",
    "billing_coverage",
    "capacity_daily",
    "capacity_allocations",
    "charges",
]


class AuditError(AicostError):
    """An invariant does not hold after a build: a bug, nothing was committed."""

    exit_code = ExitCode.INTERNAL


@dataclass(frozen=True)
class BuildResult:
    full: bool
    reason: str
    days_rebuilt: int
    operations: int
    #: the store had never been built (a new store): nothing to tell anyone
    first: bool = False


FIRST_BUILD = "the derived tables have not been built yet"


def config_digest(config: Config) -> str:
    """What of the configuration the derived tables depend on."""
    rates = getattr(config, "exchange_rates", {}) or {}
    data = {
        "currency": config.currency,
        "attribution": {k: list(v) for k, v in sorted(config.attribution.items())},
        "features": {
            name: [f.owner, f.unit, None if f.value_per_unit is None else str(f.value_per_unit)]
            for name, f in sorted(config.features.items())
        },
        "exchange_rates": {k: str(v) for k, v in sorted(rates.items())},
        "capacity_pools": capacity.pools_digest_data(config),
        # the model map overrides and the Bedrock application inference profiles
        "billing": billing_classify.digest_data(config),
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def models_digest() -> str:
    """The SQL the derived tables were built with (a new aicost version with
    changed models rebuilds everything)."""
    digest = hashlib.sha256()
    for layer in ("macros", "intermediate", "marts"):
        for name in models.model_names(layer):
            digest.update(f"{layer}/{name}\n".encode())
            digest.update(models.model_sql(name).encode())
    return digest.hexdigest()


def _digests(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, str]:
    from aicost_cli import prices

    return {
        "config_digest": config_digest(config),
        "prices_digest": prices.prices_digest(con),
        # a new aicost version may bundle new list prices: loaded by the build
        "bundled_prices_digest": prices.bundled_sha256(),
        "models_digest": models_digest(),
        # a new aicost version may bundle a changed bill model map
        "bundled_bill_models_digest": billing_classify.bundled_sha256(),
    }


_REASONS = {
    "config_digest": "the configuration changed",
    "prices_digest": "the price catalog changed",
    "bundled_prices_digest": "aicost's bundled list prices changed",
    "models_digest": "aicost's SQL models changed",
    "bundled_bill_models_digest": "aicost's bundled bill model map changed",
}


def stale_reason(con: duckdb.DuckDBPyConnection, config: Config) -> str | None:
    """Why the derived tables must be rebuilt in full, or None if current."""
    tables = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_catalog = current_database()"
        ).fetchall()
    }
    if not set(TARGETS) <= tables:
        return FIRST_BUILD
    stored = dict(con.execute("select name, value from build_state").fetchall())
    for name, value in _digests(con, config).items():
        if stored.get(name) != value:
            return _REASONS[name]
    return None


def bind_config(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Macros and the cfg_* tables the models read, from the configuration.
    Config values are bound as parameters or quoted literals, never pasted."""
    from aicost_cli import prices

    models.load_macros(con)
    models.define_attribution_macros(con, config.attribution)
    bind_features(con, config)
    prices.bind_currency(con, config)
    capacity.bind_pools(con, config)
    billing_classify.bind(con, config)


def bind_features(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """``cfg_features``: the configured features (owner, unit, value per unit)."""
    con.execute(
        "create or replace temp table cfg_features (feature varchar, owner varchar, "
        "unit varchar, value_per_unit decimal(38, 12))"
    )
    if config.features:
        con.executemany(
            "insert into cfg_features values (?, ?, ?, ?)",
            [[f.name, f.owner, f.unit, f.value_per_unit] for f in config.features.values()],
        )


def _landed_union(column: str) -> str:
    """Every landed timestamp: operations' ``column`` and charges'
    ``charge_period_start`` (the ``charges`` mart is rebuilt per day too)."""
    return (
        " union all ".join(f"select {column} from land_{source}" for source in LANDING_SOURCES)
        + f" union all select charge_period_start as {column} from land_charges"
    )


def _scope_days(
    con: duckdb.DuckDBPyConnection,
    *,
    full: bool,
    runs: list[int] | None,
    since: date | None,
    days: list[date] | None,
) -> None:
    con.execute("create or replace temp table build_days (day date not null)")
    if days is not None and not full:
        # given days (e.g. those whose landed rows were just removed: they
        # must be rebuilt even though no landed row names them any more)
        con.execute("insert into build_days select distinct unnest(?::date[])", [days])
        return
    if full:
        con.execute(
            "insert into build_days select distinct cast(started_at as date) from ("
            + _landed_union("started_at")
            + ")"
        )
        _add_charge_days(con, "true", [])
        return
    if since is not None:
        con.execute(
            "insert into build_days select distinct cast(started_at as date) from ("
            + _landed_union("started_at")
            + ") where started_at >= ?",
            [datetime(since.year, since.month, since.day)],
        )
        _add_charge_days(con, "true", [], since=since)
        return
    assert runs is not None
    # the days of the landed rows, and of every span of an OTel trace they
    # touch: a late root changes the attribution of its children
    con.execute(
        "insert into build_days select distinct cast(started_at as date) from ("
        + " union all ".join(
            f"select started_at from land_{source} "
            "where ingest_run_id in (select unnest(?::bigint[]))"
            for source in LANDING_SOURCES
        )
        + " union all select charge_period_start from land_charges "
        "where ingest_run_id in (select unnest(?::bigint[]))"
        + " union all select spans.started_at from land_otel as spans "
        "where spans.trace_id in (select touched.trace_id from land_otel as touched "
        "where touched.ingest_run_id in (select unnest(?::bigint[])) "
        "and touched.trace_id is not null))",
        [runs] * (len(LANDING_SOURCES) + 2),
    )
    _add_charge_days(con, "land_charges.ingest_run_id in (select unnest(?::bigint[]))", [runs])


def _add_charge_days(
    con: duckdb.DuckDBPyConnection,
    where: str,
    params: list[object],
    *,
    since: date | None = None,
) -> None:
    """Every day the charge period of a landed bill line covers (a monthly
    RIFee is amortised over all of its days, so all of them are rebuilt),
    that is not in build_days yet. ``where`` is our own SQL text."""
    con.execute(
        "insert into build_days select distinct covered.day from ("
        "select cast(unnest(generate_series(date_trunc('day', land_charges.charge_period_start), "
        "greatest(coalesce(land_charges.charge_period_end, land_charges.charge_period_start) "
        "- interval 1 microsecond, land_charges.charge_period_start), interval 1 day)) as date) "
        f"as day from land_charges where {where}) as covered "
        "where (?::date is null or covered.day >= ?::date) "
        "and covered.day not in (select build_days.day from build_days)",
        [*params, since, since],
    )


def _scope_periods(con: duckdb.DuckDBPyConnection) -> None:
    """``build_periods``: every calendar period (day, ISO week, month) that
    contains a day of build_days, as (period, its first day). Models with
    ``days: build_periods`` recompute those periods whole (a distinct count
    over a month cannot be patched day by day)."""
    con.execute(
        "create or replace temp table build_periods as "
        "select distinct periods.period, "
        "aicost_period_start(periods.period, build_days.day) as day "
        "from build_days cross join (values ('day'), ('week'), ('month')) as periods(period)"
    )


def _bind_day_range(con: duckdb.DuckDBPyConnection) -> None:
    """``aicost_build_from()`` / ``aicost_build_until()``: the time range that
    covers build_days, as constant macros. Models filter landed rows on it
    besides ``build_days`` itself: a constant range is pushed into the table
    scan (zone maps skip every row group outside it), a semi-join with
    build_days is not (the scan would read every landed row's maps)."""
    row = con.execute(
        "select coalesce(min(day), date '1970-01-01'), coalesce(max(day), date '1969-12-31') "
        "from build_days"
    ).fetchall()
    first, last = row[0]
    until = last + timedelta(days=1)
    # our own dates, formatted by Python: not user text
    con.execute(
        f"create or replace temp macro aicost_build_from() as timestamp '{first.isoformat()}'"
    )
    con.execute(
        f"create or replace temp macro aicost_build_until() as timestamp '{until.isoformat()}'"
    )
    # the days of the whole periods (ISO weeks, months) that contain them, for
    # the models rebuilt per period (build_periods)
    periods_from = min(first - timedelta(days=first.weekday()), first.replace(day=1))
    week_after = last - timedelta(days=last.weekday()) + timedelta(days=7)
    month_after = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    periods_until = max(week_after, month_after)
    con.execute(
        "create or replace temp macro aicost_build_periods_from() as "
        f"date '{periods_from.isoformat()}'"
    )
    con.execute(
        "create or replace temp macro aicost_build_periods_until() as "
        f"date '{periods_until.isoformat()}'"
    )


def _materialize(
    con: duckdb.DuckDBPyConnection, model: models.Model, *, rebuild_table: bool
) -> None:
    name = models.sql_identifier(model.name)
    sql = models.model_sql(model.name)
    if model.materialized == "view":
        con.execute(f"create or replace temp view {name} as\n{sql}")
    elif model.materialized == "temp_table":
        con.execute(f"create or replace temp table {name} as\n{sql}")
    elif model.materialized == "table" or rebuild_table:
        con.execute(f"create or replace table {name} as\n{sql}")
    elif model.materialized == "incremental_by_day":
        days = models.sql_identifier(model.days)
        keys = models.DAY_TABLE_KEYS[model.days]
        if keys == ("day",):
            con.execute(f"delete from {name} where day in (select day from {days})")
        else:
            match = " and ".join(f"scope.{key} = {name}.{key}" for key in keys)
            con.execute(
                f"delete from {name} where exists (select 1 from {days} as scope where {match})"
            )
        con.execute(f"insert into {name} by name\n{sql}")
    else:
        raise ValueError(f"model {model.name} cannot be built ({model.materialized})")


def run_audits(con: duckdb.DuckDBPyConnection) -> None:
    """Every sql/audits/assert_*.sql over the days in build_days; the first
    failing one raises AuditError (naming it and its first offending rows)."""
    for name in models.audit_names():
        rows = models.run_audit(con, name)
        if rows:
            shown = "; ".join(", ".join(str(v) for v in row) for row in rows[:3])
            raise AuditError(
                f"audit {name} failed after the build (first offending rows: {shown}); "
                "nothing was committed",
                hint="this is a bug in aicost: please report it with the audit's name",
            )


def build(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    *,
    since: date | None = None,
    full: bool = False,
    runs: list[int] | None = None,
    days: list[date] | None = None,
    trigger: str = "build",
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Rebuild the derived tables for the affected days (see the module doc):
    the days of the landed rows of ``runs``, every day from ``since``, the
    given ``days``, or all days (``full``, or whenever the store is stale).

    Runs in the caller's transaction when one is open, else in its own: either
    everything (and the audits' verdict) is committed or nothing is."""
    from aicost_cli import db, prices

    started_at = datetime.now(UTC).replace(tzinfo=None)
    with db.atomic(con):
        prices.ensure_bundled(con)  # no-op unless aicost's bundled prices changed
    prices.require_exchange_rates(con, config)
    reason = stale_reason(con, config)
    is_full = full or reason is not None
    if reason is None:
        if full:
            reason = "a full build was asked for"
        elif runs is None and since is None and days is None:
            return BuildResult(full=False, reason="up to date", days_rebuilt=0, operations=0)
        elif runs is not None:
            reason = "new data"
        elif days is not None:
            reason = f"{len(set(days))} given day(s)"
        else:
            reason = f"rebuild from {since}"
    # DuckDB's common-subplan optimizer would buffer the landed rows of the
    # days being built (whole maps included), which several models read, to
    # scan them once: scanning again is cheaper (columns, zone maps; 22% less
    # CPU for the operations table of 1M LiteLLM operations)
    with db.atomic(con), db.memory_limit(con), db.without_optimizer(con, "common_subplan"):
        bind_config(con, config)
        _scope_days(con, full=is_full, runs=runs, since=since, days=days)
        _scope_periods(con)
        _bind_day_range(con)
        days_rebuilt = _count(con, "select count(*) from build_days")
        allocation.prepare(con)
        order = models.upstream(TARGETS)
        graph = models.graph()
        scoped = False
        for step, name in enumerate(order, start=1):
            if progress:
                progress(step, len(order) + 1, name)
            if graph[name].days == "allocation_days" and not scoped:
                # build_days widened to whole charge periods (the bill allocation)
                allocation.scope_days(con, full=is_full)
                scoped = True
            _materialize(con, graph[name], rebuild_table=is_full)
        if not scoped:
            allocation.scope_days(con, full=is_full)
        # views of the graph that read the built tables, for the audits
        if progress:
            progress(len(order) + 1, len(order) + 1, "audits")
        capacity.check_pool_overlaps(con, config)  # a config error, not a bug
        run_audits(con)
        operations = _count(
            con, "select count(*) from operations where day in (select day from build_days)"
        )
        con.execute("delete from build_state")
        con.executemany(
            "insert into build_state values (?, ?)",
            [[k, v] for k, v in _digests(con, config).items()],
        )
        build_id = _count(con, "select coalesce(max(build_id), 0) + 1 from build_runs")
        con.execute(
            "insert into build_runs values (?, ?, now()::timestamp, ?, ?, ?, ?)",
            [build_id, started_at, trigger, is_full, days_rebuilt, operations],
        )
    return BuildResult(
        full=is_full,
        reason=reason,
        days_rebuilt=days_rebuilt,
        operations=operations,
        first=reason == FIRST_BUILD,
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchall()
    return int(row[0][0]) if row and row[0][0] is not None else 0


def ensure_current(
    db_path: Path, config: Config, *, progress: ProgressCallback | None = None
) -> BuildResult | None:
    """Make the derived tables current before a report: a configuration,
    catalog or aicost upgrade since the last build triggers a full rebuild
    (under the writer lock), so a report never mixes old and new rules.
    Returns what was rebuilt, or None when nothing had to be."""
    from aicost_cli import db

    with db.connect(db_path, read_only=True) as con:
        if stale_reason(con, config) is None:
            return None
    with db.writer_lock(db_path), db.connect(db_path) as con:
        return build(con, config, trigger="report", progress=progress)
