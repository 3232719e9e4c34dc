-- assert_allocated_costs_match_capacity
-- Per capacity pool and day the allocation rebuilt (in the reporting
-- currency), the capacity cost the reports read equals the pool-day's
-- amortised cost exactly, in both views: the used cost on the groups served
-- ('capacity') plus the idle row ('idle'), or plus the shared idle
-- ('idle_shared'), in each of the three cost columns. Group rows belong to
-- the pool that serves their model (pools never overlap: the build checks);
-- an idle row names its pool as its model.
-- reads: allocated_costs, capacity_daily, cfg_capacity_pool_models, cfg_settings, allocation_days

with

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

pool_days as (
    select
        capacity_daily.pool,
        capacity_daily.day,
        capacity_daily.amortised_cost
    from capacity_daily
    where capacity_daily.day in (select allocation_days.day from allocation_days)
        and capacity_daily.currency = (select settings.reporting_currency from settings)
        and capacity_daily.amortised_cost is not null
),

views as (
    select views.view_name from (values ('idle'), ('idle_shared')) as views (view_name)
),

capacity_rows as (
    select
        coalesce(pool_models.pool, allocated_costs.model) as pool,
        allocated_costs.day,
        allocated_costs.allocation_variant,
        allocated_costs.allocated_effective_cost,
        allocated_costs.allocated_billed_cost,
        allocated_costs.allocated_list_cost
    from allocated_costs
    left join cfg_capacity_pool_models as pool_models
        on allocated_costs.model = pool_models.model_key
        and allocated_costs.feature is distinct from 'idle capacity: ' || allocated_costs.model
    where allocated_costs.allocation_variant in ('capacity', 'idle', 'idle_shared')
        and allocated_costs.day in (select allocation_days.day from allocation_days)
),

allocated as (
    select
        capacity_rows.pool,
        capacity_rows.day,
        views.view_name,
        sum(capacity_rows.allocated_effective_cost) as effective_cost,
        sum(capacity_rows.allocated_billed_cost) as billed_cost,
        sum(capacity_rows.allocated_list_cost) as list_cost
    from capacity_rows
    cross join views
    where capacity_rows.allocation_variant in ('capacity', views.view_name)
    group by capacity_rows.pool, capacity_rows.day, views.view_name
),

expected as (
    select pool_days.*, views.view_name
    from pool_days
    cross join views
),

final as (
    select
        coalesce(expected.pool, allocated.pool) as pool,
        coalesce(expected.day, allocated.day) as day,
        coalesce(expected.view_name, allocated.view_name) as view_name,
        expected.amortised_cost,
        allocated.effective_cost,
        allocated.billed_cost,
        allocated.list_cost
    from expected
    full outer join allocated
        on expected.pool = allocated.pool
        and expected.day = allocated.day
        and expected.view_name = allocated.view_name
    where expected.amortised_cost is distinct from allocated.effective_cost
        or expected.amortised_cost is distinct from allocated.billed_cost
        or expected.amortised_cost is distinct from allocated.list_cost
)

select * from final
