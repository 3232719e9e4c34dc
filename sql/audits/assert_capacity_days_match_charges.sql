-- assert_capacity_days_match_charges
-- For every rebuilt day and pool: capacity_daily's amortised cost and the
-- idle the bill states are exactly the daily shares of the pool's charges
-- (nothing lost or counted twice between the spread and the mart).
-- reads: capacity_daily, int_capacity_charges_daily, build_days

with

from_charges as (
    select
        int_capacity_charges_daily.pool,
        int_capacity_charges_daily.day,
        int_capacity_charges_daily.currency,
        sum(int_capacity_charges_daily.amortised_cost) as amortised_cost,
        sum(int_capacity_charges_daily.bill_idle_cost) as bill_idle_cost
    from int_capacity_charges_daily
    where int_capacity_charges_daily.day in (select build_days.day from build_days)
    group by
        int_capacity_charges_daily.pool,
        int_capacity_charges_daily.day,
        int_capacity_charges_daily.currency
),

from_mart as (
    select
        capacity_daily.pool,
        capacity_daily.day,
        capacity_daily.currency,
        capacity_daily.amortised_cost,
        capacity_daily.bill_idle_cost
    from capacity_daily
    where capacity_daily.day in (select build_days.day from build_days)
        and capacity_daily.currency is not null
)

select
    coalesce(from_charges.pool, from_mart.pool) as pool,
    coalesce(from_charges.day, from_mart.day) as day
from from_charges
full outer join from_mart
    on from_charges.pool = from_mart.pool
    and from_charges.day = from_mart.day
    and from_charges.currency = from_mart.currency
where from_charges.amortised_cost is distinct from from_mart.amortised_cost
    or from_charges.bill_idle_cost is distinct from from_mart.bill_idle_cost
