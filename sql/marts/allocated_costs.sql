-- allocated_costs
-- Purpose: what the reports read for billed cost: per day and attribution
--          dimensions, the logged model calls (operations, estimated cost,
--          tokens and estimated cost per token class) and the bill allocated
--          to them, plus the bill's unallocated or spread rows.
-- Grain:   one row per (day, feature, owner, team, model, provider,
--          prompt_version, environment, allocation_variant).
-- materialized: incremental_by_day
-- days: allocation_days
-- reads: charge_allocations, int_allocation_targets, allocation_days
-- allocation_variant as in charge_allocations: a report's default view sums
-- the rows 'both' + 'unallocated', --spread-unmatched sums 'both' + 'spread'.
-- Logged calls are in 'both' rows. allocated_*_cost: the sum of the
-- allocations to the row (NULL when no charge was allocated to it); whether
-- NULL means "not billed" (no bill loaded for that provider and day: the
-- cost is unknown) or 0 ("billed nothing") is decided by billing_coverage
-- when the report reads it, so a newly loaded bill needs no rebuild here.
-- Columns logged_<class>_tokens / estimated_<class>_cost: as in
-- int_allocation_targets (input = uncached input tokens; cache_write = 5m +
-- 1h writes, of which cache_write_1h the 1-hour ones); the reconciliation
-- report compares them with the bill.

with

targets as (
    select * from int_allocation_targets
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
        cast(null as decimal(38, 12)) as allocated_list_cost
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
        allocations.allocated_list_cost
    from allocations
),

unioned as (
    select * from logged
    union all
    select * from allocated
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
        sum(unioned.allocated_list_cost) as allocated_list_cost
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
