-- int_otel_duplicate_calls
-- Purpose: OTel model-call spans that report a call another span of the same
--          trace already reports: two instrumentations on one client (e.g.
--          OpenLLMetry's anthropic span beside, or around, the anthropic SDK's
--          own span) each export a span for the one call, with the same
--          gen_ai.response.id. The call is counted once: the build makes the
--          other spans structure (not billable).
-- Grain:   one row per duplicate span (the counted span has no row).
-- materialized: view
-- reads: land_otel, int_operations_unioned
-- Key: operation_id. Looked up in ALL landed spans of the traces being built,
-- so the answer does not depend on which file or run brought which span.
-- The span counted is the one that says most: the 1-hour cache-write split,
-- then reasoning tokens, then the cache counts; then the smallest operation_id.

with

traces_in_scope as (
    select distinct int_operations_unioned.trace_id
    from int_operations_unioned
    where int_operations_unioned.source_format = 'otel'
        and int_operations_unioned.trace_id is not null
),

model_call_spans as (
    select
        land_otel.trace_id,
        land_otel.operation_id,
        nullif(land_otel.attributes['gen_ai.response.id'], '') as response_id,
        land_otel.cache_write_1h_tokens,
        land_otel.reasoning_tokens,
        land_otel.cache_read_tokens + land_otel.cache_write_5m_tokens
            + land_otel.cache_write_1h_tokens as cache_tokens
    from land_otel
    inner join traces_in_scope
        on land_otel.trace_id = traces_in_scope.trace_id
    where land_otel.is_model_call
),

ranked as (
    select
        model_call_spans.operation_id,
        first_value(model_call_spans.operation_id) over (
            partition by model_call_spans.trace_id, model_call_spans.response_id
            order by
                model_call_spans.cache_write_1h_tokens desc,
                model_call_spans.reasoning_tokens desc,
                model_call_spans.cache_tokens desc,
                model_call_spans.operation_id
        ) as counted_operation_id
    from model_call_spans
    where model_call_spans.response_id is not null
),

final as (
    select
        ranked.operation_id,
        ranked.counted_operation_id
    from ranked
    where ranked.operation_id <> ranked.counted_operation_id
)

select * from final
