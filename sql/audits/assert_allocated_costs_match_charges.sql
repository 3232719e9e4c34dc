-- assert_allocated_costs_match_charges
-- Per provider, billing period and cost basis (effective, billed, list), the
-- allocated cost the reports read (allocated_costs: every row, features,
-- 'unattributed' and 'unallocated' alike) equals the AI usage charges of
-- that period exactly, in both views (default and --spread-unmatched), for
-- every period the build touched. A provider key the bill does not name is
-- 'unmapped' on both sides.
-- reads: allocated_costs, int_charges_allocatable, allocation_days

with

periods as (
    select distinct
        coalesce(int_charges_allocatable.provider_key, 'unmapped') as provider,
        int_charges_allocatable.billing_period_from,
        int_charges_allocatable.billing_period_to
    from int_charges_allocatable
    where exists (
        select 1 from allocation_days
        where allocation_days.day between int_charges_allocatable.billing_period_from
            and int_charges_allocatable.billing_period_to
    )
),

views as (
    select views.view_name from (values ('default'), ('spread')) as views (view_name)
),

-- per bucket first: a bucket's list cost is NULL when one of its charges has none
charged_buckets as (
    select
        periods.provider,
        periods.billing_period_from,
        int_charges_allocatable.allocation_bucket_id,
        sum(int_charges_allocatable.effective_cost) as effective_cost,
        sum(int_charges_allocatable.billed_cost) as billed_cost,
        case
            when count(int_charges_allocatable.list_cost) = count(*)
                then sum(int_charges_allocatable.list_cost)
        end as list_cost
    from periods
    inner join int_charges_allocatable
        on periods.provider = coalesce(int_charges_allocatable.provider_key, 'unmapped')
        and periods.billing_period_from = int_charges_allocatable.billing_period_from
    group by
        periods.provider,
        periods.billing_period_from,
        int_charges_allocatable.allocation_bucket_id
),

charged as (
    select
        charged_buckets.provider,
        charged_buckets.billing_period_from,
        views.view_name,
        sum(charged_buckets.effective_cost) as effective_cost,
        sum(charged_buckets.billed_cost) as billed_cost,
        sum(charged_buckets.list_cost) as list_cost
    from charged_buckets
    cross join views
    group by charged_buckets.provider, charged_buckets.billing_period_from, views.view_name
),

allocated as (
    select
        periods.provider,
        periods.billing_period_from,
        views.view_name,
        sum(allocated_costs.allocated_effective_cost) as effective_cost,
        sum(allocated_costs.allocated_billed_cost) as billed_cost,
        sum(allocated_costs.allocated_list_cost) as list_cost
    from periods
    inner join allocated_costs
        on periods.provider = allocated_costs.provider
        and allocated_costs.day between periods.billing_period_from and periods.billing_period_to
    cross join views
    where allocated_costs.allocation_variant = 'both'
        or (views.view_name = 'default' and allocated_costs.allocation_variant = 'unallocated')
        or (views.view_name = 'spread' and allocated_costs.allocation_variant = 'spread')
    group by periods.provider, periods.billing_period_from, views.view_name
),

final as (
    select
        charged.provider,
        charged.billing_period_from,
        charged.view_name,
        charged.effective_cost as charged_effective_cost,
        allocated.effective_cost as allocated_effective_cost,
        charged.billed_cost as charged_billed_cost,
        allocated.billed_cost as allocated_billed_cost,
        charged.list_cost as charged_list_cost,
        allocated.list_cost as allocated_list_cost
    from charged
    left join allocated
        on charged.provider = allocated.provider
        and charged.billing_period_from = allocated.billing_period_from
        and charged.view_name = allocated.view_name
    where charged.effective_cost is distinct from allocated.effective_cost
        or charged.billed_cost is distinct from allocated.billed_cost
        or charged.list_cost is distinct from allocated.list_cost
)

select * from final
