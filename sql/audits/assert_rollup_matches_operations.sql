-- assert_rollup_matches_operations
-- For every rebuilt day and feature, the daily rollup sums to the fact table:
-- model calls, tokens, estimated cost and unpriced calls.
-- reads: operations_daily, operation_measures, build_days

with

from_facts as (
    select
        operation_measures.day,
        operation_measures.feature,
        sum(operation_measures.operations) as operations,
        sum(operation_measures.input_tokens + operation_measures.output_tokens) as tokens,
        sum(operation_measures.estimated_cost) as estimated_cost,
        sum(operation_measures.unpriced_operations) as unpriced_operations
    from operation_measures
    where operation_measures.day >= cast(aicost_build_from() as date)
        and operation_measures.day < cast(aicost_build_until() as date)
        and operation_measures.day in (select build_days.day from build_days)
    group by operation_measures.day, operation_measures.feature
),

from_rollup as (
    select
        operations_daily.day,
        operations_daily.feature,
        sum(operations_daily.operations) as operations,
        sum(operations_daily.input_tokens + operations_daily.output_tokens) as tokens,
        sum(operations_daily.estimated_cost) as estimated_cost,
        sum(operations_daily.unpriced_operations) as unpriced_operations
    from operations_daily
    where operations_daily.day >= cast(aicost_build_from() as date)
        and operations_daily.day < cast(aicost_build_until() as date)
        and operations_daily.day in (select build_days.day from build_days)
    group by operations_daily.day, operations_daily.feature
)

select
    coalesce(from_facts.day, from_rollup.day) as day,
    coalesce(from_facts.feature, from_rollup.feature) as feature
from from_facts
full outer join from_rollup
    on from_facts.day = from_rollup.day
    and from_facts.feature = from_rollup.feature
where from_facts.operations is distinct from from_rollup.operations
    or from_facts.tokens is distinct from from_rollup.tokens
    or from_facts.estimated_cost is distinct from from_rollup.estimated_cost
    or from_facts.unpriced_operations is distinct from from_rollup.unpriced_operations
