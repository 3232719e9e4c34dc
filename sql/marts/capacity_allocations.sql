-- capacity_allocations
-- Purpose: each capacity pool-day's cost allocated to the operation groups it
--          served, in proportion to their tokens: the used cost always, and
--          the idle cost beside it (added only when the user shares idle:
--          `aicost report capacity --share-idle`).
-- Grain:   one row per (pool, currency, and operations_daily's grain: day,
--          feature, owner, team, model, provider, prompt_version,
--          environment, unit_key) for the pool-days that have a cost and
--          served tokens. currency is the pool cost's (the bill's); the group
--          columns are operations_daily's, so capacity cost joins the rollup
--          on them.
-- materialized: incremental_by_day
-- reads: capacity_daily, operations_daily, cfg_capacity_pool_models, build_days
-- Allocation (for used_cost and idle_cost alike, each on its own): in units
-- of 1e-12, every group gets floor(units x group tokens / pool-day tokens);
-- the units left over (fewer than the groups) go one each to the groups with
-- the largest remainders, ties in the order of the group columns. So the
-- groups of a pool-day sum to exactly its used_cost and idle_cost (audit
-- assert_capacity_allocations_exact). A pool-day with a cost and no served
-- tokens has no rows here: its whole cost stays idle in capacity_daily. A
-- negative amount (credits) is allocated by its absolute value, then negated.

with

pool_days as (
    select * from capacity_daily
    where capacity_daily.day in (select build_days.day from build_days)
        and capacity_daily.amortised_cost is not null
        and capacity_daily.tokens > 0
),

rollup as (
    select * from operations_daily
    where operations_daily.day >= cast(aicost_build_from() as date)
        and operations_daily.day < cast(aicost_build_until() as date)
        and operations_daily.day in (select build_days.day from build_days)
),

pool_models as (
    select * from cfg_capacity_pool_models
),

groups as (
    select
        pool_days.pool,
        pool_days.currency,
        rollup.day,
        rollup.feature,
        rollup.owner,
        rollup.team,
        rollup.model,
        rollup.provider,
        rollup.prompt_version,
        rollup.environment,
        rollup.unit_key,
        rollup.operations,
        rollup.input_tokens + rollup.output_tokens as tokens,
        pool_days.tokens as pool_tokens,
        pool_days.used_cost,
        coalesce(pool_days.idle_cost, 0) as idle_cost
    from pool_days
    inner join pool_models
        on pool_days.pool = pool_models.pool
    inner join rollup
        on pool_days.day = rollup.day
        and rollup.model = pool_models.model_key
),

measures as (
    select
        groups.* exclude (used_cost, idle_cost),
        measure.name as measure,
        measure.amount
    from groups
    cross join lateral (
        select 'used' as name, groups.used_cost as amount
        union all
        select 'idle' as name, groups.idle_cost as amount
    ) as measure
),

floors as (
    select
        measures.*,
        cast(abs(measures.amount) * 1000000000000 as hugeint) as amount_units,
        cast(abs(measures.amount) * 1000000000000 as hugeint) * measures.tokens
            // measures.pool_tokens as floor_units,
        cast(abs(measures.amount) * 1000000000000 as hugeint) * measures.tokens
            % measures.pool_tokens as remainder
    from measures
),

ranked as (
    select
        floors.*,
        floors.amount_units - sum(floors.floor_units) over (
            partition by floors.pool, floors.currency, floors.day, floors.measure
        ) as leftover_units,
        row_number() over (
            partition by floors.pool, floors.currency, floors.day, floors.measure
            order by
                floors.remainder desc,
                floors.feature,
                floors.owner,
                floors.team,
                floors.model,
                floors.provider,
                floors.prompt_version,
                floors.environment,
                floors.unit_key nulls first
        ) as remainder_rank
    from floors
),

allocated as (
    select
        ranked.*,
        sign(ranked.amount)
        * cast(
            ranked.floor_units + case when ranked.remainder_rank <= ranked.leftover_units then 1 else 0 end
            as decimal(38, 0)
        )
        * 0.000000000001::decimal(13, 12) as share
    from ranked
),

final as (
    select
        allocated.day,
        allocated.pool,
        allocated.feature,
        allocated.owner,
        allocated.team,
        allocated.model,
        allocated.provider,
        allocated.prompt_version,
        allocated.environment,
        allocated.unit_key,
        allocated.currency,
        cast(any_value(allocated.operations) as bigint) as operations,
        cast(any_value(allocated.tokens) as bigint) as tokens,
        cast(sum(case when allocated.measure = 'used' then allocated.share end) as decimal(38, 12))
            as used_cost,
        cast(sum(case when allocated.measure = 'idle' then allocated.share end) as decimal(38, 12))
            as idle_cost
    from allocated
    group by
        allocated.day,
        allocated.pool,
        allocated.feature,
        allocated.owner,
        allocated.team,
        allocated.model,
        allocated.provider,
        allocated.prompt_version,
        allocated.environment,
        allocated.unit_key,
        allocated.currency
)

select * from final
