-- capacity
-- Purpose: what each reserved or provisioned capacity pool cost per period,
--          what it served, how much of it was used, its cost per million
--          tokens with and without its idle part, beside the list price of
--          the API model it is compared with.
-- Grain:   one row per (period_start, pool, currency); currency is the
--          reporting currency (lines billed in another are converted).
--          Pool-days with served operations and no charge yet are
--          their own row with currency and costs NULL (unknown, not 0).
-- materialized: query
-- reads: capacity_daily
-- Parameters: $period ('day' | 'week' | 'month'), $share_idle (boolean),
--   $since / $until (dates or NULL: the days [since, until)).
-- Columns (sums of capacity_daily over the period's days unless said):
--   utilisation            tokens / capacity_tokens over the days whose
--                          capacity is known (6 decimals, half up)
--   utilisation_idle_cost  summed over the days where it is known
--   bill_idle_cost         idle the bill states (NULL: it states none)
--   idle_cost              the idle allocations leave out (capacity_daily)
--   allocated_cost         what the operations carry: the used cost, plus
--                          the idle cost of the days that served tokens with
--                          $share_idle; unallocated_cost is the rest (the
--                          idle kept at the pool: all of it without
--                          $share_idle, the days that served nothing with it)
--   cost_per_mtok          amortised_cost per 1,000,000 tokens (with idle)
--   used_cost_per_mtok     used cost per 1,000,000 tokens (without idle)
--   list_per_mtok          the comparable model's list price per 1,000,000
--                          tokens, blended at the pool's own input/output mix:
--                          sum(comparable_list_cost) / the tokens of the days
--                          where it is known x 1,000,000
-- Per-million figures are rounded half up to 12 decimals by integer
-- arithmetic (no float division); NULL when no tokens were served.

with

pool_days as (
    select * from capacity_daily
    where ($since is null or capacity_daily.day >= cast($since as date))
        and ($until is null or capacity_daily.day < cast($until as date))
),

per_period as (
    select
        date_trunc($period, cast(pool_days.day as timestamp)) as period_start,
        pool_days.pool,
        pool_days.currency,
        sum(pool_days.amortised_cost) as amortised_cost,
        sum(pool_days.hours) as hours,
        coalesce(sum(pool_days.operations), 0) as operations,
        coalesce(sum(pool_days.input_tokens), 0) as input_tokens,
        coalesce(sum(pool_days.output_tokens), 0) as output_tokens,
        coalesce(sum(pool_days.tokens), 0) as tokens,
        sum(pool_days.capacity_tokens) as capacity_tokens,
        sum(case when pool_days.capacity_tokens is not null then pool_days.tokens end)
            as tokens_with_capacity,
        sum(pool_days.utilisation_idle_cost) as utilisation_idle_cost,
        sum(pool_days.bill_idle_cost) as bill_idle_cost,
        sum(pool_days.idle_cost) as idle_cost,
        sum(pool_days.used_cost) as used_cost,
        sum(case when pool_days.tokens > 0 then pool_days.idle_cost end) as shareable_idle_cost,
        any_value(pool_days.comparable_model) as comparable_model,
        sum(pool_days.comparable_list_cost) as comparable_list_cost,
        sum(case when pool_days.comparable_list_cost is not null then pool_days.tokens end)
            as tokens_with_list_cost
    from pool_days
    group by date_trunc($period, cast(pool_days.day as timestamp)), pool_days.pool, pool_days.currency
),

allocated as (
    select
        per_period.*,
        case
            when per_period.amortised_cost is not null then
                per_period.used_cost
                + case when $share_idle then coalesce(per_period.shareable_idle_cost, 0) else 0 end
        end as allocated_cost
    from per_period
),

-- amount per 1e6 tokens: (amount x 1e12 x 1e6 x 2 + tokens) // (2 x tokens)
-- units of 1e-12, on the magnitude, sign restored
per_million as (
    select
        allocated.*,
        case when allocated.tokens > 0 and allocated.amortised_cost is not null then
            sign(allocated.amortised_cost)
            * cast(
                (cast(abs(allocated.amortised_cost) * 1000000000000 as hugeint) * 2000000
                    + allocated.tokens)
                // (2 * allocated.tokens)
                as decimal(38, 0)
            ) * 0.000000000001::decimal(13, 12)
        end as cost_per_mtok,
        case when allocated.tokens > 0 and allocated.used_cost is not null then
            sign(allocated.used_cost)
            * cast(
                (cast(abs(allocated.used_cost) * 1000000000000 as hugeint) * 2000000
                    + allocated.tokens)
                // (2 * allocated.tokens)
                as decimal(38, 0)
            ) * 0.000000000001::decimal(13, 12)
        end as used_cost_per_mtok,
        case when allocated.tokens_with_list_cost > 0 then
            cast(
                (cast(allocated.comparable_list_cost * 1000000000000 as hugeint) * 2000000
                    + allocated.tokens_with_list_cost)
                // (2 * allocated.tokens_with_list_cost)
                as decimal(38, 0)
            ) * 0.000000000001::decimal(13, 12)
        end as list_per_mtok,
        case when allocated.capacity_tokens > 0 then
            cast(
                (cast(allocated.tokens_with_capacity as hugeint) * 2000000
                    + allocated.capacity_tokens)
                // (2 * allocated.capacity_tokens)
                as decimal(38, 0)
            ) * 0.000001::decimal(7, 6)
        end as utilisation
    from allocated
),

final as (
    select
        per_million.period_start,
        per_million.pool,
        cast(per_million.amortised_cost as decimal(38, 12)) as amortised_cost,
        cast(per_million.hours as decimal(38, 12)) as hours,
        cast(per_million.operations as bigint) as operations,
        cast(per_million.input_tokens as bigint) as input_tokens,
        cast(per_million.output_tokens as bigint) as output_tokens,
        cast(per_million.tokens as bigint) as tokens,
        cast(per_million.capacity_tokens as bigint) as capacity_tokens,
        cast(per_million.utilisation as decimal(18, 6)) as utilisation,
        cast(per_million.utilisation_idle_cost as decimal(38, 12)) as utilisation_idle_cost,
        cast(per_million.bill_idle_cost as decimal(38, 12)) as bill_idle_cost,
        cast(per_million.idle_cost as decimal(38, 12)) as idle_cost,
        cast(per_million.allocated_cost as decimal(38, 12)) as allocated_cost,
        cast(per_million.amortised_cost - per_million.allocated_cost as decimal(38, 12))
            as unallocated_cost,
        cast(per_million.cost_per_mtok as decimal(38, 12)) as cost_per_mtok,
        cast(per_million.used_cost_per_mtok as decimal(38, 12)) as used_cost_per_mtok,
        per_million.comparable_model,
        cast(per_million.list_per_mtok as decimal(38, 12)) as list_per_mtok,
        per_million.currency
    from per_million
)

select * from final
order by final.period_start, final.pool, final.currency nulls last
