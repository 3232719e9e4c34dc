-- int_model_names_resolved
-- Purpose: the price key of each logged (response_model, request_model) pair of billable operations, per period.
-- Grain: one row per (response_model, request_model) pair and period in which one model_key applies.
-- materialized: temp_table
-- reads: int_operations_attributed, int_prices_effective, int_inference_profiles_resolved
--
-- Key: (response_model, request_model, valid_from). NULL model names are
-- values here: join on them with `is not distinct from`.
-- Matching: the first of these names that is a price model_key wins --
--   1. response_model as logged, 2. aicost_model_geo_key(response_model),
--   3. aicost_model_key(response_model), 4. request_model as logged,
--   5. aicost_model_geo_key(request_model), 6. aicost_model_key(request_model).
-- The geo keys ('us.claude-sonnet-4-5') price Bedrock regional inference
-- profiles at their own rates where the catalog has them.
-- A name that is a Bedrock application inference profile configured in
-- [billing.inference_profiles] (int_inference_profiles_resolved) is matched
-- as the profile's configured model instead (a model key, or a model id /
-- system profile id whose geo key then applies); an unconfigured profile ARN
-- matches nothing (unpriced).
-- "First" is per instant: a key whose prices only start later (e.g. an
-- imported exact key effective from 2026-01-01) yields to the next candidate
-- before that date. A key is used from its first effective_from (prices are
-- never withdrawn, only replaced) until an earlier-ranked candidate starts.
-- valid_to is exclusive; NULL = open. A pair no key matches has no row, and a
-- pair has no row before its first key starts: its operations are unpriced.
-- Performance: the regexps of aicost_model_key run once per distinct pair,
-- never per operation.

with

operations_attributed as (
    select
        int_operations_attributed.is_model_call,
        int_operations_attributed.response_model,
        int_operations_attributed.request_model
    from int_operations_attributed
),

prices_effective as (
    select * from int_prices_effective
),

inference_profiles as (
    select * from int_inference_profiles_resolved
),

price_keys as (
    select
        prices_effective.model_key,
        min(prices_effective.effective_from) as covered_from
    from prices_effective
    group by prices_effective.model_key
),

logged_pairs as (
    select distinct
        operations_attributed.response_model,
        operations_attributed.request_model
    from operations_attributed
    where operations_attributed.is_model_call
),

-- The names matched: a configured profile's model in place of its ARN.
model_pairs as (
    select
        logged_pairs.response_model,
        logged_pairs.request_model,
        coalesce(response_profiles.profile_model, logged_pairs.response_model) as response_name,
        coalesce(request_profiles.profile_model, logged_pairs.request_model) as request_name
    from logged_pairs
    left join inference_profiles as response_profiles
        on logged_pairs.response_model = response_profiles.logged_name
    left join inference_profiles as request_profiles
        on logged_pairs.request_model = request_profiles.logged_name
),

pair_candidates as (
    select
        model_pairs.response_model,
        model_pairs.request_model,
        1 as match_rank,
        model_pairs.response_name as candidate_key
    from model_pairs
    union all
    select
        model_pairs.response_model,
        model_pairs.request_model,
        2 as match_rank,
        aicost_model_geo_key(model_pairs.response_name) as candidate_key
    from model_pairs
    union all
    select
        model_pairs.response_model,
        model_pairs.request_model,
        3 as match_rank,
        aicost_model_key(model_pairs.response_name) as candidate_key
    from model_pairs
    union all
    select
        model_pairs.response_model,
        model_pairs.request_model,
        4 as match_rank,
        model_pairs.request_name as candidate_key
    from model_pairs
    union all
    select
        model_pairs.response_model,
        model_pairs.request_model,
        5 as match_rank,
        aicost_model_geo_key(model_pairs.request_name) as candidate_key
    from model_pairs
    union all
    select
        model_pairs.response_model,
        model_pairs.request_model,
        6 as match_rank,
        aicost_model_key(model_pairs.request_name) as candidate_key
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
-- candidate's coverage starts.
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

final as (
    select
        pair_key_periods.response_model,
        pair_key_periods.request_model,
        pair_key_periods.model_key,
        pair_key_periods.valid_from,
        pair_key_periods.valid_to
    from pair_key_periods
    where pair_key_periods.valid_to is null
        or pair_key_periods.valid_to > pair_key_periods.valid_from
)

select * from final
