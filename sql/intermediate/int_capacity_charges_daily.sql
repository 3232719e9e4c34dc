-- int_capacity_charges_daily
-- Purpose: amortise each capacity charge over the days of its charge period:
--          its effective cost, the idle amount the bill states and its hours
--          (running, reservation-covered, reserved), each spread exactly.
-- Grain:   one row per (pool, charge, day) for the charges whose period
--          overlaps the days being built (every day of such a charge's period
--          is computed, so its shares never depend on which days are built).
-- materialized: view
-- reads: int_capacity_charges, build_days
-- A charge's period [charge_period_start, charge_period_end) is cut at UTC
-- midnights; each day's weight is the seconds of the period that fall in it
-- (an hourly line: one day, weight 1 of 1; an RIFee for a 31-day month: 31
-- days of 86,400 s). A charge without an end, or ending at its start, is one
-- day (its start's). Each amount is spread in units of 1e-12 (exact
-- integers): every day gets floor(units * weight / total weight), and the
-- units left over (fewer than the days) go one each to the days with the
-- largest remainders, earlier day first on a tie. So a charge's days sum to
-- exactly its amount, and the same bill always gives the same days. A
-- negative amount (a credit) is spread by its absolute value, then negated.
-- Amounts up to 10^12 per charge over periods up to a year stay within
-- HUGEINT.

with

capacity_charges as (
    select * from int_capacity_charges
),

in_range as (
    select
        capacity_charges.*,
        case
            when capacity_charges.charge_period_end is null
                or capacity_charges.charge_period_end <= capacity_charges.charge_period_start
                then capacity_charges.charge_period_start + interval 1 second
            else capacity_charges.charge_period_end
        end as period_end
    from capacity_charges
    where capacity_charges.charge_period_start < aicost_build_until()
        and coalesce(
            capacity_charges.charge_period_end, capacity_charges.charge_period_start
        ) >= aicost_build_from()
),

charge_days as (
    select
        in_range.*,
        cast(unnest(generate_series(
            date_trunc('day', in_range.charge_period_start),
            in_range.period_end - interval 1 microsecond,
            interval 1 day
        )) as date) as day
    from in_range
),

weighted as (
    select
        charge_days.*,
        date_diff(
            'second',
            greatest(charge_days.charge_period_start, cast(charge_days.day as timestamp)),
            least(charge_days.period_end, cast(charge_days.day as timestamp) + interval 1 day)
        ) as day_weight
    from charge_days
),

-- A sub-second period (or a day it only touches for less than a second)
-- weighs 1: every day of a charge has a positive weight.
weights as (
    select
        weighted.* exclude (day_weight),
        greatest(weighted.day_weight, 1) as day_weight,
        sum(greatest(weighted.day_weight, 1)) over (
            partition by weighted.pool, weighted.billing_source, weighted.charge_id
        ) as total_weight
    from weighted
),

-- one row per (charge, day, measure): the three amounts spread alike
measures as (
    select
        weights.pool,
        weights.billing_source,
        weights.charge_id,
        weights.currency,
        weights.day,
        weights.day_weight,
        weights.total_weight,
        measure.name as measure,
        measure.amount
    from weights
    cross join lateral (
        select 'cost' as name, weights.effective_cost as amount
        union all
        select 'bill_idle' as name, weights.bill_idle_cost as amount
        union all
        select 'hours' as name, weights.usage_hours as amount
        union all
        select 'covered_hours' as name, weights.covered_hours as amount
        union all
        select 'reserved_hours' as name, weights.reserved_hours as amount
    ) as measure
    where measure.amount is not null
),

floors as (
    select
        measures.*,
        cast(abs(measures.amount) * 1000000000000 as hugeint) as amount_units,
        cast(abs(measures.amount) * 1000000000000 as hugeint) * measures.day_weight
            // measures.total_weight as floor_units,
        cast(abs(measures.amount) * 1000000000000 as hugeint) * measures.day_weight
            % measures.total_weight as remainder
    from measures
),

ranked as (
    select
        floors.*,
        floors.amount_units - sum(floors.floor_units) over (
            partition by floors.pool, floors.billing_source, floors.charge_id, floors.measure
        ) as leftover_units,
        row_number() over (
            partition by floors.pool, floors.billing_source, floors.charge_id, floors.measure
            order by floors.remainder desc, floors.day
        ) as remainder_rank
    from floors
),

spread as (
    select
        ranked.pool,
        ranked.billing_source,
        ranked.charge_id,
        ranked.currency,
        ranked.day,
        ranked.measure,
        sign(ranked.amount)
        * cast(
            ranked.floor_units + case when ranked.remainder_rank <= ranked.leftover_units then 1 else 0 end
            as decimal(38, 0)
        )
        * 0.000000000001::decimal(13, 12) as amount
    from ranked
),

final as (
    select
        spread.pool,
        spread.billing_source,
        spread.charge_id,
        spread.currency,
        spread.day,
        cast(sum(case when spread.measure = 'cost' then spread.amount end) as decimal(38, 12))
            as amortised_cost,
        cast(sum(case when spread.measure = 'bill_idle' then spread.amount end) as decimal(38, 12))
            as bill_idle_cost,
        cast(sum(case when spread.measure = 'hours' then spread.amount end) as decimal(38, 12))
            as usage_hours,
        cast(sum(case when spread.measure = 'covered_hours' then spread.amount end)
            as decimal(38, 12)) as covered_hours,
        cast(sum(case when spread.measure = 'reserved_hours' then spread.amount end)
            as decimal(38, 12)) as reserved_hours
    from spread
    group by spread.pool, spread.billing_source, spread.charge_id, spread.currency, spread.day
)

select * from final
