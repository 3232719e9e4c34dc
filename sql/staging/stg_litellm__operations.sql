-- stg_litellm__operations
-- Purpose: LiteLLM StandardLoggingPayload objects and SpendLogs rows (JSON or
--          CSV export) as canonical operations, with a quarantine reason.
-- Grain:   one row per record read from the source (before de-duplication).
-- Key:     operation_id = id (response id) | request_id (SpendLogs) |
--          litellm_call_id | call_id | hash of the record.
-- materialized: view
-- reads: raw_litellm
--
-- Token semantics: LiteLLM reports usage OpenAI-shaped. prompt_tokens INCLUDES
-- cache reads (prompt_tokens_details.cached_tokens / cache_read_input_tokens)
-- and, for Anthropic, cache writes (cache_creation_input_tokens). Some LiteLLM
-- versions leave cache writes out of prompt_tokens: when subtracting both would
-- go negative, only the cache reads are subtracted. completion_tokens includes
-- reasoning tokens (completion_tokens_details.reasoning_tokens). The 1-hour
-- part of the cache writes is usage_object.cache_creation_token_details, or
-- (LiteLLM 1.110) usage_object.prompt_tokens_details.cache_creation_token_details.
-- User: end_user (the proxy), else the `user` parameter the caller sent
-- (model_parameters.user: the SDK leaves end_user empty).

with

raw_litellm_records as (
    select * from raw_litellm
),

with_metadata as (
    select
        raw_litellm_records.*,
        raw_litellm_records.metadata as meta
    from raw_litellm_records
),

with_usage as (
    select
        with_metadata.*,
        coalesce(with_metadata.prompt_tokens, with_metadata.meta.usage_object.prompt_tokens)
            as raw_prompt_tokens,
        coalesce(with_metadata.completion_tokens, with_metadata.meta.usage_object.completion_tokens)
            as raw_completion_tokens,
        coalesce(
            with_metadata.meta.usage_object.cache_read_input_tokens,
            with_metadata.meta.usage_object.prompt_tokens_details.cached_tokens
        ) as raw_cache_read_tokens,
        coalesce(
            with_metadata.meta.usage_object.cache_creation_input_tokens,
            with_metadata.meta.usage_object.prompt_tokens_details.cache_write_tokens
        ) as raw_cache_write_tokens,
        coalesce(
            with_metadata.meta.usage_object.cache_creation_token_details.ephemeral_1h_input_tokens,
            with_metadata.meta.usage_object.prompt_tokens_details
                .cache_creation_token_details.ephemeral_1h_input_tokens
        ) as raw_cache_write_1h_tokens,
        with_metadata.meta.usage_object.completion_tokens_details.reasoning_tokens
            as raw_reasoning_tokens,
        aicost_tags_map(with_metadata.request_tags) as request_tags_map
    from with_metadata
),

parsed as (
    select
        with_usage.*,
        aicost_tokens(with_usage.raw_prompt_tokens) as parsed_prompt,
        aicost_tokens(with_usage.raw_cache_read_tokens) as parsed_cache_read,
        aicost_tokens(with_usage.raw_cache_write_tokens) as parsed_cache_write,
        aicost_tokens(with_usage.raw_cache_write_1h_tokens) as parsed_cache_write_1h,
        aicost_tokens(with_usage.raw_completion_tokens) as parsed_completion,
        aicost_tokens(with_usage.raw_reasoning_tokens) as parsed_reasoning,
        aicost_kind(
            case when with_usage.mcp_namespaced_tool_name is not null then 'tool'
            else with_usage.call_type end
        ) as operation_kind,
        aicost_ts(with_usage."startTime") as start_ts,
        aicost_ts(with_usage."endTime") as end_ts
    from with_usage
),

counted as (
    select
        parsed.*,
        coalesce(parsed.parsed_prompt, 0) as prompt_total,
        coalesce(parsed.parsed_cache_read, 0) as cache_read,
        coalesce(parsed.parsed_cache_write, 0) as cache_write,
        coalesce(parsed.parsed_cache_write_1h, 0) as cache_write_1h,
        coalesce(parsed.parsed_completion, 0) as output_total,
        coalesce(parsed.parsed_reasoning, 0) as reasoning,
        -- cheap test first: the reason is only worked out for suspect rows
        parsed.start_ts is null
            or parsed.start_ts < timestamp '2000-01-01'
            or parsed.start_ts >= timestamp '2100-01-01'
            or (parsed.raw_prompt_tokens is not null and parsed.parsed_prompt is null)
            or (parsed.raw_completion_tokens is not null and parsed.parsed_completion is null)
            or (parsed.raw_cache_read_tokens is not null and parsed.parsed_cache_read is null)
            or (parsed.raw_cache_write_tokens is not null and parsed.parsed_cache_write is null)
            or (parsed.raw_cache_write_1h_tokens is not null
                and parsed.parsed_cache_write_1h is null)
            or (parsed.raw_reasoning_tokens is not null and parsed.parsed_reasoning is null)
            or (parsed.model is null and aicost_is_model_call(parsed.operation_kind))
            -- the gateway's own cost: not a number, or negative
            or coalesce(
                try_cast(coalesce(parsed.response_cost, parsed.spend) as double) < 0,
                coalesce(parsed.response_cost, parsed.spend) is not null
            )
            as is_suspect
    from parsed
),

final as (
    select
        coalesce(
            nullif(counted.id, ''),
            nullif(counted.request_id, ''),
            nullif(counted.litellm_call_id, ''),
            nullif(counted.call_id, ''),
            -- no id: a hash of what identifies the call, unambiguous (a JSON
            -- array: NULLs and separators inside values cannot collide); the
            -- ingest appends the occurrence number within the file
            'sha256:' || sha256(to_json(list_value(counted."startTime", counted."endTime",
                counted.model, counted.model_group, counted.call_type,
                counted.raw_prompt_tokens, counted.raw_completion_tokens,
                counted.raw_cache_read_tokens, counted.raw_cache_write_tokens,
                counted.trace_id, counted.litellm_trace_id, counted.session_id,
                counted.end_user, counted.status, coalesce(counted.response_cost, counted.spend))))
        ) as operation_id,
        'litellm' as source_format,
        coalesce(nullif(counted.trace_id, ''), nullif(counted.litellm_trace_id, '')) as trace_id,
        cast(null as varchar) as parent_id,
        coalesce(counted.mcp_namespaced_tool_name, counted.call_type) as operation_name,
        counted.start_ts as started_at,
        counted.end_ts as ended_at,
        counted.operation_kind as kind,
        aicost_is_model_call(counted.operation_kind) as is_model_call,
        aicost_provider(counted.custom_llm_provider) as provider,
        counted.model as model,
        nullif(counted.model_group, '') as request_model,
        counted.model as response_model,
        aicost_uncached_input(counted.prompt_total, counted.cache_read, counted.cache_write)
            as input_tokens,
        counted.cache_read as cache_read_tokens,
        greatest(counted.cache_write - counted.cache_write_1h, 0) as cache_write_5m_tokens,
        least(counted.cache_write_1h, counted.cache_write) as cache_write_1h_tokens,
        counted.output_total as output_tokens,
        least(counted.reasoning, counted.output_total) as reasoning_tokens,
        aicost_service_tier(coalesce(
            counted.cost_breakdown.service_tier,
            counted.model_parameters.service_tier
        )) as service_tier,
        aicost_service_tier(coalesce(
            counted.cost_breakdown.service_tier,
            counted.model_parameters.service_tier
        )) = 'batch' as is_batch,
        try_cast(counted.meta.attempted_retries as integer) + 1 as attempt,
        case when lower(counted.status) in ('failure', 'error', 'failed') then 'error' else 'ok' end
            as status,
        coalesce(
            nullif(counted.error_information.error_class, ''),
            nullif(counted.meta.error_information.error_class, ''),
            nullif(counted.error_information.error_code, ''),
            nullif(counted.meta.error_information.error_code, '')
        ) as error_type,
        coalesce(
            try_cast(counted.request_duration_ms as bigint),
            date_diff('millisecond', counted.start_ts, counted.end_ts)
        ) as latency_ms,
        counted.meta.spend_logs_metadata as attributes,
        counted.meta.requester_metadata as attributes_fallback,
        counted.request_tags_map as attributes_tags,
        cast(null as varchar) as native_feature,
        coalesce(
            nullif(counted.meta.user_api_key_team_alias, ''),
            nullif(counted.meta.user_api_key_team_id, ''),
            nullif(counted.team_id, '')
        ) as native_team,
        coalesce(
            nullif(counted.end_user, ''),
            nullif(counted.meta.user_api_key_end_user_id, ''),
            nullif(counted.model_parameters.user, '')
        ) as native_user,
        coalesce(
            nullif(counted.session_id, ''),
            nullif(counted.trace_id, ''),
            nullif(counted.litellm_trace_id, '')
        ) as native_conversation_id,
        cast(null as varchar) as native_prompt_version,
        cast(null as varchar) as native_environment,
        counted.request_tags_map as tags,
        -- the gateway's own cost figure, informational: kept when it is an
        -- amount between 0 and 1,000,000 for the call, else not reported
        case
            when coalesce(
                try_cast(coalesce(counted.response_cost, counted.spend) as decimal(18, 12)),
                try_cast(coalesce(counted.response_cost, counted.spend) as decimal(38, 12))
            ) between 0 and 1000000
                then coalesce(
                    try_cast(coalesce(counted.response_cost, counted.spend) as decimal(18, 12)),
                    try_cast(coalesce(counted.response_cost, counted.spend) as decimal(38, 12))
                )
        end::decimal(38, 12) as source_cost,
        counted.source_file,
        counted.source_line,
        counted.source_record,
        case when counted.is_suspect then coalesce(
            aicost_ts_problem('startTime', counted."startTime"),
            aicost_token_problem('prompt_tokens', counted.raw_prompt_tokens),
            aicost_token_problem('completion_tokens', counted.raw_completion_tokens),
            aicost_token_problem('cache_read_input_tokens', counted.raw_cache_read_tokens),
            aicost_token_problem('cache_creation_input_tokens', counted.raw_cache_write_tokens),
            aicost_token_problem('ephemeral_1h_input_tokens', counted.raw_cache_write_1h_tokens),
            aicost_token_problem('reasoning_tokens', counted.raw_reasoning_tokens),
            case
                when counted.model is null and aicost_is_model_call(counted.operation_kind)
                    then 'model is missing'
            end,
            case
                when try_cast(coalesce(counted.response_cost, counted.spend) as double) is null
                    then (case when counted.response_cost is null then 'spend' else 'response_cost' end)
                        || ' is not a number: '
                        || left(coalesce(counted.response_cost, counted.spend), 60)
                when try_cast(coalesce(counted.response_cost, counted.spend) as double) < 0
                    then (case when counted.response_cost is null then 'spend' else 'response_cost' end)
                        || ' is negative: ' || left(coalesce(counted.response_cost, counted.spend), 60)
            end
        ) end as quarantine_reason
    from counted
)

select * from final
