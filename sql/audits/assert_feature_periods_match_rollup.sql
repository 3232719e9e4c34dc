-- assert_feature_periods_match_rollup
-- For every rebuilt period (build_periods) and feature, feature_periods holds
-- one row, with the daily rollup's sums over all the period's days (model
-- calls, tokens, estimated cost, unpriced calls) and units that a distinct
-- count allows:
-- a day's units are at most its rollup rows (a unit key can be NULL: a
-- 'request' unit's non-model spans); a week's or a month's are at least its
-- busiest day's and at most the sum of its days'.
-- reads: feature_periods, operations_daily, build_periods

with

scoped as (
    select
        feature_periods.*,
        count(*) over (
            partition by feature_periods.period, feature_periods.day, feature_periods.feature
        ) as copies
    from feature_periods
    where exists (
        select 1 from build_periods
        where build_periods.period = feature_periods.period
            and build_periods.day = feature_periods.day
    )
),

-- the rollup per day and feature (the days every rebuilt period spans),
-- then per period
rollup_days as (
    select
        operations_daily.day,
        operations_daily.feature,
        count(*) as rollup_rows,
        sum(operations_daily.operations) as operations,
        sum(operations_daily.input_tokens + operations_daily.output_tokens) as tokens,
        sum(operations_daily.estimated_cost) as estimated_cost,
        sum(operations_daily.unpriced_operations) as unpriced_operations
    from operations_daily
    where operations_daily.day >= aicost_build_periods_from()
        and operations_daily.day < aicost_build_periods_until()
    group by operations_daily.day, operations_daily.feature
),

from_rollup as (
    select
        build_periods.period,
        build_periods.day,
        rollup_days.feature,
        sum(rollup_days.rollup_rows) as rollup_rows,
        sum(rollup_days.operations) as operations,
        sum(rollup_days.tokens) as tokens,
        sum(rollup_days.estimated_cost) as estimated_cost,
        sum(rollup_days.unpriced_operations) as unpriced_operations
    from rollup_days
    cross join (values ('day'), ('week'), ('month')) as periods (period)
    inner join build_periods
        on build_periods.period = periods.period
        and build_periods.day = aicost_period_start(periods.period, rollup_days.day)
    group by build_periods.period, build_periods.day, rollup_days.feature
),

day_units as (
    select
        periods.period,
        periods.day,
        days.feature,
        max(days.units) as busiest_day_units,
        sum(days.units) as summed_day_units
    from scoped as periods
    inner join feature_periods as days
        on days.period = 'day'
        and days.feature = periods.feature
        and days.day >= periods.day
        and days.day < aicost_period_end(periods.period, periods.day)
    group by periods.period, periods.day, days.feature
)

select
    coalesce(scoped.period, from_rollup.period) as period,
    coalesce(scoped.day, from_rollup.day) as day,
    coalesce(scoped.feature, from_rollup.feature) as feature
from scoped
full outer join from_rollup
    on scoped.period = from_rollup.period
    and scoped.day = from_rollup.day
    and scoped.feature = from_rollup.feature
left join day_units
    on day_units.period = scoped.period
    and day_units.day = scoped.day
    and day_units.feature = scoped.feature
where scoped.operations is distinct from from_rollup.operations
    or scoped.input_tokens + scoped.output_tokens is distinct from from_rollup.tokens
    or scoped.estimated_cost is distinct from from_rollup.estimated_cost
    or scoped.unpriced_operations is distinct from from_rollup.unpriced_operations
    or scoped.copies > 1
    or scoped.units < 0
    or (scoped.period = 'day' and scoped.units > from_rollup.rollup_rows)
    or scoped.units < day_units.busiest_day_units
    or scoped.units > day_units.summed_day_units
    or day_units.feature is null
