-- int_otel_trace_roots
-- Purpose: per OTel trace that has a span in the days being built, the root
--          span's attributes and the conversation the trace belongs to, looked
--          up in ALL landed spans (a root that arrived in another file, batch or
--          run, or that started the day before, still counts: exporters flush
--          the root last).
-- Grain:   one row per trace_id.
-- materialized: view
-- reads: land_otel, int_operations_unioned
-- A trace with several parentless spans (should not happen) takes the root
-- with the smallest operation_id: deterministic whatever the arrival order.
-- trace_conversation_id: the conversation id (configured conversation keys, in
-- a span's own or resource attributes) carried by any span of the trace, the
-- earliest such span's (then the smallest operation_id): instrumentations and
-- applications often set it on some spans only (an inner step, the SDK's own
-- call spans), and every operation of the trace belongs to that conversation.

with

traces_in_scope as (
    select distinct int_operations_unioned.trace_id
    from int_operations_unioned
    where int_operations_unioned.source_format = 'otel'
        and int_operations_unioned.trace_id is not null
),

trace_spans as (
    select
        land_otel.trace_id,
        land_otel.operation_id,
        land_otel.parent_id,
        land_otel.started_at,
        land_otel.attributes,
        aicost_attr_conversation(
            land_otel.attributes, cast(null as map(varchar, varchar)), land_otel.attributes_tags
        ) as span_conversation_id
    from land_otel
    inner join traces_in_scope
        on land_otel.trace_id = traces_in_scope.trace_id
),

final as (
    select
        trace_spans.trace_id,
        min_by(trace_spans.attributes, trace_spans.operation_id)
            filter (where trace_spans.parent_id is null) as root_attributes,
        min_by(
            trace_spans.span_conversation_id,
            (trace_spans.started_at, trace_spans.operation_id)
        ) filter (where trace_spans.span_conversation_id is not null) as trace_conversation_id
    from trace_spans
    group by trace_spans.trace_id
)

select * from final
