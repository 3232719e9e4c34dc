-- operation_measures
-- Purpose: each operation as the dimensions and additive measures the reports
--          sum: unknown dimensions made explicit ('unattributed'; 'none' for
--          the model and provider of structural spans), token classes as the
--          reports count them, unpriced and fallback-priced calls flagged.
-- Grain:   one row per operation (operations.source_format, operation_id).
-- materialized: view
-- reads: operations
-- The daily rollup (operations_daily) is this view summed per day; reports
-- read the rollup for whole days and this view for a partial first or last
-- day, so both paths count the same way.

with

facts as (
    select * from operations
),

final as (
    select
        facts.day,
        facts.started_at,
        coalesce(facts.feature, 'unattributed') as feature,
        coalesce(facts.owner, 'unattributed') as owner,
        coalesce(facts.team, 'unattributed') as team,
        coalesce(facts.user_id, 'unattributed') as user_id,
        case
            when facts.is_model_call or facts.model is not null
                then coalesce(facts.model_key, facts.model, 'unattributed')
            else 'none'
        end as model,
        case
            when facts.is_model_call or facts.provider is not null
                then coalesce(facts.provider, 'unattributed')
            else 'none'
        end as provider,
        coalesce(facts.prompt_version, 'unattributed') as prompt_version,
        coalesce(facts.environment, 'unattributed') as environment,
        facts.tags,
        facts.unit_key,
        facts.currency,
        case when facts.is_model_call then 1 else 0 end as operations,
        case when facts.is_model_call and facts.status = 'error' then 1 else 0 end
            as failed_operations,
        case when facts.is_model_call then
            facts.input_tokens + facts.cache_read_tokens
                + facts.cache_write_5m_tokens + facts.cache_write_1h_tokens
        else 0 end as input_tokens,
        case when facts.is_model_call then facts.cache_read_tokens else 0 end
            as cache_read_tokens,
        case when facts.is_model_call then
            facts.cache_write_5m_tokens + facts.cache_write_1h_tokens
        else 0 end as cache_write_tokens,
        case when facts.is_model_call then facts.output_tokens else 0 end as output_tokens,
        case when facts.is_model_call then facts.reasoning_tokens else 0 end as reasoning_tokens,
        coalesce(facts.estimated_cost, 0) as estimated_cost,
        case when facts.pricing_status = 'unpriced' then 1 else 0 end as unpriced_operations,
        case when facts.pricing_status = 'unpriced' then facts.source_cost end
            as unpriced_source_cost,
        case
            when facts.pricing_status = 'priced' and facts.pricing_basis <> 'exact' then 1
            else 0
        end as fallback_priced_operations
    from facts
)

select * from final
