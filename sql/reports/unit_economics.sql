-- unit_economics
-- Purpose: cost per unit of work per feature and period, and the value it
--          creates where the feature declares a value per unit.
-- Grain:   one row per (period_start, feature).
-- materialized: query
-- reads: operations_daily, operation_measures, cfg_features
-- Parameters: $period ('day' | 'week' | 'month'), $since, $until (UTC
--          timestamps or NULL; since inclusive, until exclusive), $full_from,
--          $full_to (the whole days inside [since, until), dates or NULL),
--          $currency.
-- Whole days are summed from the daily rollup; a partial first or last day
-- (a --since/--until with a time of day) from operation_measures, which the
-- rollup is built from: both count the same way.
-- Money is DECIMAL throughout; cost_per_unit is rounded half-up to 12
-- decimals by integer arithmetic (no float division). Unpriced calls are
-- counted, and the cost their sources reported is shown beside them: an
-- unknown cost is never a silent 0.

with

whole_days as (
    select
        operations_daily.day,
        operations_daily.feature,
        operations_daily.owner,
        operations_daily.unit_key,
        operations_daily.operations,
        operations_daily.failed_operations,
        operations_daily.input_tokens,
        operations_daily.cache_read_tokens,
        operations_daily.cache_write_tokens,
        operations_daily.output_tokens,
        operations_daily.estimated_cost,
        operations_daily.unpriced_operations,
        operations_daily.unpriced_source_cost,
        operations_daily.fallback_priced_operations
    from operations_daily
    where ($full_from is null or operations_daily.day >= $full_from)
        and ($full_to is null or operations_daily.day < $full_to)
),

partial_days as (
    select
        operation_measures.day,
        operation_measures.feature,
        operation_measures.owner,
        operation_measures.unit_key,
        operation_measures.operations,
        operation_measures.failed_operations,
        operation_measures.input_tokens,
        operation_measures.cache_read_tokens,
        operation_measures.cache_write_tokens,
        operation_measures.output_tokens,
        operation_measures.estimated_cost,
        operation_measures.unpriced_operations,
        operation_measures.unpriced_source_cost,
        operation_measures.fallback_priced_operations
    from operation_measures
    where ($since is not null or $until is not null)
        and ($since is null or operation_measures.started_at >= $since)
        and ($until is null or operation_measures.started_at < $until)
        and not (
            ($full_from is null or operation_measures.day >= $full_from)
            and ($full_to is null or operation_measures.day < $full_to)
        )
),

measured as (
    select * from whole_days
    union all
    select * from partial_days
),

configured_features as (
    select * from cfg_features
),

per_period as (
    select
        date_trunc($period, cast(measured.day as timestamp)) as period_start,
        measured.feature,
        any_value(measured.owner) as owner,
        count(distinct measured.unit_key) as units,
        coalesce(sum(measured.operations), 0)::bigint as operations,
        coalesce(sum(measured.failed_operations), 0)::bigint as failed_operations,
        coalesce(sum(measured.input_tokens), 0)::bigint as input_tokens,
        coalesce(sum(measured.cache_read_tokens), 0)::bigint as cache_read_tokens,
        coalesce(sum(measured.cache_write_tokens), 0)::bigint as cache_write_tokens,
        coalesce(sum(measured.output_tokens), 0)::bigint as output_tokens,
        -- a feature whose every call is unpriced has no known cost: NULL, never 0
        case
            when sum(measured.operations) > 0
                and sum(measured.unpriced_operations) = sum(measured.operations)
                then null
            else coalesce(sum(measured.estimated_cost), 0)
        end::decimal(38, 12) as estimated_cost,
        coalesce(sum(measured.unpriced_operations), 0)::bigint as unpriced_operations,
        sum(measured.unpriced_source_cost)::decimal(38, 12) as unpriced_source_cost,
        coalesce(sum(measured.fallback_priced_operations), 0)::bigint
            as fallback_priced_operations
    from measured
    group by date_trunc($period, cast(measured.day as timestamp)), measured.feature
),

final as (
    select
        per_period.period_start,
        per_period.feature,
        per_period.owner,
        per_period.units,
        per_period.operations,
        per_period.failed_operations,
        per_period.input_tokens,
        per_period.cache_read_tokens,
        per_period.cache_write_tokens,
        per_period.output_tokens,
        per_period.estimated_cost,
        per_period.unpriced_operations,
        per_period.unpriced_source_cost,
        per_period.fallback_priced_operations,
        case
            when per_period.units > 0 then
                ((per_period.estimated_cost * 1000000000000)::hugeint * 2 + per_period.units)
                // (2 * per_period.units)
                * 0.000000000001::decimal(13, 12)
        end::decimal(38, 12) as cost_per_unit,
        configured_features.value_per_unit::decimal(38, 12) as value_per_unit,
        case
            when configured_features.value_per_unit is not null then
                configured_features.value_per_unit * per_period.units - per_period.estimated_cost
        end::decimal(38, 12) as net_value,
        $currency as currency
    from per_period
    left join configured_features
        on per_period.feature = configured_features.feature
)

select * from final
order by final.period_start, final.estimated_cost desc, final.feature
