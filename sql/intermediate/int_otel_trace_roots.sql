-- int_otel_trace_roots
-- Purpose: the root span's attributes of every OTel trace that has a span in
--          the days being built, looked up in ALL landed spans (a root that
--          arrived in another file, batch or run, or that started the day
--          before, still counts: exporters flush the root last).
-- Grain:   one row per trace_id.
-- materialized: view
-- reads: land_otel, int_operations_unioned
-- A trace with several parentless spans (should not happen) takes the root
-- with the smallest operation_id: deterministic whatever the arrival order.

with

traces_in_scope as (
    select distinct int_operations_unioned.trace_id
    from int_operations_unioned
    where int_operations_unioned.source_format = 'otel'
        and int_operations_unioned.trace_id is not null
),

root_spans as (
    select
        land_otel.trace_id,
        land_otel.operation_id,
        land_otel.attributes
    from land_otel
    inner join traces_in_scope
        on land_otel.trace_id = traces_in_scope.trace_id
    where land_otel.parent_id is null
),

final as (
    select
        root_spans.trace_id,
        min_by(root_spans.attributes, root_spans.operation_id) as root_attributes
    from root_spans
    group by root_spans.trace_id
)

select * from final
