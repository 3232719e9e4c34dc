-- assert_operation_ids_unique
-- Every (source_format, operation_id) of a rebuilt day appears once in the
-- whole fact table (and so once across all landing tables): nothing counted
-- twice, however far apart in time a re-sent id arrives.
-- reads: operations, build_days

with

rebuilt as (
    select operations.source_format, operations.operation_id
    from operations
    where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
),

copies as (
    select operations.source_format, operations.operation_id, count(*) as copies
    from operations
    inner join rebuilt
        on operations.source_format = rebuilt.source_format
        and operations.operation_id = rebuilt.operation_id
    group by operations.source_format, operations.operation_id
)

select * from copies where copies.copies > 1
