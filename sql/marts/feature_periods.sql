-- feature_periods
-- Purpose: per feature and calendar period (day, ISO week, month): its
--          distinct units of work and its summed measures, so that
--          unit-economics over whole periods reads a few rows instead of
--          counting distinct units over the daily rollup (1.7M (month,
--          feature, unit) groups at 10M operations: most of that report's
--          time).
-- Grain:   one row per (period, day, feature); day is the period's first day
--          (weeks start on Monday, as date_trunc('week') does).
-- materialized: incremental_by_day
-- days: build_periods
-- reads: operations_daily, build_periods
-- Rebuilt per period, not per day: the build deletes the periods that contain
-- a rebuilt day (build_periods) and this model computes each of them over all
-- its days, from the daily rollup, so its distinct units are counted whole.
-- Measures are operations_daily's sums, and the report applies the same rules
-- to them (a feature whose every call is unpriced has no known cost) as to
-- the rows it sums itself. owner: the smallest, as unit_economics takes it.
-- Audit assert_feature_periods_match_rollup checks every rebuilt period
-- against the rollup.

with

-- the daily rollup of every day a rebuilt period spans: a constant range
-- (zone maps skip the rest), then the periods themselves
rollup as (
    select * from operations_daily
    where operations_daily.day >= aicost_build_periods_from()
        and operations_daily.day < aicost_build_periods_until()
),

-- each rollup row once per period kind, with the first day of its period
by_period as (
    select
        periods.period,
        aicost_period_start(periods.period, rollup.day) as day,
        rollup.feature,
        rollup.owner,
        rollup.unit_key,
        rollup.operations,
        rollup.failed_operations,
        rollup.input_tokens,
        rollup.cache_read_tokens,
        rollup.cache_write_tokens,
        rollup.output_tokens,
        rollup.estimated_cost,
        rollup.unpriced_operations,
        rollup.unpriced_source_cost,
        rollup.fallback_priced_operations
    from rollup
    cross join (values ('day'), ('week'), ('month')) as periods (period)
),

in_periods as (
    select by_period.*
    from by_period
    inner join build_periods
        on by_period.period = build_periods.period
        and by_period.day = build_periods.day
),

final as (
    select
        in_periods.period,
        in_periods.day,
        in_periods.feature,
        min(in_periods.owner) as owner,
        count(distinct in_periods.unit_key) as units,
        cast(sum(in_periods.operations) as bigint) as operations,
        cast(sum(in_periods.failed_operations) as bigint) as failed_operations,
        cast(sum(in_periods.input_tokens) as bigint) as input_tokens,
        cast(sum(in_periods.cache_read_tokens) as bigint) as cache_read_tokens,
        cast(sum(in_periods.cache_write_tokens) as bigint) as cache_write_tokens,
        cast(sum(in_periods.output_tokens) as bigint) as output_tokens,
        sum(in_periods.estimated_cost) as estimated_cost,
        cast(sum(in_periods.unpriced_operations) as bigint) as unpriced_operations,
        sum(in_periods.unpriced_source_cost) as unpriced_source_cost,
        cast(sum(in_periods.fallback_priced_operations) as bigint)
            as fallback_priced_operations
    from in_periods
    group by in_periods.period, in_periods.day, in_periods.feature
)

select * from final
