-- assert_operations_match_landing
-- Every rebuilt day holds exactly the operations landed for it: nothing lost
-- and nothing doubled between landing and the fact table.
-- reads: int_operations_unioned, operations, build_days

with

landed as (
    select cast(int_operations_unioned.started_at as date) as day, count(*) as landed
    from int_operations_unioned
    group by 1
),

built as (
    select operations.day, count(*) as built
    from operations
    where operations.day >= cast(aicost_build_from() as date)
        and operations.day < cast(aicost_build_until() as date)
        and operations.day in (select build_days.day from build_days)
    group by operations.day
)

select
    coalesce(landed.day, built.day) as day,
    coalesce(landed.landed, 0) as landed,
    coalesce(built.built, 0) as built
from landed
full outer join built on landed.day = built.day
where coalesce(landed.landed, 0) <> coalesce(built.built, 0)
