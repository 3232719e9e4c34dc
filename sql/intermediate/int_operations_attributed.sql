-- int_operations_attributed
-- Purpose: resolve attribution (feature, team, user, prompt version,
--          environment, conversation) and the unit id of staged operations,
--          using the configured metadata keys, then the source's own fields.
-- Grain:   one row per staged record (same as stg_operations).
-- Attribute maps, looked up in this order for each configured key:
-- attributes (the source's primary metadata), attributes_fallback (e.g. OTel
-- resource attributes, LiteLLM requester_metadata), attributes_tags ('key:value'
-- tags); then the source's own field (native_*).
-- Reads:   stg_operations (the ingest points it at one format's staging model),
--          the aicost_attr_<field> macros, generated from the [attribution]
--          config (configured keys in priority order).
-- Materialization: view.

with

staged as (
    select * from stg_operations
),

resolved as (
    select
        staged.*,
        coalesce(
            aicost_attr_feature(staged.attributes, staged.attributes_fallback, staged.attributes_tags),
            staged.native_feature
        ) as resolved_feature,
        coalesce(
            aicost_attr_team(staged.attributes, staged.attributes_fallback, staged.attributes_tags),
            staged.native_team
        ) as resolved_team,
        coalesce(
            aicost_attr_user(staged.attributes, staged.attributes_fallback, staged.attributes_tags),
            staged.native_user
        ) as resolved_user,
        coalesce(
            aicost_attr_prompt_version(staged.attributes, staged.attributes_fallback, staged.attributes_tags),
            staged.native_prompt_version
        ) as resolved_prompt_version,
        coalesce(
            aicost_attr_environment(staged.attributes, staged.attributes_fallback, staged.attributes_tags),
            staged.native_environment
        ) as resolved_environment,
        coalesce(
            aicost_attr_conversation(staged.attributes, staged.attributes_fallback, staged.attributes_tags),
            staged.native_conversation_id
        ) as resolved_conversation_id
    from staged
),

final as (
    select
        resolved.operation_id,
        resolved.source_format,
        resolved.trace_id,
        resolved.parent_id,
        resolved.resolved_conversation_id as conversation_id,
        coalesce(resolved.resolved_conversation_id, resolved.trace_id, resolved.operation_id)
            as unit_id,
        resolved.operation_name,
        resolved.started_at,
        resolved.ended_at,
        resolved.kind,
        resolved.is_model_call,
        resolved.provider,
        resolved.model,
        resolved.request_model,
        resolved.response_model,
        resolved.input_tokens,
        resolved.cache_read_tokens,
        resolved.cache_write_5m_tokens,
        resolved.cache_write_1h_tokens,
        resolved.output_tokens,
        resolved.reasoning_tokens,
        resolved.service_tier,
        resolved.is_batch,
        resolved.attempt,
        resolved.status,
        resolved.error_type,
        resolved.latency_ms,
        resolved.resolved_feature as feature,
        resolved.resolved_team as team,
        resolved.resolved_user as user_id,
        resolved.resolved_prompt_version as prompt_version,
        resolved.resolved_environment as environment,
        resolved.tags,
        resolved.source_cost,
        resolved.source_file,
        resolved.source_line,
        resolved.source_record,
        resolved.quarantine_reason
    from resolved
)

select * from final
