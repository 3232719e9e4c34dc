-- stg_bedrock__operations
-- Purpose: Amazon Bedrock model invocation log records (schemaType
--          ModelInvocationLog, delivered to S3 as gzip NDJSON under
--          AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/)
--          as canonical operations, with a quarantine reason.
-- Grain:   one row per record read from the source (before de-duplication).
-- Key:     operation_id = requestId | hash of the record's identifying fields.
-- materialized: view
-- reads: raw_bedrock
--
-- Token semantics: input.inputTokenCount is UNCACHED input; cache reads
-- (input.cacheReadInputTokenCount) and cache writes
-- (input.cacheWriteInputTokenCount) are separate, additive counters, as in
-- Anthropic's API. A record without a top-level counter falls back to the same
-- counter in the response body (output.outputBodyJson.usage: Converse
-- camelCase, or the Anthropic Messages body of InvokeModel, snake_case).
-- Cache writes are 5-minute writes unless the body splits them by TTL
-- (Converse usage.cacheDetails [{ttl: '1h', inputTokens}], Anthropic
-- usage.cache_creation.ephemeral_1h_input_tokens): that 1h part is moved to
-- cache_write_1h_tokens. Streamed bodies (arrays of chunks) carry no split.
-- output.outputTokenCount includes any reasoning: Bedrock does not report
-- reasoning separately, so reasoning_tokens is 0.
--
-- Other fields: model = modelId as logged (a model id, an inference-profile id
-- such as 'us.anthropic...', or an application-inference-profile ARN);
-- timestamp -> started_at (the log has no end time: ended_at is NULL);
-- latency_ms from the Converse body (metrics.latencyMs) when present;
-- errorCode (or status failure/error) -> status 'error', error_type = errorCode;
-- serviceTier (string or {type}) -> service_tier; performanceConfig.latency
-- ('optimized') is kept as the tag latency_mode (it is not a service tier).
-- Attribution: attributes = requestMetadata (looked up by the configured keys),
-- trace_id = requestMetadata['trace_id']; native_user = the session name of an
-- assumed-role ARN / the IAM or federated user name; native_team = the IAM role
-- name (IAM Identity Center roles reduced to the permission set name).
-- tags: identity_arn, account_id, region, inference_region, latency_mode,
-- guardrail_action; they are also the last attribution map, so a configured
-- key such as 'account_id' can attribute by account.

with

raw_bedrock_records as (
    select * from raw_bedrock
),

with_usage as (
    select
        raw_bedrock_records.*,
        raw_bedrock_records.identity.arn as identity_arn,
        case
            when raw_bedrock_records.input."inputTokenCount" is not null
                then 'input.inputTokenCount'
            else 'outputBodyJson.usage input tokens'
        end as input_field,
        coalesce(
            raw_bedrock_records.input."inputTokenCount",
            raw_bedrock_records.output."outputBodyJson".usage."inputTokens",
            raw_bedrock_records.output."outputBodyJson".usage.input_tokens
        ) as raw_input_tokens,
        case
            when raw_bedrock_records.input."cacheReadInputTokenCount" is not null
                then 'input.cacheReadInputTokenCount'
            else 'outputBodyJson.usage cache read tokens'
        end as cache_read_field,
        coalesce(
            raw_bedrock_records.input."cacheReadInputTokenCount",
            raw_bedrock_records.output."outputBodyJson".usage."cacheReadInputTokens",
            raw_bedrock_records.output."outputBodyJson".usage.cache_read_input_tokens
        ) as raw_cache_read_tokens,
        case
            when raw_bedrock_records.input."cacheWriteInputTokenCount" is not null
                then 'input.cacheWriteInputTokenCount'
            else 'outputBodyJson.usage cache write tokens'
        end as cache_write_field,
        coalesce(
            raw_bedrock_records.input."cacheWriteInputTokenCount",
            raw_bedrock_records.output."outputBodyJson".usage."cacheWriteInputTokens",
            raw_bedrock_records.output."outputBodyJson".usage.cache_creation_input_tokens
        ) as raw_cache_write_tokens,
        coalesce(
            aicost_bedrock_cache_1h(
                raw_bedrock_records.output."outputBodyJson".usage."cacheDetails"
            ),
            raw_bedrock_records.output."outputBodyJson".usage.cache_creation
                .ephemeral_1h_input_tokens
        ) as raw_cache_write_1h_tokens,
        case
            when raw_bedrock_records.output."outputTokenCount" is not null
                then 'output.outputTokenCount'
            else 'outputBodyJson.usage output tokens'
        end as output_field,
        coalesce(
            raw_bedrock_records.output."outputTokenCount",
            raw_bedrock_records.output."outputBodyJson".usage."outputTokens",
            raw_bedrock_records.output."outputBodyJson".usage.output_tokens
        ) as raw_output_tokens
    from raw_bedrock_records
),

counted as (
    select
        with_usage.*,
        coalesce(aicost_tokens(with_usage.raw_input_tokens), 0) as input_count,
        coalesce(aicost_tokens(with_usage.raw_cache_read_tokens), 0) as cache_read,
        coalesce(aicost_tokens(with_usage.raw_cache_write_tokens), 0) as cache_write,
        coalesce(aicost_tokens(with_usage.raw_cache_write_1h_tokens), 0) as cache_write_1h,
        coalesce(aicost_tokens(with_usage.raw_output_tokens), 0) as output_count,
        coalesce(
            aicost_bedrock_kind(with_usage.operation, with_usage."modelId"),
            aicost_kind(with_usage.operation)
        ) as operation_kind,
        aicost_service_tier(coalesce(
            with_usage."serviceTier" ->> 'type',
            with_usage."serviceTier" ->> '$'
        )) as tier,
        map_from_entries(list_filter(
            [
                {'key': 'identity_arn', 'value': with_usage.identity_arn},
                {'key': 'account_id', 'value': with_usage."accountId"},
                {'key': 'region', 'value': with_usage.region},
                {'key': 'inference_region', 'value': with_usage."inferenceRegion"},
                {'key': 'latency_mode', 'value': with_usage."performanceConfig".latency},
                {
                    'key': 'guardrail_action',
                    'value': with_usage.output."outputBodyJson"."amazon-bedrock-guardrailAction"
                }
            ],
            lambda entry: coalesce(entry.value, '') <> ''
        )) as record_tags
    from with_usage
),

final as (
    select
        coalesce(
            nullif(counted."requestId", ''),
            -- no id: an unambiguous hash (a JSON array); the ingest appends
            -- the occurrence number within the file
            'sha256:' || sha256(to_json(list_value(counted."timestamp", counted."modelId",
                counted."accountId", counted.identity_arn, counted.operation,
                counted.raw_input_tokens, counted.raw_output_tokens,
                counted.raw_cache_read_tokens, counted.raw_cache_write_tokens)))
        ) as operation_id,
        'bedrock' as source_format,
        nullif(counted."requestMetadata"['trace_id'], '') as trace_id,
        cast(null as varchar) as parent_id,
        counted.operation as operation_name,
        aicost_ts(counted."timestamp") as started_at,
        cast(null as timestamp) as ended_at,
        counted.operation_kind as kind,
        aicost_is_model_call(counted.operation_kind) as is_model_call,
        'bedrock' as provider,
        nullif(counted."modelId", '') as model,
        nullif(counted."modelId", '') as request_model,
        cast(null as varchar) as response_model,
        counted.input_count as input_tokens,
        counted.cache_read as cache_read_tokens,
        counted.cache_write - least(counted.cache_write_1h, counted.cache_write)
            as cache_write_5m_tokens,
        least(counted.cache_write_1h, counted.cache_write) as cache_write_1h_tokens,
        counted.output_count as output_tokens,
        cast(0 as bigint) as reasoning_tokens,
        counted.tier as service_tier,
        counted.tier = 'batch' as is_batch,
        cast(null as integer) as attempt,
        case
            when nullif(counted."errorCode", '') is not null
                or lower(counted.status) in ('failure', 'failed', 'error', 'fail')
                then 'error'
            else 'ok'
        end as status,
        nullif(counted."errorCode", '') as error_type,
        try_cast(counted.output."outputBodyJson".metrics."latencyMs" as bigint) as latency_ms,
        counted."requestMetadata" as attributes,
        cast(null as map(varchar, varchar)) as attributes_fallback,
        case when cardinality(counted.record_tags) > 0 then counted.record_tags end
            as attributes_tags,
        cast(null as varchar) as native_feature,
        aicost_arn_team(counted.identity_arn) as native_team,
        aicost_arn_user(counted.identity_arn) as native_user,
        cast(null as varchar) as native_conversation_id,
        cast(null as varchar) as native_prompt_version,
        cast(null as varchar) as native_environment,
        case when cardinality(counted.record_tags) > 0 then counted.record_tags end as tags,
        cast(null as decimal(38, 12)) as source_cost,
        counted.source_file,
        counted.source_line,
        counted.source_record,
        coalesce(
            aicost_ts_problem('timestamp', counted."timestamp"),
            aicost_token_problem(counted.input_field, counted.raw_input_tokens),
            aicost_token_problem(counted.cache_read_field, counted.raw_cache_read_tokens),
            aicost_token_problem(counted.cache_write_field, counted.raw_cache_write_tokens),
            aicost_token_problem(
                'outputBodyJson.usage 1h cache write tokens', counted.raw_cache_write_1h_tokens
            ),
            aicost_token_problem(counted.output_field, counted.raw_output_tokens),
            case
                when nullif(counted."modelId", '') is null
                    and aicost_is_model_call(counted.operation_kind)
                    then 'modelId is missing'
            end
        ) as quarantine_reason
    from counted
)

select * from final
