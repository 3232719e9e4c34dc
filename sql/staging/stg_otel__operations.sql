-- stg_otel__operations
-- Purpose: OTLP/JSON traces (one TracesData per file or per line, the OTLP
--          file exporter's layout) as canonical operations: every span is an
--          operation with its parent, so agent, tool and retrieval spans stay
--          in the tree beside the billable model calls.
-- Grain:   one row per span read from the source (before de-duplication).
-- Key:     operation_id = '<traceId>:<spanId>' (lower-case hex; span ids are
--          only unique within a trace); parent_id = '<traceId>:<parentSpanId>'.
-- materialized: view
-- reads: raw_otel
-- The CTEs are NOT MATERIALIZED on purpose: the spans stream from the reader.
--
-- Attribute names: current GenAI semantic conventions first, then the
-- deprecated ones (gen_ai.system, gen_ai.usage.prompt/completion_tokens),
-- OpenLLMetry's legacy names (gen_ai.usage.cache_*_input_tokens, llm.*,
-- traceloop.span.kind).
--
-- Kind: gen_ai.operation.name (llm.request.type, traceloop.span.kind), else
-- tool / agent from gen_ai.tool.name / gen_ai.agent.name, else a model call
-- only when the span names a model and reports usage; everything else is
-- 'other' (HTTP, DB, framework spans) and is kept in the tree, unpriced.
--
-- Token semantics: gen_ai.usage.input_tokens INCLUDES cache reads and cache
-- creation (both are subsets), so uncached input = input - cache_read -
-- cache_creation; some instrumentations report input without them: when the
-- subtraction would go negative, only what fits is subtracted. Known exceptions:
-- opentelemetry-instrumentation-botocore (scope opentelemetry.instrumentation.
-- botocore...) and OpenLLMetry's bedrock instrumentation (scope opentelemetry.
-- instrumentation.bedrock) report Bedrock's inputTokens, which excludes the
-- cache: taken as uncached input. gen_ai.usage.output_tokens includes reasoning tokens.
-- Cache writes: gen_ai.usage.cache_creation.input_tokens (the anthropic SDK's own
-- spans: gen_ai.usage.cache_write.input_tokens, with the 1-hour part in
-- anthropic.usage.cache_creation.ephemeral_1h_input_tokens); 5-minute writes
-- unless a 1-hour part is reported. source_cost: LiteLLM's gen_ai.cost.total_cost.
--
-- Attribution maps: attributes = the span's own attributes, attributes_tags =
-- resource attributes; attributes_fallback is left NULL here: the build fills
-- it with the attributes of the trace's root span (int_otel_trace_roots),
-- looked up across every landed span, so a root that arrives in a later file
-- or run still attributes its children. Feature finally falls back to the
-- resource's service.name (unless it is the SDK default 'unknown_service...').
-- Attribute values longer than 1,024 characters (prompts, completions, tool
-- payloads) are left out of the maps: they are content, not attribution, and
-- would make the landing table as large as the conversations.

with

raw_otel_records as not materialized (
    select * from raw_otel
),

resource_spans as not materialized (
    select
        raw_otel_records.source_file,
        raw_otel_records.source_line,
        raw_otel_records.source_record,
        -- a record without resourceSpans (not TracesData, or malformed) keeps
        -- one empty row, so that it is quarantined rather than lost
        unnest(coalesce(raw_otel_records."resourceSpans", [null])) as resource_span
    from raw_otel_records
),

scope_spans as not materialized (
    select
        resource_spans.source_file,
        resource_spans.source_line,
        resource_spans.source_record,
        aicost_otel_map(resource_spans.resource_span.resource.attributes) as resource_attributes,
        unnest(case
            when resource_spans.resource_span is null then [null]
            else resource_spans.resource_span."scopeSpans"
        end) as scope_span
    from resource_spans
),

spans as not materialized (
    select
        scope_spans.source_file,
        scope_spans.source_line,
        scope_spans.source_record,
        scope_spans.resource_attributes,
        scope_spans.scope_span.scope.name as scope_name,
        unnest(case
            when scope_spans.scope_span is null then [null]
            else scope_spans.scope_span.spans
        end) as span
    from scope_spans
),

span_fields as not materialized (
    select
        spans.source_file,
        spans.source_line,
        spans.source_record,
        spans.scope_name,
        nullif(lower(spans.span."traceId"), '') as trace_hex,
        nullif(lower(spans.span."spanId"), '') as span_hex,
        nullif(lower(spans.span."parentSpanId"), '') as parent_hex,
        spans.span.name as span_name,
        aicost_otel_span_kind(spans.span.kind) as span_kind,
        spans.span."startTimeUnixNano" as raw_start,
        spans.span."endTimeUnixNano" as raw_end,
        spans.span.status.code as status_code,
        spans.span.status.message as status_message,
        aicost_otel_map(spans.span.attributes) as span_attributes,
        spans.resource_attributes
    from spans
),

with_usage as (
    select
        span_fields.*,
        coalesce(
            span_fields.span_attributes['gen_ai.usage.input_tokens'],
            span_fields.span_attributes['gen_ai.usage.prompt_tokens'],
            span_fields.span_attributes['llm.usage.prompt_tokens']
        ) as raw_input_tokens,
        coalesce(
            span_fields.span_attributes['gen_ai.usage.output_tokens'],
            span_fields.span_attributes['gen_ai.usage.completion_tokens'],
            span_fields.span_attributes['llm.usage.completion_tokens']
        ) as raw_output_tokens,
        coalesce(
            span_fields.span_attributes['gen_ai.usage.cache_read.input_tokens'],
            span_fields.span_attributes['gen_ai.usage.cache_read_input_tokens']
        ) as raw_cache_read_tokens,
        coalesce(
            span_fields.span_attributes['gen_ai.usage.cache_creation.input_tokens'],
            span_fields.span_attributes['gen_ai.usage.cache_write.input_tokens'],
            span_fields.span_attributes['gen_ai.usage.cache_creation_input_tokens']
        ) as raw_cache_write_tokens,
        -- the anthropic SDK's own spans split the cache writes by TTL
        span_fields.span_attributes['anthropic.usage.cache_creation.ephemeral_1h_input_tokens']
            as raw_cache_write_1h_tokens,
        -- LiteLLM's OTel callback: its own cost of the call (USD)
        span_fields.span_attributes['gen_ai.cost.total_cost'] as raw_source_cost,
        coalesce(
            span_fields.span_attributes['gen_ai.usage.reasoning.output_tokens'],
            span_fields.span_attributes['gen_ai.usage.reasoning_tokens']
        ) as raw_reasoning_tokens,
        coalesce(
            span_fields.span_attributes['gen_ai.operation.name'],
            span_fields.span_attributes['llm.request.type'],
            span_fields.span_attributes['traceloop.span.kind']
        ) as raw_operation,
        coalesce(
            span_fields.span_attributes['gen_ai.provider.name'],
            span_fields.span_attributes['gen_ai.system']
        ) as raw_provider,
        coalesce(
            span_fields.span_attributes['openai.response.service_tier'],
            span_fields.span_attributes['gen_ai.openai.response.service_tier'],
            span_fields.span_attributes['openai.request.service_tier'],
            span_fields.span_attributes['gen_ai.openai.request.service_tier']
        ) as raw_service_tier
    from span_fields
),

counted as (
    select
        with_usage.*,
        coalesce(aicost_tokens(with_usage.raw_input_tokens), 0) as input_total,
        coalesce(aicost_tokens(with_usage.raw_cache_read_tokens), 0) as cache_read,
        coalesce(aicost_tokens(with_usage.raw_cache_write_tokens), 0) as cache_write,
        coalesce(aicost_tokens(with_usage.raw_cache_write_1h_tokens), 0) as cache_write_1h,
        -- opentelemetry-instrumentation-botocore and OpenLLMetry's bedrock
        -- instrumentation copy Bedrock's inputTokens, which EXCLUDES cache reads and
        -- writes (against the GenAI conventions)
        coalesce(
            starts_with(with_usage.scope_name, 'opentelemetry.instrumentation.botocore')
                or with_usage.scope_name = 'opentelemetry.instrumentation.bedrock',
            false
        ) as input_excludes_cache,
        coalesce(aicost_tokens(with_usage.raw_output_tokens), 0) as output_total,
        coalesce(aicost_tokens(with_usage.raw_reasoning_tokens), 0) as reasoning,
        -- Without gen_ai.operation.name: a tool or agent span by its attributes
        -- (agent frameworks such as pydantic-ai put their children's usage
        -- totals on the agent span: it must not count as a model call), a
        -- model call only when it names a model and reports usage.
        aicost_kind(case
            when with_usage.raw_operation is not null then with_usage.raw_operation
            when with_usage.span_attributes['gen_ai.tool.name'] is not null then 'tool'
            when with_usage.span_attributes['gen_ai.agent.name'] is not null then 'agent'
            when (with_usage.raw_input_tokens is not null or with_usage.raw_output_tokens is not null)
                and coalesce(
                    with_usage.span_attributes['gen_ai.request.model'],
                    with_usage.span_attributes['gen_ai.response.model']
                ) is not null
                then 'chat'
        end) as operation_kind,
        aicost_ts(with_usage.raw_start) as start_ts,
        aicost_ts(with_usage.raw_end) as end_ts,
        coalesce(
            nullif(with_usage.span_attributes['gen_ai.response.model'], ''),
            nullif(with_usage.span_attributes['gen_ai.request.model'], '')
        ) as logged_model
    from with_usage
),

final as (
    select
        coalesce(
            counted.trace_hex || ':' || counted.span_hex,
            'sha256:' || sha256(to_json(list_value(counted.source_file,
                cast(counted.source_line as varchar), counted.trace_hex, counted.span_hex,
                counted.span_name, counted.raw_start)))
        ) as operation_id,
        'otel' as source_format,
        counted.trace_hex as trace_id,
        counted.trace_hex || ':' || counted.parent_hex as parent_id,
        counted.span_name as operation_name,
        counted.start_ts as started_at,
        counted.end_ts as ended_at,
        counted.operation_kind as kind,
        aicost_is_model_call(counted.operation_kind) as is_model_call,
        aicost_provider(counted.raw_provider) as provider,
        counted.logged_model as model,
        nullif(counted.span_attributes['gen_ai.request.model'], '') as request_model,
        nullif(counted.span_attributes['gen_ai.response.model'], '') as response_model,
        case
            when counted.input_excludes_cache then counted.input_total
            else aicost_uncached_input(counted.input_total, counted.cache_read, counted.cache_write)
        end as input_tokens,
        counted.cache_read as cache_read_tokens,
        counted.cache_write - least(counted.cache_write_1h, counted.cache_write)
            as cache_write_5m_tokens,
        least(counted.cache_write_1h, counted.cache_write) as cache_write_1h_tokens,
        counted.output_total as output_tokens,
        least(counted.reasoning, counted.output_total) as reasoning_tokens,
        aicost_service_tier(counted.raw_service_tier) as service_tier,
        aicost_service_tier(counted.raw_service_tier) = 'batch' as is_batch,
        cast(null as integer) as attempt,
        case
            when upper(coalesce(counted.status_code, '')) in ('2', 'STATUS_CODE_ERROR')
                or nullif(counted.span_attributes['error.type'], '') is not null
                then 'error'
            else 'ok'
        end as status,
        coalesce(
            nullif(counted.span_attributes['error.type'], ''),
            nullif(counted.status_message, '')
        ) as error_type,
        date_diff('millisecond', counted.start_ts, counted.end_ts) as latency_ms,
        counted.span_attributes as attributes,
        cast(null as map(varchar, varchar)) as attributes_fallback,
        counted.resource_attributes as attributes_tags,
        case
            when not starts_with(counted.resource_attributes['service.name'], 'unknown_service')
                then nullif(counted.resource_attributes['service.name'], '')
        end as native_feature,
        cast(null as varchar) as native_team,
        cast(null as varchar) as native_user,
        cast(null as varchar) as native_conversation_id,
        cast(null as varchar) as native_prompt_version,
        cast(null as varchar) as native_environment,
        cast(null as map(varchar, varchar)) as tags,
        -- the source's own cost figure, informational: kept when it is an amount
        -- between 0 and 1,000,000 for the call, else not reported
        case
            when try_cast(counted.raw_source_cost as decimal(38, 12)) between 0 and 1000000
                then try_cast(counted.raw_source_cost as decimal(38, 12))
        end as source_cost,
        counted.source_file,
        counted.source_line,
        counted.source_record,
        coalesce(
            case
                when counted.span_name is null and counted.span_hex is null and counted.raw_start is null
                    then 'no spans: not an OTLP TracesData record'
                when counted.span_hex is null then 'spanId is missing'
                when counted.trace_hex is null then 'traceId is missing'
            end,
            aicost_ts_problem('startTimeUnixNano', counted.raw_start),
            aicost_token_problem('input_tokens', counted.raw_input_tokens),
            aicost_token_problem('output_tokens', counted.raw_output_tokens),
            aicost_token_problem('cache_read.input_tokens', counted.raw_cache_read_tokens),
            aicost_token_problem('cache_creation.input_tokens', counted.raw_cache_write_tokens),
            aicost_token_problem(
                'cache_creation.ephemeral_1h_input_tokens', counted.raw_cache_write_1h_tokens
            ),
            aicost_token_problem('reasoning.output_tokens', counted.raw_reasoning_tokens)
        ) as quarantine_reason
    from counted
)

select * from final
