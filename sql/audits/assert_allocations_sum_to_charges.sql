-- assert_allocations_sum_to_charges
-- For every allocation bucket of the rebuilt charge periods, in both views of
-- the allocation (default: rows 'both' + 'unallocated'; --spread-unmatched:
-- 'both' + 'spread'), the allocated effective, billed and list costs sum to
-- its charges' exactly (list: NULL when a charge has none, on both sides),
-- and the allocated ratios to exactly 1. Each charge's own split is derived
-- from its bucket's ratios by the same largest-remainder rule
-- (sql/reports/charge_allocation_splits.sql).
-- reads: charge_allocations, int_charges_allocatable, allocation_days

with

charges_in_scope as (
    select * from int_charges_allocatable
    where exists (
        select 1 from allocation_days
        where allocation_days.day
            between int_charges_allocatable.day_from and int_charges_allocatable.day_to
    )
),

views as (
    select views.view_name from (values ('default'), ('spread')) as views (view_name)
),

expected as (
    select
        charges_in_scope.allocation_bucket_id,
        views.view_name,
        sum(charges_in_scope.effective_cost) as effective_cost,
        sum(charges_in_scope.billed_cost) as billed_cost,
        case
            when count(charges_in_scope.list_cost) = count(*) then sum(charges_in_scope.list_cost)
        end as list_cost,
        cast(1 as decimal(38, 18)) as ratio
    from charges_in_scope
    cross join views
    group by charges_in_scope.allocation_bucket_id, views.view_name
),

allocated as (
    select
        charge_allocations.allocation_bucket_id,
        views.view_name,
        sum(charge_allocations.allocated_effective_cost) as effective_cost,
        sum(charge_allocations.allocated_billed_cost) as billed_cost,
        case
            when count(charge_allocations.allocated_list_cost) = count(*)
                then sum(charge_allocations.allocated_list_cost)
        end as list_cost,
        sum(charge_allocations.allocated_ratio) as ratio
    from charge_allocations
    cross join views
    where charge_allocations.day in (select allocation_days.day from allocation_days)
        and (charge_allocations.allocation_variant = 'both'
            or (views.view_name = 'default'
                and charge_allocations.allocation_variant = 'unallocated')
            or (views.view_name = 'spread'
                and charge_allocations.allocation_variant = 'spread'))
    group by charge_allocations.allocation_bucket_id, views.view_name
),

final as (
    select
        coalesce(expected.allocation_bucket_id, allocated.allocation_bucket_id)
            as allocation_bucket_id,
        coalesce(expected.view_name, allocated.view_name) as view_name,
        expected.effective_cost as charged_effective_cost,
        allocated.effective_cost as allocated_effective_cost,
        expected.billed_cost as charged_billed_cost,
        allocated.billed_cost as allocated_billed_cost,
        expected.list_cost as charged_list_cost,
        allocated.list_cost as allocated_list_cost,
        allocated.ratio as allocated_ratio
    from expected
    full outer join allocated
        on expected.allocation_bucket_id = allocated.allocation_bucket_id
        and expected.view_name = allocated.view_name
    where expected.effective_cost is distinct from allocated.effective_cost
        or expected.billed_cost is distinct from allocated.billed_cost
        or expected.list_cost is distinct from allocated.list_cost
        or expected.ratio is distinct from allocated.ratio
)

select * from final
