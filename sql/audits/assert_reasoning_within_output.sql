-- assert_reasoning_within_output
-- Reasoning tokens are a part of output tokens, never more.
-- reads: operations, build_days

select
    operations.source_format,
    operations.operation_id,
    operations.output_tokens,
    operations.reasoning_tokens
from operations
where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
    and operations.reasoning_tokens > operations.output_tokens
