-- int_prices_effective
-- Purpose: the price catalog with validity periods; imported rows override bundled rows of their model_key.
-- Grain: one row per `prices` row that is in effect for a non-empty period (key: price_id).
-- materialized: view
-- reads: prices
--
-- A row is in effect from its effective_from until effective_to (exclusive;
-- NULL = open): the next effective_from of the same (model_key, service_tier,
-- threshold_tokens, origin). Origin precedence: 'imported' rows override
-- 'bundled' rows of the same model_key -- the whole price set of that key (all
-- tiers and thresholds) -- from the key's first imported effective_from on;
-- bundled rows are cut off there, and bundled rows that would only start after
-- it are dropped. So at any instant a model_key is priced by one origin only.
-- Also unique: (model_key, service_tier, threshold_tokens, origin, effective_from).
-- Rates are in the row's `currency` (int_operations_priced converts).

with

catalog_prices as (
    select * from prices
),

imported_starts as (
    select
        catalog_prices.model_key,
        min(catalog_prices.effective_from) as first_imported_from
    from catalog_prices
    where catalog_prices.origin = 'imported'
    group by catalog_prices.model_key
),

next_versions as (
    select
        catalog_prices.*,
        imported_starts.first_imported_from,
        lead(catalog_prices.effective_from) over (
            partition by
                catalog_prices.model_key,
                catalog_prices.service_tier,
                catalog_prices.threshold_tokens,
                catalog_prices.origin
            order by catalog_prices.effective_from
        ) as next_effective_from
    from catalog_prices
    left join imported_starts
        on catalog_prices.model_key = imported_starts.model_key
),

bounded as (
    select
        next_versions.*,
        case
            when next_versions.origin = 'imported' or next_versions.first_imported_from is null
                then next_versions.next_effective_from
            when next_versions.next_effective_from is null
                or next_versions.next_effective_from > next_versions.first_imported_from
                then next_versions.first_imported_from
            else next_versions.next_effective_from
        end as effective_to
    from next_versions
),

final as (
    select
        bounded.price_id,
        bounded.model_key,
        bounded.provider,
        bounded.service_tier,
        bounded.threshold_tokens,
        bounded.effective_from,
        bounded.effective_to,
        bounded.input_per_token,
        bounded.output_per_token,
        bounded.cache_read_per_token,
        bounded.cache_write_5m_per_token,
        bounded.cache_write_1h_per_token,
        bounded.reasoning_per_token,
        bounded.per_request,
        bounded.currency,
        bounded.source,
        bounded.origin,
        bounded.imported_at
    from bounded
    where bounded.effective_to is null
        or bounded.effective_to > bounded.effective_from
)

select * from final
