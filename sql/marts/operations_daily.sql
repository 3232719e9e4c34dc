-- operations_daily
-- Purpose: the daily rollup the reports sum instead of scanning every
--          operation: operation_measures summed per day and dimension.
-- Grain:   one row per (day, feature, owner, team, model, provider,
--          prompt_version, environment, unit_key, currency). unit_key is in
--          the grain so that reports count distinct units over any period.
-- materialized: incremental_by_day
-- reads: operation_measures, build_days
-- Audit assert_rollup_matches_operations checks every rebuilt day against
-- the fact table.

with

measures as (
    select * from operation_measures
    where operation_measures.day >= cast(aicost_build_from() as date)
        and operation_measures.day < cast(aicost_build_until() as date)
        and operation_measures.day in (select build_days.day from build_days)
),

final as (
    select
        measures.day,
        measures.feature,
        measures.owner,
        measures.team,
        measures.model,
        measures.provider,
        measures.prompt_version,
        measures.environment,
        measures.unit_key,
        measures.currency,
        cast(sum(measures.operations) as bigint) as operations,
        cast(sum(measures.failed_operations) as bigint) as failed_operations,
        cast(sum(measures.input_tokens) as bigint) as input_tokens,
        cast(sum(measures.cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(measures.cache_write_tokens) as bigint) as cache_write_tokens,
        cast(sum(measures.output_tokens) as bigint) as output_tokens,
        cast(sum(measures.reasoning_tokens) as bigint) as reasoning_tokens,
        sum(measures.estimated_cost) as estimated_cost,
        cast(sum(measures.unpriced_operations) as bigint) as unpriced_operations,
        sum(measures.unpriced_source_cost) as unpriced_source_cost,
        cast(sum(measures.fallback_priced_operations) as bigint) as fallback_priced_operations
    from measures
    group by
        measures.day,
        measures.feature,
        measures.owner,
        measures.team,
        measures.model,
        measures.provider,
        measures.prompt_version,
        measures.environment,
        measures.unit_key,
        measures.currency
)

select * from final
