-- assert_capacity_allocations_exact
-- For every rebuilt pool-day: the allocations sum exactly to the pool-day's
-- used cost and to its idle cost (what --share-idle adds); a pool-day with a
-- cost and no served tokens has no allocations and keeps its whole cost as
-- idle; every pool-day's used and idle cost sum to its amortised cost.
-- reads: capacity_daily, capacity_allocations, build_days

with

pool_days as (
    select * from capacity_daily
    where capacity_daily.day in (select build_days.day from build_days)
),

allocated as (
    select
        capacity_allocations.pool,
        capacity_allocations.day,
        capacity_allocations.currency,
        sum(capacity_allocations.used_cost) as used_cost,
        sum(capacity_allocations.idle_cost) as idle_cost
    from capacity_allocations
    where capacity_allocations.day in (select build_days.day from build_days)
    group by capacity_allocations.pool, capacity_allocations.day, capacity_allocations.currency
)

select
    coalesce(pool_days.pool, allocated.pool) as pool,
    coalesce(pool_days.day, allocated.day) as day,
    coalesce(pool_days.currency, allocated.currency) as currency,
    pool_days.amortised_cost,
    pool_days.used_cost,
    allocated.used_cost as allocated_used_cost,
    pool_days.idle_cost,
    allocated.idle_cost as allocated_idle_cost
from pool_days
full outer join allocated
    on pool_days.pool = allocated.pool
    and pool_days.day = allocated.day
    and pool_days.currency = allocated.currency
where pool_days.pool is null
    or pool_days.used_cost + coalesce(pool_days.idle_cost, 0)
        is distinct from pool_days.amortised_cost
    or (pool_days.amortised_cost is not null and pool_days.tokens = 0
        and (pool_days.idle_cost is distinct from pool_days.amortised_cost
            or allocated.pool is not null))
    or (pool_days.amortised_cost is not null and pool_days.tokens > 0
        and (allocated.used_cost is distinct from pool_days.used_cost
            or allocated.idle_cost is distinct from coalesce(pool_days.idle_cost, 0)))
