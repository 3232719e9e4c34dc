-- allocated_costs
-- Purpose: what the reports read for billed cost: per day and attribution
--          dimensions, the logged model calls (operations, estimated cost,
--          tokens and estimated cost per token class) and the bill allocated
--          to them, plus the bill's unallocated or spread rows, and the
--          amortised cost of the capacity pools that served them (used
--          cost per group, idle cost per pool or shared).
-- Grain:   one row per (day, feature, owner, team, model, provider,
--          prompt_version, environment, allocation_variant).
-- materialized: incremental_by_day
-- days: allocation_days
-- reads: charge_allocations, int_allocation_targets, capacity_allocations, capacity_daily, cfg_settings, allocation_days
-- allocation_variant as in charge_allocations: a report's default view sums
-- the rows 'both' + 'unallocated', --spread-unmatched sums 'both' + 'spread'.
-- Logged calls are in 'both' rows. allocated_*_cost: the sum of the
-- allocations to the row (NULL when no charge was allocated to it); whether
-- NULL means "not billed" (no bill loaded for that provider and day: the
-- cost is unknown) or 0 ("billed nothing") is decided by billing_coverage
-- when the report reads it, so a newly loaded bill needs no rebuild here.
-- allocated_list_cost sums the list cost of the charges that state one;
-- list_cost_complete is false when a charge allocated to the row has none
-- (the Anthropic and OpenAI cost reports state no list cost): its list cost
-- is unknown, never the partial sum or 0, and a --cost list report prices
-- the row's calls at the estimate instead (basis 'estimated').
-- Columns logged_<class>_tokens / estimated_<class>_cost: as in
-- int_allocation_targets (input = uncached input tokens; cache_write = 5m +
-- 1h writes, of which cache_write_1h the 1-hour ones); the reconciliation
-- report compares them with the bill.
-- Capacity (reserved and provisioned pools, capacity_daily and
-- capacity_allocations), in the reporting currency (int_capacity_charges
-- converts a line billed in another currency; a row in any other currency
-- would stay out, never be relabelled):
--   'capacity'     every view: each pool-day's used cost on the groups it
--                  served (capacity_allocations.used_cost, summed over
--                  unit_key and pools)
--   'idle'         default view: one row per pool-day with its idle cost
--                  (capacity_daily.idle_cost; the whole amortised cost of a
--                  day that served nothing), feature 'idle capacity: <pool>',
--                  model = the pool, owner, team, provider, prompt_version
--                  and environment 'idle capacity' (a pool's idle belongs
--                  to no feature or provider of the logs)
--   'idle_shared'  --share-idle: the idle cost on the groups served
--                  (capacity_allocations.idle_cost), plus the idle row of
--                  a pool-day that served nothing (no group to share it)
-- The three cost columns carry the same amortised (effective) cost: a pool
-- has no separate billed or list amount per day. capacity_billed: the row
-- is capacity cost, or a 'both' row whose calls a pool-day with a cost
-- served (their cost is known from the bill although the provider has no
-- bill of its own: the reports count them billed, reconciliation leaves
-- them out). Per pool and day, 'capacity' + 'idle' = 'capacity' +
-- 'idle_shared' = capacity_daily.amortised_cost (audit
-- assert_allocated_costs_match_capacity).

with

targets as (
    select * from int_allocation_targets
),

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

pool_groups as (
    select * from capacity_allocations
    where capacity_allocations.day >= aicost_allocation_from()
        and capacity_allocations.day < aicost_allocation_until()
        and capacity_allocations.day in (select allocation_days.day from allocation_days)
        and capacity_allocations.currency = (select settings.reporting_currency from settings)
),

pool_days as (
    select * from capacity_daily
    where capacity_daily.day >= aicost_allocation_from()
        and capacity_daily.day < aicost_allocation_until()
        and capacity_daily.day in (select allocation_days.day from allocation_days)
        and capacity_daily.currency = (select settings.reporting_currency from settings)
        and capacity_daily.amortised_cost is not null
),

allocations as (
    select * from charge_allocations
    where charge_allocations.day >= aicost_allocation_from()
        and charge_allocations.day < aicost_allocation_until()
        and charge_allocations.day in (select allocation_days.day from allocation_days)
),

logged as (
    select
        targets.day,
        targets.feature,
        targets.owner,
        targets.team,
        targets.model,
        targets.provider,
        targets.prompt_version,
        targets.environment,
        'both' as allocation_variant,
        targets.operations,
        targets.estimated_cost,
        targets.logged_input_tokens,
        targets.logged_cache_read_tokens,
        targets.logged_cache_write_tokens,
        targets.logged_cache_write_1h_tokens,
        targets.logged_output_tokens,
        targets.estimated_input_cost,
        targets.estimated_cache_read_cost,
        targets.estimated_cache_write_cost,
        targets.estimated_cache_write_1h_cost,
        targets.estimated_output_cost,
        cast(null as decimal(38, 12)) as allocated_effective_cost,
        cast(null as decimal(38, 12)) as allocated_billed_cost,
        cast(null as decimal(38, 12)) as allocated_list_cost,
        false as list_cost_missing,
        exists (
            select 1 from pool_groups
            where pool_groups.day = targets.day
                and pool_groups.feature is not distinct from targets.feature
                and pool_groups.owner is not distinct from targets.owner
                and pool_groups.team is not distinct from targets.team
                and pool_groups.model is not distinct from targets.model
                and pool_groups.provider is not distinct from targets.provider
                and pool_groups.prompt_version is not distinct from targets.prompt_version
                and pool_groups.environment is not distinct from targets.environment
        ) as capacity_billed
    from targets
),

allocated as (
    select
        allocations.day,
        allocations.feature,
        allocations.owner,
        allocations.team,
        allocations.model,
        allocations.provider,
        allocations.prompt_version,
        allocations.environment,
        allocations.allocation_variant,
        cast(0 as bigint) as operations,
        cast(null as decimal(38, 12)) as estimated_cost,
        cast(0 as bigint) as logged_input_tokens,
        cast(0 as bigint) as logged_cache_read_tokens,
        cast(0 as bigint) as logged_cache_write_tokens,
        cast(0 as bigint) as logged_cache_write_1h_tokens,
        cast(0 as bigint) as logged_output_tokens,
        cast(null as decimal(38, 12)) as estimated_input_cost,
        cast(null as decimal(38, 12)) as estimated_cache_read_cost,
        cast(null as decimal(38, 12)) as estimated_cache_write_cost,
        cast(null as decimal(38, 12)) as estimated_cache_write_1h_cost,
        cast(null as decimal(38, 12)) as estimated_output_cost,
        allocations.allocated_effective_cost,
        allocations.allocated_billed_cost,
        allocations.allocated_list_cost,
        allocations.allocated_list_cost is null as list_cost_missing,
        false as capacity_billed
    from allocations
),

-- used ('capacity') and shared idle ('idle_shared') cost on the groups served
pool_group_costs as (
    select
        pool_groups.day,
        pool_groups.feature,
        pool_groups.owner,
        pool_groups.team,
        pool_groups.model,
        pool_groups.provider,
        pool_groups.prompt_version,
        pool_groups.environment,
        measure.allocation_variant,
        cast(0 as bigint) as operations,
        cast(null as decimal(38, 12)) as estimated_cost,
        cast(0 as bigint) as logged_input_tokens,
        cast(0 as bigint) as logged_cache_read_tokens,
        cast(0 as bigint) as logged_cache_write_tokens,
        cast(0 as bigint) as logged_cache_write_1h_tokens,
        cast(0 as bigint) as logged_output_tokens,
        cast(null as decimal(38, 12)) as estimated_input_cost,
        cast(null as decimal(38, 12)) as estimated_cache_read_cost,
        cast(null as decimal(38, 12)) as estimated_cache_write_cost,
        cast(null as decimal(38, 12)) as estimated_cache_write_1h_cost,
        cast(null as decimal(38, 12)) as estimated_output_cost,
        measure.amount as allocated_effective_cost,
        measure.amount as allocated_billed_cost,
        measure.amount as allocated_list_cost,
        false as list_cost_missing,
        true as capacity_billed
    from pool_groups
    cross join lateral (
        select 'capacity' as allocation_variant, pool_groups.used_cost as amount
        union all
        select 'idle_shared' as allocation_variant, pool_groups.idle_cost as amount
    ) as measure
    where measure.amount is not null
),

-- each pool-day's idle cost as its own row: 'idle' always; 'idle_shared'
-- too when the day served nothing (no group to share it with)
pool_idle as (
    select
        pool_days.day,
        'idle capacity: ' || pool_days.pool as feature,
        'idle capacity' as owner,
        'idle capacity' as team,
        pool_days.pool as model,
        'idle capacity' as provider,
        'idle capacity' as prompt_version,
        'idle capacity' as environment,
        variant.allocation_variant,
        cast(0 as bigint) as operations,
        cast(null as decimal(38, 12)) as estimated_cost,
        cast(0 as bigint) as logged_input_tokens,
        cast(0 as bigint) as logged_cache_read_tokens,
        cast(0 as bigint) as logged_cache_write_tokens,
        cast(0 as bigint) as logged_cache_write_1h_tokens,
        cast(0 as bigint) as logged_output_tokens,
        cast(null as decimal(38, 12)) as estimated_input_cost,
        cast(null as decimal(38, 12)) as estimated_cache_read_cost,
        cast(null as decimal(38, 12)) as estimated_cache_write_cost,
        cast(null as decimal(38, 12)) as estimated_cache_write_1h_cost,
        cast(null as decimal(38, 12)) as estimated_output_cost,
        pool_days.idle_cost as allocated_effective_cost,
        pool_days.idle_cost as allocated_billed_cost,
        pool_days.idle_cost as allocated_list_cost,
        false as list_cost_missing,
        true as capacity_billed
    from pool_days
    cross join (values ('idle'), ('idle_shared')) as variant (allocation_variant)
    where pool_days.idle_cost is not null
        and (variant.allocation_variant = 'idle' or pool_days.tokens = 0)
),

unioned as (
    select * from logged
    union all
    select * from allocated
    union all
    select * from pool_group_costs
    union all
    select * from pool_idle
),

final as (
    select
        unioned.day,
        unioned.feature,
        unioned.owner,
        unioned.team,
        unioned.model,
        unioned.provider,
        unioned.prompt_version,
        unioned.environment,
        unioned.allocation_variant,
        cast(sum(unioned.operations) as bigint) as operations,
        sum(unioned.estimated_cost) as estimated_cost,
        cast(sum(unioned.logged_input_tokens) as bigint) as logged_input_tokens,
        cast(sum(unioned.logged_cache_read_tokens) as bigint) as logged_cache_read_tokens,
        cast(sum(unioned.logged_cache_write_tokens) as bigint) as logged_cache_write_tokens,
        cast(sum(unioned.logged_cache_write_1h_tokens) as bigint)
            as logged_cache_write_1h_tokens,
        cast(sum(unioned.logged_output_tokens) as bigint) as logged_output_tokens,
        sum(unioned.estimated_input_cost) as estimated_input_cost,
        sum(unioned.estimated_cache_read_cost) as estimated_cache_read_cost,
        sum(unioned.estimated_cache_write_cost) as estimated_cache_write_cost,
        sum(unioned.estimated_cache_write_1h_cost) as estimated_cache_write_1h_cost,
        sum(unioned.estimated_output_cost) as estimated_output_cost,
        sum(unioned.allocated_effective_cost) as allocated_effective_cost,
        sum(unioned.allocated_billed_cost) as allocated_billed_cost,
        sum(unioned.allocated_list_cost) as allocated_list_cost,
        not bool_or(unioned.list_cost_missing) as list_cost_complete,
        bool_or(unioned.capacity_billed) as capacity_billed
    from unioned
    group by
        unioned.day,
        unioned.feature,
        unioned.owner,
        unioned.team,
        unioned.model,
        unioned.provider,
        unioned.prompt_version,
        unioned.environment,
        unioned.allocation_variant
)

select * from final
