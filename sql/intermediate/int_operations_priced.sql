-- int_operations_priced
-- Purpose: price operations: resolve the price row of each billable operation
--          and compute estimated_cost exactly (DECIMAL(38, 12), never DOUBLE).
-- Grain:   one row per row of operations_to_price (same rows, same count).
-- Output:  exactly the columns of the `operations` table, in its order.
-- Reads:   operations_to_price (every `operations` column except model_key,
--          price_id, pricing_status, estimated_cost; extra columns ignored),
--          int_prices_effective, macro aicost_model_key.
-- Materialization: view.
--
-- Matching (resolved once per DISTINCT (response_model, request_model) and
-- joined back): the first of these names that is a price model_key wins --
--   1. response_model as logged, 2. aicost_model_key(response_model),
--   3. request_model as logged,  4. aicost_model_key(request_model).
-- "First" is per instant: a key whose prices only start later (e.g. an
-- imported exact key effective from 2026-01-01) yields to the next candidate
-- before that date.
-- Tier: 'batch' when is_batch, else service_tier. When the matched key has no
-- row of that tier in effect, the standard tier prices it (still 'priced';
-- price_id shows which row was used).
-- Long context: among the tier's rows in effect, the one with the greatest
-- threshold_tokens below the prompt (input + cache read + cache writes); the
-- whole request switches rate. threshold_tokens = 0 always applies.
-- Effective date: the row in effect at started_at (int_prices_effective).
-- Cost: input * input rate + cache read * coalesce(cache read, input)
--   + cache write 5m * coalesce(cache write 5m, input)
--   + cache write 1h * coalesce(cache write 1h, cache write 5m, input)
--   + (output - reasoning) * output + reasoning * coalesce(reasoning, output)
--   + per_request once, except for a failed operation that used no tokens.
-- A token class with tokens but no rate at all makes the cost NULL: the
-- operation is then 'unpriced' rather than silently cheaper.
-- pricing_status: 'not_billable' (is_model_call false; cost NULL),
-- 'priced', 'unpriced' (no row matched; cost NULL, never 0). Failed
-- operations are priced like any other: providers bill consumed tokens.
-- model_key: the key of the price row used; otherwise the normalised name
-- (aicost_model_key of response_model, else request_model, else model).
-- Performance: every regexp and every catalog decision runs on small sets
-- (distinct model pairs, distinct names, the catalog); the operations meet
-- them in two hash joins (pair_prices, normalised_names) and one projection.

with

-- Only the columns we use: extra columns of operations_to_price are ignored.
-- Not materialized: re-scanning is cheaper than buffering every operation.
operations_input as not materialized (
    select
        operations_to_price.operation_id,
        operations_to_price.source_format,
        operations_to_price.trace_id,
        operations_to_price.parent_id,
        operations_to_price.conversation_id,
        operations_to_price.unit_id,
        operations_to_price.operation_name,
        operations_to_price.started_at,
        operations_to_price.ended_at,
        operations_to_price.kind,
        operations_to_price.is_model_call,
        operations_to_price.provider,
        operations_to_price.model,
        operations_to_price.request_model,
        operations_to_price.response_model,
        operations_to_price.input_tokens,
        operations_to_price.cache_read_tokens,
        operations_to_price.cache_write_5m_tokens,
        operations_to_price.cache_write_1h_tokens,
        operations_to_price.output_tokens,
        operations_to_price.reasoning_tokens,
        operations_to_price.service_tier,
        operations_to_price.is_batch,
        operations_to_price.attempt,
        operations_to_price.status,
        operations_to_price.error_type,
        operations_to_price.latency_ms,
        operations_to_price.feature,
        operations_to_price.team,
        operations_to_price.user_id,
        operations_to_price.prompt_version,
        operations_to_price.environment,
        operations_to_price.tags,
        operations_to_price.source_cost,
        operations_to_price.source_file,
        operations_to_price.source_line,
        operations_to_price.ingest_run_id
    from operations_to_price
),

prices_effective as (
    select * from int_prices_effective
),

price_keys as (
    select
        prices_effective.model_key,
        min(prices_effective.effective_from) as covered_from
    from prices_effective
    group by prices_effective.model_key
),

model_pairs as (
    select distinct
        operations_input.response_model,
        operations_input.request_model
    from operations_input
    where operations_input.is_model_call
),

pair_candidates as (
    select model_pairs.response_model, model_pairs.request_model,
        1 as match_rank, model_pairs.response_model as candidate_key
    from model_pairs
    union all
    select model_pairs.response_model, model_pairs.request_model,
        2 as match_rank, aicost_model_key(model_pairs.response_model) as candidate_key
    from model_pairs
    union all
    select model_pairs.response_model, model_pairs.request_model,
        3 as match_rank, model_pairs.request_model as candidate_key
    from model_pairs
    union all
    select model_pairs.response_model, model_pairs.request_model,
        4 as match_rank, aicost_model_key(model_pairs.request_model) as candidate_key
    from model_pairs
),

priced_candidates as (
    select
        pair_candidates.response_model,
        pair_candidates.request_model,
        pair_candidates.match_rank,
        pair_candidates.candidate_key,
        price_keys.covered_from
    from pair_candidates
    inner join price_keys
        on pair_candidates.candidate_key = price_keys.model_key
),

-- A candidate is used from its coverage start until an earlier-ranked
-- candidate's coverage starts (prices are never withdrawn, only replaced).
pair_key_periods as (
    select
        priced_candidates.response_model,
        priced_candidates.request_model,
        priced_candidates.candidate_key as model_key,
        priced_candidates.covered_from as valid_from,
        min(priced_candidates.covered_from) over (
            partition by priced_candidates.response_model, priced_candidates.request_model
            order by priced_candidates.match_rank
            rows between unbounded preceding and 1 preceding
        ) as valid_to
    from priced_candidates
),

pair_keys as (
    select * from pair_key_periods
    where pair_key_periods.valid_to is null
        or pair_key_periods.valid_to > pair_key_periods.valid_from
),

-- The normalised name of every distinct logged name, for operations no price
-- matches (computing it per operation would run the regexps 10M times).
logged_names as (
    select distinct
        coalesce(
            operations_input.response_model,
            operations_input.request_model,
            operations_input.model
        ) as logged_name
    from operations_input
),

normalised_names as (
    select
        logged_names.logged_name,
        aicost_model_key(logged_names.logged_name) as normalised_name
    from logged_names
),

-- Price lookup, built on the small catalog: per model_key, periods in which
-- the set of rows in effect is constant; per period and requested tier, the
-- tier actually used; per row, the prompt-size band it covers.
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

price_lookup as (
    select
        period_tier_choice.model_key,
        period_tier_choice.period_from,
        period_tier_choice.period_to,
        period_tier_choice.requested_tier,
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
),

-- Everything an operation needs, per (response_model, request_model),
-- requested tier, period and prompt band: one join with the operations.
pair_prices as (
    select
        pair_keys.response_model,
        pair_keys.request_model,
        pair_keys.model_key,
        price_lookup.requested_tier,
        greatest(pair_keys.valid_from, price_lookup.period_from) as valid_from,
        case
            when pair_keys.valid_to is null then price_lookup.period_to
            when price_lookup.period_to is null then pair_keys.valid_to
            else least(pair_keys.valid_to, price_lookup.period_to)
        end as valid_to,
        price_lookup.prompt_above,
        price_lookup.prompt_up_to,
        price_lookup.price_id,
        price_lookup.input_per_token,
        price_lookup.output_per_token,
        price_lookup.cache_read_per_token,
        price_lookup.cache_write_5m_per_token,
        price_lookup.cache_write_1h_per_token,
        price_lookup.reasoning_per_token,
        price_lookup.per_request
    from pair_keys
    inner join price_lookup
        on pair_keys.model_key = price_lookup.model_key
        and (pair_keys.valid_to is null or price_lookup.period_from < pair_keys.valid_to)
        and (price_lookup.period_to is null or pair_keys.valid_from < price_lookup.period_to)
),

operations_measured as (
    select
        operations_input.*,
        case
            when operations_input.is_batch then 'batch'
            when operations_input.service_tier in ('batch', 'flex', 'priority')
                then operations_input.service_tier
            else 'standard'
        end as requested_tier,
        operations_input.input_tokens
            + operations_input.cache_read_tokens
            + operations_input.cache_write_5m_tokens
            + operations_input.cache_write_1h_tokens as prompt_tokens
    from operations_input
),

operations_with_rates as (
    select
        operations_measured.*,
        normalised_names.normalised_name,
        pair_prices.model_key as matched_model_key,
        pair_prices.price_id as matched_price_id,
        pair_prices.input_per_token,
        pair_prices.output_per_token,
        pair_prices.cache_read_per_token,
        pair_prices.cache_write_5m_per_token,
        pair_prices.cache_write_1h_per_token,
        pair_prices.reasoning_per_token,
        pair_prices.per_request
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
        and operations_measured.requested_tier = pair_prices.requested_tier
        and operations_measured.started_at >= pair_prices.valid_from
        and (pair_prices.valid_to is null or operations_measured.started_at < pair_prices.valid_to)
        and operations_measured.prompt_tokens > pair_prices.prompt_above
        and (pair_prices.prompt_up_to is null
            or operations_measured.prompt_tokens <= pair_prices.prompt_up_to)
),

costed as (
    select
        operations_with_rates.*,
        case when operations_with_rates.matched_price_id is not null then
            cast(
                case when operations_with_rates.input_tokens = 0 then 0
                    else cast(operations_with_rates.input_tokens as decimal(18, 0))
                        * operations_with_rates.input_per_token
                end
                + case when operations_with_rates.cache_read_tokens = 0 then 0
                    else cast(operations_with_rates.cache_read_tokens as decimal(18, 0))
                        * coalesce(
                            operations_with_rates.cache_read_per_token,
                            operations_with_rates.input_per_token
                        )
                end
                + case when operations_with_rates.cache_write_5m_tokens = 0 then 0
                    else cast(operations_with_rates.cache_write_5m_tokens as decimal(18, 0))
                        * coalesce(
                            operations_with_rates.cache_write_5m_per_token,
                            operations_with_rates.input_per_token
                        )
                end
                + case when operations_with_rates.cache_write_1h_tokens = 0 then 0
                    else cast(operations_with_rates.cache_write_1h_tokens as decimal(18, 0))
                        * coalesce(
                            operations_with_rates.cache_write_1h_per_token,
                            operations_with_rates.cache_write_5m_per_token,
                            operations_with_rates.input_per_token
                        )
                end
                + case
                    when operations_with_rates.output_tokens
                        - operations_with_rates.reasoning_tokens = 0 then 0
                    else cast(
                            operations_with_rates.output_tokens
                            - operations_with_rates.reasoning_tokens as decimal(18, 0)
                        ) * operations_with_rates.output_per_token
                end
                + case when operations_with_rates.reasoning_tokens = 0 then 0
                    else cast(operations_with_rates.reasoning_tokens as decimal(18, 0))
                        * coalesce(
                            operations_with_rates.reasoning_per_token,
                            operations_with_rates.output_per_token
                        )
                end
                + case
                    when operations_with_rates.status = 'error'
                        and operations_with_rates.prompt_tokens = 0
                        and operations_with_rates.output_tokens = 0
                        then 0
                    else coalesce(operations_with_rates.per_request, 0)
                end
                as decimal(38, 12)
            )
        end as computed_cost
    from operations_with_rates
),

final as (
    select
        costed.operation_id,
        costed.source_format,
        costed.trace_id,
        costed.parent_id,
        costed.conversation_id,
        costed.unit_id,
        costed.operation_name,
        costed.started_at,
        costed.ended_at,
        costed.kind,
        costed.is_model_call,
        costed.provider,
        costed.model,
        costed.request_model,
        costed.response_model,
        costed.input_tokens,
        costed.cache_read_tokens,
        costed.cache_write_5m_tokens,
        costed.cache_write_1h_tokens,
        costed.output_tokens,
        costed.reasoning_tokens,
        costed.service_tier,
        costed.is_batch,
        costed.attempt,
        costed.status,
        costed.error_type,
        costed.latency_ms,
        costed.feature,
        costed.team,
        costed.user_id,
        costed.prompt_version,
        costed.environment,
        costed.tags,
        costed.source_cost,
        coalesce(costed.matched_model_key, costed.normalised_name) as model_key,
        case when costed.computed_cost is not null then costed.matched_price_id end as price_id,
        case
            when not costed.is_model_call then 'not_billable'
            when costed.computed_cost is not null then 'priced'
            else 'unpriced'
        end as pricing_status,
        costed.computed_cost as estimated_cost,
        costed.source_file,
        costed.source_line,
        costed.ingest_run_id
    from costed
)

select * from final
