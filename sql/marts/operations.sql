-- operations
-- Purpose: the operations fact table: every landed operation with its
--          attribution, unit of work, price and estimated cost.
-- Grain:   one row per operation; key (source_format, operation_id), unique
--          across the whole table (audit assert_operation_ids_unique).
-- materialized: incremental_by_day
-- reads: int_operations_priced, cfg_features
-- Rebuilt per day: the build deletes the rows of build_days and inserts this
-- select (which covers exactly those days) by name. Columns:
--   day            date of started_at (UTC): the rebuild partition
--   owner          the team that holds the feature's cost decision (config)
--   unit_key       the feature's unit of work: conversation (unit_id), trace
--                  (trace_id, else unit_id) or request (the operation id of a
--                  model call; NULL for structural spans)
--   everything else as int_operations_priced.

with

priced as (
    select * from int_operations_priced
),

configured_features as (
    select * from cfg_features
),

final as (
    select
        cast(priced.started_at as date) as day,
        priced.*,
        configured_features.owner,
        case coalesce(configured_features.unit, 'conversation')
            when 'trace' then coalesce(priced.trace_id, priced.unit_id)
            when 'request' then
                case when priced.is_model_call then priced.operation_id end
            else priced.unit_id
        end as unit_key
    from priced
    left join configured_features
        on coalesce(priced.feature, 'unattributed') = configured_features.feature
)

select * from final
