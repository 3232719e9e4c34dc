-- charge_allocation_summary
-- Purpose: every allocatable charge and what became of it
--          (`aicost billing allocations` without --charge).
-- Grain:   one row per AI usage charge (int_charges_allocatable).
-- materialized: query
-- reads: int_charges_allocatable, charge_allocations
-- Parameters: $spread (boolean: the --spread-unmatched view), $cost
--          ('effective' | 'billed' | 'list').
-- allocated_method_id: how its bucket was split ('aicost-unallocated' when
-- it matched no operation); groups: the allocated operation groups it was
-- split over; allocated_cost / unallocated_cost: the charge's amount on the
-- side it went to (a charge is allocated whole or not at all).

with

allocatable as (
    select * from int_charges_allocatable
),

bucket_summary as (
    select
        charge_allocations.allocation_bucket_id,
        min(charge_allocations.allocated_method_id) as allocated_method_id,
        count(*) as allocated_groups,
        bool_or(charge_allocations.allocated_method_id = 'aicost-unallocated') as is_unallocated
    from charge_allocations
    where charge_allocations.allocation_variant
        in ('both', case when $spread then 'spread' else 'unallocated' end)
    group by charge_allocations.allocation_bucket_id
),

final as (
    select
        allocatable.charge_id,
        allocatable.day_from as charge_day,
        allocatable.provider_key as provider,
        coalesce(allocatable.model_key, allocatable.bill_model) as model,
        allocatable.token_class,
        allocatable.tier,
        allocatable.ai_kind,
        bucket_summary.allocated_method_id,
        case when bucket_summary.is_unallocated then 0 else bucket_summary.allocated_groups end
            as allocated_groups,
        case $cost
            when 'billed' then allocatable.billed_cost
            when 'list' then allocatable.list_cost
            else allocatable.effective_cost
        end as charge_cost,
        case
            when not bucket_summary.is_unallocated then case $cost
                when 'billed' then allocatable.billed_cost
                when 'list' then allocatable.list_cost
                else allocatable.effective_cost
            end
        end as allocated_cost,
        case
            when bucket_summary.is_unallocated then case $cost
                when 'billed' then allocatable.billed_cost
                when 'list' then allocatable.list_cost
                else allocatable.effective_cost
            end
        end as unallocated_cost,
        allocatable.billing_currency,
        allocatable.allocation_bucket_id
    from allocatable
    left join bucket_summary
        on allocatable.allocation_bucket_id = bucket_summary.allocation_bucket_id
)

select * from final
order by final.charge_day, final.provider, final.model, final.token_class, final.charge_id
