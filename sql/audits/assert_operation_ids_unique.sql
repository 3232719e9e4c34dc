-- assert_operation_ids_unique
-- Every (source_format, operation_id) of a rebuilt day appears once in the
-- whole fact table (and so once across all landing tables): nothing counted
-- twice, however far apart in time a re-sent id arrives.
-- reads: operations, build_days
-- The whole table is searched by id_key (8 bytes a row, the MD5 of the id);
-- the ids themselves are compared only for the keys found more than once, so
-- two ids that share a key are never reported as copies.

with

rebuilt as (
    select operations.source_format, operations.id_key
    from operations
    where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
),

repeated_keys as (
    select operations.source_format, operations.id_key
    from operations
    inner join rebuilt
        on operations.source_format = rebuilt.source_format
        and operations.id_key = rebuilt.id_key
    group by operations.source_format, operations.id_key
    having count(*) > 1
),

copies as (
    select operations.source_format, operations.operation_id, count(*) as copies
    from operations
    inner join repeated_keys
        on operations.source_format = repeated_keys.source_format
        and operations.id_key = repeated_keys.id_key
    group by operations.source_format, operations.operation_id
)

select * from copies where copies.copies > 1
