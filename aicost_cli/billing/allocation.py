"""Allocation of the bill to the operations it paid for (the build's part).

The SQL models do the work (``sql/intermediate/int_charges_allocatable``,
``int_allocation_targets``, ``sql/marts/charge_allocations``,
``allocated_costs``, ``billing_coverage``); this module gives them what the
runner cannot:

* :func:`scope_days`: the days the allocation is rebuilt for. A charge is
  allocated over every operation of its whole charge period (a monthly line
  spans a month), and an unmatched charge is spread, in the spread variant,
  over its billing period when its own days have no operation of its
  provider. So the days of ``build_days`` are widened, to a fixed point, by
  every day of each allocatable charge period they touch, of the billing
  period of such a charge that would be spread period-wide, and of the
  stored allocation rows' ranges they touch (a restated bill that dropped a
  charge leaves rows to delete). Operations are *not* rebuilt for the added
  days: only the ``days: allocation_days`` models are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

#: allocated_method_id values (FOCUS 1.3 AllocatedMethodId: provider-defined)
METHODS = (
    "aicost-proportional-estimated-cost",
    "aicost-proportional-tokens",
    "aicost-proportional-operations",
    "aicost-spread-unmatched-estimated-cost",
    "aicost-spread-unmatched-tokens",
    "aicost-spread-unmatched-operations",
    "aicost-unallocated",
)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from duckdb_tables() where table_name = ? and not temporary", [name]
    ).fetchall()
    return bool(row[0][0])


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """``allocation_days`` and its macros as ``build_days`` until
    :func:`scope_days` widens them (the views of the graph that read them are
    created before that)."""
    con.execute(
        "create or replace temp table allocation_days as select distinct day from build_days"
    )
    _bind_range(con)
    _bind_has_charges(con, True)


def _bind_has_charges(con: duckdb.DuckDBPyConnection, value: bool) -> None:
    """``aicost_allocation_has_charges()``: a constant, so that without a
    charge to allocate DuckDB plans charge_allocations' groups away instead
    of summing every operation of the days (0.5 s per 1M operations)."""
    con.execute(
        "create or replace temp macro aicost_allocation_has_charges() as "
        + ("true" if value else "false")
    )


def _bind_range(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "select coalesce(min(day), date '1970-01-01'), coalesce(max(day), date '1969-12-31'), "
        "count(*) from allocation_days"
    ).fetchall()
    first, last, count = row[0]
    # our own dates, formatted by Python: not user text
    con.execute(
        f"create or replace temp macro aicost_allocation_from() as date '{first.isoformat()}'"
    )
    con.execute(
        "create or replace temp macro aicost_allocation_until() as "
        f"date '{last.isoformat()}' + interval 1 day"
    )
    return int(count)


def scope_days(con: duckdb.DuckDBPyConnection, *, full: bool) -> int:
    """Create ``allocation_days`` (see the module doc) and the constant macros
    ``aicost_allocation_from()`` / ``aicost_allocation_until()`` covering it and
    ``aicost_allocation_has_charges()`` (is any charge to allocate on them).
    Returns the number of days. Needs the view ``int_charges_allocatable``
    and the rebuilt ``operations``."""
    con.execute(
        "create or replace temp table allocation_days as select distinct day from build_days"
    )
    if full:
        con.execute(
            "insert into allocation_days select distinct unnest(generate_series("
            "charge.day_from, charge.day_to, interval 1 day))::date "
            "from int_charges_allocatable as charge "
            "except select day from allocation_days"
        )
    stored = _has_table(con, "charge_allocations")
    while True:
        added = con.execute(_WIDEN + (_WIDEN_STORED if stored else "") + _WIDEN_END).fetchall()
        if not added[0][0]:
            break
    days = _bind_range(con)
    row = con.execute(
        "select exists (select 1 from int_charges_allocatable as charge where exists ("
        "select 1 from allocation_days "
        "where allocation_days.day between charge.day_from and charge.day_to))"
    ).fetchone()
    _bind_has_charges(con, bool(row and row[0]))
    return days


# One widening step: the days to add; the caller repeats until none is added.
_WIDEN = """
with touched as (
    select charge.*
    from int_charges_allocatable as charge
    where exists (
        select 1 from allocation_days
        where allocation_days.day between charge.day_from and charge.day_to
    )
),
provider_days as (
    select distinct operations.day, operations.provider
    from operations
    where operations.is_model_call
        and operations.day >= (select min(touched.day_from) from touched)
        and operations.day <= (select max(touched.day_to) from touched)
),
ranges as (
    select touched.day_from, touched.day_to from touched
    union
    -- spread over the billing period when the charge's own days have no
    -- operation of its provider
    select touched.billing_period_from, touched.billing_period_to
    from touched
    where touched.provider_key is not null
        and not exists (
            select 1 from provider_days
            where provider_days.provider = touched.provider_key
                and provider_days.day between touched.day_from and touched.day_to
        )
"""
_WIDEN_STORED = """
    union
    select stored.allocation_range_start, stored.allocation_range_end
    from (
        select distinct
            charge_allocations.allocation_range_start,
            charge_allocations.allocation_range_end
        from charge_allocations
    ) as stored
    where exists (
        select 1 from allocation_days
        where allocation_days.day
            between stored.allocation_range_start and stored.allocation_range_end
    )
"""
_WIDEN_END = """
),
wanted as (
    select distinct unnest(generate_series(ranges.day_from, ranges.day_to, interval 1 day))::date
        as day
    from ranges
),
new_days as (
    select wanted.day from wanted
    except
    select allocation_days.day from allocation_days
)
insert into allocation_days select new_days.day from new_days
"""
