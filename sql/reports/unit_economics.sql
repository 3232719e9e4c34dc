-- unit_economics
-- Purpose: cost per unit of work per feature and period, and the value it
--          creates where the feature declares a value per unit.
-- Grain:   one row per (period_start, feature).
-- materialized: query
-- reads: feature_periods, operations_daily, operation_measures, cfg_features, allocated_costs, billing_coverage
-- Parameters: $period ('day' | 'week' | 'month'), $since, $until (UTC
--          timestamps or NULL; since inclusive, until exclusive), $full_from,
--          $full_to (the whole days inside [since, until), dates or NULL),
--          $currency, $cost ('effective' | 'billed' | 'list': which charge
--          amount the allocated cost is), $spread (true: unmatched charges
--          spread over their provider's operations; false: the row
--          'unallocated'), $share_idle (true: a capacity pool's idle cost
--          on the groups it served; false: the row 'idle capacity: <pool>').
-- Billed cost (allocated_costs): a row of a provider and day with a loaded
-- bill (billing_coverage) is 'billed': its allocated cost is known (0 when
-- no charge matched it); a row of a provider and day without one is
-- 'estimated': no allocated cost (NULL). The bill's own rows (unallocated,
-- spread) are billed. Capacity: the used cost of a pool-day is allocated to
-- the calls it served, which count as billed (allocated_costs.capacity_billed,
-- whatever their provider's token bill); its idle cost is the feature
-- 'idle capacity: <pool>', or with $share_idle allocated like the used cost.
-- Per period and feature: allocated_cost = the sum over
-- its billed rows (NULL when none); basis = 'billed' (every row billed),
-- 'estimated' (none), 'mixed'. A partial first or last day (a time of day in
-- --since/--until) has no allocation (the bill is per day): its calls count
-- as estimated. cost = the best known cost: allocated_cost ('billed'),
-- estimated_cost ('estimated'; NULL when every call is unpriced),
-- allocated_cost + the estimated cost of the rows without a bill ('mixed');
-- cost_per_unit = cost / units; rows are ordered by cost within a period.
-- net_value stays on the estimated cost.
-- A period wholly inside the whole days asked for (every period without
-- --since/--until) is read from feature_periods, whose distinct units were
-- counted at build time. The other periods' whole days are summed from the
-- daily rollup, and a partial first or last day (a --since/--until with a
-- time of day) from operation_measures, which the rollup is built from: all
-- three count the same way. owner: the feature's smallest (one per
-- configured feature).
-- Money is DECIMAL throughout; cost_per_unit is rounded half-up to 12
-- decimals by integer arithmetic (no float division). Unpriced calls are
-- counted, and the cost their sources reported is shown beside them: an
-- unknown cost is never a silent 0.

with

-- the length of the requested period, for whole-period tests (as the build's
-- aicost_period_end; reports do not load the build's macros)
period_length as (
    select case $period
        when 'day' then interval 1 day
        when 'week' then interval 7 day
        else interval 1 month
    end as length
),

-- periods wholly inside the whole days asked for: precomputed per feature
whole_periods as (
    select feature_periods.*
    from feature_periods
    cross join period_length
    where feature_periods.period = $period
        and ($full_from is null or feature_periods.day >= $full_from)
        and ($full_to is null
            or cast(feature_periods.day + period_length.length as date) <= $full_to)
),

-- the whole days of the other periods (cut by --since or --until)
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
    cross join period_length
    where ($full_from is not null or $full_to is not null)
        and ($full_from is null or operations_daily.day >= $full_from)
        and ($full_to is null or operations_daily.day < $full_to)
        and (
            date_trunc($period, cast(operations_daily.day as timestamp))
                < cast($full_from as timestamp)
            or date_trunc($period, cast(operations_daily.day as timestamp))
                + period_length.length > cast($full_to as timestamp)
        )
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

coverage as (
    select * from billing_coverage
),

allocation_rows as (
    select
        allocated_costs.day,
        allocated_costs.feature,
        allocated_costs.owner,
        allocated_costs.estimated_cost,
        case $cost
            when 'billed' then allocated_costs.allocated_billed_cost
            when 'list' then allocated_costs.allocated_list_cost
            else allocated_costs.allocated_effective_cost
        end as allocated_cost,
        -- a list cost the bill does not state is unknown: the estimate (at
        -- list prices) stands in, as for a day without a bill
        ($cost <> 'list' or allocated_costs.list_cost_complete) and (
            allocated_costs.operations = 0 or allocated_costs.capacity_billed or exists (
                select 1 from coverage
                where coverage.provider = allocated_costs.provider
                    and allocated_costs.day >= coverage.billing_period_from
                    and cast(allocated_costs.day as timestamp) < coverage.covered_until
            )
        ) as is_billed
    from allocated_costs
    where ($full_from is null or allocated_costs.day >= $full_from)
        and ($full_to is null or allocated_costs.day < $full_to)
        and allocated_costs.allocation_variant in (
            'both',
            case when $spread then 'spread' else 'unallocated' end,
            'capacity',
            case when $share_idle then 'idle_shared' else 'idle' end
        )
),

-- partial days: estimated only
partial_rows as (
    select
        partial_days.day,
        partial_days.feature,
        partial_days.owner,
        partial_days.estimated_cost,
        cast(null as decimal(38, 12)) as allocated_cost,
        false as is_billed
    from partial_days
    where partial_days.operations > 0
),

allocation_per_period as (
    select
        date_trunc($period, cast(billing_rows.day as timestamp)) as period_start,
        billing_rows.feature,
        min(billing_rows.owner) as owner,
        case when bool_or(billing_rows.is_billed) then
            sum(case when billing_rows.is_billed then coalesce(billing_rows.allocated_cost, 0) end)
        end as allocated_cost,
        sum(case when not billing_rows.is_billed then billing_rows.estimated_cost end)
            as unbilled_estimated_cost,
        case
            when bool_or(billing_rows.is_billed) and bool_or(not billing_rows.is_billed)
                then 'mixed'
            when bool_or(billing_rows.is_billed) then 'billed'
            else 'estimated'
        end as basis
    from (
        select * from allocation_rows
        union all
        select * from partial_rows
    ) as billing_rows
    group by date_trunc($period, cast(billing_rows.day as timestamp)), billing_rows.feature
),

counted as (
    select
        date_trunc($period, cast(measured.day as timestamp)) as period_start,
        measured.feature,
        min(measured.owner) as owner,
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

per_period as (
    select * from counted
    union all
    select
        cast(whole_periods.day as timestamp) as period_start,
        whole_periods.feature,
        whole_periods.owner,
        whole_periods.units,
        whole_periods.operations,
        whole_periods.failed_operations,
        whole_periods.input_tokens,
        whole_periods.cache_read_tokens,
        whole_periods.cache_write_tokens,
        whole_periods.output_tokens,
        case
            when whole_periods.operations > 0
                and whole_periods.unpriced_operations = whole_periods.operations
                then null
            else coalesce(whole_periods.estimated_cost, 0)
        end::decimal(38, 12) as estimated_cost,
        whole_periods.unpriced_operations,
        whole_periods.unpriced_source_cost::decimal(38, 12) as unpriced_source_cost,
        whole_periods.fallback_priced_operations
    from whole_periods
),

with_allocation as (
    select
        coalesce(per_period.period_start, allocation_per_period.period_start) as period_start,
        coalesce(per_period.feature, allocation_per_period.feature) as feature,
        coalesce(per_period.owner, allocation_per_period.owner) as owner,
        coalesce(per_period.units, 0) as units,
        coalesce(per_period.operations, 0) as operations,
        coalesce(per_period.failed_operations, 0) as failed_operations,
        coalesce(per_period.input_tokens, 0) as input_tokens,
        coalesce(per_period.cache_read_tokens, 0) as cache_read_tokens,
        coalesce(per_period.cache_write_tokens, 0) as cache_write_tokens,
        coalesce(per_period.output_tokens, 0) as output_tokens,
        -- the bill's rows without logged calls: nothing was estimated
        case
            when per_period.feature is null then cast(0 as decimal(38, 12))
            else per_period.estimated_cost
        end as estimated_cost,
        coalesce(per_period.unpriced_operations, 0) as unpriced_operations,
        per_period.unpriced_source_cost,
        coalesce(per_period.fallback_priced_operations, 0) as fallback_priced_operations,
        cast(allocation_per_period.allocated_cost as decimal(38, 12)) as allocated_cost,
        coalesce(allocation_per_period.basis, 'estimated') as basis,
        allocation_per_period.unbilled_estimated_cost
    from per_period
    full outer join allocation_per_period
        on per_period.period_start = allocation_per_period.period_start
        and per_period.feature = allocation_per_period.feature
),

costed as (
    select
        with_allocation.*,
        case with_allocation.basis
            when 'billed' then with_allocation.allocated_cost
            when 'mixed' then with_allocation.allocated_cost
                + coalesce(with_allocation.unbilled_estimated_cost, 0)
            else with_allocation.estimated_cost
        end as unit_cost
    from with_allocation
),

final as (
    select
        costed.period_start,
        costed.feature,
        costed.owner,
        costed.units,
        costed.operations,
        costed.failed_operations,
        costed.input_tokens,
        costed.cache_read_tokens,
        costed.cache_write_tokens,
        costed.output_tokens,
        costed.estimated_cost,
        costed.unpriced_operations,
        costed.unpriced_source_cost,
        costed.fallback_priced_operations,
        case
            when costed.units > 0 and costed.unit_cost >= 0 then
                ((costed.unit_cost * 1000000000000)::hugeint * 2 + costed.units)
                // (2 * costed.units)
                * 0.000000000001::decimal(13, 12)
            when costed.units > 0 then
                -(((-costed.unit_cost * 1000000000000)::hugeint * 2 + costed.units)
                // (2 * costed.units)
                * 0.000000000001::decimal(13, 12))
        end::decimal(38, 12) as cost_per_unit,
        configured_features.value_per_unit::decimal(38, 12) as value_per_unit,
        case
            when configured_features.value_per_unit is not null then
                configured_features.value_per_unit * costed.units - costed.estimated_cost
        end::decimal(38, 12) as net_value,
        costed.allocated_cost,
        costed.basis,
        cast(costed.unit_cost as decimal(38, 12)) as cost,
        $currency as currency
    from costed
    left join configured_features
        on costed.feature = configured_features.feature
)

select * from final
order by final.period_start, final.cost desc nulls last, final.feature
