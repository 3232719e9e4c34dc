-- int_prices_banded
-- Purpose: the price row that prices a call, per model key, catalog period, requested service tier and prompt-size band.
-- Grain: one row per (model_key, period_from, requested_tier, prompt_above).
-- materialized: view
-- reads: int_prices_effective
--
-- Periods: per model_key, the intervals [period_from, period_to) in which the
-- set of rows in effect is constant (boundaries: every effective_from of the
-- key; period_to NULL = open).
-- Tier: requested_tier is one of standard, batch, flex, priority. When the key
-- has no row of that tier in the period, the standard tier prices it:
-- priced_tier says which tier was used (int_operations_priced shows the
-- fallback in pricing_basis). No standard row either: no band (unpriced).
-- Long context: a band covers prompts (input + cache read + cache writes) with
-- prompt_above < prompt tokens <= prompt_up_to (NULL = no upper bound): the
-- row of the greatest threshold_tokens below the prompt prices the whole
-- request. threshold_tokens = 0 has prompt_above = -1, so empty prompts match.
-- Rates are in `currency`, per token (per_request: per call), NULL = the
-- catalog has no rate for that class (int_operations_priced falls back or
-- leaves the call unpriced).

with

prices_effective as (
    select * from int_prices_effective
),

key_boundaries as (
    select distinct
        prices_effective.model_key,
        prices_effective.effective_from as period_from
    from prices_effective
),

key_periods as (
    select
        key_boundaries.model_key,
        key_boundaries.period_from,
        lead(key_boundaries.period_from) over (
            partition by key_boundaries.model_key
            order by key_boundaries.period_from
        ) as period_to
    from key_boundaries
),

period_prices as (
    select
        key_periods.period_from,
        key_periods.period_to,
        prices_effective.*
    from key_periods
    inner join prices_effective
        on key_periods.model_key = prices_effective.model_key
        and prices_effective.effective_from <= key_periods.period_from
        and (prices_effective.effective_to is null
            or prices_effective.effective_to > key_periods.period_from)
),

period_tiers as (
    select distinct
        period_prices.model_key,
        period_prices.period_from,
        period_prices.service_tier
    from period_prices
),

requested_tiers as (
    select tiers.requested_tier
    from (values ('standard'), ('batch'), ('flex'), ('priority')) as tiers (requested_tier)
),

period_tier_choice as (
    select
        key_periods.model_key,
        key_periods.period_from,
        key_periods.period_to,
        requested_tiers.requested_tier,
        coalesce(period_tiers.service_tier, 'standard') as priced_tier
    from key_periods
    cross join requested_tiers
    left join period_tiers
        on key_periods.model_key = period_tiers.model_key
        and key_periods.period_from = period_tiers.period_from
        and requested_tiers.requested_tier = period_tiers.service_tier
),

final as (
    select
        period_tier_choice.model_key,
        period_tier_choice.period_from,
        period_tier_choice.period_to,
        period_tier_choice.requested_tier,
        period_tier_choice.priced_tier,
        case
            when period_prices.threshold_tokens = 0 then -1
            else period_prices.threshold_tokens
        end as prompt_above,
        lead(period_prices.threshold_tokens) over (
            partition by
                period_tier_choice.model_key,
                period_tier_choice.period_from,
                period_tier_choice.requested_tier
            order by period_prices.threshold_tokens
        ) as prompt_up_to,
        period_prices.price_id,
        period_prices.currency,
        period_prices.input_per_token,
        period_prices.output_per_token,
        period_prices.cache_read_per_token,
        period_prices.cache_write_5m_per_token,
        period_prices.cache_write_1h_per_token,
        period_prices.reasoning_per_token,
        period_prices.per_request
    from period_tier_choice
    inner join period_prices
        on period_tier_choice.model_key = period_prices.model_key
        and period_tier_choice.period_from = period_prices.period_from
        and period_tier_choice.priced_tier = period_prices.service_tier
)

select * from final
