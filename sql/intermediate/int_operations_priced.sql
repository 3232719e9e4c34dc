-- int_operations_priced
-- Purpose: price each operation and compute estimated_cost exactly (never DOUBLE), in the reporting currency.
-- Grain: one row per row of int_operations_attributed (same rows, same count).
-- materialized: view
-- reads: int_operations_attributed, int_model_names_resolved, int_prices_banded, cfg_settings, cfg_exchange_rates
--
-- Output: every column of int_operations_attributed (same names, same order),
-- then model_key, price_id, pricing_status, pricing_basis, estimated_cost
-- DECIMAL(38, 12), currency.
-- Price row: the operation's (response_model, request_model) pair gives the
-- model_key in effect at started_at (int_model_names_resolved); the key, the
-- catalog period at started_at, the requested tier and the prompt size give
-- the rate row (int_prices_banded). Requested tier: 'batch' when is_batch,
-- else service_tier when it is batch, flex or priority, else 'standard'
-- (unknown tier words price as standard and are not a fallback).
-- Cost, in the price row's currency:
--     input * input rate + cache read * coalesce(cache read, input)
--   + cache write 5m * coalesce(cache write 5m, input)
--   + cache write 1h * coalesce(cache write 1h, cache write 5m, input)
--   + (output - reasoning) * output + reasoning * coalesce(reasoning, output)
--   + per_request once, except for a failed operation that used no tokens.
-- A token class with tokens but no rate at all makes the cost NULL: the
-- operation is then 'unpriced' rather than silently cheaper. Failed
-- operations are priced like any other: providers bill consumed tokens.
-- Width: every term is DECIMAL(38, 0) tokens * DECIMAL(18, 12) rate =
-- DECIMAL(38, 12) (26 integer digits). A term is below 2^63 * 10^6 < 9.3e24,
-- the sum of the six terms and per_request below 1e26: it cannot overflow.
-- Currency: a cost priced in another currency than cfg_settings'
-- reporting_currency is multiplied by cfg_exchange_rates.rate (1 unit of the
-- price currency = rate units of the reporting currency) exactly, in 128-bit
-- integers, and rounded half-even (banker's rounding) to 12 decimals. Exact
-- while the cost is below 1.7e17 in both currencies (beyond: an overflow
-- error, never a wrong number); rates have at most 18 decimals, below 1e11. No rate for the price currency: the operation is
-- 'unpriced' (never relabelled); the build checks the rates first
-- (aicost_cli.prices.require_exchange_rates). currency is the reporting
-- currency on every row.
-- pricing_status: 'not_billable' (is_model_call false), 'priced', 'unpriced'
-- (no row matched, a class without a rate, or no exchange rate; cost NULL,
-- never 0).
-- pricing_basis: NULL unless priced; 'exact' when every token class the call
-- used was priced at its own rate in the requested tier; otherwise the
-- fallbacks, comma-separated, in this order:
--   'tier:<requested>-><priced>'  e.g. 'tier:batch->standard': the key has no
--                                 row of the requested tier in effect
--   'cache_read@input'            cache reads billed at the input rate
--   'cache_write_5m@input'        5m cache writes billed at the input rate
--   'cache_write_1h@5m'           1h cache writes billed at the 5m rate
--                                 (37.5% low for Anthropic)
--   'cache_write_1h@input'        1h cache writes billed at the input rate
-- Reasoning billed at the output rate is normal (thinking is output), not a
-- fallback.
-- model_key: the key of the price row used; otherwise the normalised name
-- (aicost_model_key of response_model, else request_model, else model).
-- price_id: the row used, when priced.
-- Performance: every regexp and every catalog decision runs on small sets
-- (distinct model pairs, distinct names, the catalog); the operations meet
-- them in two hash joins (pair_prices, normalised_names), a one-row cross
-- join (settings) and projections.

with

-- Not materialized: re-scanning is cheaper than buffering every operation.
operations_attributed as not materialized (
    select * from int_operations_attributed
),

model_names_resolved as (
    select * from int_model_names_resolved
),

prices_banded as (
    select * from int_prices_banded
),

settings as (
    select cfg_settings.reporting_currency from cfg_settings
),

exchange_rates as (
    select * from cfg_exchange_rates
),

-- rate = (factor_high * 1e9 + factor_low) / 1e18, both integers, factor_low < 1e9.
currency_factors as (
    select
        exchange_rates.currency,
        cast(trunc(exchange_rates.rate * 1000000000) as hugeint) as factor_high,
        cast(
            (exchange_rates.rate * 1000000000 - trunc(exchange_rates.rate * 1000000000))
                * 1000000000
            as hugeint
        ) as factor_low
    from exchange_rates
),

-- Everything an operation needs, per (response_model, request_model),
-- requested tier, period and prompt band: one join with the operations.
pair_prices as (
    select
        model_names_resolved.response_model,
        model_names_resolved.request_model,
        model_names_resolved.model_key,
        prices_banded.requested_tier,
        greatest(model_names_resolved.valid_from, prices_banded.period_from) as valid_from,
        case
            when model_names_resolved.valid_to is null then prices_banded.period_to
            when prices_banded.period_to is null then model_names_resolved.valid_to
            else least(model_names_resolved.valid_to, prices_banded.period_to)
        end as valid_to,
        prices_banded.prompt_above,
        prices_banded.prompt_up_to,
        prices_banded.price_id,
        case
            when prices_banded.priced_tier <> prices_banded.requested_tier
                then 'tier:' || prices_banded.requested_tier || '->' || prices_banded.priced_tier
        end as tier_fallback,
        prices_banded.currency <> settings.reporting_currency as needs_conversion,
        currency_factors.factor_high,
        currency_factors.factor_low,
        prices_banded.input_per_token,
        prices_banded.output_per_token,
        prices_banded.cache_read_per_token,
        prices_banded.cache_write_5m_per_token,
        prices_banded.cache_write_1h_per_token,
        prices_banded.reasoning_per_token,
        prices_banded.per_request
    from model_names_resolved
    inner join prices_banded
        on model_names_resolved.model_key = prices_banded.model_key
        and (model_names_resolved.valid_to is null
            or prices_banded.period_from < model_names_resolved.valid_to)
        and (prices_banded.period_to is null
            or model_names_resolved.valid_from < prices_banded.period_to)
    cross join settings
    left join currency_factors
        on prices_banded.currency = currency_factors.currency
),

-- The normalised name of every distinct logged name, for operations no price
-- matches (computing it per operation would run the regexps 10M times).
logged_names as (
    select distinct
        coalesce(
            operations_attributed.response_model,
            operations_attributed.request_model,
            operations_attributed.model
        ) as logged_name
    from operations_attributed
),

normalised_names as (
    select
        logged_names.logged_name,
        aicost_model_key(logged_names.logged_name) as normalised_name
    from logged_names
),

operations_measured as (
    select
        operations_attributed.*,
        case
            when operations_attributed.is_batch then 'batch'
            when operations_attributed.service_tier in ('batch', 'flex', 'priority')
                then operations_attributed.service_tier
            else 'standard'
        end as pricing_requested_tier,
        operations_attributed.input_tokens
            + operations_attributed.cache_read_tokens
            + operations_attributed.cache_write_5m_tokens
            + operations_attributed.cache_write_1h_tokens as pricing_prompt_tokens
    from operations_attributed
),

operations_with_rates as (
    select
        operations_measured.*,
        normalised_names.normalised_name as pricing_normalised_name,
        pair_prices.model_key as pricing_model_key,
        pair_prices.price_id as pricing_price_id,
        pair_prices.tier_fallback as pricing_tier_fallback,
        pair_prices.needs_conversion as pricing_needs_conversion,
        pair_prices.factor_high as pricing_factor_high,
        pair_prices.factor_low as pricing_factor_low,
        pair_prices.input_per_token as rate_input,
        pair_prices.output_per_token as rate_output,
        pair_prices.cache_read_per_token as rate_cache_read,
        pair_prices.cache_write_5m_per_token as rate_cache_write_5m,
        pair_prices.cache_write_1h_per_token as rate_cache_write_1h,
        pair_prices.reasoning_per_token as rate_reasoning,
        pair_prices.per_request as rate_per_request
    from operations_measured
    left join normalised_names
        on coalesce(
            operations_measured.response_model,
            operations_measured.request_model,
            operations_measured.model
        ) = normalised_names.logged_name
    left join pair_prices
        on operations_measured.is_model_call
        and operations_measured.response_model is not distinct from pair_prices.response_model
        and operations_measured.request_model is not distinct from pair_prices.request_model
        and operations_measured.pricing_requested_tier = pair_prices.requested_tier
        and operations_measured.started_at >= pair_prices.valid_from
        and (pair_prices.valid_to is null or operations_measured.started_at < pair_prices.valid_to)
        and operations_measured.pricing_prompt_tokens > pair_prices.prompt_above
        and (pair_prices.prompt_up_to is null
            or operations_measured.pricing_prompt_tokens <= pair_prices.prompt_up_to)
),

-- In the price row's currency. A class with tokens but no rate gives NULL.
costed as (
    select
        operations_with_rates.*,
        case when operations_with_rates.pricing_price_id is not null then
            case when operations_with_rates.input_tokens = 0 then 0
                else cast(operations_with_rates.input_tokens as decimal(38, 0))
                    * operations_with_rates.rate_input
            end
            + case when operations_with_rates.cache_read_tokens = 0 then 0
                else cast(operations_with_rates.cache_read_tokens as decimal(38, 0))
                    * coalesce(
                        operations_with_rates.rate_cache_read,
                        operations_with_rates.rate_input
                    )
            end
            + case when operations_with_rates.cache_write_5m_tokens = 0 then 0
                else cast(operations_with_rates.cache_write_5m_tokens as decimal(38, 0))
                    * coalesce(
                        operations_with_rates.rate_cache_write_5m,
                        operations_with_rates.rate_input
                    )
            end
            + case when operations_with_rates.cache_write_1h_tokens = 0 then 0
                else cast(operations_with_rates.cache_write_1h_tokens as decimal(38, 0))
                    * coalesce(
                        operations_with_rates.rate_cache_write_1h,
                        operations_with_rates.rate_cache_write_5m,
                        operations_with_rates.rate_input
                    )
            end
            + case
                when operations_with_rates.output_tokens
                    - operations_with_rates.reasoning_tokens = 0 then 0
                else cast(
                        operations_with_rates.output_tokens
                        - operations_with_rates.reasoning_tokens as decimal(38, 0)
                    ) * operations_with_rates.rate_output
            end
            + case when operations_with_rates.reasoning_tokens = 0 then 0
                else cast(operations_with_rates.reasoning_tokens as decimal(38, 0))
                    * coalesce(
                        operations_with_rates.rate_reasoning,
                        operations_with_rates.rate_output
                    )
            end
            + case
                when operations_with_rates.status = 'error'
                    and operations_with_rates.pricing_prompt_tokens = 0
                    and operations_with_rates.output_tokens = 0
                    then 0
                else coalesce(operations_with_rates.rate_per_request, 0)
            end
        end as pricing_price_currency_cost
    from operations_with_rates
),

-- Conversion, step 1: the cost in units of 1e-12 (an exact integer), times
-- the two integer parts of the rate.
conversion_products as (
    select
        costed.*,
        case
            when costed.pricing_needs_conversion and costed.pricing_factor_high is not null
                then cast(trunc(abs(costed.pricing_price_currency_cost)) as hugeint)
                    * 1000000000000
                    + cast(
                        (abs(costed.pricing_price_currency_cost)
                            - trunc(abs(costed.pricing_price_currency_cost)))
                            * 1000000000000
                        as hugeint
                    )
        end as pricing_cost_units
    from costed
),

-- Step 2: cost * rate in units of 1e-21 (carried) plus a rest in units of
-- 1e-30 below 1e9: (units * high * 1e9 + units * low) / 1e18 units of 1e-12.
conversion_carried as (
    select
        conversion_products.*,
        conversion_products.pricing_cost_units * conversion_products.pricing_factor_high
            + (conversion_products.pricing_cost_units * conversion_products.pricing_factor_low)
                // 1000000000 as pricing_carried_high,
        (conversion_products.pricing_cost_units * conversion_products.pricing_factor_low)
            % 1000000000 as pricing_carried_low
    from conversion_products
),

-- Step 3: whole units of 1e-12, and the remainder in units of 1e-30
-- (0 <= remainder < 1e18; 5e17 is exactly half a unit): round half-even.
conversion_rounded as (
    select
        conversion_carried.*,
        conversion_carried.pricing_carried_high // 1000000000 as pricing_whole_units,
        (conversion_carried.pricing_carried_high % 1000000000) * 1000000000
            + conversion_carried.pricing_carried_low as pricing_remainder
    from conversion_carried
),

converted as (
    select
        conversion_rounded.*,
        cast(
            case
                when conversion_rounded.pricing_price_currency_cost is null then null
                when not conversion_rounded.pricing_needs_conversion
                    then conversion_rounded.pricing_price_currency_cost
                when conversion_rounded.pricing_factor_high is null then null
                else
                    cast(
                        conversion_rounded.pricing_whole_units
                        + case
                            when conversion_rounded.pricing_remainder > 500000000000000000
                                or (conversion_rounded.pricing_remainder = 500000000000000000
                                    and conversion_rounded.pricing_whole_units % 2 = 1)
                                then 1
                            else 0
                        end
                        as decimal(38, 0)
                    )
                    * cast(0.000000000001 as decimal(13, 12))
                    * sign(conversion_rounded.pricing_price_currency_cost)
            end
            as decimal(38, 12)
        ) as pricing_estimated_cost
    from conversion_rounded
),

final as (
    select
        converted.* exclude (
            pricing_requested_tier,
            pricing_prompt_tokens,
            pricing_normalised_name,
            pricing_model_key,
            pricing_price_id,
            pricing_tier_fallback,
            pricing_needs_conversion,
            pricing_factor_high,
            pricing_factor_low,
            rate_input,
            rate_output,
            rate_cache_read,
            rate_cache_write_5m,
            rate_cache_write_1h,
            rate_reasoning,
            rate_per_request,
            pricing_price_currency_cost,
            pricing_cost_units,
            pricing_carried_high,
            pricing_carried_low,
            pricing_whole_units,
            pricing_remainder,
            pricing_estimated_cost
        ),
        coalesce(converted.pricing_model_key, converted.pricing_normalised_name) as model_key,
        case
            when converted.pricing_estimated_cost is not null then converted.pricing_price_id
        end as price_id,
        case
            when not converted.is_model_call then 'not_billable'
            when converted.pricing_estimated_cost is not null then 'priced'
            else 'unpriced'
        end as pricing_status,
        case
            when converted.pricing_estimated_cost is null then null
            -- the common case first: no string is built
            when converted.pricing_tier_fallback is null
                and (converted.cache_read_tokens = 0 or converted.rate_cache_read is not null)
                and (converted.cache_write_5m_tokens = 0
                    or converted.rate_cache_write_5m is not null)
                and (converted.cache_write_1h_tokens = 0
                    or converted.rate_cache_write_1h is not null)
                then 'exact'
            else concat_ws(
                ',',
                converted.pricing_tier_fallback,
                case
                    when converted.cache_read_tokens > 0 and converted.rate_cache_read is null
                        then 'cache_read@input'
                end,
                case
                    when converted.cache_write_5m_tokens > 0
                        and converted.rate_cache_write_5m is null
                        then 'cache_write_5m@input'
                end,
                case
                    when converted.cache_write_1h_tokens > 0
                        and converted.rate_cache_write_1h is null
                        then case
                            when converted.rate_cache_write_5m is not null
                                then 'cache_write_1h@5m'
                            else 'cache_write_1h@input'
                        end
                end
            )
        end as pricing_basis,
        converted.pricing_estimated_cost as estimated_cost,
        settings.reporting_currency as currency
    from converted
    cross join settings
)

select * from final
