-- assert_allocations_only_ai_usage
-- Every allocation row of the rebuilt days comes from a bucket of AI usage
-- charges (ai_kind 'tokens' or 'other_ai') that is still in the bill: tax,
-- credits, refunds, non-AI and capacity lines are never allocated, and a
-- restated bill leaves no row of a charge it dropped.
-- reads: charge_allocations, int_charges_allocatable, allocation_days

with

allocations as (
    select * from charge_allocations
    where charge_allocations.day in (select allocation_days.day from allocation_days)
),

allocatable_buckets as (
    select distinct int_charges_allocatable.allocation_bucket_id
    from int_charges_allocatable
),

final as (
    select
        allocations.day,
        allocations.allocation_bucket_id,
        allocations.allocated_method_id,
        allocations.allocated_effective_cost
    from allocations
    where allocations.allocation_bucket_id not in (
        select allocatable_buckets.allocation_bucket_id from allocatable_buckets
    )
)

select * from final
