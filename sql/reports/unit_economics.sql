-- unit_economics
-- Purpose: cost per unit of work per feature and period, and the value it
--          creates where the feature declares a value per unit.
-- Grain:   one row per (period_start, feature).
-- Parameters: $period ('day' | 'week' | 'month'), $since, $until (UTC
--          timestamps or NULL; since inclusive, until exclusive), $currency.
-- Money is DECIMAL throughout; cost_per_unit is rounded half-up to 12
-- decimals by integer arithmetic (no float division).

with

facts as (
    select * from operation_facts
    where ($since is null or operation_facts.started_at >= $since)
      and ($until is null or operation_facts.started_at < $until)
),

per_period as (
    select
        date_trunc($period, facts.started_at) as period_start,
        facts.feature,
        any_value(facts.owner) as owner,
        count(distinct facts.unit_key) as units,
        count(*) filter (where facts.is_model_call) as operations,
        count(*) filter (where facts.is_model_call and facts.status = 'error') as failed_operations,
        coalesce(sum(facts.input_tokens) filter (where facts.is_model_call), 0)::bigint
            as input_tokens,
        coalesce(sum(facts.cache_read_tokens) filter (where facts.is_model_call), 0)::bigint
            as cache_read_tokens,
        coalesce(sum(facts.cache_write_tokens) filter (where facts.is_model_call), 0)::bigint
            as cache_write_tokens,
        coalesce(sum(facts.output_tokens) filter (where facts.is_model_call), 0)::bigint
            as output_tokens,
        coalesce(sum(facts.estimated_cost), 0)::decimal(38, 12) as estimated_cost,
        count(*) filter (where facts.pricing_status = 'unpriced') as unpriced_operations,
        any_value(facts.value_per_unit) as value_per_unit
    from facts
    group by date_trunc($period, facts.started_at), facts.feature
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
        case
            when per_period.units > 0 then
                ((per_period.estimated_cost * 1000000000000)::hugeint * 2 + per_period.units)
                // (2 * per_period.units)
                * 0.000000000001::decimal(13, 12)
        end::decimal(38, 12) as cost_per_unit,
        per_period.value_per_unit::decimal(38, 12) as value_per_unit,
        case
            when per_period.value_per_unit is not null then
                per_period.value_per_unit * per_period.units - per_period.estimated_cost
        end::decimal(38, 12) as net_value,
        $currency as currency
    from per_period
)

select * from final
order by final.period_start, final.estimated_cost desc, final.feature
