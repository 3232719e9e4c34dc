-- stg_aicost__operations
-- Purpose: aicost's own JSONL (docs/aicost-format.md, schema
--          docs/aicost-operations.schema.json) as canonical operations, with a
--          quarantine reason. The format IS the canonical shape, so this model
--          mostly casts and checks; it is strict where other formats are
--          lenient (we define it, so an inconsistent record is an error).
-- Grain:   one row per record (line) read from the source (before de-duplication).
-- Key:     operation_id (required).
-- materialized: view
-- reads: raw_aicost
--
-- Token semantics: the usage classes are EXCLUSIVE and taken as written:
-- input_tokens = uncached input only; cache_read_tokens, cache_write_5m_tokens
-- and cache_write_1h_tokens are separate; output_tokens INCLUDES reasoning and
-- reasoning_tokens is its subset (reasoning > output is quarantined). An
-- absent class is 0.
-- Cost: a decimal string (exact) or a JSON number (exact up to 15 significant
-- digits: numbers are parsed as doubles), rounded to 12 decimal places.
-- Attribution: the top-level feature / team / user / prompt_version /
-- environment / conversation_id are put in `attributes` under the default
-- attribution keys of the same name, and are the native_* values too; `tags`
-- is the fallback map. With the default [attribution] keys a top-level field
-- therefore always wins over a tag.

with

raw_aicost_records as (
    -- text fields and the usage / tags objects are read as JSON: their type
    -- is checked here (an object where text belongs, "usage": "lots" or
    -- "tags": [...] is quarantined, never read as nothing)
    select
        * replace (
            aicost_json_text(raw_aicost.operation_id) as operation_id,
            aicost_json_text(raw_aicost.trace_id) as trace_id,
            aicost_json_text(raw_aicost.parent_id) as parent_id,
            aicost_json_text(raw_aicost.conversation_id) as conversation_id,
            aicost_json_text(raw_aicost.name) as name,
            aicost_json_text(raw_aicost.kind) as kind,
            aicost_json_text(raw_aicost.provider) as provider,
            aicost_json_text(raw_aicost.model) as model,
            aicost_json_text(raw_aicost.request_model) as request_model,
            aicost_json_text(raw_aicost.response_model) as response_model,
            aicost_json_text(raw_aicost.service_tier) as service_tier,
            aicost_json_text(raw_aicost.status) as status,
            aicost_json_text(raw_aicost.error_type) as error_type,
            aicost_json_text(raw_aicost.feature) as feature,
            aicost_json_text(raw_aicost.team) as team,
            aicost_json_text(raw_aicost."user") as "user",
            aicost_json_text(raw_aicost.prompt_version) as prompt_version,
            aicost_json_text(raw_aicost.environment) as environment,
            case when json_type(raw_aicost.usage) = 'OBJECT' then from_json(raw_aicost.usage,
                '{"input_tokens": "VARCHAR", "cache_read_tokens": "VARCHAR",
                  "cache_write_5m_tokens": "VARCHAR", "cache_write_1h_tokens": "VARCHAR",
                  "output_tokens": "VARCHAR", "reasoning_tokens": "VARCHAR"}')
            end as usage,
            case when json_type(raw_aicost.tags) = 'OBJECT'
                then from_json(raw_aicost.tags, '"MAP(VARCHAR, VARCHAR)"')
            end as tags
        ),
        list_filter([
                case when aicost_json_not_text(raw_aicost.operation_id) then 'operation_id' end,
                case when aicost_json_not_text(raw_aicost.trace_id) then 'trace_id' end,
                case when aicost_json_not_text(raw_aicost.parent_id) then 'parent_id' end,
                case when aicost_json_not_text(raw_aicost.conversation_id) then 'conversation_id' end,
                case when aicost_json_not_text(raw_aicost.name) then 'name' end,
                case when aicost_json_not_text(raw_aicost.kind) then 'kind' end,
                case when aicost_json_not_text(raw_aicost.provider) then 'provider' end,
                case when aicost_json_not_text(raw_aicost.model) then 'model' end,
                case when aicost_json_not_text(raw_aicost.request_model) then 'request_model' end,
                case when aicost_json_not_text(raw_aicost.response_model) then 'response_model' end,
                case when aicost_json_not_text(raw_aicost.service_tier) then 'service_tier' end,
                case when aicost_json_not_text(raw_aicost.status) then 'status' end,
                case when aicost_json_not_text(raw_aicost.error_type) then 'error_type' end,
                case when aicost_json_not_text(raw_aicost.feature) then 'feature' end,
                case when aicost_json_not_text(raw_aicost.team) then 'team' end,
                case when aicost_json_not_text(raw_aicost."user") then 'user' end,
                case when aicost_json_not_text(raw_aicost.prompt_version) then 'prompt_version' end,
                case when aicost_json_not_text(raw_aicost.environment) then 'environment' end
        ], lambda field_name: field_name is not null) as fields_not_text,
        case
            when coalesce(json_type(raw_aicost.usage), 'NULL') not in ('OBJECT', 'NULL')
                then 'usage must be an object of token counts: ' || left(raw_aicost.usage::varchar, 60)
            when coalesce(json_type(raw_aicost.tags), 'NULL') not in ('OBJECT', 'NULL')
                then 'tags must be an object of strings: ' || left(raw_aicost.tags::varchar, 60)
        end as shape_problem
    from raw_aicost
),

checked as (
    select
        raw_aicost_records.*,
        coalesce(aicost_tokens(raw_aicost_records.usage.input_tokens), 0) as input_count,
        coalesce(aicost_tokens(raw_aicost_records.usage.cache_read_tokens), 0) as cache_read,
        coalesce(aicost_tokens(raw_aicost_records.usage.cache_write_5m_tokens), 0)
            as cache_write_5m,
        coalesce(aicost_tokens(raw_aicost_records.usage.cache_write_1h_tokens), 0)
            as cache_write_1h,
        coalesce(aicost_tokens(raw_aicost_records.usage.output_tokens), 0) as output_count,
        coalesce(aicost_tokens(raw_aicost_records.usage.reasoning_tokens), 0) as reasoning,
        case
            when lower(raw_aicost_records.kind) in (
                'chat', 'completion', 'embeddings', 'rerank', 'image', 'audio',
                'agent', 'tool', 'retrieval', 'workflow', 'other')
                then lower(raw_aicost_records.kind)
            when raw_aicost_records.kind is null and nullif(raw_aicost_records.model, '') is null
                then 'other'
            when raw_aicost_records.kind is null then 'chat'
            else aicost_kind(raw_aicost_records.kind)
        end as operation_kind,
        case
            when lower(coalesce(raw_aicost_records.status, 'ok')) in ('ok', 'success') then 'ok'
            when lower(raw_aicost_records.status) in ('error', 'failure', 'failed') then 'error'
        end as normalised_status,
        case
            when raw_aicost_records.is_batch is null then null
            when lower(raw_aicost_records.is_batch) in ('true', 'false')
                then lower(raw_aicost_records.is_batch) = 'true'
        end as batch_flag,
        try_cast(raw_aicost_records.cost as decimal(38, 12)) as cost_amount,
        map_from_entries(list_filter(
            [
                {'key': 'feature', 'value': raw_aicost_records.feature},
                {'key': 'team', 'value': raw_aicost_records.team},
                {'key': 'user', 'value': raw_aicost_records."user"},
                {'key': 'prompt_version', 'value': raw_aicost_records.prompt_version},
                {'key': 'environment', 'value': raw_aicost_records.environment},
                {'key': 'conversation_id', 'value': raw_aicost_records.conversation_id}
            ],
            lambda entry: coalesce(entry.value, '') <> ''
        )) as explicit_attributes
    from raw_aicost_records
),

final as (
    select
        checked.operation_id,
        'aicost' as source_format,
        nullif(checked.trace_id, '') as trace_id,
        nullif(checked.parent_id, '') as parent_id,
        nullif(checked.name, '') as operation_name,
        aicost_ts(checked.started_at) as started_at,
        aicost_ts(checked.ended_at) as ended_at,
        checked.operation_kind as kind,
        aicost_is_model_call(checked.operation_kind) as is_model_call,
        aicost_provider(checked.provider) as provider,
        coalesce(
            nullif(checked.model, ''),
            nullif(checked.response_model, ''),
            nullif(checked.request_model, '')
        ) as model,
        nullif(checked.request_model, '') as request_model,
        coalesce(nullif(checked.response_model, ''), nullif(checked.model, ''))
            as response_model,
        checked.input_count as input_tokens,
        checked.cache_read as cache_read_tokens,
        checked.cache_write_5m as cache_write_5m_tokens,
        checked.cache_write_1h as cache_write_1h_tokens,
        checked.output_count as output_tokens,
        checked.reasoning as reasoning_tokens,
        case
            when checked.batch_flag and checked.service_tier is null then 'batch'
            else aicost_service_tier(checked.service_tier)
        end as service_tier,
        coalesce(checked.batch_flag, aicost_service_tier(checked.service_tier) = 'batch')
            as is_batch,
        try_cast(checked.attempt as integer) as attempt,
        coalesce(checked.normalised_status, 'ok') as status,
        nullif(checked.error_type, '') as error_type,
        try_cast(checked.latency_ms as bigint) as latency_ms,
        case when cardinality(checked.explicit_attributes) > 0 then checked.explicit_attributes end
            as attributes,
        case when cardinality(checked.tags) > 0 then checked.tags end as attributes_fallback,
        cast(null as map(varchar, varchar)) as attributes_tags,
        nullif(checked.feature, '') as native_feature,
        nullif(checked.team, '') as native_team,
        nullif(checked."user", '') as native_user,
        nullif(checked.conversation_id, '') as native_conversation_id,
        nullif(checked.prompt_version, '') as native_prompt_version,
        nullif(checked.environment, '') as native_environment,
        case when cardinality(checked.tags) > 0 then checked.tags end as tags,
        checked.cost_amount as source_cost,
        checked.source_file,
        checked.source_line,
        checked.source_record,
        coalesce(
            case when len(checked.fields_not_text) > 0
                then 'must be text, not an object or array: '
                    || array_to_string(checked.fields_not_text, ', ') end,
            checked.shape_problem,
            case when nullif(trim(checked.operation_id), '') is null
                then 'operation_id is missing' end,
            case when nullif(checked.kind, '') is not null and checked.operation_kind = 'other'
                and lower(checked.kind) <> 'other'
                then 'kind is not a known kind: ' || left(checked.kind, 60) end,
            aicost_ts_problem('started_at', checked.started_at),
            case when checked.ended_at is not null
                then aicost_ts_problem('ended_at', checked.ended_at) end,
            case when aicost_ts(checked.ended_at) < aicost_ts(checked.started_at)
                then 'ended_at is before started_at' end,
            aicost_token_problem('usage.input_tokens', checked.usage.input_tokens),
            aicost_token_problem('usage.cache_read_tokens', checked.usage.cache_read_tokens),
            aicost_token_problem(
                'usage.cache_write_5m_tokens', checked.usage.cache_write_5m_tokens
            ),
            aicost_token_problem(
                'usage.cache_write_1h_tokens', checked.usage.cache_write_1h_tokens
            ),
            aicost_token_problem('usage.output_tokens', checked.usage.output_tokens),
            aicost_token_problem('usage.reasoning_tokens', checked.usage.reasoning_tokens),
            case when checked.reasoning > checked.output_count
                then 'usage.reasoning_tokens exceeds usage.output_tokens' end,
            case when checked.normalised_status is null
                then 'status must be ok or error: ' || left(checked.status, 60) end,
            case when checked.is_batch is not null and checked.batch_flag is null
                then 'is_batch must be true or false: ' || left(checked.is_batch, 60) end,
            case when checked.attempt is not null
                and not coalesce(
                    try_cast(checked.attempt as double) between 1 and 1000000
                    and try_cast(checked.attempt as double)
                        = floor(try_cast(checked.attempt as double)),
                    false)
                then 'attempt must be a whole number >= 1: ' || left(checked.attempt, 60) end,
            case when checked.latency_ms is not null
                and not coalesce(
                    try_cast(checked.latency_ms as double) between 0 and 1e12
                    and try_cast(checked.latency_ms as double)
                        = floor(try_cast(checked.latency_ms as double)),
                    false)
                then 'latency_ms must be a whole number >= 0: ' || left(checked.latency_ms, 60) end,
            case when checked.cost is not null and checked.cost_amount is null
                then 'cost is not a decimal amount: ' || left(checked.cost, 60) end,
            case when checked.cost_amount < 0 then 'cost is negative: ' || checked.cost end,
            -- one call costing over a million is a unit mistake (and sums of
            -- such amounts would overflow every total that includes them)
            case when checked.cost_amount > 1000000
                then 'cost is implausible for one operation (over 1000000): '
                    || left(checked.cost, 60) end,
            case
                when checked.model is null and checked.response_model is null
                    and checked.request_model is null
                    and aicost_is_model_call(checked.operation_kind)
                    then 'model is missing'
            end
        ) as quarantine_reason
    from checked
)

select * from final
