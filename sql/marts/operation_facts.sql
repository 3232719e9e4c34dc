-- operation_facts
-- Purpose: operations with their feature configuration and every attribution
--          dimension resolved for reporting (unattributed made explicit).
-- Grain:   one row per operation (operations.source_format, operation_id).
-- Reads:   operations, cfg_features (one row per [features.<name>] in the
--          config, created by the report runner; may be empty).
-- Materialization: view (reports filter it by time first; DuckDB pushes the
--          filter into the operations scan).

with

operations_in_store as (
    select * from operations
),

configured_features as (
    select * from cfg_features
),

final as (
    select
        operations_in_store.operation_id,
        operations_in_store.source_format,
        operations_in_store.started_at,
        operations_in_store.kind,
        operations_in_store.is_model_call,
        operations_in_store.status,
        coalesce(operations_in_store.feature, 'unattributed') as feature,
        coalesce(configured_features.owner, 'unattributed') as owner,
        coalesce(operations_in_store.team, 'unattributed') as team,
        coalesce(operations_in_store.user_id, 'unattributed') as user_id,
        -- structural spans (agent, tool, retrieval, ...) have no model: 'none'
        case
            when operations_in_store.is_model_call or operations_in_store.model is not null
                then coalesce(operations_in_store.model_key, operations_in_store.model, 'unattributed')
            else 'none'
        end as model,
        case
            when operations_in_store.is_model_call or operations_in_store.provider is not null
                then coalesce(operations_in_store.provider, 'unattributed')
            else 'none'
        end as provider,
        coalesce(operations_in_store.prompt_version, 'unattributed') as prompt_version,
        coalesce(operations_in_store.environment, 'unattributed') as environment,
        operations_in_store.tags,
        case coalesce(configured_features.unit, 'conversation')
            when 'trace' then coalesce(operations_in_store.trace_id, operations_in_store.unit_id)
            when 'request' then
                case when operations_in_store.is_model_call then operations_in_store.operation_id end
            else operations_in_store.unit_id
        end as unit_key,
        configured_features.value_per_unit,
        operations_in_store.input_tokens
            + operations_in_store.cache_read_tokens
            + operations_in_store.cache_write_5m_tokens
            + operations_in_store.cache_write_1h_tokens as input_tokens,
        operations_in_store.cache_read_tokens,
        operations_in_store.cache_write_5m_tokens + operations_in_store.cache_write_1h_tokens
            as cache_write_tokens,
        operations_in_store.output_tokens,
        operations_in_store.reasoning_tokens,
        operations_in_store.pricing_status,
        operations_in_store.estimated_cost
    from operations_in_store
    left join configured_features
        on coalesce(operations_in_store.feature, 'unattributed') = configured_features.feature
)

select * from final
