-- capacity_daily
-- Purpose: what each capacity pool cost per day, amortised, what it served
--          (the operations of the models it serves, that day), how much of it
--          was used, and what the served tokens would have cost at the list
--          price of the API model the pool is compared with.
-- Grain:   one row per (pool, day, currency): currency is the reporting
--          currency (int_capacity_charges converts a line billed in another
--          one with [exchange_rates]); a pool-day with served operations and no
--          charge has one row with currency and amortised_cost NULL (the bill
--          does not cover it yet). Served measures are the pool-day's, on each
--          of its currency rows.
-- materialized: incremental_by_day
-- reads: int_capacity_charges_daily, operations_daily, cfg_capacity_pools, cfg_capacity_pool_models, cfg_settings, cfg_exchange_rates, int_prices_effective, build_days
-- Columns:
--   amortised_cost         effective cost of the pool's charges spread over
--                          the days of their charge periods
--   charges                the pool's charges with a share in the day
--   hours                  the hours paid for: hours of the running lines,
--                          where the pool's reservation fees (RIFee) bill more
--                          hours than its reservation-covered lines ran, the
--                          reserved hours instead of the covered ones (a
--                          reserved hour that did not run is capacity paid
--                          for); NULL: no running line and no reservation fee
--   operations, input_tokens, output_tokens, tokens
--                          model calls of the pool's models that day, their
--                          input (cache reads and writes included) and output
--                          tokens; tokens = input + output
--   capacity_tokens        hours x capacity_tokens_per_hour, rounded half up
--                          to whole tokens (NULL: either unknown)
--   utilisation            tokens / capacity_tokens, 6 decimals (rounded
--                          half up; above 1 when more was served than the
--                          configured capacity: check the config)
--   utilisation_idle_cost  amortised_cost x (1 - min(utilisation, 1)), exact,
--                          rounded half-even to 12 decimals (NULL: unknown)
--   bill_idle_cost         idle the bill itself states (RIFee unused part,
--                          SP unused commitment, split unused cost; NULL:
--                          the bill states none for the pool-day)
--   idle_cost, idle_basis  the idle cost allocations leave out: the whole
--                          amortised cost when nothing was served
--                          ('no_operations'), else utilisation_idle_cost
--                          ('utilisation'), else bill_idle_cost ('bill'), else
--                          NULL (no idle is known: all of the cost is used)
--   used_cost              amortised_cost - coalesce(idle_cost, 0)
--   comparable_model, comparable_list_cost
--                          the served tokens at the comparable model's list
--                          rates in effect at the start of the day (standard
--                          tier, base band; input rate for all input tokens,
--                          output rate for output), in the row's currency (a
--                          price in another one converted with
--                          [exchange_rates]): NULL when no comparable model,
--                          no such price, or no rate for its currency

with

charge_days as (
    select * from int_capacity_charges_daily
    where int_capacity_charges_daily.day in (select build_days.day from build_days)
),

rollup as (
    select * from operations_daily
    where operations_daily.day >= cast(aicost_build_from() as date)
        and operations_daily.day < cast(aicost_build_until() as date)
        and operations_daily.day in (select build_days.day from build_days)
),

pools as (
    select * from cfg_capacity_pools
),

pool_models as (
    select * from cfg_capacity_pool_models
),

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

exchange_rates as (
    select * from cfg_exchange_rates
),

list_prices as (
    select * from int_prices_effective
    where int_prices_effective.service_tier = 'standard'
        and int_prices_effective.threshold_tokens = 0
),

pool_costs as (
    select
        charge_days.pool,
        charge_days.day,
        charge_days.currency,
        count(distinct charge_days.billing_source || '|' || charge_days.charge_id) as charges,
        sum(charge_days.amortised_cost) as amortised_cost,
        sum(charge_days.bill_idle_cost) as bill_idle_cost,
        sum(charge_days.usage_hours) as running_hours,
        sum(charge_days.covered_hours) as covered_hours,
        sum(charge_days.reserved_hours) as reserved_hours
    from charge_days
    group by charge_days.pool, charge_days.day, charge_days.currency
),

pool_hours as (
    select
        pool_costs.* exclude (running_hours, covered_hours, reserved_hours),
        case
            when pool_costs.reserved_hours is null then pool_costs.running_hours
            else coalesce(pool_costs.running_hours, 0) - coalesce(pool_costs.covered_hours, 0)
                + greatest(coalesce(pool_costs.covered_hours, 0), pool_costs.reserved_hours)
        end as hours
    from pool_costs
),

served as (
    select
        pool_models.pool,
        rollup.day,
        sum(rollup.operations) as operations,
        sum(rollup.input_tokens) as input_tokens,
        sum(rollup.output_tokens) as output_tokens
    from rollup
    inner join pool_models
        on rollup.model = pool_models.model_key
    group by pool_models.pool, rollup.day
),

pool_days as (
    select
        coalesce(pool_hours.pool, served.pool) as pool,
        coalesce(pool_hours.day, served.day) as day,
        pool_hours.currency,
        coalesce(pool_hours.charges, 0) as charges,
        pool_hours.amortised_cost,
        pool_hours.bill_idle_cost,
        pool_hours.hours,
        coalesce(served.operations, 0) as operations,
        coalesce(served.input_tokens, 0) as input_tokens,
        coalesce(served.output_tokens, 0) as output_tokens
    from pool_hours
    full outer join served
        on pool_hours.pool = served.pool
        and pool_hours.day = served.day
),

with_capacity as (
    select
        pool_days.*,
        pool_days.input_tokens + pool_days.output_tokens as tokens,
        pools.comparable_model,
        cast(
            round(pool_days.hours * pools.capacity_tokens_per_hour) as hugeint
        ) as capacity_tokens,
        cast(pool_days.amortised_cost * 1000000000000 as hugeint) as cost_units
    from pool_days
    inner join pools
        on pool_days.pool = pools.pool
),

-- utilisation and the cost of the unused part, in integer arithmetic
-- (no float division): idle units = cost units x unused / capacity,
-- rounded half-even; a negative cost (credits) is rounded on its magnitude
utilised as (
    select
        with_capacity.*,
        case
            when with_capacity.capacity_tokens > 0 then
                cast(
                    (cast(with_capacity.tokens as hugeint) * 2000000 + with_capacity.capacity_tokens)
                    // (2 * with_capacity.capacity_tokens)
                    as decimal(38, 0)
                ) * 0.000001::decimal(7, 6)
        end as utilisation,
        case
            when with_capacity.capacity_tokens > 0 and with_capacity.cost_units is not null then
                greatest(with_capacity.capacity_tokens - with_capacity.tokens, 0)
        end as unused_tokens
    from with_capacity
),

idle_rounded as (
    select
        utilised.*,
        abs(utilised.cost_units) * utilised.unused_tokens // utilised.capacity_tokens
            as idle_whole_units,
        abs(utilised.cost_units) * utilised.unused_tokens % utilised.capacity_tokens
            as idle_remainder
    from utilised
),

with_idle as (
    select
        idle_rounded.* exclude (utilisation),
        cast(idle_rounded.utilisation as decimal(18, 6)) as utilisation,
        cast(
            sign(idle_rounded.cost_units)
            * cast(
                idle_rounded.idle_whole_units
                + case
                    when idle_rounded.idle_remainder * 2 > idle_rounded.capacity_tokens
                        or (idle_rounded.idle_remainder * 2 = idle_rounded.capacity_tokens
                            and idle_rounded.idle_whole_units % 2 = 1)
                        then 1
                    else 0
                end
                as decimal(38, 0)
            )
            * 0.000000000001::decimal(13, 12)
            as decimal(38, 12)
        ) as utilisation_idle_cost
    from idle_rounded
),

with_basis as (
    select
        with_idle.*,
        case
            when with_idle.amortised_cost is null then null
            when with_idle.tokens = 0 then 'no_operations'
            when with_idle.utilisation_idle_cost is not null then 'utilisation'
            when with_idle.bill_idle_cost is not null then 'bill'
        end as idle_basis
    from with_idle
),

priced as (
    select
        with_basis.*,
        case
            when list_prices.price_id is not null then aicost_to_reporting(
                cast(
                    cast(with_basis.input_tokens as decimal(38, 0))
                    * coalesce(list_prices.input_per_token, 0)
                    + cast(with_basis.output_tokens as decimal(38, 0))
                    * coalesce(list_prices.output_per_token, 0)
                    as decimal(38, 12)
                ),
                list_prices.currency,
                coalesce(with_basis.currency, settings.reporting_currency),
                exchange_rates.rate
            )
        end as comparable_list_cost
    from with_basis
    cross join settings
    left join list_prices
        on with_basis.comparable_model = list_prices.model_key
        and list_prices.effective_from <= cast(with_basis.day as timestamp)
        and (list_prices.effective_to is null
            or list_prices.effective_to > cast(with_basis.day as timestamp))
    left join exchange_rates
        on list_prices.currency = exchange_rates.currency
),

final as (
    select
        priced.day,
        priced.pool,
        priced.currency,
        cast(priced.charges as bigint) as charges,
        cast(priced.amortised_cost as decimal(38, 12)) as amortised_cost,
        cast(priced.hours as decimal(38, 12)) as hours,
        cast(priced.operations as bigint) as operations,
        cast(priced.input_tokens as bigint) as input_tokens,
        cast(priced.output_tokens as bigint) as output_tokens,
        cast(priced.tokens as bigint) as tokens,
        cast(priced.capacity_tokens as bigint) as capacity_tokens,
        priced.utilisation,
        priced.utilisation_idle_cost,
        cast(priced.bill_idle_cost as decimal(38, 12)) as bill_idle_cost,
        cast(
            case priced.idle_basis
                when 'no_operations' then priced.amortised_cost
                when 'utilisation' then priced.utilisation_idle_cost
                when 'bill' then priced.bill_idle_cost
            end
            as decimal(38, 12)
        ) as idle_cost,
        priced.idle_basis,
        cast(
            priced.amortised_cost
            - coalesce(
                case priced.idle_basis
                    when 'no_operations' then priced.amortised_cost
                    when 'utilisation' then priced.utilisation_idle_cost
                    when 'bill' then priced.bill_idle_cost
                end,
                0
            )
            as decimal(38, 12)
        ) as used_cost,
        priced.comparable_model,
        cast(priced.comparable_list_cost as decimal(38, 12)) as comparable_list_cost
    from priced
)

select * from final
