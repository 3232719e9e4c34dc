-- assert_no_negative_amounts
-- No operation has a negative estimated cost or token count.
-- reads: operations, build_days

select
    operations.source_format,
    operations.operation_id,
    operations.estimated_cost
from operations
where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
    and (
        operations.estimated_cost < 0
        or operations.input_tokens < 0
        or operations.cache_read_tokens < 0
        or operations.cache_write_5m_tokens < 0
        or operations.cache_write_1h_tokens < 0
        or operations.output_tokens < 0
        or operations.reasoning_tokens < 0
    )
