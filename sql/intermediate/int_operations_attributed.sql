-- int_operations_attributed
-- Purpose: resolve attribution (feature, team, user, prompt version,
--          environment, conversation) and the unit id of landed operations,
--          with the configured metadata keys, then the source's own fields.
-- Grain:   one row per landed record of the days being built (same rows as
--          int_operations_unioned).
-- materialized: view
-- reads: int_operations_unioned, int_otel_trace_roots, int_otel_duplicate_calls, int_inference_profiles_resolved
-- Attribute maps, looked up in this order for each configured key:
-- attributes (the source's primary metadata: LiteLLM spend_logs_metadata,
-- OTel span attributes, Bedrock requestMetadata), attributes_fallback (LiteLLM
-- requester_metadata; for OTel the attributes of the trace's root span, from
-- int_otel_trace_roots), attributes_tags ('key:value' tags; OTel resource
-- attributes); then the source's own field (native_*). The aicost_attr_<field>
-- macros are generated from the [attribution] config by the build
-- (models.define_attribution_macros): keys are string literals, never SQL.
-- OTel conversation: when no map of the span has it, the conversation that any
-- span of its trace carries (int_otel_trace_roots.trace_conversation_id), so a
-- trace is one unit of work whichever of its spans name the conversation.
-- Bedrock application inference profiles: the tags of a profile configured in
-- [billing.inference_profiles] (int_inference_profiles_resolved; the
-- operation's request_model, else its model, names the profile) join the
-- attributes_tags map, under the record's own tags: a configured key finds
-- them like any metadata key, after the record's own maps (per key) and
-- before the source's native fields.
-- OTel duplicates: a model-call span reporting a call that another span of the
-- trace reports (int_otel_duplicate_calls) is made structure (is_model_call
-- false): every call is counted once, whatever the number of instrumentations.

with

landed as (
    select * from int_operations_unioned
),

trace_roots as (
    select * from int_otel_trace_roots
),

duplicate_calls as (
    select * from int_otel_duplicate_calls
),

inference_profiles as (
    select * from int_inference_profiles_resolved
),

with_roots as (
    select
        landed.* exclude (attributes_fallback, attributes_tags, is_model_call),
        case
            when landed.source_format = 'otel' then trace_roots.root_attributes
            else landed.attributes_fallback
        end as attributes_fallback,
        case
            when coalesce(request_profiles.profile_tags, model_profiles.profile_tags) is null
                then landed.attributes_tags
            else map_concat(
                coalesce(request_profiles.profile_tags, model_profiles.profile_tags),
                landed.attributes_tags
            )
        end as attributes_tags,
        trace_roots.trace_conversation_id,
        landed.is_model_call and duplicate_calls.operation_id is null as is_model_call
    from landed
    left join trace_roots
        on landed.source_format = 'otel'
        and landed.trace_id = trace_roots.trace_id
    left join duplicate_calls
        on landed.source_format = 'otel'
        and landed.operation_id = duplicate_calls.operation_id
    left join inference_profiles as request_profiles
        on landed.request_model = request_profiles.logged_name
    left join inference_profiles as model_profiles
        on landed.model = model_profiles.logged_name
),

resolved as (
    select
        with_roots.*,
        coalesce(
            aicost_attr_feature(with_roots.attributes, with_roots.attributes_fallback, with_roots.attributes_tags),
            with_roots.native_feature
        ) as resolved_feature,
        coalesce(
            aicost_attr_team(with_roots.attributes, with_roots.attributes_fallback, with_roots.attributes_tags),
            with_roots.native_team
        ) as resolved_team,
        coalesce(
            aicost_attr_user(with_roots.attributes, with_roots.attributes_fallback, with_roots.attributes_tags),
            with_roots.native_user
        ) as resolved_user,
        coalesce(
            aicost_attr_prompt_version(with_roots.attributes, with_roots.attributes_fallback, with_roots.attributes_tags),
            with_roots.native_prompt_version
        ) as resolved_prompt_version,
        coalesce(
            aicost_attr_environment(with_roots.attributes, with_roots.attributes_fallback, with_roots.attributes_tags),
            with_roots.native_environment
        ) as resolved_environment,
        coalesce(
            aicost_attr_conversation(with_roots.attributes, with_roots.attributes_fallback, with_roots.attributes_tags),
            with_roots.trace_conversation_id,
            with_roots.native_conversation_id
        ) as resolved_conversation_id
    from with_roots
),

final as (
    select
        resolved.operation_id,
        resolved.id_key,
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
        resolved.ingest_run_id
    from resolved
)

select * from final
